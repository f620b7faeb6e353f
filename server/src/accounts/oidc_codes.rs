//! The one-time codes a sign-in through the provider hands the SPA (see
//! `accounts::oidc`): a sign-in code, worth a token pair, or a proof, which stands in for a
//! password. 256 random bits, kept as their digest, spent once: a sign-in code within 60
//! seconds, a proof within five minutes (time to type a new password).

use crate::accounts::secrets::{digest, new_secret};
use crate::accounts::tokens::now;
use crate::error::ApiResult;
use crate::storage::entities::oidc_code::{self, Entity as OidcCode};
use crate::storage::entities::user;
use crate::storage::pruning::Prune;
use app::errors::{FieldErrors, messages};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryTrait,
};

/// How long the SPA has to spend a sign-in code, and a form a proof.
const CODE_SECS: i64 = 60;
const PROOF_SECS: i64 = 300;

/// What a sign-in at the provider is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Signing in (or up) from the sign-in page.
    SignIn,
    /// A signed-in person linking their identity.
    Link,
    /// A signed-in person without a password proving themselves again.
    Proof,
}

impl Purpose {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::SignIn => "sign_in",
            Self::Link => "link",
            Self::Proof => "proof",
        }
    }

    pub(crate) fn parse(name: &str) -> Option<Self> {
        [Self::SignIn, Self::Link, Self::Proof]
            .into_iter()
            .find(|p| p.as_str() == name)
    }
}

/// A one-time code for `user_id`, kept as its digest.
pub async fn issue(db: &impl ConnectionTrait, purpose: Purpose, user_id: i64) -> ApiResult<String> {
    let code = new_secret();
    OidcCode::insert(oidc_code::ActiveModel {
        code_hash: Set(digest(&code)),
        purpose: Set(purpose.as_str().to_owned()),
        user_id: Set(user_id),
        expires_at: Set(now()
            + match purpose {
                Purpose::Proof => PROOF_SECS,
                _ => CODE_SECS,
            }),
    })
    .exec_without_returning(db)
    .await?;
    Ok(code)
}

/// Spends a one-time code: whose it was, if it was live. One statement, so of two
/// requests racing with one code, one gets it.
async fn redeem(db: &impl ConnectionTrait, purpose: Purpose, code: &str) -> ApiResult<Option<i64>> {
    let spent = OidcCode::delete_many()
        .filter(oidc_code::Column::CodeHash.eq(digest(code)))
        .filter(oidc_code::Column::Purpose.eq(purpose.as_str()))
        .filter(oidc_code::Column::ExpiresAt.gt(now()))
        .exec_with_returning(db)
        .await?;
    Ok(spent.into_iter().next().map(|c| c.user_id))
}

/// `POST /api/token/oidc/`'s code: the person it signs in.
pub async fn redeem_sign_in(db: &impl ConnectionTrait, code: &str) -> ApiResult<i64> {
    redeem(db, Purpose::SignIn, code)
        .await?
        .ok_or_else(|| FieldErrors::single("code", messages::OIDC_CODE_INVALID).into())
}

/// A proof from the provider instead of `user`'s password, spent by the check.
pub async fn prove(db: &impl ConnectionTrait, user: &user::Model, proof: &str) -> ApiResult<()> {
    match redeem(db, Purpose::Proof, proof).await? {
        Some(holder) if holder == user.id => Ok(()),
        _ => Err(FieldErrors::single("provider_proof", messages::PROOF_INVALID).into()),
    }
}

/// One-time codes never used, for the pruner.
pub struct ExpiredCodes;

impl Prune for ExpiredCodes {
    fn what(&self) -> &'static str {
        "oidc_codes"
    }

    fn statement(&self, backend: sea_orm::DbBackend) -> Option<sea_orm::Statement> {
        Some(
            OidcCode::delete_many()
                .filter(oidc_code::Column::ExpiresAt.lte(now()))
                .build(backend),
        )
    }
}
