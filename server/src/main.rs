//! The `server` command: `serve` (the default) serves the app, and `migrate` only brings
//! the database schema up to date (the original's `python manage.py migrate`).

use clap::{Parser, Subcommand};
use server::config::{self, Config};
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
}

#[tokio::main]
async fn main() -> ExitCode {
    let command = Cli::parse().command.unwrap_or(Command::Serve);
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => return config_error(e),
    };
    server::telemetry::init(config.log_format);
    let outcome = match command {
        Command::Serve => serve(&config).await,
        Command::Migrate => migrate(&config).await,
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
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
    app.run_until(startup::shutdown_signal())
        .await
        .map_err(|e| format!("serving: {e}"))
}

async fn migrate(config: &Config) -> Result<(), String> {
    let db = server::db::connect(&config.database_url)
        .await
        .map_err(|e| format!("cannot connect to the database (DATABASE_URL or DB_*): {e}"))?;
    server::db::migrate(&db)
        .await
        .map_err(|e| format!("cannot apply database migrations: {e}"))?;
    // Closing checkpoints SQLite's write-ahead log into the database file.
    db.close()
        .await
        .map_err(|e| format!("closing the database: {e}"))?;
    tracing::info!("migrations applied");
    Ok(())
}
