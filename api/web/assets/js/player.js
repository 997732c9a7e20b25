// The player bar: one <audio id="player-audio"> over the item's signed
// stream URL (the server answers Range requests, so seeking works), a
// queue (an album, a playlist, search results), and the controls. What it
// says to the server lives in player-sync.js.

import { h, replace, toast, errorMessage } from './dom.js';
import { cover } from './cover.js';
import { duration } from './format.js';
import { currentUser, onSessionChange } from './session.js';
import {
  streamUrlOf, reportPlayback, recordPlay, playCounts, watchPlayback, lastReportAt, STALE_AFTER_MS,
} from './player-sync.js';
import { icon } from './icons.js';
import { mediaMetadata, mediaActions } from './player-media.js';
import { playerKeys } from './player-keys.js';

let bar = null;
let audio = null;
let ui = null;
/** The queue: playable items (see fields.js `playable`), where we are, and where it came from. */
let queue = [];
let index = -1;
let context = null;
/** Listening time of the current track (media time actually played, not skipped). */
let listenedMs = 0;
let lastTime = 0;
let recorded = false;
let retried = false;
/** The last track of the queue played to its end (pressing play again starts a new listen). */
let endedHere = false;
let dragging = false;
let stopWatching = null;
let remote = null;

const current = () => queue[index] ?? null;

/** The id of what the player has loaded (rows mark it), or null. */
export function nowPlayingId() {
  return current()?.id ?? null;
}

/** Marks the rows of the loaded item (tracks.js draws new rows marked already). */
function markRows() {
  const id = nowPlayingId();
  for (const row of document.querySelectorAll('li.row[data-id]')) {
    const on = row.dataset.id === id;
    row.classList.toggle('now-playing', on);
    row.querySelector('.playing-label')?.toggleAttribute('hidden', !on);
  }
}

function state() {
  const item = current();
  return { itemId: item?.id ?? null, positionMs: (audio?.currentTime ?? 0) * 1000, playing: Boolean(item && !audio.paused) };
}

/** A preview is not the listener's playback: other devices do not hear of it. */
function report(options) {
  if (current()?.kind === 'Preview') return;
  reportPlayback(state(), options);
}

/** Records the current track's play once, if it counts (see `playCounts`). */
function finishPlay(completed, { leaving = false } = {}) {
  const item = current();
  if (!item || item.kind === 'Preview' || recorded || !currentUser()) return;
  if (!playCounts(listenedMs, item.durationMs, completed)) return;
  recorded = true;
  recordPlay(item, listenedMs, completed, context, { leaving });
}

/** Loads queue[at] and plays it, from `startAt` seconds. */
async function load(at, { startAt = 0, autoplay = true } = {}) {
  finishPlay(false);
  index = at;
  listenedMs = 0;
  lastTime = startAt;
  recorded = false;
  retried = false;
  endedHere = false;
  const item = current();
  if (!item) return;
  bar.hidden = false;
  renderNow();
  renderRemote();
  markRows();
  try {
    const url = await streamUrlOf(item);
    if (current() !== item) return;
    audio.src = url;
    if (startAt > 0) audio.currentTime = startAt;
    if (autoplay) await audio.play();
  } catch (err) {
    if (err?.name === 'AbortError') return; // a newer load replaced this one
    toast(errorMessage(err), 'error', { global: true });
  }
  report({ now: true });
}

/** Plays `items` (rows' items) from `start`; `context` is where (for recordPlay). */
export function playQueue(items, start = 0, options = {}) {
  if (!bar || !items.length) return;
  queue = [...items];
  context = options.context ?? null;
  load(Math.min(Math.max(0, start), queue.length - 1), { startAt: options.startAt ?? 0 });
}

function toggle() {
  if (!current()) return;
  // An AbortError is a play() that a pause or a new source replaced: nothing to tell.
  if (audio.paused) audio.play().catch((err) => err?.name === 'AbortError' || toast(errorMessage(err), 'error', { global: true }));
  else audio.pause();
}

function next() {
  if (index < queue.length - 1) load(index + 1);
}

function previous() {
  // Like most players: back to the start first, the previous track when already there.
  if (audio.currentTime > 3 || index === 0) {
    audio.currentTime = 0;
  } else if (index > 0) {
    load(index - 1);
  }
}

function renderNow() {
  const item = current();
  replace(ui.now,
    cover(item?.coverUrl ?? null, item?.album || item?.title || '', { small: true }),
    h('div', { class: 'main' },
      h('div', { class: 'title', id: 'player-title' }, item ? item.title : 'Nothing playing'),
      h('div', { class: 'meta' }, item ? [item.artist, item.album].filter(Boolean).join(' — ') : '')));
  renderButtons();
  renderTime();
  mediaMetadata(item);
}

function renderButtons() {
  const playing = current() && !audio.paused;
  bar.classList.toggle('idle', !current());
  ui.toggle.replaceChildren(icon(playing ? 'pause' : 'play'));
  ui.toggle.setAttribute('aria-label', playing ? 'Pause' : 'Play');
  ui.toggle.disabled = !current();
  ui.previous.disabled = !current();
  ui.next.disabled = index >= queue.length - 1;
}

function renderTime() {
  const item = current();
  // The item's own length first: the list shows the same one (format.js rounds both alike).
  const total = item?.durationMs > 0 ? item.durationMs / 1000 : Number.isFinite(audio.duration) ? audio.duration : 0;
  const now = audio.currentTime || 0;
  ui.time.textContent = `${duration(now)} / ${duration(total)}`;
  ui.seek.max = String(Math.max(total, 0.1));
  if (!dragging) ui.seek.value = String(now);
  ui.seek.setAttribute('aria-valuetext', `${duration(now)} of ${duration(total)}`);
  ui.seek.disabled = !item;
}

/** A remote state that says "playing" but has not been heard of for a while is paused (a closed or killed device). */
const remotePlaying = () => Boolean(remote?.playing && Date.now() - remote.receivedAt < STALE_AFTER_MS);

/** Where the other device is now: it has moved on since it reported, while it plays. */
const remoteAt = () => Math.min(
  remote.positionMs / 1000 + (remotePlaying() && !remote.own ? (Date.now() - remote.receivedAt) / 1000 : 0),
  (remote.item?.durationMs ?? Infinity) / 1000,
);

let remoteTicker = null;

/** Another device's (or tab's) playback, with "Resume here"; its time runs on while it plays. */
function renderRemote() {
  clearInterval(remoteTicker);
  remoteTicker = null;
  // This tab's own last state is offered only while nothing plays here;
  // another device's only while this one is not playing.
  const playingHere = current() && !audio.paused;
  if (!remote || !remote.item || (remote.own && current()) || playingHere) {
    replace(ui.remote);
    return;
  }
  const { item } = remote;
  const time = h('span', { class: 'remote-time' }, duration(remoteAt()));
  replace(ui.remote,
    h('span', { class: 'meta' },
      remote.own ? 'You were listening to ' : `${remotePlaying() ? 'Playing' : 'Paused'} on another device: `,
      h('strong', {}, item.title), ' at ', time),
    h('button', {
      type: 'button',
      onclick: () => {
        const at = remoteAt();
        remote = null;
        renderRemote();
        // Playing here reports this device as the one playing: the other one
        // hears it on its playback subscription and pauses.
        playQueue([item], 0, { startAt: at, context: 'resume' });
      },
    }, remote.own ? 'Resume' : 'Resume here'));
  bar.hidden = false;
  if (remote.playing && !remote.own) {
    // The other device's time runs on; when it falls silent it reads as paused.
    const wasPlaying = remotePlaying();
    remoteTicker = setInterval(() => {
      if (remotePlaying() !== wasPlaying) renderRemote();
      else time.textContent = duration(remoteAt());
    }, 1000);
  }
}

/**
 * Another device started playing while this one plays: one device plays
 * at a time, so this one pauses (without reporting: the other device's
 * state is the current one) and offers to take it back.
 */
function handedOver() {
  if (!remote || remote.own || !remote.playing || !current() || audio.paused) return;
  quietPause = true;
  audio.pause();
  toast(`“${remote.item?.title ?? 'Your music'}” is playing on another device now.`, 'info', { global: true });
}

/** True while pausing because another device took over: that pause is not reported. */
let quietPause = false;

function build() {
  audio = h('audio', { id: 'player-audio', preload: 'auto' });
  ui = {
    now: h('div', { class: 'now' }),
    previous: h('button', { type: 'button', class: 'icon', 'aria-label': 'Previous', onclick: previous }, icon('previous')),
    toggle: h('button', { type: 'button', class: 'icon primary', 'aria-label': 'Play', onclick: toggle }, icon('play')),
    next: h('button', { type: 'button', class: 'icon', 'aria-label': 'Next', onclick: next }, icon('next')),
    time: h('span', { class: 'time', 'aria-hidden': 'true' }, ''),
    seek: h('input', { type: 'range', min: '0', max: '1', step: '0.1', value: '0', 'aria-label': 'Seek' }),
    remote: h('div', { class: 'remote', role: 'status' }),
  };
  ui.seek.addEventListener('input', () => {
    dragging = true;
    audio.currentTime = Number(ui.seek.value);
    renderTime();
  });
  ui.seek.addEventListener('change', () => { dragging = false; });
  audio.addEventListener('timeupdate', () => {
    // Count only time played in order: a jump (seek) is not listening.
    const step = audio.currentTime - lastTime;
    if (!audio.paused && step > 0 && step < 1.5) listenedMs += step * 1000;
    lastTime = audio.currentTime;
    renderTime();
    if (!audio.paused) report();
  });
  audio.addEventListener('seeked', () => {
    lastTime = audio.currentTime;
    report({ now: true });
  });
  audio.addEventListener('loadedmetadata', renderTime);
  audio.addEventListener('play', () => {
    // Played again after its end (the last of the queue): a new listen, counted anew.
    if (endedHere) {
      endedHere = false;
      listenedMs = 0;
      lastTime = audio.currentTime;
      recorded = false;
    }
    renderButtons();
  });
  audio.addEventListener('playing', () => {
    renderRemote();
    report({ now: true });
  });
  audio.addEventListener('pause', () => {
    renderButtons();
    renderRemote();
    if (quietPause) quietPause = false;
    else if (!audio.ended) report({ now: true });
  });
  audio.addEventListener('ended', () => {
    finishPlay(true);
    if (index < queue.length - 1) {
      load(index + 1);
    } else {
      endedHere = true;
      renderButtons();
      report({ now: true });
    }
  });
  audio.addEventListener('error', async () => {
    const item = current();
    if (!item || !audio.getAttribute('src')) return;
    if (retried) {
      toast(`“${item.title}” cannot be played.`, 'error', { global: true });
      return;
    }
    // Most likely the signed URL expired: sign again, and go on from here.
    retried = true;
    const at = audio.currentTime;
    try {
      audio.src = await streamUrlOf(item, true);
      audio.currentTime = at;
      await audio.play();
    } catch (err) {
      if (err?.name !== 'AbortError') toast(errorMessage(err), 'error', { global: true });
    }
  });
  replace(bar,
    audio,
    ui.now,
    h('div', { class: 'controls' }, ui.previous, ui.toggle, ui.next),
    h('div', { class: 'seekbar' }, ui.time, ui.seek),
    ui.remote);
  renderNow();
}

function startWatching() {
  if (stopWatching || !currentUser()) return;
  stopWatching = watchPlayback((state) => {
    remote = state;
    handedOver();
    renderRemote();
  });
}

/** Builds the bar in `element`; follows the session (watching other devices while signed in). */
export function initPlayer(element) {
  bar = element;
  bar.hidden = true;
  build();
  mediaActions({
    play: () => audio.play().catch(() => {}),
    pause: () => audio.pause(),
    previous,
    next,
    seek: (seconds) => { audio.currentTime = seconds; },
  });
  new ResizeObserver(() => {
    document.body.style.setProperty('--player-space', `${bar.hidden ? 0 : bar.offsetHeight + 8}px`);
  }).observe(bar);
  playerKeys({
    seek: ui.seek,
    loaded: () => Boolean(current()),
    toggle,
    jump: (seconds) => {
      audio.currentTime = Math.min(Math.max(0, audio.currentTime + seconds), Number(ui.seek.max));
      renderTime();
    },
  });
  window.addEventListener('pagehide', () => {
    if (!current() || current().kind === 'Preview' || !currentUser()) return;
    // Another device reported since this one did: its state is the current one, not to be overwritten.
    if (remote && !remote.own && remote.receivedAt > lastReportAt()) return;
    finishPlay(false, { leaving: true });
    reportPlayback({ ...state(), playing: false }, { leaving: true });
  });
  onSessionChange((session) => {
    if (session) startWatching();
    else stopPlayer();
  });
  startWatching();
}

/** Stops the music and forgets the queue (signing out). */
export function stopPlayer() {
  if (!bar) return;
  stopWatching?.();
  stopWatching = null;
  remote = null;
  clearInterval(remoteTicker);
  audio.pause();
  audio.removeAttribute('src');
  audio.load();
  queue = [];
  index = -1;
  renderNow();
  replace(ui.remote);
  bar.hidden = true;
}
