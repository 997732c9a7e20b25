use sea_orm::entity::prelude::*;

/// Where an administrator asked webhook events to be sent.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_endpoints")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub url: String,
    /// Comma-separated event types, e.g. `order.fulfilled,product.updated`.
    pub events: String,
    /// `whsec_<base64>`: kept in clear because every delivery is signed
    /// with it; the API shows it once, at creation.
    pub secret: String,
    /// A disabled endpoint is sent nothing; what was pending waits.
    pub disabled: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
