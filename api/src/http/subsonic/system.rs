//! System methods: extensions, licence, the caller's key and user, the
//! one music folder, and scanning (there is none to wait for).

use super::response::{body, Element, ErrorCode, Failure, Value};
use super::{Call, Outcome};
use crate::domain::UserId;

/// The one music folder: the listener's locker, purchases included.
pub const LOCKER_FOLDER: i64 = 1;

/// Only the one music folder exists: `musicFolderId` naming any other is
/// "not found".
pub fn check_folder(call: &Call<'_>) -> Result<(), Failure> {
    match call.params.int("musicFolderId")? {
        Some(folder) if folder != LOCKER_FOLDER => Err(Failure::not_found("music folder")),
        _ => Ok(()),
    }
}

/// The OpenSubsonic extensions implemented, with their versions: exactly
/// what `/rest` does, no more.
pub const EXTENSIONS: [(&str, &[i64]); 4] = [
    ("apiKeyAuthentication", &[1]),
    ("formPost", &[1]),
    ("indexBasedQueue", &[1]),
    ("songLyrics", &[1]),
];

pub fn extensions() -> Element {
    body().list(
        "openSubsonicExtensions",
        EXTENSIONS
            .iter()
            .map(|(name, versions)| {
                Element::new("openSubsonicExtensions")
                    .attr("name", *name)
                    .values(
                        "versions",
                        versions.iter().map(|v| Value::Int(*v)).collect(),
                    )
            })
            .collect(),
    )
}

/// Cadenza needs no licence.
pub fn license() -> Element {
    body().child(Element::new("license").attr("valid", true))
}

/// The user a player key belongs to; with the account password there is
/// no key to describe (error 44, as for a key that is not one).
pub fn token_info(call: &Call<'_>) -> Outcome {
    if call.player.key.is_none() {
        return Err(Failure::new(
            ErrorCode::InvalidApiKey,
            "this request used no API key",
        ));
    }
    Ok(body()
        .child(Element::new("tokenInfo").attr("username", call.player.email.as_str()))
        .into())
}

pub fn music_folders() -> Element {
    body().child(Element::new("musicFolders").list(
        "musicFolder",
        vec![Element::new("musicFolder")
                .attr("id", LOCKER_FOLDER)
                .attr("name", "Locker")],
    ))
}

/// Uploads are in the library the moment they are stored: there is no
/// scan, never one running, and `count` is what the locker holds.
pub async fn scan_status(call: &Call<'_>) -> Outcome {
    let usage = call.services().locker.usage(call.player.user).await?;
    Ok(body()
        .child(
            Element::new("scanStatus")
                .attr("scanning", false)
                .attr("count", usage.item_count),
        )
        .into())
}

/// The caller's own user only: any other name is error 50, whether it
/// exists or not.
pub async fn user(call: &Call<'_>) -> Outcome {
    let asked = call.params.required("username")?;
    if !asked.trim().eq_ignore_ascii_case(&call.player.email) {
        return Err(Failure::new(
            ErrorCode::NotAuthorized,
            "you can only read your own user",
        ));
    }
    let scrobbling = history_on(call, call.player.user).await?;
    Ok(body()
        .child(
            Element::new("user")
                .attr("username", call.player.email.as_str())
                .attr("scrobblingEnabled", scrobbling)
                .attr("adminRole", false)
                .attr("settingsRole", false)
                .attr("downloadRole", true)
                .attr("uploadRole", false)
                .attr("playlistRole", true)
                .attr("coverArtRole", false)
                .attr("commentRole", false)
                .attr("podcastRole", false)
                .attr("streamRole", true)
                .attr("jukeboxRole", false)
                .attr("shareRole", false)
                .attr("videoConversionRole", false)
                .values("folder", vec![Value::Int(LOCKER_FOLDER)]),
        )
        .into())
}

/// Whether the listener keeps a listening history (scrobbles are plays).
async fn history_on(call: &Call<'_>, user: UserId) -> Result<bool, Failure> {
    let consent = call.services().privacy.settings(user).await?;
    Ok(consent.record_listening_history)
}
