//! The command line: `quire [serve]`, `migrate`, `user create`, `demo`, `import`, `export`,
//! `backup`, `restore`, `rerender`.
//!
//! Mistakes of the person at the keyboard (a bad setting, a port in use, invalid input) end
//! with one line on standard error and exit code 2; other failures with exit code 1.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::accounts::store::NewUser;
use crate::accounts::Role;
use crate::error::AppError;
use crate::platform::config::{Config, ConfigError};
use crate::platform::db::Db;
use crate::platform::password::Password;
use crate::web::state::AppState;

/// `quire --version`: the release, the commit it was built from, and the schema it brings.
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("QUIRE_COMMIT"),
    ", schema ",
    env!("QUIRE_SCHEMA"),
    ")"
);

#[derive(Debug, Parser)]
#[command(name = "quire", version = VERSION, about = "A self-hosted blogging platform")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the web server (the default); listens on QUIRE_ADDR
    Serve,
    /// Bring the database schema up to date
    Migrate,
    /// Check that quire can run here: its settings, database and schema, media folder, public
    /// address and mail server; a line per check, exit code 1 if any fails
    Doctor,
    /// Manage user accounts
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Fill an empty database with demo users, posts, comments and likes; with --posts, also a
    /// large generated dataset (for benchmarks)
    Demo {
        /// Posts in all, generated ones included (e.g. 100000)
        #[arg(long)]
        posts: Option<usize>,
        /// Comments in all, generated ones included (e.g. 1000000)
        #[arg(long, default_value_t = 0, requires = "posts")]
        comments: usize,
    },
    /// Import a blog: markdown files with YAML front matter (a file or a folder of them), a
    /// WordPress export (WXR) or a Ghost export (JSON), told apart by their content. Importing
    /// the same thing again updates what the first import made
    Import {
        path: std::path::PathBuf,
        /// Whose posts they become (markdown); for an export, whose posts they are when the
        /// export names nobody (default: the first admin)
        #[arg(long)]
        author: Option<String>,
        /// A copy of the old blog's images (WordPress's `wp-content/uploads`, Ghost's
        /// `content/images`): the images posts use are copied into quire's media
        #[arg(long)]
        media: Option<std::path::PathBuf>,
    },
    /// Write posts as markdown files with YAML front matter into a folder, or the whole blog as
    /// a WordPress export (never migrates: the database must be at this quire's schema)
    Export {
        dir: std::path::PathBuf,
        /// Only this user's posts (markdown)
        #[arg(long)]
        author: Option<String>,
        /// markdown: a file per post; wxr: one file WordPress's importer takes
        /// (quire-wordpress.xml), with pages, comments, tags, categories and authors
        #[arg(long, value_enum, default_value_t = ExportFormat::Markdown)]
        format: ExportFormat,
    },
    /// Copy the whole database into one SQLite file, safely while the server runs; from
    /// either backend, restorable into either (never migrates: the database must be at this
    /// quire's schema)
    Backup {
        file: std::path::PathBuf,
        /// Replace FILE if it exists
        #[arg(long)]
        force: bool,
    },
    /// Copy a backup into an empty database (a new one; migrations run first)
    Restore { file: std::path::PathBuf },
    /// Render again the posts an older version of quire's renderer wrote (the server also
    /// does this when it starts)
    Rerender,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create a user. The password comes from QUIRE_PASSWORD, or else from standard input.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long)]
        email: String,
        #[arg(long, value_enum, default_value_t = RoleArg::User)]
        role: RoleArg,
        #[arg(long)]
        first_name: Option<String>,
        #[arg(long)]
        last_name: Option<String>,
    },
    /// Every user: id, username, role, whether active, email, when they joined
    List,
    /// Give a user a new password (a forgotten one): from QUIRE_PASSWORD, standard input, or
    /// asked for without showing it on a terminal. Their sessions end; their API tokens are not renewed.
    SetPassword {
        #[arg(value_name = "USER")]
        username: String,
    },
    /// Give a user another role (the last active admin stays one)
    SetRole {
        #[arg(value_name = "USER")]
        username: String,
        #[arg(value_enum)]
        role: RoleArg,
    },
    /// The same as set-role, with named options (kept for scripts written before set-role)
    #[command(hide = true)]
    Role {
        #[arg(long)]
        username: String,
        #[arg(long, value_enum)]
        role: RoleArg,
    },
    /// Deactivate a user (their sessions end) or, with --active, reactivate them
    Deactivate {
        #[arg(value_name = "USER", required_unless_present = "username")]
        user: Option<String>,
        /// The same as USER (as scripts written before USER wrote it)
        #[arg(long, hide = true, conflicts_with = "user")]
        username: Option<String>,
        #[arg(long)]
        active: bool,
    },
    /// Delete a user with their posts and comments (never the last active admin)
    Delete {
        #[arg(long)]
        username: String,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum RoleArg {
    User,
    Author,
    Moderator,
    Admin,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Self {
        match role {
            RoleArg::User => Role::User,
            RoleArg::Author => Role::Author,
            RoleArg::Moderator => Role::Moderator,
            RoleArg::Admin => Role::Admin,
        }
    }
}

/// What `quire export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ExportFormat {
    Markdown,
    Wxr,
}

#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Bad input from the person running the command.
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Failed(String),
}

impl CliError {
    fn exit_code(&self) -> ExitCode {
        match self {
            Self::Config(_) | Self::Usage(_) => ExitCode::from(2),
            Self::Failed(_) => ExitCode::from(1),
        }
    }
}

impl From<super::backup::Error> for CliError {
    fn from(err: super::backup::Error) -> Self {
        match err {
            super::backup::Error::Usage(why) => Self::Usage(why),
            super::backup::Error::Failed(why) => Self::Failed(why),
        }
    }
}

impl From<AppError> for CliError {
    fn from(err: AppError) -> Self {
        match &err {
            AppError::Invalid { fields, .. } => Self::Usage(
                fields
                    .iter()
                    .map(|f| format!("{}: {}", f.field, f.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            AppError::Conflict(_)
            | AppError::NotFound
            | AppError::Forbidden
            | AppError::Denied(_) => Self::Usage(err.to_string()),
            _ => Self::Failed(err.to_string()),
        }
    }
}

pub fn main() -> ExitCode {
    // The working folder's `.env` only: dotenvy's own search climbs to parent folders, which
    // another user (`sudo -u quire` in /root) may not be allowed to read.
    if let Err(err) = dotenvy::from_path(".env") {
        if !err.not_found() {
            eprintln!("quire: .env: {err}");
            return ExitCode::from(2);
        }
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(err.exit_code().clamp(0, 255) as u8);
        }
    };
    if let Err(err) = init_tracing() {
        eprintln!("quire: {err}");
        return err.exit_code();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("quire: cannot start the async runtime: {err}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli.command.unwrap_or(Command::Serve))) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("quire: {err}");
            err.exit_code()
        }
    }
}

fn init_tracing() -> Result<(), CliError> {
    use tracing_subscriber::EnvFilter;
    let filter = match std::env::var("RUST_LOG") {
        Ok(raw) if !raw.trim().is_empty() => EnvFilter::try_new(&raw).map_err(|e| {
            ConfigError::new("RUST_LOG", format!("'{raw}' is not a log filter: {e}"))
        })?,
        _ => EnvFilter::new("info,sqlx=warn"),
    };
    let lines = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match std::env::var("QUIRE_LOG_FORMAT").as_deref() {
        Err(_) | Ok("" | "text") => lines.init(),
        // One object a line for a log collector: the event's fields at the top, the request
        // (its id, method and path) under "span".
        Ok("json") => lines
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .init(),
        Ok(other) => {
            return Err(ConfigError::new(
                "QUIRE_LOG_FORMAT",
                format!("'{other}' is not a log format: text or json"),
            )
            .into())
        }
    }
    Ok(())
}

async fn run(command: Command) -> Result<(), CliError> {
    if matches!(command, Command::Doctor) {
        return doctor().await;
    }
    let config = Config::from_env()?;
    // Backup and export only read, and never migrate: a newer quire would otherwise change
    // the live database before copying it, the moment a backup is meant to come first.
    let reads_only = matches!(command, Command::Backup { .. } | Command::Export { .. });
    let db = connect(&config, !reads_only).await?;
    if reads_only {
        if let Err(err) = super::backup::require_current_schema(&db, &config.database_display).await
        {
            db.close().await;
            return Err(err.into());
        }
    }
    let changes_content = matches!(
        command,
        Command::User { .. }
            | Command::Demo { .. }
            | Command::Import { .. }
            | Command::Restore { .. }
    );
    let result = match command {
        Command::Serve => serve(config, db.clone()).await,
        Command::Migrate => {
            println!("The {} database is up to date.", db.backend_name());
            Ok(())
        }
        // Answered before the database is opened (see above).
        Command::Doctor => Ok(()),
        Command::User {
            command:
                UserCommand::Create {
                    username,
                    email,
                    role,
                    first_name,
                    last_name,
                },
        } => {
            let password = read_password()?;
            let new = NewUser {
                email,
                username,
                password,
                first_name,
                last_name,
                role: role.into(),
            };
            let id =
                crate::accounts::store::create_user(&db, new, config.password_min_length).await?;
            println!("{id}");
            Ok(())
        }
        Command::User {
            command: UserCommand::List,
        } => list_users(&db).await,
        Command::User {
            command: UserCommand::SetPassword { username },
        } => {
            let id = user_id(&db, &username).await?;
            let password = read_password()?;
            crate::accounts::store::reset_password(&db, id, password, config.password_min_length)
                .await?;
            println!("{username} has a new password; their sessions have ended and their API tokens can no longer be renewed.");
            Ok(())
        }
        Command::User {
            command: UserCommand::SetRole { username, role } | UserCommand::Role { username, role },
        } => {
            let id = user_id(&db, &username).await?;
            crate::accounts::store::set_role(&db, id, role.into()).await?;
            println!("{username} is now {}.", Role::from(role).as_str());
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Deactivate {
                    user,
                    username,
                    active,
                },
        } => {
            let username = user.or(username).unwrap_or_default();
            let id = user_id(&db, &username).await?;
            crate::accounts::store::set_active(&db, id, active).await?;
            if active {
                println!("{username} is active.");
            } else {
                println!("{username} is deactivated; their sessions and API tokens have ended.");
            }
            Ok(())
        }
        Command::User {
            command: UserCommand::Delete { username },
        } => {
            let id = user_id(&db, &username).await?;
            crate::accounts::store::delete_user(&db, id).await?;
            println!("{username} is deleted.");
            Ok(())
        }
        Command::Demo { posts, comments } => {
            let summary = super::demo::fill(&db).await?;
            println!("{summary}");
            if let Some(posts) = posts {
                let summary = super::dataset::fill(&db, posts, comments).await?;
                println!("{summary}");
            }
            Ok(())
        }
        Command::Import {
            path,
            author,
            media,
        } => import(&db, &config, &path, author.as_deref(), media).await,
        Command::Export {
            dir,
            author,
            format: ExportFormat::Markdown,
        } => export(&db, &dir, author.as_deref()).await,
        Command::Export {
            dir,
            author,
            format: ExportFormat::Wxr,
        } => export_wxr(&db, &config, &dir, author.is_some()).await,
        Command::Backup { file, force } => {
            let started = std::time::Instant::now();
            let contents = super::backup::backup(&db, &file, force).await?;
            println!(
                "Backed up {contents} to {} ({} KiB, {:.1} s).",
                file.display(),
                contents.bytes.div_ceil(1024),
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Restore { file } => {
            let contents = super::backup::restore(&db, &file, &config.database_display).await?;
            println!(
                "Restored {contents} from {} into the {} database.",
                file.display(),
                db.backend_name()
            );
            Ok(())
        }
        Command::Rerender => {
            let posts = crate::posts::rerender::rerender_stale(&db).await?;
            if posts > 0 {
                if let Err(err) = crate::web::page_cache::bump(&db).await {
                    tracing::warn!(error = %err, "marking the content as changed failed");
                }
            }
            let noun = if posts == 1 { "post" } else { "posts" };
            println!("Rendered {posts} {noun} again.");
            Ok(())
        }
    };
    // A running server's kept pages would not show what this command wrote.
    if changes_content {
        if let Err(err) = crate::web::page_cache::bump(&db).await {
            tracing::warn!(error = %err, "marking the content as changed failed");
        }
    }
    db.close().await;
    result
}

/// `quire user list`: every user, oldest first, one line each under a header.
async fn list_users(db: &Db) -> Result<(), CliError> {
    use crate::accounts::store::{list_users, UserOrder, UserQuery};
    const PAGE: i64 = 1000;
    println!(
        "{:>6}  {:<32}  {:<9}  {:<11}  {:<40}  JOINED",
        "ID", "USERNAME", "ROLE", "STATUS", "EMAIL"
    );
    let mut offset = 0;
    loop {
        let query = UserQuery {
            search: "",
            role: None,
            active: None,
            by_email: true,
            order: UserOrder::CreatedAt,
            descending: false,
            limit: PAGE,
            offset,
        };
        let users = list_users(db, &query).await?;
        for listed in &users {
            let user = &listed.user;
            println!(
                "{:>6}  {:<32}  {:<9}  {:<11}  {:<40}  {}",
                user.id,
                user.username,
                user.role,
                if user.is_active {
                    "active"
                } else {
                    "deactivated"
                },
                user.email,
                user.created_at.format("%Y-%m-%d")
            );
        }
        if (users.len() as i64) < PAGE {
            return Ok(());
        }
        offset += PAGE;
    }
}

async fn user_id(db: &Db, username: &str) -> Result<crate::accounts::UserId, CliError> {
    crate::accounts::store::find_by_username(db, username)
        .await?
        .map(|user| user.id)
        .ok_or_else(|| CliError::Usage(format!("there is no user named {username}")))
}

/// Imports what `path` holds, told by its content.
async fn import(
    db: &Db,
    config: &Config,
    path: &std::path::Path,
    author: Option<&str>,
    media: Option<std::path::PathBuf>,
) -> Result<(), CliError> {
    use crate::import::{self, Format, ImportError};
    if !path.exists() {
        return Err(CliError::Usage(format!(
            "{}: no such file or folder",
            path.display()
        )));
    }
    if let Some(media) = &media {
        if !media.is_dir() {
            return Err(CliError::Usage(format!(
                "--media {}: not a folder",
                media.display()
            )));
        }
    }
    let format = import::detect(path).map_err(|e| CliError::Usage(e.0))?;
    if format == Format::Markdown {
        let author = author.ok_or_else(|| {
            CliError::Usage("markdown files need --author: whose posts they become".to_owned())
        })?;
        return import_markdown(db, path, author).await;
    }
    let fallback_author = match author {
        Some(name) => user_id(db, name).await?.0,
        None => first_admin(db).await?,
    };
    let progress = indicatif::ProgressBar::new(0).with_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {wide_msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let options = import::Options {
        media_from: media,
        media_to: config.media_dir.clone(),
        fallback_author,
        progress,
    };
    let report = match format {
        Format::WordPress => import::wordpress(db, path, options).await,
        Format::Ghost => import::ghost(db, path, options).await,
        Format::Markdown => unreachable!("handled above"),
    };
    let report = report.map_err(|err| match err {
        ImportError::BadFile(bad) => CliError::Usage(bad.0),
        ImportError::Failed(err) => CliError::from(err),
    })?;
    for line in report.lines() {
        println!("{line}");
    }
    if !report.failed.is_empty() {
        return Err(CliError::Failed(format!(
            "{} posts were not imported (listed above)",
            report.failed.len()
        )));
    }
    Ok(())
}

/// `quire doctor`: every check, even when an early one fails (but settings that cannot be
/// read leave nothing to check).
async fn doctor() -> Result<(), CliError> {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            println!("FAIL  settings: {err}");
            return Err(CliError::Failed("a check failed".to_owned()));
        }
    };
    let checks = super::doctor::examine(&config).await;
    for check in &checks {
        println!("{check}");
    }
    let failed = checks.iter().filter(|c| c.outcome.is_err()).count();
    if failed > 0 {
        return Err(CliError::Failed(format!(
            "{failed} of {} checks failed",
            checks.len()
        )));
    }
    Ok(())
}

/// Whose the posts of an export are when it names nobody: the blog's first admin.
async fn first_admin(db: &Db) -> Result<i64, CliError> {
    let admin: Option<i64> = crate::with_db!(db, |pool| sqlx::query_scalar(
        "SELECT id FROM users WHERE role = 'ADMIN' AND is_active ORDER BY id LIMIT 1"
    )
    .fetch_optional(pool)
    .await)
    .map_err(|e| CliError::Failed(e.to_string()))?;
    admin.ok_or_else(|| {
        CliError::Usage(
            "the blog has no admin yet: make one (quire user create --role admin) or give --author"
                .to_owned(),
        )
    })
}

/// Imports every `.md` file at `path`; a bad file is reported and the others still import.
async fn import_markdown(db: &Db, path: &std::path::Path, author: &str) -> Result<(), CliError> {
    use crate::posts::transfer::{self, Outcome};
    let author_id = user_id(db, author).await?;
    let mut files = Vec::new();
    if path.is_dir() {
        let entries = std::fs::read_dir(path)
            .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?;
        for entry in entries.flatten() {
            let file = entry.path();
            if file
                .extension()
                .is_some_and(|e| e == "md" || e == "markdown")
            {
                files.push(file);
            }
        }
        files.sort();
    } else if path.is_file() {
        files.push(path.to_owned());
    } else {
        return Err(CliError::Usage(format!(
            "{}: no such file or folder",
            path.display()
        )));
    }
    let (mut created, mut updated, mut failed) = (0, 0, 0);
    for file in &files {
        let result = match std::fs::read_to_string(file) {
            Err(e) => Err(e.to_string()),
            Ok(text) => match transfer::parse(&text) {
                Err(why) => Err(why),
                Ok(post) => transfer::import(db, author_id.0, post)
                    .await
                    .map_err(|e| CliError::from(e).to_string()),
            },
        };
        match result {
            Ok(Outcome::Created) => created += 1,
            Ok(Outcome::Updated) => updated += 1,
            Err(why) => {
                failed += 1;
                eprintln!("quire: {}: {why}", file.display());
            }
        }
    }
    println!("Imported {created} new and {updated} updated posts; {failed} files failed.");
    if failed > 0 {
        return Err(CliError::Usage(format!(
            "{failed} of {} files were not imported",
            files.len()
        )));
    }
    Ok(())
}

async fn export(db: &Db, dir: &std::path::Path, author: Option<&str>) -> Result<(), CliError> {
    let author_id = match author {
        Some(name) => Some(user_id(db, name).await?),
        None => None,
    };
    let files = crate::posts::transfer::export(db, author_id.map(|id| id.0)).await?;
    std::fs::create_dir_all(dir).map_err(|e| CliError::Usage(format!("{}: {e}", dir.display())))?;
    for (name, text) in &files {
        std::fs::write(dir.join(name), text)
            .map_err(|e| CliError::Failed(format!("{}: {e}", dir.join(name).display())))?;
    }
    println!("Exported {} posts to {}.", files.len(), dir.display());
    Ok(())
}

/// The whole blog as one WordPress export in `dir`.
async fn export_wxr(
    db: &Db,
    config: &Config,
    dir: &std::path::Path,
    with_author: bool,
) -> Result<(), CliError> {
    if with_author {
        return Err(CliError::Usage(
            "--author picks one writer's markdown files; a WordPress export holds the whole blog"
                .to_owned(),
        ));
    }
    std::fs::create_dir_all(dir).map_err(|e| CliError::Usage(format!("{}: {e}", dir.display())))?;
    let path = dir.join("quire-wordpress.xml");
    let partial = dir.join(".quire-wordpress.xml.partial");
    let file = std::fs::File::create(&partial)
        .map_err(|e| CliError::Failed(format!("{}: {e}", partial.display())))?;
    let site = crate::site::store::load(db).await?;
    let mut out = std::io::BufWriter::new(file);
    let written =
        crate::import::wxr_export::write(db, &config.origin(), &site.title, &mut out).await?;
    drop(out);
    std::fs::rename(&partial, &path)
        .map_err(|e| CliError::Failed(format!("{}: {e}", path.display())))?;
    println!(
        "Exported {} posts, {} pages and {} comments to {}.",
        written.posts,
        written.pages,
        written.comments,
        path.display()
    );
    Ok(())
}

/// Connects, and with `migrate` brings the schema up to date.
async fn connect(config: &Config, migrate: bool) -> Result<Db, CliError> {
    let db = Db::connect(&config.database, config.db_max_connections)
        .await
        .map_err(|e| {
            ConfigError::new(
                "DATABASE_URL",
                format!(
                    "cannot open the database at {}: {e}",
                    config.database_display
                ),
            )
        })?;
    if migrate {
        db.migrate()
            .await
            .map_err(|e| CliError::Failed(format!("database migration failed: {e}")))?;
    }
    Ok(db)
}

/// A listener on `addr`, or the one line saying why not, naming `setting`.
async fn listen(
    addr: std::net::SocketAddr,
    setting: &'static str,
) -> Result<tokio::net::TcpListener, CliError> {
    tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        let why = if e.kind() == std::io::ErrorKind::AddrInUse {
            "is already in use".to_owned()
        } else {
            format!("cannot be listened on: {e}")
        };
        ConfigError::new(setting, format!("{addr} {why}")).into()
    })
}

async fn serve(config: Config, db: Db) -> Result<(), CliError> {
    super::doctor::writable(&config.media_dir)
        .await
        .map_err(|why| ConfigError::new("QUIRE_MEDIA_DIR", why))?;
    if let crate::platform::config::MailTransport::Files(dir) = &config.mail.transport {
        super::doctor::writable(dir)
            .await
            .map_err(|why| ConfigError::new("QUIRE_MAIL_DIR", why))?;
    }
    let listener = listen(config.addr, "QUIRE_ADDR").await?;
    let metrics_listener = match config.metrics_addr {
        Some(addr) => Some(listen(addr, "QUIRE_METRICS_ADDR").await?),
        None => None,
    };
    let mut leptos_options = leptos::prelude::get_configuration(None)
        .map_err(|e| CliError::Failed(format!("Leptos configuration: {e}")))?
        .leptos_options;
    leptos_options.site_addr = config.addr;
    if leptos_options.output_name.is_empty() {
        leptos_options.output_name = env!("CARGO_PKG_NAME").into();
    }
    // cargo-leptos writes the hashed asset names next to the binary; use them whenever they
    // are there, so a binary started by hand serves exactly what `cargo leptos` built.
    leptos_options.hash_files = std::env::current_exe()
        .ok()
        .and_then(|exe| {
            exe.parent()
                .map(|dir| dir.join(leptos_options.hash_file.as_ref()))
        })
        .is_some_and(|path| path.exists());
    let assets = crate::web::assets::choose(&mut leptos_options).map_err(|e| {
        ConfigError::new(
            "TMPDIR",
            format!(
                "cannot write the site's file names into {}: {e}",
                std::env::temp_dir().display()
            ),
        )
    })?;
    let site_root = std::path::Path::new(leptos_options.site_root.as_ref());
    if matches!(assets, crate::web::assets::Source::Folder)
        && !site_root
            .join(leptos_options.site_pkg_dir.as_ref())
            .exists()
    {
        tracing::warn!(
            site_root = %site_root.display(),
            "no built assets found: run `cargo leptos build` (or set LEPTOS_SITE_ROOT)"
        );
    }
    let mail_sender = crate::mail::sender::Sender::new(db.clone(), &config)?;
    let state = AppState::new(db, config, leptos_options);
    // Printed, not logged: the token is for the person at this console, as Jupyter's is.
    if let Some(token) = crate::accounts::setup::open(&state.db).await? {
        println!(
            "This blog is not set up yet. To name it and make its first admin account, open\n\n    {}/setup?token={token}\n\n(or run `quire user create --role admin`).",
            state.config.origin()
        );
    }
    let addr = state.config.addr;
    tracing::info!(
        backend = state.db.backend_name(),
        "quire is listening on http://{addr}"
    );
    if let Some(listener) = metrics_listener {
        if let Ok(at) = listener.local_addr() {
            tracing::info!("metrics are served on http://{at}/metrics");
        }
        let metrics = crate::web::metrics::serve(listener, state.clone());
        tokio::spawn(async move {
            if let Err(err) = metrics.await {
                tracing::error!(error = %err, "serving /metrics stopped");
            }
        });
    }
    tokio::spawn(mail_sender.run());
    tokio::spawn(mail_jobs(state.clone()));
    let announced = state.clone();
    tokio::spawn(crate::posts::rerender::rerender_at_start(
        state.db.clone(),
        move || async move { announced.pages.content_changed(&announced.db).await },
    ));
    let served = crate::web::http::serve(listener, state).await;
    assets.clean_up();
    served.map_err(|e| CliError::Failed(format!("the server stopped: {e}")))
}

/// Every few seconds: mails the posts that went out to their followers; every minute, the
/// moderators' digest when one is due.
async fn mail_jobs(state: AppState) {
    let mut ticks = tokio::time::interval(std::time::Duration::from_secs(5));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    for tick in 0_u64.. {
        ticks.tick().await;
        let done = async {
            let mailing = state.mailing().await?;
            crate::subscriptions::delivery::deliver_due(&state.db, &mailing).await?;
            if tick % 12 == 0 {
                let every = state.config.mail.digest_every;
                crate::moderation::digest::enqueue_due(&state.db, &mailing, every).await?;
            }
            Ok::<_, crate::error::AppError>(())
        }
        .await;
        if let Err(err) = done {
            tracing::warn!(error = %err, "mail for new posts or moderators could not be queued");
        }
    }
}

fn read_password() -> Result<Password, CliError> {
    if let Ok(password) = std::env::var("QUIRE_PASSWORD") {
        return Ok(Password::new(password));
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return rpassword::prompt_password("Password (not shown): ")
            .map_err(|e| CliError::Usage(format!("cannot read the password: {e}")))
            .and_then(|password| {
                if password.is_empty() {
                    Err(CliError::Usage("no password given".to_owned()))
                } else {
                    Ok(Password::new(password))
                }
            });
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line).map_err(|e| {
        CliError::Usage(format!("cannot read the password from standard input: {e}"))
    })?;
    let password = line.trim_end_matches(['\n', '\r']).to_owned();
    if password.is_empty() {
        return Err(CliError::Usage(
            "no password: set QUIRE_PASSWORD or pass it on standard input".to_owned(),
        ));
    }
    Ok(Password::new(password))
}
