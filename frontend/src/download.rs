//! Handing a file the API sent to the browser's downloads, as a link to it would.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Blob, HtmlAnchorElement, Url};

/// Saves `blob` as `name`: a link to it, clicked, then let go.
pub fn save(blob: &Blob, name: &str) -> Result<(), JsValue> {
    let url = Url::create_object_url_with_blob(blob)?;
    let link: HtmlAnchorElement = leptos::prelude::document()
        .create_element("a")?
        .dyn_into()?;
    link.set_href(&url);
    link.set_download(name);
    link.click();
    // Let go of the blob once the download surely has it: revoking at once cancels the
    // download in some browsers.
    leptos::prelude::set_timeout(
        move || drop(Url::revoke_object_url(&url)),
        std::time::Duration::from_secs(30),
    );
    Ok(())
}
