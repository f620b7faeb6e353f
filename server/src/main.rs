//! `server` serves the app; `server migrate` only brings the database schema up to date
//! (the original's `python manage.py migrate`).

use server::config::Config;
use server::startup::{self, Application};
use std::process::ExitCode;

const USAGE: &str = "usage: server [serve | migrate]";

#[tokio::main]
async fn main() -> ExitCode {
    let command = std::env::args().nth(1);
    if matches!(command.as_deref(), Some("-h" | "--help")) {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("error: invalid configuration: {e}");
            return ExitCode::from(2);
        }
    };
    server::telemetry::init(config.log_format);

    let outcome = match command.as_deref() {
        None | Some("serve") => serve(&config).await,
        Some("migrate") => migrate(&config).await,
        Some(other) => {
            eprintln!("error: unknown command {other:?}; {USAGE}");
            return ExitCode::from(2);
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
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
