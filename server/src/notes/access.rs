//! Who may do what with a note, decided here and nowhere else: its author everything;
//! a person it is shared with reads it and, shared to edit, writes it, but never deletes
//! it or shares it onwards (403); anyone else finds nothing (404, never 403: a note's
//! existence is not revealed). Operators have no way in. A link reads one note, as it is
//! now, without an account (`links`).

use crate::error::{ApiError, ApiResult};
use crate::storage::entities::note::{self, Column, Entity as Note};
use crate::storage::entities::note_share::{self, Entity as NoteShare};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};

/// What someone may do with a note.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Its author: everything.
    Owner,
    /// Shared to edit: read and write the text.
    Edit,
    /// Shared to read.
    Read,
}

/// `read` or `edit`, as a share stores and the API says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    Read,
    Edit,
}

impl Permission {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Edit => "edit",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "read" => Some(Self::Read),
            "edit" => Some(Self::Edit),
            _ => None,
        }
    }
}

impl Access {
    /// Writing the title and the text: the author, and whom it is shared with to edit.
    pub fn write(self) -> ApiResult<()> {
        match self {
            Self::Owner | Self::Edit => Ok(()),
            Self::Read => Err(ApiError::Forbidden(app::errors::messages::SHARED_READ_ONLY)),
        }
    }

    /// Deleting, and sharing (links and people): the author's alone.
    pub fn own(self) -> ApiResult<()> {
        match self {
            Self::Owner => Ok(()),
            Self::Edit | Self::Read => Err(ApiError::Forbidden(app::errors::messages::OWNER_ONLY)),
        }
    }
}

/// The notes shared with `user`, to edit if `edit`, else at all.
fn shared_with(user: i64, edit: bool) -> sea_orm::sea_query::SelectStatement {
    let mut query = Query::select();
    query
        .column(note_share::Column::NoteId)
        .from(NoteShare)
        .and_where(Expr::col(note_share::Column::UserId).eq(user));
    if edit {
        query.and_where(Expr::col(note_share::Column::Permission).eq(Permission::Edit.as_str()));
    }
    query
}

/// The notes `user` may read: theirs, and those shared with them.
pub fn readable_by(user: i64) -> Condition {
    Condition::any()
        .add(Column::AuthorId.eq(user))
        .add(Column::Id.in_subquery(shared_with(user, false)))
}

/// The notes `user` may write: theirs, and those shared with them to edit. A write's own
/// statement carries it, so a share ended between the check and the write stops it.
pub fn writable_by(user: i64) -> Condition {
    Condition::any()
        .add(Column::AuthorId.eq(user))
        .add(Column::Id.in_subquery(shared_with(user, true)))
}

/// Note `id` and what `user` may do with it; `NotFound` if nothing.
pub async fn note(
    db: &impl ConnectionTrait,
    user: i64,
    id: i64,
) -> ApiResult<(note::Model, Access)> {
    let note = Note::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)?;
    if note.author_id == user {
        return Ok((note, Access::Owner));
    }
    let share = NoteShare::find()
        .filter(note_share::Column::NoteId.eq(id))
        .filter(note_share::Column::UserId.eq(user))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)?;
    let access = match Permission::parse(&share.permission) {
        Some(Permission::Edit) => Access::Edit,
        _ => Access::Read,
    };
    Ok((note, access))
}
