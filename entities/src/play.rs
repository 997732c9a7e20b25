use sea_orm::entity::prelude::*;

/// One play, in its listener's history.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "plays")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    /// What was played: a locker item or a catalogue track.
    pub locker_item_id: Option<i32>,
    pub track_id: Option<i32>,
    /// The catalogue track the play counts as in statistics (the track
    /// played, or the one its locker item is matched to).
    pub stats_track_id: Option<i32>,
    pub ms_played: i32,
    pub completed: bool,
    pub device_id: Option<String>,
    pub context: Option<String>,
    /// Kept in the listener's history, never fed to a statistic.
    pub excluded: bool,
    pub played_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Entity {
    /// The plays of `user_id`: the one way to reach them.
    pub fn find_owned_by(user_id: i32) -> Select<Entity> {
        Self::find().filter(Column::UserId.eq(user_id))
    }
}
