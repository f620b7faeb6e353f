//! Sharing a note: its links anyone can open and the people it is shared with (both its
//! owner's to manage), what others shared with the caller, and a note through a link.

use crate::error::ApiResult;
use crate::http::extract::{AuthUser, ClientIp, Fields, JsonObject, ListQuery, NoteId, id_of};
use crate::http::openapi::{
    BadRequest, Forbidden, JsonBodyErrors, NotFound, TooManyRequests, Unauthorized, tags,
};
use crate::http::paging::Links;
use crate::http::state::AppState;
use crate::notes::access;
use crate::notes::{links, sharing};
use crate::storage::entities::note_link;
use app::api::{
    LinkRequest, NoteLink, Page, PublicNote, Share, SharePatch, ShareRequest, SharedNote, paths,
};
use app::errors::messages;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::SecondsFormat;
use serde::Serialize;

/// The caller's own note, for what only its owner does: someone it is shared with hears
/// 403, anyone else 404.
async fn owned(
    state: &AppState,
    user: &AuthUser,
    id: i64,
) -> ApiResult<crate::storage::entities::note::Model> {
    let (note, access) = access::note(&state.db, user.id, id).await?;
    access.own()?;
    Ok(note)
}

fn time(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn shown(link: note_link::Model, links: &Links<'_>) -> ApiResult<NoteLink> {
    Ok(NoteLink {
        id: link.id,
        url: links.absolute(&format!("/s/{}", link.token))?,
        created_at: time(link.created_at),
        expires_at: link.expires_at.map(time),
        views: link.views.unsigned_abs(),
    })
}

/// Make a link (new)
///
/// A link anyone can open to read the note as it is now (`/s/{token}`, 128 random bits),
/// until `expires_at` (in the future) or until revoked. The owner's alone.
#[utoipa::path(
    post,
    path = paths::NOTE_LINKS,
    operation_id = "api_notes_links_create",
    tag = tags::SHARING,
    params(NoteId),
    request_body = LinkRequest,
    security(("jwtAuth" = [])),
    responses(
        (status = CREATED, description = "The link.", body = NoteLink),
        JsonBodyErrors,
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = FORBIDDEN, response = Forbidden),
        (status = NOT_FOUND, response = NotFound),
    ),
)]
pub async fn create_link(
    State(state): State<AppState>,
    user: AuthUser,
    NoteId(id): NoteId,
    uri: Uri,
    headers: HeaderMap,
    body: JsonObject,
) -> ApiResult<(StatusCode, Json<NoteLink>)> {
    let note = owned(&state, &user, id).await?;
    let mut fields = Fields::new(&body);
    let expires_at = fields.optional("expires_at").and_then(|raw| {
        let parsed = chrono::DateTime::parse_from_rfc3339(raw.trim())
            .map(|at| at.with_timezone(&chrono::Utc))
            .map_err(|_| vec![messages::NOT_A_TIME.to_owned()])
            .and_then(|at| {
                if at > chrono::Utc::now() {
                    Ok(at)
                } else {
                    Err(vec![messages::EXPIRY_IN_THE_PAST.to_owned()])
                }
            });
        fields.check("expires_at", parsed)
    });
    fields.finish(Some(()))?;
    let link = links::create(&state.writer, &note, expires_at).await?;
    let links = Links {
        uri: &uri,
        headers: &headers,
        trusted_proxy_hops: state.trusted_proxy_hops,
    };
    Ok((StatusCode::CREATED, Json(shown(link, &links)?)))
}

/// A note's links (new)
///
/// With their addresses, so they can be copied again, and their views. The owner's alone.
#[utoipa::path(
    get,
    path = paths::NOTE_LINKS,
    operation_id = "api_notes_links_list",
    tag = tags::SHARING,
    params(NoteId),
    security(("jwtAuth" = [])),
    responses(
        (status = OK, description = "The links, oldest first.", body = Vec<NoteLink>),
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = FORBIDDEN, response = Forbidden),
        (status = NOT_FOUND, response = NotFound),
    ),
)]
pub async fn links(
    State(state): State<AppState>,
    user: AuthUser,
    NoteId(id): NoteId,
    uri: Uri,
    headers: HeaderMap,
) -> ApiResult<Json<Vec<NoteLink>>> {
    let note = owned(&state, &user, id).await?;
    let links = Links {
        uri: &uri,
        headers: &headers,
        trusted_proxy_hops: state.trusted_proxy_hops,
    };
    let all = links::of_note(&state.db, note.id).await?;
    Ok(Json(
        all.into_iter()
            .map(|link| shown(link, &links))
            .collect::<ApiResult<_>>()?,
    ))
}

/// Revoke a link (new)
///
/// It stops working at once, on every replica.
#[utoipa::path(
    delete,
    path = paths::NOTE_LINK,
    operation_id = "api_notes_links_destroy",
    tag = tags::SHARING,
    params(("id" = i64, Path, description = "The note's id.", minimum = 1), ("link_id" = i64, Path, description = "The link's id.", minimum = 1)),
    security(("jwtAuth" = [])),
    responses(
        (status = NO_CONTENT, description = "Revoked."),
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = FORBIDDEN, response = Forbidden),
        (status = NOT_FOUND, response = NotFound),
    ),
)]
pub async fn revoke_link(
    State(state): State<AppState>,
    user: AuthUser,
    Path((id, link_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let note = owned(&state, &user, id_of(&id)?).await?;
    links::revoke(&state.writer, note.id, id_of(&link_id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `permission` from a body, required or not.
fn permission_of(fields: &mut Fields<'_>) -> Option<access::Permission> {
    let raw = fields.required_text("permission");
    raw.and_then(|value| fields.check("permission", sharing::permission(&value)))
}

/// Share a note with someone (new)
///
/// With a person registered here, to `read` or to `edit` (never to delete it or share it
/// onwards). Nobody by that name, or oneself, is a field error on `username`. The
/// owner's alone.
#[utoipa::path(
    post,
    path = paths::NOTE_SHARES,
    operation_id = "api_notes_shares_create",
    tag = tags::SHARING,
    params(NoteId),
    request_body = ShareRequest,
    security(("jwtAuth" = [])),
    responses(
        (status = CREATED, description = "Shared.", body = Share),
        JsonBodyErrors,
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = FORBIDDEN, response = Forbidden),
        (status = NOT_FOUND, response = NotFound),
    ),
)]
pub async fn share(
    State(state): State<AppState>,
    user: AuthUser,
    NoteId(id): NoteId,
    body: JsonObject,
) -> ApiResult<(StatusCode, Json<Share>)> {
    let note = owned(&state, &user, id).await?;
    let mut fields = Fields::new(&body);
    let username = fields.required_text("username");
    let permission = permission_of(&mut fields);
    let (username, permission) = fields.finish(username.zip(permission))?;
    let made = sharing::share(&state.writer, &note, &username, permission).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

/// Who a note is shared with (new)
#[utoipa::path(
    get,
    path = paths::NOTE_SHARES,
    operation_id = "api_notes_shares_list",
    tag = tags::SHARING,
    params(NoteId),
    security(("jwtAuth" = [])),
    responses(
        (status = OK, description = "The people, in the order it was shared with them.", body = Vec<Share>),
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = FORBIDDEN, response = Forbidden),
        (status = NOT_FOUND, response = NotFound),
    ),
)]
pub async fn shares(
    State(state): State<AppState>,
    user: AuthUser,
    NoteId(id): NoteId,
) -> ApiResult<Json<Vec<Share>>> {
    let note = owned(&state, &user, id).await?;
    Ok(Json(sharing::shares(&state.db, note.id).await?))
}

/// Change a share (new)
#[utoipa::path(
    patch,
    path = paths::NOTE_SHARE,
    operation_id = "api_notes_shares_partial_update",
    tag = tags::SHARING,
    params(("id" = i64, Path, description = "The note's id.", minimum = 1), ("share_id" = i64, Path, description = "The share's id.", minimum = 1)),
    request_body = SharePatch,
    security(("jwtAuth" = [])),
    responses(
        (status = OK, description = "The share, changed.", body = Share),
        JsonBodyErrors,
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = FORBIDDEN, response = Forbidden),
        (status = NOT_FOUND, response = NotFound),
    ),
)]
pub async fn change_share(
    State(state): State<AppState>,
    user: AuthUser,
    Path((id, share_id)): Path<(String, String)>,
    body: JsonObject,
) -> ApiResult<Json<Share>> {
    let note = owned(&state, &user, id_of(&id)?).await?;
    let share_id = id_of(&share_id)?;
    let mut fields = Fields::new(&body);
    let permission = permission_of(&mut fields);
    let permission = fields.finish(permission)?;
    Ok(Json(
        sharing::change(&state.writer, &note, share_id, permission).await?,
    ))
}

/// End a share (new)
///
/// The person no longer finds the note, at once.
#[utoipa::path(
    delete,
    path = paths::NOTE_SHARE,
    operation_id = "api_notes_shares_destroy",
    tag = tags::SHARING,
    params(("id" = i64, Path, description = "The note's id.", minimum = 1), ("share_id" = i64, Path, description = "The share's id.", minimum = 1)),
    security(("jwtAuth" = [])),
    responses(
        (status = NO_CONTENT, description = "Ended."),
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = FORBIDDEN, response = Forbidden),
        (status = NOT_FOUND, response = NotFound),
    ),
)]
pub async fn end_share(
    State(state): State<AppState>,
    user: AuthUser,
    Path((id, share_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let note = owned(&state, &user, id_of(&id)?).await?;
    sharing::end(&state.writer, &note, id_of(&share_id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/notes/shared/`'s answer: the plain list, or a page.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum SharedList {
    List(Vec<SharedNote>),
    Page(Page<SharedNote>),
}

/// Shared with me (new)
///
/// The notes others shared with the caller, each with its owner and whether the caller
/// may edit it; the caller's own pins first, then newest first. Searchable and paged like
/// the caller's own list (`tag` is not read: tags are their owners').
#[utoipa::path(
    get,
    path = paths::SHARED_NOTES,
    operation_id = "api_notes_shared_list",
    tag = tags::SHARING,
    params(ListQuery),
    security(("jwtAuth" = [])),
    responses(
        (status = OK, description = "The list, or a page of it.", body = SharedList),
        (status = BAD_REQUEST, response = BadRequest),
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = NOT_FOUND, description = "`page` is not a number from 1 to the last page.",
            body = app::errors::Detail, example = json!({"detail": app::errors::messages::INVALID_PAGE})),
    ),
)]
pub async fn shared(
    State(state): State<AppState>,
    user: AuthUser,
    query: ListQuery,
    uri: Uri,
    headers: HeaderMap,
) -> ApiResult<Json<SharedList>> {
    let plan = query.filters.search.plan(&state.db).await?;
    let Some(paging) = query.paging else {
        return Ok(Json(SharedList::List(
            sharing::shared(&state.db, user.id, &plan).await?,
        )));
    };
    let page = sharing::shared_page(&state.db, user.id, &plan, &paging).await?;
    let links = Links {
        uri: &uri,
        headers: &headers,
        trusted_proxy_hops: state.trusted_proxy_hops,
    };
    Ok(Json(SharedList::Page(links.page(page)?)))
}

/// Leave a shared note (new)
///
/// The caller no longer finds a note someone shared with them.
#[utoipa::path(
    delete,
    path = paths::SHARED_NOTE,
    operation_id = "api_notes_shared_destroy",
    tag = tags::SHARING,
    params(NoteId),
    security(("jwtAuth" = [])),
    responses(
        (status = NO_CONTENT, description = "Left."),
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = NOT_FOUND, response = NotFound),
    ),
)]
pub async fn leave(
    State(state): State<AppState>,
    user: AuthUser,
    NoteId(id): NoteId,
) -> ApiResult<StatusCode> {
    sharing::leave(&state.writer, user.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A note through a link (new)
///
/// For anyone with the link, no account needed: the note as it is now. A revoked,
/// expired or unknown link, or one of a note in the trash, is 404 alike. Requests per
/// address are limited (429).
#[utoipa::path(
    get,
    path = paths::PUBLIC_NOTE,
    operation_id = "api_shared_retrieve",
    tag = tags::SHARING,
    params(("token" = String, Path, description = "The link's token, from its `url`.")),
    responses(
        (status = OK, description = "The note.", body = PublicNote),
        (status = NOT_FOUND, response = NotFound),
        (status = TOO_MANY_REQUESTS, response = TooManyRequests),
    ),
)]
pub async fn public(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Path(token): Path<String>,
) -> ApiResult<Response> {
    let note = crate::http::public::opened(&state, client, &token).await?;
    let note = Json(PublicNote {
        title: note.title,
        content: note.content,
        created_at: time(note.created_at),
        updated_at: time(note.updated_at),
    });
    // As the page: the note as it is now, kept by no cache on the way.
    Ok((
        [(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-store"),
        )],
        note,
    )
        .into_response())
}
