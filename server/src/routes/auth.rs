use crate::error::ApiResult;
use crate::extract::{AuthUser, ClientIp, Fields, JsonObject};
use crate::state::AppState;
use crate::{sessions, users};
use app::api::{TokenPair, User};
use app::validation::{Password, Username};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

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

pub async fn obtain_pair(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    body: JsonObject,
) -> ApiResult<Json<TokenPair>> {
    let mut fields = Fields::new(&body);
    let username = fields.required_text("username");
    // A password is never trimmed: "   " is a (wrong) password, not a blank field.
    let password = fields.required_nonempty("password");
    let (username, password) = fields.finish(username.zip(password))?;

    // Counted under the name sign-in will look up, so " alice" or a full-width "ａｌｉｃｅ"
    // is not a fresh set of guesses at alice's password. Names that cannot exist share
    // one count, so they cannot grow the throttle's memory either.
    let throttle_key =
        Username::parse(&username).map_or_else(|_| "\0invalid".to_owned(), Username::into_inner);
    let user_id = state
        .login_throttle
        .guard(
            client,
            &throttle_key,
            users::authenticate(
                &state.db,
                &state.writer,
                &state.passwords,
                &username,
                &password,
            ),
        )
        .await?;
    Ok(Json(
        sessions::start(&state.writer, &state.tokens, user_id).await?,
    ))
}

pub async fn refresh(
    State(state): State<AppState>,
    body: JsonObject,
) -> ApiResult<Json<TokenPair>> {
    let mut fields = Fields::new(&body);
    let token = fields.required_text("refresh");
    let token = fields.finish(token)?;
    Ok(Json(
        sessions::refresh(&state.db, &state.writer, &state.tokens, &token).await?,
    ))
}

pub async fn verify(State(state): State<AppState>, body: JsonObject) -> ApiResult<Json<Value>> {
    let mut fields = Fields::new(&body);
    let token = fields.required_text("token");
    let token = fields.finish(token)?;
    sessions::verify(&state.db, &state.tokens, &token).await?;
    Ok(Json(json!({})))
}

pub async fn blacklist(State(state): State<AppState>, body: JsonObject) -> ApiResult<Json<Value>> {
    let mut fields = Fields::new(&body);
    let token = fields.required_text("refresh");
    let token = fields.finish(token)?;
    sessions::blacklist(&state.db, &state.writer, &state.tokens, &token).await?;
    Ok(Json(json!({})))
}

/// Answers a new pair: this session goes on, every other one ends.
pub async fn change_password(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
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
        sessions::start(&state.writer, &state.tokens, user.id).await?,
    ))
}
