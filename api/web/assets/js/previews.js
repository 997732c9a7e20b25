// Previews: 30 seconds of a catalogue track (`Track.previewUrl`), played
// in the player bar like anything else, by anyone, before buying. A
// preview is not a locker item: it is neither reported to other devices
// nor recorded as a play (player.js).

import { h } from './dom.js';
import { icon } from './icons.js';
import { playQueue } from './player.js';

/** A preview as the player's queue takes it. */
export function previewItem(track, { album = '', artist = '', coverUrl = null } = {}) {
  return {
    kind: 'Preview',
    id: `preview:${track.id}`,
    title: track.title,
    artist,
    album: album ? `${album} · preview` : 'Preview',
    coverUrl,
    durationMs: 30_000,
    streamUrl: track.previewUrl,
    streamable: true,
  };
}

/**
 * A "Play a preview" button for a catalogue track, or a note that it has
 * none (no master audio yet, or a master that is not cut: see
 * docs/catalogue-feed.md).
 */
export function previewButton(track, context) {
  if (!track.previewUrl) return h('span', { class: 'tag' }, 'No preview yet');
  return h('button', {
    type: 'button', class: 'icon preview', 'aria-label': `Play a preview of ${track.title}`, title: 'Play 30 seconds',
    onclick: () => playQueue([previewItem(track, context)], 0, { context: 'preview' }),
  }, icon('play'));
}
