//! JSON by serde, on both sides of the wire. Natively serde_json; in the browser the
//! browser's own `JSON.parse`/`JSON.stringify` with serde-wasm-bindgen between them and
//! the types, which costs the wasm less than a JSON parser and printer of its own
//! (docs/spa.md has the figures).

use serde::Serialize;
use serde::de::DeserializeOwned;

#[cfg(not(target_arch = "wasm32"))]
pub fn from_str<T: DeserializeOwned>(text: &str) -> Option<T> {
    serde_json::from_str(text).ok()
}

#[cfg(not(target_arch = "wasm32"))]
pub fn to_string(value: &impl Serialize) -> Option<String> {
    serde_json::to_string(value).ok()
}

#[cfg(target_arch = "wasm32")]
pub fn from_str<T: DeserializeOwned>(text: &str) -> Option<T> {
    serde_wasm_bindgen::from_value(js_sys::JSON::parse(text).ok()?).ok()
}

#[cfg(target_arch = "wasm32")]
pub fn to_string(value: &impl Serialize) -> Option<String> {
    // Maps as plain objects, as JSON has them (not as JS `Map`s).
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    let value = value.serialize(&serializer).ok()?;
    js_sys::JSON::stringify(&value).ok().map(String::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Note;

    #[test]
    fn types_round_trip() {
        let note = Note {
            id: 7,
            title: "t".into(),
            content: "\"quoted\" ü".into(),
            created_at: "2026-11-25T12:00:00.000000Z".into(),
            updated_at: "2026-11-25T12:00:00.000000Z".into(),
            author: 3,
            pinned: true,
            ..Default::default()
        };
        let text = to_string(&note).unwrap();
        assert_eq!(from_str::<Note>(&text), Some(note));
        assert_eq!(from_str::<Note>("{}"), None);
    }
}
