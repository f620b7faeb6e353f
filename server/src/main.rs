//! The `server` command: `serve` (the default) serves the app, `migrate` only brings the
//! database schema up to date (the original's `python manage.py migrate`), and
//! `import-django` moves the Django original's users and notes in.

use clap::{Args, Parser, Subcommand};
use server::config::{self, Config};
use server::django::import::{self, Options};
use server::django::progress::Progress;
use server::startup::{self, Application};
use std::process::ExitCode;

/// The Notes server: the JSON API of the Django REST framework + simplejwt notes app, and
/// its web app. Configured from the environment (and `.env`); see the README.
#[derive(Parser)]
#[command(name = "server", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Apply pending migrations, then serve the API and the web app (the default)
    Serve,
    /// Apply pending database migrations and exit
    Migrate,
    /// Copy the Django original's users and notes into this server's database
    /// (DATABASE_URL or DB_*), keeping their ids, in one transaction
    #[command(
        after_help = "Users keep their Django password hashes; each is replaced by Argon2id \
                      the first time its owner signs in. Running it again adds only what is \
                      new.\n\nExamples:\n  server import-django db.sqlite3 --dry-run\n  \
                      server import-django postgres://USER:PASSWORD@HOST:5432/NAME?sslmode=require"
    )]
    ImportDjango(ImportArgs),
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
}

#[tokio::main]
async fn main() -> ExitCode {
    match Cli::parse().command.unwrap_or(Command::Serve) {
        Command::ImportDjango(args) => import_django(args).await,
        command => {
            let config = match Config::from_env() {
                Ok(config) => config,
                Err(e) => return config_error(e),
            };
            server::telemetry::init(config.log_format);
            let outcome = match command {
                Command::Migrate => startup::migrate(&config)
                    .await
                    .map(|()| tracing::info!("migrations applied"))
                    .map_err(|e| e.to_string()),
                _ => serve(&config).await,
            };
            match outcome {
                Ok(()) => ExitCode::SUCCESS,
                Err(message) => {
                    eprintln!("error: {message}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

fn config_error(e: config::ConfigError) -> ExitCode {
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
    let target = match config::database_url_from_env() {
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
