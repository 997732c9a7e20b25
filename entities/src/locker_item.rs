use sea_orm::entity::prelude::*;

/// One item of a user's locker: a blob and the metadata Cadenza keeps for it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "locker_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    /// The bytes it streams: the upload's own blob, or the catalogue
    /// master for a purchase. Null for a purchase whose master is not
    /// attached yet.
    pub blob_id: Option<i32>,
    /// `UPLOAD` or `PURCHASE`.
    pub source: String,
    pub title: String,
    pub artist: String,
    pub album: String,
    pub album_artist: Option<String>,
    pub genre: Option<String>,
    pub track_number: Option<i32>,
    pub disc_number: Option<i32>,
    pub year: Option<i32>,
    pub isrc: Option<String>,
    pub duration_ms: i32,
    pub format: String,
    pub mime_type: String,
    pub bitrate_kbps: Option<i32>,
    pub sample_rate_hz: Option<i32>,
    pub channels: Option<i32>,
    pub size_bytes: i64,
    pub content_hash: String,
    pub catalogue_track_id: Option<i32>,
    pub exclude_from_taste_profile: bool,
    /// Where the picture embedded in the upload is stored, if it had one
    /// Cadenza could read; its thumbnails are stored under keys derived
    /// from this one. Never shared with another item or user.
    pub cover_key: Option<String>,
    /// `image/jpeg` or `image/png`, as the picture's bytes say.
    pub cover_mime_type: Option<String>,
    pub added_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The key of `artist`, of the album artist (`album_artist`, or
    /// `artist` where none is tagged) and of the album (`album` and its
    /// album artist): 16 hex digits derived from the normalised names, so
    /// the locker's artists and albums have ids that stay put. Set with the
    /// names on every write.
    pub artist_key: String,
    pub album_artist_key: String,
    pub album_key: String,
    /// When its owner starred it; null when not starred.
    pub starred_at: Option<DateTimeUtc>,
    /// Its owner's rating, 1 to 5; null when unrated.
    pub rating: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Entity {
    /// The items `user_id` owns: the one way to reach locker rows, so no
    /// caller builds its own ownership filter.
    pub fn find_owned_by(user_id: i32) -> Select<Entity> {
        Self::find().filter(Column::UserId.eq(user_id))
    }
}
