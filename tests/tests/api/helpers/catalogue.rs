//! The public catalogue: browsing it, and writing to it.

use serde_json::{json, Value};

use super::{variables, Auth, TestApp};

impl TestApp {
    /// `artists`: a page of them by name, of one genre or all.
    pub async fn artists(
        &self,
        first: Option<i64>,
        after: Option<&str>,
        genre: Option<&str>,
    ) -> Value {
        self.gql(
            "query($first: Int, $after: String, $genre: String) {
                artists(first: $first, after: $after, genre: $genre) {
                    totalCount nodes { id name genres } pageInfo { hasNextPage endCursor } } }",
            variables([
                ("first", json!(first)),
                ("after", json!(after)),
                ("genre", json!(genre)),
            ]),
        )
        .await
    }

    /// `artist`: an artist's page, with the first 5 albums and their
    /// tracks, the top 3 tracks and 5 similar artists.
    pub async fn artist_page(&self, id: &Value) -> Value {
        self.gql(
            "query($id: ID!) { artist(id: $id) {
                id name genres
                albums(first: 5) { totalCount nodes { id title product { sku }
                    tracks { id title durationMs product { sku } } } }
                topTracks(first: 3) { title artist { name } }
                similarArtists(first: 5) { name genres } } }",
            json!({ "id": id }),
        )
        .await
    }

    /// `albums`: a page of them by title, of one genre or all.
    pub async fn albums(&self, first: Option<i64>, genre: Option<&str>) -> Value {
        self.gql(
            "query($first: Int, $genre: String) { albums(first: $first, genre: $genre) {
                totalCount nodes { id title } } }",
            variables([("first", json!(first)), ("genre", json!(genre))]),
        )
        .await
    }

    /// `album`: an album's page, with its artist, tracks and products.
    pub async fn album_page(&self, id: &Value) -> Value {
        self.gql(
            "query($id: ID!) { album(id: $id) {
                id title releaseYear genre coverUrl durationMs
                artist { id name genres }
                product { sku kind audioFormat price { amountMinor currency formatted } }
                tracks { id title trackNumber discNumber durationMs isrc genre
                         artist { name } album { title }
                         product { sku kind price { amountMinor currency formatted } } } } }",
            json!({ "id": id }),
        )
        .await
    }

    /// `genres`, with how many artists and albums each has.
    pub async fn genres(&self) -> Value {
        self.gql("{ genres { name artistCount albumCount } }", json!({}))
            .await
    }

    /// How many artists, albums and products there are.
    pub async fn catalogue_counts(&self) -> Value {
        self.gql(
            "{ artists { totalCount } albums { totalCount } products { totalCount } }",
            json!({}),
        )
        .await
    }

    /// `products`: the listing, filtered (a `ProductFilter`, or null) and
    /// sorted (a `ProductSort`) as asked.
    pub async fn products(&self, first: Option<i64>, filter: Value, sort: Option<&str>) -> Value {
        self.gql(
            "query($first: Int, $filter: ProductFilter, $sort: ProductSort) {
                products(first: $first, filter: $filter, sort: $sort) { totalCount nodes {
                    id sku kind available price { amountMinor currency }
                    album { id genre releaseYear artist { id } }
                    track { id genre hasMasterAudio album { id artist { id } } } } } }",
            variables([
                ("first", json!(first)),
                ("filter", filter),
                ("sort", json!(sort)),
            ]),
        )
        .await
    }

    /// `popularProducts`: the best-sellers.
    pub async fn popular_products(&self, first: i64) -> Value {
        self.gql(
            "query($first: Int) { popularProducts(first: $first) { id sku } }",
            json!({ "first": first }),
        )
        .await
    }

    /// `product`, as the caller sees it.
    pub async fn product(&self, auth: &Auth, id: &Value) -> Value {
        self.gql_as(
            auth,
            "query($id: ID!) { product(id: $id) {
                id sku kind available ownedByViewer price { amountMinor currency formatted } } }",
            json!({ "id": id }),
        )
        .await
    }

    /// Sends a feed to `importCatalogue` as a multipart upload.
    pub async fn import_feed(&self, auth: &Auth, feed: impl Into<Vec<u8>>) -> Value {
        let query = "mutation($file: Upload!) { importCatalogue(file: $file) {
            artistsUpserted albumsUpserted tracksUpserted productsUpserted
            rejected { line message } } }";
        self.multipart(
            auth,
            query,
            json!({ "file": null }),
            "feed.jsonl",
            feed.into(),
        )
        .await
    }

    /// `attachTrackAudio` for a catalogue track, as a multipart upload.
    pub async fn attach_master(&self, auth: &Auth, track_id: &Value, bytes: Vec<u8>) -> Value {
        let query = "mutation($track: ID!, $file: Upload!) {
            attachTrackAudio(trackId: $track, file: $file) { id title hasMasterAudio } }";
        self.multipart(
            auth,
            query,
            json!({ "track": track_id, "file": null }),
            "master.bin",
            bytes,
        )
        .await
    }
}
