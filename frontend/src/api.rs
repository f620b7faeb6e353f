//! The SPA's one HTTP client. It speaks exactly the `app::api` types, attaches the
//! stored access token, and keeps the session alive: a request refused with `401` is
//! retried once after a refresh, and however many requests are refused together, one
//! refresh goes out and the rest wait for it. The decisions live in `app::refresh`,
//! where they are unit-tested; this module only carries them out.

use crate::session;
use app::api::{Credentials, Note, NoteInput, RefreshRequest, TokenPair, User, paths};
use app::errors::{Detail, ErrorBody, FieldErrors};
use app::guard::Session;
use app::refresh::{self, Next, RefreshOutcome, Rejected};
use futures::FutureExt;
use futures::future::{LocalBoxFuture, Shared};
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
            // `ErrorBody::summary`, without copying the map.
            Self::Fields(fields) => fields
                .0
                .values()
                .flatten()
                .next()
                .cloned()
                .unwrap_or_default(),
            Self::Detail(detail) => detail.clone(),
            Self::SignedOut => "Your session has ended. Please sign in again.".into(),
            Self::Network => {
                "Could not reach the server. Check your connection and try again.".into()
            }
        }
    }
}

pub async fn sign_in(credentials: &Credentials) -> Result<TokenPair, ApiError> {
    decode(send("POST", paths::TOKEN, Some(credentials.to_json()), None).await?)
}

pub async fn register(credentials: &Credentials) -> Result<User, ApiError> {
    decode(send("POST", paths::REGISTER, Some(credentials.to_json()), None).await?)
}

/// Sign-out on the server: this refresh token and its rotation family stop working.
pub async fn blacklist(refresh: String) -> Result<(), ApiError> {
    let body = RefreshRequest { refresh }.to_json();
    decode(send("POST", paths::TOKEN_BLACKLIST, Some(body), None).await?)
}

pub async fn list_notes() -> Result<Vec<Note>, ApiError> {
    authed("GET", paths::NOTES, None).await
}

pub async fn create_note(input: &NoteInput) -> Result<Note, ApiError> {
    authed("POST", paths::NOTES, Some(input.to_json())).await
}

pub async fn update_note(id: i64, input: &NoteInput) -> Result<Note, ApiError> {
    authed("PUT", &paths::note(id), Some(input.to_json())).await
}

pub async fn delete_note(id: i64) -> Result<(), ApiError> {
    authed("DELETE", &paths::note(id), None).await
}

/// A request on the signed-in user's behalf.
async fn authed<T: FromJson>(
    method: &str,
    path: &str,
    body: Option<JsValue>,
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
    let body = RefreshRequest {
        refresh: token.clone(),
    }
    .to_json();
    let answer = send("POST", paths::TOKEN_REFRESH, Some(body), None)
        .await
        .ok();
    match refresh::refresh_outcome(answer.as_ref().map(|a| a.status)) {
        RefreshOutcome::Renewed => match answer.and_then(|a| from_json::<TokenPair>(&a.body)) {
            Some(pair) => {
                session::store(&pair);
                RefreshOutcome::Renewed
            }
            None => RefreshOutcome::TryLater,
        },
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

fn decode<T: FromJson>(answer: Answer) -> Result<T, ApiError> {
    if (200..300).contains(&answer.status) {
        // `204 No Content` has no body; `null` reads as `()`.
        let body = if answer.body.is_empty() {
            "null"
        } else {
            &answer.body
        };
        return from_json(body).ok_or_else(|| {
            ApiError::Detail("The server sent an answer this app cannot read.".into())
        });
    }
    Err(match from_json::<ErrorBody>(&answer.body) {
        Some(ErrorBody::Fields(fields)) => ApiError::Fields(fields),
        Some(ErrorBody::Detail(detail)) => ApiError::Detail(detail.detail),
        None => ApiError::Detail(format!("The server answered {}.", answer.status)),
    })
}

// JSON goes through the browser's own `JSON.parse` and `JSON.stringify`, and the
// `app::api` types are read from and written to JS objects field by field, as serde
// would (same field names, same types, unknown fields ignored): no JSON or serde code
// in the wasm, which is a good part of its download.

/// An answer body, parsed by the browser into one of the `app::api` types.
fn from_json<T: FromJson>(text: &str) -> Option<T> {
    T::from_js(&js_sys::JSON::parse(text).ok()?)
}

/// A request body: a JSON object of string fields, in the given order.
fn to_json(fields: &[(&str, &str)]) -> JsValue {
    let object = js_sys::Object::new();
    for (key, value) in fields {
        let _ = js_sys::Reflect::set(&object, &(*key).into(), &(*value).into());
    }
    js_sys::JSON::stringify(&object).map_or(JsValue::NULL, JsValue::from)
}

trait ToJson {
    fn to_json(&self) -> JsValue;
}

// Each mapping destructures both the type and its `FIELDS` (checked against serde in
// `app`), so a field added, removed or renamed there stops this from compiling or fails
// `app`'s tests.

impl ToJson for Credentials {
    fn to_json(&self) -> JsValue {
        let Self { username, password } = self;
        let [username_key, password_key] = Self::FIELDS;
        to_json(&[(username_key, username), (password_key, password)])
    }
}

impl ToJson for NoteInput {
    fn to_json(&self) -> JsValue {
        let Self { title, content } = self;
        let [title_key, content_key] = Self::FIELDS;
        to_json(&[(title_key, title), (content_key, content)])
    }
}

impl ToJson for RefreshRequest {
    fn to_json(&self) -> JsValue {
        let Self { refresh } = self;
        let [refresh_key] = Self::FIELDS;
        to_json(&[(refresh_key, refresh)])
    }
}

trait FromJson: Sized {
    fn from_js(value: &JsValue) -> Option<Self>;
}

/// `value[key]`, `undefined` when `value` is no object.
fn field(value: &JsValue, key: &str) -> JsValue {
    if value.is_object() {
        js_sys::Reflect::get(value, &key.into()).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

fn string(value: &JsValue, key: &str) -> Option<String> {
    field(value, key).as_string()
}

/// An integer that fits an `i64`, as serde reads one (JSON numbers are `f64` in JS;
/// ids are far below 2^53).
fn integer(value: &JsValue, key: &str) -> Option<i64> {
    let number = field(value, key).as_f64()?;
    (number.fract() == 0.0 && number.abs() < 9.2e18).then_some(number as i64)
}

/// Any answer will do where none is expected (`204`, or a body that is ignored).
impl FromJson for () {
    fn from_js(_: &JsValue) -> Option<Self> {
        Some(())
    }
}

impl FromJson for TokenPair {
    fn from_js(value: &JsValue) -> Option<Self> {
        let [access, refresh] = Self::FIELDS;
        Some(Self {
            access: string(value, access)?,
            refresh: string(value, refresh)?,
        })
    }
}

impl FromJson for User {
    fn from_js(value: &JsValue) -> Option<Self> {
        let [id, username] = Self::FIELDS;
        Some(Self {
            id: integer(value, id)?,
            username: string(value, username)?,
        })
    }
}

impl FromJson for Note {
    fn from_js(value: &JsValue) -> Option<Self> {
        let [id, title, content, created_at, updated_at, author] = Self::FIELDS;
        Some(Self {
            id: integer(value, id)?,
            title: string(value, title)?,
            content: string(value, content)?,
            created_at: string(value, created_at)?,
            updated_at: string(value, updated_at)?,
            author: integer(value, author)?,
        })
    }
}

impl FromJson for Vec<Note> {
    fn from_js(value: &JsValue) -> Option<Self> {
        if !js_sys::Array::is_array(value) {
            return None;
        }
        js_sys::Array::from(value)
            .iter()
            .map(|note| Note::from_js(&note))
            .collect()
    }
}

/// `{"detail": "...", "code"?: "..."}`, else `{"<field>": ["<message>", ...], ...}`, in
/// the order serde's untagged `ErrorBody` tries them.
impl FromJson for ErrorBody {
    fn from_js(value: &JsValue) -> Option<Self> {
        if !value.is_object() || js_sys::Array::is_array(value) {
            return None;
        }
        let [detail_key, code_key] = Detail::FIELDS;
        let code = field(value, code_key);
        if let Some(detail) = string(value, detail_key)
            && (code.is_null() || code.is_undefined() || code.is_string())
        {
            return Some(Self::Detail(Detail {
                detail,
                code: code.as_string(),
            }));
        }
        let mut fields = FieldErrors::default();
        for entry in js_sys::Object::entries(value.unchecked_ref()).iter() {
            let entry = js_sys::Array::from(&entry);
            let messages = entry.get(1);
            if !js_sys::Array::is_array(&messages) {
                return None;
            }
            let messages = js_sys::Array::from(&messages)
                .iter()
                .map(|message| message.as_string())
                .collect::<Option<Vec<_>>>()?;
            fields.0.insert(entry.get(0).as_string()?, messages);
        }
        Some(Self::Fields(fields))
    }
}

async fn send(
    method: &str,
    path: &str,
    body: Option<JsValue>,
    bearer: Option<&str>,
) -> Result<Answer, ApiError> {
    fetch(method, path, body, bearer)
        .await
        .map_err(|_| ApiError::Network)
}

async fn fetch(
    method: &str,
    path: &str,
    body: Option<JsValue>,
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
        init.set_body(&body);
    }
    if let Some(token) = bearer {
        headers.set("Authorization", &["Bearer ", token].concat())?;
    }
    init.set_headers(&headers);
    let request = Request::new_with_str_and_init(&[API_BASE, path].concat(), &init)?;
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
