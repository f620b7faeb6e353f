//! Notes brought in from an export (`export`): the JSON document, or the zip of Markdown
//! files. Everything is read and checked before anything is written, and then written
//! in one transaction, so a bad file imports nothing. A note the person already has
//! (same title, content and creation time, in the list or the trash) is skipped, so
//! importing one file twice adds nothing the second time.

use crate::error::{ApiError, ApiResult};
use crate::events::record::NoteAction;
use crate::notes::announce;
use crate::notes::attachments::archived::{self, Packed, Storing};
use crate::notes::files;
use crate::storage::entities::note::{self, Entity as Note};
use crate::storage::entities::trashed_note;
use app::api::{ExportedNote, ImportResult};
use app::errors::FieldErrors;
use app::validation::{NoteContent, NoteTitle};
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use migrations::m20261203_000014_tags_and_pins::tag_rows_of;
use migrations::search::searchable;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait, Query, UnionType};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityName, EntityTrait,
    Statement, StreamTrait, TransactionTrait,
};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use sha2::{Digest, Sha256};
use std::cell::Cell;
use std::collections::HashSet;
use std::fmt;
use std::io::Read;

/// Where in the file a problem is: the whole file.
const FILE: &str = "file";
/// At most this many problems are named; a file with more has the first ones.
const MAX_PROBLEMS: usize = 20;
/// Notes written per statement.
const BATCH: usize = 200;
/// Notes in one file at most: five times the 100,000 an export is measured with, and a
/// bound on what one import holds in memory.
pub const MAX_NOTES: usize = 500_000;

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

    fn add_all(&mut self, place: &str, messages: Vec<String>) {
        messages.into_iter().for_each(|m| self.add(place, m));
    }

    /// Enough named: the rest of the file need not be read.
    fn full(&self) -> bool {
        self.1 >= MAX_PROBLEMS
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

/// The notes of an export's JSON: `{"notes": [...]}` or the list alone. Read straight
/// into notes, so memory is the text's own and never a generic tree of every value; the
/// first entry that is not a note stops the reading and is named by its place.
pub fn from_json(bytes: &[u8]) -> ApiResult<Vec<Incoming>> {
    let reading = Cell::new(None);
    let mut json = serde_json::Deserializer::from_slice(bytes);
    let notes = Document { reading: &reading }
        .deserialize(&mut json)
        .and_then(|notes| json.end().map(|()| notes));
    let notes = match notes {
        Ok(notes) => notes,
        Err(e) => {
            return Err(match reading.get() {
                // What a note holds is wrong: that note. Broken JSON is the file's.
                Some(i) if e.is_data() => {
                    FieldErrors::single(&format!("notes[{i}]"), e.to_string()).into()
                }
                _ if e.is_data() => one_problem(format!(
                    "Expected an export: {{\"notes\": [...]}} or a list of notes ({e})."
                )),
                _ => one_problem(format!("Not valid JSON: {e}")),
            });
        }
    };
    let mut problems = Problems::default();
    let mut incoming = Vec::with_capacity(notes.len());
    for (i, note) in notes.into_iter().enumerate() {
        match checked(note) {
            Ok(note) => incoming.push(note),
            Err(messages) => problems.add_all(&format!("notes[{i}]"), messages),
        }
        if problems.full() {
            break;
        }
    }
    problems.finish(incoming)
}

/// An export's top level: an object whose `notes` are read (the rest passed over), or
/// the list alone. `reading` holds the index of the note being read, so an error inside
/// one names it.
struct Document<'a> {
    reading: &'a Cell<Option<usize>>,
}

/// The list of notes itself.
struct NoteList<'a> {
    reading: &'a Cell<Option<usize>>,
}

impl<'de> DeserializeSeed<'de> for Document<'_> {
    type Value = Vec<ExportedNote>;

    fn deserialize<D: Deserializer<'de>>(self, json: D) -> Result<Self::Value, D::Error> {
        json.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Document<'_> {
    type Value = Vec<ExportedNote>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object with `notes`, or a list of notes")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        NoteList {
            reading: self.reading,
        }
        .visit_seq(seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut notes = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == "notes" {
                notes = Some(map.next_value_seed(NoteList {
                    reading: self.reading,
                })?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        notes.ok_or_else(|| de::Error::missing_field("notes"))
    }
}

impl<'de> DeserializeSeed<'de> for NoteList<'_> {
    type Value = Vec<ExportedNote>;

    fn deserialize<D: Deserializer<'de>>(self, json: D) -> Result<Self::Value, D::Error> {
        json.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for NoteList<'_> {
    type Value = Vec<ExportedNote>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of notes")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut notes = Vec::new();
        loop {
            if notes.len() == MAX_NOTES {
                return Err(de::Error::custom(format!(
                    "more than {MAX_NOTES} notes in one file"
                )));
            }
            self.reading.set(Some(notes.len()));
            match seq.next_element::<ExportedNote>()? {
                Some(note) => notes.push(note),
                None => break,
            }
        }
        self.reading.set(None);
        Ok(notes)
    }
}

/// The notes of a zip of Markdown files, unpacking at most `max_unpacked` bytes of them
/// in all (whatever the archive claims: each file is read through a limit), and the
/// files it holds in `attachments/` (`archived`), to be unpacked as they are stored.
/// Other files not ending in `.md` are passed over (an archive tool's `__MACOSX/` and
/// the like).
pub fn from_zip(bytes: &[u8], max_unpacked: u64) -> ApiResult<(Vec<Incoming>, Vec<Packed>)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| one_problem(format!("Not a zip archive: {e}")))?;
    if archive.len() > MAX_NOTES {
        return Err(one_problem(format!(
            "More than {MAX_NOTES} files in one archive."
        )));
    }
    let mut problems = Problems::default();
    let mut incoming = Vec::new();
    let mut packed = Vec::new();
    let mut budget = max_unpacked;
    for index in 0..archive.len() {
        if problems.full() {
            break;
        }
        let mut file = archive
            .by_index(index)
            .map_err(|e| one_problem(format!("File {index} of the archive: {e}")))?;
        let raw_name = String::from_utf8_lossy(file.name_raw()).into_owned();
        let Some(path) = file.enclosed_name() else {
            problems.add(&raw_name, "A path that leaves the archive.".into());
            continue;
        };
        let name = path.to_string_lossy().replace('\\', "/");
        if let Some(file) = archived::packed(index, &name) {
            packed.push(file);
            continue;
        }
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
        // A file written by hand has no creation time: its time in the archive stands in,
        // so importing the same archive twice still finds it the second time.
        let packed_at = file
            .last_modified()
            .and_then(|t| chrono::NaiveDateTime::try_from(t).ok())
            .map(|t| t.and_utc().to_rfc3339());
        let note = files::read(&text, stem).map(|mut note| {
            if note.created_at.is_empty() {
                note.created_at = packed_at.unwrap_or_default();
            }
            note
        });
        match note.map_err(|m| vec![m]).and_then(checked) {
            Ok(note) => incoming.push(note),
            Err(messages) => problems.add_all(&name, messages),
        }
    }
    problems.finish((incoming, packed))
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

/// The fingerprints of every note the author has, in the list and in the trash, read in
/// one statement (one snapshot: a note moving between the two meanwhile is seen once)
/// whose rows arrive as they are read.
async fn fingerprints(db: &impl StreamTrait, author: i64) -> ApiResult<HashSet<[u8; 16]>> {
    let of = |table| {
        Query::select()
            .columns(["title", "content", "created_at"])
            .from(table)
            .and_where(Expr::col("author_id").eq(author))
            .to_owned()
    };
    let select = of(note::Entity.table_ref())
        .union(UnionType::All, of(trashed_note::Entity.table_ref()))
        .to_owned();
    let mut seen = HashSet::new();
    let mut rows = std::pin::pin!(db.stream(&select).await?);
    while let Some(row) = rows.try_next().await? {
        let (title, content): (String, String) =
            (row.try_get_by_index(0)?, row.try_get_by_index(1)?);
        let created_at: DateTime<Utc> = row.try_get_by_index(2)?;
        seen.insert(Incoming::fingerprint(&title, &content, created_at));
    }
    Ok(seen)
}

fn row(author: i64, n: &Incoming) -> note::ActiveModel {
    note::ActiveModel {
        search_text: Set(searchable(&n.title, &n.content)),
        title: Set(n.title.clone()),
        content: Set(n.content.clone()),
        created_at: Set(n.created_at),
        updated_at: Set(n.updated_at),
        author_id: Set(author),
        version: Set(1),
        pinned: Set(n.pinned),
        ..Default::default()
    }
}

/// Writes an import's notes and the files of its archive, if any: the files first
/// (`archived::bring_in`), then the notes, their links pointing at the files as stored.
/// Should the notes fail, the files stored for them go again.
pub async fn import_with_files(
    to: &Storing<'_>,
    author: i64,
    mut notes: Vec<Incoming>,
    archive: bytes::Bytes,
    packed: Vec<Packed>,
) -> ApiResult<ImportResult> {
    let brought = archived::bring_in(to, author, archive, packed).await?;
    for note in &mut notes {
        archived::from_archive(&mut note.content, &brought.ids);
    }
    let imported = import(to.writer, author, notes).await;
    if imported.is_err() {
        archived::give_back(to, &brought.stored).await;
    }
    imported
}

/// Writes the notes the author does not have yet, all or none. On PostgreSQL the author's
/// row is locked first, so of two imports at once the second reads what the first wrote
/// and skips it (SQLite has one writer: imports never overlap there).
pub async fn import(
    db: &DatabaseConnection,
    author: i64,
    notes: Vec<Incoming>,
) -> ApiResult<ImportResult> {
    let txn = db.begin().await?;
    if ConnectionTrait::get_database_backend(&txn) == DbBackend::Postgres {
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT id FROM users WHERE id = $1 FOR UPDATE",
            [author.into()],
        ))
        .await?;
    }
    // The author's own row, read in the transaction: a deleted account imports nothing.
    crate::accounts::users::by_id(&txn, author).await?;
    let mut seen = fingerprints(&txn, author).await?;
    let total = notes.len() as u64;
    let (trashed, listed): (Vec<Incoming>, Vec<Incoming>) = notes
        .into_iter()
        .filter(|n| seen.insert(Incoming::fingerprint(&n.title, &n.content, n.created_at)))
        .partition(|n| n.deleted_at.is_some());
    let created = (listed.len() + trashed.len()) as u64;
    let mut made = Vec::with_capacity(listed.len());
    let tags = listed.iter().any(|n| announce::may_hold_tags(&n.content));
    for chunk in listed.chunks(BATCH) {
        let written = Note::insert_many(chunk.iter().map(|n| row(author, n)))
            .exec_with_returning(&txn)
            .await?;
        made.extend(written.iter().map(|w| (w.id, w.version)));
        // The batch's tags in one statement (or a few), read from the rows as written.
        let tagged = written.iter().map(|w| (w.id, author, w.content.as_str()));
        for insert in tag_rows_of(tagged) {
            txn.execute(&insert).await?;
        }
    }
    // Into the trash with an id `notes` hands out, one at a time: a batch's `RETURNING`
    // need not keep the order its rows were given in.
    let mut binned = Vec::with_capacity(trashed.len());
    for n in trashed {
        let id = row(author, &n).insert(&txn).await?.id;
        binned.push((id, 1));
        Note::delete_by_id(id).exec(&txn).await?;
        trashed_note::ActiveModel {
            id: Set(id),
            title: Set(n.title),
            content: Set(n.content),
            created_at: Set(n.created_at),
            updated_at: Set(n.updated_at),
            author_id: Set(author),
            version: Set(1),
            pinned: Set(n.pinned),
            deleted_at: Set(n.deleted_at.unwrap_or_else(Utc::now)),
            updated_by: Set(None),
            lines_added: Set(None),
            lines_removed: Set(None),
            history_run: Set(0),
            last_revision: Set(0),
        }
        .insert(&txn)
        .await?;
    }
    announce::notes(&txn, author, &made, NoteAction::Created, tags).await?;
    // What goes straight to the trash is news to the trash alone.
    announce::notes(&txn, author, &binned, NoteAction::Deleted, false).await?;
    txn.commit().await?;
    Ok(ImportResult {
        created,
        skipped: total - created,
    })
}
