// A track as every page shows it: the row
// (cover, title, artist — album, tags, and the actions Play and Add to
// playlist, plus whatever the page adds: edit, delete, move...).

import { h } from './dom.js';
import { cover } from './cover.js';
import { duration } from './format.js';
import { playQueue } from './player.js';
import { addToPlaylist } from './add-to-playlist.js';
import { stamp } from './fields.js';
import { icon } from './icons.js';

/** The small tags under a track: format, genre, year, length, source. */
export function trackTags(item) {
  return [
    h('span', { class: 'tag' }, item.format),
    item.bitrateKbps ? h('span', { class: 'tag' }, `${item.bitrateKbps} kbps`) : null,
    item.genre ? h('span', { class: 'tag' }, item.genre) : null,
    item.year ? h('span', { class: 'tag' }, String(item.year)) : null,
    h('span', { class: 'tag' }, duration(item.durationMs / 1000)),
    item.source === 'PURCHASE' ? h('span', { class: 'tag' }, 'Purchased') : null,
    item.streamable === false ? h('span', { class: 'tag' }, 'Audio not available yet') : null,
    item.excludedFromTasteProfile ? h('span', { class: 'tag' }, 'Not in my taste') : null,
  ];
}

/** "Artist — Album", with track and disc numbers when tagged. */
export function trackMeta(item) {
  const parts = [item.artist, item.album].filter(Boolean);
  const number = item.trackNumber ? `#${item.discNumber > 1 ? `${item.discNumber}-` : ''}${item.trackNumber}` : null;
  return [parts.join(' — '), number].filter(Boolean).join(' · ');
}

/**
 * A track row.
 * - `queue()`: the items to play from here (e.g. the whole list) and
 *   `index` this one's place in it; `context`: where the play started
 *   (`album`, `search`, a playlist's ID...) for `recordPlay`.
 * - `title`: a node to show instead of the plain title (a search highlight).
 * - `tags`: more tags (text); `actions`: more buttons; `attrs`: more attributes of the <li>.
 */
export function trackRow(item, { queue, index = 0, context, title, tags = [], actions = [], attrs = {}, testid = 'track-row' } = {}) {
  stamp(item);
  const name = item.title || 'Untitled';
  const play = h('button', {
    type: 'button',
    class: 'icon play',
    'aria-label': `Play ${name}`,
    disabled: !item.streamable,
    title: item.streamable ? null : 'The audio of this purchase is not available yet',
    onclick: () => {
      const items = queue ? queue() : [item];
      const at = queue ? Math.max(0, items.findIndex((other) => other.id === item.id)) : 0;
      playQueue(items, queue ? at : index, { context });
    },
  }, icon('play'));
  const add = h('button', {
    type: 'button',
    class: 'icon',
    'aria-label': `Add ${name} to a playlist`,
    title: 'Add to playlist',
    onclick: () => addToPlaylist([item]),
  }, '+');
  return h('li', { class: 'row', 'data-testid': testid, 'data-id': item.id, ...attrs },
    cover(item.coverUrl, item.album || name, { small: true }),
    h('div', { class: 'main' },
      h('div', { class: 'title' }, title ?? name),
      h('div', { class: 'meta' }, trackMeta(item)),
      h('div', { class: 'tags' }, trackTags(item), tags.map((tag) => h('span', { class: 'tag' }, tag)))),
    h('div', { class: 'actions' }, play, add, actions));
}
