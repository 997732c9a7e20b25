//! `Query.search`.

use serde_json::{json, Value};

use super::{variables, Auth, TestApp};

/// The optional arguments of `search`; the default leaves them all out.
#[derive(Clone, Copy, Debug, Default)]
pub struct SearchArgs<'a> {
    /// A `SearchScope`.
    pub scope: Option<&'a str>,
    pub genre: Option<&'a str>,
    pub first: Option<i64>,
    pub after: Option<&'a str>,
}

impl TestApp {
    /// `search`, with the whole result: counts, facets, page and hits.
    pub async fn search(&self, auth: &Auth, query: &str, args: SearchArgs<'_>) -> Value {
        self.gql_as(
            auth,
            "query($q: String!, $scope: SearchScope, $genre: String, $first: Int, $after: String) {
  search(query: $q, scope: $scope, genre: $genre, first: $first, after: $after) {
    totalCount
    genreFacets { value count }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { score highlight item {
      __typename
      ... on Artist { id name }
      ... on Album { id title }
      ... on Track { id title durationMs }
      ... on Product { id sku }
      ... on LockerItem { id title artist }
    } } }
  }
}",
            variables([
                ("q", json!(query)),
                ("scope", json!(args.scope)),
                ("genre", json!(args.genre)),
                ("first", json!(args.first)),
                ("after", json!(args.after)),
            ]),
        )
        .await
    }
}
