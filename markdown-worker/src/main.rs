//! The SPA's Markdown reader, run as a dedicated Web Worker. pulldown-cmark costs the wasm
//! about 80 KB gzip, more than the rest of a feature's budget: here it downloads only when
//! a note is first shown, after the page is already usable, and parses off the page's
//! thread. The messages are `markup::worker`'s.

/// Posts `[id, text]`, the text `null` if there is none (see `markup::worker::slot`).
#[cfg(target_arch = "wasm32")]
fn post(scope: &web_sys::DedicatedWorkerGlobalScope, id: u32, text: Option<String>) {
    use wasm_bindgen::JsValue;
    let reply = js_sys::Array::new();
    reply.push(&JsValue::from(id));
    reply.push(&text.map_or(JsValue::NULL, |t| JsValue::from_str(&t)));
    let _ = scope.post_message(&reply);
}

#[cfg(target_arch = "wasm32")]
fn main() {
    use markup::worker::{READY, Request, answer};
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let replies = scope.clone();
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
        // A message that is not a request has no id to answer to.
        if let Ok(request) = serde_wasm_bindgen::from_value::<Request>(event.data()) {
            let id = request.id;
            post(&replies, id, answer(request));
        }
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    on_message.forget();
    post(&scope, READY, None);
}

/// Natively there is no worker to be; the crate builds so the workspace's checks and
/// tests read it.
#[cfg(not(target_arch = "wasm32"))]
fn main() {}
