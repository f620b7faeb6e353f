//! Pieces the pages share.

mod form;
mod note_card;
mod note_form;

pub use form::{
    ConfirmForm, FieldError, FormMessage, FormState, RetryPanel, SubmitButton, TextField,
};
pub use note_card::NoteCard;
pub use note_form::NoteForm;
