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
    // Inside code blocks, links and images nothing is a tag.
    let mut hidden = 0usize;
    // The character before the next text, `None` at a boundary where a word may begin.
    let mut before: Option<char> = None;
    for event in Parser::new_ext(markdown, markdown_options()) {
        match event {
            Event::Start(Tag::CodeBlock(_) | Tag::Link { .. } | Tag::Image { .. }) => hidden += 1,
            Event::End(TagEnd::CodeBlock | TagEnd::Link | TagEnd::Image) => {
                hidden = hidden.saturating_sub(1);
                before = Some(']');
            }
            Event::Text(text) if hidden == 0 => {
                found.scan(&text, before);
                before = text.chars().last();
            }
            // Inline code and raw HTML are not the person's words: a `#` right after
            // them does not begin one either.
            Event::Code(_) | Event::InlineHtml(_) | Event::Html(_) => before = Some('`'),
            Event::Text(_) => {}
            _ => before = None,
        }
    }
    found.0.into_iter().map(|(_, spelling)| spelling).collect()
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

    /// The tags in one run of text; `before` is the character just before it.
    fn scan(&mut self, text: &str, mut before: Option<char>) {
        let mut chars = text.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            let starts_word = before.is_none_or(char::is_whitespace);
            before = Some(c);
            if c != '#' || !starts_word {
                continue;
            }
            let start = at + 1;
            let mut end = start;
            while let Some(&(i, next)) = chars.peek() {
                if !is_tag_char(next) {
                    break;
                }
                end = i + next.len_utf8();
                before = Some(next);
                chars.next();
            }
            let tag = text[start..end].trim_matches('/');
            let counts = tag.chars().count() <= MAX_TAG_CHARS
                && tag.chars().any(|c| !c.is_ascii_digit())
                && !tag.contains("//");
            if !tag.is_empty() && counts {
                self.add(tag);
            }
        }
    }
}

/// Whether a note tagged `tag` is found by a filter for `wanted`: the tag itself or one
/// nested inside it, without case (`work` finds `Work/Meetings`).
pub fn within(tag: &str, wanted: &str) -> bool {
    let (tag, wanted) = (tag.to_lowercase(), wanted.to_lowercase());
    tag == wanted
        || tag
            .strip_prefix(&wanted)
            .is_some_and(|rest| rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::{tags, within};

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
    fn a_filter_finds_the_tag_and_the_tags_nested_in_it() {
        assert!(within("work", "work"));
        assert!(within("Work/Meetings", "work"));
        assert!(within("work/meetings/monday", "work/meetings"));
        assert!(!within("workshop", "work"));
        assert!(!within("work", "work/meetings"));
    }
}
