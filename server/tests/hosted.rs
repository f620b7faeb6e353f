//! The release binary started the way a container platform starts it: PostgreSQL from the
//! original's `DB_*` variables, `PORT` and `JWT_SECRET` set, JSON logs, the built SPA. It
//! needs what `scripts/test.sh` provides (`SERVER_BIN`, `SPA_DIST` and a PostgreSQL
//! server from `scripts/postgres.sh`), so the tests are ignored by a plain `cargo test`
//! and run with `--ignored` there.

use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn env(name: &str) -> String {
    std::env::var(name)
        .unwrap_or_else(|_| panic!("{name} is not set: run this through scripts/test.sh"))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

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

struct Hosted {
    child: Child,
    base: String,
    client: reqwest::Client,
}

impl Hosted {
    /// Creates a database of its own and starts the release server on it.
    async fn start(name: &str) -> Self {
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

        let port = free_port();
        let workdir = std::env::temp_dir().join(format!("notes-hosted-{name}"));
        std::fs::create_dir_all(&workdir).unwrap();
        let child = Command::new(env("SERVER_BIN"))
            .env_clear()
            .env("DB_HOST", "127.0.0.1")
            .env("DB_PORT", env("PG_PORT"))
            .env("DB_NAME", name)
            .env("DB_USER", "postgres")
            .env("DB_PWD", "")
            .env("JWT_SECRET", "hosted-secret-hosted-secret-hosted-secret")
            .env("PORT", port.to_string())
            // A container listens on 0.0.0.0; tests stay on loopback.
            .env("HOST", "127.0.0.1")
            .env("STATIC_DIR", env("SPA_DIST"))
            .env("LOG_FORMAT", "json")
            .current_dir(&workdir)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let hosted = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::new(),
        };
        hosted.wait_for("/healthz", 200).await;
        hosted
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    async fn status(&self, path: &str) -> Option<u16> {
        self.client
            .get(self.url(path))
            .send()
            .await
            .ok()
            .map(|r| r.status().as_u16())
    }

    /// Waits up to 20 s for `path` to answer `status`.
    async fn wait_for(&self, path: &str, status: u16) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if self.status(path).await == Some(status) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{path} did not answer {status} within 20 s");
    }

    async fn post(&self, path: &str, body: Value, token: Option<&str>) -> reqwest::Response {
        let mut request = self.client.post(self.url(path)).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap()
    }

    /// Registers alice, who must be new here.
    async fn register_alice(&self) -> Value {
        let alice: Value = serde_json::from_str(ALICE).unwrap();
        let response = self.post("/api/user/register/", alice.clone(), None).await;
        assert_eq!(response.status(), 201);
        alice
    }

    fn terminate(&self) {
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
    }
}

impl Drop for Hosted {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const ALICE: &str = r#"{"username": "alice", "password": "correct horse battery"}"#;

#[tokio::test]
#[ignore = "needs the release binary, the built SPA and PostgreSQL: scripts/test.sh"]
async fn a_hosted_server_serves_the_app_and_follows_its_database() {
    let server = Hosted::start("notes_hosted_story").await;
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
    let alice = server.register_alice().await;
    let pair: Value = server
        .post("/api/token/", alice, None)
        .await
        .json()
        .await
        .unwrap();
    let access = pair["access"].as_str().unwrap();
    let note = server
        .post(
            "/api/notes/",
            json!({"title": "Hosted", "content": "on PostgreSQL"}),
            Some(access),
        )
        .await;
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
    let mut server = Hosted::start("notes_hosted_sigterm").await;
    let alice = server.register_alice().await;

    // Sign-ins take tens of milliseconds of Argon2 each and queue for the cores, so
    // some are still being worked on when the signal arrives.
    let sign_ins: Vec<_> = (0..6)
        .map(|_| {
            let request = server
                .client
                .post(server.url("/api/token/"))
                .json(&alice)
                .send();
            tokio::spawn(async move {
                let response = request.await;
                (response.map(|r| r.status().as_u16()), Instant::now())
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(15)).await;
    let signalled = Instant::now();
    server.terminate();

    let mut finished_after_signal = 0;
    for sign_in in sign_ins {
        let (status, at) = sign_in.await.unwrap();
        assert_eq!(status.expect("an in-flight request was cut off"), 200);
        // Well after the signal, so it was being served, not merely read late.
        if at > signalled + Duration::from_millis(20) {
            finished_after_signal += 1;
        }
    }
    assert!(
        finished_after_signal > 0,
        "nothing was in flight; the test proved nothing"
    );

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
