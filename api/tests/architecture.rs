//! The shape of the code, checked so it stays as designed:
//!
//! - the layers: `http` → `graphql` → `services` → `domain`; nothing in the
//!   services or the domain knows GraphQL or HTTP (no `async_graphql`, no
//!   `actix`, no `crate::graphql` or `crate::http`);
//! - no circles: at every level of the module tree, the modules under one
//!   parent never depend on each other in a circle (a module may use its
//!   parent's items and its parent its children's, as Rust has it);
//! - small files: no file of `api/src` grows past `MAX_LINES` lines of code
//!   (its tests aside), unless its header says why (`Long on purpose:`).
//!
//! It reads the sources, so it needs no build of anything but itself.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Longest a file may be, its tests aside; split by responsibility first.
const MAX_LINES: usize = 500;

/// Top-level modules, innermost layer first. A module may refer only to
/// modules of its own layer or inner ones.
const LAYERS: &[&[&str]] = &[
    &["error", "settings", "metrics"],
    &["domain", "db", "auth", "redis_link"],
    &["services"],
    &["graphql"],
    &["http"],
    &["startup"],
];

type ModulePath = Vec<String>;

struct Source {
    /// `a/b.rs` is `[a, b]`; a folder's `a/mod.rs` is `[a]`, `lib.rs` `[]`.
    module: ModulePath,
    text: String,
    file: PathBuf,
}

fn sources() -> Vec<Source> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    walk(&root, &root, &mut found);
    assert!(
        found.len() > 20,
        "the sources were not found under {root:?}"
    );
    found
}

fn walk(root: &Path, dir: &Path, found: &mut Vec<Source>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(root, &path, found);
            continue;
        }
        if path.extension().and_then(|e| e.to_str()) != Some("rs") {
            continue;
        }
        let relative = path.strip_prefix(root).unwrap();
        let mut module: ModulePath = relative
            .iter()
            .map(|part| part.to_string_lossy().trim_end_matches(".rs").to_owned())
            .collect();
        let last = module.last().cloned().unwrap_or_default();
        // The binary is its own crate; it reaches the library by name.
        if module == ["main"] {
            continue;
        }
        if last == "mod" || last == "lib" {
            module.pop();
        }
        found.push(Source {
            module,
            text: strip_comments(&std::fs::read_to_string(&path).unwrap()),
            file: relative.to_owned(),
        });
    }
}

/// The code without `//` comments (doc comments name modules freely).
fn strip_comments(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            // `://` is a URL in a string, not a comment.
            Some(at) if !line[..at].ends_with(':') => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every `crate::`, `super::` and `self::` path in `text`, resolved to an
/// absolute path from the crate root, `use` groups (`a::{b, c::d}`)
/// expanded.
fn referenced_paths(source: &Source) -> Vec<ModulePath> {
    let bytes = source.text.as_bytes();
    let mut paths = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let boundary = at == 0 || !is_ident(bytes[at - 1]) && bytes[at - 1] != b':';
        let starts = ["crate::", "super::", "self::"]
            .into_iter()
            .find(|start| bytes[at..].starts_with(start.as_bytes()));
        match starts {
            Some(start) if boundary => {
                let base: ModulePath = match start {
                    "crate::" => Vec::new(),
                    "self::" => source.module.clone(),
                    _ => {
                        // `super` of `a/b.rs` is `a`; of `a/mod.rs`, the
                        // parent of `a`. Further `super::`s go up again.
                        let mut parent = source.module.clone();
                        parent.pop();
                        parent
                    }
                };
                let mut cursor = at + start.len();
                let mut base = base;
                if start == "super::" {
                    while bytes[cursor..].starts_with(b"super::") {
                        base.pop();
                        cursor += "super::".len();
                    }
                }
                at = parse_path(&source.text, cursor, base, &mut paths);
            }
            _ => at += 1,
        }
    }
    paths
}

fn is_ident(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// Reads `a::b::{c, d::e}` from `at`, pushing each full path onto `out`;
/// returns where it stopped.
fn parse_path(
    text: &str,
    mut at: usize,
    mut prefix: ModulePath,
    out: &mut Vec<ModulePath>,
) -> usize {
    let bytes = text.as_bytes();
    loop {
        let start = at;
        while at < bytes.len() && is_ident(bytes[at]) {
            at += 1;
        }
        if at > start {
            prefix.push(text[start..at].to_owned());
        }
        if bytes[at..].starts_with(b"::") {
            at += 2;
            if bytes.get(at) == Some(&b'{') {
                at += 1;
                loop {
                    while bytes
                        .get(at)
                        .is_some_and(|b| b.is_ascii_whitespace() || *b == b',')
                    {
                        at += 1;
                    }
                    if bytes.get(at) == Some(&b'}') || at >= bytes.len() {
                        return at + 1;
                    }
                    let before = at;
                    at = parse_path(text, at, prefix.clone(), out);
                    if at == before {
                        at += 1;
                    }
                }
            }
            continue;
        }
        out.push(prefix);
        return at;
    }
}

/// The module a path lands in: the longest known module prefix of it.
fn module_of(path: &ModulePath, modules: &BTreeSet<ModulePath>) -> Option<ModulePath> {
    (0..=path.len())
        .rev()
        .map(|len| path[..len].to_vec())
        .find(|prefix| modules.contains(prefix))
}

/// Module-to-module references, each with one file that makes it.
fn edges(sources: &[Source]) -> BTreeMap<(ModulePath, ModulePath), PathBuf> {
    let modules: BTreeSet<ModulePath> = sources.iter().map(|s| s.module.clone()).collect();
    let mut edges = BTreeMap::new();
    for source in sources {
        for path in referenced_paths(source) {
            if let Some(target) = module_of(&path, &modules) {
                if target != source.module {
                    edges
                        .entry((source.module.clone(), target))
                        .or_insert_with(|| source.file.clone());
                }
            }
        }
    }
    edges
}

#[test]
fn services_and_the_domain_know_nothing_of_graphql_or_http() {
    let mut offenders = Vec::new();
    for source in sources() {
        let inner = matches!(
            source.module.first().map(String::as_str),
            Some("services" | "domain")
        );
        if !inner {
            continue;
        }
        for forbidden in ["async_graphql", "actix", "crate::graphql", "crate::http"] {
            if source.text.contains(forbidden) {
                offenders.push(format!("{} uses {forbidden}", source.file.display()));
            }
        }
    }
    assert!(offenders.is_empty(), "{offenders:#?}");
}

#[test]
fn layers_only_look_inwards() {
    let layer_of = |module: &ModulePath| {
        let top = module.first()?;
        LAYERS
            .iter()
            .position(|layer| layer.contains(&top.as_str()))
    };
    let mut offenders = Vec::new();
    for ((from, to), file) in edges(&sources()) {
        if let (Some(from_layer), Some(to_layer)) = (layer_of(&from), layer_of(&to)) {
            if to_layer > from_layer {
                offenders.push(format!(
                    "{} ({}) reaches out to {}",
                    from.join("::"),
                    file.display(),
                    to.join("::")
                ));
            }
        }
    }
    for source in sources() {
        if source.module.len() == 1 && layer_of(&source.module).is_none() {
            offenders.push(format!(
                "top-level module `{}` belongs to no layer; add it to LAYERS",
                source.module.join("::")
            ));
        }
    }
    assert!(offenders.is_empty(), "{offenders:#?}");
}

#[test]
fn no_circles_between_modules() {
    // Sibling modules under one parent, and which of them each one uses.
    let mut siblings: BTreeMap<ModulePath, BTreeMap<String, BTreeMap<String, PathBuf>>> =
        BTreeMap::new();
    for ((from, to), file) in edges(&sources()) {
        let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
        // One contains the other: a child using its parent, or a parent
        // wiring its children.
        if common == from.len() || common == to.len() {
            continue;
        }
        siblings
            .entry(from[..common].to_vec())
            .or_default()
            .entry(from[common].clone())
            .or_default()
            .entry(to[common].clone())
            .or_insert(file);
    }
    let mut circles = Vec::new();
    for (parent, uses) in &siblings {
        if let Some(circle) = find_circle(uses) {
            let steps: Vec<String> = circle
                .windows(2)
                .map(|pair| {
                    format!(
                        "{} -> {} (in {})",
                        pair[0],
                        pair[1],
                        uses[&pair[0]][&pair[1]].display()
                    )
                })
                .collect();
            circles.push(format!(
                "under `{}`: {}",
                parent.join("::"),
                steps.join(", ")
            ));
        }
    }
    assert!(circles.is_empty(), "{circles:#?}");
}

/// A circle in a small directed graph, as the nodes along it (the first
/// repeated at the end), if there is one.
fn find_circle(uses: &BTreeMap<String, BTreeMap<String, PathBuf>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        uses: &BTreeMap<String, BTreeMap<String, PathBuf>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|n| n == node) {
            let mut circle = stack[at..].to_vec();
            circle.push(node.to_owned());
            return Some(circle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_owned());
        for next in uses
            .get(node)
            .into_iter()
            .flat_map(|targets| targets.keys())
        {
            if let Some(circle) = visit(next, uses, stack, done) {
                return Some(circle);
            }
        }
        stack.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    uses.keys()
        .find_map(|node| visit(node, uses, &mut Vec::new(), &mut done))
}

#[test]
fn files_stay_small() {
    let mut long = Vec::new();
    for source in sources() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src")
            .join(&source.file);
        let text = std::fs::read_to_string(path).unwrap();
        // Its tests do not count: they grow with what they check.
        let code = text.split("\n#[cfg(test)]\nmod tests").next().unwrap_or("");
        let lines = code.lines().count();
        let excused = text
            .lines()
            .take_while(|line| line.starts_with("//!"))
            .any(|line| line.contains("Long on purpose:"));
        if lines > MAX_LINES && !excused {
            long.push(format!("{} has {lines} lines", source.file.display()));
        }
    }
    assert!(
        long.is_empty(),
        "split these by responsibility, or say in the header why not (`Long on purpose:`): {long:#?}"
    );
}

#[test]
fn the_checker_sees_paths_as_rust_does() {
    let source = Source {
        module: vec!["services".into(), "locker".into(), "upload".into()],
        text: strip_comments(
            "use crate::services::{catalogue::matching, media::{self, BlobStore}};\n\
             use super::Locker; // crate::graphql in a comment\n\
             let x = crate::db::begin_write(&db);",
        ),
        file: PathBuf::from("services/locker/upload.rs"),
    };
    let paths = referenced_paths(&source);
    let want: Vec<ModulePath> = [
        "services::catalogue::matching",
        "services::media::self",
        "services::media::BlobStore",
        "services::locker::Locker",
        "db::begin_write",
    ]
    .iter()
    .map(|p| p.split("::").map(str::to_owned).collect())
    .collect();
    assert_eq!(paths, want);
}

#[test]
fn the_checker_finds_circles() {
    let graph = |pairs: &[(&str, &str)]| {
        let mut uses: BTreeMap<String, BTreeMap<String, PathBuf>> = BTreeMap::new();
        for (from, to) in pairs {
            uses.entry((*from).into())
                .or_default()
                .insert((*to).into(), PathBuf::new());
        }
        uses
    };
    assert_eq!(
        find_circle(&graph(&[("a", "b"), ("b", "c"), ("c", "a")])),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    assert_eq!(
        find_circle(&graph(&[("a", "b"), ("b", "c"), ("a", "c")])),
        None
    );
}
