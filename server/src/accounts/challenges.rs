//! The wait between sign-in's two steps: a right password on an account with two-step
//! sign-in gives a challenge, not tokens; the challenge and a code then give the tokens.
//! A challenge is 256 random bits, kept only as its digest, lives five minutes and is
//! spent by the sign-in it finishes.

use crate::accounts::secrets::{digest, new_secret};
use crate::accounts::tokens::now;
use crate::error::{ApiError, ApiResult};
use crate::storage::entities::sign_in_challenge::{self, Column, Entity as Challenge};
use crate::storage::pruning::Prune;
use app::errors::{FieldErrors, messages};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryTrait,
};

const LIFETIME_SECS: i64 = 300;

fn expired_challenge() -> ApiError {
    FieldErrors::single("challenge", messages::CHALLENGE_EXPIRED).into()
}

pub async fn issue(db: &impl ConnectionTrait, user_id: i64) -> ApiResult<String> {
    let challenge = new_secret();
    Challenge::insert(sign_in_challenge::ActiveModel {
        token_hash: Set(digest(&challenge)),
        user_id: Set(user_id),
        expires_at: Set(now() + LIFETIME_SECS),
    })
    .exec_without_returning(db)
    .await?;
    Ok(challenge)
}

/// Whose sign-in a live challenge is.
pub async fn holder(db: &impl ConnectionTrait, challenge: &str) -> ApiResult<i64> {
    Challenge::find_by_id(digest(challenge))
        .filter(Column::ExpiresAt.gt(now()))
        .one(db)
        .await?
        .map(|c| c.user_id)
        .ok_or_else(expired_challenge)
}

/// Spends a challenge; of racing sign-ins with one challenge, one succeeds.
pub async fn spend(db: &impl ConnectionTrait, challenge: &str) -> ApiResult<()> {
    let deleted = Challenge::delete_many()
        .filter(Column::TokenHash.eq(digest(challenge)))
        .filter(Column::ExpiresAt.gt(now()))
        .exec(db)
        .await?;
    if deleted.rows_affected == 1 {
        Ok(())
    } else {
        Err(expired_challenge())
    }
}

/// Drops every sign-in of the user waiting for its second step: once two-step sign-in is
/// off or the password has changed, none of them may finish.
pub async fn forget(db: &impl ConnectionTrait, user_id: i64) -> ApiResult<()> {
    Challenge::delete_many()
        .filter(Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Challenges past their five minutes, for the pruner.
pub struct ExpiredChallenges;

impl Prune for ExpiredChallenges {
    fn what(&self) -> &'static str {
        "sign_in_challenges"
    }

    fn statement(&self, backend: sea_orm::DbBackend) -> Option<sea_orm::Statement> {
        Some(
            Challenge::delete_many()
                .filter(Column::ExpiresAt.lte(now()))
                .build(backend),
        )
    }
}
