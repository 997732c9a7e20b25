// The first visit (`#/welcome`, where `/` leads a signed-out visitor):
// what Cadenza is, in a few lines, and the store to browse before
// signing in.

import { h, heading } from '../dom.js';
import { gql } from '../api.js';
import { PRODUCT_FIELDS, productTile } from '../products.js';

const NEWEST = `query Welcome { products(first: 8, sort: NEWEST, filter: { kind: ALBUM }) { nodes { ${PRODUCT_FIELDS} } } }`;

const POINTS = [
  ['Your music, your locker', 'Upload MP3, FLAC, Ogg, Opus, AAC, WAV or AIFF. The files stay exactly as you gave them, and play at their full quality on every device.'],
  ['A store that adds to it', 'Listen to 30 seconds of any track, buy an album or a track, and it lands in your locker at once, beside your own files.'],
  ['One player, every device', 'Start on the laptop, pick up on the phone where you left off. Your Subsonic apps work too.'],
  ['Your listening is yours', 'Turn the history off, export everything, or delete the account and everything with it.'],
];

export async function render() {
  let products = [];
  try {
    products = (await gql(NEWEST)).products.nodes;
  } catch {
    // The welcome says what Cadenza is even when the store cannot answer.
  }
  const page = h('div', { class: 'welcome' },
    h('section', { class: 'hero' },
      h('p', { class: 'eyebrow' }, 'Cadenza'),
      heading('Your music locker and a record store, in one place'),
      h('p', { class: 'lead' }, 'Keep the music you own, play it anywhere, and buy more from artists you will like — without giving your listening away.'),
      h('div', { class: 'toolbar' },
        h('a', { class: 'button primary', href: '#/signup' }, 'Create a free account'),
        h('a', { class: 'button', href: '#/store' }, 'Browse the store'),
        h('a', { href: '#/signin' }, 'I have an account'))),
    h('ul', { class: 'points' }, POINTS.map(([title, text]) =>
      h('li', { class: 'card' }, h('h2', {}, title), h('p', {}, text)))),
    products.length
      ? h('section', { 'aria-labelledby': 'new-title' },
        h('div', { class: 'list-head' }, h('h2', { id: 'new-title' }, 'New in the store'), h('a', { href: '#/store' }, 'See everything')),
        h('ul', { class: 'grid', 'aria-label': 'New albums' }, products.map(productTile)))
      : null);
  page.dataset.title = 'Welcome';
  return page;
}
