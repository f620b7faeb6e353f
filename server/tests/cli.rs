//! The `server` binary as an operator meets it: bad configuration stops it with one line
//! that names the variable, and `migrate` prepares a database.

use std::process::Command;

fn server() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .current_dir(std::env::temp_dir());
    command
}

#[test]
fn a_bad_value_stops_start_up_with_one_line_naming_it() {
    for (var, value) in [
        ("PORT", "eighty"),
        ("ACCESS_TOKEN_LIFETIME", "soon"),
        ("DB_SSLMODE", "maybe"),
    ] {
        let output = server()
            .env("APP_ENV", "development")
            .env("DB_HOST", "127.0.0.1")
            .env("DB_NAME", "n")
            .env("DB_USER", "u")
            .env(var, value)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{var}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(var), "{stderr}");
    }
}

#[test]
fn production_refuses_to_start_without_a_secret() {
    let output = server().arg("migrate").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1);
    assert!(stderr.contains("JWT_SECRET"), "{stderr}");
}

#[test]
fn migrate_creates_the_schema_and_is_idempotent() {
    let dir = std::env::temp_dir().join(format!("notes-migrate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/m.sqlite3?mode=rwc", dir.display());
    for _ in 0..2 {
        let status = server()
            .arg("migrate")
            .env("APP_ENV", "development")
            .env("DATABASE_URL", &url)
            .status()
            .unwrap();
        assert!(status.success());
    }
    let db = std::fs::read(dir.join("m.sqlite3")).unwrap();
    let text = String::from_utf8_lossy(&db);
    for table in [
        "CREATE TABLE \"users\"",
        "CREATE TABLE \"notes\"",
        "CREATE TABLE \"refresh_tokens\"",
    ] {
        assert!(text.contains(table), "{table} missing");
    }
}

#[test]
fn an_unknown_command_is_refused() {
    let output = server()
        .arg("frobnicate")
        .env("APP_ENV", "development")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}
