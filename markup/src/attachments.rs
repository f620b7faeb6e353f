//! A note's attachments: files it refers to by their URL, `/api/attachments/{id}/`, as
//! `![receipt](…)` (an image shown in the note) or `[report.pdf](…)` (a file). These
//! URLs are the one relative address a note may hold: the server finds them to decide
//! who may read a file and which files are still used, the SPA and the public page show
//! them, and the export carries the files they name.

use crate::tags::markdown_options;
use pulldown_cmark::{Event, LinkType, Parser, Tag, TagEnd};
use std::ops::Range;

/// Where the API serves attachments; an attachment's URL is this, its id and `/`.
pub const PATH: &str = "/api/attachments/";

/// An attachment's URL.
pub fn url(id: &str) -> String {
    [PATH, id, "/"].concat()
}

/// Whether `id` is written as the server writes attachment ids: a UUID in lower case.
pub fn is_id(id: &str) -> bool {
    id.len() == 36
        && id.bytes().enumerate().all(|(at, byte)| match at {
            8 | 13 | 18 | 23 => byte == b'-',
            _ => byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte),
        })
}

/// The id in an attachment's URL (spaces around it ignored), if `url` is one.
pub fn id_in(url: &str) -> Option<&str> {
    let id = url.trim().strip_prefix(PATH)?.strip_suffix('/')?;
    is_id(id).then_some(id)
}

/// The attachments a note's Markdown refers to, each once, in the order written.
pub fn references(markdown: &str) -> Vec<String> {
    // Most notes have none: the parser runs only when one may be there.
    if !markdown.contains(PATH) {
        return Vec::new();
    }
    let mut found: Vec<String> = Vec::new();
    for event in Parser::new_ext(markdown, markdown_options()) {
        if let Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) = event
            && let Some(id) = id_in(&dest_url)
            && !found.iter().any(|seen| seen == id)
        {
            found.push(id.to_owned());
        }
    }
    found
}

/// `markdown` with the destination of each link and image (inline, or in a reference
/// definition) that `to` gives a new one for written as that one; everything else stays
/// as written. The export writes attachment URLs as paths in its archive with it, and the
/// import writes them back. A destination written with escapes or entities is left.
pub fn rewrite_destinations(markdown: &str, mut to: impl FnMut(&str) -> Option<String>) -> String {
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    let mut edit = |within: Range<usize>, dest: &str| {
        let Some(new) = to(dest) else { return };
        if let Some(at) = markdown[within.clone()].find(dest) {
            let start = within.start + at;
            edits.push((start..start + dest.len(), new));
        }
    };
    // Links and images open around this event, each with its destination if inline and
    // where its text ends so far: the destination comes after that.
    let mut open: Vec<(Option<String>, Range<usize>, usize)> = Vec::new();
    let mut events = Parser::new_ext(markdown, markdown_options()).into_offset_iter();
    for (event, range) in events.by_ref() {
        match event {
            Event::Start(
                Tag::Link {
                    link_type,
                    dest_url,
                    ..
                }
                | Tag::Image {
                    link_type,
                    dest_url,
                    ..
                },
            ) => {
                let inline = (link_type == LinkType::Inline).then(|| dest_url.into_string());
                open.push((inline, range.clone(), range.start + 1));
                continue;
            }
            Event::End(TagEnd::Link | TagEnd::Image) => {
                if let Some((Some(dest), link, after)) = open.pop() {
                    edit(after..link.end, &dest);
                }
            }
            _ => {}
        }
        if let Some((_, _, after)) = open.last_mut() {
            *after = (*after).max(range.end);
        }
    }
    for (_, definition) in events.reference_definitions().iter() {
        let span = definition.span.clone();
        // After the label's `]:`, so a label that reads like the destination is passed.
        let after = markdown[span.clone()]
            .find("]:")
            .map_or(span.start, |at| span.start + at + 2);
        edit(after..span.end, &definition.dest);
    }
    edits.sort_by_key(|(range, _)| range.start);
    let mut out = String::with_capacity(markdown.len());
    let mut from = 0;
    for (range, new) in edits {
        if range.start < from {
            continue;
        }
        out.push_str(&markdown[from..range.start]);
        out.push_str(&new);
        from = range.end;
    }
    out.push_str(&markdown[from..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0b6f5a8e-4a7c-4f53-9d0e-2b1c8f9a7d31";

    #[test]
    fn only_an_attachments_own_url_is_one() {
        assert_eq!(id_in(&url(ID)), Some(ID));
        assert_eq!(id_in(&format!(" {} ", url(ID))), Some(ID));
        for not in [
            format!("/api/attachments/{ID}"),
            format!("https://elsewhere.example/api/attachments/{ID}/"),
            format!("/api/attachments/{}/", ID.to_uppercase()),
            format!("/api/attachments/{ID}/../../notes/"),
            "/api/attachments/1/".to_owned(),
        ] {
            assert_eq!(id_in(&not), None, "{not}");
        }
    }

    #[test]
    fn images_and_links_are_found_once_and_code_is_not_a_reference() {
        let other = "7d6f1c2e-0a4b-4c5d-8e9f-0a1b2c3d4e5f";
        let note = format!(
            "![receipt]({}) and [report.pdf]({})\n\nagain ![x]({})\n\n`{}`\n\n    [y]({})\n",
            url(ID),
            url(other),
            url(ID),
            url("ffffffff-ffff-4fff-8fff-ffffffffffff"),
            url("eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee"),
        );
        assert_eq!(references(&note), [ID, other]);
        assert!(references("no files here").is_empty());
    }

    #[test]
    fn destinations_are_rewritten_where_written_and_nothing_else() {
        let other = "7d6f1c2e-0a4b-4c5d-8e9f-0a1b2c3d4e5f";
        let note = format!(
            "[{a}]({a}) ![alt *with* [brackets]]({a} \"{a}\")\n\n\
             [![inner]({b})]({a})\n\n`{a}` and [ref][r] and <https://x.example/>\n\n\
             [r]: {b}\n",
            a = url(ID),
            b = url(other),
        );
        let rewritten = rewrite_destinations(&note, |dest| {
            id_in(dest).map(|id| format!("files/{}", &id[..4]))
        });
        assert_eq!(
            rewritten,
            format!(
                "[{a}](files/0b6f) ![alt *with* [brackets]](files/0b6f \"{a}\")\n\n\
                 [![inner](files/7d6f)](files/0b6f)\n\n`{a}` and [ref][r] and <https://x.example/>\n\n\
                 [r]: files/7d6f\n",
                a = url(ID),
            )
        );
        assert_eq!(rewrite_destinations(&note, |_| None), note);
    }
}
