//! #tags, the memos way: a word that starts with `#` and goes on with letters, digits,
//! `_`, `-` or `/` (`/` nests: `#work/meetings` is inside `#work`), in the text a person
//! wrote, read as Markdown so that nothing inside code, a link or raw HTML counts. A `#`
//! must begin a word (`a#b` and `https://x.org/#top` hold none), and a tag must hold more
//! than digits (`#42` is a number). Tags compare without case and keep the spelling they
//! were first written with. Server and browser read tags with this one function, so a
//! tag the SPA shows as a link is a tag the API filters by.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// Longer runs are not tags: nobody names a tag with a paragraph.
pub const MAX_TAG_CHARS: usize = 64;

/// The Markdown the notes are written in: CommonMark with the GitHub extensions.
pub fn markdown_options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_TASKLISTS | Options::ENABLE_STRIKETHROUGH
}

fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '/')
}

/// The tags of a note's text, each once, in the order first written.
pub fn tags(markdown: &str) -> Vec<String> {
    let mut found = Tags::default();
    let mut words = Words::default();
    for event in Parser::new_ext(markdown, markdown_options()) {
        for piece in words.read(&event).into_iter().flatten() {
            if let Piece::Tag { name, .. } = piece {
                found.add(name);
            }
        }
    }
    found.0.into_iter().map(|(_, spelling)| spelling).collect()
}

/// Follows a note's Markdown events and says which texts are the person's own words,
/// where a tag may be. `tags` and the Markdown renderer both read through it, so a tag
/// the SPA shows as a link is exactly a tag the server files the note under.
#[derive(Default)]
pub(crate) struct Words {
    /// Inside code blocks, links and images nothing is a tag.
    hidden: usize,
    /// The character before the next text, `None` at a boundary where a word may begin.
    before: Option<char>,
}

impl Words {
    /// Takes in the next event (every one, in order); for a text where tags count, the
    /// text cut into plain runs and tags.
    pub(crate) fn read<'t>(&mut self, event: &'t Event<'_>) -> Option<Pieces<'t>> {
        match event {
            Event::Start(Tag::CodeBlock(_) | Tag::Link { .. } | Tag::Image { .. }) => {
                self.hidden += 1;
            }
            Event::End(TagEnd::CodeBlock | TagEnd::Link | TagEnd::Image) => {
                self.hidden = self.hidden.saturating_sub(1);
                self.before = Some(']');
            }
            Event::Text(text) if self.hidden == 0 => {
                let before = std::mem::replace(&mut self.before, text.chars().last());
                return Some(Pieces {
                    text,
                    before,
                    at: 0,
                });
            }
            // Inline code and raw HTML are not the person's words: a `#` right after
            // them does not begin one either.
            Event::Code(_) | Event::InlineHtml(_) | Event::Html(_) => self.before = Some('`'),
            Event::Text(_) => {}
            _ => self.before = None,
        }
        None
    }
}

/// A part of a text: words, or one tag as written (`#work/meetings/`) with its name
/// (`work/meetings`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Piece<'t> {
    Text(&'t str),
    Tag { written: &'t str, name: &'t str },
}

/// A text's pieces, in order; together they are the whole text.
pub(crate) struct Pieces<'t> {
    text: &'t str,
    /// The character just before `at`.
    before: Option<char>,
    at: usize,
}

impl<'t> Iterator for Pieces<'t> {
    type Item = Piece<'t>;

    fn next(&mut self) -> Option<Piece<'t>> {
        let rest = &self.text[self.at..];
        if rest.is_empty() {
            return None;
        }
        let (piece, len) = match find_tag(rest, self.before) {
            Some(tag) if tag.start == 0 => {
                let piece = Piece::Tag {
                    written: &rest[..tag.end],
                    name: &rest[tag.name],
                };
                (piece, tag.end)
            }
            Some(tag) => (Piece::Text(&rest[..tag.start]), tag.start),
            None => (Piece::Text(rest), rest.len()),
        };
        self.before = rest[..len].chars().last();
        self.at += len;
        Some(piece)
    }
}

/// Where a tag is in a text: `start..end` from its `#` on, `name` without the `#` and the
/// `/`s around it.
struct Found {
    start: usize,
    end: usize,
    name: std::ops::Range<usize>,
}

/// The first tag in a run of text; `before` is the character just before it.
fn find_tag(text: &str, mut before: Option<char>) -> Option<Found> {
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let starts_word = before.is_none_or(char::is_whitespace);
        before = Some(c);
        if c != '#' || !starts_word {
            continue;
        }
        let mut end = at + 1;
        while let Some(&(i, next)) = chars.peek() {
            if !is_tag_char(next) {
                break;
            }
            end = i + next.len_utf8();
            before = Some(next);
            chars.next();
        }
        let written = &text[at + 1..end];
        let tag = written.trim_matches('/');
        let counts = tag.chars().count() <= MAX_TAG_CHARS
            && tag.chars().any(|c| !c.is_ascii_digit())
            && !tag.contains("//");
        if !tag.is_empty() && counts {
            let from = at + 1 + (written.len() - written.trim_start_matches('/').len());
            return Some(Found {
                start: at,
                end,
                name: from..from + tag.len(),
            });
        }
    }
    None
}

/// Tags by their lower-case key, with their first spelling.
#[derive(Default)]
struct Tags(Vec<(String, String)>);

impl Tags {
    fn add(&mut self, tag: &str) {
        let key = tag.to_lowercase();
        if !self.0.iter().any(|(k, _)| *k == key) {
            self.0.push((key, tag.to_owned()));
        }
    }
}

/// What tags compare by: `#Work` and `#work` are one tag.
pub fn key(tag: &str) -> String {
    tag.to_lowercase()
}

/// A note's tags and every tag they are nested in (`work/meetings` is in `work`), once
/// each by [`key`], with whether the note wrote it itself. Kept this way, a filter for
/// `work` finds the notes of `work/meetings` by one exact key.
pub fn with_parents(tags: &[String]) -> Vec<(String, bool)> {
    let mut found: Vec<(String, String, bool)> = Vec::new();
    let mut add = |spelling: &str, written: bool| {
        let key = key(spelling);
        match found.iter_mut().find(|(k, ..)| *k == key) {
            // A tag the note wrote keeps its own spelling over one read from a nested tag.
            Some(entry) if written && !entry.2 => {
                entry.1 = spelling.to_owned();
                entry.2 = true;
            }
            Some(_) => {}
            None => found.push((key, spelling.to_owned(), written)),
        }
    };
    for tag in tags {
        add(tag, true);
        for (slash, _) in tag.match_indices('/').rev() {
            let parent = &tag[..slash];
            if !parent.is_empty() && !parent.ends_with('/') {
                add(parent, false);
            }
        }
    }
    found
        .into_iter()
        .map(|(_, spelling, written)| (spelling, written))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{Piece, Pieces, key, tags, with_parents};

    fn read(text: &str) -> Vec<String> {
        tags(text)
    }

    #[test]
    fn a_hash_at_the_start_of_a_word_begins_a_tag() {
        assert_eq!(
            read("Buy #groceries and #Work/meetings today."),
            ["groceries", "Work/meetings"]
        );
        assert_eq!(read("#start of the note"), ["start"]);
        assert_eq!(read("ends with a tag #last"), ["last"]);
        assert_eq!(
            read("#café, #日本 and #snake_case-tag"),
            ["café", "日本", "snake_case-tag"]
        );
        assert_eq!(read("**#bold** and _#leaning_"), ["bold", "leaning"]);
        assert_eq!(
            read("- [ ] #todo ring the bank\n- [x] #done"),
            ["todo", "done"]
        );
        assert_eq!(
            read("| a | b |\n| - | - |\n| #in-a-table | x |"),
            ["in-a-table"]
        );
        assert_eq!(read("line one\n#on-the-next-line"), ["on-the-next-line"]);
    }

    #[test]
    fn tags_are_one_whatever_the_case_and_keep_their_first_spelling() {
        assert_eq!(read("#Work, #work and #WORK"), ["Work"]);
        assert_eq!(read("#work #work/meetings"), ["work", "work/meetings"]);
    }

    #[test]
    fn nothing_inside_code_links_or_html_is_a_tag() {
        assert_eq!(read("`#not-a-tag` here"), Vec::<String>::new());
        assert_eq!(read("```\n#not-a-tag\n```"), Vec::<String>::new());
        assert_eq!(read("    #indented-code"), Vec::<String>::new());
        assert_eq!(
            read("[#not-a-tag](https://example.com)"),
            Vec::<String>::new()
        );
        assert_eq!(
            read("![#alt](https://example.com/a.png)"),
            Vec::<String>::new()
        );
        assert_eq!(read("<https://example.com/#top>"), Vec::<String>::new());
        assert_eq!(read("<span>#not</span>"), Vec::<String>::new());
        assert_eq!(read("`code`#glued"), Vec::<String>::new());
    }

    #[test]
    fn a_hash_inside_a_word_or_a_heading_or_a_number_is_no_tag() {
        for text in [
            "a#b",
            "https://example.com/page#section",
            "# A heading",
            "## Another",
            "issue #42",
            "#",
            "# ",
            "#/",
            "#a//b",
            "C# and F#",
        ] {
            assert_eq!(read(text), Vec::<String>::new(), "{text}");
        }
        assert_eq!(read("#v2 and #2fa"), ["v2", "2fa"]);
        assert_eq!(read("#trailing/ #/leading"), ["trailing", "leading"]);
        assert_eq!(read(&format!("#{}", "x".repeat(65))), Vec::<String>::new());
        assert_eq!(read(&format!("#{}", "x".repeat(64))).len(), 1);
    }

    #[test]
    fn a_tag_brings_the_tags_it_is_nested_in() {
        let tags =
            |list: &[&str]| with_parents(&list.iter().map(|t| t.to_string()).collect::<Vec<_>>());
        assert_eq!(
            tags(&["Work/Meetings/Monday", "home"]),
            [
                ("Work/Meetings/Monday".to_owned(), true),
                ("Work/Meetings".to_owned(), false),
                ("Work".to_owned(), false),
                ("home".to_owned(), true),
            ]
        );
        // Written wins, in its own spelling; each key once.
        assert_eq!(
            tags(&["a/b", "A", "a//c"]),
            [
                ("a/b".to_owned(), true),
                ("A".to_owned(), true),
                ("a//c".to_owned(), true),
            ]
        );
        assert_eq!(key("Work/Été"), "work/été");
    }

    fn pieces(text: &str, before: Option<char>) -> Vec<Piece<'_>> {
        Pieces {
            text,
            before,
            at: 0,
        }
        .collect()
    }

    #[test]
    fn a_text_cuts_into_words_and_tags_that_make_it_whole() {
        use Piece::{Tag, Text};
        assert_eq!(
            pieces("see #work/meetings/ and #42 or #/x", None),
            [
                Text("see "),
                Tag {
                    written: "#work/meetings/",
                    name: "work/meetings"
                },
                Text(" and #42 or "),
                Tag {
                    written: "#/x",
                    name: "x"
                },
            ]
        );
        assert_eq!(
            pieces("#a", None),
            [Tag {
                written: "#a",
                name: "a"
            }]
        );
        // The text goes on a word: `#a` is inside it.
        assert_eq!(pieces("#a b", Some('x')), [Text("#a b")]);
        assert_eq!(pieces("", None), []);
        for text in ["a#b #c##d #日本, #x//y", "# #  ##", "C# #é"] {
            let joined: String = pieces(text, None)
                .iter()
                .map(|p| match p {
                    Text(t) | Tag { written: t, .. } => *t,
                })
                .collect();
            assert_eq!(joined, text);
        }
    }
}
