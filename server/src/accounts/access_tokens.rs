//! Personal access tokens: what a person's scripts act with, instead of their password
//! and a refresh loop. A token is `ntk_` and 64 hex digits (256 random bits), shown once;
//! the database keeps its SHA-256. Each request with one reads its row, so a revoked
//! token stops at once on every replica. A token ends with everything that ends every
//! session (`sessions::revoke_all` deletes them: a password change by anyone, "sign out
//! everywhere", deactivation) and with its account (a foreign key). An event stream it
//! opened is told and closes, on every replica, as a session's is when it ends
//! (`events::record::token_stream`).

use crate::accounts::audit::{Line, Person};
use crate::accounts::registration::rfc3339;
use crate::accounts::secrets::digest;
use crate::accounts::sessions::Device;
use crate::accounts::totp::random_bytes;
use crate::error::{ApiError, ApiResult, non_field};
use crate::events::record::{self, Announcement};
use crate::storage::entities::access_token::{self, Column, Entity as AccessTokens};
use crate::storage::entities::user::{self, Entity as User};
use app::api::{AccessToken, AuditAction, CreatedAccessToken, MAX_TOKEN_DAYS, TokenScope};
use app::errors::messages;
use app::validation::TokenName;
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, TransactionTrait,
};

/// What every token starts with, so that people and secret scanners know one.
pub const PREFIX: &str = "ntk_";

/// Tokens a person may hold at once.
pub const MAX_PER_PERSON: u64 = 50;

/// `last_used_at` is written at most this often per token: a script's every request
/// would otherwise be a write.
const LAST_USED_STEP: chrono::TimeDelta = chrono::TimeDelta::minutes(1);

/// A token that authenticated a request: whose, and what it may do.
#[derive(Debug, Clone, Copy)]
pub struct Bearer {
    /// The token's own id.
    pub id: i64,
    pub user_id: i64,
    pub scope: TokenScope,
    /// In seconds since the epoch; `None` when it does not expire.
    pub expires_at: Option<i64>,
}

/// The token asked for, checked: its name, its scope, and for how many days.
pub struct Wanted {
    pub name: TokenName,
    pub scope: TokenScope,
    pub days: Option<u32>,
}

fn scope_of(row: &access_token::Model) -> TokenScope {
    // Only this module writes the column, with `as_str`.
    TokenScope::parse(&row.scope).unwrap_or(TokenScope::Read)
}

fn listed(row: access_token::Model) -> AccessToken {
    AccessToken {
        id: row.id,
        scope: scope_of(&row),
        name: row.name,
        created_at: rfc3339(row.created_at),
        expires_at: row.expires_at.map(rfc3339),
        last_used_at: row.last_used_at.map(rfc3339),
    }
}

/// Makes a token for `person`, recorded in the audit log with it.
pub async fn create(
    db: &DatabaseConnection,
    person: &Person,
    wanted: Wanted,
    from: &Device,
) -> ApiResult<CreatedAccessToken> {
    let token = format!("{PREFIX}{}", hex::encode(random_bytes::<32>()));
    let now = Utc::now();
    let expires_at = wanted
        .days
        .map(|days| now + chrono::TimeDelta::days(i64::from(days.min(MAX_TOKEN_DAYS))));
    let name = wanted.name.into_inner();
    let txn = db.begin().await?;
    let held = AccessTokens::find()
        .filter(Column::UserId.eq(person.id))
        .count(&txn)
        .await?;
    if held >= MAX_PER_PERSON {
        return Err(non_field(messages::too_many_tokens(MAX_PER_PERSON)));
    }
    let row = AccessTokens::insert(access_token::ActiveModel {
        user_id: Set(person.id),
        name: Set(name.clone()),
        scope: Set(wanted.scope.as_str().to_owned()),
        digest: Set(digest(&token)),
        created_at: Set(now),
        expires_at: Set(expires_at),
        last_used_at: Set(None),
        ..Default::default()
    })
    .exec_with_returning(&txn)
    .await?;
    Line::own(person, AuditAction::AccessTokenCreated)
        .detail(format!("{name} ({})", wanted.scope.as_str()))
        .record(&txn, from)
        .await?;
    txn.commit().await?;
    Ok(CreatedAccessToken {
        id: row.id,
        name,
        scope: wanted.scope,
        token,
        created_at: rfc3339(row.created_at),
        expires_at: row.expires_at.map(rfc3339),
    })
}

/// A person's tokens, newest first.
pub async fn list(db: &DatabaseConnection, user_id: i64) -> ApiResult<Vec<AccessToken>> {
    let rows = AccessTokens::find()
        .filter(Column::UserId.eq(user_id))
        .order_by_desc(Column::Id)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(listed).collect())
}

/// Revokes one of a person's tokens (another's is not found).
pub async fn revoke(
    db: &DatabaseConnection,
    person: &Person,
    id: i64,
    from: &Device,
) -> ApiResult<()> {
    let txn = db.begin().await?;
    let Some(row) = AccessTokens::find_by_id(id)
        .filter(Column::UserId.eq(person.id))
        .one(&txn)
        .await?
    else {
        return Err(ApiError::NotFound);
    };
    AccessTokens::delete_by_id(row.id).exec(&txn).await?;
    Line::own(person, AuditAction::AccessTokenRevoked)
        .detail(row.name)
        .record(&txn, from)
        .await?;
    record::record(&txn, [Announcement::token_revoked(person.id, row.id)]).await?;
    txn.commit().await?;
    Ok(())
}

/// Whom `token` acts for, if it is one on record, unexpired, of an active account.
/// Notes when it was used (at most once a minute), with `writer`.
pub async fn authenticate(
    (db, writer): (&DatabaseConnection, &DatabaseConnection),
    token: &str,
) -> ApiResult<Option<Bearer>> {
    let Some(row) = AccessTokens::find()
        .filter(Column::Digest.eq(digest(token)))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let now = Utc::now();
    if row.expires_at.is_some_and(|at| at <= now) {
        return Ok(None);
    }
    let active = User::find_by_id(row.user_id)
        .filter(user::Column::IsActive.eq(true))
        .count(db)
        .await?;
    if active == 0 {
        return Ok(None);
    }
    if row.last_used_at.is_none_or(|at| now - at >= LAST_USED_STEP) {
        AccessTokens::update_many()
            .col_expr(Column::LastUsedAt, Expr::value(now))
            .filter(Column::Id.eq(row.id))
            .exec(writer)
            .await?;
    }
    Ok(Some(Bearer {
        id: row.id,
        user_id: row.user_id,
        scope: scope_of(&row),
        expires_at: row.expires_at.map(|at| at.timestamp()),
    }))
}
