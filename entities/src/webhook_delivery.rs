use sea_orm::entity::prelude::*;

/// One event for one endpoint: the outbox row, written in the transaction
/// of the change it announces, and the state of its delivery.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub endpoint_id: i32,
    /// The `webhook-id` header, the same for every attempt.
    pub message_id: String,
    pub event_type: String,
    /// The JSON body, exactly as sent.
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub delivered_at: Option<DateTimeUtc>,
    pub last_status_code: Option<i32>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    /// Set while a worker sends an attempt; the lease ends at
    /// `claim_expires_at`, after which another worker may take it.
    pub claim_token: Option<String>,
    pub claim_expires_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
