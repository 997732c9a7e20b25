use sea_orm::ConnectionTrait;
use serde_json::{json, Value};

use crate::helpers::*;

/// Every artist, walking the connection page by page.
async fn all_artists(app: &TestApp, genre: Option<&str>) -> Vec<Value> {
    let mut artists = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let body = app.artists(Some(15), after.as_deref(), genre).await;
        let connection = &data(&body)["artists"];
        artists.extend(connection["nodes"].as_array().unwrap().iter().cloned());
        if !connection["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            assert_eq!(
                connection["totalCount"].as_u64().unwrap() as usize,
                artists.len()
            );
            return artists;
        }
        after = connection["pageInfo"]["endCursor"]
            .as_str()
            .map(str::to_owned);
    }
}

async fn artist_named(app: &TestApp, name: &str) -> Value {
    all_artists(app, None)
        .await
        .into_iter()
        .find(|artist| artist["name"] == name)
        .unwrap_or_else(|| panic!("no artist {name}"))
}

async fn first_album_of(app: &TestApp, artist_id: &Value) -> Value {
    let body = app.artist_page(artist_id).await;
    data(&body)["artist"]["albums"]["nodes"][0].clone()
}

#[tokio::test]
async fn the_demo_catalogue_is_seeded_and_deterministic() {
    let app = spawn_app().await;
    let artists = all_artists(&app, None).await;
    assert!(artists.len() >= 40, "{} artists", artists.len());
    let mut names: Vec<&str> = artists
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    let sorted = {
        let mut sorted = names.clone();
        sorted.sort();
        sorted
    };
    assert_eq!(names, sorted, "artists come by name");
    names.dedup();

    let albums = app.albums(Some(1), None).await;
    assert!(data(&albums)["albums"]["totalCount"].as_i64().unwrap() >= 120);
    let body = app.genres().await;
    let genres = data(&body)["genres"].as_array().unwrap();
    assert!(genres.len() >= 8);
    for genre in genres {
        let name = genre["name"].as_str().unwrap();
        let in_genre = all_artists(&app, Some(name)).await;
        assert_eq!(
            in_genre.len() as i64,
            genre["artistCount"].as_i64().unwrap(),
            "{name}"
        );
        assert!(in_genre
            .iter()
            .all(|a| a["genres"].as_array().unwrap().iter().any(|g| g == name)));
        let albums = app.albums(None, Some(name)).await;
        assert_eq!(
            data(&albums)["albums"]["totalCount"],
            genre["albumCount"],
            "{name}"
        );
    }

    // Every album has tracks and products, priced in USD.
    let mut tracks = 0;
    let mut after: Option<String> = None;
    loop {
        let body = app
            .gql(
                "query($after: String) { albums(first: 50, after: $after) {
                    pageInfo { hasNextPage endCursor }
                    nodes { product { price { currency } } tracks { product { price { currency } } } } } }",
                json!({ "after": after }),
            )
            .await;
        let connection = &data(&body)["albums"];
        for album in connection["nodes"].as_array().unwrap() {
            assert_eq!(album["product"]["price"]["currency"], "USD");
            for track in album["tracks"].as_array().unwrap() {
                assert_eq!(track["product"]["price"]["currency"], "USD");
                tracks += 1;
            }
        }
        if !connection["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = connection["pageInfo"]["endCursor"]
            .as_str()
            .map(str::to_owned);
    }
    assert!(tracks >= 1200, "{tracks} tracks");

    // Two fresh databases get the same catalogue, ids included.
    let other = spawn_empty_app(true).await;
    let again = all_artists(&other, None).await;
    assert_eq!(artists, again);
}

#[tokio::test]
async fn no_demo_when_seeding_is_off() {
    let app = spawn_empty_app(false).await;
    let counts = app.catalogue_counts().await;
    assert_eq!(data(&counts)["artists"]["totalCount"], 0);
    let body = app.genres().await;
    assert_eq!(data(&body)["genres"], json!([]));
}

#[tokio::test]
async fn an_album_page_has_its_artist_tracks_and_prices() {
    let app = spawn_app().await;
    let usher = artist_named(&app, "Usher").await;
    assert_eq!(usher["genres"], json!(["Pop", "R&B"]));
    let album = first_album_of(&app, &usher["id"]).await;
    let body = app.album_page(&album["id"]).await;
    let album = &data(&body)["album"];
    assert_eq!(album["title"], "Confessions");
    assert_eq!(album["releaseYear"], 2004);
    assert_eq!(album["genre"], "R&B");
    assert_eq!(album["artist"]["name"], "Usher");
    assert_eq!(album["product"]["kind"], "ALBUM");
    assert_eq!(album["product"]["price"]["currency"], "USD");
    let tracks = album["tracks"].as_array().unwrap();
    assert_eq!(tracks.len(), 10);
    assert_eq!(tracks[1]["title"], "Yeah!");
    let numbers: Vec<i64> = tracks
        .iter()
        .map(|t| t["trackNumber"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, (1..=10).collect::<Vec<_>>());
    let total: i64 = tracks
        .iter()
        .map(|t| t["durationMs"].as_i64().unwrap())
        .sum();
    assert_eq!(album["durationMs"].as_i64().unwrap(), total);
    for track in tracks {
        assert_eq!(track["artist"]["name"], "Usher");
        assert_eq!(track["album"]["title"], "Confessions");
        assert_eq!(
            track["genre"], "R&B",
            "a track without a genre has its album's"
        );
        assert_eq!(track["product"]["kind"], "TRACK");
        let price = &track["product"]["price"];
        let minor = price["amountMinor"].as_i64().unwrap();
        assert_eq!(
            price["formatted"],
            format!("${}.{:02}", minor / 100, minor % 100)
        );
        assert_eq!(track["isrc"].as_str().unwrap().len(), 12);
    }
}

#[tokio::test]
async fn the_album_page_costs_the_same_number_of_statements_whatever_its_length() {
    // The documents are the point here: their statement counts are bounded.
    const ALBUM_PAGE: &str = "query($id: ID!) { album(id: $id) {
        id title releaseYear genre coverUrl durationMs
        artist { id name }
        product { sku kind price { amountMinor currency formatted } }
        tracks { id title trackNumber discNumber durationMs isrc genre
                 artist { name } album { title }
                 product { sku kind price { amountMinor currency formatted } } } } }";
    let app = spawn_app().await;
    let body = app
        .gql(
            "{ albums(first: 100) { nodes { id tracks { id } } } }",
            json!({}),
        )
        .await;
    let albums = data(&body)["albums"]["nodes"].as_array().unwrap().clone();
    let shortest = albums
        .iter()
        .min_by_key(|a| a["tracks"].as_array().unwrap().len())
        .unwrap();
    let longest = albums
        .iter()
        .max_by_key(|a| a["tracks"].as_array().unwrap().len())
        .unwrap();
    assert!(
        longest["tracks"].as_array().unwrap().len() > shortest["tracks"].as_array().unwrap().len()
    );

    let mut counts = Vec::new();
    for album in [shortest, longest] {
        let before = app.sql_statements().await;
        data(&app.gql(ALBUM_PAGE, json!({ "id": album["id"] })).await);
        counts.push(app.sql_statements().await - before);
    }
    // Five statements: album, artist, tracks, the album's product, the
    // tracks' products. On a busy machine a level's loads sometimes split
    // into two batches (the loader's fetch can run before every key of the
    // level is in), so a few more can appear; a query per track would
    // take at least one per track. The longest album has 13.
    assert!(
        counts.iter().all(|n| (5..=8).contains(n)),
        "the album pages took {counts:?} statements"
    );

    // A list of albums with their tracks and products is batched too.
    let before = app.sql_statements().await;
    let body = app
        .gql(
            "{ albums(first: 50) { nodes { artist { name genres } product { sku } tracks { title product { sku } } } } }",
            json!({}),
        )
        .await;
    data(&body);
    let statements = app.sql_statements().await - before;
    // Batched, this is 6 statements (more when batches split on a busy
    // machine); a query per album or track would be hundreds.
    assert!(
        statements <= 20,
        "50 album pages took {statements} statements"
    );
}

#[tokio::test]
async fn every_object_resolves_through_node_and_ids_are_checked() {
    let app = spawn_app().await;
    let body = app
        .products(Some(1), json!({ "kind": "TRACK" }), None)
        .await;
    let product = &data(&body)["products"]["nodes"][0];
    let ids = [
        ("Product", product["id"].clone()),
        ("Track", product["track"]["id"].clone()),
        ("Album", product["track"]["album"]["id"].clone()),
        ("Artist", product["track"]["album"]["artist"]["id"].clone()),
    ];
    for (typename, id) in &ids {
        let body = app.node(&Auth::Anonymous, id).await;
        assert_eq!(data(&body)["node"]["__typename"], *typename);
        assert_eq!(data(&body)["node"]["id"], *id);
    }
    // An album's id names no artist.
    let body = app.artist_page(&ids[2].1).await;
    assert!(data(&body)["artist"].is_null());
    // A well-formed id of nothing.
    let missing = base64_id("Track:999999");
    let body = app
        .gql(
            "query($id: ID!) { track(id: $id) { id } node(id: $id) { id } }",
            json!({ "id": missing }),
        )
        .await;
    assert!(data(&body)["track"].is_null());
    assert!(data(&body)["node"].is_null());
    for garbage in [
        "",
        "42",
        "not base64!",
        &base64_id("Track:-1"),
        &base64_id("Spaceship:1"),
    ] {
        let body = app.node(&Auth::Anonymous, &json!(garbage)).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{garbage}");
    }
}

fn base64_id(raw: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

#[tokio::test]
async fn products_filter_and_sort() {
    let app = spawn_app().await;
    let prices = |body: &Value| -> Vec<i64> {
        data(body)["products"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["price"]["amountMinor"].as_i64().unwrap())
            .collect()
    };
    let ascending = app
        .products(Some(100), Value::Null, Some("PRICE_ASC"))
        .await;
    let list = prices(&ascending);
    assert!(list.windows(2).all(|w| w[0] <= w[1]), "{list:?}");
    let descending = app
        .products(Some(100), Value::Null, Some("PRICE_DESC"))
        .await;
    let list = prices(&descending);
    assert!(list.windows(2).all(|w| w[0] >= w[1]), "{list:?}");

    let newest = app.products(Some(100), Value::Null, Some("NEWEST")).await;
    let years: Vec<i64> = data(&newest)["products"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["album"]["releaseYear"].as_i64().unwrap())
        .collect();
    assert!(years.windows(2).all(|w| w[0] >= w[1]), "{years:?}");

    let albums = app
        .products(Some(100), json!({ "kind": "ALBUM" }), None)
        .await;
    let all = app.products(Some(1), Value::Null, None).await;
    let album_total = data(&albums)["products"]["totalCount"].as_i64().unwrap();
    assert!(album_total >= 120);
    assert!(data(&all)["products"]["totalCount"].as_i64().unwrap() > album_total);
    assert!(data(&albums)["products"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["kind"] == "ALBUM"));

    let jazz = app
        .products(Some(100), json!({ "genre": "Jazz", "kind": "TRACK" }), None)
        .await;
    let jazz_nodes = data(&jazz)["products"]["nodes"].as_array().unwrap().clone();
    assert!(!jazz_nodes.is_empty());
    assert!(jazz_nodes.iter().all(|p| p["track"]["genre"] == "Jazz"));

    let cheap = app
        .products(
            Some(100),
            json!({ "minPriceMinor": 100, "maxPriceMinor": 129 }),
            None,
        )
        .await;
    let list = prices(&cheap);
    assert!(
        !list.is_empty() && list.iter().all(|p| (100..=129).contains(p)),
        "{list:?}"
    );

    let artist = &jazz_nodes[0]["album"]["artist"]["id"];
    let by_artist = app
        .products(Some(100), json!({ "artistId": artist }), None)
        .await;
    let nodes = data(&by_artist)["products"]["nodes"]
        .as_array()
        .unwrap()
        .clone();
    assert!(!nodes.is_empty());
    assert!(nodes.iter().all(|p| p["album"]["artist"]["id"] == *artist));

    for (filter, why) in [
        (
            json!({ "minPriceMinor": 500, "maxPriceMinor": 100 }),
            "min above max",
        ),
        (json!({ "minPriceMinor": -1 }), "negative price"),
        (json!({ "artistId": "nonsense" }), "bad id"),
    ] {
        let body = app.products(None, filter, None).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{why}");
    }
    let body = app.products(None, Value::Null, Some("CHEAPEST")).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
}

#[tokio::test]
async fn best_sellers_and_withdrawn_products() {
    let app = spawn_app().await;
    let body = app.popular_products(5).await;
    let popular: Vec<Value> = data(&body)["popularProducts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].clone())
        .collect();
    let best_selling = app
        .products(Some(5), Value::Null, Some("BEST_SELLING"))
        .await;
    let best: Vec<Value> = data(&best_selling)["products"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].clone())
        .collect();
    assert_eq!(popular.len(), 5);
    assert_eq!(popular, best);

    // A product the label withdraws leaves the listings but still resolves.
    let sku = data(&body)["popularProducts"][0]["sku"]
        .as_str()
        .unwrap()
        .to_owned();
    let admin = app.admin().await;
    let product: Value = {
        let db = app.database().await;
        let row = db
            .query_one(sea_orm::Statement::from_string(
                db.get_database_backend(),
                format!("SELECT kind FROM products WHERE sku = '{sku}'"),
            ))
            .await
            .unwrap()
            .unwrap();
        let kind: String = row.try_get("", "kind").unwrap();
        json!({ "kind": kind })
    };
    assert!(product["kind"].is_string());
    let withdraw = format!(
        r#"{{"type":"product","sku":"{sku}","kind":"{}","ref":"{}","priceMinor":100,"currency":"USD","available":false}}"#,
        product["kind"].as_str().unwrap(),
        reference_of(&app, &sku).await,
    );
    data(&app.import_feed(&admin, withdraw).await);
    let after = app.popular_products(5).await;
    assert!(!data(&after)["popularProducts"]
        .as_array()
        .unwrap()
        .contains(&popular[0]));
    let direct = app.product(&Auth::Anonymous, &popular[0]).await;
    assert_eq!(data(&direct)["product"]["available"], false);
    assert_eq!(data(&direct)["product"]["price"]["amountMinor"], 100);
}

/// The partner id of what a product sells.
async fn reference_of(app: &TestApp, sku: &str) -> String {
    let db = app.database().await;
    let row = db
        .query_one(sea_orm::Statement::from_string(
            db.get_database_backend(),
            format!(
                "SELECT COALESCE(t.external_id, a.external_id) AS ext FROM products p
                 JOIN albums a ON a.id = p.album_id LEFT JOIN tracks t ON t.id = p.track_id
                 WHERE p.sku = '{sku}'"
            ),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get("", "ext").unwrap()
}

#[tokio::test]
async fn artists_have_top_tracks_and_similar_artists() {
    let app = spawn_app().await;
    let beyonce = artist_named(&app, "Beyoncé").await;
    let body = app.artist_page(&beyonce["id"]).await;
    let artist = &data(&body)["artist"];
    let top = artist["topTracks"].as_array().unwrap();
    assert_eq!(top.len(), 3);
    assert!(top.iter().all(|t| t["artist"]["name"] == "Beyoncé"));
    let similar = artist["similarArtists"].as_array().unwrap();
    assert_eq!(similar.len(), 5);
    assert!(similar.iter().all(|a| a["name"] != "Beyoncé"));
    // Usher shares both genres, so ranks first among the genre matches.
    assert_eq!(similar[0]["name"], "Usher");
    assert!(similar.iter().all(|a| {
        a["genres"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g == "Pop" || g == "R&B")
    }));
}

#[tokio::test]
async fn cross_customer_statistics_show_only_what_enough_people_support() {
    let app = spawn_app().await;
    let body = app
        .products(Some(4), json!({ "kind": "TRACK" }), None)
        .await;
    let nodes = data(&body)["products"]["nodes"].as_array().unwrap().clone();
    let raw_id = |id: &Value| -> i32 {
        use base64::Engine;
        let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(id.as_str().unwrap())
            .unwrap();
        String::from_utf8(decoded)
            .unwrap()
            .split(':')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap()
    };
    let subject = raw_id(&nodes[0]["id"]);
    let track = raw_id(&nodes[0]["track"]["id"]);
    let (supported, thin, owned) = (
        raw_id(&nodes[1]["id"]),
        raw_id(&nodes[2]["id"]),
        raw_id(&nodes[3]["id"]),
    );

    // What a recommendations job would write: k = 5 by default.
    let db = app.database().await;
    for sql in [
        format!("INSERT INTO product_affinity VALUES ({subject}, {supported}, 5, 0.9)"),
        format!("INSERT INTO product_affinity VALUES ({subject}, {thin}, 4, 0.99)"),
        format!("INSERT INTO product_affinity VALUES ({subject}, {owned}, 9, 0.5)"),
        format!("INSERT INTO track_affinity VALUES ({track}, {supported}, 7, 0.8)"),
        format!("INSERT INTO track_affinity VALUES ({track}, {thin}, 2, 0.95)"),
        format!("INSERT INTO track_affinity VALUES ({track}, {owned}, 12, 0.4)"),
    ] {
        db.execute_unprepared(&sql).await.unwrap();
    }
    let query = "query($p: ID!, $t: ID!) {
        product(id: $p) { ownedByViewer alsoBought(first: 10) { id ownedByViewer } }
        track(id: $t) { recommendedProducts(first: 10) { id } } }";
    let vars = json!({ "p": nodes[0]["id"], "t": nodes[0]["track"]["id"] });
    let ids = |body: &Value, path: &[&str]| -> Vec<Value> {
        let mut value = data(body);
        for key in path {
            value = &value[*key];
        }
        value
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].clone())
            .collect()
    };

    let anonymous = app.gql(query, vars.clone()).await;
    assert_eq!(
        ids(&anonymous, &["product", "alsoBought"]),
        vec![nodes[1]["id"].clone(), nodes[3]["id"].clone()]
    );
    assert_eq!(
        ids(&anonymous, &["track", "recommendedProducts"]),
        vec![nodes[1]["id"].clone(), nodes[3]["id"].clone()]
    );
    assert_eq!(data(&anonymous)["product"]["ownedByViewer"], false);

    // A customer who owns one of them is never recommended it.
    let customer = app.customer().await;
    let viewer = app.viewer(&customer).await;
    let user_id = raw_id(&data(&viewer)["viewer"]["user"]["id"]);
    db.execute_unprepared(&format!(
        "INSERT INTO entitlements (user_id, product_id, created_at) VALUES ({user_id}, {owned}, '2026-01-01T00:00:00Z')"
    ))
    .await
    .unwrap();
    let signed_in = app.gql_as(&customer, query, vars.clone()).await;
    assert_eq!(
        ids(&signed_in, &["product", "alsoBought"]),
        vec![nodes[1]["id"].clone()]
    );
    assert_eq!(
        ids(&signed_in, &["track", "recommendedProducts"]),
        vec![nodes[1]["id"].clone()]
    );
    let owned_product = app.product(&customer, &nodes[3]["id"]).await;
    assert_eq!(data(&owned_product)["product"]["ownedByViewer"], true);
    let someone_else = app.customer().await;
    let theirs = app.product(&someone_else, &nodes[3]["id"]).await;
    assert_eq!(data(&theirs)["product"]["ownedByViewer"], false);
}

#[tokio::test]
async fn pages_reject_bad_arguments() {
    let app = spawn_app().await;
    for (query, why) in [
        ("{ artists(first: 101) { totalCount } }", "first above 100"),
        ("{ artists(first: -1) { totalCount } }", "negative first"),
        (
            "{ albums(after: \"bm90LWEtY3Vyc29y\") { totalCount } }",
            "forged cursor",
        ),
        (
            "{ products(after: \"%%%\") { totalCount } }",
            "garbage cursor",
        ),
        (
            "{ artists(first: 5) { nodes { topTracks(first: 500) { id } } } }",
            "bounded list above 100",
        ),
        (
            "{ albums(artistId: \"nope\") { totalCount } }",
            "bad artist id",
        ),
    ] {
        let body = app.gql(query, json!({})).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{why}: {body}");
    }
    let body = app.gql("{ artists { edges { cursor } } }", json!({})).await;
    assert_eq!(
        data(&body)["artists"]["edges"].as_array().unwrap().len(),
        20,
        "first defaults to 20"
    );
    let body = app
        .gql(
            "{ artists(first: 0) { totalCount nodes { id } pageInfo { hasNextPage } } }",
            json!({}),
        )
        .await;
    assert_eq!(data(&body)["artists"]["nodes"], json!([]));
    assert_eq!(data(&body)["artists"]["pageInfo"]["hasNextPage"], true);
}

#[tokio::test]
async fn public_answers_are_shared_with_signed_in_callers_and_private_ones_never() {
    let app = spawn_app().await;
    let (ann, bob) = (app.customer().await, app.customer().await);
    let album = app.albums(Some(1), None).await;
    let album_id = data(&album)["albums"]["nodes"][0]["id"].clone();
    let page = "query($id: ID!) { album(id: $id) { title artist { name }
        product { sku price { formatted } } tracks { title product { sku price { formatted } } } } }";

    // The album page reads public fields only: the first caller's answer is
    // everyone's, signed in or not, and costs no SQL after the first.
    let first = app.gql_as(&ann, page, json!({ "id": album_id })).await;
    data(&first);
    let before = app.sql_statements().await;
    let again = app.gql_as(&bob, page, json!({ "id": album_id })).await;
    let anonymous = app.gql(page, json!({ "id": album_id })).await;
    assert_eq!(app.sql_statements().await, before, "served from the cache");
    assert_eq!(again, first);
    assert_eq!(anonymous, first);

    // What depends on the caller is answered for each caller alone: Ann
    // owns the album's product, Bob does not, one right after the other.
    let product_id = data(&first)["album"]["product"]["sku"].clone();
    let db = app.database().await;
    db.execute_unprepared(&format!(
        "INSERT INTO entitlements (user_id, product_id, created_at) \
         SELECT u.id, p.id, CURRENT_TIMESTAMP FROM users u, products p \
         WHERE u.id = (SELECT MIN(id) FROM users WHERE display_name = 'Listener') \
         AND p.sku = '{}'",
        product_id.as_str().unwrap()
    ))
    .await
    .unwrap();
    let owned = "query($id: ID!) { album(id: $id) { title product { sku ownedByViewer } } }";
    let mut answers = Vec::new();
    for who in [&ann, &bob, &ann, &bob] {
        let body = app.gql_as(who, owned, json!({ "id": album_id })).await;
        answers.push(data(&body)["album"]["product"]["ownedByViewer"].clone());
    }
    assert_eq!(
        answers,
        [json!(true), json!(false), json!(true), json!(false)]
    );
}

#[tokio::test]
async fn a_reimported_album_moves_its_products_between_genres_artists_and_years() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let feed = |album_artist: &str, genre: &str, year: i32, track_genre: &str| {
        format!(
            r#"{{"type":"artist","id":"ar-one","name":"Listing One","genres":["Test Drone"]}}
{{"type":"artist","id":"ar-two","name":"Listing Two","genres":["Test Drone"]}}
{{"type":"album","id":"al-moves","artist":"{album_artist}","title":"Moves","year":{year},"genre":"{genre}"}}
{{"type":"track","id":"tr-moves-1","album":"al-moves","title":"First","trackNumber":1,"durationMs":60000}}
{{"type":"track","id":"tr-moves-2","album":"al-moves","title":"Second","trackNumber":2,"durationMs":60000{track_genre}}}
{{"type":"product","sku":"MOVES-ALB","kind":"ALBUM","ref":"al-moves","priceMinor":999,"currency":"USD"}}
{{"type":"product","sku":"MOVES-T1","kind":"TRACK","ref":"tr-moves-1","priceMinor":129,"currency":"USD"}}
{{"type":"product","sku":"MOVES-T2","kind":"TRACK","ref":"tr-moves-2","priceMinor":129,"currency":"USD"}}
"#
        )
    };
    let skus = |body: &Value| -> Vec<String> {
        let mut skus: Vec<String> = data(body)["products"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["sku"].as_str().unwrap().to_owned())
            .collect();
        skus.sort();
        skus
    };
    let imported = app
        .import_feed(
            &admin,
            feed("ar-one", "Test Ambient", 1990, r#","genre":"Test Noise""#),
        )
        .await;
    assert_eq!(data(&imported)["importCatalogue"]["rejected"], json!([]));
    let ambient = app
        .products(Some(100), json!({ "genre": "Test Ambient" }), None)
        .await;
    // The second track has a genre of its own.
    assert_eq!(skus(&ambient), ["MOVES-ALB", "MOVES-T1"]);
    let noise = app
        .products(Some(100), json!({ "genre": "Test Noise" }), None)
        .await;
    assert_eq!(skus(&noise), ["MOVES-T2"]);
    let one = data(
        &app.products(Some(1), json!({ "genre": "Test Ambient" }), None)
            .await,
    )["products"]["nodes"][0]["album"]["artist"]["id"]
        .clone();

    // The label moves the album to another genre, artist and year, and the
    // second track back to the album's genre.
    let imported = app
        .import_feed(&admin, feed("ar-two", "Test Drone", 2030, ""))
        .await;
    assert_eq!(data(&imported)["importCatalogue"]["rejected"], json!([]));
    let after = app
        .products(Some(100), json!({ "genre": "Test Ambient" }), None)
        .await;
    assert!(skus(&after).is_empty(), "{after}");
    let drone = app
        .products(Some(100), json!({ "genre": "Test Drone" }), None)
        .await;
    assert_eq!(skus(&drone), ["MOVES-ALB", "MOVES-T1", "MOVES-T2"]);
    let by_one = app
        .products(Some(100), json!({ "artistId": one }), None)
        .await;
    assert!(skus(&by_one).is_empty(), "{by_one}");
    let two = &data(&drone)["products"]["nodes"][0]["album"]["artist"]["id"];
    assert_ne!(*two, one);
    let by_two = app
        .products(Some(100), json!({ "artistId": two }), None)
        .await;
    assert_eq!(skus(&by_two), ["MOVES-ALB", "MOVES-T1", "MOVES-T2"]);
    // 2030 is newer than any demo release: the album leads the newest.
    let newest = app.products(Some(3), Value::Null, Some("NEWEST")).await;
    assert_eq!(skus(&newest), ["MOVES-ALB", "MOVES-T1", "MOVES-T2"]);
}

/// Every product of `filter` in `sort`, in pages of `size`, each page
/// after the last one's `endCursor`; and how many the first page said
/// there are.
async fn walk_products(app: &TestApp, sort: &str, filter: &Value, size: i64) -> (Vec<String>, i64) {
    let mut ids = Vec::new();
    let mut after = Value::Null;
    let mut total = None;
    loop {
        let body = app
            .gql(
                "query($sort: ProductSort, $filter: ProductFilter, $first: Int, $after: String) {
                    products(sort: $sort, filter: $filter, first: $first, after: $after) {
                        totalCount pageInfo { hasNextPage endCursor } nodes { id } } }",
                json!({ "sort": sort, "filter": filter, "first": size, "after": after }),
            )
            .await;
        let products = &data(&body)["products"];
        total.get_or_insert(products["totalCount"].as_i64().unwrap());
        for node in products["nodes"].as_array().unwrap() {
            ids.push(node["id"].as_str().unwrap().to_owned());
        }
        if products["pageInfo"]["hasNextPage"] != true {
            return (ids, total.unwrap());
        }
        after = products["pageInfo"]["endCursor"].clone();
        assert!(ids.len() < 100_000, "the pages never end");
    }
}

/// The same list read by offset: pages of 100 after plain cursors (the
/// kind this server handed out before cursors named their product, which
/// it still takes).
async fn products_by_offset(app: &TestApp, sort: &str, filter: &Value, total: i64) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    while ids.len() < total as usize {
        let after = ids
            .len()
            .checked_sub(1)
            .map(|n| base64_id(&format!("cursor:{n}")));
        let body = app
            .gql(
                "query($sort: ProductSort, $filter: ProductFilter, $after: String) {
                    products(sort: $sort, filter: $filter, first: 100, after: $after) {
                        nodes { id } } }",
                json!({ "sort": sort, "filter": filter, "after": after }),
            )
            .await;
        let nodes = data(&body)["products"]["nodes"].as_array().unwrap().clone();
        assert!(!nodes.is_empty(), "{sort} {filter}: {body}");
        ids.extend(nodes.iter().map(|n| n["id"].as_str().unwrap().to_owned()));
    }
    ids
}

#[tokio::test]
async fn product_pages_follow_each_other_in_every_sort_however_keys_tie() {
    let app = spawn_app().await;
    // Ties at every key and NULLs where the orders allow them: sales in
    // five values, ratings in a few, averages that are not whole (5/3,
    // 11/4; none rated is NULL, last), products without a year (last when
    // newest first).
    let db = app.database().await;
    for sql in [
        "UPDATE products SET sales_count = id % 5",
        "UPDATE products SET rating_count = id % 4, rating_sum = (id % 4) * 3 - id % 2",
        "UPDATE products SET release_year = NULL WHERE id % 7 = 0",
    ] {
        db.execute_unprepared(sql).await.unwrap();
    }
    for sort in [
        "NEWEST",
        "BEST_SELLING",
        "PRICE_ASC",
        "PRICE_DESC",
        "TOP_RATED",
    ] {
        for filter in [
            json!({}),
            json!({ "genre": "Rock" }),
            json!({ "kind": "ALBUM" }),
        ] {
            let (pages, total) = walk_products(&app, sort, &filter, 37).await;
            assert!(total > 37, "{sort} {filter}: too few products to page");
            let mut once = pages.clone();
            once.sort();
            once.dedup();
            assert_eq!(once.len(), pages.len(), "{sort} {filter}: a product twice");
            let by_offset = products_by_offset(&app, sort, &filter, total).await;
            assert_eq!(pages, by_offset, "{sort} {filter}: not the list's order");
        }
    }
    // A cursor of another sort pages by its offset.
    let newest = app
        .gql(
            "{ products(first: 20, sort: NEWEST) { pageInfo { endCursor } } }",
            json!({}),
        )
        .await;
    let by_price = app
        .gql(
            "query($after: String) { products(first: 1, sort: PRICE_ASC, after: $after) {
                pageInfo { hasPreviousPage } nodes { id } } }",
            json!({ "after": data(&newest)["products"]["pageInfo"]["endCursor"] }),
        )
        .await;
    let (prices, _) = walk_products(&app, "PRICE_ASC", &json!({}), 100).await;
    assert_eq!(
        data(&by_price)["products"]["nodes"][0]["id"].as_str(),
        Some(prices[20].as_str())
    );
    // A cursor that names a product that is not there pages by its
    // offset; one that is not a cursor is refused.
    let gone = app
        .gql(
            "query($after: String) { products(first: 1, sort: PRICE_ASC, after: $after) {
                nodes { id } } }",
            json!({ "after": base64_id("cursor:19:price:999999999") }),
        )
        .await;
    assert_eq!(
        data(&gone)["products"]["nodes"][0]["id"].as_str(),
        Some(prices[20].as_str())
    );
    let broken = app
        .gql(
            "query($after: String) { products(first: 1, after: $after) { totalCount } }",
            json!({ "after": base64_id("cursor:1:newest:x") }),
        )
        .await;
    assert_eq!(error_code(&broken), "BAD_USER_INPUT", "{broken}");
}

#[tokio::test]
async fn the_page_after_a_product_follows_it_when_products_above_it_are_withdrawn() {
    let app = spawn_app().await;
    let customer = app.customer().await;
    let page = |after: Value| {
        let app = &app;
        let customer = &customer;
        async move {
            let body = app
                .gql_as(
                    customer,
                    "query($after: String) { products(first: 30, sort: BEST_SELLING, after: $after) {
                        totalCount pageInfo { hasNextPage endCursor } nodes { id ownedByViewer } } }",
                    json!({ "after": after }),
                )
                .await;
            data(&body)["products"].clone()
        }
    };
    let (all, total) = walk_products(&app, "BEST_SELLING", &json!({}), 100).await;
    let first = page(Value::Null).await;
    // A feed withdraws twenty products above the page's last: the store
    // counts its products again, twenty fewer, while the cursor's offset
    // still counts them.
    let db = app.database().await;
    let withdrawn: Vec<String> = all[..20].to_vec();
    let ids: Vec<String> = first["nodes"].as_array().unwrap()[..20]
        .iter()
        .map(|node| decode_product_id(node["id"].as_str().unwrap()))
        .collect();
    let rows = db
        .query_all(sea_orm::Statement::from_string(
            db.get_database_backend(),
            format!(
                "SELECT p.sku, p.kind, COALESCE(t.external_id, a.external_id) AS ext,
                        p.price_minor, p.currency
                 FROM products p JOIN albums a ON a.id = p.album_id
                 LEFT JOIN tracks t ON t.id = p.track_id WHERE p.id IN ({})",
                ids.join(", ")
            ),
        ))
        .await
        .unwrap();
    let feed: String = rows
        .iter()
        .map(|row| {
            let line = json!({
                "type": "product",
                "sku": row.try_get::<String>("", "sku").unwrap(),
                "kind": row.try_get::<String>("", "kind").unwrap(),
                "ref": row.try_get::<String>("", "ext").unwrap(),
                "priceMinor": row.try_get::<i64>("", "price_minor").unwrap(),
                "currency": row.try_get::<String>("", "currency").unwrap(),
                "available": false,
            });
            format!("{line}\n")
        })
        .collect();
    let imported = app.import_feed(&app.admin().await, feed).await;
    assert_eq!(
        data(&imported)["importCatalogue"]["productsUpserted"],
        20,
        "{imported}"
    );
    let second = page(first["pageInfo"]["endCursor"].clone()).await;
    assert_eq!(
        second["totalCount"],
        total - 20,
        "counted again after the feed"
    );
    let shown: Vec<&str> = second["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|node| node["id"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = all[30..60].iter().map(String::as_str).collect();
    assert_eq!(shown, expected, "withdrawn: {withdrawn:?}");
    assert_eq!(second["pageInfo"]["hasNextPage"], true);
    // The last page says no page follows, whatever the kept count says.
    let mut after = second["pageInfo"]["endCursor"].clone();
    let mut seen = 60;
    loop {
        let next = page(after).await;
        seen += next["nodes"].as_array().unwrap().len();
        if next["pageInfo"]["hasNextPage"] != true {
            assert!(!next["nodes"].as_array().unwrap().is_empty(), "{next}");
            break;
        }
        after = next["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(
        seen as i64, total,
        "every product after the withdrawn ones, once"
    );
}

/// The database id in a product's global ID.
fn decode_product_id(id: &str) -> String {
    use base64::Engine;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(id)
        .unwrap();
    let raw = String::from_utf8(raw).unwrap();
    raw.rsplit(':').next().unwrap().to_owned()
}
