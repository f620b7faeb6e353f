//! Accounts: making them, signing in, passwords, showing and deleting them, and the
//! guard that keeps a server with an active operator.

use crate::accounts::audit::{Line, Person};
use crate::accounts::passwords::Passwords;
use crate::accounts::proof::Proof;
use crate::accounts::sessions::Device;
use crate::accounts::{challenges, sessions, two_step};
use crate::error::{ApiError, ApiResult};
use crate::events::record::{self, AccountChange, Announcement, Event};
use crate::storage::entities::user::{self, Entity as User};
use app::api::AuditAction;
use app::errors::{FieldErrors, messages};
use app::validation::{Password, Username};
use chrono::SecondsFormat;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    DbBackend, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect, Statement, TransactionTrait,
};

/// Refuses a username that is taken. A registration racing this one may still take it
/// first; the unique index then refuses the insert, with the same answer (see `error`).
pub async fn ensure_free(db: &impl ConnectionTrait, username: &Username) -> ApiResult<()> {
    if find(db, username).await?.is_some() {
        return Err(FieldErrors::single("username", messages::USERNAME_TAKEN).into());
    }
    Ok(())
}

/// A new, active account with this (already hashed) password.
pub async fn insert(
    db: &impl ConnectionTrait,
    username: &Username,
    password_hash: String,
    is_admin: bool,
) -> ApiResult<user::Model> {
    let row = user::ActiveModel {
        username: Set(username.as_str().to_owned()),
        password_hash: Set(password_hash),
        date_joined: Set(chrono::Utc::now()),
        is_active: Set(true),
        last_login: Set(None),
        is_admin: Set(is_admin),
        ..Default::default()
    };
    Ok(User::insert(row).exec_with_returning(db).await?)
}

async fn find(db: &impl ConnectionTrait, username: &Username) -> ApiResult<Option<user::Model>> {
    Ok(User::find()
        .filter(user::Column::Username.eq(username.as_str()))
        .one(db)
        .await?)
}

/// The account of this username, as registration spells it.
pub async fn by_username(db: &impl ConnectionTrait, username: &Username) -> ApiResult<user::Model> {
    find(db, username).await?.ok_or(ApiError::NotFound)
}

/// The user if the password is theirs and the account is active. Costs one password
/// check whether or not the username exists. A hash moved from Django is replaced by this
/// server's Argon2id once the password has matched it, as Django does when its hasher
/// changes. A wrong password for an account that exists is in that account's activity.
pub async fn authenticate(
    db: &DatabaseConnection,
    writer: &DatabaseConnection,
    passwords: &Passwords,
    username: &str,
    password: &str,
    from: &Device,
) -> ApiResult<user::Model> {
    let user = find_for_sign_in(db, username).await?;
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let checked = passwords.check(password.to_owned(), hash).await?;
    // Django checks the password first and the flag after, so an inactive account costs
    // the same and answers the same as a wrong password.
    let user = match user {
        Some(user) if checked.matches && user.is_active => user,
        Some(user) => {
            let why = if checked.matches {
                "the account is deactivated"
            } else {
                "wrong password"
            };
            // Written after the answer: a name that exists must not take longer to refuse
            // than one that does not.
            let line = Line::own(&Person::from(&user), AuditAction::SignInFailed).detail(why);
            let (writer, from) = (writer.clone(), from.clone());
            tokio::spawn(async move {
                if let Err(e) = line.record(&writer, &from).await {
                    tracing::warn!(error = %e, "a failed sign-in could not be recorded");
                }
            });
            return Err(ApiError::BadCredentials);
        }
        None => return Err(ApiError::BadCredentials),
    };
    if checked.needs_rehash {
        let new_hash = passwords.hash(password.to_owned()).await?;
        // Only over the hash that was checked: a password changed meanwhile stays changed.
        User::update_many()
            .col_expr(user::Column::PasswordHash, Expr::value(new_hash))
            .filter(user::Column::Id.eq(user.id))
            .filter(user::Column::PasswordHash.eq(user.password_hash.clone()))
            .exec(writer)
            .await?;
    }
    Ok(user)
}

/// A sign-in completed: `last_login`, as Django's `update_last_login`, and the log.
pub async fn signed_in(
    db: &impl ConnectionTrait,
    user: &user::Model,
    how: Option<&str>,
    from: &Device,
) -> ApiResult<()> {
    User::update_many()
        .col_expr(user::Column::LastLogin, Expr::value(chrono::Utc::now()))
        .filter(user::Column::Id.eq(user.id))
        .exec(db)
        .await?;
    let line = Line::own(&Person::from(user), AuditAction::SignedIn);
    match how {
        Some(how) => line.detail(how),
        None => line,
    }
    .record(db, from)
    .await
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
/// whoever knew the old password must not stay signed in. The session asking, `going_on`,
/// goes on under a new pair (`sessions::start_after_password_change`), so its stream is
/// not told it ended.
pub async fn change_password(
    db: &DatabaseConnection,
    passwords: &Passwords,
    user: user::Model,
    (old, new_password): (&Proof, Password),
    going_on: Option<&str>,
    from: &Device,
) -> ApiResult<()> {
    old.check(db, passwords, &user, messages::WRONG_OLD_PASSWORD)
        .await?;
    let person = Person::from(&user);
    set_password(
        db,
        passwords,
        &user,
        new_password,
        Line::own(&person, AuditAction::PasswordChanged),
        (from, going_on),
    )
    .await
}

/// Sets a password and ends every session of its account (but `going_on`'s, whose
/// stream is not told), recording `line` with it: a change by its owner, or a reset by an
/// operator or from the command line.
pub async fn set_password(
    db: &DatabaseConnection,
    passwords: &Passwords,
    user: &user::Model,
    password: Password,
    line: Line,
    (from, going_on): (&Device, Option<&str>),
) -> ApiResult<()> {
    let password_hash = passwords.hash(password.expose().to_owned()).await?;
    let txn = db.begin().await?;
    let updated = User::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(password_hash))
        .filter(user::Column::Id.eq(user.id))
        .exec(&txn)
        .await?;
    if updated.rows_affected == 0 {
        return Err(ApiError::NotFound);
    }
    let mut ended = sessions::revoke_all(&txn, user.id).await?;
    ended.retain(|told| told.session.as_deref() != going_on);
    challenges::forget(&txn, user.id).await?;
    line.record(&txn, from).await?;
    record::record(&txn, ended).await?;
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
        is_admin: user.is_admin,
        notes_shared: notes_shared(db, user_id).await?,
    })
}

/// How many of the person's notes are shared with others: what deleting the account
/// would take from them.
async fn notes_shared(db: &DatabaseConnection, user_id: i64) -> ApiResult<u64> {
    use crate::storage::entities::note_share::{Column, Entity as NoteShare};
    use sea_orm::QuerySelect;
    let notes: Vec<i64> = NoteShare::find()
        .filter(Column::OwnerId.eq(user_id))
        .select_only()
        .column(Column::NoteId)
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    Ok(notes.len() as u64)
}

/// Deletes the account once its holder is proven (see [`delete_account`]).
pub async fn delete(
    db: &DatabaseConnection,
    passwords: &Passwords,
    user: user::Model,
    proof: &Proof,
    from: &Device,
) -> ApiResult<()> {
    proof
        .check(db, passwords, &user, messages::WRONG_PASSWORD)
        .await?;
    let person = Person::from(&user);
    let line = Line::own(&person, AuditAction::AccountDeleted);
    if delete_account(db, user.id, line, from).await? {
        Ok(())
    } else {
        // Deleted by a racing request meanwhile.
        Err(ApiError::UserNotFound)
    }
}

/// Deletes an account with its notes, trash, sessions and two-step secrets (their foreign
/// keys cascade, so one statement takes them all or nothing), recording `line` in the
/// same transaction; `false` if it was gone already. The last active operator is not
/// deleted: a server must keep someone who can run it.
pub async fn delete_account(
    db: &DatabaseConnection,
    user_id: i64,
    line: Line,
    from: &Device,
) -> ApiResult<bool> {
    let txn = db.begin().await?;
    lock_operators(&txn).await?;
    let Some(user) = User::find_by_id(user_id).one(&txn).await? else {
        return Ok(false);
    };
    if user.is_admin && user.is_active {
        ensure_another_operator(&txn, user_id).await?;
    }
    // What they saved in others' notes keeps their name once the account is gone.
    use crate::storage::entities::note_revision::{Column, Entity as Revision};
    Revision::update_many()
        .col_expr(Column::SavedByName, Expr::value(user.username.clone()))
        .filter(Column::SavedById.eq(user_id))
        .filter(Column::SavedByName.is_null())
        .exec(&txn)
        .await?;
    // Their notes go with them: whoever they were shared with hears so.
    use crate::storage::entities::note_share::{self, Entity as NoteShare};
    let shared: Vec<(i64, i64)> = NoteShare::find()
        .select_only()
        .column(note_share::Column::NoteId)
        .column(note_share::Column::UserId)
        .filter(note_share::Column::OwnerId.eq(user_id))
        .into_tuple()
        .all(&txn)
        .await?;
    User::delete_by_id(user_id).exec(&txn).await?;
    line.record(&txn, from).await?;
    let unshared = shared.into_iter().flat_map(|(note, reader)| {
        Announcement::note([reader], record::NoteAction::Unshared, note, 0)
    });
    let deleted = Announcement::to(user_id, Event::Account(AccountChange::Deleted));
    record::record(&txn, unshared.chain([deleted])).await?;
    txn.commit().await?;
    Ok(true)
}

/// Makes changes to who is an active operator one at a time, until the transaction ends:
/// two operators demoting each other at once must not both succeed. On PostgreSQL an
/// advisory lock (a row lock would not stop two updates of two different rows); SQLite
/// has one writer, which serialises them by itself.
pub async fn lock_operators(txn: &DatabaseTransaction) -> ApiResult<()> {
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [OPERATORS_LOCK.into()],
        ))
        .await?;
    }
    Ok(())
}

/// The advisory lock's key: "operator" in ASCII, used by nothing else.
const OPERATORS_LOCK: i64 = 0x6f70_6572_6174_6f72;

/// `409` unless an active operator other than `user_id` remains.
pub async fn ensure_another_operator(db: &impl ConnectionTrait, user_id: i64) -> ApiResult<()> {
    let others = User::find()
        .filter(user::Column::IsAdmin.eq(true))
        .filter(user::Column::IsActive.eq(true))
        .filter(user::Column::Id.ne(user_id))
        .count(db)
        .await?;
    if others == 0 {
        return Err(ApiError::Conflict(messages::LAST_OPERATOR));
    }
    Ok(())
}
