//! The `server` binary as an operator meets it: bad configuration stops it with one line
//! that names the variable, `migrate` prepares a database, and `import-django` moves the
//! original's database in with one command.

#[path = "support/django.rs"]
mod django_fixture;

use django_fixture::{Note, User};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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
        assert!(
            stderr.contains(&format!("configuration: {var}: ")),
            "{stderr}"
        );
    }
}

#[test]
fn moving_attachments_refuses_an_unknown_storage() {
    let output = server()
        .args(["attachments", "move", "--to", "ftp://files.example"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("is not one of database, file:///path, s3://bucket"),
        "{stderr}"
    );
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

#[test]
fn help_lists_the_commands() {
    let output = server().arg("--help").output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for command in [
        "serve",
        "migrate",
        "import-django",
        "createsuperuser",
        "changepassword",
        "attachments",
    ] {
        assert!(help.contains(command), "{help}");
    }
}

/// `server serve --help`'s settings: each flag with its variable and default ("" for
/// none), in the order listed.
fn settings_in_help() -> Vec<(String, String, String)> {
    let output = server().args(["serve", "--help"]).output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    let between = |text: &str, open: &str| -> Option<String> {
        let start = text.find(open)? + open.len();
        Some(text[start..start + text[start..].find(']')?].to_owned())
    };
    let mut settings = Vec::new();
    // Each option is a `--flag <VALUE>` line, then its help up to the next option.
    for block in help.split("\n      --").skip(1) {
        let flag = block.split_whitespace().next().unwrap().to_owned();
        let Some(var) = between(block, "[env: ") else {
            continue;
        };
        // clap quotes a default with spaces in it; the README does not.
        let default = between(block, "[default: ").unwrap_or_default();
        settings.push((flag, var, default.trim_matches('"').to_owned()));
    }
    settings
}

/// The README's settings table, read as the same triples.
fn settings_in_readme() -> Vec<(String, String, String)> {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let table = readme
        .split("| variable (flag) | default | meaning |")
        .nth(1)
        .expect("the README's settings table");
    table
        .lines()
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let name = cells[1].replace('`', "");
            let (var, flag) = name.split_once(" (--").expect("`VAR` (`--flag`)");
            let flag = flag.trim_end_matches(')');
            (flag.to_owned(), var.to_owned(), cells[2].replace('`', ""))
        })
        .collect()
}

#[test]
fn help_lists_every_setting_as_the_readme_does() {
    let help = settings_in_help();
    assert!(help.len() >= 30, "{help:?}");
    assert_eq!(help, settings_in_readme());
}

#[test]
fn help_never_shows_the_values_of_settings() {
    let output = server()
        .args(["serve", "--help"])
        .env("JWT_SECRET", "a-secret-nobody-should-ever-see-printed")
        .env("DB_PWD", "another-secret-value")
        .env("DATABASE_URL", "postgres://u:pw-in-a-url@db/notes")
        .output()
        .unwrap();
    let help = text(&output.stdout);
    assert!(help.contains("[env: JWT_SECRET]"), "{help}");
    for secret in ["a-secret-nobody", "another-secret", "pw-in-a-url"] {
        assert!(!help.contains(secret), "{secret} in {help}");
    }
}

#[test]
fn settings_are_read_from_dot_env_too() {
    let dir = scratch();
    std::fs::write(dir.join(".env"), "APP_ENV=development\nPORT=eighty\n").unwrap();
    let output = server().arg("migrate").current_dir(&dir).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("PORT"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn a_setting_set_to_spaces_counts_as_unset() {
    let output = server()
        .args(["migrate"])
        .env("APP_ENV", "development")
        .env("PORT", "  ")
        .env("DATABASE_URL", " ")
        .env("METRICS_ADDR", "")
        .current_dir(scratch())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
}

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir()
        .join("notes-tests")
        .join(uuid::Uuid::new_v4().simple().to_string());
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `server import-django <args>` into the SQLite file `target`, with no other setting:
/// the import needs no JWT_SECRET.
fn import_django(target: &Path, args: &[&str]) -> Output {
    server()
        .arg("import-django")
        .args(args)
        .env(
            "DATABASE_URL",
            format!("sqlite://{}?mode=rwc", target.display()),
        )
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn django_source(dir: &Path, users: &[User], notes: &[Note]) -> String {
    let path = dir.join("db.sqlite3");
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(django_fixture::sqlite(&path, users, notes));
    path.display().to_string()
}

#[test]
fn import_django_moves_a_sqlite_database_with_one_command() {
    let dir = scratch();
    let hash = django_fixture::quick_pbkdf2("correct horse battery");
    let source = django_source(
        &dir,
        &[User::new(1, "alice", &hash), User::new(2, "bob", &hash)],
        &[
            Note::new(1, 1, "a"),
            Note::new(2, 2, "b"),
            Note::new(3, 1, &"c".repeat(101)),
        ],
    );
    let target = dir.join("notes.sqlite3");

    let dry = import_django(&target, &[&source, "--dry-run"]);
    assert!(dry.status.success(), "{}", text(&dry.stderr));
    assert!(
        text(&dry.stdout).contains("users:      would import 2"),
        "{}",
        text(&dry.stdout)
    );
    assert!(text(&dry.stdout).contains("dry run: nothing was written."));
    assert!(!target.exists(), "a dry run creates no database");

    let first = import_django(&target, &[&source]);
    let stdout = text(&first.stdout);
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert!(
        stdout.contains("users:      imported 2, skipped 0 (already there), 0 in conflict"),
        "{stdout}"
    );
    assert!(
        stdout.contains("notes:      imported 3, skipped 0 (already there), 0 in conflict"),
        "{stdout}"
    );
    assert!(
        stdout
            .contains("report: note 3: title: Ensure this field has no more than 100 characters."),
        "{stdout}"
    );
    assert!(stdout.contains("time:"), "{stdout}");
    // Not a terminal: plain progress lines, no bar.
    let stderr = text(&first.stderr);
    assert!(stderr.contains("reading: 5/5 rows, done"), "{stderr}");
    assert!(stderr.contains("writing: 5/5 rows, done"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");

    let again = import_django(&target, &[&format!("sqlite://{source}")]);
    assert!(again.status.success());
    assert!(
        text(&again.stdout).contains("users:      imported 0, skipped 2 (already there)"),
        "{}",
        text(&again.stdout)
    );
}

#[test]
fn import_django_stops_on_conflicts_with_exit_code_1() {
    let dir = scratch();
    let target = dir.join("notes.sqlite3");
    let hash = django_fixture::quick_pbkdf2("correct horse battery");
    let first = django_source(&dir, &[User::new(1, "alice", &hash)], &[]);
    assert!(import_django(&target, &[&first]).status.success());

    let other = scratch();
    let second = django_source(
        &other,
        &[User::new(1, "mallory", &hash), User::new(2, "bob", &hash)],
        &[],
    );
    let stopped = import_django(&target, &[&second]);
    assert_eq!(stopped.status.code(), Some(1));
    let stdout = text(&stopped.stdout);
    assert!(
        stdout.contains(
            "conflict: user 1 \"mallory\": its id belongs to the target's user \"alice\""
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("stopped: 1 row in conflict, nothing was written"),
        "{stdout}"
    );

    let skipped = import_django(&target, &[&second, "--skip-conflicts"]);
    assert!(skipped.status.success());
    assert!(
        text(&skipped.stdout)
            .contains("users:      imported 1, skipped 0 (already there), 1 in conflict")
    );
}

#[test]
fn a_bad_source_stops_with_one_line_and_exit_code_2() {
    let dir = scratch();
    let target = dir.join("notes.sqlite3");
    let not_sqlite = dir.join("notes.txt");
    std::fs::write(
        &not_sqlite,
        "these are not the tables you are looking for\n".repeat(100),
    )
    .unwrap();
    // A real SQLite database, but this server's own rather than the original's.
    let ours = dir.join("ours.sqlite3");
    let migrated = server()
        .arg("migrate")
        .env("APP_ENV", "development")
        .env(
            "DATABASE_URL",
            format!("sqlite://{}?mode=rwc", ours.display()),
        )
        .status()
        .unwrap();
    assert!(migrated.success());

    for (source, says) in [
        (
            dir.join("missing.sqlite3").display().to_string(),
            "no such file",
        ),
        (
            "mysql://root@127.0.0.1/notes".to_owned(),
            "neither a SQLite file",
        ),
        (
            not_sqlite.display().to_string(),
            "not the Django notes app's database",
        ),
        (ours.display().to_string(), "it has no auth_user table"),
        (
            "postgres://nobody:secret@127.0.0.1:1/notes".to_owned(),
            "cannot open the source database",
        ),
    ] {
        let output = import_django(&target, &[&source]);
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{source}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{source}: {stderr}");
        assert!(stderr.contains(says), "{source}: {stderr}");
        assert!(
            !stderr.contains("secret"),
            "the password stays hidden: {stderr}"
        );
    }
}

#[test]
fn an_unreachable_target_stops_with_one_line_and_exit_code_2() {
    let dir = scratch();
    let source = django_source(&dir, &[], &[]);
    let output = server()
        .args(["import-django", &source])
        .env("DATABASE_URL", "postgres://nobody:secret@127.0.0.1:1/notes")
        .output()
        .unwrap();
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("cannot connect to the target database"),
        "{stderr}"
    );
}

#[test]
fn the_original_is_never_the_target() {
    let dir = scratch();
    let source = django_source(&dir, &[], &[]);
    let output = import_django(Path::new(&source), &[&source]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("is also the target"), "{stderr}");
}

/// `server <args>` on the SQLite file `database`, with `input` on standard input (a
/// pipe, not a terminal).
fn account_command(database: &Path, args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = server()
        .args(args)
        .env(
            "DATABASE_URL",
            format!("sqlite://{}?mode=rwc", database.display()),
        )
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// The same, at a terminal: `script` runs it on a pseudo-terminal and types `typed`.
fn at_a_terminal(database: &Path, args: &[&str], typed: &str) -> Output {
    use std::io::Write;
    let line = std::iter::once(env!("CARGO_BIN_EXE_server"))
        .chain(args.iter().copied())
        .map(|word| format!("'{word}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let mut child = Command::new("script")
        .args(["--quiet", "--return", "--command", &line, "/dev/null"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env(
            "DATABASE_URL",
            format!("sqlite://{}?mode=rwc", database.display()),
        )
        .current_dir(std::env::temp_dir())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // Typed a line at a time, as a person would, after each prompt has had time to show.
    for line in typed.lines() {
        std::thread::sleep(std::time::Duration::from_millis(700));
        stdin.write_all(format!("{line}\r").as_bytes()).unwrap();
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    drop(stdin);
    child.wait_with_output().unwrap()
}

/// `(username, is_admin, password_hash)` of every account, by id.
fn accounts(database: &Path) -> Vec<(String, bool, String)> {
    use sea_orm::{ConnectionTrait, Statement};
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let url = format!("sqlite://{}", database.display());
        let db = sea_orm::Database::connect(&url).await.unwrap();
        let rows = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT username, is_admin, password_hash FROM users ORDER BY id",
            ))
            .await
            .unwrap();
        rows.iter()
            .map(|row| {
                (
                    row.try_get_by_index::<String>(0).unwrap(),
                    row.try_get_by_index::<bool>(1).unwrap(),
                    row.try_get_by_index::<String>(2).unwrap(),
                )
            })
            .collect()
    })
}

fn one_line_error(output: &Output, says: &str) {
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stdout));
    let stderr = text(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: ") && stderr.contains(says),
        "{stderr}"
    );
}

#[test]
fn createsuperuser_makes_an_operator_from_a_pipe_and_refuses_a_name_twice() {
    let database = scratch().join("notes.sqlite3");
    let args = ["createsuperuser", "--username", "root"];
    let made = account_command(&database, &args, "a long root password\n");
    assert!(made.status.success(), "{}", text(&made.stderr));
    assert!(
        text(&made.stdout).contains("Operator root created"),
        "{}",
        text(&made.stdout)
    );
    let [(name, is_admin, hash)] = accounts(&database).try_into().unwrap();
    assert_eq!((name.as_str(), is_admin), ("root", true));
    assert!(hash.starts_with("$argon2id$"), "never the password itself");

    one_line_error(
        &account_command(&database, &args, "another root password\n"),
        "already exists",
    );
    one_line_error(
        &account_command(
            &database,
            &["createsuperuser", "--username", "sam"],
            "12345678\n",
        ),
        "password: ",
    );
    one_line_error(
        &account_command(
            &database,
            &["createsuperuser", "--username", "no spaces"],
            "a long root password\n",
        ),
        "username: ",
    );
    one_line_error(
        &account_command(&database, &["createsuperuser", "--username", "sam"], ""),
        "no password",
    );
    assert_eq!(accounts(&database).len(), 1, "nothing else was made");
}

#[test]
fn createsuperuser_at_a_terminal_asks_twice_and_shows_nothing_typed() {
    let database = scratch().join("notes.sqlite3");
    let args = ["createsuperuser", "--username", "root"];
    let mismatch = at_a_terminal(
        &database,
        &args,
        "a long root password\nsomething else entirely\n",
    );
    assert_eq!(
        mismatch.status.code(),
        Some(1),
        "{}",
        text(&mismatch.stdout)
    );
    assert!(
        text(&mismatch.stdout).contains("do not match"),
        "{}",
        text(&mismatch.stdout)
    );
    assert!(accounts(&database).is_empty());

    let made = at_a_terminal(
        &database,
        &args,
        "a long root password\na long root password\n",
    );
    let screen = text(&made.stdout);
    assert!(made.status.success(), "{screen}");
    assert!(
        screen.contains("Password: ") && screen.contains("Password (again): "),
        "{screen}"
    );
    assert!(
        !screen.contains("a long root password"),
        "the password is not echoed: {screen}"
    );
    assert!(accounts(&database)[0].1, "an operator");
}

#[test]
fn changepassword_sets_a_password_and_refuses_an_unknown_name() {
    let database = scratch().join("notes.sqlite3");
    let made = account_command(
        &database,
        &["createsuperuser", "--username", "root"],
        "a long root password\n",
    );
    assert!(made.status.success());
    let before = accounts(&database)[0].2.clone();
    let changed = account_command(
        &database,
        &["changepassword", "root"],
        "staple in the stable\n",
    );
    assert!(changed.status.success(), "{}", text(&changed.stderr));
    assert!(text(&changed.stdout).contains("sessions have ended"));
    assert_ne!(accounts(&database)[0].2, before);

    one_line_error(
        &account_command(
            &database,
            &["changepassword", "nobody"],
            "staple in the stable\n",
        ),
        "no account is named \"nobody\"",
    );
    one_line_error(
        &account_command(&database, &["changepassword", "root"], "root\n"),
        "password: ",
    );
    let typed = at_a_terminal(
        &database,
        &["changepassword", "root"],
        "brand new words here\nbrand new words here\n",
    );
    assert!(typed.status.success(), "{}", text(&typed.stdout));
}

#[test]
fn a_bad_superuser_setting_stops_start_up_with_one_line_naming_it() {
    for (vars, named) in [
        (vec![("SUPERUSER_USERNAME", "root")], "SUPERUSER_PASSWORD"),
        (
            vec![
                ("SUPERUSER_USERNAME", "root"),
                ("SUPERUSER_PASSWORD", "root"),
            ],
            "SUPERUSER_PASSWORD",
        ),
        (
            vec![
                ("SUPERUSER_USERNAME", "no spaces"),
                ("SUPERUSER_PASSWORD", "a long root password"),
            ],
            "SUPERUSER_USERNAME",
        ),
    ] {
        let mut command = server();
        command.env("APP_ENV", "development");
        for (var, value) in &vars {
            command.env(var, value);
        }
        let output = command.arg("migrate").output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{vars:?}");
        let stderr = text(&output.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains(&format!("configuration: {named}: ")),
            "{stderr}"
        );
        assert!(!stderr.contains("a long root password"), "{stderr}");
    }
}

#[test]
fn import_django_makes_the_originals_staff_and_superusers_operators() {
    let dir = scratch();
    let hash = django_fixture::quick_pbkdf2("correct horse battery");
    let source = django_source(
        &dir,
        &[
            User::new(1, "admin", &hash).superuser(),
            User::new(2, "helper", &hash).staff(),
            User::new(3, "alice", &hash),
        ],
        &[],
    );
    let target = dir.join("notes.sqlite3");
    let imported = import_django(&target, &[&source]);
    assert!(imported.status.success(), "{}", text(&imported.stderr));
    let flags: Vec<(String, bool)> = accounts(&target)
        .into_iter()
        .map(|(n, a, _)| (n, a))
        .collect();
    assert_eq!(
        flags,
        [
            ("admin".into(), true),
            ("helper".into(), true),
            ("alice".into(), false)
        ]
    );
}
