use sea_orm::entity::prelude::*;

/// An order: written as a payment intent (PENDING, prices fixed) before
/// the payment provider is called; FULFILLED once paid and delivered, in
/// one transaction; REFUNDED by an administrator.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// What people read and quote, e.g. `CDZ-7Q2M-K9XD`.
    #[sea_orm(unique)]
    pub number: String,
    /// Null once the buyer's account is deleted.
    pub user_id: Option<i32>,
    pub idempotency_key: String,
    pub status: String,
    pub total_minor: i64,
    pub currency: String,
    pub payment_reference: Option<String>,
    pub created_at: DateTimeUtc,
    pub paid_at: Option<DateTimeUtc>,
    pub refunded_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Entity {
    /// The orders `user_id` placed: the one way to reach a buyer's orders,
    /// so no caller builds its own ownership filter.
    pub fn find_owned_by(user_id: i32) -> Select<Entity> {
        Self::find().filter(Column::UserId.eq(user_id))
    }
}
