//! The operator's area (the original's Django admin): people, the registration setting,
//! invitations and the audit log. Reads need an operator; changes need an operator whose
//! sign-in is recent (`FreshOperator`). Nothing here answers with what anyone wrote.

use crate::accounts::audit::{self, Line};
use crate::accounts::{operators, registration};
use crate::error::{ApiError, ApiResult};
use crate::http::extract::{
    AdminUsersQuery, AuditQuery, Fields, FreshOperator, Issuing, JsonObject, Operator,
};
use crate::http::openapi::{Conflict, Forbidden, JsonBodyErrors, NotFound, Unauthorized, tags};
use crate::http::paging::Links;
use crate::http::state::AppState;
use crate::storage::entities::invite;
use app::api::{
    AdminUser, AdminUserPatch, AuditAction, AuditEntry, Invite, InviteRequest, NewPassword, Page,
    RegistrationMode, SiteSettings, paths,
};
use app::errors::messages;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};

fn links<'a>(state: &AppState, uri: &'a Uri, headers: &'a HeaderMap) -> Links<'a> {
    Links {
        uri,
        headers,
        trusted_proxy_hops: state.trusted_proxy_hops,
    }
}

/// A person's id from the path: like a note's, anything but a positive number names nobody.
fn person_id(raw: &str) -> ApiResult<i64> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0 && raw.bytes().all(|b| b.is_ascii_digit()))
        .ok_or(ApiError::NotFound)
}

/// People (operators)
///
/// Every account with its state and counts (notes, live sessions), never what anyone
/// wrote; searchable, filtered and sorted, in pages.
#[utoipa::path(
    get,
    path = paths::ADMIN_USERS,
    operation_id = "api_admin_users_list",
    tag = tags::ADMIN,
    params(AdminUsersQuery),
    security(("jwtAuth" = [])),
    responses(
        (status = OK, description = "A page of people.", body = Page<AdminUser>,
            links(
                ("GetPerson" = (operation_id = "api_admin_users_retrieve",
                    parameters(("id" = "$response.body#/results/0/id")),
                    description = "The first person listed.")),
                ("ChangePerson" = (operation_id = "api_admin_users_partial_update",
                    parameters(("id" = "$response.body#/results/0/id")),
                    description = "Deactivates or reactivates the first person listed, or changes their rights.")),
                ("SetPassword" = (operation_id = "api_admin_users_password_create",
                    parameters(("id" = "$response.body#/results/0/id")),
                    description = "Sets the first person's password.")),
                ("TwoStepOff" = (operation_id = "api_admin_users_totp_destroy",
                    parameters(("id" = "$response.body#/results/0/id")),
                    description = "Turns the first person's two-step sign-in off.")),
                ("EndSessions" = (operation_id = "api_admin_users_sessions_destroy",
                    parameters(("id" = "$response.body#/results/0/id")),
                    description = "Ends the first person's sessions.")),
                ("DeletePerson" = (operation_id = "api_admin_users_destroy",
                    parameters(("id" = "$response.body#/results/0/id")),
                    description = "Deletes the first person's account.")),
            ),
        ),
        (status = BAD_REQUEST, description = "A filter that is not `true` or `false`.",
            body = app::errors::FieldErrors),
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = FORBIDDEN, response = Forbidden),
        (status = NOT_FOUND, response = NotFound),
    ),
)]
pub async fn users(
    State(state): State<AppState>,
    _: Operator,
    query: AdminUsersQuery,
    uri: Uri,
    headers: HeaderMap,
) -> ApiResult<Json<Page<AdminUser>>> {
    let page = operators::page(&state.db, &query.filter, &query.paging).await?;
    Ok(Json(links(&state, &uri, &headers).page(page)?))
}

/// A person (operators)
#[utoipa::path(
    get,
    path = paths::ADMIN_USER,
    operation_id = "api_admin_users_retrieve",
    tag = tags::ADMIN,
    params(("id" = i64, Path, description = "The person's id.", minimum = 1)),
    security(("jwtAuth" = [])),
    responses(
        (status = OK, description = "The person.", body = AdminUser),
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = FORBIDDEN, response = Forbidden),
        (status = NOT_FOUND, response = NotFound),
    ),
)]
pub async fn user(
    State(state): State<AppState>,
    _: Operator,
    Path(id): Path<String>,
) -> ApiResult<Json<AdminUser>> {
    Ok(Json(operators::get(&state.db, person_id(&id)?).await?))
}

/// Change a person (operators)
///
/// Deactivates or reactivates an account, grants or revokes operator rights, or sets
/// their own storage quota (`null`: the server's again). Deactivating ends every session
/// of theirs at once; their access tokens stop working within 5 seconds on every replica.
/// An operator cannot deactivate themselves, and the last active operator stays one (409).
#[utoipa::path(
    patch,
    path = paths::ADMIN_USER,
    operation_id = "api_admin_users_partial_update",
    tag = tags::ADMIN,
    params(("id" = i64, Path, description = "The person's id.", minimum = 1)),
    request_body = AdminUserPatch,
    security(("jwtAuth" = [])),
    responses(
        (status = OK, description = "The person, changed.", body = AdminUser),
        JsonBodyErrors,
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = FORBIDDEN, response = Forbidden),
        (status = NOT_FOUND, response = NotFound),
        (status = CONFLICT, response = Conflict),
    ),
)]
pub async fn update_user(
    State(state): State<AppState>,
    FreshOperator(operator): FreshOperator,
    Issuing(from): Issuing,
    Path(id): Path<String>,
    body: JsonObject,
) -> ApiResult<Json<AdminUser>> {
    let id = person_id(&id)?;
    let mut fields = Fields::new(&body);
    let patch = AdminUserPatch {
        is_active: fields.optional_bool("is_active"),
        is_admin: fields.optional_bool("is_admin"),
        storage_quota_mb: fields
            .optional_nullable_whole_number(
                "storage_quota_mb",
                0..=i64::from(app::api::MAX_STORAGE_QUOTA_MB),
            )
            .map(|quota| quota.map(|mb| mb.unsigned_abs() as u32)),
    };
    let patch = fields.finish(Some(patch))?;
    let person = operators::update(&state.writer, &operator.person, id, patch, &from).await?;
    state.liveness.forget(id);
    Ok(Json(person))
}

/// Set a person's password (operators)
///
/// Registration's rules apply (a weak password is a field error on `new_password`);
/// every session of theirs ends.
#[utoipa::path(
    post,
    path = paths::ADMIN_USER_PASSWORD,
    operation_id = "api_admin_users_password_create",
    tag = tags::ADMIN,
    params(("id" = i64, Path, description = "The person's id.", minimum = 1)),
    request_body = NewPassword,
    security(("jwtAuth" = [])),
    responses(
        (status = OK, description = "Set; they sign in with it.", body = crate::http::routes::auth::Empty),
        JsonBodyErrors,
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = FORBIDDEN, response = Forbidden),
        (status = NOT_FOUND, response = NotFound),
    ),
)]
pub async fn set_password(
    State(state): State<AppState>,
    FreshOperator(operator): FreshOperator,
    Issuing(from): Issuing,
    Path(id): Path<String>,
    body: JsonObject,
) -> ApiResult<Json<crate::http::routes::auth::Empty>> {
    let id = person_id(&id)?;
    let mut fields = Fields::new(&body);
    let password = fields.required("new_password");
    let password = fields.finish(password)?;
    operators::reset_password(
        &state.writer,
        &state.passwords,
        &operator.person,
        id,
        &password,
        &from,
    )
    .await?;
    state.liveness.forget(id);
    Ok(Json(crate::http::routes::auth::Empty {}))
}

/// Turn a person's two-step sign-in off (operators)
///
/// For someone who lost their authenticator and their recovery codes. Answers 204 also
/// when it was off.
#[utoipa::path(
    delete,
    path = paths::ADMIN_USER_TOTP,
    operation_id = "api_admin_users_totp_destroy",
    tag = tags::ADMIN,
    params(("id" = i64, Path, description = "The person's id.", minimum = 1)),
    security(("jwtAuth" = [])),
    responses(
        (status = NO_CONTENT, description = "Off."),
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = FORBIDDEN, response = Forbidden),
        (status = NOT_FOUND, response = NotFound),
    ),
)]
pub async fn reset_two_step(
    State(state): State<AppState>,
    FreshOperator(operator): FreshOperator,
    Issuing(from): Issuing,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    operators::reset_two_step(&state.writer, &operator.person, person_id(&id)?, &from).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// End a person's sessions (operators)
#[utoipa::path(
    delete,
    path = paths::ADMIN_USER_SESSIONS,
    operation_id = "api_admin_users_sessions_destroy",
    tag = tags::ADMIN,
    params(("id" = i64, Path, description = "The person's id.", minimum = 1)),
    security(("jwtAuth" = [])),
    responses(
        (status = NO_CONTENT, description = "Every session of theirs has ended."),
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = FORBIDDEN, response = Forbidden),
        (status = NOT_FOUND, response = NotFound),
    ),
)]
pub async fn end_sessions(
    State(state): State<AppState>,
    FreshOperator(operator): FreshOperator,
    Issuing(from): Issuing,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = person_id(&id)?;
    operators::end_sessions(&state.writer, &operator.person, id, &from).await?;
    state.liveness.forget(id);
    Ok(StatusCode::NO_CONTENT)
}

/// Delete a person's account (operators)
///
/// The account, its notes, trash and sessions, in one transaction. Not one's own (that is
/// the account page's, with the password), nor the last active operator's (409).
#[utoipa::path(
    delete,
    path = paths::ADMIN_USER,
    operation_id = "api_admin_users_destroy",
    tag = tags::ADMIN,
    params(("id" = i64, Path, description = "The person's id.", minimum = 1)),
    security(("jwtAuth" = [])),
    responses(
        (status = NO_CONTENT, description = "The account is gone."),
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = FORBIDDEN, response = Forbidden),
        (status = NOT_FOUND, response = NotFound),
        (status = CONFLICT, response = Conflict),
    ),
)]
pub async fn delete_user(
    State(state): State<AppState>,
    FreshOperator(operator): FreshOperator,
    Issuing(from): Issuing,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = person_id(&id)?;
    let files = crate::notes::attachments::all_of(&state.db, id).await?;
    operators::delete(&state.writer, &operator.person, id, &from).await?;
    state.liveness.forget(id);
    crate::notes::attachments::delete_bytes(&state.blobs, &files).await;
    Ok(StatusCode::NO_CONTENT)
}

/// The server's settings (operators)
#[utoipa::path(
    get,
    path = paths::ADMIN_SETTINGS,
    operation_id = "api_admin_settings_retrieve",
    tag = tags::ADMIN,
    security(("jwtAuth" = [])),
    responses(
        (status = OK, description = "The settings.", body = SiteSettings),
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = FORBIDDEN, response = Forbidden),
    ),
)]
pub async fn settings(State(state): State<AppState>, _: Operator) -> ApiResult<Json<SiteSettings>> {
    Ok(Json(SiteSettings {
        registration: registration::mode(&state.db).await?,
    }))
}

/// Change the server's settings (operators)
///
/// Who may register: `open`, `invite` or `closed`. Every replica reads the new value at
/// once (it is kept in the database).
#[utoipa::path(
    put,
    path = paths::ADMIN_SETTINGS,
    operation_id = "api_admin_settings_update",
    tag = tags::ADMIN,
    request_body = SiteSettings,
    security(("jwtAuth" = [])),
    responses(
        (status = OK, description = "The settings, changed.", body = SiteSettings),
        JsonBodyErrors,
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = FORBIDDEN, response = Forbidden),
    ),
)]
pub async fn change_settings(
    State(state): State<AppState>,
    FreshOperator(operator): FreshOperator,
    Issuing(from): Issuing,
    body: JsonObject,
) -> ApiResult<Json<SiteSettings>> {
    let mut fields = Fields::new(&body);
    let raw = fields.required_text("registration");
    let mode = raw.as_deref().and_then(|value| {
        fields.check(
            "registration",
            RegistrationMode::parse(value).ok_or_else(|| vec![messages::not_a_choice(value)]),
        )
    });
    let mode = fields.finish(mode)?;
    let txn = sea_orm::TransactionTrait::begin(&state.writer).await?;
    let before = registration::set_mode(&txn, mode).await?;
    if before != mode {
        Line::by(&operator.person, AuditAction::SettingsChanged, None)
            .detail(format!(
                "registration: {} → {}",
                before.as_str(),
                mode.as_str()
            ))
            .record(&txn, &from)
            .await?;
    }
    txn.commit().await?;
    Ok(Json(SiteSettings { registration: mode }))
}

/// An invitation as the API shows it, its link built from the request's own address.
fn shown(row: invite::Model, links: &Links<'_>) -> ApiResult<Invite> {
    let url = links.absolute(&format!("/register?invite={}", row.code))?;
    Ok(Invite {
        id: row.id,
        url,
        code: row.code,
        created_at: registration::rfc3339(row.created_at),
        created_by: row.created_by,
        expires_at: registration::rfc3339(row.expires_at),
        note: row.note,
        used_at: row.used_at.map(registration::rfc3339),
        used_by: row.used_by,
    })
}

/// Make an invitation (operators)
///
/// A code that registers one account, while registration is `invite` (or `open`), until
/// it expires (in `expires_in_days`, 7 by default). `url` is the register page with it.
#[utoipa::path(
    post,
    path = paths::ADMIN_INVITES,
    operation_id = "api_admin_invites_create",
    tag = tags::ADMIN,
    request_body = InviteRequest,
    security(("jwtAuth" = [])),
    responses(
        (status = CREATED, description = "The invitation.", body = Invite),
        JsonBodyErrors,
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = FORBIDDEN, response = Forbidden),
    ),
)]
pub async fn create_invite(
    State(state): State<AppState>,
    FreshOperator(operator): FreshOperator,
    Issuing(from): Issuing,
    uri: Uri,
    headers: HeaderMap,
    body: JsonObject,
) -> ApiResult<(StatusCode, Json<Invite>)> {
    let mut fields = Fields::new(&body);
    let days = fields.optional_whole_number(
        "expires_in_days",
        1..=i64::from(registration::MAX_INVITE_DAYS),
    );
    let note = fields.optional("note").map(|n| n.trim().to_owned());
    if let Some(note) = &note {
        if note.chars().count() > 200 {
            fields
                .errors
                .add("note", "Ensure this field has no more than 200 characters.");
        }
        if note.contains('\0') {
            fields.errors.add("note", app::validation::NULL_CHARACTERS);
        }
    }
    fields.finish(Some(()))?;
    let days = days.map_or(registration::DEFAULT_INVITE_DAYS, |d| d as u32);
    let note = note.filter(|n| !n.is_empty());
    let links = links(&state, &uri, &headers);
    let txn = sea_orm::TransactionTrait::begin(&state.writer).await?;
    let row = registration::create_invite(&txn, &operator.person, days, note).await?;
    Line::by(&operator.person, AuditAction::InviteCreated, None)
        .detail(format!("invitation {}, for {days} days", row.id))
        .record(&txn, &from)
        .await?;
    txn.commit().await?;
    Ok((StatusCode::CREATED, Json(shown(row, &links)?)))
}

/// Invitations (operators)
///
/// Every invitation, newest first, with whom it registered.
#[utoipa::path(
    get,
    path = paths::ADMIN_INVITES,
    operation_id = "api_admin_invites_list",
    tag = tags::ADMIN,
    security(("jwtAuth" = [])),
    responses(
        (status = OK, description = "The invitations.", body = Vec<Invite>),
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = FORBIDDEN, response = Forbidden),
    ),
)]
pub async fn invites(
    State(state): State<AppState>,
    _: Operator,
    uri: Uri,
    headers: HeaderMap,
) -> ApiResult<Json<Vec<Invite>>> {
    let links = links(&state, &uri, &headers);
    let rows = registration::invites(&state.db).await?;
    Ok(Json(
        rows.into_iter()
            .map(|row| shown(row, &links))
            .collect::<ApiResult<_>>()?,
    ))
}

/// Delete an invitation (operators)
///
/// Its code stops working at once.
#[utoipa::path(
    delete,
    path = paths::ADMIN_INVITE,
    operation_id = "api_admin_invites_destroy",
    tag = tags::ADMIN,
    params(("id" = i64, Path, description = "The invitation's id.", minimum = 1)),
    security(("jwtAuth" = [])),
    responses(
        (status = NO_CONTENT, description = "Deleted."),
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = FORBIDDEN, response = Forbidden),
        (status = NOT_FOUND, response = NotFound),
    ),
)]
pub async fn delete_invite(
    State(state): State<AppState>,
    FreshOperator(operator): FreshOperator,
    Issuing(from): Issuing,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = person_id(&id)?;
    let txn = sea_orm::TransactionTrait::begin(&state.writer).await?;
    let row = registration::delete_invite(&txn, id).await?;
    Line::by(&operator.person, AuditAction::InviteDeleted, None)
        .detail(format!("invitation {}", row.id))
        .record(&txn, &from)
        .await?;
    txn.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The audit log (operators)
///
/// Every operator action and every security event of every account, newest first:
/// `{at, actor, action, target, detail, ip, user_agent}`.
#[utoipa::path(
    get,
    path = paths::ADMIN_AUDIT,
    operation_id = "api_admin_audit_list",
    tag = tags::ADMIN,
    params(AuditQuery),
    security(("jwtAuth" = [])),
    responses(
        (status = OK, description = "A page of the log.", body = Page<AuditEntry>),
        (status = BAD_REQUEST, description = "An action the log does not know.",
            body = app::errors::FieldErrors, example = json!({"action": ["\"sign_out\" is not a valid choice."]})),
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = FORBIDDEN, response = Forbidden),
        (status = NOT_FOUND, response = NotFound),
    ),
)]
pub async fn audit_log(
    State(state): State<AppState>,
    _: Operator,
    query: AuditQuery,
    uri: Uri,
    headers: HeaderMap,
) -> ApiResult<Json<Page<AuditEntry>>> {
    let page = audit::page(&state.db, &query.filter, &query.paging).await?;
    Ok(Json(links(&state, &uri, &headers).page(page)?))
}
