//! The store: what a listener owns and what they say about it.
//!
//! Here live the cart, checkout (one idempotency key, one order, one
//! charge), orders and refunds, the entitlements a paid order grants (and
//! the purchased items it puts in the buyer's locker), reviews, payments
//! behind a provider, and partners' sales reports and signed webhooks.
//! Ownership itself is asked next to the data
//! (`entitlement::Entity::find_owned_by`, `track::Entity::find_owned_by`),
//! so the locker and playlists can ask it without depending on the store.

pub mod cart;
pub mod checkout;
pub mod entitlements;
pub mod fulfilment;
pub mod orders;
pub mod payments;
pub mod refunds;
pub mod reviews;
pub mod sales;
