//! What the notes' writes announce (`events`), and to whom: a note's readers are its
//! author and everyone it is shared with; tag counts are the author's alone. Each is
//! called last in its write's transaction, as `events::record` asks.

use crate::events::record::{self, Announcement, Event, NoteAction};
use crate::storage::entities::note;
use crate::storage::entities::note_share::{self, Entity as NoteShare};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use std::collections::HashMap;

/// Whether a text holds a tag, so its arrival or departure may change the tag counts.
pub fn may_hold_tags(content: &str) -> bool {
    content.contains('#')
}

/// `action` on `note` as it now is, for all its readers: one whose text came or went
/// with it (created, restored), so its author's tag counts change if it holds a tag.
pub async fn of(
    txn: &impl ConnectionTrait,
    note: &note::Model,
    action: NoteAction,
) -> Result<(), DbErr> {
    let tags = may_hold_tags(&note.content);
    self::note(txn, (note.id, note.author_id, note.version), action, tags).await
}

/// `action` on note `id` (by `author`, now at `version`) for all its readers, and a
/// `tags` event for the author when `tags` may have changed.
pub async fn note(
    txn: &impl ConnectionTrait,
    (id, author, version): (i64, i64, i64),
    action: NoteAction,
    tags: bool,
) -> Result<(), DbErr> {
    notes(txn, author, &[(id, version)], action, tags).await
}

/// `action` on each of `author`'s notes `(id, version)`, for their readers, and one
/// `tags` event when `tags`.
pub async fn notes(
    txn: &impl ConnectionTrait,
    author: i64,
    notes: &[(i64, i64)],
    action: NoteAction,
    tags: bool,
) -> Result<(), DbErr> {
    let mut sharers: HashMap<i64, Vec<i64>> = HashMap::new();
    for slice in notes.chunks(1000) {
        let shares: Vec<(i64, i64)> = NoteShare::find()
            .select_only()
            .column(note_share::Column::NoteId)
            .column(note_share::Column::UserId)
            .filter(note_share::Column::NoteId.is_in(slice.iter().map(|(id, _)| *id)))
            .into_tuple()
            .all(txn)
            .await?;
        for (note, user) in shares {
            sharers.entry(note).or_default().push(user);
        }
    }
    let mut told = Vec::new();
    for &(id, version) in notes {
        let readers = std::iter::once(author).chain(sharers.remove(&id).unwrap_or_default());
        told.extend(Announcement::note(readers, action, id, version));
    }
    if tags {
        told.push(Announcement::to(author, Event::Tags));
    }
    record::record(txn, told).await
}

/// `action` on note `id` at `version` for one person alone: their pin, or a share with
/// them begun, changed or ended (then also `updated` for the author, whose list marks
/// the notes they share).
pub async fn to(
    txn: &impl ConnectionTrait,
    user: i64,
    (id, version): (i64, i64),
    action: NoteAction,
    author: Option<i64>,
) -> Result<(), DbErr> {
    let note = |user, action| Announcement::note([user], action, id, version);
    let told = note(user, action).chain(
        author
            .into_iter()
            .flat_map(|author| note(author, NoteAction::Updated)),
    );
    record::record(txn, told).await
}
