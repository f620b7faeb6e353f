//! Sign-in sessions as families of refresh tokens. Every refresh spends the presented
//! token and issues a new one in the same family, expiring when the family does; a spent
//! token presented again after the grace window revokes the whole family.
//!
//! Revocation belongs to the family: a family is revoked once any of its rows is. A
//! revoke marks the rows it can see; a token minted by a rotation racing it may not be
//! among them, but the token that rotation spent is, so the new one is refused all the
//! same, on SQLite and under PostgreSQL's READ COMMITTED alike.

use crate::accounts::tokens::{TokenRejection, Tokens, new_jti, now};
use crate::error::{ApiError, ApiResult, non_field};
use crate::events::record::{self, Announcement, Event};
use crate::storage::entities::access_token::{self, Entity as AccessTokens};
use crate::storage::entities::refresh_token::{self, Column, Entity as RefreshToken};
use crate::storage::pruning::Prune;
use app::api::TokenPair;
use app::claims::{Claims, TokenType};
use app::errors::messages;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QuerySelect, QueryTrait, TransactionTrait,
};
use std::collections::BTreeMap;

const BLACKLISTED: ApiError = ApiError::TokenNotValid(messages::TOKEN_BLACKLISTED);
const NOT_ON_RECORD: ApiError = ApiError::TokenNotValid(messages::TOKEN_INVALID);

fn rejected(rejection: TokenRejection) -> ApiError {
    ApiError::TokenNotValid(rejection.message())
}

/// Whom a token is issued to, as the sessions list shows it.
#[derive(Debug, Clone, Default)]
pub struct Device {
    pub user_agent: Option<String>,
    pub ip: Option<String>,
}

/// Records a refresh token in `family` (a new family when `None`) and signs the pair.
/// `authenticated_at` is when the session last proved who it is (see [`authenticated_at`]).
async fn issue(
    db: &impl ConnectionTrait,
    tokens: &Tokens,
    user_id: i64,
    family: Option<(String, i64)>,
    authenticated_at: Option<i64>,
    device: &Device,
) -> ApiResult<TokenPair> {
    let now = now();
    let jti = new_jti();
    let (family_id, expires_at) =
        family.unwrap_or_else(|| (jti.clone(), now + tokens.refresh_lifetime));
    RefreshToken::insert(refresh_token::ActiveModel {
        jti: Set(jti.clone()),
        family_id: Set(family_id.clone()),
        user_id: Set(user_id),
        issued_at: Set(now),
        expires_at: Set(expires_at),
        spent_at: Set(None),
        grace_used: Set(false),
        revoked: Set(false),
        user_agent: Set(device.user_agent.clone()),
        ip: Set(device.ip.clone()),
        authenticated_at: Set(authenticated_at),
    })
    .exec_without_returning(db)
    .await?;
    let refresh = tokens.sign(&Claims {
        token_type: TokenType::Refresh,
        exp: expires_at,
        iat: now,
        jti,
        user_id,
        sid: Some(family_id.clone()),
    });
    Ok(TokenPair {
        access: tokens.access_token(user_id, now, Some(family_id)),
        refresh,
    })
}

/// A new session for a user who just proved who they are.
pub async fn start(
    db: &impl ConnectionTrait,
    tokens: &Tokens,
    user_id: i64,
    device: &Device,
) -> ApiResult<TokenPair> {
    issue(db, tokens, user_id, None, Some(now()), device).await
}

/// A new session in place of one whose password was just changed: it proved the old
/// password, not a second factor, so it counts as having proved who it is when the
/// session it replaces last did (see [`authenticated_at`]), not now.
pub async fn start_after_password_change(
    db: &impl ConnectionTrait,
    tokens: &Tokens,
    user_id: i64,
    replaced: Option<&str>,
    device: &Device,
) -> ApiResult<TokenPair> {
    let proved = match replaced {
        Some(family_id) => authenticated_at(db, family_id).await?,
        None => None,
    };
    issue(db, tokens, user_id, None, proved, device).await
}

/// A new pair for session `family_id`, whose holder just proved who they are again: the
/// session lasts no longer than it would have, but counts as freshly signed in.
pub async fn reauthenticated(
    db: &impl ConnectionTrait,
    tokens: &Tokens,
    user_id: i64,
    family_id: &str,
    device: &Device,
) -> ApiResult<TokenPair> {
    let expires_at: Option<i64> = RefreshToken::find()
        .filter(Column::FamilyId.eq(family_id))
        .filter(Column::UserId.eq(user_id))
        .select_only()
        .column(Column::ExpiresAt)
        .into_tuple()
        .one(db)
        .await?;
    let expires_at = expires_at.ok_or(NOT_ON_RECORD)?;
    let family = Some((family_id.to_owned(), expires_at));
    issue(db, tokens, user_id, family, Some(now()), device).await
}

/// When session `family_id` last proved who it is: its sign-in, or its latest
/// reauthentication. A refresh copies the time and never renews it, so a stolen refresh
/// token cannot keep a session fresh.
pub async fn authenticated_at(
    db: &impl ConnectionTrait,
    family_id: &str,
) -> ApiResult<Option<i64>> {
    let times: Vec<Option<i64>> = RefreshToken::find()
        .filter(Column::FamilyId.eq(family_id))
        .select_only()
        .column(Column::AuthenticatedAt)
        .into_tuple()
        .all(db)
        .await?;
    Ok(times.into_iter().flatten().max())
}

async fn family_revoked(db: &impl ConnectionTrait, family_id: &str) -> ApiResult<bool> {
    let revoked = RefreshToken::find()
        .filter(Column::FamilyId.eq(family_id))
        .filter(Column::Revoked.eq(true))
        .one(db)
        .await?;
    Ok(revoked.is_some())
}

/// The record of a presented refresh token that is signed, unexpired, on record and of a
/// family still live.
async fn live_record(
    db: &DatabaseConnection,
    tokens: &Tokens,
    token: &str,
) -> ApiResult<refresh_token::Model> {
    let claims = tokens.verify(token, TokenType::Refresh).map_err(rejected)?;
    let record = RefreshToken::find_by_id(claims.jti)
        .one(db)
        .await?
        .ok_or(NOT_ON_RECORD)?;
    if family_revoked(db, &record.family_id).await? {
        return Err(BLACKLISTED);
    }
    Ok(record)
}

/// Sets a flag column on one token unless it is already set; one statement, so of any
/// number of racing callers exactly one gets `true`.
async fn claim(db: &impl ConnectionTrait, jti: &str, flag: Column, value: Expr) -> ApiResult<bool> {
    let unclaimed = match flag {
        Column::SpentAt => Column::SpentAt.is_null(),
        _ => flag.eq(false),
    };
    let updated = RefreshToken::update_many()
        .col_expr(flag, value)
        .filter(Column::Jti.eq(jti))
        .filter(unclaimed)
        .exec(db)
        .await?;
    Ok(updated.rows_affected == 1)
}

/// Reads through `db`; spends and issues through `writer` (see `storage::db::connect_writer`).
pub async fn refresh(
    db: &DatabaseConnection,
    writer: &DatabaseConnection,
    tokens: &Tokens,
    token: &str,
    device: &Device,
) -> ApiResult<TokenPair> {
    let record = live_record(db, tokens, token).await?;
    let family = Some((record.family_id.clone(), record.expires_at));
    let now = now();

    let txn = writer.begin().await?;
    let proved = record.authenticated_at;
    if claim(&txn, &record.jti, Column::SpentAt, Expr::value(now)).await? {
        let pair = issue(&txn, tokens, record.user_id, family, proved, device).await?;
        txn.commit().await?;
        return Ok(pair);
    }
    // Already spent. Inside the grace window one late caller (a second tab refreshing at
    // the same moment) gets a pair of its own; anyone else is replaying a stolen token.
    let spent_at = RefreshToken::find_by_id(record.jti.clone())
        .one(&txn)
        .await?
        .and_then(|r| r.spent_at);
    let in_grace = spent_at.is_some_and(|at| now - at < tokens.reuse_grace);
    if in_grace && claim(&txn, &record.jti, Column::GraceUsed, Expr::value(true)).await? {
        let pair = issue(&txn, tokens, record.user_id, family, proved, device).await?;
        txn.commit().await?;
        return Ok(pair);
    }
    tracing::warn!(user_id = record.user_id, family = %record.family_id, "spent refresh token replayed; revoking its family");
    crate::ops::metrics::refresh_reuse_detected();
    revoke_family(&txn, record.user_id, &record.family_id).await?;
    txn.commit().await?;
    Err(BLACKLISTED)
}

/// Sign-out: the token's whole family stops working. Answers whose session it was.
pub async fn blacklist(
    db: &DatabaseConnection,
    writer: &DatabaseConnection,
    tokens: &Tokens,
    token: &str,
) -> ApiResult<i64> {
    let record = live_record(db, tokens, token).await?;
    let txn = writer.begin().await?;
    revoke_family(&txn, record.user_id, &record.family_id).await?;
    txn.commit().await?;
    Ok(record.user_id)
}

/// `POST /api/token/verify/`: any valid token; a refresh token must also be unspent and
/// of a live family. As in simplejwt, a blacklisted token is a validation error (400),
/// not an authentication one.
pub async fn verify(db: &DatabaseConnection, tokens: &Tokens, token: &str) -> ApiResult<()> {
    let claims = tokens.verify_any(token).map_err(rejected)?;
    if claims.token_type == TokenType::Refresh {
        let blacklisted = || non_field(messages::TOKEN_BLACKLISTED);
        let record = live_record(db, tokens, token).await.map_err(|e| match e {
            ApiError::TokenNotValid(messages::TOKEN_BLACKLISTED) => blacklisted(),
            other => other,
        })?;
        if record.spent_at.is_some() {
            return Err(blacklisted());
        }
    }
    Ok(())
}

/// Ends a session and tells its stream, in `txn`, which the caller commits next.
async fn revoke_family(txn: &impl ConnectionTrait, user_id: i64, family_id: &str) -> ApiResult<()> {
    RefreshToken::update_many()
        .col_expr(Column::Revoked, Expr::value(true))
        .filter(Column::FamilyId.eq(family_id))
        .exec(txn)
        .await?;
    let ended = Announcement::to_session(user_id, family_id.to_owned(), Event::SessionEnded);
    record::record(txn, [ended]).await?;
    Ok(())
}

/// Ends every session of a user, and every personal access token, as a password change
/// must. Answers what their streams are to hear, for the caller to record last in its
/// transaction (`events::record`).
#[must_use = "the ended sessions' streams are told only when it is recorded"]
pub async fn revoke_all(db: &impl ConnectionTrait, user_id: i64) -> ApiResult<Vec<Announcement>> {
    // Here rather than in `access_tokens`, which records through `audit` and so uses
    // this module: no circle.
    let tokens: Vec<i64> = AccessTokens::delete_many()
        .filter(access_token::Column::UserId.eq(user_id))
        .exec_with_returning(db)
        .await?
        .into_iter()
        .map(|token| token.id)
        .collect();
    let live: Vec<String> = RefreshToken::find()
        .select_only()
        .column(Column::FamilyId)
        .distinct()
        .filter(Column::UserId.eq(user_id))
        .filter(Column::Revoked.eq(false))
        .filter(Column::ExpiresAt.gt(now()))
        .into_tuple()
        .all(db)
        .await?;
    RefreshToken::update_many()
        .col_expr(Column::Revoked, Expr::value(true))
        .filter(Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(live
        .into_iter()
        .map(|sid| Announcement::to_session(user_id, sid, Event::SessionEnded))
        .chain(
            tokens
                .into_iter()
                .map(|id| Announcement::token_revoked(user_id, id)),
        )
        .collect())
}

/// The user's live sessions, most recently used first. `current` is the session of the
/// access token asking, when it names one.
pub async fn list(
    db: &DatabaseConnection,
    user_id: i64,
    current: Option<&str>,
) -> ApiResult<Vec<app::api::ActiveSession>> {
    let rows = RefreshToken::find()
        .filter(Column::UserId.eq(user_id))
        .filter(Column::ExpiresAt.gt(now()))
        .all(db)
        .await?;
    let mut families: BTreeMap<&str, Vec<&refresh_token::Model>> = BTreeMap::new();
    for row in &rows {
        families.entry(&row.family_id).or_default().push(row);
    }
    let mut sessions: Vec<(i64, app::api::ActiveSession)> = families
        .into_iter()
        .filter(|(_, rows)| !rows.iter().any(|r| r.revoked))
        .filter_map(|(id, rows)| {
            let first = rows.iter().map(|r| r.issued_at).min()?;
            let latest = rows
                .iter()
                .max_by_key(|r| (r.issued_at, r.spent_at.is_none()))?;
            Some((
                latest.issued_at,
                app::api::ActiveSession {
                    id: id.to_owned(),
                    created_at: rfc3339(first),
                    last_used_at: rfc3339(latest.issued_at),
                    user_agent: latest.user_agent.clone(),
                    ip: latest.ip.clone(),
                    current: current == Some(id),
                },
            ))
        })
        .collect();
    sessions.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.id.cmp(&b.1.id)));
    Ok(sessions.into_iter().map(|(_, s)| s).collect())
}

fn rfc3339(unix_secs: i64) -> String {
    chrono::DateTime::from_timestamp(unix_secs, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Ends one of the user's live sessions: its refresh tokens stop working at once.
pub async fn end(
    db: &DatabaseConnection,
    writer: &DatabaseConnection,
    user_id: i64,
    id: &str,
) -> ApiResult<()> {
    if !list(db, user_id, None).await?.iter().any(|s| s.id == id) {
        return Err(ApiError::NotFound);
    }
    let txn = writer.begin().await?;
    revoke_family(&txn, user_id, id).await?;
    txn.commit().await?;
    Ok(())
}

/// Records of tokens past their expiry: they can never be accepted again. A family's
/// rows share one expiry, so a family goes whole.
fn expired() -> sea_orm::DeleteMany<RefreshToken> {
    RefreshToken::delete_many().filter(Column::ExpiresAt.lt(now()))
}

/// Deletes the records of tokens past their expiry (what [`ExpiredSessions`] prunes).
pub async fn prune_expired(db: &impl ConnectionTrait) -> ApiResult<u64> {
    Ok(expired().exec(db).await?.rows_affected)
}

/// Refresh tokens past their expiry, for the pruner.
pub struct ExpiredSessions;

impl Prune for ExpiredSessions {
    fn what(&self) -> &'static str {
        "refresh_tokens"
    }

    fn statement(&self, backend: sea_orm::DbBackend) -> Option<sea_orm::Statement> {
        Some(expired().build(backend))
    }
}
