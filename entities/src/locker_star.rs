use sea_orm::entity::prelude::*;

/// An album or artist of a listener's locker that they starred, by its key
/// (an item's star is on the item's row).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "locker_stars")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    /// `KIND_ALBUM` or `KIND_ARTIST`.
    pub kind: String,
    /// The album's or artist's key, as `locker_items` keeps it.
    pub key: String,
    pub starred_at: DateTimeUtc,
}

/// The star of an album (its key a `locker_items.album_key`).
pub const KIND_ALBUM: &str = "ALBUM";
/// The star of an artist (its key a `locker_items.artist_key` or
/// `album_artist_key`).
pub const KIND_ARTIST: &str = "ARTIST";

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Entity {
    /// The stars of `user_id`: the one way to reach them.
    pub fn find_owned_by(user_id: i32) -> Select<Entity> {
        Self::find().filter(Column::UserId.eq(user_id))
    }
}
