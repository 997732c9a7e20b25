use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "products")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub sku: String,
    /// `TRACK` or `ALBUM`.
    pub kind: String,
    /// The album sold, or the album of the track sold.
    pub album_id: i32,
    pub track_id: Option<i32>,
    pub price_minor: i64,
    pub currency: String,
    pub audio_format: String,
    pub available: bool,
    pub sales_count: i64,
    pub rating_count: i32,
    pub rating_sum: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Copies of what the store lists a product by, kept by the feed
    /// import so that an index of this table serves every store page: the
    /// track's genre, else the album's; the album's artist and year.
    pub listing_genre: Option<String>,
    pub artist_id: Option<i32>,
    pub release_year: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Entity {
    /// The products `user_id` owns.
    pub fn find_owned_by(user_id: i32) -> Select<Entity> {
        use sea_orm::{QuerySelect, QueryTrait};
        let owned = super::entitlement::Entity::find_owned_by(user_id)
            .select_only()
            .column(super::entitlement::Column::ProductId)
            .into_query();
        Self::find().filter(Column::Id.in_subquery(owned))
    }
}
