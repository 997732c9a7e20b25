//! How many products match each store filter, kept between requests.
//! Counting every match on every page was most of a store page's time
//! once the catalogue was large (a count over 500,000 products, joined to
//! their albums and tracks, on each request). Which products are listed
//! changes only with a feed import, so a count stands until this process
//! imports again (`CatalogueVersion::listings`), or for `FRESH` at most,
//! which bounds how long another replica's import can go unseen.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::{CatalogueVersion, ProductFilter};

/// The longest a count is kept: as long as a cached anonymous response
/// (`http::caching::PUBLIC_MAX_AGE_SECS`), so both see another replica's
/// import within the same time.
pub const FRESH: Duration = Duration::from_secs(5);
/// Filters remembered at once; past this the oldest go.
const KEPT: usize = 4096;

#[derive(Clone)]
pub struct ProductCounts {
    version: CatalogueVersion,
    counts: Arc<Mutex<HashMap<ProductFilter, Count>>>,
}

#[derive(Clone, Copy)]
struct Count {
    listings: u64,
    at: Instant,
    total: u64,
}

impl ProductCounts {
    pub fn new(version: CatalogueVersion) -> Self {
        Self {
            version,
            counts: Arc::default(),
        }
    }

    /// The count kept for `filter`, if it still stands.
    pub fn get(&self, filter: &ProductFilter) -> Option<u64> {
        let counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        let count = counts.get(filter)?;
        (count.listings == self.version.listings() && count.at.elapsed() < FRESH)
            .then_some(count.total)
    }

    /// Keeps `total` for `filter`, counted when listings were `listings`
    /// (read before counting, so that an import during the count leaves
    /// it stale rather than wrong).
    pub fn keep(&self, filter: &ProductFilter, listings: u64, total: u64) {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if counts.len() >= KEPT {
            let now = Instant::now();
            counts.retain(|_, count| now.duration_since(count.at) < FRESH);
            if counts.len() >= KEPT {
                counts.clear();
            }
        }
        counts.insert(
            filter.clone(),
            Count {
                listings,
                at: Instant::now(),
                total,
            },
        );
    }

    pub fn listings(&self) -> u64 {
        self.version.listings()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_stands_until_the_listings_change() {
        let version = CatalogueVersion::default();
        let counts = ProductCounts::new(version.clone());
        let rock = ProductFilter {
            genre: Some("Rock".into()),
            ..ProductFilter::default()
        };
        assert_eq!(counts.get(&rock), None);
        counts.keep(&rock, counts.listings(), 42);
        assert_eq!(counts.get(&rock), Some(42));
        assert_eq!(counts.get(&ProductFilter::default()), None);
        // A sale changes the catalogue, not which products are listed.
        version.bump();
        assert_eq!(counts.get(&rock), Some(42));
        version.bump_listings();
        assert_eq!(counts.get(&rock), None);
    }

    #[test]
    fn a_count_taken_across_an_import_is_not_kept_as_current() {
        let version = CatalogueVersion::default();
        let counts = ProductCounts::new(version.clone());
        let before = counts.listings();
        version.bump_listings();
        counts.keep(&ProductFilter::default(), before, 7);
        assert_eq!(counts.get(&ProductFilter::default()), None);
    }
}
