//! The catalogue's version in this process: whatever was derived from an
//! older catalogue (cached anonymous responses, counts of listings) can
//! tell it is stale.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Moves on whenever this process changes the catalogue. Whatever later
/// changes what anonymous callers see (sales, reviews, availability) must
/// bump it too; what changes which products exist or are for sale (a feed
/// import) bumps the listings as well.
#[derive(Clone, Default)]
pub struct CatalogueVersion {
    changes: Arc<AtomicU64>,
    listings: Arc<AtomicU64>,
}

impl CatalogueVersion {
    pub fn current(&self) -> u64 {
        self.changes.load(Ordering::Acquire)
    }

    pub fn bump(&self) {
        self.changes.fetch_add(1, Ordering::AcqRel);
    }

    /// Which products are listed: moves only when that may have changed.
    pub fn listings(&self) -> u64 {
        self.listings.load(Ordering::Acquire)
    }

    /// Products were added, or made available or not.
    pub fn bump_listings(&self) {
        self.listings.fetch_add(1, Ordering::AcqRel);
        self.bump();
    }
}
