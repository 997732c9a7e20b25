//! The catalogue's version in this process: whatever was derived from an
//! older catalogue (cached anonymous responses) can tell it is stale.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Moves on whenever this process changes the catalogue. Whatever later
/// changes what anonymous callers see (sales, reviews, availability) must
/// bump it too.
#[derive(Clone, Default)]
pub struct CatalogueVersion(Arc<AtomicU64>);

impl CatalogueVersion {
    pub fn current(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }

    pub fn bump(&self) {
        self.0.fetch_add(1, Ordering::AcqRel);
    }
}
