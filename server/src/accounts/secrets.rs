//! Secrets handed out once and kept only as their digest: sign-in challenges, the
//! provider's one-time codes, personal access tokens. They carry 256 random bits, so a
//! fast digest is as safe as a slow one, and finding one costs one indexed read.

use crate::accounts::totp::random_bytes;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// 256 random bits, as text that fits a URL.
pub fn new_secret() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

/// What is kept of a secret: its SHA-256, in hex.
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}
