//! Every setting, read once from the environment (and `.env` when present) into one
//! typed struct. A bad value is an error that names its variable, so start-up can stop
//! with one clear line.

use crate::db::SqliteSync;
use axum::http::HeaderValue;
use jsonwebtoken::Algorithm;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone)]
pub struct Config {
    pub environment: Environment,
    pub host: IpAddr,
    pub port: u16,
    pub database_url: String,
    pub jwt: JwtConfig,
    pub cors_allowed_origins: Vec<HeaderValue>,
    pub static_dir: PathBuf,
    pub log_format: LogFormat,
    /// Failed sign-ins allowed per client and username before `429`.
    pub login_max_failures: u32,
    pub login_lockout: Duration,
    /// Proxies in front of the server that append to `X-Forwarded-For` (0: none, the
    /// peer address is the client's).
    pub trusted_proxy_hops: usize,
    pub connections: ConnectionLimits,
    /// When SQLite's commits reach the disk.
    pub sqlite_sync: SqliteSync,
    /// Where `GET /metrics` is served, apart from the public port; `None`: nowhere.
    pub metrics: Option<MetricsListener>,
}

/// How long a client may take and how much it may hold, so that slow or stalled clients
/// cannot keep the server's connections (see `serve`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// From accepting a connection, or from the first byte of a later request on it, until
    /// the request's head (request line and headers) is complete.
    pub header_read_timeout: Duration,
    /// From the first read of a request body until all of it has arrived.
    pub request_body_timeout: Duration,
    /// How long a kept-alive connection may wait for its next request to start.
    pub keep_alive_timeout: Duration,
    /// How long sending an answer may make no progress because the client does not read.
    pub send_timeout: Duration,
    /// Open connections at most; further ones wait to be accepted.
    pub max_connections: usize,
    /// Bytes in a request's head, request line included.
    pub max_header_bytes: usize,
    /// Header fields in a request.
    pub max_headers: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            request_body_timeout: Duration::from_secs(30),
            // Longer than the 60 s after which common proxies (nginx's upstream keep-alive,
            // AWS load balancers) drop an idle connection, so a proxy in front closes first
            // and never sends a request down a connection the server is closing.
            keep_alive_timeout: Duration::from_secs(75),
            send_timeout: Duration::from_secs(30),
            // Leaves room for the database pool and static files under the 1024 open files
            // a container commonly gets.
            max_connections: 512,
            max_header_bytes: 32 * 1024,
            // hyper's own default.
            max_headers: 100,
        }
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

#[derive(Clone)]
pub struct JwtConfig {
    pub secret: Vec<u8>,
    /// True when development made up the secret; tokens then die with the process.
    pub secret_generated: bool,
    pub algorithm: Algorithm,
    pub access_lifetime: Duration,
    pub refresh_lifetime: Duration,
    /// How long a spent refresh token may still be presented (two tabs refreshing at
    /// once) before presenting it counts as theft.
    pub reuse_grace: Duration,
}

/// `VARIABLE: what is wrong with it`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{var}: {reason}")]
pub struct ConfigError {
    pub var: &'static str,
    pub reason: String,
}

fn invalid(var: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError {
        var,
        reason: reason.into(),
    }
}

impl Config {
    /// Reads the process environment, after loading `.env` if there is one.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(process_env())
    }

    /// Builds the config from any source of variables, so tests need not touch the
    /// process environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let var = set_values(get);

        let environment = match var("APP_ENV").as_deref() {
            None | Some("production") => Environment::Production,
            Some("development") => Environment::Development,
            Some(other) => {
                return Err(invalid(
                    "APP_ENV",
                    format!("{other:?} is neither \"development\" nor \"production\""),
                ));
            }
        };
        let development = environment == Environment::Development;

        let default_host = if development {
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        } else {
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        };
        let host = match var("HOST") {
            None => default_host,
            Some(h) => h
                .parse()
                .map_err(|_| invalid("HOST", format!("{h:?} is not an IP address")))?,
        };
        let port = match var("PORT") {
            None => 8000,
            Some(p) => p
                .parse()
                .map_err(|_| invalid("PORT", format!("{p:?} is not a port number (0-65535)")))?,
        };

        let database_url = database_url(&var)?;

        let (secret, secret_generated) = match var("JWT_SECRET") {
            Some(s) if s.len() < 32 => {
                return Err(invalid("JWT_SECRET", "must be at least 32 characters long"));
            }
            Some(s) => (s.into_bytes(), false),
            None if development => (random_secret(), true),
            None => {
                return Err(invalid(
                    "JWT_SECRET",
                    "is required outside development (set it, or set APP_ENV=development)",
                ));
            }
        };
        let algorithm = match var("JWT_ALGORITHM").as_deref() {
            None | Some("HS256") => Algorithm::HS256,
            Some("HS384") => Algorithm::HS384,
            Some("HS512") => Algorithm::HS512,
            Some(other) => {
                return Err(invalid(
                    "JWT_ALGORITHM",
                    format!("{other:?} is not one of HS256, HS384, HS512"),
                ));
            }
        };
        let duration = |name: &'static str, default: Duration| match var(name) {
            None => Ok(default),
            Some(v) => parse_duration(&v).ok_or_else(|| {
                invalid(
                    name,
                    format!("{v:?} is not a duration (seconds, or a number with s, m, h or d)"),
                )
            }),
        };
        let jwt = JwtConfig {
            secret,
            secret_generated,
            algorithm,
            access_lifetime: positive(
                "ACCESS_TOKEN_LIFETIME",
                duration("ACCESS_TOKEN_LIFETIME", Duration::from_secs(30 * 60))?,
            )?,
            refresh_lifetime: positive(
                "REFRESH_TOKEN_LIFETIME",
                duration("REFRESH_TOKEN_LIFETIME", Duration::from_secs(24 * 60 * 60))?,
            )?,
            reuse_grace: at_most(
                "REFRESH_REUSE_GRACE",
                duration("REFRESH_REUSE_GRACE", Duration::from_secs(10))?,
                MAX_REUSE_GRACE,
            )?,
        };

        let cors_allowed_origins = var("CORS_ALLOWED_ORIGINS")
            .map(|list| {
                list.split(',')
                    .map(str::trim)
                    .filter(|o| !o.is_empty())
                    .map(|origin| {
                        let valid = (origin.starts_with("http://")
                            || origin.starts_with("https://"))
                            && !origin.ends_with('/');
                        valid
                            .then(|| HeaderValue::from_str(origin).ok())
                            .flatten()
                            .ok_or_else(|| {
                                invalid(
                                    "CORS_ALLOWED_ORIGINS",
                                    format!(
                                        "{origin:?} is not an origin like https://notes.example.com"
                                    ),
                                )
                            })
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?
            .unwrap_or_default();

        let log_format = match var("LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(invalid(
                    "LOG_FORMAT",
                    format!("{other:?} is neither \"text\" nor \"json\""),
                ));
            }
        };

        let login_max_failures = match var("LOGIN_MAX_FAILURES") {
            None => 10,
            Some(n) => n.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                invalid(
                    "LOGIN_MAX_FAILURES",
                    format!("{n:?} is not a positive whole number"),
                )
            })?,
        };

        let trusted_proxy_hops = count(&var, "TRUSTED_PROXY_HOPS", 0, 0..=10)?;

        let connections = connection_limits(&var, &duration)?;
        let sqlite_sync = match var("SQLITE_SYNCHRONOUS").as_deref() {
            None | Some("full") => SqliteSync::Full,
            Some("normal") => SqliteSync::Normal,
            Some(other) => {
                return Err(invalid(
                    "SQLITE_SYNCHRONOUS",
                    format!("{other:?} is neither \"full\" nor \"normal\""),
                ));
            }
        };

        let metrics = match var("METRICS_ADDR").as_deref() {
            None => Some(MetricsListener {
                address: DEFAULT_METRICS_ADDR,
                required: false,
            }),
            Some("off") => None,
            Some(other) => Some(MetricsListener {
                address: other.parse().map_err(|_| {
                    invalid(
                        "METRICS_ADDR",
                        format!(
                            "{other:?} is not an address and port like 127.0.0.1:9100, nor \"off\""
                        ),
                    )
                })?,
                required: true,
            }),
        };

        Ok(Self {
            environment,
            host,
            port,
            database_url,
            jwt,
            cors_allowed_origins,
            static_dir: var("STATIC_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| "dist".into()),
            log_format,
            login_max_failures,
            trusted_proxy_hops,
            connections,
            sqlite_sync,
            metrics,
            login_lockout: positive(
                "LOGIN_LOCKOUT",
                duration("LOGIN_LOCKOUT", Duration::from_secs(15 * 60))?,
            )?,
        })
    }
}

/// `HEADER_READ_TIMEOUT`, `REQUEST_BODY_TIMEOUT`, `KEEP_ALIVE_TIMEOUT`, `SEND_TIMEOUT`,
/// `MAX_CONNECTIONS`, `MAX_HEADER_BYTES` and `MAX_HEADERS`.
fn connection_limits(
    var: &impl Fn(&str) -> Option<String>,
    duration: &impl Fn(&'static str, Duration) -> Result<Duration, ConfigError>,
) -> Result<ConnectionLimits, ConfigError> {
    let defaults = ConnectionLimits::default();
    let timeout = |name: &'static str, default: Duration| positive(name, duration(name, default)?);
    let count = |name, default, range| count(var, name, default, range);
    Ok(ConnectionLimits {
        header_read_timeout: timeout("HEADER_READ_TIMEOUT", defaults.header_read_timeout)?,
        request_body_timeout: timeout("REQUEST_BODY_TIMEOUT", defaults.request_body_timeout)?,
        keep_alive_timeout: timeout("KEEP_ALIVE_TIMEOUT", defaults.keep_alive_timeout)?,
        send_timeout: timeout("SEND_TIMEOUT", defaults.send_timeout)?,
        max_connections: count("MAX_CONNECTIONS", defaults.max_connections, 1..=100_000)?,
        // Below 4 KiB a browser's ordinary request could be refused; above 256 KiB hyper's
        // read buffer (about 400 KiB) would come close to being the limit instead.
        max_header_bytes: count(
            "MAX_HEADER_BYTES",
            defaults.max_header_bytes,
            4096..=262_144,
        )?,
        max_headers: count("MAX_HEADERS", defaults.max_headers, 1..=1000)?,
    })
}

/// `name`, a whole number in `range`, or `default` when it is not set.
fn count(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: usize,
    range: std::ops::RangeInclusive<usize>,
) -> Result<usize, ConfigError> {
    match var(name) {
        None => Ok(default),
        Some(n) => n.parse().ok().filter(|n| range.contains(n)).ok_or_else(|| {
            invalid(
                name,
                format!(
                    "{n:?} is not a whole number from {} to {}",
                    range.start(),
                    range.end()
                ),
            )
        }),
    }
}

/// The process environment, after loading `.env` if there is one.
fn process_env() -> impl Fn(&str) -> Option<String> {
    // A missing .env is normal; a malformed one is not worth refusing to start over.
    let _ = dotenvy::dotenv();
    |name| std::env::var(name).ok()
}

/// The variables `get` finds, trimmed; one set to nothing but spaces counts as unset.
fn set_values(get: impl Fn(&str) -> Option<String>) -> impl Fn(&str) -> Option<String> {
    move |name| {
        get(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }
}

/// Only the database setting (`DATABASE_URL` or `DB_*`), for a command that needs
/// nothing else: `import-django` signs no tokens, so it asks for no `JWT_SECRET`.
pub fn database_url_from_env() -> Result<String, ConfigError> {
    database_url_from_lookup(process_env())
}

pub fn database_url_from_lookup(
    get: impl Fn(&str) -> Option<String>,
) -> Result<String, ConfigError> {
    database_url(&set_values(get))
}

/// Longer than two tabs need to refresh at once; a longer window would let a stolen
/// token be replayed undetected.
const MAX_REUSE_GRACE: Duration = Duration::from_secs(60);
/// Ten years: beyond any sensible lifetime, and far from overflowing a timestamp.
const MAX_DURATION_SECS: u64 = 10 * 365 * 24 * 60 * 60;

fn at_most(var: &'static str, d: Duration, max: Duration) -> Result<Duration, ConfigError> {
    if d > max {
        Err(invalid(
            var,
            format!("must be at most {} seconds", max.as_secs()),
        ))
    } else {
        Ok(d)
    }
}

fn positive(var: &'static str, d: Duration) -> Result<Duration, ConfigError> {
    if d.is_zero() {
        Err(invalid(var, "must be longer than zero"))
    } else {
        Ok(d)
    }
}

/// `DATABASE_URL`, else the original's `DB_HOST`/`DB_PORT`/`DB_NAME`/`DB_USER`/`DB_PWD`
/// (PostgreSQL, with `DB_SSLMODE`), else an embedded SQLite file in the working directory.
fn database_url(var: &impl Fn(&str) -> Option<String>) -> Result<String, ConfigError> {
    if let Some(url) = var("DATABASE_URL") {
        let known = ["sqlite:", "postgres://", "postgresql://"];
        if !known.iter().any(|p| url.starts_with(p)) {
            return Err(invalid(
                "DATABASE_URL",
                "must start with sqlite:, postgres:// or postgresql://",
            ));
        }
        return Ok(url);
    }
    let Some(host) = var("DB_HOST") else {
        return Ok("sqlite://notes.sqlite3?mode=rwc".into());
    };
    let required = |name: &'static str| {
        var(name).ok_or_else(|| invalid(name, "is required when DB_HOST is set"))
    };
    let name = required("DB_NAME")?;
    let user = required("DB_USER")?;
    let password = var("DB_PWD").unwrap_or_default();
    let port: u16 = match var("DB_PORT") {
        None => 5432,
        Some(p) => p
            .parse()
            .map_err(|_| invalid("DB_PORT", format!("{p:?} is not a port number")))?,
    };
    let mut url = format!(
        "postgres://{}:{}@{}:{port}/{}",
        percent_encode(&user),
        percent_encode(&password),
        host,
        percent_encode(&name)
    );
    if let Some(mode) = var("DB_SSLMODE") {
        const MODES: [&str; 6] = [
            "disable",
            "allow",
            "prefer",
            "require",
            "verify-ca",
            "verify-full",
        ];
        if !MODES.contains(&mode.as_str()) {
            return Err(invalid(
                "DB_SSLMODE",
                format!("{mode:?} is not one of {}", MODES.join(", ")),
            ));
        }
        url.push_str("?sslmode=");
        url.push_str(&mode);
    }
    Ok(url)
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
        assert_eq!(c.host, IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        assert_eq!(c.database_url, "sqlite://notes.sqlite3?mode=rwc");
        assert_eq!(c.jwt.access_lifetime, Duration::from_secs(1800));
        assert_eq!(c.jwt.refresh_lifetime, Duration::from_secs(86400));
        assert_eq!(c.jwt.algorithm, Algorithm::HS256);
        assert_eq!(c.sqlite_sync, SqliteSync::Full);
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
        assert_eq!(c.sqlite_sync, SqliteSync::Normal);
        assert_eq!(
            config(&[SECRET, ("METRICS_ADDR", "off")]).unwrap().metrics,
            None
        );
    }

    #[test]
    fn a_missing_secret_stops_production_but_development_makes_one() {
        assert_eq!(config(&[]).err().unwrap().var, "JWT_SECRET");
        let dev = config(&[("APP_ENV", "development")]).unwrap();
        assert!(dev.jwt.secret_generated);
        assert_eq!(dev.host, IpAddr::V4(Ipv4Addr::LOCALHOST));
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
            ("MAX_HEADER_BYTES", "1024"),
            ("MAX_HEADER_BYTES", "32k"),
            ("MAX_HEADER_BYTES", "1048576"),
            ("MAX_HEADERS", "0"),
            ("MAX_HEADERS", "-5"),
            ("SQLITE_SYNCHRONOUS", "off"),
            ("METRICS_ADDR", "9100"),
            ("METRICS_ADDR", "localhost:9100"),
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
        assert_eq!(
            database_url_from_lookup(|k| vars.get(k).map(|v| v.to_string())).unwrap(),
            "postgres://u:@db:5432/n"
        );
        assert_eq!(
            database_url_from_lookup(|_| None).unwrap(),
            "sqlite://notes.sqlite3?mode=rwc"
        );
    }
}
