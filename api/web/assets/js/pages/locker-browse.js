// Browsing the locker by artist, album and genre.

import { h, note, toast, errorMessage } from '../dom.js';
import { duration, plural } from '../format.js';
import { gql } from '../api.js';
import { cover } from '../cover.js';
import { ALBUM_FIELDS } from '../fields.js';
import { playQueue } from '../player.js';
import { addToPlaylist } from '../add-to-playlist.js';
import { fetchItems, lockerRow } from './locker-list.js';

const ARTISTS = `query LockerArtists($after: String) { viewer { locker { artists(first: 100, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } nodes { id name albumCount trackCount } } } } }`;
const ARTIST = `query LockerArtist($id: ID!) { viewer { locker { artist(id: $id) { name }
  albums(artistId: $id, first: 100) { nodes { ${ALBUM_FIELDS} } } } } }`;
const ALBUMS = `query LockerAlbums($after: String) { viewer { locker { albums(first: 60, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } nodes { ${ALBUM_FIELDS} } } } } }`;
const GENRES = 'query LockerGenres { viewer { locker { usage { itemCount } genres { name trackCount } } } }';

/** How many items a grouped view (an artist's, an album's) reads at most. */
const GROUP_LIMIT = 1000;

const enc = encodeURIComponent;
export const artistHref = (id) => `#/locker/artist/${enc(id)}`;
export const albumHref = (id) => `#/locker/album/${enc(id)}`;

/** A paged list: renders each page's nodes with `item`, with a "Load more" button. */
function paged(query, pick, item, { signal, tag = 'ul', cls = 'list', label, empty }) {
  const list = h(tag, { class: cls, 'aria-label': label });
  const more = h('button', { type: 'button', hidden: true }, 'Load more');
  const emptyNote = note(empty);
  emptyNote.hidden = true;
  let cursor = null;
  const load = async () => {
    more.disabled = true;
    try {
      const page = pick(await gql(query, { after: cursor }));
      if (signal.aborted) return;
      cursor = page.pageInfo.endCursor;
      list.append(...page.nodes.map(item));
      more.hidden = !page.pageInfo.hasNextPage;
      emptyNote.hidden = page.totalCount > 0;
    } catch (err) {
      toast(errorMessage(err), 'error');
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener('click', load);
  return { element: [list, emptyNote, more], ready: load() };
}

export async function artistsView(ctx) {
  const view = paged(ARTISTS, (d) => d.viewer.locker.artists, (artist) =>
    h('li', { class: 'row' }, cover(null, artist.name, { small: true }),
      h('div', { class: 'main' },
        h('a', { class: 'title', href: artistHref(artist.id) }, artist.name),
        h('div', { class: 'meta' }, `${plural(artist.albumCount, 'album')} · ${plural(artist.trackCount, 'track')}`))),
  { signal: ctx.signal, label: 'Artists', empty: 'No artists yet: upload some music.' });
  await view.ready;
  return [h('h2', {}, 'Artists'), view.element];
}

/** An album as a tile of a grid: cover, title, what it holds. */
const albumTile = (album) => h('li', { class: 'tile' }, cover(album.coverUrl ?? null, album.title),
  h('a', { href: albumHref(album.id) }, album.title),
  h('span', { class: 'meta' }, [album.artist, album.year, plural(album.trackCount, 'track')].filter(Boolean).join(' · ')));

export async function albumsView(ctx) {
  const view = paged(ALBUMS, (d) => d.viewer.locker.albums, albumTile,
    { signal: ctx.signal, cls: 'grid', label: 'Albums', empty: 'No albums yet: upload some music.' });
  await view.ready;
  return [h('h2', {}, 'Albums'), view.element];
}

/** Every item matching `filter`, in artist/album/track order (up to GROUP_LIMIT). */
async function allItems(filter, signal) {
  const items = [];
  let after = null;
  do {
    const page = await fetchItems({ filter, sort: 'ARTIST_ALBUM', after });
    if (signal.aborted) return items;
    items.push(...page.nodes);
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
  } while (after && items.length < GROUP_LIMIT);
  return items;
}

const COVER = 'query AlbumCover($id: ID!) { node(id: $id) { ... on LockerItem { coverUrl(size: 300) } } }';

/**
 * One album's block (its items share an albumId): cover, heading, play and
 * add-all buttons, its rows. On the album's own page (`page`) the cover is
 * large (fetched at 300 px) and the title is not a link to where the
 * reader already is.
 */
function albumBlock(ctx, title, artist, items, context, { page = false } = {}) {
  const queue = () => items;
  const onChange = () => ctx.navigate(location.hash);
  const name = title || 'Unknown album';
  const withCover = items.find((item) => item.coverUrl);
  const art = h('div', { class: page ? 'album-cover' : 'album-thumb' }, cover(withCover?.coverUrl ?? null, name, { small: !page }));
  if (page && withCover) {
    gql(COVER, { id: withCover.id }).then((data) => {
      const url = data.node?.coverUrl;
      if (url && !ctx.signal.aborted) art.replaceChildren(cover(url, name));
    }).catch(() => {});
  }
  const tracks = items.length;
  const total = items.reduce((sum, item) => sum + (item.durationMs || 0), 0);
  return h('section', { class: `album${page ? ' album-page' : ' card'}` },
    h('div', { class: 'album-head' },
      art,
      h('div', { class: 'main' },
        page ? h('p', { class: 'eyebrow' }, 'Album') : null,
        h(page ? 'h2' : 'h3', {}, page ? name : h('a', { href: albumHref(items[0]?.albumId) }, name)),
        h('div', { class: 'meta' }, [artist, items[0]?.year, plural(tracks, 'track'), duration(total / 1000)].filter(Boolean).join(' · ')),
        h('div', { class: 'actions' },
          h('button', {
            type: 'button', class: 'primary', 'aria-label': `Play album ${name}`,
            disabled: !items.some((item) => item.streamable),
            onclick: () => playQueue(items.filter((item) => item.streamable), 0, { context }),
          }, h('span', { 'aria-hidden': 'true' }, '▶'), 'Play album'),
          h('button', { type: 'button', onclick: () => addToPlaylist(items) }, 'Add album to a playlist')))),
    h('ul', { class: 'list', 'aria-label': `Tracks of ${name}` },
      items.map((item) => lockerRow(item, { queue, context, onChange }))));
}

export async function artistView(ctx, id) {
  const [found, items] = await Promise.all([gql(ARTIST, { id }), allItems({ artistId: id }, ctx.signal)]);
  const { artist, albums } = found.viewer.locker;
  const byAlbum = new Map();
  for (const item of items) {
    if (!byAlbum.has(item.albumId)) byAlbum.set(item.albumId, []);
    byAlbum.get(item.albumId).push(item);
  }
  // An artist named only as albums' artist (a compilation's) has no tracks of its own: its albums.
  const own = items.length === 0 && albums.nodes.length > 0;
  return [
    h('p', {}, h('a', { href: '#/locker/artists' }, '← All artists')),
    h('h2', {}, artist?.name ?? 'Unknown artist'),
    items.length || own ? null : note('No tracks by this artist in your locker.'),
    own ? h('ul', { class: 'grid', 'aria-label': 'Albums' }, albums.nodes.map(albumTile)) : null,
    [...byAlbum.values()].map((tracks) => albumBlock(ctx, tracks[0].album, tracks[0].albumArtist || tracks[0].artist, tracks, 'artist')),
  ];
}

export async function albumView(ctx, id) {
  const items = await allItems({ albumId: id }, ctx.signal);
  return [
    h('p', {}, h('a', { href: '#/locker/albums' }, '← All albums')),
    items.length
      ? albumBlock(ctx, items[0].album, items[0].albumArtist || items[0].artist, items, 'album', { page: true })
      : note('No tracks of this album in your locker.'),
  ];
}

export async function genresView(ctx) {
  const { usage, genres } = (await gql(GENRES)).viewer.locker;
  if (ctx.signal.aborted) return [];
  const untagged = usage.itemCount - genres.reduce((sum, genre) => sum + genre.trackCount, 0);
  return [
    h('h2', {}, 'Genres'),
    genres.length
      ? h('ul', { class: 'list', 'aria-label': 'Genres' }, genres.map(({ name: genre, trackCount: n }) =>
        h('li', { class: 'row' }, h('div', { class: 'main' },
          h('a', { class: 'title', href: `#/locker/genre/${enc(genre)}` }, genre),
          h('div', { class: 'meta' }, n === 1 ? '1 track' : `${n} tracks`)))))
      : note('No genres tagged yet.'),
    untagged ? note(`${plural(untagged, 'track')} ${untagged === 1 ? 'has' : 'have'} no genre tag; edit the tags to give ${untagged === 1 ? 'it' : 'them'} one.`) : null,
  ];
}
