//! Text put on the clipboard.

/// Puts `text` on the clipboard; `copied` says, once the clipboard has answered, whether
/// it took it.
pub fn copy_text(text: &str, copied: leptos::prelude::RwSignal<Option<bool>>) {
    use leptos::prelude::Set;
    let written = copy_to_clipboard(text);
    crate::task::spawn(async move {
        let taken = match written {
            Some(promise) => wasm_bindgen_futures::JsFuture::from(promise).await.is_ok(),
            None => false,
        };
        copied.set(Some(taken));
    });
}

/// `navigator.clipboard.writeText(text)`, through `js_sys` so the app needs no more of
/// web-sys: its promise, which settles once the clipboard has (or has not) taken the
/// text; `None` where the browser offers no clipboard.
fn copy_to_clipboard(text: &str) -> Option<js_sys::Promise> {
    use js_sys::Reflect;
    use js_sys::wasm_bindgen::{JsCast, JsValue};
    let get = |target: &JsValue, key: &str| Reflect::get(target, &JsValue::from_str(key)).ok();
    let clipboard =
        get(&js_sys::global().into(), "navigator").and_then(|n| get(&n, "clipboard"))?;
    let write = get(&clipboard, "writeText")?
        .dyn_into::<js_sys::Function>()
        .ok()?;
    write
        .call1(&clipboard, &JsValue::from_str(text))
        .ok()?
        .dyn_into::<js_sys::Promise>()
        .ok()
}
