//! The closed sets of the domain, as stored in their text columns.

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
