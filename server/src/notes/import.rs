//! Notes brought in from an export (`export`): the JSON document, or the zip of Markdown
//! files. Everything is read and checked before anything is written, and then written
//! in one transaction, so a bad file imports nothing. A note the person already has
//! (same title, content and creation time, in the list or the trash) is skipped, so
//! importing one file twice adds nothing the second time.

use crate::error::{ApiError, ApiResult};
use crate::notes::files;
use crate::storage::entities::note::{self, Entity as Note};
use crate::storage::entities::trashed_note::{self, Entity as Trashed};
use app::api::{ExportedNote, ImportResult};
use app::errors::FieldErrors;
use app::validation::{NoteContent, NoteTitle};
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use migrations::m20261203_000014_tags_and_pins::tag_rows_of;
use migrations::search::searchable;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityName, EntityTrait, QueryFilter,
    StreamTrait, TransactionTrait,
};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::io::Read;

/// Where in the file a problem is: the whole file.
const FILE: &str = "file";
/// At most this many problems are named; a file with more has the first ones.
const MAX_PROBLEMS: usize = 20;
/// Notes written per statement.
const BATCH: usize = 200;

/// A note ready to be written.
#[derive(Debug)]
pub struct Incoming {
    title: String,
    content: String,
    pinned: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    deleted_at: Option<DateTime<Utc>>,
}

impl Incoming {
    /// What makes two notes the same note: title, content and creation time.
    fn fingerprint(title: &str, content: &str, created_at: DateTime<Utc>) -> [u8; 16] {
        let mut hash = Sha256::new();
        for part in [title.as_bytes(), &[0], content.as_bytes(), &[0]] {
            hash.update(part);
        }
        hash.update(created_at.timestamp_micros().to_le_bytes());
        let digest = hash.finalize();
        let mut print = [0u8; 16];
        print.copy_from_slice(&digest[..16]);
        print
    }
}

/// Problems found so far, each under where it was found.
#[derive(Default)]
struct Problems(FieldErrors, usize);

impl Problems {
    fn add(&mut self, place: &str, message: String) {
        if self.1 < MAX_PROBLEMS {
            self.0.add(place, message);
        }
        self.1 += 1;
    }

    fn finish<T>(self, value: T) -> ApiResult<T> {
        match self.0.is_empty() {
            true => Ok(value),
            false => Err(self.0.into()),
        }
    }
}

fn one_problem(message: impl Into<String>) -> ApiError {
    FieldErrors::single(FILE, message).into()
}

/// The notes of an export's JSON: `{"notes": [...]}` or the list alone.
pub fn from_json(bytes: &[u8]) -> ApiResult<Vec<Incoming>> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Document {
        Export { notes: Vec<serde_json::Value> },
        List(Vec<serde_json::Value>),
    }
    let notes = match serde_json::from_slice::<Document>(bytes) {
        Ok(Document::Export { notes } | Document::List(notes)) => notes,
        Err(e) if e.is_data() => {
            return Err(one_problem(
                "Expected an export: {\"notes\": [...]} or a list of notes.",
            ));
        }
        Err(e) => return Err(one_problem(format!("Not valid JSON: {e}"))),
    };
    let mut problems = Problems::default();
    let mut incoming = Vec::with_capacity(notes.len());
    for (i, note) in notes.into_iter().enumerate() {
        let place = format!("notes[{i}]");
        match serde_json::from_value::<ExportedNote>(note) {
            Ok(note) => match checked(note) {
                Ok(note) => incoming.push(note),
                Err(messages) => messages.into_iter().for_each(|m| problems.add(&place, m)),
            },
            Err(e) => problems.add(&place, e.to_string()),
        }
    }
    problems.finish(incoming)
}

/// The notes of a zip of Markdown files, unpacking at most `max_unpacked` bytes in all
/// (whatever the archive claims: each file is read through a limit). Files not ending in
/// `.md` are passed over (an archive tool's `__MACOSX/` and the like).
pub fn from_zip(bytes: &[u8], max_unpacked: u64) -> ApiResult<Vec<Incoming>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| one_problem(format!("Not a zip archive: {e}")))?;
    let mut problems = Problems::default();
    let mut incoming = Vec::new();
    let mut budget = max_unpacked;
    for index in 0..archive.len() {
        let mut file = archive
            .by_index(index)
            .map_err(|e| one_problem(format!("File {index} of the archive: {e}")))?;
        let raw_name = String::from_utf8_lossy(file.name_raw()).into_owned();
        let Some(path) = file.enclosed_name() else {
            problems.add(&raw_name, "A path that leaves the archive.".into());
            continue;
        };
        let name = path.to_string_lossy().replace('\\', "/");
        if file.is_dir()
            || !name.to_ascii_lowercase().ends_with(".md")
            || name.starts_with("__MACOSX/")
        {
            continue;
        }
        let mut text = Vec::new();
        let read = (&mut file).take(budget + 1).read_to_end(&mut text);
        match read {
            Ok(n) if n as u64 > budget => {
                return Err(one_problem(format!(
                    "The archive unpacks to more than {} MB.",
                    max_unpacked / 1_000_000
                )));
            }
            Ok(n) => budget -= n as u64,
            Err(e) => {
                problems.add(&name, format!("Could not be unpacked: {e}"));
                continue;
            }
        }
        let Ok(text) = String::from_utf8(text) else {
            problems.add(&name, "Not UTF-8 text.".into());
            continue;
        };
        let stem = name
            .rsplit('/')
            .next()
            .unwrap_or(&name)
            .trim_end_matches(".md")
            .trim_end_matches(".MD");
        match files::read(&text, stem)
            .map_err(|m| vec![m])
            .and_then(checked)
        {
            Ok(note) => incoming.push(note),
            Err(messages) => messages.into_iter().for_each(|m| problems.add(&name, m)),
        }
    }
    problems.finish(incoming)
}

fn time(value: &str) -> Result<DateTime<Utc>, Vec<String>> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| vec![format!("{value:?} is not a date and time (RFC 3339).")])
}

fn optional_time(value: Option<&str>) -> Result<Option<DateTime<Utc>>, Vec<String>> {
    value.map(time).transpose()
}

/// The value, or `None` with its errors added to `messages` under the field's name.
fn keep<T>(messages: &mut Vec<String>, field: &str, result: Result<T, Vec<String>>) -> Option<T> {
    result
        .map_err(|errors| messages.extend(errors.into_iter().map(|e| format!("{field}: {e}"))))
        .ok()
}

/// The note under the rules every note keeps; each message names its field. A note
/// without a creation time was created now.
fn checked(note: ExportedNote) -> Result<Incoming, Vec<String>> {
    let mut messages = Vec::new();
    let title = keep(&mut messages, "title", NoteTitle::parse(&note.title));
    let content = keep(&mut messages, "content", NoteContent::parse(&note.content));
    let created_at = match note.created_at.as_str() {
        "" => Some(Utc::now()),
        raw => keep(&mut messages, "created_at", time(raw)),
    };
    let updated_at = keep(
        &mut messages,
        "updated_at",
        optional_time(note.updated_at.as_deref()),
    );
    let deleted_at = keep(
        &mut messages,
        "deleted_at",
        optional_time(note.deleted_at.as_deref()),
    );
    match (title, content, created_at, updated_at, deleted_at) {
        (Some(title), Some(content), Some(created_at), Some(updated_at), Some(deleted_at)) => {
            Ok(Incoming {
                title: title.into_inner(),
                content: content.into_inner(),
                pinned: note.pinned,
                updated_at: updated_at.unwrap_or(created_at),
                created_at,
                deleted_at,
            })
        }
        _ => Err(messages),
    }
}

/// The fingerprints of every note the author has, in the list and in the trash: each
/// table read in one statement whose rows arrive as they are read.
async fn fingerprints(db: &impl StreamTrait, author: i64) -> ApiResult<HashSet<[u8; 16]>> {
    let mut seen = HashSet::new();
    for table in [note::Entity.table_ref(), trashed_note::Entity.table_ref()] {
        let select = Query::select()
            .columns(["title", "content", "created_at"])
            .from(table)
            .and_where(Expr::col("author_id").eq(author))
            .to_owned();
        let mut rows = std::pin::pin!(db.stream(&select).await?);
        while let Some(row) = rows.try_next().await? {
            let (title, content): (String, String) =
                (row.try_get_by_index(0)?, row.try_get_by_index(1)?);
            let created_at: DateTime<Utc> = row.try_get_by_index(2)?;
            seen.insert(Incoming::fingerprint(&title, &content, created_at));
        }
    }
    Ok(seen)
}

/// Writes the notes the author does not have yet, all or none.
pub async fn import(
    db: &DatabaseConnection,
    author: i64,
    notes: Vec<Incoming>,
) -> ApiResult<ImportResult> {
    let txn = db.begin().await?;
    // The author's own row, read in the transaction: a deleted account imports nothing.
    crate::accounts::users::by_id(&txn, author).await?;
    let mut seen = fingerprints(&txn, author).await?;
    let total = notes.len() as u64;
    let fresh: Vec<Incoming> = notes
        .into_iter()
        .filter(|n| seen.insert(Incoming::fingerprint(&n.title, &n.content, n.created_at)))
        .collect();
    let created = fresh.len() as u64;
    for chunk in fresh.chunks(BATCH) {
        let rows = chunk.iter().map(|n| note::ActiveModel {
            search_text: Set(searchable(&n.title, &n.content)),
            title: Set(n.title.clone()),
            content: Set(n.content.clone()),
            created_at: Set(n.created_at),
            updated_at: Set(n.updated_at),
            author_id: Set(author),
            version: Set(1),
            pinned: Set(n.pinned),
            ..Default::default()
        });
        let written = Note::insert_many(rows).exec_with_returning(&txn).await?;
        let mut trashed = Vec::new();
        let mut listed = Vec::new();
        for (row, n) in written.into_iter().zip(chunk) {
            match n.deleted_at {
                Some(deleted_at) => trashed.push((row, deleted_at)),
                None => listed.push(row),
            }
        }
        // The batch's tags in one statement.
        let tagged = listed
            .iter()
            .map(|row| (row.id, author, row.content.as_str()));
        for insert in tag_rows_of(tagged) {
            txn.execute(&insert).await?;
        }
        // Into the trash, with ids `notes` handed out.
        if !trashed.is_empty() {
            Note::delete_many()
                .filter(note::Column::Id.is_in(trashed.iter().map(|(row, _)| row.id)))
                .exec(&txn)
                .await?;
            let rows = trashed
                .into_iter()
                .map(|(row, deleted_at)| trashed_note::ActiveModel {
                    id: Set(row.id),
                    title: Set(row.title),
                    content: Set(row.content),
                    created_at: Set(row.created_at),
                    updated_at: Set(row.updated_at),
                    author_id: Set(author),
                    version: Set(row.version),
                    pinned: Set(row.pinned),
                    deleted_at: Set(deleted_at),
                });
            Trashed::insert_many(rows)
                .exec_without_returning(&txn)
                .await?;
        }
    }
    txn.commit().await?;
    Ok(ImportResult {
        created,
        skipped: total - created,
    })
}
