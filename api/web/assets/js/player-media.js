// The system's media controls (media keys, the lock screen, the browser's
// media hub) through the Media Session API, where the browser has it.

/** Shows what plays (or nothing) in the system's controls. */
export function mediaMetadata(item) {
  if (!('mediaSession' in navigator)) return;
  navigator.mediaSession.metadata = item
    ? new MediaMetadata({ title: item.title, artist: item.artist, album: item.album })
    : null;
}

/** Lets the system's controls drive the player. */
export function mediaActions({ play, pause, previous, next, seek }) {
  if (!('mediaSession' in navigator)) return;
  const actions = {
    play,
    pause,
    previoustrack: previous,
    nexttrack: next,
    seekto: (details) => seek(details.seekTime),
  };
  for (const [action, handler] of Object.entries(actions)) {
    try {
      navigator.mediaSession.setActionHandler(action, handler);
    } catch {
      // An action this browser does not know.
    }
  }
}
