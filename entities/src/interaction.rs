use sea_orm::entity::prelude::*;

/// One interaction in its listener's history.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "interactions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    /// `VIEW_ARTIST`, `VIEW_ALBUM`, `VIEW_PRODUCT`, `BROWSE_GENRE`, `SEARCH`,
    /// `CLICK_RECOMMENDATION`, `STAR_LOCKER_ITEM`, `STAR_LOCKER_ALBUM` or
    /// `STAR_LOCKER_ARTIST`.
    pub kind: String,
    pub artist_id: Option<i32>,
    pub album_id: Option<i32>,
    pub product_id: Option<i32>,
    pub genre: Option<String>,
    pub query: Option<String>,
    pub occurred_at: DateTimeUtc,
    /// The locker item starred (`STAR_LOCKER_ITEM`).
    pub locker_item_id: Option<i32>,
    /// The key of the locker album or artist starred.
    pub locker_key: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
