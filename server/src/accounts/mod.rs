//! Accounts and sign-in: users, their passwords (Argon2id, and the hashes Django wrote),
//! the sign-in throttle, JSON Web Tokens and the refresh-token families that are
//! sessions, whether a token's session and account still live, two-step sign-in, who
//! may register, what operators do, and the audit log. Uses `storage`, `ops` and `error`.

pub mod access_tokens;
pub mod audit;
pub mod challenges;
pub mod django_hashes;
pub mod identities;
pub mod liveness;
pub mod oidc;
pub mod oidc_codes;
pub mod operators;
pub mod passwords;
pub mod proof;
pub mod registration;
pub mod secrets;
pub mod sessions;
pub mod throttle;
pub mod tokens;
pub mod totp;
pub mod two_step;
pub mod users;

use crate::storage::pruning::Prune;
use std::sync::Arc;

/// What accounts leave behind for the pruner: expired sessions and sign-in challenges,
/// the audit log past `retention` and, where the database keeps them, ended sign-in
/// windows.
pub fn prunable(
    throttle: &throttle::LoginThrottle,
    audit_retention: std::time::Duration,
) -> Vec<Arc<dyn Prune>> {
    vec![
        Arc::new(sessions::ExpiredSessions),
        Arc::new(challenges::ExpiredChallenges),
        Arc::new(oidc::Expired),
        Arc::new(oidc_codes::ExpiredCodes),
        Arc::new(throttle.clone()),
        Arc::new(audit::ExpiredAudit {
            retention: audit_retention,
        }),
    ]
}
