//! Every setting, declared once with clap: its environment variable, its flag, its
//! default and its check, so `server serve --help` lists them all. They are read from the
//! environment (after `.env`, when there is one) or from flags; a bad value stops
//! start-up with one line naming its variable.
//!
//! [`Settings`] is what was given, each value checked on its own; [`Config`] is what the
//! server runs with, once the rules between settings are applied (a secret required
//! outside development, the database URL from `DB_*`, the address by environment).

use app::validation::{Password, Username};
use axum::http::HeaderValue;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Args, Command, FromArgMatches, ValueEnum};
use jsonwebtoken::Algorithm;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use std::ffi::OsString;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Environment {
    Development,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// When a SQLite commit is on disk. `Full` syncs the write-ahead log at every commit, so
/// an acknowledged write survives a power loss, not only a crash of the process;
/// `Normal` syncs only at checkpoints (faster, and still safe from a crash of the
/// process, but the last commits can be lost with the machine's power).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum SqliteSync {
    #[default]
    Full,
    Normal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SslMode {
    Disable,
    Allow,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

/// The settings of `serve`, which `migrate` reads as `serve` would. Not `Debug`: it holds
/// secrets.
#[derive(Clone, Args)]
pub struct Settings {
    /// `development` makes up a JWT_SECRET when none is set (and says so) and listens on
    /// 127.0.0.1 by default
    #[arg(
        long = "app-env",
        env = "APP_ENV",
        value_enum,
        default_value = "production"
    )]
    pub environment: Environment,

    /// Address to listen on [default: 0.0.0.0 (127.0.0.1 in development)]
    #[arg(long, env = "HOST", value_parser = ip_address)]
    pub host: Option<IpAddr>,

    /// Port to listen on
    #[arg(long, env = "PORT", default_value = "8000", value_parser = port)]
    pub port: u16,

    #[command(flatten)]
    pub database: DatabaseSettings,

    /// When SQLite's commits reach the disk: `full` syncs every commit before its request
    /// is answered (new notes requested together share one), `normal` only at checkpoints
    #[arg(long, env = "SQLITE_SYNCHRONOUS", value_enum, default_value = "full")]
    pub sqlite_synchronous: SqliteSync,

    #[command(flatten)]
    pub jwt: JwtSettings,

    /// The key two-step sign-in secrets are encrypted with: 32 bytes in base64, such as
    /// `openssl rand -base64 32` makes [default: one derived from JWT_SECRET]
    #[arg(long, env = "TOTP_ENCRYPTION_KEY", value_parser = encryption_key)]
    pub totp_encryption_key: Option<EncryptionKey>,

    /// The key TOTP_ENCRYPTION_KEY replaces: secrets it encrypted are encrypted again with
    /// the new one at start-up (a key derived from JWT_SECRET is always tried too)
    #[arg(long, env = "TOTP_PREVIOUS_ENCRYPTION_KEY", value_parser = encryption_key)]
    pub totp_previous_encryption_key: Option<EncryptionKey>,

    /// Failed sign-ins per client and username before 429
    #[arg(long, env = "LOGIN_MAX_FAILURES", default_value = "10", value_parser = positive_count)]
    pub login_max_failures: u32,

    /// How long a client waits after LOGIN_MAX_FAILURES failures
    #[arg(long, env = "LOGIN_LOCKOUT", default_value = "15m", value_parser = positive_duration)]
    pub login_lockout: Duration,

    /// How long a deleted note stays in the trash, where it can be restored, before it
    /// is deleted for good
    #[arg(long, env = "TRASH_RETENTION", default_value = "30d", value_parser = positive_duration)]
    pub trash_retention: Duration,

    /// How much of a note's history is kept: every version for the first span, then the
    /// last of each day until the second, then the last of each week; `off` keeps all
    #[arg(long, env = "HISTORY_RETENTION", default_value = "7d,90d", value_parser = HistoryRetention::parse)]
    pub history_retention: HistoryRetention,

    /// Who may register on a new database: `open`, `invite` (with an operator's
    /// invitation) or `closed`. Operators change it at run time (`/api/admin/settings/`);
    /// once the database holds a choice, this is not read again
    #[arg(long, env = "REGISTRATION", default_value = "open", value_parser = registration)]
    pub registration: app::api::RegistrationMode,

    /// How recent an operator's sign-in must be for their changes (older: they give their
    /// password again, `POST /api/user/reauthenticate/`)
    #[arg(long, env = "ADMIN_REAUTH_WINDOW", default_value = "15m", value_parser = positive_duration)]
    pub admin_reauth_window: Duration,

    /// How long the audit log keeps a line
    #[arg(long, env = "AUDIT_RETENTION", default_value = "90d", value_parser = positive_duration)]
    pub audit_retention: Duration,

    /// With SUPERUSER_PASSWORD, an operator start-up makes while the server has none (a
    /// hosted container has no shell for `server createsuperuser`); an existing account
    /// is never changed
    #[arg(long, env = "SUPERUSER_USERNAME")]
    pub superuser_username: Option<String>,

    /// The password of SUPERUSER_USERNAME (registration's rules); never logged
    #[arg(long, env = "SUPERUSER_PASSWORD")]
    pub superuser_password: Option<String>,

    /// The largest file `POST /api/notes/import/` takes, in megabytes (10^6 bytes); a
    /// zip may hold at most four times as much once unpacked
    #[arg(long, env = "IMPORT_MAX_MB", default_value = "64", value_parser = whole_number(1..=4096))]
    pub import_max_mb: usize,

    #[command(flatten)]
    pub attachments: AttachmentSettings,

    /// Proxies in front of the server that append to X-Forwarded-For: the client is the
    /// address the outermost of them saw; their X-Forwarded-Proto and X-Forwarded-Host
    /// build paging links. With 0, the peer address is the client
    #[arg(long, env = "TRUSTED_PROXY_HOPS", default_value = "0", value_parser = whole_number(0..=10))]
    pub trusted_proxy_hops: usize,

    /// Comma-separated origins allowed to call the API from another site (an SPA hosted
    /// apart), such as https://notes.example.com
    #[arg(long, env = "CORS_ALLOWED_ORIGINS", value_parser = origins)]
    pub cors_allowed_origins: Option<Origins>,

    /// Where `GET /metrics` is served, on a listener of its own; `off` turns it off. If
    /// the default is taken, metrics are off with a warning; an address that is set must
    /// be free [default: 127.0.0.1:9100]
    #[arg(long, env = "METRICS_ADDR", value_parser = metrics_address)]
    pub metrics_addr: Option<MetricsAddr>,

    /// The built SPA; without it `/` answers a page saying the API is up
    #[arg(long, env = "STATIC_DIR", default_value = "dist")]
    pub static_dir: PathBuf,

    /// `json` for one JSON object per line
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,

    #[command(flatten)]
    pub connections: ConnectionLimits,

    #[command(flatten)]
    pub streams: StreamSettings,

    #[command(flatten)]
    pub oidc: OidcSettings,
}

/// Sign-in through an OpenID Connect provider (Keycloak, Authentik, Google Workspace,
/// Microsoft Entra…): off unless OIDC_ISSUER is set.
#[derive(Clone, Args)]
pub struct OidcSettings {
    /// The provider's issuer URL, as its discovery document names it, such as
    /// https://sso.example.com/realms/staff
    #[arg(long, env = "OIDC_ISSUER", value_parser = issuer)]
    pub oidc_issuer: Option<String>,

    /// This server's client id at the provider
    #[arg(long, env = "OIDC_CLIENT_ID")]
    pub oidc_client_id: Option<String>,

    /// This server's client secret at the provider (none for a public client); never logged
    #[arg(long, env = "OIDC_CLIENT_SECRET")]
    pub oidc_client_secret: Option<String>,

    /// The provider's name on the sign-in button: "Sign in with {OIDC_NAME}"
    #[arg(long, env = "OIDC_NAME", default_value = "single sign-on")]
    pub oidc_name: String,

    /// The scopes asked for, separated by spaces (`openid` is always asked)
    #[arg(long, env = "OIDC_SCOPES", default_value = "openid profile email")]
    pub oidc_scopes: String,

    /// Whether a first sign-in through the provider makes an account: `follow` the
    /// registration setting (an invitation's code where it needs one), `always`, or `never`
    #[arg(long, env = "OIDC_SIGNUP", value_enum, default_value = "follow")]
    pub oidc_signup: OidcSignup,

    /// The address people reach this server at, such as https://notes.example.com: the
    /// provider sends them back to its /api/auth/oidc/callback/ (required with OIDC_ISSUER)
    #[arg(long, env = "PUBLIC_URL", value_parser = web_url)]
    pub public_url: Option<url::Url>,
}

/// `OIDC_SIGNUP`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OidcSignup {
    Follow,
    Always,
    Never,
}

/// An issuer as written: the provider's discovery document must name it exactly (some
/// end in a slash, most do not), so it is checked as a URL and kept as it is.
fn issuer(value: &str) -> Result<String, String> {
    web_url(value).map(|_| value.trim().to_owned())
}

/// An http or https URL with a host and nothing after its path.
fn web_url(value: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(value.trim()).map_err(|e| format!("{value:?}: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!("{value:?} is not an http or https URL"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "{value:?}: a query or fragment does not belong here"
        ));
    }
    Ok(url)
}

/// The event streams (`GET /api/events/`): how many, and how often they speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Args)]
pub struct StreamSettings {
    /// Event streams open at once on this server; past it a new one is answered 503 with
    /// Retry-After. At most half of MAX_CONNECTIONS, so streams cannot crowd out requests
    /// [default: a quarter of MAX_CONNECTIONS]
    // A stream holds a connection for as long as its tab is open: a quarter of the
    // connections leaves the rest to requests.
    #[arg(long, env = "MAX_STREAMS", value_parser = whole_number(1..=1_000_000))]
    pub max_streams: Option<usize>,

    /// How often a quiet stream sends a comment, so proxies do not take it for idle and
    /// close it
    #[arg(long, env = "STREAM_KEEPALIVE", default_value = "25s", value_parser = positive_duration)]
    pub stream_keepalive: Duration,
}

/// Where attachments' bytes are kept, and how large they and uploads may be.
#[derive(Clone, Debug, Args)]
pub struct AttachmentSettings {
    /// Where new attachments' bytes go: `database` (SQLite or PostgreSQL holds them),
    /// `file:///path` (a directory), or `s3://bucket` (with S3_*). Files already kept
    /// elsewhere stay readable there (`server attachments move` moves them)
    #[arg(long, env = "ATTACHMENT_STORAGE", default_value = "database", value_parser = StorageLocation::parse)]
    pub attachment_storage: StorageLocation,

    /// The largest attachment, in megabytes (10^6 bytes); larger ones get 413
    #[arg(long, env = "ATTACHMENT_MAX_MB", default_value = "25", value_parser = whole_number(1..=100_000))]
    pub attachment_max_mb: usize,

    /// What one person's attachments may hold in all, in megabytes, unless an operator
    /// sets their own
    #[arg(long, env = "STORAGE_QUOTA_MB", default_value = "1024", value_parser = whole_number(1..=100_000_000))]
    pub storage_quota_mb: usize,

    /// How long an upload may take to arrive, in all (the API's REQUEST_BODY_TIMEOUT is
    /// for JSON)
    #[arg(long, env = "UPLOAD_TIMEOUT", default_value = "10m", value_parser = positive_duration)]
    pub upload_timeout: Duration,

    /// An S3-compatible store's URL, such as http://127.0.0.1:9000 [default: AWS]
    #[arg(long, env = "S3_ENDPOINT", value_parser = s3_endpoint)]
    pub s3_endpoint: Option<String>,

    /// The S3 region
    #[arg(long, env = "S3_REGION", default_value = "us-east-1")]
    pub s3_region: String,

    /// The S3 access key's id (with S3_SECRET_ACCESS_KEY)
    #[arg(long, env = "S3_ACCESS_KEY_ID")]
    pub s3_access_key_id: Option<String>,

    /// The S3 access key's secret; never logged
    #[arg(long, env = "S3_SECRET_ACCESS_KEY")]
    pub s3_secret_access_key: Option<String>,

    /// `true`: the bucket in the path (`endpoint/bucket/key`), as most S3-compatible
    /// stores want; `false`: in the host name (`bucket.endpoint/key`), as AWS prefers
    #[arg(long, env = "S3_PATH_STYLE", default_value = "false", action = clap::ArgAction::Set, value_parser = clap::builder::BoolishValueParser::new())]
    pub s3_path_style: bool,
}

/// Where attachments' bytes are kept: `ATTACHMENT_STORAGE`, and each file's `storage`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StorageLocation {
    /// The database the server uses.
    Database,
    /// A directory, by its absolute path.
    File(PathBuf),
    /// An S3 bucket, reached as S3_* say.
    S3 { bucket: String },
}

impl StorageLocation {
    /// `database`, `file:///absolute/path` or `s3://bucket`.
    pub fn parse(value: &str) -> Result<Self, String> {
        let value = value.trim();
        if value == "database" {
            return Ok(Self::Database);
        }
        if let Some(path) = value.strip_prefix("file://") {
            let path = PathBuf::from(path);
            if !path.is_absolute() {
                return Err(format!(
                    "{value:?}: a directory is named by its absolute path, file:///like/this"
                ));
            }
            return Ok(Self::File(path));
        }
        if let Some(bucket) = value.strip_prefix("s3://") {
            let bucket = bucket.trim_end_matches('/');
            let valid = (3..=63).contains(&bucket.len())
                && bucket
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-.".contains(&b));
            if !valid {
                return Err(format!("{value:?}: not an S3 bucket's name"));
            }
            return Ok(Self::S3 {
                bucket: bucket.to_owned(),
            });
        }
        Err(format!(
            "{value:?} is not one of database, file:///path, s3://bucket"
        ))
    }
}

impl std::fmt::Display for StorageLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Database => f.write_str("database"),
            Self::File(path) => write!(f, "file://{}", path.display()),
            Self::S3 { bucket } => write!(f, "s3://{bucket}"),
        }
    }
}

fn s3_endpoint(value: &str) -> Result<String, String> {
    let url = url::Url::parse(value.trim()).map_err(|e| format!("{value:?}: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!("{value:?} is not an http or https URL"));
    }
    Ok(value.trim().trim_end_matches('/').to_owned())
}

/// How tokens are signed and how long they last.
#[derive(Clone, Args)]
pub struct JwtSettings {
    /// The key tokens are signed with: at least 32 characters; required outside
    /// development
    #[arg(long = "jwt-secret", env = "JWT_SECRET", value_parser = jwt_secret)]
    pub secret: Option<String>,

    /// How tokens are signed (never read from a token's header)
    #[arg(long = "jwt-algorithm", env = "JWT_ALGORITHM", default_value = "HS256", value_parser = algorithm)]
    pub algorithm: Algorithm,

    /// How long an access token lasts: seconds, or a number with s, m, h or d, or a sum
    /// such as `1h 30m`
    #[arg(long = "access-token-lifetime", env = "ACCESS_TOKEN_LIFETIME", default_value = "30m", value_parser = positive_duration)]
    pub access_lifetime: Duration,

    /// How long one sign-in lasts at most, however often its tokens are refreshed
    #[arg(long = "refresh-token-lifetime", env = "REFRESH_TOKEN_LIFETIME", default_value = "1d", value_parser = positive_duration)]
    pub refresh_lifetime: Duration,

    /// How long a spent refresh token may be presented again, once (two tabs refreshing
    /// at once); at most 60s, `0` turns it off
    #[arg(long = "refresh-reuse-grace", env = "REFRESH_REUSE_GRACE", default_value = "10s", value_parser = reuse_grace)]
    pub reuse_grace: Duration,
}

/// Where the data lives: `DATABASE_URL`, or the original's `DB_*` for PostgreSQL, or an
/// embedded SQLite file in the working directory. Every command reads it.
#[derive(Clone, Args)]
pub struct DatabaseSettings {
    /// `sqlite:...` or `postgres://...` [default: sqlite://notes.sqlite3?mode=rwc]
    #[arg(long, env = "DATABASE_URL", value_parser = database_url)]
    pub database_url: Option<String>,

    /// The original's PostgreSQL host, used when DATABASE_URL is not set
    #[arg(long, env = "DB_HOST")]
    pub db_host: Option<String>,

    /// PostgreSQL's port
    #[arg(long, env = "DB_PORT", default_value = "5432", value_parser = port)]
    pub db_port: u16,

    /// The database's name (required with DB_HOST)
    #[arg(long, env = "DB_NAME")]
    pub db_name: Option<String>,

    /// The database user (required with DB_HOST)
    #[arg(long, env = "DB_USER")]
    pub db_user: Option<String>,

    /// The database user's password
    #[arg(long, env = "DB_PWD")]
    pub db_pwd: Option<String>,

    /// TLS to the database
    #[arg(long, env = "DB_SSLMODE", value_enum)]
    pub db_sslmode: Option<SslMode>,
}

/// How long a client may take and how much it may hold, so that slow or stalled clients
/// cannot keep the server's connections (see `http::serve`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Args)]
pub struct ConnectionLimits {
    /// How long a client has to send a request's line and headers, from connecting or from
    /// the first byte of a later request; past it the connection closes without an answer
    #[arg(long, env = "HEADER_READ_TIMEOUT", default_value = "10s", value_parser = positive_duration)]
    pub header_read_timeout: Duration,

    /// How long a JSON request body may take to arrive, in all; past it 408, and the
    /// connection closes
    #[arg(long, env = "REQUEST_BODY_TIMEOUT", default_value = "30s", value_parser = positive_duration)]
    pub request_body_timeout: Duration,

    /// How long a kept-alive connection may wait for its next request
    // Longer than the 60 s after which common proxies (nginx's upstream keep-alive, AWS
    // load balancers) drop an idle connection, so a proxy in front closes first and never
    // sends a request down a connection the server is closing.
    #[arg(long, env = "KEEP_ALIVE_TIMEOUT", default_value = "75s", value_parser = positive_duration)]
    pub keep_alive_timeout: Duration,

    /// How long sending an answer may make no progress because the client does not read
    #[arg(long, env = "SEND_TIMEOUT", default_value = "30s", value_parser = positive_duration)]
    pub send_timeout: Duration,

    /// Open connections at most; further ones wait to be accepted. Keep it below the
    /// open-file limit (`ulimit -n`, often 1024 in a container)
    // 512 leaves room for the database pool and static files under those 1024.
    #[arg(long, env = "MAX_CONNECTIONS", default_value = "512", value_parser = whole_number(1..=100_000))]
    pub max_connections: usize,

    /// Open connections from one client address (an IPv6 client is its /64); past it
    /// that client's new connections are closed at once. Not applied behind
    /// TRUSTED_PROXY_HOPS proxies, whose connections carry many clients
    // A browser opens at most 6 connections to a host; 64 lets an office of ten behind one
    // address in, and is an eighth of MAX_CONNECTIONS's default, so one address cannot
    // take more than that share.
    #[arg(long, env = "MAX_CONNECTIONS_PER_CLIENT", default_value = "64", value_parser = whole_number(1..=100_000))]
    pub max_connections_per_client: usize,

    /// Requests being served at once (all but /healthz and /readyz); past it a request is
    /// answered 503 with Retry-After at once instead of waiting
    // On 2 cores the list answers about 30,000 requests a second: 256 waiting is under
    // 10 ms of work, and a search's 2,000 a second keeps its wait near 130 ms.
    #[arg(long, env = "MAX_REQUESTS_IN_FLIGHT", default_value = "256", value_parser = whole_number(1..=100_000))]
    pub max_requests_in_flight: usize,

    /// Bytes in a request's head, request line included; beyond it 431
    // Below 4 KiB a browser's ordinary request could be refused; above 256 KiB hyper's
    // read buffer (about 400 KiB) would come close to being the limit instead.
    #[arg(long, env = "MAX_HEADER_BYTES", default_value = "32768", value_parser = whole_number(4096..=262_144))]
    pub max_header_bytes: usize,

    /// Header fields in a request; beyond it 431
    #[arg(long, env = "MAX_HEADERS", default_value = "100", value_parser = whole_number(1..=1000))]
    pub max_headers: usize,
}

/// A 256-bit key (`TOTP_ENCRYPTION_KEY`). Not `Debug`: it is a secret.
#[derive(Clone)]
pub struct EncryptionKey(pub [u8; 32]);

/// `CORS_ALLOWED_ORIGINS`, read whole: empty entries between commas are skipped.
#[derive(Debug, Clone, Default)]
pub struct Origins(pub Vec<HeaderValue>);

/// `METRICS_ADDR`: an address, or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricsAddr {
    Off,
    At(SocketAddr),
}

/// What the server runs with: the settings, and what follows from the rules between
/// them. Reads through to [`Settings`] for the rest.
#[derive(Clone)]
pub struct Config {
    pub settings: Settings,
    /// `HOST` (or the environment's default) and `PORT`.
    pub address: SocketAddr,
    pub database_url: String,
    /// `JWT_SECRET`'s bytes, or ones development made up.
    pub jwt_secret: Vec<u8>,
    /// True when development made up the secret; tokens then die with the process.
    pub jwt_secret_generated: bool,
    /// Where `GET /metrics` is served, apart from the public port; `None`: nowhere.
    pub metrics: Option<MetricsListener>,
    /// The operator to make at start-up while there is none (`SUPERUSER_*`).
    pub superuser: Option<(Username, Password)>,
    /// `MAX_STREAMS`, or its default.
    pub max_streams: usize,
}

impl std::ops::Deref for Config {
    type Target = Settings;

    fn deref(&self) -> &Settings {
        &self.settings
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricsListener {
    pub address: SocketAddr,
    /// Set by `METRICS_ADDR`: if it cannot be had, start-up stops. The default address
    /// may be taken by another server on the same host; then metrics are off, with a
    /// warning, rather than the server down.
    pub required: bool,
}

/// `METRICS_ADDR`'s default: loopback, so nothing outside the container can scrape it
/// unless it is set.
pub const DEFAULT_METRICS_ADDR: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 9100);

/// Without `DATABASE_URL` or `DB_HOST`: a SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://notes.sqlite3?mode=rwc";

/// `VARIABLE: what is wrong with it`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{var}: {reason}")]
pub struct ConfigError {
    pub var: String,
    pub reason: String,
}

fn invalid(var: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError {
        var: var.to_owned(),
        reason: reason.into(),
    }
}

impl Config {
    /// Applies the rules between settings.
    pub fn from_settings(settings: Settings) -> Result<Self, ConfigError> {
        let development = settings.environment == Environment::Development;
        let (jwt_secret, jwt_secret_generated) = match &settings.jwt.secret {
            Some(secret) => (secret.clone().into_bytes(), false),
            None if development => (random_secret(), true),
            None => {
                return Err(invalid(
                    "JWT_SECRET",
                    "is required outside development (set it, or set APP_ENV=development)",
                ));
            }
        };
        let default_host = if development {
            Ipv4Addr::LOCALHOST
        } else {
            Ipv4Addr::UNSPECIFIED
        };
        let metrics = match settings.metrics_addr {
            None => Some(MetricsListener {
                address: DEFAULT_METRICS_ADDR,
                required: false,
            }),
            Some(MetricsAddr::Off) => None,
            Some(MetricsAddr::At(address)) => Some(MetricsListener {
                address,
                required: true,
            }),
        };
        match (
            &settings.attachments.s3_access_key_id,
            &settings.attachments.s3_secret_access_key,
        ) {
            (Some(_), None) => {
                return Err(invalid(
                    "S3_SECRET_ACCESS_KEY",
                    "is required with S3_ACCESS_KEY_ID",
                ));
            }
            (None, Some(_)) => {
                return Err(invalid(
                    "S3_ACCESS_KEY_ID",
                    "is required with S3_SECRET_ACCESS_KEY",
                ));
            }
            _ => {}
        }
        oidc(&settings.oidc)?;
        let max_connections = settings.connections.max_connections;
        let max_streams = settings
            .streams
            .max_streams
            .unwrap_or((max_connections / 4).max(1));
        if settings.streams.max_streams.is_some() && max_streams > max_connections / 2 {
            return Err(invalid(
                "MAX_STREAMS",
                format!(
                    "must be at most half of MAX_CONNECTIONS ({}), so streams cannot crowd \
                     out requests",
                    settings.connections.max_connections
                ),
            ));
        }
        Ok(Self {
            address: SocketAddr::new(settings.host.unwrap_or(default_host.into()), settings.port),
            database_url: settings.database.url()?,
            jwt_secret,
            jwt_secret_generated,
            metrics,
            max_streams,
            superuser: superuser(&settings)?,
            settings,
        })
    }

    /// The origins `CORS_ALLOWED_ORIGINS` allows.
    pub fn allowed_origins(&self) -> &[HeaderValue] {
        self.cors_allowed_origins
            .as_ref()
            .map_or(&[], |origins| origins.0.as_slice())
    }

    /// Builds the config from variables looked up by name instead of the process
    /// environment, so tests need not change it.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        Self::from_settings(from_lookup(get)?)
    }
}

/// OIDC_ISSUER needs a client id and this server's address; a client id needs an issuer.
fn oidc(settings: &OidcSettings) -> Result<(), ConfigError> {
    match (&settings.oidc_issuer, &settings.oidc_client_id) {
        (Some(_), None) => Err(invalid("OIDC_CLIENT_ID", "is required with OIDC_ISSUER")),
        (None, Some(_)) => Err(invalid("OIDC_ISSUER", "is required with OIDC_CLIENT_ID")),
        (Some(_), Some(_)) if settings.public_url.is_none() => Err(invalid(
            "PUBLIC_URL",
            "is required with OIDC_ISSUER: the provider sends people back to it",
        )),
        _ if settings.oidc_name.trim().is_empty() => Err(invalid("OIDC_NAME", "is empty")),
        _ => Ok(()),
    }
}

/// `SUPERUSER_USERNAME` and `SUPERUSER_PASSWORD`: both or neither, each valid as a
/// registration would need it.
fn superuser(settings: &Settings) -> Result<Option<(Username, Password)>, ConfigError> {
    let (name, password) = match (&settings.superuser_username, &settings.superuser_password) {
        (None, None) => return Ok(None),
        (Some(_), None) => {
            return Err(invalid(
                "SUPERUSER_PASSWORD",
                "is required with SUPERUSER_USERNAME",
            ));
        }
        (None, Some(_)) => {
            return Err(invalid(
                "SUPERUSER_USERNAME",
                "is required with SUPERUSER_PASSWORD",
            ));
        }
        (Some(name), Some(password)) => (name, password),
    };
    let username = Username::parse(name).map_err(|e| invalid("SUPERUSER_USERNAME", e.join(" ")))?;
    // The value itself is never repeated: only what is wrong with it.
    let password = Password::parse(password, username.as_str())
        .map_err(|e| invalid("SUPERUSER_PASSWORD", e.join(" ")))?;
    Ok(Some((username, password)))
}

impl DatabaseSettings {
    /// `DATABASE_URL`, else a PostgreSQL URL from `DB_*`, else the embedded SQLite file.
    pub fn url(&self) -> Result<String, ConfigError> {
        if let Some(url) = &self.database_url {
            return Ok(url.clone());
        }
        let Some(host) = &self.db_host else {
            return Ok(DEFAULT_DATABASE_URL.into());
        };
        let required = |value: &Option<String>, name: &str| {
            value
                .clone()
                .ok_or_else(|| invalid(name, "is required when DB_HOST is set"))
        };
        let name = required(&self.db_name, "DB_NAME")?;
        let user = required(&self.db_user, "DB_USER")?;
        let password = self.db_pwd.clone().unwrap_or_default();
        let mut url = format!(
            "postgres://{}:{}@{host}:{}/{}",
            percent_encode(&user),
            percent_encode(&password),
            self.db_port,
            percent_encode(&name)
        );
        if let Some(mode) = self.db_sslmode {
            let mode = mode.to_possible_value().expect("no mode is skipped");
            url.push_str("?sslmode=");
            url.push_str(mode.get_name());
        }
        Ok(url)
    }

    /// Read from variables looked up by name (see [`Config::from_lookup`]).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        from_lookup(get)
    }
}

/// Loads `.env`, then trims the settings' variables, and forgets those set to nothing but
/// spaces: a platform's form may leave spaces around a value, and its empty field counts
/// as unset, not as a bad value. Call it before any
/// thread is started (it changes the process environment), and declare the command that
/// parses the settings after it (clap reads a variable when its argument is declared).
pub fn load_environment(command: &Command) {
    // A missing .env is normal; a malformed one is not worth refusing to start over.
    let _ = dotenvy::dotenv();
    for name in variables(command) {
        let Some(value) = std::env::var_os(&name) else {
            continue;
        };
        let value = value.to_string_lossy();
        let trimmed = value.trim();
        // SAFETY (both): `main` calls this before it starts the runtime, while the process
        // has one thread, so nothing reads the environment meanwhile.
        if trimmed.is_empty() {
            unsafe { std::env::remove_var(&name) };
        } else if trimmed != value {
            unsafe { std::env::set_var(&name, trimmed) };
        }
    }
}

/// Every setting's variable, in `command` and its subcommands.
fn variables(command: &Command) -> Vec<String> {
    let mut names: Vec<String> = command
        .get_arguments()
        .filter_map(|arg| arg.get_env())
        .map(|name| name.to_string_lossy().into_owned())
        .collect();
    for sub in command.get_subcommands() {
        names.extend(variables(sub));
    }
    names
}

/// What went wrong in a setting, named by its variable, for clap's errors about a value;
/// `None` for the rest (an unknown flag, `--help`), which clap reports itself.
pub fn config_error(command: &Command, error: &clap::Error) -> Option<ConfigError> {
    if !matches!(
        error.kind(),
        ErrorKind::ValueValidation | ErrorKind::InvalidValue
    ) {
        return None;
    }
    let Some(ContextValue::String(shown)) = error.get(ContextKind::InvalidArg) else {
        return None;
    };
    // An argument shows as `--port <PORT>` only once its command is built.
    let mut built = command.clone();
    built.build();
    let var = variable_of(&built, shown)?;
    let value = match error.get(ContextKind::InvalidValue) {
        Some(ContextValue::String(value)) => value.clone(),
        _ => String::new(),
    };
    let reason = match (
        std::error::Error::source(error),
        error.get(ContextKind::ValidValue),
    ) {
        (Some(source), _) => source.to_string(),
        (None, Some(ContextValue::Strings(valid))) => {
            format!("{value:?} is not one of {}", valid.join(", "))
        }
        (None, _) => format!("{value:?} is not valid"),
    };
    Some(invalid(&var, reason))
}

/// The variable of the argument clap shows as `shown` (`--port <PORT>`).
fn variable_of(command: &Command, shown: &str) -> Option<String> {
    command
        .get_arguments()
        .find(|arg| arg.to_string() == shown)
        .and_then(|arg| arg.get_env())
        .map(|name| name.to_string_lossy().into_owned())
        .or_else(|| {
            command
                .get_subcommands()
                .find_map(|sub| variable_of(sub, shown))
        })
}

/// Parses `T`'s settings from variables looked up by name: each one found becomes its
/// flag, and the process environment is not read.
fn from_lookup<T: Args + FromArgMatches>(
    get: impl Fn(&str) -> Option<String>,
) -> Result<T, ConfigError> {
    let declared = T::augment_args(Command::new("server").no_binary_name(true));
    let mut argv: Vec<OsString> = Vec::new();
    for arg in declared.get_arguments() {
        let (Some(name), Some(long)) = (arg.get_env(), arg.get_long()) else {
            continue;
        };
        if let Some(value) = get(&name.to_string_lossy()) {
            let value = value.trim();
            if !value.is_empty() {
                argv.push(format!("--{long}={value}").into());
            }
        }
    }
    // The variables' values were read when the arguments were declared; only the flags
    // count here.
    let flags_only = declared.clone().mut_args(|arg| arg.env(None));
    let matches = flags_only
        .try_get_matches_from(argv)
        .map_err(|e| config_error(&declared, &e).unwrap_or_else(|| invalid("?", e.to_string())))?;
    T::from_arg_matches(&matches).map_err(|e| invalid("?", e.to_string()))
}

// Value parsers: each message says what is wrong with the value; the variable is added
// by `config_error`. They trim what they read, for values given as flags too.

/// Longer than two tabs need to refresh at once; a longer window would let a stolen
/// token be replayed undetected.
const MAX_REUSE_GRACE: Duration = Duration::from_secs(60);
/// Ten years: beyond any sensible lifetime, and far from overflowing a timestamp.
const MAX_DURATION_SECS: u64 = 10 * 365 * 24 * 60 * 60;

fn ip_address(value: &str) -> Result<IpAddr, String> {
    value
        .trim()
        .parse()
        .map_err(|_| format!("{value:?} is not an IP address"))
}

fn port(value: &str) -> Result<u16, String> {
    value
        .trim()
        .parse()
        .map_err(|_| format!("{value:?} is not a port number (0-65535)"))
}

fn jwt_secret(value: &str) -> Result<String, String> {
    let secret = value.trim();
    if secret.len() < 32 {
        return Err("must be at least 32 characters long".into());
    }
    Ok(secret.to_owned())
}

fn encryption_key(value: &str) -> Result<EncryptionKey, String> {
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    // Either alphabet, padded or not.
    let unpadded = value.trim().trim_end_matches('=');
    let bytes = STANDARD_NO_PAD
        .decode(unpadded)
        .or_else(|_| URL_SAFE_NO_PAD.decode(unpadded))
        .map_err(|_| "is not base64 (make a key with `openssl rand -base64 32`)".to_owned())?;
    let key: [u8; 32] = bytes.try_into().map_err(|bytes: Vec<u8>| {
        format!(
            "must be 32 bytes in base64, not {} (make one with `openssl rand -base64 32`)",
            bytes.len()
        )
    })?;
    Ok(EncryptionKey(key))
}

fn registration(value: &str) -> Result<app::api::RegistrationMode, String> {
    app::api::RegistrationMode::parse(value.trim())
        .ok_or_else(|| format!("{value:?} is not one of open, invite, closed"))
}

fn algorithm(value: &str) -> Result<Algorithm, String> {
    match value.trim() {
        "HS256" => Ok(Algorithm::HS256),
        "HS384" => Ok(Algorithm::HS384),
        "HS512" => Ok(Algorithm::HS512),
        other => Err(format!("{other:?} is not one of HS256, HS384, HS512")),
    }
}

fn duration(value: &str) -> Result<Duration, String> {
    parse_duration(value).ok_or_else(|| {
        format!("{value:?} is not a duration (seconds, or a number with s, m, h or d)")
    })
}

/// `HISTORY_RETENTION`: what `notes::history::thinning` keeps of a note's history.
/// How long every revision is kept, then the last of each day until `daily`'s age; past
/// it, the last of each week. `None`: everything is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryRetention(Option<(Duration, Duration)>);

impl HistoryRetention {
    pub const OFF: Self = Self(None);

    pub fn new(all: Duration, daily: Duration) -> Self {
        Self(Some((all, daily.max(all))))
    }

    /// How long every revision is kept, and until when the last of each day; `None`
    /// keeps all.
    pub fn spans(self) -> Option<(Duration, Duration)> {
        self.0
    }

    /// `off`, or two durations: `7d,90d`.
    pub fn parse(value: &str) -> Result<Self, String> {
        let value = value.trim();
        if value.eq_ignore_ascii_case("off") {
            return Ok(Self::OFF);
        }
        let (all, daily) = value.split_once(',').ok_or_else(|| {
            "must be `off` or two durations, every version then one a day (e.g. `7d,90d`)"
                .to_owned()
        })?;
        let parse = |d: &str| {
            humantime::parse_duration(d.trim()).map_err(|e| format!("{:?}: {e}", d.trim()))
        };
        let (all, daily) = (parse(all)?, parse(daily)?);
        if daily < all {
            return Err("the daily span must not be shorter than the first".into());
        }
        Ok(Self::new(all, daily))
    }
}

fn positive_duration(value: &str) -> Result<Duration, String> {
    match duration(value)? {
        d if d.is_zero() => Err("must be longer than zero".into()),
        d => Ok(d),
    }
}

fn reuse_grace(value: &str) -> Result<Duration, String> {
    match duration(value)? {
        d if d > MAX_REUSE_GRACE => Err(format!(
            "must be at most {} seconds",
            MAX_REUSE_GRACE.as_secs()
        )),
        d => Ok(d),
    }
}

fn positive_count(value: &str) -> Result<u32, String> {
    value
        .trim()
        .parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("{value:?} is not a positive whole number"))
}

/// A whole number in `range`.
fn whole_number(
    range: RangeInclusive<usize>,
) -> impl Fn(&str) -> Result<usize, String> + Clone + Send + Sync + 'static {
    move |value| {
        value
            .trim()
            .parse()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| {
                format!(
                    "{value:?} is not a whole number from {} to {}",
                    range.start(),
                    range.end()
                )
            })
    }
}

fn database_url(value: &str) -> Result<String, String> {
    let url = value.trim();
    let known = ["sqlite:", "postgres://", "postgresql://"];
    if !known.iter().any(|p| url.starts_with(p)) {
        return Err("must start with sqlite:, postgres:// or postgresql://".into());
    }
    Ok(url.to_owned())
}

fn origins(value: &str) -> Result<Origins, String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(|origin| {
            let valid = (origin.starts_with("http://") || origin.starts_with("https://"))
                && !origin.ends_with('/');
            valid
                .then(|| HeaderValue::from_str(origin).ok())
                .flatten()
                .ok_or_else(|| {
                    format!("{origin:?} is not an origin like https://notes.example.com")
                })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Origins)
}

fn metrics_address(value: &str) -> Result<MetricsAddr, String> {
    match value.trim() {
        "off" => Ok(MetricsAddr::Off),
        other => other.parse().map(MetricsAddr::At).map_err(|_| {
            format!("{other:?} is not an address and port like 127.0.0.1:9100, nor \"off\"")
        }),
    }
}

/// RFC 3986's unreserved characters stay as they are; everything else in a user name,
/// password or database name is escaped, so `@`, `:` or `/` in `DB_PWD` cannot change
/// which server the URL names.
const URL_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn percent_encode(s: &str) -> String {
    utf8_percent_encode(s, URL_COMPONENT).to_string()
}

/// `90` (seconds), `90s`, `15m`, `12h`, `1d`, or a sum such as `1h 30m`: whole seconds, up
/// to ten years.
fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let duration = if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        // humantime wants a unit; a bare number has always meant seconds here.
        Duration::from_secs(s.parse().ok()?)
    } else {
        // humantime also reads `M` (months), `w`, `y` and `ms`: holding to the four units
        // this setting documents keeps `15M` from meaning fifteen months.
        let units_known = s
            .split(|c: char| c.is_ascii_digit() || c.is_whitespace())
            .filter(|unit| !unit.is_empty())
            .all(|unit| matches!(unit, "s" | "m" | "h" | "d"));
        if !units_known {
            return None;
        }
        humantime::parse_duration(s).ok()?
    };
    (duration.subsec_nanos() == 0 && duration.as_secs() <= MAX_DURATION_SECS).then_some(duration)
}

fn random_secret() -> Vec<u8> {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut secret = vec![0u8; 64];
    OsRng.fill_bytes(&mut secret);
    secret
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| vars.get(k).cloned())
    }

    const SECRET: (&str, &str) = ("JWT_SECRET", "0123456789abcdef0123456789abcdef");

    #[test]
    fn production_defaults_need_only_a_secret() {
        let c = config(&[SECRET]).unwrap();
        assert_eq!(c.environment, Environment::Production);
        assert_eq!(c.port, 8000);
        assert_eq!(c.address.ip(), IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        assert_eq!(c.database_url, "sqlite://notes.sqlite3?mode=rwc");
        assert_eq!(c.jwt.access_lifetime, Duration::from_secs(1800));
        assert_eq!(c.jwt.refresh_lifetime, Duration::from_secs(86400));
        assert_eq!(c.jwt.algorithm, Algorithm::HS256);
        assert_eq!(c.sqlite_synchronous, SqliteSync::Full);
        assert_eq!(
            c.metrics,
            Some(MetricsListener {
                address: DEFAULT_METRICS_ADDR,
                required: false
            })
        );
    }

    #[test]
    fn metrics_can_move_or_be_turned_off_and_commits_synced_less() {
        let c = config(&[
            SECRET,
            ("METRICS_ADDR", "0.0.0.0:9464"),
            ("SQLITE_SYNCHRONOUS", "normal"),
        ])
        .unwrap();
        assert_eq!(
            c.metrics,
            Some(MetricsListener {
                address: "0.0.0.0:9464".parse().unwrap(),
                required: true
            })
        );
        assert_eq!(c.sqlite_synchronous, SqliteSync::Normal);
        assert_eq!(
            config(&[SECRET, ("METRICS_ADDR", "off")]).unwrap().metrics,
            None
        );
    }

    #[test]
    fn an_encryption_key_is_32_bytes_in_either_base64() {
        let standard = "+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/8=";
        let url_safe = "-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_8";
        for key in [standard, url_safe] {
            let c = config(&[SECRET, ("TOTP_ENCRYPTION_KEY", key)]).unwrap();
            let key = c.totp_encryption_key.as_ref().unwrap();
            assert_eq!(key.0[..3], [0xfb, 0xff, 0xbf]);
        }
        assert!(config(&[SECRET]).unwrap().totp_encryption_key.is_none());
    }

    #[test]
    fn a_missing_secret_stops_production_but_development_makes_one() {
        assert_eq!(config(&[]).err().unwrap().var, "JWT_SECRET");
        let dev = config(&[("APP_ENV", "development")]).unwrap();
        assert!(dev.jwt_secret_generated);
        assert_eq!(dev.address.ip(), IpAddr::V4(Ipv4Addr::LOCALHOST));
    }

    #[test]
    fn each_bad_value_names_its_variable() {
        for (var, value) in [
            ("PORT", "eighty"),
            ("HOST", "localhost:1"),
            ("APP_ENV", "staging"),
            ("ACCESS_TOKEN_LIFETIME", "5 minutes"),
            ("REFRESH_TOKEN_LIFETIME", "0"),
            ("JWT_ALGORITHM", "none"),
            ("JWT_SECRET", "short"),
            ("TOTP_ENCRYPTION_KEY", "c2hvcnQ="),
            ("TOTP_ENCRYPTION_KEY", "not base64!"),
            ("TOTP_PREVIOUS_ENCRYPTION_KEY", "AAAA"),
            ("DATABASE_URL", "mysql://x"),
            ("CORS_ALLOWED_ORIGINS", "example.com"),
            ("LOG_FORMAT", "xml"),
            ("LOGIN_MAX_FAILURES", "0"),
            ("LOGIN_LOCKOUT", "0"),
            ("TRUSTED_PROXY_HOPS", "-1"),
            ("REFRESH_REUSE_GRACE", "1d"),
            ("ACCESS_TOKEN_LIFETIME", "99999999999d"),
            ("DB_SSLMODE", "sometimes"),
            ("HEADER_READ_TIMEOUT", "0"),
            ("HEADER_READ_TIMEOUT", "10 seconds"),
            ("REQUEST_BODY_TIMEOUT", "0s"),
            ("KEEP_ALIVE_TIMEOUT", "0"),
            ("KEEP_ALIVE_TIMEOUT", "500ms"),
            ("SEND_TIMEOUT", "0"),
            ("MAX_CONNECTIONS", "0"),
            ("MAX_CONNECTIONS", "many"),
            ("MAX_CONNECTIONS_PER_CLIENT", "0"),
            ("MAX_REQUESTS_IN_FLIGHT", "lots"),
            ("MAX_HEADER_BYTES", "1024"),
            ("MAX_HEADER_BYTES", "32k"),
            ("MAX_HEADER_BYTES", "1048576"),
            ("MAX_HEADERS", "0"),
            ("MAX_HEADERS", "-5"),
            ("SQLITE_SYNCHRONOUS", "off"),
            ("METRICS_ADDR", "9100"),
            ("METRICS_ADDR", "localhost:9100"),
            ("MAX_STREAMS", "0"),
            ("MAX_STREAMS", "257"),
            ("STREAM_KEEPALIVE", "0"),
            ("OIDC_ISSUER", "sso.example.com"),
            ("OIDC_ISSUER", "ftp://sso.example.com"),
            ("OIDC_SIGNUP", "sometimes"),
            ("PUBLIC_URL", "https://notes.example.com/?x=1"),
        ] {
            let mut vars = vec![SECRET, (var, value)];
            if var == "DB_SSLMODE" {
                vars.extend([("DB_HOST", "db"), ("DB_NAME", "n"), ("DB_USER", "u")]);
            }
            let err = config(&vars)
                .err()
                .unwrap_or_else(|| panic!("{var}={value} was accepted"));
            assert_eq!(err.var, var, "{err}");
        }
    }

    #[test]
    fn sign_in_through_a_provider_needs_its_client_and_this_servers_address() {
        let issuer = ("OIDC_ISSUER", "https://sso.example.com/realms/staff");
        let client = ("OIDC_CLIENT_ID", "notes");
        let public = ("PUBLIC_URL", "https://notes.example.com");
        for (vars, missing) in [
            (vec![SECRET, issuer], "OIDC_CLIENT_ID"),
            (vec![SECRET, client], "OIDC_ISSUER"),
            (vec![SECRET, issuer, client], "PUBLIC_URL"),
        ] {
            let err = config(&vars).err().expect("refused");
            assert_eq!(err.var, missing, "{err}");
        }
        let c = config(&[SECRET, issuer, client, public]).unwrap();
        assert_eq!(c.oidc.oidc_issuer.as_deref(), Some(issuer.1));
        assert_eq!(c.oidc.oidc_signup, OidcSignup::Follow);
        assert!(config(&[SECRET]).unwrap().oidc.oidc_issuer.is_none());
    }

    #[test]
    fn streams_default_to_a_quarter_of_the_connections_and_take_at_most_half() {
        let c = config(&[SECRET]).unwrap();
        assert_eq!(c.max_streams, 128);
        assert_eq!(c.streams.stream_keepalive, Duration::from_secs(25));
        let c = config(&[SECRET, ("MAX_CONNECTIONS", "2")]).unwrap();
        assert_eq!(c.max_streams, 1);
        let c = config(&[
            SECRET,
            ("MAX_CONNECTIONS", "20000"),
            ("MAX_STREAMS", "10000"),
        ])
        .unwrap();
        assert_eq!(c.max_streams, 10_000);
        let err = config(&[SECRET, ("MAX_CONNECTIONS", "100"), ("MAX_STREAMS", "51")])
            .err()
            .unwrap();
        assert_eq!(err.var, "MAX_STREAMS");
    }

    #[test]
    fn connection_limits_have_defaults_and_take_settings() {
        let c = config(&[SECRET]).unwrap();
        assert_eq!(
            c.connections,
            ConnectionLimits {
                header_read_timeout: Duration::from_secs(10),
                request_body_timeout: Duration::from_secs(30),
                keep_alive_timeout: Duration::from_secs(75),
                send_timeout: Duration::from_secs(30),
                max_connections: 512,
                max_connections_per_client: 64,
                max_requests_in_flight: 256,
                max_header_bytes: 32768,
                max_headers: 100,
            }
        );
        let c = config(&[
            SECRET,
            ("HEADER_READ_TIMEOUT", "2"),
            ("REQUEST_BODY_TIMEOUT", "1m"),
            ("KEEP_ALIVE_TIMEOUT", "5s"),
            ("SEND_TIMEOUT", "1h"),
            ("MAX_CONNECTIONS", "1"),
            ("MAX_CONNECTIONS_PER_CLIENT", "2"),
            ("MAX_REQUESTS_IN_FLIGHT", "3"),
            ("MAX_HEADER_BYTES", "4096"),
            ("MAX_HEADERS", " 1000 "),
        ])
        .unwrap();
        assert_eq!(
            c.connections,
            ConnectionLimits {
                header_read_timeout: Duration::from_secs(2),
                request_body_timeout: Duration::from_secs(60),
                keep_alive_timeout: Duration::from_secs(5),
                send_timeout: Duration::from_secs(3600),
                max_connections: 1,
                max_connections_per_client: 2,
                max_requests_in_flight: 3,
                max_header_bytes: 4096,
                max_headers: 1000,
            }
        );
    }

    #[test]
    fn the_originals_db_variables_select_postgres() {
        let c = config(&[
            SECRET,
            ("DB_HOST", "db.example.com"),
            ("DB_PORT", "6543"),
            ("DB_NAME", "notes"),
            ("DB_USER", "app"),
            ("DB_PWD", "p@ss:w/rd"),
            ("DB_SSLMODE", "require"),
        ])
        .unwrap();
        assert_eq!(
            c.database_url,
            "postgres://app:p%40ss%3Aw%2Frd@db.example.com:6543/notes?sslmode=require"
        );
        assert_eq!(
            config(&[SECRET, ("DB_HOST", "db")]).err().unwrap().var,
            "DB_NAME"
        );
    }

    #[test]
    fn durations_take_units() {
        assert_eq!(parse_duration("90"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("5s"), Some(Duration::from_secs(5)));
        assert_eq!(parse_duration("15m"), Some(Duration::from_secs(900)));
        assert_eq!(parse_duration("1d"), Some(Duration::from_secs(86400)));
        assert_eq!(parse_duration("m"), None);
        assert_eq!(parse_duration("1w"), None);
    }

    #[test]
    fn durations_add_up_and_stay_in_bounds() {
        assert_eq!(parse_duration("12h"), Some(Duration::from_secs(43200)));
        assert_eq!(parse_duration("1h 30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_duration("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_duration(" 45s "), Some(Duration::from_secs(45)));
        assert_eq!(parse_duration("0"), Some(Duration::ZERO));
        assert_eq!(
            parse_duration("3650d"),
            Some(Duration::from_secs(MAX_DURATION_SECS))
        );
        for refused in [
            "",
            "3651d",
            "99999999999999999999",
            "99999999999999999999d",
            "15M",
            "1y",
            "500ms",
            "-5s",
            "1.5h",
            "5 minutes",
            "soon",
        ] {
            assert_eq!(parse_duration(refused), None, "{refused:?}");
        }
    }

    #[test]
    fn database_names_are_escaped_in_the_url() {
        assert_eq!(percent_encode("a-b.c_d~e"), "a-b.c_d~e");
        assert_eq!(percent_encode("p w#?%ü"), "p%20w%23%3F%25%C3%BC");
    }

    #[test]
    fn the_database_url_alone_needs_no_secret() {
        let vars: HashMap<&str, &str> = [("DB_HOST", "db"), ("DB_NAME", "n"), ("DB_USER", "u")]
            .into_iter()
            .collect();
        let url = |get: &dyn Fn(&str) -> Option<String>| {
            DatabaseSettings::from_lookup(get).unwrap().url().unwrap()
        };
        assert_eq!(
            url(&|k| vars.get(k).map(|v| v.to_string())),
            "postgres://u:@db:5432/n"
        );
        assert_eq!(url(&|_| None), "sqlite://notes.sqlite3?mode=rwc");
    }

    #[test]
    fn blank_values_count_as_unset_and_values_are_trimmed() {
        let c = config(&[
            SECRET,
            ("PORT", "   "),
            ("METRICS_ADDR", ""),
            ("HOST", " 127.0.0.2 "),
        ])
        .unwrap();
        assert_eq!(c.port, 8000);
        assert_eq!(c.metrics.unwrap().address, DEFAULT_METRICS_ADDR);
        assert_eq!(c.address.ip(), "127.0.0.2".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn every_value_is_trimmed() {
        let c = config(&[
            SECRET,
            ("APP_ENV", "development "),
            ("LOG_FORMAT", " json"),
            ("DB_HOST", " db "),
            ("DB_NAME", "notes "),
            ("DB_USER", " app"),
            ("DB_PWD", " secret "),
            ("STATIC_DIR", " /srv/dist "),
        ])
        .unwrap();
        assert_eq!(c.environment, Environment::Development);
        assert_eq!(c.log_format, LogFormat::Json);
        assert_eq!(c.database_url, "postgres://app:secret@db:5432/notes");
        assert_eq!(c.static_dir, PathBuf::from("/srv/dist"));
    }

    #[test]
    fn origins_are_read_as_one_list() {
        let c = config(&[
            SECRET,
            (
                "CORS_ALLOWED_ORIGINS",
                "https://a.example, ,http://b.example:8080,",
            ),
        ])
        .unwrap();
        assert_eq!(
            c.allowed_origins(),
            ["https://a.example", "http://b.example:8080"]
        );
    }

    #[test]
    fn history_retention_reads_off_or_two_spans() {
        const DAY: Duration = Duration::from_secs(86_400);
        assert_eq!(HistoryRetention::parse("off"), Ok(HistoryRetention::OFF));
        assert_eq!(
            HistoryRetention::parse("7d,90d"),
            Ok(HistoryRetention::new(7 * DAY, 90 * DAY))
        );
        assert_eq!(
            HistoryRetention::parse(" 0s , 1h "),
            Ok(HistoryRetention::new(
                Duration::ZERO,
                Duration::from_secs(3600)
            ))
        );
        assert!(HistoryRetention::parse("7d").is_err());
        assert!(HistoryRetention::parse("90d,7d").is_err());
        assert!(HistoryRetention::parse("soon,later").is_err());
    }
}
