//! Restoring a snapshot into a new data dir: everything is copied into a
//! staging directory beside it and checked (every file against the
//! manifest's hash, every table against its row count), the accounts the
//! erasure ledgers name are erased again (by the caller, with the server's
//! own erasure), and only then is the staging directory renamed to the
//! data dir. A restore that fails leaves no data dir behind.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use sea_orm::{ConnectionTrait, Database, Statement};

use super::manifest::{self, BackupDir, Manifest};
use crate::services::privacy::erasure::ledger;

/// A snapshot copied and checked, not yet in place.
pub struct Staged {
    pub staging: PathBuf,
    pub snapshot: PathBuf,
    pub manifest: Manifest,
    /// Accounts erased since (or before) the snapshot, by every ledger.
    pub erased: BTreeSet<i32>,
}

/// Copies the snapshot `name` (the newest when `None`) of the backup in
/// `from` into a staging directory beside `to`, checking everything.
/// `ledgers` are erasure ledgers to replay besides the backup's own (the
/// server's, when it survived).
pub async fn stage(
    from: &Path,
    name: Option<&str>,
    to: &Path,
    ledgers: &[PathBuf],
) -> anyhow::Result<Staged> {
    if to.exists() {
        let empty = std::fs::read_dir(to)
            .map_err(|err| anyhow::anyhow!("{}: {err}", to.display()))?
            .next()
            .is_none();
        if !empty {
            anyhow::bail!(
                "{} is not empty: restore only into a new or empty data dir",
                to.display()
            );
        }
    }
    let dir = BackupDir::open(from)?;
    let snapshot = dir.snapshot(name)?;
    let manifest = manifest::read(&snapshot)?;
    // Everything that can be refused is refused before anything is copied.
    let mut erased = ledger::read(&dir.root.join(manifest::LEDGER))?;
    for path in ledgers {
        if !path.is_file() {
            anyhow::bail!("the erasure ledger {} does not exist", path.display());
        }
        erased.extend(ledger::read(path)?);
    }
    if let Some(bad) = manifest
        .files
        .iter()
        .map(|file| file.key.as_str())
        .find(|key| !manifest::safe_key(key))
    {
        anyhow::bail!(
            "the manifest names a file outside the data dir ({bad}): it is damaged or forged"
        );
    }
    if let Some(bad) = manifest
        .secrets
        .iter()
        .find(|secret| secret.key != manifest::SECRET)
    {
        anyhow::bail!(
            "the manifest names an unknown secret ({}): it is damaged or forged",
            bad.key
        );
    }
    let staging = staging_dir(to)?;
    if let Err(err) = fill(&dir, &snapshot, &manifest, &staging).await {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(err);
    }
    Ok(Staged {
        staging,
        snapshot,
        manifest,
        erased,
    })
}

fn staging_dir(to: &Path) -> anyhow::Result<PathBuf> {
    let name = to
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| anyhow::anyhow!("{} is not a directory name", to.display()))?;
    let parent = match to.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)?;
    let staging = parent.join(format!(".{name}.restoring-{}", std::process::id()));
    if staging.exists() {
        std::fs::remove_dir_all(&staging)?;
    }
    std::fs::create_dir_all(staging.join("blobs"))?;
    Ok(staging)
}

async fn fill(
    dir: &BackupDir,
    snapshot: &Path,
    manifest: &Manifest,
    staging: &Path,
) -> anyhow::Result<()> {
    let checked = |from: &Path, to: &Path, expected: &manifest::FileEntry| {
        let (sha256, size) = manifest::copy_hashed(from, to).map_err(|err| {
            anyhow::anyhow!(
                "the backup is missing or cannot read {}: {err}",
                from.display()
            )
        })?;
        if sha256 != expected.sha256 || size != expected.size {
            anyhow::bail!(
                "{} does not match the manifest's hash: the backup is damaged; nothing was restored",
                from.display()
            );
        }
        Ok(())
    };
    checked(
        &snapshot.join(manifest::DATABASE),
        &staging.join(manifest::DATABASE),
        &manifest.database,
    )?;
    for secret in &manifest.secrets {
        checked(
            &snapshot.join(&secret.key),
            &staging.join(&secret.key),
            secret,
        )?;
    }
    let blobs = staging.join("blobs");
    let files = manifest.files.clone();
    let root = dir.root.clone();
    let backup = BackupDir { root };
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        for file in &files {
            checked(&backup.blob(&file.key), &blobs.join(&file.key), file)?;
        }
        Ok(())
    })
    .await??;

    // Every table holds what the manifest counted.
    let db = Database::connect(format!(
        "sqlite://{}?mode=ro",
        staging.join(manifest::DATABASE).display()
    ))
    .await?;
    let counts = super::row_counts(&db).await?;
    for (table, expected) in &manifest.rows {
        let Some(&n) = counts.get(table) else {
            anyhow::bail!(
                "the snapshot has no table {table}, which its manifest counts: \
                 the backup is damaged; nothing was restored"
            );
        };
        if n != *expected {
            anyhow::bail!(
                "the snapshot's table {table} holds {n} rows, its manifest says {expected}: \
                 the backup is damaged; nothing was restored"
            );
        }
    }
    db.close().await?;
    Ok(())
}

/// Which of `erased` the staged database still holds.
pub async fn present(staged: &Staged) -> anyhow::Result<Vec<i32>> {
    if staged.erased.is_empty() {
        return Ok(Vec::new());
    }
    let db = Database::connect(format!(
        "sqlite://{}?mode=ro",
        staged.staging.join(manifest::DATABASE).display()
    ))
    .await?;
    let mut found = Vec::new();
    for row in db
        .query_all(Statement::from_string(
            db.get_database_backend(),
            "SELECT id FROM users ORDER BY id",
        ))
        .await?
    {
        let id: i32 = row.try_get("", "id")?;
        if staged.erased.contains(&id) {
            found.push(id);
        }
    }
    db.close().await?;
    Ok(found)
}

/// Puts the staged data dir in place as `to`, with the ledger it replayed,
/// once the database's write-ahead log is folded in and gone (it may hold
/// pages of an account erased again).
pub async fn finish(staged: &Staged, to: &Path) -> anyhow::Result<()> {
    let database = staged.staging.join(manifest::DATABASE);
    let db = Database::connect(format!("sqlite://{}?mode=rw", database.display())).await?;
    let row = db
        .query_one(Statement::from_string(
            db.get_database_backend(),
            "PRAGMA wal_checkpoint(TRUNCATE)",
        ))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no answer to the checkpoint"))?;
    let busy: i32 = row.try_get_by_index(0)?;
    if let Some(highest) = staged.erased.iter().max() {
        ledger::reserve_numbers(&db, *highest).await?;
        db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
            .await?;
    }
    db.close().await?;
    if busy != 0 {
        anyhow::bail!("the restored database's log could not be folded in (busy)");
    }
    for suffix in ["-wal", "-shm"] {
        let log = staged
            .staging
            .join(format!("{}{suffix}", manifest::DATABASE));
        if log.exists() {
            std::fs::remove_file(log)?;
        }
    }
    ledger::write(&staged.staging.join(manifest::LEDGER), &staged.erased)?;
    // The index is rebuilt from the database at the first start.
    let search = staged.staging.join("search");
    if search.exists() {
        std::fs::remove_dir_all(&search)?;
    }
    manifest::sync_filesystem(&staged.staging)?;
    if to.exists() {
        // Checked empty by `stage`.
        std::fs::remove_dir(to)?;
    }
    std::fs::rename(&staged.staging, to)?;
    Ok(())
}

/// Removes what a failed restore staged.
pub fn abandon(staged: &Staged) {
    let _ = std::fs::remove_dir_all(&staged.staging);
}
