use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "albums")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub external_id: String,
    pub artist_id: i32,
    pub title: String,
    pub release_year: Option<i32>,
    pub genre: Option<String>,
    /// The feed's picture URL (elsewhere: the artwork job fetches it).
    pub cover_url: Option<String>,
    /// The artwork served by Cadenza, as a blob; null until the job has it.
    pub artwork_key: Option<String>,
    /// The `cover_url` the stored artwork was made from.
    pub artwork_source: Option<String>,
    /// Failed fetches in a row.
    pub artwork_attempts: i32,
    /// When the artwork job may try again after a failure.
    pub artwork_retry_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
