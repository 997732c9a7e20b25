use std::path::PathBuf;
use std::process::Command;

use serde_json::{json, Value};

use crate::helpers::*;

#[tokio::test]
async fn health_readiness_and_metrics() {
    let app = spawn_app().await;
    let health = app.get("/healthz").await;
    assert_eq!(health.status(), 200);
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 200);
    let ready: Value = ready.json().await.unwrap();
    assert_eq!(ready["database"], "ok");
    assert_eq!(ready["storage"], "ok");
    let expected_redis = match backend() {
        Backend::Sqlite => "not configured",
        Backend::Postgres => "ok",
    };
    assert_eq!(ready["redis"], expected_redis);

    app.client
        .post(app.graphql_url())
        .json(&json!({ "query": "query AlbumPage { albums(first: 1) { totalCount } }", "operationName": "AlbumPage" }))
        .send()
        .await
        .unwrap();
    app.gql("{ nope }", json!({})).await;
    let metrics = app.get("/metrics").await;
    assert!(metrics.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let metrics = metrics.text().await.unwrap();
    assert!(
        metrics.contains(r#"cadenza_graphql_requests_total{operation="AlbumPage",outcome="ok"} 1"#),
        "{metrics}"
    );
    assert!(metrics
        .contains(r#"cadenza_graphql_requests_total{operation="anonymous",outcome="error"} 1"#));
    assert!(metrics
        .contains(r#"cadenza_graphql_request_duration_seconds_count{operation="AlbumPage"} 1"#));
    assert!(metrics.contains(r#"cadenza_http_requests_total{route="/healthz",status="200"} 1"#));
    assert!(metrics.contains("cadenza_sql_statements_total"));
}

/// Fetches `path` as a browser would.
async fn browser_get(app: &TestApp, path: &str, extra: &[(&str, &str)]) -> reqwest::Response {
    let mut request = app
        .client
        .get(format!("{}{path}", app.address))
        .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8");
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

/// The `src` and `href` values of a page's tags.
fn linked(page: &str) -> Vec<String> {
    let mut links = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        let mut rest = page;
        while let Some(at) = rest.find(attribute) {
            rest = &rest[at + attribute.len()..];
            let end = rest.find('"').unwrap();
            links.push(rest[..end].to_string());
            rest = &rest[end..];
        }
    }
    links
}

#[tokio::test]
async fn graphiql_for_browsers_is_served_from_this_origin() {
    let app = spawn_app().await;
    let page = browser_get(&app, "/graphql", &[]).await;
    assert_eq!(page.status(), 200);
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(policy.contains("script-src 'self';"), "{policy}");
    let page = page.text().await.unwrap();
    assert!(page.contains("GraphiQL"));
    let links = linked(&page);
    assert!(links.len() >= 5, "{links:?}");
    // Everything it loads is ours: no CDN, no inline script.
    for link in &links {
        assert!(link.starts_with('/') && !link.starts_with("//"), "{link}");
        let asset = browser_get(&app, link, &[]).await;
        assert_eq!(asset.status(), 200, "{link}");
        assert!(!asset.bytes().await.unwrap().is_empty(), "{link}");
    }
    assert!(!page.contains("<script>"), "inline script: {page}");
    let graphiql = browser_get(&app, "/graphiql/graphiql.js", &[]).await;
    assert!(graphiql.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
    // React's production build, not its development one.
    let react = browser_get(&app, "/graphiql/react.js", &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(
        react.contains("react.production.min.js"),
        "not the production build"
    );
    assert_eq!(
        browser_get(&app, "/graphiql/nothing.js", &[])
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn the_web_app_is_served_with_etags_gzip_and_a_strict_policy() {
    let app = spawn_app().await;
    let page = browser_get(&app, "/", &[]).await;
    assert_eq!(page.status(), 200);
    let headers = page.headers().clone();
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let policy = headers["content-security-policy"].to_str().unwrap();
    assert!(policy.contains("script-src 'self';"), "{policy}");
    assert!(policy.contains("style-src 'self';"), "{policy}");
    assert!(!policy.contains("unsafe"), "{policy}");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let body = page.text().await.unwrap();
    assert!(body.contains("/assets/js/main.js"));
    assert!(!body.contains("<script>"), "inline script");
    for link in linked(&body) {
        if link.starts_with('#') {
            continue;
        }
        assert!(link.starts_with('/') && !link.starts_with("//"), "{link}");
        let asset = browser_get(&app, &link, &[]).await;
        assert_eq!(asset.status(), 200, "{link}");
    }

    // Revalidation: the same ETag answers 304 with no body.
    let etag = headers["etag"].to_str().unwrap().to_string();
    assert_eq!(headers["cache-control"], "no-cache");
    let again = browser_get(&app, "/", &[("if-none-match", &etag)]).await;
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
    assert!(again.bytes().await.unwrap().is_empty());
    let stale = browser_get(&app, "/", &[("if-none-match", "\"stale\"")]).await;
    assert_eq!(stale.status(), 200);

    // gzip when asked for (reqwest here sends no Accept-Encoding of its own).
    let script = "/assets/js/main.js";
    let plain = browser_get(&app, script, &[]).await;
    assert!(plain.headers().get("content-encoding").is_none());
    let plain = plain.bytes().await.unwrap();
    let zipped = browser_get(&app, script, &[("accept-encoding", "gzip, br")]).await;
    assert_eq!(zipped.headers()["content-encoding"], "gzip");
    assert_eq!(zipped.headers()["vary"], "Accept-Encoding");
    let zipped = zipped.bytes().await.unwrap();
    assert!(zipped.len() < plain.len());
    assert_eq!(&zipped[..2], &[0x1f, 0x8b], "not gzip");

    // Nothing outside the app's folder, and no guessing at paths.
    for path in [
        "/assets/../Cargo.toml",
        "/assets/js/nothing.js",
        "/assets/%2e%2e/build.rs",
    ] {
        assert_eq!(browser_get(&app, path, &[]).await.status(), 404, "{path}");
    }
}

#[tokio::test]
async fn queries_over_get_and_content_negotiation() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.graphql_url())
        .query(&[
            (
                "query",
                "query($n: Int) { artists(first: $n) { nodes { name } } }",
            ),
            ("variables", r#"{"n": 2}"#),
        ])
        .header("accept", "application/graphql-response+json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/graphql-response+json"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(data(&body)["artists"]["nodes"].as_array().unwrap().len(), 2);

    let response = app
        .client
        .post(app.graphql_url())
        .header("accept", "application/json")
        .json(&json!({ "query": "{ genres { name } }" }))
        .send()
        .await
        .unwrap();
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));

    let refused = app
        .client
        .post(app.graphql_url())
        .header("accept", "text/csv")
        .json(&json!({ "query": "{ genres { name } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 406);
}

#[tokio::test]
async fn automatic_persisted_queries_stand_in_for_their_text() {
    let app = spawn_app().await;
    let me = app.customer().await;
    let query = "query($n: Int) { artists(first: $n) { nodes { name } } }";
    let hash = sha256_hex(query.as_bytes());
    let persisted = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    let post = |body: Value| {
        let request = app.client.post(app.graphql_url()).json(&body);
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };

    // The hash alone, before the server has seen the text: the client is
    // told to send it, in the words Apollo clients look for.
    let body = post(json!({ "variables": { "n": 2 }, "extensions": persisted })).await;
    assert_eq!(
        body["errors"][0]["message"], "PersistedQueryNotFound",
        "{body}"
    );
    assert_eq!(error_code(&body), "PERSISTED_QUERY_NOT_FOUND");
    // The text with its hash: answered, and kept.
    let body =
        post(json!({ "query": query, "variables": { "n": 2 }, "extensions": persisted })).await;
    assert_eq!(data(&body)["artists"]["nodes"].as_array().unwrap().len(), 2);
    // From then on the hash alone will do, over POST and GET, signed in too.
    let body = post(json!({ "variables": { "n": 3 }, "extensions": persisted })).await;
    assert_eq!(data(&body)["artists"]["nodes"].as_array().unwrap().len(), 3);
    let Auth::Bearer(token) = &me else {
        unreachable!("a customer signs in with a bearer token")
    };
    let body: Value = app
        .client
        .post(app.graphql_url())
        .bearer_auth(token)
        .json(&json!({ "variables": { "n": 1 }, "extensions": persisted }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(data(&body)["artists"]["nodes"].as_array().unwrap().len(), 1);
    let response = app
        .client
        .get(app.graphql_url())
        .query(&[
            ("variables", r#"{"n": 1}"#.to_owned()),
            ("extensions", persisted.to_string()),
        ])
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(data(&body)["artists"]["nodes"].as_array().unwrap().len(), 1);

    // A text that does not hash to the hash, a malformed hash, another
    // version: refused, and nothing kept under the wrong hash.
    let other = "{ genres { name } }";
    let body = post(json!({ "query": other, "extensions": persisted })).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    let wrong = json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256_hex(b"nothing") } });
    let body = post(json!({ "query": other, "extensions": wrong })).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    let body = post(json!({ "extensions": wrong })).await;
    assert_eq!(body["errors"][0]["message"], "PersistedQueryNotFound");
    assert_eq!(error_code(&body), "PERSISTED_QUERY_NOT_FOUND");
    for bad in [
        json!({ "persistedQuery": { "version": 1, "sha256Hash": "not-hex" } }),
        json!({ "persistedQuery": { "version": 2, "sha256Hash": hash } }),
        json!({ "persistedQuery": { "version": 1 } }),
    ] {
        let body = post(json!({ "query": query, "extensions": bad })).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    }
}

#[tokio::test]
async fn mutations_never_run_over_get() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.graphql_url())
        .query(&[(
            "query",
            r#"mutation { register(input: { email: "get@example.com", password: "correct horse battery", displayName: "G" }) { accessToken } }"#,
        )])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    // Nothing was registered.
    assert_eq!(
        error_code(&app.login("get@example.com", "correct horse battery").await),
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn malformed_requests_get_clear_errors_and_status_codes() {
    let app = spawn_app().await;
    let post = |body: &'static str, content_type: &'static str| {
        app.client
            .post(app.graphql_url())
            .header("content-type", content_type)
            .header("accept", "application/graphql-response+json")
            .body(body)
            .send()
    };
    for (body, content_type, status, code) in [
        ("{not json", "application/json", 400, "BAD_USER_INPUT"),
        (
            r#"{"query": 42}"#,
            "application/json",
            400,
            "BAD_USER_INPUT",
        ),
        (
            r#"{"variables": {}}"#,
            "application/json",
            400,
            "BAD_USER_INPUT",
        ),
        (
            r#"{"query": "{ genres { name } }", "variables": "x"}"#,
            "application/json",
            400,
            "BAD_USER_INPUT",
        ),
        (
            r#"{"query": "{ genres { name "}"#,
            "application/json",
            400,
            "BAD_USER_INPUT",
        ),
        (
            r#"{"query": "{ nothingHere }"}"#,
            "application/json",
            400,
            "BAD_USER_INPUT",
        ),
        (
            "query=x",
            "application/x-www-form-urlencoded",
            415,
            "BAD_USER_INPUT",
        ),
        (
            r#"{"query": "{ genres { name } }"}"#,
            "application/json; charset=latin1",
            415,
            "BAD_USER_INPUT",
        ),
    ] {
        let response = post(body, content_type).await.unwrap();
        assert_eq!(response.status(), status, "{body} as {content_type}");
        let json: Value = response.json().await.unwrap();
        assert_eq!(error_code(&json), code, "{body}");
        assert!(
            json.get("data").is_none(),
            "a request error has no data: {json}"
        );
    }
    // A resolver's error is still a 200 with data, for either media type.
    let response = app
        .client
        .post(app.graphql_url())
        .header("accept", "application/graphql-response+json")
        .json(&json!({ "query": "{ artists(first: 500) { totalCount } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert!(body["data"].is_null());
}

#[tokio::test]
async fn errors_never_carry_internal_text() {
    let app = spawn_app().await;
    // Drop a table out from under the server: the failure is INTERNAL, and
    // neither SQL nor the table name reaches the client.
    let db = app.database().await;
    sea_orm::ConnectionTrait::execute_unprepared(&db, "DROP TABLE artist_genres")
        .await
        .unwrap();
    let body = app.genres().await;
    assert_eq!(error_code(&body), "INTERNAL");
    assert_eq!(body["errors"][0]["message"], "internal error");
    let text = body.to_string().to_lowercase();
    for leak in [
        "artist_genres",
        "select",
        "sqlite",
        "postgres",
        "relation",
        "table",
    ] {
        assert!(!text.contains(leak), "leaked {leak}: {body}");
    }
    // The server still answers.
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[tokio::test]
async fn the_graphql_http_audit_passes_every_must() {
    let app = spawn_app().await;
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("http-audit");
    if !dir.join("node_modules").join("graphql-http").exists() {
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--silent"])
            .current_dir(&dir)
            .status()
            .expect("npm is needed for the GraphQL-over-HTTP audit");
        assert!(status.success(), "npm ci failed");
    }
    let url = app.graphql_url();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("audit.mjs")
            .arg(url)
            .current_dir(dir)
            .output()
            .expect("node is needed for the GraphQL-over-HTTP audit")
    })
    .await
    .unwrap();
    let report = String::from_utf8_lossy(&output.stdout);
    let summary = String::from_utf8_lossy(&output.stderr);
    let audits: Vec<Value> = serde_json::from_str(&report).unwrap_or_default();
    let failed: Vec<&Value> = audits.iter().filter(|a| a["status"] == "error").collect();
    assert!(audits.len() > 40, "the audit did not run: {summary}");
    assert!(
        failed.is_empty() && output.status.success(),
        "MUST failures: {failed:#?}\n{summary}"
    );
}

#[tokio::test]
async fn anonymous_uploads_are_refused_before_the_body_is_read() {
    let app = spawn_app().await;
    let form = reqwest::multipart::Form::new()
        .text("operations", json!({ "query": "mutation($file: Upload!) { uploadTrack(file: $file) { id } }", "variables": { "file": null } }).to_string())
        .text("map", json!({ "0": ["variables.file"] }).to_string())
        .part("0", reqwest::multipart::Part::bytes(vec![0u8; 1024]).file_name("x.wav"));
    let response = app
        .client
        .post(app.graphql_url())
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "UNAUTHENTICATED");
}

/// A part of a multipart request: its name, its bytes, and whether it is a
/// file.
type Part<'a> = (&'a str, Vec<u8>, bool);

/// A multipart request built part by part, as a client might get it wrong.
async fn send_parts(app: &TestApp, auth: &Auth, parts: Vec<Part<'_>>) -> (u16, Value) {
    let mut form = reqwest::multipart::Form::new();
    for (name, bytes, is_file) in parts {
        let part = reqwest::multipart::Part::bytes(bytes);
        let part = if is_file {
            part.file_name("song.wav")
        } else {
            part
        };
        form = form.part(name.to_owned(), part);
    }
    let request = app.client.post(app.graphql_url()).multipart(form);
    let response = match auth {
        Auth::Bearer(token) => request.bearer_auth(token),
        _ => request,
    }
    .send()
    .await
    .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn multipart_requests_follow_the_spec_and_its_limits() {
    let app = spawn_app().await;
    let listener = app.customer().await;
    let upload = json!({
        "query": "mutation($file: Upload!) { uploadTrack(file: $file) { id } }",
        "variables": { "file": null }
    })
    .to_string()
    .into_bytes();
    let map = |value: Value| value.to_string().into_bytes();
    let song = crate::audio::wav(500, &[("INAM", "Parts")]);
    let ops = || upload.clone();
    let cases: Vec<(&str, Vec<Part>, u16, &str)> = vec![
        (
            "map before operations",
            vec![
                ("map", map(json!({ "0": ["variables.file"] })), false),
                ("operations", ops(), false),
                ("0", song.clone(), true),
            ],
            400,
            "BAD_USER_INPUT",
        ),
        (
            "a file before the map",
            vec![("operations", ops(), false), ("0", song.clone(), true)],
            400,
            "BAD_USER_INPUT",
        ),
        (
            "operations over the JSON body limit",
            vec![
                ("operations", vec![b' '; 300 * 1024], false),
                ("map", map(json!({ "0": ["variables.file"] })), false),
                ("0", song.clone(), true),
            ],
            413,
            "PAYLOAD_TOO_LARGE",
        ),
        (
            "five files",
            vec![
                ("operations", ops(), false),
                (
                    "map",
                    map(json!({ "0": ["variables.file"], "1": [], "2": [], "3": [], "4": [] })),
                    false,
                ),
                ("0", song.clone(), true),
            ],
            400,
            "BAD_USER_INPUT",
        ),
        (
            "a file the map does not name",
            vec![
                ("operations", ops(), false),
                ("map", map(json!({ "0": ["variables.file"] })), false),
                ("0", song.clone(), true),
                ("1", song.clone(), true),
            ],
            400,
            "BAD_USER_INPUT",
        ),
        (
            "the same file twice",
            vec![
                ("operations", ops(), false),
                ("map", map(json!({ "0": ["variables.file"] })), false),
                ("0", song.clone(), true),
                ("0", song.clone(), true),
            ],
            400,
            "BAD_USER_INPUT",
        ),
        (
            "a mapped file that never comes",
            vec![
                ("operations", ops(), false),
                ("map", map(json!({ "0": ["variables.file"] })), false),
            ],
            400,
            "BAD_USER_INPUT",
        ),
        (
            "a path outside the variables",
            vec![
                ("operations", ops(), false),
                ("map", map(json!({ "0": ["query"] })), false),
                ("0", song.clone(), true),
            ],
            400,
            "BAD_USER_INPUT",
        ),
        (
            "operations that are not JSON",
            vec![
                ("operations", b"{ not json".to_vec(), false),
                ("map", map(json!({ "0": ["variables.file"] })), false),
                ("0", song.clone(), true),
            ],
            400,
            "BAD_USER_INPUT",
        ),
    ];
    for (case, parts, status, code) in cases {
        let (got, body) = send_parts(&app, &listener, parts).await;
        assert_eq!((got, error_code(&body)), (status, code), "{case}: {body}");
    }
    assert!(app.stored_blobs().is_empty(), "{:?}", app.stored_blobs());

    // The same request in the right order lands.
    let (status, body) = send_parts(
        &app,
        &listener,
        vec![
            ("operations", ops(), false),
            ("map", map(json!({ "0": ["variables.file"] })), false),
            ("0", song, true),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(data(&body)["uploadTrack"]["id"].is_string(), "{body}");
}

/// Browsers' multipart boundaries have capitals (`----WebKitFormBoundary…`);
/// the boundary must reach the parser as sent, not lower-cased.
#[tokio::test]
async fn an_upload_with_a_browsers_boundary_is_read() {
    let app = spawn_app().await;
    let listener = app.customer().await;
    let Auth::Bearer(token) = &listener else {
        unreachable!()
    };
    let boundary = "----WebKitFormBoundaryQx7ZbT2mKpW9aLcE";
    let audio =
        std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/audio/tagged.mp3"))
            .unwrap();
    let mut body = Vec::new();
    for (name, value) in [
        (
            "operations",
            r#"{"query":"mutation($file: Upload!) { uploadTrack(file: $file) { title } }","variables":{"file":null}}"#,
        ),
        ("map", r#"{"0":["variables.file"]}"#),
    ] {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"0\"; filename=\"Song.mp3\"\r\nContent-Type: audio/mpeg\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(&audio);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let response = app
        .client
        .post(app.graphql_url())
        .bearer_auth(token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert!(body["errors"].is_null(), "{body}");
    assert!(body["data"]["uploadTrack"]["title"].is_string(), "{body}");
}
