//! The tree [`blocks`](crate::markdown::blocks) makes, written as HTML for the page to
//! insert in one go (`innerHTML`). Safe by construction, as the tree is: every element
//! and attribute name written here is one of this file's constants, every text and
//! attribute value from the note is escaped (`& < > " '`) and every value is quoted, so
//! nothing in a note can become markup. The tree only holds the allowed elements and
//! followable addresses (see `markdown`), and the page's Content-Security-Policy would
//! refuse an inline script or handler besides.
//!
//! Why a string: the page built a dense 20 KB note (~5,000 nodes) with one DOM call per
//! node from wasm in ~14 ms, a frame's worth; the browser's own HTML parser builds the
//! same nodes from this string in a fraction of that (`docs/spa.md`).

use crate::markdown::{Element, Node, Tag};

/// The nodes as HTML. `interactive`: task checkboxes can be clicked (otherwise they are
/// `disabled`, only shown).
pub fn html(nodes: &[Node], interactive: bool) -> String {
    write(nodes, interactive, None)
}

/// As [`html`], for a page that shows a note's attachments from `base` (the public
/// page of a note's link: `/s/{token}/attachments/`) rather than through the SPA, which
/// fetches them with its token (an `<img>` cannot send one) and fills in their `src`.
pub fn html_with_attachments(nodes: &[Node], base: &str) -> String {
    write(nodes, false, Some(base))
}

fn write(nodes: &[Node], interactive: bool, attachments: Option<&str>) -> String {
    let mut writer = Writer {
        out: String::with_capacity(nodes.len() * 64),
        interactive,
        attachments,
    };
    writer.nodes(nodes);
    writer.out
}

struct Writer<'a> {
    out: String,
    interactive: bool,
    attachments: Option<&'a str>,
}

impl Writer<'_> {
    fn nodes(&mut self, nodes: &[Node]) {
        for node in nodes {
            match node {
                Node::Text(text) => self.escaped(text),
                Node::Element(element) => self.element(element),
            }
        }
    }

    fn element(&mut self, Element { tag, children }: &Element) {
        self.out.push('<');
        self.out.push_str(tag.name());
        if let Some(class) = tag.class() {
            self.attribute("class", class);
        }
        match tag {
            Tag::A { href } => {
                self.attribute("href", href);
                self.attribute("target", "_blank");
                self.attribute("rel", "noopener noreferrer");
            }
            // A link within the app: the router follows it without reloading.
            Tag::TagLink { .. } => self.attribute("href", &tag.href().unwrap_or_default()),
            Tag::Ol { start } if *start != 1 => self.attribute("start", &start.to_string()),
            Tag::File { id } => {
                self.attribute("data-attachment", id);
                let href = match self.attachments {
                    Some(base) => [base, id, "/"].concat(),
                    None => tag.href().unwrap_or_default(),
                };
                self.attribute("href", &href);
                self.out.push_str(" download");
            }
            Tag::Picture { id } => {
                self.attribute("data-attachment", id);
                self.attribute("alt", &text_of(children));
                if let Some(base) = self.attachments {
                    self.attribute("src", &[base, id, "/?size=preview"].concat());
                }
                self.out.push('>');
                return;
            }
            Tag::Checkbox {
                checked,
                index,
                label,
            } => {
                self.attribute("type", "checkbox");
                self.attribute("aria-label", label);
                self.attribute("data-task", &index.to_string());
                if *checked {
                    self.out.push_str(" checked");
                }
                if !self.interactive {
                    self.out.push_str(" disabled");
                }
            }
            _ => {}
        }
        self.out.push('>');
        if matches!(tag, Tag::Hr | Tag::Br | Tag::Checkbox { .. }) {
            return;
        }
        // The HTML parser drops a newline just after `<pre>`; a second one keeps the first.
        if let (Tag::Pre, Some(Node::Text(text))) = (tag, children.first())
            && text.starts_with('\n')
        {
            self.out.push('\n');
        }
        self.nodes(children);
        self.out.push_str("</");
        self.out.push_str(tag.name());
        self.out.push('>');
    }

    fn attribute(&mut self, name: &str, value: &str) {
        self.out.push(' ');
        self.out.push_str(name);
        self.out.push_str("=\"");
        self.escaped(value);
        self.out.push('"');
    }

    fn escaped(&mut self, text: &str) {
        escape_into(&mut self.out, text);
    }
}

/// `text` as HTML text or a quoted attribute value: `& < > " '` escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text);
    out
}

/// The text inside `nodes`, without their elements: an image's alt text.
fn text_of(nodes: &[Node]) -> String {
    let mut text = String::new();
    let mut stack: Vec<&[Node]> = vec![nodes];
    while let Some(nodes) = stack.pop() {
        for (at, node) in nodes.iter().enumerate() {
            match node {
                Node::Text(piece) => text.push_str(piece),
                Node::Element(element) => {
                    stack.push(&nodes[at + 1..]);
                    stack.push(&element.children);
                    break;
                }
            }
        }
    }
    text
}

fn escape_into(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(at) = rest.find(['&', '<', '>', '"', '\'']) {
        out.push_str(&rest[..at]);
        out.push_str(match rest.as_bytes()[at] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => "&#39;",
        });
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
}

/// The elements a note may become (besides a task's `input`).
#[cfg(test)]
pub(crate) const ALLOWED: [&str; 26] = [
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "ul",
    "ol",
    "li",
    "pre",
    "code",
    "em",
    "strong",
    "del",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "hr",
    "br",
    "img",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::blocks;

    /// Every `<` in `html` opens or closes an element of the tree's kinds, with only the
    /// attributes the writer writes, each quoted; every `&` starts one of the writer's
    /// escapes. So the browser's parser can only read back what the writer meant.
    fn assert_only_written_markup(html: &str) {
        const ATTRIBUTES: [&str; 13] = [
            "class",
            "href",
            "target",
            "rel",
            "start",
            "type",
            "aria-label",
            "data-task",
            "checked",
            "data-attachment",
            "alt",
            "src",
            "download",
        ];
        let mut rest = html;
        while let Some(at) = rest.find(['<', '&', '>', '"', '\'']) {
            let (mark, after) = (rest.as_bytes()[at], &rest[at..]);
            match mark {
                b'&' => {
                    let escape = ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
                        .into_iter()
                        .find(|e| after.starts_with(e));
                    assert!(escape.is_some(), "a bare & at {after:?} in {html}");
                    rest = &after[1..];
                }
                b'<' => {
                    let end = after.find('>').expect("an unclosed tag");
                    let tag = after[1..end].trim_start_matches('/');
                    let mut words = tag.split(' ');
                    let name = words.next().unwrap();
                    assert!(
                        ALLOWED.contains(&name) || name == "input",
                        "<{name}> in {html}"
                    );
                    // Values are escaped, so splitting at spaces inside one is harmless:
                    // the pieces are checked to be inside quotes below.
                    let attributes = &tag[name.len()..];
                    let mut inside = false;
                    for piece in attributes.split('"') {
                        if !inside {
                            for word in piece.split([' ', '=']).filter(|w| !w.is_empty()) {
                                assert!(
                                    ATTRIBUTES.contains(&word) || word == "disabled",
                                    "attribute {word:?} in {html}"
                                );
                            }
                        }
                        inside = !inside;
                    }
                    let quotes = attributes.matches('"').count();
                    assert!(quotes % 2 == 0, "an unclosed quote in {tag:?}");
                    rest = &after[end + 1..];
                }
                _ => panic!("a bare {:?} outside a tag in {html}", mark as char),
            }
        }
    }

    #[test]
    fn links_out_open_in_a_new_tab_and_tags_stay_in_the_app() {
        assert_eq!(
            html(&blocks("[site](https://example.com/?a=1&b=2) #work"), true),
            "<p><a href=\"https://example.com/?a=1&amp;b=2\" target=\"_blank\" \
             rel=\"noopener noreferrer\">site</a> <a class=\"tag\" href=\"/?tag=work\">#work</a></p>"
        );
    }

    #[test]
    fn a_notes_own_files_are_shown_and_linked_and_no_other_image_loads() {
        let id = "0b6f5a8e-4a7c-4f53-9d0e-2b1c8f9a7d31";
        let note = format!(
            "![the \"receipt\" *scan*](/api/attachments/{id}/) [report.pdf](/api/attachments/{id}/) \
             ![x](https://tracker.example/p.png) [x](/api/notes/1/)"
        );
        let spa = html(&blocks(&note), true);
        assert_eq!(
            spa,
            format!(
                "<p><img class=\"attachment\" data-attachment=\"{id}\" \
                 alt=\"the &quot;receipt&quot; scan\"> <a class=\"attachment\" \
                 data-attachment=\"{id}\" href=\"/api/attachments/{id}/\" download>report.pdf</a> \
                 <a href=\"https://tracker.example/p.png\" target=\"_blank\" \
                 rel=\"noopener noreferrer\">x</a> x</p>"
            )
        );
        assert_only_written_markup(&spa);
        let public = html_with_attachments(&blocks(&note), "/s/tok/attachments/");
        assert!(public.contains(&format!("src=\"/s/tok/attachments/{id}/?size=preview\"")));
        assert!(public.contains(&format!("href=\"/s/tok/attachments/{id}/\" download")));
        assert_only_written_markup(&public);
    }

    #[test]
    fn task_boxes_can_be_clicked_only_where_they_can_tick() {
        let tasks = blocks("- [x] done\n- [ ] \"quoted\" & <b>");
        let shown = html(&tasks, false);
        assert_eq!(
            shown,
            "<ul><li class=\"task\"><input type=\"checkbox\" aria-label=\"done\" \
             data-task=\"0\" checked disabled>done</li><li class=\"task\"><input \
             type=\"checkbox\" aria-label=\"&quot;quoted&quot; &amp; &lt;b&gt;\" \
             data-task=\"1\" disabled>&quot;quoted&quot; &amp; &lt;b&gt;</li></ul>"
        );
        assert_eq!(html(&tasks, true), shown.replace(" disabled", ""));
    }

    #[test]
    fn a_code_block_keeps_its_first_blank_line() {
        assert_eq!(
            html(&blocks("```\n\nx\n```"), true),
            "<pre><code>\nx\n</code></pre>"
        );
        let pre = Node::Element(Element {
            tag: Tag::Pre,
            children: vec![Node::Text("\nkept".into())],
        });
        assert_eq!(html(&[pre], true), "<pre>\n\nkept</pre>");
    }

    #[test]
    fn nothing_in_a_note_becomes_markup() {
        let attacks = [
            "<script>alert(1)</script>",
            "Hi <script>alert(1)</script> there",
            "<img src=x onerror=alert(1)>",
            "<img src=x onerror='alert(1)'>",
            "\"><svg onload=alert(1)>",
            "'><iframe src=javascript:alert(1)>",
            "[x](javascript:alert(1))",
            "[x](https://x.org/\"onmouseover=\"alert(1))",
            "[x](<https://x.org/\" onclick='alert(1)'>)",
            "[x](https://x.org \"title\\\" onclick=alert(1)\")",
            "![x\" onerror=\"alert(1)](https://x.org/p.png)",
            "- [ ] \"><script>alert(1)</script>",
            "#tag\"><script>alert(1)</script>",
            "&lt;script&gt; &#60;b&#62; &amp;amp; &#x27;",
            "<div><b>unclosed\n<i>two lines\n\nafter",
            "`<code>` and ```\n</pre><script>alert(1)</script>\n```",
            "| <th> | b |\n|---|---|\n| </table><script> | x |",
            "<!-- comment --> <![CDATA[ x ]]> <?php x ?>",
            "<a href=\"javascript:alert(1)\">x</a>",
            "https://x.org/<script>alert(1)</script>",
            "mailto:a@b.org?subject=\"><script>",
        ];
        for attack in attacks {
            for interactive in [true, false] {
                let written = html(&blocks(attack), interactive);
                assert_only_written_markup(&written);
                assert!(!written.contains("<script"), "{written}");
                for (at, _) in written.match_indices("href=\"") {
                    let href = written[at + 6..].to_ascii_lowercase();
                    assert!(
                        ["http:", "https:", "mailto:", "/?tag="]
                            .iter()
                            .any(|scheme| href.starts_with(scheme)),
                        "{written}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_check_itself_catches_markup() {
        for bad in [
            "<script>",
            "<p onclick=\"x\">",
            "a & b",
            "<p class=\"x>",
            "a > b",
        ] {
            let caught = std::panic::catch_unwind(|| assert_only_written_markup(bad));
            assert!(caught.is_err(), "{bad}");
        }
        assert_only_written_markup("<p class=\"tag\">a &amp; b</p><hr>");
    }
}
