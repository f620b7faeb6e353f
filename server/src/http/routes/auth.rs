use crate::accounts::audit::{Line, Person};
use crate::accounts::two_step::Factor;
use crate::accounts::{challenges, registration, sessions, throttle, two_step, users};
use crate::error::{ApiError, ApiResult};
use crate::http::extract::{AuthUser, ClientIp, Fields, Issuing, JsonObject};
use crate::http::openapi::{
    JsonBodyErrors, SignInFailed, TokenRejected, TooManyRequests, Unauthorized, tags,
};
use crate::http::state::AppState;
use app::api::{
    AuditAction, Credentials, NewAccount, PasswordChange, Reauthentication, RefreshRequest,
    RegistrationStatus, SecondStep, TokenPair, User, VerifyRequest, paths,
};
use app::errors::{FieldErrors, messages};
use app::validation::{Password, Username};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;

/// simplejwt's empty answer, `{}`.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(examples(json!({})))]
pub struct Empty {}

/// Register
///
/// Creates an account with Django's username and password rules. It does not sign in:
/// `POST /api/token/` does. Who may register is the server's setting (`GET` says which):
/// while it is `invite`, the body needs an invitation's code; while it is `closed`,
/// nobody may (403).
#[utoipa::path(
    post,
    path = paths::REGISTER,
    operation_id = "api_user_register_create",
    tag = tags::AUTH,
    request_body = NewAccount,
    responses(
        (status = CREATED, description = "The new account.", body = User),
        JsonBodyErrors,
        (status = FORBIDDEN, description = "Registration is closed, or needs an invitation.",
            body = app::errors::Detail, example = json!({"detail": messages::REGISTRATION_CLOSED})),
    ),
)]
pub async fn register(
    State(state): State<AppState>,
    Issuing(from): Issuing,
    body: JsonObject,
) -> ApiResult<(StatusCode, Json<User>)> {
    let mut fields = Fields::new(&body);
    let invite = fields
        .optional("invite")
        .map(|code| code.trim().to_owned())
        .filter(|code| !code.is_empty());
    // The setting first: a closed server says so whatever the body holds.
    registration::admits(registration::mode(&state.db).await?, invite.as_deref())?;
    let raw_username = fields.required("username");
    let raw_password = fields.required("password");
    let username = raw_username
        .as_deref()
        .and_then(|u| fields.check("username", Username::parse(u)));
    let similar_to = username.as_ref().map_or(
        raw_username.as_deref().unwrap_or_default(),
        Username::as_str,
    );
    let password =
        raw_password.and_then(|p| fields.check("password", Password::parse(&p, similar_to)));
    let (username, password) = fields.finish(username.zip(password))?;
    let user = registration::register(
        &state.writer,
        &state.passwords,
        username,
        password,
        invite.as_deref(),
        &from,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(user)))
}

/// Who may register (new)
///
/// The server's registration setting, for a page to say whether (and how) one can
/// register before anyone types.
#[utoipa::path(
    get,
    path = paths::REGISTER,
    operation_id = "api_user_register_retrieve",
    tag = tags::AUTH,
    responses(
        (status = OK, description = "Who may register.", body = RegistrationStatus),
    ),
)]
pub async fn registration_status(
    State(state): State<AppState>,
) -> ApiResult<Json<RegistrationStatus>> {
    Ok(Json(RegistrationStatus {
        registration: registration::mode(&state.db).await?,
    }))
}

/// Sign in
///
/// Answers an access and a refresh token for a username and password (simplejwt's
/// `TokenObtainPairView`). Failed attempts at one username from one client are throttled.
/// For an account with two-step sign-in a right password answers 401 with code
/// `totp_required` and a challenge instead: `POST /api/token/totp/` finishes.
#[utoipa::path(
    post,
    path = paths::TOKEN,
    operation_id = "api_token_create",
    tag = tags::AUTH,
    request_body = Credentials,
    responses(
        (status = OK, description = "A new session's token pair.", body = TokenPair),
        JsonBodyErrors,
        (status = UNAUTHORIZED, response = SignInFailed),
        (status = TOO_MANY_REQUESTS, response = TooManyRequests),
    ),
)]
pub async fn obtain_pair(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Issuing(device): Issuing,
    body: JsonObject,
) -> ApiResult<Json<TokenPair>> {
    let mut fields = Fields::new(&body);
    let username = fields.required_text("username");
    // A password is never trimmed: "   " is a (wrong) password, not a blank field.
    let password = fields.required_nonempty("password");
    let (username, password) = fields.finish(username.zip(password))?;

    let throttle_key = throttle::key_for(&username);
    let password_step = async {
        let user = users::authenticate(
            &state.db,
            &state.writer,
            &state.passwords,
            &username,
            &password,
            &device,
        )
        .await?;
        if two_step::is_enabled(&state.db, user.id).await? {
            // Not a success for the throttle: the count stands until a code is right,
            // so a password cannot buy fresh guesses at the code.
            let challenge = challenges::issue(&state.writer, user.id).await?;
            return Err(ApiError::SecondStepRequired { challenge });
        }
        Ok(user)
    };
    let user = state
        .login_throttle
        .guard(client, &throttle_key, password_step)
        .await?;
    let pair = sessions::start(&state.writer, &state.tokens, user.id, &device).await?;
    users::signed_in(&state.writer, &user, None, &device).await?;
    Ok(Json(pair))
}

/// Sign in: the second step (new)
///
/// Finishes a sign-in that answered `totp_required`: the challenge (five minutes, single
/// use) and the authenticator's code, or a recovery code, which is then spent. Wrong codes
/// count against the sign-in throttle like wrong passwords, per client and for the
/// account from every client together; a wrong code leaves the challenge usable, an
/// expired or used challenge (or two-step sign-in turned off meanwhile) means entering
/// the password again.
#[utoipa::path(
    post,
    path = paths::TOKEN_TOTP,
    operation_id = "api_token_totp_create",
    tag = tags::AUTH,
    request_body = SecondStep,
    responses(
        (status = OK, description = "A new session's token pair.", body = TokenPair),
        JsonBodyErrors,
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = TOO_MANY_REQUESTS, response = TooManyRequests),
    ),
)]
pub async fn second_step(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Issuing(device): Issuing,
    body: JsonObject,
) -> ApiResult<Json<TokenPair>> {
    let mut fields = Fields::new(&body);
    let challenge = fields.required_text("challenge");
    let code = fields.required_text("code");
    let (challenge, code) = fields.finish(challenge.zip(code))?;
    let expired = || {
        ApiError::from(FieldErrors::single(
            "challenge",
            messages::CHALLENGE_EXPIRED,
        ))
    };
    let user_id = challenges::holder(&state.db, &challenge).await?;
    let user = users::by_id(&state.db, user_id).await?;
    if !user.is_active {
        return Err(expired());
    }
    let person = Person::from(&user);
    let code_step = async {
        let factor = match two_step::verify(&state.writer, &state.totp_keys, user_id, &code).await {
            // Turned off since the password was given: that sign-in starts again.
            Err(ApiError::Conflict(_)) => return Err(expired()),
            Err(wrong @ ApiError::Fields(_)) => {
                Line::own(&person, AuditAction::SignInFailed)
                    .detail("wrong two-step code")
                    .record(&state.writer, &device)
                    .await?;
                return Err(wrong);
            }
            other => other?,
        };
        challenges::spend(&state.writer, &challenge).await?;
        Ok(factor)
    };
    let factor = state
        .login_throttle
        .guard_everywhere(client, &throttle::key_for(&user.username), code_step)
        .await?;
    let pair = sessions::start(&state.writer, &state.tokens, user_id, &device).await?;
    let how = match factor {
        Factor::App => "with two-step sign-in",
        Factor::RecoveryCode => {
            Line::own(&person, AuditAction::RecoveryCodeUsed)
                .record(&state.writer, &device)
                .await?;
            "with a recovery code"
        }
    };
    users::signed_in(&state.writer, &user, Some(how), &device).await?;
    Ok(Json(pair))
}

/// Refresh
///
/// Spends a refresh token and answers a new pair in the same session (rotation). A
/// token spent once already revokes its whole session, unless presented again within a
/// few seconds (two tabs refreshing at once).
#[utoipa::path(
    post,
    path = paths::TOKEN_REFRESH,
    operation_id = "api_token_refresh_create",
    tag = tags::AUTH,
    request_body = RefreshRequest,
    responses(
        (status = OK, description = "The next token pair of the session.", body = TokenPair),
        JsonBodyErrors,
        (status = UNAUTHORIZED, response = TokenRejected),
    ),
)]
pub async fn refresh(
    State(state): State<AppState>,
    Issuing(device): Issuing,
    body: JsonObject,
) -> ApiResult<Json<TokenPair>> {
    let mut fields = Fields::new(&body);
    let token = fields.required_text("refresh");
    let token = fields.finish(token)?;
    Ok(Json(
        sessions::refresh(&state.db, &state.writer, &state.tokens, &token, &device).await?,
    ))
}

/// Verify
///
/// Whether a token (access or refresh) is valid: signed here, unexpired and, for a
/// refresh token, not signed out (simplejwt answers a signed-out one with 400).
#[utoipa::path(
    post,
    path = paths::TOKEN_VERIFY,
    operation_id = "api_token_verify_create",
    tag = tags::AUTH,
    request_body = VerifyRequest,
    responses(
        (status = OK, description = "The token is valid.", body = Empty),
        JsonBodyErrors,
        (status = UNAUTHORIZED, response = TokenRejected),
    ),
)]
pub async fn verify(State(state): State<AppState>, body: JsonObject) -> ApiResult<Json<Empty>> {
    let mut fields = Fields::new(&body);
    let token = fields.required_text("token");
    let token = fields.finish(token)?;
    sessions::verify(&state.db, &state.tokens, &token).await?;
    Ok(Json(Empty {}))
}

/// Sign out
///
/// Ends the refresh token's session: it and every token rotated from it stop working
/// (simplejwt's `TokenBlacklistView`), and its access tokens within seconds.
#[utoipa::path(
    post,
    path = paths::TOKEN_BLACKLIST,
    operation_id = "api_token_blacklist_create",
    tag = tags::AUTH,
    request_body = RefreshRequest,
    responses(
        (status = OK, description = "Signed out.", body = Empty),
        JsonBodyErrors,
        (status = UNAUTHORIZED, response = TokenRejected),
    ),
)]
pub async fn blacklist(
    State(state): State<AppState>,
    Issuing(device): Issuing,
    body: JsonObject,
) -> ApiResult<Json<Empty>> {
    let mut fields = Fields::new(&body);
    let token = fields.required_text("refresh");
    let token = fields.finish(token)?;
    let user_id = sessions::blacklist(&state.db, &state.writer, &state.tokens, &token).await?;
    state.liveness.forget(user_id);
    if let Ok(user) = users::by_id(&state.db, user_id).await {
        Line::own(&Person::from(&user), AuditAction::SessionEnded)
            .detail("signed out")
            .record(&state.writer, &device)
            .await?;
    }
    Ok(Json(Empty {}))
}

/// Change the password (new)
///
/// Takes the current password and a new one (Django's rules), ends every other session
/// of the account and answers a new pair for this one. Wrong old passwords count
/// against the sign-in throttle.
#[utoipa::path(
    post,
    path = paths::PASSWORD,
    operation_id = "api_user_password_create",
    tag = tags::ACCOUNT,
    request_body = PasswordChange,
    security(("jwtAuth" = [])),
    responses(
        (status = OK, description = "The new session's token pair.", body = TokenPair),
        JsonBodyErrors,
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = TOO_MANY_REQUESTS, response = TooManyRequests),
    ),
)]
pub async fn change_password(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Issuing(device): Issuing,
    user: AuthUser,
    body: JsonObject,
) -> ApiResult<Json<TokenPair>> {
    let account = users::by_id(&state.db, user.id).await?;
    let username = account.username.clone();
    let mut fields = Fields::new(&body);
    let old = fields.proof("old_password");
    let new = fields.required("new_password");
    let new = new.and_then(|p| fields.check("new_password", Password::parse(&p, &username)));
    let (old, new) = fields.finish(old.zip(new))?;

    // Guessing the old password is throttled like guessing it at sign-in.
    state
        .login_throttle
        .guard(
            client,
            &username,
            users::change_password(
                &state.writer,
                &state.passwords,
                account,
                (&old, new),
                user.session.as_deref(),
                &device,
            ),
        )
        .await?;
    state.liveness.forget(user.id);
    Ok(Json(
        sessions::start_after_password_change(
            &state.writer,
            &state.tokens,
            user.id,
            user.session.as_deref(),
            &device,
        )
        .await?,
    ))
}

/// Confirm the password again (new)
///
/// The password (and, with two-step sign-in on, a code or a recovery code) proves the
/// session's holder is at the keyboard: the answer is a fresh pair of the same session,
/// which counts as signed in just now. An operator's changes ask for it when the
/// session's last proof is older than `ADMIN_REAUTH_WINDOW` (403,
/// `reauthentication_required`). Wrong passwords and codes count against the sign-in
/// throttle.
#[utoipa::path(
    post,
    path = paths::REAUTHENTICATE,
    operation_id = "api_user_reauthenticate_create",
    tag = tags::ACCOUNT,
    request_body = Reauthentication,
    security(("jwtAuth" = [])),
    responses(
        (status = OK, description = "A fresh pair of the same session.", body = TokenPair),
        JsonBodyErrors,
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = TOO_MANY_REQUESTS, response = TooManyRequests),
    ),
)]
pub async fn reauthenticate(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Issuing(device): Issuing,
    user: AuthUser,
    body: JsonObject,
) -> ApiResult<Json<TokenPair>> {
    // A token from before sessions were recorded has no session to renew.
    let session = user
        .session
        .clone()
        .ok_or(ApiError::BadAccessToken(messages::TOKEN_INVALID))?;
    let account = users::by_id(&state.db, user.id).await?;
    let two_step_on = two_step::is_enabled(&state.db, user.id).await?;
    let mut fields = Fields::new(&body);
    let proof = fields.proof("password");
    let code = if two_step_on {
        fields.required_text("code")
    } else {
        fields.optional("code")
    };
    let proof = fields.finish(proof)?;
    let check = async {
        proof
            .check(
                &state.writer,
                &state.passwords,
                &account,
                messages::WRONG_PASSWORD,
            )
            .await?;
        match (two_step_on, &code) {
            (true, Some(code)) => Ok(Some(
                two_step::verify(&state.writer, &state.totp_keys, user.id, code).await?,
            )),
            _ => Ok(None),
        }
    };
    // The code is the last barrier here: guesses count for the account from every client
    // together, as at sign-in's second step.
    let throttle_key = throttle::key_for(&account.username);
    let factor = state
        .login_throttle
        .guard_everywhere(client, &throttle_key, check)
        .await?;
    let pair =
        sessions::reauthenticated(&state.writer, &state.tokens, user.id, &session, &device).await?;
    let person = Person::from(&account);
    if factor == Some(Factor::RecoveryCode) {
        Line::own(&person, AuditAction::RecoveryCodeUsed)
            .record(&state.writer, &device)
            .await?;
    }
    Line::own(&person, AuditAction::Reauthenticated)
        .record(&state.writer, &device)
        .await?;
    Ok(Json(pair))
}
