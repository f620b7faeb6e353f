//! Files in the Markdown zip export, and back in through its import. Each of a person's
//! files goes in `attachments/{id}/{name}`, and the notes' links to it point there,
//! relative to the note's own file, so the archive opens as it is in any Markdown editor.
//! The import stores the files again (one the person still has, same bytes, is used
//! instead, so importing an export twice adds nothing) and points the links back at them.

use super::{Incoming, Limits, forget, stored_at, upload};
use crate::error::{ApiError, ApiResult};
use crate::notes::files;
use crate::storage::blobs::{Blobs, Kind, key};
use crate::storage::entities::attachment::{self, Column, Entity as Attachment};
use bytes::Bytes;
use futures::StreamExt;
use markup::attachments::{id_in, is_id, rewrite_destinations, url};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::{self, Read, Write};
use tokio::runtime::Handle;
use tokio::sync::mpsc;

/// The archive's folder of files.
pub const FOLDER: &str = "attachments/";

/// What a link may hold as it is besides letters and digits; the rest is escaped, so a
/// name with spaces or brackets stays one link.
const IN_LINK: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

/// A file's path in the archive.
pub fn entry(file: &attachment::Model) -> String {
    [FOLDER, &file.id, "/", &files::safe_name(&file.name)].concat()
}

/// Points `content`'s links to the files of `entries` (id → path in the archive) into the
/// archive, for a note whose file is in a folder (`in_folder`) or not. Most notes name no
/// file and are left as they are.
pub fn to_archive(content: &mut String, entries: &HashMap<String, String>, in_folder: bool) {
    if !content.contains(markup::attachments::PATH) {
        return;
    }
    let up = if in_folder { "../" } else { "" };
    *content = rewrite_destinations(content, |dest| {
        let path = entries.get(id_in(dest)?)?;
        Some([up, &utf8_percent_encode(path, IN_LINK).to_string()].concat())
    });
}

/// A file an archive holds: where it is in the archive, the id it had, and its name.
#[derive(Debug)]
pub struct Packed {
    pub index: usize,
    pub id: String,
    pub name: String,
}

/// The file the archive's entry `index`, named `path`, is, if it is in [`FOLDER`].
pub fn packed(index: usize, path: &str) -> Option<Packed> {
    let (id, name) = path.strip_prefix(FOLDER)?.split_once('/')?;
    (is_id(id) && !name.is_empty() && !name.contains('/')).then(|| Packed {
        index,
        id: id.to_owned(),
        name: name.to_owned(),
    })
}

/// Points `content`'s links into an archive at the files they became (`ids`: the id a
/// file had → the id it has now). A note that names none is left as it is.
pub fn from_archive(content: &mut String, ids: &HashMap<String, String>) {
    if ids.is_empty() || !content.contains(FOLDER) {
        return;
    }
    *content = rewrite_destinations(content, |dest| {
        let mut path = dest.trim();
        while let Some(rest) = path.strip_prefix("../").or_else(|| path.strip_prefix("./")) {
            path = rest;
        }
        let (id, _) = path.strip_prefix(FOLDER)?.split_once('/')?;
        ids.get(id).map(|now| url(now))
    });
}

/// Writes file `file`'s bytes to `out`, from a blocking thread of the runtime `handle`.
pub fn copy(
    handle: &Handle,
    blobs: &Blobs,
    file: &attachment::Model,
    out: &mut impl Write,
) -> io::Result<()> {
    let location = stored_at(file).map_err(io::Error::other)?;
    let size = file.size.unwrap_or(0).unsigned_abs();
    let read = blobs.read(&location, key(&file.id, Kind::Original), 0..size);
    let mut pieces = handle.block_on(read).map_err(io::Error::other)?;
    while let Some(piece) = handle.block_on(pieces.next()) {
        out.write_all(&piece?)?;
    }
    Ok(())
}

/// Where an import stores files, and within what.
pub struct Storing<'a> {
    pub db: &'a DatabaseConnection,
    pub writer: &'a DatabaseConnection,
    pub blobs: &'a Blobs,
    pub limits: Limits,
}

/// The files an import brought in: the id each had → the id it has now, and those it
/// stored anew (to be deleted again if the notes fail).
#[derive(Default)]
pub struct Brought {
    pub ids: HashMap<String, String>,
    pub stored: Vec<attachment::Model>,
}

/// Stores `owner`'s files `packed` from `archive`, one at a time (read on a blocking
/// thread while the one before is stored), each within the upload limits. A file
/// `owner` has already, the same bytes, is used as it is. On a failure, the files stored
/// so far go again and nothing is kept.
pub async fn bring_in(
    to: &Storing<'_>,
    owner: i64,
    archive: Bytes,
    packed: Vec<Packed>,
) -> ApiResult<Brought> {
    let mut brought = Brought::default();
    if packed.is_empty() {
        return Ok(brought);
    }
    let (tx, mut rx) = mpsc::channel(1);
    let most = to.limits.max_bytes;
    tokio::task::spawn_blocking(move || {
        let mut archive = match zip::ZipArchive::new(io::Cursor::new(archive)) {
            Ok(archive) => archive,
            Err(e) => return drop(tx.blocking_send(Err(ApiError::Internal(e.to_string())))),
        };
        for file in packed {
            let read = unpack(&mut archive, file.index, most).map(|bytes| (file, bytes));
            if tx.blocking_send(read).is_err() {
                return;
            }
        }
    });
    while let Some(read) = rx.recv().await {
        let result = match read {
            Ok((file, bytes)) => store(to, owner, file, bytes, &mut brought).await,
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            give_back(to, &brought.stored).await;
            return Err(e);
        }
    }
    Ok(brought)
}

/// Deletes the files an import stored, when its notes were not written after all.
pub async fn give_back(to: &Storing<'_>, stored: &[attachment::Model]) {
    for file in stored {
        if let Err(error) = forget(to.writer, to.blobs, file).await {
            // Nothing refers to it: the pruner deletes it a day later.
            tracing::warn!(%error, id = file.id, "a file of a failed import stays for now");
        }
    }
}

/// Entry `index` of `archive`, read whole, if it is at most `most` bytes.
fn unpack(
    archive: &mut zip::ZipArchive<io::Cursor<Bytes>>,
    index: usize,
    most: u64,
) -> ApiResult<Bytes> {
    let entry = archive
        .by_index(index)
        .map_err(|e| ApiError::BadRequest(format!("File {index} of the archive: {e}")))?;
    let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
    let mut bytes = Vec::new();
    entry
        .take(most + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ApiError::BadRequest(format!("{name} could not be unpacked: {e}")))?;
    if bytes.len() as u64 > most {
        return Err(ApiError::TooLarge(
            app::errors::messages::attachment_too_large(most / 1_000_000),
        ));
    }
    Ok(bytes.into())
}

/// Stores one file of the archive, or finds it among `owner`'s.
async fn store(
    to: &Storing<'_>,
    owner: i64,
    file: Packed,
    bytes: Bytes,
    brought: &mut Brought,
) -> ApiResult<()> {
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let same: Vec<String> = Attachment::find()
        .select_only()
        .column(Column::Id)
        .filter(Column::OwnerId.eq(owner))
        .filter(Column::Sha256.eq(&sha256))
        .filter(Column::Size.is_not_null())
        .into_tuple()
        .all(to.db)
        .await?;
    // The very file, if still there: the notes then read as they were written.
    let kept = same
        .iter()
        .find(|id| **id == file.id)
        .or(same.first())
        .cloned();
    let id = match kept {
        Some(id) => id,
        None => {
            let incoming = Incoming {
                name: Some(file.name),
                bytes: futures::stream::iter([Ok(bytes)]),
            };
            let stored = upload(to.db, to.writer, to.blobs, owner, incoming, to.limits).await?;
            let id = stored.id.clone();
            brought.stored.push(stored);
            id
        }
    };
    brought.ids.insert(file.id, id);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0b6f5a8e-4a7c-4f53-9d0e-2b1c8f9a7d31";
    const NEW: &str = "7d6f1c2e-0a4b-4c5d-8e9f-0a1b2c3d4e5f";

    #[test]
    fn links_point_into_the_archive_and_back() {
        let entries = HashMap::from([(ID.to_owned(), format!("{FOLDER}{ID}/my photo (1).png"))]);
        let note = format!("![photo]({}) and [other]({})", url(ID), url(NEW));
        let archived = |in_folder| {
            let mut content = note.clone();
            to_archive(&mut content, &entries, in_folder);
            content
        };
        assert_eq!(
            archived(false),
            format!(
                "![photo](attachments/{ID}/my%20photo%20%281%29.png) and [other]({})",
                url(NEW)
            )
        );
        let mut from_trash = archived(true);
        assert!(from_trash.contains(&format!("(../attachments/{ID}/")));

        let ids = HashMap::from([(ID.to_owned(), NEW.to_owned())]);
        from_archive(&mut from_trash, &ids);
        assert_eq!(
            from_trash,
            format!("![photo]({}) and [other]({})", url(NEW), url(NEW))
        );
    }

    #[test]
    fn only_a_file_in_the_folder_under_an_id_is_packed() {
        let found = packed(3, &format!("{FOLDER}{ID}/report.pdf")).unwrap();
        assert_eq!(
            (found.index, found.id.as_str(), found.name.as_str()),
            (3, ID, "report.pdf")
        );
        for not in [
            format!("{FOLDER}{ID}/"),
            format!("{FOLDER}{ID}/deeper/report.pdf"),
            format!("{FOLDER}not-an-id/report.pdf"),
            format!("trash/{FOLDER}{ID}/report.pdf"),
        ] {
            assert!(packed(0, &not).is_none(), "{not}");
        }
    }
}
