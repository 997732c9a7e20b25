//! The OpenSubsonic specification's names, written out by hand from its
//! documentation (opensubsonic.netlify.app, "Responses"): the fields each
//! element may carry and the ones it must. Every answer the tests read is
//! held to them, in XML and in JSON, so a misspelt or invented field fails.

use serde_json::Value;

const CHILD: &[&str] = &[
    "id",
    "parent",
    "isDir",
    "title",
    "album",
    "artist",
    "track",
    "year",
    "genre",
    "coverArt",
    "size",
    "contentType",
    "suffix",
    "transcodedContentType",
    "transcodedSuffix",
    "duration",
    "bitRate",
    "bitDepth",
    "samplingRate",
    "channelCount",
    "path",
    "isVideo",
    "userRating",
    "averageRating",
    "playCount",
    "discNumber",
    "created",
    "starred",
    "albumId",
    "artistId",
    "type",
    "mediaType",
    "bookmarkPosition",
    "originalWidth",
    "originalHeight",
    "played",
    "bpm",
    "comment",
    "sortName",
    "musicBrainzId",
    "isrc",
    "genres",
    "artists",
    "displayArtist",
    "albumArtists",
    "displayAlbumArtist",
    "contributors",
    "displayComposer",
    "moods",
    "replayGain",
    "explicitStatus",
    "works",
    "movements",
    "groupings",
];
const NOW_PLAYING: &[&str] = &[
    "username",
    "minutesAgo",
    "playerId",
    "playerName",
    "state",
    "positionMs",
    "playbackRate",
];
const ALBUM_ID3: &[&str] = &[
    "id",
    "name",
    "version",
    "artist",
    "artistId",
    "coverArt",
    "songCount",
    "duration",
    "playCount",
    "created",
    "starred",
    "year",
    "genre",
    "played",
    "userRating",
    "recordLabels",
    "musicBrainzId",
    "genres",
    "artists",
    "displayArtist",
    "releaseTypes",
    "moods",
    "sortName",
    "originalReleaseDate",
    "releaseDate",
    "isCompilation",
    "explicitStatus",
    "discTitles",
    "song",
];
const ARTIST_ID3: &[&str] = &[
    "id",
    "name",
    "coverArt",
    "artistImageUrl",
    "albumCount",
    "starred",
    "musicBrainzId",
    "sortName",
    "disambiguation",
    "roles",
    "album",
];
const ARTIST: &[&str] = &[
    "id",
    "name",
    "artistImageUrl",
    "starred",
    "userRating",
    "averageRating",
];
const PLAYLIST: &[&str] = &[
    "id",
    "name",
    "comment",
    "owner",
    "public",
    "songCount",
    "duration",
    "created",
    "changed",
    "coverArt",
    "allowedUser",
    "readonly",
    "validUntil",
    "entry",
];
const QUEUE: &[&str] = &[
    "current",
    "currentIndex",
    "position",
    "username",
    "changed",
    "changedBy",
    "entry",
];
const USER: &[&str] = &[
    "username",
    "email",
    "scrobblingEnabled",
    "maxBitRate",
    "adminRole",
    "settingsRole",
    "downloadRole",
    "uploadRole",
    "playlistRole",
    "coverArtRole",
    "commentRole",
    "podcastRole",
    "streamRole",
    "jukeboxRole",
    "shareRole",
    "videoConversionRole",
    "avatarLastChanged",
    "folder",
];
const ENVELOPE: &[&str] = &[
    "status",
    "version",
    "type",
    "serverVersion",
    "openSubsonic",
    "error",
];

/// What an element called `name` may hold, by where it stands: its parent's
/// name tells a `Child` album (`albumList`, `starred`) from an `AlbumID3`.
fn allowed(parent: &str, name: &str) -> Option<Vec<&'static str>> {
    let list = |fields: &[&'static str]| Some(fields.to_vec());
    let join = |a: &[&'static str], b: &[&'static str]| Some([a, b].concat());
    match (parent, name) {
        (_, "subsonic-response") => None,
        (_, "error") => list(&["code", "message", "helpUrl"]),
        ("nowPlaying", "entry") => join(CHILD, NOW_PLAYING),
        (_, "song" | "entry" | "child") => list(CHILD),
        ("albumList" | "starred", "album") => list(CHILD),
        (_, "album") => list(ALBUM_ID3),
        ("subsonic-response", "artists") => list(&["ignoredArticles", "index"]),
        // `getIndexes` gives folder artists, `getArtists` ID3 ones, both
        // under `index`.
        ("index", "artist") => join(ARTIST, ARTIST_ID3),
        ("indexes" | "starred", "artist") => list(ARTIST),
        (_, "artist" | "artists" | "albumArtists" | "similarArtist") => list(ARTIST_ID3),
        (_, "index") => list(&["name", "artist"]),
        (_, "indexes") => list(&[
            "ignoredArticles",
            "lastModified",
            "shortcut",
            "child",
            "index",
        ]),
        (_, "directory") => list(&[
            "id",
            "parent",
            "name",
            "starred",
            "userRating",
            "averageRating",
            "playCount",
            "child",
        ]),
        ("subsonic-response", "genres") => list(&["genre"]),
        (_, "genres") => list(&["name"]),
        (_, "genre") => list(&["value", "songCount", "albumCount"]),
        (_, "playlists") => list(&["playlist"]),
        (_, "playlist") => list(PLAYLIST),
        (_, "musicFolders") => list(&["musicFolder"]),
        (_, "musicFolder") => list(&["id", "name"]),
        (_, "license") => list(&["valid", "email", "licenseExpires", "trialExpires"]),
        (_, "scanStatus") => list(&["scanning", "count"]),
        (_, "user") => list(USER),
        (_, "playQueue" | "playQueueByIndex") => list(QUEUE),
        (_, "nowPlaying") => list(&["entry"]),
        (_, "searchResult3" | "starred2" | "starred") => list(&["artist", "album", "song"]),
        (_, "albumList2" | "albumList") => list(&["album"]),
        (_, "randomSongs" | "songsByGenre" | "similarSongs2" | "similarSongs" | "topSongs") => {
            list(&["song"])
        }
        (_, "artistInfo2" | "artistInfo") => list(&[
            "biography",
            "musicBrainzId",
            "lastFmUrl",
            "smallImageUrl",
            "mediumImageUrl",
            "largeImageUrl",
            "similarArtist",
        ]),
        (_, "lyricsList") => list(&["structuredLyrics"]),
        (_, "structuredLyrics") => list(&[
            "lang",
            "synced",
            "line",
            "displayArtist",
            "displayTitle",
            "offset",
            "kind",
            "agents",
            "cueLine",
        ]),
        (_, "line") => list(&["value", "start"]),
        (_, "lyrics") => list(&["value", "artist", "title"]),
        (_, "openSubsonicExtensions") => list(&["name", "versions"]),
        (_, "tokenInfo") => list(&["username"]),
        _ => Some(Vec::new()),
    }
}

/// The fields an element must carry.
fn required(parent: &str, name: &str) -> &'static [&'static str] {
    match (parent, name) {
        ("albumList" | "starred", "album") => &["id", "isDir", "title"],
        (_, "song" | "entry" | "child") => &["id", "isDir", "title"],
        (_, "album") => &["id", "name", "songCount", "duration", "created"],
        (_, "artist" | "similarArtist") => &["id", "name"],
        (_, "playlist") => &["id", "name", "songCount", "duration", "created", "changed"],
        (_, "genre") => &["value", "songCount", "albumCount"],
        (_, "playQueue" | "playQueueByIndex") => &["username", "changed", "changedBy"],
        (_, "musicFolder") => &["id"],
        (_, "structuredLyrics") => &["lang", "synced"],
        (_, "error") => &["code"],
        (_, "openSubsonicExtensions") => &["name", "versions"],
        _ => &[],
    }
}

/// Checks a JSON answer's `subsonic-response` against the specification's
/// names; the failures, each with its path.
pub fn check(response: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let root = &response["subsonic-response"];
    let Some(object) = root.as_object() else {
        return vec!["no subsonic-response object".to_owned()];
    };
    for field in ENVELOPE {
        if *field != "error" && !object.contains_key(*field) {
            problems.push(format!("subsonic-response lacks {field}"));
        }
    }
    for (name, value) in object {
        if ENVELOPE.contains(&name.as_str()) && !value.is_object() {
            continue;
        }
        walk(
            "subsonic-response",
            name,
            value,
            "subsonic-response",
            &mut problems,
        );
    }
    problems
}

fn walk(parent: &str, name: &str, value: &Value, path: &str, problems: &mut Vec<String>) {
    let path = format!("{path}.{name}");
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if item.is_object() {
                    walk(parent, name, item, &format!("{path}[{i}]"), problems);
                }
            }
        }
        Value::Object(fields) => {
            if let Some(allowed) = allowed(parent, name) {
                for field in fields.keys() {
                    if !allowed.contains(&field.as_str()) {
                        problems.push(format!(
                            "{path} has {field}, which the specification does not give a {name}"
                        ));
                    }
                }
            }
            for field in required(parent, name) {
                if !fields.contains_key(*field) {
                    problems.push(format!("{path} lacks {field}"));
                }
            }
            for (field, child) in fields {
                if child.is_object() || child.is_array() {
                    walk(name, field, child, &path, problems);
                }
            }
        }
        _ => {}
    }
}
