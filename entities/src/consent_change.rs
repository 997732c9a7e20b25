use sea_orm::entity::prelude::*;

/// One change to a listener's privacy settings, as the consent log keeps it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consent_changes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    /// `record_listening_history`, `personalized_recommendations`,
    /// `contribute_to_aggregates` or `private_session`.
    pub setting: String,
    /// The setting's new value; for a private session, whether one started.
    pub enabled: bool,
    /// When a private session started by this change ends.
    pub until: Option<DateTimeUtc>,
    pub changed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Entity {
    /// The changes `user_id` made: the one way to reach them.
    pub fn find_owned_by(user_id: i32) -> Select<Entity> {
        Self::find().filter(Column::UserId.eq(user_id))
    }
}
