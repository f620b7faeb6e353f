//! What a file is, from its bytes (never from what the uploader claimed), and the name
//! it is kept under.

/// A file whose bytes say nothing known.
pub const UNKNOWN: &str = "application/octet-stream";

/// Types shown in the page: images browsers decode without running anything. Everything
/// else, SVG and HTML included, is only ever downloaded.
pub const INLINE: [&str; 5] = [
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/avif",
];

/// How many of a file's first bytes [`content_type`] reads.
pub const HEAD: usize = 8192;

/// The type a file's first bytes show, or [`UNKNOWN`].
pub fn content_type(head: &[u8]) -> &'static str {
    infer::get(head).map_or(UNKNOWN, |kind| kind.mime_type())
}

/// Whether a file of `content_type` is shown in the page rather than downloaded.
pub fn inline(content_type: &str) -> bool {
    INLINE.contains(&content_type)
}

/// The file's own name, cleaned: no folders (`/` or `\`), no control characters, no
/// leading dots (a hidden or a `..` name), at most 255 bytes; `file` when nothing is left.
pub fn clean_name(claimed: &str) -> String {
    let last = claimed.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'))
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    let mut name = String::new();
    for c in cleaned.chars() {
        if name.len() + c.len_utf8() > 255 {
            break;
        }
        name.push(c);
    }
    if name.is_empty() {
        "file".to_owned()
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_keeps_only_its_last_part_without_controls() {
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("C:\\Users\\me\\report.pdf"), "report.pdf");
        assert_eq!(
            clean_name("re\u{0}ce\nipt\u{202e}gpj.exe"),
            "receiptgpj.exe"
        );
        assert_eq!(clean_name(".."), "file");
        assert_eq!(clean_name(".bashrc"), "bashrc");
        assert_eq!(clean_name(""), "file");
        assert_eq!(clean_name("photo 1.jpg"), "photo 1.jpg");
        assert_eq!(clean_name(&"é".repeat(200)).len(), 254);
    }

    #[test]
    fn the_type_comes_from_the_bytes() {
        assert_eq!(content_type(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "image/png");
        assert_eq!(content_type(b"\xff\xd8\xff\xe0\0\x10JFIF\0"), "image/jpeg");
        assert_eq!(content_type(b"%PDF-1.7\n"), "application/pdf");
        assert_eq!(
            content_type(b"<svg xmlns=\"http://www.w3.org/2000/svg\">"),
            UNKNOWN
        );
        // Known, and still never shown (`inline` below).
        assert_eq!(
            content_type(b"<html><script>alert(1)</script>"),
            "text/html"
        );
        assert!(inline("image/png") && !inline("image/svg+xml") && !inline("text/html"));
    }
}
