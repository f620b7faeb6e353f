//! A note's Markdown as the page shows it: the tree `markup::markdown::blocks` makes
//! (in the SPA, in the Markdown worker; see `Backend::render_markdown`) turned into
//! Leptos views element by element, so there is no HTML string anywhere.

use crate::client::use_client;
use crate::task::spawn;
use leptos::html::{a, br, custom, div, hr, input};
use leptos::prelude::*;
use markup::markdown::{Element, Node, Tag, tag_href};

/// A note's Markdown, rendered. `on_toggle` is called with a task's index when its
/// checkbox is clicked (save `Backend::toggle_task`'s text, and the new text ticks the
/// box); without it the checkboxes are only shown. Until the Markdown worker has read the
/// text (on a first visit, while it downloads) the text shows as written.
#[component]
pub fn Markdown(
    #[prop(into)] text: Signal<String>,
    #[prop(optional, into)] on_toggle: Option<Callback<usize>>,
) -> impl IntoView {
    let client = use_client();
    let tree = RwSignal::new(None::<Vec<Node>>);
    Effect::new(move |_| {
        let text = text.get();
        spawn(async move {
            if let Some(nodes) = client.render_markdown(text).await {
                tree.try_set(Some(nodes));
            }
        });
    });
    div().class("markdown").child(move || match tree.get() {
        Some(nodes) => view_tree(nodes, on_toggle).into_any(),
        None => custom("p").class("as-written").child(text.get()).into_any(),
    })
}

fn view_tree(nodes: Vec<Node>, on_toggle: Option<Callback<usize>>) -> Vec<AnyView> {
    nodes
        .into_iter()
        .map(|node| view_node(node, on_toggle))
        .collect()
}

/// One node as a view: a single function for every element, so the wasm holds one
/// copy of it rather than one per element type.
fn view_node(node: Node, on_toggle: Option<Callback<usize>>) -> AnyView {
    let Element { tag, children } = match node {
        Node::Text(text) => return text.into_any(),
        Node::Element(element) => element,
    };
    let children = view_tree(children, on_toggle);
    match tag {
        Tag::Br => br().into_any(),
        Tag::Hr => hr().into_any(),
        Tag::Checkbox {
            checked,
            index,
            label,
        } => checkbox(checked, index, label, on_toggle),
        Tag::A { href } => a()
            .href(href)
            .target("_blank")
            .rel("noopener noreferrer")
            .child(children)
            .into_any(),
        // A link within the app: the router follows it without reloading.
        Tag::TagLink { name } => a()
            .class("tag")
            .href(tag_href(&name))
            .child(children)
            .into_any(),
        Tag::Ol { start } => custom("ol")
            .attr("start", (start != 1).then(|| start.to_string()))
            .child(children)
            .into_any(),
        tag => custom(tag.name())
            .attr("class", tag.class())
            .child(children)
            .into_any(),
    }
}

fn checkbox(
    checked: bool,
    index: usize,
    label: String,
    on_toggle: Option<Callback<usize>>,
) -> AnyView {
    input()
        .r#type("checkbox")
        .checked(checked)
        .disabled(on_toggle.is_none())
        .attr("aria-label", label)
        .on(leptos::ev::click, move |event| {
            if let Some(on_toggle) = on_toggle {
                // The box shows what the note says: it changes when the saved text
                // does, not before.
                event.prevent_default();
                on_toggle.run(index);
            }
        })
        .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Leptos writes views as HTML only with its `ssr` feature:
    // `cargo test -p app --lib --features ssr markdown`.
    #[cfg(feature = "ssr")]
    #[test]
    fn the_views_build_the_dom_from_the_tree() {
        let html = |markdown: &str, on_toggle: Option<Callback<usize>>| {
            let nodes = markup::markdown::blocks(markdown);
            view_tree(nodes, on_toggle).to_html()
        };
        let owner = Owner::new();
        owner.with(|| {
            let page = html(
                "- [ ] <b>bold</b> #todo [x](javascript:alert(1)) https://x.org",
                Some(Callback::new(move |_index: usize| {})),
            );
            assert!(page.contains("&lt;b&gt;"), "{page}");
            assert!(
                !page.contains("<b>") && !page.contains("javascript"),
                "{page}"
            );
            assert!(page.contains("type=\"checkbox\""), "{page}");
            assert!(
                page.contains("aria-label=\"&lt;b&gt;bold&lt;/b&gt; #todo x https://x.org\""),
                "{page}"
            );
            assert!(!page.contains("disabled"), "{page}");
            assert!(
                page.contains("<a href=\"/?tag=todo\" class=\"tag\">#todo"),
                "{page}"
            );
            assert!(
                page.contains(
                    "<a href=\"https://x.org\" target=\"_blank\" rel=\"noopener noreferrer\">"
                ),
                "{page}"
            );

            let read_only = html("- [x] done\n\n#tag", None);
            assert!(read_only.contains("checked"), "{read_only}");
            assert!(read_only.contains("disabled"), "{read_only}");
            assert!(
                read_only.contains("<a href=\"/?tag=tag\" class=\"tag\">#tag"),
                "{read_only}"
            );
        });
    }
}
