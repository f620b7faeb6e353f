//! Two-step sign-in for an account: setting it up, confirming it, checking a code (or a
//! recovery code) at sign-in, new recovery codes, turning it off. Every "at most once"
//! is one conditional statement, so replicas racing on one account cannot both win.

use crate::accounts::challenges;
use crate::accounts::passwords::Passwords;
use crate::accounts::proof::Proof;
use crate::accounts::tokens::now;
use crate::accounts::totp::{self, SecretKeys};
use crate::error::{ApiError, ApiResult};
use crate::events::record::{self, AccountChange, Announcement, Event};
use crate::storage::entities::recovery_code::{self, Entity as RecoveryCode};
use crate::storage::entities::totp_secret::{self, Entity as TotpSecret};
use crate::storage::entities::user;
use app::api::{RecoveryCodes, TotpSetup};
use app::errors::{FieldErrors, messages};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, TransactionTrait,
};

fn wrong_code() -> ApiError {
    FieldErrors::single("code", messages::WRONG_CODE).into()
}

async fn record(db: &impl ConnectionTrait, user_id: i64) -> ApiResult<Option<totp_secret::Model>> {
    Ok(TotpSecret::find_by_id(user_id).one(db).await?)
}

pub async fn is_enabled(db: &impl ConnectionTrait, user_id: i64) -> ApiResult<bool> {
    Ok(record(db, user_id).await?.is_some_and(|r| r.enabled))
}

/// A new secret for the account's app, replacing one not yet confirmed.
pub async fn start(
    db: &DatabaseConnection,
    keys: &SecretKeys,
    user: &user::Model,
) -> ApiResult<TotpSetup> {
    let secret = totp::new_secret();
    let sealed = keys.seal(user.id, &secret);
    let setup = totp::setup(&totp::authenticator(secret, &user.username));
    let row = totp_secret::ActiveModel {
        user_id: Set(user.id),
        sealed: Set(sealed.sealed),
        key_id: Set(sealed.key_id),
        enabled: Set(false),
        last_used_step: Set(None),
        created_at: Set(now()),
    };
    // Replaces only an unconfirmed secret: once on, it stays until turned off.
    let replaced = TotpSecret::insert(row)
        .on_conflict(
            OnConflict::column(totp_secret::Column::UserId)
                .update_columns([
                    totp_secret::Column::Sealed,
                    totp_secret::Column::KeyId,
                    totp_secret::Column::LastUsedStep,
                    totp_secret::Column::CreatedAt,
                ])
                .action_and_where(totp_secret::Column::Enabled.eq(false))
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    if replaced == 0 {
        return Err(ApiError::Conflict(messages::TOTP_ALREADY_ON));
    }
    Ok(setup)
}

/// Turns two-step sign-in on with a first code from the app, and answers the recovery codes.
pub async fn confirm(
    db: &DatabaseConnection,
    keys: &SecretKeys,
    user_id: i64,
    code: &str,
) -> ApiResult<RecoveryCodes> {
    let Some(record) = record(db, user_id).await? else {
        return Err(ApiError::Conflict(messages::TOTP_NOT_STARTED));
    };
    if record.enabled {
        return Err(ApiError::Conflict(messages::TOTP_ALREADY_ON));
    }
    let step = step_of(keys, &record, code)?.ok_or_else(wrong_code)?;
    let txn = db.begin().await?;
    let turned_on = TotpSecret::update_many()
        .col_expr(totp_secret::Column::Enabled, Expr::value(true))
        .col_expr(totp_secret::Column::LastUsedStep, Expr::value(step))
        .filter(totp_secret::Column::UserId.eq(user_id))
        .filter(totp_secret::Column::Enabled.eq(false))
        // A set-up started again meanwhile has a new secret this code is not for.
        .filter(totp_secret::Column::Sealed.eq(record.sealed))
        .exec(&txn)
        .await?;
    if turned_on.rows_affected != 1 {
        return Err(wrong_code());
    }
    let codes = replace_recovery_codes(&txn, user_id).await?;
    txn.commit().await?;
    Ok(codes)
}

/// The step an authenticator code is right for now. A secret no key opens is the
/// operator's error (the key changed), logged and answered 500.
fn step_of(keys: &SecretKeys, record: &totp_secret::Model, code: &str) -> ApiResult<Option<i64>> {
    let secret = keys
        .open(record.user_id, &record.sealed, &record.key_id)
        .ok_or_else(|| {
            ApiError::Internal(format!(
                "the two-step secret of user {} does not open with TOTP_ENCRYPTION_KEY, \
                 TOTP_PREVIOUS_ENCRYPTION_KEY or JWT_SECRET",
                record.user_id
            ))
        })?;
    Ok(totp::step_of(&totp::authenticator(secret, ""), code, now()))
}

/// Which second factor proved a sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Factor {
    App,
    /// One of the recovery codes, now spent: worth telling the person.
    RecoveryCode,
}

/// Checks a second factor: a code from the app, not for a step already used, or an
/// unused recovery code, which is spent. A wrong one is a field error on `code`.
pub async fn verify(
    db: &DatabaseConnection,
    keys: &SecretKeys,
    user_id: i64,
    code: &str,
) -> ApiResult<Factor> {
    let record = record(db, user_id)
        .await?
        .filter(|r| r.enabled)
        .ok_or(ApiError::Conflict(messages::TOTP_OFF))?;
    if totp::looks_like_totp(code) {
        let step = step_of(keys, &record, code)?.ok_or_else(wrong_code)?;
        // The step is taken once: a code seen (or sniffed) cannot be played again, nor
        // can an older one once a newer has been used.
        let taken = TotpSecret::update_many()
            .col_expr(totp_secret::Column::LastUsedStep, Expr::value(step))
            .filter(totp_secret::Column::UserId.eq(user_id))
            .filter(
                Condition::any()
                    .add(totp_secret::Column::LastUsedStep.is_null())
                    .add(totp_secret::Column::LastUsedStep.lt(step)),
            )
            .exec(db)
            .await?;
        return if taken.rows_affected == 1 {
            Ok(Factor::App)
        } else {
            Err(wrong_code())
        };
    }
    let hash = totp::recovery_code_hash(code).ok_or_else(wrong_code)?;
    let spent = RecoveryCode::update_many()
        .col_expr(recovery_code::Column::UsedAt, Expr::value(now()))
        .filter(recovery_code::Column::UserId.eq(user_id))
        .filter(recovery_code::Column::CodeHash.eq(hash))
        .filter(recovery_code::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    if spent.rows_affected == 1 {
        tracing::info!(user_id, "a recovery code was used");
        Ok(Factor::RecoveryCode)
    } else {
        Err(wrong_code())
    }
}

async fn replace_recovery_codes(
    db: &impl ConnectionTrait,
    user_id: i64,
) -> ApiResult<RecoveryCodes> {
    RecoveryCode::delete_many()
        .filter(recovery_code::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    let codes: Vec<String> = (0..totp::RECOVERY_CODES)
        .map(|_| totp::new_recovery_code())
        .collect();
    let rows = codes.iter().map(|code| recovery_code::ActiveModel {
        user_id: Set(user_id),
        code_hash: Set(totp::recovery_code_hash(code).expect("a code made here reads back")),
        used_at: Set(None),
        ..Default::default()
    });
    RecoveryCode::insert_many(rows)
        .exec_without_returning(db)
        .await?;
    Ok(RecoveryCodes {
        recovery_codes: codes,
    })
}

/// New recovery codes, once a code (or a recovery code) proves the app is at hand.
pub async fn new_recovery_codes(
    db: &DatabaseConnection,
    keys: &SecretKeys,
    user_id: i64,
    code: &str,
) -> ApiResult<RecoveryCodes> {
    verify(db, keys, user_id, code).await?;
    let txn = db.begin().await?;
    let codes = replace_recovery_codes(&txn, user_id).await?;
    txn.commit().await?;
    Ok(codes)
}

/// Turns two-step sign-in off with the password (or a proof) and a code (or a recovery code).
pub async fn disable(
    db: &DatabaseConnection,
    passwords: &Passwords,
    keys: &SecretKeys,
    user: user::Model,
    proof: &Proof,
    code: &str,
) -> ApiResult<()> {
    if !is_enabled(db, user.id).await? {
        return Err(ApiError::Conflict(messages::TOTP_OFF));
    }
    proof
        .check(db, passwords, &user, messages::WRONG_PASSWORD)
        .await?;
    verify(db, keys, user.id, code).await?;
    let txn = db.begin().await?;
    remove(&txn, user.id).await?;
    let off = Announcement::to(user.id, Event::Account(AccountChange::TwoStepOff));
    record::record(&txn, [off]).await?;
    txn.commit().await?;
    Ok(())
}

/// Turns two-step sign-in off without asking for anything (an operator's reset for a
/// person who lost their phone and codes); `true` if it was on.
pub async fn remove(db: &impl ConnectionTrait, user_id: i64) -> ApiResult<bool> {
    let was_on = is_enabled(db, user_id).await?;
    TotpSecret::delete_by_id(user_id).exec(db).await?;
    RecoveryCode::delete_many()
        .filter(recovery_code::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    challenges::forget(db, user_id).await?;
    Ok(was_on)
}

/// Seals again with the current key every secret an earlier key sealed, so the earlier
/// key can be retired. Answers how many were sealed again and how many no key opens.
pub async fn reseal(db: &DatabaseConnection, keys: &SecretKeys) -> ApiResult<(u64, u64)> {
    let stale = TotpSecret::find()
        .filter(totp_secret::Column::KeyId.ne(keys.current_id()))
        .all(db)
        .await?;
    let (mut resealed, mut unreadable) = (0, 0);
    for record in stale {
        let Some(secret) = keys.open(record.user_id, &record.sealed, &record.key_id) else {
            unreadable += 1;
            continue;
        };
        let sealed = keys.seal(record.user_id, &secret);
        // Only over what was read: a set-up started meanwhile keeps its new secret.
        let updated = TotpSecret::update_many()
            .col_expr(totp_secret::Column::Sealed, Expr::value(sealed.sealed))
            .col_expr(totp_secret::Column::KeyId, Expr::value(sealed.key_id))
            .filter(totp_secret::Column::UserId.eq(record.user_id))
            .filter(totp_secret::Column::Sealed.eq(record.sealed))
            .exec(db)
            .await?;
        resealed += updated.rows_affected;
    }
    Ok((resealed, unreadable))
}
