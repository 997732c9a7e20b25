use sea_orm::entity::prelude::*;

/// One change to something searchable, numbered in commit order: the feed
/// every replica's search index catches up from.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "search_changes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub seq: i64,
    /// `artist`, `album`, `track`, `product` or `locker_item`.
    pub kind: String,
    pub entity_id: i32,
    pub changed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
