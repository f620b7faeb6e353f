//! The password hashes Django writes, checked so that users moved from the original sign
//! in with their old passwords (sign-in then replaces each with this server's Argon2id).
//!
//! The formats, as Django's `django/contrib/auth/hashers.py` writes them:
//! - `pbkdf2_sha256$<iterations>$<salt>$<base64 digest>` (Django's default) and
//!   `pbkdf2_sha1$…`: PBKDF2-HMAC over the UTF-8 password and salt, digest-sized output;
//! - `argon2$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<b64 salt>$<b64 hash>` (also
//!   `argon2i`; a hash without `v=` predates version 1.3 and is version 1.0);
//! - `bcrypt_sha256$$2b$12$<salt and hash>`: bcrypt of the lower-case hex SHA-256 of the
//!   password; `bcrypt$$2b$…`: bcrypt of the password itself;
//! - `scrypt$<N>$<salt>$<r>$<p>$<base64 digest>` (Django 4.0+, 64-byte digest);
//! - anything starting with `!` is Django's unusable password and never matches.
//!
//! These run on the blocking pool under `Passwords`' semaphore, like Argon2.

use argon2::password_hash::PasswordHash;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The hashes come from the moved database, which is trusted; still, a parameter that
/// would take gigabytes or minutes for one sign-in is refused rather than run.
///
/// About eight times the iterations Django 6 writes (1,200,000).
pub const MAX_PBKDF2_ITERATIONS: u32 = 10_000_000;
/// Memory for one Argon2 or scrypt check: 2.5 times Django's Argon2 default (100 MiB) and
/// 16 times its scrypt default (16 MiB).
pub const MAX_MEMORY_BYTES: u64 = 256 * 1024 * 1024;
/// Django's Argon2 default is 2 passes.
pub const MAX_ARGON2_PASSES: u32 = 32;
/// Django's default is 12; each step doubles the work, so 16 is 16 times that.
pub const MAX_BCRYPT_COST: u32 = 16;
/// Django's default is 1; each lane repeats the whole computation.
pub const MAX_SCRYPT_PARALLELISM: u32 = 16;

/// Why a stored hash can never sign anyone in (unusable, unknown, malformed or too
/// costly), in words for the import's report.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UnusableHash(String);

fn unusable(reason: impl Into<String>) -> UnusableHash {
    UnusableHash(reason.into())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prf {
    Sha256,
    Sha1,
}

/// A Django password hash, parsed and within bounds: checking a password against it
/// runs in bounded time and memory.
#[derive(Debug)]
pub enum DjangoHash<'a> {
    Pbkdf2 {
        prf: Prf,
        iterations: u32,
        salt: &'a str,
        digest: Vec<u8>,
    },
    Argon2 {
        algorithm: argon2::Algorithm,
        version: argon2::Version,
        params: argon2::Params,
        salt: Vec<u8>,
        hash: Vec<u8>,
    },
    Bcrypt {
        /// `bcrypt_sha256`: the password is first hashed, so bcrypt's 72-byte limit does
        /// not cut long passwords short.
        sha256_first: bool,
        hash: &'a str,
    },
    Scrypt {
        log_n: u8,
        r: u32,
        p: u32,
        salt: &'a str,
        digest: Vec<u8>,
    },
}

impl<'a> DjangoHash<'a> {
    pub fn parse(encoded: &'a str) -> Result<Self, UnusableHash> {
        if encoded.starts_with('!') {
            return Err(unusable("Django's mark for an unusable password"));
        }
        let (algorithm, rest) = encoded
            .split_once('$')
            .ok_or_else(|| unusable("not a Django password hash"))?;
        match algorithm {
            "pbkdf2_sha256" => parse_pbkdf2(Prf::Sha256, rest),
            "pbkdf2_sha1" => parse_pbkdf2(Prf::Sha1, rest),
            "argon2" => parse_argon2(rest),
            "bcrypt_sha256" => parse_bcrypt(true, rest),
            "bcrypt" => parse_bcrypt(false, rest),
            "scrypt" => parse_scrypt(rest),
            other => Err(unusable(format!(
                "Django's {other:?} hasher, which this server does not accept"
            ))),
        }
    }

    /// Whether `password` is the one this hash was made from. Digests are compared in
    /// constant time.
    pub fn matches(&self, password: &str) -> bool {
        let password = password.as_bytes();
        match self {
            Self::Pbkdf2 {
                prf,
                iterations,
                salt,
                digest,
            } => {
                let mut out = vec![0u8; digest.len()];
                match prf {
                    Prf::Sha256 => pbkdf2::pbkdf2_hmac::<Sha256>(
                        password,
                        salt.as_bytes(),
                        *iterations,
                        &mut out,
                    ),
                    Prf::Sha1 => pbkdf2::pbkdf2_hmac::<sha1::Sha1>(
                        password,
                        salt.as_bytes(),
                        *iterations,
                        &mut out,
                    ),
                }
                out.ct_eq(digest).into()
            }
            Self::Argon2 {
                algorithm,
                version,
                params,
                salt,
                hash,
            } => {
                let mut out = vec![0u8; hash.len()];
                argon2::Argon2::new(*algorithm, *version, params.clone())
                    .hash_password_into(password, salt, &mut out)
                    .is_ok_and(|()| out.ct_eq(hash).into())
            }
            Self::Bcrypt { sha256_first, hash } => {
                let verified = if *sha256_first {
                    bcrypt::verify(hex::encode(Sha256::digest(password)), hash)
                } else {
                    bcrypt::verify(password, hash)
                };
                verified.unwrap_or(false)
            }
            Self::Scrypt {
                log_n,
                r,
                p,
                salt,
                digest,
            } => {
                let mut out = vec![0u8; digest.len()];
                scrypt::Params::new(*log_n, *r, *p)
                    .ok()
                    .and_then(|params| {
                        scrypt::scrypt(password, salt.as_bytes(), &params, &mut out).ok()
                    })
                    .is_some_and(|()| out.ct_eq(digest).into())
            }
        }
    }
}

fn base64_digest(
    b64: &str,
    lengths: std::ops::RangeInclusive<usize>,
) -> Result<Vec<u8>, UnusableHash> {
    STANDARD
        .decode(b64)
        .ok()
        .filter(|d| lengths.contains(&d.len()))
        .ok_or_else(|| unusable("its digest is not base64 of the right length"))
}

fn parse_pbkdf2(prf: Prf, rest: &str) -> Result<DjangoHash<'_>, UnusableHash> {
    let [iterations, salt, digest] = fields(rest)?;
    let iterations: u32 = iterations
        .parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| unusable("its iteration count is not a positive number"))?;
    if iterations > MAX_PBKDF2_ITERATIONS {
        return Err(unusable(format!(
            "{iterations} PBKDF2 iterations (at most {MAX_PBKDF2_ITERATIONS} are checked)"
        )));
    }
    let size = match prf {
        Prf::Sha256 => 32,
        Prf::Sha1 => 20,
    };
    Ok(DjangoHash::Pbkdf2 {
        prf,
        iterations,
        salt,
        digest: base64_digest(digest, size..=size)?,
    })
}

fn parse_argon2(rest: &str) -> Result<DjangoHash<'_>, UnusableHash> {
    // Django stores argon2-cffi's PHC string (`$argon2id$…`) with its own name in front.
    let phc = format!("${rest}");
    let phc =
        PasswordHash::new(&phc).map_err(|e| unusable(format!("malformed Argon2 hash: {e}")))?;
    let algorithm = argon2::Algorithm::try_from(phc.algorithm)
        .map_err(|_| unusable(format!("unknown Argon2 variant {}", phc.algorithm)))?;
    // The reference implementation reads a hash without `v=` as version 1.0.
    let version = match phc.version {
        None => argon2::Version::V0x10,
        Some(v) => argon2::Version::try_from(v)
            .map_err(|_| unusable(format!("unknown Argon2 version {v}")))?,
    };
    let param = |name: &str| {
        phc.params
            .get_decimal(name)
            .ok_or_else(|| unusable(format!("its Argon2 parameter {name} is missing")))
    };
    let (m_kib, t, p) = (param("m")?, param("t")?, param("p")?);
    if u64::from(m_kib) * 1024 > MAX_MEMORY_BYTES || t > MAX_ARGON2_PASSES {
        return Err(unusable(format!(
            "Argon2 with m={m_kib} KiB, t={t} (at most {} KiB and {MAX_ARGON2_PASSES} passes are checked)",
            MAX_MEMORY_BYTES / 1024
        )));
    }
    let hash = phc
        .hash
        .map(|h| h.as_bytes().to_vec())
        .ok_or_else(|| unusable("its Argon2 hash is missing"))?;
    let params = argon2::Params::new(m_kib, t, p, Some(hash.len()))
        .map_err(|e| unusable(format!("invalid Argon2 parameters: {e}")))?;
    let mut salt_buf = [0u8; 64];
    let salt = phc
        .salt
        .ok_or_else(|| unusable("its Argon2 salt is missing"))?
        .decode_b64(&mut salt_buf)
        .map_err(|e| unusable(format!("malformed Argon2 salt: {e}")))?
        .to_vec();
    Ok(DjangoHash::Argon2 {
        algorithm,
        version,
        params,
        salt,
        hash,
    })
}

fn parse_bcrypt(sha256_first: bool, rest: &str) -> Result<DjangoHash<'_>, UnusableHash> {
    // `rest` is bcrypt's own `$2b$12$<22 salt><31 hash>`, 60 ASCII characters.
    let cost = rest
        .get(4..6)
        .filter(|_| rest.len() == 60 && rest.starts_with('$'))
        .and_then(|c| c.parse::<u32>().ok())
        .ok_or_else(|| unusable("malformed bcrypt hash"))?;
    if cost > MAX_BCRYPT_COST {
        return Err(unusable(format!(
            "bcrypt cost {cost} (at most {MAX_BCRYPT_COST} is checked)"
        )));
    }
    Ok(DjangoHash::Bcrypt {
        sha256_first,
        hash: rest,
    })
}

fn parse_scrypt(rest: &str) -> Result<DjangoHash<'_>, UnusableHash> {
    let [first, second, r, p, digest] = fields(rest)?;
    // Django writes N before the salt (`scrypt$16384$seasalt$8$1$…`); the salt-first
    // order some descriptions give is read too, when N cannot be the first field.
    let (n, salt) = match first.parse::<u64>() {
        Ok(n) => (n, second),
        Err(_) => (
            second
                .parse::<u64>()
                .map_err(|_| unusable("its scrypt N is not a number"))?,
            first,
        ),
    };
    let number = |field: &str, name: &str| {
        field
            .parse::<u32>()
            .ok()
            .filter(|v| *v > 0)
            .ok_or_else(|| unusable(format!("its scrypt {name} is not a positive number")))
    };
    let (r, p) = (number(r, "r")?, number(p, "p")?);
    if n < 2 || !n.is_power_of_two() {
        return Err(unusable(format!("scrypt N={n} is not a power of two")));
    }
    let memory = 128u64.saturating_mul(u64::from(r)).saturating_mul(n);
    if memory > MAX_MEMORY_BYTES || p > MAX_SCRYPT_PARALLELISM {
        return Err(unusable(format!(
            "scrypt with N={n}, r={r}, p={p} needs {} MiB (at most {} MiB and p={MAX_SCRYPT_PARALLELISM} are checked)",
            memory / (1024 * 1024),
            MAX_MEMORY_BYTES / (1024 * 1024)
        )));
    }
    Ok(DjangoHash::Scrypt {
        log_n: n.trailing_zeros() as u8,
        r,
        p,
        salt,
        digest: base64_digest(digest, 16..=128)?,
    })
}

/// Exactly `N` `$`-separated fields.
fn fields<const N: usize>(rest: &str) -> Result<[&str; N], UnusableHash> {
    let parts: Vec<&str> = rest.split('$').collect();
    parts
        .try_into()
        .map_err(|_| unusable(format!("not {N} fields after the hasher's name")))
}

#[cfg(test)]
mod tests {
    //! Vectors from Django's own test suite (`tests/auth_tests/test_hashers.py`) where it
    //! publishes them (PBKDF2, scrypt and three Argon2 ones, all re-derived with Python's
    //! hashlib or argon2-cffi when these tests were written). Django publishes no fixed
    //! bcrypt vector, so the bcrypt ones and the cheap argon2id one were made with
    //! Python's `bcrypt` and `argon2-cffi` packages, called as Django's hashers call them.
    use super::*;

    const LETMEIN: &str = "lètmein";

    /// Whether `password` matches a Django hash; false for anything that cannot be checked.
    fn verify(password: &str, encoded: &str) -> bool {
        DjangoHash::parse(encoded).is_ok_and(|hash| hash.matches(password))
    }

    fn accepts(password: &str, encoded: &str) {
        assert!(verify(password, encoded), "{encoded} refused {password:?}");
        assert!(
            !verify("lètmeinz", encoded),
            "{encoded} took a wrong password"
        );
        assert!(!verify("", encoded), "{encoded} took an empty password");
    }

    // Unoptimised test builds run PBKDF2 slowly (its generic code is compiled here), so
    // these check each Django vector once each way.
    #[test]
    fn pbkdf2_sha256() {
        let encoded = "pbkdf2_sha256$390000$seasalt$8xBlGd3jVgvJ+92hWPxi5ww0uuAuAnKgC45eudxro7c=";
        assert!(verify(LETMEIN, encoded));
        assert!(!verify("lètmeinz", encoded));
        assert!(verify(
            LETMEIN,
            "pbkdf2_sha256$390000$seasalt2$geC/uZ92nRXDSjSxeoiBqYyRcrLzMm8xK3ro1QS1uo8="
        ));
    }

    #[test]
    fn pbkdf2_sha1() {
        let encoded = "pbkdf2_sha1$390000$seasalt2$aDapRanzW8aHTz97v2TcfHzWD+I=";
        assert!(verify(LETMEIN, encoded));
        assert!(!verify("lètmeinz", encoded));
    }

    #[test]
    fn argon2id_and_argon2i_with_and_without_a_version() {
        // Django's defaults: 100 MiB, 2 passes, 8 lanes.
        let id = "argon2$argon2id$v=19$m=102400,t=2,p=8$Y041dExhNkljRUUy$TMa6A8fPJhCAUXRhJXCXdw";
        assert!(verify("secret", id));
        assert!(!verify("wrong", id));
        let i = "argon2$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$YC9+jJCrQhs5R6db7LlN8Q";
        assert!(verify("secret", i));
        assert!(!verify("wrong", i));
        // Before version 1.3 (no `v=`), from argon2-cffi's early days.
        let old = "argon2$argon2i$m=8,t=1,p=1$c29tZXNhbHQ$gwQOXSNhxiOxPOA0+PY10P9QFO4NAYysnqRt1GSQLE55m+2GYDt9FEjPMHhP2Cuf0nOEXXMocVrsJAtNSsKyfg";
        assert!(verify("secret", old));
        assert!(!verify("wrong", old));
        accepts(
            LETMEIN,
            "argon2$argon2id$v=19$m=64,t=1,p=1$YWJjZGVmZ2hpams$LLg0ZLtK7hZdVF03TNRR/957ajnYoRd2njTkw46R7ro",
        );
    }

    #[test]
    fn bcrypt_sha256_hashes_the_password_first() {
        let encoded = "bcrypt_sha256$$2b$12$bot07PPBcTe60Wh.R2qzau48CgboihxLBqvLtHDjCnq9m5t5MbuW6";
        accepts(LETMEIN, encoded);
        // A long password is not cut at bcrypt's 72 bytes.
        let long = "x".repeat(100);
        let prehashed = hex::encode(Sha256::digest(long.as_bytes()));
        let parts = bcrypt::hash_with_salt(&prehashed, 4, *b"0123456789abcdef").unwrap();
        let encoded = format!(
            "bcrypt_sha256${}",
            parts.format_for_version(bcrypt::Version::TwoB)
        );
        assert!(verify(&long, &encoded));
        assert!(!verify(&long[..72], &encoded));
    }

    #[test]
    fn plain_bcrypt() {
        accepts(
            LETMEIN,
            "bcrypt$$2b$04$76RGZvDcJhDzhHpoG6lgjuxFz1sUZH2PgGoRCU2VpYJPutW6yZA7S",
        );
    }

    #[test]
    fn scrypt_in_djangos_order_and_salt_first() {
        let digest = "Qj3+9PPyRjSJIebHnG81TMjsqtaIGxNQG/aEB/NYafTJ7tibgfYz71m0ldQESkXFRkdVCBhhY8mx7rQwite/Pw==";
        accepts(LETMEIN, &format!("scrypt$16384$seasalt$8$1${digest}"));
        accepts(LETMEIN, &format!("scrypt$seasalt$16384$8$1${digest}"));
    }

    #[test]
    fn unusable_unknown_and_malformed_hashes_never_match() {
        for encoded in [
            "!",
            "!XpVFZ1Dc8S9Cz0xBpVvT0kW0eD7oUGQqf3YwK7bi",
            "",
            "md5$seasalt$3f86d0d3d465b7b458c231bf3555c0e3",
            "sha1$seasalt$cff36ea83f5706ce9aa7454e63e431fc726b2dc8",
            "pbkdf2_sha256$0$seasalt$8xBlGd3jVgvJ+92hWPxi5ww0uuAuAnKgC45eudxro7c=",
            "pbkdf2_sha256$390000$seasalt$not base64",
            "pbkdf2_sha256$390000$seasalt",
            "argon2$argon2id$v=19$m=64,t=1,p=1$YWJj",
            "bcrypt_sha256$$2b$12$short",
            "scrypt$16383$seasalt$8$1$AAAA",
        ] {
            assert!(!verify(LETMEIN, encoded), "{encoded:?}");
            assert!(DjangoHash::parse(encoded).is_err(), "{encoded:?}");
        }
    }

    #[test]
    fn absurd_costs_are_refused_before_any_work() {
        let digest = "8xBlGd3jVgvJ+92hWPxi5ww0uuAuAnKgC45eudxro7c=";
        for encoded in [
            format!("pbkdf2_sha256$4000000000$seasalt${digest}"),
            // 4 GiB of memory.
            format!("argon2$argon2id$v=19$m=4194304,t=2,p=1$YWJjZGVmZ2hpams${digest}"),
            format!("argon2$argon2id$v=19$m=64,t=1000,p=1$YWJjZGVmZ2hpams${digest}"),
            // 2^40 * 8 * 128 bytes.
            format!("scrypt$1099511627776$seasalt$8$1${digest}"),
            format!("scrypt$16384$seasalt$8$1000000${digest}"),
            "bcrypt_sha256$$2b$31$bot07PPBcTe60Wh.R2qzau48CgboihxLBqvLtHDjCnq9m5t5MbuW6".into(),
        ] {
            let refusal = DjangoHash::parse(&encoded).expect_err(&encoded);
            assert!(!refusal.to_string().is_empty());
        }
    }
}
