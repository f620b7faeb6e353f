//! The notes: reading and writing them for their author (`store`), search,
//! versions for conditional writes, and SQLite's fast paths for the plain list and for
//! new notes. Uses `accounts` (a note's author), `storage`, `ops` and `error`.

pub mod access;
pub mod announce;
pub mod attachments;
pub mod creation_keys;
pub mod export;
pub mod files;
pub mod group_commit;
pub mod history;
pub mod import;
pub mod inline_reads;
pub mod links;
pub mod precondition;
pub mod search;
pub mod sharing;
pub mod store;
pub mod tags;
pub mod trash;

pub use store::{
    Filters, NoteChanges, Page, Versioned, create, find, get, list, list_json, page, update,
};
pub use trash::delete;
