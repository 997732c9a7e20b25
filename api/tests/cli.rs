//! The `cadenza` binary's subcommands and settings, run as a user runs them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

fn cadenza(data_dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cadenza"));
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("CADENZA_DATA_DIR", data_dir)
        .env("RUST_LOG", "warn");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().unwrap()
}

#[test]
fn export_schema_writes_the_committed_schema() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("schema.graphql");
    let output = cadenza(
        dir.path(),
        &["export-schema", "--output", out.to_str().unwrap()],
        &[],
    );
    assert!(output.status.success(), "{output:?}");
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql")).unwrap();
    assert_eq!(std::fs::read_to_string(out).unwrap(), committed);
}

#[test]
fn a_bad_setting_stops_start_up_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    for (name, value) in [
        ("CADENZA_BIND", "not-an-address"),
        ("CADENZA_SEED_DEMO", "perhaps"),
        ("CADENZA_MAX_UPLOAD_BYTES", "a lot"),
        ("DATABASE_URL", "mysql://nope"),
    ] {
        let output = cadenza(dir.path(), &["serve"], &[(name, value)]);
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(name), "{name}: {stderr}");
    }
}

#[test]
fn migrate_seed_and_create_user() {
    let dir = tempfile::tempdir().unwrap();
    let migrate = cadenza(dir.path(), &["migrate"], &[]);
    assert!(migrate.status.success(), "{migrate:?}");
    assert!(dir.path().join("cadenza.sqlite3").exists());

    let seed = cadenza(dir.path(), &["seed-demo"], &[]);
    assert!(seed.status.success(), "{seed:?}");
    assert!(String::from_utf8_lossy(&seed.stderr).contains("48 artists"));

    let args = [
        "create-user",
        "--email",
        "Boss@Example.com",
        "--password",
        "a long admin password",
        "--role",
        "admin",
    ];
    let created = cadenza(dir.path(), &args, &[]);
    assert!(created.status.success(), "{created:?}");
    assert!(String::from_utf8_lossy(&created.stderr).contains("boss@example.com"));
    let again = cadenza(dir.path(), &args, &[]);
    assert!(
        !again.status.success(),
        "a second account with the same email"
    );

    let short = cadenza(
        dir.path(),
        &[
            "create-user",
            "--email",
            "x@example.com",
            "--password",
            "short",
            "--role",
            "partner",
        ],
        &[],
    );
    assert!(!short.status.success());
    let bad_role = cadenza(
        dir.path(),
        &[
            "create-user",
            "--email",
            "y@example.com",
            "--password",
            "long enough password",
            "--role",
            "emperor",
        ],
        &[],
    );
    assert!(!bad_role.status.success());
    assert!(String::from_utf8_lossy(&bad_role.stderr).contains("emperor"));
}

#[test]
fn trusted_documents_are_imported_and_listed() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("persisted-documents.json");
    std::fs::write(
        &manifest,
        r#"{"sha256:aa": "query Shelves { genres { name } }", "sha256:bb": "{ genres { albumCount } }"}"#,
    )
    .unwrap();
    let path = manifest.to_str().unwrap();
    let imported = cadenza(dir.path(), &["documents", "import", path], &[]);
    assert!(imported.status.success(), "{imported:?}");
    assert!(String::from_utf8_lossy(&imported.stderr).contains("2 trusted documents added"));
    let again = cadenza(dir.path(), &["documents", "import", path], &[]);
    assert!(String::from_utf8_lossy(&again.stderr)
        .contains("0 trusted documents added, 2 already there"));
    let listed = cadenza(dir.path(), &["documents", "list"], &[]);
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert!(
        listed.contains("sha256:aa\tShelves\tquery Shelves"),
        "{listed}"
    );

    // A broken manifest is refused, naming the file and the entry.
    std::fs::write(&manifest, r#"{"sha256:cc": "query {"}"#).unwrap();
    let refused = cadenza(dir.path(), &["documents", "import", path], &[]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("persisted-documents.json") && stderr.contains("sha256:cc"),
        "{stderr}"
    );
}

#[tokio::test]
async fn a_failure_on_the_database_says_why() {
    use sea_orm::ConnectionTrait;
    // The cause reaches the operator, not a bare "internal error".
    let dir = tempfile::tempdir().unwrap();
    assert!(cadenza(dir.path(), &["migrate"], &[]).status.success());
    let url = format!(
        "sqlite://{}?mode=rw",
        dir.path().join("cadenza.sqlite3").display()
    );
    let db = sea_orm::Database::connect(url).await.unwrap();
    db.execute_unprepared("DROP TABLE refresh_tokens; DROP TABLE api_keys; PRAGMA foreign_keys = OFF; DROP TABLE users")
        .await
        .unwrap();
    db.close().await.unwrap();
    let output = cadenza(
        dir.path(),
        &[
            "create-user",
            "--email",
            "a@example.com",
            "--password",
            "long enough password",
            "--role",
            "admin",
        ],
        &[],
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprintln!("{stderr}");
    assert!(
        stderr.contains("creating the account failed") && stderr.contains("users"),
        "{stderr}"
    );
}
