//! Creating a note at most once per `Idempotency-Key`. The SPA's queue of offline changes
//! sends a creation again whenever it heard no answer, and an answer can be lost after
//! the server made the note (the connection drops on the way back): without a key, that
//! note would be made twice. The key is stored beside the note, in its transaction, so a
//! key names a note exactly when the note exists. On SQLite, keyed creations go through
//! the group commit like the others (`group_commit`), each in a savepoint of the batch.

use crate::error::{ApiError, ApiResult};
use crate::events::record::NoteAction;
use crate::notes::{announce, tags};
use crate::storage::entities::note::{self, Entity as Note};
use crate::storage::entities::note_creation_key::{self, Column, Entity as CreationKey};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, SqlErr,
    TransactionSession, TransactionTrait,
};

/// A note from `create`.
pub struct Made {
    pub note: note::Model,
    /// Made by an earlier request with the same key, not by this one.
    pub replayed: bool,
}

impl Made {
    /// Made by this request.
    pub fn new(note: note::Model) -> Self {
        Self {
            note,
            replayed: false,
        }
    }
}

/// `note` inserted, under `key` (its author and the key) when there is one: the one
/// way notes are created, straight or in a batch of the group commit.
pub async fn insert<C>(db: &C, note: note::ActiveModel, key: Option<(i64, &str)>) -> ApiResult<Made>
where
    C: ConnectionTrait + TransactionTrait,
{
    match key {
        Some((author, key)) => create(db, author, key, note).await,
        None => Ok(Made::new(tags::insert_note(db, note).await?)),
    }
}

/// `note` inserted under the author's `key`, or the note the key made before. In `db`'s
/// own transaction, or a savepoint when `db` is one. The insert comes first and the
/// unique index decides (rather than a look-up first): a new key, by far the commonest,
/// then costs one statement more than a plain creation.
pub async fn create<C>(db: &C, author: i64, key: &str, note: note::ActiveModel) -> ApiResult<Made>
where
    C: ConnectionTrait + TransactionTrait,
{
    let txn = db.begin().await?;
    let written = tags::write_note(&txn, note).await?;
    let keyed = note_creation_key::ActiveModel {
        note_id: Set(written.id),
        author_id: Set(author),
        key: Set(key.to_owned()),
    };
    match CreationKey::insert(keyed)
        .exec_without_returning(&txn)
        .await
    {
        Ok(_) => {
            announce::of(&txn, &written, NoteAction::Created).await?;
            txn.commit().await?;
            Ok(Made::new(written))
        }
        // Sent before (or at once by another request): that request's note is the one.
        Err(err) if is_unique_violation(&err) => {
            txn.rollback().await?;
            let made = made_under(db, author, key).await?.ok_or_else(|| {
                ApiError::Internal("a creation key taken by a note that is gone".into())
            })?;
            Ok(Made {
                note: made,
                replayed: true,
            })
        }
        Err(err) => Err(err.into()),
    }
}

fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// The author's note made under `key`, if it still exists.
async fn made_under(
    db: &impl ConnectionTrait,
    author: i64,
    key: &str,
) -> ApiResult<Option<note::Model>> {
    let Some(row) = CreationKey::find()
        .filter(Column::AuthorId.eq(author))
        .filter(Column::Key.eq(key))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(Note::find_by_id(row.note_id)
        .filter(note::Column::AuthorId.eq(author))
        .one(db)
        .await?)
}
