//! Sign-in sessions as families of refresh tokens. Every refresh spends the presented
//! token and issues a new one in the same family, expiring when the family does; a spent
//! token presented again after the grace window revokes the whole family.

use crate::entities::refresh_token::{self, Entity as RefreshToken};
use crate::error::{ApiError, ApiResult};
use crate::tokens::{Tokens, new_jti, now};
use app::api::TokenPair;
use app::claims::{Claims, TokenType};
use app::errors::messages;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    TransactionTrait,
};

const BLACKLISTED: ApiError = ApiError::TokenNotValid(messages::TOKEN_BLACKLISTED);

fn rejected(rejection: crate::tokens::TokenRejection) -> ApiError {
    ApiError::TokenNotValid(rejection.message())
}

/// Records a refresh token in `family` (a new family when `None`) and signs the pair.
async fn issue(
    db: &impl ConnectionTrait,
    tokens: &Tokens,
    user_id: i64,
    family: Option<(String, i64)>,
) -> ApiResult<TokenPair> {
    let now = now();
    let jti = new_jti();
    let (family_id, expires_at) =
        family.unwrap_or_else(|| (jti.clone(), now + tokens.refresh_lifetime));
    RefreshToken::insert(refresh_token::ActiveModel {
        jti: Set(jti.clone()),
        family_id: Set(family_id),
        user_id: Set(user_id),
        issued_at: Set(now),
        expires_at: Set(expires_at),
        spent_at: Set(None),
        revoked: Set(false),
    })
    .exec_without_returning(db)
    .await?;
    let refresh = tokens.sign(&Claims {
        token_type: TokenType::Refresh,
        exp: expires_at,
        iat: now,
        jti,
        user_id,
    });
    Ok(TokenPair {
        access: tokens.access_token(user_id, now),
        refresh,
    })
}

/// A new session for a user who just proved who they are.
pub async fn start(db: &DatabaseConnection, tokens: &Tokens, user_id: i64) -> ApiResult<TokenPair> {
    issue(db, tokens, user_id, None).await
}

/// The stored record of a signed, unexpired refresh token.
async fn stored(
    db: &DatabaseConnection,
    tokens: &Tokens,
    token: &str,
) -> ApiResult<refresh_token::Model> {
    let claims = tokens.verify(token, TokenType::Refresh).map_err(rejected)?;
    RefreshToken::find_by_id(claims.jti)
        .one(db)
        .await?
        .ok_or(ApiError::TokenNotValid(messages::TOKEN_INVALID))
}

pub async fn refresh(
    db: &DatabaseConnection,
    tokens: &Tokens,
    token: &str,
) -> ApiResult<TokenPair> {
    let record = stored(db, tokens, token).await?;
    if record.revoked {
        return Err(BLACKLISTED);
    }
    let family = Some((record.family_id.clone(), record.expires_at));
    let now = now();

    // Spending is one conditional update: of two racing requests exactly one sees a row
    // change, so a token is never rotated twice.
    let txn = db.begin().await?;
    let spent = RefreshToken::update_many()
        .col_expr(refresh_token::Column::SpentAt, Expr::value(now))
        .filter(refresh_token::Column::Jti.eq(&record.jti))
        .filter(refresh_token::Column::SpentAt.is_null())
        .filter(refresh_token::Column::Revoked.eq(false))
        .exec(&txn)
        .await?;
    if spent.rows_affected == 1 {
        let pair = issue(&txn, tokens, record.user_id, family).await?;
        txn.commit().await?;
        return Ok(pair);
    }
    txn.rollback().await?;

    // Already spent. Within the grace window it is a second tab refreshing at the same
    // moment, which gets a pair of its own; after it, someone is replaying a stolen token.
    let current = RefreshToken::find_by_id(record.jti.clone()).one(db).await?;
    match current {
        Some(r) if !r.revoked && r.spent_at.is_some_and(|at| now - at < tokens.reuse_grace) => {
            issue(db, tokens, r.user_id, family).await
        }
        Some(r) => {
            if !r.revoked {
                tracing::warn!(user_id = r.user_id, family = %r.family_id, "spent refresh token replayed; revoking its family");
            }
            revoke_family(db, &r.family_id).await?;
            Err(BLACKLISTED)
        }
        None => Err(ApiError::TokenNotValid(messages::TOKEN_INVALID)),
    }
}

/// Sign-out: the token's whole family stops working.
pub async fn blacklist(db: &DatabaseConnection, tokens: &Tokens, token: &str) -> ApiResult<()> {
    let record = stored(db, tokens, token).await?;
    if record.revoked {
        return Err(BLACKLISTED);
    }
    revoke_family(db, &record.family_id).await
}

/// `POST /api/token/verify/`: any valid token; a refresh token must also be live.
pub async fn verify(db: &DatabaseConnection, tokens: &Tokens, token: &str) -> ApiResult<()> {
    let claims = tokens.verify_any(token).map_err(rejected)?;
    if claims.token_type == TokenType::Refresh {
        let record = stored(db, tokens, token).await?;
        if record.revoked || record.spent_at.is_some() {
            return Err(BLACKLISTED);
        }
    }
    Ok(())
}

async fn revoke_family(db: &impl ConnectionTrait, family_id: &str) -> ApiResult<()> {
    RefreshToken::update_many()
        .col_expr(refresh_token::Column::Revoked, Expr::value(true))
        .filter(refresh_token::Column::FamilyId.eq(family_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Ends every session of a user, as a password change must.
pub async fn revoke_all(db: &impl ConnectionTrait, user_id: i64) -> ApiResult<()> {
    RefreshToken::update_many()
        .col_expr(refresh_token::Column::Revoked, Expr::value(true))
        .filter(refresh_token::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Deletes records of tokens past their expiry: they can never be accepted again.
pub async fn prune_expired(db: &DatabaseConnection) -> ApiResult<u64> {
    let result = RefreshToken::delete_many()
        .filter(refresh_token::Column::ExpiresAt.lt(now()))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}
