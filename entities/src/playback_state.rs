use sea_orm::entity::prelude::*;

/// Where a listener is right now, on which device: one row per user,
/// overwritten by every update, never a history.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "playback_states")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i32,
    pub device_id: String,
    /// What is loaded: a locker item or a catalogue track, or nothing.
    pub locker_item_id: Option<i32>,
    pub track_id: Option<i32>,
    pub position_ms: i32,
    pub playing: bool,
    pub updated_at: DateTimeUtc,
    /// The play queue: locker item ids in order, separated by commas;
    /// null when no device saved one.
    pub queue: Option<String>,
    /// Where in the queue the loaded item is (0-based): a queue may hold an
    /// item twice.
    pub queue_index: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The locker item ids of `queue`, in order.
    pub fn queue_ids(&self) -> Vec<i32> {
        self.queue
            .as_deref()
            .unwrap_or("")
            .split(',')
            .filter_map(|id| id.trim().parse().ok())
            .collect()
    }
}

impl Entity {
    /// The playback state of `user_id`: the one way to reach it.
    pub fn find_owned_by(user_id: i32) -> Select<Entity> {
        Self::find().filter(Column::UserId.eq(user_id))
    }
}
