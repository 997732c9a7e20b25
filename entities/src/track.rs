use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tracks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub external_id: String,
    pub album_id: i32,
    pub title: String,
    pub track_number: Option<i32>,
    pub disc_number: Option<i32>,
    pub duration_ms: i32,
    /// Only when the feed gave one; otherwise the album's genre applies.
    pub genre: Option<String>,
    pub isrc: Option<String>,
    /// Where the 30-second preview starts, as the feed set it; null: a
    /// third of the way in.
    pub preview_start_ms: Option<i32>,
    pub popularity: i64,
    /// The master audio buyers receive, once a partner attaches it.
    pub master_blob_id: Option<i32>,
    /// What the master audio is, as read from it when it was attached.
    pub master_format: Option<String>,
    pub master_mime_type: Option<String>,
    pub master_bitrate_kbps: Option<i32>,
    pub master_sample_rate_hz: Option<i32>,
    pub master_channels: Option<i32>,
    /// The title as uploads are matched by it (see the API's `matching`).
    pub title_key: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Entity {
    /// The tracks `user_id` owns: bought on their own, or with their album.
    pub fn find_owned_by(user_id: i32) -> Select<Entity> {
        use super::product;
        use sea_orm::{Condition, QuerySelect, QueryTrait};
        let bought_alone = product::Entity::find_owned_by(user_id)
            .select_only()
            .column(product::Column::TrackId)
            .filter(product::Column::TrackId.is_not_null())
            .into_query();
        let albums_bought = product::Entity::find_owned_by(user_id)
            .select_only()
            .column(product::Column::AlbumId)
            .filter(product::Column::Kind.eq("ALBUM"))
            .into_query();
        Self::find().filter(
            Condition::any()
                .add(Column::Id.in_subquery(bought_alone))
                .add(Column::AlbumId.in_subquery(albums_bought)),
        )
    }
}
