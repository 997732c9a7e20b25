// Search as you type, over the locker and the catalogue (scope ALL; a
// signed-out visitor gets the catalogue). Each hit shows the API's
// highlight (only its <em> becomes markup); genre facets narrow the
// results; locker items play and go into playlists, catalogue hits link to
// what sells them. The address (#/search?q=…&genre=…) follows the box.

import { h, heading, note, highlight, unescapeHtml, errorMessage, field } from '../dom.js';
import { gql } from '../api.js';
import { cover } from '../cover.js';
import { ITEM_FIELDS, playable } from '../fields.js';
import { trackRow } from '../tracks.js';
import { albumHref } from './locker-browse.js';

const SEARCH = `query Search($query: String!, $genre: String, $after: String) {
  search(query: $query, scope: ALL, genre: $genre, first: 30, after: $after) {
    totalCount genreFacets { value count } pageInfo { hasNextPage endCursor }
    edges { node { highlight item {
      __typename
      ... on LockerItem { ${ITEM_FIELDS} }
      ... on Track { id title durationMs artist { id name } album { id title coverUrl(size: 64) product { id } }
        product { id price { formatted } } }
      ... on Album { id title releaseYear coverUrl(size: 64) artist { id name } product { id price { formatted } } }
      ... on Artist { id name genres }
      ... on Product { id title kind price { formatted }
        album { id title coverUrl(size: 64) artist { id name } } track { id title artist { id name } album { title coverUrl(size: 64) } } }
    } } } } }`;

/** Wait this long after the last keystroke before asking. */
const DEBOUNCE_MS = 200;
/** The genre chips would fill a phone's screen: this many (three on a phone), then "n more genres". */
const facetsShown = () => (matchMedia('(max-width: 600px)').matches ? 3 : 6);

const productHref = (id) => `#/product/${encodeURIComponent(id)}`;
const artistHref = (id) => `#/artist/${encodeURIComponent(id)}`;

/** The text of a highlight, without its <em>s. */
const plain = (html) => unescapeHtml(String(html ?? '').replace(/<\/?em>/g, ''));
const same = (a, b) => (a ?? '').trim().toLocaleLowerCase() === (b ?? '').trim().toLocaleLowerCase();

/**
 * The API's highlight joins the matching fields (title, artist, album)
 * with " — ". Splits it by field: `title` is the title highlighted (when
 * it matched), `fields.artist`/`fields.album` the others highlighted, to
 * show in their own place beneath the title; `beneath` any matched text
 * that is none of them.
 */
export function matchedFields(html, fields) {
  const parts = String(html ?? '').split(' — ').filter(Boolean);
  let title = null;
  const found = {};
  const rest = [];
  for (const part of parts) {
    const text = plain(part);
    if (same(text, fields.title)) {
      // (An artist's name is both its title and its artist: shown once.)
      title ??= highlight(part);
      continue;
    }
    const name = Object.keys(fields).find((key) => key !== 'title' && !found[key] && same(text, fields[key]));
    if (name) found[name] = highlight(part);
    else rest.push(h('span', { class: 'matched' }, highlight(part)));
  }
  return { title, fields: found, beneath: rest.length ? h('div', { class: 'matched-line' }, 'Matched: ', rest) : null };
}

/** "Artist — Album", each highlighted where the query matched it. */
function metaOf(artist, album, found, extra = null) {
  const parts = [];
  if (artist) parts.push(found.artist ?? artist);
  if (album) parts.push(found.album ?? album);
  const line = [];
  parts.forEach((part, i) => line.push(i ? ' — ' : '', part));
  if (extra) line.push(` · ${extra}`);
  return line;
}

/**
 * What a catalogue hit is, as one row: a track or an album and its
 * product are the same thing for sale (one key for both), an artist its own.
 */
function keyOf(item) {
  switch (item.__typename) {
    case 'Product': return item.kind === 'ALBUM' ? `album:${item.album?.id ?? item.id}` : `track:${item.track?.id ?? item.id}`;
    case 'Album': return `album:${item.id}`;
    case 'Track': return `track:${item.id}`;
    case 'Artist': return `artist:${item.id}`;
    default: return `locker:${item.id}`;
  }
}

/** A catalogue hit's row: the title leads (a link), what matched beneath, then what it is and its price. */
function catalogueRow(hit) {
  const item = hit.item;
  let kind;
  let name;
  let artist = null;
  let album = null;
  let price = null;
  let picture = null;
  let href;
  switch (item.__typename) {
    case 'Product':
      kind = item.kind === 'ALBUM' ? 'Album' : 'Track';
      name = item.title;
      artist = item.track?.artist ?? item.album?.artist ?? null;
      album = item.kind === 'TRACK' ? item.track?.album?.title : null;
      price = item.price?.formatted;
      picture = item.album?.coverUrl ?? item.track?.album?.coverUrl ?? null;
      href = productHref(item.id);
      break;
    case 'Album':
      kind = 'Album';
      name = item.title;
      artist = item.artist;
      price = item.product?.price?.formatted;
      picture = item.coverUrl;
      href = item.product ? productHref(item.product.id) : artistHref(item.artist.id);
      break;
    case 'Track':
      kind = 'Track';
      name = item.title;
      artist = item.artist;
      album = item.album.title;
      price = item.product?.price?.formatted;
      picture = item.album.coverUrl;
      href = item.product ? productHref(item.product.id)
        : item.album.product ? productHref(item.album.product.id) : artistHref(item.artist.id);
      break;
    default:
      kind = 'Artist';
      name = item.name;
      href = artistHref(item.id);
  }
  const { title, fields, beneath } = matchedFields(hit.highlight, { title: name, artist: artist?.name, album });
  const meta = [
    h('span', { class: 'tag' }, kind),
    kind === 'Artist' ? item.genres.join(', ') : metaOf(artist?.name, album, fields),
  ];
  return h('li', { class: 'row hit', 'data-testid': 'search-hit', 'data-kind': kind, 'data-key': keyOf(item) },
    cover(picture, kind === 'Artist' ? name : album || name, { small: true }),
    h('div', { class: 'main' },
      h('a', { class: 'title', href }, title ?? name),
      beneath,
      h('div', { class: 'meta' }, meta)),
    price ? h('span', { class: 'price' }, price) : null);
}

export function render(ctx) {
  const input = h('input', {
    type: 'search', name: 'q', value: ctx.query.get('q') ?? '', autocomplete: 'off', spellcheck: 'false',
    placeholder: 'Titles, artists, albums…',
  });
  let genre = ctx.query.get('genre') || null;
  const status = h('p', { class: 'meta', role: 'status', 'aria-live': 'polite' });
  const facets = h('div', { class: 'facets toolbar', role: 'group', 'aria-label': 'Filter by genre' });
  const results = h('ul', { class: 'list', 'aria-label': 'Results' });
  const more = h('button', { type: 'button', hidden: true }, 'More results');
  let hits = [];
  const seen = new Set();
  let cursor = null;
  let timer = null;
  /** Every search gets a number; an answer to an older one is dropped. */
  let latest = 0;

  const lockerQueue = () => hits.filter((hit) => hit.item.__typename === 'LockerItem').map((hit) => hit.item);

  function hitRow(hit) {
    if (hit.item.__typename === 'LockerItem') {
      const item = hit.item;
      const { title, fields, beneath } = matchedFields(hit.highlight, { title: item.title, artist: item.artist, album: item.album });
      return trackRow(item, {
        queue: lockerQueue, context: 'search', testid: 'search-hit',
        title, beneath,
        meta: Object.keys(fields).length
          ? metaOf(item.artist, item.album, fields, item.trackNumber ? `#${item.trackNumber}` : null)
          : null,
        href: albumHref(item.albumId),
        tags: ['In my locker'],
      });
    }
    return catalogueRow(hit);
  }

  let allFacets = false;
  let lastFacets = [];
  // A phone shows fewer chips: a rotation or a resize redraws them.
  const narrow = matchMedia('(max-width: 600px)');
  const onWidth = () => renderFacets(lastFacets);
  narrow.addEventListener('change', onWidth);
  ctx.signal.addEventListener('abort', () => narrow.removeEventListener('change', onWidth));
  function renderFacets(list) {
    lastFacets = list;
    const button = (value, label) => h('button', {
      type: 'button', class: 'facet', 'aria-pressed': String(genre === value),
      onclick: () => {
        genre = genre === value ? null : value;
        run(true);
      },
    }, label);
    if (!list.length && !genre) {
      facets.replaceChildren();
      return;
    }
    // The chosen genre stays visible even when it is not among the first few.
    const shown = allFacets ? list : list.filter((facet, i) => i < facetsShown() || facet.value === genre);
    const rest = list.length - shown.length;
    facets.replaceChildren(...[
      button(null, 'All genres'),
      ...shown.map((facet) => button(facet.value, `${facet.value} (${facet.count})`)),
      rest > 0 || allFacets
        ? h('button', {
          type: 'button', class: 'link', 'aria-expanded': String(allFacets),
          onclick: () => {
            allFacets = !allFacets;
            renderFacets(list);
            facets.querySelector('button.link')?.focus();
          },
        }, allFacets ? 'Fewer genres' : `${rest} more genre${rest === 1 ? '' : 's'}`)
        : null,
    ].filter(Boolean));
  }

  function syncAddress(q) {
    const params = new URLSearchParams();
    if (q) params.set('q', q);
    if (genre) params.set('genre', genre);
    const hash = `#/search${params.size ? `?${params}` : ''}`;
    // Not a navigation: the page stays, the address follows (and survives a reload).
    if (location.hash !== hash) history.replaceState(history.state, '', hash);
  }

  async function run(fresh) {
    const q = input.value.trim();
    syncAddress(q);
    const mine = ++latest;
    if (!q) {
      hits = [];
      results.replaceChildren();
      facets.replaceChildren();
      status.textContent = 'Type to search your locker and the catalogue.';
      more.hidden = true;
      return;
    }
    if (fresh) {
      // "More results" belongs to the previous query's cursor: gone until this one answers.
      cursor = null;
      more.hidden = true;
    }
    more.disabled = true;
    status.textContent = 'Searching…';
    try {
      const data = await gql(SEARCH, { query: q, genre, after: fresh ? null : cursor });
      if (mine !== latest || ctx.signal.aborted) return;
      const { search } = data;
      if (fresh) {
        seen.clear();
        results.replaceChildren();
      }
      // One row per thing: a track or album and the product that sells it
      // are one row (the first of them to come, with the price), even
      // across pages.
      const page = [];
      for (const edge of search.edges) {
        const hit = edge.node;
        const key = keyOf(hit.item);
        if (seen.has(key)) continue;
        seen.add(key);
        page.push(hit.item.__typename === 'LockerItem' ? { ...hit, item: playable(hit.item) } : hit);
      }
      hits = fresh ? page : [...hits, ...page];
      cursor = search.pageInfo.endCursor;
      results.append(...page.map(hitRow));
      more.hidden = !search.pageInfo.hasNextPage;
      if (fresh) allFacets = false;
      renderFacets(search.genreFacets);
      // Rows, not matches, once every page is here (a product and its album are one row).
      const count = search.pageInfo.hasNextPage ? search.totalCount : seen.size;
      const where = `for “${q}”${genre ? ` in ${genre}` : ''}`;
      status.textContent = count === 0 ? `Nothing found ${where}.` : `${count === 1 ? '1 result' : `${count} results`} ${where}.`;
    } catch (err) {
      if (mine !== latest) return;
      status.textContent = errorMessage(err);
    } finally {
      if (mine === latest) more.disabled = false;
    }
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => run(true), DEBOUNCE_MS);
  });
  more.addEventListener('click', () => run(false));
  const form = h('form', { role: 'search', class: 'search-form' }, field('Search', input));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearTimeout(timer);
    run(true);
  });
  ctx.signal.addEventListener('abort', () => clearTimeout(timer));
  run(true);
  const page = h('div', { class: 'search' }, heading('Search'), form, facets, status, results, more,
    ctx.user ? null : note('Signed out, you search the catalogue; sign in to search your locker too.'));
  return page;
}
