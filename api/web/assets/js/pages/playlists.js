// Playlists: the list (most recently changed first) with "New playlist",
// and one playlist's page (playlist-page.js) at #/playlists/<id>.

import { h, heading, note, field, errorMessage, onSubmit, toast } from '../dom.js';
import { gql } from '../api.js';
import { duration } from '../format.js';
import { playlistPage } from './playlist-page.js';

const LIST = `query Playlists($after: String) { viewer { playlists(first: 50, after: $after) {
  totalCount pageInfo { hasNextPage endCursor }
  nodes { id name description itemCount durationMs excludedFromTasteProfile } } } }`;
const CREATE = `mutation CreatePlaylist($input: CreatePlaylistInput!) { createPlaylist(input: $input) { id } }`;

function playlistRow(playlist) {
  return h('li', { class: 'row', 'data-testid': 'playlist' },
    h('div', { class: 'main' },
      h('a', { class: 'title', href: `#/playlists/${encodeURIComponent(playlist.id)}` }, playlist.name),
      h('div', { class: 'meta' },
        `${playlist.itemCount === 1 ? '1 track' : `${playlist.itemCount} tracks`} · ${duration(playlist.durationMs / 1000)}`,
        playlist.excludedFromTasteProfile ? ' · not in my taste' : '',
        playlist.description ? ` · ${playlist.description}` : '')));
}

function createForm(ctx) {
  const name = h('input', { type: 'text', name: 'name', required: true, maxlength: 200, autocomplete: 'off' });
  const error = h('p', { class: 'error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Create playlist');
  const form = h('form', { class: 'card toolbar create-playlist', novalidate: true },
    field('Playlist name', name), submit, error);
  return onSubmit(form, async () => {
    if (!name.value.trim()) {
      error.textContent = 'Give the playlist a name.';
      name.focus();
      return;
    }
    const data = await gql(CREATE, { input: { name: name.value.trim() } });
    ctx.navigate(`#/playlists/${encodeURIComponent(data.createPlaylist.id)}`);
  }, { error, submit });
}

async function listPage(ctx) {
  const list = h('ul', { class: 'list', 'aria-label': 'Your playlists' });
  const more = h('button', { type: 'button', hidden: true }, 'Load more');
  let cursor = null;
  let total = 0;
  const load = async () => {
    const page = (await gql(LIST, { after: cursor })).viewer.playlists;
    cursor = page.pageInfo.endCursor;
    total = page.totalCount;
    list.append(...page.nodes.map(playlistRow));
    more.hidden = !page.pageInfo.hasNextPage;
  };
  more.addEventListener('click', () => load().catch((err) => toast(errorMessage(err), 'error')));
  await load();
  return h('div', { class: 'playlists' },
    heading('Playlists'),
    createForm(ctx),
    total ? list : note('No playlists yet. Make one above, or use “Add to a playlist” (+) on any track.'),
    more);
}

export function render(ctx) {
  return ctx.params.id ? playlistPage(ctx, ctx.params.id) : listPage(ctx);
}
