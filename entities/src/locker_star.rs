use sea_orm::entity::prelude::*;

/// An album or artist of a listener's locker that they starred, by its key
/// (an item's star is on the item's row).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "locker_stars")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    /// `ALBUM` or `ARTIST`.
    pub kind: String,
    /// The album's or artist's key, as `locker_items` keeps it.
    pub key: String,
    pub starred_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Entity {
    /// The stars of `user_id`: the one way to reach them.
    pub fn find_owned_by(user_id: i32) -> Select<Entity> {
        Self::find().filter(Column::UserId.eq(user_id))
    }
}
