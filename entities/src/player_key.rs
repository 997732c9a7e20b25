use sea_orm::entity::prelude::*;

/// A listener's key for one player device (the OpenSubsonic API). The
/// secret is sealed under a key derived from the server secret, because
/// legacy token authentication needs it back; `secret_lookup` is a keyed
/// hash of it, to find a key presented as `apiKey`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "player_keys")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    pub name: String,
    pub secret_sealed: String,
    pub secret_lookup: String,
    pub created_at: DateTimeUtc,
    pub last_used_at: Option<DateTimeUtc>,
    /// The `c` parameter of the last request made with it.
    pub last_client: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Entity {
    /// The keys `user_id` owns.
    pub fn find_owned_by(user_id: i32) -> Select<Entity> {
        Self::find().filter(Column::UserId.eq(user_id))
    }
}
