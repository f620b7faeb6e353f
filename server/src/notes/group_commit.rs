//! Creating notes on SQLite, many to a commit.
//!
//! Every SQLite commit is synced to disk before its request is answered (see
//! `ops::settings::SqliteSync`), and with one writer connection the syncs queue one behind another:
//! at one sync per note, creating notes would run at the disk's sync rate. Here the
//! notes requested while a commit is under way are written together in the next
//! transaction, one sync for all of them, and each request is answered once the commit
//! holding its note is on disk, as before.
//!
//! Each note is written in a savepoint of the batch, so a refusal (a note for a user
//! deleted meanwhile) costs only its own note; the others in the transaction are
//! committed. A note under an `Idempotency-Key` is keyed in its savepoint
//! (`creation_keys`): the same key twice in one batch makes one note. PostgreSQL's
//! commits are the database's to group, and its notes are written one by one.

use crate::error::{ApiError, ApiResult};
use crate::notes::creation_keys::{self, Made};
use crate::storage::entities::note;
use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};
use tokio::sync::{mpsc, oneshot};

/// At most this many notes to a transaction, so one commit stays short.
const MAX_BATCH: usize = 64;

/// Notes waiting for the writer; past this, requests wait to queue.
const QUEUE: usize = 1024;

struct Job {
    note: note::ActiveModel,
    /// The author and the `Idempotency-Key` the note is created under.
    key: Option<(i64, String)>,
    written: oneshot::Sender<ApiResult<Made>>,
}

/// The queue of notes to create, and the task that writes them.
#[derive(Clone)]
pub struct GroupCommit {
    queue: mpsc::Sender<Job>,
}

impl GroupCommit {
    /// Starts the writing task on `writer`, for as long as the process runs.
    pub fn spawn(writer: DatabaseConnection) -> Self {
        let (queue, jobs) = mpsc::channel(QUEUE);
        tokio::spawn(write_batches(writer, jobs));
        Self { queue }
    }

    /// Inserts `note` (once per `key`: see `creation_keys`) and answers it as stored,
    /// once its commit is on disk.
    pub async fn insert(
        &self,
        note: note::ActiveModel,
        key: Option<(i64, &str)>,
    ) -> ApiResult<Made> {
        let key = key.map(|(author, key)| (author, key.to_owned()));
        let (written, answer) = oneshot::channel();
        self.queue
            .send(Job { note, key, written })
            .await
            .map_err(|_| ApiError::Internal("the note writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| ApiError::Internal("the note writer dropped a note".into()))?
    }
}

async fn write_batches(writer: DatabaseConnection, mut jobs: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while jobs.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let (notes, answers): (Vec<_>, Vec<_>) = batch
            .drain(..)
            .map(|job| ((job.note, job.key), job.written))
            .unzip();
        match write(&writer, notes).await {
            Ok(results) => {
                for (written, result) in answers.into_iter().zip(results) {
                    // The caller may have hung up; its note is written all the same.
                    let _ = written.send(result);
                }
            }
            Err(e) => {
                let message = format!("committing {} notes: {e}", answers.len());
                for written in answers {
                    let _ = written.send(Err(ApiError::Internal(message.clone())));
                }
            }
        }
    }
}

/// Each insert's own outcome, or the transaction's failure (nothing was written).
async fn write(
    writer: &DatabaseConnection,
    notes: Vec<(note::ActiveModel, Option<(i64, String)>)>,
) -> Result<Vec<ApiResult<Made>>, DbErr> {
    let txn = writer.begin().await?;
    let mut results = Vec::with_capacity(notes.len());
    for (note, key) in notes {
        // A savepoint each: a note, its tags and its key are written together or not at
        // all.
        let key = key.as_ref().map(|(author, key)| (*author, key.as_str()));
        results.push(creation_keys::insert(&txn, note, key).await);
    }
    txn.commit().await?;
    Ok(results)
}
