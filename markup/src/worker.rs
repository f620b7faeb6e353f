//! What the page and the Markdown worker (`markdown-worker`) say to each other. The page
//! sends a [`Request`] (serde); the worker answers with an array whose slots are given
//! here: the request's `id`, then either the tree [`encode`]d as numbers and one string
//! (for a render) or the new text (for a toggle). The tree crosses as a `Uint32Array` and
//! a string because reading a JS object per node (serde-wasm-bindgen) took longer than a
//! frame for a 20 KB note; [`decode`] reads the numbers in a few microseconds per node.
//! The worker first answers [`READY`] alone: a message that arrives before its handler is
//! set (its wasm loads asynchronously) would be lost.

use crate::markdown::{Align, Element, Node, Tag, blocks, toggle_task};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
pub struct Request {
    pub id: u32,
    pub text: String,
    /// Tick (or untick) this task and answer the new text, rather than the tree.
    pub toggle: Option<usize>,
}

/// The id of the reply that says the worker listens; requests count from 1.
pub const READY: u32 = 0;

/// Where a reply's parts are in the array the worker posts.
pub mod slot {
    pub const ID: u32 = 0;
    /// A render's tree: the `Uint32Array` of [`super::Encoded::ops`].
    pub const OPS: u32 = 1;
    /// A render's [`super::Encoded::text`], or a toggle's new text (absent if no task).
    pub const TEXT: u32 = 2;
}

/// What the worker answers, before it is put into the array.
#[derive(Debug, PartialEq, Eq)]
pub enum Answer {
    Tree(Encoded),
    Text(Option<String>),
}

/// The worker's whole job.
pub fn answer(request: Request) -> Answer {
    match request.toggle {
        Some(task) => Answer::Text(toggle_task(&request.text, task)),
        None => Answer::Tree(encode(&blocks(&request.text))),
    }
}

/// A tree as numbers: `TEXT start len`, or `ELEMENT code a b c d` then its children then
/// `END`. Strings (text, addresses, tag names, labels) are byte ranges of `text`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Encoded {
    pub ops: Vec<u32>,
    pub text: String,
}

const END: u32 = 0;
const TEXT: u32 = 1;
const ELEMENT: u32 = 2;

/// Deeper input is refused by [`decode`]: the encoder never writes it (see
/// `markdown::MAX_DEPTH`), and recursion stays bounded whatever the numbers say.
const MAX_DECODE_DEPTH: usize = 64;

pub fn encode(nodes: &[Node]) -> Encoded {
    let mut out = Encoded::default();
    for node in nodes {
        out.node(node);
    }
    out
}

impl Encoded {
    fn string(&mut self, s: &str) -> [u32; 2] {
        let start = self.text.len() as u32;
        self.text.push_str(s);
        [start, s.len() as u32]
    }

    fn node(&mut self, node: &Node) {
        match node {
            Node::Text(text) => {
                let [start, len] = self.string(text);
                self.ops.extend([TEXT, start, len]);
            }
            Node::Element(Element { tag, children }) => {
                let (code, [a, b, c, d]) = self.tag(tag);
                self.ops.extend([ELEMENT, code, a, b, c, d]);
                for child in children {
                    self.node(child);
                }
                self.ops.push(END);
            }
        }
    }

    /// A tag's number and its four payload words.
    fn tag(&mut self, tag: &Tag) -> (u32, [u32; 4]) {
        let plain = |code| (code, [0; 4]);
        match tag {
            Tag::P => plain(1),
            Tag::H1 => plain(2),
            Tag::H2 => plain(3),
            Tag::H3 => plain(4),
            Tag::H4 => plain(5),
            Tag::H5 => plain(6),
            Tag::H6 => plain(7),
            Tag::Blockquote => plain(8),
            Tag::Ul => plain(9),
            Tag::Ol { start } => (10, [0, 0, *start as u32, (*start >> 32) as u32]),
            Tag::Li { task } => (11, [0, 0, u32::from(*task), 0]),
            Tag::Pre => plain(12),
            Tag::Code => plain(13),
            Tag::Em => plain(14),
            Tag::Strong => plain(15),
            Tag::Del => plain(16),
            Tag::A { href } => {
                let [s, l] = self.string(href);
                (17, [s, l, 0, 0])
            }
            Tag::TagLink { name } => {
                let [s, l] = self.string(name);
                (18, [s, l, 0, 0])
            }
            Tag::Table => plain(19),
            Tag::Thead => plain(20),
            Tag::Tbody => plain(21),
            Tag::Tr => plain(22),
            Tag::Th(align) => (23, [0, 0, *align as u32, 0]),
            Tag::Td(align) => (24, [0, 0, *align as u32, 0]),
            Tag::Hr => plain(25),
            Tag::Br => plain(26),
            Tag::Checkbox {
                checked,
                index,
                label,
            } => {
                let [s, l] = self.string(label);
                (27, [s, l, u32::from(*checked), *index as u32])
            }
        }
    }
}

/// The tree [`encode`] wrote, or `None` for numbers it could not have written.
pub fn decode(ops: &[u32], text: &str) -> Option<Vec<Node>> {
    let mut reader = Reader { ops, at: 0, text };
    let mut nodes = Vec::new();
    while reader.at < ops.len() {
        nodes.push(reader.node(0)?);
    }
    Some(nodes)
}

struct Reader<'a> {
    ops: &'a [u32],
    at: usize,
    text: &'a str,
}

impl Reader<'_> {
    fn next(&mut self) -> Option<u32> {
        let op = *self.ops.get(self.at)?;
        self.at += 1;
        Some(op)
    }

    fn string(&self, start: u32, len: u32) -> Option<String> {
        let start = start as usize;
        self.text
            .get(start..start.checked_add(len as usize)?)
            .map(str::to_owned)
    }

    fn node(&mut self, depth: usize) -> Option<Node> {
        match self.next()? {
            TEXT => {
                let (start, len) = (self.next()?, self.next()?);
                Some(Node::Text(self.string(start, len)?))
            }
            ELEMENT if depth < MAX_DECODE_DEPTH => {
                let code = self.next()?;
                let [a, b, c, d] = [self.next()?, self.next()?, self.next()?, self.next()?];
                let tag = self.tag(code, [a, b, c, d])?;
                let mut children = Vec::new();
                while *self.ops.get(self.at)? != END {
                    children.push(self.node(depth + 1)?);
                }
                self.at += 1;
                Some(Node::Element(Element { tag, children }))
            }
            _ => None,
        }
    }

    fn tag(&self, code: u32, [a, b, c, d]: [u32; 4]) -> Option<Tag> {
        let align = |n| match n {
            1 => Align::Left,
            2 => Align::Center,
            3 => Align::Right,
            _ => Align::None,
        };
        Some(match code {
            1 => Tag::P,
            2 => Tag::H1,
            3 => Tag::H2,
            4 => Tag::H3,
            5 => Tag::H4,
            6 => Tag::H5,
            7 => Tag::H6,
            8 => Tag::Blockquote,
            9 => Tag::Ul,
            10 => Tag::Ol {
                start: u64::from(c) | (u64::from(d) << 32),
            },
            11 => Tag::Li { task: c != 0 },
            12 => Tag::Pre,
            13 => Tag::Code,
            14 => Tag::Em,
            15 => Tag::Strong,
            16 => Tag::Del,
            17 => Tag::A {
                href: self.string(a, b)?,
            },
            18 => Tag::TagLink {
                name: self.string(a, b)?,
            },
            19 => Tag::Table,
            20 => Tag::Thead,
            21 => Tag::Tbody,
            22 => Tag::Tr,
            23 => Tag::Th(align(c)),
            24 => Tag::Td(align(c)),
            25 => Tag::Hr,
            26 => Tag::Br,
            27 => Tag::Checkbox {
                checked: c != 0,
                index: d as usize,
                label: self.string(a, b)?,
            },
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_gets_the_tree_or_the_ticked_text() {
        let tree = answer(Request {
            id: 7,
            text: "- [ ] milk".into(),
            toggle: None,
        });
        assert_eq!(tree, Answer::Tree(encode(&blocks("- [ ] milk"))));
        let ticked = answer(Request {
            id: 8,
            text: "- [ ] milk".into(),
            toggle: Some(0),
        });
        assert_eq!(ticked, Answer::Text(Some("- [x] milk".into())));
    }

    #[test]
    fn every_element_crosses_as_it_was() {
        let note = "# One\n## Two\n### Three\n\n> quote *em* **strong** ~~del~~ `code`\n\n\
                    7. seven\n8. eight\n\n- [x] done #tag/sub\n- [ ] open\n\n\
                    | l | c | r | n |\n|:--|:-:|--:|---|\n| 1 | 2 | 3 | 4 |\n\n\
                    ---\n\nline\nbreak [link](https://x.org/é) ![pic](https://x.org/p.png)\n\n\
                    ```\ncode block\n```\n\nünïcödé and <b>raw</b>";
        let nodes = blocks(note);
        let encoded = encode(&nodes);
        assert_eq!(decode(&encoded.ops, &encoded.text), Some(nodes));
        let empty = encode(&[]);
        assert_eq!(decode(&empty.ops, &empty.text), Some(vec![]));
    }

    #[test]
    fn numbers_it_could_not_have_written_decode_to_nothing() {
        let good = encode(&blocks("*a* [b](https://x.org)"));
        // Cut anywhere inside, a string out of range, an unknown tag, too deep.
        for cut in 1..good.ops.len() {
            assert_eq!(decode(&good.ops[..cut], &good.text), None, "cut at {cut}");
        }
        assert_eq!(decode(&[TEXT, 0, 99], "short"), None);
        assert_eq!(decode(&[ELEMENT, 99, 0, 0, 0, 0, END], ""), None);
        let deep: Vec<u32> = std::iter::repeat_n([ELEMENT, 1, 0, 0, 0, 0], 100)
            .flatten()
            .chain(std::iter::repeat_n(END, 100))
            .collect();
        assert_eq!(decode(&deep, ""), None);
        assert_eq!(decode(&[7], ""), None);
    }
}
