//! How a kept text is stored: as the edit that turns a newer text back into it. A save
//! of a long note usually changes a few words, so its delta is a few bytes more than
//! those words, where the whole text would be its whole length again.
//!
//! The edit is found with `similar`'s Myers diff, first over lines (cheap, however long
//! the note), then over the bytes of each replaced stretch, both under a deadline: past
//! it the diff is coarser (a larger delta), never wrong. Its encoding is a list of
//! operations, each a tag byte and LEB128 numbers: copy `len` bytes of the base from
//! `start`, or insert the `len` bytes that follow.

use similar::{Algorithm, DiffOp, capture_diff_slices_deadline};
use std::time::{Duration, Instant};

const COPY: u8 = 0;
const INSERT: u8 = 1;
/// A shared stretch shorter than this is inserted rather than copied: a copy costs a
/// tag and two numbers.
const MIN_COPY: usize = 8;
/// How long one encoding may spend diffing before it settles for a coarser delta.
const DEADLINE: Duration = Duration::from_millis(20);

/// A delta that does not fit its base: the database holds something this code never
/// wrote.
#[derive(Debug, thiserror::Error)]
#[error("a kept version's delta does not fit its base")]
pub struct Corrupt;

/// Lines with their line breaks, so that they join back into the text.
fn lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

/// Where each line starts, and the text's end.
fn offsets(lines: &[&str]) -> Vec<usize> {
    let mut at = Vec::with_capacity(lines.len() + 1);
    let mut offset = 0;
    at.push(0);
    for line in lines {
        offset += line.len();
        at.push(offset);
    }
    at
}

#[derive(Default)]
struct Writer {
    out: Vec<u8>,
    /// A copy not yet written: adjacent copies join.
    copy: Option<(usize, usize)>,
    /// Bytes to insert not yet written: adjacent inserts join.
    insert: Vec<u8>,
}

fn varint(out: &mut Vec<u8>, mut n: usize) {
    while n >= 0x80 {
        out.push((n as u8 & 0x7f) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

impl Writer {
    fn flush_copy(&mut self) {
        if let Some((start, len)) = self.copy.take() {
            self.out.push(COPY);
            varint(&mut self.out, start);
            varint(&mut self.out, len);
        }
    }

    fn flush_insert(&mut self) {
        if !self.insert.is_empty() {
            self.out.push(INSERT);
            varint(&mut self.out, self.insert.len());
            self.out.append(&mut self.insert);
        }
    }

    fn copy(&mut self, base: &[u8], start: usize, len: usize) {
        if len == 0 {
            return;
        }
        if len < MIN_COPY {
            return self.insert(&base[start..start + len]);
        }
        self.flush_insert();
        match &mut self.copy {
            Some((at, n)) if *at + *n == start => *n += len,
            _ => {
                self.flush_copy();
                self.copy = Some((start, len));
            }
        }
    }

    fn insert(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        self.flush_copy();
        self.insert.extend_from_slice(bytes);
    }

    fn finish(mut self) -> Vec<u8> {
        self.flush_copy();
        self.flush_insert();
        self.out
    }
}

/// The delta that turns `base` into `text`, and the lines found only in `base` and only
/// in `text` on the way (what a save from `text` to `base` added and removed).
pub fn encode(base: &str, text: &str) -> (Vec<u8>, (i64, i64)) {
    let deadline = Some(Instant::now() + DEADLINE);
    let (old, new) = (lines(base), lines(text));
    let (old_at, new_at) = (offsets(&old), offsets(&new));
    let (base, text) = (base.as_bytes(), text.as_bytes());
    let mut out = Writer::default();
    let (mut base_only, mut text_only) = (0, 0);
    for op in capture_diff_slices_deadline(Algorithm::Myers, &old, &new, deadline) {
        let (_, from, to) = op.as_tag_tuple();
        if !matches!(op, DiffOp::Equal { .. }) {
            base_only += from.len() as i64;
            text_only += to.len() as i64;
        }
        match op {
            DiffOp::Equal { old_index, len, .. } => {
                let start = old_at[old_index];
                out.copy(base, start, old_at[old_index + len] - start);
            }
            DiffOp::Delete { .. } => {}
            DiffOp::Insert {
                new_index, new_len, ..
            } => out.insert(&text[new_at[new_index]..new_at[new_index + new_len]]),
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                // The words that changed within the lines that changed.
                let from = old_at[old_index]..old_at[old_index + old_len];
                let to = &text[new_at[new_index]..new_at[new_index + new_len]];
                let within = capture_diff_slices_deadline(
                    Algorithm::Myers,
                    &base[from.clone()],
                    to,
                    deadline,
                );
                for op in within {
                    match op {
                        DiffOp::Equal { old_index, len, .. } => {
                            out.copy(base, from.start + old_index, len);
                        }
                        DiffOp::Delete { .. } => {}
                        DiffOp::Insert {
                            new_index, new_len, ..
                        }
                        | DiffOp::Replace {
                            new_index, new_len, ..
                        } => out.insert(&to[new_index..new_index + new_len]),
                    }
                }
            }
        }
    }
    (out.finish(), (base_only, text_only))
}

fn read_varint(delta: &[u8], at: &mut usize) -> Result<usize, Corrupt> {
    let mut n: usize = 0;
    for shift in (0..64).step_by(7) {
        let byte = *delta.get(*at).ok_or(Corrupt)?;
        *at += 1;
        n |= usize::from(byte & 0x7f).checked_shl(shift).ok_or(Corrupt)?;
        if byte & 0x80 == 0 {
            return Ok(n);
        }
    }
    Err(Corrupt)
}

/// `base` turned by `delta` into the text it was made from.
pub fn apply(base: &str, delta: &[u8]) -> Result<String, Corrupt> {
    let base = base.as_bytes();
    let mut text = Vec::with_capacity(base.len());
    let mut at = 0;
    while at < delta.len() {
        let tag = delta[at];
        at += 1;
        match tag {
            COPY => {
                let start = read_varint(delta, &mut at)?;
                let len = read_varint(delta, &mut at)?;
                let end = start.checked_add(len).ok_or(Corrupt)?;
                text.extend_from_slice(base.get(start..end).ok_or(Corrupt)?);
            }
            INSERT => {
                let len = read_varint(delta, &mut at)?;
                let end = at.checked_add(len).ok_or(Corrupt)?;
                text.extend_from_slice(delta.get(at..end).ok_or(Corrupt)?);
                at = end;
            }
            _ => return Err(Corrupt),
        }
    }
    String::from_utf8(text).map_err(|_| Corrupt)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(base: &str, text: &str) -> usize {
        let (delta, (base_only, text_only)) = encode(base, text);
        assert_eq!(
            (text_only, base_only),
            super::super::diff::counts(base, text),
            "{base:?} -> {text:?}"
        );
        assert_eq!(apply(base, &delta).unwrap(), text, "{base:?} -> {text:?}");
        delta.len()
    }

    #[test]
    fn any_text_comes_back_from_any_base() {
        let cases = [
            ("", ""),
            ("", "new"),
            ("old", ""),
            ("one\ntwo\nthree\n", "one\n2\nthree\n"),
            ("no newline at the end", "no newline at the end!"),
            ("a\nb\nc", "c\nb\na\n"),
            ("Grüße, ünïcödé ✓\n", "Grüsse, unicode ✓✓\n"),
            ("🙂🙂🙂", "🙃🙂🙃"),
            ("same\n", "same\n"),
        ];
        for (base, text) in cases {
            round_trip(base, text);
            round_trip(text, base);
        }
    }

    #[test]
    fn a_small_edit_of_a_long_text_costs_about_the_edit() {
        let base: String = (0..400)
            .map(|n| format!("Line {n} of a long note, with some words in it.\n"))
            .collect();
        assert!(base.len() > 19_000);
        let text = base.replace("Line 200 of a long", "Line 200 of a very long");
        let size = round_trip(&base, &text);
        assert!(size < 40, "a five-byte edit took {size} bytes");
    }

    #[test]
    fn what_this_code_never_wrote_is_refused() {
        assert!(apply("base", &[COPY, 0, 9]).is_err());
        assert!(apply("base", &[INSERT, 5, b'a']).is_err());
        assert!(apply("base", &[7]).is_err());
        assert!(apply("base", &[INSERT, 1, 0xff]).is_err());
        assert!(
            apply(
                "base",
                &[
                    COPY, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
                ]
            )
            .is_err()
        );
    }
}
