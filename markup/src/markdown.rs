//! A note's Markdown, shown as a page. Safe by construction: the tree is made from the
//! parser's events, and only the elements of [`Tag`] can appear in it; raw HTML is shown
//! as the text it is; a link keeps its address only for http, https and mailto; images
//! are never loaded from elsewhere (a picture could track the reader), they become links
//! to themselves; the note's own attachments (`crate::attachments`) are the exception;
//! nothing from the note becomes a style, an event handler or an `id`.
//!
//! [`blocks`] turns the text into a small tree ([`Node`]) that tests can read; in the
//! Markdown worker [`html`](crate::html) writes it as the HTML the page inserts, every
//! text from the note escaped. #tags
//! become links to the notes filtered by them, found by the same reader as
//! [`tags::tags`](crate::tags::tags), and task-list checkboxes can tick their task (see
//! [`toggle_task`]).

use crate::attachments;
use crate::tags::{Piece, Words, markdown_options};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use pulldown_cmark::{Alignment, Event, HeadingLevel, LinkType, Parser, TextMergeStream};
use std::ops::Range;

/// Elements nested deeper than this keep their text but lose their element: the tree,
/// and the recursion that renders and drops it, stay shallow whatever the note holds
/// (10,000 `>` are 10,000 block quotes to the parser).
const MAX_DEPTH: usize = 32;

/// A piece of the rendered note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Element(Element),
    Text(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    pub tag: Tag,
    pub children: Vec<Node>,
}

/// The only elements a note can become, with the only attributes they can have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tag {
    P,
    H1,
    H2,
    H3,
    H4,
    H5,
    H6,
    Blockquote,
    Ul,
    Ol {
        start: u64,
    },
    /// `task`: it begins with a checkbox, so it needs no bullet.
    Li {
        task: bool,
    },
    /// A code block: `<pre>` around one `Code`.
    Pre,
    Code,
    Em,
    Strong,
    Del,
    /// A link out of the app (http, https or mailto only), opened in a new tab.
    A {
        href: String,
    },
    /// A #tag: a link to the notes that have it.
    TagLink {
        name: String,
    },
    /// A file of the note's (`[report.pdf](/api/attachments/{id}/)`): a link that
    /// downloads it.
    File {
        id: String,
    },
    /// An image of the note's (`![receipt](/api/attachments/{id}/)`), shown; its
    /// children are its alt text.
    Picture {
        id: String,
    },
    Table,
    Thead,
    Tbody,
    Tr,
    Th(Align),
    Td(Align),
    Hr,
    Br,
    /// A task's checkbox; `index` counts the note's tasks from 0, in the order written.
    Checkbox {
        checked: bool,
        index: usize,
        label: String,
    },
}

/// A table column's alignment, given to its cells as a class (never an inline style).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    None,
    Left,
    Center,
    Right,
}

impl Tag {
    /// The HTML element's name.
    pub fn name(&self) -> &'static str {
        match self {
            Tag::P => "p",
            Tag::H1 => "h1",
            Tag::H2 => "h2",
            Tag::H3 => "h3",
            Tag::H4 => "h4",
            Tag::H5 => "h5",
            Tag::H6 => "h6",
            Tag::Blockquote => "blockquote",
            Tag::Ul => "ul",
            Tag::Ol { .. } => "ol",
            Tag::Li { .. } => "li",
            Tag::Pre => "pre",
            Tag::Code => "code",
            Tag::Em => "em",
            Tag::Strong => "strong",
            Tag::Del => "del",
            Tag::A { .. } | Tag::TagLink { .. } | Tag::File { .. } => "a",
            Tag::Picture { .. } => "img",
            Tag::Table => "table",
            Tag::Thead => "thead",
            Tag::Tbody => "tbody",
            Tag::Tr => "tr",
            Tag::Th(_) => "th",
            Tag::Td(_) => "td",
            Tag::Hr => "hr",
            Tag::Br => "br",
            Tag::Checkbox { .. } => "input",
        }
    }

    /// The element's class, if it has one (the stylesheet's names, never the note's).
    pub fn class(&self) -> Option<&'static str> {
        match self {
            Tag::Li { task: true } => Some("task"),
            Tag::TagLink { .. } => Some("tag"),
            Tag::File { .. } | Tag::Picture { .. } => Some("attachment"),
            Tag::Th(align) | Tag::Td(align) => match align {
                Align::None => None,
                Align::Left => Some("align-left"),
                Align::Center => Some("align-center"),
                Align::Right => Some("align-right"),
            },
            _ => None,
        }
    }

    /// Where a link leads.
    pub fn href(&self) -> Option<String> {
        match self {
            Tag::A { href } => Some(href.clone()),
            Tag::TagLink { name } => Some(tag_href(name)),
            Tag::File { id } => Some(crate::attachments::url(id)),
            _ => None,
        }
    }
}

/// What a tag's name keeps as it is in a query: the unreserved characters (`/` is
/// encoded, so `work/meetings` is one value).
const TAG_KEEPS: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The notes list filtered by a tag: `/?tag=work%2Fmeetings`.
pub fn tag_href(name: &str) -> String {
    ["/?tag=", &utf8_percent_encode(name, TAG_KEEPS).to_string()].concat()
}

/// A link's address if it may be followed: http, https or mailto, in any case, spaces
/// around it ignored. Everything else (`javascript:`, `data:`, relative paths, which
/// would lead into the app) is refused, but for an attachment's URL, which becomes a
/// [`Tag::File`] or a [`Tag::Picture`] instead.
pub fn safe_href(dest: &str) -> Option<&str> {
    let dest = dest.trim();
    let (scheme, _) = dest.split_once(':')?;
    ["http", "https", "mailto"]
        .iter()
        .any(|allowed| scheme.eq_ignore_ascii_case(allowed))
        .then_some(dest)
}

/// A note's Markdown as a tree of the allowed elements.
pub fn blocks(markdown: &str) -> Vec<Node> {
    let mut builder = Builder::default();
    for event in TextMergeStream::new(Parser::new_ext(markdown, markdown_options())) {
        builder.event(event);
    }
    builder.finish()
}

/// The text with task `index`'s box ticked, or unticked if it was: only the marker's
/// middle byte changes, so the rest stays exactly as the person wrote it. `None` when
/// the note has no such task.
pub fn toggle_task(markdown: &str, index: usize) -> Option<String> {
    let (_, range) = Parser::new_ext(markdown, markdown_options())
        .into_offset_iter()
        .filter(|(event, _)| matches!(event, Event::TaskListMarker(_)))
        .nth(index)?;
    // `[ ]`, `[x]` or `[X]` (or a tab between the brackets).
    let marker = markdown.get(range.clone())?.as_bytes();
    if !matches!(marker, [b'[', _, b']']) {
        return None;
    }
    let flipped = match marker[1] {
        b'x' | b'X' => " ",
        _ => "x",
    };
    let middle = range.start + 1;
    let mut text = markdown.to_owned();
    text.replace_range(middle..middle + 1, flipped);
    Some(text)
}

/// An element being built: its children so far.
struct Frame {
    /// `None`: not an element of its own (a refused link, an unknown block, one nested
    /// too deep); its children go to the element around it.
    tag: Option<Tag>,
    /// Opened along with another element and closed with it (`<code>` in `<pre>`, the
    /// `<tr>` in `<thead>`, `<tbody>`), not by an event of its own.
    implicit: bool,
    children: Vec<Node>,
    /// Shown if nothing else is inside: an image without alt text shows its address.
    fallback: Option<String>,
}

impl Frame {
    fn new(tag: Option<Tag>) -> Frame {
        Frame {
            tag,
            implicit: false,
            children: Vec::new(),
            fallback: None,
        }
    }
}

/// Builds the tree from the parser's events, holding the elements still open.
struct Builder {
    /// The open elements; the first one is the root and is never closed.
    stack: Vec<Frame>,
    /// Events opened past `MAX_DEPTH`: their ends close nothing.
    too_deep: usize,
    words: Words,
    /// Task checkboxes so far.
    tasks: usize,
    /// Open `<a>`s: an image inside a link does not nest another.
    links: usize,
    table: Table,
}

/// Where in a table the next cell is.
#[derive(Default)]
struct Table {
    alignments: Vec<Alignment>,
    in_head: bool,
    column: usize,
}

impl Default for Builder {
    fn default() -> Builder {
        Builder {
            stack: vec![Frame::new(None)],
            too_deep: 0,
            words: Words::default(),
            tasks: 0,
            links: 0,
            table: Table::default(),
        }
    }
}

impl Builder {
    fn event(&mut self, event: Event<'_>) {
        // Every event goes through `words`, so it knows where a word may begin.
        if let Some(pieces) = self.words.read(&event) {
            for piece in pieces {
                match piece {
                    Piece::Text(text) => self.words_with_links(text),
                    Piece::Tag { written, name } => {
                        let tag = Tag::TagLink {
                            name: name.to_owned(),
                        };
                        self.push(element(tag, written));
                    }
                }
            }
            return;
        }
        match event {
            Event::Start(tag) => self.open(tag),
            Event::End(_) => self.close(),
            // Text where tags do not count (code, link text), and anything this
            // app does not turn on (math, footnotes): shown as text.
            Event::Text(text)
            | Event::InlineMath(text)
            | Event::DisplayMath(text)
            | Event::FootnoteReference(text) => self.push(Node::Text(text.into_string())),
            Event::Code(code) => self.push(element(Tag::Code, &code)),
            // Raw HTML is text, as written: `<script>` shows as `<script>`.
            Event::Html(html) | Event::InlineHtml(html) => self.raw(&html),
            // A note's line breaks are kept, as they were when notes were plain text.
            Event::SoftBreak | Event::HardBreak => self.push(leaf(Tag::Br)),
            Event::Rule => self.push(leaf(Tag::Hr)),
            Event::TaskListMarker(checked) => {
                let index = self.tasks;
                self.tasks += 1;
                self.push(leaf(Tag::Checkbox {
                    checked,
                    index,
                    label: "Task".to_owned(),
                }));
            }
        }
    }

    fn open(&mut self, tag: pulldown_cmark::Tag<'_>) {
        use pulldown_cmark::Tag as Md;
        if self.stack.len() > MAX_DEPTH {
            self.too_deep += 1;
            return;
        }
        match tag {
            Md::Paragraph | Md::HtmlBlock => self.start(Tag::P),
            Md::Heading { level, .. } => self.start(heading(level)),
            Md::BlockQuote(_) => self.start(Tag::Blockquote),
            Md::CodeBlock(_) => {
                self.start(Tag::Pre);
                self.start_implicit(Tag::Code);
            }
            Md::List(None) => self.start(Tag::Ul),
            Md::List(Some(start)) => self.start(Tag::Ol { start }),
            Md::Item => self.start(Tag::Li { task: false }),
            Md::Table(alignments) => {
                self.table.alignments = alignments;
                self.start(Tag::Table);
            }
            Md::TableHead => {
                self.table.in_head = true;
                self.table.column = 0;
                self.start(Tag::Thead);
                self.start_implicit(Tag::Tr);
            }
            Md::TableRow => {
                if self.top().tag == Some(Tag::Table) {
                    self.start_implicit(Tag::Tbody);
                }
                self.table.column = 0;
                self.start(Tag::Tr);
            }
            Md::TableCell => {
                let cell = self.table.cell();
                self.start(cell);
            }
            Md::Emphasis => self.start(Tag::Em),
            Md::Strong => self.start(Tag::Strong),
            Md::Strikethrough => self.start(Tag::Del),
            Md::Link {
                link_type,
                dest_url,
                ..
            } => {
                let link = self.link(link_type, &dest_url);
                self.stack.push(Frame::new(link));
            }
            Md::Image { dest_url, .. } => {
                if let Some(id) = attachments::id_in(&dest_url) {
                    let picture = Tag::Picture { id: id.to_owned() };
                    self.stack.push(Frame::new(Some(picture)));
                    return;
                }
                let link = self.link(LinkType::Inline, &dest_url);
                let mut frame = Frame::new(link);
                frame.fallback = Some(dest_url.into_string());
                self.stack.push(frame);
            }
            // Footnotes, definition lists and the like are off: keep their text.
            _ => self.stack.push(Frame::new(None)),
        }
    }

    /// An `<a>` to a link's address, if it may be followed and is not inside another.
    fn link(&mut self, link_type: LinkType, dest: &str) -> Option<Tag> {
        let dest = match link_type {
            LinkType::Email => format!("mailto:{dest}"),
            _ => dest.to_owned(),
        };
        if self.links > 0 {
            return None;
        }
        let tag = match attachments::id_in(&dest) {
            Some(id) => Tag::File { id: id.to_owned() },
            None => Tag::A {
                href: safe_href(&dest)?.to_owned(),
            },
        };
        self.links += 1;
        Some(tag)
    }

    /// Ends what the event's `Start` opened, with what was opened along with it.
    fn close(&mut self) {
        if self.too_deep > 0 {
            self.too_deep -= 1;
            return;
        }
        while self.stack.len() > 1 {
            let frame = self.stack.pop().expect("more than the root is open");
            let implicit = frame.implicit;
            self.finish_frame(frame);
            if !implicit {
                break;
            }
        }
    }

    fn finish_frame(&mut self, frame: Frame) {
        let Frame {
            tag,
            mut children,
            fallback,
            ..
        } = frame;
        if children.is_empty() {
            children.extend(fallback.map(Node::Text));
        }
        let Some(mut tag) = tag else {
            self.top().children.extend(children);
            return;
        };
        match &mut tag {
            Tag::A { .. } | Tag::File { .. } => self.links -= 1,
            Tag::Thead => self.table.in_head = false,
            Tag::Li { task } => *task = label_task(&mut children),
            // Raw HTML ends with its line's break, which would leave an empty line.
            Tag::P if matches!(children.last(), Some(Node::Element(e)) if e.tag == Tag::Br) => {
                children.pop();
            }
            _ => {}
        }
        self.push(Node::Element(Element { tag, children }));
    }

    fn finish(mut self) -> Vec<Node> {
        while self.stack.len() > 1 {
            let frame = self.stack.pop().expect("more than the root is open");
            self.finish_frame(frame);
        }
        self.stack
            .pop()
            .map(|root| root.children)
            .unwrap_or_default()
    }

    fn top(&mut self) -> &mut Frame {
        self.stack.last_mut().expect("the root is always open")
    }

    fn push(&mut self, node: Node) {
        self.top().children.push(node);
    }

    fn start(&mut self, tag: Tag) {
        self.stack.push(Frame::new(Some(tag)));
    }

    fn start_implicit(&mut self, tag: Tag) {
        let mut frame = Frame::new(Some(tag));
        frame.implicit = true;
        self.stack.push(frame);
    }

    /// Raw HTML as text, its line breaks kept.
    fn raw(&mut self, html: &str) {
        for line in html.split_inclusive('\n') {
            let text = line.trim_end_matches(['\n', '\r']);
            if !text.is_empty() {
                self.push(Node::Text(text.to_owned()));
            }
            if line.ends_with('\n') {
                self.push(leaf(Tag::Br));
            }
        }
    }

    /// Words, with the web addresses in them made links, as on GitHub.
    fn words_with_links(&mut self, mut text: &str) {
        while let Some(url) = find_url(text) {
            if url.start > 0 {
                self.push(Node::Text(text[..url.start].to_owned()));
            }
            let address = &text[url.clone()];
            let href = address.to_owned();
            self.push(element(Tag::A { href }, address));
            text = &text[url.end..];
        }
        if !text.is_empty() {
            self.push(Node::Text(text.to_owned()));
        }
    }
}

impl Table {
    /// The next cell, aligned as its column.
    fn cell(&mut self) -> Tag {
        let align = match self.alignments.get(self.column) {
            Some(Alignment::Left) => Align::Left,
            Some(Alignment::Center) => Align::Center,
            Some(Alignment::Right) => Align::Right,
            Some(Alignment::None) | None => Align::None,
        };
        self.column += 1;
        match self.in_head {
            true => Tag::Th(align),
            false => Tag::Td(align),
        }
    }
}

/// A note's headings sit under its title, an `h3` in the list: `#` is an `h4`, `##` an
/// `h5`, and deeper ones `h6`, so the page's outline stays whole.
fn heading(level: HeadingLevel) -> Tag {
    match level {
        HeadingLevel::H1 => Tag::H4,
        HeadingLevel::H2 => Tag::H5,
        _ => Tag::H6,
    }
}

fn leaf(tag: Tag) -> Node {
    Node::Element(Element {
        tag,
        children: Vec::new(),
    })
}

fn element(tag: Tag, text: &str) -> Node {
    Node::Element(Element {
        tag,
        children: vec![Node::Text(text.to_owned())],
    })
}

/// Whether a list item is a task (its checkbox first, or first in its first paragraph
/// when the list is loose); if so, its checkbox is named after the item's words, which
/// a screen reader says along with the box's state.
fn label_task(children: &mut [Node]) -> bool {
    if task_label(children).is_none() {
        return false;
    }
    let mut words = String::new();
    plain_text(children, &mut words);
    let words = words.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some(label) = task_label(children).filter(|_| !words.is_empty()) {
        *label = words;
    }
    true
}

/// The label of a list item's checkbox, if it has one.
fn task_label(children: &mut [Node]) -> Option<&mut String> {
    let first = match children.first_mut()? {
        Node::Element(Element {
            tag: Tag::P,
            children,
        }) => children.first_mut()?,
        first => first,
    };
    match first {
        Node::Element(Element {
            tag: Tag::Checkbox { label, .. },
            ..
        }) => Some(label),
        _ => None,
    }
}

/// The words of an item, without its sub-lists (their tasks are named on their own).
fn plain_text(nodes: &[Node], out: &mut String) {
    for node in nodes {
        match node {
            Node::Text(text) => out.push_str(text),
            Node::Element(Element {
                tag: Tag::Ul | Tag::Ol { .. },
                ..
            }) => {}
            Node::Element(element) => {
                if matches!(element.tag, Tag::P | Tag::Br) {
                    out.push(' ');
                }
                plain_text(&element.children, out);
            }
        }
    }
}

/// The first web address in a text, as GitHub finds them: `http://` or `https://` at
/// the start of a word, up to a space, without the punctuation that ends a sentence
/// or the `)` that closes one.
fn find_url(text: &str) -> Option<Range<usize>> {
    let mut from = 0;
    while let Some(found) = text[from..].find(['h', 'H']) {
        let start = from + found;
        from = start + 1;
        let rest = &text[start..];
        let Some(scheme) = ["https://", "http://"].into_iter().find(|s| {
            rest.get(..s.len())
                .is_some_and(|r| r.eq_ignore_ascii_case(s))
        }) else {
            continue;
        };
        if text[..start]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric)
        {
            continue;
        }
        let len = rest
            .find(|c: char| c.is_whitespace() || c == '<')
            .unwrap_or(rest.len());
        let url = trim_url_end(&rest[..len]);
        if url.len() > scheme.len() {
            return Some(start..start + url.len());
        }
    }
    None
}

fn trim_url_end(mut url: &str) -> &str {
    let (opened, mut closed) = (url.matches('(').count(), url.matches(')').count());
    while let Some(last) = url.chars().next_back() {
        let unbalanced = last == ')' && closed > opened;
        if !(unbalanced || matches!(last, '.' | ',' | ';' | ':' | '!' | '?' | '"' | '\'')) {
            break;
        }
        closed -= usize::from(last == ')');
        url = &url[..url.len() - last.len_utf8()];
    }
    url
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// What links out of the app always carry (`html`'s own tests read it); left out of
    /// the expectations here so they stay short.
    const LINK_OUT: &str = " target=\"_blank\" rel=\"noopener noreferrer\"";

    /// The tree as the page gets it.
    fn html(markdown: &str) -> String {
        crate::html::html(&blocks(markdown), true).replace(LINK_OUT, "")
    }

    /// Every text of the tree, in order.
    fn text(nodes: &[Node]) -> String {
        let mut out = String::new();
        for node in nodes {
            match node {
                Node::Text(t) => out.push_str(t),
                Node::Element(e) => out.push_str(&text(&e.children)),
            }
        }
        out
    }

    /// Calls `each` on every element, and returns the tree's depth.
    fn walk(nodes: &[Node], each: &mut dyn FnMut(&Tag)) -> usize {
        let mut deepest = 0;
        for node in nodes {
            if let Node::Element(Element { tag, children }) = node {
                each(tag);
                deepest = deepest.max(1 + walk(children, each));
            }
        }
        deepest
    }

    /// The elements a note may become (besides a task's `input`).
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

    /// Only allowed elements, only followable or tag links; returns the tree's depth.
    fn assert_safe(nodes: &[Node]) -> usize {
        walk(nodes, &mut |tag| {
            assert!(
                ALLOWED.contains(&tag.name()) || tag.name() == "input",
                "{tag:?}"
            );
            match tag {
                Tag::A { href } => {
                    let scheme = href.split(':').next().unwrap().to_ascii_lowercase();
                    assert!(
                        ["http", "https", "mailto"].contains(&scheme.as_str()),
                        "{href}"
                    );
                }
                Tag::TagLink { .. } => assert!(tag.href().unwrap().starts_with("/?tag=")),
                Tag::File { id } | Tag::Picture { id } => {
                    assert!(crate::attachments::is_id(id), "{id}")
                }
                _ => assert_eq!(tag.href(), None),
            }
        })
    }

    fn links(markdown: &str) -> Vec<String> {
        let mut found = Vec::new();
        walk(&blocks(markdown), &mut |tag| found.extend(tag.href()));
        found
    }

    #[test]
    fn markdown_becomes_the_allowed_elements() {
        assert_eq!(
            html("# Title\n\nSome *em*, **strong**, ~~gone~~ and `code`.\n\n## Two\n\n### Three"),
            "<h4>Title</h4><p>Some <em>em</em>, <strong>strong</strong>, <del>gone</del> \
             and <code>code</code>.</p><h5>Two</h5><h6>Three</h6>"
        );
        assert_eq!(
            html("> quoted\n\n---\n\n3. three\n4. four\n\n- a\n- b"),
            "<blockquote><p>quoted</p></blockquote><hr><ol start=\"3\"><li>three</li>\
             <li>four</li></ol><ul><li>a</li><li>b</li></ul>"
        );
        assert_eq!(
            html("```rust\nfn main() {}\n```"),
            "<pre><code>fn main() {}\n</code></pre>"
        );
        assert_eq!(html("###### six"), "<h6>six</h6>");
    }

    #[test]
    fn a_line_break_in_a_paragraph_stays_a_line_break() {
        assert_eq!(html("one\ntwo  \nthree"), "<p>one<br>two<br>three</p>");
    }

    #[test]
    fn tables_have_a_head_a_body_and_aligned_cells() {
        assert_eq!(
            html("| a | b | c | d |\n|:-|:-:|-:|-|\n| 1 | 2 | 3 | 4 |\n| 5 |"),
            "<table><thead><tr><th class=\"align-left\">a</th><th class=\"align-center\">b</th>\
             <th class=\"align-right\">c</th><th>d</th></tr></thead><tbody>\
             <tr><td class=\"align-left\">1</td><td class=\"align-center\">2</td>\
             <td class=\"align-right\">3</td><td>4</td></tr>\
             <tr><td class=\"align-left\">5</td><td class=\"align-center\"></td>\
             <td class=\"align-right\"></td><td></td></tr></tbody></table>"
        );
        assert_eq!(
            html("| only |\n| - |"),
            "<table><thead><tr><th>only</th></tr></thead></table>"
        );
    }

    #[test]
    fn tasks_are_numbered_checkboxes_named_after_their_words() {
        assert_eq!(
            html("- [ ] ring the *bank*\n- [x] done\n  - [X] nested\n- plain"),
            "<ul><li class=\"task\"><input type=\"checkbox\" aria-label=\"ring the bank\" \
             data-task=\"0\">ring the <em>bank</em></li><li class=\"task\"><input \
             type=\"checkbox\" aria-label=\"done\" data-task=\"1\" checked>done<ul><li \
             class=\"task\"><input type=\"checkbox\" aria-label=\"nested\" data-task=\"2\" \
             checked>nested</li></ul></li><li>plain</li></ul>"
        );
        let labels = |markdown: &str| {
            let mut found = Vec::new();
            walk(&blocks(markdown), &mut |tag| {
                if let Tag::Checkbox { label, .. } = tag {
                    found.push(label.clone());
                }
            });
            found
        };
        assert_eq!(
            labels("- [ ] ring the *bank*\n- [x] done\n  - [X] nested\n- [ ] ` `"),
            ["ring the bank", "done", "nested", "Task"]
        );
        // A loose list: the checkbox is in the item's first paragraph.
        assert_eq!(
            html("- [ ] a\n\n- [x] b\n"),
            "<ul><li class=\"task\"><p><input type=\"checkbox\" aria-label=\"a\" \
             data-task=\"0\">a</p></li><li class=\"task\"><p><input type=\"checkbox\" \
             aria-label=\"b\" data-task=\"1\" checked>b</p></li></ul>"
        );
        assert_eq!(labels("- [ ] a\n\n  more\n\n- [x] b\n"), ["a more", "b"]);
        // Not a task: the brackets are text.
        assert_eq!(html("[ ] no list"), "<p>[ ] no list</p>");
    }

    #[test]
    fn ticking_a_task_changes_its_marker_and_nothing_else() {
        let note = "Shopping #list\n\n- [ ] milk\n- [x] eggs\n* [X] bread\n\n`- [ ] code`\n";
        assert_eq!(
            toggle_task(note, 0).unwrap(),
            note.replacen("- [ ] milk", "- [x] milk", 1)
        );
        assert_eq!(
            toggle_task(note, 1).unwrap(),
            note.replacen("- [x] eggs", "- [ ] eggs", 1)
        );
        assert_eq!(
            toggle_task(note, 2).unwrap(),
            note.replacen("* [X] bread", "* [ ] bread", 1)
        );
        assert_eq!(toggle_task(note, 3), None);
        assert_eq!(toggle_task("no tasks", 0), None);
        assert_eq!(toggle_task("", 0), None);

        let crlf = "a\r\n\r\n1. [ ] one\r\n   - [ ] two \r\n> - [x] quoted\r\n";
        let ticked = toggle_task(crlf, 1).unwrap();
        assert_eq!(ticked, crlf.replacen("- [ ] two", "- [x] two", 1));
        assert_eq!(toggle_task(&ticked, 1).unwrap(), crlf);
        assert_eq!(
            toggle_task(crlf, 2).unwrap(),
            crlf.replacen("[x] quoted", "[ ] quoted", 1)
        );
        assert_eq!(
            toggle_task("- [\t] tab", 0).unwrap(),
            "- [x] tab",
            "a tab is an empty box too"
        );
    }

    #[test]
    fn a_checkbox_index_is_the_index_toggle_task_changes() {
        let note = "- [ ] a\n  > - [ ] b\n\n| t |\n| - |\n| x |\n\n1. [x] c\n";
        let mut indexes = Vec::new();
        walk(&blocks(note), &mut |tag| {
            if let Tag::Checkbox { index, checked, .. } = tag {
                indexes.push((*index, *checked));
            }
        });
        assert_eq!(indexes, [(0, false), (1, false), (2, true)]);
        for (index, checked) in indexes {
            let toggled = blocks(&toggle_task(note, index).unwrap());
            walk(&toggled, &mut |tag| {
                if let Tag::Checkbox {
                    index: i,
                    checked: c,
                    ..
                } = tag
                {
                    assert_eq!(*c, if *i == index { !checked } else { *c });
                }
            });
        }
    }

    #[test]
    fn tags_in_the_words_become_links_to_their_notes() {
        assert_eq!(
            html("Plan #work/meetings and #Café, not #42 nor a#b"),
            "<p>Plan <a class=\"tag\" href=\"/?tag=work%2Fmeetings\">#work/meetings</a> and \
             <a class=\"tag\" href=\"/?tag=Caf%C3%A9\">#Café</a>, not #42 nor a#b</p>"
        );
        assert_eq!(
            html("**#bold** - [ ] x"),
            "<p><strong><a class=\"tag\" href=\"/?tag=bold\">#bold</a></strong> - [ ] x</p>"
        );
        // As `tags` reads them: nothing inside code, links, images or raw HTML.
        for text in [
            "`#code`",
            "```\n#fenced\n```",
            "    #indented",
            "[#linked](https://example.com)",
            "[#refused](javascript:x)",
            "![#alt](https://example.com/a.png)",
            "<https://example.com/#top>",
            "<span>#not</span>",
            "`code`#glued",
            "# Heading",
        ] {
            assert!(
                !html(text).contains("class=\"tag\""),
                "{text}: {}",
                html(text)
            );
        }
    }

    #[test]
    fn the_renderer_links_exactly_the_tags_that_tags_finds() {
        let note = "#a b#c #d/ `#e` [#f](https://x.org) #G **#h**#i <b>#j</b> #42 #k//l\n\
                    - [ ] #m\n\n| #n |\n| - |\n\n> #o\n\n    #p\n\n*x*#q";
        let mut linked = Vec::new();
        walk(&blocks(note), &mut |tag| {
            if let Tag::TagLink { name } = tag {
                linked.push(name.clone());
            }
        });
        assert_eq!(linked, crate::tags::tags(note));
    }

    #[test]
    fn links_open_in_a_new_tab_and_only_to_the_web_or_mail() {
        assert_eq!(
            html("[site](https://example.com/a?b=1&c=2 \"title\")"),
            "<p><a href=\"https://example.com/a?b=1&amp;c=2\">site</a></p>"
        );
        assert_eq!(
            links("[a](HTTP://x.org) [b](mailto:me@x.org) <me@x.org> <https://x.org/p>"),
            [
                "HTTP://x.org",
                "mailto:me@x.org",
                "mailto:me@x.org",
                "https://x.org/p"
            ]
        );
        assert_eq!(
            links("[r]: https://ref.example\n\nSee [the ref][r]."),
            ["https://ref.example"]
        );
        // Relative links would lead into the app: text only.
        assert_eq!(
            html("[home](/account) [up](../x) [frag](#top)"),
            "<p>home up frag</p>"
        );
    }

    #[test]
    fn images_are_links_to_them_and_never_loaded() {
        assert_eq!(
            html("![a cat](https://example.com/cat.png)"),
            "<p><a href=\"https://example.com/cat.png\">a cat</a></p>"
        );
        assert_eq!(
            html("![](https://example.com/cat.png)"),
            "<p><a href=\"https://example.com/cat.png\">https://example.com/cat.png</a></p>"
        );
        assert_eq!(html("![local](cat.png)"), "<p>local</p>");
        assert_eq!(html("![](cat.png)"), "<p>cat.png</p>");
        // Inside a link it is that link's text: no link in a link.
        assert_eq!(
            html("[![badge](https://img.example/b.svg)](https://example.com)"),
            "<p><a href=\"https://example.com\">badge</a></p>"
        );
    }

    #[test]
    fn addresses_in_the_words_become_links() {
        assert_eq!(
            html("See https://example.com/a_(b). Or http://x.org/?q=1, then (https://y.org)!"),
            "<p>See <a href=\"https://example.com/a_(b)\">https://example.com/a_(b)</a>. \
             Or <a href=\"http://x.org/?q=1\">http://x.org/?q=1</a>, then \
             (<a href=\"https://y.org\">https://y.org</a>)!</p>"
        );
        assert_eq!(
            links("HTTPS://x.org/#frag \"https://q.org\" https://a.org/?a=1&amp;b=2"),
            [
                "HTTPS://x.org/#frag",
                "https://q.org",
                "https://a.org/?a=1&b=2"
            ]
        );
        for text in [
            "xhttps://glued.org",
            "https:// nothing",
            "https://",
            "ftp://x.org",
            "`https://code.org`",
            "```\nhttps://fenced.org\n```",
            "[text https://in.link](https://x.org)",
        ] {
            let found = links(text);
            assert!(
                found.iter().all(|l| l == "https://x.org"),
                "{text}: {found:?}"
            );
        }
    }

    #[test]
    fn raw_html_is_shown_as_the_text_it_is() {
        let block = blocks("<script>alert(1)</script>");
        assert_safe(&block);
        assert_eq!(
            html("<script>alert(1)</script>"),
            "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
        );
        let inline = blocks("Hi <script>alert(1)</script> there");
        assert_safe(&inline);
        assert_eq!(text(&inline), "Hi <script>alert(1)</script> there");
        assert_eq!(
            html("<img src=x onerror=alert(1)>"),
            "<p>&lt;img src=x onerror=alert(1)&gt;</p>"
        );
        assert_eq!(
            html("<div><b>unclosed\n<i>two lines\n\nafter"),
            "<p>&lt;div&gt;&lt;b&gt;unclosed<br>&lt;i&gt;two lines</p><p>after</p>"
        );
        assert_eq!(
            html("&lt;script&gt; &#60;b&#62;"),
            "<p>&lt;script&gt; &lt;b&gt;</p>"
        );
    }

    #[test]
    fn no_scheme_but_the_webs_and_mails_becomes_a_link() {
        for attack in [
            "[x](javascript:alert(1))",
            "[x](JaVaScRiPt:alert(1))",
            "[x]( javascript:alert(1))",
            "[x](<javascript:alert(1)>)",
            "[x](&#106;avascript:alert(1))",
            "[x](&#x6A;avascript&colon;alert(1))",
            "[x](java\\script:alert(1))",
            "[x](jav&#x09;ascript:alert(1))",
            "[x](data:text/html,<script>alert(1)</script>)",
            "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
            "[x](vbscript:msgbox(1))",
            "[x](file:///etc/passwd)",
            "[x]: javascript:alert(1)\n\n[x]",
            "<javascript:alert(1)>",
        ] {
            let tree = blocks(attack);
            assert_safe(&tree);
            assert_eq!(links(attack), Vec::<String>::new(), "{attack}");
            assert!(
                text(&tree).contains('x') || attack.starts_with('<'),
                "{attack}"
            );
        }
        for attack in [
            "![a](javascript:alert(1))",
            "![a](JAVASCRIPT:alert(1))",
            "![a](data:image/svg+xml,<svg onload=alert(1)>)",
        ] {
            let tree = blocks(attack);
            assert_safe(&tree);
            assert_eq!(links(attack), Vec::<String>::new(), "{attack}");
            assert!(["a", attack].contains(&text(&tree).as_str()), "{attack}");
        }
    }

    #[test]
    fn broken_markup_stays_text() {
        // CommonMark's reading of unbalanced delimiters, whatever it is, as elements.
        assert_eq!(html("**bold *em**"), "<p>*<em>bold <em>em</em></em></p>");
        assert_eq!(
            html("*a **b* c**"),
            "<p><em>a <em><em>b</em> c</em></em></p>"
        );
        assert_eq!(
            html("[unclosed link(https://x.org"),
            "<p>[unclosed link(<a href=\"https://x.org\">https://x.org</a></p>"
        );
        for note in [
            "<",
            "&",
            "[",
            "![",
            "```",
            "| a |\n| - |\n| b | c | d |",
            "- [ ]",
            "> ",
            "\u{0}",
        ] {
            assert_safe(&blocks(note));
        }
    }

    #[test]
    fn deep_nesting_is_flattened_not_a_stack_overflow() {
        for note in [
            format!("{} deep", ">".repeat(10_000)),
            format!("{}deep", "- ".repeat(10_000)),
            format!(
                "{}deep{}",
                "[".repeat(10_000),
                "](https://x.org)".repeat(10_000)
            ),
            format!("{}deep{}", "*".repeat(10_000), "*".repeat(10_000)),
            format!("{}deep{}", "**a ".repeat(5_000), " b**".repeat(5_000)),
            format!("{}deep{}", "<b>".repeat(10_000), "</b>".repeat(10_000)),
            "> - ".repeat(5_000) + "[ ] deep",
        ] {
            let tree = blocks(&note);
            let depth = assert_safe(&tree);
            assert!(depth <= MAX_DEPTH + 2, "{depth}");
            // The page builds its views by recursion over this tree: bounded too.
            assert!(text(&tree).contains("deep"));
        }
    }

    #[test]
    fn links_are_whole_web_addresses_or_nothing() {
        assert_eq!(safe_href(" https://x.org "), Some("https://x.org"));
        assert_eq!(safe_href("MAILTO:a@b.c"), Some("MAILTO:a@b.c"));
        for refused in [
            "javascript:alert(1)",
            "\u{0}javascript:alert(1)",
            "xhttps://x.org",
            "/relative:with-colon",
            "//x.org",
            "",
            "https",
        ] {
            assert_eq!(safe_href(refused), None, "{refused:?}");
        }
        assert_eq!(tag_href("a b&c=d/e"), "/?tag=a%20b%26c%3Dd%2Fe");
    }
}
