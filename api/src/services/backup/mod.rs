//! `cadenza backup` and `cadenza restore` for the embedded default (SQLite
//! and local storage), while the server runs.
//!
//! A backup is a snapshot of the database taken with `VACUUM INTO` (one read
//! transaction: writers go on meanwhile, into the write-ahead log), then
//! every stored file the snapshot refers to (data exports left out: they
//! are single-use downloads, made again on request), copied into the backup's
//! shared `blobs/` unless an earlier backup holds it already, each hashed
//! as it is copied and checked against the hash the database keeps. The
//! manifest is written last and the snapshot's directory renamed into
//! place, so a backup cut short leaves no snapshot, only files the next one
//! reuses. The search index is not copied: a server rebuilds it.
//!
//! Stored files never change once written, but one can go between the
//! snapshot and its copy (a listener deleted the item): the snapshot is
//! then taken again, so that what it refers to is all there.

pub mod manifest;
pub mod restore;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};

use self::manifest::{BackupDir, FileEntry, Manifest};
use crate::services::privacy::erasure::ledger;

/// How many snapshots are taken before giving up when stored files keep
/// going between a snapshot and its copy.
const ATTEMPTS: u32 = 5;

/// Every table whose rows the manifest counts (all of them, found in the
/// snapshot itself).
async fn row_counts(db: &DatabaseConnection) -> anyhow::Result<BTreeMap<String, u64>> {
    let backend = db.get_database_backend();
    let tables = db
        .query_all(Statement::from_string(
            backend,
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             ORDER BY name",
        ))
        .await?;
    let mut counts = BTreeMap::new();
    for table in tables {
        let name: String = table.try_get("", "name")?;
        let row = db
            .query_one(Statement::from_string(
                backend,
                format!(
                    "SELECT COUNT(*) AS n FROM \"{}\"",
                    name.replace('"', "\"\"")
                ),
            ))
            .await?
            .ok_or_else(|| anyhow::anyhow!("no count of {name}"))?;
        let n: i64 = row.try_get("", "n")?;
        counts.insert(name, u64::try_from(n).unwrap_or(0));
    }
    Ok(counts)
}

/// A stored file a snapshot refers to, with the hash the database keeps
/// for it when it keeps one (uploads and masters; covers and exports have
/// none, and are hashed as they are copied).
struct Referenced {
    key: String,
    sha256: Option<String>,
}

async fn referenced(db: &DatabaseConnection) -> anyhow::Result<Vec<Referenced>> {
    let backend = db.get_database_backend();
    let mut found = Vec::new();
    for row in db
        .query_all(Statement::from_string(
            backend,
            "SELECT storage_key, content_hash FROM blobs ORDER BY id",
        ))
        .await?
    {
        found.push(Referenced {
            key: row.try_get("", "storage_key")?,
            sha256: Some(row.try_get("", "content_hash")?),
        });
    }
    for (sql, column) in [(
        "SELECT DISTINCT cover_key AS k FROM locker_items WHERE cover_key IS NOT NULL",
        "k",
    )] {
        for row in db.query_all(Statement::from_string(backend, sql)).await? {
            found.push(Referenced {
                key: row.try_get("", column)?,
                sha256: None,
            });
        }
    }
    Ok(found)
}

/// What `backup` did.
#[derive(Debug)]
pub struct BackupReport {
    pub snapshot: PathBuf,
    pub files: usize,
    pub copied: usize,
    pub bytes_copied: u64,
    pub rows: u64,
}

/// Where a backup reads from.
pub struct Source<'a> {
    pub db: &'a DatabaseConnection,
    pub data_dir: &'a Path,
    pub blobs: &'a Path,
    pub ledger: &'a Path,
}

/// Takes a backup of `source` into `to` (created, or a backup directory
/// already). `progress` hears of each file: (done, of, bytes copied).
pub async fn backup(
    source: Source<'_>,
    to: &Path,
    progress: &(dyn Fn(usize, usize, u64) + Sync),
) -> anyhow::Result<BackupReport> {
    let (dir, _lock) = prepare(to)?;
    let mut previous = previous_hashes(&dir);
    for attempt in 1..=ATTEMPTS {
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ").to_string();
        let partial = dir.snapshots().join(format!("{stamp}.partial"));
        std::fs::create_dir_all(&partial)?;
        let database = partial.join(manifest::DATABASE);
        let quoted = database.display().to_string().replace('\'', "''");
        source
            .db
            .execute_unprepared(&format!("VACUUM INTO '{quoted}'"))
            .await
            .map_err(|err| anyhow::anyhow!("snapshot of the database failed: {err}"))?;
        let snapshot_db =
            Database::connect(format!("sqlite://{}?mode=rw", database.display())).await?;
        // Data exports are single-use downloads of one listener's data, made
        // again on request: a restore must not bring their links back.
        snapshot_db
            .execute_unprepared("DELETE FROM data_exports")
            .await?;
        snapshot_db.execute_unprepared("VACUUM").await?;
        let rows = row_counts(&snapshot_db).await?;
        let wanted = referenced(&snapshot_db).await?;
        // Accounts the database knows were erased (kept there two days),
        // in case the ledger missed one (a crash between the erasure and
        // its line, or a ledger path this command was not told).
        let mut erased_recently = BTreeSet::new();
        for row in snapshot_db
            .query_all(Statement::from_string(
                snapshot_db.get_database_backend(),
                "SELECT user_id FROM erased_users",
            ))
            .await?
        {
            erased_recently.insert(row.try_get::<i32>("", "user_id")?);
        }
        snapshot_db.close().await?;

        let (files, copied, bytes, missing) =
            copy_files(&dir, source.blobs, &wanted, &previous, progress)?;
        // What this attempt copied is not copied again by the next.
        for file in &files {
            previous.insert(file.key.clone(), file.clone());
        }
        if !missing.is_empty() {
            std::fs::remove_dir_all(&partial)?;
            tracing::info!(
                attempt,
                missing = missing.len(),
                "stored files went after the snapshot was taken; taking it again"
            );
            if attempt == ATTEMPTS {
                anyhow::bail!(
                    "{} stored files the database refers to are not in storage: {}",
                    missing.len(),
                    missing.join(", ")
                );
            }
            continue;
        }
        let mut secrets = Vec::new();
        let secret = source.data_dir.join(manifest::SECRET);
        if secret.is_file() {
            let (sha256, size) = manifest::copy_hashed(&secret, &partial.join(manifest::SECRET))?;
            secrets.push(FileEntry {
                key: manifest::SECRET.into(),
                sha256,
                size,
            });
        }
        // Every erasure this server and earlier backups know of.
        let mut erased = ledger::read(source.ledger)?;
        erased.extend(ledger::read(&dir.root.join(manifest::LEDGER))?);
        erased.extend(erased_recently);
        ledger::write(&dir.root.join(manifest::LEDGER), &erased)?;

        // Every file the manifest will name is on disk before it is.
        manifest::sync_filesystem(&dir.root)?;
        let (sha256, size) = manifest::hash_file(&database)?;
        let manifest = Manifest {
            format: manifest::FORMAT,
            cadenza: env!("CARGO_PKG_VERSION").into(),
            created_at: chrono::Utc::now().to_rfc3339(),
            database: FileEntry {
                key: manifest::DATABASE.into(),
                sha256,
                size,
            },
            secrets,
            rows: rows.clone(),
            files: files.clone(),
        };
        let manifest_path = partial.join(manifest::MANIFEST);
        std::fs::write(&manifest_path, serde_json::to_vec_pretty(&manifest)?)?;
        std::fs::File::open(&manifest_path)?.sync_all()?;
        let done = dir.snapshots().join(&stamp);
        std::fs::rename(&partial, &done)?;
        return Ok(BackupReport {
            snapshot: done,
            files: files.len(),
            copied,
            bytes_copied: bytes,
            rows: rows.values().sum(),
        });
    }
    unreachable!("the loop returns or fails by its last attempt")
}

/// Makes `to` a backup directory (or checks it is one), locks it for this
/// backup alone (the lock goes with the returned file), and clears what an
/// earlier backup cut short left behind.
fn prepare(to: &Path) -> anyhow::Result<(BackupDir, std::fs::File)> {
    let marker = to.join(manifest::MARKER);
    if to.exists() && !marker.is_file() {
        let empty = std::fs::read_dir(to)?.next().is_none();
        if !empty {
            anyhow::bail!(
                "{} is neither empty nor a Cadenza backup; choose another directory",
                to.display()
            );
        }
    }
    std::fs::create_dir_all(to.join("snapshots"))?;
    // A backup holds everyone's data: its owner's to read, no one else's.
    std::fs::set_permissions(
        to,
        <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o700),
    )?;
    std::fs::create_dir_all(to.join("blobs"))?;
    if !marker.is_file() {
        std::fs::write(
            &marker,
            format!("Cadenza backup, format {}\n", manifest::FORMAT),
        )?;
    }
    let lock = std::fs::File::open(&marker)?;
    if rustix::fs::flock(&lock, rustix::fs::FlockOperation::NonBlockingLockExclusive).is_err() {
        anyhow::bail!(
            "another backup into {} is running; wait for it to end",
            to.display()
        );
    }
    for entry in std::fs::read_dir(to.join("snapshots"))?.filter_map(Result::ok) {
        if entry.file_name().to_string_lossy().ends_with(".partial") {
            std::fs::remove_dir_all(entry.path())?;
        }
    }
    Ok((
        BackupDir {
            root: to.to_owned(),
        },
        lock,
    ))
}

/// The hashes earlier snapshots recorded, by key: a file already in the
/// backup is not read again to learn its hash.
fn previous_hashes(dir: &BackupDir) -> HashMap<String, FileEntry> {
    let mut known = HashMap::new();
    for snapshot in dir.complete().unwrap_or_default() {
        if let Ok(manifest) = manifest::read(&snapshot) {
            for file in manifest.files {
                known.insert(file.key.clone(), file);
            }
        }
    }
    known
}

type Copied = (Vec<FileEntry>, usize, u64, Vec<String>);

/// What became of one file.
enum Outcome {
    Kept(FileEntry),
    Copied(FileEntry),
    Missing(String),
}

/// Copies what the backup lacks on a few threads (hashing is most of the
/// work, and each file is independent); the entries in key order.
fn copy_files(
    dir: &BackupDir,
    blobs: &Path,
    wanted: &[Referenced],
    previous: &HashMap<String, FileEntry>,
    progress: &(dyn Fn(usize, usize, u64) + Sync),
) -> anyhow::Result<Copied> {
    let mut seen = BTreeSet::new();
    let unique: Vec<&Referenced> = wanted
        .iter()
        .filter(|file| seen.insert(file.key.as_str()))
        .collect();
    let workers = std::thread::available_parallelism()
        .map_or(2, usize::from)
        .clamp(1, 4);
    let done = AtomicUsize::new(0);
    let bytes = AtomicU64::new(0);
    let outcomes: Vec<anyhow::Result<Outcome>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|worker| {
                let (unique, done, bytes) = (&unique, &done, &bytes);
                scope.spawn(move || {
                    unique
                        .iter()
                        .skip(worker)
                        .step_by(workers)
                        .map(|file| {
                            let outcome = copy_one(dir, blobs, file, previous);
                            if let Ok(Outcome::Copied(entry)) = &outcome {
                                bytes.fetch_add(entry.size, Ordering::Relaxed);
                            }
                            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                            progress(n, unique.len(), bytes.load(Ordering::Relaxed));
                            outcome
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|_| vec![Err(anyhow::anyhow!("a copying thread panicked"))])
            })
            .collect()
    });
    let mut entries = Vec::with_capacity(unique.len());
    let (mut copied, mut missing) = (0usize, Vec::new());
    for outcome in outcomes {
        match outcome? {
            Outcome::Kept(entry) => entries.push(entry),
            Outcome::Copied(entry) => {
                copied += 1;
                entries.push(entry);
            }
            Outcome::Missing(key) => missing.push(key),
        }
    }
    entries.sort_by(|a, b| a.key.cmp(&b.key));
    Ok((entries, copied, bytes.into_inner(), missing))
}

fn copy_one(
    dir: &BackupDir,
    blobs: &Path,
    file: &Referenced,
    previous: &HashMap<String, FileEntry>,
) -> anyhow::Result<Outcome> {
    let source = blobs.join(&file.key);
    let target = dir.blob(&file.key);
    let kept = previous.get(&file.key).filter(|entry| {
        file.sha256
            .as_ref()
            .is_none_or(|hash| *hash == entry.sha256)
            && std::fs::metadata(&target).is_ok_and(|m| m.len() == entry.size)
    });
    if let Some(entry) = kept {
        return Ok(Outcome::Kept(entry.clone()));
    }
    let (sha256, size) = match manifest::copy_hashed(&source, &target) {
        Ok(copied) => copied,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Outcome::Missing(file.key.clone()))
        }
        Err(err) => return Err(anyhow::anyhow!("copying {}: {err}", source.display())),
    };
    if let Some(expected) = &file.sha256 {
        if *expected != sha256 {
            std::fs::remove_file(&target)?;
            anyhow::bail!(
                "the stored file {} does not match its hash ({sha256}, the database says \
                 {expected}): storage is damaged; this backup was not completed",
                source.display()
            );
        }
    }
    Ok(Outcome::Copied(FileEntry {
        key: file.key.clone(),
        sha256,
        size,
    }))
}
