//! How many products match each store filter, kept between requests.
//! Counting every match on every page was most of a store page's time
//! once the catalogue was large (a count over 500,000 products, joined to
//! their albums and tracks, on each request). Which products are listed
//! changes only with a feed import, so a count stands until this process
//! imports again (`CatalogueVersion::listings`). Past `FRESH`, a request
//! starts a recount in the background (one at a time in the process, so
//! many filters cannot pile counts onto the pool) and every request
//! meanwhile is answered with the count kept: no page waits for a count of
//! the whole catalogue but the first of its filter after a start or an
//! import here. Another replica's import is seen once a recount after it
//! has finished: `FRESH` plus a count's time while requests come, or at
//! the first request after a quiet spell, which is answered with the old
//! count (a page past the old end is then empty until the recount lands).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::{CatalogueVersion, ProductFilter};

/// How old a count may be before it is recounted: as long as a cached
/// anonymous response (`http::caching::PUBLIC_MAX_AGE_SECS`).
pub const FRESH: Duration = Duration::from_secs(5);
/// Filters remembered at once; past this the oldest go.
const KEPT: usize = 4096;

#[derive(Clone)]
pub struct ProductCounts {
    version: CatalogueVersion,
    counts: Arc<Mutex<HashMap<ProductFilter, Count>>>,
    /// A background recount is running (at most one in the process).
    recounting: Arc<AtomicBool>,
}

#[derive(Clone, Copy)]
struct Count {
    listings: u64,
    at: Instant,
    total: u64,
    /// When a recount began, if one is under way.
    recounting: Option<Instant>,
}

/// What is kept for a filter.
#[derive(Debug, PartialEq, Eq)]
pub enum Kept {
    /// The count, current.
    Current(u64),
    /// The count, older than `FRESH`: the caller recounts in the
    /// background (no other caller is told to until `FRESH` has passed).
    Recount(u64),
    /// Nothing that stands: the caller counts before answering.
    Missing,
}

impl ProductCounts {
    pub fn new(version: CatalogueVersion) -> Self {
        Self {
            version,
            counts: Arc::default(),
            recounting: Arc::default(),
        }
    }

    /// The count kept for `filter`, and whether the caller recounts.
    pub fn get(&self, filter: &ProductFilter) -> Kept {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(count) = counts.get_mut(filter) else {
            return Kept::Missing;
        };
        if count.listings != self.version.listings() {
            return Kept::Missing;
        }
        if count.at.elapsed() < FRESH {
            return Kept::Current(count.total);
        }
        // A recount that never came back (its statement failed) is retried.
        if count
            .recounting
            .is_some_and(|began| began.elapsed() < FRESH)
            || self.recounting.swap(true, Ordering::AcqRel)
        {
            return Kept::Current(count.total);
        }
        count.recounting = Some(Instant::now());
        Kept::Recount(count.total)
    }

    /// The background recount `get` asked for has ended, counted or not.
    pub fn recounted(&self) {
        self.recounting.store(false, Ordering::Release);
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
                recounting: None,
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
        assert_eq!(counts.get(&rock), Kept::Missing);
        counts.keep(&rock, counts.listings(), 42);
        assert_eq!(counts.get(&rock), Kept::Current(42));
        assert_eq!(counts.get(&ProductFilter::default()), Kept::Missing);
        // A sale changes the catalogue, not which products are listed.
        version.bump();
        assert_eq!(counts.get(&rock), Kept::Current(42));
        version.bump_listings();
        assert_eq!(counts.get(&rock), Kept::Missing);
    }

    #[test]
    fn a_count_taken_across_an_import_is_not_kept_as_current() {
        let version = CatalogueVersion::default();
        let counts = ProductCounts::new(version.clone());
        let before = counts.listings();
        version.bump_listings();
        counts.keep(&ProductFilter::default(), before, 7);
        assert_eq!(counts.get(&ProductFilter::default()), Kept::Missing);
    }

    #[test]
    fn an_old_count_is_recounted_once_while_it_still_answers() {
        let counts = ProductCounts::new(CatalogueVersion::default());
        let all = ProductFilter::default();
        counts.keep(&all, counts.listings(), 9);
        let old = Instant::now()
            .checked_sub(FRESH + Duration::from_secs(1))
            .unwrap();
        let age = |counts: &ProductCounts, recounting: Option<Instant>| {
            let mut kept = counts.counts.lock().unwrap();
            let count = kept.get_mut(&all).unwrap();
            count.at = old;
            count.recounting = recounting;
        };
        age(&counts, None);
        assert_eq!(counts.get(&all), Kept::Recount(9));
        // The others are answered with it while the recount runs, and no
        // other filter recounts meanwhile.
        assert_eq!(counts.get(&all), Kept::Current(9));
        assert_eq!(counts.get(&all), Kept::Current(9));
        let rock = ProductFilter {
            genre: Some("Rock".into()),
            ..ProductFilter::default()
        };
        counts.keep(&rock, counts.listings(), 3);
        counts.counts.lock().unwrap().get_mut(&rock).unwrap().at = old;
        assert_eq!(counts.get(&rock), Kept::Current(3));
        counts.recounted();
        assert_eq!(counts.get(&rock), Kept::Recount(3));
        counts.recounted();
        // A recount that failed is asked for again once `FRESH` has passed.
        age(&counts, Some(old));
        assert_eq!(counts.get(&all), Kept::Recount(9));
        counts.keep(&all, counts.listings(), 10);
        assert_eq!(counts.get(&all), Kept::Current(10));
    }
}
