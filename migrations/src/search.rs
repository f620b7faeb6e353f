//! What a note search compares: the migration that adds the column fills it with this,
//! and the server keeps it up to date with the same functions, so the two cannot differ.

use icu_casemap::CaseMapper;

/// Unicode simple case folding, one character at a time (no locale, no context). Because
/// every character folds on its own, `fold(a)` contains `fold(b)` exactly when `a`
/// contains `b` ignoring case, which is what makes a plain substring search over folded
/// text a case-insensitive one, on any database and in any database locale.
pub fn fold(text: &str) -> String {
    let mapper = CaseMapper::new();
    text.chars().map(|c| mapper.simple_fold(c)).collect()
}

/// A note's `search_text`: its folded title and content on separate lines. A search term
/// never holds white space, so it can never match across the line break: a term is found
/// in the title or in the content, as DRF's `title__icontains | content__icontains`.
pub fn searchable(title: &str, content: &str) -> String {
    let mut text = fold(title);
    text.push('\n');
    text.push_str(&fold(content));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_is_per_character_and_ignores_case_beyond_ascii() {
        assert_eq!(fold("ÉTÉ Straße ΟΔΟΣ"), "été straße οδοσ");
        // A final sigma folds like any sigma, so "ΟΔΟΣ" is found in "οδος" and in "ΟΔΟΣΚ".
        assert_eq!(fold("οδος"), fold("ΟΔΟΣ"));
        assert_eq!(fold("50%_\\\"'"), "50%_\\\"'");
    }

    #[test]
    fn title_and_content_stay_apart() {
        assert_eq!(searchable("Ab", "Cd"), "ab\ncd");
    }
}
