//! Erasure: `deleteAccount` removes everything of a listener's, so that
//! nothing of the account stays readable anywhere Cadenza keeps data.
//!
//! In one transaction: every row of theirs goes (profile, settings, consent
//! log, audit entries, locker with its stars and lyrics, playlists, plays,
//! interactions, playback, cart, reviews, entitlements, sessions, API keys,
//! exports), their orders stay for
//! accounting with no link to them and no key they chose, and three notes
//! are written: the account's number in `erased_users` (its tokens stop
//! working on every replica), the keys of their uploaded files (covers
//! and thumbnails too) in `blob_deletions`, and an erasure in the search feed (every replica drops
//! their documents and rewrites the segments that held them).
//!
//! After the commit the files go from storage, this replica's index is
//! purged, Redis forgets their counts, and on SQLite the write-ahead log is
//! checkpointed and truncated (with `secure_delete` on, deleted pages are
//! zeroed). A crash at any point leaves either the whole account (before the
//! commit) or the notes, which the next start finishes: `sweep` removes the
//! files, and the index purges at start-up when its marker says so.

use std::time::Duration;

use chrono::{SubsecRound, Utc};
use entities::{
    api_key, audit_entry, blob_deletion, cart_line, consent_change, data_export, entitlement,
    erased_user, interaction, locker_item, locker_lyrics, locker_star, order, play, playback_state,
    player_key, playlist, playlist_entry, privacy_settings, product, refresh_token, review, user,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};

mod aftermath;
pub mod ledger;

use self::aftermath::checkpoint;
use super::audit::{self, AuditAction, AuditRecord};
use crate::auth::{secret_hash, ErasedUsers};
use crate::db::{begin_write, lock_row_for_update};
use crate::domain::{OrderStatus, UserId};
use crate::error::{ApiError, ApiResult};
use crate::services::bus::{Addressed, UserBus};
use crate::services::catalogue::CatalogueVersion;
use crate::services::locker::{cover_keys as cover_keys_of, orphaned_blob, Locker};
use crate::services::media::BlobStore;
use crate::services::rate_limit::{RateLimiter, LOGIN_PER_ACCOUNT};
use crate::services::search::{Change, Feed, Search};

/// How long an erased account's number is kept: longer than any access
/// token issued to it lives.
const ERASED_KEPT: chrono::Duration = chrono::Duration::days(2);
/// How often each replica reads the erased accounts again, in case an
/// event from another replica was lost with Redis.
const RELOAD_EVERY: Duration = Duration::from_secs(5);
/// How long `deleteAccount` waits for this replica's index to be purged.
const PURGE_WAIT: Duration = Duration::from_secs(30);
/// Rows deleted per statement where a listener may have many.
const BATCH: u64 = 5_000;

/// An account was erased: every replica stops its tokens and subscriptions.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AccountErased {
    pub user_id: UserId,
}

impl Addressed for AccountErased {
    const CHANNEL: &'static str = "account-erased";
    const FORWARDER: &'static str = "redis-account-erased";

    fn user_id(&self) -> UserId {
        self.user_id
    }
}

pub type ErasureEvents = UserBus<AccountErased>;

/// What erasure needs from the rest of the services.
pub struct ErasureParts {
    pub db: DatabaseConnection,
    pub blobs: BlobStore,
    pub feed: Feed,
    pub search: Search,
    pub locker: Locker,
    pub erased: ErasedUsers,
    pub events: ErasureEvents,
    pub limiter: RateLimiter,
    pub catalogue_version: CatalogueVersion,
    /// The erasure ledger's file (`ledger`).
    pub ledger: std::path::PathBuf,
}

#[derive(Clone)]
pub struct Erasure {
    db: DatabaseConnection,
    blobs: BlobStore,
    feed: Feed,
    search: Search,
    locker: Locker,
    erased: ErasedUsers,
    events: ErasureEvents,
    limiter: RateLimiter,
    catalogue_version: CatalogueVersion,
    ledger: std::path::PathBuf,
}

/// What the transaction found to clean up after it.
struct Erased {
    email: String,
    storage_keys: Vec<String>,
    reviewed: bool,
}

impl Erasure {
    pub fn new(parts: ErasureParts) -> Self {
        Self {
            db: parts.db,
            blobs: parts.blobs,
            feed: parts.feed,
            search: parts.search,
            locker: parts.locker,
            erased: parts.erased,
            events: parts.events,
            limiter: parts.limiter,
            catalogue_version: parts.catalogue_version,
            ledger: parts.ledger,
        }
    }

    /// Erases `user`'s account (the caller has checked their password).
    /// When it returns, its tokens are refused everywhere and, unless a
    /// warning says otherwise (storage or the index failed to keep up, or
    /// the WAL stayed busy: each finished at the next start), nothing of
    /// the account is left on this replica's disk.
    pub async fn erase(&self, user: UserId) -> ApiResult<()> {
        let erased = self.erase_rows(user).await?;
        let ledger = self.ledger.clone();
        let noted = tokio::task::spawn_blocking(move || ledger::append(&ledger, user)).await;
        if !matches!(noted, Ok(Ok(()))) {
            // The account is gone from the database; only a restore of an
            // older backup could bring it back, and the operator must know.
            tracing::error!(
                user.id = user.0,
                ledger = %self.ledger.display(),
                "the erasure could not be written to the erasure ledger; \
                 a restore of an older backup would bring this account back"
            );
        }
        self.feed.changed();
        self.forget_everywhere(user).await;
        for limit in ["mutation", "export"] {
            self.limiter
                .forget(limit, &format!("user:{}", user.0))
                .await;
        }
        self.limiter
            .forget(LOGIN_PER_ACCOUNT.name, &secret_hash(&erased.email))
            .await;
        if erased.reviewed {
            self.catalogue_version.bump();
        }
        // The notes are durable: what fails here is finished by the sweep.
        let removed = self.sweep().await;
        match self.search.settle(PURGE_WAIT).await {
            Ok(true) => {}
            Ok(false) => tracing::warn!(
                user.id = user.0,
                "the search index was not purged in time; it finishes in the background"
            ),
            Err(err) => tracing::error!(error = %err, "waiting for the search index failed"),
        }
        checkpoint(&self.db).await;
        tracing::info!(
            user.id = user.0,
            files = erased.storage_keys.len(),
            removed,
            "account erased"
        );
        Ok(())
    }

    async fn erase_rows(&self, user: UserId) -> ApiResult<Erased> {
        let txn = begin_write(&self.db).await?;
        lock_row_for_update(&txn, "users", user.0).await?;
        let account = user::Entity::find_by_id(user.0)
            .one(&txn)
            .await?
            .ok_or(ApiError::Unauthenticated)?;
        // The store's payment intent: charged or not, it is settled by the
        // sweep within minutes, and only then is there an order to keep.
        let pending = order::Entity::find()
            .filter(order::Column::UserId.eq(user.0))
            .filter(order::Column::Status.eq(OrderStatus::Pending.as_str()))
            .count(&txn)
            .await?;
        if pending > 0 {
            return Err(ApiError::Conflict(
                "a payment of yours is still being settled; try again in a few minutes".into(),
            ));
        }

        let playlists: Vec<i32> = playlist::Entity::find()
            .select_only()
            .column(playlist::Column::Id)
            .filter(playlist::Column::UserId.eq(user.0))
            .into_tuple()
            .all(&txn)
            .await?;
        for chunk in playlists.chunks(500) {
            playlist_entry::Entity::delete_many()
                .filter(playlist_entry::Column::PlaylistId.is_in(chunk.iter().copied()))
                .exec(&txn)
                .await?;
        }
        playlist::Entity::delete_many()
            .filter(playlist::Column::UserId.eq(user.0))
            .exec(&txn)
            .await?;
        delete_in_batches::<play::Entity, _>(&txn, play::Column::Id, play::Column::UserId, user)
            .await?;
        delete_in_batches::<interaction::Entity, _>(
            &txn,
            interaction::Column::Id,
            interaction::Column::UserId,
            user,
        )
        .await?;
        playback_state::Entity::delete_many()
            .filter(playback_state::Column::UserId.eq(user.0))
            .exec(&txn)
            .await?;
        cart_line::Entity::delete_many()
            .filter(cart_line::Column::UserId.eq(user.0))
            .exec(&txn)
            .await?;
        let reviewed = self.erase_reviews(&txn, user).await?;
        entitlement::Entity::delete_many()
            .filter(entitlement::Column::UserId.eq(user.0))
            .exec(&txn)
            .await?;

        let blob_ids: Vec<Option<i32>> = locker_item::Entity::find()
            .select_only()
            .column(locker_item::Column::BlobId)
            .filter(locker_item::Column::UserId.eq(user.0))
            .filter(locker_item::Column::BlobId.is_not_null())
            .distinct()
            .into_tuple()
            .all(&txn)
            .await?;
        // Their covers, and every thumbnail one may have.
        let cover_keys: Vec<Option<String>> = locker_item::Entity::find()
            .select_only()
            .column(locker_item::Column::CoverKey)
            .filter(locker_item::Column::UserId.eq(user.0))
            .filter(locker_item::Column::CoverKey.is_not_null())
            .into_tuple()
            .all(&txn)
            .await?;
        locker_lyrics::Entity::delete_many()
            .filter(locker_lyrics::Column::UserId.eq(user.0))
            .exec(&txn)
            .await?;
        locker_star::Entity::delete_many()
            .filter(locker_star::Column::UserId.eq(user.0))
            .exec(&txn)
            .await?;
        locker_item::Entity::delete_many()
            .filter(locker_item::Column::UserId.eq(user.0))
            .exec(&txn)
            .await?;
        let mut storage_keys: Vec<String> = cover_keys
            .into_iter()
            .flatten()
            .flat_map(|key| cover_keys_of(&key))
            .collect();
        for blob_id in blob_ids.into_iter().flatten() {
            // A purchase shares the catalogue master's blob: that one stays.
            if let Some(blob) = orphaned_blob(&txn, blob_id).await? {
                storage_keys.push(blob.storage_key);
            }
        }
        // Exports not yet downloaded (or whose removal was lost).
        let exports = data_export::Entity::find()
            .filter(data_export::Column::UserId.eq(user.0))
            .all(&txn)
            .await?;
        data_export::Entity::delete_many()
            .filter(data_export::Column::UserId.eq(user.0))
            .exec(&txn)
            .await?;
        storage_keys.extend(exports.into_iter().map(|export| export.storage_key));

        refresh_token::Entity::delete_many()
            .filter(refresh_token::Column::UserId.eq(user.0))
            .exec(&txn)
            .await?;
        player_key::Entity::delete_many()
            .filter(player_key::Column::UserId.eq(user.0))
            .exec(&txn)
            .await?;
        api_key::Entity::delete_many()
            .filter(api_key::Column::CreatedBy.eq(user.0))
            .exec(&txn)
            .await?;
        privacy_settings::Entity::delete_many()
            .filter(privacy_settings::Column::UserId.eq(user.0))
            .exec(&txn)
            .await?;
        consent_change::Entity::delete_many()
            .filter(consent_change::Column::UserId.eq(user.0))
            .exec(&txn)
            .await?;
        audit_entry::Entity::delete_many()
            .filter(audit_entry::Column::SubjectUserId.eq(user.0))
            .exec(&txn)
            .await?;
        // Kept for accounting and partners' sales reports, linked to no one;
        // the idempotency key was the client's choice, so it goes too.
        order::Entity::update_many()
            .col_expr(order::Column::UserId, Expr::value(Option::<i32>::None))
            .col_expr(order::Column::IdempotencyKey, Expr::cust("'erased-' || id"))
            .filter(order::Column::UserId.eq(user.0))
            .exec(&txn)
            .await?;
        user::Entity::delete_by_id(user.0).exec(&txn).await?;

        let now = Utc::now().trunc_subsecs(6);
        erased_user::Entity::insert(erased_user::ActiveModel {
            user_id: Set(user.0),
            erased_at: Set(now),
        })
        .exec_without_returning(&txn)
        .await?;
        // A statement takes at most 65,535 parameters on PostgreSQL (two a
        // row here), and an upload has up to five keys (audio, cover and
        // its thumbnails): a large locker takes several statements.
        for chunk in storage_keys.chunks(1000) {
            blob_deletion::Entity::insert_many(chunk.iter().map(|key| {
                blob_deletion::ActiveModel {
                    storage_key: Set(key.clone()),
                    requested_at: Set(now),
                }
            }))
            .exec_without_returning(&txn)
            .await?;
        }
        audit::record(
            &txn,
            AuditRecord {
                subject: user,
                actor: None,
                action: AuditAction::AccountDeleted,
                detail: None,
            },
        )
        .await?;
        self.feed.record(&txn, [Change::UserErased(user.0)]).await?;
        txn.commit().await?;
        Ok(Erased {
            email: account.email,
            storage_keys,
            reviewed,
        })
    }

    /// Deletes the user's reviews and takes their ratings out of their
    /// products' totals; whether there were any.
    async fn erase_reviews(&self, txn: &impl ConnectionTrait, user: UserId) -> ApiResult<bool> {
        let reviews = review::Entity::find()
            .filter(review::Column::UserId.eq(user.0))
            .order_by_asc(review::Column::Id)
            .all(txn)
            .await?;
        for review in &reviews {
            product::Entity::update_many()
                .col_expr(
                    product::Column::RatingCount,
                    Expr::col(product::Column::RatingCount).sub(1),
                )
                .col_expr(
                    product::Column::RatingSum,
                    Expr::col(product::Column::RatingSum).sub(i32::from(review.rating)),
                )
                .filter(product::Column::Id.eq(review.product_id))
                .exec(txn)
                .await?;
        }
        review::Entity::delete_many()
            .filter(review::Column::UserId.eq(user.0))
            .exec(txn)
            .await?;
        Ok(!reviews.is_empty())
    }

    /// This replica stops the user's tokens, signed URLs and cached streams
    /// at once; the others when the event arrives (or within seconds from
    /// the table, should Redis lose it).
    async fn forget_everywhere(&self, user: UserId) {
        self.erased.extend([user]);
        self.locker.forget_streams_of(user);
        self.events.publish(AccountErased { user_id: user }).await;
    }
}

/// Deletes `user`'s rows of a table that may hold many, a batch at a time,
/// so no single statement grows with the history.
async fn delete_in_batches<E, C>(
    txn: &impl ConnectionTrait,
    id: C,
    owner: C,
    user: UserId,
) -> ApiResult<()>
where
    E: EntityTrait,
    C: ColumnTrait,
{
    loop {
        let ids: Vec<i32> = E::find()
            .select_only()
            .column(id)
            .filter(owner.eq(user.0))
            .limit(BATCH)
            .into_tuple()
            .all(txn)
            .await?;
        if ids.is_empty() {
            return Ok(());
        }
        E::delete_many().filter(id.is_in(ids)).exec(txn).await?;
    }
}
