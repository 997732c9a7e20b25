// What the player tells the server and hears from it: this device's id,
// the playback position (`updatePlayback`, throttled), plays
// (`recordPlay`), fresh stream URLs, and other devices' playback
// (`playback` subscription).

import { gql, subscribe } from './api.js';
import { ITEM_FIELDS, PLAYABLE_FIELDS, playable, stamp } from './fields.js';

/**
 * The device id the server keeps with the playback state: one random id
 * per browser (localStorage), plus one per tab (sessionStorage), so two
 * tabs of one browser see each other as other devices.
 */
function makeDeviceId() {
  const random = () => crypto.randomUUID().slice(0, 8);
  let browser = localStorage.getItem('cadenza.device');
  if (!browser) {
    browser = `web-${random()}`;
    localStorage.setItem('cadenza.device', browser);
  }
  let tab = sessionStorage.getItem('cadenza.tab');
  if (!tab) {
    tab = random();
    sessionStorage.setItem('cadenza.tab', tab);
  }
  return `${browser}/${tab}`;
}

export const deviceId = makeDeviceId();

/** Stream URLs are signed for an hour; fetch a new one well before. */
const URL_MAX_AGE_MS = 45 * 60 * 1000;

const STREAM_URL = `query StreamUrl($id: ID!) { node(id: $id) { ... on LockerItem { id streamUrl streamable } } }`;
const PURCHASED = `query PurchasedItem($album: String!) { viewer { locker {
  items(first: 100, filter: { source: PURCHASE, album: $album }) { nodes { ${ITEM_FIELDS} catalogueTrack { id } } } } } }`;

/**
 * A playable stream URL for `item`, fetched again when old or when
 * `force`d (the audio failed). A catalogue track plays through the locker
 * item its purchase made.
 */
export async function streamUrlOf(item, force = false) {
  // A preview's URL is signed for an hour and more; played at once.
  if (item.kind === 'Preview') return item.streamUrl;
  if (item.kind === 'Track') {
    const data = await gql(PURCHASED, { album: item.album });
    const owned = data.viewer?.locker.items.nodes.find((node) => node.catalogueTrack?.id === item.id);
    if (!owned) throw new Error('This track is not in your locker.');
    item.streamUrl = owned.streamUrl;
    item.fetchedAt = Date.now();
    return owned.streamUrl;
  }
  if (!force && item.streamUrl && Date.now() - (item.fetchedAt ?? 0) < URL_MAX_AGE_MS) return item.streamUrl;
  const data = await gql(STREAM_URL, { id: item.id });
  if (!data.node) throw new Error('This track is no longer in your locker.');
  if (!data.node.streamable) throw new Error('The audio of this purchase is not available yet.');
  item.streamUrl = data.node.streamUrl;
  item.fetchedAt = Date.now();
  return item.streamUrl;
}

const UPDATE_PLAYBACK = `mutation UpdatePlayback($input: PlaybackInput!) { updatePlayback(input: $input) { updatedAt } }`;
/**
 * While playing, the position is sent this often (and at once at every
 * play, pause, seek and change), so another device shows where this one
 * is and "Resume here" starts there.
 */
const PLAYBACK_EVERY_MS = 5_000;

/**
 * A "playing" state not updated for this long reads as paused: the
 * server's rule (`PLAYBACK_STALE_AFTER` in services/listening/playback.rs),
 * applied here too to the states the subscription brought.
 */
export const STALE_AFTER_MS = 20_000;

let lastSent = 0;

/** When this device last sent its state (ms since the epoch; 0: never). */
export function lastReportAt() {
  return lastSent;
}
let inFlight = false;
let pending = null;

/** The state as `updatePlayback` takes it. */
function playbackInput(state) {
  return {
    deviceId,
    itemId: state.itemId ?? null,
    positionMs: state.itemId ? Math.max(0, Math.round(state.positionMs)) : 0,
    playing: Boolean(state.itemId && state.playing),
  };
}

/**
 * Sends the playback state; `now` sends at once, otherwise at most every
 * five seconds. One request at a time: the latest state waits its turn.
 * `leaving`: the page is going away; sent at once, past the queue, in a
 * request that outlives the page (else other devices would show this one
 * as playing, its position running on, forever).
 */
export function reportPlayback(state, { now = false, leaving = false } = {}) {
  if (leaving) {
    lastSent = Date.now();
    gql(UPDATE_PLAYBACK, { input: playbackInput(state) }, { keepalive: true }).catch(() => {});
    return;
  }
  if (!now && Date.now() - lastSent < PLAYBACK_EVERY_MS) return;
  pending = state;
  lastSent = Date.now();
  if (!inFlight) flush();
}

async function flush() {
  inFlight = true;
  while (pending) {
    const state = pending;
    pending = null;
    try {
      await gql(UPDATE_PLAYBACK, { input: playbackInput(state) });
    } catch {
      // Best effort: the position is a convenience; the next report retries.
    }
  }
  inFlight = false;
}

const RECORD_PLAY = `mutation RecordPlay($input: RecordPlayInput!) { recordPlay(input: $input) }`;

/**
 * When a play counts: at the end of the track, or when it is left after
 * 30 seconds or half its length (whichever comes first) of listening.
 * The server then keeps it or not as the listener's privacy settings say
 * (history off, a private session): `recordPlay` answers which.
 */
export function playCounts(listenedMs, durationMs, completed) {
  if (completed) return true;
  return listenedMs >= Math.min(30_000, Math.max(1, durationMs) / 2);
}

/** Records a play; `leaving`: the page is going away (the request outlives it). */
export async function recordPlay(item, listenedMs, completed, context, { leaving = false } = {}) {
  const limit = (item.durationMs || 0) + 600_000;
  try {
    const data = await gql(RECORD_PLAY, {
      input: {
        itemId: item.id,
        msPlayed: Math.min(Math.round(listenedMs), limit),
        completed,
        deviceId,
        context: context ?? null,
      },
    }, { keepalive: leaving });
    return data.recordPlay;
  } catch {
    // A play that could not be recorded must not stop the music.
    return null;
  }
}

const PLAYBACK_FIELDS = `deviceId positionMs playing updatedAt item { ${PLAYABLE_FIELDS} }`;

/**
 * Calls `onState(state)` with the latest playback state another device
 * (or tab) reported: first the stored one (even this tab's own, then
 * `state.own`), then each update. Returns the
 * function that stops listening.
 */
export function watchPlayback(onState) {
  let stopped = false;
  /** The newest state seen: the stored one may answer after a live update, and must not undo it. */
  let newest = 0;
  const handle = (state, { ownToo = false } = {}) => {
    if (stopped || !state) return;
    const at = Date.parse(state.updatedAt) || 0;
    if (at < newest) return;
    newest = at;
    const own = state.deviceId === deviceId;
    if (own && !ownToo) return;
    onState({ ...state, own, item: state.item ? stamp(playable(state.item)) : null, receivedAt: Date.now() });
  };
  // The stored state may be this tab's own, from before a reload: offered
  // too, so the listener can go on where they were.
  gql(`query LastPlayback { viewer { playback { ${PLAYBACK_FIELDS} } } }`)
    .then((data) => handle(data.viewer?.playback, { ownToo: true }))
    .catch(() => {});
  const unsubscribe = subscribe(`subscription Playback { playback { ${PLAYBACK_FIELDS} } }`, {}, {
    next: (data) => handle(data?.playback),
  });
  return () => {
    stopped = true;
    unsubscribe();
  };
}
