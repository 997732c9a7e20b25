//! Embeds the web app (`web/`) and GraphiQL in the binary.
//!
//! The web app is our own files, listed here so `include_bytes!` picks up
//! every one of them. GraphiQL's production build (and React's) is not in
//! the repository: npm fetches the versions pinned in
//! `graphiql/package-lock.json` into the build directory once, and the
//! files are embedded from there. Running the binary needs no Node.js.

use std::error::Error;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The GraphiQL files the page loads, and where npm puts them.
const GRAPHIQL_FILES: &[(&str, &str)] = &[
    ("react.js", "react/umd/react.production.min.js"),
    ("react-dom.js", "react-dom/umd/react-dom.production.min.js"),
    ("graphiql.js", "graphiql/graphiql.min.js"),
    ("graphiql.css", "graphiql/graphiql.min.css"),
];

fn main() -> Result<(), Box<dyn Error>> {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let out = PathBuf::from(std::env::var("OUT_DIR")?);

    let web = manifest.join("web");
    println!("cargo:rerun-if-changed={}", web.display());
    let mut files = Vec::new();
    collect(&web, &web, &mut files)?;
    files.sort();
    let mut table = String::from("&[\n");
    for (name, path) in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        writeln!(
            table,
            "    ({name:?}, include_bytes!({:?}) as &[u8]),",
            path.display().to_string()
        )?;
    }
    table.push(']');
    fs::write(out.join("web_assets.rs"), table)?;

    let graphiql = manifest.join("graphiql");
    for file in [
        "package.json",
        "package-lock.json",
        "index.html",
        "init.js",
        "page.css",
    ] {
        println!("cargo:rerun-if-changed={}", graphiql.join(file).display());
    }
    let modules = fetch_graphiql(&graphiql, &out.join("graphiql"))?;
    let mut table = String::from("&[\n");
    for (name, path) in [
        ("index.html", graphiql.join("index.html")),
        ("init.js", graphiql.join("init.js")),
        ("page.css", graphiql.join("page.css")),
    ]
    .into_iter()
    .chain(
        GRAPHIQL_FILES
            .iter()
            .map(|(name, file)| (*name, modules.join(file))),
    ) {
        writeln!(
            table,
            "    ({name:?}, include_bytes!({:?}) as &[u8]),",
            path.display().to_string()
        )?;
    }
    table.push(']');
    fs::write(out.join("graphiql_assets.rs"), table)?;
    Ok(())
}

/// Every file under `dir`, named by its path relative to `root` with `/`.
fn collect(
    root: &Path,
    dir: &Path,
    files: &mut Vec<(String, PathBuf)>,
) -> Result<(), Box<dyn Error>> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(root, &path, files)?;
        } else {
            let name = path
                .strip_prefix(root)?
                .components()
                .map(|part| part.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            files.push((name, path));
        }
    }
    Ok(())
}

/// Runs `npm ci` in the build directory when the lock file changed, and
/// returns its `node_modules`.
fn fetch_graphiql(source: &Path, dir: &Path) -> Result<PathBuf, Box<dyn Error>> {
    let lock = fs::read(source.join("package-lock.json"))?;
    let modules = dir.join("node_modules");
    let stamp = dir.join("installed-lock.json");
    let installed = fs::read(&stamp).ok();
    let complete = GRAPHIQL_FILES
        .iter()
        .all(|(_, file)| modules.join(file).is_file());
    if installed.as_deref() == Some(lock.as_slice()) && complete {
        return Ok(modules);
    }
    fs::create_dir_all(dir)?;
    fs::copy(source.join("package.json"), dir.join("package.json"))?;
    fs::write(dir.join("package-lock.json"), &lock)?;
    let status = Command::new("npm")
        .args([
            "ci",
            "--ignore-scripts",
            "--omit=dev",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
        ])
        .current_dir(dir)
        .status()
        .map_err(|err| {
            format!("building cadenza needs npm once, to fetch GraphiQL's production build ({err})")
        })?;
    if !status.success() {
        return Err(format!(
            "`npm ci` in {} failed ({status}); GraphiQL's assets could not be fetched",
            dir.display()
        )
        .into());
    }
    fs::write(&stamp, &lock)?;
    Ok(modules)
}
