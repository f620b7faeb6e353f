//! The trash: a deleted note moves to `trashed_notes` whole, in the transaction that
//! deletes it, and moves back on restore with its id, text, pin and version, so an
//! `If-Match` taken before the delete still names it. To everything that reads `notes`
//! (and to the original's client) a trashed note is simply gone.

use crate::error::{ApiError, ApiResult};
use crate::events::record::NoteAction;
use crate::notes::announce;
use crate::notes::history;
use crate::notes::precondition::Precondition;
use crate::notes::store::{CONDITIONAL_ATTEMPTS, Versioned, find, versioned};
use crate::storage::entities::note::{self, Column, Entity as Note};
use crate::storage::entities::trashed_note::{self, Entity as Trashed};
use crate::storage::paging::{Numbered, PageRequest, last_page};
use crate::storage::pruning::Prune;
use chrono::{DateTime, SecondsFormat, Utc};
use migrations::m20261203_000014_tags_and_pins::tag_rows;
use migrations::search::searchable;
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Statement, TransactionTrait,
};
use std::time::Duration;

/// One page of the trash, newest deletion first.
pub type TrashPage = Numbered<app::api::TrashedNote>;

fn rfc3339(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn to_api(t: trashed_note::Model) -> app::api::TrashedNote {
    app::api::TrashedNote {
        id: t.id,
        title: t.title,
        content: t.content,
        created_at: rfc3339(t.created_at),
        updated_at: rfc3339(t.updated_at),
        author: t.author_id,
        pinned: t.pinned,
        deleted_at: rfc3339(t.deleted_at),
    }
}

/// Moves the author's note `id` to the trash: `DELETE` on either path. The delete and
/// the copy are one transaction, and the delete returns the row it removed, so of two
/// deletes at once one moves the note and the other hears 404. Under `If-Match` the
/// delete also requires the version checked.
pub async fn delete(
    db: &DatabaseConnection,
    author: i64,
    id: i64,
    precondition: &Precondition,
) -> ApiResult<()> {
    for _ in 0..CONDITIONAL_ATTEMPTS {
        let mut removal = Note::delete_many()
            .filter(Column::Id.eq(id))
            .filter(Column::AuthorId.eq(author));
        if precondition.is_conditional() {
            let current = find(db, author, id).await?;
            if !precondition.is_met_by(current.version) {
                return Err(ApiError::PreconditionFailed);
            }
            removal = removal.filter(Column::Version.eq(current.version));
        }
        let txn = db.begin().await?;
        let Some(gone) = removal.exec_with_returning(&txn).await?.pop() else {
            txn.rollback().await?;
            if precondition.is_conditional() {
                // Changed (or deleted) since it was read: look again.
                continue;
            }
            return Err(ApiError::NotFound);
        };
        let note = (gone.id, gone.author_id, gone.version);
        let tags = announce::may_hold_tags(&gone.content);
        trashed_note::ActiveModel {
            id: Set(gone.id),
            title: Set(gone.title),
            content: Set(gone.content),
            created_at: Set(gone.created_at),
            updated_at: Set(gone.updated_at),
            author_id: Set(gone.author_id),
            version: Set(gone.version),
            pinned: Set(gone.pinned),
            deleted_at: Set(Utc::now()),
            updated_by: Set(gone.updated_by),
            lines_added: Set(gone.lines_added),
            lines_removed: Set(gone.lines_removed),
            history_run: Set(gone.history_run),
            last_revision: Set(gone.last_revision),
        }
        .insert(&txn)
        .await?;
        announce::note(&txn, note, NoteAction::Deleted, tags).await?;
        txn.commit().await?;
        return Ok(());
    }
    Err(ApiError::PreconditionFailed)
}

/// Brings the author's trashed note `id` back as it was, tags and all. A note already
/// back (restored twice, say by a retry) is simply answered as it is.
pub async fn restore(db: &DatabaseConnection, author: i64, id: i64) -> ApiResult<Versioned> {
    let txn = db.begin().await?;
    let Some(t) = Trashed::delete_many()
        .filter(trashed_note::Column::Id.eq(id))
        .filter(trashed_note::Column::AuthorId.eq(author))
        .exec_with_returning(&txn)
        .await?
        .pop()
    else {
        txn.rollback().await?;
        return find(db, author, id).await.map(versioned);
    };
    let back = note::ActiveModel {
        id: Set(t.id),
        search_text: Set(searchable(&t.title, &t.content)),
        title: Set(t.title),
        content: Set(t.content),
        created_at: Set(t.created_at),
        updated_at: Set(t.updated_at),
        author_id: Set(t.author_id),
        version: Set(t.version),
        pinned: Set(t.pinned),
        updated_by: Set(t.updated_by),
        lines_added: Set(t.lines_added),
        lines_removed: Set(t.lines_removed),
        history_run: Set(t.history_run),
        last_revision: Set(t.last_revision),
    }
    .insert(&txn)
    .await?;
    for insert in tag_rows(back.id, back.author_id, &back.content) {
        txn.execute(&insert).await?;
    }
    announce::of(&txn, &back, NoteAction::Restored).await?;
    txn.commit().await?;
    Ok(versioned(back))
}

/// One page of the author's trash, or all of it (`request` `None`), newest deletion
/// first.
pub async fn page(
    db: &DatabaseConnection,
    author: i64,
    request: Option<&PageRequest>,
) -> ApiResult<TrashPage> {
    let theirs = || Trashed::find().filter(trashed_note::Column::AuthorId.eq(author));
    let newest_first = || {
        theirs()
            .order_by_desc(trashed_note::Column::DeletedAt)
            .order_by_desc(trashed_note::Column::Id)
    };
    let Some(request) = request else {
        let all = newest_first().all(db).await?;
        let count = all.len() as u64;
        return Ok(TrashPage {
            count,
            number: 1,
            pages: 1,
            results: all.into_iter().map(to_api).collect(),
        });
    };
    let txn = db.begin().await?;
    let count = theirs().count(&txn).await?;
    let number = request.resolve(count)?;
    let results = newest_first()
        .limit(request.size)
        .offset((number - 1) * request.size)
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(TrashPage {
        count,
        number,
        pages: last_page(count, request.size),
        results: results.into_iter().map(to_api).collect(),
    })
}

/// Deletes the author's trashed note `id` for good, with its history.
pub async fn purge(db: &DatabaseConnection, author: i64, id: i64) -> ApiResult<()> {
    let txn = db.begin().await?;
    let Some(gone) = Trashed::delete_many()
        .filter(trashed_note::Column::Id.eq(id))
        .filter(trashed_note::Column::AuthorId.eq(author))
        .exec_with_returning(&txn)
        .await?
        .pop()
    else {
        return Err(ApiError::NotFound);
    };
    let this = sea_orm::sea_query::Query::select()
        .expr(sea_orm::sea_query::Expr::val(id))
        .to_owned();
    history::forget(&txn, author, this).await?;
    let note = (gone.id, author, gone.version);
    announce::note(&txn, note, NoteAction::Purged, false).await?;
    txn.commit().await?;
    Ok(())
}

/// Deletes everything in the author's trash for good, with its history; how many notes
/// went.
pub async fn empty(db: &DatabaseConnection, author: i64) -> ApiResult<u64> {
    let txn = db.begin().await?;
    let theirs = Trashed::find()
        .select_only()
        .column(trashed_note::Column::Id)
        .filter(trashed_note::Column::AuthorId.eq(author))
        .into_query();
    history::forget(&txn, author, theirs).await?;
    let gone: Vec<(i64, i64)> = Trashed::delete_many()
        .filter(trashed_note::Column::AuthorId.eq(author))
        .exec_with_returning(&txn)
        .await?
        .into_iter()
        .map(|t| (t.id, t.version))
        .collect();
    announce::notes(&txn, author, &gone, NoteAction::Purged, false).await?;
    txn.commit().await?;
    Ok(gone.len() as u64)
}

/// Notes in the trash for longer than `TRASH_RETENTION`, for the pruner.
pub struct ExpiredTrash {
    pub retention: Duration,
}

impl Prune for ExpiredTrash {
    fn what(&self) -> &'static str {
        "trashed_notes"
    }

    fn statement(&self, backend: DbBackend) -> Option<Statement> {
        let retention = chrono::Duration::from_std(self.retention).unwrap_or(chrono::Duration::MAX);
        let before = Utc::now().checked_sub_signed(retention)?;
        Some(
            Trashed::delete_many()
                .filter(trashed_note::Column::DeletedAt.lte(before))
                .build(backend),
        )
    }
}
