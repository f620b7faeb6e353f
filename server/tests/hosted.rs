//! The release binary started the way a container platform starts it: PostgreSQL from the
//! original's `DB_*` variables, `PORT` and `JWT_SECRET` set, JSON logs, the built SPA. It
//! needs what `scripts/test.sh` provides (`SERVER_BIN`, `SPA_DIST` and a PostgreSQL
//! server from `scripts/postgres.sh`), so the tests are ignored by a plain `cargo test`
//! and run with `--ignored` there.

#[allow(dead_code)]
#[path = "support/server_process.rs"]
mod server_process;

use serde_json::{Value, json};
use server_process::{ServerProcess, env, sign_ins_survive};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// `pg_ctl` as the cluster's owner.
fn pg_ctl(args: &[&str]) {
    let pg_ctl = format!("{}/pg_ctl", env("PG_BIN"));
    let data = env("PG_DATA_DIR");
    let mut command = if unsafe { libc::geteuid() } == 0 {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--", &pg_ctl]);
        c
    } else {
        Command::new(&pg_ctl)
    };
    let status = command
        .args(["-D", &data, "-w", "-t", "30"])
        .args(args)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "pg_ctl {args:?}");
}

/// Creates a database of its own and starts the release server on it, as a container
/// platform would: `DB_*`, the built SPA, JSON logs (read back through `child.stdout`).
async fn hosted(name: &str) -> ServerProcess {
    let admin = sea_orm::Database::connect(env("TEST_POSTGRES_URL"))
        .await
        .unwrap();
    use sea_orm::ConnectionTrait;
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}"))
        .await
        .unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();

    let (pg_port, spa) = (env("PG_PORT"), env("SPA_DIST"));
    let vars = [
        ("DB_HOST", "127.0.0.1"),
        ("DB_PORT", pg_port.as_str()),
        ("DB_NAME", name),
        ("DB_USER", "postgres"),
        ("DB_PWD", ""),
        ("JWT_SECRET", "hosted-secret-hosted-secret-hosted-secret"),
        ("STATIC_DIR", spa.as_str()),
        ("LOG_FORMAT", "json"),
        // Requests and start-up and shutdown lines, as the server logs by default.
        ("RUST_LOG", "info"),
    ];
    let workdir = std::env::temp_dir().join(format!("notes-hosted-{name}"));
    ServerProcess::start_logging_to(&workdir, &vars, Stdio::piped).await
}

#[tokio::test]
#[ignore = "needs the release binary, the built SPA and PostgreSQL: scripts/test.sh"]
async fn a_hosted_server_serves_the_app_and_follows_its_database() {
    let server = hosted("notes_hosted_story").await;
    assert_eq!(server.status("/readyz").await, Some(200));

    // The SPA shell, from the built dist/.
    let shell = server
        .client
        .get(server.url("/login"))
        .send()
        .await
        .unwrap();
    assert_eq!(shell.status(), 200);
    let html = shell.text().await.unwrap();
    assert!(
        html.contains("<script") && html.contains(".wasm"),
        "not the built SPA: {html}"
    );
    assert_eq!(server.status("/no/such/page").await, Some(404));

    // The API, on PostgreSQL.
    server.register("alice").await;
    let pair = server.sign_in("alice").await;
    let access = pair["access"].as_str().unwrap();
    let note = server
        .post(
            "/api/notes/",
            &json!({"title": "Hosted", "content": "on PostgreSQL"}),
        )
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(note.status(), 201);

    // The database goes away: the process stays up but is not ready...
    pg_ctl(&["-m", "fast", "stop"]);
    server.wait_for("/readyz", 503).await;
    assert_eq!(server.status("/healthz").await, Some(200));
    // ...and is ready again when it comes back, without a restart.
    pg_ctl(&["-l", &env("PG_LOG"), "-o", &env("PG_OPTS"), "start"]);
    server.wait_for("/readyz", 200).await;
    let list = server
        .client
        .get(server.url("/api/notes/"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), 200);
    assert_eq!(list.json::<Value>().await.unwrap()[0]["title"], "Hosted");
}

#[tokio::test]
#[ignore = "needs the release binary, the built SPA and PostgreSQL: scripts/test.sh"]
async fn sigterm_lets_requests_in_flight_finish_then_exits() {
    use std::io::BufRead;
    let mut server = hosted("notes_hosted_sigterm").await;
    server.register("alice").await;
    sign_ins_survive(&server, || server.terminate()).await;

    let deadline = Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "still running 10 s after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(exit.success(), "{exit:?}");
    assert!(
        server.status("/healthz").await.is_none(),
        "no new requests after shutdown"
    );

    // Every log line is one JSON object.
    let stdout = server.child.stdout.take().unwrap();
    let lines: Vec<String> = std::io::BufReader::new(stdout)
        .lines()
        .map(Result::unwrap)
        .collect();
    assert!(lines.len() > 3);
    for line in &lines {
        let entry: Value =
            serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}"));
        assert!(
            entry["level"].is_string() && entry["timestamp"].is_string(),
            "{line}"
        );
    }
    assert!(lines.iter().any(|l| l.contains("shutting down")));
}
