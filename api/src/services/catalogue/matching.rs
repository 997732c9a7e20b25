//! Matching uploads to the catalogue: by ISRC where the file has one,
//! otherwise by artist and title as people write them (any case, with or
//! without accents and punctuation, with or without "feat." credits) and a
//! duration within a few seconds.

use std::collections::HashMap;

use entities::{album, artist, track};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use crate::db::begin_write;
use crate::error::ApiResult;
use crate::services::media::ingest::AudioFacts;

/// How far an upload's duration may be from the catalogue track's.
const DURATION_TOLERANCE_MS: i32 = 3_000;

/// The comparable form of a title or an artist name: lower case, accents and
/// punctuation gone, "feat." credits dropped, single spaces. Letters of any
/// script stay, so CJK names still match themselves.
pub fn normalise(text: &str) -> String {
    let lowered: String = text
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .collect::<String>()
        .to_lowercase();
    let without_credits = strip_credits(&lowered);
    let mut out = String::with_capacity(without_credits.len());
    for c in without_credits.chars() {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with(' ') && !out.is_empty() {
            out.push(' ');
        }
    }
    out.trim_end().to_owned()
}

/// The indexed form of a catalogue title (it fits its column).
pub fn title_key(title: &str) -> String {
    normalise(title).chars().take(500).collect()
}

/// Cuts a featured-artist credit: "(feat. X)", "[ft. X]", " featuring X".
fn strip_credits(text: &str) -> String {
    let markers = [
        "(feat.",
        "[feat.",
        "(ft.",
        "[ft.",
        "(featuring",
        "[featuring",
        " feat. ",
        " ft. ",
        " featuring ",
    ];
    let mut text = text.to_owned();
    for marker in markers {
        if let Some(start) = text.find(marker) {
            let bracketed = marker.starts_with('(') || marker.starts_with('[');
            let end = if bracketed {
                let close = if marker.starts_with('(') { ')' } else { ']' };
                text[start..]
                    .find(close)
                    .map(|i| start + i + 1)
                    .unwrap_or(text.len())
            } else {
                // An unbracketed credit runs to the end or to a bracket.
                text[start + marker.len()..]
                    .find(['(', '['])
                    .map(|i| start + marker.len() + i)
                    .unwrap_or(text.len())
            };
            text.replace_range(start..end, " ");
        }
    }
    text
}

/// The catalogue track an upload is, if any.
pub async fn catalogue_track_for(
    db: &DatabaseConnection,
    facts: &AudioFacts,
) -> ApiResult<Option<i32>> {
    let tags = &facts.tags;
    if let Some(isrc) = &tags.isrc {
        let by_isrc = track::Entity::find()
            .filter(track::Column::Isrc.eq(isrc.as_str()))
            .order_by_asc(track::Column::Id)
            .one(db)
            .await?;
        if let Some(found) = by_isrc {
            return Ok(Some(found.id));
        }
    }
    let (Some(title), Some(artist)) = (
        &tags.title,
        tags.artist.as_ref().or(tags.album_artist.as_ref()),
    ) else {
        return Ok(None);
    };
    let title_key = title_key(title);
    let artist_key = normalise(artist);
    if title_key.is_empty() || artist_key.is_empty() {
        return Ok(None);
    }
    let candidates = track::Entity::find()
        .filter(track::Column::TitleKey.eq(title_key))
        .limit(200)
        .all(db)
        .await?;
    if candidates.is_empty() {
        return Ok(None);
    }
    let albums: HashMap<i32, i32> = album::Entity::find()
        .select_only()
        .column(album::Column::Id)
        .column(album::Column::ArtistId)
        .filter(album::Column::Id.is_in(candidates.iter().map(|t| t.album_id)))
        .into_tuple::<(i32, i32)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let artists: HashMap<i32, String> = artist::Entity::find()
        .filter(artist::Column::Id.is_in(albums.values().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, normalise(&a.name)))
        .collect();
    Ok(candidates
        .into_iter()
        .filter(|track| {
            albums
                .get(&track.album_id)
                .and_then(|artist_id| artists.get(artist_id))
                .is_some_and(|name| *name == artist_key)
        })
        .map(|track| ((track.duration_ms - facts.duration_ms).abs(), track.id))
        .filter(|(off, _)| *off <= DURATION_TOLERANCE_MS)
        .min()
        .map(|(_, id)| id))
}

/// Tracks stored before title keys existed (migration 6) have none, so
/// uploads could not be matched to them by name. The key is computed here,
/// with the same normalisation as matching, a batch at a time; a fresh or
/// current database costs one query. Run after migrating.
pub async fn backfill_title_keys(db: &DatabaseConnection) -> Result<(), DbErr> {
    let mut filled = 0;
    loop {
        let batch: Vec<(i32, String)> = track::Entity::find()
            .select_only()
            .column(track::Column::Id)
            .column(track::Column::Title)
            .filter(track::Column::TitleKey.is_null())
            .order_by_asc(track::Column::Id)
            .limit(1_000)
            .into_tuple()
            .all(db)
            .await?;
        if batch.is_empty() {
            break;
        }
        let txn = begin_write(db).await?;
        for (id, title) in &batch {
            track::Entity::update_many()
                .col_expr(
                    track::Column::TitleKey,
                    sea_orm::sea_query::Expr::value(title_key(title)),
                )
                .filter(track::Column::Id.eq(*id))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        filled += batch.len();
    }
    if filled > 0 {
        tracing::info!(tracks = filled, "filled in title keys for matching");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::normalise;

    #[test]
    fn names_compare_as_people_write_them() {
        assert_eq!(normalise("Yeah! (feat. Lil Jon & Ludacris)"), "yeah");
        assert_eq!(normalise("YEAH"), "yeah");
        assert_eq!(normalise("Beyoncé"), "beyonce");
        assert_eq!(normalise("Sigur Rós"), "sigur ros");
        assert_eq!(normalise("Crazy in Love ft. Jay-Z"), "crazy in love");
        assert_eq!(normalise("  Me,  Myself and I "), "me myself and i");
        assert_eq!(normalise("宇多田ヒカル"), "宇多田ヒカル");
        assert_eq!(normalise("Ágætis byrjun"), "agætis byrjun");
    }
}
