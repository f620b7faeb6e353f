use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, Fields, JsonObject, NoteId};
use crate::notes::{self, NoteChanges};
use crate::state::AppState;
use app::api::Note;
use app::validation::{NoteContent, NoteTitle};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

/// Title and content, each required unless `partial` (PATCH).
fn changes(body: &JsonObject, partial: bool) -> ApiResult<NoteChanges> {
    let mut fields = Fields::new(body);
    let (title, content) = if partial {
        (fields.optional("title"), fields.optional("content"))
    } else {
        (fields.required("title"), fields.required("content"))
    };
    let changes = NoteChanges {
        title: title.and_then(|t| fields.check("title", NoteTitle::parse(&t))),
        content: content.and_then(|c| fields.check("content", NoteContent::parse(&c))),
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
    let note = notes::create(&state.writer, user.id, title, content).await?;
    Ok((StatusCode::CREATED, Json(note)))
}

pub async fn get(
    State(state): State<AppState>,
    user: AuthUser,
    NoteId(id): NoteId,
) -> ApiResult<Json<Note>> {
    Ok(Json(notes::get(&state.db, user.id, id).await?))
}

/// PUT: both fields, as on creation.
pub async fn replace(
    state: State<AppState>,
    user: AuthUser,
    id: NoteId,
    body: JsonObject,
) -> ApiResult<Json<Note>> {
    update(state, user, id, body, false).await
}

/// PATCH: only the fields sent change.
pub async fn patch(
    state: State<AppState>,
    user: AuthUser,
    id: NoteId,
    body: JsonObject,
) -> ApiResult<Json<Note>> {
    update(state, user, id, body, true).await
}

async fn update(
    State(state): State<AppState>,
    user: AuthUser,
    NoteId(id): NoteId,
    body: JsonObject,
    partial: bool,
) -> ApiResult<Json<Note>> {
    // Whose note it is comes before what the body says, as in DRF: another user's note
    // is 404 whatever is sent.
    let note = notes::find(&state.db, user.id, id).await?;
    let changes = changes(&body, partial)?;
    Ok(Json(notes::update(&state.writer, note, changes).await?))
}

pub async fn delete(
    State(state): State<AppState>,
    user: AuthUser,
    NoteId(id): NoteId,
) -> ApiResult<StatusCode> {
    notes::delete(&state.writer, user.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
