use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::*;

#[tokio::test]
async fn an_over_deep_query_is_refused_naming_the_limit() {
    let app = spawn_app().await;
    let mut query = String::from("{ artists(first: 1) { nodes { id } } }");
    for _ in 0..8 {
        query = query.replace(
            "nodes { id }",
            "nodes { albums(first: 1) { nodes { artist { id } } } }",
        );
        query = query.replace(
            "artist { id }",
            "artist { albums(first: 1) { nodes { id } } }",
        );
    }
    let body = app.gql(&query, json!({})).await;
    assert_eq!(error_code(&body), "QUERY_TOO_COMPLEX");
    assert!(body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("nested too deep"));
}

#[tokio::test]
async fn an_over_costly_query_is_refused_and_aliases_count() {
    let app = spawn_app().await;
    let costly = "{ artists(first: 100) { nodes { albums(first: 100) { nodes { title } } } } }";
    let body = app.gql(costly, json!({})).await;
    assert_eq!(error_code(&body), "QUERY_TOO_COMPLEX");
    assert!(body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("too complex"));

    // One product page is fine; forty aliased copies of it are not.
    let page = "products(first: 100) { nodes { sku title price { formatted } } }";
    data(&app.gql(&format!("{{ {page} }}"), json!({})).await);
    let aliased: String = (0..40).map(|i| format!("p{i}: {page} ")).collect();
    let body = app.gql(&format!("{{ {aliased} }}"), json!({})).await;
    assert_eq!(error_code(&body), "QUERY_TOO_COMPLEX");
}

#[tokio::test]
async fn introspection_for_graphiql_is_within_the_limits() {
    let app = spawn_app().await;
    let body = app.gql(INTROSPECTION, json!({})).await;
    assert!(data(&body)["__schema"]["types"].as_array().unwrap().len() > 20);
}

#[tokio::test]
async fn batches_and_documents_are_bounded() {
    let app = spawn_app().await;
    let one = json!({ "query": "{ genres { name } }" });
    let ten: Vec<Value> = (0..10).map(|_| one.clone()).collect();
    let response = app
        .client
        .post(app.graphql_url())
        .json(&ten)
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body.as_array().unwrap().len(), 10);
    assert!(body
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r.get("errors").is_none()));

    let eleven: Vec<Value> = (0..11).map(|_| one.clone()).collect();
    let response = app
        .client
        .post(app.graphql_url())
        .json(&eleven)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "QUERY_TOO_COMPLEX");
    assert!(body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("at most 10"));

    let padding = " ".repeat(40 * 1024);
    let huge = format!("{{ genres {{ name }} {padding} }}");
    let body = app.gql(&huge, json!({})).await;
    assert_eq!(error_code(&body), "QUERY_TOO_COMPLEX");
    assert!(body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("bytes"));

    let oversized_body =
        json!({ "query": "{ genres { name } }", "variables": { "x": "y".repeat(300 * 1024) } });
    let response = app
        .client
        .post(app.graphql_url())
        .json(&oversized_body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "PAYLOAD_TOO_LARGE");
}

/// Asserts the body is a QUERY_TOO_COMPLEX refusal and returns its message.
fn too_complex(body: &Value) -> &str {
    assert_eq!(error_code(body), "QUERY_TOO_COMPLEX", "{body}");
    body["errors"][0]["message"].as_str().unwrap()
}

#[tokio::test]
async fn aliases_are_capped_per_operation() {
    let app = spawn_app().await;
    let fifteen: String = (0..15)
        .map(|i| format!("g{i}: genres {{ name }} "))
        .collect();
    let body = app.gql(&format!("{{ {fifteen} }}"), json!({})).await;
    assert_eq!(data(&body).as_object().unwrap().len(), 15);

    // graphql-cop's alias overloading check.
    let aliases: String = (0..101)
        .map(|i| format!("alias{i}:__typename \n"))
        .collect();
    let body = app
        .gql(&format!("query cop {{ {aliases} }}"), json!({}))
        .await;
    assert_eq!(
        too_complex(&body),
        "the query has 101 aliases; the limit is 15"
    );

    // Aliases in a fragment count wherever it is spread.
    let body = app
        .gql(
            "{ ...G ... on Query { ...G } } fragment G on Query { a: __typename b: __typename c: __typename d: __typename e: __typename f: __typename g: __typename h: __typename }",
            json!({}),
        )
        .await;
    assert_eq!(
        too_complex(&body),
        "the query has 16 aliases; the limit is 15"
    );
}

#[tokio::test]
async fn a_field_repeated_in_one_selection_set_is_refused() {
    let app = spawn_app().await;
    // graphql-cop's field duplication check.
    let repeated = "__typename \n".repeat(500);
    let body = app
        .gql(&format!("query cop {{ {repeated} }}"), json!({}))
        .await;
    assert_eq!(
        too_complex(&body),
        "the query selects `__typename` 500 times in one selection set; the limit is 15"
    );

    let body = app
        .gql(
            &format!("{{ {} }}", "genres { name } ".repeat(16)),
            json!({}),
        )
        .await;
    assert_eq!(
        too_complex(&body),
        "the query selects `genres` 16 times in one selection set; the limit is 15"
    );
    // Five hundred of those are refused before they are parsed.
    let body = app
        .gql(
            &format!("{{ {} }}", "genres { name } ".repeat(500)),
            json!({}),
        )
        .await;
    assert!(too_complex(&body).contains("tokens"));

    let body = app
        .gql(
            &format!("{{ {} }}", "genres { name } ".repeat(15)),
            json!({}),
        )
        .await;
    assert!(data(&body)["genres"].is_array());
}

#[tokio::test]
async fn a_circular_introspection_query_is_refused() {
    let app = spawn_app().await;
    // graphql-cop's circular introspection check.
    let body = app
        .gql(
            "query cop { __schema { types { fields { type { fields { type { fields { type { fields { type { name } } } } } } } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        too_complex(&body),
        "`__schema` nests `fields`, `interfaces`, `possibleTypes` or `inputFields` 4 deep; the limit is 2"
    );

    // Through fragments, from `__type`.
    let body = app
        .gql(
            r#"{ __type(name: "Album") { ...T } }
            fragment T on __Type { fields { type { ofType { ...U } } } }
            fragment U on __Type { fields { type { ofType { fields { name } } } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        too_complex(&body),
        "`__type` nests `fields`, `interfaces`, `possibleTypes` or `inputFields` 3 deep; the limit is 2"
    );

    // Two levels are answered.
    let body = app
        .gql(
            r#"{ __type(name: "Album") { fields { type { ofType { fields { name } } } } } }"#,
            json!({}),
        )
        .await;
    assert!(!data(&body)["__type"]["fields"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn directives_are_capped_per_operation_and_per_field() {
    let app = spawn_app().await;
    let thirteen = "@include(if: true) ".repeat(13);
    let fields: String = (0..4)
        .map(|i| format!("t{i}: __typename {thirteen} "))
        .collect();
    let body = app.gql(&format!("{{ {fields} }}"), json!({})).await;
    assert_eq!(
        too_complex(&body),
        "the query has 52 directives; the limit is 50"
    );

    let body = app
        .gql(
            &format!("{{ __typename {} }}", "@skip(if: false) ".repeat(17)),
            json!({}),
        )
        .await;
    assert_eq!(
        too_complex(&body),
        "the field `__typename` has 17 directives; the limit is 16"
    );

    let body = app
        .gql(
            "query($all: Boolean!) { genres @include(if: $all) { name @skip(if: false) } }",
            json!({ "all": true }),
        )
        .await;
    assert!(data(&body)["genres"].is_array());
}

#[tokio::test]
async fn a_token_flood_is_refused_and_comments_do_not_count() {
    let app = spawn_app().await;
    // 1,003 tokens in 11 KiB: within the document size limit.
    let flood = format!("{{ {}}}", "__typename ".repeat(1001));
    let body = app.gql(&flood, json!({})).await;
    assert_eq!(
        too_complex(&body),
        "the query is longer than the limit of 1000 tokens"
    );

    // The same words in a comment are not tokens.
    let commented = format!("# {}\n{{ genres {{ name }} }}", "__typename ".repeat(1001));
    let body = app.gql(&commented, json!({})).await;
    assert!(data(&body)["genres"].is_array());
}

#[tokio::test]
async fn the_full_graphql_js_introspection_query_is_within_the_limits() {
    let app = spawn_app().await;
    let body = app.gql(FULL_INTROSPECTION, json!({})).await;
    let schema = &data(&body)["__schema"];
    assert!(schema["types"].as_array().unwrap().len() > 20);
    assert!(schema["directives"]
        .as_array()
        .unwrap()
        .iter()
        .all(|directive| directive["isRepeatable"].is_boolean()));
}

#[tokio::test]
async fn subscriptions_are_held_to_the_same_limits() {
    let app = spawn_app().await;
    let me = app.customer().await;
    let aliases: String = (0..16).map(|i| format!("c{i}: change ")).collect();
    let mut socket = app
        .subscribe(
            &me,
            &format!("subscription {{ lockerEvents {{ {aliases} }} }}"),
        )
        .await;
    let message = next_message(&mut socket, Duration::from_secs(10))
        .await
        .expect("an answer");
    assert_eq!(message["type"], "next", "{message}");
    assert!(message["payload"]["data"].is_null());
    assert_eq!(
        too_complex(&message["payload"]),
        "the query has 16 aliases; the limit is 15"
    );
}

const INTROSPECTION: &str = include_str!("../../fixtures/introspection-compact.graphql");

/// graphql-js 16's `getIntrospectionQuery()` with every option on:
/// descriptions, specifiedByUrl, directiveIsRepeatable, schemaDescription
/// and inputValueDeprecation.
const FULL_INTROSPECTION: &str = include_str!("../../fixtures/introspection-full.graphql");

/// Fragments that each spread the next 15 times, within every per-set
/// limit: 15^12 fields once expanded. Refused at once, over HTTP and on a
/// WebSocket, before anything walks the expansion.
fn nested_fragments(operation: &str) -> String {
    let mut query = format!("{operation} fragment F0 on Artist {{ name }}");
    for i in 1..=12 {
        let spreads = format!("similarArtists {{ ...F{} }} ", i - 1).repeat(15);
        query += &format!(" fragment F{i} on Artist {{ {spreads}}}");
    }
    query
}

#[tokio::test]
async fn fragments_that_multiply_fields_are_refused() {
    let app = spawn_app().await;
    let body = app
        .gql(
            &nested_fragments("{ artists(first: 1) { nodes { ...F12 } } }"),
            json!({}),
        )
        .await;
    assert!(
        too_complex(&body).ends_with("fields once its fragments are expanded; the limit is 2000"),
        "{body}"
    );

    let me = app.customer().await;
    let mut socket = app
        .subscribe(
            &me,
            &nested_fragments(
                "subscription { lockerEvents { item { catalogueTrack { artist { ...F12 } } } } }",
            ),
        )
        .await;
    let message = next_message(&mut socket, Duration::from_secs(10))
        .await
        .expect("an answer");
    assert!(
        too_complex(&message["payload"])
            .ends_with("fields once its fragments are expanded; the limit is 2000"),
        "{message}"
    );
}
