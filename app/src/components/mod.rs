//! Pieces the pages share.

mod form;
mod note_card;
mod note_form;

pub use form::{
    ConfirmForm, FieldError, FormMessage, FormState, RetryPanel, SubmitButton, TextField,
};
pub use note_card::NoteCard;
pub use note_form::NoteForm;

use leptos::wasm_bindgen::JsValue;

/// An RFC 3339 time as `write` puts it in the reader's locale and time zone (the whole
/// time, `Date::to_locale_string`, or its day, `Date::to_locale_date_string`); the text
/// as it came when it is not a time.
pub fn in_reader_locale(
    rfc3339: &str,
    write: fn(&js_sys::Date, &str, &JsValue) -> js_sys::JsString,
) -> String {
    let date = js_sys::Date::new(&JsValue::from_str(rfc3339));
    if date.get_time().is_nan() {
        return rfc3339.to_owned();
    }
    write(&date, "default", &JsValue::UNDEFINED).into()
}
