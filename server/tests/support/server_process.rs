//! The release server binary (`SERVER_BIN`, built by `scripts/test.sh`) run as a child
//! process on loopback, for tests that need more than one process or a real crash.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Every test user's password.
pub const PASSWORD: &str = "correct horse battery";

/// The sign-in and registration body of `username`.
pub fn credentials(username: &str) -> serde_json::Value {
    serde_json::json!({"username": username, "password": PASSWORD})
}

pub fn env(name: &str) -> String {
    std::env::var(name)
        .unwrap_or_else(|_| panic!("{name} is not set: run this through scripts/test.sh"))
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub struct ServerProcess {
    pub child: Child,
    pub base: String,
    pub metrics: String,
    pub client: reqwest::Client,
}

impl ServerProcess {
    /// Starts the server with `vars` on top of a production-like environment and waits
    /// until it is ready.
    pub async fn start(workdir: &std::path::Path, vars: &[(&str, &str)]) -> Self {
        Self::start_logging_to(workdir, vars, Stdio::null).await
    }

    /// Like `start`, with the server's log (its standard output) going where `log` says
    /// (asked again if the server has to start again).
    pub async fn start_logging_to(
        workdir: &std::path::Path,
        vars: &[(&str, &str)],
        log: impl Fn() -> Stdio,
    ) -> Self {
        std::fs::create_dir_all(workdir).unwrap();
        // A port found free can be taken by another test's server before this one binds
        // it; then the server exits at once, and starts again on other ports.
        for _ in 0..5 {
            let (port, metrics_port) = (free_port(), free_port());
            let mut command = Command::new(env("SERVER_BIN"));
            command
                .env_clear()
                .env("JWT_SECRET", "replica-secret-replica-secret-replica-secret")
                .env("HOST", "127.0.0.1")
                .env("PORT", port.to_string())
                .env("METRICS_ADDR", format!("127.0.0.1:{metrics_port}"))
                .env("STATIC_DIR", workdir.join("no-spa"))
                .env("RUST_LOG", "warn")
                .current_dir(workdir)
                .stdout(log())
                .stderr(Stdio::inherit());
            for (name, value) in vars {
                command.env(name, value);
            }
            let mut server = Self {
                child: command.spawn().unwrap(),
                base: format!("http://127.0.0.1:{port}"),
                metrics: format!("http://127.0.0.1:{metrics_port}/metrics"),
                client: reqwest::Client::new(),
            };
            if server.ready_unless_exited().await {
                return server;
            }
        }
        panic!("the server exited at start five times");
    }

    /// Waits up to 20 s for `/readyz` to answer 200: false if the process exits first.
    async fn ready_unless_exited(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if self.status("/readyz").await == Some(200) {
                return true;
            }
            if self.child.try_wait().unwrap().is_some() {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("/readyz did not answer 200 within 20 s");
    }

    /// The status `GET path` answers, or `None` when nothing answers.
    pub async fn status(&self, path: &str) -> Option<u16> {
        let response = self.client.get(self.url(path)).send().await.ok()?;
        Some(response.status().as_u16())
    }

    /// Waits up to 20 s for `path` to answer `status`.
    pub async fn wait_for(&self, path: &str, status: u16) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if self.status(path).await == Some(status) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{path} did not answer {status} within 20 s");
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn post(&self, path: &str, body: &serde_json::Value) -> reqwest::RequestBuilder {
        self.client.post(self.url(path)).json(body)
    }

    /// Registers `username` with [`PASSWORD`]; it must be new here.
    pub async fn register(&self, username: &str) {
        let response = self
            .post("/api/user/register/", &credentials(username))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "registering {username}");
    }

    /// Signs `username` in with [`PASSWORD`]: the token pair.
    pub async fn sign_in(&self, username: &str) -> serde_json::Value {
        let response = self
            .post("/api/token/", &credentials(username))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "signing in {username}");
        response.json().await.unwrap()
    }

    /// The value of one series of `/metrics` (0 when it is absent).
    pub async fn metric(&self, series: &str) -> f64 {
        let text = self
            .client
            .get(&self.metrics)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.lines()
            .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
            .map_or(0.0, |value| value.trim().parse().unwrap())
    }

    /// SIGTERM, as a container platform stops a container.
    pub fn terminate(&self) {
        // SAFETY: kill(2) on our own child's pid.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
    }

    /// SIGKILL: no shutdown, no flush, as a crash.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts six sign-ins as `alice` (registered by the caller) on `server`, calls
/// `terminate` while some are still in flight (Argon2 makes them queue for the cores),
/// and checks that every one is answered 200. Fails if none was still being served when
/// the signal landed, for then nothing was shown.
pub async fn sign_ins_survive(server: &ServerProcess, terminate: impl FnOnce()) {
    let sign_ins: Vec<_> = (0..6)
        .map(|_| {
            let request = server.post("/api/token/", &credentials("alice")).send();
            tokio::spawn(async move {
                let response = request.await;
                (response.map(|r| r.status().as_u16()), Instant::now())
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(15)).await;
    let signalled = Instant::now();
    terminate();
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
}
