//! What a backup directory holds, and the manifest that says what one
//! snapshot in it is: the database's hash, the secrets', every stored file
//! the snapshot refers to with its SHA-256, and each table's rows.
//!
//! ```text
//! DIR/CADENZA-BACKUP                 says the directory is a Cadenza backup
//! DIR/blobs/<key>                    stored files, shared by every snapshot
//! DIR/snapshots/<time>/manifest.json written last: a snapshot without one
//! DIR/snapshots/<time>/cadenza.sqlite3        is not a snapshot
//! DIR/snapshots/<time>/jwt-secret
//! DIR/erasure-ledger                 every erasure any backup has seen
//! ```

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The manifest format this build writes and the newest it reads.
pub const FORMAT: u32 = 1;
pub const MARKER: &str = "CADENZA-BACKUP";
pub const MANIFEST: &str = "manifest.json";
pub const DATABASE: &str = "cadenza.sqlite3";
pub const SECRET: &str = "jwt-secret";
pub const LEDGER: &str = "erasure-ledger";

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// The Cadenza version that wrote it.
    pub cadenza: String,
    /// RFC 3339.
    pub created_at: String,
    pub database: FileEntry,
    pub secrets: Vec<FileEntry>,
    /// Rows of each table in the snapshot.
    pub rows: BTreeMap<String, u64>,
    /// Every stored file the snapshot refers to, by storage key.
    pub files: Vec<FileEntry>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct FileEntry {
    /// A storage key, or a file name in the snapshot.
    pub key: String,
    pub sha256: String,
    pub size: u64,
}

/// Why a backup directory cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum Unreadable {
    #[error("{0} does not exist")]
    Missing(PathBuf),
    #[error("{0} is not a Cadenza backup (it has no {MARKER} file)")]
    Foreign(PathBuf),
    #[error("{0} holds no complete snapshot (a backup that was cut short leaves none)")]
    NoSnapshot(PathBuf),
    #[error("the manifest {0} is damaged: {1}")]
    Damaged(PathBuf, String),
    #[error(
        "the snapshot {0} was written by a newer Cadenza (backup format {1}); \
         this one reads format {FORMAT} and older"
    )]
    Newer(PathBuf, u32),
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
}

/// A backup directory.
pub struct BackupDir {
    pub root: PathBuf,
}

impl BackupDir {
    /// An existing backup directory.
    pub fn open(root: &Path) -> Result<Self, Unreadable> {
        if !root.is_dir() {
            return Err(Unreadable::Missing(root.to_owned()));
        }
        if !root.join(MARKER).is_file() {
            return Err(Unreadable::Foreign(root.to_owned()));
        }
        Ok(Self {
            root: root.to_owned(),
        })
    }

    pub fn blob(&self, key: &str) -> PathBuf {
        self.root.join("blobs").join(key)
    }

    pub fn snapshots(&self) -> PathBuf {
        self.root.join("snapshots")
    }

    /// The complete snapshots, oldest first.
    pub fn complete(&self) -> Result<Vec<PathBuf>, Unreadable> {
        let dir = self.snapshots();
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(err) => return Err(Unreadable::Io(dir, err)),
        };
        let mut found: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            // A snapshot cut short between its manifest and its rename is
            // not one.
            .filter(|path| !path.to_string_lossy().ends_with(".partial"))
            .filter(|path| path.join(MANIFEST).is_file())
            .collect();
        found.sort();
        Ok(found)
    }

    /// The snapshot named `name`, or the newest.
    pub fn snapshot(&self, name: Option<&str>) -> Result<PathBuf, Unreadable> {
        match name {
            Some(name) => {
                let path = self.snapshots().join(name);
                if path.join(MANIFEST).is_file() {
                    Ok(path)
                } else {
                    Err(Unreadable::NoSnapshot(path))
                }
            }
            None => self
                .complete()?
                .pop()
                .ok_or_else(|| Unreadable::NoSnapshot(self.root.clone())),
        }
    }
}

/// Reads and checks the manifest of `snapshot`.
pub fn read(snapshot: &Path) -> Result<Manifest, Unreadable> {
    let path = snapshot.join(MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(|err| Unreadable::Io(path.clone(), err))?;
    // The format first: a newer manifest may not parse as this one.
    let format = serde_json::from_str::<serde_json::Value>(&text)
        .map_err(|err| Unreadable::Damaged(path.clone(), err.to_string()))?
        .get("format")
        .and_then(serde_json::Value::as_u64)
        .ok_or_else(|| Unreadable::Damaged(path.clone(), "it has no format".into()))?;
    let format = u32::try_from(format).unwrap_or(u32::MAX);
    if format > FORMAT {
        return Err(Unreadable::Newer(path, format));
    }
    serde_json::from_str(&text).map_err(|err| Unreadable::Damaged(path, err.to_string()))
}

/// True when `key` names a file under a directory and nothing else: no
/// root, no `..`, no `.`, nothing empty. A manifest is read from a
/// directory someone else may have written.
pub fn safe_key(key: &str) -> bool {
    !key.is_empty()
        && Path::new(key)
            .components()
            .all(|part| matches!(part, std::path::Component::Normal(_)))
}

/// SHA-256 (hex) and size of the file at `path`.
pub fn hash_file(path: &Path) -> std::io::Result<(String, u64)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 256 * 1024];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        size += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), size))
}

/// Copies `from` to `to` through a temporary file renamed into place,
/// hashing what it reads; the hash and size of what was copied. A copy cut
/// short leaves only the temporary file, never a short `to`. Not synced
/// one by one (an fsync per file made a backup a quarter as fast as `cp`):
/// `sync_filesystem` makes all of them durable before a manifest names
/// them.
pub fn copy_hashed(from: &Path, to: &Path) -> std::io::Result<(String, u64)> {
    use std::io::Write;
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let partial = to.with_file_name(format!(
        ".{}.partial",
        to.file_name().and_then(|n| n.to_str()).unwrap_or("file")
    ));
    let mut source = std::fs::File::open(from)?;
    let mut target = std::fs::File::create(&partial)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 256 * 1024];
    let mut size = 0u64;
    loop {
        let n = source.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        target.write_all(&buffer[..n])?;
        size += n as u64;
    }
    // A secret stays readable by its owner only.
    target.set_permissions(source.metadata()?.permissions())?;
    std::fs::rename(&partial, to)?;
    Ok((hex::encode(hasher.finalize()), size))
}

/// Writes out everything written to the filesystem holding `path`.
pub fn sync_filesystem(path: &Path) -> std::io::Result<()> {
    let dir = std::fs::File::open(path)?;
    rustix::fs::syncfs(&dir)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_from_a_newer_format_is_refused_by_name() {
        let dir = tempfile::TempDir::new().unwrap();
        std::fs::write(
            dir.path().join(MANIFEST),
            r#"{"format": 9, "more": "fields"}"#,
        )
        .unwrap();
        let err = read(dir.path()).unwrap_err();
        assert!(matches!(err, Unreadable::Newer(_, 9)), "{err}");
        assert!(err.to_string().contains("newer Cadenza"), "{err}");
        std::fs::write(dir.path().join(MANIFEST), "{\"format\": 1, \"datab").unwrap();
        assert!(matches!(read(dir.path()), Err(Unreadable::Damaged(..))));
    }

    #[test]
    fn only_plain_relative_keys_are_safe() {
        assert!(safe_key("ab/cd/0123-key"));
        for bad in ["", "/etc/passwd", "../x", "a/../../x", "./a", "a//b/.."] {
            assert!(!safe_key(bad), "{bad}");
        }
    }

    #[test]
    fn a_copy_is_hashed_and_lands_whole() {
        let dir = tempfile::TempDir::new().unwrap();
        let from = dir.path().join("a");
        std::fs::write(&from, b"abc").unwrap();
        let to = dir.path().join("x").join("y");
        let (hash, size) = copy_hashed(&from, &to).unwrap();
        assert_eq!(size, 3);
        assert_eq!(
            hash,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(hash_file(&to).unwrap(), (hash, 3));
        assert!(!dir.path().join("x").join(".y.partial").exists());
    }
}
