use sea_orm::entity::prelude::*;

/// Stored bytes, exactly as uploaded. Blobs are never shared between users.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "blobs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Where the bytes are in storage; generated, never from client input.
    #[sea_orm(unique)]
    pub storage_key: String,
    /// Hex SHA-256 of the bytes.
    pub content_hash: String,
    pub size_bytes: i64,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
