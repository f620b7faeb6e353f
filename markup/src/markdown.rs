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
mod tests;
