use crate::error::{ApiError, ApiResult};
use crate::http::extract::{
    AuthUser, Fields, IDEMPOTENT_REPLAYED, IdempotencyKey, IfMatch, JsonObject, ListQuery, NoteId,
};
use crate::http::openapi::{
    BadRequest, Forbidden, JsonBodyErrors, NotFound, PreconditionFailed, Unauthorized, tags,
};
use crate::http::paging::Links;
use crate::http::reach::{NOTE, NOTE_DELETE};
use crate::http::state::AppState;
use crate::notes::access;
use crate::notes::precondition::etag;
use crate::notes::{self, NoteChanges, Versioned};
use app::api::{Note, NoteInput, NotePatch, Page, TagCount, paths};
use app::validation::{NoteContent, NoteTitle};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use headers::HeaderMapExt;
use serde::Serialize;

/// The caller's notes: the original's plain list, or a page of it when `page` or
/// `page_size` is given.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum NoteList {
    /// Every matching note, newest first.
    #[expect(
        dead_code,
        reason = "the plain list is written as JSON straight from its rows (`notes::list_json`); \
                  the variant gives the document its shape"
    )]
    List(Vec<Note>),
    /// One page of them (Django REST framework's `PageNumberPagination`).
    Page(Page<Note>),
}

const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// A note with its version as the `ETag`, for the client's next `If-Match`.
pub(super) struct Tagged(pub Versioned);

impl IntoResponse for Tagged {
    fn into_response(self) -> Response {
        let mut response = Json(self.0.note).into_response();
        response.headers_mut().typed_insert(etag(self.0.version));
        response
    }
}

/// Title and content, each required unless `partial` (PATCH), and an optional pin.
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
        pinned: fields.optional_bool("pinned"),
    };
    fields.finish(Some(changes))
}

/// List notes
///
/// The caller's notes, pinned ones first, then newest first: the original's plain list,
/// or with `page` or `page_size` a `PageNumberPagination` page (`next` and `previous` are
/// absolute URLs built from the request). `search` and `tag` filter either.
#[utoipa::path(
    get,
    path = paths::NOTES,
    operation_id = "api_notes_list",
    tag = tags::NOTES,
    params(ListQuery),
    security(("jwtAuth" = [])),
    responses(
        (status = OK, description = "The list, or a page of it.", body = NoteList,
            examples(
                ("list" = (summary = "Without paging", value = json!([app::api::examples::note()]))),
                ("page" = (summary = "With page or page_size", value = json!({
                    "count": 41,
                    "next": "https://notes.example/api/notes/?page=3&page_size=20",
                    "previous": "https://notes.example/api/notes/?page=1&page_size=20",
                    "results": [app::api::examples::note()]
                }))),
            )),
        (status = BAD_REQUEST, response = BadRequest),
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = NOT_FOUND, description = "`page` is not a number from 1 to the last page.",
            body = app::errors::Detail, example = json!({"detail": app::errors::messages::INVALID_PAGE})),
    ),
)]
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
            &query.filters,
        )
        .await?;
        return Ok(([(header::CONTENT_TYPE, JSON)], json).into_response());
    };
    let page = notes::page(&state.db, user.id, &query.filters, &paging).await?;
    let links = Links {
        uri: &uri,
        headers: &headers,
        trusted_proxy_hops: state.trusted_proxy_hops,
    };
    Ok(Json(NoteList::Page(links.page(page)?)).into_response())
}

/// List tags
///
/// The caller's #tags, each as first written and with how many notes `?tag=` finds for
/// it (a tag's count takes in the notes of tags nested in it), most used first.
#[utoipa::path(
    get,
    path = paths::TAGS,
    operation_id = "api_tags_list",
    tag = tags::NOTES,
    security(("jwtAuth" = [])),
    responses(
        (status = OK, description = "The tags, most used first.", body = Vec<TagCount>,
            example = json!([{"name": "work", "count": 3}, {"name": "work/meetings", "count": 1}])),
        (status = UNAUTHORIZED, response = Unauthorized),
    ),
)]
pub async fn tags(State(state): State<AppState>, user: AuthUser) -> ApiResult<Json<Vec<TagCount>>> {
    Ok(Json(notes::tags::counts(&state.db, user.id).await?))
}

/// Create a note
#[utoipa::path(
    post,
    path = paths::NOTES,
    operation_id = "api_notes_create",
    tag = tags::NOTES,
    request_body = NoteInput,
    params(IdempotencyKey),
    security(("jwtAuth" = [])),
    responses(
        (status = CREATED, description = "The new note, or the one made before under the \
            same `Idempotency-Key`.", body = Note,
            headers(
                ("ETag" = String, description = "The note's version, for `If-Match`."),
                ("Idempotent-Replayed" = String, description = "`true` when an earlier \
                    request with the same `Idempotency-Key` made the note."),
            ),
            links(
                ("GetNote" = (operation_id = "api_notes_retrieve",
                    parameters(("id" = "$response.body#/id")))),
                ("ReplaceNote" = (operation_id = "api_notes_update",
                    parameters(("id" = "$response.body#/id")))),
                ("PatchNote" = (operation_id = "api_notes_partial_update",
                    parameters(("id" = "$response.body#/id")))),
                ("DeleteNote" = (operation_id = "api_notes_destroy",
                    parameters(("id" = "$response.body#/id")))),
            )),
        JsonBodyErrors,
        (status = UNAUTHORIZED, response = Unauthorized),
    ),
)]
pub async fn create(
    State(state): State<AppState>,
    user: AuthUser,
    IdempotencyKey(key): IdempotencyKey,
    body: JsonObject,
) -> ApiResult<impl IntoResponse> {
    let NoteChanges {
        title,
        content,
        pinned,
    } = changes(&body, false)?;
    let (title, content) = title
        .zip(content)
        .ok_or_else(|| ApiError::Internal("a full note without its fields".into()))?;
    let created = notes::create(
        &state.writer,
        state.note_batches.as_ref(),
        user.id,
        (title, content, pinned.unwrap_or(false)),
        key.as_deref(),
    )
    .await?;
    // The first answer again, marked as such (as Stripe and the IETF draft's examples do).
    let replayed = created
        .replayed
        .then_some([(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"))]);
    Ok((StatusCode::CREATED, replayed, Tagged(created.note)))
}

/// Read a note
#[utoipa::path(
    get,
    path = NOTE,
    operation_id = "api_notes_retrieve",
    tag = tags::NOTES,
    params(NoteId),
    security(("jwtAuth" = [])),
    responses(
        (status = OK, description = "The note.", body = Note,
            headers(("ETag" = String, description = "The note's version, for `If-Match`."))),
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = NOT_FOUND, response = NotFound),
    ),
)]
pub async fn get(
    State(state): State<AppState>,
    user: AuthUser,
    NoteId(id): NoteId,
) -> ApiResult<impl IntoResponse> {
    Ok(Tagged(notes::get(&state.db, user.id, id).await?))
}

/// Replace a note
///
/// Both fields, as on creation.
#[utoipa::path(
    put,
    path = NOTE,
    operation_id = "api_notes_update",
    tag = tags::NOTES,
    params(NoteId, IfMatch),
    request_body = NoteInput,
    security(("jwtAuth" = [])),
    responses(
        (status = OK, description = "The note as written.", body = Note,
            headers(("ETag" = String, description = "The note's new version."))),
        JsonBodyErrors,
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = FORBIDDEN, response = Forbidden),
        (status = NOT_FOUND, response = NotFound),
        (status = PRECONDITION_FAILED, response = PreconditionFailed),
    ),
)]
pub async fn replace(
    state: State<AppState>,
    user: AuthUser,
    id: NoteId,
    if_match: IfMatch,
    body: JsonObject,
) -> ApiResult<impl IntoResponse> {
    update(state, user, id, if_match, body, false).await
}

/// Change a note
///
/// Only the fields sent change.
#[utoipa::path(
    patch,
    path = NOTE,
    operation_id = "api_notes_partial_update",
    tag = tags::NOTES,
    params(NoteId, IfMatch),
    request_body = NotePatch,
    security(("jwtAuth" = [])),
    responses(
        (status = OK, description = "The note as written.", body = Note,
            headers(("ETag" = String, description = "The note's new version."))),
        JsonBodyErrors,
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = FORBIDDEN, response = Forbidden),
        (status = NOT_FOUND, response = NotFound),
        (status = PRECONDITION_FAILED, response = PreconditionFailed),
    ),
)]
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
    // Who may see the note comes before what the body says, as in DRF: a note neither
    // theirs nor shared with them is 404 whatever is sent. The precondition is checked
    // last, against the version the write replaces.
    let (note, access) = access::note(&state.db, user.id, id).await?;
    let changes = changes(&body, partial)?;
    let written =
        notes::update(&state.writer, user.id, access, note, changes, &precondition).await?;
    Ok(Tagged(written))
}

/// Delete a note
#[utoipa::path(
    delete,
    path = NOTE,
    operation_id = "api_notes_destroy",
    tag = tags::NOTES,
    params(NoteId, IfMatch),
    security(("jwtAuth" = [])),
    responses(
        (status = NO_CONTENT, description = "The note is gone."),
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = FORBIDDEN, response = Forbidden),
        (status = NOT_FOUND, response = NotFound),
        (status = PRECONDITION_FAILED, response = PreconditionFailed),
    ),
)]
pub async fn delete(
    State(state): State<AppState>,
    user: AuthUser,
    NoteId(id): NoteId,
    IfMatch(precondition): IfMatch,
) -> ApiResult<StatusCode> {
    // Deleting is the owner's alone: someone it is shared with hears 403.
    let (_, access) = access::note(&state.db, user.id, id).await?;
    access.own()?;
    notes::delete(&state.writer, user.id, id, &precondition).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Delete a note (the original's path)
///
/// The same as `DELETE /api/notes/{id}/`, at the path the original app's clients use.
#[utoipa::path(
    delete,
    path = NOTE_DELETE,
    operation_id = "api_notes_delete_destroy",
    tag = tags::NOTES,
    params(NoteId, IfMatch),
    security(("jwtAuth" = [])),
    responses(
        (status = NO_CONTENT, description = "The note is gone."),
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = FORBIDDEN, response = Forbidden),
        (status = NOT_FOUND, response = NotFound),
        (status = PRECONDITION_FAILED, response = PreconditionFailed),
    ),
)]
pub async fn delete_at_original_path(
    state: State<AppState>,
    user: AuthUser,
    id: NoteId,
    if_match: IfMatch,
) -> ApiResult<StatusCode> {
    delete(state, user, id, if_match).await
}
