//! Turning a listener's text into a tantivy query.
//!
//! Every word must match somewhere (title, artist or album); a word matches
//! exactly, as a prefix when it is the last one (search as you type), or
//! with typos: one edit from 4 letters, two from 8. Exact matches score by
//! BM25 and rank above prefix matches, which rank above typo matches, which
//! score a constant. Typos are only looked for in words that match nothing
//! as they are. The title weighs more than the artist, the artist more
//! than the album. On top of that, a document whose title is exactly the
//! query, or whose title or artist holds the words as a phrase, gets a bonus.

use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, DisjunctionMaxQuery, EmptyQuery, FuzzyTermQuery,
    Occur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::Term as IndexTerm;

use crate::analyzer::{self, Term};
use crate::{audience_of, Fields, Scope, SearchRequest};

const TITLE: f32 = 3.0;
const ARTIST: f32 = 2.0;
const ALBUM: f32 = 1.0;
/// Weights of a prefix and of a typo match, relative to the field's weight.
const PREFIX: f32 = 0.5;
const TYPO: f32 = 0.25;
/// The bonus for a title that is exactly the query.
const WHOLE_TITLE: f32 = 12.0;

/// Edits a word of this many characters may be away from what it matches.
pub(crate) fn typo_distance(word: &str) -> u8 {
    match word.chars().count() {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

fn weighted(fields: &Fields) -> [(Field, f32); 3] {
    [
        (fields.title, TITLE),
        (fields.artist, ARTIST),
        (fields.album, ALBUM),
    ]
}

fn boosted(query: impl Query, boost: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(Box::new(query), boost))
}

/// The words of a field that begin with a prefix, as the index holds them;
/// `None` when there are more than a query should list one by one.
pub(crate) type Prefixes<'a> = dyn Fn(Field, &str) -> Option<Vec<String>> + 'a;

/// The clause for a word typed so far: any word of `field` it begins.
///
/// Each word it begins is a term of its own (a posting list that can skip
/// ahead), under one constant score. tantivy's automaton queries read every
/// document of every matching word into a bit set first, so a prefix such
/// as "song" cost what all listeners' songs hold before the audience
/// filter could narrow it. Past the words a query lists one by one (a
/// prefix of a letter or two), the automaton is used after all.
fn prefix_clause(
    field: Field,
    prefix: &IndexTerm,
    text: &str,
    prefixes: &Prefixes<'_>,
) -> Box<dyn Query> {
    match prefixes(field, text) {
        Some(words) if words.is_empty() => Box::new(EmptyQuery),
        Some(words) => Box::new(DisjunctionMaxQuery::new(
            words
                .iter()
                .map(|word| -> Box<dyn Query> {
                    Box::new(ConstScoreQuery::new(
                        Box::new(TermQuery::new(
                            IndexTerm::from_field_text(field, word),
                            IndexRecordOption::Basic,
                        )),
                        1.0,
                    ))
                })
                .collect(),
        )),
        None => Box::new(FuzzyTermQuery::new_prefix(prefix.clone(), 0, true)),
    }
}

/// The clause for one word: it matches in some field, one way or another.
fn word_clause(
    fields: &Fields,
    term: &Term,
    last: bool,
    typos: bool,
    prefixes: &Prefixes<'_>,
) -> Box<dyn Query> {
    let mut options: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let distance = if term.cjk || !typos {
        0
    } else {
        typo_distance(&term.text)
    };
    // A lone CJK character is matched as a prefix of the pairs it begins.
    let lone_cjk = term.cjk && term.text.chars().count() == 1;
    for (field, weight) in weighted(fields) {
        let index_term = IndexTerm::from_field_text(field, &term.text);
        options.push((
            Occur::Should,
            boosted(
                TermQuery::new(index_term.clone(), IndexRecordOption::WithFreqs),
                weight,
            ),
        ));
        if last || lone_cjk {
            options.push((
                Occur::Should,
                boosted(
                    prefix_clause(field, &index_term, &term.text, prefixes),
                    weight * PREFIX,
                ),
            ));
        }
        if distance > 0 {
            // Whole words only: a prefix with typos matches too much of the
            // dictionary to stay fast.
            let fuzzy = FuzzyTermQuery::new(index_term, distance, true);
            options.push((Occur::Should, boosted(fuzzy, weight * TYPO)));
        }
    }
    Box::new(BooleanQuery::new(options))
}

/// The clause for a run of CJK pairs: they stand next to each other in one
/// field, which is what makes a substring match.
fn run_clause(fields: &Fields, run: &[&Term]) -> Box<dyn Query> {
    let options = weighted(fields)
        .into_iter()
        .map(|(field, weight)| {
            let terms = run
                .iter()
                .map(|term| IndexTerm::from_field_text(field, &term.text))
                .collect();
            (Occur::Should, boosted(PhraseQuery::new(terms), weight))
        })
        .collect();
    Box::new(BooleanQuery::new(options))
}

/// The query for `text`, whose terms are `terms`; `None` when it has no words.
pub(crate) fn text_query(
    fields: &Fields,
    text: &str,
    terms: &[Term],
    visible: impl Fn(Box<dyn Query>) -> bool,
    prefixes: &Prefixes<'_>,
) -> Option<Box<dyn Query>> {
    if terms.is_empty() {
        return None;
    }
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let mut at = 0;
    while at < terms.len() {
        let term = &terms[at];
        // The pairs of one CJK run overlap: each starts inside the previous.
        let mut end = at + 1;
        if term.cjk {
            while end < terms.len() && terms[end].cjk && terms[end].from < terms[end - 1].to {
                end += 1;
            }
        }
        let clause = if end - at >= 2 {
            run_clause(fields, &terms[at..end].iter().collect::<Vec<_>>())
        } else {
            let last = end == terms.len();
            // Typo matching is the expensive part of a query, so a word that
            // matches something the viewer can see as it is typed is taken
            // as meant; only a word that matches nothing is matched with
            // typos. (The probe runs under the viewer's own restriction, so
            // it reveals nothing of other lockers.)
            let typos = !term.cjk
                && typo_distance(&term.text) > 0
                && !visible(word_clause(fields, term, last, false, prefixes));
            word_clause(fields, term, last, typos, prefixes)
        };
        clauses.push((Occur::Must, clause));
        at = end;
    }

    let whole = analyzer::key(text);
    clauses.push((
        Occur::Should,
        Box::new(ConstScoreQuery::new(
            Box::new(TermQuery::new(
                IndexTerm::from_field_text(fields.title_key, &whole),
                IndexRecordOption::Basic,
            )),
            WHOLE_TITLE,
        )),
    ));
    let words: Vec<&Term> = terms.iter().filter(|term| !term.cjk).collect();
    if words.len() >= 2 {
        for (field, weight) in [(fields.title, TITLE), (fields.artist, ARTIST)] {
            let phrase = PhraseQuery::new(
                words
                    .iter()
                    .map(|term| IndexTerm::from_field_text(field, &term.text))
                    .collect(),
            );
            clauses.push((Occur::Should, boosted(phrase, weight)));
        }
    }
    Some(Box::new(BooleanQuery::new(clauses)))
}

/// A clause that filters without scoring.
fn filter(query: Box<dyn Query>) -> (Occur, Box<dyn Query>) {
    (Occur::Must, Box::new(ConstScoreQuery::new(query, 0.0)))
}

fn exact(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        IndexTerm::from_field_text(field, text),
        IndexRecordOption::Basic,
    ))
}

/// `query` restricted to what the viewer may see in the scope asked for, and
/// to the genre asked for. Every search goes through here: a locker document
/// is visible to its owner and to no one else.
///
/// The audience is a required filter (the catalogue's term, the viewer's,
/// or either), never an exclusion: tantivy intersects required clauses by
/// leaping through the shortest, so a search costs what the catalogue and
/// the viewer's own locker hold. Excluding other listeners' documents
/// instead visited every one of their matches first: with 300,000 other
/// items matching, a search of everything took 62 times as long
/// (`cargo bench -p cadenza-search --bench service_scale`).
pub(crate) fn restrict(
    fields: &Fields,
    query: Box<dyn Query>,
    request: &SearchRequest<'_>,
) -> Box<dyn Query> {
    let public = || exact(fields.audience, &audience_of(None));
    let mine = |viewer| exact(fields.audience, &audience_of(Some(viewer)));
    let mut clauses = vec![(Occur::Must, query)];
    clauses.push(filter(match (request.viewer, request.scope) {
        (None, _) | (Some(_), Scope::Catalogue) => public(),
        (Some(viewer), Scope::Locker) => mine(viewer),
        (Some(viewer), Scope::All) => Box::new(BooleanQuery::new(vec![
            (Occur::Should, public()),
            (Occur::Should, mine(viewer)),
        ])),
    }));
    if let Some(genre) = request.genre {
        clauses.push(filter(exact(fields.genre_key, &analyzer::key(genre))));
    }
    Box::new(BooleanQuery::new(clauses))
}
