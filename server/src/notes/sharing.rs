//! Notes shared with people on this server: the owner shares with a username, to read or
//! to edit, changes or ends a share; the person finds what is shared with them
//! (`shared`), pins it for themselves, and may leave it. What a share allows is
//! `access`'s to say.

use crate::accounts::users;
use crate::error::{ApiError, ApiResult};
use crate::events::record::NoteAction;
use crate::notes::access::Permission;
use crate::notes::announce;
use crate::notes::search::Plan;
use crate::storage::entities::note::{self, Column, Entity as Note};
use crate::storage::entities::note_link::{self, Entity as NoteLink};
use crate::storage::entities::note_pin::{self, Entity as NotePin};
use crate::storage::entities::note_share::{self, Entity as NoteShare};
use crate::storage::entities::user::{self, Entity as User};
use crate::storage::paging::{Numbered, PageRequest};
use app::api::{Owner, Share, SharedNote};
use app::errors::{FieldErrors, messages};
use app::validation::Username;
use chrono::SecondsFormat;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    FromQueryResult, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select,
    TransactionTrait,
};

fn time(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// `permission`'s value, or the field error DRF's `ChoiceField` gives.
pub fn permission(value: &str) -> Result<Permission, Vec<String>> {
    Permission::parse(value).ok_or_else(|| vec![messages::not_a_choice(value)])
}

async fn shown(db: &impl ConnectionTrait, share: note_share::Model) -> ApiResult<Share> {
    let username = User::find_by_id(share.user_id)
        .one(db)
        .await?
        .map(|u| u.username)
        .unwrap_or_default();
    Ok(Share {
        id: share.id,
        username,
        permission: share.permission,
        created_at: time(share.created_at),
    })
}

/// Which of `ids` (an owner's notes) are shared: with someone, or by a link that still
/// works. One indexed read for a page of the list.
pub async fn shared_among(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> ApiResult<std::collections::HashSet<i64>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let mut shared: std::collections::HashSet<i64> = NoteShare::find()
        .select_only()
        .column(note_share::Column::NoteId)
        .filter(note_share::Column::NoteId.is_in(ids.iter().copied()))
        .into_tuple::<i64>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let now = chrono::Utc::now();
    shared.extend(
        NoteLink::find()
            .select_only()
            .column(note_link::Column::NoteId)
            .filter(note_link::Column::NoteId.is_in(ids.iter().copied()))
            .filter(
                sea_orm::Condition::any()
                    .add(note_link::Column::ExpiresAt.is_null())
                    .add(note_link::Column::ExpiresAt.gt(now)),
            )
            .into_tuple::<i64>()
            .all(db)
            .await?,
    );
    Ok(shared)
}

/// Whose note `note` is, as a person it is shared with sees it.
pub async fn owner(db: &impl ConnectionTrait, author: i64) -> ApiResult<Owner> {
    let username = User::find_by_id(author)
        .one(db)
        .await?
        .map(|u| u.username)
        .unwrap_or_default();
    Ok(Owner {
        id: author,
        username,
    })
}

/// The people note `note_id` is shared with, in the order it was shared.
pub async fn shares(db: &impl ConnectionTrait, note_id: i64) -> ApiResult<Vec<Share>> {
    let rows = NoteShare::find()
        .filter(note_share::Column::NoteId.eq(note_id))
        .order_by_asc(note_share::Column::Id)
        .all(db)
        .await?;
    let names: std::collections::HashMap<i64, String> = User::find()
        .filter(user::Column::Id.is_in(rows.iter().map(|r| r.user_id)))
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::Username)
        .into_tuple()
        .all(db)
        .await?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(|share| Share {
            id: share.id,
            username: names.get(&share.user_id).cloned().unwrap_or_default(),
            permission: share.permission,
            created_at: time(share.created_at),
        })
        .collect())
}

/// Shares the owner's note with the person named `username`: nobody by that name, or the
/// owner, is a field error on `username`, and so is a second share with one person.
pub async fn share(
    db: &DatabaseConnection,
    note: &note::Model,
    username: &str,
    permission: Permission,
) -> ApiResult<Share> {
    let nobody = || {
        ApiError::from(FieldErrors::single(
            "username",
            messages::SHARE_WITH_SOMEONE,
        ))
    };
    let name = Username::parse(username).map_err(|_| nobody())?;
    let person = users::by_username(db, &name).await.map_err(|e| match e {
        ApiError::NotFound => nobody(),
        other => other,
    })?;
    if person.id == note.author_id || !person.is_active {
        return Err(nobody());
    }
    let row = note_share::ActiveModel {
        note_id: Set(note.id),
        owner_id: Set(note.author_id),
        user_id: Set(person.id),
        permission: Set(permission.as_str().to_owned()),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    };
    let txn = db.begin().await?;
    let made = NoteShare::insert(row)
        .on_conflict(
            OnConflict::columns([note_share::Column::NoteId, note_share::Column::UserId])
                .do_nothing()
                .to_owned(),
        )
        .exec_with_returning(&txn)
        .await;
    match made {
        Ok(share) => {
            let shared = (note.id, note.version);
            let author = Some(note.author_id);
            announce::to(&txn, person.id, shared, NoteAction::Shared, author).await?;
            txn.commit().await?;
            Ok(Share {
                id: share.id,
                username: person.username,
                permission: share.permission,
                created_at: time(share.created_at),
            })
        }
        // The conflict inserted nothing, so nothing came back.
        Err(sea_orm::DbErr::RecordNotInserted | sea_orm::DbErr::RecordNotFound(_)) => {
            Err(FieldErrors::single("username", messages::ALREADY_SHARED).into())
        }
        Err(e) => Err(e.into()),
    }
}

async fn one(
    db: &impl ConnectionTrait,
    note_id: i64,
    share_id: i64,
) -> ApiResult<note_share::Model> {
    NoteShare::find_by_id(share_id)
        .filter(note_share::Column::NoteId.eq(note_id))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)
}

/// Changes what one share of the owner's `note` allows.
pub async fn change(
    db: &DatabaseConnection,
    note: &note::Model,
    share_id: i64,
    permission: Permission,
) -> ApiResult<Share> {
    let txn = db.begin().await?;
    let share = one(&txn, note.id, share_id).await?;
    NoteShare::update_many()
        .col_expr(
            note_share::Column::Permission,
            Expr::value(permission.as_str()),
        )
        .filter(note_share::Column::Id.eq(share.id))
        .exec(&txn)
        .await?;
    let shown = shown(
        &txn,
        note_share::Model {
            permission: permission.as_str().to_owned(),
            ..share
        },
    )
    .await?;
    let shared = (note.id, note.version);
    announce::to(&txn, share.user_id, shared, NoteAction::Shared, None).await?;
    txn.commit().await?;
    Ok(shown)
}

/// Ends one share of the owner's `note`: the person no longer finds it, at once.
pub async fn end(db: &DatabaseConnection, note: &note::Model, share_id: i64) -> ApiResult<()> {
    let txn = db.begin().await?;
    let share = one(&txn, note.id, share_id).await?;
    forget(&txn, share.note_id, Some(share.user_id)).await?;
    let shared = (note.id, note.version);
    let author = Some(note.author_id);
    announce::to(&txn, share.user_id, shared, NoteAction::Unshared, author).await?;
    txn.commit().await?;
    Ok(())
}

/// A person leaves a note shared with them; `NotFound` if it is not.
pub async fn leave(db: &DatabaseConnection, user: i64, note_id: i64) -> ApiResult<()> {
    let txn = db.begin().await?;
    let gone = NoteShare::delete_many()
        .filter(note_share::Column::NoteId.eq(note_id))
        .filter(note_share::Column::UserId.eq(user))
        .exec_with_returning(&txn)
        .await?;
    let Some(share) = gone.first() else {
        return Err(ApiError::NotFound);
    };
    unpin(&txn, user, note_id).await?;
    let version: i64 = Note::find_by_id(note_id)
        .select_only()
        .column(Column::Version)
        .into_tuple()
        .one(&txn)
        .await?
        .unwrap_or(0);
    let left = (note_id, version);
    let author = Some(share.owner_id);
    announce::to(&txn, user, left, NoteAction::Unshared, author).await?;
    txn.commit().await?;
    Ok(())
}

/// The share of `note_id` with `user` (or every share of it) gone, with their pins.
async fn forget(db: &impl ConnectionTrait, note_id: i64, user: Option<i64>) -> ApiResult<()> {
    let mut shares = NoteShare::delete_many().filter(note_share::Column::NoteId.eq(note_id));
    let mut pins = NotePin::delete_many().filter(note_pin::Column::NoteId.eq(note_id));
    if let Some(user) = user {
        shares = shares.filter(note_share::Column::UserId.eq(user));
        pins = pins.filter(note_pin::Column::UserId.eq(user));
    }
    shares.exec(db).await?;
    pins.exec(db).await?;
    Ok(())
}

/// Whether `user` pinned note `note_id` shared with them.
pub async fn pinned(db: &impl ConnectionTrait, user: i64, note_id: i64) -> ApiResult<bool> {
    Ok(NotePin::find_by_id((user, note_id))
        .one(db)
        .await?
        .is_some())
}

/// Pins (or unpins) a note shared with `user`, for them alone.
pub async fn pin(db: &impl ConnectionTrait, user: i64, note_id: i64, on: bool) -> ApiResult<()> {
    if !on {
        return unpin(db, user, note_id).await;
    }
    NotePin::insert(note_pin::ActiveModel {
        user_id: Set(user),
        note_id: Set(note_id),
    })
    .on_conflict(
        OnConflict::columns([note_pin::Column::UserId, note_pin::Column::NoteId])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

async fn unpin(db: &impl ConnectionTrait, user: i64, note_id: i64) -> ApiResult<()> {
    NotePin::delete_by_id((user, note_id)).exec(db).await?;
    Ok(())
}

#[derive(Debug, FromQueryResult)]
struct Row {
    id: i64,
    title: String,
    content: String,
    created_at: chrono::DateTime<chrono::Utc>,
    updated_at: chrono::DateTime<chrono::Utc>,
    author_id: i64,
    owner: String,
    permission: String,
    pinned: bool,
}

impl From<Row> for SharedNote {
    fn from(row: Row) -> Self {
        Self {
            id: row.id,
            title: row.title,
            content: row.content,
            created_at: time(row.created_at),
            updated_at: time(row.updated_at),
            author: row.author_id,
            pinned: row.pinned,
            owner: Owner {
                id: row.author_id,
                username: row.owner,
            },
            permission: row.permission,
        }
    }
}

/// The notes shared with `user` that hold every term of `plan`.
fn shared_with(user: i64, plan: &Plan, backend: DbBackend) -> Select<Note> {
    let scope = sea_orm::Condition::all().add(Expr::cust(format!(
        r#""notes"."id" IN (SELECT note_id FROM note_shares WHERE user_id = {user})"#
    )));
    Note::find().filter(plan.within(scope, backend))
}

/// Their pins first, then newest first, each with its owner and what the share allows.
fn shown_rows(select: Select<Note>, user: i64) -> Select<Note> {
    select
        .select_only()
        .columns([
            Column::Id,
            Column::Title,
            Column::Content,
            Column::CreatedAt,
            Column::UpdatedAt,
            Column::AuthorId,
        ])
        .column_as(
            Expr::cust(r#"(SELECT username FROM users WHERE users.id = "notes"."author_id")"#),
            "owner",
        )
        .column_as(
            Expr::cust(format!(
                r#"(SELECT permission FROM note_shares WHERE note_id = "notes"."id" AND user_id = {user})"#
            )),
            "permission",
        )
        .column_as(
            Expr::cust(format!(
                r#"EXISTS (SELECT 1 FROM note_pins WHERE note_id = "notes"."id" AND user_id = {user})"#
            )),
            "pinned",
        )
        .order_by_desc(Expr::cust("pinned"))
        .order_by_desc(Column::CreatedAt)
        .order_by_desc(Column::Id)
}

/// Every note shared with `user` that holds every term of `plan`.
pub async fn shared(
    db: &impl ConnectionTrait,
    user: i64,
    plan: &Plan,
) -> ApiResult<Vec<SharedNote>> {
    let backend = db.get_database_backend();
    let rows = shown_rows(shared_with(user, plan, backend), user)
        .into_model::<Row>()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(SharedNote::from).collect())
}

/// Page `request` of them.
pub async fn shared_page(
    db: &impl ConnectionTrait,
    user: i64,
    plan: &Plan,
    request: &PageRequest,
) -> ApiResult<Numbered<SharedNote>> {
    let backend = db.get_database_backend();
    let count = shared_with(user, plan, backend).count(db).await?;
    let number = request.resolve(count)?;
    let rows = shown_rows(shared_with(user, plan, backend), user)
        .limit(request.size)
        .offset(request.offset(number))
        .into_model::<Row>()
        .all(db)
        .await?;
    Ok(request.numbered(count, number, rows))
}

/// Links, shares, pins and revisions of notes deleted for good, for the pruner. They have no foreign
/// key to `notes` (a note in the trash keeps them, and gets them back on restore), and
/// note ids are never reused, so until pruned they point at nothing.
pub struct Orphaned(pub Leftover);

#[derive(Clone, Copy)]
pub enum Leftover {
    Links,
    Shares,
    Pins,
    Revisions,
}

impl crate::storage::pruning::Prune for Orphaned {
    fn what(&self) -> &'static str {
        match self.0 {
            Leftover::Links => "note_links",
            Leftover::Shares => "note_shares",
            Leftover::Pins => "note_pins",
            Leftover::Revisions => "note_revisions",
        }
    }

    fn statement(&self, backend: DbBackend) -> Option<sea_orm::Statement> {
        use crate::storage::entities::note_link::{self, Entity as NoteLink};
        use crate::storage::entities::trashed_note::{self, Entity as Trashed};
        use sea_orm::QueryTrait;
        use sea_orm::sea_query::Query;
        let kept = || {
            Query::select()
                .column(Column::Id)
                .from(Note)
                .union(
                    sea_orm::sea_query::UnionType::All,
                    Query::select()
                        .column(trashed_note::Column::Id)
                        .from(Trashed)
                        .to_owned(),
                )
                .to_owned()
        };
        Some(match self.0 {
            Leftover::Links => NoteLink::delete_many()
                .filter(note_link::Column::NoteId.not_in_subquery(kept()))
                .build(backend),
            Leftover::Shares => NoteShare::delete_many()
                .filter(note_share::Column::NoteId.not_in_subquery(kept()))
                .build(backend),
            Leftover::Pins => NotePin::delete_many()
                .filter(note_pin::Column::NoteId.not_in_subquery(kept()))
                .build(backend),
            Leftover::Revisions => {
                use crate::storage::entities::note_revision::{self, Entity as NoteRevision};
                NoteRevision::delete_many()
                    .filter(note_revision::Column::NoteId.not_in_subquery(kept()))
                    .build(backend)
            }
        })
    }
}
