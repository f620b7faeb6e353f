//! What a page does to the browser beyond its own view: the tab's title, moving on
//! without a history entry, and what the way back from the provider left in the address.

/// The tab's title: the page's, then the app's name.
pub(super) fn set_title(title: &str) {
    leptos::prelude::document().set_title(&[title, " · Notes"].concat());
}

/// Moves on to `path` in place of this page's history entry, so Back does not return to
/// a page whose purpose is over.
pub(super) fn replace_with(navigate: impl Fn(&str, leptos_router::NavigateOptions), path: &str) {
    let options = leptos_router::NavigateOptions {
        replace: true,
        ..Default::default()
    };
    navigate(path, options);
}

/// `#key=value` in the address (what the way back from the sign-in provider leaves),
/// taken out of it, so a reload does not use it again.
pub(super) fn take_fragment() -> Option<(String, String)> {
    let location = leptos::prelude::window().location();
    let hash = location.hash().ok()?;
    let (key, value) = hash.strip_prefix('#')?.split_once('=')?;
    let value = String::from(js_sys::decode_uri_component(value).ok()?);
    let here = [location.pathname().ok()?, location.search().ok()?].concat();
    let _ = leptos::prelude::window()
        .history()
        .ok()?
        .replace_state_with_url(&leptos::wasm_bindgen::JsValue::NULL, "", Some(&here));
    Some((key.to_owned(), value))
}
