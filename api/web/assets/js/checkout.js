// One idempotency key per checkout attempt.
//
// The API buys once per key, however often the key is sent. So the key is
// made when an attempt starts and kept while that attempt is retried (a
// provider that failed or did not answer, a dropped connection: the first
// request may have bought, and the same key then answers with that order),
// and forgotten when the attempt ends (an order, a declined payment, a
// refusal) or when the cart it was made for changes. It is kept in
// sessionStorage so a reload in the middle of a retry keeps it too.

import { gql, idempotencyKey } from './api.js';

const STORE = 'cadenza.checkout';

/** What identifies the cart an attempt buys: its lines and subtotal. */
export function cartSignature(cart) {
  return `${cart.lines.map((line) => line.id).join(',')}|${cart.subtotal.amountMinor}${cart.subtotal.currency}`;
}

function load() {
  try {
    return JSON.parse(sessionStorage.getItem(STORE) || 'null');
  } catch {
    return null;
  }
}

function save(attempt) {
  if (attempt) sessionStorage.setItem(STORE, JSON.stringify(attempt));
  else sessionStorage.removeItem(STORE);
}

/**
 * The attempt in progress for this user and this cart, if any. While a
 * payment's outcome is unknown the server holds the cart's lines in the
 * pending payment, so the cart reads empty: the attempt still stands.
 */
export function pendingAttempt(userId, cart) {
  const attempt = load();
  const same = attempt?.signature === cartSignature(cart) || cart.lines.length === 0;
  if (attempt && attempt.userId === userId && same) return attempt;
  if (attempt) save(null);
  return null;
}

/** Forgets the attempt (the cart changed). */
export function endAttempt() {
  save(null);
}

/**
 * Errors after which the same attempt should be retried with the same key:
 * the outcome is unknown, the first request may have bought.
 */
function outcomeUnknown(err) {
  return !err?.code || err.code === 'INTERNAL' || err.code === 'NETWORK' || err.code === 'RATE_LIMITED';
}

/** What to tell the buyer about a failed checkout, in words. */
export function checkoutError(err) {
  switch (err?.code) {
    case 'PAYMENT_DECLINED':
      return 'Your payment was declined. Nothing was charged and no order was made; your cart is as it was.';
    case 'INTERNAL':
      return 'The payment provider did not confirm the payment, so nothing was delivered. '
        + 'Press “Try again”: this same attempt is charged at most once.';
    case 'RATE_LIMITED':
      return 'Too many attempts in a short time. Wait a moment, then press “Try again”.';
    case 'CONFLICT':
      return `This cannot be bought as it is: ${err.message}`;
    case 'BAD_USER_INPUT':
      return `This cart cannot be bought: ${err.message}`;
    case 'UNAUTHENTICATED':
      return 'Your session has ended; sign in again to buy.';
    case undefined:
      return 'The server could not be reached. Check the connection, then press “Try again”: '
        + 'you will be charged at most once.';
    default:
      return err.message || 'The checkout failed.';
  }
}

/**
 * Buys `cart` with the current attempt's key (made now if there is none).
 * Resolves to the order; rejects with the API's error, keeping the key
 * only when the outcome is unknown (`pendingAttempt` then tells the caller
 * that the next press is a retry of the same attempt).
 */
export async function checkout(userId, cart) {
  let attempt = pendingAttempt(userId, cart);
  if (!attempt) {
    attempt = {
      userId,
      signature: cartSignature(cart),
      key: idempotencyKey(),
      summary: `${cart.itemCount} item${cart.itemCount === 1 ? '' : 's'}, ${cart.subtotal.formatted}`,
    };
    save(attempt);
  }
  try {
    const data = await gql(`mutation Checkout($key: String!) {
      checkout(idempotencyKey: $key) { id number status total { formatted } }
    }`, { key: attempt.key });
    save(null);
    return data.checkout;
  } catch (err) {
    if (!outcomeUnknown(err)) save(null);
    throw err;
  }
}
