use app::api::TokenPair;
use base64::Engine;
use reqwest::{Method, Response, StatusCode};
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use serde_json::{Value, json};
use server::http::state::AppState;
use server::ops::settings::Config;
use server::startup::Application;
use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const PASSWORD: &str = "correct horse battery";
/// What `hosting` tests expect in the app shell.
pub const SHELL: &str = "<!doctype html><html><head><script type=\"module\">boot()</script>\
<script src=\"/app-0123456789abcdef.js\"></script></head><body></body></html>";

pub struct TestApp {
    pub address: String,
    /// The same address, for tests that speak HTTP over a raw socket.
    pub socket_addr: SocketAddr,
    /// The app's database, for a test that works on it beside the app.
    pub database_url: String,
    pub client: reqwest::Client,
    pub state: AppState,
    /// `http://address` of the metrics listener.
    pub metrics_address: Option<String>,
}

pub struct TestUser {
    pub id: i64,
    pub tokens: TokenPair,
}

pub fn scratch_dir() -> PathBuf {
    let dir = std::env::temp_dir()
        .join("notes-tests")
        .join(uuid::Uuid::new_v4().simple().to_string());
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

/// A new, empty database: a SQLite file, or a database on the test PostgreSQL server.
pub async fn fresh_database(dir: &std::path::Path) -> String {
    match std::env::var("TEST_POSTGRES_URL") {
        Ok(admin_url) => {
            let name = format!("notes_test_{}", uuid::Uuid::new_v4().simple());
            let admin = Database::connect(&admin_url)
                .await
                .expect("the test PostgreSQL server");
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("CREATE DATABASE");
            let (base, _) = admin_url.rsplit_once('/').expect("a URL with a database");
            format!("{base}/{name}")
        }
        Err(_) => format!("sqlite://{}/notes.sqlite3?mode=rwc", dir.display()),
    }
}

/// Where the app keeps attachments: the database by default; a directory of the test's
/// own with `TEST_ATTACHMENT_STORAGE=file`; with `s3`, a fresh bucket on the S3-compatible
/// server `TEST_S3_ENDPOINT` names (the test script starts one, whose buckets are the
/// directories of `TEST_S3_ROOT`).
fn attachment_storage(dir: &std::path::Path) -> Vec<(String, String)> {
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let mut vars = Vec::new();
    match var("TEST_ATTACHMENT_STORAGE").as_str() {
        "file" => {
            let files = dir.join("files");
            vars.push((
                "ATTACHMENT_STORAGE".into(),
                format!("file://{}", files.display()),
            ));
        }
        "s3" => {
            let bucket = format!("t{}", uuid::Uuid::new_v4().simple());
            std::fs::create_dir_all(std::path::Path::new(&var("TEST_S3_ROOT")).join(&bucket))
                .expect("the bucket's directory");
            vars.push(("ATTACHMENT_STORAGE".into(), format!("s3://{bucket}")));
            vars.push(("S3_ENDPOINT".into(), var("TEST_S3_ENDPOINT")));
            vars.push(("S3_ACCESS_KEY_ID".into(), var("TEST_S3_ACCESS_KEY_ID")));
            vars.push((
                "S3_SECRET_ACCESS_KEY".into(),
                var("TEST_S3_SECRET_ACCESS_KEY"),
            ));
            vars.push(("S3_PATH_STYLE".into(), "true".into()));
        }
        _ => {}
    }
    vars
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(&[]).await
    }

    /// Starts the real application with these settings on top of the test defaults.
    pub async fn spawn_with(settings: &[(&str, &str)]) -> Self {
        Self::start(settings, std::future::pending()).await.0
    }

    /// Like `spawn_with`, and the app shuts down when the sender is used (or dropped); the
    /// handle completes when it has.
    pub async fn spawn_stoppable(
        settings: &[(&str, &str)],
    ) -> (Self, oneshot::Sender<()>, JoinHandle<()>) {
        let (stop, stopped) = oneshot::channel();
        let (app, served) = Self::start(settings, async {
            let _ = stopped.await;
        })
        .await;
        (app, stop, served)
    }

    async fn start(
        settings: &[(&str, &str)],
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> (Self, JoinHandle<()>) {
        let dir = scratch_dir();
        let static_dir = dir.join("dist");
        std::fs::create_dir_all(&static_dir).unwrap();
        std::fs::write(static_dir.join("index.html"), SHELL).unwrap();
        std::fs::write(
            static_dir.join("app-0123456789abcdef.js"),
            "boot = () => {};".repeat(50),
        )
        .unwrap();
        std::fs::write(static_dir.join("robots.txt"), "User-agent: *\n").unwrap();
        std::fs::write(static_dir.join("sw.js"), "self.onfetch = () => {};").unwrap();
        std::fs::write(
            static_dir.join("manifest.webmanifest"),
            r#"{"name": "Notes"}"#,
        )
        .unwrap();

        let mut vars: HashMap<String, String> = [
            ("APP_ENV", "production"),
            ("HOST", "127.0.0.1"),
            ("PORT", "0"),
            ("JWT_SECRET", "test-secret-test-secret-test-secret!"),
            ("LOG_FORMAT", "text"),
            // Tests run many servers at once: each its own metrics port.
            ("METRICS_ADDR", "127.0.0.1:0"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        vars.insert("DATABASE_URL".into(), fresh_database(&dir).await);
        vars.insert("STATIC_DIR".into(), static_dir.display().to_string());
        vars.extend(attachment_storage(&dir));
        for (k, v) in settings {
            vars.insert((*k).to_owned(), (*v).to_owned());
        }
        let config = Config::from_lookup(|k| vars.get(k).cloned()).expect("a valid test config");
        if std::env::var("TEST_LOG").is_ok() {
            server::ops::telemetry::init(config.log_format);
        }
        let app = Application::build(&config).await.expect("the app starts");
        let socket_addr = app.local_addr();
        let address = format!("http://{socket_addr}");
        let state = app.state.clone();
        let metrics_address = app.metrics_addr().map(|a| format!("http://{a}"));
        let served = tokio::spawn(app.run_until(shutdown));
        let app = Self {
            address,
            socket_addr,
            database_url: config.database_url.clone(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            state,
            metrics_address,
        };
        (app, served)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Response {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("the server answers")
    }

    /// A POST not yet sent; `send()` on it is `'static`, so tests can race many at once.
    pub fn post_request(&self, path: &str, body: &Value) -> reqwest::RequestBuilder {
        self.client.post(self.url(path)).json(body)
    }

    pub async fn post(&self, path: &str, body: Value) -> Response {
        self.request(Method::POST, path, None, Some(body)).await
    }

    pub async fn get_as(&self, token: &str, path: &str) -> Response {
        self.request(Method::GET, path, Some(token), None).await
    }

    pub async fn send_as(&self, token: &str, method: Method, path: &str, body: Value) -> Response {
        self.request(method, path, Some(token), Some(body)).await
    }

    pub async fn register(&self, username: &str, password: &str) -> Response {
        self.post(
            "/api/user/register/",
            json!({"username": username, "password": password}),
        )
        .await
    }

    pub async fn sign_in(&self, username: &str, password: &str) -> Response {
        self.post(
            "/api/token/",
            json!({"username": username, "password": password}),
        )
        .await
    }

    pub async fn refresh(&self, refresh: &str) -> Response {
        self.post("/api/token/refresh/", json!({"refresh": refresh}))
            .await
    }

    /// Signs in again: another session of the same user.
    pub async fn session(&self, username: &str) -> TokenPair {
        self.session_with(username, PASSWORD).await
    }

    /// A new session of `username`, whose password is `password`.
    pub async fn session_with(&self, username: &str, password: &str) -> TokenPair {
        let response = self.sign_in(username, password).await;
        assert_eq!(response.status(), StatusCode::OK, "signing in {username}");
        response.json().await.unwrap()
    }

    /// Exchanges a refresh token for the next pair, which must be granted.
    pub async fn rotate(&self, refresh: &str) -> TokenPair {
        let response = self.refresh(refresh).await;
        assert_eq!(response.status(), StatusCode::OK, "refreshing");
        response.json().await.unwrap()
    }

    /// The notes list `token`'s owner sees.
    pub async fn notes(&self, token: &str) -> Value {
        let response = self.get_as(token, "/api/notes/").await;
        assert_eq!(response.status(), StatusCode::OK, "listing notes");
        response.json().await.unwrap()
    }

    /// Registers `username` and signs in.
    pub async fn user(&self, username: &str) -> TestUser {
        let registered = self.register(username, PASSWORD).await;
        assert_eq!(
            registered.status(),
            StatusCode::CREATED,
            "registering {username}"
        );
        let id = registered.json::<Value>().await.unwrap()["id"]
            .as_i64()
            .unwrap();
        let tokens = self.session(username).await;
        TestUser { id, tokens }
    }

    /// Registers `username`, makes them an operator (as `server createsuperuser` would)
    /// and signs in.
    pub async fn operator(&self, username: &str) -> TestUser {
        let user = self.user(username).await;
        self.state
            .writer
            .execute_unprepared(&format!(
                "UPDATE users SET is_admin = TRUE WHERE id = {}",
                user.id
            ))
            .await
            .expect("the operator's flag is set");
        user
    }

    /// A request as `user`, answered with its status and JSON body.
    pub async fn call(
        &self,
        user: &TestUser,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        status_json(
            self.request(method, path, Some(&user.tokens.access), body)
                .await,
        )
        .await
    }

    /// Makes a personal access token of `scope` for `user`, which must be granted: its id
    /// and the token.
    pub async fn access_token(&self, user: &TestUser, scope: &str) -> (i64, String) {
        let body = json!({"name": format!("{scope} script"), "scope": scope});
        let (status, made) = self
            .call(user, Method::POST, "/api/user/tokens/", Some(body))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{made}");
        (
            made["id"].as_i64().unwrap(),
            made["token"].as_str().unwrap().to_owned(),
        )
    }

    /// Changes `user`'s password from [`PASSWORD`] to `new`, which must be granted: the
    /// same person, in the new pair's session.
    pub async fn change_password(&self, user: &TestUser, new: &str) -> TestUser {
        let body = json!({"old_password": PASSWORD, "new_password": new});
        let (status, pair) = self
            .call(user, Method::POST, "/api/user/password/", Some(body))
            .await;
        assert_eq!(status, StatusCode::OK, "changing the password: {pair}");
        TestUser {
            id: user.id,
            tokens: serde_json::from_value(pair).unwrap(),
        }
    }

    /// Shares `owner`'s note with `username`, to `read` or to `edit`.
    pub async fn share(
        &self,
        owner: &TestUser,
        note: i64,
        username: &str,
        permission: &str,
    ) -> Value {
        let (status, made) = self
            .call(
                owner,
                Method::POST,
                &format!("/api/notes/{note}/shares/"),
                Some(json!({"username": username, "permission": permission})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{made}");
        made
    }

    pub async fn create_note(&self, user: &TestUser, title: &str, content: &str) -> Value {
        let response = self
            .send_as(
                &user.tokens.access,
                Method::POST,
                "/api/notes/",
                json!({"title": title, "content": content}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.unwrap()
    }
}

/// Listing notes with query parameters, and the conditional writes of `If-Match`.
impl TestApp {
    pub fn backend(&self) -> DbBackend {
        self.state.db.get_database_backend()
    }

    /// `GET /api/notes/` with these query parameters (encoded as a browser would).
    pub async fn list_with(&self, token: &str, params: &[(&str, &str)]) -> Response {
        self.client
            .get(self.url("/api/notes/"))
            .query(params)
            .bearer_auth(token)
            .send()
            .await
            .expect("the server answers")
    }

    /// The titles a search finds, in the order the plain list gives them.
    pub async fn search(&self, user: &TestUser, terms: &str) -> Vec<String> {
        let (status, body) = status_json(
            self.list_with(&user.tokens.access, &[("search", terms)])
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "searching {terms:?}: {body}");
        titles(&body)
    }

    /// A page of `GET /api/notes/`: status and body.
    pub async fn page(&self, user: &TestUser, params: &[(&str, &str)]) -> (StatusCode, Value) {
        status_json(self.list_with(&user.tokens.access, params).await).await
    }

    /// Notes `first..=last` titled `"{prefix} {n}"`, created oldest first.
    pub async fn create_numbered(&self, user: &TestUser, prefix: &str, count: usize) {
        for n in 1..=count {
            self.create_note(user, &format!("{prefix} {n}"), "numbered")
                .await;
        }
    }

    /// Notes written straight into the database, a second apart, oldest first: for
    /// lists longer than is quick to create over HTTP.
    pub async fn insert_notes(
        &self,
        user: &TestUser,
        notes: impl IntoIterator<Item = (String, String)>,
    ) {
        use sea_orm::{ActiveValue::Set, EntityTrait};
        use server::storage::entities::note;
        let start = chrono::Utc::now() - chrono::Duration::days(1);
        let rows: Vec<note::ActiveModel> = notes
            .into_iter()
            .enumerate()
            .map(|(n, (title, content))| {
                let at = start + chrono::Duration::seconds(n as i64);
                note::ActiveModel {
                    search_text: Set(migrations::search::searchable(&title, &content)),
                    title: Set(title),
                    content: Set(content),
                    created_at: Set(at),
                    updated_at: Set(at),
                    author_id: Set(user.id),
                    version: Set(1),
                    ..Default::default()
                }
            })
            .collect();
        for chunk in rows.chunks(500) {
            note::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&self.state.writer)
                .await
                .expect("the notes are written");
        }
    }

    /// A write with `If-Match: {if_match}`.
    pub async fn send_if_match(
        &self,
        token: &str,
        method: Method,
        path: &str,
        if_match: &str,
        body: Option<Value>,
    ) -> Response {
        let mut request = self
            .client
            .request(method, self.url(path))
            .bearer_auth(token)
            .header("if-match", if_match);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("the server answers")
    }

    /// A number the database answers, e.g. `SELECT COUNT(*) ...`.
    pub async fn count_rows(&self, sql: &str) -> i64 {
        let row = self
            .state
            .db
            .query_one_raw(Statement::from_string(self.backend(), sql))
            .await
            .expect("the query runs")
            .expect("a row");
        row.try_get_by_index::<i64>(0).expect("a number")
    }

    /// On SQLite, FTS5's own check that its index matches the notes table exactly (it
    /// fails otherwise); PostgreSQL maintains its index itself.
    pub async fn assert_search_index_in_step(&self) {
        if self.backend() == DbBackend::Sqlite {
            self.state
                .db
                .execute_unprepared(
                    "INSERT INTO notes_fts (notes_fts, rank) VALUES ('integrity-check', 1)",
                )
                .await
                .expect("the FTS5 index matches the notes");
        }
    }
}

/// A note's `ETag` header.
pub fn etag(response: &Response) -> String {
    response
        .headers()
        .get("etag")
        .expect("an ETag")
        .to_str()
        .unwrap()
        .to_owned()
}

/// The titles of a list or of a page's results.
pub fn titles(list: &Value) -> Vec<String> {
    let notes = list.get("results").unwrap_or(list);
    notes
        .as_array()
        .unwrap_or_else(|| panic!("a list: {list}"))
        .iter()
        .map(|n| n["title"].as_str().unwrap().to_owned())
        .collect()
}

/// Status and JSON body, for one-line assertions.
pub async fn status_json(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
    };
    (status, body)
}

/// A JWT's claims, read without checking the signature.
pub fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("three parts");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

pub fn field_errors(field: &str, messages: &[&str]) -> Value {
    json!({ field: messages })
}

/// A fresh database with only the first `migrations` applied, holding user 1 "old" (with
/// [`PASSWORD`]) and these `(title, content)` notes of theirs, written as the server of
/// that release wrote them: for the migrations that fill in what older notes lack.
pub async fn database_before(migrations: u32, notes: &[(&str, &str)]) -> String {
    use migrations::{Migrator, MigratorTrait};
    let url = fresh_database(&scratch_dir()).await;
    let db = sea_orm::Database::connect(&url).await.unwrap();
    Migrator::up(&db, Some(migrations)).await.unwrap();
    let passwords = server::accounts::passwords::Passwords::new().await.unwrap();
    let hash = passwords.hash(PASSWORD.to_owned()).await.unwrap();
    let backend = db.get_database_backend();
    let sql = |sqlite: &'static str, postgres: &'static str| match backend {
        DbBackend::Sqlite => sqlite,
        _ => postgres,
    };
    let now = chrono::Utc::now();
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        sql(
            "INSERT INTO users (username, password_hash, date_joined) VALUES (?, ?, ?)",
            "INSERT INTO users (username, password_hash, date_joined) VALUES ($1, $2, $3)",
        ),
        ["old".into(), hash.into(), now.into()],
    ))
    .await
    .unwrap();
    for (title, content) in notes {
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            sql(
                "INSERT INTO notes (title, content, created_at, updated_at, author_id) \
                 VALUES (?, ?, ?, ?, 1)",
                "INSERT INTO notes (title, content, created_at, updated_at, author_id) \
                 VALUES ($1, $2, $3, $4, 1)",
            ),
            [(*title).into(), (*content).into(), now.into(), now.into()],
        ))
        .await
        .unwrap();
    }
    db.close().await.unwrap();
    url
}
