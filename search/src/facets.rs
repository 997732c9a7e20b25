//! Counting genres over every match of a query, not only the page shown.

use std::collections::HashMap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::StrColumn;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenreCount {
    pub genre: String,
    pub count: u64,
}

/// Collects the genre counts of every matching document.
pub(crate) struct GenreFacets;

pub(crate) struct SegmentGenres {
    column: Option<StrColumn>,
    /// Matches per term ordinal of this segment's genre dictionary.
    counts: Vec<u64>,
}

impl Collector for GenreFacets {
    type Fruit = Vec<GenreCount>;
    type Child = SegmentGenres;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentGenres> {
        let column = reader.fast_fields().str("genre")?;
        let terms = column.as_ref().map_or(0, |column| column.num_terms());
        Ok(SegmentGenres {
            column,
            counts: vec![0; terms],
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segments: Vec<HashMap<String, u64>>) -> tantivy::Result<Self::Fruit> {
        let mut merged: HashMap<String, u64> = HashMap::new();
        for segment in segments {
            for (genre, count) in segment {
                *merged.entry(genre).or_default() += count;
            }
        }
        let mut counts: Vec<GenreCount> = merged
            .into_iter()
            .map(|(genre, count)| GenreCount { genre, count })
            .collect();
        counts.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.genre.cmp(&b.genre)));
        Ok(counts)
    }
}

impl SegmentCollector for SegmentGenres {
    type Fruit = HashMap<String, u64>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        if let Some(column) = &self.column {
            for ord in column.term_ords(doc) {
                if let Some(count) = self.counts.get_mut(ord as usize) {
                    *count += 1;
                }
            }
        }
    }

    fn harvest(self) -> Self::Fruit {
        let mut genres = HashMap::new();
        let Some(column) = self.column else {
            return genres;
        };
        let mut name = String::new();
        for (ord, count) in self.counts.into_iter().enumerate() {
            if count == 0 {
                continue;
            }
            name.clear();
            if let Ok(true) = column.ord_to_str(ord as u64, &mut name) {
                genres.insert(name.clone(), count);
            }
        }
        genres
    }
}
