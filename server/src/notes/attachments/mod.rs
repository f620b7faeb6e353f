//! Attachments: files a person uploads and their notes refer to by URL
//! (`markup::attachments`). The bytes are kept by `storage::blobs`; here, what may be
//! uploaded and by whom it may be read.
//!
//! **Who reads a file:** its owner; a person who may read a note that refers to it *and
//! is owned by the file's owner* (so pasting someone else's file id into one's own note
//! reads nothing); and, through a note's link, anyone holding that link, if that note
//! refers to it. Everyone else gets 404, as for a note.

pub mod archived;
pub mod location;
pub mod moving;
pub mod preview;
pub mod pruning;
pub mod sniff;

use crate::error::{ApiError, ApiResult};
use crate::notes::access;
use crate::ops::settings::StorageLocation;
use crate::storage::blobs::{BlobWriter, Blobs, Kind, key};
use crate::storage::entities::attachment::{self, Column, Entity as Attachment};
use crate::storage::entities::attachment_use;
use crate::storage::entities::note::{self, Entity as Note};
use crate::storage::entities::user::Entity as User;
use app::errors::messages;
use bytes::Bytes;
use chrono::Utc;
use futures::{Stream, StreamExt};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use sha2::{Digest, Sha256};
use std::time::Duration;
use tokio::time::Instant;

/// What uploads may be: `ATTACHMENT_MAX_MB`, `STORAGE_QUOTA_MB` and `UPLOAD_TIMEOUT`.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_bytes: u64,
    pub quota_bytes: u64,
    pub timeout: Duration,
}

/// A file's bytes as they arrive, and what the uploader said of it.
pub struct Incoming<S> {
    pub name: Option<String>,
    pub bytes: S,
}

/// A person's attachments take up `used` of their `quota`, in bytes.
pub async fn usage(
    db: &impl ConnectionTrait,
    owner: i64,
    limits: &Limits,
) -> ApiResult<(u64, u64)> {
    let used: Option<i64> = Attachment::find()
        .select_only()
        // PostgreSQL's SUM of a BIGINT is a NUMERIC.
        .column_as(
            sea_orm::sea_query::Expr::cust("CAST(SUM(size) AS BIGINT)"),
            "used",
        )
        .filter(Column::OwnerId.eq(owner))
        .into_tuple::<Option<i64>>()
        .one(db)
        .await?
        .flatten();
    let own_quota: Option<Option<i32>> = User::find_by_id(owner)
        .select_only()
        .column(crate::storage::entities::user::Column::StorageQuotaMb)
        .into_tuple()
        .one(db)
        .await?;
    let quota = match own_quota.flatten() {
        Some(mb) => u64::from(mb.unsigned_abs()) * 1_000_000,
        None => limits.quota_bytes,
    };
    Ok((used.unwrap_or(0).unsigned_abs(), quota))
}

/// Stores the file `incoming` for `owner` as it arrives: its location data removed if it
/// is an image, its type read from its bytes. Nothing of it is kept if it fails.
pub async fn upload<S>(
    db: &DatabaseConnection,
    writer: &DatabaseConnection,
    blobs: &Blobs,
    owner: i64,
    incoming: Incoming<S>,
    limits: Limits,
) -> ApiResult<attachment::Model>
where
    S: Stream<Item = ApiResult<Bytes>> + Unpin,
{
    let deadline = Instant::now() + limits.timeout;
    let (used, quota) = usage(db, owner, &limits).await?;
    if used >= quota {
        return Err(ApiError::TooLarge(messages::over_quota(used, quota)));
    }
    let id = uuid::Uuid::new_v4().to_string();
    let row = attachment::ActiveModel {
        id: Set(id.clone()),
        owner_id: Set(owner),
        name: Set(sniff::clean_name(incoming.name.as_deref().unwrap_or(""))),
        content_type: Set(sniff::UNKNOWN.to_owned()),
        size: Set(None),
        sha256: Set(String::new()),
        storage: Set(blobs.default.to_string()),
        preview_type: Set(None),
        created_at: Set(Utc::now()),
        unreferenced_since: Set(Some(Utc::now())),
    }
    .insert(writer)
    .await?;
    let file = blobs.create(&blobs.default, key(&id, Kind::Original)).await;
    let stored = match file {
        Ok(file) => receive(file, incoming.bytes, deadline, &limits, used, quota).await,
        Err(e) => Err(e),
    };
    let finished = match stored {
        Ok(stored) => {
            let mut row: attachment::ActiveModel = row.into();
            row.size = Set(Some(stored.size as i64));
            row.sha256 = Set(stored.sha256);
            row.content_type = Set(stored.content_type.to_owned());
            if stored.narrow {
                // No smaller copy: see `preview::narrow`.
                row.preview_type = Set(Some(String::new()));
            }
            row.update(writer).await
        }
        Err(e) => {
            Attachment::delete_by_id(&id).exec(writer).await?;
            return Err(e);
        }
    };
    finished.map_err(Into::into)
}

/// What was stored of an upload.
struct Stored {
    size: u64,
    sha256: String,
    content_type: &'static str,
    /// An image its header says needs no smaller copy.
    narrow: bool,
}

/// Writes the bytes to `file` as they come, within the limits; on any failure the file
/// is given up, so nothing partial stays.
async fn receive<S>(
    mut file: BlobWriter,
    mut bytes: S,
    deadline: Instant,
    limits: &Limits,
    used: u64,
    quota: u64,
) -> ApiResult<Stored>
where
    S: Stream<Item = ApiResult<Bytes>> + Unpin,
{
    let mut cleaner = location::Cleaner::default();
    let mut digest = Sha256::new();
    let mut size = 0u64;
    let mut received = 0u64;
    let result: ApiResult<()> = async {
        loop {
            let piece = match tokio::time::timeout_at(deadline, bytes.next()).await {
                Err(_) => return Err(ApiError::BodyTimeout),
                Ok(None) => break,
                Ok(Some(piece)) => piece?,
            };
            received += piece.len() as u64;
            if received > limits.max_bytes {
                return Err(ApiError::TooLarge(messages::attachment_too_large(
                    limits.max_bytes / 1_000_000,
                )));
            }
            if used + received > quota {
                return Err(ApiError::TooLarge(messages::over_quota(used, quota)));
            }
            for out in cleaner.push(piece) {
                digest.update(&out);
                size += out.len() as u64;
                file.write(&out).await?;
            }
        }
        for out in cleaner.finish() {
            digest.update(&out);
            size += out.len() as u64;
            file.write(&out).await?;
        }
        if size == 0 {
            return Err(ApiError::BadRequest(messages::EMPTY_FILE.to_owned()));
        }
        Ok(())
    }
    .await;
    if let Err(e) = result {
        file.abort().await;
        return Err(e);
    }
    file.finish().await?;
    Ok(Stored {
        size,
        sha256: hex::encode(digest.finalize()),
        content_type: sniff::content_type(cleaner.head()),
        narrow: preview::narrow(cleaner.head()),
    })
}

/// What the API says of `file`.
pub fn to_api(file: &attachment::Model) -> app::api::Attachment {
    app::api::Attachment {
        id: file.id.clone(),
        name: file.name.clone(),
        content_type: file.content_type.clone(),
        size: file.size.unwrap_or(0).unsigned_abs(),
        sha256: file.sha256.clone(),
        created_at: crate::accounts::registration::rfc3339(file.created_at),
        url: markup::attachments::url(&file.id),
    }
}

/// `owner`'s files, newest first.
pub async fn list(db: &impl ConnectionTrait, owner: i64) -> ApiResult<Vec<attachment::Model>> {
    Ok(Attachment::find()
        .filter(Column::OwnerId.eq(owner))
        .filter(Column::Size.is_not_null())
        .order_by_desc(Column::CreatedAt)
        .order_by_desc(Column::Id)
        .all(db)
        .await?)
}

/// A whole file (its size known), by id; `NotFound` for anything else.
async fn find(db: &impl ConnectionTrait, id: &str) -> ApiResult<attachment::Model> {
    if !markup::attachments::is_id(id) {
        return Err(ApiError::NotFound);
    }
    Attachment::find_by_id(id)
        .filter(Column::Size.is_not_null())
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)
}

/// The text a note holds where it refers to attachment `id`.
fn reference_pattern(id: &str) -> String {
    format!("%{}%", markup::attachments::url(id))
}

/// File `id` if `user` may read it: theirs, or referred to by a note of its owner's that
/// `user` may read.
pub async fn readable(
    db: &impl ConnectionTrait,
    user: i64,
    id: &str,
) -> ApiResult<attachment::Model> {
    let file = find(db, id).await?;
    if file.owner_id == user {
        return Ok(file);
    }
    let referring = Note::find()
        .filter(note::Column::AuthorId.eq(file.owner_id))
        .filter(access::readable_by(user))
        .filter(note::Column::Content.like(reference_pattern(id)))
        .count(db)
        .await?;
    if referring == 0 {
        return Err(ApiError::NotFound);
    }
    Ok(file)
}

/// File `id` if note `note`, open through a link, refers to it and is its owner's.
pub async fn linked(
    db: &impl ConnectionTrait,
    note: &note::Model,
    id: &str,
) -> ApiResult<attachment::Model> {
    let file = find(db, id).await?;
    let refers = markup::attachments::references(&note.content)
        .iter()
        .any(|found| found == id);
    if file.owner_id != note.author_id || !refers {
        return Err(ApiError::NotFound);
    }
    Ok(file)
}

/// Deletes `owner`'s file `id`, bytes first: should they fail to go, the row stays to
/// say where they are.
pub async fn delete(
    db: &DatabaseConnection,
    writer: &DatabaseConnection,
    blobs: &Blobs,
    owner: i64,
    id: &str,
) -> ApiResult<()> {
    let file = find(db, id).await?;
    if file.owner_id != owner {
        return Err(ApiError::NotFound);
    }
    forget(writer, blobs, &file).await
}

/// Deletes a file's bytes, then its row.
pub(crate) async fn forget(
    writer: &DatabaseConnection,
    blobs: &Blobs,
    file: &attachment::Model,
) -> ApiResult<()> {
    delete_copies(blobs, &stored_at(file)?, &file.id).await?;
    Attachment::delete_by_id(&file.id).exec(writer).await?;
    Ok(())
}

/// Deletes what `location` keeps of file `id`: its preview and the file. Both are tried;
/// the first failure is answered.
pub(crate) async fn delete_copies(
    blobs: &Blobs,
    location: &StorageLocation,
    id: &str,
) -> ApiResult<()> {
    let preview = blobs.delete(location, &key(id, Kind::Preview)).await;
    let original = blobs.delete(location, &key(id, Kind::Original)).await;
    preview.and(original)
}

/// Where a file's bytes are.
pub fn stored_at(file: &attachment::Model) -> ApiResult<StorageLocation> {
    StorageLocation::parse(&file.storage)
        .map_err(|e| ApiError::Internal(format!("attachment {}: {e}", file.id)))
}

/// Every file of `owner`'s, whole or arriving: what an account's deletion must delete
/// the bytes of, once the rows are gone with the account.
pub async fn all_of(db: &impl ConnectionTrait, owner: i64) -> ApiResult<Vec<attachment::Model>> {
    Ok(Attachment::find()
        .filter(Column::OwnerId.eq(owner))
        .all(db)
        .await?)
}

/// Deletes the bytes of `files`, whose rows went with their owner's account. A failure
/// is logged: the rows that said where the bytes are are gone.
pub async fn delete_bytes(blobs: &Blobs, files: &[attachment::Model]) {
    for file in files {
        let result = match stored_at(file) {
            Ok(location) => delete_copies(blobs, &location, &file.id).await,
            Err(e) => Err(e),
        };
        if let Err(error) = result {
            tracing::warn!(%error, id = file.id, "a deleted account's file was not deleted");
        }
    }
}

/// Remembers that a kept version of note `note_id` refers to files `ids` (as
/// `markup::attachments::references` found them), so the pruner keeps them while history
/// shows them.
pub(crate) async fn remember_uses(
    txn: &impl ConnectionTrait,
    note_id: i64,
    ids: Vec<String>,
) -> ApiResult<()> {
    let rows: Vec<_> = ids
        .into_iter()
        .map(|id| attachment_use::ActiveModel {
            attachment_id: Set(id),
            note_id: Set(note_id),
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    let existing: Vec<String> = Attachment::find()
        .select_only()
        .column(Column::Id)
        .filter(Column::Id.is_in(rows.iter().map(|r| r.attachment_id.clone().unwrap())))
        .into_tuple()
        .all(txn)
        .await?;
    let rows: Vec<_> = rows
        .into_iter()
        .filter(|r| existing.contains(r.attachment_id.as_ref()))
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    attachment_use::Entity::insert_many(rows)
        .on_conflict_do_nothing_on([
            attachment_use::Column::AttachmentId,
            attachment_use::Column::NoteId,
        ])
        .exec(txn)
        .await?;
    Ok(())
}
