//! Cadenza's full-text index over the catalogue and every locker, on tantivy.
//!
//! The crate knows nothing of HTTP, GraphQL or the database. It takes plain
//! [`Document`]s, keeps them in one index (one writer, one reader, a searcher
//! per query), and answers a [`SearchRequest`] with ids, scores and
//! highlights. Who may see what is decided here, on every query: catalogue
//! documents are public, a locker document is visible to its owner only.
//!
//! Durability is the caller's business with one hook: every commit carries
//! the sequence number of the last change it contains
//! ([`SearchIndex::commit`]), and [`SearchIndex::committed_seq`] reads it
//! back after a restart, so the caller knows where to catch up from.

pub mod analyzer;
mod facets;
mod highlight;
mod query;

use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tantivy::collector::{Count, TopDocs};
use tantivy::directory::error::LockError;
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, FAST, INDEXED, STORED,
    STRING,
};
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

pub use facets::GenreCount;
use facets::GenreFacets;

/// Bumped whenever the schema or the analyzer changes: an index written by
/// another version is rebuilt rather than read.
const FORMAT: &str = "cadenza-search-2";

/// A product's score relative to the album or track it sells.
const PRODUCT_WEIGHT: f32 = 0.9;

/// How long a purge waits for background merges to let go of the segments
/// and files it has to rewrite or remove, and how often it looks again.
const PURGE_TIMEOUT: Duration = Duration::from_secs(20);
const PURGE_POLL: Duration = Duration::from_millis(20);

/// At most this many terms in one query.
pub const MAX_QUERY_TERMS: usize = 16;
/// Results deeper than this are not served (the count stays exact).
pub const MAX_DEPTH: usize = 1_000;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("the search index is in use by another process")]
    Busy,
    #[error("a query may have at most {MAX_QUERY_TERMS} words")]
    TooManyTerms,
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("search index directory: {0}")]
    Io(#[from] std::io::Error),
    #[error("the search index still holds files of deleted documents after {0:?}")]
    PurgeTimedOut(Duration),
}

pub type Result<T> = std::result::Result<T, SearchError>;

/// What a document is. The numbers are stored in the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Artist = 1,
    Album = 2,
    Track = 3,
    Product = 4,
    LockerItem = 5,
}

impl Kind {
    fn from_code(code: u64) -> Option<Self> {
        Some(match code {
            1 => Self::Artist,
            2 => Self::Album,
            3 => Self::Track,
            4 => Self::Product,
            5 => Self::LockerItem,
            _ => return None,
        })
    }
}

/// One thing to find. `title` is the thing's own name (an artist's name, an
/// album's or a track's title); `artist` and `album` are what it belongs to.
/// Matches in the title rank above matches in the artist, and those above
/// matches in the album.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub kind: Kind,
    pub id: i64,
    /// `None` for the public catalogue; the owner of a locker item.
    pub owner: Option<i64>,
    pub title: String,
    pub artist: String,
    pub album: String,
    pub genre: Option<String>,
    /// Sales or plays: breaks ties between equally relevant documents.
    pub popularity: u64,
}

/// Which documents a search looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Catalogue,
    /// The viewer's own locker only.
    Locker,
    /// The catalogue and the viewer's own locker.
    All,
}

#[derive(Debug, Clone)]
pub struct SearchRequest<'a> {
    pub text: &'a str,
    /// The signed-in viewer; `None` sees the catalogue only, whatever the scope.
    pub viewer: Option<i64>,
    pub scope: Scope,
    /// Only documents of this genre (case and accents ignored).
    pub genre: Option<&'a str>,
    pub offset: usize,
    pub limit: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub kind: Kind,
    pub id: i64,
    pub score: f32,
    /// The matched fields with the matching words in `<em>`, HTML-escaped.
    pub highlight: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchResults {
    /// Every match, not only the page.
    pub total: usize,
    pub hits: Vec<Hit>,
    /// Genres over every match, most frequent first.
    pub genres: Vec<GenreCount>,
}

/// How much the writer may use while indexing.
#[derive(Debug, Clone, Copy)]
pub struct WriterOptions {
    pub threads: usize,
    pub heap_bytes: usize,
}

impl Default for WriterOptions {
    fn default() -> Self {
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .clamp(1, 4);
        Self {
            threads,
            heap_bytes: 48_000_000 * threads,
        }
    }
}

#[derive(Clone, Copy)]
struct Fields {
    key: Field,
    kind: Field,
    id: Field,
    audience: Field,
    title: Field,
    artist: Field,
    album: Field,
    title_key: Field,
    genre: Field,
    genre_key: Field,
    popularity: Field,
}

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let text = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(analyzer::TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    let fields = Fields {
        key: builder.add_text_field("key", STRING),
        kind: builder.add_u64_field("kind", STORED | FAST),
        id: builder.add_i64_field("id", STORED | FAST),
        audience: builder.add_text_field("audience", STRING),
        title: builder.add_text_field("title", text.clone()),
        artist: builder.add_text_field("artist", text.clone()),
        album: builder.add_text_field("album", text),
        title_key: builder.add_text_field("title_key", STRING),
        genre: builder.add_text_field("genre", STRING | FAST),
        genre_key: builder.add_text_field("genre_key", STRING),
        popularity: builder.add_u64_field("popularity", INDEXED | FAST),
    };
    (builder.build(), fields)
}

fn key_of(kind: Kind, id: i64) -> String {
    format!("{}:{id}", kind as u64)
}

/// The audience of a catalogue document; a locker document's is its
/// owner's (`user:<id>`). Indexes written before 2026-12-06 also carry a
/// `private` term on locker documents, which nothing reads any more.
const PUBLIC: &str = "public";

fn audience_of(owner: Option<i64>) -> String {
    match owner {
        None => PUBLIC.to_owned(),
        Some(user) => format!("user:{user}"),
    }
}

/// How an index was found when it was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opened {
    /// It was there and readable; it holds changes up to this sequence number.
    Existing { committed_seq: u64 },
    /// There was none, or it could not be read (corrupt, or written by another
    /// version) and was replaced by an empty one: rebuild it.
    Empty,
}

/// The index: one writer and one reader for the process.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it if there is none. An index that
    /// cannot be read is deleted and replaced by an empty one; the caller
    /// learns so from [`Opened::Empty`] and rebuilds it. An index locked by
    /// another process is [`SearchError::Busy`].
    pub fn open(dir: &Path, options: WriterOptions) -> Result<(Self, Opened)> {
        std::fs::create_dir_all(dir)?;
        if dir.join("meta.json").exists() {
            match Self::open_existing(dir, options) {
                Ok(opened) => return Ok(opened),
                Err(SearchError::Busy) => return Err(SearchError::Busy),
                Err(err) => {
                    tracing::warn!(
                        dir = %dir.display(),
                        error = %err,
                        "the search index cannot be read; rebuilding it"
                    );
                }
            }
        }
        // Start over in an empty directory.
        std::fs::remove_dir_all(dir)?;
        std::fs::create_dir_all(dir)?;
        let (schema, fields) = schema();
        let index = Index::create_in_dir(dir, schema)?;
        let this = Self::from_index(index, fields, options)?;
        this.commit(0)?;
        Ok((this, Opened::Empty))
    }

    fn open_existing(dir: &Path, options: WriterOptions) -> Result<(Self, Opened)> {
        let index = Index::open_in_dir(dir)?;
        let (schema, fields) = schema();
        if index.schema() != schema {
            return Err(tantivy::TantivyError::SchemaError("schema changed".into()).into());
        }
        let committed_seq = index
            .load_metas()?
            .payload
            .as_deref()
            .and_then(parse_payload)
            .ok_or_else(|| {
                tantivy::TantivyError::SchemaError("written by another version".into())
            })?;
        let this = Self::from_index(index, fields, options)?;
        // Touch every segment so that damage shows now, not at the first query.
        this.reader
            .searcher()
            .search(&tantivy::query::AllQuery, &Count)?;
        Ok((this, Opened::Existing { committed_seq }))
    }

    /// An index in memory, for tests and benchmarks.
    pub fn in_memory(options: WriterOptions) -> Result<Self> {
        let (schema, fields) = schema();
        let index = Index::create_in_ram(schema);
        let this = Self::from_index(index, fields, options)?;
        this.commit(0)?;
        Ok(this)
    }

    fn from_index(index: Index, fields: Fields, options: WriterOptions) -> Result<Self> {
        index
            .tokenizers()
            .register(analyzer::TOKENIZER, analyzer::CadenzaTokenizer::default());
        let writer = index
            .writer_with_num_threads(options.threads.max(1), options.heap_bytes)
            .map_err(|err| match err {
                tantivy::TantivyError::LockFailure(LockError::LockBusy, _) => SearchError::Busy,
                other => SearchError::Index(other),
            })?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Self {
            index,
            reader,
            writer: Mutex::new(writer),
            fields,
        })
    }

    fn writer(&self) -> std::sync::MutexGuard<'_, IndexWriter> {
        // A panic while holding the lock leaves the writer usable: tantivy's
        // own state is behind its own locks.
        self.writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Adds a document, replacing any earlier one of the same kind and id.
    /// Visible to searches after the next [`commit`](Self::commit).
    pub fn upsert(&self, doc: &Document) -> Result<()> {
        let f = self.fields;
        let key = key_of(doc.kind, doc.id);
        let mut tantivy_doc = TantivyDocument::default();
        tantivy_doc.add_text(f.key, &key);
        tantivy_doc.add_u64(f.kind, doc.kind as u64);
        tantivy_doc.add_i64(f.id, doc.id);
        tantivy_doc.add_text(f.audience, audience_of(doc.owner));
        tantivy_doc.add_text(f.title, &doc.title);
        tantivy_doc.add_text(f.artist, &doc.artist);
        tantivy_doc.add_text(f.album, &doc.album);
        tantivy_doc.add_text(f.title_key, analyzer::key(&doc.title));
        if let Some(genre) = doc.genre.as_deref().filter(|g| !g.trim().is_empty()) {
            tantivy_doc.add_text(f.genre, genre.trim());
            tantivy_doc.add_text(f.genre_key, analyzer::key(genre));
        }
        tantivy_doc.add_u64(f.popularity, doc.popularity);
        let writer = self.writer();
        writer.delete_term(Term::from_field_text(f.key, &key));
        writer.add_document(tantivy_doc)?;
        Ok(())
    }

    /// Removes the document of this kind and id, if there is one.
    pub fn remove(&self, kind: Kind, id: i64) {
        let term = Term::from_field_text(self.fields.key, &key_of(kind, id));
        self.writer().delete_term(term);
    }

    /// Removes every document of `owner`'s locker. Takes effect at the next
    /// commit; [`purge_deleted`](Self::purge_deleted) then takes their
    /// bytes off the disk.
    pub fn remove_owner(&self, owner: i64) {
        let term = Term::from_field_text(self.fields.audience, &audience_of(Some(owner)));
        self.writer().delete_term(term);
    }

    /// Rewrites every segment that holds deleted documents without them and
    /// removes the files nothing refers to any more, so that what was
    /// deleted and committed is no longer anywhere in the index's files.
    /// It rewrites whole segments and waits for the merges under way: meant
    /// for erasures, right after their commit, not for every removal. Nothing
    /// may be added meanwhile: a segment being written counts as a stray file
    /// until it is committed, so the purge would wait for it in vain.
    pub fn purge_deleted(&self) -> Result<()> {
        let deadline = Instant::now() + PURGE_TIMEOUT;
        loop {
            self.reader.reload()?;
            let segments: Vec<_> = self
                .reader
                .searcher()
                .segment_readers()
                .iter()
                .filter(|segment| segment.num_deleted_docs() > 0)
                .map(|segment| segment.segment_id())
                .collect();
            if segments.is_empty() {
                // The segments that held deleted documents are out of the
                // index, but not always off the disk: a segment left with
                // no live document is dropped from the index at the commit
                // (it never shows deletes above) while a background merge
                // may still be copying it into a new segment, and the
                // collection spares every file a merge still holds; a merge
                // whose inputs were dropped is abandoned without collecting
                // anything. So collect until no file but the index's own is
                // left, which is when every such merge has ended.
                self.writer().garbage_collect_files().wait()?;
                if self.stray_files()?.is_empty() {
                    return Ok(());
                }
            } else {
                // A segment already being merged in the background cannot be
                // merged again until that merge ends; it applies the deletes
                // too, or leaves a segment with deletes for the next round.
                match self.writer().merge(&segments).wait() {
                    Ok(_) => continue,
                    Err(_) if Instant::now() < deadline => {}
                    Err(err) => return Err(err.into()),
                }
            }
            if Instant::now() >= deadline {
                return Err(SearchError::PurgeTimedOut(PURGE_TIMEOUT));
            }
            std::thread::sleep(PURGE_POLL);
        }
    }

    /// Files of the index's directory that belong to no segment of its last
    /// commit: merges under way, or what is left of ended ones.
    fn stray_files(&self) -> Result<Vec<std::path::PathBuf>> {
        let mut living = self.index.load_metas()?.list_segment_files();
        living.insert(std::path::PathBuf::from("meta.json"));
        Ok(self
            .index
            .directory()
            .list_managed_files()
            .into_iter()
            .filter(|file| !living.contains(file))
            .collect())
    }

    /// Removes every document, for a rebuild. Takes effect at the next commit.
    pub fn remove_all(&self) -> Result<()> {
        self.writer().delete_all_documents()?;
        Ok(())
    }

    /// Makes everything added or removed so far durable and visible, and
    /// records that the index now holds every change up to `seq`.
    pub fn commit(&self, seq: u64) -> Result<()> {
        {
            let mut writer = self.writer();
            let mut prepared = writer.prepare_commit()?;
            prepared.set_payload(&format!("{FORMAT}:{seq}"));
            prepared.commit()?;
        }
        self.reader.reload()?;
        Ok(())
    }

    /// The sequence number recorded by the last commit.
    pub fn committed_seq(&self) -> Result<u64> {
        Ok(self
            .index
            .load_metas()?
            .payload
            .as_deref()
            .and_then(parse_payload)
            .unwrap_or(0))
    }

    /// Documents visible to searches.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Bytes the index takes on disk (or in memory).
    pub fn size_bytes(&self) -> u64 {
        let searcher = self.reader.searcher();
        searcher
            .segment_readers()
            .iter()
            .filter_map(|segment| segment.space_usage().ok())
            .map(|usage| usage.total().get_bytes())
            .sum()
    }

    /// Waits for background merges to finish (benchmarks and `reindex`).
    pub fn wait_merging_threads(self) -> Result<()> {
        let writer = self
            .writer
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        writer.wait_merging_threads()?;
        Ok(())
    }

    pub fn search(&self, request: &SearchRequest<'_>) -> Result<SearchResults> {
        let terms = analyzer::terms(request.text);
        if terms.len() > MAX_QUERY_TERMS {
            return Err(SearchError::TooManyTerms);
        }
        let searcher = self.reader.searcher();
        let visible = |probe| {
            matches_any(
                &searcher,
                query::restrict(&self.fields, probe, request).as_ref(),
            )
            .unwrap_or(true)
        };
        let prefixes = |field, prefix: &str| words_beginning(&searcher, field, prefix);
        let Some(text_query) =
            query::text_query(&self.fields, request.text, &terms, visible, &prefixes)
        else {
            return Ok(SearchResults::default());
        };
        let query = query::restrict(&self.fields, text_query, request);

        let offset = request.offset.min(MAX_DEPTH);
        let limit = request.limit.min(MAX_DEPTH - offset);
        let popularity = "popularity";
        let (top, total, genres) = if limit == 0 {
            let (total, genres) = searcher.search(&query, &(Count, GenreFacets))?;
            (Vec::new(), total, genres)
        } else {
            let top = TopDocs::with_limit(limit).and_offset(offset).tweak_score(
                move |segment: &tantivy::SegmentReader| {
                    let column = |name: &str| {
                        segment
                            .fast_fields()
                            .u64(name)
                            .ok()
                            .map(|column| column.first_or_default_col(0))
                    };
                    let (popularity, kind) = (column(popularity), column("kind"));
                    move |doc, score: f32| {
                        // A product shows the same text as the album or track
                        // it sells; the thing itself comes first.
                        let score = match kind.as_ref().map(|c| c.get_val(doc)) {
                            Some(code) if code == Kind::Product as u64 => score * PRODUCT_WEIGHT,
                            _ => score,
                        };
                        let popularity = popularity.as_ref().map_or(0, |c| c.get_val(doc));
                        (rank_bucket(score), popularity, score)
                    }
                },
            );
            searcher.search(&query, &(top, Count, GenreFacets))?
        };

        let marker = highlight::Marker::new(&terms);
        let mut hits = Vec::with_capacity(top.len());
        for ((_, _, score), address) in top {
            if let Some(hit) = self.hit(&searcher, address, score, &marker)? {
                hits.push(hit);
            }
        }
        Ok(SearchResults {
            total,
            hits,
            genres,
        })
    }

    fn hit(
        &self,
        searcher: &tantivy::Searcher,
        address: DocAddress,
        score: f32,
        marker: &highlight::Marker,
    ) -> Result<Option<Hit>> {
        let f = self.fields;
        let doc: TantivyDocument = searcher.doc(address)?;
        let text = |field| {
            doc.get_first(field)
                .and_then(|value| value.as_str().map(str::to_owned))
                .unwrap_or_default()
        };
        let (Some(kind), Some(id)) = (
            doc.get_first(f.kind)
                .and_then(|v| v.as_u64())
                .and_then(Kind::from_code),
            doc.get_first(f.id).and_then(|v| v.as_i64()),
        ) else {
            return Ok(None);
        };
        let highlight = marker.highlight(&[text(f.title), text(f.artist), text(f.album)]);
        Ok(Some(Hit {
            kind,
            id,
            score,
            highlight,
        }))
    }
}

/// The most words a prefix is matched by one by one (see
/// `query::prefix_clause`); a prefix that begins more is matched by an
/// automaton.
const MAX_PREFIX_WORDS: usize = 64;

/// The words of `field` that begin with `prefix`, over every segment;
/// `None` past `MAX_PREFIX_WORDS`, or when a dictionary cannot be read.
fn words_beginning(
    searcher: &tantivy::Searcher,
    field: tantivy::schema::Field,
    prefix: &str,
) -> Option<Vec<String>> {
    let mut words = std::collections::BTreeSet::new();
    for segment in searcher.segment_readers() {
        let index = segment.inverted_index(field).ok()?;
        let mut stream = index
            .terms()
            .range()
            .ge(prefix.as_bytes())
            .into_stream()
            .ok()?;
        while stream.advance() {
            let Ok(word) = std::str::from_utf8(stream.key()) else {
                continue;
            };
            if !word.starts_with(prefix) {
                break;
            }
            if !words.contains(word) {
                if words.len() == MAX_PREFIX_WORDS {
                    return None;
                }
                words.insert(word.to_owned());
            }
        }
    }
    Some(words.into_iter().collect())
}

/// True when some live document matches `query`; stops at the first.
fn matches_any(searcher: &tantivy::Searcher, query: &dyn tantivy::query::Query) -> Result<bool> {
    use tantivy::{DocSet, TERMINATED};
    let weight = query.weight(tantivy::query::EnableScoring::disabled_from_searcher(
        searcher,
    ))?;
    for segment in searcher.segment_readers() {
        let mut scorer = weight.scorer(segment, 1.0)?;
        let alive = segment.alive_bitset();
        let mut doc = scorer.doc();
        while doc != TERMINATED {
            if alive.is_none_or(|alive| alive.is_alive(doc)) {
                return Ok(true);
            }
            doc = scorer.advance();
        }
    }
    Ok(false)
}

/// Scores within about 2% of each other rank as equals, so that popularity
/// decides between them.
fn rank_bucket(score: f32) -> i32 {
    if score <= 0.0 {
        return i32::MIN;
    }
    (score.ln() * 50.0).round() as i32
}

fn parse_payload(payload: &str) -> Option<u64> {
    payload
        .strip_prefix(FORMAT)?
        .strip_prefix(':')?
        .parse()
        .ok()
}
