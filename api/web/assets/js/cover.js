// Cover art: the picture when there is one, otherwise a placeholder drawn
// from the name (initials on a colour of its own), never a broken image.

import { h } from './dom.js';

function hueOf(text) {
  let hash = 0;
  for (const char of text) hash = (hash * 31 + char.codePointAt(0)) >>> 0;
  return hash % 360;
}

function initials(text) {
  const words = text.trim().split(/\s+/).filter(Boolean);
  return words.slice(0, 2).map((word) => [...word][0].toUpperCase()).join('') || '♪';
}

/**
 * Only pictures this server serves are shown: the page asks nothing of any
 * other origin (and its CSP would refuse it). The demo catalogue's cover
 * URLs name another host; they get the placeholder.
 */
function sameOrigin(url) {
  try {
    return new URL(url, location.href).origin === location.origin;
  } catch {
    return false;
  }
}

/**
 * A cover for `name` (an album or title): the image at `url`, or the
 * placeholder when `url` is null or the image fails to load (`eager`: the
 * page's main picture, loaded at once rather than when scrolled to). Decorative
 * (the name is always shown beside it), so it has empty alt text.
 */
export function cover(url, name, { small = false, eager = false } = {}) {
  const placeholder = () => {
    const ph = h('div', { class: `cover-ph${small ? ' small' : ''}`, 'aria-hidden': 'true' }, initials(name || ''));
    ph.style.setProperty('--hue', String(hueOf(name || '')));
    return ph;
  };
  if (!url || !sameOrigin(url)) return placeholder();
  const img = h('img', {
    class: `cover${small ? ' small' : ''}`, src: url, alt: '', loading: eager ? 'eager' : 'lazy', decoding: 'async',
  });
  img.addEventListener('error', () => img.replaceWith(placeholder()), { once: true });
  return img;
}
