//! The page's side of the Markdown worker (`markdown-worker`, built by Trunk beside the
//! app as `markdown_worker_loader.js`): started when a note is first shown, it answers
//! each `markup::worker::Request` with an array led by the same id (`worker::slot`).
//! Requests wait here until the worker says it listens. If the worker cannot start or fails, every wait ends with
//! `None` and notes show as written.

use futures::channel::oneshot;
use markup::worker::{READY, Request, slot};
use serde::Serialize;
use std::cell::RefCell;
use std::collections::HashMap;
use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;
use wasm_bindgen::closure::Closure;
use web_sys::{MessageEvent, Worker};

/// Where Trunk writes the worker's loader (workers keep unhashed names).
const WORKER_URL: &str = "/markdown_worker_loader.js";

#[derive(Default)]
struct Channel {
    worker: Option<Worker>,
    /// Set once the worker has failed: no more requests go to it.
    broken: bool,
    /// Requests written before the worker said it listens.
    unsent: Option<Vec<JsValue>>,
    next_id: u32,
    waiting: HashMap<u32, oneshot::Sender<js_sys::Array>>,
}

thread_local! {
    static CHANNEL: RefCell<Channel> = RefCell::new(Channel::default());
}

fn start() -> Option<Worker> {
    let worker = Worker::new(WORKER_URL).ok()?;
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(|event: MessageEvent| {
        let reply: js_sys::Array = event.data().unchecked_into();
        let Some(id) = reply.get(slot::ID).as_f64().map(|id| id as u32) else {
            return;
        };
        if id == READY {
            return CHANNEL.with_borrow_mut(|c| {
                for message in c.unsent.take().unwrap_or_default() {
                    if let Some(worker) = &c.worker {
                        let _ = worker.post_message(&message);
                    }
                }
            });
        }
        let waiting = CHANNEL.with_borrow_mut(|c| c.waiting.remove(&id));
        if let Some(waiting) = waiting {
            let _ = waiting.send(reply);
        }
    });
    let on_error = Closure::<dyn Fn()>::new(|| {
        // Dropping the senders ends every wait with `None`.
        CHANNEL.with_borrow_mut(|c| {
            c.broken = true;
            c.waiting.clear();
        });
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    // Both live as long as the tab, as the worker does.
    on_message.forget();
    on_error.forget();
    Some(worker)
}

/// Sends the request to the worker and waits for its text.
async fn ask(text: String, toggle: Option<usize>, interactive: bool) -> Option<String> {
    let answer = CHANNEL.with_borrow_mut(|c| {
        if c.broken {
            return None;
        }
        if c.worker.is_none() {
            c.worker = start();
            c.unsent = Some(Vec::new());
        }
        let worker = c.worker.as_ref()?;
        c.next_id = c.next_id.wrapping_add(1);
        let id = c.next_id;
        let request = Request {
            id,
            text,
            toggle,
            interactive,
        };
        let message = request
            .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
            .ok()?;
        match &mut c.unsent {
            Some(unsent) => unsent.push(message),
            None => worker.post_message(&message).ok()?,
        }
        let (sender, answer) = oneshot::channel();
        c.waiting.insert(id, sender);
        Some(answer)
    })?;
    answer.await.ok()?.get(slot::TEXT).as_string()
}

/// The note as HTML (`markup::html`).
pub async fn render(text: String, interactive: bool) -> Option<String> {
    ask(text, None, interactive).await
}

pub async fn toggle_task(text: String, task: usize) -> Option<String> {
    ask(text, Some(task), true).await
}
