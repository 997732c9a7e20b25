//! Recommendations and the statistics behind them: recomputing them as
//! `cadenza recompute-recommendations` does, and each field that reads them.

use cadenza_api::domain::{ArtistId, EntityId, TrackId};
use cadenza_api::services::catalogue::CatalogueVersion;
use cadenza_api::services::recommendations::{Recomputer, Report};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

use super::{Auth, TestApp};

/// A catalogue for recommendation tests: six albums by five artists, one
/// track each, each sold whole (`RC-x`) and as a track (`RC-x-T`). Ada
/// Quartet (two albums) and Bo Trio play Bebop, Cyd Band and Dee Duo
/// Krautrock, Eli Solo Polka: genres the demo catalogue has none of.
pub const RECS_FEED: &str = r#"{"type":"artist","id":"ar-rc-a","name":"Ada Quartet","genres":["Bebop"]}
{"type":"artist","id":"ar-rc-b","name":"Bo Trio","genres":["Bebop"]}
{"type":"artist","id":"ar-rc-c","name":"Cyd Band","genres":["Krautrock"]}
{"type":"artist","id":"ar-rc-d","name":"Dee Duo","genres":["Krautrock"]}
{"type":"artist","id":"ar-rc-e","name":"Eli Solo","genres":["Polka"]}
{"type":"album","id":"al-rc-a","artist":"ar-rc-a","title":"Alpha","year":2020,"genre":"Bebop"}
{"type":"album","id":"al-rc-a2","artist":"ar-rc-a","title":"Alpha Two","year":2022,"genre":"Bebop"}
{"type":"album","id":"al-rc-b","artist":"ar-rc-b","title":"Beta","year":2020,"genre":"Bebop"}
{"type":"album","id":"al-rc-c","artist":"ar-rc-c","title":"Gamma","year":2020,"genre":"Krautrock"}
{"type":"album","id":"al-rc-d","artist":"ar-rc-d","title":"Delta","year":2020,"genre":"Krautrock"}
{"type":"album","id":"al-rc-e","artist":"ar-rc-e","title":"Epsilon","year":2020,"genre":"Polka"}
{"type":"track","id":"tr-rc-a","album":"al-rc-a","title":"Alpha Song","trackNumber":1,"discNumber":1,"durationMs":1000}
{"type":"track","id":"tr-rc-a2","album":"al-rc-a2","title":"Alpha Two Song","trackNumber":1,"discNumber":1,"durationMs":1000}
{"type":"track","id":"tr-rc-b","album":"al-rc-b","title":"Beta Song","trackNumber":1,"discNumber":1,"durationMs":1000}
{"type":"track","id":"tr-rc-c","album":"al-rc-c","title":"Gamma Song","trackNumber":1,"discNumber":1,"durationMs":1000}
{"type":"track","id":"tr-rc-d","album":"al-rc-d","title":"Delta Song","trackNumber":1,"discNumber":1,"durationMs":1000}
{"type":"track","id":"tr-rc-e","album":"al-rc-e","title":"Epsilon Song","trackNumber":1,"discNumber":1,"durationMs":1000}
{"type":"product","sku":"RC-A","kind":"ALBUM","ref":"al-rc-a","priceMinor":500,"currency":"USD","audioFormat":"FLAC"}
{"type":"product","sku":"RC-A-T","kind":"TRACK","ref":"tr-rc-a","priceMinor":100,"currency":"USD","audioFormat":"FLAC"}
{"type":"product","sku":"RC-A2","kind":"ALBUM","ref":"al-rc-a2","priceMinor":500,"currency":"USD","audioFormat":"FLAC"}
{"type":"product","sku":"RC-B","kind":"ALBUM","ref":"al-rc-b","priceMinor":500,"currency":"USD","audioFormat":"FLAC"}
{"type":"product","sku":"RC-B-T","kind":"TRACK","ref":"tr-rc-b","priceMinor":100,"currency":"USD","audioFormat":"FLAC"}
{"type":"product","sku":"RC-C","kind":"ALBUM","ref":"al-rc-c","priceMinor":500,"currency":"USD","audioFormat":"FLAC"}
{"type":"product","sku":"RC-C-T","kind":"TRACK","ref":"tr-rc-c","priceMinor":100,"currency":"USD","audioFormat":"FLAC"}
{"type":"product","sku":"RC-D","kind":"ALBUM","ref":"al-rc-d","priceMinor":500,"currency":"USD","audioFormat":"FLAC"}
{"type":"product","sku":"RC-D-T","kind":"TRACK","ref":"tr-rc-d","priceMinor":100,"currency":"USD","audioFormat":"FLAC"}
{"type":"product","sku":"RC-E","kind":"ALBUM","ref":"al-rc-e","priceMinor":500,"currency":"USD","audioFormat":"FLAC"}
{"type":"product","sku":"RC-E-T","kind":"TRACK","ref":"tr-rc-e","priceMinor":100,"currency":"USD","audioFormat":"FLAC"}
"#;

impl TestApp {
    /// Imports `RECS_FEED` as an administrator.
    pub async fn recs_feed(&self) {
        let admin = self.admin().await;
        let body = self.import_feed(&admin, RECS_FEED).await;
        let rejected = &body["data"]["importCatalogue"]["rejected"];
        assert_eq!(rejected, &json!([]), "{body}");
    }

    /// Recomputes the statistics as `cadenza recompute-recommendations`
    /// does, with the threshold `k`.
    pub async fn recompute_recommendations_with(&self, k: u32) -> Report {
        let db = self.database().await;
        let report = Recomputer::new(db.clone(), k, CatalogueVersion::default())
            .run_now()
            .await
            .unwrap();
        db.close().await.unwrap();
        report
    }

    /// The same, with the server's own threshold.
    pub async fn recompute_recommendations(&self) -> Report {
        self.recompute_recommendations_with(self.settings.recommendations.k_anonymity)
            .await
    }

    /// `viewer.recommendations(first)`.
    pub async fn recommendations(&self, auth: &Auth, first: Option<i64>) -> Value {
        self.gql_as(
            auth,
            "query($first: Int) { viewer { recommendations(first: $first) {
                product { id sku } score reason
                because { __typename ... on Track { id title } ... on LockerItem { id title } } } } }",
            json!({ "first": first }),
        )
        .await
    }

    /// `product.alsoBought`, as the caller sees it.
    pub async fn also_bought(&self, auth: &Auth, product: &Value) -> Value {
        self.gql_as(
            auth,
            "query($id: ID!) { product(id: $id) { alsoBought(first: 20) { id sku } } }",
            json!({ "id": product }),
        )
        .await
    }

    /// `track.recommendedProducts`, as the caller sees it.
    pub async fn recommended_products(&self, auth: &Auth, track: &Value) -> Value {
        self.gql_as(
            auth,
            "query($id: ID!) { track(id: $id) { recommendedProducts(first: 20) { id sku } } }",
            json!({ "id": track }),
        )
        .await
    }

    /// `artist.similarArtists`.
    pub async fn similar_artists(&self, artist: &Value) -> Value {
        self.gql(
            "query($id: ID!) { artist(id: $id) { similarArtists(first: 50) { id name } } }",
            json!({ "id": artist }),
        )
        .await
    }

    /// The global ID of the catalogue track with the feed id `external`.
    pub async fn track_id(&self, external: &str) -> Value {
        let db = self.database().await;
        let track = entities::track::Entity::find()
            .filter(entities::track::Column::ExternalId.eq(external))
            .one(&db)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no track {external}"));
        db.close().await.unwrap();
        json!(TrackId(track.id).global().encode())
    }

    /// The global ID of the artist with the feed id `external`.
    pub async fn artist_id(&self, external: &str) -> Value {
        let db = self.database().await;
        let artist = entities::artist::Entity::find()
            .filter(entities::artist::Column::ExternalId.eq(external))
            .one(&db)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no artist {external}"));
        db.close().await.unwrap();
        json!(ArtistId(artist.id).global().encode())
    }
}
