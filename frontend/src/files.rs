//! Attachments in the page, a chunk of its own ([`kit`], fetched the first time a note
//! shows an attachment or its form may take a file; see `app::client::Files`):
//!
//! - images fetched with the token (an `<img>` cannot send one) into `blob:` URLs: the
//!   smaller copy the server makes of a wide one, and the original shown whole when the
//!   image is clicked;
//! - a file's size beside its name, and the file saved when its name is clicked;
//! - every file fetched kept in the device's cache (`device::keep_file`), so that notes
//!   show them offline too, and forgotten with the rest at sign-out;
//! - uploads, each with its progress (by `XMLHttpRequest`: `fetch` cannot tell how much
//!   of a body is sent) and a placeholder at the cursor that the reference replaces.
//!
//! What the main module does not already import is called by name (`crate::js`).

use crate::js;
use crate::transport::{self, API_BASE, Answer, Call};
use crate::{device, reachability, session};
use app::api::{Attachment, paths};
use app::client::{ClientError, Files};
use app::in_bytes;
use app::task::spawn;
use futures::channel::oneshot;
use leptos::prelude::*;
use leptos::wasm_split::{SplitLoaderError, wasm_split};
use std::cell::Cell;
use std::time::Duration;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, Element, Headers, HtmlTextAreaElement, Request, RequestInit, Response, Url};

#[wasm_split(files, wasm_split_path = ::leptos::wasm_split, fallible)]
pub fn kit() -> Result<Files, SplitLoaderError> {
    Ok(Files { show, open, take })
}

/// How often an upload waiting for the connection looks whether it is back (the
/// reachability probe finds out).
const RETRY_EVERY: Duration = Duration::from_secs(3);

thread_local! {
    static NEXT_UPLOAD: Cell<u32> = const { Cell::new(1) };
}

/// Where attachment `id` (or its smaller copy) is served, and kept on the device.
fn path(id: &str, preview: bool) -> String {
    let url = markup::attachments::url(id);
    if preview { url + "?size=preview" } else { url }
}

/// The elements under `within` that `selector` finds.
fn all(within: &Element, selector: &str) -> Vec<Element> {
    let Ok(found) = within.query_selector_all(selector) else {
        return Vec::new();
    };
    (0..found.length())
        .filter_map(|i| found.item(i)?.dyn_into().ok())
        .collect()
}

fn show(within: Element) {
    let Some(user) = session::user_id() else {
        return;
    };
    for image in all(&within, "img[data-attachment]") {
        let Some(id) = image.get_attribute("data-attachment") else {
            continue;
        };
        spawn(async move {
            match fetched(user, &path(&id, true)).await {
                Ok(file) => {
                    let Ok(url) = Url::create_object_url_with_blob(&file) else {
                        return;
                    };
                    let _ = image.set_attribute("src", &url);
                    // Once decoded the image no longer needs its URL (nor the blob).
                    if let Ok(decoded) = js::call(&image, "decode", &[]) {
                        let _ = JsFuture::from(js_sys::Promise::from(decoded)).await;
                    }
                    let _ = Url::revoke_object_url(&url);
                }
                Err(why) => {
                    let _ = image.set_attribute("title", &why);
                    let _ = image.class_list().add_1("missing");
                }
            }
        });
    }
    for link in all(&within, "a[data-attachment]") {
        let Some(id) = link.get_attribute("data-attachment") else {
            continue;
        };
        spawn(async move {
            if let Some(size) = size(user, &path(&id, false)).await
                && let Ok(shown) = leptos::prelude::document().create_element("span")
            {
                shown.set_class_name("size");
                shown.set_text_content(Some(&in_bytes(size)));
                let _ = js::call(&link, "append", &[shown.into()]);
            }
        });
    }
}

fn open(attachment: Element) {
    let (Some(user), Some(id)) = (
        session::user_id(),
        attachment.get_attribute("data-attachment"),
    ) else {
        return;
    };
    let image = attachment.tag_name().eq_ignore_ascii_case("img");
    let name = match image {
        true => attachment.get_attribute("alt"),
        false => js::get(&js::get(&attachment, "firstChild"), "textContent").as_string(),
    }
    .filter(|name| !name.trim().is_empty())
    .unwrap_or_else(|| "attachment".into());
    spawn(async move {
        let shown = match fetched(user, &path(&id, false)).await {
            Ok(file) if image => whole(&file, &name).map_err(|_| "It cannot be shown.".into()),
            Ok(file) => {
                crate::download::save(&file, &name).map_err(|_| "It cannot be saved.".into())
            }
            Err(why) => Err(why),
        };
        if let Err(why) = shown {
            let _ = js::call(&window(), "alert", &[why.into()]);
        }
    });
}

/// The file at `path`: from the server (and then kept on the device), or, when the
/// server cannot be reached, the device's copy; else why not, in a line.
async fn fetched(user: i64, path: &str) -> Result<Blob, String> {
    let call = Call::new("GET", path).for_user(user).file();
    match transport::download(call).await {
        Ok(file) => {
            let (path, blob) = (path.to_owned(), file.blob.clone());
            spawn(async move { device::keep_file(user, &path, &blob, file.etag.as_deref()).await });
            Ok(file.blob)
        }
        Err(ClientError::Network) => device::file(user, path).await.ok_or_else(|| {
            "It is not on this device: it shows once the connection returns.".into()
        }),
        Err(error) => Err(error.message()),
    }
}

/// The size in bytes of the file at `path`: its length by the server (`HEAD`), else the
/// device's copy's.
async fn size(user: i64, path: &str) -> Option<f64> {
    match transport::on_behalf(Some(user), &|bearer| Box::pin(head(path, bearer))).await {
        // As an integer: parsing a float would bring its tables, 11 KB of the chunk.
        Ok(answer) if answer.status == 200 => answer.body.parse::<u64>().ok().map(|n| n as f64),
        Err(ClientError::Network) => device::file(user, path).await.map(|file| file.size()),
        _ => None,
    }
}

/// `HEAD path`: the answer's `Content-Length` in place of its (empty) body.
async fn head(path: &str, bearer: Option<String>) -> Result<Answer, ClientError> {
    let asked = async {
        let headers = Headers::new()?;
        if let Some(token) = bearer {
            headers.set("Authorization", &["Bearer ", &token].concat())?;
        }
        let init = RequestInit::new();
        init.set_method("HEAD");
        init.set_headers(&headers);
        let request = Request::new_with_str_and_init(&[API_BASE, path].concat(), &init)?;
        let response: Response = JsFuture::from(window().fetch_with_request(&request))
            .await?
            .dyn_into()?;
        let length = response.headers().get("Content-Length")?;
        Ok::<_, JsValue>(Answer::text(response.status(), length.unwrap_or_default()))
    };
    let answer = asked.await;
    reachability::found(answer.is_ok());
    answer.map_err(|_| ClientError::Network)
}

/// The original image, whole, in a dialog over the page, with a link to save it.
fn whole(file: &Blob, name: &str) -> Result<(), JsValue> {
    let document = leptos::prelude::document();
    let url = Url::create_object_url_with_blob(file)?;
    let dialog = document.create_element("dialog")?;
    dialog.set_class_name("attachment-whole");
    dialog.set_attribute("aria-label", name)?;
    let image = document.create_element("img")?;
    image.set_attribute("src", &url)?;
    image.set_attribute("alt", name)?;
    let save = document.create_element("a")?;
    save.set_attribute("href", &url)?;
    save.set_attribute("download", name)?;
    save.set_text_content(Some("Download"));
    // A form of method `dialog` closes the dialog without a script.
    let close = document.create_element("form")?;
    close.set_attribute("method", "dialog")?;
    close.set_inner_html("<button>Close</button>");
    let actions = document.create_element("div")?;
    actions.set_class_name("actions");
    js::call(&actions, "append", &[save.into(), close.into()])?;
    js::call(&dialog, "append", &[image.into(), actions.into()])?;
    let body = document.body().ok_or(JsValue::NULL)?;
    js::call(&body, "append", &[dialog.clone().into()])?;
    let closed = dialog.clone();
    let on_close = Closure::once_into_js(move || {
        closed.remove();
        let _ = Url::revoke_object_url(&url);
    });
    js::set(&dialog, "onclose", &on_close);
    js::call(&dialog, "showModal", &[]).map(drop)
}

fn take(field: HtmlTextAreaElement) {
    let form = field.closest("form").ok().flatten();
    let find = |selector| form.as_ref()?.query_selector(selector).ok().flatten();
    let (Some(picker), Some(list)) = (find("input[type=file]"), find(".uploads")) else {
        return;
    };
    // The files an event carries in `holder` (`clipboardData`, `dataTransfer`): taken
    // (and the event's own handling prevented) if there are any.
    let taken = {
        let field = field.clone();
        move |event: &web_sys::Event, holder: &str| {
            let files = js::get(&js::get(event, holder), "files");
            if js::get(&files, "length").as_f64().unwrap_or(0.0) > 0.0 {
                event.prevent_default();
                attach(&files, &field, &list);
            }
        }
    };
    let on_paste = {
        let taken = taken.clone();
        Closure::<dyn Fn(web_sys::Event)>::new(move |event| taken(&event, "clipboardData"))
    };
    let on_drop = {
        let taken = taken.clone();
        Closure::<dyn Fn(web_sys::Event)>::new(move |event| taken(&event, "dataTransfer"))
    };
    // A file dragged over the field may be dropped there (else the browser opens it).
    let on_drag = Closure::<dyn Fn(web_sys::Event)>::new(|event: web_sys::Event| {
        let types = js::get(&js::get(&event, "dataTransfer"), "types");
        if js::call(&types, "includes", &["Files".into()]).is_ok_and(|has| has.is_truthy()) {
            event.prevent_default();
        }
    });
    let chosen = picker.clone();
    let on_choice = Closure::<dyn Fn(web_sys::Event)>::new(move |event| {
        taken(&event, "target");
        js::set(&chosen, "value", &"".into());
    });
    let listen = |target: &web_sys::EventTarget, event: &str, listener: &JsValue| {
        let _ = target.add_event_listener_with_callback(event, listener.unchecked_ref());
    };
    listen(&field, "paste", on_paste.as_ref());
    listen(&field, "drop", on_drop.as_ref());
    listen(&field, "dragover", on_drag.as_ref());
    listen(&picker, "change", on_choice.as_ref());
    // The listeners live as long as the form: its owner drops them.
    StoredValue::new_local((on_paste, on_drop, on_drag, on_choice));
    // Says so (to whoever looks: a test pasting as soon as it has focused the field).
    let _ = field.set_attribute("data-takes-files", "");
}

/// One upload as the form's list shows it: its name, a progress bar and a line for what
/// it waits for or why it failed.
struct Shown {
    item: Element,
    progress: Element,
    note: Element,
}

impl Shown {
    fn new(list: &Element, name: &str) -> Result<Self, JsValue> {
        let document = leptos::prelude::document();
        let item = document.create_element("li")?;
        let named = document.create_element("span")?;
        named.set_text_content(Some(name));
        let progress = document.create_element("progress")?;
        progress.set_attribute("max", "1")?;
        progress.set_attribute("value", "0")?;
        let note = document.create_element("span")?;
        js::call(
            &item,
            "append",
            &[named.into(), progress.clone().into(), note.clone().into()],
        )?;
        js::call(list, "append", &[item.clone().into()])?;
        Ok(Self {
            item,
            progress,
            note,
        })
    }

    fn note(&self, note: &str) {
        self.note.set_text_content(Some(note));
    }
}

/// Uploads each of `files` (a `FileList`) into the note `field` holds, listed in `list`.
fn attach(files: &JsValue, field: &HtmlTextAreaElement, list: &Element) {
    let Some(user) = session::user_id() else {
        return;
    };
    let count = js::get(files, "length").as_f64().unwrap_or(0.0) as u32;
    for n in 0..count {
        let Ok(file) = js::call(files, "item", &[n.into()]) else {
            continue;
        };
        let id = NEXT_UPLOAD.get();
        NEXT_UPLOAD.set(id.wrapping_add(1));
        let name = js::get(&file, "name").as_string().unwrap_or_default();
        let Ok(shown) = Shown::new(list, &name) else {
            continue;
        };
        let image = js::get(&file, "type")
            .as_string()
            .is_some_and(|t| t.starts_with("image/"));
        let mark = if image { "!" } else { "" };
        let placeholder = format!("{mark}[Uploading {}… #{id}]()", escaped(&name));
        let gap = if n + 1 < count { "\n" } else { "" };
        write(field, None, &[&placeholder, gap].concat());
        let field = field.clone();
        spawn(async move {
            let kept = loop {
                let progress = shown.progress.clone();
                let sent =
                    move |sent: f64| drop(progress.set_attribute("value", &sent.to_string()));
                match upload(user, &file, &name, sent).await {
                    // Waits for the connection for as long as the form is open.
                    Err(ClientError::Network) if field.is_connected() => {
                        shown.note("Waiting for the connection: it uploads when it returns.");
                        pause(RETRY_EVERY).await;
                        while !reachability::reachable() && field.is_connected() {
                            pause(RETRY_EVERY).await;
                        }
                        shown.note("");
                    }
                    other => break other,
                }
            };
            match kept {
                Ok(attachment) => {
                    let reference =
                        format!("{mark}[{}]({})", escaped(&attachment.name), attachment.url);
                    write(&field, Some(&placeholder), &reference);
                    shown.item.remove();
                }
                Err(error) => {
                    write(&field, Some(&placeholder), "");
                    shown.note(&["Not uploaded: ", &error.message()].concat());
                }
            }
        });
    }
}

/// A file's name as a link's text: brackets escaped.
fn escaped(name: &str) -> String {
    name.replace('[', "\\[").replace(']', "\\]")
}

/// Writes `text` into `field` where `placeholder` is (nowhere if it is gone), or at the
/// cursor; as typing would, so the form's value and its draft follow. A cursor after the
/// placeholder, or in it, stays after what replaces it.
fn write(field: &HtmlTextAreaElement, placeholder: Option<&str>, text: &str) {
    let value = js::get(field, "value").as_string().unwrap_or_default();
    let at = |key| js::get(field, key).as_f64().unwrap_or(0.0) as u32;
    let (from, to) = (at("selectionStart"), at("selectionEnd"));
    let (start, end) = match placeholder {
        None => (from, to),
        Some(placeholder) => {
            let Some(found) = value.find(placeholder) else {
                return;
            };
            // The field counts in UTF-16 units.
            let start = value[..found].encode_utf16().count() as u32;
            (start, start + placeholder.encode_utf16().count() as u32)
        }
    };
    let written = start + text.encode_utf16().count() as u32;
    let moved = |cursor: u32| match cursor {
        _ if cursor >= end => cursor - end + written,
        _ if cursor > start => written,
        _ => cursor,
    };
    let replaced = js::call(
        field,
        "setRangeText",
        &[text.into(), start.into(), end.into()],
    )
    .and_then(|_| {
        js::call(
            field,
            "setSelectionRange",
            &[moved(from).into(), moved(to).into()],
        )
    });
    let input = js::new(
        "Event",
        &["input".into(), js::object(&[("bubbles", true.into())])],
    );
    if let (Ok(_), Ok(input)) = (replaced, input) {
        let _ = js::call(field, "dispatchEvent", &[input]);
    }
}

async fn pause(time: Duration) {
    let (done, wait) = oneshot::channel::<()>();
    set_timeout(
        move || {
            let _ = done.send(());
        },
        time,
    );
    let _ = wait.await;
}

/// Uploads `file` (named `name`) as `user`, telling `sent` how much of it has gone.
async fn upload(
    user: i64,
    file: &JsValue,
    name: &str,
    sent: impl Fn(f64) + Clone + 'static,
) -> Result<Attachment, ClientError> {
    let answer = transport::on_behalf(Some(user), &|bearer| {
        Box::pin(post(file, name, bearer, sent.clone()))
    })
    .await?;
    transport::decode(answer)
}

/// `POST /api/attachments/` with `file` as its `multipart/form-data` part.
async fn post(
    file: &JsValue,
    name: &str,
    bearer: Option<String>,
    sent: impl Fn(f64) + 'static,
) -> Result<Answer, ClientError> {
    let (done, finished) = oneshot::channel::<()>();
    let mut done = Some(done);
    let on_end = Closure::<dyn FnMut()>::new(move || {
        if let Some(done) = done.take() {
            let _ = done.send(());
        }
    });
    let on_progress = Closure::<dyn Fn(JsValue)>::new(move |event: JsValue| {
        let (loaded, total) = (js::get(&event, "loaded"), js::get(&event, "total"));
        if let (Some(loaded), Some(total)) = (loaded.as_f64(), total.as_f64())
            && total > 0.0
        {
            sent(loaded / total);
        }
    });
    let request = async {
        let request = js::new("XMLHttpRequest", &[])?;
        let url = [API_BASE, paths::ATTACHMENTS].concat();
        js::call(&request, "open", &["POST".into(), url.into()])?;
        let header = |name: &str, value: &str| {
            js::call(&request, "setRequestHeader", &[name.into(), value.into()])
        };
        header("Accept", "application/json")?;
        if let Some(token) = bearer {
            header("Authorization", &["Bearer ", &token].concat())?;
        }
        js::set(
            &js::get(&request, "upload"),
            "onprogress",
            on_progress.as_ref(),
        );
        js::set(&request, "onloadend", on_end.as_ref());
        let form = js::new("FormData", &[])?;
        js::call(&form, "append", &["file".into(), file.clone(), name.into()])?;
        js::call(&request, "send", &[form])?;
        let _ = finished.await;
        Ok::<_, JsValue>(request)
    };
    // No status: no answer came (offline, or the connection broke).
    let status = |request: &JsValue| js::get(request, "status").as_f64().unwrap_or(0.0) as u16;
    let answered = request.await.ok().filter(|r| status(r) != 0);
    reachability::found(answered.is_some());
    let request = answered.ok_or(ClientError::Network)?;
    let body = js::get(&request, "responseText").as_string();
    Ok(Answer::text(status(&request), body.unwrap_or_default()))
}
