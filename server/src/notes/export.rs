//! All of a person's notes, as one JSON document or a zip of Markdown files, written as
//! they are read: a task reads the notes a batch at a time in id order and the body is
//! sent as it is made, through bounded channels, so memory stays flat however many
//! notes there are and the first bytes leave at once. A slow reader slows the reading.

use crate::notes::attachments::{self, archived};
use crate::notes::files::{self, FileNames};
use crate::storage::blobs::Blobs;
use crate::storage::entities::note::{self, Entity as Note};
use crate::storage::entities::trashed_note::{self, Entity as Trashed};
use app::api::ExportedNote;
use axum::body::Bytes;
use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::Arc;
use tokio::sync::mpsc;

/// Notes read per round trip: from `FIRST_BATCH`, doubled while a batch's text stays
/// under `BATCH_BYTES` up to `MAX_BATCH`, and cut to fit it when notes are long. Ordinary
/// notes are read 500 at a time (round trips are what an export on SQLite spends its
/// time on); 100,000-character notes a few at a time, so a batch stays a few MB.
const FIRST_BATCH: u64 = 100;
const MAX_BATCH: u64 = 500;
const BATCH_BYTES: u64 = 4 << 20;

/// The next batch's size after one of `rows` notes that held `bytes` of text.
fn next_batch(rows: u64, bytes: u64) -> u64 {
    let fitting = rows.saturating_mul(BATCH_BYTES) / bytes.max(1);
    fitting.min(rows.saturating_mul(2)).clamp(1, MAX_BATCH)
}

/// Exports running at once; another caller gets 503 and tries again. Each holds a
/// database connection now and then and, for a zip, a blocking thread throughout.
pub const AT_ONCE: usize = 4;
/// Bytes gathered before a chunk goes out.
const CHUNK: usize = 64 * 1024;

/// What `?format=` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Markdown,
}

/// Whose notes, and whether the trash comes too.
#[derive(Clone)]
pub struct Export {
    pub db: DatabaseConnection,
    /// Where the files are, for the zip.
    pub blobs: Arc<Blobs>,
    pub author: i64,
    pub trash: bool,
}

/// The body's chunks; an error ends the body early (the client sees a cut download).
pub type Chunks = mpsc::Receiver<io::Result<Bytes>>;

fn rfc3339(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn exported(n: note::Shown) -> ExportedNote {
    ExportedNote {
        id: Some(n.id),
        tags: markup::tags::tags(&n.content),
        title: n.title,
        content: n.content,
        pinned: n.pinned,
        created_at: rfc3339(n.created_at),
        updated_at: Some(rfc3339(n.updated_at)),
        deleted_at: None,
    }
}

fn exported_from_trash(t: trashed_note::Model) -> ExportedNote {
    let deleted_at = Some(rfc3339(t.deleted_at));
    ExportedNote {
        deleted_at,
        ..exported(t.into())
    }
}

/// Sends an author's rows, read a batch at a time in id order by `fetch` (the rows after
/// an id, so many), as exported notes. False once a read failed or the receiver is gone.
async fn send_in_batches<M, Fut>(
    mut fetch: impl FnMut(i64, u64) -> Fut,
    id: fn(&M) -> i64,
    export: fn(M) -> ExportedNote,
    to: &mpsc::Sender<Result<Vec<ExportedNote>, DbErr>>,
) -> bool
where
    Fut: Future<Output = Result<Vec<M>, DbErr>>,
{
    let (mut after, mut rows) = (0, FIRST_BATCH);
    loop {
        let batch = match fetch(after, rows).await {
            Ok(batch) if batch.is_empty() => return true,
            Ok(batch) => batch,
            Err(e) => {
                drop(to.send(Err(e)).await);
                return false;
            }
        };
        after = batch.last().map_or(after, id);
        let batch: Vec<ExportedNote> = batch.into_iter().map(export).collect();
        let bytes = batch
            .iter()
            .map(|n| (n.title.len() + n.content.len()) as u64)
            .sum();
        rows = next_batch(batch.len() as u64, bytes);
        if to.send(Ok(batch)).await.is_err() {
            return false;
        }
    }
}

impl Export {
    /// Sends the notes (then the trash, if asked), a batch at a time, until done or
    /// until the receiver is gone.
    async fn read(self, batches: mpsc::Sender<Result<Vec<ExportedNote>, DbErr>>) {
        let (db, author) = (&self.db, self.author);
        let notes = |after: i64, rows: u64| {
            Note::find()
                .filter(note::Column::AuthorId.eq(author))
                .filter(note::Column::Id.gt(after))
                .order_by_asc(note::Column::Id)
                .limit(rows)
                .into_partial_model::<note::Shown>()
                .all(db)
        };
        if !send_in_batches(notes, |n| n.id, exported, &batches).await || !self.trash {
            return;
        }
        let trash = |after: i64, rows: u64| {
            Trashed::find()
                .filter(trashed_note::Column::AuthorId.eq(author))
                .filter(trashed_note::Column::Id.gt(after))
                .order_by_asc(trashed_note::Column::Id)
                .limit(rows)
                .all(db)
        };
        send_in_batches(trash, |t| t.id, exported_from_trash, &batches).await;
    }

    fn batches(self) -> mpsc::Receiver<Result<Vec<ExportedNote>, DbErr>> {
        let (tx, rx) = mpsc::channel(2);
        tokio::spawn(self.read(tx));
        rx
    }

    /// `{"exported_at": ..., "notes": [...], "attachments": [...]}`, a note at a time.
    pub fn json(self) -> Chunks {
        let (tx, rx) = mpsc::channel(4);
        let (db, author) = (self.db.clone(), self.author);
        let mut batches = self.batches();
        tokio::spawn(async move {
            let mut out =
                format!("{{\"exported_at\":\"{}\",\"notes\":[", rfc3339(Utc::now())).into_bytes();
            let mut first = true;
            while let Some(batch) = batches.recv().await {
                let batch = match batch {
                    Ok(batch) => batch,
                    Err(e) => return failed(&tx, e).await,
                };
                for note in batch {
                    if !std::mem::take(&mut first) {
                        out.push(b',');
                    }
                    if let Err(e) = serde_json::to_writer(&mut out, &note) {
                        return failed(&tx, e).await;
                    }
                    if out.len() >= CHUNK
                        && tx.send(Ok(std::mem::take(&mut out).into())).await.is_err()
                    {
                        return;
                    }
                }
            }
            let files = match attachments::list(&db, author).await {
                Ok(files) => files,
                Err(e) => return failed(&tx, e).await,
            };
            let described: Vec<_> = files.iter().map(attachments::to_api).collect();
            out.extend_from_slice(b"],\"attachments\":");
            if let Err(e) = serde_json::to_writer(&mut out, &described) {
                return failed(&tx, e).await;
            }
            out.push(b'}');
            drop(tx.send(Ok(out.into())).await);
        });
        rx
    }

    /// A zip of one `.md` file per note (`files`), then each of the author's files in
    /// `attachments/` with the notes' links pointing there (`archived`), deflated on a
    /// blocking thread.
    pub fn markdown(self) -> Chunks {
        let (tx, rx) = mpsc::channel(4);
        let (db, blobs, author) = (self.db.clone(), self.blobs.clone(), self.author);
        let mut batches = self.batches();
        let handle = tokio::runtime::Handle::current();
        tokio::task::spawn_blocking(move || {
            let mut zip = zip::ZipWriter::new_stream(Sender {
                tx: tx.clone(),
                buffer: Vec::with_capacity(CHUNK),
            });
            let mut names = FileNames::default();
            let written = (|| -> io::Result<()> {
                let owned = handle.block_on(attachments::list(&db, author));
                let owned = owned.map_err(io::Error::other)?;
                let entries: HashMap<String, String> = owned
                    .iter()
                    .map(|file| (file.id.clone(), archived::entry(file)))
                    .collect();
                while let Some(batch) = batches.blocking_recv() {
                    for mut note in batch.map_err(io::Error::other)? {
                        let in_trash = note.deleted_at.is_some();
                        let folder = if in_trash { "trash/" } else { "" };
                        archived::to_archive(&mut note.content, &entries, in_trash);
                        let name = names.name(folder, &note.title);
                        zip.start_file(name, note_options(&note))?;
                        zip.write_all(files::write(&note).as_bytes())?;
                    }
                }
                for file in &owned {
                    zip.start_file(entries[&file.id].as_str(), file_options(file))?;
                    archived::copy(&handle, &blobs, file, &mut zip)?;
                }
                let mut sender = zip.finish()?.into_inner();
                sender.flush()
            })();
            if let Err(e) = written {
                tracing::warn!(error = %e, "a Markdown export ended early");
                drop(tx.blocking_send(Err(e)));
            }
        });
        rx
    }
}

async fn failed(tx: &mpsc::Sender<io::Result<Bytes>>, error: impl std::fmt::Display) {
    tracing::warn!(error = %error, "an export ended early");
    drop(tx.send(Err(io::Error::other(error.to_string()))).await);
}

/// Deflated, dated as the note was last changed.
fn note_options(note: &ExportedNote) -> zip::write::SimpleFileOptions {
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let updated = note
        .updated_at
        .as_deref()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .and_then(|t| zip::DateTime::try_from(t.naive_utc()).ok());
    match updated {
        Some(time) => options.last_modified_time(time),
        None => options,
    }
}

/// Dated as the file was uploaded; an image is stored as it is (deflating a compressed
/// picture costs time and saves nothing), anything else deflated.
fn file_options(
    file: &crate::storage::entities::attachment::Model,
) -> zip::write::SimpleFileOptions {
    let method = match attachments::sniff::inline(&file.content_type) {
        true => zip::CompressionMethod::Stored,
        false => zip::CompressionMethod::Deflated,
    };
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(method)
        .large_file(file.size.unwrap_or(0) >= i64::from(u32::MAX));
    match zip::DateTime::try_from(file.created_at.naive_utc()) {
        Ok(time) => options.last_modified_time(time),
        Err(_) => options,
    }
}

/// The zip's bytes, gathered into chunks and sent to the body; blocks while the client
/// is behind.
struct Sender {
    tx: mpsc::Sender<io::Result<Bytes>>,
    buffer: Vec<u8>,
}

impl Write for Sender {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= CHUNK {
            self.flush()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK));
        self.tx
            .blocking_send(Ok(chunk.into()))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client left"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_grow_for_short_notes_and_shrink_for_long_ones() {
        assert_eq!(next_batch(100, 40_000), 200, "doubling");
        assert_eq!(next_batch(400, 160_000), MAX_BATCH);
        // 100 notes of 100,000 characters: 10 MB, cut to fit 4 MB.
        assert_eq!(next_batch(100, 10_000_000), 41);
        assert_eq!(next_batch(1, 400_000_000), 1, "never none");
    }
}
