//! Editing the metadata Cadenza keeps of an item; the stored bytes never
//! change.

use chrono::Utc;
use entities::locker_item;
use sea_orm::{ActiveModelTrait, Set};

use super::events::LockerChange;
use super::stars::drop_unnamed_stars;
use super::Locker;
use crate::db::begin_write;
use crate::domain::{LockerItemId, LockerKeys, UserId};
use crate::error::{ApiError, ApiResult};
use crate::services::search::Change;

/// The metadata a listener may edit; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct ItemEdit {
    pub exclude_from_taste_profile: Option<bool>,
    pub title: Option<String>,
    pub artist: Option<String>,
    pub album: Option<String>,
    pub album_artist: Option<String>,
    pub genre: Option<String>,
    pub track_number: Option<i32>,
    pub disc_number: Option<i32>,
    pub year: Option<i32>,
}

impl Locker {
    /// Edits the metadata Cadenza keeps; the stored bytes never change.
    pub async fn update(
        &self,
        user: UserId,
        id: LockerItemId,
        edit: ItemEdit,
    ) -> ApiResult<locker_item::Model> {
        let item = self
            .item(user, id)
            .await?
            .ok_or(ApiError::NotFound("locker item"))?;
        let keys_before = (
            item.artist_key.clone(),
            item.album_artist_key.clone(),
            item.album_key.clone(),
        );
        let mut active: locker_item::ActiveModel = item.into();
        let required = |field: &str, value: String| -> ApiResult<String> {
            let value = value.trim().to_owned();
            if value.is_empty() || value.chars().count() > 500 {
                return Err(ApiError::bad_input(format!(
                    "`{field}` must be between 1 and 500 characters"
                )));
            }
            Ok(value)
        };
        let optional = |field: &str, value: String, max: usize| -> ApiResult<Option<String>> {
            let value = value.trim().to_owned();
            if value.chars().count() > max {
                return Err(ApiError::bad_input(format!(
                    "`{field}` must be at most {max} characters"
                )));
            }
            Ok((!value.is_empty()).then_some(value))
        };
        let number = |field: &str, value: i32, max: i32| -> ApiResult<Option<i32>> {
            if value == 0 {
                return Ok(None);
            }
            if !(1..=max).contains(&value) {
                return Err(ApiError::bad_input(format!(
                    "`{field}` must be between 1 and {max}, or 0 to clear it"
                )));
            }
            Ok(Some(value))
        };
        if let Some(title) = edit.title {
            active.title = Set(required("title", title)?);
        }
        if let Some(artist) = edit.artist {
            active.artist = Set(required("artist", artist)?);
        }
        if let Some(album) = edit.album {
            active.album = Set(required("album", album)?);
        }
        if let Some(album_artist) = edit.album_artist {
            active.album_artist = Set(optional("albumArtist", album_artist, 500)?);
        }
        if let Some(genre) = edit.genre {
            active.genre = Set(optional("genre", genre, 100)?);
        }
        if let Some(track_number) = edit.track_number {
            active.track_number = Set(number("trackNumber", track_number, 9999)?);
        }
        if let Some(disc_number) = edit.disc_number {
            active.disc_number = Set(number("discNumber", disc_number, 999)?);
        }
        if let Some(year) = edit.year {
            active.year = Set(number("year", year, 2100)?);
        }
        if let Some(exclude) = edit.exclude_from_taste_profile {
            active.exclude_from_taste_profile = Set(exclude);
        }
        // The keys follow the names, so the item moves to the artist and
        // album its tags now name; no other item's keys change.
        let name =
            |value: &sea_orm::ActiveValue<String>| value.try_as_ref().cloned().unwrap_or_default();
        let keys = LockerKeys::of(
            &name(&active.artist),
            &name(&active.album),
            active
                .album_artist
                .try_as_ref()
                .cloned()
                .flatten()
                .as_deref(),
        );
        active.artist_key = Set(keys.artist.to_string());
        active.album_artist_key = Set(keys.album_artist.to_string());
        active.album_key = Set(keys.album.to_string());
        active.updated_at = Set(Utc::now());
        let txn = begin_write(&self.db).await?;
        let updated = active.update(&txn).await.map_err(|err| match err {
            // Deleted from another device in the meantime.
            sea_orm::DbErr::RecordNotUpdated => ApiError::NotFound("locker item"),
            other => other.into(),
        })?;
        let keys_after = (
            updated.artist_key.clone(),
            updated.album_artist_key.clone(),
            updated.album_key.clone(),
        );
        if keys_after != keys_before {
            // It may have been the last item to name its old artist or album.
            drop_unnamed_stars(&txn, user).await?;
        }
        self.search
            .record(&txn, [Change::LockerItem(updated.id)])
            .await?;
        txn.commit().await?;
        self.search.changed();
        self.announce(user, LockerChange::Updated, id).await;
        Ok(updated)
    }
}
