//! Which documents read only the public catalogue, so their answer is the
//! same whoever asks, signed in or not, and may be shared through the
//! response cache.
//!
//! An allowlist, by type and field: a document is public only when every
//! field it selects is listed here. A field added later to a listed type
//! is not public until someone decides it is (a test fails until the
//! field is listed as public or as depending on the viewer), so nothing
//! private can be shared by accident.

use std::collections::{HashMap, HashSet};

use async_graphql::parser::types::{
    BaseType, ExecutableDocument, OperationDefinition, OperationType, Selection, SelectionSet,
    Type, TypeKind, TypeSystemDefinition,
};
use async_graphql::Positioned;

/// Fields whose answer is the same for everyone.
const PUBLIC: &[(&str, &[&str])] = &[
    (
        "Query",
        &[
            "artist", "album", "track", "product", "artists", "albums", "products", "genres",
        ],
    ),
    (
        "Artist",
        &[
            "id",
            "name",
            "genres",
            "albums",
            "topTracks",
            "similarArtists",
        ],
    ),
    (
        "Album",
        &[
            "id",
            "title",
            "artist",
            "releaseYear",
            "genre",
            "coverUrl",
            "tracks",
            "durationMs",
            "product",
        ],
    ),
    (
        "Track",
        &[
            "id",
            "title",
            "artist",
            "album",
            "trackNumber",
            "discNumber",
            "durationMs",
            "genre",
            "isrc",
            "hasMasterAudio",
            "product",
        ],
    ),
    (
        "Product",
        &[
            "id",
            "sku",
            "title",
            "kind",
            "price",
            "audioFormat",
            "track",
            "album",
            "available",
            "averageRating",
            "reviewCount",
            "reviews",
        ],
    ),
    ("Money", &["amountMinor", "currency", "formatted"]),
    (
        "Review",
        &[
            "id",
            "product",
            "authorName",
            "rating",
            "body",
            "verifiedPurchase",
            "createdAt",
        ],
    ),
    ("Genre", &["name", "artistCount", "albumCount"]),
    (
        "PageInfo",
        &["hasPreviousPage", "hasNextPage", "startCursor", "endCursor"],
    ),
    ("ArtistConnection", CONNECTION),
    ("ArtistEdge", EDGE),
    ("AlbumConnection", CONNECTION),
    ("AlbumEdge", EDGE),
    ("ProductConnection", CONNECTION),
    ("ProductEdge", EDGE),
    ("ReviewConnection", CONNECTION),
    ("ReviewEdge", EDGE),
];

const CONNECTION: &[&str] = &["pageInfo", "edges", "nodes", "totalCount"];
const EDGE: &[&str] = &["node", "cursor"];

/// Fields of the public types whose answer depends on who asks (what they
/// own): a document selecting one is answered for its caller alone.
pub const VIEWER_DEPENDENT: &[(&str, &[&str])] = &[
    // A signed URL that expires: a shared cached answer could outlive it.
    ("Track", &["recommendedProducts", "previewUrl"]),
    ("Product", &["ownedByViewer", "alsoBought"]),
];

/// The served schema's field types, and the public fields among them.
pub struct PublicFields {
    /// (type, field) → the named type the field returns.
    types: HashMap<(String, String), String>,
    /// Scalars and enums: fields returning them select nothing further.
    leaves: HashSet<String>,
    public: HashSet<(&'static str, &'static str)>,
}

impl PublicFields {
    /// From the served schema's SDL.
    pub fn new(sdl: &str) -> Self {
        let mut types = HashMap::new();
        let mut leaves: HashSet<String> = ["Int", "Float", "String", "Boolean", "ID"]
            .into_iter()
            .map(str::to_owned)
            .collect();
        if let Ok(document) = async_graphql::parser::parse_schema(sdl) {
            for definition in document.definitions {
                let TypeSystemDefinition::Type(definition) = definition else {
                    continue;
                };
                let owner = definition.node.name.node.to_string();
                let fields = match definition.node.kind {
                    TypeKind::Object(object) => object.fields,
                    TypeKind::Interface(interface) => interface.fields,
                    TypeKind::Scalar | TypeKind::Enum(_) => {
                        leaves.insert(owner);
                        continue;
                    }
                    _ => continue,
                };
                for field in fields {
                    types.insert(
                        (owner.clone(), field.node.name.node.to_string()),
                        named(&field.node.ty.node),
                    );
                }
            }
        }
        let public = PUBLIC
            .iter()
            .flat_map(|(owner, fields)| fields.iter().map(move |field| (*owner, *field)))
            .collect();
        Self {
            types,
            leaves,
            public,
        }
    }

    /// A type whose values are the same for everyone: a scalar, an enum,
    /// or an object type listed here. Interfaces and unions are not: which
    /// object they turn out to be (even just its `__typename`) could depend
    /// on the viewer.
    fn is_public_type(&self, name: &str) -> bool {
        self.leaves.contains(name) || PUBLIC.iter().any(|(owner, _)| *owner == name)
    }

    /// True when `operation` (of `document`) is a query that selects public
    /// fields only.
    pub fn is_public(
        &self,
        document: &ExecutableDocument,
        operation: &OperationDefinition,
    ) -> bool {
        operation.ty == OperationType::Query
            && self.selection_is_public(
                document,
                &operation.selection_set,
                "Query",
                &mut HashSet::new(),
            )
    }

    fn selection_is_public<'d>(
        &self,
        document: &'d ExecutableDocument,
        selection_set: &'d Positioned<SelectionSet>,
        owner: &str,
        spread: &mut HashSet<&'d str>,
    ) -> bool {
        selection_set
            .node
            .items
            .iter()
            .all(|selection| match &selection.node {
                Selection::Field(field) => {
                    let name = field.node.name.node.as_str();
                    if name == "__typename" {
                        return true;
                    }
                    if !self.public.contains(&(owner, name)) {
                        return false;
                    }
                    let Some(returns) = self.types.get(&(owner.to_owned(), name.to_owned())) else {
                        return false;
                    };
                    if !self.is_public_type(returns) {
                        return false;
                    }
                    field.node.selection_set.node.items.is_empty()
                        || self.selection_is_public(
                            document,
                            &field.node.selection_set,
                            returns,
                            spread,
                        )
                }
                // Public types are objects: a fragment whose condition
                // names any other type is not judged public.
                Selection::InlineFragment(fragment) => {
                    let on = fragment
                        .node
                        .type_condition
                        .as_ref()
                        .map(|condition| condition.node.on.node.as_str())
                        .unwrap_or(owner);
                    on == owner
                        && self.selection_is_public(
                            document,
                            &fragment.node.selection_set,
                            owner,
                            spread,
                        )
                }
                Selection::FragmentSpread(spread_of) => {
                    let name = spread_of.node.fragment_name.node.as_str();
                    let Some(fragment) = document.fragments.get(name) else {
                        return false;
                    };
                    if fragment.node.type_condition.node.on.node.as_str() != owner {
                        return false;
                    }
                    // A fragment spread twice is checked once (its condition
                    // is its owner); a cycle, which validation refuses, ends
                    // here.
                    if !spread.insert(name) {
                        return true;
                    }
                    self.selection_is_public(document, &fragment.node.selection_set, owner, spread)
                }
            })
    }
}

fn named(ty: &Type) -> String {
    match &ty.base {
        BaseType::Named(name) => name.to_string(),
        BaseType::List(inner) => named(inner),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> PublicFields {
        PublicFields::new(&crate::graphql::sdl())
    }

    /// The verdict on the operation a request naming `name` runs.
    fn judged(document: &ExecutableDocument, name: Option<&str>) -> bool {
        crate::graphql::pipeline::operation::select(document, name)
            .is_some_and(|operation| fields().is_public(document, operation))
    }

    fn public(query: &str) -> bool {
        let document = async_graphql::parser::parse_query(query).unwrap();
        judged(&document, None)
    }

    #[test]
    fn catalogue_reads_are_public() {
        assert!(public(
            "query AlbumPage($id: ID!) { album(id: $id) { id title artist { name } \
             product { sku price { amountMinor currency formatted } } \
             tracks { id title product { price { formatted } } } } }"
        ));
        assert!(public(
            "{ products(first: 5, sort: BEST_SELLING) { totalCount edges { cursor node { \
             ...P } } pageInfo { hasNextPage } } } fragment P on Product { __typename sku \
             reviews(first: 2) { nodes { rating body } } }"
        ));
    }

    #[test]
    fn named_operations_are_judged_by_name() {
        let document = async_graphql::parser::parse_query(
            "query AlbumPage($id: ID!) { album(id: $id) { id title artist { id name } } }",
        )
        .unwrap();
        assert!(judged(&document, Some("AlbumPage")));
        assert!(judged(&document, None));
        assert!(!judged(&document, Some("Other")));
    }

    #[test]
    fn anything_that_depends_on_the_viewer_is_not() {
        for query in [
            "{ viewer { user { email } } }",
            "{ product(id: \"x\") { ownedByViewer } }",
            "{ track(id: \"x\") { recommendedProducts { sku } } }",
            "{ products { nodes { alsoBought { sku } } } }",
            "{ search(query: \"a\") { totalCount } }",
            "{ node(id: \"x\") { id } }",
            "{ album(id: \"x\") { ...on Album { tracks { product { ownedByViewer } } } } }",
            "{ album(id: \"x\") { ...F } } fragment F on Album { product { ownedByViewer } }",
            "mutation { logout(refreshToken: \"x\") }",
            "{ __schema { types { name } } }",
        ] {
            assert!(!public(query), "{query}");
        }
    }

    #[test]
    fn abstract_types_and_other_conditions_are_not_judged_public() {
        for query in [
            "{ album(id: \"x\") { ... on Track { title } } }",
            "{ album(id: \"x\") { ...T } } fragment T on Track { title }",
            "{ album(id: \"x\") { ...A } artist(id: \"y\") { ...A } } fragment A on Album { title }",
        ] {
            assert!(!public(query), "{query}");
        }
        let fields = fields();
        for public_type in ["Album", "ProductKind", "DateTime", "String"] {
            assert!(fields.is_public_type(public_type), "{public_type}");
        }
        for abstract_type in ["Node", "Playable", "SearchHitItem"] {
            assert!(!fields.is_public_type(abstract_type), "{abstract_type}");
        }
    }

    /// The arguments of every public field, and the input types they
    /// reach: an argument added to a public field could make its answer
    /// depend on the viewer (`mine: true`), so a change here must be
    /// decided, like a new field.
    #[test]
    fn arguments_of_public_fields_are_decided() {
        use async_graphql::parser::types::InputValueDefinition;
        let document = async_graphql::parser::parse_schema(crate::graphql::sdl().as_str()).unwrap();
        let mut arguments: HashMap<(String, String), Vec<InputValueDefinition>> = HashMap::new();
        let mut inputs: HashMap<String, Vec<InputValueDefinition>> = HashMap::new();
        for definition in document.definitions {
            let TypeSystemDefinition::Type(definition) = definition else {
                continue;
            };
            let owner = definition.node.name.node.to_string();
            match definition.node.kind {
                TypeKind::Object(object) => {
                    for field in object.fields {
                        let field = field.node;
                        arguments.insert(
                            (owner.clone(), field.name.node.to_string()),
                            field.arguments.into_iter().map(|a| a.node).collect(),
                        );
                    }
                }
                TypeKind::InputObject(input) => {
                    inputs.insert(owner, input.fields.into_iter().map(|f| f.node).collect());
                }
                _ => {}
            }
        }
        let render = |values: &[InputValueDefinition]| {
            values
                .iter()
                .map(|value| format!("{}: {}", value.name.node, value.ty.node))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut lines = Vec::new();
        let mut reached = Vec::new();
        for (owner, names) in PUBLIC {
            for name in *names {
                let values = &arguments[&((*owner).to_owned(), (*name).to_owned())];
                if !values.is_empty() {
                    lines.push(format!("{owner}.{name}({})", render(values)));
                    reached.extend(values.iter().map(|value| named(&value.ty.node)));
                }
            }
        }
        let mut seen = HashSet::new();
        while let Some(input) = reached.pop() {
            if let Some(values) = inputs.get(&input) {
                if seen.insert(input.clone()) {
                    lines.push(format!("input {input} {{ {} }}", render(values)));
                    reached.extend(values.iter().map(|value| named(&value.ty.node)));
                }
            }
        }
        lines.sort();
        let actual = lines.join("\n");
        assert_eq!(
            actual, PUBLIC_ARGUMENTS,
            "the arguments of public fields changed: decide whether each new one can make the \
             answer depend on who asks, then update PUBLIC_ARGUMENTS to:\n{actual}"
        );
    }

    /// What `arguments_of_public_fields_are_decided` expects.
    const PUBLIC_ARGUMENTS: &str = "\
        Album.coverUrl(size: Int)\n\
        Artist.albums(first: Int, after: String)\n\
        Artist.similarArtists(first: Int)\n\
        Artist.topTracks(first: Int)\n\
        Product.reviews(first: Int, after: String)\n\
        Query.album(id: ID!)\n\
        Query.albums(first: Int, after: String, genre: String, artistId: ID)\n\
        Query.artist(id: ID!)\n\
        Query.artists(first: Int, after: String, genre: String)\n\
        Query.product(id: ID!)\n\
        Query.products(first: Int, after: String, filter: ProductFilter, sort: ProductSort)\n\
        Query.track(id: ID!)\n\
        input ProductFilter { genre: String, artistId: ID, kind: ProductKind, minPriceMinor: Int, maxPriceMinor: Int }";

    /// A field added to a public type must be classified: public, or
    /// depending on the viewer.
    #[test]
    fn every_field_of_a_public_type_is_classified() {
        let fields = fields();
        let classified: HashSet<(&str, &str)> = PUBLIC
            .iter()
            .chain(VIEWER_DEPENDENT)
            .flat_map(|(owner, names)| names.iter().map(move |name| (*owner, *name)))
            .collect();
        let public_types: HashSet<&str> = PUBLIC
            .iter()
            .map(|(owner, _)| *owner)
            .filter(|owner| *owner != "Query")
            .collect();
        let mut unclassified: Vec<String> = fields
            .types
            .keys()
            .filter(|(owner, field)| {
                public_types.contains(owner.as_str())
                    && !classified.contains(&(owner.as_str(), field.as_str()))
            })
            .map(|(owner, field)| format!("{owner}.{field}"))
            .collect();
        unclassified.sort();
        assert!(
            unclassified.is_empty(),
            "classify these in graphql/pipeline/public.rs (PUBLIC or VIEWER_DEPENDENT): {unclassified:?}"
        );
        for (owner, names) in PUBLIC {
            for name in *names {
                assert!(
                    fields
                        .types
                        .contains_key(&((*owner).to_owned(), (*name).to_owned())),
                    "{owner}.{name} is listed public but the schema has no such field"
                );
            }
        }
    }
}
