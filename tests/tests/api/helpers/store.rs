//! The store: the viewer's cart, and the catalogue products it sells.

use cadenza_api::domain::{EntityId, ProductId};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

use super::{Auth, TestApp};

/// What the cart operations answer with: the whole cart.
const CART_FIELDS: &str = "itemCount subtotal { amountMinor currency formatted }
    lines { id price { amountMinor currency } product { id sku } }";

/// A small catalogue of known products, as `store_feed` imports it: an
/// album of two tracks sold whole (ST-ALB, $15.00) and track by track
/// (ST-T1 $1.29, ST-T2 $0.99); a track sold in euros (EU-T1, €1.19); a
/// track not for sale (OFF-T1).
pub const STORE_FEED: &str = r#"{"type":"artist","id":"ar-st","name":"Store Test Artist","genres":["Jazz"]}
{"type":"album","id":"al-st","artist":"ar-st","title":"Two Tracks","year":2020,"genre":"Jazz"}
{"type":"track","id":"tr-st-1","album":"al-st","title":"First Tune","trackNumber":1,"discNumber":1,"durationMs":1000}
{"type":"track","id":"tr-st-2","album":"al-st","title":"Second Tune","trackNumber":2,"discNumber":1,"durationMs":1000}
{"type":"product","sku":"ST-ALB","kind":"ALBUM","ref":"al-st","priceMinor":1500,"currency":"USD","audioFormat":"FLAC"}
{"type":"product","sku":"ST-T1","kind":"TRACK","ref":"tr-st-1","priceMinor":129,"currency":"USD","audioFormat":"FLAC"}
{"type":"product","sku":"ST-T2","kind":"TRACK","ref":"tr-st-2","priceMinor":99,"currency":"USD","audioFormat":"FLAC"}
{"type":"album","id":"al-eu","artist":"ar-st","title":"Euro Single","year":2021,"genre":"Jazz"}
{"type":"track","id":"tr-eu-1","album":"al-eu","title":"Euro Tune","trackNumber":1,"discNumber":1,"durationMs":1000}
{"type":"product","sku":"EU-T1","kind":"TRACK","ref":"tr-eu-1","priceMinor":119,"currency":"EUR","audioFormat":"FLAC"}
{"type":"album","id":"al-off","artist":"ar-st","title":"Withdrawn","year":2021,"genre":"Jazz"}
{"type":"track","id":"tr-off-1","album":"al-off","title":"Withdrawn Tune","trackNumber":1,"discNumber":1,"durationMs":1000}
{"type":"product","sku":"OFF-T1","kind":"TRACK","ref":"tr-off-1","priceMinor":99,"currency":"USD","audioFormat":"FLAC","available":false}
"#;

impl TestApp {
    /// Imports `STORE_FEED` as an administrator.
    pub async fn store_feed(&self) {
        let admin = self.admin().await;
        let body = self.import_feed(&admin, STORE_FEED).await;
        let rejected = &body["data"]["importCatalogue"]["rejected"];
        assert_eq!(rejected, &json!([]), "{body}");
    }

    /// The global ID of the product with `sku`.
    pub async fn product_id(&self, sku: &str) -> Value {
        let db = self.database().await;
        let product = entities::product::Entity::find()
            .filter(entities::product::Column::Sku.eq(sku))
            .one(&db)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no product {sku}"));
        db.close().await.unwrap();
        json!(ProductId(product.id).global().encode())
    }

    pub async fn add_to_cart(&self, auth: &Auth, product_id: &Value) -> Value {
        self.gql_as(
            auth,
            &format!("mutation($id: ID!) {{ addToCart(productId: $id) {{ {CART_FIELDS} }} }}"),
            json!({ "id": product_id }),
        )
        .await
    }

    pub async fn remove_from_cart(&self, auth: &Auth, line_id: &Value) -> Value {
        self.gql_as(
            auth,
            &format!("mutation($id: ID!) {{ removeFromCart(lineId: $id) {{ {CART_FIELDS} }} }}"),
            json!({ "id": line_id }),
        )
        .await
    }

    /// `viewer.cart`.
    pub async fn cart(&self, auth: &Auth) -> Value {
        self.gql_as(
            auth,
            &format!("{{ viewer {{ cart {{ {CART_FIELDS} }} }} }}"),
            json!({}),
        )
        .await
    }
}

/// What `checkout` and the order reads answer with.
const ORDER_FIELDS: &str = "id number status createdAt total { amountMinor currency formatted }
    lines { price { amountMinor currency } product { id sku } }";

impl TestApp {
    pub async fn checkout(&self, auth: &Auth, key: &str) -> Value {
        self.gql_as(
            auth,
            &format!(
                "mutation($key: String!) {{ checkout(idempotencyKey: $key) {{ {ORDER_FIELDS} }} }}"
            ),
            json!({ "key": key }),
        )
        .await
    }

    /// `viewer.orders`, the first 100.
    pub async fn orders(&self, auth: &Auth) -> Value {
        self.gql_as(
            auth,
            &format!(
                "{{ viewer {{ orders(first: 100) {{ totalCount nodes {{ {ORDER_FIELDS} }} }} }} }}"
            ),
            json!({}),
        )
        .await
    }

    /// `node` as an order, under `order`.
    pub async fn order(&self, auth: &Auth, id: &Value) -> Value {
        self.gql_as(
            auth,
            &format!("query($id: ID!) {{ order: node(id: $id) {{ __typename ... on Order {{ {ORDER_FIELDS} }} }} }}"),
            json!({ "id": id }),
        )
        .await
    }

    /// The viewer's PURCHASE items, in album order.
    pub async fn purchases(&self, auth: &Auth) -> Value {
        self.gql_as(
            auth,
            "{ viewer { locker {
                usage { itemCount usedBytes }
                items(first: 100, filter: { source: PURCHASE }, sort: ARTIST_ALBUM) { totalCount nodes {
                    id title artist album source streamable streamUrl sizeBytes contentHash format mimeType
                    catalogueTrack { id title } buyOptions { sku } } } } } }",
            json!({}),
        )
        .await
    }

    /// Charges the built-in payment provider made, and orders written
    /// (payment intents included), straight from the database.
    pub async fn charges_and_orders(&self) -> (usize, usize) {
        let db = self.database().await;
        let charges = entities::payment_charge::Entity::find()
            .all(&db)
            .await
            .unwrap()
            .len();
        let orders = entities::order::Entity::find()
            .all(&db)
            .await
            .unwrap()
            .len();
        db.close().await.unwrap();
        (charges, orders)
    }

    /// The built-in provider's refunds: (intent, amount in minor units).
    pub async fn refunds_made(&self) -> Vec<(String, i64)> {
        let db = self.database().await;
        let refunds = entities::payment_refund::Entity::find()
            .all(&db)
            .await
            .unwrap()
            .into_iter()
            .map(|refund| (refund.intent, refund.amount_minor))
            .collect();
        db.close().await.unwrap();
        refunds
    }
}

impl TestApp {
    pub async fn refund_order(&self, auth: &Auth, id: &Value) -> Value {
        self.gql_as(
            auth,
            &format!("mutation($id: ID!) {{ refundOrder(id: $id) {{ {ORDER_FIELDS} }} }}"),
            json!({ "id": id }),
        )
        .await
    }
}

impl TestApp {
    pub async fn write_review(
        &self,
        auth: &Auth,
        product_id: &Value,
        rating: i64,
        body: Option<&str>,
    ) -> Value {
        self.gql_as(
            auth,
            "mutation($id: ID!, $rating: Int!, $body: String) {
                writeReview(productId: $id, rating: $rating, body: $body) {
                    id rating body authorName verifiedPurchase product { sku } } }",
            json!({ "id": product_id, "rating": rating, "body": body }),
        )
        .await
    }

    /// A product's rating and its reviews, newest first.
    pub async fn product_reviews(&self, product_id: &Value) -> Value {
        self.gql(
            "query($id: ID!) { product(id: $id) { averageRating reviewCount
                reviews(first: 100) { totalCount nodes { id rating body verifiedPurchase } } } }",
            json!({ "id": product_id }),
        )
        .await
    }
}

impl TestApp {
    /// `salesReport` from `from` to `to` (YYYY-MM-DD), one page.
    pub async fn sales_report(
        &self,
        auth: &Auth,
        from: &str,
        to: &str,
        first: Option<i64>,
        after: Option<&str>,
    ) -> Value {
        self.gql_as(
            auth,
            "query($from: Date!, $to: Date!, $first: Int, $after: String) {
                salesReport(from: $from, to: $to, first: $first, after: $after) {
                    totalCount
                    pageInfo { hasNextPage endCursor }
                    nodes { day units revenue { amountMinor currency } product { sku } }
                } }",
            super::variables([
                ("from", json!(from)),
                ("to", json!(to)),
                ("first", json!(first)),
                ("after", json!(after)),
            ]),
        )
        .await
    }
}
