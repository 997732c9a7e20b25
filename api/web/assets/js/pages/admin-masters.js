// Attaching master audio (what buyers of a track receive): find the track
// by searching the catalogue or browsing its albums, then upload the file.

import { h, replace, field, errorMessage, actionButton, note, focusFirstOf } from '../dom.js';
import { gql, upload } from '../api.js';
import { duration } from '../format.js';

const TRACK_FIELDS = 'id title trackNumber durationMs hasMasterAudio artist { name } album { title }';
const ALBUM_FIELDS = `id title releaseYear artist { name } tracks { ${TRACK_FIELDS} }`;
const PAGE_SIZE = 10;

const ATTACH = `mutation Attach($trackId: ID!, $file: Upload!) {
  attachTrackAudio(trackId: $trackId, file: $file) { id hasMasterAudio }
}`;

function masterState(track) {
  return track.hasMasterAudio ? 'Master attached' : 'No master yet';
}

/** A track with its state and an upload of its master. */
function trackRow(track, ctx) {
  const label = `Master audio for “${track.title}”`;
  const state = h('span', { class: `tag ${track.hasMasterAudio ? 'ok' : ''}` }, masterState(track));
  const file = h('input', { type: 'file', accept: 'audio/*', 'aria-label': label });
  const progress = h('progress', { max: 100, value: 0, hidden: true, 'aria-label': `Upload of the master for “${track.title}”` });
  const message = h('span', { role: 'status' });
  const send = actionButton('Attach master', async () => {
    const chosen = file.files[0];
    if (!chosen) {
      message.textContent = 'Choose an audio file first.';
      return;
    }
    progress.hidden = false;
    message.textContent = '';
    try {
      const data = await upload(ATTACH, { trackId: track.id }, chosen, {
        signal: ctx.signal,
        onProgress: (sent, total) => { progress.value = Math.round((sent / total) * 100); },
      });
      track.hasMasterAudio = data.attachTrackAudio.hasMasterAudio;
      state.textContent = masterState(track);
      state.classList.toggle('ok', track.hasMasterAudio);
      message.textContent = `Attached to “${track.title}”: buyers can play it now.`;
      file.value = '';
    } catch (err) {
      message.textContent = `Not attached: ${errorMessage(err)}`;
    } finally {
      progress.hidden = true;
    }
  }, { 'aria-label': `Attach master to “${track.title}”` });
  return h('li', { class: 'row', 'data-testid': 'master-track' },
    h('div', { class: 'main' },
      h('div', { class: 'title' }, track.trackNumber ? `${track.trackNumber}. ${track.title}` : track.title),
      h('div', { class: 'meta' }, `${track.artist.name} · ${track.album.title} · ${duration(track.durationMs / 1000)} `, state)),
    h('div', { class: 'actions' }, file, send, progress, message));
}

function albumBlock(album, ctx) {
  return h('li', { class: 'master-album' },
    h('details', {},
      h('summary', {}, `${album.title} — ${album.artist.name}${album.releaseYear ? ` (${album.releaseYear})` : ''}`,
        ` · ${album.tracks.length} tracks`),
      h('ul', { class: 'list' }, album.tracks.map((track) => trackRow(track, ctx)))));
}

export function mastersSection(ctx) {
  const query = h('input', { type: 'search', name: 'q', autocomplete: 'off' });
  const results = h('div', { 'aria-live': 'polite' });
  const error = h('p', { class: 'error', role: 'alert' });
  /** Each list asked for (browse or find) gets a number: an older answer must not replace a newer one. */
  let latest = 0;

  const browse = async (after = null) => {
    const mine = after ? latest : ++latest;
    const { albums } = await gql(`query Albums($first: Int, $after: String) {
      albums(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { ${ALBUM_FIELDS} } }
    }`, { first: PAGE_SIZE, after });
    if (ctx.signal.aborted || mine !== latest) return;
    let list = results.querySelector('ul.albums');
    if (!after || !list) {
      list = h('ul', { class: 'list albums', 'aria-label': 'Albums' });
      results.replaceChildren(h('p', { class: 'note' }, `All ${albums.totalCount} albums, by title. Open one to see its tracks.`), list);
    }
    results.querySelector('.more')?.remove();
    const blocks = albums.nodes.map((album) => albumBlock(album, ctx));
    list.append(...blocks);
    if (after) focusFirstOf(blocks);
    if (albums.pageInfo.hasNextPage) {
      results.append(actionButton('Show more albums', () => browse(albums.pageInfo.endCursor), { class: 'more' }));
    }
  };

  const find = async (words) => {
    const mine = ++latest;
    const { search } = await gql(`query Find($q: String!) {
      search(query: $q, scope: CATALOGUE, first: 20) {
        totalCount
        edges { node { item { __typename ... on Track { ${TRACK_FIELDS} } ... on Album { ${ALBUM_FIELDS} } } } }
      }
    }`, { q: words });
    if (ctx.signal.aborted || mine !== latest) return;
    const items = search.edges.map((edge) => edge.node.item);
    const tracks = items.filter((item) => item.__typename === 'Track');
    const albums = items.filter((item) => item.__typename === 'Album');
    replace(results,
      items.length === 0 ? note(`No track or album matches “${words}”.`) : null,
      tracks.length ? [h('h3', {}, 'Tracks'), h('ul', { class: 'list' }, tracks.map((t) => trackRow(t, ctx)))] : null,
      albums.length ? [h('h3', {}, 'Albums'), h('ul', { class: 'list' }, albums.map((a) => albumBlock(a, ctx)))] : null);
  };

  const form = h('form', { class: 'toolbar', role: 'search' },
    field('Find a track or album', query, 'Title, artist or album; leave empty to browse every album.'),
    h('button', { type: 'submit' }, 'Find'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    try {
      const words = query.value.trim();
      await (words ? find(words) : browse());
    } catch (err) {
      error.textContent = errorMessage(err);
    }
  });
  browse().catch((err) => { error.textContent = errorMessage(err); });

  return h('section', { class: 'card', 'aria-labelledby': 'masters-title' },
    h('h2', { id: 'masters-title' }, 'Attach master audio'),
    h('p', { class: 'hint' }, 'The file buyers of a track receive and play. Until it is attached, the track shows in their '
      + 'locker but cannot be played.'),
    form, error, results);
}
