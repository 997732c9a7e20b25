// A track as every page shows it: the row (cover, title, artist — album,
// a few tags, its length, Play, and one button for the rest: Add to
// playlist, plus whatever the page adds: edit, delete, move...). The row
// of what the player has loaded is marked.

import { h, rowMenu } from './dom.js';
import { cover } from './cover.js';
import { duration } from './format.js';
import { playQueue, nowPlayingId } from './player.js';
import { addToPlaylist } from './add-to-playlist.js';
import { stamp } from './fields.js';
import { icon } from './icons.js';

/** The small tags under a track: format, year, source, state. */
export function trackTags(item) {
  return [
    h('span', { class: 'tag detail' }, [item.format, item.bitrateKbps ? `${item.bitrateKbps} kbps` : null].filter(Boolean).join(' · ')),
    item.year ? h('span', { class: 'tag detail' }, String(item.year)) : null,
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
 * - `title`: a node to show instead of the plain title (a search
 *   highlight); `meta`: instead of "artist — album" (highlighted);
 *   `beneath`: a line under the title (what else a search matched);
 *   `href`: the title links there.
 * - `tags`: more tags (text); `menu`: more entries of the row's menu
 *   (`{ label, onclick, disabled, danger }`); `attrs`: more attributes of the <li>.
 */
export function trackRow(item, {
  queue, index = 0, context, title, beneath = null, meta = null, href = null, tags = [], menu = [], attrs = {}, testid = 'track-row',
} = {}) {
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
  const playing = item.id === nowPlayingId();
  return h('li', { class: `row track${playing ? ' now-playing' : ''}`, 'data-testid': testid, 'data-id': item.id, ...attrs },
    cover(item.coverUrl, item.album || name, { small: true }),
    h('div', { class: 'main' },
      h('div', { class: 'title' }, href ? h('a', { href }, title ?? name) : title ?? name),
      beneath,
      h('div', { class: 'meta' }, meta ?? trackMeta(item)),
      h('div', { class: 'tags' },
        h('span', { class: 'playing-label tag', hidden: !playing }, 'Now playing'),
        trackTags(item), tags.map((tag) => h('span', { class: 'tag' }, tag)))),
    h('span', { class: 'length' }, duration(item.durationMs / 1000)),
    h('div', { class: 'actions' },
      play,
      rowMenu(`More actions for ${name}`, [
        { label: 'Add to a playlist', onclick: () => addToPlaylist([item]) },
        ...menu,
      ])));
}
