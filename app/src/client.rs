//! What the pages need from the browser, as a context the frontend provides: the session
//! its stored tokens make, and the HTTP API spoken on the person's behalf. The pages know
//! only this trait, so the native build of the tree (the server lists its routes from it)
//! never reaches `localStorage` or `fetch`.

use crate::api::{Credentials, Note, NoteInput, User};
use crate::errors::FieldErrors;
use crate::guard::Session;
use crate::refresh::RefreshOutcome;
use futures::future::LocalBoxFuture;
use leptos::prelude::*;

/// An answer from the API, decoded.
pub type Reply<T> = LocalBoxFuture<'static, Result<T, ClientError>>;

/// The browser side of the app. Every method that talks to the server retries once after
/// refreshing a refused access token (see `crate::refresh`).
pub trait Backend: Send + Sync {
    /// The session the stored tokens make, in this tab or another; reading it in a
    /// reactive closure tracks it.
    fn session(&self) -> Session;
    /// Renews the token pair; however many callers ask at once, one refresh goes out.
    fn renew(&self) -> LocalBoxFuture<'static, RefreshOutcome>;
    /// Signs in and stores the pair.
    fn sign_in(&self, credentials: Credentials) -> Reply<()>;
    fn register(&self, credentials: Credentials) -> Reply<User>;
    /// Forgets the tokens in every tab at once, then asks the server to end the session.
    fn sign_out(&self) -> LocalBoxFuture<'static, ()>;
    fn notes(&self) -> Reply<Vec<Note>>;
    fn create_note(&self, input: NoteInput) -> Reply<Note>;
    fn update_note(&self, id: i64, input: NoteInput) -> Reply<Note>;
    fn delete_note(&self, id: i64) -> Reply<()>;
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
    /// The session is over and the tokens are cleared; the route guard takes the
    /// person to the sign-in page.
    SignedOut,
    /// No answer at all.
    Network,
}

impl ClientError {
    /// One line for a person.
    pub fn message(&self) -> String {
        match self {
            Self::Fields(fields) => fields.first().unwrap_or_default().to_owned(),
            Self::Detail(detail) => detail.clone(),
            Self::SignedOut => "Your session has ended. Please sign in again.".into(),
            Self::Network => {
                "Could not reach the server. Check your connection and try again.".into()
            }
        }
    }
}
