use sea_orm::entity::prelude::*;

/// One privacy action, as the audit log keeps it: ids and a short detail,
/// never names, emails or titles.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_entries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Whose data the action was about. An erasure deletes the subject's
    /// entries and writes one, ACCOUNT_DELETED, kept under the number.
    pub subject_user_id: i32,
    /// Who acted: the subject themselves or an ADMIN.
    pub actor_user_id: Option<i32>,
    pub action: String,
    pub detail: Option<String>,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Entity {
    /// The entries about `user_id`: the one way a listener reaches them.
    pub fn find_owned_by(user_id: i32) -> Select<Entity> {
        Self::find().filter(Column::SubjectUserId.eq(user_id))
    }
}
