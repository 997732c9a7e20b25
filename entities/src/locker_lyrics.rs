use sea_orm::entity::prelude::*;

/// The unsynchronised lyrics a locker item's tags held, kept apart from
/// the item's row so that listing a locker does not read them. Removed
/// with the item (a foreign key that cascades).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "locker_lyrics")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub locker_item_id: i32,
    pub user_id: i32,
    pub lyrics: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Entity {
    /// The lyrics of `user_id`'s items: the one way to reach them.
    pub fn find_owned_by(user_id: i32) -> Select<Entity> {
        Self::find().filter(Column::UserId.eq(user_id))
    }
}
