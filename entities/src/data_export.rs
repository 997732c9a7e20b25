use sea_orm::entity::prelude::*;

/// A document of everything stored about a listener, waiting in blob
/// storage to be downloaded once before it expires.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "data_exports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    /// Where the document is in blob storage.
    #[sea_orm(unique)]
    pub storage_key: String,
    pub size_bytes: i64,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    /// When its one download started; set once, atomically.
    pub used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
