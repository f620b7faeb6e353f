//! A user's notes. Every query is scoped to the author, so another user's note is
//! indistinguishable from one that does not exist.

use crate::entities::note::{self, Entity as Note};
use crate::error::{ApiError, ApiResult};
use app::validation::{NoteContent, NoteTitle};
use chrono::SecondsFormat;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder,
};

/// What a change sets; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct NoteChanges {
    pub title: Option<NoteTitle>,
    pub content: Option<NoteContent>,
}

fn to_api(n: note::Model) -> app::api::Note {
    app::api::Note {
        id: n.id,
        title: n.title,
        content: n.content,
        created_at: n.created_at.to_rfc3339_opts(SecondsFormat::Micros, true),
        updated_at: n.updated_at.to_rfc3339_opts(SecondsFormat::Micros, true),
        author: n.author_id,
    }
}

pub async fn list(db: &DatabaseConnection, author: i64) -> ApiResult<Vec<app::api::Note>> {
    let notes = Note::find()
        .filter(note::Column::AuthorId.eq(author))
        .order_by_desc(note::Column::CreatedAt)
        .order_by_desc(note::Column::Id)
        .all(db)
        .await?;
    Ok(notes.into_iter().map(to_api).collect())
}

pub async fn create(
    db: &DatabaseConnection,
    author: i64,
    title: NoteTitle,
    content: NoteContent,
) -> ApiResult<app::api::Note> {
    let now = chrono::Utc::now();
    let created = note::ActiveModel {
        title: Set(title.into_inner()),
        content: Set(content.into_inner()),
        created_at: Set(now),
        updated_at: Set(now),
        author_id: Set(author),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(to_api(created))
}

/// The author's note `id`; another user's note is `NotFound` like a missing one.
pub async fn find(db: &DatabaseConnection, author: i64, id: i64) -> ApiResult<note::Model> {
    Note::find_by_id(id)
        .filter(note::Column::AuthorId.eq(author))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)
}

pub async fn get(db: &DatabaseConnection, author: i64, id: i64) -> ApiResult<app::api::Note> {
    find(db, author, id).await.map(to_api)
}

pub async fn update(
    db: &DatabaseConnection,
    note: note::Model,
    changes: NoteChanges,
) -> ApiResult<app::api::Note> {
    let mut active: note::ActiveModel = note.into();
    if let Some(title) = changes.title {
        active.title = Set(title.into_inner());
    }
    if let Some(content) = changes.content {
        active.content = Set(content.into_inner());
    }
    active.updated_at = Set(chrono::Utc::now());
    Ok(to_api(active.update(db).await?))
}

/// One statement, so a note deleted twice at once is deleted once and the other caller
/// hears 404.
pub async fn delete(db: &DatabaseConnection, author: i64, id: i64) -> ApiResult<()> {
    let deleted = Note::delete_many()
        .filter(note::Column::Id.eq(id))
        .filter(note::Column::AuthorId.eq(author))
        .exec(db)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(ApiError::NotFound);
    }
    Ok(())
}
