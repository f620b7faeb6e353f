//! What the pages need from the browser, as a context the frontend provides: the session
//! its stored tokens make, and the HTTP API spoken on the person's behalf. The pages know
//! only this trait, so the native build of the tree (the server lists its routes from it)
//! never reaches `localStorage` or `fetch`.

use crate::api::{
    Account, ActiveSession, AuditEntry, Credentials, DiffSide, ImportResult, NewAccount, Note,
    NoteInput, NotePatch, Page, PasswordChange, RecoveryCodes, Revision, RevisionDiff, SetAside,
    TagCount, TotpSetup, TrashedNote, User, paths, query,
};
use crate::errors::FieldErrors;
use crate::guard::Session;
use crate::refresh::RefreshOutcome;
use futures::future::LocalBoxFuture;
use leptos::prelude::*;

/// An answer from the API, decoded.
pub type Reply<T> = LocalBoxFuture<'static, Result<T, ClientError>>;

/// How many notes the SPA asks for at a time.
pub const PAGE_SIZE: u64 = 20;

/// How many pages hold `shown` items, at least one and at most ten: what a list reloads
/// when it is told of a change, so that the pages one had opened stay open.
pub fn pages_for(shown: u64) -> u64 {
    shown.div_ceil(PAGE_SIZE).clamp(1, 10)
}

/// Pages 1 to `pages` of a list as one page, merged by `id` (a change between two asks
/// shifts them). Stops at the list's end, and at a later page that fails: what came is
/// the list.
pub async fn first_pages<T>(
    pages: u64,
    page: impl Fn(u64) -> Reply<Page<T>>,
    id: impl Fn(&T) -> i64,
) -> Result<Page<T>, ClientError> {
    let mut list = page(1).await?;
    for number in 2..=pages {
        if list.results.len() as u64 >= list.count {
            break;
        }
        let Ok(more) = page(number).await else { break };
        merge_page((&mut list.results, &mut list.count), more, &id);
    }
    Ok(list)
}

/// Adds the items of `more` that `list` does not hold yet (by `id`), and takes its
/// count: pages asked for one by one overlap when the list changed between them.
pub fn merge_page<T>(
    (list, count): (&mut Vec<T>, &mut u64),
    more: Page<T>,
    id: impl Fn(&T) -> i64,
) {
    for item in more.results {
        if list.iter().all(|kept| id(kept) != id(&item)) {
            list.push(item);
        }
    }
    *count = more.count;
}

/// A value and the version it was read or written at (its `ETag`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Versioned<T> {
    pub value: T,
    pub etag: Option<String>,
}

/// The browser side of the app. Every method that talks to the server as the signed-in
/// person retries once after refreshing a refused access token (see `crate::refresh`).
pub trait Backend: Send + Sync {
    /// The session the stored tokens make, in this tab or another; reading it in a
    /// reactive closure tracks it.
    fn session(&self) -> Session;
    /// Renews the token pair; however many callers ask at once, one refresh goes out.
    fn renew(&self) -> LocalBoxFuture<'static, RefreshOutcome>;
    /// Signs in and stores the pair, or answers the challenge of the second step that an
    /// account with two-step sign-in asks for.
    fn sign_in(&self, credentials: Credentials) -> Reply<SignIn>;
    /// The same with the one-time code a sign-in through the provider ended with.
    fn sign_in_with_provider(&self, code: String) -> Reply<SignIn>;
    /// The second step: the challenge and a code from the app or a recovery code.
    fn sign_in_with_code(&self, challenge: String, code: String) -> Reply<()>;
    fn register(&self, account: NewAccount) -> Reply<User>;
    /// Forgets the tokens in every tab at once, then asks the server to end the session.
    fn sign_out(&self) -> LocalBoxFuture<'static, ()>;
    /// Page `page` (from 1, [`PAGE_SIZE`] notes each) of the person's notes, pinned first
    /// then newest first, holding every term of `search` in their title or content and,
    /// unless it is empty, the #tag `tag`.
    ///
    /// The note methods answer from this device when the server cannot be reached: reads
    /// from its copy of the person's notes, and writes are kept there and sent later
    /// (`crate::offline`), answered with the note as it will be.
    fn notes(&self, search: String, tag: String, page: u64) -> Reply<Page<Note>>;
    /// Page `page` of the notes others shared with the person holding every term of
    /// `search`, each with its `owner` and `permission`; from the device offline.
    fn shared_notes(&self, search: String, page: u64) -> Reply<Page<Note>>;
    /// The person's #tags, most used first.
    fn tags(&self) -> Reply<Vec<TagCount>>;
    /// A note as it is now.
    fn note(&self, id: i64) -> Reply<Versioned<Note>>;
    fn create_note(&self, input: NoteInput) -> Reply<Note>;
    /// Saves over the version `etag` names, or over whatever is there without one:
    /// [`ClientError::Changed`] when someone saved the note since.
    fn update_note(
        &self,
        id: i64,
        input: NoteInput,
        etag: Option<String>,
    ) -> Reply<Versioned<Note>>;
    /// Changes only what `patch` holds, over the version `etag` names if given.
    fn patch_note(&self, id: i64, patch: NotePatch, etag: Option<String>)
    -> Reply<Versioned<Note>>;
    /// Moves a note to the trash.
    fn delete_note(&self, id: i64) -> Reply<()>;
    /// Makes kept version `revision` of note `id` its text again, over the version `etag`
    /// names (`If-Match`, which [`Backend::call`] cannot send): the note as saved, with its
    /// new `ETag`; [`ClientError::Changed`] when someone saved it since,
    /// [`ClientError::Forbidden`] for a note shared read only. The device's copy keeps
    /// the answer, as it keeps any save.
    fn restore_revision(
        &self,
        id: i64,
        revision: i64,
        etag: Option<String>,
    ) -> Reply<Versioned<Note>>;
    /// Page `page` of the trash, most recently deleted first.
    fn trash(&self, page: u64) -> Reply<Page<TrashedNote>>;
    /// Brings a note back from the trash, as it was.
    fn restore_note(&self, id: i64) -> Reply<Note>;
    /// Deletes a note in the trash for good.
    fn purge_note(&self, id: i64) -> Reply<()>;
    fn empty_trash(&self) -> Reply<()>;
    /// Downloads all of the person's notes: one JSON file, or (`markdown`) a zip of
    /// Markdown files. Done once the browser has the file.
    fn export_notes(&self, markdown: bool) -> Reply<()>;
    /// Adds the notes of an export file to the person's.
    fn import_notes(&self, file: web_sys::File) -> Reply<ImportResult>;
    fn account(&self) -> Reply<Account>;
    /// Changes the password and stores the new pair: this session goes on, every other
    /// one ends.
    fn change_password(&self, change: PasswordChange) -> Reply<()>;
    /// Ends every session of the person on the server, this one included.
    fn end_sessions(&self) -> Reply<()>;
    /// Deletes the account, its notes and its sessions.
    fn delete_account(&self, password: String) -> Reply<()>;
    /// The person's live sessions, most recently used first.
    fn sessions(&self) -> Reply<Vec<ActiveSession>>;
    /// The latest security events of the person's account, newest first.
    fn activity(&self) -> Reply<Page<AuditEntry>>;
    /// The password (and a code, with two-step sign-in on) again: a fresh pair of this
    /// session is stored, which counts as signed in just now.
    fn reauthenticate(&self, password: String, code: Option<String>) -> Reply<()>;
    /// Any operation of the API as the signed-in person, answered with its JSON text:
    /// for the parts of the app loaded when first used (the operator's area), which
    /// read their own types, so that none of their code is in the first download.
    fn call(&self, method: &'static str, path: String, body: Option<String>) -> Reply<String>;
    /// Ends one session on the server.
    fn end_session(&self, id: String) -> Reply<()>;
    /// A new secret for an authenticator app.
    fn start_totp(&self) -> Reply<TotpSetup>;
    /// Turns two-step sign-in on with the app's first code.
    fn confirm_totp(&self, code: String) -> Reply<RecoveryCodes>;
    fn new_recovery_codes(&self, code: String) -> Reply<RecoveryCodes>;
    fn disable_totp(&self, password: String, code: String) -> Reply<()>;
    /// The colour theme shown: the one chosen on this device, else the system's.
    fn theme(&self) -> Theme;
    /// Shows `theme` and keeps the choice on this device.
    fn choose_theme(&self, theme: Theme);
    /// Whether the server answered the last request (not if the browser says it is
    /// offline); reading it in a reactive closure tracks it.
    fn reachable(&self) -> bool;
    /// Whether a change of note `id` made while the server could not be reached still
    /// waits to reach it; reading it in a reactive closure tracks it.
    fn waiting(&self, id: i64) -> bool;
    /// How many changes wait to reach the server; tracked.
    fn unsynced(&self) -> usize;
    /// Counts the times waiting changes were sent (the list then reloads); tracked.
    fn synced(&self) -> u32;
    /// Counts the changes the server announced, made on any device or in any tab (the
    /// pages showing notes then reload quietly); tracked.
    fn heard(&self) -> u32;
    /// The newest version of note `id` the server announced, if it announced one; tracked.
    fn announced(&self, id: i64) -> Option<i64>;
    /// The person's waiting edit of note `id` that the server's version overtook, which
    /// they choose about: the version it was made on, and the text it would save; tracked.
    fn conflict(&self, id: i64) -> Option<(Note, NoteInput)>;
    /// The person took the server's version of note `id`: their waiting edit of it goes.
    fn forget_waiting(&self, id: i64);
    /// Whether a newer build of the app has been deployed and is ready to load; reading
    /// it in a reactive closure tracks it.
    fn new_version(&self) -> bool;
    /// Loads the newer build in place of this one (the page reloads).
    fn load_new_version(&self);
    /// Unsaved text the signed-in person left in `slot` (the composer, an edit) on this
    /// device.
    fn draft(&self, slot: &str) -> Option<NoteInput>;
    /// Keeps `draft` in `slot` for the signed-in person, or forgets it (`None`).
    fn keep_draft(&self, slot: &str, draft: Option<&NoteInput>);
    /// Edits of notes shared with the person that the server refused once it could be
    /// reached (the share ended, or is read only now): set aside on this device, by
    /// their draft slot, for the person to copy or discard: one of them, if any. Reading
    /// it in a reactive closure tracks it.
    fn set_aside(&self) -> Option<(String, NoteInput)>;
    /// A note's text as the HTML of the elements it shows as (`markup::html`, written in
    /// the Markdown worker), task boxes clickable if `interactive`; `None` if the worker
    /// cannot be had.
    fn render_markdown(
        &self,
        text: String,
        interactive: bool,
    ) -> LocalBoxFuture<'static, Option<String>>;
    /// The text with task `task` ticked or unticked (`markup::markdown::toggle_task`).
    fn toggle_task(&self, text: String, task: usize) -> LocalBoxFuture<'static, Option<String>>;
    /// What notes do with attachments, a chunk of its own fetched the first time a note
    /// shows one or takes a file; `None` if it cannot be had.
    fn files(&self) -> LocalBoxFuture<'static, Option<Files>>;
}

/// Attachments in the page (`frontend::files`): none of their code is in the first
/// download, which holds only what finds them (an element with `data-attachment`) and
/// what wires a note's form to them the first time a file may come.
#[derive(Clone, Copy)]
pub struct Files {
    /// Shows the attachments in a note's HTML: each image fetched with the token (an
    /// `<img>` cannot send one), each file's size beside its name.
    pub show: fn(web_sys::Element),
    /// What a click on an attachment does: an image's original shown whole, a file saved.
    pub open: fn(web_sys::Element),
    /// Takes the files pasted or dropped into a note's content `field`, or chosen with
    /// its form's file input, for as long as the current owner (the form) lives: each
    /// uploads with its progress in the form's `.uploads` list, a placeholder at the
    /// cursor at once and the reference in its place once the file is kept.
    pub take: fn(web_sys::HtmlTextAreaElement),
}

/// A colour theme; the stylesheet has both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    Light,
    Dark,
}

impl Theme {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Light => "light",
            Self::Dark => "dark",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "light" => Some(Self::Light),
            "dark" => Some(Self::Dark),
            _ => None,
        }
    }

    pub fn other(self) -> Self {
        match self {
            Self::Light => Self::Dark,
            Self::Dark => Self::Light,
        }
    }
}

/// Where a right password leaves a sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignIn {
    /// Signed in: the pair is stored.
    Done,
    /// The account asks for a code; the challenge carries the sign-in to the second step.
    CodeRequired(String),
}

/// The context the pages reach the browser through. The backend lives as long as the
/// tab, so the handle is a plain reference that event handlers copy freely.
#[derive(Clone, Copy)]
pub struct Client(&'static dyn Backend);

impl Client {
    pub fn new(backend: &'static dyn Backend) -> Self {
        Self(backend)
    }
}

impl std::ops::Deref for Client {
    type Target = dyn Backend;

    fn deref(&self) -> &Self::Target {
        self.0
    }
}

/// The client the frontend provided. Pages only render in the browser, where it always is.
pub fn use_client() -> Client {
    expect_context::<Client>()
}

/// Why a request did not succeed, as the pages show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientError {
    /// `400 {"<field>": ["<message>"]}`, `non_field_errors` included.
    Fields(FieldErrors),
    /// Any other refusal, with the server's `detail`.
    Detail(String),
    /// `403` with the server's `detail`: not this person's to do (a note shared read
    /// only, say).
    Forbidden(String),
    /// `404`: what was asked for is not there (any more).
    NotFound,
    /// `412`: someone saved the note since the version the request named.
    Changed,
    /// The session is over and the tokens are cleared; the route guard takes the
    /// person to the sign-in page.
    SignedOut,
    /// `403` asking for the password again: an operator's change needs a recent sign-in.
    Reauthenticate,
    /// No answer at all.
    Network,
}

impl ClientError {
    /// One line for a person.
    pub fn message(&self) -> String {
        match self {
            Self::Fields(fields) => fields.first().unwrap_or_default().to_owned(),
            Self::Detail(detail) | Self::Forbidden(detail) => detail.clone(),
            Self::NotFound => "It is not there any more.".into(),
            Self::Changed => "It was changed elsewhere in the meantime.".into(),
            Self::SignedOut => "Your session has ended. Please sign in again.".into(),
            Self::Reauthenticate => "Confirm your password to continue.".into(),
            Self::Network => {
                "Could not reach the server. Check your connection and try again.".into()
            }
        }
    }
}

/// How many kept versions of a note the history asks for at a time.
pub const REVISIONS_PAGE_SIZE: u64 = 20;

/// A note's history (`/api/notes/{id}/revisions/`), through [`Backend::call`] and
/// [`request`]: generic code instantiated only where it is called, so what only the
/// history view reads (its types' decoders) stays in its chunk. Restoring needs
/// `If-Match`, and is [`Backend::restore_revision`].
impl Client {
    /// Page `page` (from 1, [`REVISIONS_PAGE_SIZE`] each) of note `id`'s kept versions,
    /// newest first, without their content.
    pub async fn revisions(self, id: i64, page: u64) -> Result<Page<Revision>, ClientError> {
        let path = format!(
            "{}?{}={page}&{}={REVISIONS_PAGE_SIZE}",
            paths::revisions(id),
            query::PAGE,
            query::PAGE_SIZE,
        );
        request(self, "GET", path, None).await
    }

    /// One kept version, with its content.
    pub async fn revision(self, id: i64, revision: i64) -> Result<Revision, ClientError> {
        request(self, "GET", paths::revision(id, revision), None).await
    }

    /// What changed from kept version `revision` to `against` (another kept version, or
    /// the note's text now): lines only in `against` are inserted, lines only in
    /// `revision` deleted.
    pub async fn revision_diff(
        self,
        id: i64,
        revision: i64,
        against: DiffSide,
    ) -> Result<RevisionDiff, ClientError> {
        let against = match against {
            DiffSide::Revision(other) => other.to_string(),
            DiffSide::Current(_) => "current".to_owned(),
        };
        request(
            self,
            "GET",
            paths::revision_diff(id, revision, &against),
            None,
        )
        .await
    }

    /// Keeps `text` in note `id`'s history as a set-aside version (the text a person's
    /// conflict choice did not save); the note itself is unchanged. The answer, the
    /// revision made, is not decoded: the conflict choice that sends it has no use for it,
    /// and its decoder would be in the first download.
    pub async fn keep_set_aside(self, id: i64, text: &SetAside) -> Result<(), ClientError> {
        let body = crate::json::to_string(text);
        self.call("POST", paths::revisions(id), body)
            .await
            .map(drop)
    }
}

/// A request through [`Backend::call`], its answer read as `T` (`()` for an empty one):
/// for the parts of the app loaded when first used, whose types are decoded there.
pub async fn request<T: serde::de::DeserializeOwned>(
    client: Client,
    method: &'static str,
    path: String,
    body: Option<String>,
) -> Result<T, ClientError> {
    let text = client.call(method, path, body).await?;
    crate::json::from_str(if text.is_empty() { "null" } else { &text }).ok_or_else(|| {
        ClientError::Detail("The server sent an answer this app cannot read.".into())
    })
}
