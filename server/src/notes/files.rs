//! A note as a Markdown file, as the zip export writes it and the import reads it back:
//! YAML front matter with the note's other fields, then the content exactly as written.
//! The front matter's values are JSON (YAML 1.2 is a superset of JSON), so serde_json
//! writes them and reads them back exactly, quotes, newlines and all; a value edited by
//! hand into a plain YAML scalar (`title: Groceries`) is read as that text.

use app::api::ExportedNote;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;

const FENCE: &str = "---";

/// The file's text: front matter, then the content.
pub fn write(note: &ExportedNote) -> String {
    let mut text = String::with_capacity(note.content.len() + 256);
    text.push_str(FENCE);
    text.push('\n');
    let mut field = |name: &str, value: Value| {
        text.push_str(name);
        text.push_str(": ");
        text.push_str(&value.to_string());
        text.push('\n');
    };
    if let Some(id) = note.id {
        field("id", id.into());
    }
    field("title", note.title.as_str().into());
    field("tags", note.tags.clone().into());
    field("pinned", note.pinned.into());
    field("created_at", note.created_at.as_str().into());
    if let Some(updated) = &note.updated_at {
        field("updated_at", updated.as_str().into());
    }
    if let Some(deleted) = &note.deleted_at {
        field("deleted_at", deleted.as_str().into());
    }
    text.push_str(FENCE);
    text.push('\n');
    text.push_str(&note.content);
    text
}

/// A note from a file's text, or what is wrong with it. A file without front matter is
/// all content, titled by `fallback_title` (its name).
pub fn read(text: &str, fallback_title: &str) -> Result<ExportedNote, String> {
    let mut note = ExportedNote {
        id: None,
        title: fallback_title.to_owned(),
        content: text.to_owned(),
        tags: Vec::new(),
        pinned: false,
        created_at: String::new(),
        updated_at: None,
        deleted_at: None,
    };
    let Some(rest) = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))
    else {
        return Ok(note);
    };
    let mut offset = text.len() - rest.len();
    let mut closed = false;
    for line in rest.split_inclusive('\n') {
        offset += line.len();
        let line = line.trim_end_matches(['\n', '\r']);
        if line == FENCE {
            closed = true;
            break;
        }
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let Some((name, raw)) = line.split_once(':') else {
            return Err(format!("front matter line {line:?} is not `name: value`"));
        };
        let raw = raw.trim();
        let value = serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_owned()));
        let text_of = |value: Value| match value {
            Value::String(s) => Ok(s),
            _ => Err(format!("{}: must be text", name.trim())),
        };
        match name.trim() {
            "title" => note.title = text_of(value)?,
            "pinned" => {
                note.pinned = value
                    .as_bool()
                    .ok_or_else(|| "pinned: must be true or false".to_owned())?;
            }
            "created_at" => note.created_at = text_of(value)?,
            "updated_at" => note.updated_at = Some(text_of(value)?),
            "deleted_at" => note.deleted_at = Some(text_of(value)?),
            // The id and tags are the old ones: an import gives new ids and reads the
            // tags from the content.
            _ => {}
        }
    }
    if !closed {
        return Err("the front matter has no closing `---`".into());
    }
    note.content = text[offset..].to_owned();
    Ok(note)
}

/// Names characters no file system takes, or that mean something in a path.
fn unsafe_char(c: char) -> bool {
    c.is_control() || matches!(c, '<' | '>' | ':' | '"' | '/' | '\\' | '|' | '?' | '*')
}

/// Windows refuses these as a name's stem, whatever follows the dot.
fn reserved_on_windows(stem: &str) -> bool {
    let upper = stem.to_ascii_uppercase();
    matches!(upper.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || (upper.len() == 4
            && (upper.starts_with("COM") || upper.starts_with("LPT"))
            && upper.as_bytes()[3].is_ascii_digit())
}

/// Longest stem in bytes, leaving room for " (99999)" and ".md" under the 255-byte
/// limit of common file systems.
const MAX_STEM_BYTES: usize = 200;

/// `name` with the characters some file system refuses, or that mean something in a path,
/// as `_`.
fn replace_unsafe(name: &str) -> String {
    name.chars()
        .map(|c| if unsafe_char(c) { '_' } else { c })
        .collect()
}

/// An attachment's name (already without folders or leading dots) as a file name that
/// every common file system takes.
pub fn safe_name(name: &str) -> String {
    let mut safe = replace_unsafe(name).trim_end_matches(['.', ' ']).to_owned();
    let stem = safe.split('.').next().unwrap_or("");
    if safe.is_empty() || reserved_on_windows(stem) {
        safe.insert(0, '_');
    }
    safe
}

/// A file name stem from a title that every common file system takes.
fn stem(title: &str) -> String {
    let cleaned = replace_unsafe(title);
    // Windows drops trailing dots and spaces; a leading dot hides a file elsewhere.
    let mut stem = cleaned
        .trim()
        .trim_end_matches(['.', ' '])
        .trim_start_matches('.')
        .to_owned();
    if stem.len() > MAX_STEM_BYTES {
        let mut end = MAX_STEM_BYTES;
        while !stem.is_char_boundary(end) {
            end -= 1;
        }
        stem.truncate(end);
        stem = stem.trim_end_matches(['.', ' ']).to_owned();
    }
    if stem.is_empty() {
        stem = "Untitled".into();
    }
    if reserved_on_windows(&stem) {
        stem.push('_');
    }
    stem
}

/// Unique file names for an export, compared as case-insensitive file systems (Windows,
/// macOS) compare them. Only hashes are kept: of each name given, and of each stem with
/// the next number to try for it, so 100,000 notes cost a few MB and 100,000 notes of
/// one title do not count up from 1 each time. Two names with one hash (odds of 1 in
/// 2^64 a pair) only add a needless number.
pub struct FileNames {
    taken: HashSet<u64>,
    next: HashMap<u64, u64>,
    hasher: std::collections::hash_map::RandomState,
}

impl Default for FileNames {
    fn default() -> Self {
        Self {
            taken: HashSet::new(),
            next: HashMap::new(),
            hasher: std::collections::hash_map::RandomState::new(),
        }
    }
}

impl FileNames {
    /// A new name in `folder` (empty, or ending in `/`) for a note titled `title`.
    pub fn name(&mut self, folder: &str, title: &str) -> String {
        let stem = [folder, &stem(title)].concat();
        let family = self.hasher.hash_one(stem.to_lowercase());
        let mut n = self.next.get(&family).copied().unwrap_or(1);
        loop {
            let name = match n {
                1 => format!("{stem}.md"),
                n => format!("{stem} ({n}).md"),
            };
            n += 1;
            if self.taken.insert(self.hasher.hash_one(name.to_lowercase())) {
                self.next.insert(family, n);
                return name;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(title: &str, content: &str) -> ExportedNote {
        ExportedNote {
            id: Some(7),
            title: title.into(),
            content: content.into(),
            tags: vec!["work".into()],
            pinned: true,
            created_at: "2026-12-03T10:00:00.000001Z".into(),
            updated_at: Some("2026-12-03T11:00:00.000001Z".into()),
            deleted_at: None,
        }
    }

    #[test]
    fn a_file_reads_back_as_the_note_written_whatever_its_text_holds() {
        for (title, content) in [
            ("Groceries", "Eggs, flour, milk."),
            (
                "Quotes \"and\" colons: yes",
                "---\nnot: front matter\n---\n",
            ),
            ("Lines", "a\r\nb\n\n"),
            ("#hash", "ends without a newline"),
        ] {
            let written = note(title, content);
            let mut read = read(&write(&written), "fallback").unwrap();
            read.id = written.id;
            read.tags = written.tags.clone();
            assert_eq!(read, written, "{title}");
        }
    }

    #[test]
    fn hand_edited_front_matter_is_read_as_text_and_mistakes_are_named() {
        let read = read("---\ntitle: Plain title\npinned: true\n---\nBody", "x").unwrap();
        assert_eq!((read.title.as_str(), read.pinned), ("Plain title", true));
        assert_eq!(read.content, "Body");
        let plain = super::read("# Just Markdown", "My file").unwrap();
        assert_eq!(
            (plain.title.as_str(), plain.content.as_str()),
            ("My file", "# Just Markdown")
        );
        assert!(
            super::read("---\ntitle: x\n", "x")
                .unwrap_err()
                .contains("closing")
        );
        assert!(
            super::read("---\npinned: maybe\n---\n", "x")
                .unwrap_err()
                .contains("pinned")
        );
        assert!(
            super::read("---\nno colon\n---\n", "x")
                .unwrap_err()
                .contains("name: value")
        );
    }

    #[test]
    fn names_are_safe_everywhere_and_unique_ignoring_case() {
        let mut names = FileNames::default();
        assert_eq!(names.name("", "Groceries"), "Groceries.md");
        assert_eq!(names.name("", "groceries"), "groceries (2).md");
        assert_eq!(names.name("", "GROCERIES"), "GROCERIES (3).md");
        assert_eq!(
            names.name("", "a/b\\c:d*e?f\"g<h>i|j"),
            "a_b_c_d_e_f_g_h_i_j.md"
        );
        assert_eq!(names.name("", "../../etc/passwd"), "_.._etc_passwd.md");
        assert_eq!(names.name("", "  trailing dots... "), "trailing dots.md");
        assert_eq!(names.name("", "con"), "con_.md");
        assert_eq!(names.name("", "LPT1"), "LPT1_.md");
        assert_eq!(names.name("", "..."), "Untitled.md");
        assert_eq!(names.name("trash/", "Groceries"), "trash/Groceries.md");
        // A title that looks like a numbered one takes its place, and the count goes on.
        assert_eq!(names.name("", "Groceries (4)"), "Groceries (4).md");
        assert_eq!(names.name("", "Groceries"), "Groceries (5).md");
        let long = names.name("", &"é".repeat(100));
        assert!(long.len() <= 255 - " (99999)".len(), "{}", long.len());
        assert!(long.ends_with("é.md"));
    }

    #[test]
    fn an_attachments_name_is_safe_everywhere() {
        assert_eq!(safe_name("a:b?.pdf"), "a_b_.pdf");
        assert_eq!(safe_name("nul.txt"), "_nul.txt");
        assert_eq!(safe_name("photo.png. "), "photo.png");
    }
}
