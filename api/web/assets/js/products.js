// Products as the store, the product page, the cart and For you show
// them: a tile (cover, title, artist, price), the cover itself, and the
// "Add to cart" button.

import { h, actionButton } from './dom.js';
import { gql } from './api.js';
import { cover } from './cover.js';
import { money } from './format.js';
import { currentUser } from './session.js';
import { setCartCount } from './cart-count.js';
import { previewButton } from './previews.js';

/** The fields every product tile needs. */
export const PRODUCT_FIELDS = `id title kind audioFormat available ownedByViewer averageRating reviewCount
  price { amountMinor currency formatted }
  album { id title coverUrl artist { id name } }
  track { id title previewUrl artist { id name } }`;

/** The artist a product's music is by. */
export function artistOf(product) {
  return product.album?.artist?.name ?? product.track?.artist?.name ?? '';
}

/** The artist's name as a link to their page (plain text when the API gave no id). */
export function artistLink(product, attrs = {}) {
  const artist = product.album?.artist ?? product.track?.artist;
  if (!artist) return null;
  return artist.id ? h('a', { href: `#/artist/${encodeURIComponent(artist.id)}`, ...attrs }, artist.name) : artist.name;
}

/** A product's cover (cover.js draws a placeholder for one hosted elsewhere). */
export function productCover(product, options) {
  return cover(product.album?.coverUrl, product.album?.title || product.title, options);
}

export function kindLabel(product) {
  return product.kind === 'ALBUM' ? 'Album' : 'Track';
}

/** "4.5 of 5 stars, 12 reviews", or null when there are none (the reviews section says so). */
export function ratingText(product) {
  if (!product.reviewCount) return null;
  const stars = product.averageRating == null ? '' : `${product.averageRating.toFixed(1)} of 5 stars, `;
  return `${stars}${product.reviewCount} review${product.reviewCount === 1 ? '' : 's'}`;
}

/** One tile of a product grid, as an `<li>`: the cover sells, the title and artist are links. */
export function productTile(product) {
  const href = `#/product/${encodeURIComponent(product.id)}`;
  return h('li', { class: 'tile product-tile', 'data-testid': 'product-tile' },
    h('a', { href, class: 'tile-link' },
      productCover(product),
      h('span', { class: 'tile-title' }, product.title)),
    h('span', { class: 'meta tile-artist' }, artistLink(product)),
    h('span', { class: 'tile-foot' },
      // A track is heard from its tile; an album's tracks from its page.
      product.track?.previewUrl
        ? previewButton(product.track, { artist: artistOf(product), coverUrl: product.album?.coverUrl ?? null })
        : null,
      h('span', { class: 'meta' }, kindLabel(product)),
      h('span', { class: 'price' }, money(product.price))),
  );
}

/**
 * "Add to cart" for a product, or why it cannot be added: owned already,
 * not for sale, or nobody signed in. Once added, the button gives way to
 * a link to the cart, said in a status region so it is read out.
 */
export function addToCart(product) {
  if (product.ownedByViewer) {
    return h('p', { class: 'ok' }, 'You own this: it is in your ', h('a', { href: '#/locker' }, 'locker'), '.');
  }
  if (!product.available) return h('p', { class: 'note' }, 'Not for sale at the moment.');
  if (!currentUser()) {
    const back = encodeURIComponent(`#/product/${product.id}`);
    return h('p', {}, h('a', { href: `#/signin?next=${back}` }, 'Sign in'), ' to buy this.');
  }
  const box = h('div', { class: 'buy' });
  box.append(actionButton('Add to cart', async () => {
    const data = await gql(
      `mutation AddToCart($id: ID!) { addToCart(productId: $id) { itemCount } }`,
      { id: product.id },
    );
    const count = data.addToCart.itemCount;
    setCartCount(count);
    const link = h('a', { href: '#/cart' }, 'Go to cart');
    box.replaceChildren(h('p', { class: 'ok', role: 'status' },
      `Added to your cart (${count} item${count === 1 ? '' : 's'}). `, link));
    // The button that had the focus is gone: the focus goes on, not to the page's start.
    link.focus();
  }, { class: 'primary' }));
  return box;
}

/**
 * Tells the server what the person looked at, for recommendations; the
 * server stores it only as their privacy settings allow. Never in the way
 * of the page: a failure is ignored.
 */
export function recordInteraction(input) {
  if (!currentUser()) return;
  gql('mutation Interaction($input: InteractionInput!) { recordInteraction(input: $input) }', { input })
    .catch(() => {});
}
