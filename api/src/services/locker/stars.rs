//! What a listener starred, as the locker reads it: the stars of albums
//! and artists are kept by key in `locker_stars` (an item's on its row),
//! and go when no item names their key any more. Stars are set through
//! `services::listening`, since a star is also a taste signal.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entities::{locker_item, locker_star};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::domain::UserId;
use crate::error::ApiResult;

/// What a star in `locker_stars` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StarKind {
    Album,
    Artist,
}

impl StarKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            StarKind::Album => locker_star::KIND_ALBUM,
            StarKind::Artist => locker_star::KIND_ARTIST,
        }
    }
}

/// When the listener starred each of `keys` (of `kind`), by key as stored.
pub(super) async fn stars_of<K: ToString>(
    db: &impl ConnectionTrait,
    user: UserId,
    kind: StarKind,
    keys: impl Iterator<Item = K>,
) -> ApiResult<HashMap<String, DateTime<Utc>>> {
    let keys: Vec<String> = keys.map(|key| key.to_string()).collect();
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let stars: Vec<(String, DateTime<Utc>)> = locker_star::Entity::find_owned_by(user.0)
        .filter(locker_star::Column::Kind.eq(kind.as_str()))
        .filter(locker_star::Column::Key.is_in(keys))
        .select_only()
        .column(locker_star::Column::Key)
        .column(locker_star::Column::StarredAt)
        .into_tuple()
        .all(db)
        .await?;
    Ok(stars.into_iter().collect())
}

/// Takes away the listener's stars of albums and artists that none of
/// their items names any more: a star is on a key, and goes when the last
/// item with that key is removed, or edited to name another.
pub(crate) async fn drop_unnamed_stars(db: &impl ConnectionTrait, user: UserId) -> ApiResult<()> {
    let named = |column: locker_item::Column| {
        Query::select()
            .column(column)
            .from(locker_item::Entity)
            .and_where(Expr::col(locker_item::Column::UserId).eq(user.0))
            .to_owned()
    };
    let unnamed = Condition::any()
        .add(
            Condition::all()
                .add(locker_star::Column::Kind.eq(StarKind::Album.as_str()))
                .add(
                    locker_star::Column::Key.not_in_subquery(named(locker_item::Column::AlbumKey)),
                ),
        )
        .add(
            Condition::all()
                .add(locker_star::Column::Kind.eq(StarKind::Artist.as_str()))
                .add(
                    locker_star::Column::Key.not_in_subquery(named(locker_item::Column::ArtistKey)),
                )
                .add(
                    locker_star::Column::Key
                        .not_in_subquery(named(locker_item::Column::AlbumArtistKey)),
                ),
        );
    locker_star::Entity::delete_many()
        .filter(locker_star::Column::UserId.eq(user.0))
        .filter(unnamed)
        .exec(db)
        .await?;
    Ok(())
}
