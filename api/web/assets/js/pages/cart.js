// The cart (`#/cart`): its lines (one per product: the API has no
// quantities, a product is bought once), removing a line, the subtotal,
// and checkout. See checkout.js for the idempotency key of an attempt.

import { h, replace, heading, note, errorMessage, actionButton, toast } from '../dom.js';
import { gql } from '../api.js';
import { money } from '../format.js';
import { artistOf, kindLabel, productCover } from '../products.js';
import { checkout, checkoutError, endAttempt, pendingAttempt } from '../checkout.js';

const CART_FIELDS = `itemCount
  subtotal { amountMinor currency formatted }
  lines {
    id
    price { amountMinor currency formatted }
    product { id title kind audioFormat album { title coverUrl artist { name } } track { artist { name } } }
  }`;

export async function render(ctx) {
  const root = h('div', { class: 'cart-page' });
  const error = h('div', { class: 'error', role: 'alert' });
  const { viewer } = await gql(`query Cart { viewer { cart { ${CART_FIELDS} } } }`);
  if (!viewer) throw Object.assign(new Error('Please sign in again.'), { code: 'UNAUTHENTICATED' });

  // `message`: what the last action said, kept across the redraw.
  const draw = (cart, message = '') => {
    if (ctx.signal.aborted) return;
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
          h('div', { class: 'meta' }, `${artistOf(line.product)} · ${kindLabel(line.product)} · ${line.product.audioFormat}`)),
        h('span', { class: 'price' }, money(line.price)),
        h('div', { class: 'actions' },
          actionButton('Remove', async () => {
            const data = await gql(`mutation Remove($id: ID!) { removeFromCart(lineId: $id) { ${CART_FIELDS} } }`,
              { id: line.id });
            // A changed cart is a new attempt, with a new key.
            endAttempt();
            toast(`Removed “${line.product.title}”.`);
            draw(data.removeFromCart);
            // The pressed button is gone: keep the focus in the page.
            root.querySelector('.page-title')?.focus();
          }, { 'aria-label': `Remove “${line.product.title}”`, class: 'link' })))));

    const buy = actionButton(retry ? 'Try again' : 'Checkout', async () => {
      error.textContent = '';
      try {
        const order = await checkout(ctx.user.id, cart);
        ctx.navigate(`#/orders?placed=${encodeURIComponent(order.id)}`);
      } catch (err) {
        const message = checkoutError(err);
        error.textContent = message;
        buy.textContent = pendingAttempt(ctx.user.id, cart) ? 'Try again' : 'Checkout';
        if (err?.code === 'BAD_USER_INPUT' || err?.code === 'CONFLICT') {
          // The cart changed under us (bought elsewhere, price, currency): show it as it is now.
          await refresh(message).catch((e) => { error.textContent = errorMessage(e); });
        }
      }
    }, { class: 'primary checkout' });

    replace(root,
      heading('Your cart'),
      // An unfinished attempt holds the lines it was buying: the cart reads empty.
      cart.lines.length ? lines : h('p', {}, `Your last checkout (${retry.summary ?? 'its items'}) did not finish. `
        + 'Its items are held until it does.'),
      h('div', { class: 'card cart-total' },
        cart.lines.length
          ? h('p', { class: 'subtotal' }, h('span', {}, `Subtotal (${cart.itemCount} item${cart.itemCount === 1 ? '' : 's'})`),
            h('strong', {}, money(cart.subtotal)))
          : null,
        h('p', { class: 'hint' }, 'Prices are today’s; checkout fixes them into your order. '
          + 'What you buy appears in your locker at once.'),
        error,
        buy));
  };

  const refresh = async (message) => {
    const data = await gql(`query Cart { viewer { cart { ${CART_FIELDS} } } }`);
    draw(data.viewer.cart, message);
  };
  draw(viewer.cart);
  return root;
}
