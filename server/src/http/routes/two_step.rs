//! Two-step sign-in's set-up, for the signed-in account.

use crate::accounts::audit::{Line, Person};
use crate::accounts::sessions::Device;
use crate::accounts::{two_step, users};
use crate::error::ApiResult;
use crate::http::extract::{AuthUser, ClientIp, Fields, Issuing, JsonObject};
use crate::http::openapi::{Conflict, JsonBodyErrors, TooManyRequests, Unauthorized, tags};
use crate::http::state::AppState;
use app::api::{AuditAction, RecoveryCodes, TotpCode, TotpDisable, TotpSetup, paths};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use std::net::IpAddr;

/// Set up two-step sign-in (new)
///
/// Makes a secret for an authenticator app and answers it as text, as an `otpauth://`
/// URI and as that URI's QR code (SVG). Nothing changes at sign-in until a code from the
/// app is confirmed; starting again replaces an unconfirmed secret.
#[utoipa::path(
    post,
    path = paths::TOTP,
    operation_id = "api_user_totp_create",
    tag = tags::ACCOUNT,
    security(("jwtAuth" = [])),
    responses(
        (status = OK, description = "The secret to give the app.", body = TotpSetup),
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = CONFLICT, response = Conflict),
    ),
)]
pub async fn start(State(state): State<AppState>, user: AuthUser) -> ApiResult<Json<TotpSetup>> {
    let account = users::by_id(&state.db, user.id).await?;
    Ok(Json(
        two_step::start(&state.writer, &state.totp_keys, &account).await?,
    ))
}

/// Turn two-step sign-in on (new)
///
/// A first code from the app turns it on, and the answer holds ten single-use recovery
/// codes, shown this once.
#[utoipa::path(
    post,
    path = paths::TOTP_CONFIRM,
    operation_id = "api_user_totp_confirm_create",
    tag = tags::ACCOUNT,
    request_body = TotpCode,
    security(("jwtAuth" = [])),
    responses(
        (status = OK, description = "On; the recovery codes.", body = RecoveryCodes),
        JsonBodyErrors,
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = CONFLICT, response = Conflict),
        (status = TOO_MANY_REQUESTS, response = TooManyRequests),
    ),
)]
pub async fn confirm(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Issuing(from): Issuing,
    user: AuthUser,
    body: JsonObject,
) -> ApiResult<Json<RecoveryCodes>> {
    let code = code_of(&body)?;
    let confirmed = two_step::confirm(&state.writer, &state.totp_keys, user.id, &code);
    let codes = throttled(&state, client, &user, confirmed).await?;
    record(&state, &user, AuditAction::TotpEnabled, &from).await?;
    Ok(Json(codes))
}

/// A line in the account's activity, once the change is made.
async fn record(
    state: &AppState,
    user: &AuthUser,
    action: AuditAction,
    from: &Device,
) -> ApiResult<()> {
    let account = users::by_id(&state.db, user.id).await?;
    Line::own(&Person::from(&account), action)
        .record(&state.writer, from)
        .await
}

/// The body's one field, `code`.
fn code_of(body: &JsonObject) -> ApiResult<String> {
    let mut fields = Fields::new(body);
    let code = fields.required_text("code");
    Ok(fields.finish(code)?.into_owned())
}

/// Runs a check of the caller's code as one of their sign-in attempts: guesses here are
/// throttled as guesses at sign-in are.
async fn throttled<T>(
    state: &AppState,
    client: IpAddr,
    user: &AuthUser,
    check: impl Future<Output = ApiResult<T>>,
) -> ApiResult<T> {
    let account = users::by_id(&state.db, user.id).await?;
    state
        .login_throttle
        .guard(client, &account.username, check)
        .await
}

/// New recovery codes (new)
///
/// Replaces the recovery codes, once a code from the app (or a recovery code) is given.
#[utoipa::path(
    post,
    path = paths::TOTP_RECOVERY_CODES,
    operation_id = "api_user_totp_recovery_codes_create",
    tag = tags::ACCOUNT,
    request_body = TotpCode,
    security(("jwtAuth" = [])),
    responses(
        (status = OK, description = "The new recovery codes; the old ones no longer work.", body = RecoveryCodes),
        JsonBodyErrors,
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = CONFLICT, response = Conflict),
        (status = TOO_MANY_REQUESTS, response = TooManyRequests),
    ),
)]
pub async fn recovery_codes(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Issuing(from): Issuing,
    user: AuthUser,
    body: JsonObject,
) -> ApiResult<Json<RecoveryCodes>> {
    let code = code_of(&body)?;
    let replaced = two_step::new_recovery_codes(&state.writer, &state.totp_keys, user.id, &code);
    let codes = throttled(&state, client, &user, replaced).await?;
    record(&state, &user, AuditAction::RecoveryCodesReplaced, &from).await?;
    Ok(Json(codes))
}

/// Turn two-step sign-in off (new)
///
/// Takes the password and a code from the app (or a recovery code). Wrong ones count
/// against the sign-in throttle.
#[utoipa::path(
    delete,
    path = paths::TOTP,
    operation_id = "api_user_totp_destroy",
    tag = tags::ACCOUNT,
    request_body = TotpDisable,
    security(("jwtAuth" = [])),
    responses(
        (status = NO_CONTENT, description = "Off: the password alone signs in again."),
        JsonBodyErrors,
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = CONFLICT, response = Conflict),
        (status = TOO_MANY_REQUESTS, response = TooManyRequests),
    ),
)]
pub async fn disable(
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
    let code = fields.required_text("code");
    let (proof, code) = fields.finish(proof.zip(code))?;
    let turned_off = two_step::disable(
        &state.writer,
        &state.passwords,
        &state.totp_keys,
        account,
        &proof,
        &code,
    );
    state
        .login_throttle
        .guard(client, &username, turned_off)
        .await?;
    record(&state, &user, AuditAction::TotpDisabled, &from).await?;
    Ok(StatusCode::NO_CONTENT)
}
