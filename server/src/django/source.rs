//! The Django original's database, opened so nothing changes it: where SOURCE points,
//! whether it holds the original's tables, and its users and notes.

use super::error::ImportError;
use crate::storage::db;
use chrono::{DateTime, NaiveDateTime, Utc};
use sea_orm::{
    AccessMode, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    IsolationLevel, QueryResult, Statement, TransactionTrait,
};
use std::path::PathBuf;

/// The columns the import reads: Django's `auth_user` and the original's `api_note`.
pub const USER_COLUMNS: [&str; 8] = [
    "id",
    "username",
    "password",
    "is_active",
    "is_superuser",
    "is_staff",
    "date_joined",
    "last_login",
];
pub const NOTE_COLUMNS: [&str; 5] = ["id", "title", "content", "created_at", "author_id"];

/// Rows read per query: keyset pages, so memory per query stays small and progress moves.
const PAGE: u64 = 1000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DjangoUser {
    pub id: i64,
    pub username: String,
    pub password: String,
    pub is_active: bool,
    /// `is_superuser` or `is_staff`: whoever could use the original's `/admin/` is an
    /// operator here.
    pub is_admin: bool,
    pub date_joined: DateTime<Utc>,
    pub last_login: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DjangoNote {
    pub id: i64,
    pub title: String,
    pub content: String,
    pub created_at: DateTime<Utc>,
    pub author_id: i64,
}

enum Location {
    Sqlite(PathBuf),
    Postgres(String),
}

/// SOURCE for people to read: a PostgreSQL URL without its password.
pub fn describe(source: &str) -> String {
    match url::Url::parse(source) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("****"));
            url.to_string()
        }
        _ => source.to_owned(),
    }
}

fn locate(source: &str) -> Result<Location, ImportError> {
    let source = source.trim();
    if source.starts_with("postgres://") || source.starts_with("postgresql://") {
        return Ok(Location::Postgres(source.to_owned()));
    }
    let names_no_file = || ImportError::BadSource(format!("{source:?} names no SQLite file"));
    let path = if source.starts_with("sqlite:") {
        // Read as the target's URL is read, so the two can be compared; the source is
        // opened read-only whatever options the URL holds.
        db::sqlite_file(source).ok_or_else(names_no_file)?
    } else if source.contains("://") {
        return Err(ImportError::BadSource(format!(
            "{:?} is neither a SQLite file (a path or sqlite://) nor a postgres:// URL",
            describe(source)
        )));
    } else if source.is_empty() || source == ":memory:" {
        return Err(names_no_file());
    } else {
        PathBuf::from(source)
    };
    if !path.is_file() {
        return Err(ImportError::BadSource(format!(
            "{}: no such file",
            path.display()
        )));
    }
    Ok(Location::Sqlite(path))
}

pub struct Source {
    conn: DatabaseConnection,
    sqlite_path: Option<PathBuf>,
}

impl Source {
    /// Opens SOURCE read-only and checks that it is the original's database.
    pub async fn open(source: &str) -> Result<Self, ImportError> {
        let location = locate(source)?;
        let sqlite_path = match &location {
            Location::Sqlite(path) => Some(path.clone()),
            Location::Postgres(_) => None,
        };
        let conn = match location {
            Location::Sqlite(path) => db::open_sqlite_read_only(&path)
                .await
                .map_err(|e| ImportError::SourceUnreachable(format!("{}: {e}", path.display())))?,
            Location::Postgres(url) => {
                let mut options = db::options(&url);
                options.max_connections(1).min_connections(1);
                Database::connect(options)
                    .await
                    .map_err(|e| ImportError::SourceUnreachable(e.to_string()))?
            }
        };
        let source = Self { conn, sqlite_path };
        source.check_schema().await?;
        Ok(source)
    }

    async fn check_schema(&self) -> Result<(), ImportError> {
        for (table, wanted) in [
            ("auth_user", &USER_COLUMNS[..]),
            ("api_note", &NOTE_COLUMNS[..]),
        ] {
            let present = columns(&self.conn, table)
                .await
                .map_err(|e| ImportError::NotDjango(format!("cannot read its tables ({e})")))?;
            if present.is_empty() {
                return Err(ImportError::NotDjango(format!("it has no {table} table")));
            }
            if let Some(missing) = wanted.iter().find(|c| !present.iter().any(|p| p == *c)) {
                return Err(ImportError::NotDjango(format!(
                    "its {table} table has no {missing} column"
                )));
            }
        }
        Ok(())
    }

    /// The file, when the source is a SQLite database.
    pub fn sqlite_path(&self) -> Option<&std::path::Path> {
        self.sqlite_path.as_deref()
    }

    /// One consistent snapshot of the source for every read that follows.
    pub async fn snapshot(&self) -> Result<Snapshot, ImportError> {
        let backend = self.conn.get_database_backend();
        let txn = if backend == DbBackend::Postgres {
            let txn = self
                .conn
                .begin_with_config(
                    Some(IsolationLevel::RepeatableRead),
                    Some(AccessMode::ReadOnly),
                )
                .await
                .map_err(source_error)?;
            // A `timestamp` column (Django with USE_TZ = False) is then read as UTC,
            // and a `timestamptz` one comes back in UTC either way.
            txn.execute_unprepared("SET LOCAL TIME ZONE 'UTC'")
                .await
                .map_err(source_error)?;
            txn
        } else {
            self.conn.begin().await.map_err(source_error)?
        };
        Ok(Snapshot { txn, backend })
    }

    pub async fn close(self) {
        let _ = self.conn.close().await;
    }
}

pub struct Snapshot {
    txn: DatabaseTransaction,
    backend: DbBackend,
}

impl Snapshot {
    pub async fn count(&self, table: &str) -> Result<u64, ImportError> {
        let row = self
            .txn
            .query_one_raw(Statement::from_string(
                self.backend,
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .map_err(source_error)?;
        let n: i64 = row
            .map(|r| r.try_get("", "n"))
            .transpose()
            .map_err(source_error)?
            .unwrap_or(0);
        Ok(n.max(0) as u64)
    }

    async fn page(
        &self,
        select: &str,
        table: &str,
        after: i64,
    ) -> Result<Vec<QueryResult>, ImportError> {
        let placeholder = |n: usize| match self.backend {
            DbBackend::Postgres => format!("${n}"),
            _ => "?".to_owned(),
        };
        let sql = format!(
            "SELECT {select} FROM {table} WHERE id > {} ORDER BY id LIMIT {}",
            placeholder(1),
            placeholder(2)
        );
        self.txn
            .query_all_raw(Statement::from_sql_and_values(
                self.backend,
                sql,
                [after.into(), (PAGE as i64).into()],
            ))
            .await
            .map_err(source_error)
    }

    /// Every user, in id order, a page at a time; `progress` hears how many each page held.
    pub async fn users(&self, progress: impl FnMut(u64)) -> Result<Vec<DjangoUser>, ImportError> {
        let select = match self.backend {
            DbBackend::Postgres => {
                "id::bigint AS id, username, password, is_active, \
                 (is_superuser OR is_staff) AS is_admin, \
                 date_joined::timestamptz AS date_joined, last_login::timestamptz AS last_login"
            }
            _ => {
                "id, username, password, is_active, (is_superuser OR is_staff) AS is_admin, \
                 CAST(date_joined AS TEXT) AS date_joined, CAST(last_login AS TEXT) AS last_login"
            }
        };
        self.every_row(select, "auth_user", Self::user, |user| user.id, progress)
            .await
    }

    /// Every note, in id order, a page at a time.
    pub async fn notes(&self, progress: impl FnMut(u64)) -> Result<Vec<DjangoNote>, ImportError> {
        let select = match self.backend {
            DbBackend::Postgres => {
                "id::bigint AS id, title, content, created_at::timestamptz AS created_at, \
                 author_id::bigint AS author_id"
            }
            _ => "id, title, content, CAST(created_at AS TEXT) AS created_at, author_id",
        };
        self.every_row(select, "api_note", Self::note, |note| note.id, progress)
            .await
    }

    /// Every row of `table`, in id order, a page at a time, each read by `read`;
    /// `progress` hears how many each page held.
    async fn every_row<T>(
        &self,
        select: &str,
        table: &str,
        read: impl Fn(&Self, &QueryResult) -> Result<T, String>,
        id: impl Fn(&T) -> i64,
        mut progress: impl FnMut(u64),
    ) -> Result<Vec<T>, ImportError> {
        let mut all = Vec::new();
        let mut after = i64::MIN;
        loop {
            let rows = self.page(select, table, after).await?;
            for row in &rows {
                let item = read(self, row).map_err(|e| {
                    ImportError::Source(format!("{table} row after id {after}: {e}"))
                })?;
                after = id(&item);
                all.push(item);
            }
            progress(rows.len() as u64);
            if (rows.len() as u64) < PAGE {
                return Ok(all);
            }
        }
    }

    fn user(&self, row: &QueryResult) -> Result<DjangoUser, String> {
        let id: i64 = get(row, "id")?;
        let at = |e: String| format!("user {id}: {e}");
        Ok(DjangoUser {
            id,
            username: get(row, "username").map_err(at)?,
            password: get(row, "password").map_err(at)?,
            is_active: get(row, "is_active").map_err(at)?,
            is_admin: get(row, "is_admin").map_err(at)?,
            date_joined: self
                .time(row, "date_joined")
                .map_err(at)?
                .ok_or_else(|| at("date_joined is empty".into()))?,
            last_login: self.time(row, "last_login").map_err(at)?,
        })
    }

    fn note(&self, row: &QueryResult) -> Result<DjangoNote, String> {
        let id: i64 = get(row, "id")?;
        let at = |e: String| format!("note {id}: {e}");
        Ok(DjangoNote {
            id,
            title: get(row, "title").map_err(at)?,
            content: get(row, "content").map_err(at)?,
            created_at: self
                .time(row, "created_at")
                .map_err(at)?
                .ok_or_else(|| at("created_at is empty".into()))?,
            author_id: get(row, "author_id").map_err(at)?,
        })
    }

    fn time(&self, row: &QueryResult, column: &str) -> Result<Option<DateTime<Utc>>, String> {
        match self.backend {
            DbBackend::Postgres => get(row, column),
            _ => get::<Option<String>>(row, column)?
                .map(|text| {
                    parse_sqlite_time(&text)
                        .ok_or_else(|| format!("{column} {text:?} is not a date and time"))
                })
                .transpose(),
        }
    }

    pub async fn finish(self) {
        let _ = self.txn.rollback().await;
    }
}

fn get<T: sea_orm::TryGetable>(row: &QueryResult, column: &str) -> Result<T, String> {
    row.try_get("", column)
        .map_err(|e| format!("{column}: {e}"))
}

/// Django on SQLite stores `datetime` columns as text: `2024-05-01 09:30:00.123456`, in
/// UTC when `USE_TZ` is on (the default since Django 5.0, and in `startproject`'s
/// settings before that). An offset, when present, is honoured.
pub fn parse_sqlite_time(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(&text.replacen(' ', "T", 1)) {
        return Some(t.with_timezone(&Utc));
    }
    [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d",
    ]
    .iter()
    .find_map(|format| {
        NaiveDateTime::parse_from_str(text, format)
            .ok()
            .or_else(|| {
                chrono::NaiveDate::parse_from_str(text, format)
                    .ok()
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
            })
    })
    .map(|t| t.and_utc())
}

fn source_error(e: sea_orm::DbErr) -> ImportError {
    ImportError::Source(e.to_string())
}

/// A table's column names; none when the table does not exist.
pub async fn columns(
    conn: &impl ConnectionTrait,
    table: &str,
) -> Result<Vec<String>, sea_orm::DbErr> {
    let backend = conn.get_database_backend();
    let statement = match backend {
        DbBackend::Postgres => Statement::from_sql_and_values(
            backend,
            "SELECT column_name::text AS name FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1",
            [table.into()],
        ),
        _ => Statement::from_sql_and_values(
            backend,
            "SELECT name FROM pragma_table_info(?)",
            [table.into()],
        ),
    };
    conn.query_all_raw(statement)
        .await?
        .iter()
        .map(|row| row.try_get::<String>("", "name"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_times_are_read_as_django_writes_them() {
        let t = |s| parse_sqlite_time(s).map(|t| t.to_rfc3339());
        assert_eq!(
            t("2024-05-01 09:30:00.123456"),
            Some("2024-05-01T09:30:00.123456+00:00".into())
        );
        assert_eq!(
            t("2024-05-01 09:30:00"),
            Some("2024-05-01T09:30:00+00:00".into())
        );
        assert_eq!(
            t("2024-05-01 11:30:00+02:00"),
            Some("2024-05-01T09:30:00+00:00".into())
        );
        assert_eq!(t("2024-05-01"), Some("2024-05-01T00:00:00+00:00".into()));
        assert_eq!(t("yesterday"), None);
    }

    #[test]
    fn a_source_is_a_sqlite_file_or_a_postgres_url() {
        assert!(matches!(
            locate("postgres://u:p@h/db"),
            Ok(Location::Postgres(_))
        ));
        for bad in [
            "mysql://u@h/db",
            "sqlite::memory:",
            "",
            "/no/such/db.sqlite3",
        ] {
            assert!(
                matches!(locate(bad), Err(ImportError::BadSource(_))),
                "{bad:?}"
            );
        }
        // A sqlite: URL names its file as the target's DATABASE_URL would, options and
        // escapes read the same way, so the two can be compared.
        let dir = std::env::temp_dir().join(format!("locate-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("my notes.sqlite3");
        std::fs::write(&file, b"").unwrap();
        let escaped = format!("{}/my%20notes.sqlite3", dir.display());
        for url in [
            format!("sqlite://{escaped}?mode=ro"),
            format!("sqlite:{escaped}"),
            file.display().to_string(),
        ] {
            assert!(
                matches!(locate(&url), Ok(Location::Sqlite(path)) if path == file),
                "{url}"
            );
        }
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(
            describe("postgres://app:s3cret@db.example.com:5432/notes"),
            "postgres://app:****@db.example.com:5432/notes"
        );
    }
}
