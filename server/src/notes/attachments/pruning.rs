//! Files nothing refers to any more are deleted: one that no note, trashed note or kept
//! version of its owner's has referred to for [`UNUSED_FOR`], and an upload that never
//! finished. Each pass first marks when each file was last seen unreferenced; on
//! PostgreSQL one replica at a time runs it (an advisory lock, as the pruner takes).

use super::forget;
use crate::error::ApiResult;
use crate::storage::blobs::Blobs;
use crate::storage::entities::attachment::{self, Column, Entity as Attachment};
use crate::storage::entities::{attachment_use, note, trashed_note};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbBackend, EntityTrait, QueryFilter, QuerySelect,
    TransactionTrait,
};
use std::sync::Arc;
use std::time::Duration;

/// How long a file stays after the last reference to it went.
pub const UNUSED_FOR: Duration = Duration::from_secs(24 * 60 * 60);

/// How often each replica looks.
const EVERY: Duration = Duration::from_secs(10 * 60);

/// The advisory lock's key ("attachmt" in ASCII).
const LOCK_KEY: i64 = 0x6174_7461_6368_6d74;

/// Whether some note, trashed note or kept version of the file's owner refers to it.
fn referenced(backend: DbBackend) -> Condition {
    // sea-query's custom expressions take the backend's own placeholders.
    let like_pattern = match backend {
        DbBackend::Postgres => "$1 LIKE '%' || $2 || $3 || '/%'",
        _ => "? LIKE '%' || ? || ? || '/%'",
    };
    let like = |text: Expr| {
        Expr::cust_with_exprs(
            like_pattern,
            [
                text,
                Expr::val(markup::attachments::PATH),
                Expr::col((attachment::Entity, Column::Id)),
            ],
        )
    };
    let in_notes = Query::select()
        .expr(Expr::val(1))
        .from(note::Entity)
        .and_where(
            Expr::col((note::Entity, note::Column::AuthorId))
                .eq(Expr::col((attachment::Entity, Column::OwnerId))),
        )
        .and_where(like(Expr::col((note::Entity, note::Column::Content))))
        .to_owned();
    let in_trash = Query::select()
        .expr(Expr::val(1))
        .from(trashed_note::Entity)
        .and_where(
            Expr::col((trashed_note::Entity, trashed_note::Column::AuthorId))
                .eq(Expr::col((attachment::Entity, Column::OwnerId))),
        )
        .and_where(like(Expr::col((
            trashed_note::Entity,
            trashed_note::Column::Content,
        ))))
        .to_owned();
    let live_note = Condition::any()
        .add(
            Expr::col((attachment_use::Entity, attachment_use::Column::NoteId)).in_subquery(
                Query::select()
                    .column(note::Column::Id)
                    .from(note::Entity)
                    .to_owned(),
            ),
        )
        .add(
            Expr::col((attachment_use::Entity, attachment_use::Column::NoteId)).in_subquery(
                Query::select()
                    .column(trashed_note::Column::Id)
                    .from(trashed_note::Entity)
                    .to_owned(),
            ),
        );
    let in_history = Query::select()
        .expr(Expr::val(1))
        .from(attachment_use::Entity)
        .and_where(
            Expr::col((attachment_use::Entity, attachment_use::Column::AttachmentId))
                .eq(Expr::col((attachment::Entity, Column::Id))),
        )
        .cond_where(live_note)
        .to_owned();
    Condition::any()
        .add(Expr::exists(in_notes))
        .add(Expr::exists(in_trash))
        .add(Expr::exists(in_history))
}

/// One pass at `now`: how many files went.
pub async fn prune(
    db: &DatabaseConnection,
    blobs: &Blobs,
    upload_timeout: Duration,
    now: DateTime<Utc>,
) -> ApiResult<u64> {
    let txn = db.begin().await?;
    if !crate::storage::pruning::alone(&txn, LOCK_KEY).await? {
        return Ok(0);
    }
    let backend = db.get_database_backend();
    Attachment::update_many()
        .col_expr(
            Column::UnreferencedSince,
            Expr::value(None::<DateTime<Utc>>),
        )
        .filter(Column::Size.is_not_null())
        .filter(Column::UnreferencedSince.is_not_null())
        .filter(referenced(backend))
        .exec(&txn)
        .await?;
    Attachment::update_many()
        .col_expr(Column::UnreferencedSince, Expr::value(Some(now)))
        .filter(Column::Size.is_not_null())
        .filter(Column::UnreferencedSince.is_null())
        .filter(referenced(backend).not())
        .exec(&txn)
        .await?;
    let unused_since = now - UNUSED_FOR;
    let abandoned_since = now - upload_timeout * 2;
    let doomed = Attachment::find()
        .filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(Column::Size.is_not_null())
                        .add(Column::UnreferencedSince.lt(unused_since)),
                )
                .add(
                    Condition::all()
                        .add(Column::Size.is_null())
                        .add(Column::CreatedAt.lt(abandoned_since)),
                ),
        )
        .limit(1000)
        .all(&txn)
        .await?;
    txn.commit().await?;
    let mut gone = 0;
    for file in &doomed {
        match forget(db, blobs, file).await {
            Ok(()) => gone += 1,
            Err(e) => {
                tracing::warn!(error = %e, id = file.id, "an unused attachment stays for now")
            }
        }
    }
    Ok(gone)
}

/// Prunes every [`EVERY`] for as long as the process runs.
pub fn spawn(db: DatabaseConnection, blobs: Arc<Blobs>, upload_timeout: Duration) {
    crate::storage::pruning::periodically(EVERY, move || {
        let (db, blobs) = (db.clone(), blobs.clone());
        async move {
            match prune(&db, &blobs, upload_timeout, Utc::now()).await {
                Ok(0) => {}
                Ok(gone) => tracing::info!(gone, "deleted unused attachments"),
                Err(e) => tracing::warn!(error = %e, "pruning attachments failed"),
            }
        }
    });
}
