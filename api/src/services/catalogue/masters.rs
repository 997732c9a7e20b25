//! Master audio: the file buyers of a catalogue track receive. A partner
//! attaches it through the same pipeline as uploads (read by content,
//! stored unchanged); a purchase's locker item points at it, no copy made,
//! and purchases made before it was attached point at it from then on.

use chrono::Utc;
use entities::{blob, locker_item, track};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    Set,
};

use super::CatalogueVersion;
use crate::db::{begin_write, lock_row_for_update};
use crate::domain::{LockerSource, TrackId};
use crate::error::{ApiError, ApiResult};
use crate::services::media::{BlobStore, Inspected, ReceivedFile};

#[derive(Clone)]
pub struct Masters {
    db: DatabaseConnection,
    blobs: BlobStore,
    /// Attaching a master changes what anonymous callers see of a track.
    catalogue_version: CatalogueVersion,
}

impl Masters {
    pub fn new(
        db: DatabaseConnection,
        blobs: BlobStore,
        catalogue_version: CatalogueVersion,
    ) -> Self {
        Self {
            db,
            blobs,
            catalogue_version,
        }
    }

    /// Stores master audio for a catalogue track through the upload pipeline
    /// (read by content, stored unchanged), replacing any earlier master.
    pub async fn attach(&self, track_id: TrackId, file: ReceivedFile) -> ApiResult<track::Model> {
        let track = track::Entity::find_by_id(track_id.0)
            .one(&self.db)
            .await?
            .ok_or(ApiError::NotFound("track"))?;
        let Inspected {
            content,
            size,
            hash,
            facts,
            ..
        } = file.inspect().await?;
        let facts = facts?;
        let key = BlobStore::new_key();
        self.blobs
            .put_file(&key, content, size.unsigned_abs())
            .await?;
        let recorded: ApiResult<(track::Model, Option<blob::Model>)> = async {
            let txn = begin_write(&self.db).await?;
            let blob = blob::ActiveModel {
                storage_key: Set(key.clone()),
                content_hash: Set(hash),
                size_bytes: Set(size),
                created_at: Set(Utc::now()),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            let previous = track.master_blob_id;
            let mut active: track::ActiveModel = track.into();
            active.master_blob_id = Set(Some(blob.id));
            active.master_format = Set(Some(facts.format.to_owned()));
            active.master_mime_type = Set(Some(facts.mime_type.to_owned()));
            active.master_bitrate_kbps = Set(facts.bitrate_kbps);
            active.master_sample_rate_hz = Set(facts.sample_rate_hz);
            active.master_channels = Set(facts.channels);
            active.updated_at = Set(Utc::now());
            let updated = active.update(&txn).await?;
            // Buyers who have been waiting for this master stream it now.
            deliver_waiting(&txn, &[updated.id], &blob, &updated).await?;
            // The old master goes unless a buyer's locker item or another
            // track (the demo's share theirs) still uses it.
            let orphan = match previous {
                Some(old) => {
                    let used = locker_item::Entity::find()
                        .filter(locker_item::Column::BlobId.eq(old))
                        .count(&txn)
                        .await?
                        > 0
                        || track::Entity::find()
                            .filter(track::Column::MasterBlobId.eq(old))
                            .count(&txn)
                            .await?
                            > 0;
                    if used {
                        None
                    } else {
                        let old_blob = blob::Entity::find_by_id(old).one(&txn).await?;
                        blob::Entity::delete_by_id(old).exec(&txn).await?;
                        old_blob
                    }
                }
                None => None,
            };
            txn.commit().await?;
            Ok((updated, orphan))
        }
        .await;
        match recorded {
            Ok((updated, orphan)) => {
                if let Some(old) = orphan {
                    if let Err(err) = self.blobs.delete(&old.storage_key).await {
                        tracing::error!(blob.id = old.id, error = %format!("{err:?}"), "a replaced master could not be removed");
                    }
                }
                self.catalogue_version.bump();
                tracing::info!(
                    track.id = updated.id,
                    size_bytes = size,
                    "master audio attached"
                );
                Ok(updated)
            }
            Err(err) => {
                let _ = self.blobs.delete(&key).await;
                Err(err)
            }
        }
    }

    /// Gives `to` (tracks without a master) the master `from` has, the
    /// same blob, no copy: for the demo catalogue, whose tracks of one
    /// length share one. Purchases of them waiting for audio get it too.
    /// The number of tracks given it.
    pub async fn share(&self, from: &track::Model, to: &[i32]) -> ApiResult<u64> {
        let txn = begin_write(&self.db).await?;
        // Read again under its lock, so that a master attached to it
        // meanwhile cannot take away the blob being shared.
        lock_row_for_update(&txn, "tracks", from.id).await?;
        let Some(from) = track::Entity::find_by_id(from.id).one(&txn).await? else {
            return Ok(0);
        };
        let Some(blob_id) = from.master_blob_id else {
            return Ok(0);
        };
        let Some(blob) = blob::Entity::find_by_id(blob_id).one(&txn).await? else {
            return Ok(0);
        };
        let given = track::Entity::update_many()
            .col_expr(track::Column::MasterBlobId, Expr::value(blob.id))
            .col_expr(
                track::Column::MasterFormat,
                Expr::value(from.master_format.clone()),
            )
            .col_expr(
                track::Column::MasterMimeType,
                Expr::value(from.master_mime_type.clone()),
            )
            .col_expr(
                track::Column::MasterBitrateKbps,
                Expr::value(from.master_bitrate_kbps),
            )
            .col_expr(
                track::Column::MasterSampleRateHz,
                Expr::value(from.master_sample_rate_hz),
            )
            .col_expr(
                track::Column::MasterChannels,
                Expr::value(from.master_channels),
            )
            .col_expr(track::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(track::Column::Id.is_in(to.iter().copied()))
            .filter(track::Column::MasterBlobId.is_null())
            .exec(&txn)
            .await?;
        deliver_waiting(&txn, to, &blob, &from).await?;
        txn.commit().await?;
        self.catalogue_version.bump();
        Ok(given.rows_affected)
    }
}

/// Points purchases of `tracks` still waiting for audio at `blob`, the
/// master `master` describes.
async fn deliver_waiting(
    txn: &sea_orm::DatabaseTransaction,
    tracks: &[i32],
    blob: &blob::Model,
    master: &track::Model,
) -> ApiResult<()> {
    locker_item::Entity::update_many()
        .col_expr(locker_item::Column::BlobId, Expr::value(blob.id))
        .col_expr(locker_item::Column::SizeBytes, Expr::value(blob.size_bytes))
        .col_expr(
            locker_item::Column::ContentHash,
            Expr::value(blob.content_hash.clone()),
        )
        .col_expr(
            locker_item::Column::Format,
            Expr::value(master.master_format.clone()),
        )
        .col_expr(
            locker_item::Column::MimeType,
            Expr::value(master.master_mime_type.clone()),
        )
        .col_expr(
            locker_item::Column::BitrateKbps,
            Expr::value(master.master_bitrate_kbps),
        )
        .col_expr(
            locker_item::Column::SampleRateHz,
            Expr::value(master.master_sample_rate_hz),
        )
        .col_expr(
            locker_item::Column::Channels,
            Expr::value(master.master_channels),
        )
        .col_expr(locker_item::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(locker_item::Column::CatalogueTrackId.is_in(tracks.iter().copied()))
        .filter(locker_item::Column::Source.eq(LockerSource::Purchase.as_str()))
        .filter(locker_item::Column::BlobId.is_null())
        .exec(txn)
        .await?;
    Ok(())
}
