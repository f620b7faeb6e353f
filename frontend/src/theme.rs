//! The colour theme on this device: the person's choice, kept in `localStorage` under
//! `theme`, else the system's. The shell's inline script applies a stored choice before
//! the first paint; this module reads it and changes it.

use app::client::Theme;
use leptos::prelude::{document, window};
use wasm_bindgen::JsCast;

const KEY: &str = "theme";

fn stored() -> Option<Theme> {
    let value = window().local_storage().ok()??.get_item(KEY).ok()??;
    Theme::parse(&value)
}

fn system() -> Theme {
    let dark = window()
        .match_media("(prefers-color-scheme: dark)")
        .ok()
        .flatten()
        .is_some_and(|query| query.matches());
    if dark { Theme::Dark } else { Theme::Light }
}

pub fn current() -> Theme {
    stored().unwrap_or_else(system)
}

/// Shows `theme` and keeps it for the next visit. Where storage is refused (a private
/// window's quota), the page still changes.
pub fn choose(theme: Theme) {
    if let Some(root) = document().document_element() {
        let _ = root.set_attribute("data-theme", theme.as_str());
    }
    // The browser's bar takes the chosen theme's colour, as the shell's script does.
    if let Ok(metas) = document().query_selector_all("meta[name=theme-color]") {
        for meta in (0..metas.length()).filter_map(|i| metas.item(i)) {
            let meta: web_sys::Element = meta.unchecked_into();
            let shown = meta.get_attribute("data-theme").as_deref() == Some(theme.as_str());
            let _ = meta.set_attribute("media", if shown { "all" } else { "not all" });
        }
    }
    if let Ok(Some(storage)) = window().local_storage() {
        let _ = storage.set_item(KEY, theme.as_str());
    }
}
