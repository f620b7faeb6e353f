//! The browser's side of the app: `app::client::Backend` as the pages use it, each
//! operation one or more requests (`transport`), the notes kept on the device (`notes`,
//! `sync`), attachments (`files`) and the Markdown worker.

use crate::transport::{
    Call, authed, authorized, decode, download, renew, send, success, unreadable,
};
use crate::{notes, session};
use app::api::{
    Account, AccountDeletion, ActiveSession, AuditEntry, Credentials, ImportResult, NewAccount,
    Note, NoteInput, NotePatch, OidcCode, Page, PasswordChange, Reauthentication, RecoveryCodes,
    RefreshRequest, SecondStep, SecondStepRequired, TagCount, TokenPair, TotpCode, TotpDisable,
    TotpSetup, TrashedNote, User, paths,
};
use app::client::{Backend, Files, PAGE_SIZE, Reply, SignIn, Theme, Versioned};
use app::errors::TOTP_REQUIRED;
use app::guard::Session;
use app::json;
use app::refresh::RefreshOutcome;
use futures::FutureExt;
use futures::future::LocalBoxFuture;
use leptos::prelude::With;

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
        signing_in(Call::new("POST", paths::TOKEN).body(&credentials))
    }

    fn sign_in_with_provider(&self, code: String) -> Reply<SignIn> {
        signing_in(Call::new("POST", paths::TOKEN_OIDC).body(&OidcCode { code }))
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
        let content_type = if zip {
            "application/zip"
        } else {
            "application/json"
        };
        let call = Call::new("POST", paths::IMPORT).upload(file, content_type);
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
        let call = Call::new(method, path).encoded(body);
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

    fn heard(&self) -> u32 {
        crate::live::heard()
    }

    fn announced(&self, id: i64) -> Option<i64> {
        crate::live::announced(id)
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

/// A sign-in's answer: the pair, stored, or the challenge of two-step sign-in's second
/// step.
fn signing_in(call: Call) -> Reply<SignIn> {
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
