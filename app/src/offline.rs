//! The notes page without a network, as pure functions the browser build carries out and
//! the native tests check: the changes a person makes offline, kept in order until the
//! server has them ([`Queue`]), the notes as the device shows them (the last copy from the
//! server with those changes on top, [`Queue::overlay`]), and search and paging over
//! them ([`listing`]), as the server would answer.
//!
//! One change waits per note at a time: a second edit of a note merges into the first, an
//! edit of a note written offline into its creation, and deleting a note written offline
//! takes back its creation. The exceptions are the change on its way to the server
//! (`sending`) and a creation sent before (`sent`: the server may have made the note and
//! lost the answer, and its key now names that text): they are left alone, and what
//! follows them waits behind them, so that a note's id from the server reaches the
//! changes queued after it ([`Queue::created`]).

use crate::api::{Note, NoteInput, NotePatch, Page};
use crate::validation::{is_alphanumeric, lowercase};
use serde::{Deserialize, Serialize};

/// One change of one note, as the person made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Change {
    /// A note written offline, under a temporary id (below zero) until the server gives
    /// it one; `at` is when, as the note's creation time.
    Create {
        id: i64,
        note: NoteInput,
        at: String,
        /// The `Idempotency-Key` it is sent under, every time: an answer lost on the way
        /// back cannot make the note twice. (A change queued before keys has none.)
        #[serde(default)]
        key: Option<String>,
        /// Sent at least once. The server may have made the note then, and a retry under
        /// `key` gets that note back as it was: later edits must follow as changes of
        /// their own, not merge into text the server would no longer read.
        #[serde(default)]
        sent: bool,
    },
    /// Fields changed over `base`, the note as it was when the editing began. `etag` is
    /// its version when the server was asked for it then; without one, the server's note
    /// must still read as `base` for the change to go over it.
    Edit {
        id: i64,
        patch: NotePatch,
        base: Note,
        etag: Option<String>,
        at: String,
        /// The key for the note the words become if the server's note was deleted.
        #[serde(default)]
        key: Option<String>,
    },
    Delete {
        id: i64,
    },
}

impl Change {
    pub fn note_id(&self) -> i64 {
        match self {
            Self::Create { id, .. } | Self::Edit { id, .. } | Self::Delete { id } => *id,
        }
    }

    /// Whether the server must hold the version the change was made over: a pin alone
    /// goes over whatever is there, as it does online.
    pub fn needs_version(&self) -> bool {
        matches!(self, Self::Edit { patch, .. } if patch.title.is_some() || patch.content.is_some())
    }
}

/// A change and its place in the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waiting {
    pub seq: u64,
    pub change: Change,
    /// The server's note changed since the edit's version: the person chooses.
    #[serde(default)]
    pub conflict: bool,
}

/// The changes not yet on the server, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Queue {
    next: u64,
    pub changes: Vec<Waiting>,
    /// The change on its way to the server, kept with the queue so that every tab leaves
    /// it alone (it stays in `changes` until the server has it).
    #[serde(default)]
    pub sending: Option<u64>,
}

/// The version of a note the device answered with, in place of the server's `ETag`: the
/// note's `updated_at` then. An edit made from it goes to the server only over a note
/// that still has that `updated_at` (`opened_on_device`).
pub fn device_version(note: &Note) -> String {
    ["device:", &note.updated_at].concat()
}

/// The `updated_at` a [`device_version`] names; `None` for a server's `ETag`.
pub fn opened_on_device(etag: &str) -> Option<&str> {
    etag.strip_prefix("device:")
}

/// `later`'s fields over `earlier`'s.
fn merge(earlier: &mut NotePatch, later: NotePatch) {
    if later.title.is_some() {
        earlier.title = later.title;
    }
    if later.content.is_some() {
        earlier.content = later.content;
    }
    if later.pinned.is_some() {
        earlier.pinned = later.pinned;
    }
}

/// `patch` applied to `note`; `at` is when, for `updated_at` (a pin alone leaves it, as
/// the server does).
fn patched(note: &mut Note, patch: &NotePatch, at: &str) {
    if let Some(title) = &patch.title {
        note.title.clone_from(title);
    }
    if let Some(content) = &patch.content {
        note.content.clone_from(content);
    }
    if let Some(pinned) = patch.pinned {
        note.pinned = pinned;
    }
    if patch.title.is_some() || patch.content.is_some() {
        at.clone_into(&mut note.updated_at);
    }
}

impl Queue {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    pub fn len(&self) -> usize {
        self.changes.len()
    }

    /// Whether a change of note `id` waits.
    pub fn holds(&self, id: i64) -> bool {
        self.changes.iter().any(|w| w.change.note_id() == id)
    }

    /// The edit of note `id` that the server's version overtook, if one waits.
    pub fn conflict(&self, id: i64) -> Option<&Change> {
        self.changes
            .iter()
            .find(|w| w.conflict && w.change.note_id() == id)
            .map(|w| &w.change)
    }

    /// An id for a note written offline: below zero, below any other waiting, and
    /// distinct across reloads (`now_ms`, the clock).
    pub fn temporary_id(&self, now_ms: i64) -> i64 {
        let lowest = self.changes.iter().map(|w| w.change.note_id()).min();
        (-now_ms.max(1)).min(lowest.map_or(i64::MAX, |l| l - 1))
    }

    /// Adds a change, merged into the one already waiting for its note unless that one
    /// is being sent.
    pub fn push(&mut self, change: Change) {
        let sending = self.sending;
        let id = change.note_id();
        let open = self
            .changes
            .iter()
            .rposition(|w| w.change.note_id() == id && Some(w.seq) != sending);
        // An edit of a note whose creation was sent before follows it (see `sent`).
        let after_sent = open
            .is_some_and(|i| matches!(self.changes[i].change, Change::Create { sent: true, .. }));
        match (change, open) {
            (edit @ Change::Edit { .. }, Some(_)) if after_sent => self.append(edit),
            (Change::Edit { patch, at, .. }, Some(i)) => match &mut self.changes[i].change {
                Change::Create { note, .. } => {
                    let mut whole = NotePatch {
                        title: Some(std::mem::take(&mut note.title)),
                        content: Some(std::mem::take(&mut note.content)),
                        pinned: note.pinned,
                    };
                    merge(&mut whole, patch);
                    note.title = whole.title.unwrap_or_default();
                    note.content = whole.content.unwrap_or_default();
                    note.pinned = whole.pinned;
                }
                Change::Edit {
                    patch: earlier,
                    at: when,
                    ..
                } => {
                    merge(earlier, patch);
                    *when = at;
                }
                // A deleted note has no card left to edit it from.
                Change::Delete { .. } => {}
            },
            (Change::Delete { id }, _) => {
                // A creation never sent is taken back; one sent may be on the server
                // already, so it stays (with what is on its way) and the deletion
                // follows it.
                let never_sent = |w: &Waiting| {
                    matches!(w.change, Change::Create { id: c, sent: false, .. } if c == id)
                        && Some(w.seq) != sending
                };
                let created_here = self.changes.iter().any(never_sent);
                self.changes.retain(|w| {
                    w.change.note_id() != id
                        || Some(w.seq) == sending
                        || (!created_here && matches!(w.change, Change::Create { .. }))
                });
                if !created_here {
                    self.append(Change::Delete { id });
                }
            }
            (change, _) => self.append(change),
        }
    }

    fn append(&mut self, change: Change) {
        self.next += 1;
        self.changes.push(Waiting {
            seq: self.next,
            change,
            conflict: false,
        });
    }

    /// The change `seq` reached the server: it no longer waits.
    pub fn remove(&mut self, seq: u64) {
        self.changes.retain(|w| w.seq != seq);
        if self.sending == Some(seq) {
            self.sending = None;
        }
    }

    /// Whether a change waits that can be sent (not only edits waiting for a choice).
    pub fn has_sendable(&self) -> bool {
        self.next_to_send().is_some()
    }

    /// Forgets every change of note `id` (the person took the server's version).
    pub fn forget(&mut self, id: i64) {
        self.changes.retain(|w| w.change.note_id() != id);
    }

    pub fn mark_conflict(&mut self, seq: u64) {
        if let Some(waiting) = self.changes.iter_mut().find(|w| w.seq == seq) {
            waiting.conflict = true;
        }
        if self.sending == Some(seq) {
            self.sending = None;
        }
    }

    /// The note written offline as `temporary` is `created` on the server: the changes
    /// queued after it follow it there.
    pub fn created(&mut self, temporary: i64, created: &Note) {
        for waiting in &mut self.changes {
            match &mut waiting.change {
                Change::Edit { id, base, .. } if *id == temporary => {
                    *id = created.id;
                    base.id = created.id;
                }
                Change::Delete { id } if *id == temporary => *id = created.id,
                _ => {}
            }
        }
    }

    /// The next change to send, marked as on its way (a creation, as `sent` for good).
    pub fn start_sending(&mut self) -> Option<Waiting> {
        let next = self
            .changes
            .iter_mut()
            .find(|w| !w.conflict)
            .map(|waiting| {
                if let Change::Create { sent, .. } = &mut waiting.change {
                    *sent = true;
                }
                waiting.clone()
            });
        self.sending = next.as_ref().map(|w| w.seq);
        next
    }

    /// The next change to send: the oldest that waits for no choice. (A later change of
    /// a note waiting for a choice merges into it, or, a deletion, replaces it.)
    pub fn next_to_send(&self) -> Option<&Waiting> {
        self.changes.iter().find(|w| !w.conflict)
    }

    /// `notes` (the server's, as last copied) as they read with the waiting changes made,
    /// in the list's order. `author` is the person's id, for the notes written here.
    pub fn overlay(&self, notes: &mut Vec<Note>, author: i64) {
        for waiting in &self.changes {
            match &waiting.change {
                Change::Create { id, note, at, .. } => notes.push(Note {
                    id: *id,
                    title: note.title.clone(),
                    content: note.content.clone(),
                    created_at: at.clone(),
                    updated_at: at.clone(),
                    author,
                    pinned: note.pinned.unwrap_or(false),
                    ..Default::default()
                }),
                Change::Edit { id, patch, at, .. } => {
                    if let Some(note) = notes.iter_mut().find(|n| n.id == *id) {
                        patched(note, patch, at);
                    }
                }
                Change::Delete { id } => notes.retain(|n| n.id != *id),
            }
        }
        in_list_order(notes);
    }
}

/// The server's order: pinned first, then newest first.
pub fn in_list_order(notes: &mut [Note]) {
    notes.sort_by(|a, b| (b.pinned, &b.created_at, b.id).cmp(&(a.pinned, &a.created_at, a.id)));
}

/// A note as an edit leaves it, for the list to show before the server has it.
pub fn edited(mut note: Note, patch: &NotePatch, at: &str) -> Note {
    patched(&mut note, patch, at);
    note
}

/// What a save of the whole note changes.
pub fn as_patch(input: NoteInput) -> NotePatch {
    NotePatch {
        title: Some(input.title),
        content: Some(input.content),
        pinned: input.pinned,
    }
}

/// The whole note an edit's fields make over `base`, to write it anew (the note was
/// deleted on the server meanwhile, and the person's words are kept).
pub fn rewritten(base: &Note, patch: &NotePatch) -> NoteInput {
    NoteInput {
        title: patch.title.clone().unwrap_or_else(|| base.title.clone()),
        content: patch
            .content
            .clone()
            .unwrap_or_else(|| base.content.clone()),
        pinned: Some(patch.pinned.unwrap_or(base.pinned)),
    }
}

/// Lower case, as the server folds text for search (its simple case folding and this
/// differ for a handful of characters only); in the browser, by the browser's own tables
/// (`validation::lowercase`).
fn folded(text: &str) -> String {
    lowercase(text)
}

fn is_tag_char(c: char) -> bool {
    is_alphanumeric(c) || matches!(c, '_' | '-' | '/')
}

/// Whether `text` names `#tag` or a tag nested in it. Read as plain text: the browser's
/// main build does not carry the Markdown parser (the worker does), so a `#tag` inside
/// code or a link counts here, where the server's filter would leave it out.
pub fn mentions_tag(text: &str, tag: &str) -> bool {
    let tag = folded(tag);
    let mut before = ' ';
    for (at, c) in text.char_indices() {
        if c == '#' && !is_tag_char(before) && before != '#' {
            let rest = &text[at + 1..];
            let end = rest.find(|c| !is_tag_char(c)).unwrap_or(rest.len());
            let name = folded(rest[..end].trim_end_matches('/'));
            if name == tag || name.strip_prefix(&tag).is_some_and(|r| r.starts_with('/')) {
                return true;
            }
        }
        before = c;
    }
    false
}

/// Page `page` (from 1, `size` notes each) of `notes` holding every term of `search` in
/// their title or content, ignoring case, and the #tag `tag` unless it is empty; `None`
/// past the last page, as the server answers 404.
pub fn listing(
    notes: Vec<Note>,
    search: &str,
    tag: &str,
    page: u64,
    size: u64,
) -> Option<Page<Note>> {
    let terms: Vec<String> = search.split_whitespace().map(folded).collect();
    let matching: Vec<Note> = notes
        .into_iter()
        .filter(|note| {
            let (title, content) = (folded(&note.title), folded(&note.content));
            terms
                .iter()
                .all(|t| title.contains(t.as_str()) || content.contains(t.as_str()))
                && (tag.is_empty() || mentions_tag(&note.content, tag))
        })
        .collect();
    let count = matching.len() as u64;
    let skip = page.checked_sub(1)?.checked_mul(size)?;
    if page > 1 && skip >= count {
        return None;
    }
    Some(Page {
        count,
        next: None,
        previous: None,
        results: matching
            .into_iter()
            .skip(skip as usize)
            .take(size as usize)
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const AT: &str = "2026-12-03T10:00:00.000000Z";
    const LATER: &str = "2026-12-03T11:00:00.000000Z";

    fn note(id: i64, title: &str, content: &str) -> Note {
        Note {
            id,
            title: title.into(),
            content: content.into(),
            created_at: format!("2026-12-01T00:00:{:02}.000000Z", id.rem_euclid(60)),
            updated_at: format!("2026-12-01T00:00:{:02}.000000Z", id.rem_euclid(60)),
            author: 1,
            pinned: false,
            ..Default::default()
        }
    }

    fn input(title: &str, content: &str) -> NoteInput {
        NoteInput {
            title: title.into(),
            content: content.into(),
            pinned: None,
        }
    }

    fn text(title: &str) -> NotePatch {
        NotePatch {
            title: Some(title.into()),
            ..Default::default()
        }
    }

    fn edit(base: &Note, patch: NotePatch) -> Change {
        Change::Edit {
            id: base.id,
            patch,
            base: base.clone(),
            etag: None,
            at: LATER.into(),
            key: Some(format!("edit {}", patch_key())),
        }
    }

    fn create(id: i64, title: &str) -> Change {
        Change::Create {
            id,
            note: input(title, "words"),
            at: AT.into(),
            key: Some(format!("create {id}")),
            sent: false,
        }
    }

    /// A key unique to each edit made.
    fn patch_key() -> u64 {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }

    fn key_of(change: &Change) -> Option<&str> {
        match change {
            Change::Create { key, .. } | Change::Edit { key, .. } => key.as_deref(),
            Change::Delete { .. } => None,
        }
    }

    #[test]
    fn a_change_keeps_its_first_key_whatever_merges_into_it() {
        let base = note(1, "Groceries", "Eggs");
        let mut queue = Queue::default();
        queue.push(create(-5, "Draft"));
        queue.push(edit(&base, text("Shopping")));
        let (created, edited) = (
            key_of(&queue.changes[0].change).map(str::to_owned),
            key_of(&queue.changes[1].change).map(str::to_owned),
        );
        let draft = note(-5, "Draft", "words");
        queue.push(edit(&draft, text("Plan")));
        queue.push(edit(&base, text("List")));
        assert_eq!(queue.len(), 2);
        assert_eq!(key_of(&queue.changes[0].change), created.as_deref());
        assert_eq!(key_of(&queue.changes[1].change), edited.as_deref());
        // A queue kept before keys still reads.
        let old = r#"{"next":1,"changes":[{"seq":1,"change":{"Create":{"id":-1,"note":{"title":"a","content":"b"},"at":"2026-12-01T00:00:00Z"}}}]}"#;
        let old: Queue = serde_json::from_str(old).unwrap();
        assert_eq!(key_of(&old.changes[0].change), None);
    }

    #[test]
    fn edits_of_one_note_merge_and_keep_the_first_version() {
        let base = note(1, "Groceries", "Eggs");
        let mut queue = Queue::default();
        queue.push(edit(&base, text("Shopping")));
        let mut second = base.clone();
        second.title = "Shopping".into();
        let pin = NotePatch {
            pinned: Some(true),
            ..Default::default()
        };
        queue.push(edit(&second, pin));
        assert_eq!(queue.len(), 1);
        let Change::Edit {
            patch, base: kept, ..
        } = &queue.changes[0].change
        else {
            panic!("an edit");
        };
        assert_eq!(patch.title.as_deref(), Some("Shopping"));
        assert_eq!(patch.pinned, Some(true));
        assert_eq!(kept, &base);
        assert!(queue.changes[0].change.needs_version());
    }

    #[test]
    fn a_pin_alone_needs_no_version() {
        let base = note(1, "Groceries", "Eggs");
        let pin = NotePatch {
            pinned: Some(true),
            ..Default::default()
        };
        assert!(!edit(&base, pin).needs_version());
        assert!(edit(&base, text("x")).needs_version());
    }

    #[test]
    fn a_note_written_offline_takes_its_edits_and_goes_with_its_deletion() {
        let mut queue = Queue::default();
        queue.push(create(-5, "Draft"));
        let written = draft();
        queue.push(edit(&written, text("Plan")));
        assert_eq!(queue.len(), 1);
        assert!(
            matches!(&queue.changes[0].change, Change::Create { note, .. } if note.title == "Plan" && note.content == "words")
        );
        queue.push(Change::Delete { id: -5 });
        assert!(queue.is_empty());
    }

    #[test]
    fn changes_behind_the_one_being_sent_wait_and_follow_its_id() {
        let mut queue = Queue::default();
        queue.push(create(-5, "Draft"));
        let sending = queue.changes[0].seq;
        queue.sending = Some(sending);
        let written = draft();
        queue.push(edit(&written, text("Plan")));
        queue.push(Change::Delete { id: -5 });
        // The creation is on its way; the deletion waits behind it (the edit is moot).
        assert_eq!(queue.len(), 2);
        let from_server = note(41, "Draft", "words");
        queue.created(-5, &from_server);
        queue.remove(sending);
        assert_eq!(queue.changes[0].change, Change::Delete { id: 41 });
    }

    #[test]
    fn deleting_drops_the_edits_before_it() {
        let base = note(3, "Old", "text");
        let mut queue = Queue::default();
        queue.push(edit(&base, text("New")));
        queue.push(Change::Delete { id: 3 });
        assert_eq!(queue.changes.len(), 1);
        assert_eq!(queue.changes[0].change, Change::Delete { id: 3 });
    }

    #[test]
    fn temporary_ids_are_negative_and_distinct() {
        let mut queue = Queue::default();
        let first = queue.temporary_id(1_000);
        assert_eq!(first, -1_000);
        queue.push(create(first, "a"));
        assert_eq!(queue.temporary_id(1_000), -1_001);
        assert_eq!(queue.temporary_id(5_000), -5_000);
    }

    #[test]
    fn an_edit_behind_one_being_sent_waits_apart_and_follows_a_new_id() {
        let mut queue = Queue::default();
        queue.push(create(-5, "Draft"));
        let creating = queue.changes[0].seq;
        queue.sending = Some(creating);
        let written = draft();
        queue.push(edit(&written, text("Plan")));
        queue.push(edit(&written, text("Plan B")));
        // Not merged into the creation on its way; merged with each other.
        assert_eq!(queue.len(), 2);
        assert!(
            matches!(&queue.changes[0].change, Change::Create { note, .. } if note.title == "Draft")
        );
        queue.created(-5, &note(41, "Draft", "words"));
        queue.remove(creating);
        assert_eq!(queue.sending, None);
        let Change::Edit {
            id, base, patch, ..
        } = &queue.changes[0].change
        else {
            panic!("the edit waits");
        };
        assert_eq!((*id, base.id), (41, 41));
        assert_eq!(patch.title.as_deref(), Some("Plan B"));
    }

    /// Note -5 as the device shows it after `create(-5, "Draft")`.
    fn draft() -> Note {
        Note {
            id: -5,
            ..note(0, "Draft", "words")
        }
    }

    /// The creation of note -5 ("Draft") was sent, and no answer came.
    fn sent_without_answer() -> Queue {
        let mut queue = Queue::default();
        queue.push(create(-5, "Draft"));
        let sent = queue.start_sending().map(|w| w.seq);
        assert_eq!(queue.sending, sent);
        queue.sending = None;
        queue
    }

    #[test]
    fn an_edit_after_a_creation_was_sent_follows_it_instead_of_changing_it() {
        let mut queue = sent_without_answer();
        let written = draft();
        queue.push(edit(&written, text("Plan")));
        queue.push(edit(&written, text("Plan B")));
        // The server may hold "Draft" under the creation's key: a retry gets that note
        // back, and the edit then goes over it.
        assert_eq!(queue.len(), 2);
        assert!(
            matches!(&queue.changes[0].change, Change::Create { note, sent: true, .. } if note.title == "Draft")
        );
        let creating = queue.start_sending().map(|w| w.seq);
        queue.created(-5, &note(41, "Draft", "words"));
        queue.remove(creating.unwrap());
        let Change::Edit { id, patch, .. } = &queue.changes[0].change else {
            panic!("the edit waits");
        };
        assert_eq!((*id, patch.title.as_deref()), (41, Some("Plan B")));
    }

    #[test]
    fn deleting_a_note_whose_creation_was_sent_deletes_it_after_the_retry() {
        let mut queue = sent_without_answer();
        let written = draft();
        queue.push(edit(&written, text("Plan")));
        queue.push(Change::Delete { id: -5 });
        // Not taken back: the note may be on the server. The edit is moot.
        assert_eq!(queue.len(), 2);
        assert!(matches!(queue.changes[0].change, Change::Create { .. }));
        queue.created(-5, &note(41, "Draft", "words"));
        assert_eq!(queue.changes[1].change, Change::Delete { id: 41 });
    }

    #[test]
    fn a_creation_never_sent_still_takes_edits_and_is_taken_back() {
        let mut queue = Queue::default();
        queue.push(create(-5, "Draft"));
        queue.push(create(-6, "Other"));
        // Sending the first creation leaves the second unsent.
        let first = queue.start_sending().map(|w| w.seq);
        queue.remove(first.unwrap());
        let other = Note {
            id: -6,
            ..note(0, "Other", "words")
        };
        queue.push(edit(&other, text("Another")));
        assert!(
            matches!(&queue.changes[0].change, Change::Create { note, sent: false, .. } if note.title == "Another")
        );
        queue.push(Change::Delete { id: -6 });
        assert!(queue.is_empty());
    }

    #[test]
    fn removing_one_change_leaves_the_others_and_numbers_stay_unique() {
        let mut queue = Queue::default();
        for id in 1..=3 {
            queue.push(Change::Delete { id });
        }
        let seqs: Vec<u64> = queue.changes.iter().map(|w| w.seq).collect();
        queue.remove(seqs[1]);
        let left: Vec<i64> = queue.changes.iter().map(|w| w.change.note_id()).collect();
        assert_eq!(left, [1, 3]);
        queue.push(Change::Delete { id: 4 });
        assert!(queue.changes[2].seq > seqs[2]);
    }

    #[test]
    fn a_conflict_waits_for_the_choice_while_other_notes_go_on() {
        let (a, b) = (note(1, "A", "a"), note(2, "B", "b"));
        let mut queue = Queue::default();
        queue.push(edit(&a, text("A2")));
        queue.push(edit(&b, text("B2")));
        let first = queue.changes[0].seq;
        queue.sending = Some(first);
        queue.mark_conflict(first);
        assert_eq!(queue.sending, None);
        assert_eq!(queue.next_to_send().map(|w| w.change.note_id()), Some(2));
        assert!(matches!(queue.conflict(1), Some(Change::Edit { .. })));
        assert_eq!(queue.conflict(2), None);
        // A later edit of the note joins the one waiting for the choice.
        queue.push(edit(&a, text("A3")));
        assert_eq!(queue.len(), 2);
        assert!(
            matches!(queue.conflict(1), Some(Change::Edit { patch, .. }) if patch.title.as_deref() == Some("A3"))
        );
        queue.remove(queue.changes[1].seq);
        assert!(!queue.has_sendable());
        // Deleting the note ends the question.
        queue.push(Change::Delete { id: 1 });
        assert_eq!(queue.conflict(1), None);
        assert!(queue.has_sendable());
        queue.forget(1);
        assert!(queue.is_empty());
    }

    #[test]
    fn device_versions_are_told_from_the_servers() {
        let n = note(1, "A", "a");
        let version = device_version(&n);
        assert_eq!(opened_on_device(&version), Some(n.updated_at.as_str()));
        assert_eq!(opened_on_device("\"3\""), None);
    }

    #[test]
    fn the_overlay_shows_the_changes_in_list_order() {
        let (old, newer) = (note(1, "Old", "one"), note(2, "Newer", "two"));
        let mut queue = Queue::default();
        queue.push(create(-9, "Offline"));
        queue.push(edit(
            &old,
            NotePatch {
                pinned: Some(true),
                content: Some("changed".into()),
                ..Default::default()
            },
        ));
        queue.push(Change::Delete { id: 2 });
        let mut notes = vec![newer, old];
        queue.overlay(&mut notes, 7);
        let ids: Vec<i64> = notes.iter().map(|n| n.id).collect();
        assert_eq!(ids, [1, -9]);
        assert_eq!(notes[0].content, "changed");
        assert_eq!(notes[0].updated_at, LATER);
        assert_eq!(notes[1].author, 7);
        assert_eq!(notes[1].created_at, AT);
    }

    #[test]
    fn queues_survive_json() {
        let mut queue = Queue::default();
        queue.push(create(-1, "a"));
        queue.push(edit(&note(4, "b", "c"), text("d")));
        let text = crate::json::to_string(&queue).unwrap();
        assert_eq!(crate::json::from_str::<Queue>(&text), Some(queue));
    }

    #[test]
    fn tags_are_found_as_words_with_their_nesting() {
        assert!(mentions_tag("see #Work today", "work"));
        assert!(mentions_tag("#work/meetings at 3", "work"));
        assert!(mentions_tag("#work/meetings", "Work/Meetings"));
        assert!(!mentions_tag("#workshop", "work"));
        assert!(!mentions_tag("a#work", "work"));
        assert!(!mentions_tag("no tags", "work"));
        assert!(mentions_tag("(#work)", "work"));
    }

    #[test]
    fn listing_searches_every_term_ignoring_case_and_pages() {
        let notes: Vec<Note> = (1..=25)
            .map(|i| {
                note(
                    i,
                    &format!("Note {i}"),
                    if i % 2 == 0 { "Even #Work" } else { "odd" },
                )
            })
            .collect();
        let even = listing(notes.clone(), "EVEN note", "", 1, 20).unwrap();
        assert_eq!(even.count, 12);
        let tagged = listing(notes.clone(), "", "work", 1, 20).unwrap();
        assert_eq!(tagged.count, 12);
        let all = listing(notes.clone(), "  ", "", 2, 20).unwrap();
        assert_eq!((all.count, all.results.len()), (25, 5));
        assert_eq!(listing(notes.clone(), "", "", 3, 20), None);
        let none = listing(notes, "nothing", "", 1, 20).unwrap();
        assert_eq!((none.count, none.results.len()), (0, 0));
    }
}
