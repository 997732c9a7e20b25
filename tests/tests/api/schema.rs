//! The served schema: `schema.graphql` is current, and it contains the
//! contract (shared/api-contract.graphql) but for the parts listed as
//! pending, which later work adds.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use async_graphql_parser::types::{TypeDefinition, TypeKind, TypeSystemDefinition};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

#[test]
fn schema_graphql_is_what_the_server_serves() {
    let committed = std::fs::read_to_string(repo_root().join("schema.graphql")).unwrap_or_default();
    let served = cadenza_api::startup::schema_sdl();
    assert!(
        committed == served,
        "schema.graphql is stale: run `cargo run -p cadenza-api --bin cadenza -- export-schema`"
    );
}

/// The contract: shared/ beside the checkout when it is there (and then the
/// vendored copy must match it), else the copy vendored in tests/contract.
fn contract() -> String {
    let vendored_path = repo_root().join("tests/contract/api-contract.graphql");
    let vendored = std::fs::read_to_string(&vendored_path).unwrap();
    let shared = repo_root().join("../shared/api-contract.graphql");
    if let Ok(shared) = std::fs::read_to_string(shared) {
        assert!(
            shared == vendored,
            "shared/api-contract.graphql changed: copy it to tests/contract/ and check what it asks"
        );
    }
    vendored
}

/// Parts of the contract that later issues add. This list only shrinks,
/// and it is empty now: the whole contract is served.
const PENDING: &[&str] = &[];

#[test]
fn the_served_schema_contains_the_contract() {
    let contract = describe(&contract());
    let served = describe(&cadenza_api::startup::schema_sdl());
    let mut missing = BTreeSet::new();
    for (item, ty) in &contract.items {
        match served.items.get(item) {
            None => {
                missing.insert(item.clone());
            }
            Some(served_ty) if served_ty != ty => {
                missing.insert(format!("{item}: {ty} (served as {served_ty})"));
            }
            Some(_) => {}
        }
    }
    // Arguments the server adds to the contract's fields must be optional.
    for (item, ty) in &served.items {
        if let Some((field, _)) = item.split_once('(') {
            if contract.items.contains_key(field)
                && !contract.items.contains_key(item)
                && ty.ends_with('!')
            {
                missing.insert(format!("{item} is a required argument the contract lacks"));
            }
        }
    }
    // A missing type is one entry; its fields need no listing of their own.
    let missing_types: Vec<String> = missing
        .iter()
        .filter_map(|item| item.split_once(' ').map(|(_, name)| name.to_owned()))
        .filter(|name| !name.contains(['.', ' ', '(']))
        .collect();
    missing.retain(|item| {
        !missing_types.iter().any(|ty| {
            item.starts_with(&format!("{ty}."))
                || item.starts_with(&format!("{ty} implements "))
                || item.starts_with(&format!("enum {ty}."))
                || item.starts_with(&format!("union {ty} = "))
                || item.starts_with(&format!("input {ty}."))
        })
    });
    // Likewise a missing field's arguments.
    let missing_fields: Vec<String> = missing
        .iter()
        .filter(|item| !item.contains([' ', '(']) && item.contains('.'))
        .cloned()
        .collect();
    missing.retain(|item| {
        !missing_fields
            .iter()
            .any(|field| item.starts_with(&format!("{field}(")))
    });
    let pending: BTreeSet<String> = PENDING.iter().map(|p| p.to_string()).collect();
    let unexpected: Vec<&String> = missing.difference(&pending).collect();
    let done: Vec<&String> = pending.difference(&missing).collect();
    assert!(
        unexpected.is_empty(),
        "the served schema lacks {} part(s) of the contract:\n{}",
        unexpected.len(),
        unexpected
            .iter()
            .map(|s| format!("  {s}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        done.is_empty(),
        "these are served now; take them off PENDING:\n{}",
        done.iter()
            .map(|s| format!("  {s}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// A schema as a flat list of items (`type X`, `X.field`, `X.field(arg)`,
/// `X implements I`, `enum X.VALUE`, `union X = M`, `input X.field`), each
/// with its type where it has one.
struct Description {
    items: BTreeMap<String, String>,
}

fn describe(sdl: &str) -> Description {
    let document = async_graphql_parser::parse_schema(sdl).unwrap();
    let mut items = BTreeMap::new();
    for definition in document.definitions {
        let TypeSystemDefinition::Type(definition) = definition else {
            continue;
        };
        let TypeDefinition { name, kind, .. } = definition.node;
        let name = name.node.to_string();
        let (kind_name, detail): (&str, Vec<(String, String)>) = match kind {
            TypeKind::Scalar => ("scalar", vec![]),
            TypeKind::Object(object) => {
                let mut detail: Vec<(String, String)> = object
                    .implements
                    .iter()
                    .map(|i| (format!("{name} implements {}", i.node), String::new()))
                    .collect();
                for field in object.fields {
                    let field = field.node;
                    let field_item = format!("{name}.{}", field.name.node);
                    for arg in field.arguments {
                        detail.push((
                            format!("{field_item}({})", arg.node.name.node),
                            arg.node.ty.node.to_string(),
                        ));
                    }
                    detail.push((field_item, field.ty.node.to_string()));
                }
                ("type", detail)
            }
            TypeKind::Interface(interface) => {
                let mut detail = Vec::new();
                for field in interface.fields {
                    let field = field.node;
                    detail.push((
                        format!("{name}.{}", field.name.node),
                        field.ty.node.to_string(),
                    ));
                }
                ("interface", detail)
            }
            TypeKind::Union(union) => (
                "union",
                union
                    .members
                    .iter()
                    .map(|m| (format!("union {name} = {}", m.node), String::new()))
                    .collect(),
            ),
            TypeKind::Enum(enumeration) => (
                "enum",
                enumeration
                    .values
                    .iter()
                    .map(|v| (format!("enum {name}.{}", v.node.value.node), String::new()))
                    .collect(),
            ),
            TypeKind::InputObject(input) => (
                "input",
                input
                    .fields
                    .iter()
                    .map(|f| {
                        (
                            format!("input {name}.{}", f.node.name.node),
                            f.node.ty.node.to_string(),
                        )
                    })
                    .collect(),
            ),
        };
        items.insert(format!("{kind_name} {name}"), String::new());
        items.extend(detail);
    }
    Description { items }
}
