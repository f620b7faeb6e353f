//! The identities at the OpenID Connect provider linked to accounts: one `(issuer,
//! subject)` belongs to at most one account (a unique index says so), and an account
//! keeps at least one way to sign in, a password or an identity.

use crate::accounts::audit::{Line, Person};
use crate::accounts::passwords;
use crate::accounts::sessions::Device;
use crate::error::{ApiError, ApiResult};
use crate::storage::entities::identity::{self, Column, Entity as Identity};
use crate::storage::entities::user;
use crate::storage::rfc3339;
use app::api::AuditAction;
use app::errors::messages;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, SqlErr, TransactionTrait,
};

/// Who the provider says signed in.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub issuer: String,
    pub subject: String,
    /// `preferred_username`, else the e-mail address; may be empty.
    pub username: String,
}

pub async fn find(
    db: &impl ConnectionTrait,
    claimed: &Claimed,
) -> ApiResult<Option<identity::Model>> {
    Ok(Identity::find()
        .filter(Column::Issuer.eq(&claimed.issuer))
        .filter(Column::Subject.eq(&claimed.subject))
        .one(db)
        .await?)
}

pub async fn insert(db: &impl ConnectionTrait, user_id: i64, claimed: &Claimed) -> ApiResult<()> {
    let now = chrono::Utc::now();
    Identity::insert(identity::ActiveModel {
        user_id: Set(user_id),
        issuer: Set(claimed.issuer.clone()),
        subject: Set(claimed.subject.clone()),
        username: Set(shown(&claimed.username)),
        created_at: Set(now),
        last_used_at: Set(Some(now)),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

fn shown(username: &str) -> String {
    username.chars().take(255).collect()
}

/// An identity signed in with again: when, and the name the provider gives now.
pub async fn seen(db: &impl ConnectionTrait, id: i64, username: &str) -> ApiResult<()> {
    Identity::update(identity::ActiveModel {
        id: Set(id),
        username: Set(shown(username)),
        last_used_at: Set(Some(chrono::Utc::now())),
        ..Default::default()
    })
    .exec(db)
    .await?;
    Ok(())
}

/// Links an identity to `user`, in their activity. Linked to someone else meanwhile:
/// the unique index refuses it.
pub async fn link(
    db: &DatabaseConnection,
    user: &user::Model,
    claimed: &Claimed,
    provider: &str,
    from: &Device,
) -> ApiResult<()> {
    let txn = db.begin().await?;
    insert(&txn, user.id, claimed).await.map_err(|e| match e {
        ApiError::Database(e)
            if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) =>
        {
            ApiError::Forbidden(messages::OIDC_LINKED_ELSEWHERE)
        }
        other => other,
    })?;
    Line::own(&Person::from(user), AuditAction::IdentityLinked)
        .detail(provider)
        .record(&txn, from)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// The caller's identities, oldest first.
pub async fn list(
    db: &impl ConnectionTrait,
    user: &user::Model,
    provider: &str,
) -> ApiResult<app::api::Identities> {
    let rows = Identity::find()
        .filter(Column::UserId.eq(user.id))
        .order_by_asc(Column::Id)
        .all(db)
        .await?;
    Ok(app::api::Identities {
        has_password: passwords::is_usable(&user.password_hash),
        identities: rows
            .into_iter()
            .map(|row| app::api::Identity {
                id: row.id,
                provider: provider.to_owned(),
                username: row.username,
                created_at: rfc3339(row.created_at),
                last_used_at: row.last_used_at.map(rfc3339),
            })
            .collect(),
    })
}

/// How many identities the account has.
pub async fn count(db: &impl ConnectionTrait, user_id: i64) -> ApiResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(Identity::find()
        .filter(Column::UserId.eq(user_id))
        .count(db)
        .await?)
}

/// Unlinks one of `user`'s identities, unless it is their last way to sign in. The
/// account's row is locked first (PostgreSQL), so two unlinks at once cannot both pass
/// the check.
pub async fn unlink(
    db: &DatabaseConnection,
    user_id: i64,
    id: i64,
    provider: &str,
    from: &Device,
) -> ApiResult<()> {
    let txn = db.begin().await?;
    let mut select = user::Entity::find_by_id(user_id);
    // SQLite has one writer at a time already.
    if txn.get_database_backend() == DbBackend::Postgres {
        select = select.lock_exclusive();
    }
    let user = select.one(&txn).await?.ok_or(ApiError::UserNotFound)?;
    let found = Identity::find_by_id(id)
        .filter(Column::UserId.eq(user_id))
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    if !passwords::is_usable(&user.password_hash) && count(&txn, user_id).await? <= 1 {
        return Err(ApiError::Conflict(messages::LAST_SIGN_IN));
    }
    Identity::delete_by_id(found.id).exec(&txn).await?;
    Line::own(&Person::from(&user), AuditAction::IdentityUnlinked)
        .detail(provider)
        .record(&txn, from)
        .await?;
    txn.commit().await?;
    Ok(())
}
