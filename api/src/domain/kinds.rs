//! The closed sets of the domain, as stored in their text columns.

use crate::error::{ApiError, ApiResult};

/// What a product sells: one track, or a whole album.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProductKind {
    Track,
    Album,
}

impl ProductKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProductKind::Track => "TRACK",
            ProductKind::Album => "ALBUM",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "TRACK" => Some(ProductKind::Track),
            "ALBUM" => Some(ProductKind::Album),
            _ => None,
        }
    }

    /// The kind of a stored product; the column only ever holds the two.
    pub fn of_row(raw: &str) -> Self {
        Self::parse(raw).unwrap_or(ProductKind::Track)
    }
}

/// How an item came into a locker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LockerSource {
    /// The listener's own file.
    Upload,
    /// A catalogue track they bought; it plays the catalogue's master.
    Purchase,
}

impl LockerSource {
    pub fn as_str(self) -> &'static str {
        match self {
            LockerSource::Upload => "UPLOAD",
            LockerSource::Purchase => "PURCHASE",
        }
    }

    /// The source of a stored item; the column only ever holds the two.
    pub fn of_row(raw: &str) -> Self {
        if raw == LockerSource::Purchase.as_str() {
            LockerSource::Purchase
        } else {
            LockerSource::Upload
        }
    }
}

/// Where an order is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrderStatus {
    /// The payment intent: written, not yet paid.
    Pending,
    /// Paid, not yet delivered. Fulfilment runs in the transaction that
    /// records the payment, so no order stays here.
    Paid,
    Fulfilled,
    Refunded,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 4] = [
        OrderStatus::Pending,
        OrderStatus::Paid,
        OrderStatus::Fulfilled,
        OrderStatus::Refunded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "PENDING",
            OrderStatus::Paid => "PAID",
            OrderStatus::Fulfilled => "FULFILLED",
            OrderStatus::Refunded => "REFUNDED",
        }
    }

    /// The status of a stored order. Anything else in the column is a
    /// fault of ours (a hand edit, a migration gone wrong), never read as
    /// some status: an order read as pending could be charged again.
    pub fn of_row(raw: &str) -> ApiResult<Self> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == raw)
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("an order has status {raw:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_statuses_read_back_and_nothing_else_does() {
        for status in OrderStatus::ALL {
            assert_eq!(OrderStatus::of_row(status.as_str()).unwrap(), status);
        }
        for unknown in ["", "pending", "SHIPPED"] {
            assert_eq!(OrderStatus::of_row(unknown).unwrap_err().code(), "INTERNAL");
        }
    }
}
