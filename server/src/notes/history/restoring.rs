//! A kept version made the note's text again: a write like any other (`notes::store`),
//! so the text it replaces is kept too.

use super::{revision, text_of, viewer};
use crate::error::ApiResult;
use crate::notes::precondition::Precondition;
use crate::notes::store::{self, NoteChanges, Versioned};
use crate::storage::db::snapshot;
use app::validation::{NoteContent, NoteTitle};
use sea_orm::DatabaseConnection;

/// Makes revision `number` note `id`'s text again, as a new version (the text it
/// replaces is kept as a revision, as every write's is), under `precondition`. Reads and
/// writes through `db`, the writer: the version it answers is the one it read.
pub async fn restore(
    db: &DatabaseConnection,
    user: i64,
    id: i64,
    number: i64,
    precondition: &Precondition,
) -> ApiResult<Versioned> {
    let txn = snapshot(db).await?;
    let viewer = viewer(&txn, user, id).await?;
    viewer.access.write()?;
    let row = revision(&txn, &viewer, number).await?;
    let content = text_of(&txn, &row, &viewer.note.content).await?;
    txn.commit().await?;
    let changes = NoteChanges {
        title: Some(NoteTitle::kept(row.title)),
        content: Some(NoteContent::kept(content)),
        pinned: None,
    };
    // The text is rebuilt from the version read here; a save since is a changed version,
    // which `If-Match` refuses, and which otherwise the restore simply follows.
    store::update(db, user, viewer.access, viewer.note, changes, precondition).await
}
