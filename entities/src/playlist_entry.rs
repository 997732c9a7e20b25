use sea_orm::entity::prelude::*;

/// One entry of a playlist: exactly one of `locker_item_id` and `track_id`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "playlist_entries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub playlist_id: i32,
    /// Dense, from 0.
    pub position: i32,
    pub locker_item_id: Option<i32>,
    pub track_id: Option<i32>,
    pub added_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
