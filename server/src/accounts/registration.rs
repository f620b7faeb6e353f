//! Who may register: the server's setting (open, by invitation, closed), kept in the
//! database so every replica agrees, and the invitations operators hand out. A code is
//! spent by the registration it lets in, in that registration's transaction, by one
//! conditional update: of two people racing for one code, one gets an account.

use crate::accounts::audit::{Line, Person};
use crate::accounts::passwords::Passwords;
use crate::accounts::sessions::Device;
use crate::accounts::totp::random_bytes;
use crate::accounts::{identities, passwords, users};
use crate::error::{ApiError, ApiResult};
use crate::storage::entities::invite::{self, Column, Entity as Invite};
use crate::storage::entities::site_setting::{self, Entity as SiteSetting};
use crate::storage::entities::user;
use app::api::{AuditAction, RegistrationMode};
use app::errors::{FieldErrors, messages};
use app::validation::{Password, Username};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, TransactionTrait,
};

const REGISTRATION: &str = "registration";

/// How long an invitation lasts when its maker does not say, and at most.
pub const DEFAULT_INVITE_DAYS: u32 = 7;
pub const MAX_INVITE_DAYS: u32 = 365;

/// The setting now; `open` until an operator (or `REGISTRATION`, for a new database)
/// says otherwise.
pub async fn mode(db: &impl ConnectionTrait) -> ApiResult<RegistrationMode> {
    let row = SiteSetting::find_by_id(REGISTRATION).one(db).await?;
    Ok(row
        .and_then(|r| RegistrationMode::parse(&r.value))
        .unwrap_or_default())
}

/// Writes `initial` unless the database holds a setting already: `REGISTRATION` chooses
/// how a new database starts, and never overrides what an operator chose.
pub async fn seed(db: &impl ConnectionTrait, initial: RegistrationMode) -> ApiResult<()> {
    SiteSetting::insert(site_setting::ActiveModel {
        name: Set(REGISTRATION.to_owned()),
        value: Set(initial.as_str().to_owned()),
    })
    .on_conflict(
        OnConflict::column(site_setting::Column::Name)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// An operator's choice; answers the setting it replaced.
pub async fn set_mode(
    db: &impl ConnectionTrait,
    mode: RegistrationMode,
) -> ApiResult<RegistrationMode> {
    let before = self::mode(db).await?;
    SiteSetting::insert(site_setting::ActiveModel {
        name: Set(REGISTRATION.to_owned()),
        value: Set(mode.as_str().to_owned()),
    })
    .on_conflict(
        OnConflict::column(site_setting::Column::Name)
            .update_column(site_setting::Column::Value)
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(before)
}

/// Refuses a registration the setting does not allow, before anything is read: closed
/// is closed, and by invitation a code is needed.
pub fn admits(mode: RegistrationMode, invite: Option<&str>) -> ApiResult<()> {
    match (mode, invite) {
        (RegistrationMode::Closed, _) => Err(ApiError::Forbidden(messages::REGISTRATION_CLOSED)),
        (RegistrationMode::Invite, None) => {
            Err(ApiError::Forbidden(messages::REGISTRATION_NEEDS_INVITE))
        }
        _ => Ok(()),
    }
}

fn invite_not_valid() -> ApiError {
    FieldErrors::single("invite", messages::INVITE_NOT_VALID).into()
}

/// A new account. Under `invite` the code must be unspent and unexpired, and is spent
/// with the account in one transaction; under `open` a good code is spent too (so its
/// maker sees it used) and a bad one is ignored.
pub async fn register(
    db: &DatabaseConnection,
    passwords: &Passwords,
    username: Username,
    password: Password,
    invite: Option<&str>,
    from: &Device,
) -> ApiResult<app::api::User> {
    let mode = mode(db).await?;
    let invite = admit(db, mode, invite).await?;
    users::ensure_free(db, &username).await?;
    let password_hash = passwords.hash(password.expose().to_owned()).await?;
    let txn = db.begin().await?;
    let user = users::insert(&txn, &username, password_hash, false).await?;
    welcome(&txn, &user, (mode, invite), None, from).await?;
    txn.commit().await?;
    Ok(app::api::User {
        id: user.id,
        username: user.username,
    })
}

/// An account for an identity at the provider signing in for the first time, under
/// `mode`: without a password (one can be set later), named after the provider's
/// `preferred_username` made valid and unique, the identity linked in the same
/// transaction.
pub async fn register_identity(
    db: &DatabaseConnection,
    mode: RegistrationMode,
    claimed: &identities::Claimed,
    invite: Option<&str>,
    provider: &str,
    from: &Device,
) -> ApiResult<user::Model> {
    let invite = admit(db, mode, invite).await?;
    let username = free_username(db, &claimed.username).await?;
    let txn = db.begin().await?;
    let user = users::insert(&txn, &username, passwords::unusable(), false).await?;
    identities::insert(&txn, user.id, claimed).await?;
    welcome(&txn, &user, (mode, invite), Some(provider), from).await?;
    txn.commit().await?;
    Ok(user)
}

/// Refuses what `mode` does not allow, and answers the invitation's code to spend (a
/// bad one is refused where one is needed, ignored elsewhere). Checked before anything
/// costly, so a bad code is answered at once.
async fn admit<'a>(
    db: &impl ConnectionTrait,
    mode: RegistrationMode,
    invite: Option<&'a str>,
) -> ApiResult<Option<&'a str>> {
    admits(mode, invite)?;
    match invite {
        Some(code) if usable(db, code).await? => Ok(Some(code)),
        Some(_) if mode == RegistrationMode::Invite => Err(invite_not_valid()),
        _ => Ok(None),
    }
}

/// The new account's lines in the log, and its invitation spent.
async fn welcome(
    txn: &impl ConnectionTrait,
    user: &user::Model,
    (mode, invite): (RegistrationMode, Option<&str>),
    provider: Option<&str>,
    from: &Device,
) -> ApiResult<()> {
    let person = Person::from(user);
    let mut registered = Line::own(&person, AuditAction::Registered);
    if let Some(provider) = provider {
        registered = registered.detail(format!("through {provider}"));
    }
    if let Some(code) = invite {
        if spend(txn, code, &person.username).await? {
            Line::own(&person, AuditAction::InviteUsed)
                .record(txn, from)
                .await?;
            registered = registered.detail("with an invitation");
        } else if mode == RegistrationMode::Invite {
            // Spent or expired since it was checked: the account is not made.
            return Err(invite_not_valid());
        }
    }
    registered.record(txn, from).await
}

/// The provider's name for someone, as a free username here: its characters Django
/// does not allow dropped, a number added where it is taken (`alice`, `alice2`, …).
async fn free_username(db: &impl ConnectionTrait, wanted: &str) -> ApiResult<Username> {
    let local = wanted.split('@').next().unwrap_or_default();
    let kept: String = local
        .chars()
        .filter(|c| c.is_alphanumeric() || "@.+-_".contains(*c))
        .take(140)
        .collect();
    let base = if kept.is_empty() {
        "user".to_owned()
    } else {
        kept
    };
    for n in 1..=100u32 {
        let candidate = if n == 1 {
            base.clone()
        } else {
            format!("{base}{n}")
        };
        let Ok(username) = Username::parse(&candidate) else {
            break;
        };
        if users::ensure_free(db, &username).await.is_ok() {
            return Ok(username);
        }
    }
    // Past a hundred namesakes, or a name that does not survive normalisation: random.
    let suffix = hex::encode(random_bytes::<4>());
    Username::parse(&format!("user-{suffix}"))
        .map_err(|e| ApiError::Internal(format!("a made-up username: {e:?}")))
}

async fn usable(db: &impl ConnectionTrait, code: &str) -> ApiResult<bool> {
    if code.contains('\0') {
        return Ok(false);
    }
    let found = Invite::find()
        .filter(Column::Code.eq(code))
        .filter(Column::UsedAt.is_null())
        .filter(Column::ExpiresAt.gt(Utc::now()))
        .one(db)
        .await?;
    Ok(found.is_some())
}

/// Spends a code for `username`; `false` if it was spent, expired or unknown. One
/// statement, so two registrations racing for a code cannot both spend it.
async fn spend(db: &impl ConnectionTrait, code: &str, username: &str) -> ApiResult<bool> {
    let now = Utc::now();
    let spent = Invite::update_many()
        .col_expr(Column::UsedAt, Expr::value(now))
        .col_expr(Column::UsedBy, Expr::value(username))
        .filter(Column::Code.eq(code))
        .filter(Column::UsedAt.is_null())
        .filter(Column::ExpiresAt.gt(now))
        .exec(db)
        .await?;
    Ok(spent.rows_affected == 1)
}

/// A new invitation: 128 random bits, as a code that fits a URL.
pub async fn create_invite(
    db: &impl ConnectionTrait,
    by: &Person,
    days: u32,
    note: Option<String>,
) -> ApiResult<invite::Model> {
    let now = Utc::now();
    let row = invite::ActiveModel {
        code: Set(URL_SAFE_NO_PAD.encode(random_bytes::<16>())),
        note: Set(note),
        created_at: Set(now),
        created_by: Set(Some(by.username.clone())),
        expires_at: Set(now + chrono::Duration::days(i64::from(days))),
        used_at: Set(None),
        used_by: Set(None),
        ..Default::default()
    };
    Ok(Invite::insert(row).exec_with_returning(db).await?)
}

/// Every invitation, newest first.
pub async fn invites(db: &impl ConnectionTrait) -> ApiResult<Vec<invite::Model>> {
    Ok(Invite::find().order_by_desc(Column::Id).all(db).await?)
}

/// Deletes an invitation; a spent one goes too (the audit log keeps that it was used).
pub async fn delete_invite(db: &impl ConnectionTrait, id: i64) -> ApiResult<invite::Model> {
    let found = Invite::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)?;
    Invite::delete_by_id(id).exec(db).await?;
    Ok(found)
}

pub use crate::storage::rfc3339;
