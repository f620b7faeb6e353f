use crate::accounts::access_tokens::{self, Wanted};
use crate::accounts::audit::Person;
use crate::accounts::users;
use crate::error::ApiResult;
use crate::http::extract::{AuthUser, Fields, Issuing, JsonObject, id_of};
use crate::http::openapi::{Forbidden, JsonBodyErrors, NotFound, Unauthorized, tags};
use crate::http::state::AppState;
use app::api::{
    AccessToken, CreatedAccessToken, MAX_TOKEN_DAYS, NewAccessToken, TokenScope, paths,
};
use app::errors::messages;
use app::validation::TokenName;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

/// Your access tokens (new)
///
/// The caller's personal access tokens, newest first, with when each was last used. The
/// tokens themselves are not kept, so not shown. Only a signed-in session may ask (a
/// token gets 403).
#[utoipa::path(
    get,
    path = paths::ACCESS_TOKENS,
    operation_id = "api_user_tokens_list",
    tag = tags::ACCOUNT,
    security(("jwtAuth" = [])),
    responses(
        (status = OK, description = "The caller's tokens.", body = Vec<AccessToken>),
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = FORBIDDEN, response = Forbidden),
    ),
)]
pub async fn list(
    State(state): State<AppState>,
    user: AuthUser,
) -> ApiResult<Json<Vec<AccessToken>>> {
    Ok(Json(access_tokens::list(&state.db, user.id).await?))
}

/// Make an access token (new)
///
/// A personal access token for a script: `Authorization: Bearer ntk_…` acts as the
/// caller on the notes API. `read` answers reads and refuses writes; `write` also
/// writes notes. Neither reaches the account's security, the operator's area, emptying
/// the trash, deleting for good, nor sharing (403). The token is in this answer only.
/// It ends when revoked, when it expires (`expires_in_days`, else never), and at a
/// password change, "sign out everywhere", deactivation or the account's deletion.
#[utoipa::path(
    post,
    path = paths::ACCESS_TOKENS,
    operation_id = "api_user_tokens_create",
    tag = tags::ACCOUNT,
    request_body = NewAccessToken,
    security(("jwtAuth" = [])),
    responses(
        (status = CREATED, description = "The token, shown this once.", body = CreatedAccessToken),
        JsonBodyErrors,
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = FORBIDDEN, response = Forbidden),
    ),
)]
pub async fn create(
    State(state): State<AppState>,
    Issuing(from): Issuing,
    user: AuthUser,
    body: JsonObject,
) -> ApiResult<(StatusCode, Json<CreatedAccessToken>)> {
    let mut fields = Fields::new(&body);
    let name = fields.required_text("name");
    let name = name.and_then(|name| fields.check("name", TokenName::parse(&name)));
    let scope = fields.required_text("scope").and_then(|scope| {
        let parsed = TokenScope::parse(&scope).ok_or_else(|| vec![messages::not_a_choice(&scope)]);
        fields.check("scope", parsed)
    });
    let days = fields
        .optional_nullable_whole_number("expires_in_days", 1..=i64::from(MAX_TOKEN_DAYS))
        .unwrap_or(None);
    let wanted = fields.finish(name.zip(scope).map(|(name, scope)| Wanted {
        name,
        scope,
        days: days.map(|days| days as u32),
    }))?;
    let account = users::by_id(&state.db, user.id).await?;
    let made = access_tokens::create(&state.writer, &Person::from(&account), wanted, &from).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

/// Revoke an access token (new)
///
/// The token stops working at once, on every replica.
#[utoipa::path(
    delete,
    path = paths::ACCESS_TOKEN,
    operation_id = "api_user_tokens_destroy",
    tag = tags::ACCOUNT,
    params(("id" = i64, Path, description = "A token's id, from the list.")),
    security(("jwtAuth" = [])),
    responses(
        (status = NO_CONTENT, description = "The token is revoked."),
        (status = UNAUTHORIZED, response = Unauthorized),
        (status = FORBIDDEN, response = Forbidden),
        (status = NOT_FOUND, response = NotFound),
    ),
)]
pub async fn revoke(
    State(state): State<AppState>,
    Issuing(from): Issuing,
    user: AuthUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = id_of(&id)?;
    let account = users::by_id(&state.db, user.id).await?;
    access_tokens::revoke(&state.writer, &Person::from(&account), id, &from).await?;
    Ok(StatusCode::NO_CONTENT)
}
