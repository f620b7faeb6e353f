//! `server import-django`: the original's users and notes copied into this server's
//! database, keeping their ids, in one transaction. What is already there is skipped, so
//! running it again adds nothing; what collides with other data is a conflict, and
//! conflicts stop the import before anything is written unless they are to be skipped.

pub use super::error::ImportError;
use super::progress::Progress;
use super::source::{DjangoNote, DjangoUser, Source, describe};
use crate::accounts::django_hashes::DjangoHash;
use crate::storage::db;
use crate::storage::entities::note::{self, Entity as Note};
use crate::storage::entities::user::{self, Entity as User};
use app::validation::{NoteContent, NoteTitle, Username};
use migrations::m20261203_000014_tags_and_pins::tag_rows;
use migrations::{Migrator, MigratorTrait};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    EntityTrait, QuerySelect, SqliteTransactionMode, Statement, TransactionOptions,
    TransactionTrait,
};
use std::collections::HashMap;
use std::fmt;
use std::time::{Duration, Instant};

/// Rows per `INSERT`: well under SQLite's limit on bound values.
const BATCH: usize = 500;

#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub dry_run: bool,
    pub skip_conflicts: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub imported: u64,
    /// Already in the target: an earlier run brought them.
    pub present: u64,
    /// Left out: in conflict, or belonging to a user in conflict.
    pub conflicting: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Imported,
    /// `--dry-run`: nothing was written.
    DryRun,
    /// Conflicts and no `--skip-conflicts`: nothing was written.
    StoppedByConflicts,
}

#[derive(Debug, Clone)]
pub struct Summary {
    pub source: String,
    pub target: String,
    pub outcome: Outcome,
    /// Migrations applied to the target first (pending ones, in a dry run).
    pub migrations: usize,
    pub users: Tally,
    pub notes: Tally,
    pub conflicts: Vec<String>,
    /// Rows kept as they stand although this server's rules would refuse them, and
    /// passwords that cannot sign in.
    pub notices: Vec<String>,
    pub elapsed: Duration,
}

impl Summary {
    pub fn stopped(&self) -> bool {
        self.outcome == Outcome::StoppedByConflicts
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for notice in &self.notices {
            writeln!(f, "report: {notice}")?;
        }
        for conflict in &self.conflicts {
            writeln!(f, "conflict: {conflict}")?;
        }
        let verb = match self.outcome {
            Outcome::Imported => "imported",
            Outcome::DryRun | Outcome::StoppedByConflicts => "would import",
        };
        writeln!(f, "source:     {}", self.source)?;
        writeln!(f, "target:     {}", self.target)?;
        if self.migrations > 0 {
            let state = match self.outcome {
                Outcome::DryRun => "pending",
                _ => "applied",
            };
            writeln!(
                f,
                "migrations: {} {state} to the target first",
                self.migrations
            )?;
        }
        for (what, tally) in [("users", self.users), ("notes", self.notes)] {
            writeln!(
                f,
                "{:<12}{verb} {}, skipped {} (already there), {} in conflict",
                format!("{what}:"),
                tally.imported,
                tally.present,
                tally.conflicting
            )?;
        }
        writeln!(
            f,
            "reported:   {} (imported as they stand)",
            self.notices.len()
        )?;
        writeln!(f, "time:       {:.2} s", self.elapsed.as_secs_f64())?;
        match self.outcome {
            Outcome::Imported => writeln!(f, "done."),
            Outcome::DryRun => writeln!(f, "dry run: nothing was written."),
            Outcome::StoppedByConflicts => writeln!(
                f,
                "stopped: {} in conflict, nothing was written \
                 (--skip-conflicts imports everything else).",
                match self.conflicts.len() {
                    1 => "1 row".to_owned(),
                    n => format!("{n} rows"),
                }
            ),
        }
    }
}

/// Copies SOURCE's users and notes into the database at `target_url`.
pub async fn run(
    source: &str,
    target_url: &str,
    options: Options,
    progress: &Progress,
) -> Result<Summary, ImportError> {
    let started = Instant::now();
    let origin = Source::open(source).await?;
    // Migrating the target would otherwise write this server's tables into the original.
    let same_file = |a: &std::path::Path, b: &std::path::Path| matches!((a.canonicalize(), b.canonicalize()), (Ok(a), Ok(b)) if a == b);
    if let (Some(from), Some(to)) = (origin.sqlite_path(), db::sqlite_file(target_url))
        && same_file(from, &to)
    {
        return Err(ImportError::BadSource(format!(
            "{} is also the target (DATABASE_URL): import into another database",
            from.display()
        )));
    }
    let target = Target::open(target_url, options.dry_run).await?;

    let snapshot = origin.snapshot().await?;
    let (user_count, note_count) = (
        snapshot.count("auth_user").await?,
        snapshot.count("api_note").await?,
    );
    let mut reading = progress.phase("reading", user_count + note_count);
    let users = snapshot.users(|n| reading.advance(n)).await?;
    let notes = snapshot.notes(|n| reading.advance(n)).await?;
    reading.finish();
    snapshot.finish().await;
    origin.close().await;

    let txn = target.begin().await?;
    let existing = match &txn {
        Some(txn) => Existing::load(txn).await.map_err(ImportError::Target)?,
        None => Existing::default(),
    };
    let mut plan = Plan::make(&users, &notes, &existing);
    let outcome = if !plan.conflicts.is_empty() && !options.skip_conflicts {
        Outcome::StoppedByConflicts
    } else if options.dry_run {
        Outcome::DryRun
    } else {
        Outcome::Imported
    };
    let mut summary = Summary {
        source: describe(source),
        target: describe(target_url),
        outcome,
        migrations: target.migrations,
        users: plan.users,
        notes: plan.notes,
        conflicts: std::mem::take(&mut plan.conflicts),
        notices: std::mem::take(&mut plan.notices),
        elapsed: Duration::ZERO,
    };

    match (txn, summary.outcome) {
        (Some(txn), Outcome::Imported) => {
            let mut writing = progress.phase(
                "writing",
                (plan.new_users.len() + plan.new_notes.len()) as u64,
            );
            write(&txn, &plan, &mut writing)
                .await
                .map_err(ImportError::Target)?;
            txn.commit().await.map_err(ImportError::Target)?;
            writing.finish();
        }
        (Some(txn), _) => {
            let _ = txn.rollback().await;
        }
        (None, _) => {}
    }
    if let Some(db) = target.db {
        let _ = db.close().await;
    }
    summary.elapsed = started.elapsed();
    Ok(summary)
}

/// This server's database: migrated and writable for an import, read-only for a dry run
/// (which may find no database at all yet).
struct Target {
    db: Option<DatabaseConnection>,
    migrations: usize,
    dry_run: bool,
}

impl Target {
    async fn open(url: &str, dry_run: bool) -> Result<Self, ImportError> {
        let unreachable = |e: DbErr| ImportError::TargetUnreachable(e.to_string());
        if !dry_run {
            let db = db::connect(url).await.map_err(unreachable)?;
            let migrations = Migrator::get_pending_migrations(&db)
                .await
                .map_err(ImportError::Migrate)?
                .len();
            db::migrate(&db).await.map_err(ImportError::Migrate)?;
            return Ok(Self {
                db: Some(db),
                migrations,
                dry_run,
            });
        }
        let db = match db::sqlite_file(url) {
            Some(path) if !path.exists() => None,
            Some(path) => Some(
                db::open_sqlite_read_only(&path)
                    .await
                    .map_err(unreachable)?,
            ),
            None => Some(db::connect(url).await.map_err(unreachable)?),
        };
        let migrations = match &db {
            Some(db) => Migrator::get_pending_migrations_read_only(db)
                .await
                .map_err(ImportError::Migrate)?
                .len(),
            None => Migrator::migrations().len(),
        };
        Ok(Self {
            db,
            migrations,
            dry_run,
        })
    }

    /// The transaction everything is read and written in; none when there is no
    /// database yet (a dry run against a file not created yet).
    async fn begin(&self) -> Result<Option<DatabaseTransaction>, ImportError> {
        let Some(db) = &self.db else {
            return Ok(None);
        };
        let options = match (db.get_database_backend(), self.dry_run) {
            // Taking SQLite's write lock at the start, not at the first insert, means a
            // server writing meanwhile waits for the import instead of failing it.
            (DbBackend::Sqlite, false) => TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            },
            (DbBackend::Postgres, true) => TransactionOptions {
                access_mode: Some(AccessMode::ReadOnly),
                ..Default::default()
            },
            _ => TransactionOptions::default(),
        };
        db.begin_with_options(options)
            .await
            .map(Some)
            .map_err(ImportError::Target)
    }
}

/// What the target already holds, as far as the import can collide with it.
#[derive(Default)]
struct Existing {
    username_by_id: HashMap<i64, String>,
    id_by_username: HashMap<String, i64>,
    author_by_note: HashMap<i64, i64>,
}

impl Existing {
    async fn load(txn: &DatabaseTransaction) -> Result<Self, DbErr> {
        // A dry run against a database the migrations have not reached yet.
        if super::source::columns(txn, "users").await?.is_empty() {
            return Ok(Self::default());
        }
        let users: Vec<(i64, String)> = User::find()
            .select_only()
            .columns([user::Column::Id, user::Column::Username])
            .into_tuple()
            .all(txn)
            .await?;
        let notes: Vec<(i64, i64)> = Note::find()
            .select_only()
            .columns([note::Column::Id, note::Column::AuthorId])
            .into_tuple()
            .all(txn)
            .await?;
        Ok(Self {
            id_by_username: users.iter().map(|(id, name)| (name.clone(), *id)).collect(),
            username_by_id: users.into_iter().collect(),
            author_by_note: notes.into_iter().collect(),
        })
    }
}

/// Every source row sorted into imported, already there or in conflict, before anything
/// is written.
#[derive(Default)]
struct Plan {
    new_users: Vec<user::ActiveModel>,
    new_notes: Vec<note::ActiveModel>,
    users: Tally,
    notes: Tally,
    conflicts: Vec<String>,
    notices: Vec<String>,
}

impl Plan {
    fn make(users: &[DjangoUser], notes: &[DjangoNote], existing: &Existing) -> Self {
        let mut plan = Self::default();
        let mut notes_by_author: HashMap<i64, u64> = HashMap::new();
        for n in notes {
            *notes_by_author.entry(n.author_id).or_default() += 1;
        }
        // Users whose notes may come along: imported now, or by an earlier run.
        let mut importable = std::collections::HashSet::new();
        for u in users {
            let taken_id = existing.username_by_id.get(&u.id);
            let taken_name = existing.id_by_username.get(&u.username);
            let conflict = match (taken_id, taken_name) {
                (Some(name), _) if *name == u.username => {
                    plan.users.present += 1;
                    importable.insert(u.id);
                    continue;
                }
                (Some(name), _) => Some(format!("its id belongs to the target's user {name:?}")),
                (None, Some(other)) => Some(format!("the target's user {other} has this username")),
                (None, None) => None,
            };
            if let Some(why) = conflict {
                let notes = notes_by_author.get(&u.id).copied().unwrap_or(0);
                plan.conflicts.push(format!(
                    "user {} {:?}: {why}; it and its {notes} notes are left out",
                    u.id, u.username
                ));
                plan.users.conflicting += 1;
                continue;
            }
            plan.notices.extend(user_notices(u));
            plan.users.imported += 1;
            importable.insert(u.id);
            plan.new_users.push(user::ActiveModel {
                id: Set(u.id),
                username: Set(u.username.clone()),
                password_hash: Set(u.password.clone()),
                date_joined: Set(u.date_joined),
                is_active: Set(u.is_active),
                last_login: Set(u.last_login),
                is_admin: Set(u.is_admin),
                storage_quota_mb: Set(None),
            });
        }
        let source_users: std::collections::HashSet<i64> = users.iter().map(|u| u.id).collect();
        for n in notes {
            if !importable.contains(&n.author_id) {
                // Its author's conflict is listed once, with the count of its notes.
                if !source_users.contains(&n.author_id) {
                    plan.conflicts.push(format!(
                        "note {}: its author, user {}, is not in the source; it is left out",
                        n.id, n.author_id
                    ));
                }
                plan.notes.conflicting += 1;
                continue;
            }
            match existing.author_by_note.get(&n.id) {
                Some(author) if *author == n.author_id => {
                    plan.notes.present += 1;
                    continue;
                }
                Some(_) => {
                    plan.conflicts.push(format!(
                        "note {}: its id belongs to another user's note in the target; \
                         it is left out",
                        n.id
                    ));
                    plan.notes.conflicting += 1;
                    continue;
                }
                None => {}
            }
            plan.notices.extend(note_notices(n));
            plan.notes.imported += 1;
            plan.new_notes.push(note::ActiveModel {
                id: Set(n.id),
                title: Set(n.title.clone()),
                content: Set(n.content.clone()),
                created_at: Set(n.created_at),
                updated_at: Set(n.created_at),
                author_id: Set(n.author_id),
                version: Set(1),
                pinned: Set(false),
                // What search matches, as every note written here has it.
                search_text: Set(migrations::search::searchable(&n.title, &n.content)),
                updated_by: Set(None),
                lines_added: Set(None),
                lines_removed: Set(None),
                history_run: Set(0),
                last_revision: Set(0),
            });
        }
        plan
    }
}

/// What this server would refuse in a user that Django accepted. The row is imported as
/// it stands: it was valid where it came from.
fn user_notices(u: &DjangoUser) -> Vec<String> {
    let who = format!("user {} {:?}", u.id, u.username);
    let mut notices = Vec::new();
    match Username::parse(&u.username) {
        Err(errors) => notices.push(format!(
            "{who}: username: {} Kept as it is; they sign in with exactly this name.",
            errors.join(" ")
        )),
        Ok(normalized) if normalized.as_str() != u.username => notices.push(format!(
            "{who}: username: sign-up here would store it as {:?}. Kept as it is; they sign in \
             with exactly this name.",
            normalized.as_str()
        )),
        Ok(_) => {}
    }
    if let Err(why) = DjangoHash::parse(&u.password) {
        notices.push(format!(
            "{who}: password: {why}; they cannot sign in with a password{}",
            if u.password.starts_with('!') {
                ", as in the original"
            } else {
                ""
            }
        ));
    }
    notices
}

fn note_notices(n: &DjangoNote) -> Vec<String> {
    let mut notices = Vec::new();
    if let Err(errors) = NoteTitle::parse(&n.title) {
        notices.push(format!(
            "note {}: title: {} Kept as it is.",
            n.id,
            errors.join(" ")
        ));
    }
    if let Err(errors) = NoteContent::parse(&n.content) {
        notices.push(format!(
            "note {}: content: {} Kept as it is.",
            n.id,
            errors.join(" ")
        ));
    }
    notices
}

async fn write(
    txn: &DatabaseTransaction,
    plan: &Plan,
    progress: &mut super::progress::Phase,
) -> Result<(), DbErr> {
    for batch in plan.new_users.chunks(BATCH) {
        User::insert_many(batch.to_vec())
            .exec_without_returning(txn)
            .await?;
        progress.advance(batch.len() as u64);
    }
    for batch in plan.new_notes.chunks(BATCH) {
        Note::insert_many(batch.to_vec())
            .exec_without_returning(txn)
            .await?;
        for note in batch {
            let (id, author, content) = (&note.id, &note.author_id, &note.content);
            if let (Set(id), Set(author), Set(content)) = (id, author, content) {
                for tags in tag_rows(*id, *author, content) {
                    txn.execute(&tags).await?;
                }
            }
        }
        progress.advance(batch.len() as u64);
    }
    if txn.get_database_backend() == DbBackend::Postgres {
        // Rows inserted with their ids leave the id sequences behind: the next sign-up
        // would collide with an imported user. Sequences only move forward, so ids of
        // deleted rows are never handed out again.
        for table in ["users", "notes"] {
            txn.execute_raw(Statement::from_string(
                DbBackend::Postgres,
                format!(
                    "SELECT setval(seq, GREATEST(max_id, COALESCE(pg_sequence_last_value(seq), 0))) \
                     FROM (SELECT pg_get_serial_sequence('{table}', 'id')::regclass AS seq, \
                     (SELECT MAX(id) FROM {table}) AS max_id) AS s WHERE max_id IS NOT NULL"
                ),
            ))
            .await?;
        }
    }
    Ok(())
}
