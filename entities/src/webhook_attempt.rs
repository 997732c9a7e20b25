use sea_orm::entity::prelude::*;

/// One attempt to deliver a webhook, and how the endpoint answered.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_attempts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub delivery_id: i32,
    /// 1 for the first attempt.
    pub attempt: i32,
    pub started_at: DateTimeUtc,
    pub duration_ms: i32,
    /// The HTTP status, when the endpoint answered at all.
    pub status_code: Option<i32>,
    /// Why the attempt failed when no answer came (timeout, refused).
    #[sea_orm(column_type = "Text", nullable)]
    pub error: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
