//! Argon2id password hashing with OWASP's parameters (19 MiB, 2 passes, 1 lane), run off
//! the async runtime and at most a few at a time, so sign-in floods neither stall other
//! requests nor exhaust memory. Hashes moved from the Django original are checked the
//! same way (see `django_hashes`).

use crate::accounts::django_hashes::DjangoHash;
use crate::error::ApiError;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::Arc;
use tokio::sync::Semaphore;

#[derive(Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
    /// Hash checked when the username is unknown, so that answer takes as long as a
    /// wrong password does and does not reveal which usernames exist.
    decoy: Arc<str>,
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("OWASP Argon2id parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn hash_blocking(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::Internal(format!("hashing a password: {e}")))
}

fn verify_blocking(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            argon2()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// What checking a password against a stored hash found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checked {
    pub matches: bool,
    /// The password matched a hash moved from Django: it should now be re-hashed with
    /// this server's Argon2id, as Django re-hashes when its preferred hasher changes.
    pub needs_rehash: bool,
}

fn check_blocking(password: &str, hash: &str, decoy: &str) -> Checked {
    // This server's own hashes are PHC strings (`$argon2id$…`); Django's start with the
    // hasher's name.
    if hash.starts_with('$') {
        return Checked {
            matches: verify_blocking(password, hash),
            needs_rehash: false,
        };
    }
    match DjangoHash::parse(hash) {
        Ok(django) => {
            let matches = django.matches(password);
            Checked {
                matches,
                needs_rehash: matches,
            }
        }
        Err(_) => {
            // An unusable password must not answer faster than a wrong one: that would
            // tell which accounts have one.
            verify_blocking(password, decoy);
            Checked {
                matches: false,
                needs_rehash: false,
            }
        }
    }
}

/// glibc serves a large block from `mmap` and unmaps it when freed, until the first such
/// free: then it raises its threshold and later 19 MiB Argon2 blocks come from per-thread
/// heaps that keep them. A fixed threshold keeps every hash's memory going back to the
/// system, so a burst of sign-ins does not leave the process hundreds of MB larger.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn return_large_blocks_to_the_system() {
    // SAFETY: mallopt only sets an allocator tunable; any value is memory-safe.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn return_large_blocks_to_the_system() {}

impl Passwords {
    pub async fn new() -> Result<Self, ApiError> {
        return_large_blocks_to_the_system();
        let decoy = tokio::task::spawn_blocking(|| hash_blocking("decoy password"))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))??;
        // Hashing is pure CPU: more at once than cores only adds memory and latency.
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Ok(Self {
            permits: Arc::new(Semaphore::new(cores)),
            decoy: decoy.into(),
        })
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let queued = std::time::Instant::now();
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        crate::ops::metrics::hash_queue_waited(queued.elapsed());
        // The hash holds the permit, not the request: a client that hangs up mid-hash
        // must not free a place while its 19 MiB are still in use.
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))
    }

    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        self.run(move || hash_blocking(&password)).await?
    }

    /// Checks `password` against `hash`, or against the decoy when there is no user.
    pub async fn verify(&self, password: String, hash: Option<String>) -> Result<bool, ApiError> {
        Ok(self.check(password, hash).await?.matches)
    }

    /// [`Passwords::verify`], also telling whether a matching hash should be replaced.
    pub async fn check(&self, password: String, hash: Option<String>) -> Result<Checked, ApiError> {
        let known = hash.is_some();
        let decoy = self.decoy.clone();
        let checked = self
            .run(move || match hash {
                Some(hash) => check_blocking(&password, &hash, &decoy),
                None => check_blocking(&password, &decoy, &decoy),
            })
            .await?;
        Ok(Checked {
            matches: known && checked.matches,
            needs_rehash: known && checked.needs_rehash,
        })
    }
}

/// Django's mark of an account without a password (`set_unusable_password`): `!` and
/// random characters, which no password matches.
const UNUSABLE_PREFIX: char = '!';

/// What an account made by a sign-in through the provider keeps as its password hash.
pub fn unusable() -> String {
    use base64::Engine;
    let random = crate::accounts::totp::random_bytes::<30>();
    format!(
        "{UNUSABLE_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random)
    )
}

/// Whether an account has a password one can sign in with.
pub fn is_usable(hash: &str) -> bool {
    !hash.starts_with(UNUSABLE_PREFIX)
}
