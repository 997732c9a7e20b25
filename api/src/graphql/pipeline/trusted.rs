//! Trusted documents as the pipeline sees them: the manifests
//! `cadenza documents import` reads, and this replica's copy of the list,
//! read again when a request names a document it lacks.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::services::trusted_documents::{text_hash, NewTrustedDocument, TrustedDocuments};
use crate::settings::TrustedDocuments as Mode;

/// How often, at most, a miss reads the list again: a flood of unknown ids
/// costs one read in this long, not one each.
const RELOAD_AT_MOST_EVERY: Duration = Duration::from_secs(2);

/// A manifest of trusted documents, in either format clients' tools write:
/// GraphQL Code Generator's client preset with `persistedDocuments: true`
/// (`{"<hash>": "<document>", …}`), or Apollo's persisted query manifest
/// (`{"format": "apollo-persisted-query-manifest", "version": 1,
/// "operations": [{"id", "name", "type", "body"}, …]}`).
#[derive(Debug, PartialEq, Eq)]
pub struct Manifest(pub Vec<NewTrustedDocument>);

impl Manifest {
    /// Reads a manifest; every document must parse as GraphQL. The error
    /// says which entry is wrong and why.
    pub fn parse(json: &str) -> Result<Self, String> {
        let value: Value =
            serde_json::from_str(json).map_err(|err| format!("the manifest is not JSON: {err}"))?;
        let Value::Object(object) = value else {
            return Err("the manifest must be a JSON object".into());
        };
        let documents = if object.get("format").is_some() {
            apollo(&object)?
        } else {
            object
                .into_iter()
                .map(|(id, body)| match body {
                    Value::String(body) => Ok(NewTrustedDocument {
                        id,
                        body,
                        operation_name: None,
                    }),
                    _ => Err(format!("`{id}`: the document must be a string")),
                })
                .collect::<Result<Vec<_>, _>>()?
        };
        if documents.is_empty() {
            return Err("the manifest holds no documents".into());
        }
        let documents = documents
            .into_iter()
            .map(|mut document| {
                let parsed = async_graphql::parser::parse_query(&document.body)
                    .map_err(|err| format!("`{}`: not a GraphQL document: {err}", document.id))?;
                if document.operation_name.is_none() {
                    document.operation_name = parsed
                        .operations
                        .iter()
                        .find_map(|(name, _)| name.map(|name| name.to_string()));
                }
                Ok(document)
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(Self(documents))
    }
}

fn apollo(object: &serde_json::Map<String, Value>) -> Result<Vec<NewTrustedDocument>, String> {
    if object.get("format").and_then(Value::as_str) != Some("apollo-persisted-query-manifest") {
        return Err("`format` must be \"apollo-persisted-query-manifest\"".into());
    }
    if object.get("version").and_then(Value::as_i64) != Some(1) {
        return Err("only version 1 of Apollo's manifest is understood".into());
    }
    let operations = object
        .get("operations")
        .and_then(Value::as_array)
        .ok_or("`operations` must be a list")?;
    operations
        .iter()
        .enumerate()
        .map(|(n, operation)| {
            let field = |name: &str| operation.get(name).and_then(Value::as_str);
            let (Some(id), Some(body)) = (field("id"), field("body")) else {
                return Err(format!(
                    "operation {n}: `id` and `body` are required strings"
                ));
            };
            Ok(NewTrustedDocument {
                id: id.to_owned(),
                body: body.to_owned(),
                operation_name: field("name").map(str::to_owned),
            })
        })
        .collect()
}

/// This replica's copy of the trusted documents.
pub struct Trusted {
    mode: Mode,
    store: TrustedDocuments,
    known: RwLock<Arc<Known>>,
    read_at: Mutex<Option<Instant>>,
}

#[derive(Default)]
struct Known {
    by_id: HashMap<String, Arc<str>>,
    text_hashes: HashSet<String>,
}

impl Trusted {
    pub fn new(mode: Mode, store: TrustedDocuments) -> Self {
        Self {
            mode,
            store,
            known: RwLock::default(),
            read_at: Mutex::new(None),
        }
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The text of the trusted document `id`, if there is one.
    pub async fn by_id(&self, id: &str) -> Option<Arc<str>> {
        if let Some(text) = self.snapshot().by_id.get(id) {
            return Some(text.clone());
        }
        self.reload().await;
        self.snapshot().by_id.get(id).cloned()
    }

    /// True when `text` is a trusted document's, character for character.
    pub async fn holds_text(&self, text: &str) -> bool {
        let hash = text_hash(text);
        if self.snapshot().text_hashes.contains(&hash) {
            return true;
        }
        self.reload().await;
        self.snapshot().text_hashes.contains(&hash)
    }

    fn snapshot(&self) -> Arc<Known> {
        self.known
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Reads the list again, unless it was read a moment ago. A failure
    /// keeps the copy there is (and is logged): the list only grows.
    async fn reload(&self) {
        {
            let mut read_at = self
                .read_at
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if read_at.is_some_and(|at| at.elapsed() < RELOAD_AT_MOST_EVERY) {
                return;
            }
            *read_at = Some(Instant::now());
        }
        match self.store.all().await {
            Ok(rows) => {
                let mut known = Known::default();
                for row in rows {
                    known.text_hashes.insert(row.sha256);
                    known.by_id.insert(row.id, Arc::from(row.body));
                }
                *self
                    .known
                    .write()
                    .unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(known);
            }
            Err(err) => {
                tracing::warn!(error = %err, "the trusted documents could not be read");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_manifest_formats_are_read() {
        let codegen = Manifest::parse(
            r#"{"b2c4e0": "query Shelves { genres { name } }", "0f1e": "{ genres { name } }"}"#,
        )
        .unwrap();
        assert_eq!(codegen.0.len(), 2);
        let named = |id: &str| codegen.0.iter().find(|d| d.id == id).unwrap();
        assert_eq!(named("b2c4e0").operation_name.as_deref(), Some("Shelves"));
        assert_eq!(named("0f1e").operation_name, None);
        let apollo = Manifest::parse(
            r#"{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [
                {"id": "abc", "name": "Shelves", "type": "query", "body": "query Shelves { genres { name } }"}
            ]}"#,
        )
        .unwrap();
        assert_eq!(apollo.0[0].id, "abc");
        assert_eq!(apollo.0[0].operation_name.as_deref(), Some("Shelves"));
    }

    #[test]
    fn a_bad_manifest_says_what_is_wrong() {
        for (json, says) in [
            ("[]", "JSON object"),
            ("{}", "no documents"),
            (r#"{"a": 1}"#, "`a`"),
            (r#"{"a": "query {"}"#, "not a GraphQL document"),
            (r#"{"format": "other", "operations": []}"#, "format"),
            (
                r#"{"format": "apollo-persisted-query-manifest", "version": 2, "operations": []}"#,
                "version 1",
            ),
            (
                r#"{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{"id": "x"}]}"#,
                "operation 0",
            ),
            ("not json", "not JSON"),
        ] {
            let err = Manifest::parse(json).unwrap_err();
            assert!(err.contains(says), "{json}: {err}");
        }
    }
}
