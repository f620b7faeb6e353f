//! A user's notes. Every query is scoped to the author, so another user's note is
//! indistinguishable from one that does not exist.

use crate::accounts::users;
use crate::error::{ApiError, ApiResult};
use crate::events::record::NoteAction;
use crate::notes::access::{self, Access, Permission};
use crate::notes::announce;
use crate::notes::creation_keys;
use crate::notes::group_commit::GroupCommit;
use crate::notes::history;
use crate::notes::inline_reads::InlineReads;
use crate::notes::precondition::Precondition;
use crate::notes::search::{Plan, Terms};
use crate::notes::sharing;
use crate::notes::tags::{self, TagFilter};
use crate::storage::db::snapshot;
use crate::storage::entities::note::{self, Column, Entity as Note};
use crate::storage::paging::{Numbered, PageRequest, last_page};
use app::validation::{NoteContent, NoteTitle};
use chrono::SecondsFormat;
use migrations::search::searchable;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select, TransactionTrait,
};

/// How often a conditional write re-reads a note that changed under it before giving up
/// with `412`; only a list of tags naming a later version can need more than one.
pub(crate) const CONDITIONAL_ATTEMPTS: usize = 3;

/// What a change sets; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct NoteChanges {
    pub title: Option<NoteTitle>,
    pub content: Option<NoteContent>,
    pub pinned: Option<bool>,
}

impl NoteChanges {
    /// Pinning is not editing: it leaves the version and `updated_at` as they were.
    fn edits_text(&self) -> bool {
        self.title.is_some() || self.content.is_some()
    }
}

/// Which of the author's notes a list shows.
#[derive(Debug, Default)]
pub struct Filters {
    pub search: Terms,
    pub tag: Option<TagFilter>,
}

/// A note from `create`.
pub struct Created {
    pub note: Versioned,
    /// Made by an earlier request with the same `Idempotency-Key`, not by this one.
    pub replayed: bool,
}

/// A note and the version it was read or written at (its `ETag`).
#[derive(Debug)]
pub struct Versioned {
    pub note: app::api::Note,
    pub version: i64,
}

/// One page of the author's notes.
pub type Page = Numbered<app::api::Note>;

fn to_api(n: note::Shown) -> app::api::Note {
    app::api::Note {
        id: n.id,
        title: n.title,
        content: n.content,
        created_at: n.created_at.to_rfc3339_opts(SecondsFormat::Micros, true),
        updated_at: n.updated_at.to_rfc3339_opts(SecondsFormat::Micros, true),
        author: n.author_id,
        pinned: n.pinned,
        ..Default::default()
    }
}

pub(crate) fn versioned(n: impl Into<note::Shown>) -> Versioned {
    let n = n.into();
    Versioned {
        version: n.version,
        note: to_api(n),
    }
}

/// The author's notes that hold every search term and the tag.
fn matching(author: i64, plan: &Plan, tag: Option<&TagFilter>, backend: DbBackend) -> Select<Note> {
    let select = Note::find().filter(plan.condition(author, backend));
    match tag {
        Some(tag) => select.filter(tag.condition(author)),
        None => select,
    }
}

/// Pinned notes first, then newest first: the order of the list's index.
fn newest_first(select: Select<Note>) -> Select<Note> {
    select
        .order_by_desc(Column::Pinned)
        .order_by_desc(Column::CreatedAt)
        .order_by_desc(Column::Id)
}

/// No notes may mean no user: one whose account was deleted while their access token
/// lives on hears so, rather than an empty list.
async fn nothing_found(db: &impl ConnectionTrait, author: i64) -> ApiResult<()> {
    users::by_id(db, author).await.map(drop)
}

/// The original's list as its JSON body. On SQLite a short plain list is read and
/// written out in this thread (see `inline_reads`); anything else is [`list`].
pub async fn list_json(
    db: &DatabaseConnection,
    inline: Option<&InlineReads>,
    author: i64,
    filters: &Filters,
) -> ApiResult<Vec<u8>> {
    if filters.search.is_empty()
        && filters.tag.is_none()
        && let Some(json) = inline.and_then(|reads| reads.notes_json(author))
    {
        return Ok(json);
    }
    let notes = list(db, author, filters).await?;
    serde_json::to_vec(&notes).map_err(|e| ApiError::Internal(format!("writing a list: {e}")))
}

/// The original's list: every matching note, newest first.
pub async fn list(
    db: &DatabaseConnection,
    author: i64,
    filters: &Filters,
) -> ApiResult<Vec<app::api::Note>> {
    let plan = filters.search.plan(db).await?;
    let backend = db.get_database_backend();
    let notes = newest_first(matching(author, &plan, filters.tag.as_ref(), backend))
        .into_partial_model::<note::Shown>()
        .all(db)
        .await?;
    if notes.is_empty() {
        nothing_found(db, author).await?;
    }
    Ok(notes.into_iter().map(to_api).collect())
}

/// One page of the matching notes. The count and the page are read from one snapshot,
/// so they agree however many notes are written meanwhile.
pub async fn page(
    db: &DatabaseConnection,
    author: i64,
    filters: &Filters,
    request: &PageRequest,
) -> ApiResult<Page> {
    let backend = db.get_database_backend();
    let txn = snapshot(db).await?;
    let plan = filters.search.plan(&txn).await?;
    let tag = filters.tag.as_ref();
    let count = match (&plan, tag) {
        // Every row of the tag is one of the author's notes: its index alone counts them.
        (Plan::All, Some(tag)) => tag.count(&txn, author).await?,
        _ => matching(author, &plan, tag, backend).count(&txn).await?,
    };
    if count == 0 {
        nothing_found(&txn, author).await?;
    }
    let number = request.resolve(count)?;
    let before = (number - 1) * request.size;
    let take = std::cmp::min(request.size, count - before);
    let after = count - before - take;
    if backend == DbBackend::Postgres && plan.reads_every_note() {
        // Only for this read-only transaction; see `Plan::reads_every_note`.
        txn.execute_unprepared("SET LOCAL enable_sort = off")
            .await?;
    }
    // An OFFSET is walked, so a page past the middle is read from the other end: the
    // last of 1,000 pages costs what the first does. The count and the page come from
    // one snapshot, so both ends agree on where the page lies.
    let results = if after < before {
        let mut oldest_first = matching(author, &plan, tag, backend)
            .order_by_asc(Column::Pinned)
            .order_by_asc(Column::CreatedAt)
            .order_by_asc(Column::Id)
            .limit(take)
            .offset(after)
            .into_partial_model::<note::Shown>()
            .all(&txn)
            .await?;
        oldest_first.reverse();
        oldest_first
    } else {
        newest_first(matching(author, &plan, tag, backend))
            .limit(take)
            .offset(before)
            .into_partial_model::<note::Shown>()
            .all(&txn)
            .await?
    };
    let ids: Vec<i64> = results.iter().map(|n| n.id).collect();
    let shared = sharing::shared_among(&txn, &ids).await?;
    txn.commit().await?;
    let mut results: Vec<app::api::Note> = results.into_iter().map(to_api).collect();
    for note in &mut results {
        note.shared = shared.contains(&note.id);
    }
    Ok(Page {
        count,
        number,
        pages: last_page(count, request.size),
        results,
    })
}

/// Through `batches` on SQLite (see `group_commit`), else straight to `db`; under a
/// `key`, once (see `creation_keys`).
pub async fn create(
    db: &DatabaseConnection,
    batches: Option<&GroupCommit>,
    author: i64,
    (title, content, pinned): (NoteTitle, NoteContent, bool),
    key: Option<&str>,
) -> ApiResult<Created> {
    let now = chrono::Utc::now();
    let (title, content) = (title.into_inner(), content.into_inner());
    let note = note::ActiveModel {
        search_text: Set(searchable(&title, &content)),
        title: Set(title),
        content: Set(content),
        created_at: Set(now),
        updated_at: Set(now),
        author_id: Set(author),
        version: Set(1),
        pinned: Set(pinned),
        ..Default::default()
    };
    let key = key.map(|key| (author, key));
    let made = match batches {
        Some(batches) => batches.insert(note, key).await?,
        None => creation_keys::insert(db, note, key).await?,
    };
    Ok(Created {
        note: versioned(made.note),
        replayed: made.replayed,
    })
}

/// The author's note `id`; another user's note is `NotFound` like a missing one.
pub async fn find(db: &DatabaseConnection, author: i64, id: i64) -> ApiResult<note::Model> {
    Note::find_by_id(id)
        .filter(Column::AuthorId.eq(author))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)
}

/// Note `id` as `user` sees it: theirs, or shared with them (with their own pin).
pub async fn get(db: &DatabaseConnection, user: i64, id: i64) -> ApiResult<Versioned> {
    let (note, access) = access::note(db, user, id).await?;
    seen_by(db, user, access, note).await
}

/// `note` with `user`'s pin: the note's own for its author, theirs for anyone else.
async fn seen_by(
    db: &impl ConnectionTrait,
    user: i64,
    access: Access,
    note: note::Model,
) -> ApiResult<Versioned> {
    let mut shown = versioned(note);
    let id = shown.note.id;
    match access {
        Access::Owner => shown.note.shared = sharing::shared_among(db, &[id]).await?.contains(&id),
        Access::Edit | Access::Read => {
            shown.note.pinned = sharing::pinned(db, user, id).await?;
            shown.note.owner = Some(sharing::owner(db, shown.note.author).await?);
            let permission = if access == Access::Edit {
                Permission::Edit
            } else {
                Permission::Read
            };
            shown.note.permission = Some(permission.as_str().to_owned());
        }
    }
    Ok(shown)
}

/// Pins or unpins a note for `user`: the note's own pin for its author, a pin of their
/// own for anyone it is shared with. Not a write of the note: its version stays, so one
/// person's pin never makes another's next save a `412`, and `If-Match` does not apply.
async fn pin(
    db: &DatabaseConnection,
    user: i64,
    access: Access,
    note: &note::Model,
    on: bool,
) -> ApiResult<()> {
    let txn = db.begin().await?;
    if access == Access::Owner {
        Note::update_many()
            .col_expr(Column::Pinned, Expr::value(on))
            .filter(Column::Id.eq(note.id))
            .exec(&txn)
            .await?;
    } else {
        sharing::pin(&txn, user, note.id, on).await?;
    }
    // The pin is the pinner's alone.
    announce::to(
        &txn,
        user,
        (note.id, note.version),
        NoteAction::Updated,
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// `written` with the pin that came with its words, as `user` sees it.
async fn pinned_then_shown(
    db: &DatabaseConnection,
    user: i64,
    access: Access,
    mut written: note::Model,
    pinned: Option<bool>,
) -> ApiResult<Versioned> {
    if let Some(on) = pinned {
        pin(db, user, access, &written, on).await?;
        if access == Access::Owner {
            written.pinned = on;
        }
    }
    seen_by(db, user, access, written).await
}

/// Writes the note as `current` with `changes` applied, the whole row as Django's
/// `save()` does, and keeps the text it replaces (`history`) in the same transaction.
/// The write requires the version `current` was read at, in the statement that bumps it,
/// so the text kept is the text replaced: of two writers holding one version exactly one
/// wins; the other re-reads and, under `If-Match`, hears `412` (or `404` if it is gone).
/// The revision is prepared before the write, from the note as read, so the writer is
/// held only for the statements themselves. An unconditional write that loses the race
/// is made again holding the note.
pub async fn update(
    db: &DatabaseConnection,
    user: i64,
    access: Access,
    mut current: note::Model,
    changes: NoteChanges,
    precondition: &Precondition,
) -> ApiResult<Versioned> {
    if !changes.edits_text() {
        if let Some(on) = changes.pinned {
            pin(db, user, access, &current, on).await?;
        }
        let (now, access) = access::note(db, user, current.id).await?;
        return seen_by(db, user, access, now).await;
    }
    // A pin sent with words goes in only with them: a write refused (read only, or
    // `412`) pins nothing either.
    access.write()?;
    let new_title = changes.title.map(NoteTitle::into_inner);
    let new_content = changes.content.map(NoteContent::into_inner);
    // An unconditional write that lost one race holds the note for its next try, rather
    // than redo the revision's reads and diffs for every writer that comes first.
    let attempts = if precondition.is_conditional() {
        CONDITIONAL_ATTEMPTS
    } else {
        1
    };
    for _ in 0..attempts {
        if !precondition.is_met_by(current.version) {
            return Err(ApiError::PreconditionFailed);
        }
        let title = new_title.as_deref().unwrap_or(&current.title);
        let content = new_content.as_deref().unwrap_or(&current.content);
        let keeping = (title != current.title || content != current.content)
            .then(|| history::prepare(&current, content));
        let txn = db.begin().await?;
        let written = rewrite(user, current.id, (title, content), keeping.as_ref())
            .filter(Column::Version.eq(current.version))
            .exec_with_returning(&txn)
            .await?
            .pop();
        if let Some(written) = written {
            settle(txn, &current, &written, keeping).await?;
            return pinned_then_shown(db, user, access, written, changes.pinned).await;
        }
        txn.rollback().await?;
        // Changed under us: a share ended meanwhile is `NotFound`, made read-only
        // `Forbidden`, and a newer version is weighed against the precondition again.
        let (again, now) = access::note(db, user, current.id).await?;
        now.write()?;
        current = again;
    }
    if precondition.is_conditional() {
        return Err(ApiError::PreconditionFailed);
    }
    let written = holding(db, user, current.id, (new_title, new_content)).await?;
    pinned_then_shown(db, user, access, written, changes.pinned).await
}

/// The statement that writes `title` and `content` over note `id` if `user` may, with
/// what the note carries for its next revision when this one keeps one: who may write is
/// part of it, so a share ended or made read-only since the note was read stops it.
fn rewrite(
    user: i64,
    id: i64,
    (title, content): (&str, &str),
    keeping: Option<&history::Keeping>,
) -> sea_orm::UpdateMany<Note> {
    let mut write = Note::update_many()
        .col_expr(Column::Title, Expr::value(title))
        .col_expr(Column::Content, Expr::value(content))
        .col_expr(Column::SearchText, Expr::value(searchable(title, content)))
        .col_expr(Column::Version, Expr::col(Column::Version).add(1))
        .col_expr(Column::UpdatedAt, Expr::value(chrono::Utc::now()))
        .col_expr(Column::UpdatedBy, Expr::value(user));
    if let Some(keeping) = keeping {
        write = write
            .col_expr(Column::LinesAdded, Expr::value(keeping.lines.0))
            .col_expr(Column::LinesRemoved, Expr::value(keeping.lines.1))
            .col_expr(Column::HistoryRun, Expr::value(keeping.run))
            .col_expr(Column::LastRevision, Expr::col(Column::LastRevision).add(1));
    }
    write
        .filter(Column::Id.eq(id))
        .filter(access::writable_by(user))
}

/// An unconditional write made holding the note (`history::locked`): it cannot lose a
/// race, however many writers there are.
async fn holding(
    db: &DatabaseConnection,
    user: i64,
    id: i64,
    (new_title, new_content): (Option<String>, Option<String>),
) -> ApiResult<note::Model> {
    let txn = db.begin().await?;
    let Some(old) = history::locked(&txn, id).await? else {
        return Err(ApiError::NotFound);
    };
    let title = new_title.as_deref().unwrap_or(&old.title);
    let content = new_content.as_deref().unwrap_or(&old.content);
    let keeping =
        (title != old.title || content != old.content).then(|| history::prepare(&old, content));
    let Some(written) = rewrite(user, id, (title, content), keeping.as_ref())
        .exec_with_returning(&txn)
        .await?
        .pop()
    else {
        txn.rollback().await?;
        let (_, now) = access::note(db, user, id).await?;
        now.write()?;
        return Err(ApiError::NotFound);
    };
    settle(txn, &old, &written, keeping).await?;
    Ok(written)
}

/// What a write of `old` as `written` brings along in its transaction, then commits: the
/// revision of the text it replaced, and the tags when they can have changed.
async fn settle(
    txn: sea_orm::DatabaseTransaction,
    old: &note::Model,
    written: &note::Model,
    keeping: Option<history::Keeping>,
) -> ApiResult<()> {
    if let Some(keeping) = keeping {
        history::keep(&txn, keeping, written.last_revision).await?;
    }
    let tags_changed = tags::may_change(&old.content, &written.content);
    if tags_changed {
        tags::replace(&txn, written).await?;
    }
    let note = (written.id, written.author_id, written.version);
    announce::note(&txn, note, NoteAction::Updated, tags_changed).await?;
    txn.commit().await?;
    Ok(())
}
