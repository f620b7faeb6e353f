//! What a note's page tells the panels it loads as chunks of their own (the share dialog,
//! the history): which note, and what the page wants to hear back.

use crate::api::Note;
use leptos::prelude::Callback;

/// The note the share dialog is about, for the dialog's chunk.
#[derive(Debug, Clone, Copy)]
pub struct Sharing(pub i64);

/// The note whose history is shown, for the history's chunk.
#[derive(Clone, Copy)]
pub struct HistoryOf {
    pub id: i64,
    /// Whether the person may make a kept version the text again: their own note, or one
    /// shared with them to edit (read only, the server refuses it too).
    pub restorable: bool,
    /// Called with the note once a kept version is its text again.
    pub restored: Callback<Note>,
}
