//! `server attachments move --to <storage>`: every file's bytes copied to another
//! backend while the server runs. A file is copied, then its row is switched to the new
//! place (only if it still says the old one), then the old copy is deleted; readers follow
//! the row, so each file is readable throughout. Killed at any point, a second run goes on
//! from where the rows say: a file copied but not switched is copied again.

use super::stored_at;
use crate::error::ApiResult;
use crate::ops::settings::StorageLocation;
use crate::storage::blobs::{Blobs, Kind, key};
use crate::storage::entities::attachment::{self, Column, Entity as Attachment};
use crate::storage::entities::attachment_chunk::{self, Entity as Chunk};
use futures::StreamExt;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// What a run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Moved {
    pub files: u64,
    pub bytes: u64,
}

/// Moves up to `at_most` files (all, if `None`) to `to`, reporting each as it goes.
pub async fn move_all(
    db: &DatabaseConnection,
    blobs: &Blobs,
    to: &StorageLocation,
    at_most: Option<u64>,
    mut each: impl FnMut(&attachment::Model),
) -> ApiResult<Moved> {
    blobs.objects(to)?;
    let target = to.to_string();
    let mut moved = Moved::default();
    let mut after = String::new();
    loop {
        let batch = Attachment::find()
            .filter(Column::Size.is_not_null())
            .filter(Column::Storage.ne(&target))
            .filter(Column::Id.gt(&after))
            .order_by_asc(Column::Id)
            .limit(100)
            .all(db)
            .await?;
        let Some(last) = batch.last() else { break };
        after = last.id.clone();
        for file in &batch {
            if at_most.is_some_and(|n| moved.files >= n) {
                return Ok(moved);
            }
            if move_one(db, blobs, file, to).await? {
                moved.files += 1;
                moved.bytes += file.size.unwrap_or(0).unsigned_abs();
                each(file);
            }
        }
    }
    if at_most.is_none() {
        sweep_database_chunks(db).await?;
    }
    Ok(moved)
}

/// Copies one file (and its preview) to `to` and switches its row; `false` if it was
/// deleted meanwhile.
async fn move_one(
    db: &DatabaseConnection,
    blobs: &Blobs,
    file: &attachment::Model,
    to: &StorageLocation,
) -> ApiResult<bool> {
    let from = stored_at(file)?;
    let mut kinds = vec![(Kind::Original, file.size.unwrap_or(0).unsigned_abs())];
    if file.preview_type.as_deref().is_some_and(|t| !t.is_empty()) {
        kinds.push((Kind::Preview, u64::MAX));
    }
    for (kind, size) in kinds {
        copy(blobs, &from, to, &key(&file.id, kind), size).await?;
    }
    let switched = Attachment::update_many()
        .col_expr(Column::Storage, Expr::value(to.to_string()))
        .filter(Column::Id.eq(&file.id))
        .filter(Column::Storage.eq(&file.storage))
        .exec(db)
        .await?
        .rows_affected
        == 1;
    let stale = if switched { &from } else { to };
    super::delete_copies(blobs, stale, &file.id).await?;
    Ok(switched)
}

/// Streams `key` from one backend to another.
async fn copy(
    blobs: &Blobs,
    from: &StorageLocation,
    to: &StorageLocation,
    key: &str,
    size: u64,
) -> ApiResult<()> {
    let size = if size == u64::MAX {
        blobs.size(from, key).await?
    } else {
        size
    };
    let mut bytes = blobs.read(from, key.to_owned(), 0..size).await?;
    let mut writer = blobs.create(to, key.to_owned()).await?;
    while let Some(piece) = bytes.next().await {
        match piece {
            Ok(piece) => writer.write(&piece).await?,
            Err(e) => {
                writer.abort().await;
                return Err(crate::error::ApiError::StorageUnavailable(e.to_string()));
            }
        }
    }
    writer.finish().await
}

/// Chunks in the database that no file kept there owns: left by a run killed between
/// switching a file's row and deleting its old copy.
async fn sweep_database_chunks(db: &DatabaseConnection) -> ApiResult<()> {
    let keys: Vec<String> = Chunk::find()
        .select_only()
        .column(attachment_chunk::Column::ObjectKey)
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    let database = StorageLocation::Database.to_string();
    for object_key in keys {
        let id = object_key.split_once('/').map_or("", |(_, id)| id);
        let owned = Attachment::find_by_id(id)
            .filter(Column::Storage.eq(&database))
            .one(db)
            .await?
            .is_some();
        if !owned {
            Chunk::delete_many()
                .filter(attachment_chunk::Column::ObjectKey.eq(object_key))
                .exec(db)
                .await?;
        }
    }
    Ok(())
}
