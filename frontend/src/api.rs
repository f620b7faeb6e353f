//! The SPA's one HTTP client. It speaks exactly the `app::api` types, attaches the
//! stored access token, and keeps the session alive: a request refused with `401` is
//! retried once after a refresh, and however many requests are refused together, one
//! refresh goes out and the rest wait for it. The decisions live in `app::refresh`,
//! where they are unit-tested; this module only carries them out.

use crate::session;
use app::api::{Credentials, Note, NoteInput, RefreshRequest, TokenPair, User, paths};
use app::errors::{ErrorBody, FieldErrors};
use app::guard::Session;
use app::refresh::{self, Next, RefreshOutcome, Rejected};
use futures::FutureExt;
use futures::future::{LocalBoxFuture, Shared};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::cell::RefCell;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, RequestCache, RequestInit, Response};

/// Where the API lives; empty means this site. Set at build time so the SPA can be
/// hosted apart from the API.
const API_BASE: &str = match option_env!("API_BASE_URL") {
    Some(base) => base,
    None => "",
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// `400 {"<field>": ["<message>"]}`, `non_field_errors` included.
    Fields(FieldErrors),
    /// Any other refusal, with the server's `detail`.
    Detail(String),
    /// The session is over and the tokens are cleared; the route guard takes the
    /// person to the sign-in page.
    SignedOut,
    /// No answer at all.
    Network,
}

impl ApiError {
    /// One line for a person.
    pub fn message(&self) -> String {
        match self {
            Self::Fields(fields) => ErrorBody::Fields(fields.clone()).summary(),
            Self::Detail(detail) => detail.clone(),
            Self::SignedOut => "Your session has ended. Please sign in again.".into(),
            Self::Network => {
                "Could not reach the server. Check your connection and try again.".into()
            }
        }
    }
}

pub async fn sign_in(credentials: &Credentials) -> Result<TokenPair, ApiError> {
    decode(send("POST", paths::TOKEN, Some(json(credentials)), None).await?)
}

pub async fn register(credentials: &Credentials) -> Result<User, ApiError> {
    decode(send("POST", paths::REGISTER, Some(json(credentials)), None).await?)
}

/// Sign-out on the server: this refresh token and its rotation family stop working.
pub async fn blacklist(refresh: String) -> Result<(), ApiError> {
    let body = json(&RefreshRequest { refresh });
    decode::<serde::de::IgnoredAny>(send("POST", paths::TOKEN_BLACKLIST, Some(body), None).await?)
        .map(drop)
}

pub async fn list_notes() -> Result<Vec<Note>, ApiError> {
    authed("GET", paths::NOTES, None).await
}

pub async fn create_note(input: &NoteInput) -> Result<Note, ApiError> {
    authed("POST", paths::NOTES, Some(json(input))).await
}

pub async fn update_note(id: i64, input: &NoteInput) -> Result<Note, ApiError> {
    authed("PUT", &paths::note(id), Some(json(input))).await
}

pub async fn delete_note(id: i64) -> Result<(), ApiError> {
    authed("DELETE", &paths::note(id), None).await
}

/// A request on the signed-in user's behalf.
async fn authed<T: DeserializeOwned>(
    method: &str,
    path: &str,
    body: Option<String>,
) -> Result<T, ApiError> {
    // A token already known to be stale would only earn a 401: renew it first. If the
    // server cannot be reached for that, the request may still get through.
    let before = session::read();
    if before.session() == Session::NeedsRefresh
        && renew(before.access).await == RefreshOutcome::SignedOut
    {
        return Err(ApiError::SignedOut);
    }

    let mut retried = false;
    loop {
        // Read on every attempt: another tab may have renewed the pair meanwhile.
        let sent = session::read().access;
        let answer = send(method, path, body.clone(), sent.as_deref()).await?;
        if answer.status != 401 {
            return decode(answer);
        }
        let stored = session::read();
        let next = refresh::on_unauthorized(Rejected {
            sent: sent.as_deref(),
            stored: stored.access.as_deref(),
            has_refresh: stored.refresh.is_some(),
            in_flight: refresh_in_flight(),
            retried,
        });
        match next {
            Next::Retry => {}
            // `renew` joins the refresh in flight or starts it.
            Next::Wait | Next::Refresh => match renew(sent).await {
                RefreshOutcome::Renewed => {}
                RefreshOutcome::SignedOut => return Err(ApiError::SignedOut),
                RefreshOutcome::TryLater => return Err(ApiError::Network),
            },
            Next::GiveUp => {
                session::clear();
                return Err(ApiError::SignedOut);
            }
        }
        retried = true;
    }
}

thread_local! {
    static IN_FLIGHT: RefCell<Option<Shared<LocalBoxFuture<'static, RefreshOutcome>>>> =
        const { RefCell::new(None) };
}

fn refresh_in_flight() -> bool {
    IN_FLIGHT.with(|slot| slot.borrow().is_some())
}

/// Renews the pair in place of `stale` (the access token found wanting). One refresh
/// per tab at a time: a caller that finds one in flight waits for its outcome.
pub async fn renew(stale: Option<String>) -> RefreshOutcome {
    let shared = IN_FLIGHT.with(|slot| {
        slot.borrow_mut()
            .get_or_insert_with(|| refresh_once(stale).boxed_local().shared())
            .clone()
    });
    let outcome = shared.clone().await;
    IN_FLIGHT.with(|slot| {
        let mut slot = slot.borrow_mut();
        if slot.as_ref().is_some_and(|current| current.ptr_eq(&shared)) {
            *slot = None;
        }
    });
    outcome
}

async fn refresh_once(stale: Option<String>) -> RefreshOutcome {
    let stored = session::read();
    if refresh::already_renewed(
        stale.as_deref(),
        stored.access.as_deref(),
        stored.session() == Session::Active,
    ) {
        return RefreshOutcome::Renewed;
    }
    let Some(token) = stored.refresh else {
        session::clear();
        return RefreshOutcome::SignedOut;
    };
    let body = json(&RefreshRequest {
        refresh: token.clone(),
    });
    let answer = send("POST", paths::TOKEN_REFRESH, Some(body), None)
        .await
        .ok();
    match refresh::refresh_outcome(answer.as_ref().map(|a| a.status)) {
        RefreshOutcome::Renewed => {
            match answer.and_then(|a| serde_json::from_str::<TokenPair>(&a.body).ok()) {
                Some(pair) => {
                    session::store(&pair);
                    RefreshOutcome::Renewed
                }
                None => RefreshOutcome::TryLater,
            }
        }
        RefreshOutcome::SignedOut => {
            // Another tab may have rotated the token while ours was on its way: its
            // pair is good, so this tab is not signed out after all.
            if session::read().refresh.is_some_and(|now| now != token) {
                session::sync();
                return RefreshOutcome::Renewed;
            }
            session::clear();
            RefreshOutcome::SignedOut
        }
        RefreshOutcome::TryLater => RefreshOutcome::TryLater,
    }
}

struct Answer {
    status: u16,
    body: String,
}

fn json(value: &impl Serialize) -> String {
    // The `app::api` types are plain structs of strings and numbers: they always encode.
    serde_json::to_string(value).unwrap_or_default()
}

fn decode<T: DeserializeOwned>(answer: Answer) -> Result<T, ApiError> {
    if (200..300).contains(&answer.status) {
        // `204 No Content` has no body; `null` reads as `()`.
        let body = if answer.body.is_empty() {
            "null"
        } else {
            &answer.body
        };
        return serde_json::from_str(body).map_err(|_| {
            ApiError::Detail("The server sent an answer this app cannot read.".into())
        });
    }
    Err(match serde_json::from_str::<ErrorBody>(&answer.body) {
        Ok(ErrorBody::Fields(fields)) => ApiError::Fields(fields),
        Ok(ErrorBody::Detail(detail)) => ApiError::Detail(detail.detail),
        Err(_) => ApiError::Detail(format!("The server answered {}.", answer.status)),
    })
}

async fn send(
    method: &str,
    path: &str,
    body: Option<String>,
    bearer: Option<&str>,
) -> Result<Answer, ApiError> {
    fetch(method, path, body, bearer)
        .await
        .map_err(|_| ApiError::Network)
}

async fn fetch(
    method: &str,
    path: &str,
    body: Option<String>,
    bearer: Option<&str>,
) -> Result<Answer, JsValue> {
    let headers = Headers::new()?;
    headers.set("Accept", "application/json")?;
    let init = RequestInit::new();
    init.set_method(method);
    // Notes are private and change under other tabs: never answer from the HTTP cache.
    init.set_cache(RequestCache::NoStore);
    if let Some(body) = body {
        headers.set("Content-Type", "application/json")?;
        init.set_body(&JsValue::from_str(&body));
    }
    if let Some(token) = bearer {
        headers.set("Authorization", &format!("Bearer {token}"))?;
    }
    init.set_headers(&headers);
    let request = Request::new_with_str_and_init(&format!("{API_BASE}{path}"), &init)?;
    let response: Response = JsFuture::from(leptos::prelude::window().fetch_with_request(&request))
        .await?
        .dyn_into()?;
    let body = JsFuture::from(response.text()?)
        .await?
        .as_string()
        .unwrap_or_default();
    Ok(Answer {
        status: response.status(),
        body,
    })
}
