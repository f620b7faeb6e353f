//! Each replica's fan-out: one reader of the `events` table for all the replica's
//! streams. Woken by a write (PostgreSQL's `NOTIFY` at commit, or SQLite's write
//! answered), it reads what was committed after the last id it handed out and gives each
//! row to the streams of its person. A stream that joins is told that id, reads its own
//! backlog up to it (`Hub::backlog`), and is handed everything after.
//!
//! Nothing is lost when a wake is: the next wake, or the periodic look, reads from the
//! same id on. So a listening connection that drops and reconnects, or a `NOTIFY` that
//! never came, delays events by at most [`LOOK_POSTGRES`], and no stream has to start
//! over.

use super::record::CHANNEL;
use crate::ops::metrics;
use crate::storage::entities::event::{self, Column, Entity as Event};
use crate::storage::pruning::Prune;
use sea_orm::sqlx::postgres::{PgListener, PgPool};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbBackend, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Statement,
};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{Notify, mpsc};

/// One person's streams at most; past it their oldest is closed to make room, since a
/// tab closed without a word is noticed only when an event is next written to it.
pub const PER_PERSON: usize = 8;

/// How long events are kept: a stream resumes without a gap within this (and the pruner
/// runs every ten minutes, so most are kept longer).
pub const KEPT: Duration = Duration::from_secs(10 * 60);

/// Events waiting for a stream whose client does not take them; past it the stream
/// closes, and its client resumes from the last event it took.
const QUEUE: usize = 256;

/// Rows read at once.
const READ: u64 = 500;

/// A backlog longer than this is a `reset`: reloading is quicker than replaying it.
const MAX_BACKLOG: u64 = 1000;

/// How often the hub looks unwoken. On SQLite, for a write by another process (such as
/// `server changepassword`); on PostgreSQL, for a notice lost with its connection.
const LOOK_SQLITE: Duration = Duration::from_secs(1);
const LOOK_POSTGRES: Duration = Duration::from_secs(10);

/// What a stream is handed.
#[derive(Debug)]
pub enum Message {
    Event(Arc<event::Model>),
    /// Closed to make room for a newer stream of the same person ([`PER_PERSON`]).
    Replaced,
}

pub struct Hub {
    db: DatabaseConnection,
    taps: Mutex<Taps>,
    wake: Arc<Notify>,
    max_streams: usize,
}

#[derive(Default)]
struct Taps {
    /// The last id handed out.
    cursor: i64,
    by_person: HashMap<i64, Vec<Tap>>,
    /// Open streams, each until its [`Subscription`] is dropped.
    open: usize,
    next_id: u64,
    /// Shutting down: no stream is taken.
    closed: bool,
}

struct Tap {
    id: u64,
    session: Option<String>,
    sender: mpsc::Sender<Message>,
}

/// An open stream's place: what it is handed, from which id on. Dropping it frees the
/// place.
pub struct Subscription {
    /// Everything after this id is handed to `messages`; what came before, the stream
    /// reads itself.
    pub from: i64,
    pub messages: mpsc::Receiver<Message>,
    _place: Place,
}

struct Place {
    hub: Arc<Hub>,
    user: i64,
    id: u64,
}

impl Drop for Place {
    fn drop(&mut self) {
        let mut taps = self.hub.taps();
        taps.open -= 1;
        if let Some(mine) = taps.by_person.get_mut(&self.user) {
            mine.retain(|tap| tap.id != self.id);
            if mine.is_empty() {
                taps.by_person.remove(&self.user);
            }
        }
        metrics::streams_open(taps.open);
    }
}

/// Why a stream was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// `MAX_STREAMS` are open.
    Full,
    ShuttingDown,
}

impl Hub {
    /// Starts the replica's hub at the newest event (older ones are backlogs): its
    /// reader, and on PostgreSQL its listening connection.
    pub async fn start(db: DatabaseConnection, max_streams: usize) -> Result<Arc<Self>, DbErr> {
        let cursor = newest(&db).await?.unwrap_or(0);
        let hub = Arc::new(Self {
            taps: Mutex::new(Taps {
                cursor,
                ..Taps::default()
            }),
            wake: Arc::new(Notify::new()),
            max_streams,
            db,
        });
        let look = match hub.db.get_database_backend() {
            DbBackend::Postgres => {
                let pool = hub.db.get_postgres_connection_pool().clone();
                tokio::spawn(listen(Arc::downgrade(&hub), hub.wake.clone(), pool));
                LOOK_POSTGRES
            }
            _ => LOOK_SQLITE,
        };
        tokio::spawn(hand_out(Arc::downgrade(&hub), hub.wake.clone(), look));
        Ok(hub)
    }

    /// Takes a stream of `user`'s session `session`, closing their oldest past
    /// [`PER_PERSON`].
    pub fn subscribe(
        self: &Arc<Self>,
        user: i64,
        session: Option<String>,
    ) -> Result<Subscription, Refused> {
        let mut taps = self.taps();
        if taps.closed {
            return Err(Refused::ShuttingDown);
        }
        if taps.open >= self.max_streams {
            return Err(Refused::Full);
        }
        let id = taps.next_id;
        taps.next_id += 1;
        taps.open += 1;
        let from = taps.cursor;
        let (sender, messages) = mpsc::channel(QUEUE);
        let mine = taps.by_person.entry(user).or_default();
        if mine.len() >= PER_PERSON {
            let oldest = mine.remove(0);
            // Its queue may be full; then it closes all the same, when the sender goes.
            let _ = oldest.sender.try_send(Message::Replaced);
        }
        mine.push(Tap {
            id,
            session,
            sender,
        });
        metrics::streams_open(taps.open);
        Ok(Subscription {
            from,
            messages,
            _place: Place {
                hub: self.clone(),
                user,
                id,
            },
        })
    }

    /// The newest event committed.
    pub async fn newest(&self) -> Result<i64, DbErr> {
        Ok(newest(&self.db).await?.unwrap_or(0))
    }

    /// Something was committed: look now.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Shutdown: every stream ends, and no new one is taken.
    pub fn close_all(&self) {
        let mut taps = self.taps();
        taps.closed = true;
        // Their senders dropped, the streams end once they have sent what they hold.
        taps.by_person.clear();
        drop(taps);
        self.wake.notify_one();
    }

    /// `user`'s events after `after` up to `upto` for the stream of `session`, or `None`
    /// when they cannot all be had: some were pruned, `after` was never handed out, or
    /// there are more than a reload costs.
    pub async fn backlog(
        &self,
        user: i64,
        session: Option<&str>,
        after: i64,
        upto: i64,
    ) -> Result<Option<Vec<event::Model>>, DbErr> {
        let (oldest, newest): (Option<i64>, Option<i64>) = Event::find()
            .select_only()
            .column_as(Column::Id.min(), "oldest")
            .column_as(Column::Id.max(), "newest")
            .into_tuple()
            .one(&self.db)
            .await?
            .unwrap_or((None, None));
        // The pruner deletes the oldest rows only, and always keeps the newest: every id
        // from the oldest kept on is there, and a stream that saw one of them, or the one
        // just before, misses nothing.
        let whole = match (oldest, newest) {
            (Some(oldest), Some(newest)) => {
                after <= newest
                    && (after >= oldest - 1 || Event::find_by_id(after).count(&self.db).await? > 0)
            }
            _ => after == 0,
        };
        if !whole {
            return Ok(None);
        }
        if after >= upto {
            return Ok(Some(Vec::new()));
        }
        let rows = Event::find()
            .filter(Column::UserId.eq(user))
            .filter(Column::Id.gt(after))
            .filter(Column::Id.lte(upto))
            .filter(
                Condition::any()
                    .add(Column::SessionId.is_null())
                    .add(Column::SessionId.eq(session.unwrap_or(""))),
            )
            .order_by_asc(Column::Id)
            .limit(MAX_BACKLOG + 1)
            .all(&self.db)
            .await?;
        Ok((rows.len() as u64 <= MAX_BACKLOG).then_some(rows))
    }

    fn taps(&self) -> MutexGuard<'_, Taps> {
        // A panic while holding it leaves nothing half-written worth refusing.
        self.taps.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Hands `rows` (in id order, after the cursor) to their streams.
    fn deliver(&self, rows: Vec<event::Model>) {
        let mut taps = self.taps();
        for row in rows {
            let id = row.id;
            let row = Arc::new(row);
            if let Some(mine) = taps.by_person.get_mut(&row.user_id) {
                mine.retain(|tap| {
                    if row.session_id.is_some() && tap.session != row.session_id {
                        return true;
                    }
                    match tap.sender.try_send(Message::Event(row.clone())) {
                        Ok(()) => true,
                        // A client not reading closes; it resumes by `Last-Event-ID`.
                        Err(TrySendError::Full(_) | TrySendError::Closed(_)) => false,
                    }
                });
            }
            taps.cursor = id;
        }
    }
}

async fn newest(db: &DatabaseConnection) -> Result<Option<i64>, DbErr> {
    Event::find()
        .select_only()
        .column_as(Column::Id.max(), "newest")
        .into_tuple::<Option<i64>>()
        .one(db)
        .await
        .map(Option::flatten)
}

/// The reader: reads what was committed after the cursor whenever woken (or every
/// `look`), for as long as the hub exists.
async fn hand_out(hub: Weak<Hub>, wake: Arc<Notify>, look: Duration) {
    loop {
        let _ = tokio::time::timeout(look, wake.notified()).await;
        let Some(hub) = hub.upgrade() else { return };
        loop {
            let cursor = {
                let taps = hub.taps();
                if taps.closed {
                    return;
                }
                taps.cursor
            };
            let rows = Event::find()
                .filter(Column::Id.gt(cursor))
                .order_by_asc(Column::Id)
                .limit(READ)
                .all(&hub.db)
                .await;
            match rows {
                Ok(rows) => {
                    let more = rows.len() as u64 == READ;
                    hub.deliver(rows);
                    if !more {
                        break;
                    }
                }
                Err(e) => {
                    // The next look tries again from the same id.
                    tracing::warn!(error = %e, "reading events failed");
                    break;
                }
            }
        }
    }
}

/// PostgreSQL's listening connection, one per replica: each notice wakes the reader.
async fn listen(hub: Weak<Hub>, wake: Arc<Notify>, pool: PgPool) {
    loop {
        let listening = async {
            let mut listener = PgListener::connect_with(&pool).await?;
            listener.listen(CHANNEL).await?;
            Ok::<_, sea_orm::sqlx::Error>(listener)
        };
        let mut listener = match listening.await {
            Ok(listener) => listener,
            Err(e) => {
                tracing::warn!(error = %e, "listening for events failed; trying again");
                tokio::time::sleep(Duration::from_secs(1)).await;
                if hub.strong_count() == 0 {
                    return;
                }
                continue;
            }
        };
        // Whatever was committed while no one listened.
        wake.notify_one();
        loop {
            // Cancel-safe: a notice is not lost to the timeout.
            match tokio::time::timeout(LOOK_POSTGRES, listener.try_recv()).await {
                Ok(Ok(Some(_))) => wake.notify_one(),
                // The connection dropped; the next call reconnects and listens again.
                Ok(Ok(None)) => {
                    tracing::warn!("the events listening connection dropped; reconnecting");
                    wake.notify_one();
                }
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, "listening for events failed; reconnecting");
                    break;
                }
                Err(_) => {}
            }
            if hub.strong_count() == 0 {
                return;
            }
        }
    }
}

/// Events older than [`KEPT`], for the pruner: always the oldest rows, and never the
/// newest, so what is kept runs without a gap to the end (see [`Hub::backlog`]).
pub struct OldEvents;

impl Prune for OldEvents {
    fn what(&self) -> &'static str {
        "events"
    }

    fn statement(&self, backend: DbBackend) -> Option<Statement> {
        let kept = chrono::Duration::from_std(KEPT).ok()?;
        let before = chrono::Utc::now().checked_sub_signed(kept)?;
        let placeholder = if backend == DbBackend::Postgres {
            "$1"
        } else {
            "?"
        };
        Some(Statement::from_sql_and_values(
            backend,
            format!(
                "DELETE FROM events WHERE id < COALESCE(\
                 (SELECT MIN(id) FROM events WHERE created_at >= {placeholder}), \
                 (SELECT MAX(id) FROM events))"
            ),
            [before.into()],
        ))
    }
}
