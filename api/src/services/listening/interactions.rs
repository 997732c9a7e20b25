//! Recording interactions (views, browsing, searches, clicks on
//! recommendations) as the listener allows.

use chrono::{SubsecRound, Utc};
use entities::{album, artist, interaction, product};
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set};

use crate::db::begin_write;
use crate::domain::{AlbumId, ArtistId, ProductId, UserId};
use crate::error::{ApiError, ApiResult};
use crate::services::privacy::settings_in;

/// The longest genre or query kept.
const MAX_TEXT: usize = 200;

/// An interaction as a client reports it, its target already typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NewInteraction {
    ViewArtist(ArtistId),
    ViewAlbum(AlbumId),
    ViewProduct(ProductId),
    BrowseGenre(String),
    Search(String),
    ClickRecommendation(ProductId),
}

/// Checks `new` names what exists and, if the listener's settings allow it
/// (read in the writing transaction), stores it; says whether it did.
pub(super) async fn record(
    db: &DatabaseConnection,
    user: UserId,
    new: NewInteraction,
) -> ApiResult<bool> {
    let mut row = interaction::ActiveModel {
        user_id: Set(user.0),
        // Whole microseconds, as PostgreSQL keeps them.
        occurred_at: Set(Utc::now().trunc_subsecs(6)),
        ..Default::default()
    };
    let kind = match new {
        NewInteraction::ViewArtist(id) => {
            artist::Entity::find_by_id(id.0)
                .one(db)
                .await?
                .ok_or(ApiError::NotFound("artist"))?;
            row.artist_id = Set(Some(id.0));
            "VIEW_ARTIST"
        }
        NewInteraction::ViewAlbum(id) => {
            album::Entity::find_by_id(id.0)
                .one(db)
                .await?
                .ok_or(ApiError::NotFound("album"))?;
            row.album_id = Set(Some(id.0));
            "VIEW_ALBUM"
        }
        NewInteraction::ViewProduct(id) => {
            row.product_id = Set(Some(existing_product(db, id).await?));
            "VIEW_PRODUCT"
        }
        NewInteraction::ClickRecommendation(id) => {
            row.product_id = Set(Some(existing_product(db, id).await?));
            "CLICK_RECOMMENDATION"
        }
        NewInteraction::BrowseGenre(genre) => {
            row.genre = Set(Some(text(&genre, "genre")?));
            "BROWSE_GENRE"
        }
        NewInteraction::Search(query) => {
            row.query = Set(Some(text(&query, "query")?));
            "SEARCH"
        }
    };
    row.kind = Set(kind.to_owned());
    let txn = begin_write(db).await?;
    if !settings_in(&txn, user, Utc::now()).await?.may_record() {
        return Ok(false);
    }
    row.insert(&txn).await?;
    txn.commit().await?;
    Ok(true)
}

async fn existing_product(db: &DatabaseConnection, id: ProductId) -> ApiResult<i32> {
    product::Entity::find_by_id(id.0)
        .one(db)
        .await?
        .map(|product| product.id)
        .ok_or(ApiError::NotFound("product"))
}

/// A genre or query: trimmed, not empty, not too long.
fn text(value: &str, field: &str) -> ApiResult<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ApiError::bad_input(format!(
            "`{field}` is required for this kind of interaction"
        )));
    }
    if value.chars().count() > MAX_TEXT {
        return Err(ApiError::bad_input(format!(
            "`{field}` is at most {MAX_TEXT} characters"
        )));
    }
    Ok(value.to_owned())
}
