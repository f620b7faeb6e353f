//! A note's history: its kept versions, what changed between two, a version restored,
//! and a text set aside in a conflict.

use crate::error::ApiResult;
use crate::http::extract::{AuthUser, Fields, IfMatch, JsonObject, NoteId, Paged, id_of};
use crate::http::openapi::{
    BadRequest, Forbidden, JsonBodyErrors, NotFound, PreconditionFailed, Unauthorized, tags,
};
use crate::http::paging::Links;
use crate::http::routes::notes::Tagged;
use crate::http::state::AppState;
use crate::notes::history::{self, Against};
use app::api::{Note, Page, Revision, RevisionDiff, SetAside, paths};
use app::errors::FieldErrors;
use app::validation::{NoteContent, NoteTitle};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};

/// A note's id and a revision's number, from a path of both.
fn ids((id, revision): &(String, String)) -> ApiResult<(i64, i64)> {
    Ok((id_of(id)?, id_of(revision)?))
}

/// List a note's versions (new)
///
/// The texts the note had before each save, and texts set aside in conflicts, newest
/// first, always paged. The owner sees them all; someone the note is shared with, those
/// kept since it was shared with them. `content` is left out: ask for one revision.
#[utoipa::path(
    get,
    path = paths::REVISIONS,
    operation_id = "api_notes_revisions_list",
    tag = tags::NOTES,
    params(NoteId, Paged),
    security(("jwtAuth" = [])),
    responses(
        (status = OK, description = "A page of revisions.", body = Page<Revision>),
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = NOT_FOUND, description = "No such note for the caller, or `page` is not a \
            number from 1 to the last page.", body = app::errors::Detail),
    ),
)]
pub async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    NoteId(id): NoteId,
    Paged(paging): Paged,
    uri: Uri,
    headers: HeaderMap,
) -> ApiResult<Json<Page<Revision>>> {
    let page = history::page(&state.db, user.id, id, &paging).await?;
    let links = Links {
        uri: &uri,
        headers: &headers,
        trusted_proxy_hops: state.trusted_proxy_hops,
    };
    Ok(Json(links.page(page)?))
}

/// Set a text aside (new)
///
/// Keeps a text that was not saved (the SPA's conflict choice kept the saved version)
/// as a revision of kind `set_aside`; the note itself is unchanged. For whoever may edit
/// the note.
#[utoipa::path(
    post,
    path = paths::REVISIONS,
    operation_id = "api_notes_revisions_create",
    tag = tags::NOTES,
    params(NoteId),
    request_body = SetAside,
    security(("jwtAuth" = [])),
    responses(
        (status = CREATED, description = "The revision kept.", body = Revision),
        JsonBodyErrors,
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = FORBIDDEN, response = Forbidden),
        (status = NOT_FOUND, response = NotFound),
    ),
)]
pub async fn set_aside(
    State(state): State<AppState>,
    user: AuthUser,
    NoteId(id): NoteId,
    body: JsonObject,
) -> ApiResult<(StatusCode, Json<Revision>)> {
    let mut fields = Fields::new(&body);
    let title = fields.required("title");
    let content = fields.required("content");
    let title = title.and_then(|t| fields.check("title", NoteTitle::parse(&t)));
    let content = content.and_then(|c| fields.check("content", NoteContent::parse(&c)));
    let text = fields.finish(title.zip(content))?;
    let kept = history::set_aside(&state.writer, user.id, id, text).await?;
    Ok((StatusCode::CREATED, Json(kept)))
}

/// Read a version (new)
///
/// One revision, with its `content`.
#[utoipa::path(
    get,
    path = paths::REVISION,
    operation_id = "api_notes_revisions_retrieve",
    tag = tags::NOTES,
    params(
        ("id" = i64, Path, description = "The note's id.", minimum = 1),
        ("revision" = i64, Path, description = "The revision's number.", minimum = 1),
    ),
    security(("jwtAuth" = [])),
    responses(
        (status = OK, description = "The revision, whole.", body = Revision),
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = NOT_FOUND, response = NotFound),
    ),
)]
pub async fn get(
    State(state): State<AppState>,
    user: AuthUser,
    Path(path): Path<(String, String)>,
) -> ApiResult<Json<Revision>> {
    let (id, number) = ids(&path)?;
    Ok(Json(history::one(&state.db, user.id, id, number).await?))
}

/// `?against=`: another revision's number, or `current`.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiffQuery {
    /// Compare with this revision (its number) or with the note's text (`current`); by
    /// default the next revision, or the note's text for the newest.
    #[param(example = "current")]
    #[expect(
        dead_code,
        reason = "read from the URI by `against`; here for the document"
    )]
    against: Option<String>,
}

/// `?against=`, by its last value as every query is read.
fn against(uri: &Uri) -> ApiResult<Against> {
    let raw = url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .filter(|(key, _)| key == "against")
        .map(|(_, value)| value)
        .last();
    match raw.as_deref() {
        None | Some("") => Ok(Against::Next),
        Some("current") => Ok(Against::Current),
        Some(number) => id_of(number).map(Against::Revision).map_err(|_| {
            FieldErrors::single("against", "Give a revision's number or \"current\".").into()
        }),
    }
}

/// Compare a version (new)
///
/// What changed from this revision to `against`, line by line: each line's `op`
/// (`equal`, `insert`, `delete`), its plain `text`, and the characters changed within it
/// (`spans`), in stretches (`hunks`) with three unchanged lines around each change.
#[utoipa::path(
    get,
    path = paths::REVISION_DIFF,
    operation_id = "api_notes_revisions_diff",
    tag = tags::NOTES,
    params(
        ("id" = i64, Path, description = "The note's id.", minimum = 1),
        ("revision" = i64, Path, description = "The revision's number.", minimum = 1),
        DiffQuery,
    ),
    security(("jwtAuth" = [])),
    responses(
        (status = OK, description = "The changes.", body = RevisionDiff),
        (status = BAD_REQUEST, response = BadRequest),
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = NOT_FOUND, response = NotFound),
    ),
)]
pub async fn diff(
    State(state): State<AppState>,
    user: AuthUser,
    Path(path): Path<(String, String)>,
    uri: Uri,
) -> ApiResult<Json<RevisionDiff>> {
    let (id, number) = ids(&path)?;
    let against = against(&uri)?;
    Ok(Json(
        history::diff(&state.db, user.id, id, number, against).await?,
    ))
}

/// Restore a version (new)
///
/// The revision's title and text become the note's again, as a new version (the text
/// they replace is kept as a revision). Under `If-Match`, only if the note is still at
/// that version. For whoever may edit the note.
#[utoipa::path(
    post,
    path = paths::REVISION_RESTORE,
    operation_id = "api_notes_revisions_restore",
    tag = tags::NOTES,
    params(
        ("id" = i64, Path, description = "The note's id.", minimum = 1),
        ("revision" = i64, Path, description = "The revision's number.", minimum = 1),
        IfMatch,
    ),
    security(("jwtAuth" = [])),
    responses(
        (status = OK, description = "The note as restored.", body = Note,
            headers(("ETag" = String, description = "The note's new version."))),
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = FORBIDDEN, response = Forbidden),
        (status = NOT_FOUND, response = NotFound),
        (status = PRECONDITION_FAILED, response = PreconditionFailed),
    ),
)]
pub async fn restore(
    State(state): State<AppState>,
    user: AuthUser,
    Path(path): Path<(String, String)>,
    IfMatch(precondition): IfMatch,
) -> ApiResult<Tagged> {
    let (id, number) = ids(&path)?;
    let restored =
        history::restoring::restore(&state.writer, user.id, id, number, &precondition).await?;
    Ok(Tagged(restored))
}
