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
