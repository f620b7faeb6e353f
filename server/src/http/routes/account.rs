use crate::accounts::audit::{self, Line, Person};
use crate::accounts::{sessions, users};
use crate::error::ApiResult;
use crate::http::extract::{AuthUser, ClientIp, Fields, Issuing, JsonObject, Paged};
use crate::http::openapi::{
    Conflict, JsonBodyErrors, NotFound, TooManyRequests, Unauthorized, tags,
};
use crate::http::paging::Links;
use crate::http::state::AppState;
use app::api::{Account, AccountDeletion, ActiveSession, AuditAction, AuditEntry, Page, paths};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use sea_orm::TransactionTrait;

/// The signed-in account (new)
#[utoipa::path(
    get,
    path = paths::ACCOUNT,
    operation_id = "api_user_retrieve",
    tag = tags::ACCOUNT,
    security(("jwtAuth" = [])),
    responses(
        (status = OK, description = "The caller's account.", body = Account),
        (status = UNAUTHORIZED, response = Unauthorized),
    ),
)]
pub async fn show(State(state): State<AppState>, user: AuthUser) -> ApiResult<Json<Account>> {
    Ok(Json(users::account(&state.db, user.id).await?))
}

/// Delete the account (new)
///
/// Deletes the account, its notes and its sessions in one transaction, once the password
/// is given again. Wrong passwords count against the sign-in throttle. The server's last
/// active operator cannot (409): make someone else an operator first.
#[utoipa::path(
    delete,
    path = paths::ACCOUNT,
    operation_id = "api_user_destroy",
    tag = tags::ACCOUNT,
    request_body = AccountDeletion,
    security(("jwtAuth" = [])),
    responses(
        (status = NO_CONTENT, description = "The account is gone."),
        JsonBodyErrors,
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = CONFLICT, response = Conflict),
        (status = TOO_MANY_REQUESTS, response = TooManyRequests),
    ),
)]
pub async fn delete(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Issuing(from): Issuing,
    user: AuthUser,
    body: JsonObject,
) -> ApiResult<StatusCode> {
    let account = users::by_id(&state.db, user.id).await?;
    let username = account.username.clone();
    let mut fields = Fields::new(&body);
    let proof = fields.proof("password");
    let proof = fields.finish(proof)?;
    let files = crate::notes::attachments::all_of(&state.db, user.id).await?;
    // Guessing the password here is throttled like guessing it at sign-in.
    state
        .login_throttle
        .guard(
            client,
            &username,
            users::delete(&state.writer, &state.passwords, account, &proof, &from),
        )
        .await?;
    state.liveness.forget(user.id);
    crate::notes::attachments::delete_bytes(&state.blobs, &files).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Sign out everywhere (new)
///
/// Ends every session of the caller, this one included: every refresh token stops
/// working at once, and every access token within seconds.
#[utoipa::path(
    delete,
    path = paths::SESSIONS,
    operation_id = "api_user_sessions_destroy",
    tag = tags::ACCOUNT,
    security(("jwtAuth" = [])),
    responses(
        (status = NO_CONTENT, description = "Every session has ended."),
        (status = UNAUTHORIZED, response = Unauthorized),
    ),
)]
pub async fn end_sessions(
    State(state): State<AppState>,
    Issuing(from): Issuing,
    user: AuthUser,
) -> ApiResult<StatusCode> {
    let account = users::by_id(&state.db, user.id).await?;
    let txn = state.writer.begin().await?;
    let ended = sessions::revoke_all(&txn, user.id).await?;
    Line::own(&Person::from(&account), AuditAction::SessionsEnded)
        .record(&txn, &from)
        .await?;
    crate::events::record::record(&txn, ended).await?;
    txn.commit().await?;
    state.liveness.forget(user.id);
    Ok(StatusCode::NO_CONTENT)
}

/// Where you are signed in (new)
///
/// The caller's live sessions, most recently used first: each sign-in and the refreshes
/// since, with the browser and address of the last one. `current` marks the session of
/// the access token asking.
#[utoipa::path(
    get,
    path = paths::SESSIONS,
    operation_id = "api_user_sessions_list",
    tag = tags::ACCOUNT,
    security(("jwtAuth" = [])),
    responses(
        (status = OK, description = "The live sessions.", body = Vec<ActiveSession>,
            links(("EndSession" = (
                operation_id = "api_user_sessions_destroy_one",
                parameters(("id" = "$response.body#/0/id")),
                description = "Ends the first session listed.",
            ))),
        ),
        (status = UNAUTHORIZED, response = Unauthorized),
    ),
)]
pub async fn sessions(
    State(state): State<AppState>,
    user: AuthUser,
) -> ApiResult<Json<Vec<ActiveSession>>> {
    users::by_id(&state.db, user.id).await?;
    Ok(Json(
        sessions::list(&state.db, user.id, user.session.as_deref()).await?,
    ))
}

/// Sign out one session (new)
///
/// Ends one of the caller's sessions: its refresh tokens stop working at once, its access
/// tokens within seconds.
#[utoipa::path(
    delete,
    path = paths::SESSION,
    operation_id = "api_user_sessions_destroy_one",
    tag = tags::ACCOUNT,
    params(("id" = String, Path, description = "A session's id, from the list.")),
    security(("jwtAuth" = [])),
    responses(
        (status = NO_CONTENT, description = "The session has ended."),
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = NOT_FOUND, response = NotFound),
    ),
)]
pub async fn end_session(
    State(state): State<AppState>,
    Issuing(from): Issuing,
    user: AuthUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let account = users::by_id(&state.db, user.id).await?;
    sessions::end(&state.db, &state.writer, user.id, &id).await?;
    state.liveness.forget(user.id);
    let which = if user.session.as_deref() == Some(id.as_str()) {
        "this session"
    } else {
        "from the sessions list"
    };
    Line::own(&Person::from(&account), AuditAction::SessionEnded)
        .detail(which)
        .record(&state.writer, &from)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Your account's activity (new)
///
/// The security events of the caller's account, newest first, so a person can ask "was
/// this me?": sign-ins and failed ones, two-step sign-in turned on or off, passwords
/// changed, sessions ended, and what operators did to the account.
#[utoipa::path(
    get,
    path = paths::ACTIVITY,
    operation_id = "api_user_activity_list",
    tag = tags::ACCOUNT,
    params(Paged),
    security(("jwtAuth" = [])),
    responses(
        (status = OK, description = "A page of the account's events.", body = Page<AuditEntry>),
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = NOT_FOUND, response = NotFound),
    ),
)]
pub async fn activity(
    State(state): State<AppState>,
    user: AuthUser,
    Paged(paging): Paged,
    uri: Uri,
    headers: HeaderMap,
) -> ApiResult<Json<Page<AuditEntry>>> {
    let page = audit::activity(&state.db, user.id, &paging).await?;
    let links = Links {
        uri: &uri,
        headers: &headers,
        trusted_proxy_hops: state.trusted_proxy_hops,
    };
    Ok(Json(links.page(page)?))
}
