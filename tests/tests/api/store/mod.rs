//! The store: cart, checkout, orders, refunds, reviews and partners'
//! webhooks.

mod cart;
mod checkout;
mod reviews;
mod sales;
mod webhooks;
