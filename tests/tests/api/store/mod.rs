//! The store: cart, checkout, orders, refunds and reviews.

mod cart;
mod checkout;
mod reviews;
mod sales;
