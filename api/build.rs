//! Embeds the web app (`web/`) and GraphiQL in the binary.
//!
//! The web app is our own files, listed here so `include_bytes!` picks up
//! every one of them. GraphiQL's production build (and React's) is not in
//! the repository: with the `graphiql` feature (on by default) npm fetches
//! the versions pinned in `graphiql/package-lock.json` into the build
//! directory once, and the files are embedded from there. Without it the
//! crate builds with no npm, and `/graphql` in a browser says how to get
//! GraphiQL. Running the binary needs no Node.js either way.

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
    for (_, path) in &files {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    fs::write(out.join("web_assets.rs"), table(&files)?)?;

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
    println!("cargo:rerun-if-env-changed=CARGO_NET_OFFLINE");
    let files: Vec<(String, PathBuf)> = if std::env::var_os("CARGO_FEATURE_GRAPHIQL").is_some() {
        let modules = fetch_graphiql(&graphiql, &out.join("graphiql"))?;
        ["index.html", "init.js", "page.css"]
            .iter()
            .map(|name| (name.to_string(), graphiql.join(name)))
            .chain(
                GRAPHIQL_FILES
                    .iter()
                    .map(|(name, file)| (name.to_string(), modules.join(file))),
            )
            .collect()
    } else {
        println!(
            "cargo:rerun-if-changed={}",
            graphiql.join("absent.html").display()
        );
        vec![
            ("index.html".into(), graphiql.join("absent.html")),
            ("page.css".into(), graphiql.join("page.css")),
        ]
    };
    fs::write(out.join("graphiql_assets.rs"), table(&files)?)?;
    Ok(())
}

/// A `&[(name, bytes)]` expression that embeds each file.
fn table(files: &[(String, PathBuf)]) -> Result<String, Box<dyn Error>> {
    let mut table = String::from("&[\n");
    for (name, path) in files {
        writeln!(
            table,
            "    ({name:?}, include_bytes!({:?}) as &[u8]),",
            path.display().to_string()
        )?;
    }
    table.push(']');
    Ok(table)
}

/// Every file under `dir`, named by its path relative to `root` with `/`.
fn collect(
    root: &Path,
    dir: &Path,
    files: &mut Vec<(String, PathBuf)>,
) -> Result<(), Box<dyn Error>> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        // Editors' swap and backup files, and dotfiles, are not the app.
        if name.starts_with('.') || name.ends_with('~') {
            continue;
        }
        let path = entry.path();
        // The file type of the entry itself: a link is not followed.
        let kind = entry.file_type()?;
        if kind.is_dir() {
            collect(root, &path, files)?;
        } else if kind.is_file() {
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
    let mut npm = Command::new("npm");
    npm.args([
        "ci",
        "--ignore-scripts",
        "--omit=dev",
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
        // npm's cache first: a machine that fetched these once builds
        // without the network.
        "--prefer-offline",
    ]);
    if std::env::var_os("CARGO_NET_OFFLINE").is_some_and(|value| value == "true") {
        npm.arg("--offline");
    }
    // Cargo reads a build script's stdout for its directives.
    let status = npm
        .current_dir(dir)
        .stdout(std::io::stderr())
        .status()
        .map_err(|err| {
            format!(
                "building cadenza with its `graphiql` feature (on by default) needs npm once, \
                 to fetch GraphiQL's production build ({err}); \
                 `--no-default-features` builds without GraphiQL and without npm"
            )
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
