//! The SPA's one HTTP client. It speaks exactly the `app::api` types, encoded and decoded
//! by serde, attaches the stored access token, and keeps the session alive: a request
//! refused with `401` is retried once after a refresh, and however many requests are
//! refused together, one refresh goes out and the rest wait for it. The decisions live in
//! `app::refresh`, where they are unit-tested; this module only carries them out. Every
//! answer, or its absence, is told to `reachability`.

use crate::session;
use app::api::{Note, RefreshRequest, TokenPair, paths};
use app::client::{ClientError, Versioned};
use app::errors::{Detail, FieldErrors, REAUTHENTICATION_REQUIRED};
use app::guard::Session;
use app::json;
use app::refresh::{self, Next, RefreshOutcome, Rejected, Settle};
use futures::FutureExt;
use futures::future::{LocalBoxFuture, Shared};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::cell::RefCell;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, RequestCache, RequestInit, Response};

/// Where the API lives; empty means this site. Set at build time so the SPA can be
/// hosted apart from the API.
pub(crate) const API_BASE: &str = match option_env!("API_BASE_URL") {
    Some(base) => base,
    None => "",
};

/// One request to the API.
pub(crate) struct Call {
    method: &'static str,
    path: String,
    body: Option<String>,
    /// A file sent as it is, with its type.
    upload: Option<(web_sys::File, &'static str)>,
    /// `If-Match`: the version of a note that a write is meant for.
    if_match: Option<String>,
    /// `Idempotency-Key`: a creation sent again under it makes nothing new.
    key: Option<String>,
    /// A file to keep: a successful answer is read as a blob, not text. Files are
    /// revalidated with the browser's cache (notes never come from it).
    download: bool,
    /// Sent only with this person's tokens: a change kept for them is never sent as
    /// someone who signed in meanwhile.
    user: Option<i64>,
}

impl Call {
    pub(crate) fn new(method: &'static str, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            body: None,
            upload: None,
            if_match: None,
            key: None,
            download: false,
            user: None,
        }
    }

    pub(crate) fn for_user(self, user: i64) -> Self {
        Self {
            user: Some(user),
            ..self
        }
    }

    /// Meant for the note's version `etag`, if given.
    pub(crate) fn if_match(self, etag: Option<String>) -> Self {
        Self {
            if_match: etag,
            ..self
        }
    }

    /// A download: the answer is a file.
    pub(crate) fn file(self) -> Self {
        Self {
            download: true,
            ..self
        }
    }

    /// Sent under `key` (a creation: see `creation_key`).
    pub(crate) fn once(self, key: Option<String>) -> Self {
        Self { key, ..self }
    }

    /// A JSON body. The `app::api` types are plain structs of strings and numbers: they
    /// always encode.
    pub(crate) fn body(self, value: &impl Serialize) -> Self {
        self.encoded(json::to_string(value))
    }

    /// A body already encoded, if any.
    pub(crate) fn encoded(self, body: Option<String>) -> Self {
        Self { body, ..self }
    }

    /// A file sent as it is, typed `content_type`.
    pub(crate) fn upload(self, file: web_sys::File, content_type: &'static str) -> Self {
        Self {
            upload: Some((file, content_type)),
            ..self
        }
    }
}

/// A request on the signed-in user's behalf.
pub(crate) async fn authed<T: DeserializeOwned>(call: Call) -> Result<T, ClientError> {
    decode(authorized(&call).await?)
}

/// [`authed`], with the version of the note the answer holds.
pub(crate) async fn versioned(call: Call) -> Result<Versioned<Note>, ClientError> {
    let answer = authorized(&call).await?;
    let etag = answer.etag.clone();
    Ok(Versioned {
        value: decode(answer)?,
        etag,
    })
}

/// A file the API sent, as the browser holds it.
pub(crate) struct Downloaded {
    pub blob: web_sys::Blob,
    /// The name the server gave it (`Content-Disposition`).
    pub name: Option<String>,
    pub etag: Option<String>,
}

/// A file from the API on the signed-in person's behalf (`call` a download).
pub(crate) async fn download(call: Call) -> Result<Downloaded, ClientError> {
    let answer = authorized(&call).await?;
    let (name, etag, blob) = (
        answer.file_name.clone(),
        answer.etag.clone(),
        answer.blob.clone(),
    );
    success(answer)?;
    Ok(Downloaded {
        blob: blob.ok_or_else(unreadable)?,
        name,
        etag,
    })
}

/// [`authed`]'s answer before it is decoded.
pub(crate) async fn authorized(call: &Call) -> Result<Answer, ClientError> {
    on_behalf(call.user, &|bearer| {
        Box::pin(async move { send(call, bearer.as_deref()).await })
    })
    .await
}

/// A request made with the access token it is given.
pub(crate) type Attempt<'a> =
    dyn Fn(Option<String>) -> LocalBoxFuture<'a, Result<Answer, ClientError>> + 'a;

/// The one copy of the retry loop, whatever the request (`send`, with the person
/// `user`'s token if that is given) and whatever type its answer decodes to: not
/// generic, so that it is not copied into each caller.
pub(crate) async fn on_behalf(
    user: Option<i64>,
    send: &Attempt<'_>,
) -> Result<Answer, ClientError> {
    // A token already known to be stale would only earn a 401: renew it first. If the
    // server cannot be reached for that, the request may still get through.
    let before = session::read();
    if before.session() == Session::NeedsRefresh
        && renew(before.access).await == RefreshOutcome::SignedOut
    {
        return Err(ClientError::SignedOut);
    }

    let mut retried = false;
    loop {
        // Read on every attempt: another tab may have renewed the pair meanwhile (or
        // signed out, and someone else in).
        let tokens = session::read();
        if user.is_some() && tokens.user_id() != user {
            return Err(ClientError::SignedOut);
        }
        let sent = tokens.access;
        let answer = send(sent.clone()).await?;
        if answer.status != 401 {
            return Ok(answer);
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
                RefreshOutcome::SignedOut => return Err(ClientError::SignedOut),
                RefreshOutcome::TryLater => return Err(ClientError::Network),
            },
            Next::GiveUp => {
                session::clear();
                return Err(ClientError::SignedOut);
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
    let call = Call::new("POST", paths::TOKEN_REFRESH).body(&RefreshRequest {
        refresh: token.clone(),
    });
    let answer = send(&call, None).await.ok();
    let renewed = match refresh::refresh_outcome(answer.as_ref().map(|a| a.status)) {
        RefreshOutcome::TryLater => return RefreshOutcome::TryLater,
        RefreshOutcome::SignedOut => None,
        RefreshOutcome::Renewed => {
            match answer.and_then(|a| json::from_str::<TokenPair>(&a.body)) {
                Some(pair) => Some(pair),
                None => return RefreshOutcome::TryLater,
            }
        }
    };
    match refresh::settle(&token, session::read().refresh.as_deref(), renewed) {
        Settle::Store(pair) => {
            session::store(&pair);
            RefreshOutcome::Renewed
        }
        Settle::AdoptStored => {
            session::sync();
            RefreshOutcome::Renewed
        }
        Settle::SignOut => {
            session::clear();
            RefreshOutcome::SignedOut
        }
    }
}

pub(crate) struct Answer {
    pub status: u16,
    pub body: String,
    pub etag: Option<String>,
    /// A download's content, and the name the server gave it.
    pub blob: Option<web_sys::Blob>,
    pub file_name: Option<String>,
}

impl Answer {
    /// An answer of `status` whose body is `body`, with nothing else.
    pub(crate) fn text(status: u16, body: String) -> Self {
        Self {
            status,
            body,
            etag: None,
            blob: None,
            file_name: None,
        }
    }
}

pub(crate) fn decode<T: DeserializeOwned>(answer: Answer) -> Result<T, ClientError> {
    // `204 No Content` has no body; `null` reads as `()`.
    let body = success(answer)?;
    json::from_str(if body.is_empty() { "null" } else { &body }).ok_or_else(unreadable)
}

/// The body of a successful answer, or the error any other answer says: the part of
/// [`decode`] that is the same whatever type it decodes to, so it exists once.
pub(crate) fn success(answer: Answer) -> Result<String, ClientError> {
    match answer.status {
        200..=299 => return Ok(answer.body),
        404 => return Err(ClientError::NotFound),
        412 => return Err(ClientError::Changed),
        _ => {}
    }
    // `{"detail": ...}`, else `{"<field>": [...]}`: the shapes every error has.
    if let Some(detail) = json::from_str::<Detail>(&answer.body) {
        if detail.code.as_deref() == Some(REAUTHENTICATION_REQUIRED) {
            return Err(ClientError::Reauthenticate);
        }
        return Err(match answer.status {
            403 => ClientError::Forbidden(detail.detail),
            _ => ClientError::Detail(detail.detail),
        });
    }
    Err(match json::from_str::<FieldErrors>(&answer.body) {
        Some(fields) => ClientError::Fields(fields),
        None => ClientError::Detail(format!("The server answered {}.", answer.status)),
    })
}

pub(crate) fn unreadable() -> ClientError {
    ClientError::Detail("The server sent an answer this app cannot read.".into())
}

pub(crate) async fn send(call: &Call, bearer: Option<&str>) -> Result<Answer, ClientError> {
    let answer = fetch(call, bearer).await;
    crate::reachability::found(answer.is_ok());
    answer.map_err(|_| ClientError::Network)
}

/// Asks the server whether it is up (`/healthz`); what it finds is recorded as any
/// request's is.
pub async fn probe() {
    let _ = send(&Call::new("GET", "/healthz"), None).await;
}

async fn fetch(call: &Call, bearer: Option<&str>) -> Result<Answer, wasm_bindgen::JsValue> {
    let headers = Headers::new()?;
    headers.set("Accept", "application/json")?;
    let init = RequestInit::new();
    init.set_method(call.method);
    // Notes are private and change under other tabs: never answer from the HTTP cache.
    // A file (an attachment: `Cache-Control: private`) may be, once the server says it
    // has not changed.
    init.set_cache(if call.download {
        RequestCache::NoCache
    } else {
        RequestCache::NoStore
    });
    if let Some(body) = &call.body {
        headers.set("Content-Type", "application/json")?;
        init.set_body(&body.into());
    }
    if let Some((file, content_type)) = &call.upload {
        headers.set("Content-Type", content_type)?;
        init.set_body(file);
    }
    if let Some(token) = bearer {
        headers.set("Authorization", &["Bearer ", token].concat())?;
    }
    if let Some(etag) = &call.if_match {
        headers.set("If-Match", etag)?;
    }
    if let Some(key) = &call.key {
        headers.set("Idempotency-Key", key)?;
    }
    init.set_headers(&headers);
    let request = Request::new_with_str_and_init(&[API_BASE, &call.path].concat(), &init)?;
    let response: Response = JsFuture::from(leptos::prelude::window().fetch_with_request(&request))
        .await?
        .dyn_into()?;
    let (mut body, mut blob) = (String::new(), None);
    if call.download && response.ok() {
        blob = Some(JsFuture::from(response.blob()?).await?.dyn_into()?);
    } else {
        body = JsFuture::from(response.text()?)
            .await?
            .as_string()
            .unwrap_or_default();
    }
    let file_name = response
        .headers()
        .get("Content-Disposition")?
        // `attachment; filename="notes-2026-12-03.zip"`: the name is what the quotes hold.
        .and_then(|d| d.split('"').nth(1).map(str::to_owned));
    Ok(Answer {
        status: response.status(),
        body,
        etag: response.headers().get("ETag")?,
        blob,
        file_name,
    })
}
