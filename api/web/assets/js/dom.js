// Building the page. Every string that reaches the DOM goes in as text:
// there is no innerHTML anywhere in the app. The one exception to "data
// is text" is a search highlight's <em>, which `highlight` builds as an
// element, never by parsing HTML.

/**
 * Creates an element. `attrs` keys:
 * - `class`, `id`, `for`, `role`, `aria-*`, `data-*` and other attributes
 *   (false/null/undefined leave the attribute out, true sets it empty);
 * - `on<event>`: a listener (`onclick: fn`);
 * - `value`, `checked`, `disabled`, `selected`, `hidden`: set as properties.
 * Children may be nodes, strings (text), numbers, arrays or null.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) {
      // Only a function: a string would be an inline handler (refused by the CSP anyway).
      if (typeof value !== 'function') throw new TypeError(`h(): ${key} must be a function`);
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === 'style') {
      throw new TypeError('h(): no style attribute (the CSP forbids it); use a class or a custom property');
    } else if (PROPERTIES.has(key)) {
      el[key] = value;
    } else if (URL_ATTRIBUTES.has(key)) {
      // Addresses often come from data (a cover, an export): never a
      // `javascript:` or `data:` URL, whatever the server or a feed says.
      const url = safeUrl(value);
      if (url !== null) el.setAttribute(key, url);
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

const PROPERTIES = new Set(['value', 'checked', 'disabled', 'selected', 'hidden', 'indeterminate']);
const URL_ATTRIBUTES = new Set(['href', 'src', 'action', 'formaction', 'poster']);

/**
 * `url` when it is an address of this app (`#/…`, a path) or an http(s)
 * URL; null for any other scheme (`javascript:`, `data:`, `blob:`…).
 */
export function safeUrl(url) {
  const text = String(url ?? '').trim();
  if (!text) return null;
  try {
    const { protocol } = new URL(text, location.href);
    return protocol === 'http:' || protocol === 'https:' ? text : null;
  } catch {
    return null;
  }
}

/** Appends children (nodes, text, arrays of them; null is skipped). */
export function append(parent, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** Replaces every child of `parent`. */
export function replace(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes the character references of HTML-escaped text, to plain text. */
export function unescapeHtml(text) {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, name) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X'
        ? parseInt(name.slice(2), 16)
        : parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/**
 * A search highlight as nodes: the API escapes the text and wraps matches
 * in <em></em>. Only those two tags become markup; everything else,
 * including anything that looks like a tag once unescaped, is text.
 */
export function highlight(html) {
  const fragment = document.createDocumentFragment();
  const parts = String(html ?? '').split(/(<em>|<\/em>)/);
  let inside = false;
  for (const part of parts) {
    if (part === '<em>') { inside = true; continue; }
    if (part === '</em>') { inside = false; continue; }
    if (!part) continue;
    const text = unescapeHtml(part);
    fragment.append(inside ? h('em', {}, text) : document.createTextNode(text));
  }
  return fragment;
}

/**
 * A short status message for everyone, read out by screen readers. A
 * toast belongs to the page it was said on: the next navigation takes it
 * away (main.js `clearToasts`), unless `next` (it announces what the
 * navigation that follows at once is about: "… was deleted") or `global`
 * (the player's, which lives across pages).
 */
export function toast(message, kind = 'info', { next = false, global = false } = {}) {
  const box = document.getElementById('toasts');
  if (!box) return;
  const item = h('div', { class: `toast toast-${kind}` }, message);
  if (next) item.dataset.next = '1';
  if (global) item.dataset.global = '1';
  box.append(item);
  setTimeout(() => item.remove(), kind === 'error' ? 8000 : 4000);
}

/** Removes the toasts of the page being left (see `toast`). */
export function clearToasts() {
  for (const item of document.querySelectorAll('#toasts .toast')) {
    if (item.dataset.next) delete item.dataset.next;
    else if (!item.dataset.global) item.remove();
  }
}

/**
 * One button that opens a row's other actions (a menu), so a row shows
 * its title and Play, not four buttons. `label`: the button's accessible
 * name ("More actions for <title>"); `items`: `{ label, onclick,
 * disabled, danger, title }`. Arrow keys move through the menu, Escape
 * closes it and gives the focus back; a click elsewhere closes it.
 */
export function rowMenu(label, items) {
  const shown = items.filter(Boolean);
  const button = h('button', {
    type: 'button', class: 'icon more', 'aria-label': label, 'aria-haspopup': 'menu', 'aria-expanded': 'false', title: 'More actions',
  }, h('span', { 'aria-hidden': 'true' }, '⋯'));
  const menu = h('div', { class: 'menu', role: 'menu', 'aria-label': label, hidden: true });
  const entries = shown.map((item) => h('button', {
    type: 'button', role: 'menuitem', tabindex: '-1', class: item.danger ? 'danger-text' : null,
    disabled: Boolean(item.disabled), title: item.title ?? null,
    onclick: async (event) => {
      close(false);
      await item.onclick(event);
    },
  }, item.label));
  menu.append(...entries);
  const enabled = () => entries.filter((entry) => !entry.disabled);
  const outside = (event) => {
    if (!wrap.contains(event.target)) close(false);
  };
  function open() {
    menu.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    // Up when there is no room below (the player bar and the phone's tab bar are there).
    const room = window.innerHeight - button.getBoundingClientRect().bottom;
    const bars = parseFloat(getComputedStyle(document.body).paddingBottom) || 0;
    wrap.classList.toggle('up', room - bars < menu.offsetHeight + 8);
    enabled()[0]?.focus();
    document.addEventListener('pointerdown', outside, true);
  }
  function close(focusButton = true) {
    if (menu.hidden) return;
    menu.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    document.removeEventListener('pointerdown', outside, true);
    if (focusButton) button.focus();
  }
  button.addEventListener('click', () => (menu.hidden ? open() : close()));
  menu.addEventListener('keydown', (event) => {
    const list = enabled();
    const at = list.indexOf(document.activeElement);
    const go = (i) => list[(i + list.length) % list.length]?.focus();
    if (event.key === 'ArrowDown') go(at + 1);
    else if (event.key === 'ArrowUp') go(at - 1);
    else if (event.key === 'Home') go(0);
    else if (event.key === 'End') go(list.length - 1);
    else if (event.key === 'Escape') close();
    else if (event.key === 'Tab') close(false);
    else return;
    if (event.key !== 'Tab') event.preventDefault();
  });
  const wrap = h('div', { class: 'menu-wrap' }, button, menu);
  return wrap;
}

/** A labelled form field: `<label>` + control, linked by id. */
let fieldCount = 0;
export function field(label, control, hint) {
  fieldCount += 1;
  const id = control.id || `field-${fieldCount}`;
  control.id = id;
  const hintEl = hint ? h('small', { id: `${id}-hint`, class: 'hint' }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hintEl);
}

/** A button that runs `action` once at a time, disabled while it runs. */
export function actionButton(label, action, attrs = {}) {
  const button = h('button', { type: 'button', ...attrs }, label);
  button.addEventListener('click', async (event) => {
    if (button.disabled) return;
    button.disabled = true;
    try {
      await action(event);
    } catch (err) {
      toast(errorMessage(err), 'error');
    } finally {
      if (button.isConnected) button.disabled = false;
    }
  });
  return button;
}

/**
 * Runs `action(event)` on `form`'s submit, once at a time: the submit
 * button is disabled while it runs, `error` (a `role=alert` element) is
 * cleared first and shows what `action` throws (a toast when there is no
 * `error`). `action` may also write to `error` itself and return.
 */
export function onSubmit(form, action, { error = null, submit = form.querySelector('[type="submit"]') } = {}) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (submit?.disabled) return;
    if (error) error.textContent = '';
    if (submit) submit.disabled = true;
    try {
      await action(event);
    } catch (err) {
      if (error) error.textContent = errorMessage(err);
      else toast(errorMessage(err), 'error');
    } finally {
      if (submit) submit.disabled = false;
    }
  });
  return form;
}

/**
 * After "Show more": the pressed button is gone (redrawn or removed), so
 * the focus goes to the first new entry's link or button, where reading
 * goes on, not back to the top of the document.
 */
export function focusFirstOf(nodes) {
  const first = nodes.find((node) => node instanceof Element);
  if (!first) return;
  const target = first.matches('a[href], button, input, summary, [tabindex]')
    ? first
    : first.querySelector('a[href], button:not(:disabled), input, summary, [tabindex]');
  if (target) {
    target.focus();
  } else {
    first.setAttribute('tabindex', '-1');
    first.focus();
  }
}

/** What to tell a person about an error from the API or the network. */
export function errorMessage(err) {
  if (err && err.message) return err.message;
  return 'Something went wrong. Please try again.';
}

/** A page heading that takes focus after navigation, for screen readers. */
export function heading(text, level = 1) {
  return h(`h${level}`, { tabindex: '-1', class: 'page-title' }, text);
}

/** An empty-state or loading message. */
export function note(text) {
  return h('p', { class: 'note' }, text);
}
