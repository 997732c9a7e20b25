//! Stars and ratings of a listener's locker: items, albums and artists
//! starred, items rated 1 to 5.
//!
//! A star is kept as the listener's own choice whatever their settings
//! (like a playlist). It is also a taste signal, and that part follows the
//! settings as plays do: a new star is recorded as an interaction
//! (`STAR_LOCKER_ITEM`, `STAR_LOCKER_ALBUM`, `STAR_LOCKER_ARTIST`) only
//! while the listening history is on and no private session runs, and
//! never for an item its owner excluded from the taste profile. A rating
//! is kept as the item's own metadata, like its tags.

use std::collections::BTreeSet;

use chrono::{DateTime, SubsecRound, Utc};
use entities::{interaction, locker_item, locker_star};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QuerySelect, Set,
};

use super::Listening;
use crate::db::begin_write;
use crate::domain::{LockerAlbumKey, LockerArtistKey, LockerItemId, UserId};
use crate::error::{ApiError, ApiResult};
use crate::services::privacy::settings_in;

/// The most things one call stars or unstars.
pub const MAX_STARS_PER_CALL: usize = 500;

/// Something of a listener's locker they can star.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StarTarget {
    Item(LockerItemId),
    Album(LockerAlbumKey),
    Artist(LockerArtistKey),
}

/// What a call names, by kind, each once.
#[derive(Default)]
struct Targets {
    items: BTreeSet<i32>,
    albums: BTreeSet<LockerAlbumKey>,
    artists: BTreeSet<LockerArtistKey>,
}

impl Targets {
    fn of(targets: &[StarTarget]) -> ApiResult<Self> {
        if targets.len() > MAX_STARS_PER_CALL {
            return Err(ApiError::bad_input(format!(
                "at most {MAX_STARS_PER_CALL} ids a call, got {}",
                targets.len()
            )));
        }
        let mut sorted = Self::default();
        for target in targets {
            match *target {
                StarTarget::Item(id) => sorted.items.insert(id.0),
                StarTarget::Album(key) => sorted.albums.insert(key),
                StarTarget::Artist(key) => sorted.artists.insert(key),
            };
        }
        Ok(sorted)
    }
}

impl Listening {
    /// Stars `targets`, all of the listener's locker (anything else is
    /// NOT_FOUND, and nothing is starred). What is starred already keeps
    /// its first star. New stars are recorded as interactions as the
    /// listener's settings allow (see the module).
    pub async fn star(&self, user: UserId, targets: &[StarTarget]) -> ApiResult<()> {
        let targets = Targets::of(targets)?;
        // Whole microseconds, as PostgreSQL keeps them.
        let now = Utc::now().trunc_subsecs(6);
        let txn = begin_write(&self.db).await?;
        check_owned(&txn, user, &targets).await?;
        let signals = settings_in(&txn, user, now).await?.may_record();

        // The items not starred yet, and which of them may feed the taste profile.
        let new_items: Vec<(i32, bool)> = locker_item::Entity::find_owned_by(user.0)
            .filter(locker_item::Column::Id.is_in(targets.items.iter().copied()))
            .filter(locker_item::Column::StarredAt.is_null())
            .select_only()
            .column(locker_item::Column::Id)
            .column(locker_item::Column::ExcludeFromTasteProfile)
            .into_tuple()
            .all(&txn)
            .await?;
        if !new_items.is_empty() {
            locker_item::Entity::update_many()
                .col_expr(locker_item::Column::StarredAt, Expr::value(now))
                .filter(locker_item::Column::UserId.eq(user.0))
                .filter(locker_item::Column::Id.is_in(new_items.iter().map(|(id, _)| *id)))
                .exec(&txn)
                .await?;
        }
        let mut new_keys = Vec::new();
        for (kind, key) in targets
            .albums
            .iter()
            .map(|key| (locker_star::KIND_ALBUM, key.to_string()))
            .chain(
                targets
                    .artists
                    .iter()
                    .map(|key| (locker_star::KIND_ARTIST, key.to_string())),
            )
        {
            let inserted = locker_star::Entity::insert(locker_star::ActiveModel {
                user_id: Set(user.0),
                kind: Set(kind.to_owned()),
                key: Set(key.clone()),
                starred_at: Set(now),
                ..Default::default()
            })
            .on_conflict(
                OnConflict::columns([
                    locker_star::Column::UserId,
                    locker_star::Column::Kind,
                    locker_star::Column::Key,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
            if inserted > 0 {
                new_keys.push((kind, key));
            }
        }

        if signals {
            for (id, excluded) in new_items {
                if !excluded {
                    signal(&txn, user, now, "STAR_LOCKER_ITEM", Some(id), None).await?;
                }
            }
            for (kind, key) in new_keys {
                let signal_kind = if kind == locker_star::KIND_ALBUM {
                    "STAR_LOCKER_ALBUM"
                } else {
                    "STAR_LOCKER_ARTIST"
                };
                signal(&txn, user, now, signal_kind, None, Some(key)).await?;
            }
        }
        txn.commit().await?;
        Ok(())
    }

    /// Takes the stars off `targets`, all of the listener's locker
    /// (anything else is NOT_FOUND, and nothing changes). Interactions
    /// recorded for them stay in the history, as plays do.
    pub async fn unstar(&self, user: UserId, targets: &[StarTarget]) -> ApiResult<()> {
        let targets = Targets::of(targets)?;
        let txn = begin_write(&self.db).await?;
        check_owned(&txn, user, &targets).await?;
        if !targets.items.is_empty() {
            locker_item::Entity::update_many()
                .col_expr(
                    locker_item::Column::StarredAt,
                    Expr::value(Option::<DateTime<Utc>>::None),
                )
                .filter(locker_item::Column::UserId.eq(user.0))
                .filter(locker_item::Column::Id.is_in(targets.items.iter().copied()))
                .exec(&txn)
                .await?;
        }
        let keys = Condition::any()
            .add(
                Condition::all()
                    .add(locker_star::Column::Kind.eq(locker_star::KIND_ALBUM))
                    .add(
                        locker_star::Column::Key
                            .is_in(targets.albums.iter().map(|key| key.to_string())),
                    ),
            )
            .add(
                Condition::all()
                    .add(locker_star::Column::Kind.eq(locker_star::KIND_ARTIST))
                    .add(
                        locker_star::Column::Key
                            .is_in(targets.artists.iter().map(|key| key.to_string())),
                    ),
            );
        if !targets.albums.is_empty() || !targets.artists.is_empty() {
            locker_star::Entity::delete_many()
                .filter(locker_star::Column::UserId.eq(user.0))
                .filter(keys)
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// Rates one of the listener's items from 1 to 5; 0 removes its
    /// rating. Anything else is BAD_USER_INPUT; someone else's item is
    /// NOT_FOUND. Returns the item as rated.
    pub async fn rate(
        &self,
        user: UserId,
        item: LockerItemId,
        rating: i32,
    ) -> ApiResult<locker_item::Model> {
        if !(0..=5).contains(&rating) {
            return Err(ApiError::bad_input(format!(
                "`rating` must be from 1 to 5, or 0 to remove it; got {rating}"
            )));
        }
        let row = locker_item::Entity::find_owned_by(user.0)
            .filter(locker_item::Column::Id.eq(item))
            .one(&self.db)
            .await?
            .ok_or(ApiError::NotFound("locker item"))?;
        let mut rated: locker_item::ActiveModel = row.into();
        rated.rating = Set((rating > 0).then_some(rating));
        rated.update(&self.db).await.map_err(|err| match err {
            // Deleted from another device in the meantime.
            sea_orm::DbErr::RecordNotUpdated => ApiError::NotFound("locker item"),
            other => other.into(),
        })
    }
}

/// NOT_FOUND unless every target is in the listener's locker.
async fn check_owned(db: &impl ConnectionTrait, user: UserId, targets: &Targets) -> ApiResult<()> {
    if !targets.items.is_empty() {
        let found: Vec<i32> = locker_item::Entity::find_owned_by(user.0)
            .filter(locker_item::Column::Id.is_in(targets.items.iter().copied()))
            .select_only()
            .column(locker_item::Column::Id)
            .into_tuple()
            .all(db)
            .await?;
        if found.len() != targets.items.len() {
            return Err(ApiError::NotFound("locker item"));
        }
    }
    if !targets.albums.is_empty() {
        let found: Vec<String> = locker_item::Entity::find_owned_by(user.0)
            .filter(locker_item::Column::AlbumKey.is_in(targets.albums.iter().copied()))
            .select_only()
            .column(locker_item::Column::AlbumKey)
            .distinct()
            .into_tuple()
            .all(db)
            .await?;
        if found.len() != targets.albums.len() {
            return Err(ApiError::NotFound("locker album"));
        }
    }
    if !targets.artists.is_empty() {
        // Named as an item's artist, or as an album's.
        let named = |column: locker_item::Column| {
            locker_item::Entity::find_owned_by(user.0)
                .filter(column.is_in(targets.artists.iter().copied()))
                .select_only()
                .column_as(column, "key")
                .distinct()
                .into_tuple::<String>()
                .all(db)
        };
        let mut found: BTreeSet<String> = named(locker_item::Column::ArtistKey)
            .await?
            .into_iter()
            .collect();
        found.extend(named(locker_item::Column::AlbumArtistKey).await?);
        if found.len() != targets.artists.len() {
            return Err(ApiError::NotFound("locker artist"));
        }
    }
    Ok(())
}

/// One star as an interaction.
async fn signal(
    db: &impl ConnectionTrait,
    user: UserId,
    at: DateTime<Utc>,
    kind: &str,
    locker_item_id: Option<i32>,
    locker_key: Option<String>,
) -> ApiResult<()> {
    interaction::ActiveModel {
        user_id: Set(user.0),
        kind: Set(kind.to_owned()),
        locker_item_id: Set(locker_item_id),
        locker_key: Set(locker_key),
        occurred_at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}
