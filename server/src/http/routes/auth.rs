use crate::accounts::{challenges, sessions, throttle, two_step, users};
use crate::error::{ApiError, ApiResult};
use crate::http::extract::{AuthUser, ClientIp, Fields, Issuing, JsonObject};
use crate::http::openapi::{
    JsonBodyErrors, SignInFailed, TokenRejected, TooManyRequests, Unauthorized, tags,
};
use crate::http::state::AppState;
use app::api::{
    Credentials, PasswordChange, RefreshRequest, SecondStep, TokenPair, User, VerifyRequest, paths,
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
/// `POST /api/token/` does.
#[utoipa::path(
    post,
    path = paths::REGISTER,
    operation_id = "api_user_register_create",
    tag = tags::AUTH,
    request_body = Credentials,
    responses(
        (status = CREATED, description = "The new account.", body = User),
        JsonBodyErrors,
    ),
)]
pub async fn register(
    State(state): State<AppState>,
    body: JsonObject,
) -> ApiResult<(StatusCode, Json<User>)> {
    let mut fields = Fields::new(&body);
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
    let user = users::register(&state.writer, &state.passwords, username, password).await?;
    Ok((StatusCode::CREATED, Json(user)))
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
        let user_id = users::authenticate(
            &state.db,
            &state.writer,
            &state.passwords,
            &username,
            &password,
        )
        .await?;
        if two_step::is_enabled(&state.db, user_id).await? {
            // Not a success for the throttle: the count stands until a code is right,
            // so a password cannot buy fresh guesses at the code.
            let challenge = challenges::issue(&state.writer, user_id).await?;
            return Err(ApiError::SecondStepRequired { challenge });
        }
        Ok(user_id)
    };
    let user_id = state
        .login_throttle
        .guard(client, &throttle_key, password_step)
        .await?;
    Ok(Json(
        sessions::start(&state.writer, &state.tokens, user_id, &device).await?,
    ))
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
    let code_step = async {
        match two_step::verify(&state.writer, &state.totp_keys, user_id, &code).await {
            // Turned off since the password was given: that sign-in starts again.
            Err(ApiError::Conflict(_)) => return Err(expired()),
            other => other?,
        }
        challenges::spend(&state.writer, &challenge).await
    };
    state
        .login_throttle
        .guard_everywhere(client, &throttle::key_for(&user.username), code_step)
        .await?;
    Ok(Json(
        sessions::start(&state.writer, &state.tokens, user_id, &device).await?,
    ))
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
/// (simplejwt's `TokenBlacklistView`). Access tokens live until they expire.
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
pub async fn blacklist(State(state): State<AppState>, body: JsonObject) -> ApiResult<Json<Empty>> {
    let mut fields = Fields::new(&body);
    let token = fields.required_text("refresh");
    let token = fields.finish(token)?;
    sessions::blacklist(&state.db, &state.writer, &state.tokens, &token).await?;
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
    let old = fields.required_nonempty("old_password");
    let new = fields.required("new_password");
    let new = new.and_then(|p| fields.check("new_password", Password::parse(&p, &username)));
    let (old, new) = fields.finish(old.zip(new))?;

    // Guessing the old password is throttled like guessing it at sign-in.
    state
        .login_throttle
        .guard(
            client,
            &username,
            users::change_password(&state.writer, &state.passwords, account, &old, new),
        )
        .await?;
    Ok(Json(
        sessions::start(&state.writer, &state.tokens, user.id, &device).await?,
    ))
}
