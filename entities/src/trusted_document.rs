use sea_orm::entity::prelude::*;

/// A GraphQL document a client declared ahead (a trusted, or safelisted,
/// document): by the id its manifest gives and the SHA-256 of its text.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "trusted_documents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub sha256: String,
    pub body: String,
    pub operation_name: Option<String>,
    pub imported_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
