//! Registering, authenticating and deleting users, and showing their account.

use crate::accounts::passwords::Passwords;
use crate::accounts::{challenges, sessions, two_step};
use crate::error::{ApiError, ApiResult};
use crate::storage::entities::user::{self, Entity as User};
use app::errors::{FieldErrors, messages};
use app::validation::{Password, Username};
use chrono::SecondsFormat;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    TransactionTrait,
};

pub async fn register(
    db: &DatabaseConnection,
    passwords: &Passwords,
    username: Username,
    password: Password,
) -> ApiResult<app::api::User> {
    if find(db, &username).await?.is_some() {
        return Err(FieldErrors::single("username", messages::USERNAME_TAKEN).into());
    }
    let password_hash = passwords.hash(password.expose().to_owned()).await?;
    let created = User::insert(user::ActiveModel {
        username: Set(username.as_str().to_owned()),
        password_hash: Set(password_hash),
        date_joined: Set(chrono::Utc::now()),
        is_active: Set(true),
        last_login: Set(None),
        ..Default::default()
    })
    .exec(db)
    .await?;
    Ok(app::api::User {
        id: created.last_insert_id,
        username: username.into_inner(),
    })
}

async fn find(db: &DatabaseConnection, username: &Username) -> ApiResult<Option<user::Model>> {
    Ok(User::find()
        .filter(user::Column::Username.eq(username.as_str()))
        .one(db)
        .await?)
}

/// The user's id if the password is theirs and the account is active. Costs one password
/// check whether or not the username exists. A hash moved from Django is replaced by this
/// server's Argon2id once the password has matched it, as Django does when its hasher
/// changes.
pub async fn authenticate(
    db: &DatabaseConnection,
    writer: &DatabaseConnection,
    passwords: &Passwords,
    username: &str,
    password: &str,
) -> ApiResult<i64> {
    let user = find_for_sign_in(db, username).await?;
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let checked = passwords.check(password.to_owned(), hash).await?;
    // Django checks the password first and the flag after, so an inactive account costs
    // the same and answers the same as a wrong password.
    let user = match user {
        Some(user) if checked.matches && user.is_active => user,
        _ => return Err(ApiError::BadCredentials),
    };
    if checked.needs_rehash {
        let new_hash = passwords.hash(password.to_owned()).await?;
        // Only over the hash that was checked: a password changed meanwhile stays changed.
        User::update_many()
            .col_expr(user::Column::PasswordHash, Expr::value(new_hash))
            .filter(user::Column::Id.eq(user.id))
            .filter(user::Column::PasswordHash.eq(user.password_hash))
            .exec(writer)
            .await?;
    }
    Ok(user.id)
}

/// The user a sign-in names: by the name as sign-up normalises it or else, for a name
/// moved from Django that this server's rules refuse or normalise differently, by the
/// name exactly as given (Django looks names up exactly).
async fn find_for_sign_in(db: &DatabaseConnection, raw: &str) -> ApiResult<Option<user::Model>> {
    let raw = raw.trim();
    let normalized = Username::parse(raw).ok().map(Username::into_inner);
    let mut names: Vec<&str> = normalized.iter().map(String::as_str).collect();
    // No stored name holds NUL (PostgreSQL text cannot), and PostgreSQL refuses to
    // compare with one.
    if !raw.contains('\0') {
        names.push(raw);
    }
    if names.is_empty() {
        return Ok(None);
    }
    let mut found = User::find()
        .filter(user::Column::Username.is_in(names))
        .all(db)
        .await?;
    // Both can exist only if the original held two names that normalise alike; the
    // normalised one is the name sign-up would have given.
    found.sort_by_key(|u| Some(&u.username) != normalized.as_ref());
    Ok(found.into_iter().next())
}

/// A signed-in user's record; `UserNotFound` once the account is deleted, though the
/// access token lives on until it expires.
pub async fn by_id(db: &impl ConnectionTrait, user_id: i64) -> ApiResult<user::Model> {
    User::find_by_id(user_id)
        .one(db)
        .await?
        .ok_or(ApiError::UserNotFound)
}

/// Replaces the password once the old one is proven, and ends every session of the user:
/// whoever knew the old password must not stay signed in.
pub async fn change_password(
    db: &DatabaseConnection,
    passwords: &Passwords,
    user: user::Model,
    old_password: &str,
    new_password: Password,
) -> ApiResult<()> {
    let user_id = user.id;
    if !passwords
        .verify(old_password.to_owned(), Some(user.password_hash))
        .await?
    {
        return Err(FieldErrors::single("old_password", messages::WRONG_OLD_PASSWORD).into());
    }
    let password_hash = passwords.hash(new_password.expose().to_owned()).await?;
    let txn = db.begin().await?;
    User::update(user::ActiveModel {
        id: Set(user_id),
        password_hash: Set(password_hash),
        ..Default::default()
    })
    .exec(&txn)
    .await?;
    sessions::revoke_all(&txn, user_id).await?;
    challenges::forget(&txn, user_id).await?;
    txn.commit().await?;
    Ok(())
}

/// `GET /api/user/`.
pub async fn account(db: &DatabaseConnection, user_id: i64) -> ApiResult<app::api::Account> {
    let user = by_id(db, user_id).await?;
    Ok(app::api::Account {
        id: user.id,
        username: user.username,
        date_joined: user
            .date_joined
            .to_rfc3339_opts(SecondsFormat::Micros, true),
        totp_enabled: two_step::is_enabled(db, user_id).await?,
    })
}

/// Deletes the account once its password is proven. Its sessions and notes go with it:
/// their foreign keys cascade, so the one statement takes all three or nothing.
pub async fn delete(
    db: &DatabaseConnection,
    passwords: &Passwords,
    user: user::Model,
    password: &str,
) -> ApiResult<()> {
    if !passwords
        .verify(password.to_owned(), Some(user.password_hash))
        .await?
    {
        return Err(FieldErrors::single("password", messages::WRONG_PASSWORD).into());
    }
    let deleted = User::delete_by_id(user.id).exec(db).await?;
    if deleted.rows_affected == 0 {
        // Deleted by a racing request meanwhile.
        return Err(ApiError::UserNotFound);
    }
    Ok(())
}
