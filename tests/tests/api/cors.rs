//! CORS: a storefront on a listed origin may call the API, play streams and
//! show covers from a browser; any other origin gets no CORS headers and is
//! answered as if it had sent no `Origin` at all. (The same in Chromium:
//! `browser.rs`.)

use reqwest::header::{HeaderMap, ORIGIN};
use reqwest::Method;
use serde_json::{json, Value};

use crate::audio::wav;
use crate::helpers::*;

const SHOP: &str = "https://shop.example";

async fn storefront_app() -> TestApp {
    spawn_app_with(|settings| {
        settings.http.cors_origins = vec![
            cadenza_api::settings::Origin::parse(SHOP).unwrap(),
            cadenza_api::settings::Origin::parse("http://localhost:3000").unwrap(),
        ]
    })
    .await
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

async fn preflight(
    app: &TestApp,
    path: &str,
    origin: &str,
    method: &str,
    wanted: &str,
) -> HeaderMap {
    let response = app
        .client
        .request(Method::OPTIONS, format!("{}{path}", app.address))
        .header(ORIGIN, origin)
        .header("Access-Control-Request-Method", method)
        .header("Access-Control-Request-Headers", wanted)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204, "a preflight of {path} is answered");
    response.headers().clone()
}

#[tokio::test]
async fn a_listed_origin_passes_the_preflight_of_every_api_path() {
    let app = storefront_app().await;
    for path in [
        "/graphql",
        "/stream/x",
        "/covers/x",
        "/exports/x",
        "/rest/ping.view",
    ] {
        let headers = preflight(
            &app,
            path,
            SHOP,
            "POST",
            "authorization,content-type,x-api-key,apollographql-client-name",
        )
        .await;
        assert_eq!(header(&headers, "access-control-allow-origin"), Some(SHOP));
        let allowed = header(&headers, "access-control-allow-headers").unwrap();
        for name in [
            "authorization",
            "content-type",
            "x-api-key",
            "apollo-require-preflight",
        ] {
            assert!(allowed.contains(name), "{name} in {allowed}");
        }
        assert!(header(&headers, "access-control-allow-methods")
            .unwrap()
            .contains("POST"));
        assert_eq!(header(&headers, "access-control-max-age"), Some("7200"));
        assert!(header(&headers, "vary").unwrap().contains("Origin"));
        assert!(
            header(&headers, "access-control-allow-credentials").is_none(),
            "bearer tokens need no credentials mode"
        );
    }
    // A port is part of the origin.
    let headers = preflight(&app, "/graphql", "http://localhost:3000", "GET", "").await;
    assert_eq!(
        header(&headers, "access-control-allow-origin"),
        Some("http://localhost:3000")
    );
    let headers = preflight(&app, "/graphql", "http://localhost:3001", "GET", "").await;
    assert_eq!(header(&headers, "access-control-allow-origin"), None);
}

#[tokio::test]
async fn an_unlisted_origin_gets_no_cors_headers_and_no_other_answer() {
    let app = storefront_app().await;
    let me = app.customer().await;
    for origin in [
        "https://evil.example",
        "https://shop.example.evil.example",
        "null",
    ] {
        let headers = preflight(&app, "/graphql", origin, "POST", "authorization").await;
        assert_eq!(
            header(&headers, "access-control-allow-origin"),
            None,
            "{origin}"
        );
        assert_eq!(header(&headers, "access-control-allow-headers"), None);
    }
    // A simple request still reaches the server (browsers send it), and is
    // answered exactly as one without an origin: the page cannot read it.
    let query = json!({ "query": "{ viewer { user { email } } }" });
    let plain: Value = app
        .client
        .post(app.graphql_url())
        .bearer_auth(me.token())
        .json(&query)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let response = app
        .client
        .post(app.graphql_url())
        .header(ORIGIN, "https://evil.example")
        .bearer_auth(me.token())
        .json(&query)
        .send()
        .await
        .unwrap();
    assert_eq!(
        header(response.headers(), "access-control-allow-origin"),
        None
    );
    assert!(header(response.headers(), "vary")
        .unwrap()
        .contains("Origin"));
    assert_eq!(response.json::<Value>().await.unwrap(), plain);
}

#[tokio::test]
async fn answers_to_a_listed_origin_are_readable_by_its_pages() {
    let app = storefront_app().await;
    let me = app.customer().await;
    let item = app
        .upload(&me, "cors.wav", wav(300, &[("TITLE", "Across")]))
        .await;
    let item = &data(&item)["uploadTrack"];
    let body = app
        .gql_as(
            &me,
            "query($id: ID!) { node(id: $id) { ... on LockerItem { streamUrl } } }",
            json!({ "id": item["id"] }),
        )
        .await;
    let stream_url = data(&body)["node"]["streamUrl"]
        .as_str()
        .unwrap()
        .to_owned();

    // A query by POST and by GET, and a mutation.
    let post = app
        .client
        .post(app.graphql_url())
        .header(ORIGIN, SHOP)
        .json(&json!({ "query": "{ genres { name } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        header(post.headers(), "access-control-allow-origin"),
        Some(SHOP)
    );
    assert!(header(post.headers(), "vary").unwrap().contains("Origin"));
    assert!(header(post.headers(), "access-control-expose-headers")
        .unwrap()
        .contains("X-Request-Id"));
    let get = app
        .client
        .get(app.graphql_url())
        .query(&[("query", "{ genres { name } }")])
        .header(ORIGIN, SHOP)
        .send()
        .await
        .unwrap();
    assert_eq!(
        header(get.headers(), "access-control-allow-origin"),
        Some(SHOP)
    );

    // A stream with a range, as an audio element or fetch sends it.
    let stream = app
        .client
        .get(format!("{}{stream_url}", app.address))
        .header(ORIGIN, SHOP)
        .header("Range", "bytes=0-99")
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 206);
    assert_eq!(
        header(stream.headers(), "access-control-allow-origin"),
        Some(SHOP)
    );
    assert!(header(stream.headers(), "access-control-expose-headers")
        .unwrap()
        .contains("Content-Range"));
    assert_eq!(stream.bytes().await.unwrap().len(), 100);

    // Refusals are readable too: a page must see why.
    let refused = app
        .client
        .get(format!("{}/stream/nothing", app.address))
        .header(ORIGIN, SHOP)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 404);
    assert_eq!(
        header(refused.headers(), "access-control-allow-origin"),
        Some(SHOP)
    );

    // The web app's own files are for this origin only.
    let page = app
        .client
        .get(format!("{}/", app.address))
        .header(ORIGIN, SHOP)
        .send()
        .await
        .unwrap();
    assert_eq!(header(page.headers(), "access-control-allow-origin"), None);
}

#[tokio::test]
async fn without_listed_origins_nothing_changes() {
    let app = spawn_app().await;
    let headers = preflight(&app, "/graphql", SHOP, "POST", "content-type").await;
    assert_eq!(header(&headers, "access-control-allow-origin"), None);
    assert_eq!(header(&headers, "vary"), None);
    let response = app
        .client
        .post(app.graphql_url())
        .header(ORIGIN, SHOP)
        .json(&json!({ "query": "{ genres { name } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        header(response.headers(), "access-control-allow-origin"),
        None
    );
}
