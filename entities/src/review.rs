use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reviews")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub product_id: i32,
    /// The author; null for reviews that came with a partner's catalogue
    /// feed. Deleting an account deletes its reviews.
    pub user_id: Option<i32>,
    pub author_name: String,
    pub rating: i16,
    pub body: Option<String>,
    pub verified_purchase: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
