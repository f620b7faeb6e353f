//! simplejwt-style JWT claims, and the one thing a client may read from a token without
//! the secret: when it was issued and when it expires.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenType {
    Access,
    Refresh,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub token_type: TokenType,
    /// Expiry, seconds since the Unix epoch.
    pub exp: i64,
    /// Issued at, seconds since the Unix epoch.
    pub iat: i64,
    /// Unique token id (32 hex digits, as simplejwt's `uuid4().hex`).
    pub jti: String,
    pub user_id: i64,
    /// The session (refresh-token family) the token belongs to; not in simplejwt, whose
    /// clients ignore it. Lets `GET /api/user/sessions/` say which session is asking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

/// When a token was issued and when it expires, seconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct Lifetime {
    #[serde(default)]
    pub iat: Option<i64>,
    pub exp: i64,
    /// Whose token it is: what the SPA keeps on the device is kept per person.
    #[serde(default)]
    pub user_id: Option<i64>,
}

/// A JWT's `iat` and `exp`, read without checking its signature. Only for deciding *when*
/// to refresh: the server checks every token it is given.
pub fn unverified_lifetime(token: &str) -> Option<Lifetime> {
    let payload = token.split('.').nth(1)?;
    let json = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    crate::json::from_str(std::str::from_utf8(&json).ok()?)
}

/// The session a token belongs to, read without the secret: whose stream ended.
pub fn unverified_session(token: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct Sid {
        #[serde(default)]
        sid: Option<String>,
    }
    let payload = token.split('.').nth(1)?;
    let json = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    crate::json::from_str::<Sid>(std::str::from_utf8(&json).ok()?)?.sid
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token_with_payload(payload: &str) -> String {
        format!(
            "eyJhbGciOiJIUzI1NiJ9.{}.sig",
            URL_SAFE_NO_PAD.encode(payload)
        )
    }

    #[test]
    fn reads_the_expiry_of_a_well_formed_token() {
        let token = token_with_payload(
            r#"{"token_type":"access","exp":1700000000,"iat":1699998200,"user_id":1}"#,
        );
        let lifetime = Lifetime {
            iat: Some(1_699_998_200),
            exp: 1_700_000_000,
            user_id: Some(1),
        };
        assert_eq!(unverified_lifetime(&token), Some(lifetime));
        let without_iat = token_with_payload(r#"{"exp":1700000000}"#);
        assert_eq!(unverified_lifetime(&without_iat).unwrap().iat, None);
    }

    #[test]
    fn reads_the_session_of_a_token_that_names_one() {
        let token = token_with_payload(r#"{"exp":1700000000,"sid":"ab12"}"#);
        assert_eq!(unverified_session(&token).as_deref(), Some("ab12"));
        assert_eq!(
            unverified_session(&token_with_payload(r#"{"exp":1}"#)),
            None
        );
        assert_eq!(unverified_session("garbage"), None);
    }

    #[test]
    fn garbage_has_no_expiry() {
        assert_eq!(unverified_lifetime(""), None);
        assert_eq!(unverified_lifetime("a.b.c"), None);
        assert_eq!(
            unverified_lifetime(&token_with_payload(r#"{"exp":"soon"}"#)),
            None
        );
    }
}
