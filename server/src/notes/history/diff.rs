//! What changed between two texts, as people read it: lines added and removed, and the
//! words changed within a line, found by `similar` on the server (the SPA carries no diff
//! engine).

use app::api::{DiffLine, Hunk, LineOp, Span};
use similar::{Algorithm, ChangeTag, TextDiff};
use std::time::{Duration, Instant};

/// Unchanged lines shown around a change.
const CONTEXT: usize = 3;
/// How long one diff may spend looking for the smallest one before it settles.
const DEADLINE: Duration = Duration::from_millis(40);

fn lines<'a>(from: &'a str, to: &'a str) -> TextDiff<'a, 'a, 'a, str> {
    TextDiff::configure()
        .algorithm(Algorithm::Myers)
        .timeout(DEADLINE)
        .diff_lines(from, to)
}

/// Lines added and removed on the way from `from` to `to`.
pub fn counts(from: &str, to: &str) -> (i64, i64) {
    let (mut added, mut removed) = (0, 0);
    for op in lines(from, to).ops() {
        let (tag, old, new) = op.as_tag_tuple();
        match tag {
            similar::DiffTag::Equal => {}
            similar::DiffTag::Insert => added += new.len(),
            similar::DiffTag::Delete => removed += old.len(),
            similar::DiffTag::Replace => {
                added += new.len();
                removed += old.len();
            }
        }
    }
    (added as i64, removed as i64)
}

/// The changed stretches of `from` against `to`, each with up to three lines around it.
pub fn hunks(from: &str, to: &str) -> Vec<Hunk> {
    let diff = lines(from, to);
    let deadline = Some(Instant::now() + DEADLINE);
    diff.grouped_ops(CONTEXT)
        .into_iter()
        .filter_map(|group| {
            let first = group.first()?;
            let lines = group
                .iter()
                .flat_map(|op| diff.iter_inline_changes_deadline(op, deadline))
                .map(|change| {
                    let op = match change.tag() {
                        ChangeTag::Equal => LineOp::Equal,
                        ChangeTag::Insert => LineOp::Insert,
                        ChangeTag::Delete => LineOp::Delete,
                    };
                    let mut text = String::new();
                    let mut spans: Vec<Span> = Vec::new();
                    let mut at = 0;
                    for (changed, part) in change.values() {
                        let part = part.strip_suffix('\n').unwrap_or(part);
                        let part = part.strip_suffix('\r').unwrap_or(part);
                        let len = part.chars().count();
                        if *changed && len > 0 && op != LineOp::Equal {
                            match spans.last_mut() {
                                Some(last) if last.end == at => last.end += len,
                                _ => spans.push(Span {
                                    start: at,
                                    end: at + len,
                                }),
                            }
                        }
                        text.push_str(part);
                        at += len;
                    }
                    DiffLine { op, text, spans }
                })
                .collect();
            Some(Hunk {
                old_start: first.old_range().start + 1,
                new_start: first.new_range().start + 1,
                lines,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(line: &DiffLine) -> Vec<String> {
        line.spans
            .iter()
            .map(|s| {
                line.text
                    .chars()
                    .skip(s.start)
                    .take(s.end - s.start)
                    .collect()
            })
            .collect()
    }

    #[test]
    fn a_changed_word_is_marked_within_its_line() {
        let from = "one\ntwo\nthe quick brown fox\nfour\n";
        let to = "one\ntwo\nthe quick red fox\nfour\nfive\n";
        let hunks = hunks(from, to);
        assert_eq!(hunks.len(), 1);
        let hunk = &hunks[0];
        assert_eq!((hunk.old_start, hunk.new_start), (1, 1));
        let ops: Vec<(LineOp, &str)> = hunk.lines.iter().map(|l| (l.op, l.text.as_str())).collect();
        assert_eq!(
            ops,
            [
                (LineOp::Equal, "one"),
                (LineOp::Equal, "two"),
                (LineOp::Delete, "the quick brown fox"),
                (LineOp::Insert, "the quick red fox"),
                (LineOp::Equal, "four"),
                (LineOp::Insert, "five"),
            ]
        );
        assert_eq!(marked(&hunk.lines[2]), ["brown"]);
        assert_eq!(marked(&hunk.lines[3]), ["red"]);
        assert!(hunk.lines[5].spans.is_empty() || marked(&hunk.lines[5]) == ["five"]);
        assert_eq!(counts(from, to), (2, 1));
    }

    #[test]
    fn long_unchanged_stretches_are_cut_to_three_lines() {
        let from: String = (1..=20).map(|n| format!("line {n}\n")).collect();
        let to = from.replace("line 10\n", "line ten\n");
        let hunks = hunks(&from, &to);
        assert_eq!(hunks.len(), 1);
        assert_eq!(hunks[0].old_start, 7);
        assert_eq!(hunks[0].lines.len(), 3 + 2 + 3);
        assert!(super::hunks(&from, &from).is_empty());
    }

    #[test]
    fn spans_count_characters_not_bytes() {
        let hunks = hunks("Grüße aus Köln\n", "Grüße aus Bonn\n");
        let inserted = hunks[0]
            .lines
            .iter()
            .find(|l| l.op == LineOp::Insert)
            .unwrap();
        assert_eq!(marked(inserted), ["Bonn"]);
        assert_eq!(inserted.spans[0].start, 10);
    }
}
