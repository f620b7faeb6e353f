//! Pieces the pages share.

mod clipboard;
mod form;
mod note_card;
mod note_form;
mod readable;

pub use clipboard::copy_text;
pub use form::{
    ConfirmForm, FieldError, FormMessage, FormState, RetryPanel, SubmitButton, TextField,
};
pub use note_card::{BeingEdited, NoteCard};
pub use note_form::NoteForm;
pub use readable::{in_bytes, in_reader_locale};
