//! Attachments' bytes, wherever they are kept: in the database the server uses, in a
//! directory, or in an S3-compatible store. The last two are `object_store`'s; the first
//! is ours, since it has no database backend: a file is rows of `attachment_chunks`, each
//! at most [`CHUNK`] bytes, written and read one at a time, so neither an upload nor a
//! download ever holds a whole file, and a slow client never holds a pooled connection
//! for longer than one chunk's query.
//!
//! A file's row says where its bytes are (`attachments.storage`), so the server reads a
//! file from wherever it is while new ones go to `ATTACHMENT_STORAGE`: that is what lets
//! `server attachments move` run while the server serves.

use crate::error::{ApiError, ApiResult};
use crate::ops::settings::{AttachmentSettings, StorageLocation};
use crate::storage::entities::attachment_chunk::{self, Entity as Chunk};
use bytes::Bytes;
use futures::StreamExt;
use futures::stream::BoxStream;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt, WriteMultipart};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect, Set};
use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, Mutex, PoisonError};

/// The largest chunk of a file kept in the database.
pub const CHUNK: usize = 1 << 20;

/// An S3 upload's parts: S3's smallest but for the last, so an upload holds at most one
/// part and the part being sent.
const S3_PART: usize = 5 << 20;

/// What is kept of an attachment: the file, or its smaller copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Original,
    Preview,
}

/// Where `kind` of attachment `id` is kept within a backend.
pub fn key(id: &str, kind: Kind) -> String {
    match kind {
        Kind::Original => format!("attachments/{id}"),
        Kind::Preview => format!("previews/{id}"),
    }
}

/// Every backend's bytes, and the one new files go to.
pub struct Blobs {
    /// Where new files go (`ATTACHMENT_STORAGE`).
    pub default: StorageLocation,
    db: DatabaseConnection,
    writer: DatabaseConnection,
    s3: S3Access,
    opened: Mutex<HashMap<StorageLocation, Arc<dyn ObjectStore>>>,
}

/// How to reach S3 (`S3_*`).
#[derive(Clone)]
struct S3Access {
    endpoint: Option<String>,
    region: String,
    keys: Option<(String, String)>,
    path_style: bool,
}

fn unavailable(error: impl std::fmt::Display) -> ApiError {
    ApiError::StorageUnavailable(error.to_string())
}

/// A file an object store does not have is one that is not there; anything else, the
/// store failing.
fn missing_or_unavailable(error: object_store::Error) -> ApiError {
    match error {
        object_store::Error::NotFound { .. } => ApiError::NotFound,
        e => unavailable(e),
    }
}

impl Blobs {
    pub fn new(
        settings: &AttachmentSettings,
        db: DatabaseConnection,
        writer: DatabaseConnection,
    ) -> Self {
        let keys = settings
            .s3_access_key_id
            .clone()
            .zip(settings.s3_secret_access_key.clone());
        Self {
            default: settings.attachment_storage.clone(),
            db,
            writer,
            s3: S3Access {
                endpoint: settings.s3_endpoint.clone(),
                region: settings.s3_region.clone(),
                keys,
                path_style: settings.s3_path_style,
            },
            opened: Mutex::new(HashMap::new()),
        }
    }

    /// The object store at `location`, opened once; `None` for the database.
    pub fn objects(&self, location: &StorageLocation) -> ApiResult<Option<Arc<dyn ObjectStore>>> {
        if *location == StorageLocation::Database {
            return Ok(None);
        }
        let mut opened = self.opened.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(store) = opened.get(location) {
            return Ok(Some(store.clone()));
        }
        let store: Arc<dyn ObjectStore> = match location {
            StorageLocation::Database => unreachable!("answered above"),
            StorageLocation::File(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| {
                    unavailable(format_args!("cannot create {}: {e}", dir.display()))
                })?;
                Arc::new(LocalFileSystem::new_with_prefix(dir).map_err(unavailable)?)
            }
            StorageLocation::S3 { bucket } => {
                let mut builder = AmazonS3Builder::new()
                    .with_bucket_name(bucket)
                    .with_region(&self.s3.region)
                    .with_virtual_hosted_style_request(!self.s3.path_style);
                if let Some(endpoint) = &self.s3.endpoint {
                    builder = builder
                        .with_endpoint(endpoint)
                        .with_allow_http(endpoint.starts_with("http://"));
                }
                if let Some((id, secret)) = &self.s3.keys {
                    builder = builder
                        .with_access_key_id(id)
                        .with_secret_access_key(secret);
                }
                Arc::new(builder.build().map_err(unavailable)?)
            }
        };
        opened.insert(location.clone(), store.clone());
        Ok(Some(store))
    }

    /// Starts writing `key` at `location`.
    pub async fn create(&self, location: &StorageLocation, key: String) -> ApiResult<BlobWriter> {
        Ok(match self.objects(location)? {
            None => BlobWriter::Database {
                writer: self.writer.clone(),
                key,
                seq: 0,
                buffer: Vec::with_capacity(CHUNK),
            },
            Some(store) => {
                let upload = store
                    .put_multipart(&Path::from(key))
                    .await
                    .map_err(unavailable)?;
                // A directory takes parts of any size: the database's chunk keeps an
                // upload's memory as small there.
                let part = match location {
                    StorageLocation::S3 { .. } => S3_PART,
                    _ => CHUNK,
                };
                BlobWriter::Objects(WriteMultipart::new_with_chunk_size(upload, part))
            }
        })
    }

    /// Writes a small file whole (a preview).
    pub async fn put(
        &self,
        location: &StorageLocation,
        key: String,
        bytes: Bytes,
    ) -> ApiResult<()> {
        let mut writer = self.create(location, key).await?;
        writer.write(&bytes).await?;
        writer.finish().await
    }

    /// Bytes `range` of `key` at `location`, a piece at a time.
    pub async fn read(
        &self,
        location: &StorageLocation,
        key: String,
        range: Range<u64>,
    ) -> ApiResult<BoxStream<'static, Result<Bytes, std::io::Error>>> {
        if range.is_empty() {
            return Ok(futures::stream::empty().boxed());
        }
        match self.objects(location)? {
            None => Ok(database_read(self.db.clone(), key, range)),
            Some(store) => {
                let options = GetOptions {
                    range: Some(GetRange::Bounded(range)),
                    ..GetOptions::default()
                };
                let got = store
                    .get_opts(&Path::from(key), options)
                    .await
                    .map_err(missing_or_unavailable)?;
                Ok(got
                    .into_stream()
                    .map(|piece| piece.map_err(std::io::Error::other))
                    .boxed())
            }
        }
    }

    /// Reads the whole of a small file (an image to make a preview of, up to `limit`).
    pub async fn read_all(
        &self,
        location: &StorageLocation,
        key: String,
        size: u64,
    ) -> ApiResult<Vec<u8>> {
        let mut stream = self.read(location, key, 0..size).await?;
        let mut whole = Vec::with_capacity(size as usize);
        while let Some(piece) = stream.next().await {
            whole.extend_from_slice(&piece.map_err(unavailable)?);
        }
        Ok(whole)
    }

    /// How many bytes `key` at `location` holds.
    pub async fn size(&self, location: &StorageLocation, key: &str) -> ApiResult<u64> {
        match self.objects(location)? {
            None => {
                let size: Option<Option<i64>> = Chunk::find()
                    .select_only()
                    .column_as(
                        sea_orm::sea_query::Expr::cust("CAST(SUM(LENGTH(bytes)) AS BIGINT)"),
                        "size",
                    )
                    .filter(attachment_chunk::Column::ObjectKey.eq(key))
                    .into_tuple()
                    .one(&self.db)
                    .await?;
                Ok(size.flatten().unwrap_or(0).unsigned_abs())
            }
            Some(store) => Ok(store
                .head(&Path::from(key))
                .await
                .map_err(missing_or_unavailable)?
                .size),
        }
    }

    /// Deletes `key` at `location`; one already gone is no error.
    pub async fn delete(&self, location: &StorageLocation, key: &str) -> ApiResult<()> {
        match self.objects(location)? {
            None => {
                Chunk::delete_many()
                    .filter(attachment_chunk::Column::ObjectKey.eq(key))
                    .exec(&self.writer)
                    .await?;
            }
            Some(store) => match store.delete(&Path::from(key)).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(unavailable(e)),
            },
        }
        Ok(())
    }
}

/// The chunks holding `range`, each read by a query of its own when the one before has
/// been sent.
fn database_read(
    db: DatabaseConnection,
    key: String,
    range: Range<u64>,
) -> BoxStream<'static, Result<Bytes, std::io::Error>> {
    let chunk = CHUNK as u64;
    let first = (range.start / chunk) as i32;
    let last = ((range.end - 1) / chunk) as i32;
    futures::stream::iter(first..=last)
        .then(move |seq| {
            let (db, key, range) = (db.clone(), key.clone(), range.clone());
            async move {
                let bytes: Option<Vec<u8>> = Chunk::find()
                    .select_only()
                    .column(attachment_chunk::Column::Bytes)
                    .filter(attachment_chunk::Column::ObjectKey.eq(&key))
                    .filter(attachment_chunk::Column::Seq.eq(seq))
                    .into_tuple()
                    .one(&db)
                    .await
                    .map_err(std::io::Error::other)?;
                let bytes = bytes.ok_or_else(|| {
                    std::io::Error::other(format!("{key}: chunk {seq} is missing"))
                })?;
                let start = seq as u64 * chunk;
                let from = range.start.saturating_sub(start) as usize;
                let to = ((range.end - start) as usize).min(bytes.len());
                Ok(Bytes::from(bytes).slice(from.min(to)..to))
            }
        })
        .boxed()
}

/// A file being written.
pub enum BlobWriter {
    Database {
        writer: DatabaseConnection,
        key: String,
        seq: i32,
        buffer: Vec<u8>,
    },
    Objects(WriteMultipart),
}

impl BlobWriter {
    pub async fn write(&mut self, mut bytes: &[u8]) -> ApiResult<()> {
        match self {
            Self::Database {
                writer,
                key,
                seq,
                buffer,
            } => {
                while !bytes.is_empty() {
                    let take = (CHUNK - buffer.len()).min(bytes.len());
                    buffer.extend_from_slice(&bytes[..take]);
                    bytes = &bytes[take..];
                    if buffer.len() == CHUNK {
                        insert_chunk(writer, key, *seq, std::mem::take(buffer)).await?;
                        *seq += 1;
                        buffer.reserve(CHUNK);
                    }
                }
                Ok(())
            }
            Self::Objects(upload) => {
                // One part in flight at most: the upload's memory stays two parts.
                upload.wait_for_capacity(1).await.map_err(unavailable)?;
                upload.write(bytes);
                Ok(())
            }
        }
    }

    pub async fn finish(self) -> ApiResult<()> {
        match self {
            Self::Database {
                writer,
                key,
                seq,
                buffer,
            } => {
                if !buffer.is_empty() {
                    insert_chunk(&writer, &key, seq, buffer).await?;
                }
                Ok(())
            }
            Self::Objects(upload) => upload.finish().await.map(drop).map_err(unavailable),
        }
    }

    /// Gives the file up, deleting what was written of it.
    pub async fn abort(self) {
        let result = match self {
            Self::Database { writer, key, .. } => Chunk::delete_many()
                .filter(attachment_chunk::Column::ObjectKey.eq(key))
                .exec(&writer)
                .await
                .map(drop)
                .map_err(|e| e.to_string()),
            Self::Objects(upload) => upload.abort().await.map_err(|e| e.to_string()),
        };
        if let Err(error) = result {
            tracing::warn!(%error, "an abandoned upload's bytes were not deleted");
        }
    }
}

async fn insert_chunk(
    writer: &DatabaseConnection,
    key: &str,
    seq: i32,
    bytes: Vec<u8>,
) -> ApiResult<()> {
    Chunk::insert(attachment_chunk::ActiveModel {
        object_key: Set(key.to_owned()),
        seq: Set(seq),
        bytes: Set(bytes),
    })
    .exec_without_returning(writer)
    .await?;
    Ok(())
}
