//! The `cadenza` binary: settings from the environment, a subcommand from
//! the arguments, and the rest in the library.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use cadenza_api::auth::Role;
use cadenza_api::graphql::pipeline::trusted::Manifest;
use cadenza_api::services::accounts::{Accounts, Registration};
use cadenza_api::services::catalogue::{demo, CatalogueVersion};
use cadenza_api::services::privacy::erasure::ledger as erasure_ledger;
use cadenza_api::services::recommendations::Recomputer;
use cadenza_api::services::trusted_documents::TrustedDocuments;
use cadenza_api::{db, startup, Application, Settings};
use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

/// A request makes thousands of small allocations that live for the
/// request alone (the document, the response tree, rows); mimalloc's
/// per-thread free lists serve them far cheaper than glibc's malloc, which
/// took a fifth of the CPU under load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "cadenza",
    version,
    about = "Cadenza: a music locker and storefront GraphQL API"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Import the demo catalogue (idempotent) and exit.
    SeedDemo,
    /// Rebuild this replica's search index from the database and exit (with
    /// the server stopped; a running server rebuilds a missing or damaged
    /// index by itself).
    Reindex,
    /// Recompute the recommendation statistics now (waiting for a recompute
    /// running on another replica to finish first) and exit.
    RecomputeRecommendations,
    /// Trusted documents: the GraphQL operations storefronts declared
    /// ahead (see CADENZA_TRUSTED_DOCUMENTS).
    Documents {
        #[command(subcommand)]
        action: DocumentsAction,
    },
    /// Back up the database, every stored file and the secrets into DIR
    /// while the server runs (SQLite and local storage; see docs/backups.md).
    /// Files an earlier backup into DIR holds are not copied again.
    Backup {
        #[arg(long = "to", value_name = "DIR")]
        to: PathBuf,
    },
    /// Restore a backup into a new, empty data dir, erasing again every
    /// account the erasure ledgers name.
    Restore {
        /// The backup directory.
        #[arg(long = "from", value_name = "DIR")]
        from: PathBuf,
        /// The data dir to create (it must not exist, or be empty).
        #[arg(long = "to", value_name = "DATA_DIR")]
        to: PathBuf,
        /// A snapshot's name (a directory under DIR/snapshots); the newest
        /// by default.
        #[arg(long)]
        snapshot: Option<String>,
        /// Another erasure ledger to replay (the old server's
        /// CADENZA_ERASURE_LEDGER, when it survived); may be repeated.
        #[arg(long = "ledger", value_name = "FILE")]
        ledgers: Vec<PathBuf>,
    },
    /// Erase again every account an erasure ledger names that the
    /// database still holds (after restoring a PostgreSQL dump, say).
    ReplayErasures {
        #[arg(long = "ledger", value_name = "FILE")]
        ledger: PathBuf,
    },
    /// Print every setting with its default and meaning.
    Settings {
        /// As the Markdown table of docs/configuration.md.
        #[arg(long)]
        markdown: bool,
    },
    /// Write the served schema as SDL.
    ExportSchema {
        /// Where to write it; `-` for standard output.
        #[arg(long, default_value = "schema.graphql")]
        output: PathBuf,
    },
    /// Create an account with any role.
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password: String,
        /// admin, partner or customer.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[arg(long)]
        display_name: Option<String>,
    },
}

#[derive(Subcommand)]
enum DocumentsAction {
    /// Load a manifest: GraphQL Code Generator's `persisted-documents.json`
    /// (client preset, `persistedDocuments: true`) or Apollo's persisted
    /// query manifest. All or nothing; running it again is harmless.
    Import {
        /// The manifest file.
        file: PathBuf,
    },
    /// List the trusted documents: id, operation name, first line.
    List,
}

fn parse_role(raw: &str) -> Result<Role, String> {
    Role::parse(raw).ok_or_else(|| format!("`{raw}` is not one of admin, partner, customer"))
}

#[actix_web::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        // Colours for a terminal; plain text for a file or a collector.
        .with_ansi(std::io::stdout().is_terminal())
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| {
            EnvFilter::new("info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn")
        }))
        .init();
    let cli = Cli::parse();
    match run(cli.command.unwrap_or(Command::Serve)).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("cadenza: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> anyhow::Result<()> {
    if let Command::ExportSchema { output } = &command {
        let sdl = startup::schema_sdl();
        if output.as_os_str() == "-" {
            use std::io::Write;
            std::io::stdout().write_all(sdl.as_bytes())?;
        } else {
            std::fs::write(output, sdl)?;
            eprintln!("cadenza: schema written to {}", output.display());
        }
        return Ok(());
    }
    if let Command::Settings { markdown } = &command {
        print_settings(*markdown);
        return Ok(());
    }
    if let Command::Restore {
        from,
        to,
        snapshot,
        ledgers,
    } = &command
    {
        return restore(from, to, snapshot.as_deref(), ledgers).await;
    }
    let settings = Settings::from_env()?;
    // Secrets and the search index live there, whichever database is used.
    std::fs::create_dir_all(&settings.data_dir).map_err(|err| {
        anyhow::anyhow!("CADENZA_DATA_DIR {}: {err}", settings.data_dir.display())
    })?;
    match command {
        Command::Serve => {
            let bind = settings.http.bind;
            let app = Application::build(settings).await?;
            let address = std::net::SocketAddr::new(bind.ip(), app.port());
            tracing::info!(%address, "cadenza is listening: the web app at http://{address}/, GraphiQL at http://{address}/graphql");
            app.run_until_stopped().await?;
        }
        Command::Migrate => {
            let db = db::connect(&settings, None).await?;
            startup::migrate(&db).await?;
            eprintln!("cadenza: database migrated");
        }
        Command::Reindex => {
            let db = db::connect(&settings, None).await?;
            startup::migrate(&db).await?;
            let report =
                cadenza_api::services::search::Search::reindex(db, &settings.search_dir).await?;
            eprintln!(
                "cadenza: search index rebuilt: {} documents in {:.1} s",
                report.documents,
                report.elapsed.as_secs_f64()
            );
        }
        Command::SeedDemo => {
            let db = db::connect(&settings, None).await?;
            startup::migrate(&db).await?;
            let report = demo::seed(&db)
                .await
                .context("importing the demo catalogue failed")?;
            eprintln!(
                "cadenza: demo catalogue imported: {} artists, {} albums, {} tracks, {} products",
                report.artists_upserted,
                report.albums_upserted,
                report.tracks_upserted,
                report.products_upserted
            );
        }
        Command::RecomputeRecommendations => {
            let db = db::connect(&settings, None).await?;
            startup::migrate(&db).await?;
            let recomputer = Recomputer::new(
                db,
                settings.recommendations.k_anonymity,
                CatalogueVersion::default(),
            );
            let report = recomputer
                .run_now()
                .await
                .context("recomputing the recommendations failed")?;
            eprintln!(
                "cadenza: recommendations recomputed from {} users ({} plays, {} purchases read): \
                 {} product, {} track and {} artist pairs in {:.1} s \
                 (read {:.1} s, computed {:.1} s, written {:.1} s)",
                report.users,
                report.plays_read,
                report.purchases_read,
                report.product_rows,
                report.track_rows,
                report.artist_rows,
                (report.read + report.computed + report.written).as_secs_f64(),
                report.read.as_secs_f64(),
                report.computed.as_secs_f64(),
                report.written.as_secs_f64(),
            );
        }
        Command::CreateUser {
            email,
            password,
            role,
            display_name,
        } => {
            let db = db::connect(&settings, None).await?;
            startup::migrate(&db).await?;
            let secret = cadenza_api::auth::load_or_create_secret(
                settings.jwt_secret.as_ref().map(|secret| secret.expose()),
                &settings.data_dir,
            )?;
            let accounts = Accounts::new(
                db,
                cadenza_api::auth::AccessTokens::new(
                    &secret,
                    std::time::Duration::from_secs(settings.accounts.access_token_ttl_secs),
                ),
            );
            let name =
                display_name.unwrap_or_else(|| email.split('@').next().unwrap_or("").to_owned());
            let user = accounts
                .create_user(Registration {
                    email: &email,
                    password: &password,
                    display_name: &name,
                    role,
                })
                .await
                .context("creating the account failed")?;
            eprintln!("cadenza: created {} account {}", role.as_str(), user.email);
        }
        Command::Documents { action } => {
            let db = db::connect(&settings, None).await?;
            startup::migrate(&db).await?;
            let store = TrustedDocuments::new(db);
            match action {
                DocumentsAction::Import { file } => {
                    let text = std::fs::read_to_string(&file)
                        .with_context(|| format!("reading {}", file.display()))?;
                    let manifest = Manifest::parse(&text)
                        .map_err(|problem| anyhow::anyhow!("{}: {problem}", file.display()))?;
                    let report = store
                        .import(&manifest.0)
                        .await
                        .with_context(|| format!("importing {}", file.display()))?;
                    eprintln!(
                        "cadenza: {} trusted documents added, {} already there",
                        report.added, report.unchanged
                    );
                }
                DocumentsAction::List => {
                    use std::io::Write;
                    let mut out = std::io::stdout().lock();
                    for document in store.all().await.context("reading the trusted documents")? {
                        let first_line = document.body.lines().next().unwrap_or("");
                        writeln!(
                            out,
                            "{}\t{}\t{}",
                            document.id,
                            document.operation_name.as_deref().unwrap_or("-"),
                            first_line
                        )?;
                    }
                }
            }
        }
        Command::Backup { to } => backup(&settings, &to).await?,
        Command::ReplayErasures { ledger } => {
            if !ledger.is_file() {
                anyhow::bail!("the erasure ledger {} does not exist", ledger.display());
            }
            let users: Vec<i32> = erasure_ledger::read(&ledger)?.into_iter().collect();
            let mut settings = settings;
            settings.seed_demo = false;
            settings.http.bind = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
            let erased = Application::build(settings)
                .await?
                .erase_again(&users)
                .await?;
            eprintln!(
                "cadenza: {erased} of the {} accounts in {} were still there and are erased",
                users.len(),
                ledger.display()
            );
        }
        Command::ExportSchema { .. } | Command::Settings { .. } | Command::Restore { .. } => {}
    }
    Ok(())
}

async fn backup(settings: &Settings, to: &std::path::Path) -> anyhow::Result<()> {
    use cadenza_api::services::backup;
    use cadenza_api::settings::StorageLocation;
    if !settings.uses_sqlite() {
        anyhow::bail!(
            "cadenza backup covers the embedded default (SQLite); with PostgreSQL use \
             pg_dump or base backups with WAL archiving, as docs/backups.md says"
        );
    }
    let StorageLocation::Local(blobs) = &settings.storage else {
        anyhow::bail!(
            "cadenza backup covers local storage; for a bucket use its versioning, \
             as docs/backups.md says"
        );
    };
    // The server's own database, as it is: never created, never migrated
    // by a backup (a newer binary must not change it under a running
    // server).
    if settings.database.url.is_none() {
        let file = settings.data_dir.join("cadenza.sqlite3");
        if !file.is_file() {
            anyhow::bail!(
                "there is no database at {}: is CADENZA_DATA_DIR the server's?",
                file.display()
            );
        }
    }
    let db = db::connect(settings, None).await?;
    let terminal = std::io::stderr().is_terminal();
    let progress = |done: usize, of: usize, bytes: u64| {
        if terminal && (done.is_multiple_of(64) || done == of) {
            eprint!(
                "\rcadenza: {done}/{of} stored files, {:.1} MB copied",
                bytes as f64 / 1e6
            );
        }
    };
    let ledger = settings.erasure_ledger();
    let report = backup::backup(
        backup::Source {
            db: &db,
            data_dir: &settings.data_dir,
            blobs,
            ledger: &ledger,
        },
        to,
        &progress,
    )
    .await
    .with_context(|| format!("backing up into {}", to.display()))?;
    if terminal {
        eprintln!();
    }
    eprintln!(
        "cadenza: backup {} complete: {} rows, {} stored files ({} copied, {:.1} MB; the rest were in the backup already)",
        report.snapshot.display(),
        report.rows,
        report.files,
        report.copied,
        report.bytes_copied as f64 / 1e6
    );
    Ok(())
}

async fn restore(
    from: &std::path::Path,
    to: &std::path::Path,
    snapshot: Option<&str>,
    ledgers: &[PathBuf],
) -> anyhow::Result<()> {
    use cadenza_api::services::backup::restore;
    let staged = restore::stage(from, snapshot, to, ledgers)
        .await
        .with_context(|| format!("restoring from {}", from.display()))?;
    let outcome = async {
        let again = restore::present(&staged).await?;
        if !again.is_empty() {
            // The operator's settings (retention above all), on the
            // staged data dir and nothing else.
            let mut settings = Settings::from_env()
                .unwrap_or_else(|_| Settings::in_data_dir(staged.staging.clone()));
            settings.data_dir = staged.staging.clone();
            settings.database.url = None;
            settings.redis.url = None;
            settings.storage =
                cadenza_api::settings::StorageLocation::Local(staged.staging.join("blobs"));
            settings.search_dir = staged.staging.join("search");
            settings.http.otlp_endpoint = None;
            settings.seed_demo = false;
            settings.http.bind = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
            settings.privacy.erasure_ledger = Some(staged.staging.join("erasure-ledger"));
            Application::build(settings)
                .await?
                .erase_again(&again)
                .await?;
            eprintln!(
                "cadenza: {} accounts erased after this backup was taken were erased again",
                again.len()
            );
        }
        restore::finish(&staged, to).await
    }
    .await;
    if let Err(err) = outcome {
        restore::abandon(&staged);
        return Err(err.context(format!("restoring from {}", from.display())));
    }
    eprintln!(
        "cadenza: restored {} ({}, {} rows, {} stored files) into {}; start the server on it \
         (CADENZA_DATA_DIR={}) and it rebuilds its search index",
        staged.snapshot.display(),
        staged.manifest.created_at,
        staged.manifest.rows.values().sum::<u64>(),
        staged.manifest.files.len(),
        to.display(),
        to.display()
    );
    Ok(())
}

fn print_settings(markdown: bool) {
    use std::io::Write;
    let text = if markdown {
        cadenza_api::settings::configuration_table()
    } else {
        cadenza_api::settings::documented()
            .iter()
            .map(|setting| {
                format!(
                    "{}\n    default: {}\n    {}\n",
                    setting.name,
                    setting.default.replace('`', ""),
                    setting.meaning.replace('`', "")
                )
            })
            .collect()
    };
    let _ = std::io::stdout().write_all(text.as_bytes());
}
