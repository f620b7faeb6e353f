//! The rules a username, password and note obey. Each newtype parses once; holding one
//! means the value is valid. The server enforces them and the SPA checks them before
//! sending, with the same messages, so a person sees the same words either way.

use crate::common_passwords::COMMON_PASSWORDS;
use crate::errors::messages;

pub const USERNAME_MAX_CHARS: usize = 150;
pub const PASSWORD_MIN_CHARS: usize = 8;
/// Not a Django rule: a bound on what a sign-up makes Argon2 read.
pub const PASSWORD_MAX_CHARS: usize = 1024;
pub const TITLE_MAX_CHARS: usize = 100;
pub const CONTENT_MAX_CHARS: usize = 100_000;

pub const USERNAME_INVALID: &str = "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.";
pub const PASSWORD_TOO_SHORT: &str =
    "This password is too short. It must contain at least 8 characters.";
pub const PASSWORD_TOO_COMMON: &str = "This password is too common.";
pub const PASSWORD_NUMERIC: &str = "This password is entirely numeric.";
pub const PASSWORD_TOO_SIMILAR: &str = "The password is too similar to the username.";

/// Django's `ProhibitNullCharactersValidator`: PostgreSQL text cannot hold NUL.
pub const NULL_CHARACTERS: &str = "Null characters are not allowed.";

pub fn too_long(max: usize) -> String {
    format!("Ensure this field has no more than {max} characters.")
}

/// Django's rule: 1–150 of letters, digits and `@.+-_`, compared case-sensitively after
/// NFKC normalisation (so look-alike forms of one name are one name).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, Vec<String>> {
        let name = nfkc(raw.trim());
        if name.is_empty() {
            return Err(vec![messages::BLANK.into()]);
        }
        let mut errors = Vec::new();
        if name.chars().count() > USERNAME_MAX_CHARS {
            errors.push(too_long(USERNAME_MAX_CHARS));
        }
        if !name
            .chars()
            .all(|c| is_alphanumeric(c) || "@.+-_".contains(c))
        {
            errors.push(USERNAME_INVALID.into());
        }
        if errors.is_empty() {
            Ok(Self(name))
        } else {
            Err(errors)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A password that passes Django's default validators: similarity to the username,
/// minimum length, common passwords and all-numeric, every failure reported at once.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(..)")
    }
}

impl Password {
    pub fn parse(raw: &str, username: &str) -> Result<Self, Vec<String>> {
        if raw.is_empty() {
            return Err(vec![messages::BLANK.into()]);
        }
        let len = raw.chars().count();
        if len > PASSWORD_MAX_CHARS {
            return Err(vec![too_long(PASSWORD_MAX_CHARS)]);
        }
        let mut errors = Vec::new();
        if too_similar(raw, username) {
            errors.push(PASSWORD_TOO_SIMILAR.into());
        }
        if len < PASSWORD_MIN_CHARS {
            errors.push(PASSWORD_TOO_SHORT.into());
        }
        if is_common(raw) {
            errors.push(PASSWORD_TOO_COMMON.into());
        }
        if raw.chars().all(is_numeric) {
            errors.push(PASSWORD_NUMERIC.into());
        }
        if errors.is_empty() {
            Ok(Self(raw.to_owned()))
        } else {
            Err(errors)
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

// Normalisation, character classes and case. Natively, Rust's own (`char::is_alphanumeric`
// is the Unicode `Alphabetic` property or a number, `N*`; `char::is_numeric` is a number).
// In the browser, the same Unicode algorithms through `normalize`, `RegExp` and
// `toLowerCase`: the same answers (up to the Unicode versions of the two), without the
// Unicode tables in the wasm.

#[cfg(not(target_arch = "wasm32"))]
fn nfkc(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    text.nfkc().collect()
}

/// `String.prototype.normalize("NFKC")`: the same Unicode algorithm, without this
/// crate's normalisation tables, which would be a large part of the wasm's download.
#[cfg(target_arch = "wasm32")]
fn nfkc(text: &str) -> String {
    js_sys::JsString::from(text).normalize("NFKC").into()
}

#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn is_alphanumeric(c: char) -> bool {
    c.is_alphanumeric()
}

#[cfg(not(target_arch = "wasm32"))]
fn is_numeric(c: char) -> bool {
    c.is_numeric()
}

#[cfg(target_arch = "wasm32")]
thread_local! {
    static ALPHANUMERIC: js_sys::RegExp = js_sys::RegExp::new(r"^[\p{Alphabetic}\p{N}]$", "u");
    static NUMERIC: js_sys::RegExp = js_sys::RegExp::new(r"^\p{N}$", "u");
}

#[cfg(target_arch = "wasm32")]
pub(crate) fn is_alphanumeric(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    ALPHANUMERIC.with(|class| class.test(c.encode_utf8(&mut [0; 4])))
}

#[cfg(target_arch = "wasm32")]
fn is_numeric(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_digit();
    }
    NUMERIC.with(|class| class.test(c.encode_utf8(&mut [0; 4])))
}

/// Unicode lower case (`str::to_lowercase`, final sigma included).
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn lowercase(text: &str) -> String {
    text.to_lowercase()
}

/// In the browser, `String.prototype.toLowerCase`: the same Unicode default case
/// conversion (final sigma included), without core's case tables in the wasm.
#[cfg(target_arch = "wasm32")]
pub(crate) fn lowercase(text: &str) -> String {
    String::from(js_sys::JsString::from(text).to_lower_case())
}

fn is_common(password: &str) -> bool {
    let lowered = lowercase(password.trim());
    COMMON_PASSWORDS.binary_search(&lowered.as_str()).is_ok()
}

/// Django's `UserAttributeSimilarityValidator` against the username (max similarity
/// 0.7): the username and each of its parts between non-word characters are compared
/// with difflib's `quick_ratio`, skipping parts far shorter than the password.
fn too_similar(password: &str, username: &str) -> bool {
    const MAX_SIMILARITY: f64 = 0.7;
    let password = lowercase(password);
    let username = lowercase(username);
    let pwd_len = password.chars().count();
    username
        .split(|c: char| !(is_alphanumeric(c) || c == '_'))
        .chain(std::iter::once(username.as_str()))
        .filter(|part| !part.is_empty())
        .any(|part| {
            let part_len = part.chars().count();
            let far_shorter = pwd_len >= 10 * part_len
                && (part_len as f64) < MAX_SIMILARITY / 2.0 * pwd_len as f64;
            !far_shorter && quick_ratio(&password, part) >= MAX_SIMILARITY
        })
}

/// difflib's `SequenceMatcher.quick_ratio`: twice the size of the multiset intersection
/// of the two strings' characters over their total length.
fn quick_ratio(a: &str, b: &str) -> f64 {
    // A plain list rather than a hash map: the same multiset count at these lengths
    // (a username of at most 150 characters), and the SPA's wasm, which runs these rules
    // too, carries no hasher or sort for it.
    let mut unmatched: Vec<char> = b.chars().collect();
    let mut matches = 0;
    for c in a.chars() {
        if let Some(i) = unmatched.iter().position(|&u| u == c) {
            unmatched.swap_remove(i);
            matches += 1;
        }
    }
    let total = a.chars().count() + b.chars().count();
    if total == 0 {
        1.0
    } else {
        2.0 * matches as f64 / total as f64
    }
}

/// A note's title: 1 to 100 characters once surrounding white space is trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteTitle(String);

impl NoteTitle {
    pub fn parse(raw: &str) -> Result<Self, Vec<String>> {
        let title = raw.trim();
        if title.is_empty() {
            Err(vec![messages::BLANK.into()])
        } else if title.contains('\0') {
            Err(vec![NULL_CHARACTERS.into()])
        } else if title.chars().count() > TITLE_MAX_CHARS {
            Err(vec![too_long(TITLE_MAX_CHARS)])
        } else {
            Ok(Self(title.to_owned()))
        }
    }

    /// A title a note had before (a kept version): taken back as it was, since the
    /// server held it once (an imported note may exceed today's limits).
    pub fn kept(title: String) -> Self {
        Self(title)
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// What a personal access token is for: as a note's title, 1 to 100 characters once
/// trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenName(String);

impl TokenName {
    pub fn parse(raw: &str) -> Result<Self, Vec<String>> {
        NoteTitle::parse(raw).map(|name| Self(name.into_inner()))
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A note's body: not blank, kept exactly as written (indentation is content).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteContent(String);

impl NoteContent {
    pub fn parse(raw: &str) -> Result<Self, Vec<String>> {
        if raw.trim().is_empty() {
            Err(vec![messages::BLANK.into()])
        } else if raw.contains('\0') {
            Err(vec![NULL_CHARACTERS.into()])
        } else if raw.chars().count() > CONTENT_MAX_CHARS {
            Err(vec![too_long(CONTENT_MAX_CHARS)])
        } else {
            Ok(Self(raw.to_owned()))
        }
    }

    /// A body a note had before (a kept version): taken back as it was.
    pub fn kept(content: String) -> Self {
        Self(content)
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_follow_djangos_rules() {
        assert_eq!(
            Username::parse(" alice.b+c@x-y_z ").unwrap().as_str(),
            "alice.b+c@x-y_z"
        );
        assert_eq!(Username::parse("Zoë").unwrap().as_str(), "Zoë");
        assert_eq!(Username::parse("").unwrap_err(), [messages::BLANK]);
        assert_eq!(Username::parse("   ").unwrap_err(), [messages::BLANK]);
        assert_eq!(
            Username::parse("no spaces").unwrap_err(),
            [USERNAME_INVALID]
        );
        assert_eq!(
            Username::parse("semi;colon").unwrap_err(),
            [USERNAME_INVALID]
        );
        assert!(Username::parse(&"a".repeat(150)).is_ok());
        assert_eq!(
            Username::parse(&"a".repeat(151)).unwrap_err(),
            [too_long(150)]
        );
    }

    #[test]
    fn usernames_are_case_sensitive_but_nfkc_normalised() {
        assert_ne!(
            Username::parse("Alice").unwrap(),
            Username::parse("alice").unwrap()
        );
        // Fullwidth letters are compatibility forms of ASCII ones.
        assert_eq!(Username::parse("ａｌｉｃｅ").unwrap().as_str(), "alice");
    }

    #[test]
    fn passwords_follow_djangos_default_validators() {
        assert!(Password::parse("correct horse battery", "alice").is_ok());
        assert_eq!(Password::parse("", "alice").unwrap_err(), [messages::BLANK]);
        assert_eq!(
            Password::parse("xK9#qw", "alice").unwrap_err(),
            [PASSWORD_TOO_SHORT]
        );
        assert_eq!(
            Password::parse("password", "alice").unwrap_err(),
            [PASSWORD_TOO_COMMON]
        );
        assert_eq!(
            Password::parse("PassWord123", "bob").unwrap_err(),
            [PASSWORD_TOO_COMMON]
        );
        assert_eq!(
            Password::parse("1234", "alice").unwrap_err(),
            [PASSWORD_TOO_SHORT, PASSWORD_TOO_COMMON, PASSWORD_NUMERIC]
        );
        assert_eq!(
            Password::parse("90817263545", "alice").unwrap_err(),
            [PASSWORD_NUMERIC]
        );
        assert_eq!(
            Password::parse("alice2024!", "alice2024").unwrap_err(),
            [PASSWORD_TOO_SIMILAR]
        );
        // Similar to one part of the username.
        assert_eq!(
            Password::parse("Smithsonian", "john.smithsonian").unwrap_err(),
            [PASSWORD_TOO_SIMILAR]
        );
        assert!(Password::parse(&"x".repeat(PASSWORD_MAX_CHARS + 1), "a").is_err());
    }

    #[test]
    fn the_common_list_is_sorted_and_lowercase_for_binary_search() {
        assert!(COMMON_PASSWORDS.windows(2).all(|w| w[0] < w[1]));
        assert!(COMMON_PASSWORDS.iter().all(|p| *p == p.to_lowercase()));
    }

    #[test]
    fn quick_ratio_matches_difflib() {
        // difflib.SequenceMatcher(a="abcd", b="bcde").quick_ratio() == 0.75
        assert!((quick_ratio("abcd", "bcde") - 0.75).abs() < 1e-9);
        assert!((quick_ratio("", "") - 1.0).abs() < 1e-9);
        // Repeated characters count as often as both strings have them.
        // difflib.SequenceMatcher(a="aab", b="abbb").quick_ratio() == 4/7
        assert!((quick_ratio("aab", "abbb") - 4.0 / 7.0).abs() < 1e-9);
    }

    #[test]
    fn note_titles_are_one_to_a_hundred_characters() {
        assert_eq!(
            NoteTitle::parse("  Groceries ").unwrap().into_inner(),
            "Groceries"
        );
        assert_eq!(NoteTitle::parse(" ").unwrap_err(), [messages::BLANK]);
        assert!(NoteTitle::parse(&"é".repeat(100)).is_ok());
        assert_eq!(
            NoteTitle::parse(&"é".repeat(101)).unwrap_err(),
            [too_long(100)]
        );
    }

    #[test]
    fn notes_cannot_hold_nul_characters() {
        assert_eq!(NoteTitle::parse("a\0b").unwrap_err(), [NULL_CHARACTERS]);
        assert_eq!(NoteContent::parse("a\0b").unwrap_err(), [NULL_CHARACTERS]);
    }

    #[test]
    fn note_content_is_kept_verbatim_but_not_blank() {
        assert_eq!(
            NoteContent::parse("  - milk\n").unwrap().into_inner(),
            "  - milk\n"
        );
        assert_eq!(NoteContent::parse("\n \t").unwrap_err(), [messages::BLANK]);
    }
}
