//! The SPA's one HTTP client, and through it the `app::client::Backend` the pages use.
//! It speaks exactly the `app::api` types, encoded and decoded by serde, attaches the
//! stored access token, and keeps the session alive: a request refused with `401` is
//! retried once after a refresh, and however many requests are refused together, one
//! refresh goes out and the rest wait for it. The decisions live in `app::refresh`,
//! where they are unit-tested; this module only carries them out.

use crate::{notes, session};
use app::api::{
    Account, AccountDeletion, ActiveSession, AuditEntry, Credentials, ImportResult, NewAccount,
    Note, NoteInput, NotePatch, Page, PasswordChange, Reauthentication, RecoveryCodes,
    RefreshRequest, RegistrationStatus, SecondStep, SecondStepRequired, TagCount, TokenPair,
    TotpCode, TotpDisable, TotpSetup, TrashedNote, User, paths,
};
use app::client::{Backend, ClientError, Files, PAGE_SIZE, Reply, SignIn, Theme, Versioned};
use app::errors::{Detail, FieldErrors, REAUTHENTICATION_REQUIRED, TOTP_REQUIRED};
use app::guard::Session;
use app::json;
use app::refresh::{self, Next, RefreshOutcome, Rejected, Settle};
use futures::FutureExt;
use futures::future::{LocalBoxFuture, Shared};
use leptos::prelude::With;
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

/// The browser's side of the app: this module's requests and `session`'s token store.
pub struct Browser;

impl Backend for Browser {
    fn session(&self) -> Session {
        match session::tokens().with(|t| t.session()) {
            // Renewal waits for the network; meanwhile the person's notes are on the
            // device, and they are still the one signed in.
            Session::NeedsRefresh if !crate::reachability::reachable() => Session::Active,
            session => session,
        }
    }

    fn renew(&self) -> LocalBoxFuture<'static, RefreshOutcome> {
        renew(session::read().access).boxed_local()
    }

    fn sign_in(&self, credentials: Credentials) -> Reply<SignIn> {
        let call = Call::new("POST", paths::TOKEN).body(&credentials);
        async move {
            let answer = send(&call, None).await?;
            if answer.status == 401
                && let Some(asked) = json::from_str::<SecondStepRequired>(&answer.body)
                && asked.code == TOTP_REQUIRED
            {
                return Ok(SignIn::CodeRequired(asked.challenge));
            }
            session::store(&decode::<TokenPair>(answer)?);
            Ok(SignIn::Done)
        }
        .boxed_local()
    }

    fn sign_in_with_code(&self, challenge: String, code: String) -> Reply<()> {
        let call = Call::new("POST", paths::TOKEN_TOTP).body(&SecondStep { challenge, code });
        async move {
            session::store(&decode::<TokenPair>(send(&call, None).await?)?);
            Ok(())
        }
        .boxed_local()
    }

    fn register(&self, account: NewAccount) -> Reply<User> {
        let call = Call::new("POST", paths::REGISTER).body(&account);
        async move { decode(send(&call, None).await?) }.boxed_local()
    }

    fn registration(&self) -> Reply<RegistrationStatus> {
        let call = Call::new("GET", paths::REGISTER);
        async move { decode(send(&call, None).await?) }.boxed_local()
    }

    fn sign_out(&self) -> LocalBoxFuture<'static, ()> {
        let refresh = session::read().refresh;
        let user = session::user_id();
        crate::drafts::forget_all();
        session::clear();
        async move {
            if let Some(user) = user {
                crate::device::forget(user).await;
            }
            // Best effort: the tokens are gone from this browser either way.
            if let Some(refresh) = refresh {
                let call =
                    Call::new("POST", paths::TOKEN_BLACKLIST).body(&RefreshRequest { refresh });
                let _ = send(&call, None).await;
            }
        }
        .boxed_local()
    }

    fn notes(&self, search: String, tag: String, page: u64) -> Reply<Page<Note>> {
        notes::list(search, tag, page).boxed_local()
    }

    fn shared_notes(&self, search: String, page: u64) -> Reply<Page<Note>> {
        notes::shared(search, page).boxed_local()
    }

    fn tags(&self) -> Reply<Vec<TagCount>> {
        notes::tags().boxed_local()
    }

    fn patch_note(
        &self,
        id: i64,
        patch: NotePatch,
        etag: Option<String>,
    ) -> Reply<Versioned<Note>> {
        notes::patch(id, patch, etag).boxed_local()
    }

    fn note(&self, id: i64) -> Reply<Versioned<Note>> {
        notes::note(id).boxed_local()
    }

    fn create_note(&self, input: NoteInput) -> Reply<Note> {
        notes::create(input).boxed_local()
    }

    fn update_note(
        &self,
        id: i64,
        input: NoteInput,
        etag: Option<String>,
    ) -> Reply<Versioned<Note>> {
        notes::update(id, input, etag).boxed_local()
    }

    fn delete_note(&self, id: i64) -> Reply<()> {
        notes::delete(id).boxed_local()
    }

    fn trash(&self, page: u64) -> Reply<Page<TrashedNote>> {
        let path = [
            paths::TRASH,
            "?page=",
            &page.to_string(),
            "&page_size=",
            &PAGE_SIZE.to_string(),
        ]
        .concat();
        authed(Call::new("GET", path)).boxed_local()
    }

    fn restore_revision(
        &self,
        id: i64,
        revision: i64,
        etag: Option<String>,
    ) -> Reply<Versioned<Note>> {
        notes::restore_revision(id, revision, etag).boxed_local()
    }

    fn restore_note(&self, id: i64) -> Reply<Note> {
        authed(Call::new("POST", paths::restore(id))).boxed_local()
    }

    fn purge_note(&self, id: i64) -> Reply<()> {
        authed(Call::new("DELETE", paths::trashed(id))).boxed_local()
    }

    fn empty_trash(&self) -> Reply<()> {
        authed(Call::new("DELETE", paths::TRASH)).boxed_local()
    }

    fn export_notes(&self, markdown: bool) -> Reply<()> {
        let format = if markdown { "markdown" } else { "json" };
        let call = Call::new("GET", [paths::EXPORT, "?format=", format].concat()).file();
        async move {
            let file = download(call).await?;
            crate::download::save(&file.blob, file.name.as_deref().unwrap_or("notes"))
                .map_err(|_| unreadable())
        }
        .boxed_local()
    }

    fn import_notes(&self, file: web_sys::File) -> Reply<ImportResult> {
        let zip = file.name().to_ascii_lowercase().ends_with(".zip");
        let call = Call {
            upload: Some((
                file,
                if zip {
                    "application/zip"
                } else {
                    "application/json"
                },
            )),
            ..Call::new("POST", paths::IMPORT)
        };
        authed(call).boxed_local()
    }

    fn account(&self) -> Reply<Account> {
        authed(Call::new("GET", paths::ACCOUNT)).boxed_local()
    }

    fn change_password(&self, change: PasswordChange) -> Reply<()> {
        let call = Call::new("POST", paths::PASSWORD).body(&change);
        async move {
            session::store(&authed::<TokenPair>(call).await?);
            Ok(())
        }
        .boxed_local()
    }

    fn end_sessions(&self) -> Reply<()> {
        authed(Call::new("DELETE", paths::SESSIONS)).boxed_local()
    }

    fn delete_account(&self, password: String) -> Reply<()> {
        authed(Call::new("DELETE", paths::ACCOUNT).body(&AccountDeletion { password }))
            .boxed_local()
    }

    fn sessions(&self) -> Reply<Vec<ActiveSession>> {
        authed(Call::new("GET", paths::SESSIONS)).boxed_local()
    }

    fn end_session(&self, id: String) -> Reply<()> {
        authed(Call::new("DELETE", paths::session(&id))).boxed_local()
    }

    fn activity(&self) -> Reply<Page<AuditEntry>> {
        authed(Call::new(
            "GET",
            [paths::ACTIVITY, "?page_size=10"].concat(),
        ))
        .boxed_local()
    }

    fn reauthenticate(&self, password: String, code: Option<String>) -> Reply<()> {
        let call =
            Call::new("POST", paths::REAUTHENTICATE).body(&Reauthentication { password, code });
        async move {
            session::store(&authed::<TokenPair>(call).await?);
            Ok(())
        }
        .boxed_local()
    }

    fn call(&self, method: &'static str, path: String, body: Option<String>) -> Reply<String> {
        let call = Call {
            body,
            ..Call::new(method, path)
        };
        async move { success(authorized(&call).await?) }.boxed_local()
    }

    fn start_totp(&self) -> Reply<TotpSetup> {
        authed(Call::new("POST", paths::TOTP)).boxed_local()
    }

    fn confirm_totp(&self, code: String) -> Reply<RecoveryCodes> {
        authed(Call::new("POST", paths::TOTP_CONFIRM).body(&TotpCode { code })).boxed_local()
    }

    fn new_recovery_codes(&self, code: String) -> Reply<RecoveryCodes> {
        authed(Call::new("POST", paths::TOTP_RECOVERY_CODES).body(&TotpCode { code })).boxed_local()
    }

    fn theme(&self) -> Theme {
        crate::theme::current()
    }

    fn choose_theme(&self, theme: Theme) {
        crate::theme::choose(theme);
    }

    fn reachable(&self) -> bool {
        crate::reachability::reachable()
    }

    fn waiting(&self, id: i64) -> bool {
        crate::device::shown_queue().with(|q| q.holds(id))
    }

    fn unsynced(&self) -> usize {
        crate::device::shown_queue().with(|q| q.len())
    }

    fn synced(&self) -> u32 {
        crate::sync::synced()
    }

    fn conflict(&self, id: i64) -> Option<(Note, NoteInput)> {
        notes::conflict(id)
    }

    fn forget_waiting(&self, id: i64) {
        notes::forget_waiting(id);
    }

    fn new_version(&self) -> bool {
        crate::updates::new_version()
    }

    fn load_new_version(&self) {
        crate::updates::load_new_version();
    }

    fn draft(&self, slot: &str) -> Option<NoteInput> {
        crate::drafts::get(slot)
    }

    fn keep_draft(&self, slot: &str, draft: Option<&NoteInput>) {
        crate::drafts::keep(slot, draft);
    }

    fn set_aside(&self) -> Option<(String, NoteInput)> {
        crate::sync::synced();
        crate::drafts::set_aside()
    }

    fn render_markdown(
        &self,
        text: String,
        interactive: bool,
    ) -> LocalBoxFuture<'static, Option<String>> {
        crate::markdown::render(text, interactive).boxed_local()
    }

    fn toggle_task(&self, text: String, task: usize) -> LocalBoxFuture<'static, Option<String>> {
        crate::markdown::toggle_task(text, task).boxed_local()
    }

    fn files(&self) -> LocalBoxFuture<'static, Option<Files>> {
        Box::pin(async { crate::files::kit().await.ok() })
    }

    fn disable_totp(&self, password: String, code: String) -> Reply<()> {
        authed(Call::new("DELETE", paths::TOTP).body(&TotpDisable { password, code })).boxed_local()
    }
}

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
        Self {
            body: json::to_string(value),
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
async fn authorized(call: &Call) -> Result<Answer, ClientError> {
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
fn success(answer: Answer) -> Result<String, ClientError> {
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

fn unreadable() -> ClientError {
    ClientError::Detail("The server sent an answer this app cannot read.".into())
}

async fn send(call: &Call, bearer: Option<&str>) -> Result<Answer, ClientError> {
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
