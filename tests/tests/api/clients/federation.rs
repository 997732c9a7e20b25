//! Cadenza as a subgraph of an Apollo Federation v2 supergraph, composed by
//! Apollo's own gateway with a second subgraph that extends `Product`
//! (`tests/clients/federation.mjs`).

use std::time::Duration;

use serde_json::{json, Value};

use super::node;
use crate::helpers::*;

/// `value` without the `stockLevel` the other subgraph adds.
fn without_stock(mut value: Value) -> Value {
    if let Some(nodes) = value["data"]["products"]["nodes"].as_array_mut() {
        for node in nodes {
            node.as_object_mut().unwrap().remove("stockLevel");
        }
    }
    value
}

#[tokio::test]
async fn a_gateway_joins_cadenzas_products_with_another_subgraphs_fields() {
    let app = spawn_app().await;
    let report = node("federation.mjs", &[&app.address], Duration::from_secs(120)).await;
    let joined = &report["joined"];
    assert!(joined["errors"].is_null(), "{joined}");
    let stock: Vec<Value> = joined["data"]["products"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|node| node["stockLevel"].clone())
        .collect();
    assert_eq!(stock.len(), 5);
    assert_eq!(Value::from(stock), report["expected_stock"]);
    // Cadenza's own fields through the gateway are what it answers directly.
    assert_eq!(without_stock(joined.clone()), report["direct"]);
    assert_eq!(report["genres_through_gateway"], report["genres_direct"]);
}

#[tokio::test]
async fn entities_are_resolved_in_batches() {
    let app = spawn_app().await;
    let body = app
        .gql("{ products(first: 100) { nodes { id title } } }", json!({}))
        .await;
    let products = data(&body)["products"]["nodes"].as_array().unwrap().clone();
    assert_eq!(products.len(), 100);
    let representations: Vec<Value> = products
        .iter()
        .map(|p| json!({ "__typename": "Product", "id": p["id"] }))
        .chain([
            json!({ "__typename": "Product", "id": "not-an-id" }),
            json!({ "__typename": "Album", "id": products[0]["id"] }),
        ])
        .collect();
    let query = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id title } ... on Album { id } } }";
    // Warm: the first request of a server prepares what later ones reuse.
    app.gql(query, json!({ "r": representations })).await;
    let mut statements = Vec::new();
    for count in [10, 100] {
        let mut asked: Vec<Value> = representations[..count].to_vec();
        asked.extend_from_slice(&representations[100..]);
        // The counter is the server's: a background job's statement can
        // land inside one request's window, never take one away. The
        // fewest of three runs is the request's own.
        let mut fewest = u64::MAX;
        let mut body = Value::Null;
        for _ in 0..3 {
            let before = app.sql_statements().await;
            body = app.gql(query, json!({ "r": asked })).await;
            fewest = fewest.min(app.sql_statements().await - before);
        }
        statements.push(fewest);
        let entities = data(&body)["_entities"].as_array().unwrap();
        assert_eq!(entities.len(), count + 2);
        for (entity, product) in entities.iter().take(count).zip(&products) {
            assert_eq!(entity["title"], product["title"]);
        }
        // Not a product's id, and a product's id asked for as an album: null.
        assert!(
            entities[count].is_null() && entities[count + 1].is_null(),
            "{body}"
        );
    }
    assert_eq!(
        statements[0], statements[1],
        "10 and 100 entities cost the same statements: the loader batches them"
    );

    // The subgraph SDL a gateway composes: Federation v2 with the keys.
    let body = app.gql("{ _service { sdl } }", json!({})).await;
    let sdl = data(&body)["_service"]["sdl"].as_str().unwrap();
    assert!(
        sdl.contains("https://specs.apollo.dev/federation/v2"),
        "{sdl}"
    );
    for ty in ["Product", "Album", "Artist", "Track"] {
        assert!(
            sdl.contains(&format!("type {ty} implements Node @key(fields: \"id\")")),
            "{ty} is an entity: {sdl}"
        );
    }
}
