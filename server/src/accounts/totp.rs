//! Two-step sign-in's cryptography, none of it by hand: the RFC 6238 code function
//! (totp-rs: SHA-1, 6 digits, 30-second steps, one step of drift either way, compared in
//! constant time), secrets sealed at rest with XChaCha20-Poly1305, the QR code drawn as
//! SVG (qrcode), and recovery codes.

use crate::ops::settings::EncryptionKey;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, Builder, Totp};

/// The name authenticator apps list the account under.
pub const ISSUER: &str = "Notes";
const STEP_SECS: u64 = 30;
/// 160 bits, as RFC 4226 recommends.
const SECRET_BYTES: usize = 20;
const NONCE_BYTES: usize = 24;

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0; N];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    bytes
}

pub fn new_secret() -> Vec<u8> {
    random_bytes::<SECRET_BYTES>().to_vec()
}

/// The code function for one secret. `account` labels it in the app; a colon, which the
/// otpauth label keeps for between issuer and account (a name moved from Django may hold
/// one), becomes a dot.
pub fn authenticator(secret: Vec<u8>, account: &str) -> Totp {
    let account = account.replace(':', ".");
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(STEP_SECS)
        .with_secret(secret)
        .with_issuer(Some(ISSUER))
        .with_account_name(account.as_str())
        // A 160-bit secret, 6 digits and a non-zero step: the checks `build` makes hold.
        .build_noncompliant()
}

/// The time step `code` is right for at `now` (Unix seconds), if any. Spaces in it are
/// forgiven: apps show codes as "123 456".
pub fn step_of(totp: &Totp, code: &str, now: i64) -> Option<i64> {
    let now = u64::try_from(now).ok()?;
    let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    totp.check(&digits, now)
        .and_then(|step| i64::try_from(step).ok())
}

/// What to set the app up with: the secret as text, its URI, and the URI as a QR code.
pub fn setup(totp: &Totp) -> app::api::TotpSetup {
    let otpauth_uri = totp
        .to_url()
        .expect("`authenticator` leaves no colon in the label, which is all to_url refuses");
    let qr_svg = qrcode::QrCode::new(otpauth_uri.as_bytes())
        .expect("an otpauth URI fits in a QR code")
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .build();
    app::api::TotpSetup {
        secret: totp.secret().to_base32(),
        otpauth_uri,
        qr_svg,
    }
}

struct Key {
    /// A fingerprint of the key, stored beside what it sealed; never the key.
    id: String,
    cipher: XChaCha20Poly1305,
}

impl Key {
    fn new(bytes: &[u8; 32]) -> Self {
        let digest = Sha256::new()
            .chain_update(b"notes totp key id\0")
            .chain_update(bytes)
            .finalize();
        Self {
            id: hex::encode(&digest[..8]),
            cipher: XChaCha20Poly1305::new(bytes.into()),
        }
    }
}

/// The keys secrets are sealed with: the current one, and the ones it replaced, which are
/// only opened with. Sealing binds a secret to its user, so a sealed secret copied to
/// another account's row does not open.
pub struct SecretKeys {
    current: Key,
    earlier: Vec<Key>,
}

/// A sealed secret: base64 of nonce and ciphertext, and the id of the key that sealed it.
pub struct Sealed {
    pub sealed: String,
    pub key_id: String,
}

impl SecretKeys {
    /// `TOTP_ENCRYPTION_KEY` when set, else a key derived from the JWT secret; the derived
    /// key stays among the earlier ones, so moving to a key of its own loses nothing.
    pub fn new(
        key: Option<&EncryptionKey>,
        previous: Option<&EncryptionKey>,
        jwt_secret: &[u8],
    ) -> Self {
        let derived = Key::new(&derive_from_jwt_secret(jwt_secret));
        let mut earlier: Vec<Key> = previous.map(|k| Key::new(&k.0)).into_iter().collect();
        let current = match key {
            Some(key) => {
                earlier.push(derived);
                Key::new(&key.0)
            }
            None => derived,
        };
        earlier.retain(|k| k.id != current.id);
        Self { current, earlier }
    }

    pub fn current_id(&self) -> &str {
        &self.current.id
    }

    pub fn seal(&self, user_id: i64, secret: &[u8]) -> Sealed {
        let nonce_bytes = random_bytes::<NONCE_BYTES>();
        let nonce = XNonce::from(nonce_bytes);
        let aad = user_id.to_be_bytes();
        let ciphertext = self
            .current
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: secret,
                    aad: &aad,
                },
            )
            .expect("sealing a 20-byte secret cannot fail");
        let mut sealed = nonce_bytes.to_vec();
        sealed.extend_from_slice(&ciphertext);
        Sealed {
            sealed: STANDARD.encode(sealed),
            key_id: self.current.id.clone(),
        }
    }

    /// The secret, if one of the keys sealed it for this user.
    pub fn open(&self, user_id: i64, sealed: &str, key_id: &str) -> Option<Vec<u8>> {
        let key = std::iter::once(&self.current)
            .chain(&self.earlier)
            .find(|k| k.id == key_id)?;
        let bytes = STANDARD.decode(sealed).ok()?;
        if bytes.len() < NONCE_BYTES {
            return None;
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_BYTES);
        let nonce = XNonce::try_from(nonce).ok()?;
        key.cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: ciphertext,
                    aad: &user_id.to_be_bytes(),
                },
            )
            .ok()
    }
}

/// HKDF-SHA256 of the JWT secret, for this one purpose.
fn derive_from_jwt_secret(jwt_secret: &[u8]) -> [u8; 32] {
    let mut key = [0; 32];
    hkdf::Hkdf::<Sha256>::new(Some(b"notes/totp-secret-key"), jwt_secret)
        .expand(b"v1", &mut key)
        .expect("32 bytes is a valid HKDF-SHA256 length");
    key
}

/// Crockford's base32: no I, L, O or U to misread.
const RECOVERY_ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
pub const RECOVERY_CODES: usize = 10;

/// A recovery code: 16 characters (80 random bits) in four groups, `7kq2-m9xd-4hwt-pz3c`.
pub fn new_recovery_code() -> String {
    let bytes = random_bytes::<16>();
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| RECOVERY_ALPHABET[usize::from(b & 31)] as char)
        .collect();
    chars
        .chunks(4)
        .map(|group| group.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// What is stored of a recovery code, read as people type it: any case, with or without
/// dashes and spaces, Crockford's look-alikes (`i`, `l` for 1, `o` for 0) forgiven. Its
/// 80 random bits make a plain SHA-256 safe against guessing.
pub fn recovery_code_hash(code: &str) -> Option<String> {
    let normalized: String = code
        .chars()
        .filter(|c| !matches!(c, '-' | ' ' | '\t'))
        .map(|c| match c.to_ascii_lowercase() {
            'i' | 'l' => '1',
            'o' => '0',
            c => c,
        })
        .collect();
    let valid =
        normalized.len() == 16 && normalized.bytes().all(|b| RECOVERY_ALPHABET.contains(&b));
    valid.then(|| hex::encode(Sha256::digest(normalized.as_bytes())))
}

/// Whether a code is an authenticator's six digits rather than a recovery code.
pub fn looks_like_totp(code: &str) -> bool {
    let digits: Vec<char> = code.chars().filter(|c| !c.is_whitespace()).collect();
    digits.len() == 6 && digits.iter().all(char::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238's appendix B, SHA-1 rows: its 20-byte secret, eight digits.
    #[test]
    fn the_code_function_meets_rfc_6238s_test_vectors() {
        let totp = Builder::new()
            .with_algorithm(Algorithm::SHA1)
            .with_digits(8)
            .with_step_duration(30)
            .with_secret(b"12345678901234567890".to_vec())
            .build_noncompliant();
        for (time, code) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(totp.generate(time).to_string(), code, "at {time}");
        }
    }

    #[test]
    fn a_code_is_right_for_its_step_and_one_either_side() {
        let totp = authenticator(new_secret(), "alice");
        let now = 1_800_000_015;
        let step = now / 30;
        for drift in [-1, 0, 1] {
            let code = totp.generate(((step + drift) * 30) as u64).to_string();
            assert_eq!(step_of(&totp, &code, now), Some(step + drift));
        }
        let old = totp.generate(((step - 2) * 30) as u64).to_string();
        assert_eq!(step_of(&totp, &old, now), None);
        let spaced = totp.generate((step * 30) as u64).to_string();
        let spaced = format!(" {} {} ", &spaced[..3], &spaced[3..]);
        assert_eq!(step_of(&totp, &spaced, now), Some(step));
        assert_eq!(step_of(&totp, "12345", now), None);
        assert_eq!(step_of(&totp, "abcdef", now), None);
    }

    #[test]
    fn setup_gives_an_otpauth_uri_and_its_qr_code() {
        let totp = authenticator(new_secret(), "alice");
        let setup = setup(&totp);
        assert_eq!(setup.secret.len(), 32);
        assert!(
            setup.otpauth_uri.starts_with(&format!(
                "otpauth://totp/Notes:alice?secret={}",
                setup.secret
            )),
            "{}",
            setup.otpauth_uri
        );
        assert!(setup.qr_svg.contains("<svg"));
        assert!(!setup.qr_svg.contains(&setup.secret));
        let moved_from_django = super::setup(&authenticator(new_secret(), "a:b"));
        assert!(moved_from_django.otpauth_uri.contains("Notes:a.b?"));
    }

    fn key(byte: u8) -> EncryptionKey {
        EncryptionKey([byte; 32])
    }

    #[test]
    fn a_sealed_secret_opens_only_for_its_user_and_with_a_known_key() {
        let keys = SecretKeys::new(None, None, b"jwt secret of thirty-two bytes!!");
        let sealed = keys.seal(7, b"secret");
        assert_ne!(sealed.sealed, STANDARD.encode(b"secret"));
        assert_eq!(
            keys.open(7, &sealed.sealed, &sealed.key_id).as_deref(),
            Some(&b"secret"[..])
        );
        assert_eq!(keys.open(8, &sealed.sealed, &sealed.key_id), None);
        let other = SecretKeys::new(None, None, b"another jwt secret, also 32 byte");
        assert_eq!(other.open(7, &sealed.sealed, &sealed.key_id), None);
        assert_ne!(
            keys.seal(7, b"secret").sealed,
            sealed.sealed,
            "a fresh nonce"
        );
    }

    #[test]
    fn a_new_key_still_opens_what_the_old_and_the_derived_ones_sealed() {
        let jwt = b"jwt secret of thirty-two bytes!!";
        let derived = SecretKeys::new(None, None, jwt);
        let first = SecretKeys::new(Some(&key(1)), None, jwt);
        let (by_derived, by_first) = (derived.seal(7, b"a"), first.seal(7, b"b"));
        let second = SecretKeys::new(Some(&key(2)), Some(&key(1)), jwt);
        assert_ne!(second.current_id(), first.current_id());
        assert!(
            second
                .open(7, &by_derived.sealed, &by_derived.key_id)
                .is_some()
        );
        assert!(second.open(7, &by_first.sealed, &by_first.key_id).is_some());
        let without_previous = SecretKeys::new(Some(&key(2)), None, jwt);
        assert!(
            without_previous
                .open(7, &by_first.sealed, &by_first.key_id)
                .is_none()
        );
    }

    #[test]
    fn recovery_codes_are_read_as_people_type_them() {
        let code = new_recovery_code();
        assert_eq!(code.len(), 19);
        let hash = recovery_code_hash(&code).unwrap();
        assert_eq!(recovery_code_hash(&code.to_uppercase()), Some(hash.clone()));
        assert_eq!(recovery_code_hash(&code.replace('-', " ")), Some(hash));
        assert_eq!(
            recovery_code_hash("1111-0000-aaaa-bbbb"),
            recovery_code_hash("iLlI-oOoO-AAAA-bbbb")
        );
        assert_eq!(recovery_code_hash("123456"), None);
        assert_eq!(recovery_code_hash("uuuu-uuuu-uuuu-uuuu"), None);
        assert!(looks_like_totp("123 456"));
        assert!(!looks_like_totp(&code));
    }
}
