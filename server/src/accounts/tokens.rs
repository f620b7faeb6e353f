//! Signing and checking JWTs with simplejwt's claims. The algorithm comes from the
//! configuration, never from a token's header.

use crate::ops::settings::JwtSettings;
use app::claims::{Claims, TokenType};
use app::errors::messages;
use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation};
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Clone)]
pub struct Tokens {
    header: Header,
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub access_lifetime: i64,
    pub refresh_lifetime: i64,
    pub reuse_grace: i64,
}

/// Why a token was refused; each is a simplejwt message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRejection {
    InvalidOrExpired,
    WrongType,
}

impl TokenRejection {
    pub fn message(self) -> &'static str {
        match self {
            Self::InvalidOrExpired => messages::TOKEN_INVALID,
            Self::WrongType => "Token has wrong type",
        }
    }
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// 32 hex digits, as simplejwt's `uuid4().hex`.
pub fn new_jti() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

impl Tokens {
    pub fn new(secret: &[u8], config: &JwtSettings) -> Self {
        let mut validation = Validation::new(config.algorithm);
        // Lifetimes are exact: a 5-second token is dead at 5 seconds, not 65.
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp"]);
        Self {
            header: Header::new(config.algorithm),
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            access_lifetime: config.access_lifetime.as_secs() as i64,
            refresh_lifetime: config.refresh_lifetime.as_secs() as i64,
            reuse_grace: config.reuse_grace.as_secs() as i64,
        }
    }

    pub fn sign(&self, claims: &Claims) -> String {
        jsonwebtoken::encode(&self.header, claims, &self.encoding)
            .expect("HMAC signing of plain claims cannot fail")
    }

    /// An access token of the session `sid`.
    pub fn access_token(&self, user_id: i64, now: i64, sid: Option<String>) -> String {
        self.sign(&Claims {
            token_type: TokenType::Access,
            exp: now + self.access_lifetime,
            iat: now,
            jti: new_jti(),
            user_id,
            sid,
        })
    }

    /// Checks signature, expiry and, when given, the token type.
    pub fn verify_any(&self, token: &str) -> Result<Claims, TokenRejection> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|_| TokenRejection::InvalidOrExpired)
    }

    pub fn verify(&self, token: &str, expected: TokenType) -> Result<Claims, TokenRejection> {
        let claims = self.verify_any(token)?;
        if claims.token_type == expected {
            Ok(claims)
        } else {
            Err(TokenRejection::WrongType)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::Algorithm;
    use std::time::Duration;

    fn tokens(secret: &str) -> Tokens {
        Tokens::new(
            secret.as_bytes(),
            &JwtSettings {
                secret: None,
                algorithm: Algorithm::HS256,
                access_lifetime: Duration::from_secs(60),
                refresh_lifetime: Duration::from_secs(600),
                reuse_grace: Duration::from_secs(10),
            },
        )
    }

    #[test]
    fn an_access_token_is_not_a_refresh_token() {
        let t = tokens("s".repeat(32).as_str());
        let access = t.access_token(7, now(), None);
        assert_eq!(t.verify(&access, TokenType::Access).unwrap().user_id, 7);
        assert_eq!(
            t.verify(&access, TokenType::Refresh),
            Err(TokenRejection::WrongType)
        );
    }

    #[test]
    fn another_secret_or_an_expired_token_is_refused() {
        let t = tokens("s".repeat(32).as_str());
        let other = tokens("o".repeat(32).as_str());
        let access = t.access_token(7, now(), None);
        assert_eq!(
            other.verify_any(&access),
            Err(TokenRejection::InvalidOrExpired)
        );
        let old = t.access_token(7, now() - 61, None);
        assert_eq!(t.verify_any(&old), Err(TokenRejection::InvalidOrExpired));
    }

    #[test]
    fn a_token_signed_with_another_algorithm_is_refused_even_with_the_right_secret() {
        let secret = "s".repeat(32);
        let t = tokens(&secret);
        let claims = Claims {
            token_type: TokenType::Access,
            exp: now() + 60,
            iat: now(),
            jti: new_jti(),
            user_id: 1,
            sid: None,
        };
        let hs512 = jsonwebtoken::encode(
            &Header::new(Algorithm::HS512),
            &claims,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap();
        assert_eq!(t.verify_any(&hs512), Err(TokenRejection::InvalidOrExpired));
        assert_eq!(t.verify_any(&t.sign(&claims)).unwrap(), claims);
    }

    #[test]
    fn an_unsigned_token_is_refused() {
        // An unsigned token claiming `alg: none` must not pass.
        use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
        let t = tokens("s".repeat(32).as_str());
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(format!(
            r#"{{"token_type":"access","exp":{},"iat":0,"jti":"x","user_id":1}}"#,
            now() + 60
        ));
        assert!(t.verify_any(&format!("{header}.{payload}.")).is_err());
    }
}
