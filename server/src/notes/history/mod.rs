//! A note's history: every text a save replaced, kept in the save's own transaction
//! (`keep`), and texts set aside in a conflict; read back whole, compared, and restored
//! as a new version. Who sees what is `access`'s rule: the owner the whole history,
//! people the note is shared with what was kept since it was shared with them, anyone
//! else nothing (404).
//!
//! Storage: a revision is kept as the delta that turns the next newer text back into it
//! (`delta`), the newest one against the note's text itself, so a thousand small edits
//! of a long note cost about what was typed. Rebuilding an old text walks the deltas from
//! the nearest whole text newer than it; a whole text is kept whenever that walk would
//! pass more delta bytes than the text is long (or `MAX_RUN`), so no read walks far.
//! Set-aside texts are kept whole, outside that chain. `thinning` keeps the history
//! bounded.

pub mod delta;
pub mod diff;
pub mod restoring;
pub mod thinning;

use crate::error::{ApiError, ApiResult};
use crate::notes::access::{self, Access};
use crate::storage::db::snapshot;
use crate::storage::entities::note::{self, Entity as Note};
use crate::storage::entities::note_revision::{self, Column, Entity as Revision, Listed};
use crate::storage::entities::note_share::{self, Entity as NoteShare};
use crate::storage::entities::user::Entity as User;
use crate::storage::paging::{Numbered, PageRequest, last_page};
use app::api::{self, DiffSide, RevisionDiff, SavedBy, TitleChange, revision_kinds};
use app::validation::{NoteContent, NoteTitle};
use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};

/// What each delta adds to a walk besides its bytes: a row read and a pass over the text.
const DELTA_COST: i64 = 64;
/// A walk never passes more delta bytes than this, however long the note.
const MAX_RUN: i64 = 32_768;
/// Nor fewer than this before a whole text is kept, however short the note.
const MIN_RUN: i64 = 4_096;

/// Whether a walk of `run` delta bytes to a text `len` bytes long is too far.
fn too_far(run: i64, len: usize) -> bool {
    let len = i64::try_from(len).unwrap_or(i64::MAX);
    run > len.clamp(MIN_RUN, MAX_RUN)
}

fn rfc3339(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn to_api(r: Listed) -> api::Revision {
    api::Revision {
        revision: r.revision,
        version: r.version,
        kind: r.kind,
        title: r.title,
        saved_at: rfc3339(r.saved_at),
        saved_by: SavedBy {
            id: r.saved_by_id,
            username: r.saved_by_name.unwrap_or_default(),
        },
        chars: r.chars,
        lines_added: r.lines_added,
        lines_removed: r.lines_removed,
        content: None,
    }
}

fn listed(r: &note_revision::Model) -> Listed {
    Listed {
        revision: r.revision,
        version: r.version,
        kind: r.kind.clone(),
        title: r.title.clone(),
        saved_at: r.saved_at,
        saved_by_id: r.saved_by_id,
        saved_by_name: r.saved_by_name.clone(),
        chars: r.chars,
        lines_added: r.lines_added,
        lines_removed: r.lines_removed,
    }
}

/// `saved_at`'s day from 1970-01-01 (UTC): thinning's buckets.
fn day_of(time: DateTime<Utc>) -> i64 {
    time.timestamp().div_euclid(86_400)
}

fn chars(text: &str) -> i64 {
    text.chars().count() as i64
}

/// Note `id` read for a write in `txn`, held until the transaction ends, so the text a
/// write replaces is the text it read: on PostgreSQL its row is locked; SQLite has one
/// writer, and a statement that writes nothing takes its lock first (a transaction that
/// read before it wrote could not write once another connection had committed).
pub(crate) async fn locked(txn: &DatabaseTransaction, id: i64) -> ApiResult<Option<note::Model>> {
    let select = Note::find_by_id(id);
    let select = match txn.get_database_backend() {
        DbBackend::Postgres => select.lock_exclusive(),
        _ => {
            txn.execute_unprepared("UPDATE notes SET id = id WHERE 0")
                .await?;
            select
        }
    };
    Ok(select.one(txn).await?)
}

/// The usernames of the people who saved `rows` and still have an account (a deleted
/// account's name is kept on its rows).
async fn with_names(db: &impl ConnectionTrait, rows: Vec<Listed>) -> ApiResult<Vec<api::Revision>> {
    let ids: Vec<i64> = rows
        .iter()
        .filter(|r| r.saved_by_name.is_none())
        .filter_map(|r| r.saved_by_id)
        .collect();
    let names: std::collections::HashMap<i64, String> = if ids.is_empty() {
        Default::default()
    } else {
        User::find()
            .filter(crate::storage::entities::user::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.username))
            .collect()
    };
    Ok(rows
        .into_iter()
        .map(|mut r| {
            if r.saved_by_name.is_none() {
                r.saved_by_name = r.saved_by_id.and_then(|id| names.get(&id).cloned());
            }
            to_api(r)
        })
        .collect())
}

fn of_note(id: i64) -> Condition {
    Condition::all().add(Column::NoteId.eq(id))
}

/// The chain of saved texts, which set-aside ones are not part of.
fn saves_of(id: i64) -> Condition {
    of_note(id).add(Column::Kind.eq(revision_kinds::SAVE))
}

/// What `keep` stores of a text a write replaces, made before the write from the note as
/// read (nothing else is read: the note carries what its next revision needs), and what
/// the write then carries on the note for the one after.
pub(crate) struct Keeping {
    row: note_revision::ActiveModel,
    /// How the new text differs from the one it replaces.
    pub lines: (i64, i64),
    /// The delta bytes a read of the revision kept here walks: the note's next
    /// `history_run`.
    pub run: i64,
    /// The attachments the kept text refers to.
    attachments: Vec<String>,
}

/// Prepares the revision of `old`, the note as read at its version, should a write
/// replace its content with `new_content`: its delta turns `new_content` back into it.
/// Only good while the note is still at `old.version` (the write checks it).
pub(crate) fn prepare(old: &note::Model, new_content: &str) -> Keeping {
    // One diff: the delta back to `old`, and how the new text differs from it.
    let (delta, lines) = delta::encode(new_content, &old.content);
    let run = old.history_run + delta.len() as i64 + DELTA_COST;
    let whole = delta.len() >= old.content.len() || too_far(run, old.content.len());
    let (lines_added, lines_removed) = match (old.lines_added, old.lines_removed) {
        (Some(added), Some(removed)) => (added, removed),
        // Never saved since it was written (or since history was kept): all of it new.
        _ => diff::counts("", &old.content),
    };
    let row = note_revision::ActiveModel {
        note_id: Set(old.id),
        owner_id: Set(old.author_id),
        version: Set(Some(old.version)),
        kind: Set(revision_kinds::SAVE.to_owned()),
        title: Set(old.title.clone()),
        saved_at: Set(old.updated_at),
        saved_by_id: Set(Some(old.updated_by.unwrap_or(old.author_id))),
        saved_by_name: Set(None),
        kept_at: Set(Utc::now()),
        day: Set(day_of(old.updated_at)),
        chars: Set(chars(&old.content)),
        lines_added: Set(lines_added),
        lines_removed: Set(lines_removed),
        content: Set(whole.then(|| old.content.clone())),
        delta: Set((!whole).then_some(delta)),
        run_bytes: Set(if whole { 0 } else { run }),
        ..Default::default()
    };
    Keeping {
        row,
        lines,
        run: if whole { 0 } else { run },
        attachments: markup::attachments::references(&old.content),
    }
}

/// Stores `keeping` in the write's transaction as revision `number`, the note's
/// `last_revision` as the write set it (the write holds the note until it commits).
pub(crate) async fn keep(
    txn: &DatabaseTransaction,
    Keeping {
        mut row,
        attachments,
        ..
    }: Keeping,
    number: i64,
) -> ApiResult<()> {
    row.revision = Set(number);
    let note_id = *row.note_id.as_ref();
    Revision::insert(row).exec_without_returning(txn).await?;
    crate::notes::attachments::remember_uses(txn, note_id, attachments).await
}

/// A revision's text from its own row: whole, or its delta applied to `base`, the text
/// of the next newer saved revision (or the note's, for the newest).
fn stored_text(row: &note_revision::Model, base: &str) -> ApiResult<String> {
    match (&row.content, &row.delta) {
        (Some(whole), _) => Ok(whole.clone()),
        (None, Some(delta)) => delta::apply(base, delta).map_err(|e| corrupt(row, e)),
        (None, None) => Err(corrupt(row, "neither a text nor a delta")),
    }
}

fn corrupt(row: &note_revision::Model, why: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(format!(
        "note {} revision {}: {why}",
        row.note_id, row.revision
    ))
}

/// The text of `row`, rebuilt from the nearest whole text newer than it, or from the
/// note's `current` content, through the deltas between. Read in one snapshot.
pub(crate) async fn text_of(
    db: &impl ConnectionTrait,
    row: &note_revision::Model,
    current: &str,
) -> ApiResult<String> {
    if row.content.is_some() || row.kind != revision_kinds::SAVE {
        return stored_text(row, "");
    }
    let whole_above: Option<i64> = Revision::find()
        .filter(saves_of(row.note_id))
        .filter(Column::Revision.gt(row.revision))
        .filter(Column::Content.is_not_null())
        .select_only()
        .column(Column::Revision)
        .order_by_asc(Column::Revision)
        .into_tuple()
        .one(db)
        .await?;
    let mut walk = Revision::find()
        .filter(saves_of(row.note_id))
        .filter(Column::Revision.gt(row.revision));
    if let Some(whole) = whole_above {
        walk = walk.filter(Column::Revision.lte(whole));
    }
    let newer = walk.order_by_desc(Column::Revision).all(db).await?;
    let mut text = current.to_owned();
    for step in newer.iter().chain(std::iter::once(row)) {
        text = stored_text(step, &text)?;
    }
    Ok(text)
}

/// A note's history as one person may see it.
pub struct Viewer {
    pub note: note::Model,
    pub access: Access,
    /// For someone the note is shared with: when it was; they see what was kept since.
    since: Option<DateTime<Utc>>,
}

impl Viewer {
    fn visible(&self) -> Condition {
        let of = of_note(self.note.id);
        match self.since {
            Some(since) => of.add(Column::KeptAt.gte(since)),
            None => of,
        }
    }
}

/// Note `id`'s history as `user` may see it; `NotFound` for anyone the note is neither
/// theirs nor shared with.
pub(crate) async fn viewer(db: &impl ConnectionTrait, user: i64, id: i64) -> ApiResult<Viewer> {
    let (note, access) = access::note(db, user, id).await?;
    let since = match access {
        Access::Owner => None,
        Access::Edit | Access::Read => NoteShare::find()
            .filter(note_share::Column::NoteId.eq(id))
            .filter(note_share::Column::UserId.eq(user))
            .one(db)
            .await?
            .map(|share| share.created_at),
    };
    Ok(Viewer {
        note,
        access,
        since,
    })
}

/// Revision `number` if `viewer` may see it.
pub(crate) async fn revision(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    number: i64,
) -> ApiResult<note_revision::Model> {
    Revision::find()
        .filter(viewer.visible())
        .filter(Column::Revision.eq(number))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)
}

/// One page of note `id`'s revisions that `user` may see, newest first.
pub async fn page(
    db: &DatabaseConnection,
    user: i64,
    id: i64,
    request: &PageRequest,
) -> ApiResult<Numbered<api::Revision>> {
    let txn = snapshot(db).await?;
    let viewer = viewer(&txn, user, id).await?;
    let visible = || Revision::find().filter(viewer.visible());
    let count = visible().count(&txn).await?;
    let number = request.resolve(count)?;
    let results = visible()
        .order_by_desc(Column::Revision)
        .limit(request.size)
        .offset(request.offset(number))
        .into_partial_model::<Listed>()
        .all(&txn)
        .await?;
    let results = with_names(&txn, results).await?;
    txn.commit().await?;
    Ok(Numbered {
        count,
        number,
        pages: last_page(count, request.size),
        results,
    })
}

/// Revision `number` of note `id`, whole.
pub async fn one(
    db: &DatabaseConnection,
    user: i64,
    id: i64,
    number: i64,
) -> ApiResult<api::Revision> {
    let txn = snapshot(db).await?;
    let viewer = viewer(&txn, user, id).await?;
    let row = revision(&txn, &viewer, number).await?;
    let content = text_of(&txn, &row, &viewer.note.content).await?;
    let mut shown = with_names(&txn, vec![listed(&row)]).await?.remove(0);
    txn.commit().await?;
    shown.content = Some(content);
    Ok(shown)
}

/// What a diff compares a revision with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Against {
    /// The next revision the viewer sees, or the note's text for the newest.
    Next,
    Revision(i64),
    Current,
}

/// What changed from revision `number` of note `id` to `against`.
pub async fn diff(
    db: &DatabaseConnection,
    user: i64,
    id: i64,
    number: i64,
    against: Against,
) -> ApiResult<RevisionDiff> {
    let txn = snapshot(db).await?;
    let viewer = viewer(&txn, user, id).await?;
    let from = revision(&txn, &viewer, number).await?;
    let against = match against {
        Against::Next => Revision::find()
            .filter(viewer.visible())
            .filter(Column::Revision.gt(number))
            .order_by_asc(Column::Revision)
            .one(&txn)
            .await?
            .map_or(Against::Current, |next| Against::Revision(next.revision)),
        other => other,
    };
    let current = &viewer.note.content;
    let (to, to_title, to_text) = match against {
        Against::Revision(other) => {
            let row = revision(&txn, &viewer, other).await?;
            let text = text_of(&txn, &row, current).await?;
            (DiffSide::Revision(other), row.title, text)
        }
        _ => (
            DiffSide::Current(api::CurrentText::Current),
            viewer.note.title.clone(),
            current.clone(),
        ),
    };
    let from_text = text_of(&txn, &from, current).await?;
    txn.commit().await?;
    Ok(RevisionDiff {
        from: DiffSide::Revision(number),
        to,
        title: TitleChange {
            from: from.title,
            to: to_title,
        },
        hunks: diff::hunks(&from_text, &to_text),
    })
}

/// Keeps a text `user` set aside in a conflict on note `id`, leaving the note as it is.
/// Theirs to write, or shared with them to edit.
pub async fn set_aside(
    db: &DatabaseConnection,
    user: i64,
    id: i64,
    (title, content): (NoteTitle, NoteContent),
) -> ApiResult<api::Revision> {
    let (title, content) = (title.into_inner(), content.into_inner());
    let txn = db.begin().await?;
    // The next number, taken by bumping the note's count (not its version: the text is
    // unchanged), which also holds the note until this commits.
    let Some(note) = Note::update_many()
        .col_expr(
            note::Column::LastRevision,
            Expr::col(note::Column::LastRevision).add(1),
        )
        .filter(note::Column::Id.eq(id))
        .exec_with_returning(&txn)
        .await?
        .pop()
    else {
        return Err(ApiError::NotFound);
    };
    let (_, access) = access::note(&txn, user, id).await?;
    access.write()?;
    let (lines_added, lines_removed) = diff::counts(&note.content, &content);
    let now = Utc::now();
    let mut shown = Listed {
        revision: 0,
        version: None,
        kind: revision_kinds::SET_ASIDE.to_owned(),
        title,
        saved_at: now,
        saved_by_id: Some(user),
        saved_by_name: None,
        chars: chars(&content),
        lines_added,
        lines_removed,
    };
    let row = note_revision::ActiveModel {
        note_id: Set(id),
        owner_id: Set(note.author_id),
        version: Set(None),
        kind: Set(shown.kind.clone()),
        title: Set(shown.title.clone()),
        saved_at: Set(now),
        saved_by_id: Set(shown.saved_by_id),
        saved_by_name: Set(shown.saved_by_name.clone()),
        kept_at: Set(now),
        day: Set(day_of(now)),
        chars: Set(shown.chars),
        lines_added: Set(lines_added),
        lines_removed: Set(lines_removed),
        delta: Set(None),
        run_bytes: Set(0),
        ..Default::default()
    };
    shown.revision = note.last_revision;
    let keeping = Keeping {
        attachments: markup::attachments::references(&content),
        row: note_revision::ActiveModel {
            content: Set(Some(content)),
            ..row
        },
        lines: (0, 0),
        run: 0,
    };
    keep(&txn, keeping, note.last_revision).await?;
    let shown = with_names(&txn, vec![shown]).await?.remove(0);
    txn.commit().await?;
    Ok(shown)
}

/// Deletes the revisions of `author`'s notes whose ids `ids` selects (deleted for good),
/// in `txn`.
pub(crate) async fn forget(
    txn: &impl ConnectionTrait,
    author: i64,
    ids: sea_orm::sea_query::SelectStatement,
) -> ApiResult<()> {
    Revision::delete_many()
        .filter(Column::OwnerId.eq(author))
        .filter(Column::NoteId.in_subquery(ids))
        .exec(txn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_walk_is_bounded_by_the_text_and_by_a_ceiling() {
        assert!(!too_far(4_000, 100));
        assert!(too_far(4_097, 100));
        assert!(!too_far(20_000, 20_000));
        assert!(too_far(20_001, 20_000));
        assert!(too_far(MAX_RUN + 1, 1_000_000));
    }
}
