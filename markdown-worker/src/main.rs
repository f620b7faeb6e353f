//! The SPA's Markdown reader, run as a dedicated Web Worker. pulldown-cmark costs the wasm
//! about 80 KB gzip, more than the rest of a feature's budget: here it downloads only when
//! a note is first shown, after the page is already usable, and parses off the page's
//! thread. The messages are `markup::worker`'s.

/// Posts `[id, ops, text]` for a tree, `[id, null, text]` for a toggle (see
/// `markup::worker::slot`).
#[cfg(target_arch = "wasm32")]
fn post(scope: &web_sys::DedicatedWorkerGlobalScope, id: u32, answer: markup::worker::Answer) {
    use markup::worker::Answer;
    use wasm_bindgen::JsValue;
    let reply = js_sys::Array::new();
    reply.push(&JsValue::from(id));
    match answer {
        Answer::Tree(tree) => {
            reply.push(&js_sys::Uint32Array::from(&tree.ops[..]));
            reply.push(&JsValue::from_str(&tree.text));
        }
        Answer::Text(text) => {
            reply.push(&JsValue::NULL);
            reply.push(&text.map_or(JsValue::NULL, |t| JsValue::from_str(&t)));
        }
    }
    let _ = scope.post_message(&reply);
}

#[cfg(target_arch = "wasm32")]
fn main() {
    use markup::worker::{Answer, READY, Request, answer};
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
    post(&scope, READY, Answer::Text(None));
}

/// Natively there is no worker to be; the crate builds so the workspace's checks and
/// tests read it.
#[cfg(not(target_arch = "wasm32"))]
fn main() {}
