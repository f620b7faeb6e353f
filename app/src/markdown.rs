//! A note's Markdown as the page shows it: the HTML `markup::html` writes from the tree
//! `markup::markdown::blocks` makes (both in the Markdown worker; see
//! `Backend::render_markdown`), inserted as it is. The writer escapes everything from the
//! note, so the string holds only the allowed elements (see `markup::html` for why a
//! string: the browser's parser builds a dense note's thousands of nodes several times
//! faster than one DOM call per node from wasm). Not Leptos views: the note is static
//! once shown, and a view per element (with its markers) took ~50 µs each, 100 ms for a
//! 20 KB note.

use crate::client::{Client, Files, use_client};
use crate::task::spawn;
use leptos::html::Div;
use leptos::prelude::*;
use leptos::web_sys;
use std::time::Duration;

/// How long the Markdown worker may take before the text shows as written meanwhile.
/// Showing it at once would cost every note a second layout of its whole text, in the
/// frame before the worker's answer can be handled: a 20 KB note's render took ~10 ms
/// longer for it.
const AS_WRITTEN_AFTER: Duration = Duration::from_millis(100);

/// A note's Markdown, rendered. `on_toggle` is called with a task's index when its
/// checkbox is clicked (save `Backend::toggle_task`'s text, and the new text ticks the
/// box); without it the checkboxes are only shown. Until the Markdown worker has read the
/// text (on a first visit, while it downloads; or if it cannot be had) the text shows as
/// written, from [`AS_WRITTEN_AFTER`] on.
#[component]
pub fn Markdown(
    #[prop(into)] text: Signal<String>,
    #[prop(default = None)] on_toggle: Option<Callback<usize>>,
) -> impl IntoView {
    let client = use_client();
    let shown = NodeRef::<Div>::new();
    // Whether the div shows something: the note, or its text as written.
    let filled = StoredValue::new(false);
    let as_written = move || {
        if filled.try_get_value() == Some(false)
            && let Some(into) = shown.try_get_untracked().flatten()
        {
            dom::as_written(&into, &text.get_untracked());
            filled.set_value(true);
        }
    };
    set_timeout(as_written, AS_WRITTEN_AFTER);
    Effect::new(move |_| {
        let text = text.get();
        spawn(async move {
            let html = client
                .render_markdown(text.clone(), on_toggle.is_some())
                .await;
            // The note may have gone (saved, deleted) while the worker read it.
            if let Some(into) = shown.try_get_untracked().flatten() {
                match html {
                    Some(html) => {
                        into.set_inner_html(&html);
                        if html.contains("data-attachment") {
                            through_files(client, into.into(), |files| files.show);
                        }
                    }
                    None => dom::as_written(&into, &text),
                }
                filled.set_value(true);
            }
        });
    });
    // One listener for every box: the box shows what the note says, so it changes when
    // the saved text does, not before.
    let on_click = move |event: leptos::ev::MouseEvent| {
        if let (Some(toggle), Some(task)) = (on_toggle, dom::task_clicked(&event)) {
            event.prevent_default();
            toggle.run(task);
        } else if let Some(attachment) = dom::attachment_clicked(&event) {
            // Its link needs the token, which only the chunk's request sends.
            event.prevent_default();
            through_files(client, attachment, |files| files.open);
        }
    };
    view! { <div class="markdown" node_ref=shown on:click=on_click></div> }
}

/// Hands `element` (the note, or an attachment in it) to what the files chunk does with
/// it (`act`: show, open), once the chunk is in; the chunk fetches with the token.
fn through_files(
    client: Client,
    element: web_sys::Element,
    act: fn(&Files) -> fn(web_sys::Element),
) {
    spawn(async move {
        if let Some(files) = client.files().await {
            act(&files)(element);
        }
    });
}

/// The DOM's side. Only the browser has one; the native build (which lists the routes,
/// and runs the tests) never shows a note.
#[cfg(target_arch = "wasm32")]
mod dom {
    use leptos::wasm_bindgen::JsCast;
    use leptos::web_sys;

    /// The text as written, in place of whatever `into` shows.
    pub fn as_written(into: &web_sys::HtmlDivElement, text: &str) {
        let document = leptos::prelude::document();
        if let Ok(p) = document.create_element("p") {
            p.set_class_name("as-written");
            p.set_text_content(Some(text));
            into.replace_children_with_node_1(&p);
        }
    }

    /// The index of the task whose box the click was on.
    pub fn task_clicked(event: &web_sys::MouseEvent) -> Option<usize> {
        let target = event.target()?.dyn_into::<web_sys::Element>().ok()?;
        target.get_attribute("data-task")?.parse().ok()
    }

    /// The attachment (an image, or a file's link) the click was on.
    pub fn attachment_clicked(event: &web_sys::MouseEvent) -> Option<web_sys::Element> {
        let target = event.target()?.dyn_into::<web_sys::Element>().ok()?;
        target.closest("[data-attachment]").ok()?
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod dom {
    use leptos::web_sys;

    pub fn as_written(_: &web_sys::HtmlDivElement, _: &str) {}

    pub fn task_clicked(_: &web_sys::MouseEvent) -> Option<usize> {
        None
    }

    pub fn attachment_clicked(_: &web_sys::MouseEvent) -> Option<web_sys::Element> {
        None
    }
}
