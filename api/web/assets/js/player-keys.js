// The player's keys: Space plays and pauses from anywhere in the page that
// is not a control, and the seek bar's arrows jump by seconds a listener
// can hear.

/** Where Space already means something: fields, buttons, links, anything editable. */
const OWNS_SPACE = 'input, textarea, select, button, a, audio, [contenteditable], [role="slider"], dialog';

/**
 * `seek`: the range input; `loaded()`: whether a track is loaded; `toggle()`
 * plays or pauses; `jump(seconds)` moves the position.
 */
export function playerKeys({ seek, loaded, toggle, jump }) {
  document.addEventListener('keydown', (event) => {
    if (event.key !== ' ' || event.altKey || event.ctrlKey || event.metaKey || !loaded()) return;
    if (event.target.closest?.(OWNS_SPACE)) return;
    event.preventDefault();
    toggle();
  });
  // The range's own step (0.1 s, for a smooth drag) would make an arrow key
  // move a tenth of a second: the keys jump 5 s (Page Up/Down 30 s) instead.
  seek.addEventListener('keydown', (event) => {
    const seconds = { ArrowRight: 5, ArrowUp: 5, ArrowLeft: -5, ArrowDown: -5, PageUp: 30, PageDown: -30 }[event.key];
    if (!seconds || !loaded()) return;
    event.preventDefault();
    jump(seconds);
  });
}
