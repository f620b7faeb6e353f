//! The container image (`IMAGE`, built by `scripts/image.sh` from the Dockerfile) run the
//! way a hosting platform runs it: by podman, as the image's own numeric user, with a
//! read-only root filesystem where only /tmp is writable, configured by the environment
//! alone: `DB_*` for the PostgreSQL of `scripts/postgres.sh`, and `JWT_SECRET`. The
//! container shares this machine's network (there is no other here), so it is also told
//! `HOST` and `PORT`: a free port on loopback instead of 0.0.0.0:8000. It needs what
//! `scripts/test.sh` provides, so the tests are ignored by a plain `cargo test`.

#[allow(dead_code)]
#[path = "support/server_process.rs"]
mod server_process;

use serde_json::{Value, json};
use server_process::{ServerProcess, env, free_port, sign_ins_survive};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const SECRET: &str = "image-secret-image-secret-image-secret";
/// The image's `USER`, which Choreo requires to be numeric, 10000-20000.
const IMAGE_UID: &str = "10014";
/// How long a platform waits between SIGTERM and SIGKILL at the least (Docker's default;
/// Kubernetes and Choreo wait 30 s).
const GRACE: Duration = Duration::from_secs(10);

fn podman(args: &[&str]) -> String {
    let output = Command::new("podman").args(args).output().unwrap();
    assert!(output.status.success(), "podman {args:?}: {output:?}");
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

/// `podman run` of the image as a platform runs it, `vars` its only configuration, and
/// `data` (a host directory) mounted on /data when given.
fn podman_run(name: &str, port: u16, vars: &[(&str, &str)], data: Option<&Path>) -> Command {
    let mut command = Command::new("podman");
    // runc, not crun: crun refuses this machine's hybrid cgroup v1/v2 layout.
    command.args([
        "--runtime",
        "runc",
        "run",
        "--rm",
        "--name",
        name,
        "--network",
        "host",
    ]);
    // Podman's default limits are above this machine's, and root here lacks
    // CAP_SYS_RESOURCE to raise them: limits a platform commonly gives instead.
    command.args([
        "--ulimit",
        "nofile=1024:1024",
        "--ulimit",
        "nproc=4096:4096",
    ]);
    command.args(["--read-only", "--read-only-tmpfs=false", "--tmpfs", "/tmp"]);
    if let Some(dir) = data {
        command.args(["--volume", &format!("{}:/data", dir.display())]);
    }
    let listen = [("HOST", "127.0.0.1".to_owned()), ("PORT", port.to_string())];
    let vars = vars.iter().map(|(k, v)| (*k, (*v).to_owned()));
    for (name, value) in listen.into_iter().chain(vars) {
        command.args(["--env", &format!("{name}={value}")]);
    }
    command.arg(env("IMAGE"));
    command
}

/// A container's name; the container is removed, whatever happened, when it is dropped.
struct Named(String);

impl Named {
    /// Claims `name`, removing what an interrupted run may have left under it.
    fn new(name: &str) -> Self {
        remove(name);
        Self(name.to_owned())
    }
}

impl Drop for Named {
    fn drop(&mut self) {
        remove(&self.0);
    }
}

fn remove(container: &str) {
    let _ = Command::new("podman")
        .args(["rm", "--force", "--time", "0", container])
        .output();
}

/// A running container.
struct Container {
    name: Named,
    server: ServerProcess,
}

impl Container {
    /// Starts the image and waits until `/readyz` answers 200; its stdout (the log) is
    /// kept for `log_lines`.
    async fn start(name: &str, vars: &[(&str, &str)], data: Option<&Path>) -> Self {
        let named = Named::new(name);
        let port = free_port();
        let child = podman_run(name, port, vars, data)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let container = Self {
            name: named,
            server: ServerProcess {
                child,
                base: format!("http://127.0.0.1:{port}"),
                metrics: String::new(),
                client: reqwest::Client::new(),
            },
        };
        container.server.wait_for("/readyz", 200).await;
        container
    }

    /// The user the server process runs as, from the kernel.
    fn uid(&self) -> String {
        let pid = podman(&["inspect", "--format", "{{.State.Pid}}", &self.name.0]);
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        let line = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
        line.split_whitespace().nth(1).unwrap().to_owned()
    }

    /// SIGTERM, as a platform stops a container.
    fn terminate(&self) {
        podman(&["kill", "--signal", "TERM", &self.name.0]);
    }

    /// Waits for the container to end (`podman run` exits with its status).
    async fn exit_within(&mut self, limit: Duration) -> ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.server.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "still running {limit:?} after SIGTERM"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Everything the container wrote to stdout, once it has ended.
    fn log_lines(&mut self) -> Vec<String> {
        use std::io::BufRead;
        let stdout = self.server.child.stdout.take().unwrap();
        std::io::BufReader::new(stdout)
            .lines()
            .map(Result::unwrap)
            .collect()
    }
}

/// A database of its own on the test PostgreSQL, and the variables naming it.
async fn database(name: &str) -> Vec<(&'static str, String)> {
    use sea_orm::ConnectionTrait;
    let admin = sea_orm::Database::connect(env("TEST_POSTGRES_URL"))
        .await
        .unwrap();
    for sql in [
        format!("DROP DATABASE IF EXISTS {name}"),
        format!("CREATE DATABASE {name}"),
    ] {
        admin.execute_unprepared(&sql).await.unwrap();
    }
    vec![
        ("DB_HOST", "127.0.0.1".to_owned()),
        ("DB_PORT", env("PG_PORT")),
        ("DB_NAME", name.to_owned()),
        ("DB_USER", "postgres".to_owned()),
        ("DB_PWD", String::new()),
        ("JWT_SECRET", SECRET.to_owned()),
    ]
}

/// The image started on a database of its own, as a platform would.
async fn hosted(name: &str) -> Container {
    let vars = database(name).await;
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Container::start(&name.replace('_', "-"), &vars, None).await
}

/// The first path in `html` that ends in `suffix`: Trunk names its assets by content hash.
fn asset(html: &str, suffix: &str) -> String {
    html.split(['"', '\''])
        .find(|s| s.starts_with('/') && s.ends_with(suffix))
        .unwrap_or_else(|| panic!("no {suffix} in {html}"))
        .to_owned()
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} on {}", response.url()))
        .to_str()
        .unwrap()
}

fn assert_security_headers(response: &reqwest::Response) {
    assert!(header(response, "content-security-policy").contains("default-src"));
    assert_eq!(header(response, "x-content-type-options"), "nosniff");
    assert_eq!(header(response, "x-frame-options"), "DENY");
    assert_eq!(header(response, "referrer-policy"), "no-referrer");
}

#[tokio::test]
#[ignore = "needs the image, podman and PostgreSQL: scripts/test.sh"]
async fn the_image_serves_the_app_and_the_api_on_postgresql() {
    let container = hosted("notes_image_story").await;
    let server = &container.server;
    assert_eq!(container.uid(), IMAGE_UID);
    assert_eq!(server.status("/healthz").await, Some(200));
    assert_eq!(server.status("/readyz").await, Some(200));

    // The SPA from the image's dist/: the shell revalidated, hashed assets kept a year.
    let shell = server.client.get(server.url("/")).send().await.unwrap();
    assert_eq!(shell.status(), 200);
    assert_eq!(header(&shell, "cache-control"), "no-cache");
    assert_security_headers(&shell);
    let html = shell.text().await.unwrap();
    for suffix in [".wasm", ".js"] {
        let hashed = server
            .client
            .get(server.url(&asset(&html, suffix)))
            .send()
            .await
            .unwrap();
        assert_eq!(hashed.status(), 200, "{}", hashed.url());
        assert!(header(&hashed, "cache-control").contains("immutable"));
        assert_security_headers(&hashed);
    }

    // A person's story through the API.
    server.register("alice").await;
    let access = server.sign_in("alice").await["access"]
        .as_str()
        .unwrap()
        .to_owned();
    let note = server
        .post(
            "/api/notes/",
            &json!({"title": "Shipped", "content": "in the image"}),
        )
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(note.status(), 201);
    let id = note.json::<Value>().await.unwrap()["id"].clone();
    let notes = |server: &ServerProcess| {
        let request = server.client.get(server.url("/api/notes/"));
        let request = request.bearer_auth(&access).send();
        async move { request.await.unwrap().json::<Value>().await.unwrap() }
    };
    assert_eq!(notes(server).await[0]["title"], "Shipped");
    let deleted = server
        .client
        .delete(server.url(&format!("/api/notes/{id}/")))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    assert_eq!(notes(server).await, json!([]));
}

#[tokio::test]
#[ignore = "needs the image, podman and PostgreSQL: scripts/test.sh"]
async fn sigterm_lets_requests_in_flight_finish_and_the_log_is_json_lines() {
    let mut container = hosted("notes_image_sigterm").await;
    let server = &container.server;
    server.register("alice").await;

    sign_ins_survive(server, || container.terminate()).await;
    let exit = container.exit_within(GRACE).await;
    assert!(exit.success(), "{exit:?}");

    let lines = container.log_lines();
    assert!(lines.len() > 3, "{lines:?}");
    for line in &lines {
        let entry: Value =
            serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}"));
        assert!(entry["level"].is_string(), "{line}");
    }
    assert!(lines.iter().any(|l| l.contains("shutting down")));
}

#[tokio::test]
#[ignore = "needs the image and podman: scripts/test.sh"]
async fn without_a_database_setting_it_keeps_sqlite_in_its_data_volume() {
    let volume = std::env::temp_dir().join("notes-image-data");
    let _ = std::fs::remove_dir_all(&volume);
    std::fs::create_dir_all(&volume).unwrap();
    // A platform's volume belongs to the container's user.
    let uid = IMAGE_UID.parse().unwrap();
    std::os::unix::fs::chown(&volume, Some(uid), Some(uid)).unwrap();

    let container = Container::start(
        "notes-image-sqlite",
        &[("JWT_SECRET", SECRET)],
        Some(&volume),
    )
    .await;
    container.server.register("alice").await;
    container.server.sign_in("alice").await;
    assert!(
        volume.join("notes.sqlite3").exists(),
        "SQLite is not in /data"
    );
    drop(container);
    std::fs::remove_dir_all(&volume).unwrap();
}

#[tokio::test]
#[ignore = "needs the image and podman: scripts/test.sh"]
async fn without_a_database_setting_on_a_read_only_data_directory_it_says_why_in_one_line() {
    let _named = Named::new("notes-image-readonly");
    let mut run = podman_run(
        "notes-image-readonly",
        free_port(),
        &[("JWT_SECRET", SECRET)],
        None,
    )
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let status = exit_within(&mut run, Duration::from_secs(20));
    assert!(!status.success(), "it started on a read-only /data");
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut run.stderr.take().unwrap(), &mut stderr).unwrap();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(
        lines[0].starts_with("error: ")
            && lines[0].contains("/data/notes.sqlite3")
            && lines[0].contains("not writable"),
        "{stderr}"
    );
}

/// Waits for a process that is expected to stop by itself; kills it after `limit`.
fn exit_within(child: &mut Child, limit: Duration) -> ExitStatus {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    panic!("still running after {limit:?}");
}
