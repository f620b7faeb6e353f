//! What a write announces, written in its own transaction.
//!
//! Ids must reach readers in the order their rows commit: a stream reads "everything
//! after the last id I saw", and a row with a smaller id committing after a larger one
//! was read would be skipped for good. SQLite has one writer at a time, so its ids are
//! in commit order already. On PostgreSQL two transactions draw ids from the sequence in
//! one order and may commit in the other; so each transaction that writes events first
//! takes one transaction-scoped advisory lock, held until it commits. Ids are then drawn
//! in the order of commits. The lock is taken by the last statements before the commit,
//! so it is held for the commit alone, and never while waiting for another lock (which
//! could deadlock).

use crate::storage::entities::event;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, EntityTrait, Set, Statement};

/// The advisory lock that orders the transactions writing events ("notes evt" in ASCII).
const ORDER_LOCK: i64 = 0x6e6f_7465_7365_7674;

/// PostgreSQL's channel: a `NOTIFY` on it, delivered at commit, wakes every replica's hub.
pub const CHANNEL: &str = "notes_events";

/// What happened to a note, as its readers' streams say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteAction {
    Created,
    /// Its text, its pin (the reader's own), or who it is shared with; a restore from
    /// history too.
    Updated,
    /// Moved to the trash.
    Deleted,
    /// Back from the trash.
    Restored,
    /// Gone for good.
    Purged,
    /// Shared with this reader, or their permission changed.
    Shared,
    /// No longer shared with this reader.
    Unshared,
}

impl NoteAction {
    fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Deleted => "deleted",
            Self::Restored => "restored",
            Self::Purged => "purged",
            Self::Shared => "shared",
            Self::Unshared => "unshared",
        }
    }
}

/// What changed in an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountChange {
    /// Deactivated by an operator: the stream closes after saying so.
    Deactivated,
    /// Deleted: the stream closes after saying so.
    Deleted,
    TwoStepOff,
    /// Made or unmade an operator.
    RoleChanged,
}

impl AccountChange {
    fn as_str(self) -> &'static str {
        match self {
            Self::Deactivated => "deactivated",
            Self::Deleted => "deleted",
            Self::TwoStepOff => "two_step_off",
            Self::RoleChanged => "role_changed",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Note {
        action: NoteAction,
        id: i64,
        version: i64,
    },
    /// The person's tag counts may have changed.
    Tags,
    /// The session was ended (signed out, ended from another device or by an operator,
    /// or by a password change), or the personal access token revoked: its stream says
    /// so and closes.
    SessionEnded,
    Account(AccountChange),
}

impl Event {
    /// The SSE event's name.
    pub fn kind(self) -> &'static str {
        match self {
            Self::Note { .. } => "note",
            Self::Tags => "tags",
            Self::SessionEnded => "session",
            Self::Account(_) => "account",
        }
    }

    /// The SSE event's data.
    pub fn data(self) -> String {
        let data = match self {
            Self::Note {
                action,
                id,
                version,
            } => serde_json::json!({"action": action.as_str(), "id": id, "version": version}),
            Self::Tags => serde_json::json!({"action": "changed"}),
            Self::SessionEnded => serde_json::json!({"action": "ended"}),
            Self::Account(change) => serde_json::json!({"action": change.as_str()}),
        };
        data.to_string()
    }
}

/// Whether a stream closes after sending the event stored as `kind` and `data`: its
/// session ended, or its account can no longer act.
pub fn closes_stream(kind: &str, data: &str) -> bool {
    kind == Event::SessionEnded.kind()
        || (kind == "account"
            && [AccountChange::Deactivated, AccountChange::Deleted]
                .into_iter()
                .any(|change| data == Event::Account(change).data()))
}

/// What the streams opened with personal access token `id` go by where a session's
/// stream goes by its session's id (a UUID, so never the same), so that revoking the
/// token ends them as ending a session ends its own.
pub fn token_stream(id: i64) -> String {
    format!("ntk:{id}")
}

/// One event for one person: all their streams, or the stream of one session (or of one
/// personal access token, [`token_stream`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    pub user: i64,
    pub session: Option<String>,
    pub event: Event,
}

impl Announcement {
    pub fn to(user: i64, event: Event) -> Self {
        Self {
            user,
            session: None,
            event,
        }
    }

    pub fn to_session(user: i64, session: String, event: Event) -> Self {
        Self {
            user,
            session: Some(session),
            event,
        }
    }

    /// Tells the streams opened with personal access token `id` that it was revoked.
    pub fn token_revoked(user: i64, id: i64) -> Self {
        Self::to_session(user, token_stream(id), Event::SessionEnded)
    }

    /// `action` on note `id` at `version`, for each of `readers`.
    pub fn note(
        readers: impl IntoIterator<Item = i64>,
        action: NoteAction,
        id: i64,
        version: i64,
    ) -> impl Iterator<Item = Self> {
        readers.into_iter().map(move |user| {
            Self::to(
                user,
                Event::Note {
                    action,
                    id,
                    version,
                },
            )
        })
    }
}

/// Writes `announcements` in `txn`. Call it last, just before the commit (see above):
/// they are announced when, and only if, the transaction commits.
pub async fn record(
    txn: &impl ConnectionTrait,
    announcements: impl IntoIterator<Item = Announcement>,
) -> Result<(), DbErr> {
    let now = chrono::Utc::now();
    let rows: Vec<event::ActiveModel> = announcements
        .into_iter()
        .map(|a| event::ActiveModel {
            user_id: Set(a.user),
            session_id: Set(a.session),
            kind: Set(a.event.kind().to_owned()),
            data: Set(a.event.data()),
            created_at: Set(now),
            ..Default::default()
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    let postgres = txn.get_database_backend() == DbBackend::Postgres;
    if postgres {
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [ORDER_LOCK.into()],
        ))
        .await?;
    }
    // In slices: a statement takes at most 65,535 parameters on PostgreSQL, 32,766 on
    // SQLite, and a row has five.
    for slice in rows.chunks(1000) {
        event::Entity::insert_many(slice.to_vec()).exec(txn).await?;
    }
    if postgres {
        // Delivered at commit, to every listener; the same notice twice in one
        // transaction is delivered once.
        txn.execute_raw(Statement::from_string(
            DbBackend::Postgres,
            format!("NOTIFY {CHANNEL}"),
        ))
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_say_what_the_api_documents() {
        let note = Event::Note {
            action: NoteAction::Restored,
            id: 7,
            version: 3,
        };
        assert_eq!(note.kind(), "note");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&note.data()).unwrap(),
            serde_json::json!({"action": "restored", "id": 7, "version": 3})
        );
        assert_eq!(Event::SessionEnded.data(), r#"{"action":"ended"}"#);
        assert_eq!(
            Event::Account(AccountChange::TwoStepOff).data(),
            r#"{"action":"two_step_off"}"#
        );
        assert!(closes_stream("session", &Event::SessionEnded.data()));
        assert!(closes_stream(
            "account",
            &Event::Account(AccountChange::Deleted).data()
        ));
        assert!(!closes_stream(
            "account",
            &Event::Account(AccountChange::RoleChanged).data()
        ));
        assert!(!closes_stream("tags", &Event::Tags.data()));
    }
}
