// "Add to playlist" from any track row: pick one of the viewer's playlists
// or name a new one. Items are locker item IDs or catalogue track IDs.

import { h, field, toast, errorMessage, note } from './dom.js';
import { gql } from './api.js';
import { currentUser } from './session.js';
import { openDialog } from './dialog.js';

const PLAYLISTS = `query PlaylistsToAddTo { viewer { playlists(first: 100) { nodes { id name itemCount } } } }`;
const ADD = `mutation AddToPlaylist($playlistId: ID!, $itemIds: [ID!]!) {
  addToPlaylist(playlistId: $playlistId, itemIds: $itemIds) { id name itemCount } }`;
const CREATE = `mutation CreatePlaylistWith($input: CreatePlaylistInput!) { createPlaylist(input: $input) { id name itemCount } }`;

/** Opens the picker for `items` (objects with `id` and `title`). */
export async function addToPlaylist(items) {
  if (!currentUser()) {
    toast('Sign in to make playlists.', 'error');
    return;
  }
  const what = items.length === 1 ? `“${items[0].title}”` : `${items.length} tracks`;
  const itemIds = items.map((item) => item.id);
  await openDialog(`Add ${items.length === 1 ? 'to' : `${items.length} tracks to`} a playlist`, (close) => {
    const error = h('p', { class: 'error', role: 'alert' });
    const list = h('ul', { class: 'list' }, h('li', {}, note('Loading your playlists…')));
    const name = h('input', { type: 'text', required: true, maxlength: 200, autocomplete: 'off' });
    /** Runs one add (or create-and-add) with `control` disabled meanwhile. */
    const busy = async (control, work) => {
      error.textContent = '';
      control.disabled = true;
      try {
        const playlist = await work();
        toast(`Added ${what} to ${playlist.name}.`);
        close(playlist);
      } catch (err) {
        error.textContent = errorMessage(err);
        control.disabled = false;
      }
    };
    gql(PLAYLISTS).then((data) => {
      const playlists = data.viewer?.playlists.nodes ?? [];
      list.replaceChildren(...(playlists.length
        ? playlists.map((playlist) => h('li', { class: 'row' },
          h('div', { class: 'main' }, h('div', { class: 'title' }, playlist.name),
            h('div', { class: 'meta' }, `${playlist.itemCount} tracks`)),
          h('button', {
            type: 'button',
            'aria-label': `Add to ${playlist.name}`,
            onclick: (event) => busy(event.currentTarget,
              async () => (await gql(ADD, { playlistId: playlist.id, itemIds })).addToPlaylist),
          }, 'Add')))
        : [h('li', {}, note('No playlists yet: make one below.'))]));
    }).catch((err) => { error.textContent = errorMessage(err); });
    const create = h('button', { type: 'submit', class: 'primary' }, 'Create and add');
    const form = h('form', { class: 'toolbar' }, field('New playlist', name), create);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (!name.value.trim()) {
        error.textContent = 'Give the playlist a name.';
        return;
      }
      busy(create, async () => (await gql(CREATE, { input: { name: name.value.trim(), itemIds } })).createPlaylist);
    });
    return h('div', { class: 'picker' }, list, form, error,
      h('div', { class: 'toolbar' }, h('button', { type: 'button', onclick: () => close() }, 'Cancel')));
  });
}
