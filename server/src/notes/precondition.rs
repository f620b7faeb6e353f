//! Conditional writes: a note's version as its `ETag`, and `If-Match` (RFC 9110) checked
//! against it.

use axum::http::HeaderMap;
use headers::{ETag, Header, IfMatch};

/// A note's entity tag: strong, since every write bumps the version.
pub fn etag(version: i64) -> ETag {
    format!("\"{version}\"")
        .parse()
        .expect("a quoted number is an entity tag")
}

/// What a write asks of the note's current version.
#[derive(Debug, Clone, Default)]
pub enum Precondition {
    /// No `If-Match`: the write happens whatever the version, as in the original.
    #[default]
    None,
    /// `*` or a list of tags, compared strongly. A list element that is not a valid
    /// entity tag (say an unquoted `5`) matches no version, so a malformed `If-Match`
    /// refuses the write with `412` rather than turning it into an unconditional one.
    IfMatch(IfMatch),
}

impl Precondition {
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let mut values = headers.get_all(IfMatch::name()).iter().peekable();
        if values.peek().is_none() {
            return Self::None;
        }
        // `headers` keeps the raw list and skips what does not parse when comparing, so
        // decoding does not fail; were it to, the tag of version 0 (never a note's)
        // keeps the write conditional and refused.
        Self::IfMatch(IfMatch::decode(&mut values).unwrap_or_else(|_| IfMatch::from(etag(0))))
    }

    /// Whether a write must check the version it read is still the current one.
    pub fn is_conditional(&self) -> bool {
        matches!(self, Self::IfMatch(_))
    }

    pub fn is_met_by(&self, version: i64) -> bool {
        match self {
            Self::None => true,
            Self::IfMatch(condition) => condition.precondition_passes(&etag(version)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn precondition(values: &[&str]) -> Precondition {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append("if-match", HeaderValue::from_str(v).unwrap());
        }
        Precondition::from_headers(&headers)
    }

    #[test]
    fn tags_match_strongly_in_lists_and_across_header_lines() {
        assert!(precondition(&[]).is_met_by(7));
        assert!(!precondition(&[]).is_conditional());
        assert!(precondition(&["\"7\""]).is_met_by(7));
        assert!(!precondition(&["\"7\""]).is_met_by(8));
        assert!(precondition(&["\"1\", \"7\""]).is_met_by(7));
        assert!(precondition(&["\"1\"", "\"7\""]).is_met_by(7));
        assert!(precondition(&["*"]).is_met_by(123));
        // A weak tag never matches in If-Match (strong comparison).
        assert!(!precondition(&["W/\"7\""]).is_met_by(7));
    }

    #[test]
    fn malformed_lists_match_nothing() {
        for bad in ["7", "", "\"7", "\"7\" garbage", "W/7"] {
            let p = precondition(&[bad]);
            assert!(p.is_conditional(), "{bad:?}");
            assert!(!p.is_met_by(7), "{bad:?}");
        }
    }
}
