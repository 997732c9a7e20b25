// The player bar. (Being written: the locker/player page author replaces
// this with the real player: queue, seek, updatePlayback, the playback
// subscription and recordPlay.)

export function initPlayer(_element) {}

export function stopPlayer() {}

export function playQueue(_items, _index = 0) {}
