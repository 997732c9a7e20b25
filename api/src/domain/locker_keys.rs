//! Keys of a locker's artists and albums. They have no rows of their own:
//! an artist is a name some item's tags give, an album a title and its
//! album artist. The key is derived from the normalised name (trimmed, in
//! lower case), so it is the same on every replica, after a restart, and
//! whatever is edited elsewhere in the locker; an item's keys change only
//! when its own tags do. Keys are stored on each item (`artist_key`,
//! `album_artist_key`, `album_key`) and always read together with the
//! owner, so a key names another listener's nothing.
//!
//! A key is the first 64 bits of the SHA-256 of the normalised name, shown
//! as 16 lowercase hex digits. Migration `m20261206_000600_locker_keys_stars`
//! filled in the keys of the items stored before it with this same
//! derivation (a test holds the two together).

use sha2::{Digest, Sha256};

/// Separates an album's title from its artist in what is hashed, so that
/// no title and artist run into another pair's.
const SEPARATOR: char = '\u{1f}';

/// A name as keys compare it: trimmed, in lower case.
fn normalised(name: &str) -> String {
    name.trim().to_lowercase()
}

fn digest(text: &str) -> u64 {
    let hash = Sha256::digest(text.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&hash[..8]);
    u64::from_be_bytes(first)
}

fn parse_hex(raw: &str) -> Option<u64> {
    if raw.len() != 16 || !raw.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    u64::from_str_radix(raw, 16).ok()
}

macro_rules! locker_key {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(u64);

        impl $name {
            /// A key as stored and shown: 16 lowercase hex digits; anything
            /// else is `None`.
            pub fn parse(raw: &str) -> Option<Self> {
                parse_hex(raw).map(Self)
            }

            pub fn as_u64(self) -> u64 {
                self.0
            }

            pub fn from_u64(key: u64) -> Self {
                Self(key)
            }

            /// The key of a stored column; a column that holds no key (only
            /// a hand edit could do that) gives a key no name has.
            pub fn of_row(raw: &str) -> Self {
                Self::parse(raw).unwrap_or(Self(0))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{:016x}", self.0)
            }
        }

        /// So a key can be compared with its column in a query.
        impl From<$name> for sea_orm::Value {
            fn from(key: $name) -> Self {
                key.to_string().into()
            }
        }
    };
}

locker_key!(
    /// An artist of a locker: the artist or album artist of some item.
    LockerArtistKey
);
locker_key!(
    /// An album of a locker: a title and its album artist (the artist
    /// where no album artist is tagged).
    LockerAlbumKey
);

impl LockerArtistKey {
    /// The key of the artist called `name`.
    pub fn of(name: &str) -> Self {
        Self(digest(&normalised(name)))
    }
}

impl LockerAlbumKey {
    /// The key of the album `title` by `album_artist`.
    pub fn of(title: &str, album_artist: &str) -> Self {
        Self(digest(&format!(
            "{}{SEPARATOR}{}",
            normalised(title),
            normalised(album_artist)
        )))
    }
}

/// The keys an item's tags give it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LockerKeys {
    /// Of its (track) artist.
    pub artist: LockerArtistKey,
    /// Of its album artist: the artist where none is tagged.
    pub album_artist: LockerArtistKey,
    pub album: LockerAlbumKey,
}

impl LockerKeys {
    pub fn of(artist: &str, album: &str, album_artist: Option<&str>) -> Self {
        let album_artist = album_artist.unwrap_or(artist);
        Self {
            artist: LockerArtistKey::of(artist),
            album_artist: LockerArtistKey::of(album_artist),
            album: LockerAlbumKey::of(album, album_artist),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_ignore_case_and_surrounding_space_and_nothing_else() {
        assert_eq!(LockerArtistKey::of("Joni"), LockerArtistKey::of("  jONI "));
        assert_ne!(LockerArtistKey::of("Joni"), LockerArtistKey::of("Jon i"));
        assert_eq!(
            LockerAlbumKey::of("Blue", "Joni"),
            LockerAlbumKey::of("BLUE ", " joni")
        );
        // The separator keeps title and artist apart.
        assert_ne!(
            LockerAlbumKey::of("Blue Joni", "x"),
            LockerAlbumKey::of("Blue", "Joni x")
        );
    }

    #[test]
    fn keys_are_fixed_values_that_round_trip() {
        // A change to the derivation would re-key every locker; the
        // migration's backfill derives the same value.
        let key = LockerArtistKey::of("Joni");
        assert_eq!(key.to_string().len(), 16);
        assert_eq!(LockerArtistKey::parse(&key.to_string()), Some(key));
        assert_eq!(
            LockerArtistKey::of("joni").to_string(),
            hex::encode(&Sha256::digest(b"joni")[..8])
        );
        for bad in [
            "",
            "0123",
            "0123456789ABCDEF",
            "0123456789abcdeg",
            "0123456789abcdef0",
        ] {
            assert_eq!(LockerAlbumKey::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn an_item_without_an_album_artist_is_on_its_artists_album() {
        let keys = LockerKeys::of("Joni", "Blue", None);
        assert_eq!(keys.album_artist, keys.artist);
        assert_eq!(keys.album, LockerAlbumKey::of("Blue", "Joni"));
        let various = LockerKeys::of("Joni", "Hits", Some("Various"));
        assert_eq!(various.album_artist, LockerArtistKey::of("various"));
        assert_eq!(various.album, LockerAlbumKey::of("hits", "various"));
    }
}
