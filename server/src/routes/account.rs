use crate::error::ApiResult;
use crate::extract::{AuthUser, ClientIp, Fields, JsonObject};
use crate::state::AppState;
use crate::{sessions, users};
use app::api::Account;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

pub async fn show(State(state): State<AppState>, user: AuthUser) -> ApiResult<Json<Account>> {
    Ok(Json(users::account(&state.db, user.id).await?))
}

/// Deletes the account, its notes and its sessions once the password is given again.
pub async fn delete(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    user: AuthUser,
    body: JsonObject,
) -> ApiResult<StatusCode> {
    let account = users::by_id(&state.db, user.id).await?;
    let username = account.username.clone();
    let mut fields = Fields::new(&body);
    let password = fields.required_nonempty("password");
    let password = fields.finish(password)?;
    // Guessing the password here is throttled like guessing it at sign-in.
    state
        .login_throttle
        .guard(
            client,
            &username,
            users::delete(&state.writer, &state.passwords, account, &password),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Signs the caller out everywhere, this session included. Access tokens already
/// handed out live until they expire, as in simplejwt.
pub async fn end_sessions(State(state): State<AppState>, user: AuthUser) -> ApiResult<StatusCode> {
    users::by_id(&state.db, user.id).await?;
    sessions::revoke_all(&state.writer, user.id).await?;
    Ok(StatusCode::NO_CONTENT)
}
