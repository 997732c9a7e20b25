// The cart's count in the navigation: read once a session starts, then
// told by whatever changes the cart (add, remove, checkout), so the Cart
// link always says how many items wait in it.

import { gql } from './api.js';
import { currentUser } from './session.js';

let count = 0;
const listeners = new Set();

/** The last known number of items in the signed-in user's cart. */
export function cartCount() {
  return count;
}

/** Sets the count (after an answer that carries it) and tells the navigation. */
export function setCartCount(n) {
  const next = Number.isFinite(n) ? n : 0;
  if (next === count) return;
  count = next;
  for (const listener of listeners) listener(count);
}

/** Calls `listener(count)` on every change. */
export function onCartCount(listener) {
  listeners.add(listener);
}

/** Reads the count from the API (a session started); 0 when signed out. */
export async function refreshCartCount() {
  if (!currentUser()) {
    setCartCount(0);
    return;
  }
  try {
    const data = await gql('query CartCount { viewer { cart { itemCount } } }');
    setCartCount(data.viewer?.cart?.itemCount ?? 0);
  } catch {
    // The count is a convenience: the cart page reads the cart itself.
  }
}
