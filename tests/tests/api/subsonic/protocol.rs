//! The protocol: the envelope, formats, form POSTs, who may call and how,
//! and the specification's error codes for every way to get it wrong.

use md5::{Digest, Md5};
use serde_json::{json, Value};

use super::{listener, player_key, Player};
use crate::helpers::{data, error_code, spawn_app, spawn_app_with, Auth, TestApp, PASSWORD};

async fn email_of(app: &TestApp, auth: &Auth) -> String {
    let body = app.viewer(auth).await;
    data(&body)["viewer"]["user"]["email"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A method with exactly `params`, no key added: the JSON envelope.
async fn bare(app: &TestApp, method: &str, params: &[(&str, &str)]) -> Value {
    let response = app
        .client
        .get(format!("{}/rest/{method}", app.address))
        .query(params)
        .send()
        .await
        .unwrap();
    // Failures are HTTP 200 too, as the specification answers them.
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    body["subsonic-response"].clone()
}

fn token(secret: &str, salt: &str) -> String {
    hex(&Md5::digest(format!("{secret}{salt}").as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn the_envelope_names_the_server_and_extensions_need_no_credentials() {
    let app = spawn_app().await;
    let answer = bare(&app, "getOpenSubsonicExtensions", &[("f", "json")]).await;
    assert_eq!(answer["status"], "ok");
    assert_eq!(answer["version"], "1.16.1");
    assert_eq!(answer["type"], "cadenza");
    assert_eq!(answer["openSubsonic"], true);
    assert!(answer["serverVersion"]
        .as_str()
        .is_some_and(|v| !v.is_empty()));
    let mut names: Vec<&str> = answer["openSubsonicExtensions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|extension| {
            assert_eq!(extension["versions"], json!([1]), "{extension}");
            extension["name"].as_str().unwrap()
        })
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        vec![
            "apiKeyAuthentication",
            "formPost",
            "indexBasedQueue",
            "songLyrics"
        ]
    );

    // Every other method needs someone.
    let answer = bare(&app, "ping", &[("f", "json")]).await;
    assert_eq!(answer["status"], "failed");
    assert_eq!(answer["error"]["code"], 10, "{answer}");

    // XML is the default, with the same envelope.
    let (_, player) = listener(&app).await;
    let xml = app
        .client
        .get(format!("{}/rest/ping.view", app.address))
        .query(&[("apiKey", player.key.as_str()), ("v", "1.13.0"), ("c", "t")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        xml.contains(r#"<subsonic-response xmlns="http://subsonic.org/restapi" status="ok" version="1.16.1" type="cadenza""#),
        "{xml}"
    );
    for method in [
        "ping",
        "getLicense",
        "getMusicFolders",
        "getScanStatus",
        "tokenInfo",
    ] {
        player.ok(method, &[]).await;
    }
    assert_eq!(player.ok("getLicense", &[]).await["license"]["valid"], true);
}

#[tokio::test]
async fn a_player_key_signs_in_as_api_key_token_or_password() {
    let app = spawn_app().await;
    let auth = app.customer().await;
    let email = email_of(&app, &auth).await;
    let (_, key) = player_key(&app, &auth, "Car").await;

    // apiKey (the apiKeyAuthentication extension), and tokenInfo.
    let answer = bare(&app, "tokenInfo", &[("apiKey", &key), ("f", "json")]).await;
    assert_eq!(answer["tokenInfo"]["username"], email.as_str(), "{answer}");

    // u + t + s: md5 of the key and the salt, the email in any case.
    let salt = "c19b2d";
    let shouted = email.to_uppercase();
    for user in [email.as_str(), shouted.as_str()] {
        let answer = bare(
            &app,
            "ping.view",
            &[
                ("u", user),
                ("t", &token(&key, salt)),
                ("s", salt),
                ("f", "json"),
            ],
        )
        .await;
        assert_eq!(answer["status"], "ok", "{answer}");
    }
    let wrong = bare(
        &app,
        "ping",
        &[
            ("u", &email),
            ("t", &token("guess", salt)),
            ("s", salt),
            ("f", "json"),
        ],
    )
    .await;
    assert_eq!(wrong["error"]["code"], 40, "{wrong}");
    // The account password is never a token's secret: it is not readable.
    let not_password = bare(
        &app,
        "ping",
        &[
            ("u", &email),
            ("t", &token(PASSWORD, salt)),
            ("s", salt),
            ("f", "json"),
        ],
    )
    .await;
    assert_eq!(not_password["error"]["code"], 40);

    // u + p: the key, or the account password, in clear or enc: hex.
    let encoded = format!("enc:{}", hex(PASSWORD.as_bytes()));
    for password in [key.as_str(), PASSWORD, encoded.as_str()] {
        let answer = bare(
            &app,
            "ping",
            &[("u", &email), ("p", password), ("f", "json")],
        )
        .await;
        assert_eq!(answer["status"], "ok", "{password}: {answer}");
    }
    let answer = bare(
        &app,
        "ping",
        &[("u", &email), ("p", "wrong password"), ("f", "json")],
    )
    .await;
    assert_eq!(answer["error"]["code"], 40);
    // With the password there is no key to describe.
    let answer = bare(
        &app,
        "tokenInfo",
        &[("u", &email), ("p", PASSWORD), ("f", "json")],
    )
    .await;
    assert_eq!(answer["error"]["code"], 44);

    // Another listener's email with this key is no one.
    let other = app.customer().await;
    let other_email = email_of(&app, &other).await;
    let answer = bare(
        &app,
        "ping",
        &[("u", &other_email), ("p", &key), ("f", "json")],
    )
    .await;
    assert_eq!(answer["error"]["code"], 40);
}

#[tokio::test]
async fn conflicting_missing_or_wrong_credentials_have_their_codes() {
    let app = spawn_app().await;
    let (auth, player) = listener(&app).await;
    let email = email_of(&app, &auth).await;
    let key = player.key.as_str();
    let cases: [(&[(&str, &str)], i64); 7] = [
        (&[("apiKey", key), ("u", &email)], 43),
        (&[("apiKey", key), ("p", PASSWORD)], 43),
        (
            &[("u", &email), ("p", PASSWORD), ("t", "00"), ("s", "salt")],
            43,
        ),
        (&[("u", &email)], 10),
        (&[("u", &email), ("t", "00")], 10),
        (&[("apiKey", "cdzp_not-a-key")], 44),
        (&[("apiKey", "anything")], 44),
    ];
    for (params, code) in cases {
        let mut params = params.to_vec();
        params.push(("f", "json"));
        let answer = bare(&app, "ping", &params).await;
        assert_eq!(answer["status"], "failed", "{params:?}");
        assert_eq!(answer["error"]["code"], code, "{params:?}: {answer}");
    }
    let answer = bare(
        &app,
        "ping",
        &[("u", &email), ("p", "enc:zz"), ("f", "json")],
    )
    .await;
    assert_eq!(answer["error"]["code"], 0, "{answer}");

    // Known parameters that are missing or malformed, and unknown methods.
    assert_eq!(player.fails("getSong", &[]).await, 10);
    assert_eq!(player.fails("getSong", &[("id", "not an id")]).await, 70);
    assert_eq!(
        player
            .fails("getCoverArt", &[("id", "x"), ("size", "big")])
            .await,
        0
    );
    assert_eq!(
        player
            .fails("getUser", &[("username", "someone@example.com")])
            .await,
        50
    );
    assert_eq!(
        player.ok("getUser", &[("username", &email)]).await["user"]["username"],
        email.as_str()
    );
    assert_eq!(player.fails("getPodcasts", &[]).await, 0);
    assert_eq!(
        player.fails("getAlbumList2", &[("type", "loudest")]).await,
        0
    );
}

#[tokio::test]
async fn a_form_post_carries_everything_a_get_does() {
    let app = spawn_app().await;
    let (auth, player) = listener(&app).await;
    let email = email_of(&app, &auth).await;
    let answer = player.post("getUser.view", &[("username", &email)]).await;
    assert_eq!(answer["status"], "ok", "{answer}");
    assert_eq!(answer["user"]["username"], email.as_str());
    // Credentials in the body only.
    let answer: Value = app
        .client
        .post(format!("{}/rest/ping", app.address))
        .form(&[
            ("u", email.as_str()),
            ("p", PASSWORD),
            ("f", "json"),
            ("c", "t"),
            ("v", "1.16.1"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["subsonic-response"]["status"], "ok", "{answer}");
}

#[tokio::test]
async fn a_revoked_key_or_an_erased_account_stops_at_the_next_request() {
    let app = spawn_app().await;
    let auth = app.customer().await;
    let (id, key) = player_key(&app, &auth, "Tablet").await;
    let (_, other_key) = player_key(&app, &auth, "Phone").await;
    let keys = app
        .gql_as(
            &auth,
            "{ viewer { playerKeys { id name lastUsedAt } } }",
            json!({}),
        )
        .await;
    let names: Vec<&str> = data(&keys)["viewer"]["playerKeys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|key| key["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["Phone", "Tablet"], "newest first");

    let player = Player {
        app: &app,
        key: key.clone(),
    };
    player.ok("ping", &[]).await;
    let revoked = app
        .gql_as(
            &auth,
            "mutation($id: ID!) { revokePlayerKey(id: $id) }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(data(&revoked)["revokePlayerKey"], true);
    assert_eq!(player.fails("ping", &[]).await, 44);
    // Another listener cannot revoke a key of this one.
    let stranger = app.customer().await;
    let (other_id, _) = player_key(&app, &auth, "Watch").await;
    let refused = app
        .gql_as(
            &stranger,
            "mutation($id: ID!) { revokePlayerKey(id: $id) }",
            json!({ "id": other_id }),
        )
        .await;
    assert_eq!(error_code(&refused), "NOT_FOUND");

    let still = Player {
        app: &app,
        key: other_key,
    };
    still.ok("ping", &[]).await;
    let deleted = app.delete_account(&auth, PASSWORD).await;
    assert!(deleted.get("errors").is_none(), "{deleted}");
    assert_eq!(still.fails("ping", &[]).await, 44);
}

#[tokio::test]
async fn a_player_key_opens_nothing_in_graphql() {
    let app = spawn_app().await;
    let (_, player) = listener(&app).await;
    for auth in [
        Auth::Bearer(player.key.clone()),
        Auth::ApiKey(player.key.clone()),
    ] {
        // Anonymous: no viewer, and nothing that needs someone.
        let body = app
            .gql_as(&auth, "{ viewer { user { email } } }", json!({}))
            .await;
        assert_eq!(data(&body)["viewer"], Value::Null, "{body}");
        let body = app
            .gql_as(
                &auth,
                "mutation { createPlayerKey(name: \"more\") { secret } }",
                json!({}),
            )
            .await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
    }
}

#[tokio::test]
async fn wrong_passwords_are_counted_like_sign_ins() {
    let app = spawn_app_with(|settings| settings.rate_limits.logins_per_15_minutes = 3).await;
    let auth = app.customer().await;
    let email = email_of(&app, &auth).await;
    let other = email_of(&app, &app.customer().await).await;
    let (_, key) = player_key(&app, &auth, "Phone").await;
    for _ in 0..3 {
        let answer = bare(
            &app,
            "ping",
            &[("u", &email), ("p", "wrong guess"), ("f", "json")],
        )
        .await;
        assert_eq!(answer["error"]["code"], 40, "{answer}");
    }
    let limited = bare(
        &app,
        "ping",
        &[("u", &email), ("p", "wrong guess"), ("f", "json")],
    )
    .await;
    assert_eq!(limited["error"]["code"], 0, "{limited}");
    assert!(
        limited["error"]["message"]
            .as_str()
            .unwrap()
            .contains("try again"),
        "{limited}"
    );
    // Past the limit the address has no password checked, the right one
    // included (so guessing on cannot find it), another account's too.
    for account in [&email, &other] {
        let refused = bare(
            &app,
            "ping",
            &[("u", account), ("p", PASSWORD), ("f", "json")],
        )
        .await;
        assert_eq!(refused["error"]["code"], 0, "{refused}");
    }
    // A player key is not a guessable word: it still signs in, as `apiKey`
    // or as the password.
    let keyed = bare(&app, "ping", &[("apiKey", &key), ("f", "json")]).await;
    assert_eq!(keyed["status"], "ok", "{keyed}");
    let as_password = bare(&app, "ping", &[("u", &email), ("p", &key), ("f", "json")]).await;
    assert_eq!(as_password["status"], "ok", "{as_password}");
}

#[tokio::test]
async fn making_keys_checks_names_and_needs_a_listener() {
    let app = spawn_app().await;
    let anonymous = app
        .gql(
            "mutation { createPlayerKey(name: \"Phone\") { secret } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
    let auth = app.customer().await;
    let blank = app
        .gql_as(
            &auth,
            "mutation { createPlayerKey(name: \"  \") { secret } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&blank), "BAD_USER_INPUT");
    let (_, secret) = player_key(&app, &auth, "Phone").await;
    assert!(
        secret.starts_with("cdzp_") && secret.len() >= 32,
        "{secret}"
    );
    // The secret is shown once: the list never carries it.
    let keys = app
        .gql_as(
            &auth,
            "{ viewer { playerKeys { id name createdAt } } }",
            json!({}),
        )
        .await;
    assert!(!keys.to_string().contains(&secret));
}

/// Changes are asked once in the other tests (in JSON); here each answers
/// in XML, and a new playlist's XML carries what `getPlaylist` then gives
/// in JSON.
#[tokio::test]
async fn every_change_answers_in_xml_too() {
    let app = spawn_app().await;
    let (auth, player) = listener(&app).await;
    let lib = super::library::library(&app, auth).await;
    let song = lib.songs[0].0.as_str();
    let ok = r#"status="ok""#;
    let created = player
        .xml("createPlaylist", &[("name", "In XML"), ("songId", song)])
        .await;
    assert!(created.contains(ok), "{created}");
    let start = created.find(r#"id=""#).unwrap() + 4;
    let id = &created[start..start + created[start..].find('"').unwrap()];
    let from_json = player.ok("getPlaylist", &[("id", id)]).await;
    let mut envelope = json!({ "subsonic-response": from_json });
    envelope["subsonic-response"]["status"] = json!("ok");
    assert_eq!(
        super::canon_xml(&created),
        super::canon_json("subsonic-response", &envelope["subsonic-response"]),
        "{created}"
    );
    for (method, params) in [
        (
            "updatePlaylist",
            vec![("playlistId", id), ("name", "Renamed in XML")],
        ),
        ("scrobble", vec![("id", song)]),
        ("star", vec![("id", song)]),
        ("setRating", vec![("id", song), ("rating", "2")]),
        ("unstar", vec![("id", song)]),
        ("savePlayQueue", vec![("id", song), ("current", song)]),
        (
            "savePlayQueueByIndex",
            vec![("id", song), ("currentIndex", "0")],
        ),
        ("deletePlaylist", vec![("id", id)]),
    ] {
        let answer = player.xml(method, &params).await;
        assert!(answer.contains(ok), "{method}: {answer}");
    }
    let failed = player.xml("deletePlaylist", &[("id", id)]).await;
    assert!(
        failed.contains(r#"status="failed""#) && failed.contains(r#"<error code="70""#),
        "{failed}"
    );
}
