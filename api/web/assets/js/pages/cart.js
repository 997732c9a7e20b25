// The cart (`#/cart`): its lines (one per product: the API has no
// quantities, a product is bought once), removing a line, the subtotal,
// and checkout in two steps: "Review order" shows what will be charged
// and what will land in the locker, and "Pay" confirms. See checkout.js
// for the idempotency key of an attempt (unchanged by the review: the key
// is made when "Pay" is first pressed and kept for its retries).

import { h, replace, heading, note, errorMessage, actionButton, toast } from '../dom.js';
import { setCartCount } from '../cart-count.js';
import { gql } from '../api.js';
import { money, plural } from '../format.js';
import { artistLink, kindLabel, productCover } from '../products.js';
import { checkout, checkoutError, endAttempt, pendingAttempt } from '../checkout.js';

const CART_FIELDS = `itemCount
  subtotal { amountMinor currency formatted }
  lines {
    id
    price { amountMinor currency formatted }
    product { id title kind audioFormat album { title coverUrl(size: 64) artist { id name } tracks { id } } track { title artist { id name } } }
  }`;

export async function render(ctx) {
  const root = h('div', { class: 'cart-page' });
  const error = h('div', { class: 'error', role: 'alert' });
  const { viewer } = await gql(`query Cart { viewer { cart { ${CART_FIELDS} } } }`);
  if (!viewer) throw Object.assign(new Error('Please sign in again.'), { code: 'UNAUTHENTICATED' });

  // `message`: what the last action said, kept across the redraw.
  let reviewing = false;
  const draw = (cart, message = '') => {
    if (ctx.signal.aborted) return;
    setCartCount(cart.itemCount);
    const retry = pendingAttempt(ctx.user.id, cart);
    error.textContent = message
      || (retry ? 'The last checkout did not finish. Press “Try again” to finish it.' : '');
    if (cart.lines.length === 0 && !retry) {
      root.replaceChildren(heading('Your cart'),
        note('Your cart is empty.'), h('a', { href: '#/store' }, 'Browse the store'));
      return;
    }
    const lines = h('ul', { class: 'list cart-lines', 'aria-label': 'Cart lines' }, cart.lines.map((line) =>
      h('li', { class: 'row', 'data-testid': 'cart-line' },
        productCover(line.product, { small: true }),
        h('div', { class: 'main' },
          h('a', { class: 'title', href: `#/product/${encodeURIComponent(line.product.id)}` }, line.product.title),
          h('div', { class: 'meta' }, artistLink(line.product), ` · ${kindLabel(line.product)} · ${line.product.audioFormat}`)),
        h('span', { class: 'price' }, money(line.price)),
        h('div', { class: 'actions' },
          actionButton('Remove', async () => {
            const data = await gql(`mutation Remove($id: ID!) { removeFromCart(lineId: $id) { ${CART_FIELDS} } }`,
              { id: line.id });
            // A changed cart is a new attempt, with a new key.
            endAttempt();
            reviewing = false;
            toast(`Removed “${line.product.title}”.`);
            draw(data.removeFromCart);
            // The pressed button is gone: keep the focus in the page.
            root.querySelector('.page-title')?.focus();
          }, { 'aria-label': `Remove “${line.product.title}”`, class: 'link' })))));

    const payLabel = () => (pendingAttempt(ctx.user.id, cart) ? 'Try again' : `Pay ${cart.subtotal.formatted}`);
    const buy = actionButton(retry ? 'Try again' : `Pay ${cart.subtotal.formatted}`, async () => {
      error.textContent = '';
      try {
        const order = await checkout(ctx.user.id, cart);
        setCartCount(0);
        ctx.navigate(`#/orders?placed=${encodeURIComponent(order.id)}`);
      } catch (err) {
        const message = checkoutError(err);
        error.textContent = message;
        buy.textContent = payLabel();
        if (err?.code === 'BAD_USER_INPUT' || err?.code === 'CONFLICT') {
          // The cart changed under us (bought elsewhere, price, currency): show it as it is now.
          reviewing = false;
          await refresh(message).catch((e) => { error.textContent = errorMessage(e); });
        }
      }
    }, { class: 'primary checkout' });

    // What lands in the locker: every track of an album, or the one track.
    const landing = cart.lines.map((line) => {
      const p = line.product;
      const tracks = p.kind === 'ALBUM' ? p.album?.tracks?.length ?? 0 : 1;
      return h('li', {}, h('strong', {}, p.title), ` — ${p.kind === 'ALBUM' ? `album, ${plural(tracks, 'track')}` : 'track'}, ${p.audioFormat}`);
    });
    const trackTotal = cart.lines.reduce((sum, line) => sum + (line.product.kind === 'ALBUM' ? line.product.album?.tracks?.length ?? 0 : 1), 0);
    const review = h('section', { class: 'card review-step', 'aria-labelledby': 'review-title', 'data-testid': 'order-review' },
      h('h2', { id: 'review-title', tabindex: '-1' }, 'Review your order'),
      cart.lines.length === 0
        ? h('p', {}, `The unfinished checkout: ${retry?.summary ?? 'its items'}. Pressing “Try again” finishes it, charging at most once.`)
        : h('dl', { class: 'review-facts' },
        h('dt', {}, 'You will be charged'),
        h('dd', { class: 'price big-price' }, money(cart.subtotal)),
        h('dt', {}, 'Lands in your locker'),
        h('dd', {}, plural(trackTotal, 'track'), ' from ', plural(cart.lines.length, 'item'), ', playable at once:',
          h('ul', { class: 'landing' }, landing))),
      h('p', { class: 'hint' }, 'Prices are fixed into your order when you pay. Pressing “Pay” twice charges once.'),
      error,
      h('div', { class: 'toolbar' },
        buy,
        h('button', {
          type: 'button',
          onclick: () => {
            reviewing = false;
            draw(cart);
            root.querySelector('button.checkout')?.focus();
          },
        }, 'Back to the cart')));

    const toReview = h('button', {
      type: 'button', class: 'primary checkout',
      onclick: () => {
        reviewing = true;
        draw(cart);
        root.querySelector('#review-title')?.focus();
      },
    }, 'Review order');

    replace(root,
      heading('Your cart'),
      // An unfinished attempt holds the lines it was buying: the cart reads empty.
      cart.lines.length ? lines : h('p', {}, `Your last checkout (${retry.summary ?? 'its items'}) did not finish. `
        + 'Its items are held until it does.'),
      reviewing || retry
        ? review
        : h('div', { class: 'card cart-total' },
          h('p', { class: 'subtotal' }, h('span', {}, `Subtotal (${plural(cart.itemCount, 'item')})`),
            h('strong', {}, money(cart.subtotal))),
          h('p', { class: 'hint' }, 'Next you see what you will be charged and what lands in your locker, before anything is charged.'),
          error,
          toReview));
  };

  const refresh = async (message) => {
    const data = await gql(`query Cart { viewer { cart { ${CART_FIELDS} } } }`);
    draw(data.viewer.cart, message);
  };
  draw(viewer.cart);
  return root;
}
