// For you (`#/for-you`): the viewer's recommendations, each with its
// reason, and "Why?": the plays and purchases the reason rests on
// (`because`), each linked to where it lives. With personalisation off
// the API gives best-sellers only, and the page says so.

import { h, heading, note } from '../dom.js';
import { gql } from '../api.js';
import { money } from '../format.js';
import { PRODUCT_FIELDS, addToCart, artistOf, productCover, recordInteraction } from '../products.js';
import { albumHref, artistHref } from './locker-browse.js';

const RECOMMENDATIONS = `query ForYou {
  viewer {
    privacy { personalizedRecommendations privateSessionUntil }
    recommendations(first: 20) {
      score reason
      product { ${PRODUCT_FIELDS} }
      because {
        __typename
        ... on LockerItem { id title artist album albumId artistId catalogueTrack { album { id title product { id } } } }
        ... on Track { id title artist { name } album { id title product { id } } product { id } }
      }
    }
  }
}`;

function productLink(id, text) {
  return h('a', { href: `#/product/${encodeURIComponent(id)}` }, text);
}

/** One source of a reason: what was played or bought, and where to find it. */
function source(playable) {
  if (playable.__typename === 'Track') {
    const albumProduct = playable.album?.product;
    return h('li', {},
      h('span', { class: 'tag' }, 'Bought'),
      h('strong', {}, playable.title), ` by ${playable.artist.name}`,
      playable.album ? ` (album “${playable.album.title}”)` : '',
      ' · ',
      playable.product ? productLink(playable.product.id, 'the track in the store') : null,
      playable.product && albumProduct ? ' · ' : null,
      albumProduct ? productLink(albumProduct.id, 'the album in the store') : null);
  }
  const albumProduct = playable.catalogueTrack?.album?.product;
  return h('li', {},
    h('span', { class: 'tag' }, 'Played'),
    h('strong', {}, playable.title), ` by ${playable.artist}`,
    playable.album ? ` (album “${playable.album}”)` : '',
    ' · ',
    playable.album
      ? h('a', { href: albumHref(playable.albumId) }, 'its album in your locker')
      : h('a', { href: artistHref(playable.artistId) }, 'its artist in your locker'),
    albumProduct ? ' · ' : null,
    albumProduct ? productLink(albumProduct.id, 'its album in the store') : null);
}

let whyCount = 0;

function recommendationItem(rec) {
  const { product } = rec;
  whyCount += 1;
  const whyId = `why-${whyCount}`;
  const why = h('div', { id: whyId, class: 'why', hidden: true },
    rec.because.length
      ? [h('p', {}, 'This reason rests on:'), h('ul', { class: 'because' }, rec.because.map(source))]
      : h('p', {}, 'Not on anything of yours: this is a best-seller (or a pick by artist or genre), '
        + 'recommended to everyone alike.'));
  const toggle = h('button', { type: 'button', class: 'link', 'aria-expanded': 'false', 'aria-controls': whyId }, 'Why?');
  toggle.addEventListener('click', () => {
    const open = why.hidden;
    why.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
  });
  const open = () => recordInteraction({ kind: 'CLICK_RECOMMENDATION', targetId: product.id });
  return h('li', { class: 'card recommendation', 'data-testid': 'recommendation' },
    h('div', { class: 'rec-cover' }, productCover(product)),
    h('div', { class: 'rec-main' },
      h('a', { class: 'rec-title', href: `#/product/${encodeURIComponent(product.id)}`, onclick: open }, product.title),
      h('p', { class: 'meta' }, `${artistOf(product)} · ${money(product.price)}`),
      h('p', { class: 'reason' }, rec.reason, ' ', toggle),
      why,
      addToCart(product)));
}

export async function render() {
  const { viewer } = await gql(RECOMMENDATIONS);
  const personal = viewer.privacy.personalizedRecommendations;
  const recs = viewer.recommendations;
  return h('div', { class: 'for-you' },
    heading('For you'),
    personal
      ? h('p', { class: 'hint' }, 'Picked from what you played and bought lately, never something you own. '
        + 'Press “Why?” to see what a pick rests on.')
      : h('div', { class: 'card notice', role: 'note' },
        h('p', {}, h('strong', {}, 'Personalised recommendations are off. '),
          'These are best-sellers only: nothing you played or bought is used. '),
        h('p', {}, 'You can turn them on in ', h('a', { href: '#/privacy' }, 'Privacy'), '.')),
    recs.length
      ? h('ul', { class: 'list recommendations', 'aria-label': 'Recommendations' }, recs.map(recommendationItem))
      : note('Nothing to recommend yet: play or buy something, then come back.'));
}
