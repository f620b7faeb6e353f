//! A note's Markdown as the page shows it: the tree `markup::markdown::blocks` makes
//! (in the Markdown worker; see `Backend::render_markdown`) built into the DOM element by
//! element, so there is no HTML string anywhere. The elements are made with the DOM's own
//! calls into a fragment, not as Leptos views: the note is static once shown, and a view
//! per element (with its markers) took ~50 µs each, 100 ms for a 20 KB note, where
//! `createElement` takes about 1 µs.

use crate::client::use_client;
use crate::task::spawn;
use leptos::html::Div;
use leptos::prelude::*;
use markup::markdown::Node;
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
    #[prop(optional, into)] on_toggle: Option<Callback<usize>>,
) -> impl IntoView {
    let client = use_client();
    let shown = NodeRef::<Div>::new();
    // Whether the div shows something: the tree, or the text as written.
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
            let nodes = client.render_markdown(text.clone()).await;
            // The note may have gone (saved, deleted) while the worker read it.
            if let Some(into) = shown.try_get_untracked().flatten() {
                match nodes {
                    Some(nodes) => dom::show(&into, &nodes, on_toggle.is_some()),
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
        }
    };
    view! { <div class="markdown" node_ref=shown on:click=on_click></div> }
}

/// The tree built into the DOM. Only the browser has one; the native build (which lists
/// the routes, and runs the tests) never shows a note.
#[cfg(target_arch = "wasm32")]
mod dom {
    use super::Node;
    use leptos::wasm_bindgen::JsCast;
    use leptos::web_sys;
    use markup::markdown::{Element, Tag, tag_href};

    /// The text as written, in place of whatever `into` shows.
    pub fn as_written(into: &web_sys::HtmlDivElement, text: &str) {
        let document = leptos::prelude::document();
        if let Ok(p) = document.create_element("p") {
            p.set_class_name("as-written");
            p.set_text_content(Some(text));
            into.replace_children_with_node_1(&p);
        }
    }

    /// Puts the note's elements in place of whatever `into` shows.
    pub fn show(into: &web_sys::HtmlDivElement, nodes: &[Node], interactive: bool) {
        let document = leptos::prelude::document();
        let fragment = document.create_document_fragment();
        for node in nodes {
            append(&document, &fragment, node, interactive);
        }
        into.replace_children_with_node_1(&fragment);
    }

    fn append(
        document: &web_sys::Document,
        parent: &web_sys::Node,
        node: &Node,
        interactive: bool,
    ) {
        let Element { tag, children } = match node {
            Node::Text(text) => {
                let _ = parent.append_child(&document.create_text_node(text));
                return;
            }
            Node::Element(element) => element,
        };
        let Ok(element) = document.create_element(tag.name()) else {
            return;
        };
        let set = |name: &str, value: &str| drop(element.set_attribute(name, value));
        if let Some(class) = tag.class() {
            element.set_class_name(class);
        }
        match tag {
            Tag::A { href } => {
                set("href", href);
                set("target", "_blank");
                set("rel", "noopener noreferrer");
            }
            // A link within the app: the router follows it without reloading.
            Tag::TagLink { name } => set("href", &tag_href(name)),
            Tag::Ol { start } if *start != 1 => set("start", &start.to_string()),
            Tag::Checkbox {
                checked,
                index,
                label,
            } => {
                set("type", "checkbox");
                set("aria-label", label);
                set("data-task", &index.to_string());
                if *checked {
                    set("checked", "");
                }
                if !interactive {
                    set("disabled", "");
                }
            }
            _ => {}
        }
        for child in children {
            append(document, &element, child, interactive);
        }
        let _ = parent.append_child(&element);
    }

    /// The index of the task whose box the click was on.
    pub fn task_clicked(event: &web_sys::MouseEvent) -> Option<usize> {
        let target = event.target()?.dyn_into::<web_sys::Element>().ok()?;
        target.get_attribute("data-task")?.parse().ok()
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod dom {
    use super::Node;
    use leptos::web_sys;

    pub fn show(_: &web_sys::HtmlDivElement, _: &[Node], _: bool) {}

    pub fn as_written(_: &web_sys::HtmlDivElement, _: &str) {}

    pub fn task_clicked(_: &web_sys::MouseEvent) -> Option<usize> {
        None
    }
}
