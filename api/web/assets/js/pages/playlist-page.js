// One playlist: play it, rename it, exclude it from the taste profile,
// delete it, and edit its entries: remove, and reorder by drag and drop
// (HTML5 DnD on the rows) or by keyboard (Move up/Move down buttons, or
// Alt+ArrowUp/ArrowDown on a focused row). Each move is saved at once with
// `movePlaylistEntry`; the row moves first and goes back if the API refuses.

import { h, heading, field, toast, errorMessage, actionButton, onSubmit } from '../dom.js';
import { gql } from '../api.js';
import { duration } from '../format.js';
import { PLAYABLE_FIELDS, playable } from '../fields.js';
import { trackRow } from '../tracks.js';
import { playQueue } from '../player.js';
import { confirmDialog } from '../dialog.js';

const PLAYLIST = `query Playlist($id: ID!, $after: String) { node(id: $id) { ... on Playlist {
  id name description itemCount durationMs excludedFromTasteProfile
  entries(first: 100, after: $after) { pageInfo { hasNextPage endCursor } nodes { id position item { ${PLAYABLE_FIELDS} } } } } } }`;
const SUMMARY = 'id name itemCount durationMs excludedFromTasteProfile';
const UPDATE = `mutation UpdatePlaylist($id: ID!, $input: UpdatePlaylistInput!) { updatePlaylist(id: $id, input: $input) { ${SUMMARY} } }`;
const MOVE = `mutation MoveEntry($playlistId: ID!, $entryId: ID!, $toPosition: Int!) {
  movePlaylistEntry(playlistId: $playlistId, entryId: $entryId, toPosition: $toPosition) { ${SUMMARY} } }`;
const REMOVE = `mutation RemoveEntry($playlistId: ID!, $entryIds: [ID!]!) {
  removeFromPlaylist(playlistId: $playlistId, entryIds: $entryIds) { ${SUMMARY} } }`;
const DELETE = 'mutation DeletePlaylist($id: ID!) { deletePlaylist(id: $id) }';

/** The playlist with every entry (the API pages them by 100). */
async function load(id) {
  let playlist = null;
  let after = null;
  const entries = [];
  do {
    const node = (await gql(PLAYLIST, { id, after })).node;
    if (!node) return null;
    playlist = node;
    entries.push(...node.entries.nodes);
    after = node.entries.pageInfo.hasNextPage ? node.entries.pageInfo.endCursor : null;
  } while (after);
  return { ...playlist, entries: entries.map((entry) => ({ ...entry, item: playable(entry.item) })) };
}

export async function playlistPage(ctx, id) {
  const playlist = await load(id);
  if (!playlist) {
    return h('div', {}, heading('Playlist not found'), h('a', { href: '#/playlists' }, 'Your playlists'));
  }
  const entries = playlist.entries;
  const title = heading(playlist.name);
  const summary = h('p', { class: 'meta' });
  const status = h('p', { class: 'sr-only', role: 'status', 'aria-live': 'polite' });
  const list = h('ul', { class: 'list playlist-entries', 'aria-label': `Tracks of ${playlist.name}` });
  const showSummary = (p) => {
    summary.textContent = `${p.itemCount === 1 ? '1 track' : `${p.itemCount} tracks`} · ${duration(p.durationMs / 1000)}`;
  };
  showSummary(playlist);
  const queue = () => entries.map((entry) => entry.item);

  /**
   * Moves entry `from` to `to` on screen at once and in the API in turn:
   * the moves are sent one after another (a quick Alt+↓ ↓ ↓ must reach the
   * server in the order it was pressed). A refused move reloads the order
   * the server has.
   */
  let saving = Promise.resolve();
  function move(from, to) {
    if (to < 0 || to >= entries.length || from === to) return;
    const [entry] = entries.splice(from, 1);
    entries.splice(to, 0, entry);
    const focused = document.activeElement;
    renderRows();
    if (focused && !focused.isConnected) {
      // The rows were drawn anew: the same button in the moved row (so ↓ can
      // be pressed again), or the row when that button is now disabled (at an end).
      const row = list.querySelector(`[data-entry="${CSS.escape(entry.id)}"]`);
      const label = focused.getAttribute('aria-label');
      const button = label && [...(row?.querySelectorAll('button') ?? [])].find((b) => b.getAttribute('aria-label') === label);
      const fallback = focused.getAttribute('role') === 'menuitem' ? row?.querySelector('button.more') : row;
      (button && !button.disabled ? button : fallback)?.focus();
    } else {
      focused?.focus?.();
    }
    status.textContent = `Moved “${entry.item.title}” to position ${to + 1} of ${entries.length}.`;
    saving = saving.then(async () => {
      try {
        await gql(MOVE, { playlistId: playlist.id, entryId: entry.id, toPosition: to });
      } catch (err) {
        toast(`Not moved: ${errorMessage(err)}`, 'error');
        await resync();
      }
    });
  }

  /** Shows the entries in the server's order again (after a refused move). */
  async function resync() {
    try {
      const fresh = await load(playlist.id);
      if (!fresh || ctx.signal.aborted) return;
      entries.splice(0, entries.length, ...fresh.entries);
      renderRows();
    } catch (err) {
      toast(errorMessage(err), 'error');
    }
  }

  async function remove(entry) {
    try {
      const data = await gql(REMOVE, { playlistId: playlist.id, entryIds: [entry.id] });
      entries.splice(entries.indexOf(entry), 1);
      showSummary(data.removeFromPlaylist);
      renderRows();
      toast(`Removed “${entry.item.title}” from the playlist.`);
    } catch (err) {
      toast(errorMessage(err), 'error');
    }
  }

  let dragged = null;
  function entryRow(entry, at) {
    const name = entry.item.title;
    const row = trackRow(entry.item, {
      queue,
      context: playlist.id,
      testid: 'playlist-row',
      attrs: { draggable: 'true', tabindex: '0', 'data-entry': entry.id, 'aria-label': `${at + 1}. ${name}` },
      menu: [
        { label: 'Move up', title: 'Alt+↑ on the row', disabled: at === 0, onclick: () => move(entries.indexOf(entry), entries.indexOf(entry) - 1) },
        { label: 'Move down', title: 'Alt+↓ on the row', disabled: at === entries.length - 1, onclick: () => move(entries.indexOf(entry), entries.indexOf(entry) + 1) },
        { label: 'Remove from playlist', danger: true, onclick: () => remove(entry) },
      ],
    });
    row.addEventListener('keydown', (event) => {
      if (!event.altKey || (event.key !== 'ArrowUp' && event.key !== 'ArrowDown')) return;
      event.preventDefault();
      const from = entries.indexOf(entry);
      move(from, event.key === 'ArrowUp' ? from - 1 : from + 1);
    });
    row.addEventListener('dragstart', (event) => {
      dragged = entry;
      event.dataTransfer.effectAllowed = 'move';
      event.dataTransfer.setData('text/plain', entry.id);
      row.classList.add('dragging');
    });
    row.addEventListener('dragend', () => {
      dragged = null;
      row.classList.remove('dragging');
      list.querySelectorAll('.drop-target').forEach((el) => el.classList.remove('drop-target'));
    });
    row.addEventListener('dragover', (event) => {
      if (!dragged) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = 'move';
      row.classList.add('drop-target');
    });
    row.addEventListener('dragleave', () => row.classList.remove('drop-target'));
    row.addEventListener('drop', (event) => {
      event.preventDefault();
      row.classList.remove('drop-target');
      if (dragged && dragged !== entry) move(entries.indexOf(dragged), entries.indexOf(entry));
    });
    return row;
  }

  function renderRows() {
    list.replaceChildren(...entries.map(entryRow));
    if (!entries.length) list.append(h('li', { class: 'note' }, 'This playlist is empty. Add tracks with “+” on any track, in the locker or in search.'));
  }
  renderRows();

  // Rename where the name is: a button beside the title opens a small form in its place.
  const nameInput = h('input', { type: 'text', value: playlist.name, required: true, maxlength: 200, autocomplete: 'off' });
  const renameButton = h('button', { type: 'button', class: 'link', 'aria-expanded': 'false' }, 'Rename');
  const cancelRename = h('button', { type: 'button' }, 'Cancel');
  const renameForm = h('form', { class: 'toolbar rename', hidden: true },
    field('Playlist name', nameInput), h('button', { type: 'submit', class: 'primary' }, 'Save name'), cancelRename);
  const showRename = (on) => {
    renameForm.hidden = !on;
    renameButton.hidden = on;
    renameButton.setAttribute('aria-expanded', String(on));
    if (on) {
      nameInput.value = playlist.name;
      nameInput.focus();
      nameInput.select();
    } else {
      renameButton.focus();
    }
  };
  renameButton.addEventListener('click', () => showRename(true));
  cancelRename.addEventListener('click', () => showRename(false));
  renameForm.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') showRename(false);
  });
  onSubmit(renameForm, async () => {
    const name = nameInput.value.trim();
    if (!name) {
      toast('A playlist needs a name.', 'error');
      return;
    }
    const data = await gql(UPDATE, { id: playlist.id, input: { name } });
    playlist.name = data.updatePlaylist.name;
    title.textContent = playlist.name;
    document.title = `${playlist.name} · Cadenza`;
    list.setAttribute('aria-label', `Tracks of ${playlist.name}`);
    showRename(false);
    toast('Playlist renamed.');
  });

  const exclude = h('input', { type: 'checkbox', id: 'playlist-exclude', checked: playlist.excludedFromTasteProfile });
  exclude.addEventListener('change', async () => {
    exclude.disabled = true;
    try {
      const data = await gql(UPDATE, { id: playlist.id, input: { excludeFromTasteProfile: exclude.checked } });
      exclude.checked = data.updatePlaylist.excludedFromTasteProfile;
      toast(exclude.checked ? 'Plays from this playlist no longer feed your taste.' : 'Plays from this playlist feed your taste again.');
    } catch (err) {
      exclude.checked = !exclude.checked;
      toast(errorMessage(err), 'error');
    } finally {
      exclude.disabled = false;
    }
  });

  const play = h('button', {
    type: 'button', class: 'primary',
    onclick: () => {
      const items = queue();
      if (items.length) playQueue(items, 0, { context: playlist.id });
    },
  }, h('span', { 'aria-hidden': 'true' }, '▶'), 'Play playlist');
  const deleteButton = actionButton('Delete playlist', async () => {
    if (!(await confirmDialog('Delete this playlist?', `“${playlist.name}” will be deleted. The tracks stay in your locker.`, 'Delete playlist'))) return;
    await gql(DELETE, { id: playlist.id });
    toast(`“${playlist.name}” was deleted.`, 'info', { next: true });
    ctx.navigate('#/playlists');
  }, { class: 'danger' });

  return h('div', { class: 'playlist' },
    h('p', {}, h('a', { href: '#/playlists' }, '← Playlists')),
    h('div', { class: 'title-line' }, title, renameButton),
    renameForm,
    summary,
    h('div', { class: 'toolbar' }, play),
    h('p', { class: 'hint' }, 'Reorder by dragging a row, with “Move up” and “Move down” in its ⋯ menu, or with Alt+↑ / Alt+↓ on a focused row.'),
    list, status,
    h('section', { class: 'card settings', 'aria-labelledby': 'playlist-settings' },
      h('h2', { id: 'playlist-settings' }, 'Playlist settings'),
      h('div', { class: 'check' }, exclude, h('label', { for: exclude.id }, 'Exclude from my taste',
        h('span', { class: 'hint' }, ' — plays started from this playlist stay in my history but never feed my recommendations or any statistic.'))),
      h('div', { class: 'toolbar danger-line' }, deleteButton)));
}
