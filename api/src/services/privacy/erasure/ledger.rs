//! The erasure ledger: the number of every erased account, one per line,
//! in a file kept apart from the database (`CADENZA_ERASURE_LEDGER`).
//! A backup holds a database from before some erasures; `cadenza restore`
//! reads the ledger and erases those accounts again, so that a restore
//! never brings back an account its owner deleted. It holds numbers only:
//! nothing in it says who anyone was.
//!
//! Each line says its number twice (`17 17`): a line cut short by a crash
//! (`17 1`) is not read as another account's number.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

use crate::domain::UserId;

/// Adds `user` to the ledger at `path`, durably (the file is synced).
pub fn append(path: &Path, user: UserId) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .read(true)
        .open(path)?;
    // After a torn line, start on a line of our own.
    let torn = {
        use std::io::{Read, Seek, SeekFrom};
        let length = file.metadata()?.len();
        let mut last = [b'\n'];
        if length > 0 {
            file.seek(SeekFrom::Start(length - 1))?;
            file.read_exact(&mut last)?;
        }
        last[0] != b'\n'
    };
    let line = format!("{}{} {}\n", if torn { "\n" } else { "" }, user.0, user.0);
    file.write_all(line.as_bytes())?;
    file.sync_all()
}

/// Every account number in the ledger at `path` (none when there is no
/// file). A line cut short is skipped.
pub fn read(path: &Path) -> std::io::Result<BTreeSet<i32>> {
    let number = |line: &str| {
        let (first, second) = line.trim().split_once(' ')?;
        let user: i32 = first.parse().ok()?;
        (second.parse::<i32>().ok()? == user).then_some(user)
    };
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text.lines().filter_map(number).collect()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(BTreeSet::new()),
        Err(err) => Err(err),
    }
}

/// Writes `users` as a ledger at `path`, atomically (a new file renamed
/// over the old).
pub fn write(path: &Path, users: &BTreeSet<i32>) -> std::io::Result<()> {
    let partial = path.with_extension("partial");
    let mut file = std::fs::File::create(&partial)?;
    for user in users {
        writeln!(file, "{user} {user}")?;
    }
    file.sync_all()?;
    std::fs::rename(&partial, path)
}

/// Moves the next account number past `highest`, on either database: an
/// account made after a restore must never get the number of one the
/// ledger names, or a later replay would erase it.
pub async fn reserve_numbers(
    db: &impl sea_orm::ConnectionTrait,
    highest: i32,
) -> Result<(), sea_orm::DbErr> {
    let sql = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => format!(
            "SELECT setval(pg_get_serial_sequence('users', 'id'), \
             GREATEST({highest}, (SELECT COALESCE(MAX(id), 1) FROM users)))"
        ),
        _ => format!(
            "INSERT INTO sqlite_sequence (name, seq) SELECT 'users', {highest} \
             WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'users'); \
             UPDATE sqlite_sequence SET seq = MAX(seq, {highest}) WHERE name = 'users'"
        ),
    };
    db.execute_unprepared(&sql).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_appended_and_read_back() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("nested").join("ledger");
        assert!(read(&path).unwrap().is_empty());
        append(&path, UserId(7)).unwrap();
        append(&path, UserId(3)).unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"12 1")
            .unwrap();
        append(&path, UserId(9)).unwrap();
        // The torn line is skipped, and did not swallow the next one.
        assert_eq!(read(&path).unwrap(), BTreeSet::from([3, 7, 9]));
        let copy = dir.path().join("copy");
        write(&copy, &BTreeSet::from([1, 2])).unwrap();
        assert_eq!(read(&copy).unwrap(), BTreeSet::from([1, 2]));
    }
}
