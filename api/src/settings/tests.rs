//! Settings: defaults, errors that name their setting, and the
//! configuration table that documents them.

use super::*;
use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
fn settings(pairs: &[(&str, &str)]) -> Result<Settings, SettingError> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Settings::from_lookup(|name| map.get(name).cloned())
}

#[test]
fn defaults_follow_the_design() {
    let s = settings(&[]).unwrap();
    assert_eq!(s.http.bind.to_string(), "127.0.0.1:8080");
    assert_eq!(s.data_dir, PathBuf::from("./data"));
    assert!(s.seed_demo);
    assert_eq!(s.locker.max_upload_bytes, 1_073_741_824);
    assert_eq!(s.locker.quota_bytes, 53_687_091_200);
    assert_eq!(s.recommendations.recompute_interval_secs, 300);
    assert_eq!(s.recommendations.k_anonymity, 5);
    assert_eq!(s.privacy.history_retention_days, 365);
    assert_eq!(s.privacy.audit_retention_days, 730);
    assert_eq!(s.privacy.export_ttl_secs, 900);
    assert_eq!(s.rate_limits.exports_per_minute, 1);
    assert_eq!(s.webhooks, WebhookSettings::default());
    assert_eq!(s.webhooks.give_up_after_secs, 86_400);
    assert_eq!(
        s.storage,
        StorageLocation::Local(PathBuf::from("./data/blobs"))
    );
    assert!(s
        .database_url()
        .expose()
        .starts_with("sqlite://./data/cadenza.sqlite3"));
    assert!(s.uses_sqlite());
    assert!(s.http.cors_origins.is_empty());
    assert_eq!(s.http.trusted_documents, TrustedDocuments::Off);
}

#[test]
fn a_bad_value_names_its_setting() {
    for (name, value) in [
        ("CADENZA_BIND", "localhost"),
        ("CADENZA_SEED_DEMO", "maybe"),
        ("CADENZA_MAX_UPLOAD_BYTES", "-1"),
        ("CADENZA_MAX_UPLOAD_BYTES", "18446744073709551615"),
        ("CADENZA_QUOTA_BYTES", "lots"),
        ("CADENZA_K_ANONYMITY", "1"),
        ("CADENZA_RATE_LOGINS", "0"),
        ("CADENZA_RATE_REGISTRATIONS", "many"),
        ("CADENZA_PENDING_PAYMENT_SECS", "0"),
        ("CADENZA_HISTORY_RETENTION_DAYS", "0"),
        ("CADENZA_AUDIT_RETENTION_DAYS", "40000"),
        ("CADENZA_RATE_USER_MUTATIONS", "5000000000"),
        ("CADENZA_STORAGE", "ftp://x"),
        ("DATABASE_URL", "mysql://x"),
        ("REDIS_URL", "http://x"),
        ("CADENZA_JWT_SECRET", "short"),
        ("CADENZA_WEBHOOK_RETRY_BASE_MS", "0"),
        ("CADENZA_WEBHOOK_BATCH", "5000"),
        ("CADENZA_EXPORT_TTL_SECS", "0"),
        ("CADENZA_EXPORT_TTL_SECS", "604801"),
        ("CADENZA_EXPORT_TTL_SECS", "soon"),
        ("CADENZA_RATE_EXPORTS_PER_MINUTE", "0"),
        ("CADENZA_CORS_ORIGINS", "https://shop.example/"),
        ("CADENZA_CORS_ORIGINS", "https://shop.example,*"),
        ("CADENZA_TRUSTED_DOCUMENTS", "always"),
        ("CADENZA_DATABASE_MAX_CONNECTIONS", "0"),
        ("CADENZA_REDIS_NAMESPACE", "a b"),
    ] {
        let err = settings(&[(name, value)]).unwrap_err();
        assert_eq!(err.name, name);
        assert!(err.to_string().starts_with(name), "{err}");
    }
}

#[test]
fn storage_urls_parse() {
    let s = settings(&[("CADENZA_STORAGE", "s3://music/lockers/")]).unwrap();
    let StorageLocation::S3(location) = s.storage else {
        panic!("{:?}", s.storage);
    };
    assert_eq!(location.bucket, "music");
    assert_eq!(location.prefix, "lockers");
    assert_eq!(location.endpoint, None);

    let s = settings(&[
        ("CADENZA_STORAGE", "s3://music"),
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:9000"),
        ("AWS_DEFAULT_REGION", "eu-west-1"),
        ("AWS_ACCESS_KEY_ID", "key"),
        ("AWS_SECRET_ACCESS_KEY", "very secret"),
    ])
    .unwrap();
    let StorageLocation::S3(location) = s.storage else {
        panic!("{:?}", s.storage);
    };
    assert_eq!(location.prefix, "");
    assert_eq!(location.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
    assert_eq!(location.region.as_deref(), Some("eu-west-1"));
    let shown = format!("{location:?}");
    assert!(!shown.contains("very secret"), "{shown}");
}

#[test]
fn s3_settings_are_checked() {
    for pairs in [
        &[("CADENZA_STORAGE", "s3://")][..],
        &[
            ("CADENZA_STORAGE", "s3://music"),
            ("AWS_ENDPOINT_URL", "localhost:9000"),
        ],
        &[
            ("CADENZA_STORAGE", "s3://music"),
            ("AWS_ACCESS_KEY_ID", "key"),
        ],
    ] {
        let err = settings(pairs).unwrap_err();
        assert_eq!(err.name, "CADENZA_STORAGE", "{pairs:?}");
    }
}

#[test]
fn secrets_never_show_in_debug() {
    let s = settings(&[
        ("DATABASE_URL", "postgres://app:hunter2hunter2@db/cadenza"),
        ("REDIS_URL", "redis://:hunter3hunter3@cache:6379"),
        ("CADENZA_JWT_SECRET", "0123456789abcdef0123456789abcdef-jwt"),
    ])
    .unwrap();
    let shown = format!("{s:?}");
    for secret in ["hunter2hunter2", "hunter3hunter3", "0123456789abcdef"] {
        assert!(!shown.contains(secret), "{shown}");
    }
    assert!(shown.contains("[redacted]"));
}

#[test]
fn cors_origins_are_a_list() {
    let s = settings(&[(
        "CADENZA_CORS_ORIGINS",
        " https://shop.example , http://localhost:3000,",
    )])
    .unwrap();
    let origins: Vec<&str> = s.http.cors_origins.iter().map(Origin::as_str).collect();
    assert_eq!(origins, ["https://shop.example", "http://localhost:3000"]);
}

/// The names `from_lookup` asks for, with `answer` giving values.
fn names_read(answer: impl Fn(&str) -> Option<String>) -> BTreeSet<String> {
    let asked = Mutex::new(BTreeSet::new());
    let _ = Settings::from_lookup(|name| {
        asked.lock().unwrap().insert(name.to_owned());
        answer(name)
    });
    asked.into_inner().unwrap()
}

#[test]
fn every_setting_read_is_documented_and_every_documented_one_is_read() {
    let mut read = names_read(|_| None);
    // The bucket's variables are read only for a bucket.
    read.extend(names_read(|name| {
        (name == "CADENZA_STORAGE").then(|| "s3://bucket".to_owned())
    }));
    let documented: BTreeSet<String> = documented().iter().map(|s| s.name.to_owned()).collect();
    // Read by the log subscriber and by S3 alone, each documented with
    // its companion.
    let outside = ["RUST_LOG"];
    let companions = [
        "AWS_SECRET_ACCESS_KEY",
        "AWS_DEFAULT_REGION",
        "AWS_ENDPOINT",
    ];
    for name in &read {
        assert!(
            documented.contains(name) || companions.contains(&name.as_str()),
            "{name} is read but not in the configuration table (settings/docs.rs)"
        );
    }
    for name in &documented {
        assert!(
            read.contains(name) || outside.contains(&name.as_str()),
            "{name} is in the configuration table but never read"
        );
    }
}

#[test]
fn the_configuration_doc_holds_the_table() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/configuration.md");
    let doc = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        doc.contains(&docs::table()),
        "docs/configuration.md does not hold the current table of settings; \
         replace its table with the output of `cadenza settings --markdown`"
    );
}
