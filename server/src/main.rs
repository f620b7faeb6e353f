//! The `server` command: `serve` (the default) serves the app, `migrate` only brings the
//! database schema up to date (the original's `python manage.py migrate`),
//! `import-django` moves the Django original's users and notes in, `createsuperuser`
//! and `changepassword` are Django's commands of those names, and `attachments move`
//! moves attachments' bytes to another storage. Every setting is declared
//! in `ops::settings`.

use app::api::AuditAction;
use app::errors::messages::USERNAME_TAKEN;
use app::validation::{Password, Username};
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use sea_orm::DatabaseConnection;
use server::accounts::audit::{Line, Person};
use server::accounts::passwords::Passwords;
use server::accounts::sessions::Device;
use server::accounts::{operators, users};
use server::django::import::{self, Options};
use server::django::progress::Progress;
use server::error::ApiError;
use server::ops::settings::{
    self, AttachmentSettings, Config, ConfigError, DatabaseSettings, Settings, SqliteSync,
    StorageLocation,
};
use server::startup::{self, Application};
use server::storage::db;
use std::io::IsTerminal;
use std::process::ExitCode;

/// The Notes server: the JSON API of the Django REST framework + simplejwt notes app, and
/// its web app. Every setting is read from its environment variable (and `.env`), or
/// given as a flag; `server serve --help` lists them.
#[derive(Parser)]
#[command(name = "server", version, subcommand_required = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply pending migrations, then serve the API and the web app (the default)
    Serve(ServeArgs),
    /// Apply pending database migrations and exit (reads the settings as `serve` does)
    Migrate(ServeArgs),
    /// Copy the Django original's users and notes into this server's database
    /// (DATABASE_URL or DB_*), keeping their ids, in one transaction
    #[command(
        after_help = "Users keep their Django password hashes; each is replaced by Argon2id \
                      the first time its owner signs in. Running it again adds only what is \
                      new.\n\nExamples:\n  server import-django db.sqlite3 --dry-run\n  \
                      server import-django postgres://USER:PASSWORD@HOST:5432/NAME?sslmode=require"
    )]
    ImportDjango(ImportArgs),
    /// Create an operator account (Django's `createsuperuser`): the password is asked
    /// twice at a terminal, or read as the first line of standard input
    #[command(name = "createsuperuser")]
    CreateSuperuser(CreateSuperuserArgs),
    /// Set an account's password (Django's `changepassword`) and end its sessions: asked
    /// twice at a terminal, or read as the first line of standard input
    #[command(name = "changepassword")]
    ChangePassword(ChangePasswordArgs),
    /// Attachments' storage
    #[command(subcommand)]
    Attachments(AttachmentsCommand),
}

#[derive(Subcommand)]
enum AttachmentsCommand {
    /// Move every attachment's bytes to another storage while servers run: each file stays
    /// readable throughout, and a run killed part-way is finished by running it again.
    /// Then set ATTACHMENT_STORAGE to the same place and restart the servers, and run it
    /// once more for what they uploaded meanwhile
    #[command(
        after_help = "Examples:\n  server attachments move --to s3://notes-files\n  \
                            server attachments move --to file:///var/lib/notes/files\n  \
                            server attachments move --to database"
    )]
    Move(MoveArgs),
}

#[derive(Args)]
struct MoveArgs {
    /// Where to: `database`, `file:///path` or `s3://bucket` (with S3_*)
    #[arg(long, value_parser = StorageLocation::parse)]
    to: StorageLocation,
    #[command(flatten)]
    database: DatabaseSettings,
    #[command(flatten)]
    attachments: AttachmentSettings,
}

#[derive(Args)]
struct CreateSuperuserArgs {
    /// The new operator's username (registration's rules)
    #[arg(long)]
    username: String,
    #[command(flatten)]
    database: DatabaseSettings,
}

#[derive(Args)]
struct ChangePasswordArgs {
    /// The account's username
    username: String,
    #[command(flatten)]
    database: DatabaseSettings,
}

#[derive(Args)]
struct ServeArgs {
    #[command(flatten)]
    settings: Settings,
}

#[derive(Args)]
struct ImportArgs {
    /// The original's database: a SQLite file (`db.sqlite3` or `sqlite://db.sqlite3`) or a
    /// `postgres://` URL
    source: String,
    /// Report what would be imported and write nothing
    #[arg(long)]
    dry_run: bool,
    /// Import everything else when users or notes conflict with the target's
    #[arg(long)]
    skip_conflicts: bool,
    #[command(flatten)]
    database: DatabaseSettings,
}

// Not `#[tokio::main]`: the environment is read (and blank settings forgotten) while the
// process has one thread, before the runtime starts its own.
fn main() -> ExitCode {
    settings::load_environment(&Cli::command());
    // Built again: an argument reads its variable when it is declared.
    let command = Cli::command()
        .mut_args(|arg| arg.hide_env_values(true))
        .mut_subcommands(|sub| sub.mut_args(|arg| arg.hide_env_values(true)));
    // `server` alone serves, reading its settings as `server serve` would.
    let mut args: Vec<_> = std::env::args_os().collect();
    if args.len() == 1 {
        args.push("serve".into());
    }
    let cli = match command
        .clone()
        .try_get_matches_from(args)
        .and_then(|matches| Cli::from_arg_matches(&matches))
    {
        Ok(cli) => cli,
        Err(e) => match settings::config_error(&command, &e) {
            Some(bad) => return config_error(bad),
            None => e.exit(),
        },
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    runtime.block_on(run(cli.command))
}

async fn run(command: Command) -> ExitCode {
    let (args, migrate_only) = match command {
        Command::ImportDjango(args) => return import_django(args).await,
        Command::CreateSuperuser(args) => {
            return accounts_command(&args.database, |db| create_superuser(db, args.username))
                .await;
        }
        Command::ChangePassword(args) => {
            return accounts_command(&args.database, |db| change_password(db, args.username)).await;
        }
        Command::Attachments(AttachmentsCommand::Move(args)) => {
            let (to, attachments) = (args.to, args.attachments);
            return accounts_command(&args.database, |db| move_attachments(db, to, attachments))
                .await;
        }
        Command::Serve(args) => (args, false),
        Command::Migrate(args) => (args, true),
    };
    let config = match Config::from_settings(args.settings) {
        Ok(config) => config,
        Err(e) => return config_error(e),
    };
    server::ops::telemetry::init(config.log_format);
    let outcome = if migrate_only {
        startup::migrate(&config)
            .await
            .map(|()| tracing::info!("migrations applied"))
            .map_err(|e| e.to_string())
    } else {
        serve(&config).await
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn config_error(e: ConfigError) -> ExitCode {
    eprintln!("error: invalid configuration: {e}");
    ExitCode::from(2)
}

async fn serve(config: &Config) -> Result<(), String> {
    let app = Application::build(config)
        .await
        .map_err(|e| e.to_string())?;
    tracing::info!(environment = startup::describe(config), "ready");
    app.run_until(startup::shutdown_signal()).await;
    Ok(())
}

async fn import_django(args: ImportArgs) -> ExitCode {
    let target = match args.database.url() {
        Ok(url) => url,
        Err(e) => return config_error(e),
    };
    let options = Options {
        dry_run: args.dry_run,
        skip_conflicts: args.skip_conflicts,
    };
    match import::run(&args.source, &target, options, &Progress::on_stderr()).await {
        Ok(summary) => {
            print!("{summary}");
            if summary.stopped() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            // One line, whatever a driver's message holds.
            let message = e.to_string().replace(['\n', '\r'], " ");
            eprintln!("error: {message}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// Runs an account command on the database `database` names (brought up to date first,
/// as `migrate` would), printing one line for what went wrong: exit code 1.
async fn accounts_command<F, Fut>(database: &DatabaseSettings, command: F) -> ExitCode
where
    F: FnOnce(DatabaseConnection) -> Fut,
    Fut: std::future::Future<Output = Result<String, String>>,
{
    let url = match database.url() {
        Ok(url) => url,
        Err(e) => return config_error(e),
    };
    let connected = async {
        let db = db::connect_syncing(&url, SqliteSync::Full)
            .await
            .map_err(|e| format!("cannot connect to the database (DATABASE_URL or DB_*): {e}"))?;
        db::migrate(&db)
            .await
            .map_err(|e| format!("cannot apply database migrations: {e}"))?;
        Ok::<_, String>(db)
    };
    let outcome = match connected.await {
        Ok(db) => command(db).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(done) => {
            println!("{done}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {}", message.replace(['\n', '\r'], " "));
            ExitCode::FAILURE
        }
    }
}

/// A password as Django's commands read one: typed twice, unseen, at a terminal; else
/// the first line of standard input (`echo "$PASSWORD" | server createsuperuser ...`).
fn read_password(username: &str) -> Result<Password, String> {
    let raw = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ").map_err(|e| e.to_string())?;
        let again = rpassword::prompt_password("Password (again): ").map_err(|e| e.to_string())?;
        if first != again {
            return Err("the two passwords do not match; nothing was changed".into());
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
        line.trim_end_matches(['\n', '\r']).to_owned()
    };
    if raw.is_empty() {
        return Err("no password was given; nothing was changed".into());
    }
    Password::parse(&raw, username)
        .map_err(|reasons| format!("password: {}; nothing was changed", reasons.join(" ")))
}

async fn create_superuser(db: DatabaseConnection, username: String) -> Result<String, String> {
    let username = Username::parse(&username).map_err(|e| format!("username: {}", e.join(" ")))?;
    // Before the password is asked for: nobody types one twice for a name that is taken.
    if let Err(e) = users::ensure_free(&db, &username).await {
        return Err(match e {
            ApiError::Fields(_) => format!("{}: {}", username.as_str(), USERNAME_TAKEN),
            other => other.to_string(),
        });
    }
    let password = read_password(username.as_str())?;
    let passwords = Passwords::new().await.map_err(|e| e.to_string())?;
    let user = operators::create(
        &db,
        &passwords,
        &username,
        password,
        "by `server createsuperuser`",
    )
    .await
    .map_err(|e| e.to_string())?;
    Ok(format!(
        "Operator {} created (id {}).",
        user.username, user.id
    ))
}

async fn change_password(db: DatabaseConnection, username: String) -> Result<String, String> {
    let missing = || format!("no account is named {username:?}");
    let name = Username::parse(&username).map_err(|_| missing())?;
    let user = match users::by_username(&db, &name).await {
        Ok(user) => user,
        Err(ApiError::NotFound) => return Err(missing()),
        Err(e) => return Err(e.to_string()),
    };
    let password = read_password(&user.username)?;
    let passwords = Passwords::new().await.map_err(|e| e.to_string())?;
    let line = Line::command_line(AuditAction::PasswordReset, &Person::from(&user))
        .detail("by `server changepassword`");
    users::set_password(
        &db,
        &passwords,
        &user,
        password,
        line,
        (&Device::default(), None),
    )
    .await
    .map_err(|e| e.to_string())?;
    Ok(format!(
        "Password changed for {}; their sessions have ended.",
        user.username
    ))
}

/// `server attachments move`: one line per file moved on standard error, a summary on
/// standard output.
async fn move_attachments(
    db: DatabaseConnection,
    to: StorageLocation,
    settings: AttachmentSettings,
) -> Result<String, String> {
    let blobs = server::storage::blobs::Blobs::new(&settings, db.clone(), db.clone());
    let moved = server::notes::attachments::moving::move_all(&db, &blobs, &to, None, |file| {
        eprintln!(
            "moved {} ({} bytes) from {}",
            file.id,
            file.size.unwrap_or(0),
            file.storage
        );
    })
    .await
    .map_err(|e| match e {
        ApiError::StorageUnavailable(why) => format!("storage unavailable: {why}"),
        other => other.to_string(),
    })?;
    Ok(format!(
        "{} files ({} bytes) moved to {to}; every file is there now",
        moved.files, moved.bytes
    ))
}
