// A product (`#/product/<id>`): price, what it sells (the tracks), "Add to
// cart", reviews (read, and write one when signed in) and what other
// customers also bought.

import { h, heading, note } from '../dom.js';
import { gql } from '../api.js';
import { duration, money, plural } from '../format.js';
import {
  PRODUCT_FIELDS, addToCart, artistLink, artistOf, kindLabel, productTile, ratingText, recordInteraction,
} from '../products.js';
import { reviewsSection } from './product-reviews.js';
import { cover } from '../cover.js';
import { previewButton } from '../previews.js';

const TRACK_FIELDS = 'id title trackNumber discNumber durationMs hasMasterAudio previewUrl';

const PRODUCT = `query Product($id: ID!) {
  product(id: $id) {
    ${PRODUCT_FIELDS}
    sku
    album { releaseYear genre durationMs largeCover: coverUrl(size: 600) tracks { ${TRACK_FIELDS} } }
    track { ${TRACK_FIELDS} album { id title product { id } } }
    alsoBought(first: 8) { ${PRODUCT_FIELDS} }
  }
}`;

/** The tracks, each with its preview (30 seconds, for anyone). */
function trackList(tracks, context) {
  return h('ol', { class: 'list track-list', 'aria-label': 'Tracks' },
    tracks.map((track) => h('li', { class: 'row', 'data-testid': 'product-track', 'data-id': `preview:${track.id}` },
      h('span', { class: 'track-no' }, track.trackNumber ?? ''),
      h('span', { class: 'main' }, h('span', { class: 'title' }, track.title)),
      h('span', { class: 'length' }, duration(track.durationMs / 1000)),
      h('span', { class: 'actions' }, previewButton(track, context)))));
}

export async function render(ctx) {
  const { product } = await gql(PRODUCT, { id: ctx.params.id });
  if (!product) {
    return h('div', {}, heading('Product not found'),
      note('This product does not exist or is no longer for sale.'), h('a', { href: '#/store' }, 'Back to the store'));
  }
  recordInteraction({ kind: 'VIEW_PRODUCT', targetId: product.id });

  const album = product.album;
  const facts = [
    kindLabel(product),
    product.audioFormat,
    album?.releaseYear,
    album?.genre,
    product.kind === 'ALBUM' && album
      ? `${plural(album.tracks.length, 'track')}, ${duration(album.durationMs / 1000)}`
      : null,
  ].filter(Boolean);

  // A track product shows its one track and a link to the album's product.
  const tracks = product.kind === 'ALBUM' ? album?.tracks ?? [] : [product.track].filter(Boolean);
  const albumProduct = product.kind === 'TRACK' ? product.track?.album?.product : null;
  // What a buyer gets when the label has not delivered the audio yet.
  const waiting = tracks.filter((track) => !track.hasMasterAudio).length;
  const audioNote = waiting === 0 ? null : h('p', { class: 'notice', role: 'note' },
    waiting === tracks.length
      ? 'The label has not delivered the audio yet. Buy now and it lands in your locker at once; '
        + 'it plays there as soon as the audio arrives, at no further charge.'
      : `The audio of ${plural(waiting, 'track')} of ${tracks.length} has not been delivered yet: `
        + 'they land in your locker with the rest and play as soon as it arrives, at no further charge.');

  const page = h('article', { class: 'product-page' },
    h('div', { class: 'product-head' },
      h('div', { class: 'product-cover' }, cover(album?.largeCover ?? product.album?.coverUrl, album?.title || product.title, { eager: true })),
      h('div', { class: 'product-info' },
        heading(product.title),
        h('p', { class: 'product-artist' }, 'by ', artistLink(product)),
        h('p', { class: 'meta' }, facts.join(' · ')),
        ratingText(product) ? h('p', { class: 'meta' }, ratingText(product)) : null,
        h('p', { class: 'price big-price' }, money(product.price)),
        addToCart(product),
        audioNote,
        albumProduct && albumProduct.id !== product.id
          ? h('p', {}, h('a', { href: `#/product/${encodeURIComponent(albumProduct.id)}` },
            `The whole album “${product.track.album.title}”`))
          : null)),
    h('section', { class: 'card', 'aria-labelledby': 'tracks-title' },
      h('h2', { id: 'tracks-title' }, tracks.length === 1 ? 'Track' : 'Tracks'),
      tracks.length
        ? trackList(tracks, { album: album?.title, artist: artistOf(product), coverUrl: album?.coverUrl ?? null })
        : note('No tracks listed.')),
    reviewsSection(product, ctx),
    h('section', { class: 'card', 'aria-labelledby': 'also-title' },
      h('h2', { id: 'also-title' }, 'Customers also bought'),
      product.alsoBought.length
        ? h('ul', { class: 'grid' }, product.alsoBought.map(productTile))
        : note('Nothing yet: no customers in common with this product so far.')),
  );
  page.dataset.title = `${product.title} by ${artistOf(product)}`;
  return page;
}
