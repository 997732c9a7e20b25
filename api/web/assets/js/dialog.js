// Modal dialogs built on <dialog>: focus moves in and back, Escape closes.
// The app never uses window.confirm/alert (blocking, unstyled, and a
// browser test treats them as failures).

import { h } from './dom.js';

let count = 0;

/**
 * Opens a modal with a title and `body` (nodes). `body` may call the
 * `close(value)` it is given to end the dialog; resolves to that value
 * (undefined when dismissed with Escape or "Cancel").
 */
export function openDialog(title, build) {
  count += 1;
  const titleId = `dialog-title-${count}`;
  const opener = document.activeElement;
  return new Promise((resolve) => {
    let result;
    const dialog = h('dialog', { 'aria-labelledby': titleId, class: 'modal' });
    const close = (value) => {
      result = value;
      dialog.close();
    };
    dialog.append(h('h2', { id: titleId }, title), build(close));
    dialog.addEventListener('close', () => {
      dialog.remove();
      if (opener && opener.isConnected) opener.focus();
      resolve(result);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** Asks a yes/no question; resolves true only on the confirming button. */
export function confirmDialog(title, message, confirmLabel, { danger = true } = {}) {
  return openDialog(title, (close) => h('div', {},
    h('p', {}, message),
    h('div', { class: 'toolbar' },
      h('button', { type: 'button', onclick: () => close(false) }, 'Cancel'),
      h('button', { type: 'button', class: danger ? 'danger' : 'primary', onclick: () => close(true) }, confirmLabel)),
  )).then((value) => value === true);
}
