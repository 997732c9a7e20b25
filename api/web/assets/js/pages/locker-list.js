// A list of locker items paged through `viewer.locker.items`: the first
// page renders at once, the next ones when the end of the list comes into
// view (or "Load more" is pressed), so a locker of thousands opens fast.
// Rows carry the locker's own actions (edit tags, delete) and follow the
// `lockerEvents` subscription: items added, edited or removed on another
// device show up here live.

import { h, note, toast, errorMessage } from '../dom.js';
import { plural } from '../format.js';
import { gql, subscribe } from '../api.js';
import { ITEM_FIELDS } from '../fields.js';
import { trackRow } from '../tracks.js';
import { editItem, deleteItem } from './locker-edit.js';

export const PAGE_SIZE = 100;

const ITEMS = `query LockerItems($first: Int, $after: String, $filter: LockerFilter, $sort: LockerSort) {
  viewer { locker { items(first: $first, after: $after, filter: $filter, sort: $sort) {
    totalCount pageInfo { hasNextPage endCursor } nodes { ${ITEM_FIELDS} } } } } }`;
const EVENTS = `subscription LockerEvents { lockerEvents { change itemId item { ${ITEM_FIELDS} } } }`;

/** Two tag values are the same whatever their case. */
export const sameTag = (a, b) => (a ?? '').toLocaleLowerCase() === (b ?? '').toLocaleLowerCase();

/** Whether `item` belongs in a list filtered by `filter` (whole values, any case). */
function matches(item, filter = {}) {
  if (filter.artist && !sameTag(item.artist, filter.artist) && !sameTag(item.albumArtist, filter.artist)) return false;
  if (filter.album && !sameTag(item.album, filter.album)) return false;
  if (filter.genre && !sameTag(item.genre, filter.genre)) return false;
  if (filter.source && item.source !== filter.source) return false;
  return true;
}

/** Fetches one page of items (also used by the artist and album views). */
export async function fetchItems(variables) {
  const data = await gql(ITEMS, { first: PAGE_SIZE, ...variables });
  return data.viewer.locker.items;
}

/**
 * The rows of `items`, each with Play (the queue is `queue()`), Add to
 * playlist, Edit tags and Delete. `onChange(item, updated|null)` hears of
 * an edit or a deletion.
 */
export function lockerRow(item, { queue, context, onChange }) {
  const row = trackRow(item, {
    queue,
    context,
    testid: 'locker-row',
    menu: [
      {
        label: 'Edit tags',
        onclick: async () => {
          const updated = await editItem(item);
          if (!updated) return;
          onChange(item, updated);
          // The live event of this edit may have redrawn the row while the
          // dialog was open: its opener is gone, so the focus goes to the new row's menu.
          if (document.activeElement === document.body) {
            document.querySelector(`li[data-id="${CSS.escape(item.id)}"] button.more`)?.focus();
          }
        },
      },
      {
        label: 'Delete',
        danger: true,
        onclick: async () => {
          // The row goes: the focus moves to the next one (or the one before).
          const neighbour = row.nextElementSibling ?? row.previousElementSibling;
          if (!(await deleteItem(item))) return;
          onChange(item, null);
          neighbour?.querySelector('button:not(:disabled)')?.focus();
        },
      },
    ],
  });
  return row;
}

/**
 * The paged, live list. `filter`/`sort` as the API takes them; `context`
 * for recordPlay; `onCount(n)` hears the count change. Returns
 * `{ element, add(item) }` (`add` for uploads done on this page).
 */
export function itemList({ filter = null, sort = 'ADDED_DESC', context = 'locker', signal, empty = 'Nothing here yet.', onCount }) {
  const items = [];
  const rows = new Map();
  const list = h('ul', { class: 'list', 'aria-label': 'Tracks' });
  const count = h('p', { class: 'meta count', 'aria-live': 'polite' });
  const more = h('button', { type: 'button', hidden: true }, 'Load more');
  const emptyNote = note(empty);
  emptyNote.hidden = true;
  let cursor = null;
  let total = 0;
  let loading = null;

  const queue = () => items;
  const showCount = () => {
    count.textContent = plural(total, 'track');
    emptyNote.hidden = total > 0;
    onCount?.(total);
  };
  const onChange = (item, updated) => {
    if (updated && matches(updated, filter ?? {})) replaceItem(updated);
    else removeItem(item.id);
  };
  const rowOf = (item) => lockerRow(item, { queue, context, onChange });

  function replaceItem(updated) {
    const at = items.findIndex((item) => item.id === updated.id);
    if (at < 0) return;
    items[at] = updated;
    const row = rowOf(updated);
    const old = rows.get(updated.id);
    // An edit here, or a live event: a focused control keeps the focus in the new row.
    const controls = (r) => [...r.querySelectorAll('button, a[href]')];
    const focusedAt = old ? controls(old).indexOf(document.activeElement) : -1;
    old?.replaceWith(row);
    rows.set(updated.id, row);
    if (focusedAt >= 0) controls(row)[focusedAt]?.focus();
  }
  function removeItem(id) {
    const at = items.findIndex((item) => item.id === id);
    if (at < 0) return;
    items.splice(at, 1);
    rows.get(id)?.remove();
    rows.delete(id);
    total = Math.max(0, total - 1);
    showCount();
  }
  /** A new item: at the top (the default order is newest first). */
  function add(item) {
    if (rows.has(item.id)) {
      replaceItem(item);
      return;
    }
    if (!matches(item, filter ?? {})) return;
    items.unshift(item);
    const row = rowOf(item);
    rows.set(item.id, row);
    list.prepend(row);
    total += 1;
    showCount();
  }

  async function loadMore() {
    if (loading) return loading;
    loading = (async () => {
      try {
        const page = await fetchItems({ after: cursor, filter, sort });
        if (signal?.aborted) return;
        total = page.totalCount;
        cursor = page.pageInfo.endCursor;
        const fragment = document.createDocumentFragment();
        for (const item of page.nodes) {
          if (rows.has(item.id)) continue;
          items.push(item);
          const row = rowOf(item);
          rows.set(item.id, row);
          fragment.append(row);
        }
        list.append(fragment);
        more.hidden = !page.pageInfo.hasNextPage;
        showCount();
      } catch (err) {
        toast(errorMessage(err), 'error');
      } finally {
        loading = null;
      }
    })();
    return loading;
  }
  more.addEventListener('click', loadMore);

  // Load the next page when "Load more" comes near the screen.
  const observer = new IntersectionObserver((entries) => {
    if (entries.some((entry) => entry.isIntersecting) && !more.hidden) loadMore();
  }, { rootMargin: '600px' });
  observer.observe(more);

  const unsubscribe = subscribe(EVENTS, {}, {
    next: (data) => {
      const event = data?.lockerEvents;
      if (!event) return;
      if (event.change === 'REMOVED' || !event.item) removeItem(event.itemId);
      else if (event.change === 'ADDED') add(event.item);
      else if (matches(event.item, filter ?? {})) (rows.has(event.itemId) ? replaceItem(event.item) : add(event.item));
      else removeItem(event.itemId);
    },
  });
  signal?.addEventListener('abort', () => {
    unsubscribe();
    observer.disconnect();
  });

  const element = h('section', { class: 'items' }, count, list, emptyNote, more);
  const ready = loadMore();
  return { element, add, ready };
}
