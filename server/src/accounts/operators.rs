//! What operators do to accounts (the original's Django admin): list and read them with
//! counts, never with what anyone wrote; deactivate and reactivate, grant and revoke
//! operator rights, set a password, turn two-step sign-in off, end sessions, delete. And
//! making operators, from the command line or, once, from the environment at start-up.
//!
//! Every change is recorded in the audit log in its own transaction, and none leaves the
//! server without an active operator (see `users::lock_operators`).

use crate::accounts::audit::{Line, Person};
use crate::accounts::passwords::Passwords;
use crate::accounts::sessions::{self, Device};
use crate::accounts::tokens::now;
use crate::accounts::{challenges, two_step, users};
use crate::error::{ApiError, ApiResult};
use crate::events::record::{self, AccountChange, Announcement, Event};
use crate::storage::entities::user::{self, Column, Entity as User};
use crate::storage::paging::{Numbered, PageRequest};
use app::api::{AdminUser, AdminUserPatch, AuditAction};
use app::errors::{FieldErrors, messages};
use app::validation::{Password, Username};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, NullOrdering};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    FromQueryResult, Order, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select, SqlErr,
    TransactionTrait,
};

/// How operators sort the list: a field, `-` first for descending (DRF's `ordering`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Ordering {
    #[default]
    Username,
    DateJoined,
    LastLogin,
    Notes,
    Id,
}

impl Ordering {
    /// `(field, descending)` from `?ordering=`; a field not offered is ignored, as DRF's
    /// `OrderingFilter` ignores it.
    pub fn parse(value: &str) -> (Self, bool) {
        let (descending, field) = match value.strip_prefix('-') {
            Some(field) => (true, field),
            None => (false, value),
        };
        match field {
            "username" => (Self::Username, descending),
            "date_joined" => (Self::DateJoined, descending),
            "last_login" => (Self::LastLogin, descending),
            "notes" => (Self::Notes, descending),
            "id" => (Self::Id, descending),
            _ => (Self::default(), false),
        }
    }
}

/// `GET /api/admin/users/`'s filters.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Part of a username, in any case.
    pub search: Option<String>,
    pub is_active: Option<bool>,
    pub is_admin: Option<bool>,
    pub ordering: (Ordering, bool),
}

#[derive(Debug, FromQueryResult)]
struct Row {
    id: i64,
    username: String,
    date_joined: chrono::DateTime<chrono::Utc>,
    last_login: Option<chrono::DateTime<chrono::Utc>>,
    is_active: bool,
    is_admin: bool,
    totp_enabled: bool,
    notes: i64,
    sessions: i64,
    storage_used: i64,
    storage_quota_mb: Option<i32>,
}

impl From<Row> for AdminUser {
    fn from(row: Row) -> Self {
        let time = |at: chrono::DateTime<chrono::Utc>| {
            at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        };
        Self {
            id: row.id,
            username: row.username,
            date_joined: time(row.date_joined),
            last_login: row.last_login.map(time),
            is_active: row.is_active,
            is_admin: row.is_admin,
            totp_enabled: row.totp_enabled,
            notes: row.notes.unsigned_abs(),
            sessions: row.sessions.unsigned_abs(),
            storage_used: row.storage_used.unsigned_abs(),
            storage_quota_mb: row.storage_quota_mb.map(i32::unsigned_abs),
        }
    }
}

/// The people's rows with their counts. The counts are subqueries the database answers
/// from its indexes (`notes` by author, `refresh_tokens` by user and by family); the
/// notes' text is never read.
fn with_counts(query: Select<User>) -> Select<User> {
    let live_sessions = format!(
        "(SELECT COUNT(DISTINCT r.family_id) FROM refresh_tokens r \
          WHERE r.user_id = users.id AND r.expires_at > {} AND NOT EXISTS \
          (SELECT 1 FROM refresh_tokens x WHERE x.family_id = r.family_id AND x.revoked))",
        now()
    );
    query
        .select_only()
        .columns([
            Column::Id,
            Column::Username,
            Column::DateJoined,
            Column::LastLogin,
            Column::IsActive,
            Column::IsAdmin,
            Column::StorageQuotaMb,
        ])
        .column_as(
            Expr::cust(
                "EXISTS (SELECT 1 FROM totp_secrets t WHERE t.user_id = users.id AND t.enabled)",
            ),
            "totp_enabled",
        )
        .column_as(
            Expr::cust("(SELECT COUNT(*) FROM notes n WHERE n.author_id = users.id)"),
            "notes",
        )
        .column_as(Expr::cust(live_sessions), "sessions")
        .column_as(
            // PostgreSQL's SUM of a BIGINT is a NUMERIC.
            Expr::cust(
                "(SELECT CAST(COALESCE(SUM(a.size), 0) AS BIGINT) FROM attachments a \
                  WHERE a.owner_id = users.id)",
            ),
            "storage_used",
        )
}

fn filtered(filter: &Filter) -> Select<User> {
    let mut query = User::find();
    if let Some(search) = filter.search.as_deref().filter(|s| !s.is_empty()) {
        let escaped: String = search
            .to_lowercase()
            .chars()
            .flat_map(|c| match c {
                '%' | '_' | '\\' => vec!['\\', c],
                c => vec![c],
            })
            .collect();
        query = query.filter(
            Expr::expr(Func::lower(Expr::col((User, Column::Username))))
                .like(LikeExpr::new(format!("%{escaped}%")).escape('\\')),
        );
    }
    if let Some(active) = filter.is_active {
        query = query.filter(Column::IsActive.eq(active));
    }
    if let Some(admin) = filter.is_admin {
        query = query.filter(Column::IsAdmin.eq(admin));
    }
    query
}

/// A page of the people, with their counts.
pub async fn page(
    db: &impl ConnectionTrait,
    filter: &Filter,
    request: &PageRequest,
) -> ApiResult<Numbered<AdminUser>> {
    let query = filtered(filter);
    let count = query.clone().count(db).await?;
    let number = request.resolve(count)?;
    let (field, descending) = filter.ordering;
    let order = if descending { Order::Desc } else { Order::Asc };
    let mut query = with_counts(query);
    query = match field {
        Ordering::Username => query.order_by(Column::Username, order.clone()),
        Ordering::DateJoined => query.order_by(Column::DateJoined, order.clone()),
        // Never signed in comes last either way.
        Ordering::LastLogin => {
            query.order_by_with_nulls(Column::LastLogin, order.clone(), NullOrdering::Last)
        }
        Ordering::Notes => query.order_by(Expr::cust("notes"), order.clone()),
        Ordering::Id => query,
    };
    let rows = query
        .order_by(Column::Id, order)
        .limit(request.size)
        .offset(request.offset(number))
        .into_model::<Row>()
        .all(db)
        .await?;
    Ok(request.numbered(count, number, rows))
}

/// One person, with their counts.
pub async fn get(db: &impl ConnectionTrait, id: i64) -> ApiResult<AdminUser> {
    with_counts(User::find().filter(Column::Id.eq(id)))
        .into_model::<Row>()
        .one(db)
        .await?
        .map(AdminUser::from)
        .ok_or(ApiError::NotFound)
}

async fn target(db: &impl ConnectionTrait, id: i64) -> ApiResult<user::Model> {
    User::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)
}

/// `PATCH`: activates or deactivates, grants or revokes operator rights, sets the storage
/// quota. Deactivating ends every session of the person at once. Nobody deactivates
/// themselves, and the last active operator stays one.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Person,
    id: i64,
    patch: AdminUserPatch,
    from: &Device,
) -> ApiResult<AdminUser> {
    if patch.is_active == Some(false) && id == actor.id {
        return Err(ApiError::Conflict(messages::OWN_ACCOUNT_DEACTIVATION));
    }
    let txn = db.begin().await?;
    users::lock_operators(&txn).await?;
    let user = target(&txn, id).await?;
    let is_active = patch.is_active.unwrap_or(user.is_active);
    let is_admin = patch.is_admin.unwrap_or(user.is_admin);
    if user.is_admin && user.is_active && !(is_admin && is_active) {
        users::ensure_another_operator(&txn, id).await?;
    }
    let quota = match patch.storage_quota_mb {
        Some(quota) => quota.map(|mb| Ord::min(mb, app::api::MAX_STORAGE_QUOTA_MB) as i32),
        None => user.storage_quota_mb,
    };
    User::update_many()
        .col_expr(Column::IsActive, Expr::value(is_active))
        .col_expr(Column::IsAdmin, Expr::value(is_admin))
        .col_expr(Column::StorageQuotaMb, Expr::value(quota))
        .filter(Column::Id.eq(id))
        .exec(&txn)
        .await?;
    let person = Person::from(&user);
    let mut changes = Vec::new();
    let mut told = Vec::new();
    if is_active != user.is_active {
        if !is_active {
            told = sessions::revoke_all(&txn, id).await?;
            told.push(Announcement::to(
                id,
                Event::Account(AccountChange::Deactivated),
            ));
            challenges::forget(&txn, id).await?;
        }
        changes.push(if is_active {
            AuditAction::AccountActivated
        } else {
            AuditAction::AccountDeactivated
        });
    }
    if is_admin != user.is_admin {
        told.push(Announcement::to(
            id,
            Event::Account(AccountChange::RoleChanged),
        ));
        changes.push(if is_admin {
            AuditAction::AdminGranted
        } else {
            AuditAction::AdminRevoked
        });
    }
    let mut lines: Vec<Line> = changes
        .into_iter()
        .map(|action| Line::by(actor, action, Some(&person)))
        .collect();
    if quota != user.storage_quota_mb {
        let detail = match quota {
            Some(mb) => format!("{mb} MB"),
            None => "the server's".to_owned(),
        };
        lines.push(Line::by(actor, AuditAction::QuotaChanged, Some(&person)).detail(detail));
    }
    for line in lines {
        line.record(&txn, from).await?;
    }
    record::record(&txn, told).await?;
    txn.commit().await?;
    get(db, id).await
}

/// Sets a person's password (registration's rules: a weak one is a field error on
/// `new_password`) and ends their sessions.
pub async fn reset_password(
    db: &DatabaseConnection,
    passwords: &Passwords,
    actor: &Person,
    id: i64,
    new_password: &str,
    from: &Device,
) -> ApiResult<()> {
    let user = target(db, id).await?;
    let password = Password::parse(new_password, &user.username).map_err(|errors| {
        FieldErrors(std::iter::once(("new_password".into(), errors)).collect())
    })?;
    let line = Line::by(
        actor,
        AuditAction::PasswordReset,
        Some(&Person::from(&user)),
    );
    users::set_password(db, passwords, &user, password, line, (from, None)).await
}

/// Turns a person's two-step sign-in off (they lost their phone and their codes); nothing
/// to record if it was off.
pub async fn reset_two_step(
    db: &DatabaseConnection,
    actor: &Person,
    id: i64,
    from: &Device,
) -> ApiResult<()> {
    let line = Line::by(actor, AuditAction::TotpDisabled, None);
    recorded(db, id, line, from, async |txn| {
        let was_on = two_step::remove(txn, id).await?;
        Ok(was_on.then(|| {
            vec![Announcement::to(
                id,
                Event::Account(AccountChange::TwoStepOff),
            )]
        }))
    })
    .await
}

/// Ends every session of a person.
pub async fn end_sessions(
    db: &DatabaseConnection,
    actor: &Person,
    id: i64,
    from: &Device,
) -> ApiResult<()> {
    let line = Line::by(actor, AuditAction::SessionsEnded, None);
    recorded(db, id, line, from, async |txn| {
        Ok(Some(sessions::revoke_all(txn, id).await?))
    })
    .await
}

/// Does `change` to person `id`'s account and, if it changed anything (it answers what
/// their streams are to hear), records `line` about them, in one transaction.
async fn recorded(
    db: &DatabaseConnection,
    id: i64,
    line: Line,
    from: &Device,
    change: impl AsyncFnOnce(&DatabaseTransaction) -> ApiResult<Option<Vec<Announcement>>>,
) -> ApiResult<()> {
    let user = target(db, id).await?;
    let txn = db.begin().await?;
    if let Some(told) = change(&txn).await? {
        line.about(&Person::from(&user)).record(&txn, from).await?;
        record::record(&txn, told).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Deletes a person's account with everything of theirs. An operator deletes their own
/// from their account page, with their password.
pub async fn delete(
    db: &DatabaseConnection,
    actor: &Person,
    id: i64,
    from: &Device,
) -> ApiResult<()> {
    if id == actor.id {
        return Err(ApiError::Conflict(messages::OWN_ACCOUNT_DELETION));
    }
    let user = target(db, id).await?;
    let line = Line::by(
        actor,
        AuditAction::AccountDeleted,
        Some(&Person::from(&user)),
    );
    if users::delete_account(db, id, line, from).await? {
        Ok(())
    } else {
        Err(ApiError::NotFound)
    }
}

/// Why an operator could not be made from the command line.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Failed(ApiError),
}

/// A new operator (`server createsuperuser`), under registration's rules; an existing
/// name is refused, never changed.
pub async fn create(
    db: &DatabaseConnection,
    passwords: &Passwords,
    username: &Username,
    password: Password,
    how: &str,
) -> Result<user::Model, CreateError> {
    let taken = || {
        CreateError::Invalid(format!(
            "{}: {}",
            username.as_str(),
            messages::USERNAME_TAKEN
        ))
    };
    match users::ensure_free(db, username).await {
        Ok(()) => {}
        Err(ApiError::Fields(_)) => return Err(taken()),
        Err(e) => return Err(CreateError::Failed(e)),
    }
    let hash = passwords
        .hash(password.expose().to_owned())
        .await
        .map_err(CreateError::Failed)?;
    let made = async {
        let txn = db.begin().await?;
        let user = users::insert(&txn, username, hash, true).await?;
        Line::command_line(AuditAction::Registered, &Person::from(&user))
            .detail(how)
            .record(&txn, &Device::default())
            .await?;
        txn.commit().await?;
        Ok::<_, ApiError>(user)
    };
    made.await.map_err(|e| match e {
        ApiError::Database(ref db_err)
            if matches!(db_err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) =>
        {
            taken()
        }
        other => CreateError::Failed(other),
    })
}

/// `SUPERUSER_USERNAME` and `SUPERUSER_PASSWORD` at start-up, as Django's
/// `createsuperuser --noinput`: the operator is made only while the server has none, and
/// an existing account is never changed. Answers whom it made.
pub async fn create_first(
    db: &DatabaseConnection,
    passwords: &Passwords,
    username: &Username,
    password: Password,
) -> ApiResult<Option<user::Model>> {
    let operators = User::find()
        .filter(Column::IsAdmin.eq(true))
        .count(db)
        .await?;
    if operators > 0 {
        return Ok(None);
    }
    match create(
        db,
        passwords,
        username,
        password,
        "from SUPERUSER_USERNAME at start-up",
    )
    .await
    {
        Ok(user) => Ok(Some(user)),
        Err(CreateError::Invalid(why)) => {
            tracing::warn!(
                username = username.as_str(),
                "SUPERUSER_USERNAME names an existing account, which is left as it is: {why}"
            );
            Ok(None)
        }
        Err(CreateError::Failed(e)) => Err(e),
    }
}
