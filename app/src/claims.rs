//! simplejwt-style JWT claims, and the one thing a client may read from a token without
//! the secret: when it expires.

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
}

/// The `exp` of a JWT, read without checking its signature. Only for deciding *when* to
/// refresh: the server checks every token it is given.
pub fn unverified_expiry(token: &str) -> Option<i64> {
    let payload = token.split('.').nth(1)?;
    let json = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    expiry_of_json(&json)
}

#[cfg(not(target_arch = "wasm32"))]
fn expiry_of_json(json: &[u8]) -> Option<i64> {
    #[derive(Deserialize)]
    struct Exp {
        exp: i64,
    }
    serde_json::from_slice::<Exp>(json).ok().map(|e| e.exp)
}

/// In the browser, `JSON.parse` reads the payload: the same answer as serde_json (an
/// object whose `exp` is an integer), without a JSON parser in the wasm.
#[cfg(target_arch = "wasm32")]
fn expiry_of_json(json: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(json).ok()?;
    let payload = js_sys::JSON::parse(text).ok()?;
    if !payload.is_object() || js_sys::Array::is_array(&payload) {
        return None;
    }
    let exp = js_sys::Reflect::get(&payload, &"exp".into())
        .ok()?
        .as_f64()?;
    // serde_json takes only an integer that fits an i64 (2^63 is exactly representable).
    (exp.fract() == 0.0 && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&exp))
        .then_some(exp as i64)
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
        let token = token_with_payload(r#"{"token_type":"access","exp":1700000000,"user_id":1}"#);
        assert_eq!(unverified_expiry(&token), Some(1_700_000_000));
    }

    #[test]
    fn garbage_has_no_expiry() {
        assert_eq!(unverified_expiry(""), None);
        assert_eq!(unverified_expiry("a.b.c"), None);
        assert_eq!(
            unverified_expiry(&token_with_payload(r#"{"exp":"soon"}"#)),
            None
        );
    }
}
