use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, Fields, JsonObject};
use crate::notes::{self, NoteChanges};
use crate::state::AppState;
use app::api::Note;
use app::validation::{NoteContent, NoteTitle};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

/// A note id from the path; anything but a positive integer names no note.
fn note_id(raw: &str) -> ApiResult<i64> {
    raw.parse()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(ApiError::NotFound)
}

/// Title and content, each required unless `partial` (PATCH).
fn changes(body: &JsonObject, partial: bool) -> ApiResult<NoteChanges> {
    let mut fields = Fields::new(body);
    let (title, content) = if partial {
        (fields.optional("title"), fields.optional("content"))
    } else {
        (fields.required("title"), fields.required("content"))
    };
    let changes = NoteChanges {
        title: title.and_then(|t| fields.check("title", NoteTitle::parse(t))),
        content: content.and_then(|c| fields.check("content", NoteContent::parse(c))),
    };
    fields.finish(Some(changes))
}

pub async fn list(State(state): State<AppState>, user: AuthUser) -> ApiResult<Json<Vec<Note>>> {
    Ok(Json(notes::list(&state.db, user.id).await?))
}

pub async fn create(
    State(state): State<AppState>,
    user: AuthUser,
    body: JsonObject,
) -> ApiResult<(StatusCode, Json<Note>)> {
    let NoteChanges { title, content } = changes(&body, false)?;
    let (title, content) = title
        .zip(content)
        .ok_or_else(|| ApiError::Internal("a full note without its fields".into()))?;
    let note = notes::create(&state.db, user.id, title, content).await?;
    Ok((StatusCode::CREATED, Json(note)))
}

pub async fn get(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> ApiResult<Json<Note>> {
    Ok(Json(notes::get(&state.db, user.id, note_id(&id)?).await?))
}

/// PUT: both fields, as on creation.
pub async fn replace(
    state: State<AppState>,
    user: AuthUser,
    id: Path<String>,
    body: JsonObject,
) -> ApiResult<Json<Note>> {
    update(state, user, id, body, false).await
}

/// PATCH: only the fields sent change.
pub async fn patch(
    state: State<AppState>,
    user: AuthUser,
    id: Path<String>,
    body: JsonObject,
) -> ApiResult<Json<Note>> {
    update(state, user, id, body, true).await
}

async fn update(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
    body: JsonObject,
    partial: bool,
) -> ApiResult<Json<Note>> {
    let id = note_id(&id)?;
    let changes = changes(&body, partial)?;
    Ok(Json(notes::update(&state.db, user.id, id, changes).await?))
}

pub async fn delete(
    State(state): State<AppState>,
    user: AuthUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    notes::delete(&state.db, user.id, note_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
