//! Recommendations and the cross-customer statistics behind them: built
//! only from consenting listeners' allowed plays and purchases, shown only
//! where k distinct listeners support them, never offering what the viewer
//! owns, each with its reason.

use serde_json::{json, Value};

use crate::helpers::{
    data, error_code, spawn_app, spawn_empty_app, spawn_replica_with, Auth, TestApp,
};

/// Buys every product of `skus` in one order.
async fn buy(app: &TestApp, auth: &Auth, skus: &[&str]) {
    for sku in skus {
        let product = app.product_id(sku).await;
        data(&app.add_to_cart(auth, &product).await);
    }
    let key = format!("key-{:016x}", rand::random::<u64>());
    let order = app.checkout(auth, &key).await;
    assert_eq!(data(&order)["checkout"]["status"], "FULFILLED", "{order}");
}

/// The SKUs of a list of products at `path` in `body`.
fn skus(body: &Value, path: &[&str]) -> Vec<String> {
    let mut value = data(body);
    for key in path {
        value = &value[*key];
    }
    value
        .as_array()
        .unwrap_or_else(|| panic!("no list at {path:?} in {body}"))
        .iter()
        .map(|p| p["sku"].as_str().unwrap().to_owned())
        .collect()
}

/// The SKUs of `product.alsoBought` as `auth` sees them.
async fn also(app: &TestApp, auth: &Auth, product: &Value) -> Vec<String> {
    skus(
        &app.also_bought(auth, product).await,
        &["product", "alsoBought"],
    )
}

fn recommended(body: &Value) -> Vec<Value> {
    data(body)["viewer"]["recommendations"]
        .as_array()
        .unwrap_or_else(|| panic!("no recommendations in {body}"))
        .clone()
}

fn recommended_skus(body: &Value) -> Vec<String> {
    recommended(body)
        .iter()
        .map(|r| r["product"]["sku"].as_str().unwrap().to_owned())
        .collect()
}

/// A recommendation of `sku` that rests on anything personal.
fn personal_link_to(body: &Value, sku: &str) -> Option<Value> {
    recommended(body).into_iter().find(|r| {
        r["product"]["sku"] == sku
            && (r["reason"] != "Popular in the store" || r["because"] != json!([]))
    })
}

#[tokio::test]
async fn one_listeners_unusual_pair_never_shows_in_any_statistic_or_recommendation() {
    let app = spawn_app().await;
    app.recs_feed().await;
    // Five listeners share a taste (Alpha and Beta); one has an unusual
    // pair (Alpha and Epsilon), bought and played.
    let mut listeners = Vec::new();
    for _ in 0..5 {
        let listener = app.customer().await;
        buy(&app, &listener, &["RC-A", "RC-B"]).await;
        listeners.push(listener);
    }
    let outlier = app.customer().await;
    buy(&app, &outlier, &["RC-A-T", "RC-E-T"]).await;
    for track in ["tr-rc-a", "tr-rc-e"] {
        let id = app.track_id(track).await;
        assert_eq!(
            data(&app.record_play(&outlier, &id, 900, None).await)["recordPlay"],
            true
        );
    }
    let probe = app.customer().await;
    buy(&app, &probe, &["RC-A"]).await;
    let alpha = app.product_id("RC-A").await;
    let alpha_track = app.track_id("tr-rc-a").await;
    let ada = app.artist_id("ar-rc-a").await;
    let epsilon = ["RC-E".to_owned(), "RC-E-T".to_owned()];

    // Without the rules (k = 1, read by a replica configured so), the pair
    // would show: the population does hold it.
    let unguarded = spawn_replica_with(&app, |s| s.recommendations.k_anonymity = 1).await;
    let report = app.recompute_recommendations_with(1).await;
    assert!(report.product_rows > 0, "{report:?}");
    let shown = skus(
        &unguarded.also_bought(&probe, &alpha).await,
        &["product", "alsoBought"],
    );
    assert!(shown.contains(&"RC-E".to_owned()), "{shown:?}");

    // With k = 5, it is in no statistic, whoever reads them.
    app.recompute_recommendations().await;
    for server in [&app, &unguarded] {
        let also = skus(
            &server.also_bought(&probe, &alpha).await,
            &["product", "alsoBought"],
        );
        assert_eq!(also, ["RC-B"], "the pair five listeners share shows");
        let after_track = skus(
            &server.recommended_products(&probe, &alpha_track).await,
            &["track", "recommendedProducts"],
        );
        assert!(after_track.contains(&"RC-B".to_owned()), "{after_track:?}");
        assert!(!after_track.iter().any(|s| epsilon.contains(s)));
    }
    let similar = app.similar_artists(&ada).await;
    let names: Vec<&str> = data(&similar)["artist"]["similarArtists"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.first(), Some(&"Bo Trio"), "{names:?}");
    assert!(!names.contains(&"Eli Solo"), "{names:?}");
    // Nobody's recommendations link anything to Epsilon but as a
    // best-seller: not the probe's, the sharers', or the outlier's own.
    for viewer in listeners.iter().chain([&probe, &outlier]) {
        let body = app.recommendations(viewer, Some(20)).await;
        for sku in &epsilon {
            assert_eq!(personal_link_to(&body, sku), None, "{body}");
        }
    }

    // With the outlier's contributeToAggregates off, the pair is not even
    // computed: not at k = 1 either.
    let off = json!({ "contributeToAggregates": false });
    data(&app.update_privacy_settings(&outlier, off).await);
    app.recompute_recommendations_with(1).await;
    let also = skus(
        &unguarded.also_bought(&probe, &alpha).await,
        &["product", "alsoBought"],
    );
    assert_eq!(also, ["RC-B"]);
}

#[tokio::test]
async fn only_listeners_who_consent_now_feed_the_statistics() {
    let app = spawn_app().await;
    app.recs_feed().await;
    let mut listeners = Vec::new();
    for _ in 0..5 {
        let listener = app.customer().await;
        buy(&app, &listener, &["RC-C", "RC-D"]).await;
        listeners.push(listener);
    }
    let probe = app.customer().await;
    let gamma = app.product_id("RC-C").await;
    app.recompute_recommendations().await;
    assert_eq!(also(&app, &probe, &gamma).await, ["RC-D"]);

    let off = json!({ "contributeToAggregates": false });
    data(&app.update_privacy_settings(&listeners[0], off).await);
    app.recompute_recommendations().await;
    assert_eq!(
        also(&app, &probe, &gamma).await,
        Vec::<String>::new(),
        "four are fewer than k"
    );

    let on = json!({ "contributeToAggregates": true });
    data(&app.update_privacy_settings(&listeners[0], on).await);
    app.recompute_recommendations().await;
    assert_eq!(also(&app, &probe, &gamma).await, ["RC-D"]);

    // A refunded purchase is no longer one.
    let orders = app.orders(&listeners[1]).await;
    let order = data(&orders)["viewer"]["orders"]["nodes"][0]["id"].clone();
    let admin = app.admin().await;
    data(&app.refund_order(&admin, &order).await);
    app.recompute_recommendations().await;
    assert_eq!(also(&app, &probe, &gamma).await, Vec::<String>::new());
}

/// Five listeners with Gamma Song and Delta Song in their lockers
/// (uploads matched to the catalogue), their locker item ids in that order.
async fn listeners_with_uploads(app: &TestApp) -> Vec<(Auth, Value, Value)> {
    let mut listeners = Vec::new();
    for _ in 0..5 {
        let listener = app.customer().await;
        let mut items = Vec::new();
        for (title, artist) in [("Gamma Song", "Cyd Band"), ("Delta Song", "Dee Duo")] {
            let tags = [("INAM", title), ("IART", artist)];
            let body = app
                .upload(
                    &listener,
                    "song.wav",
                    crate::audio::wav_at(1000, 1000, &tags),
                )
                .await;
            let item = data(&body)["uploadTrack"].clone();
            assert_eq!(item["catalogueTrack"]["title"], title, "{body}");
            items.push(item["id"].clone());
        }
        let delta = items.pop().unwrap();
        let gamma = items.pop().unwrap();
        listeners.push((listener, gamma, delta));
    }
    listeners
}

#[tokio::test]
async fn plays_feed_the_statistics_only_as_the_listener_allows() {
    let app = spawn_app().await;
    app.recs_feed().await;
    let listeners = listeners_with_uploads(&app).await;
    let probe = app.customer().await;
    let gamma = app.product_id("RC-C").await;
    let gamma_track = app.track_id("tr-rc-c").await;
    let play = |auth: &Auth, item: &Value, context: Option<String>| {
        let (auth, item) = (auth.clone(), item.clone());
        let app = &app;
        async move {
            let body = app.record_play(&auth, &item, 900, context.as_deref()).await;
            assert_eq!(data(&body)["recordPlay"], true, "{body}");
        }
    };
    // Four play both; the fifth plays Delta Song from an item excluded
    // from their taste profile.
    let (last, last_gamma, last_delta) = &listeners[4];
    for (listener, gamma_item, delta_item) in &listeners[..4] {
        play(listener, gamma_item, None).await;
        play(listener, delta_item, None).await;
    }
    let excluded = json!({ "excludeFromTasteProfile": true });
    data(&app.update_locker_item(last, last_delta, excluded).await);
    play(last, last_gamma, None).await;
    play(last, last_delta, None).await;
    app.recompute_recommendations().await;
    assert_eq!(
        also(&app, &probe, &gamma).await,
        Vec::<String>::new(),
        "an excluded item's play"
    );

    // From a playlist excluded from the taste profile: still not.
    let included = json!({ "excludeFromTasteProfile": false });
    data(&app.update_locker_item(last, last_delta, included).await);
    let playlist = app.create_playlist(last, "Not me", [last_delta]).await;
    let playlist = data(&playlist)["createPlaylist"]["id"].clone();
    let hide = json!({ "excludeFromTasteProfile": true });
    data(&app.update_playlist(last, &playlist, hide).await);
    let context = playlist.as_str().unwrap().to_owned();
    play(last, last_delta, Some(context)).await;
    app.recompute_recommendations().await;
    assert_eq!(
        also(&app, &probe, &gamma).await,
        Vec::<String>::new(),
        "an excluded playlist's play"
    );

    // A play that counts makes five.
    play(last, last_delta, None).await;
    app.recompute_recommendations().await;
    assert_eq!(also(&app, &probe, &gamma).await, ["RC-D"]);
    let after_track = skus(
        &app.recommended_products(&probe, &gamma_track).await,
        &["track", "recommendedProducts"],
    );
    assert_eq!(after_track, ["RC-D"]);

    // A cleared history leaves the statistics at the next recompute.
    data(&app.clear_listening_history(last).await);
    assert_eq!(
        also(&app, &probe, &gamma).await,
        ["RC-D"],
        "until the next recompute"
    );
    app.recompute_recommendations().await;
    assert_eq!(also(&app, &probe, &gamma).await, Vec::<String>::new());
}

#[tokio::test]
async fn recommendations_give_their_reason_and_never_what_the_viewer_owns() {
    let app = spawn_app().await;
    app.recs_feed().await;
    for _ in 0..5 {
        let listener = app.customer().await;
        buy(&app, &listener, &["RC-C", "RC-D", "RC-E"]).await;
    }
    app.recompute_recommendations().await;
    let viewer = app.customer().await;
    buy(&app, &viewer, &["RC-C"]).await;

    let body = app.recommendations(&viewer, Some(5)).await;
    let first = &recommended(&body)[0];
    assert!(
        ["RC-D", "RC-E"].contains(&first["product"]["sku"].as_str().unwrap()),
        "{body}"
    );
    assert_eq!(first["reason"], "Because you bought Gamma by Cyd Band");
    assert_eq!(
        first["because"],
        json!([{ "__typename": "Track", "id": app.track_id("tr-rc-c").await, "title": "Gamma Song" }])
    );
    assert!(first["score"].as_f64().unwrap() > 0.0);
    let skus = recommended_skus(&body);
    assert!(skus.contains(&"RC-D".to_owned()) && skus.contains(&"RC-E".to_owned()));
    assert!(!skus.iter().any(|s| s.starts_with("RC-C")), "{skus:?}");

    // Once bought, it is never offered again, nor its track product (the
    // album bought, its every track is owned).
    buy(&app, &viewer, &["RC-D"]).await;
    let skus = recommended_skus(&app.recommendations(&viewer, Some(20)).await);
    assert!(
        !skus
            .iter()
            .any(|s| s.starts_with("RC-C") || s.starts_with("RC-D")),
        "{skus:?}"
    );
    assert_eq!(skus[0], "RC-E");

    // A listener who played Gamma Song (a track they own) is told so.
    let player = app.customer().await;
    buy(&app, &player, &["RC-C-T"]).await;
    let track = app.track_id("tr-rc-c").await;
    data(&app.record_play(&player, &track, 900, None).await);
    let body = app.recommendations(&player, Some(3)).await;
    let first = &recommended(&body)[0];
    assert_eq!(
        first["reason"], "Because you played Gamma by Cyd Band",
        "{body}"
    );
    assert_eq!(first["because"][0]["id"], track);
}

#[tokio::test]
async fn with_personalized_recommendations_off_only_best_sellers_are_offered() {
    let app = spawn_app().await;
    app.recs_feed().await;
    for _ in 0..5 {
        let listener = app.customer().await;
        buy(&app, &listener, &["RC-C", "RC-D"]).await;
    }
    app.recompute_recommendations().await;
    let viewer = app.customer().await;
    buy(&app, &viewer, &["RC-A"]).await;
    let personal = app.recommendations(&viewer, Some(10)).await;
    assert!(recommended(&personal)
        .iter()
        .any(|r| r["reason"] != "Popular in the store"));

    let off = json!({ "personalizedRecommendations": false });
    data(&app.update_privacy_settings(&viewer, off).await);
    let body = app.recommendations(&viewer, Some(10)).await;
    let picks = recommended(&body);
    assert_eq!(picks.len(), 10, "{body}");
    for pick in &picks {
        assert_eq!(pick["reason"], "Popular in the store", "{body}");
        assert_eq!(pick["because"], json!([]));
    }
    // The best-sellers, less what the viewer owns: as anyone sees them.
    let popular = app.popular_products(12).await;
    let expected: Vec<String> = data(&popular)["popularProducts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["sku"].as_str().unwrap().to_owned())
        .filter(|sku| sku != "RC-A" && sku != "RC-A-T")
        .take(10)
        .collect();
    assert_eq!(recommended_skus(&body), expected);
}

#[tokio::test]
async fn a_new_listener_gets_picks_by_artist_and_genre_and_no_history_gets_best_sellers() {
    let app = spawn_app().await;
    app.recs_feed().await;
    let viewer = app.customer().await;

    // No history: best-sellers.
    let body = app.recommendations(&viewer, None).await;
    let picks = recommended(&body);
    assert_eq!(picks.len(), 10, "{body}");
    assert!(picks.iter().all(|r| r["reason"] == "Popular in the store"));

    // One purchase, no statistics yet: the artist's other album, then the
    // genre's, each saying why.
    buy(&app, &viewer, &["RC-A"]).await;
    let body = app.recommendations(&viewer, Some(10)).await;
    let picks = recommended(&body);
    assert_eq!(picks[0]["product"]["sku"], "RC-A2", "{body}");
    assert_eq!(
        picks[0]["reason"],
        "More by Ada Quartet, whose Alpha you bought"
    );
    let beta = picks
        .iter()
        .find(|r| r["product"]["sku"] == "RC-B")
        .unwrap_or_else(|| panic!("no pick of the same genre in {body}"));
    assert_eq!(
        beta["reason"],
        "Bebop, like Alpha by Ada Quartet that you bought"
    );
    assert!(picks[0]["score"].as_f64() > beta["score"].as_f64());
}

/// A catalogue of `albums` albums of one Zydeco artist, one track each,
/// each sold whole as `OWN-n`.
fn many_albums_feed(albums: usize) -> String {
    let mut feed =
        String::from(r#"{"type":"artist","id":"ar-own","name":"Owner Band","genres":["Zydeco"]}"#);
    for n in 0..albums {
        feed.push_str(&format!(
            "\n{{\"type\":\"album\",\"id\":\"al-own-{n}\",\"artist\":\"ar-own\",\"title\":\"Owned {n}\",\"year\":2020,\"genre\":\"Zydeco\"}}\
             \n{{\"type\":\"track\",\"id\":\"tr-own-{n}\",\"album\":\"al-own-{n}\",\"title\":\"Owned Song {n}\",\"trackNumber\":1,\"discNumber\":1,\"durationMs\":1000}}\
             \n{{\"type\":\"product\",\"sku\":\"OWN-{n}\",\"kind\":\"ALBUM\",\"ref\":\"al-own-{n}\",\"priceMinor\":500,\"currency\":\"USD\",\"audioFormat\":\"FLAC\"}}"
        ));
    }
    feed
}

#[tokio::test]
async fn a_listener_who_owns_most_of_the_store_still_gets_as_many_as_asked() {
    // 60 albums, 55 of them bought: they are the best-sellers, so every
    // candidate the first pages offer is owned. The 5 left must still come.
    let app = spawn_empty_app(false).await;
    let admin = app.admin().await;
    let body = app.import_feed(&admin, many_albums_feed(60)).await;
    assert_eq!(
        data(&body)["importCatalogue"]["rejected"],
        json!([]),
        "{body}"
    );
    let viewer = app.customer().await;
    let owned: Vec<String> = (0..55).map(|n| format!("OWN-{n}")).collect();
    buy(
        &app,
        &viewer,
        &owned.iter().map(String::as_str).collect::<Vec<_>>(),
    )
    .await;

    for personalized in [true, false] {
        let settings = json!({ "personalizedRecommendations": personalized });
        data(&app.update_privacy_settings(&viewer, settings).await);
        for first in [2, 5] {
            let body = app.recommendations(&viewer, Some(first)).await;
            let skus = recommended_skus(&body);
            assert_eq!(skus.len(), first as usize, "{body}");
            assert!(skus.iter().all(|s| !owned.contains(s)), "{body}");
        }
        // More than the store has left: what is left, once each.
        let mut skus = recommended_skus(&app.recommendations(&viewer, Some(10)).await);
        skus.sort();
        assert_eq!(skus, ["OWN-55", "OWN-56", "OWN-57", "OWN-58", "OWN-59"]);
    }
}

#[tokio::test]
async fn recommendations_refuse_bad_input_and_belong_to_signed_in_viewers() {
    let app = spawn_app().await;
    let viewer = app.customer().await;
    for first in [-1, 101] {
        let body = app.recommendations(&viewer, Some(first)).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    }
    let body = app.recommendations(&Auth::Anonymous, Some(5)).await;
    assert_eq!(data(&body)["viewer"], Value::Null);
}
