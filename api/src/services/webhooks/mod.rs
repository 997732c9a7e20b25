//! Signed webhooks for partners, after the Standard Webhooks
//! specification: an administrator registers an endpoint and the events it
//! wants; each event is written to an outbox in the transaction of the
//! change it announces (`outbox`), one row per endpoint; a worker on every
//! replica claims due rows under a lease, signs and sends them, and retries
//! with exponential backoff for up to a day (`worker`); every attempt is
//! recorded and an administrator reads the log (`log`).
//!
//! The store (fulfilment) and the catalogue (product changes) write to the
//! outbox, so this area depends on neither: they hand it the event's data.

pub mod endpoints;
pub mod log;
pub mod outbox;
pub mod signing;
pub mod worker;

pub use endpoints::Endpoints;
pub use outbox::{Event, Outbox};

/// What an endpoint can subscribe to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventType {
    /// An order was paid and fulfilled: products, units and amounts, never
    /// the buyer.
    OrderFulfilled,
    /// A product's public fields changed (price, availability, title, ...).
    ProductUpdated,
}

impl EventType {
    pub const ALL: [EventType; 2] = [EventType::OrderFulfilled, EventType::ProductUpdated];

    /// The name on the wire (the payload's `type`) and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::OrderFulfilled => "order.fulfilled",
            EventType::ProductUpdated => "product.updated",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == raw)
    }
}

/// Where one delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Not delivered yet; tried again at `next_attempt_at`.
    Pending,
    /// An attempt was answered with a 2xx status.
    Delivered,
    /// Given up: no 2xx answer within the retry window.
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
        }
    }

    /// A row's status; anything unknown reads as pending, so it is tried
    /// rather than lost.
    pub fn of_row(raw: &str) -> Self {
        match raw {
            "delivered" => DeliveryStatus::Delivered,
            "failed" => DeliveryStatus::Failed,
            _ => DeliveryStatus::Pending,
        }
    }
}
