//! The audit log, as Django's `LogEntry` and GoTrue's audit log: every operator action and
//! every security event of an account (sign-ins, failed ones, two-step sign-in, passwords,
//! sessions, deactivation, deletion, invitations), with who, whom, when and from where.
//! Operators read all of it; each person reads their own account's (`activity`). Lines
//! are kept for `AUDIT_RETENTION`, then pruned.

use crate::accounts::sessions::Device;
use crate::error::{ApiError, ApiResult};
use crate::storage::entities::audit_entry::{self, Column, Entity as AuditLog};
use crate::storage::entities::user;
use crate::storage::paging::{Numbered, PageRequest};
use crate::storage::pruning::Prune;
use app::api::{AuditAction, AuditEntry};
use chrono::SecondsFormat;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};
use std::time::Duration;

/// Someone a line names: their id, and their username at the time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: i64,
    pub username: String,
}

impl From<&user::Model> for Person {
    fn from(user: &user::Model) -> Self {
        Self {
            id: user.id,
            username: user.username.clone(),
        }
    }
}

/// A line about to be written.
#[derive(Debug, Clone)]
#[must_use = "a line is written by `record`"]
pub struct Line {
    action: AuditAction,
    actor: Option<Person>,
    target: Option<Person>,
    detail: Option<String>,
}

impl Line {
    /// Something a person did to their own account.
    pub fn own(person: &Person, action: AuditAction) -> Self {
        Self {
            action,
            actor: Some(person.clone()),
            target: Some(person.clone()),
            detail: None,
        }
    }

    /// The same, about `target`'s account.
    pub fn about(mut self, target: &Person) -> Self {
        self.target = Some(target.clone());
        self
    }

    /// Something an operator did, to an account or (`None`) to the server.
    pub fn by(actor: &Person, action: AuditAction, target: Option<&Person>) -> Self {
        Self {
            action,
            actor: Some(actor.clone()),
            target: target.cloned(),
            detail: None,
        }
    }

    /// Something done from the server's command line, which has no account.
    pub fn command_line(action: AuditAction, target: &Person) -> Self {
        Self {
            action,
            actor: None,
            target: Some(target.clone()),
            detail: None,
        }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Writes the line; in a transaction, it stands or falls with the change it records.
    pub async fn record(self, db: &impl ConnectionTrait, from: &Device) -> ApiResult<()> {
        let (actor_id, actor) = split(self.actor);
        let (target_id, target) = split(self.target);
        AuditLog::insert(audit_entry::ActiveModel {
            at: Set(chrono::Utc::now()),
            actor_id: Set(actor_id),
            actor: Set(actor),
            action: Set(self.action.as_str().to_owned()),
            target_id: Set(target_id),
            target: Set(target),
            detail: Set(self.detail),
            ip: Set(from.ip.clone()),
            user_agent: Set(from.user_agent.clone()),
            ..Default::default()
        })
        .exec_without_returning(db)
        .await?;
        Ok(())
    }
}

fn split(person: Option<Person>) -> (Option<i64>, Option<String>) {
    person.map_or((None, None), |p| (Some(p.id), Some(p.username)))
}

/// What operators filter the log by: lines naming this username (as actor or target),
/// of this action.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub user: Option<String>,
    pub action: Option<AuditAction>,
}

/// A page of the whole log, newest first.
pub async fn page(
    db: &impl ConnectionTrait,
    filter: &Filter,
    request: &PageRequest,
) -> ApiResult<Numbered<AuditEntry>> {
    let mut query = AuditLog::find();
    if let Some(user) = &filter.user {
        query = query.filter(
            Condition::any()
                .add(Column::Actor.eq(user.as_str()))
                .add(Column::Target.eq(user.as_str())),
        );
    }
    if let Some(action) = filter.action {
        query = query.filter(Column::Action.eq(action.as_str()));
    }
    numbered(db, query, request, AuditEntry::from).await
}

/// A page of the security events of one account, newest first. What an operator did to
/// it says who, but not from where: an operator's address and browser are theirs.
pub async fn activity(
    db: &impl ConnectionTrait,
    user_id: i64,
    request: &PageRequest,
) -> ApiResult<Numbered<AuditEntry>> {
    let query = AuditLog::find().filter(Column::TargetId.eq(user_id));
    numbered(db, query, request, |row| {
        let own = row.actor_id == Some(user_id);
        let mut line = AuditEntry::from(row);
        if !own {
            line.ip = None;
            line.user_agent = None;
        }
        line
    })
    .await
}

async fn numbered(
    db: &impl ConnectionTrait,
    query: sea_orm::Select<AuditLog>,
    request: &PageRequest,
    show: impl Fn(audit_entry::Model) -> AuditEntry,
) -> ApiResult<Numbered<AuditEntry>> {
    let count = query.clone().count(db).await?;
    let number = request.resolve(count)?;
    let rows = query
        .order_by_desc(Column::Id)
        .limit(request.size)
        .offset(request.offset(number))
        .all(db)
        .await?;
    let lines: Vec<AuditEntry> = rows.into_iter().map(show).collect();
    Ok(request.numbered(count, number, lines))
}

impl From<audit_entry::Model> for AuditEntry {
    fn from(row: audit_entry::Model) -> Self {
        Self {
            id: row.id,
            at: row.at.to_rfc3339_opts(SecondsFormat::Micros, true),
            actor: row.actor,
            action: row.action,
            target: row.target,
            detail: row.detail,
            ip: row.ip,
            user_agent: row.user_agent,
        }
    }
}

/// `?action=`: one of the log's actions, or a field error listing none.
pub fn parse_action(name: &str) -> ApiResult<AuditAction> {
    AuditAction::parse(name).ok_or_else(|| {
        ApiError::from(app::errors::FieldErrors::single(
            "action",
            app::errors::messages::not_a_choice(name),
        ))
    })
}

/// Lines older than `AUDIT_RETENTION`, for the pruner.
pub struct ExpiredAudit {
    pub retention: Duration,
}

impl Prune for ExpiredAudit {
    fn what(&self) -> &'static str {
        "audit_log"
    }

    fn statement(&self, backend: sea_orm::DbBackend) -> Option<sea_orm::Statement> {
        let retention = chrono::Duration::from_std(self.retention).ok()?;
        let before = chrono::Utc::now() - retention;
        Some(
            AuditLog::delete_many()
                .filter(Column::At.lt(before))
                .build(backend),
        )
    }
}
