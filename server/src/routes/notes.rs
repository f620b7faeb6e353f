use crate::error::{ApiError, ApiResult};
use crate::extract::{AuthUser, Fields, IfMatch, JsonObject, ListQuery, NoteId};
use crate::notes::{self, NoteChanges, Versioned};
use crate::paging::Links;
use crate::preconditions::etag;
use crate::state::AppState;
use app::api::Page;
use app::validation::{NoteContent, NoteTitle};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use headers::HeaderMapExt;

const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// A note with its version as the `ETag`, for the client's next `If-Match`.
struct Tagged(Versioned);

impl IntoResponse for Tagged {
    fn into_response(self) -> Response {
        let mut response = Json(self.0.note).into_response();
        response.headers_mut().typed_insert(etag(self.0.version));
        response
    }
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
        title: title.and_then(|t| fields.check("title", NoteTitle::parse(&t))),
        content: content.and_then(|c| fields.check("content", NoteContent::parse(&c))),
    };
    fields.finish(Some(changes))
}

/// The plain list, as the original answers; a DRF page with `page` or `page_size`.
pub async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    query: ListQuery,
    uri: Uri,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let Some(paging) = query.paging else {
        let json = notes::list_json(
            &state.db,
            state.inline_reads.as_ref(),
            user.id,
            &query.search,
        )
        .await?;
        return Ok(([(header::CONTENT_TYPE, JSON)], json).into_response());
    };
    let page = notes::page(&state.db, user.id, &query.search, &paging).await?;
    let links = Links {
        uri: &uri,
        headers: &headers,
        trusted_proxy_hops: state.trusted_proxy_hops,
    };
    let (next, previous) = links.around(page.number, page.pages)?;
    Ok(Json(Page {
        count: page.count,
        next,
        previous,
        results: page.results,
    })
    .into_response())
}

pub async fn create(
    State(state): State<AppState>,
    user: AuthUser,
    body: JsonObject,
) -> ApiResult<(StatusCode, impl IntoResponse)> {
    let NoteChanges { title, content } = changes(&body, false)?;
    let (title, content) = title
        .zip(content)
        .ok_or_else(|| ApiError::Internal("a full note without its fields".into()))?;
    let note = notes::create(
        &state.writer,
        state.note_batches.as_ref(),
        user.id,
        title,
        content,
    )
    .await?;
    Ok((StatusCode::CREATED, Tagged(note)))
}

pub async fn get(
    State(state): State<AppState>,
    user: AuthUser,
    NoteId(id): NoteId,
) -> ApiResult<impl IntoResponse> {
    Ok(Tagged(notes::get(&state.db, user.id, id).await?))
}

/// PUT: both fields, as on creation.
pub async fn replace(
    state: State<AppState>,
    user: AuthUser,
    id: NoteId,
    if_match: IfMatch,
    body: JsonObject,
) -> ApiResult<impl IntoResponse> {
    update(state, user, id, if_match, body, false).await
}

/// PATCH: only the fields sent change.
pub async fn patch(
    state: State<AppState>,
    user: AuthUser,
    id: NoteId,
    if_match: IfMatch,
    body: JsonObject,
) -> ApiResult<impl IntoResponse> {
    update(state, user, id, if_match, body, true).await
}

async fn update(
    State(state): State<AppState>,
    user: AuthUser,
    NoteId(id): NoteId,
    IfMatch(precondition): IfMatch,
    body: JsonObject,
    partial: bool,
) -> ApiResult<Tagged> {
    // Whose note it is comes before what the body says, as in DRF: another user's note
    // is 404 whatever is sent. The precondition is checked last, against the version
    // the write replaces.
    let note = notes::find(&state.db, user.id, id).await?;
    let changes = changes(&body, partial)?;
    let written = notes::update(&state.writer, note, changes, &precondition).await?;
    Ok(Tagged(written))
}

pub async fn delete(
    State(state): State<AppState>,
    user: AuthUser,
    NoteId(id): NoteId,
    IfMatch(precondition): IfMatch,
) -> ApiResult<StatusCode> {
    notes::delete(&state.writer, user.id, id, &precondition).await?;
    Ok(StatusCode::NO_CONTENT)
}
