//! Limits on the shape of a GraphQL document, in the style of GraphQL
//! Armor: its tokens, aliases, repeated fields and directives, and how deep
//! an introspection query nests its lists. Depth and cost are async-graphql's
//! own (`limit_depth`, `limit_complexity`).
//!
//! The checks are pure functions of the query text and its parse (`check`),
//! so the pipeline's cache of parsed documents keeps the verdict with the
//! document, for every transport, before async-graphql's own checks and
//! validation. Tokens are counted on the text before the parse, so a flood
//! of them never becomes a syntax tree.
//!
//! A fragment counts wherever it is spread, as the executor runs it there.
//! Each fragment is worked out once and remembered, so fragments spread many
//! times, or spreading each other in a chain, cost one pass each; a fragment
//! found inside itself (a cycle, which validation refuses later) counts
//! nothing the second time round. async-graphql's own checks walk a
//! fragment again at every spread, so fragments nesting fragments could
//! make them visit exponentially many fields: the count of fields with
//! every spread expanded is capped, and checked before they run.

use std::collections::{HashMap, HashSet};

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};

use crate::error::ApiError;
use crate::settings::RequestLimits;

/// How deep selection sets may nest, through fragments and inline
/// fragments too, before the walk stops: it recurses. async-graphql's own
/// recursion limit is set to this too.
pub(crate) const MAX_NESTING: usize = 64;

/// The introspection fields that list types or fields: nested, each level
/// multiplies the answer by the size of the schema.
const INTROSPECTION_LISTS: [&str; 4] = ["fields", "interfaces", "possibleTypes", "inputFields"];

/// Checks a document against every limit here: the tokens of its text,
/// then the shape of its parse.
pub fn check(
    query: &str,
    document: &ExecutableDocument,
    limits: &RequestLimits,
) -> Result<(), ApiError> {
    check_tokens(query, limits)?;
    check_document(document, limits)
}

/// The token limit, on the text alone: run it before parsing.
pub fn check_tokens(query: &str, limits: &RequestLimits) -> Result<(), ApiError> {
    let max = limits.max_tokens;
    if count_tokens(query, max) > max {
        return Err(ApiError::QueryTooComplex(format!(
            "the query is longer than the limit of {max} tokens"
        )));
    }
    Ok(())
}

/// Every limit on the parsed document: fields, aliases and directives per
/// operation, directives per field, repeated fields per selection set, and
/// the nesting of introspection lists.
pub fn check_document(
    document: &ExecutableDocument,
    limits: &RequestLimits,
) -> Result<(), ApiError> {
    let mut walk = Walk {
        document,
        limits,
        fragments: HashMap::new(),
        open: HashSet::new(),
    };
    for (_, operation) in document.operations.iter() {
        let operation = &operation.node;
        let mut shape = walk.selection_set(&operation.selection_set.node, 0)?;
        walk.one_object(&shape)?;
        shape.directives = operation
            .variable_definitions
            .iter()
            .map(|variable| variable.node.directives.len())
            .fold(shape.directives, usize::saturating_add)
            .saturating_add(operation.directives.len());
        if shape.fields > limits.max_fields {
            return Err(ApiError::QueryTooComplex(format!(
                "the query selects {} fields once its fragments are expanded; the limit is {}",
                shape.fields, limits.max_fields
            )));
        }
        if shape.aliases > limits.max_aliases {
            return Err(ApiError::QueryTooComplex(format!(
                "the query has {} aliases; the limit is {}",
                shape.aliases, limits.max_aliases
            )));
        }
        if shape.directives > limits.max_directives {
            return Err(ApiError::QueryTooComplex(format!(
                "the query has {} directives; the limit is {}",
                shape.directives, limits.max_directives
            )));
        }
    }
    Ok(())
}

/// What a selection set adds up to, with the fragments it spreads.
#[derive(Clone, Default)]
struct Shape<'a> {
    /// Fields selected, each fragment counted wherever it is spread: what
    /// the executor (and async-graphql's own checks, which expand every
    /// spread again) would visit.
    fields: usize,
    aliases: usize,
    directives: usize,
    /// The most introspection lists nested along any one path.
    lists: usize,
    /// How often each response key is selected into this set's object.
    keys: HashMap<&'a str, usize>,
}

impl<'a> Shape<'a> {
    /// Adds a set that merges into this one's object: an inline fragment
    /// or a fragment spread.
    fn merge(&mut self, other: &Shape<'a>) {
        self.fields = self.fields.saturating_add(other.fields);
        self.aliases = self.aliases.saturating_add(other.aliases);
        self.directives = self.directives.saturating_add(other.directives);
        self.lists = self.lists.max(other.lists);
        for (key, times) in &other.keys {
            let count = self.keys.entry(key).or_default();
            *count = count.saturating_add(*times);
        }
    }
}

struct Walk<'a> {
    document: &'a ExecutableDocument,
    limits: &'a RequestLimits,
    /// Each fragment's shape, once worked out.
    fragments: HashMap<&'a str, Shape<'a>>,
    /// The fragments being worked out: met again, they are a cycle.
    open: HashSet<&'a str>,
}

impl<'a> Walk<'a> {
    fn selection_set(
        &mut self,
        set: &'a SelectionSet,
        nesting: usize,
    ) -> Result<Shape<'a>, ApiError> {
        if nesting > MAX_NESTING {
            return Err(ApiError::QueryTooComplex(format!(
                "the query nests selections deeper than the limit of {MAX_NESTING}"
            )));
        }
        let mut shape = Shape::default();
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let name = field.name.node.as_str();
                    let directives = field.directives.len();
                    if directives > self.limits.max_field_directives {
                        return Err(ApiError::QueryTooComplex(format!(
                            "the field `{name}` has {directives} directives; the limit is {}",
                            self.limits.max_field_directives
                        )));
                    }
                    let inner = self.selection_set(&field.selection_set.node, nesting + 1)?;
                    self.one_object(&inner)?;
                    if matches!(name, "__schema" | "__type")
                        && inner.lists > self.limits.max_introspection_depth
                    {
                        return Err(ApiError::QueryTooComplex(format!(
                            "`{name}` nests `fields`, `interfaces`, `possibleTypes` or `inputFields` {} deep; the limit is {}",
                            inner.lists, self.limits.max_introspection_depth
                        )));
                    }
                    shape.fields = shape.fields.saturating_add(1).saturating_add(inner.fields);
                    shape.aliases = shape
                        .aliases
                        .saturating_add(usize::from(field.alias.is_some()))
                        .saturating_add(inner.aliases);
                    shape.directives = shape
                        .directives
                        .saturating_add(directives)
                        .saturating_add(inner.directives);
                    let lists = inner
                        .lists
                        .saturating_add(usize::from(INTROSPECTION_LISTS.contains(&name)));
                    shape.lists = shape.lists.max(lists);
                    let count = shape
                        .keys
                        .entry(field.response_key().node.as_str())
                        .or_default();
                    *count = count.saturating_add(1);
                }
                Selection::FragmentSpread(spread) => {
                    let spread = &spread.node;
                    shape.directives = shape.directives.saturating_add(spread.directives.len());
                    if let Some(fragment) =
                        self.fragment(spread.fragment_name.node.as_str(), nesting + 1)?
                    {
                        shape.merge(fragment);
                    }
                }
                Selection::InlineFragment(inline) => {
                    let inline = &inline.node;
                    shape.directives = shape.directives.saturating_add(inline.directives.len());
                    let inner = self.selection_set(&inline.selection_set.node, nesting + 1)?;
                    shape.merge(&inner);
                }
            }
        }
        Ok(shape)
    }

    /// A fragment's shape, worked out the first time it is spread. `None`
    /// for a fragment the document lacks (validation names it) and for one
    /// spread inside itself.
    fn fragment(&mut self, name: &'a str, nesting: usize) -> Result<Option<&Shape<'a>>, ApiError> {
        if !self.fragments.contains_key(name) {
            let Some(definition) = self.document.fragments.get(name) else {
                return Ok(None);
            };
            if !self.open.insert(name) {
                return Ok(None);
            }
            let shape = self.selection_set(&definition.node.selection_set.node, nesting);
            self.open.remove(name);
            let mut shape = shape?;
            shape.directives = shape
                .directives
                .saturating_add(definition.node.directives.len());
            self.fragments.insert(name, shape);
        }
        Ok(self.fragments.get(name))
    }

    /// The keys selected into one object of the response: the executor
    /// resolves every copy of a repeated field, so repeats are capped.
    fn one_object(&self, shape: &Shape<'a>) -> Result<(), ApiError> {
        let max = self.limits.max_repeated_fields;
        let most = shape
            .keys
            .iter()
            .filter(|(_, times)| **times > max)
            .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)));
        match most {
            Some((key, times)) => Err(ApiError::QueryTooComplex(format!(
                "the query selects `{key}` {times} times in one selection set; the limit is {max}"
            ))),
            None => Ok(()),
        }
    }
}

/// Counts the lexical tokens of a GraphQL document as graphql-js counts
/// them for `maxTokens`: names, numbers, strings and punctuators, but not
/// white space, commas or comments. Stops once past `stop_after`. A byte
/// that starts no token counts as one; the parse refuses it anyway.
fn count_tokens(query: &str, stop_after: usize) -> usize {
    let bytes = query.as_bytes();
    let mut at = 0;
    let mut tokens = 0;
    while tokens <= stop_after {
        let Some(rest) = bytes.get(at..).filter(|rest| !rest.is_empty()) else {
            break;
        };
        let (len, token) = match rest[0] {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => (1, false),
            _ if rest.starts_with("\u{feff}".as_bytes()) => (3, false),
            b'#' => (
                rest.iter()
                    .position(|b| matches!(b, b'\n' | b'\r'))
                    .unwrap_or(rest.len()),
                false,
            ),
            _ if rest.starts_with(b"\"\"\"") => (block_string_len(rest), true),
            b'"' => (string_len(rest), true),
            _ if rest.starts_with(b"...") => (3, true),
            b'-' | b'0'..=b'9' => (number_len(rest), true),
            b'_' | b'a'..=b'z' | b'A'..=b'Z' => (
                1 + rest[1..]
                    .iter()
                    .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                    .count(),
                true,
            ),
            // Punctuators, and bytes that start no token.
            _ => (1, true),
        };
        at += len;
        tokens += usize::from(token);
    }
    tokens
}

/// `"…"`, with its escapes; an unterminated one ends at the line's end.
fn string_len(rest: &[u8]) -> usize {
    let mut at = 1;
    while let Some(byte) = rest.get(at) {
        match byte {
            b'\\' => at += 2,
            b'"' => return at + 1,
            b'\n' | b'\r' => return at,
            _ => at += 1,
        }
    }
    rest.len()
}

/// `"""…"""`, where `\"""` does not end it.
fn block_string_len(rest: &[u8]) -> usize {
    let mut at = 3;
    while at < rest.len() {
        if rest[at..].starts_with(b"\\\"\"\"") {
            at += 4;
        } else if rest[at..].starts_with(b"\"\"\"") {
            return at + 3;
        } else {
            at += 1;
        }
    }
    rest.len()
}

/// `-12.5e+3`: an optional minus, digits, then an optional fraction and
/// exponent.
fn number_len(rest: &[u8]) -> usize {
    let digits = |from: usize| {
        rest.get(from..).map_or(0, |tail| {
            tail.iter().take_while(|b| b.is_ascii_digit()).count()
        })
    };
    let mut at = 1 + digits(1);
    if rest.get(at) == Some(&b'.') && digits(at + 1) > 0 {
        at += 1 + digits(at + 1);
    }
    if matches!(rest.get(at), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(rest.get(at + 1), Some(b'+' | b'-')));
        let exponent = digits(at + 1 + sign);
        if exponent > 0 {
            at += 1 + sign + exponent;
        }
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::parser::parse_query;

    fn verdict(query: &str, limits: &RequestLimits) -> Result<(), String> {
        let document = parse_query(query).unwrap();
        check(query, &document, limits).map_err(|err| {
            assert_eq!(err.code(), "QUERY_TOO_COMPLEX");
            err.to_string()
        })
    }

    fn refused(query: &str) -> String {
        verdict(query, &RequestLimits::default()).unwrap_err()
    }

    fn accepted(query: &str) {
        verdict(query, &RequestLimits::default()).unwrap();
    }

    /// The shape of each operation of `query`: aliases, directives,
    /// introspection lists and the most-repeated key at its root.
    fn shapes(query: &str) -> Vec<(usize, usize, usize, usize)> {
        let document = parse_query(query).unwrap();
        let limits = RequestLimits::default();
        let mut walk = Walk {
            document: &document,
            limits: &limits,
            fragments: HashMap::new(),
            open: HashSet::new(),
        };
        document
            .operations
            .iter()
            .map(|(_, operation)| {
                let shape = walk
                    .selection_set(&operation.node.selection_set.node, 0)
                    .unwrap();
                let most = shape.keys.values().copied().max().unwrap_or(0);
                (shape.aliases, shape.directives, shape.lists, most)
            })
            .collect()
    }

    #[test]
    fn tokens_are_counted_as_graphql_js_counts_them() {
        let count = |query: &str| count_tokens(query, usize::MAX);
        assert_eq!(count(""), 0);
        assert_eq!(count("{ a }"), 3);
        // Commas, white space, a byte-order mark and comments are not tokens.
        assert_eq!(count("\u{feff}{ a, b,,, c } # { d e f }\n# more"), 5);
        // query ( $ a : [ Int ! ] ! = [ 1 2 ] ) { x ( a : $ a ) }
        assert_eq!(count("query($a: [Int!]! = [1, 2]) { x(a: $a) }"), 25);
        assert_eq!(count("{ ...F ... on T { a } } fragment F on T { b }"), 17);
        // A string is one token, whatever it holds.
        assert_eq!(count(r#"{ a(s: "x { y } \" # z") }"#), 8);
        assert_eq!(count("{ a(s: \"\"\"x \\\"\"\" { \"\" }\"\"\") }"), 8);
        assert_eq!(count("{ a(i: -12, f: 1.5e+3, g: 0.25, h: 2E8) }"), 17);
        assert_eq!(count("{ a @include(if: true) @skip(if: false) }"), 17);
    }

    #[test]
    fn counting_stops_past_the_limit() {
        let flood = "{ ".to_owned() + &"a ".repeat(1_000_000) + "}";
        assert_eq!(count_tokens(&flood, 10), 11);
        // Refused on the text alone, without a parse.
        let err = check_tokens(&flood, &RequestLimits::default()).unwrap_err();
        assert_eq!(err.code(), "QUERY_TOO_COMPLEX");
        assert_eq!(
            err.to_string(),
            "the query is longer than the limit of 1000 tokens"
        );
    }

    #[test]
    fn text_that_is_not_graphql_still_counts_and_ends() {
        for junk in [
            "\"unterminated",
            "\"\"\"unterminated",
            "#",
            "-",
            "1.",
            "1e",
            "é€",
            "\\",
        ] {
            assert!(count_tokens(junk, usize::MAX) <= junk.len(), "{junk}");
        }
    }

    #[test]
    fn aliases_are_counted_per_operation_through_fragments() {
        let fifteen: String = (0..15)
            .map(|i| format!("a{i}: genres {{ name }} "))
            .collect();
        accepted(&format!("{{ {fifteen} }}"));
        assert_eq!(
            refused(&format!("{{ {fifteen} x: genres {{ name }} }}")),
            "the query has 16 aliases; the limit is 15"
        );
        // A fragment counts wherever it is spread.
        let query =
            "{ ...F ...F } fragment F on Query { a: genres { n: name } b: genres { name } }";
        assert_eq!(shapes(query), vec![(6, 0, 0, 2)]);
        // Each operation on its own.
        let query = format!("query A {{ {fifteen} }} query B {{ {fifteen} }}");
        verdict(&query, &RequestLimits::default()).unwrap();
    }

    #[test]
    fn a_field_repeated_in_one_selection_set_is_capped() {
        // graphql-cop's field duplication check.
        let repeated = "__typename ".repeat(500);
        assert_eq!(
            refused(&format!("query cop {{ {repeated} }}")),
            "the query selects `__typename` 500 times in one selection set; the limit is 15"
        );
        accepted(&format!("{{ {} }}", "__typename ".repeat(15)));
        assert!(refused(&format!("{{ {} }}", "__typename ".repeat(16))).contains("`__typename` 16"));
        // Through fragments and inline fragments, which merge into the
        // same object; an alias is the key.
        let limits = RequestLimits {
            max_repeated_fields: 2,
            ..RequestLimits::default()
        };
        let query = "{ a ...F ... on Query { a } } fragment F on Query { a }";
        assert!(verdict(query, &limits).unwrap_err().contains("`a` 3 times"));
        let query = "{ a b: a b }";
        assert!(verdict(query, &limits).is_ok());
        let query = "{ x: a x: b x: c }";
        assert!(verdict(query, &limits).unwrap_err().contains("`x` 3 times"));
        // Inside a field, inside a fragment.
        let query = "{ ...F } fragment F on Query { b { a a a } }";
        assert!(verdict(query, &limits).unwrap_err().contains("`a` 3 times"));
        // Different objects may each select the same key.
        let query = "{ b { a a } c { a a } d: b { a a } }";
        assert!(verdict(query, &limits).is_ok());
    }

    #[test]
    fn directives_are_counted_per_operation_and_per_field() {
        let five = "@include(if: true) ".repeat(5);
        let ten_fields: String = (0..10)
            .map(|i| format!("f{i}: __typename {five} "))
            .collect();
        accepted(&format!("{{ {ten_fields} }}"));
        assert_eq!(
            refused(&format!("{{ {ten_fields} __typename @skip(if: false) }}")),
            "the query has 51 directives; the limit is 50"
        );
        // On the operation, its variables, spreads, inline fragments and
        // fragment definitions too.
        let query =
            "query Q($v: Int @a) @b { ...F @c ... @d { x @e } } fragment F on Query @f { y @g }";
        assert_eq!(shapes(query)[0].1, 5);
        let directives_of = |query: &str| {
            let limits = RequestLimits {
                max_directives: 6,
                ..RequestLimits::default()
            };
            verdict(query, &limits)
        };
        assert_eq!(
            directives_of(query).unwrap_err(),
            "the query has 7 directives; the limit is 6"
        );
        assert_eq!(
            refused(&format!("{{ __typename {} }}", "@aa ".repeat(17))),
            "the field `__typename` has 17 directives; the limit is 16"
        );
    }

    #[test]
    fn introspection_lists_nest_at_most_two_deep() {
        // The cases of graphql-js's MaxIntrospectionDepthRule tests.
        accepted(
            r#"{ __type(name: "Query") {
                trueFields: fields(includeDeprecated: true) { name }
                falseFields: fields(includeDeprecated: false) { name }
                omittedFields: fields { name } } }"#,
        );
        accepted(
            "{ __schema { types { fields { type { oneFields: fields { name } twoFields: fields { name } } } } } }",
        );
        for query in [
            "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }",
            "{ __schema { types { interfaces { interfaces { interfaces { name } } } } } }",
            "{ __schema { types { possibleTypes { possibleTypes { possibleTypes { name } } } } } }",
            "{ __schema { types { inputFields { type { inputFields { type { inputFields { type { name } } } } } } } } }",
            r#"{ __type(name: "Query") { fields { type { fields { type { fields { name } } } } } } }"#,
            "{ __schema { types { fields { type { fields { type { ofType { fields { name } } } } } } } } }",
            "query test { __schema { types { ... on __Type { fields { type { ... on __Type { ofType { fields { type { ... on __Type { fields { name } } } } } } } } } } } }",
            "query test { __schema { types { ...One } } }
             fragment One on __Type { fields { type { ...Two } } }
             fragment Two on __Type { fields { type { ...Three } } }
             fragment Three on __Type { fields { name } }",
            "{ ... { __schema { types { fields { type { fields { type { fields { name } } } } } } } } }",
        ] {
            assert_eq!(
                refused(query),
                "`__schema` nests `fields`, `interfaces`, `possibleTypes` or `inputFields` 3 deep; the limit is 2"
                    .replace("__schema", if query.contains("__type(") { "__type" } else { "__schema" }),
                "{query}"
            );
        }
        // A missing fragment and a fragment cycle are validation's to
        // report; they are not an error here, and the walk ends.
        accepted("query test { __schema { types { ...Missing } } }");
        accepted(
            "query test { __schema { types { ...Cycle } } } fragment Cycle on __Type { ...Cycle }",
        );
        // graphql-cop's circular introspection query.
        assert!(refused(GRAPHQL_COP_CIRCULAR).contains("4 deep; the limit is 2"));
    }

    #[test]
    fn fragment_cycles_and_chains_end_quickly() {
        accepted("{ ...A } fragment A on Query { x ...B } fragment B on Query { y ...A }");
        // Each fragment spreads the next twice: counted out in full, that
        // is 2^40 copies of the last one's alias, so the count must be
        // remembered, not redone.
        let mut query = String::from("{ ...F0 }");
        for i in 0..40 {
            query += &format!(" fragment F{i} on Query {{ ...F{} ...F{} }}", i + 1, i + 1);
        }
        query += " fragment F40 on Query { a: b }";
        let limits = RequestLimits {
            max_tokens: usize::MAX,
            ..RequestLimits::default()
        };
        let message = verdict(&query, &limits).unwrap_err();
        assert_eq!(
            message,
            "the query selects `a` 1099511627776 times in one selection set; the limit is 15"
        );
    }

    #[test]
    fn fields_multiplied_by_nested_fragments_are_capped() {
        // Each fragment selects the next 15 times, within the repeated-field
        // limit: 15^12 fields once expanded, which async-graphql's own
        // checks (they expand every spread) would walk for hours.
        let mut query = String::from("{ artist(id: \"x\") { ...F12 } }");
        query += " fragment F0 on Artist { name }";
        for i in 1..=12 {
            let spreads = format!("similarArtists {{ ...F{} }} ", i - 1).repeat(15);
            query += &format!(" fragment F{i} on Artist {{ {spreads}}}");
        }
        let limits = RequestLimits {
            max_tokens: usize::MAX,
            ..RequestLimits::default()
        };
        let fields = (1..=12).fold(1_usize, |below, _| 15 * (1 + below)) + 1;
        assert_eq!(
            verdict(&query, &limits).unwrap_err(),
            format!(
                "the query selects {fields} fields once its fragments are expanded; the limit is 2000"
            )
        );
        // Two levels stay well within it.
        let two = format!(
            "{{ artist(id: \"x\") {{ {} }} }}",
            "similarArtists { similarArtists { name } } ".repeat(15)
        );
        accepted(&two);
    }

    #[test]
    fn selections_nested_past_the_guard_through_fragments_are_refused() {
        // The parser refuses nesting past 64 within one definition; a chain
        // of fragments nests further.
        let mut query = String::from("{ ...F0 }");
        for i in 0..MAX_NESTING {
            query += &format!(" fragment F{i} on Query {{ x {{ ...F{} }} }}", i + 1);
        }
        let limits = RequestLimits {
            max_tokens: usize::MAX,
            ..RequestLimits::default()
        };
        assert_eq!(
            verdict(&query, &limits).unwrap_err(),
            format!("the query nests selections deeper than the limit of {MAX_NESTING}")
        );
    }

    #[test]
    fn standard_introspection_queries_are_within_every_limit() {
        for (query, tokens) in [
            (GRAPHIQL_INTROSPECTION, 155),
            (GRAPHQL_JS_INTROSPECTION, 180),
        ] {
            accepted(query);
            assert_eq!(count_tokens(query, usize::MAX), tokens);
            assert_eq!(shapes(query), vec![(0, 0, 1, 1)]);
        }
    }

    const GRAPHQL_COP_CIRCULAR: &str = "query cop { __schema { types { fields { type { fields { type { fields { type { fields { type { name } } } } } } } } } } }";

    /// The introspection query of the API's end-to-end tests (GraphiQL's,
    /// with eight levels of `ofType`).
    const GRAPHIQL_INTROSPECTION: &str =
        include_str!("../../../tests/fixtures/introspection-compact.graphql");

    /// graphql-js 16's `getIntrospectionQuery` with every option on
    /// (descriptions, specifiedByUrl, directiveIsRepeatable,
    /// schemaDescription, inputValueDeprecation).
    pub(crate) const GRAPHQL_JS_INTROSPECTION: &str =
        include_str!("../../../tests/fixtures/introspection-full.graphql");
}
