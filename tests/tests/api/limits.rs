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

const INTROSPECTION: &str = r#"
query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) {
    name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason
  }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }
}
"#;
