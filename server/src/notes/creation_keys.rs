//! Creating a note at most once per `Idempotency-Key`. The SPA's queue of offline changes
//! sends a creation again whenever it heard no answer, and an answer can be lost after
//! the server made the note (the connection drops on the way back): without a key, that
//! note would be made twice. The key is stored beside the note, in its transaction, so a
//! key names a note exactly when the note exists.

use crate::error::{ApiError, ApiResult};
use crate::notes::Versioned;
use crate::notes::store::versioned;
use crate::notes::tags;
use crate::storage::entities::note::{self, Entity as Note};
use crate::storage::entities::note_creation_key::{self, Column, Entity as CreationKey};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, SqlErr,
    TransactionTrait,
};

/// A note from `create`.
pub struct Created {
    pub note: Versioned,
    /// Made by an earlier request with the same key, not by this one.
    pub replayed: bool,
}

/// `note` inserted under the author's `key`, or the note the key made before.
pub async fn create(
    db: &DatabaseConnection,
    author: i64,
    key: &str,
    note: note::ActiveModel,
) -> ApiResult<Created> {
    if let Some(made) = made_under(db, author, key).await? {
        return Ok(replayed(made));
    }
    let txn = db.begin().await?;
    let written = tags::insert_note(&txn, note).await?;
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
            txn.commit().await?;
            Ok(Created {
                note: versioned(written),
                replayed: false,
            })
        }
        // The same key twice at once: the other request made the note and holds the key.
        Err(err) if is_unique_violation(&err) => {
            txn.rollback().await?;
            let made = made_under(db, author, key).await?.ok_or_else(|| {
                ApiError::Internal("a creation key taken by a note that is gone".into())
            })?;
            Ok(replayed(made))
        }
        Err(err) => Err(err.into()),
    }
}

fn replayed(made: note::Model) -> Created {
    Created {
        note: versioned(made),
        replayed: true,
    }
}

fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// The author's note made under `key`, if it still exists.
async fn made_under(
    db: &DatabaseConnection,
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
