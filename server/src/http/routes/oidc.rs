//! Sign-in through the OpenID Connect provider, and the identities linked to an account.
//! The start and the callback are browser navigations, so they answer with redirects,
//! and a failure comes back to the SPA in the URL's fragment (`#oidc_error=`); the rest
//! is JSON as everywhere.

use crate::accounts::oidc::{self, Landing, Provider, encode};
use crate::accounts::oidc_codes::{self, Purpose};
use crate::accounts::{challenges, identities, sessions, throttle, two_step, users};
use crate::error::{ApiError, ApiResult};
use crate::http::extract::{AuthUser, ClientIp, Fields, Issuing, JsonObject, id_of};
use crate::http::openapi::{
    Forbidden, JsonBodyErrors, NotFound, SignInFailed, TooManyRequests, Unauthorized, tags,
};
use crate::http::state::AppState;
use app::api::{
    Identities, OidcCode, Provider as ProviderInfo, ProviderRedirect, ProviderReturn, Providers,
    TokenPair, paths,
};
use app::errors::messages;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use headers::{Cookie, HeaderMapExt};
use std::sync::Arc;

/// The last value of each name in the query, as every query here is read.
fn query_value(uri: &Uri, name: &str) -> Option<String> {
    url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .filter(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
        .last()
}

fn provider(state: &AppState) -> ApiResult<&Arc<Provider>> {
    state.oidc.as_ref().ok_or(ApiError::NotFound)
}

/// Back to the SPA's sign-in page, saying what went wrong.
fn failed(message: &str) -> Redirect {
    Redirect::to(&format!("/login#oidc_error={}", encode(message)))
}

/// Ways to sign in (new)
///
/// The identity providers configured (none, or the one `OIDC_ISSUER` names), so the
/// sign-in page knows whether to offer "Sign in with …". Needs no token.
#[utoipa::path(
    get,
    path = paths::PROVIDERS,
    operation_id = "api_auth_providers_retrieve",
    tag = tags::AUTH,
    responses((status = OK, description = "The providers.", body = Providers)),
)]
pub async fn providers(State(state): State<AppState>) -> Json<Providers> {
    Json(Providers {
        providers: state
            .oidc
            .iter()
            .map(|provider| ProviderInfo {
                id: "oidc".to_owned(),
                name: provider.name.clone(),
                start_url: paths::OIDC_START.to_owned(),
            })
            .collect(),
    })
}

/// The query of [`start`].
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct StartQuery {
    /// The SPA's path to land on once signed in (another site's address is ignored).
    next: Option<String>,
    /// An invitation's code, for a first sign-in where registration needs one.
    invite: Option<String>,
}

/// Sign in with the provider (new)
///
/// A browser goes here from "Sign in with …": it is sent to the provider (303), with a
/// cookie that ties the sign-in to it, and comes back to the callback. 404 when no provider is configured; while the provider
/// cannot be reached, back to `/login` with `#oidc_error=`. 30 a minute per address.
#[utoipa::path(
    get,
    path = paths::OIDC_START,
    operation_id = "api_auth_oidc_start_retrieve",
    tag = tags::AUTH,
    params(StartQuery),
    responses(
        (status = SEE_OTHER, description = "To the provider's sign-in page, or back to `/login` with `#oidc_error=`."),
        (status = NOT_FOUND, response = NotFound),
        (status = TOO_MANY_REQUESTS, response = TooManyRequests),
    ),
)]
pub async fn start(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    uri: Uri,
) -> ApiResult<Response> {
    let provider = provider(&state)?;
    state.sign_in_starts.admit(client)?;
    let next = oidc::local_path(query_value(&uri, "next").as_deref());
    let invite = query_value(&uri, "invite")
        .map(|code| code.trim().chars().take(128).collect::<String>())
        .filter(|code| !code.is_empty());
    Ok(
        match provider
            .start(&state.writer, Purpose::SignIn, None, &next, invite)
            .await
        {
            Ok(started) => (
                [(header::SET_COOKIE, started.binding)],
                Redirect::to(&started.url),
            )
                .into_response(),
            Err(ApiError::Unavailable(message)) => failed(message).into_response(),
            Err(other) => return Err(other),
        },
    )
}

/// The query of [`callback`], as the provider sends it.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct CallbackQuery {
    state: Option<String>,
    code: Option<String>,
    /// The provider's refusal, such as `access_denied`.
    error: Option<String>,
}

/// Back from the provider (new)
///
/// Where the provider sends the browser. The sign-in's `state` (ten minutes, once, and
/// only in the browser whose cookie holds it: a sign-in started elsewhere is refused), the
/// code exchanged with its PKCE verifier and the ID token (signature, issuer, audience,
/// expiry, `nonce`) are checked; then the browser goes back to the SPA with a one-time
/// code in the fragment (`/login#oidc_code=`, for `POST /api/token/oidc/`), an identity
/// linked (`#oidc_linked=1`), a proof (`#provider_proof=`), or what went wrong
/// (`#oidc_error=`). A first sign-in makes an account only where `OIDC_SIGNUP` and the
/// registration setting allow.
#[utoipa::path(
    get,
    path = paths::OIDC_CALLBACK,
    operation_id = "api_auth_oidc_callback_retrieve",
    tag = tags::AUTH,
    params(CallbackQuery),
    responses(
        (status = SEE_OTHER, description = "Back to the SPA, with the outcome in the fragment."),
        (status = NOT_FOUND, response = NotFound),
    ),
)]
pub async fn callback(
    State(state): State<AppState>,
    Issuing(from): Issuing,
    headers: axum::http::HeaderMap,
    uri: Uri,
) -> ApiResult<Response> {
    let provider = provider(&state)?;
    let cookies = headers.typed_get::<Cookie>();
    let bound = cookies.as_ref().and_then(|c| c.get(oidc::BINDING));
    let login_state = query_value(&uri, "state");
    // Another browser's sign-in (or none): not this one's to finish, nor to end, and
    // this browser's own sign-in (its cookie) stays as it was.
    let Some(login_state) = login_state.filter(|s| bound == Some(s.as_str())) else {
        return Ok(failed(messages::OIDC_EXPIRED).into_response());
    };
    let forget = [(header::SET_COOKIE, provider.unbinding())];
    let to = landing(&state, provider, login_state, &uri, &from).await?;
    Ok((forget, to).into_response())
}

/// Where the callback sends the browser, for the sign-in its cookie holds.
async fn landing(
    state: &AppState,
    provider: &Provider,
    login_state: String,
    uri: &Uri,
    from: &crate::accounts::sessions::Device,
) -> ApiResult<Redirect> {
    // RFC 9207: an answer that names another issuer is not this provider's.
    let issuer_differs = query_value(uri, "iss").is_some_and(|iss| iss != provider.issuer());
    let code = query_value(uri, "code").filter(|_| !issuer_differs);
    let Some(code) = code else {
        // Refused or cancelled at the provider: the sign-in is over either way.
        provider.abandon(&state.writer, &login_state).await?;
        return Ok(failed(messages::OIDC_FAILED));
    };
    let verified = match provider.verify(&state.writer, &login_state, &code).await {
        Ok(verified) => verified,
        Err(message) => return Ok(failed(message)),
    };
    let back = verified.back();
    let message = match provider
        .land((&state.db, &state.writer), verified, from)
        .await
    {
        Ok(Landing(to)) => return Ok(Redirect::to(&to)),
        Err(ApiError::Forbidden(message) | ApiError::Unavailable(message)) => message.to_owned(),
        Err(ApiError::Fields(errors)) => errors.first().unwrap_or(messages::OIDC_FAILED).to_owned(),
        Err(other) => return Err(other),
    };
    Ok(Redirect::to(&format!(
        "{back}#oidc_error={}",
        encode(&message)
    )))
}

/// Sign in: the provider's code (new)
///
/// Turns the one-time code a sign-in through the provider ended with (60 seconds, once)
/// into the usual token pair, as `POST /api/token/` does with a password; for an
/// account with two-step sign-in, 401 `totp_required` with a challenge instead. Wrong
/// codes count against the sign-in throttle.
#[utoipa::path(
    post,
    path = paths::TOKEN_OIDC,
    operation_id = "api_token_oidc_create",
    tag = tags::AUTH,
    request_body = OidcCode,
    responses(
        (status = OK, description = "A new session's token pair.", body = TokenPair),
        JsonBodyErrors,
        (status = UNAUTHORIZED, response = SignInFailed),
        (status = TOO_MANY_REQUESTS, response = TooManyRequests),
    ),
)]
pub async fn redeem(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Issuing(device): Issuing,
    body: JsonObject,
) -> ApiResult<Json<TokenPair>> {
    let mut fields = Fields::new(&body);
    let code = fields.required_text("code");
    let code = fields.finish(code)?;
    let step = async {
        let user_id = oidc_codes::redeem_sign_in(&state.writer, &code).await?;
        let user = users::by_id(&state.db, user_id).await?;
        if !user.is_active {
            return Err(ApiError::BadCredentials);
        }
        if two_step::is_enabled(&state.db, user.id).await? {
            let challenge = challenges::issue(&state.writer, user.id).await?;
            return Err(ApiError::SecondStepRequired { challenge });
        }
        Ok(user)
    };
    // Codes are guessed per client, whoever they belong to.
    let user = state
        .login_throttle
        .guard(client, &throttle::key_for("oidc code"), step)
        .await?;
    let pair = sessions::start(&state.writer, &state.tokens, user.id, &device).await?;
    let how = state.oidc.as_ref().map(|p| format!("through {}", p.name));
    users::signed_in(&state.writer, &user, how.as_deref(), &device).await?;
    Ok(Json(pair))
}

fn next_of(body: &JsonObject, default: &str) -> String {
    let mut fields = Fields::new(body);
    let next = fields.optional("next");
    oidc::local_path(Some(next.as_deref().unwrap_or(default)))
}

/// Your sign-in identities (new)
///
/// The caller's identities at the provider, and whether the account has a password.
#[utoipa::path(
    get,
    path = paths::IDENTITIES,
    operation_id = "api_user_identities_retrieve",
    tag = tags::ACCOUNT,
    security(("jwtAuth" = [])),
    responses(
        (status = OK, description = "The identities.", body = Identities),
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = FORBIDDEN, response = Forbidden),
    ),
)]
pub async fn identities(
    State(state): State<AppState>,
    user: AuthUser,
) -> ApiResult<Json<Identities>> {
    let account = users::by_id(&state.db, user.id).await?;
    let name = state.oidc.as_ref().map_or("", |p| p.name.as_str());
    Ok(Json(identities::list(&state.db, &account, name).await?))
}

/// Link an identity (new)
///
/// Starts linking the caller's identity at the provider: the answer is the provider's
/// page to send the browser to (and a cookie that ties the sign-in to this browser); it comes back to `next` (default `/account`) with
/// `#oidc_linked=1`, or `#oidc_error=` when that identity is another account's. 404
/// when no provider is configured, 503 while it cannot be reached.
#[utoipa::path(
    post,
    path = paths::IDENTITIES,
    operation_id = "api_user_identities_create",
    tag = tags::ACCOUNT,
    request_body = ProviderReturn,
    security(("jwtAuth" = [])),
    responses(
        (status = OK, description = "Where to send the browser.", body = ProviderRedirect),
        JsonBodyErrors,
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = FORBIDDEN, response = Forbidden),
        (status = NOT_FOUND, response = NotFound),
    ),
)]
pub async fn link(
    State(state): State<AppState>,
    user: AuthUser,
    body: JsonObject,
) -> ApiResult<Response> {
    to_provider(&state, &user, &body, Purpose::Link).await
}

/// Starts a sign-in at the provider for the signed-in `user` (linking, or a proof): the
/// provider's page to send the browser to, and the cookie that binds it to this browser.
async fn to_provider(
    state: &AppState,
    user: &AuthUser,
    body: &JsonObject,
    purpose: Purpose,
) -> ApiResult<Response> {
    let provider = provider(state)?;
    let next = next_of(body, "/account");
    let started = provider
        .start(&state.writer, purpose, Some(user.id), &next, None)
        .await?;
    let answer = Json(ProviderRedirect {
        authorization_url: started.url,
    });
    Ok(([(header::SET_COOKIE, started.binding)], answer).into_response())
}

/// Unlink an identity (new)
///
/// 204; 409 when it is the account's only way to sign in (no password, no other
/// identity).
#[utoipa::path(
    delete,
    path = paths::IDENTITY,
    operation_id = "api_user_identities_destroy",
    tag = tags::ACCOUNT,
    params(("id" = i64, Path, description = "The identity's id.")),
    security(("jwtAuth" = [])),
    responses(
        (status = NO_CONTENT, description = "Unlinked."),
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = FORBIDDEN, response = Forbidden),
        (status = NOT_FOUND, response = NotFound),
        (status = CONFLICT, description = "The last way to sign in.", body = app::errors::Detail),
    ),
)]
pub async fn unlink(
    State(state): State<AppState>,
    Issuing(from): Issuing,
    user: AuthUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = id_of(&id)?;
    let name = state.oidc.as_ref().map_or("", |p| p.name.as_str());
    identities::unlink(&state.writer, user.id, id, name, &from).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Prove yourself at the provider (new)
///
/// For an account without a password: where a password is asked (deleting the
/// account, turning two-step sign-in off, confirming the password again, setting a
/// first password), `provider_proof` stands in for it. This starts a fresh sign-in at
/// the provider (`max_age=0`); the browser comes back to `next` with
/// `#provider_proof=`, good once, for five minutes.
#[utoipa::path(
    post,
    path = paths::OIDC_PROOF,
    operation_id = "api_auth_oidc_proof_create",
    tag = tags::ACCOUNT,
    request_body = ProviderReturn,
    security(("jwtAuth" = [])),
    responses(
        (status = OK, description = "Where to send the browser.", body = ProviderRedirect),
        JsonBodyErrors,
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = FORBIDDEN, response = Forbidden),
        (status = NOT_FOUND, response = NotFound),
    ),
)]
pub async fn proof(
    State(state): State<AppState>,
    user: AuthUser,
    body: JsonObject,
) -> ApiResult<Response> {
    to_provider(&state, &user, &body, Purpose::Proof).await
}
