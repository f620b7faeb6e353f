//! Request and response bodies of the HTTP API, shaped as the Django REST framework +
//! simplejwt original shapes them so that clients of either server work with both.
//!
//! With the `openapi` feature (the server's build only) each type also describes itself
//! as an OpenAPI schema, so the published document is the code's own view of the wire.

use serde::{Deserialize, Serialize};

/// API paths, with the original's trailing slashes.
pub mod paths {
    pub const REGISTER: &str = "/api/user/register/";
    /// Not in the original: changing one's password, which ends every other session.
    pub const PASSWORD: &str = "/api/user/password/";
    pub const TOKEN: &str = "/api/token/";
    pub const TOKEN_REFRESH: &str = "/api/token/refresh/";
    pub const TOKEN_VERIFY: &str = "/api/token/verify/";
    pub const TOKEN_BLACKLIST: &str = "/api/token/blacklist/";
    pub const NOTES: &str = "/api/notes/";
    /// Not in the original: the signed-in account (`GET`, and `DELETE` with [`super::AccountDeletion`]).
    pub const ACCOUNT: &str = "/api/user/";
    /// Not in the original: `DELETE` ends every session of the caller, this one included.
    pub const SESSIONS: &str = "/api/user/sessions/";
    /// Not in the original: one session, ended with `DELETE`.
    pub const SESSION: &str = "/api/user/sessions/{id}/";
    /// Not in the original: personal access tokens (`GET` lists, `POST` makes one).
    pub const ACCESS_TOKENS: &str = "/api/user/tokens/";
    /// Not in the original: one personal access token, revoked with `DELETE`.
    pub const ACCESS_TOKEN: &str = "/api/user/tokens/{id}/";
    /// Not in the original: the identity providers one may sign in with.
    pub const PROVIDERS: &str = "/api/auth/providers/";
    /// Not in the original: sign-in through the OpenID Connect provider starts here (a
    /// browser goes to it) and comes back to the callback.
    pub const OIDC_START: &str = "/api/auth/oidc/start/";
    pub const OIDC_CALLBACK: &str = "/api/auth/oidc/callback/";
    /// Not in the original: the signed-in person proves themselves at the provider
    /// again, instead of a password they do not have.
    pub const OIDC_PROOF: &str = "/api/auth/oidc/proof/";
    /// Not in the original: the one-time code a sign-in through the provider ends with,
    /// for the usual token pair.
    pub const TOKEN_OIDC: &str = "/api/token/oidc/";
    /// Not in the original: the caller's identities at the provider (`GET`; `POST` links one).
    pub const IDENTITIES: &str = "/api/user/identities/";
    /// Not in the original: one identity, unlinked with `DELETE`.
    pub const IDENTITY: &str = "/api/user/identities/{id}/";
    /// Not in the original: two-step sign-in (`POST` starts setting it up, `DELETE` turns it off).
    pub const TOTP: &str = "/api/user/totp/";
    /// Not in the original: the first code, which turns two-step sign-in on.
    pub const TOTP_CONFIRM: &str = "/api/user/totp/confirm/";
    /// Not in the original: a new set of recovery codes.
    pub const TOTP_RECOVERY_CODES: &str = "/api/user/totp/recovery-codes/";
    /// Not in the original: sign-in's second step, for an account with two-step sign-in.
    pub const TOKEN_TOTP: &str = "/api/token/totp/";
    /// Not in the original: the caller's #tags with their note counts.
    pub const TAGS: &str = "/api/tags/";
    /// Not in the original: the caller's deleted notes (`GET`), emptied with `DELETE`.
    pub const TRASH: &str = "/api/notes/trash/";
    /// Not in the original: one deleted note, deleted for good with `DELETE`.
    pub const TRASHED: &str = "/api/notes/trash/{id}/";
    /// Not in the original: `POST` brings a deleted note back.
    pub const RESTORE: &str = "/api/notes/{id}/restore/";
    /// Not in the original: all of the caller's notes, as JSON or a zip of Markdown files.
    pub const EXPORT: &str = "/api/notes/export/";
    /// Not in the original: notes from an export, added to the caller's.
    pub const IMPORT: &str = "/api/notes/import/";

    /// Not in the original: a person's own security events ("was this you?").
    pub const ACTIVITY: &str = "/api/user/activity/";
    /// Not in the original: the password (and code) again, for a fresh pair of the same
    /// session, when an operator's change asks for a recent sign-in.
    pub const REAUTHENTICATE: &str = "/api/user/reauthenticate/";
    /// The operator's area (Django's `/admin/`): people, settings, invites, the audit log.
    pub const ADMIN_USERS: &str = "/api/admin/users/";
    pub const ADMIN_USER: &str = "/api/admin/users/{id}/";
    pub const ADMIN_USER_PASSWORD: &str = "/api/admin/users/{id}/password/";
    pub const ADMIN_USER_TOTP: &str = "/api/admin/users/{id}/totp/";
    pub const ADMIN_USER_SESSIONS: &str = "/api/admin/users/{id}/sessions/";
    pub const ADMIN_SETTINGS: &str = "/api/admin/settings/";
    pub const ADMIN_INVITES: &str = "/api/admin/invites/";
    pub const ADMIN_INVITE: &str = "/api/admin/invites/{id}/";
    pub const ADMIN_AUDIT: &str = "/api/admin/audit/";

    /// Not in the original: a note's links anyone can open (`POST`, `GET`).
    pub const NOTE_LINKS: &str = "/api/notes/{id}/links/";
    /// Not in the original: one link, revoked with `DELETE`.
    pub const NOTE_LINK: &str = "/api/notes/{id}/links/{link_id}/";
    /// Not in the original: the people a note is shared with (`POST`, `GET`).
    pub const NOTE_SHARES: &str = "/api/notes/{id}/shares/";
    /// Not in the original: one share, changed with `PATCH` or ended with `DELETE`.
    pub const NOTE_SHARE: &str = "/api/notes/{id}/shares/{share_id}/";
    /// Not in the original: the notes others shared with the caller.
    pub const SHARED_NOTES: &str = "/api/notes/shared/";
    /// Not in the original: leaving a note shared with the caller (`DELETE`).
    pub const SHARED_NOTE: &str = "/api/notes/shared/{id}/";
    /// Not in the original: a note through one of its links, for anyone (`GET`).
    pub const PUBLIC_NOTE: &str = "/api/shared/{token}/";
    /// Not in the original: the caller's files (`GET`), and a new one (`POST`, multipart).
    pub const ATTACHMENTS: &str = "/api/attachments/";
    /// Not in the original: one file, its bytes (`GET`) or gone (`DELETE`).
    pub const ATTACHMENT: &str = "/api/attachments/{id}/";
    /// Not in the original: the caller's changes as they happen (Server-Sent Events).
    pub const EVENTS: &str = "/api/events/";
    /// Not in the original: a note's kept versions (`GET`), and a text set aside in a
    /// conflict (`POST`).
    pub const REVISIONS: &str = "/api/notes/{id}/revisions/";
    /// Not in the original: one kept version, whole.
    pub const REVISION: &str = "/api/notes/{id}/revisions/{revision}/";
    /// Not in the original: what changed between a kept version and another, or the text.
    pub const REVISION_DIFF: &str = "/api/notes/{id}/revisions/{revision}/diff/";
    /// Not in the original: a kept version made the note's text again.
    pub const REVISION_RESTORE: &str = "/api/notes/{id}/revisions/{revision}/restore/";

    pub fn revisions(id: i64) -> String {
        format!("/api/notes/{id}/revisions/")
    }

    pub fn revision(id: i64, revision: i64) -> String {
        format!("/api/notes/{id}/revisions/{revision}/")
    }

    /// `against` is another revision's number or `current`.
    pub fn revision_diff(id: i64, revision: i64, against: &str) -> String {
        format!("/api/notes/{id}/revisions/{revision}/diff/?against={against}")
    }

    pub fn revision_restore(id: i64, revision: i64) -> String {
        format!("/api/notes/{id}/revisions/{revision}/restore/")
    }

    pub fn note_links(id: i64) -> String {
        format!("/api/notes/{id}/links/")
    }

    pub fn note_link(id: i64, link: i64) -> String {
        format!("/api/notes/{id}/links/{link}/")
    }

    pub fn note_shares(id: i64) -> String {
        format!("/api/notes/{id}/shares/")
    }

    pub fn note_share(id: i64, share: i64) -> String {
        format!("/api/notes/{id}/shares/{share}/")
    }

    pub fn shared_note(id: i64) -> String {
        format!("/api/notes/shared/{id}/")
    }

    pub fn admin_user(id: i64) -> String {
        format!("/api/admin/users/{id}/")
    }

    /// `what` is `password/`, `totp/` or `sessions/`.
    pub fn admin_user_part(id: i64, what: &str) -> String {
        format!("/api/admin/users/{id}/{what}")
    }

    pub fn admin_invite(id: i64) -> String {
        format!("/api/admin/invites/{id}/")
    }

    pub fn session(id: &str) -> String {
        format!("/api/user/sessions/{id}/")
    }

    pub fn note(id: i64) -> String {
        format!("/api/notes/{id}/")
    }

    /// The original's delete-only path, kept for its clients.
    pub fn note_delete(id: i64) -> String {
        format!("/api/notes/delete/{id}/")
    }

    pub fn trashed(id: i64) -> String {
        format!("/api/notes/trash/{id}/")
    }

    pub fn restore(id: i64) -> String {
        format!("/api/notes/{id}/restore/")
    }
}

/// Query parameters of `GET /api/notes/`, each opt-in: without them the answer is the
/// original's plain list.
pub mod query {
    /// White-space-separated terms; a note matches when its title or content contains
    /// every one, ignoring case (Django REST framework's `SearchFilter`).
    pub const SEARCH: &str = "search";
    /// Turns the answer into a [`super::Page`]; a number from 1, or `last`.
    pub const PAGE: &str = "page";
    /// Turns the answer into a [`super::Page`] too; 20 by default, at most 100.
    pub const PAGE_SIZE: &str = "page_size";
    /// Only the notes with this #tag (without the `#`, any case) or a tag nested in it:
    /// `work` takes in `work/meetings`. Not in the original.
    pub const TAG: &str = "tag";
}

/// `POST /api/user/register/` and `POST /api/token/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(examples(json!({"username": "alice", "password": "correct horse battery"})))
)]
pub struct Credentials {
    /// To register: 1-150 letters, digits and `@.+-_`, not taken (compared after NFKC
    /// normalisation, case-sensitively).
    pub username: String,
    /// To register: 8-1024 characters, not entirely numeric, not a common password, not
    /// too similar to the username (Django's default validators).
    pub password: String,
}

/// `POST /api/user/register/`: [`Credentials`], and an invitation's code where the server
/// asks for one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(examples(json!({"username": "alice", "password": "correct horse battery", "invite": "Xq3v9Lr0bTz2YwKc8mPn1A"})))
)]
pub struct NewAccount {
    /// As [`Credentials::username`].
    pub username: String,
    /// As [`Credentials::password`].
    pub password: String,
    /// An invitation's code (from its link's `?invite=`): required while registration is
    /// by invitation, spent by the registration it lets in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub invite: Option<String>,
}

/// `POST /api/notes/{id}/links/`: until when the link works; none, until revoked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({"expires_at": "2026-12-13T08:00:00Z"}))))]
pub struct LinkRequest {
    /// RFC 3339, in the future.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(format = DateTime, nullable = false))]
    pub expires_at: Option<String>,
}

/// A link that opens a note for anyone who has it, read only: `url` is `/s/{token}` on
/// this server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(examples::note_link)))]
pub struct NoteLink {
    pub id: i64,
    #[cfg_attr(feature = "openapi", schema(format = "uri"))]
    pub url: String,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub created_at: String,
    /// `null`: until revoked.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub expires_at: Option<String>,
    /// How often it was opened, roughly: one address counts once in a while.
    pub views: u64,
}

/// `POST /api/notes/{id}/shares/`: whom, and whether they may edit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({"username": "bob", "permission": "edit"}))))]
pub struct ShareRequest {
    pub username: String,
    /// `read` or `edit`.
    pub permission: String,
}

/// `PATCH /api/notes/{id}/shares/{share_id}/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({"permission": "read"}))))]
pub struct SharePatch {
    /// `read` or `edit`.
    pub permission: String,
}

/// A person a note is shared with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(examples(json!({"id": 4, "username": "bob", "permission": "edit", "created_at": "2026-12-07T09:12:03.000000Z"})))
)]
pub struct Share {
    pub id: i64,
    pub username: String,
    /// `read` or `edit`.
    pub permission: String,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub created_at: String,
}

/// Whose a note shared with the caller is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Owner {
    pub id: i64,
    pub username: String,
}

/// A note another person shared with the caller: [`Note`]'s fields (`pinned` is the
/// caller's own pin), its owner, and whether the caller may edit it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(examples::shared_note)))]
pub struct SharedNote {
    pub id: i64,
    pub title: String,
    pub content: String,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub created_at: String,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub updated_at: String,
    pub author: i64,
    pub pinned: bool,
    pub owner: Owner,
    /// `read` or `edit`.
    pub permission: String,
}

impl From<SharedNote> for Note {
    /// As the note itself answers the person it is shared with.
    fn from(shared: SharedNote) -> Self {
        Self {
            id: shared.id,
            title: shared.title,
            content: shared.content,
            created_at: shared.created_at,
            updated_at: shared.updated_at,
            author: shared.author,
            pinned: shared.pinned,
            shared: false,
            owner: Some(shared.owner),
            permission: Some(shared.permission),
        }
    }
}

/// A note as a link shows it to anyone: what it says and when it last changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(examples(json!({"title": "Groceries", "content": "Eggs, flour, milk.", "created_at": "2026-11-24T19:30:22.123456Z", "updated_at": "2026-11-24T19:42:05.002113Z"})))
)]
pub struct PublicNote {
    pub title: String,
    pub content: String,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub created_at: String,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub updated_at: String,
}

/// Who may register: anyone (`open`, the default), people with an invitation
/// (`invite`), or nobody (`closed`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum RegistrationMode {
    #[default]
    Open,
    Invite,
    Closed,
}

impl RegistrationMode {
    pub const ALL: [Self; 3] = [Self::Open, Self::Invite, Self::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Invite => "invite",
            Self::Closed => "closed",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|mode| mode.as_str() == value)
    }
}

/// `GET /api/user/register/`: whether registering is possible, before anyone types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({"registration": "invite"}))))]
pub struct RegistrationStatus {
    pub registration: RegistrationMode,
}

/// `GET`/`PUT /api/admin/settings/`: what operators set for the whole server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({"registration": "open"}))))]
pub struct SiteSettings {
    pub registration: RegistrationMode,
}

/// `POST /api/user/password/`; answered with a new [`TokenPair`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(examples(json!({"old_password": "correct horse battery", "new_password": "staple in the stable"})))
)]
pub struct PasswordChange {
    pub old_password: String,
    pub new_password: String,
    /// Instead of the password, for an account without one: a proof from the provider
    /// (`POST /api/auth/oidc/proof/`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_proof: Option<String>,
}

/// `201` answer to a registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({"id": 42, "username": "alice"}))))]
pub struct User {
    pub id: i64,
    pub username: String,
}

/// The token pair handed out at sign-in and at every refresh.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(examples(json!({"access": examples::ACCESS, "refresh": examples::REFRESH})))
)]
pub struct TokenPair {
    /// A JWT for `Authorization: Bearer`, valid 30 minutes by default.
    pub access: String,
    /// A JWT for `/api/token/refresh/`, spent when used; its session lasts one refresh
    /// lifetime (1 day by default) from sign-in, however often it is rotated.
    pub refresh: String,
}

/// `POST /api/token/refresh/` and `POST /api/token/blacklist/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({"refresh": examples::REFRESH}))))]
pub struct RefreshRequest {
    pub refresh: String,
}

/// `POST /api/token/verify/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({"token": examples::ACCESS}))))]
pub struct VerifyRequest {
    /// An access or a refresh token.
    pub token: String,
}

/// A note as the API returns it. Times are RFC 3339 in UTC; `author` is the owner's id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(examples::note)))]
pub struct Note {
    pub id: i64,
    // No length limits here: notes imported from the Django app keep what Django took.
    pub title: String,
    pub content: String,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub created_at: String,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub updated_at: String,
    /// The owner's user id.
    pub author: i64,
    /// Shown before the other notes. Not in the original, whose client ignores it.
    #[serde(default)]
    pub pinned: bool,
    /// The caller's own note, shared with someone or by a link that works: said by a
    /// page of the list and by the note itself (not by the original's plain list).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub shared: bool,
    /// Someone else's note shared with the caller: whose it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Owner>,
    /// Someone else's note shared with the caller: `read` or `edit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permission: Option<String>,
}

impl Note {
    /// Whether the caller may change its title and text: their own, or shared to edit.
    pub fn writable(&self) -> bool {
        self.permission.as_deref().is_none_or(|p| p == "edit")
    }
}

/// `POST /api/notes/` and `PUT /api/notes/<id>/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(examples(json!({"title": "Groceries", "content": "Eggs, flour, milk."})))
)]
pub struct NoteInput {
    /// 1-100 characters once trimmed; no NUL characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub title: String,
    /// Not blank, at most 100,000 characters, no NUL characters; kept exactly as sent.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100_000))]
    pub content: String,
    /// Pins the note (on creation) or unpins it; left as it is when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub pinned: Option<bool>,
}

/// `PATCH /api/notes/<id>/`: only the fields present change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({"title": "Groceries for Sunday"}))))]
pub struct NotePatch {
    /// As in [`NoteInput`]; `null` is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(nullable = false, min_length = 1, max_length = 100)
    )]
    pub title: Option<String>,
    /// As in [`NoteInput`]; `null` is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(nullable = false, min_length = 1, max_length = 100_000)
    )]
    pub content: Option<String>,
    /// Pins or unpins the note; alone, it leaves `updated_at` as it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub pinned: Option<bool>,
}

/// A note in the trash: the note as it was ([`Note`]'s fields), and when it was
/// deleted. It is deleted for good once it has been there for the server's
/// `TRASH_RETENTION`. (Its fields are [`Note`]'s written out, not flattened: serde's
/// `flatten` would buffer every note through a generic map in the SPA's wasm.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrashedNote {
    pub id: i64,
    pub title: String,
    pub content: String,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub created_at: String,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub updated_at: String,
    pub author: i64,
    pub pinned: bool,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub deleted_at: String,
}

/// One note of an export, and of an import: what a person wrote, without whose it is.
/// On import only `title`, `content` and `created_at` are required; `id` and `tags` are
/// ignored (the notes get new ids, and tags are read from the content).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExportedNote {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub title: String,
    pub content: String,
    /// The note's #tags as written, without the `#`.
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub pinned: bool,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub created_at: String,
    /// `created_at` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub updated_at: Option<String>,
    /// Only for a note in the trash (`?trash=true`); imported back into the trash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub deleted_at: Option<String>,
}

/// `GET /api/notes/export/?format=json`, and one form of `POST /api/notes/import/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Export {
    /// When the export was made.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub exported_at: String,
    pub notes: Vec<ExportedNote>,
    /// The person's files (attachments) the notes may refer to, described: the bytes
    /// are in the Markdown export's zip, not here. An import passes them over.
    #[serde(default)]
    pub attachments: Vec<Attachment>,
}

/// What `POST /api/notes/import/` did: notes added, and notes left out because the caller
/// already had one with the same title, content and creation time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({"created": 41, "skipped": 2}))))]
pub struct ImportResult {
    pub created: u64,
    pub skipped: u64,
}

/// One of the caller's #tags and how many notes `?tag=` with it finds (nested tags'
/// notes included).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(examples(json!({"name": "work/meetings", "count": 3})))
)]
pub struct TagCount {
    /// As first written, without the `#`.
    pub name: String,
    pub count: u64,
}

/// One page of a list: Django REST framework's `PageNumberPagination` answer. `next` and
/// `previous` are absolute URLs, `null` at either end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    /// How many results there are on all pages.
    pub count: u64,
    /// The next page's absolute URL, `null` on the last page.
    #[cfg_attr(feature = "openapi", schema(format = "uri"))]
    pub next: Option<String>,
    /// The previous page's absolute URL, `null` on the first page.
    #[cfg_attr(feature = "openapi", schema(format = "uri"))]
    pub previous: Option<String>,
    pub results: Vec<T>,
}

/// `GET /api/user/`: the signed-in account. `date_joined` is RFC 3339 in UTC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(examples(json!({"id": 42, "username": "alice", "date_joined": "2026-11-24T19:30:22.123456Z", "totp_enabled": false, "is_admin": false, "notes_shared": 2})))
)]
pub struct Account {
    pub id: i64,
    pub username: String,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub date_joined: String,
    /// Whether signing in asks for a code from an authenticator app after the password.
    #[serde(default)]
    pub totp_enabled: bool,
    /// An operator, who may use `/api/admin/`.
    #[serde(default)]
    pub is_admin: bool,
    /// How many of the person's notes are shared with others: deleting the account
    /// takes them from those people too.
    #[serde(default)]
    pub notes_shared: u64,
}

/// `POST /api/user/reauthenticate/`: the password, and a code when two-step sign-in is on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(examples(json!({"password": "correct horse battery", "code": "492039"})))
)]
pub struct Reauthentication {
    pub password: String,
    /// Required when two-step sign-in is on: the app's code or a recovery code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub code: Option<String>,
}

/// A person as operators see them: the account and counts, never what they wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(examples::admin_user)))]
pub struct AdminUser {
    pub id: i64,
    pub username: String,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub date_joined: String,
    /// The last sign-in; `null` for none yet.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub last_login: Option<String>,
    /// An inactive account cannot sign in, and its tokens stop working.
    pub is_active: bool,
    pub is_admin: bool,
    pub totp_enabled: bool,
    /// How many notes they have (the trash not counted).
    pub notes: u64,
    /// How many sessions are live.
    pub sessions: u64,
    /// The bytes their files take.
    #[serde(default)]
    pub storage_used: u64,
    /// Their own storage quota in megabytes; `null` when the server's
    /// (`STORAGE_QUOTA_MB`) applies.
    #[serde(default)]
    pub storage_quota_mb: Option<u32>,
}

/// `PATCH /api/admin/users/{id}/`: only what is present changes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({"is_active": false}))))]
pub struct AdminUserPatch {
    /// `false` ends every session of theirs at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub is_active: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub is_admin: Option<bool>,
    /// Their own storage quota in megabytes (0 to 1,000,000; under what they use, they
    /// can upload nothing more), or `null` for the server's again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<u32>, nullable = true, minimum = 0, maximum = 1_000_000)
    )]
    pub storage_quota_mb: Option<Option<u32>>,
}

/// The largest storage quota an operator may give, in megabytes (a terabyte).
pub const MAX_STORAGE_QUOTA_MB: u32 = 1_000_000;

/// `POST /api/admin/users/{id}/password/`: a new password, under registration's rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({"new_password": "staple in the stable"}))))]
pub struct NewPassword {
    pub new_password: String,
}

/// `POST /api/admin/invites/`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(examples(json!({"expires_in_days": 7, "note": "For Sam"})))
)]
pub struct InviteRequest {
    /// 1 to 365; 7 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(nullable = false, minimum = 1, maximum = 365)
    )]
    pub expires_in_days: Option<u32>,
    /// Whom it is for, as a reminder (at most 200 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false, max_length = 200))]
    pub note: Option<String>,
}

/// An invitation to register. `url` is the register page with the code in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(examples::invite)))]
pub struct Invite {
    pub id: i64,
    pub code: String,
    #[cfg_attr(feature = "openapi", schema(format = "uri"))]
    pub url: String,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub created_at: String,
    /// The operator who made it.
    pub created_by: Option<String>,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub expires_at: String,
    pub note: Option<String>,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub used_at: Option<String>,
    /// The username it registered.
    pub used_by: Option<String>,
}

/// One line of the audit log: who (`actor`, `null` for the server's command line) did
/// what (`action`) to whose account (`target`), from where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(examples::audit_entry)))]
pub struct AuditEntry {
    pub id: i64,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub at: String,
    pub actor: Option<String>,
    /// One of [`AuditAction`]'s names.
    pub action: String,
    pub target: Option<String>,
    /// More about it, in words (which session, which setting, why it failed).
    pub detail: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// What the audit log records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    Registered,
    SignedIn,
    SignInFailed,
    Reauthenticated,
    PasswordChanged,
    PasswordReset,
    TotpEnabled,
    TotpDisabled,
    RecoveryCodeUsed,
    RecoveryCodesReplaced,
    SessionEnded,
    SessionsEnded,
    AccountActivated,
    AccountDeactivated,
    AccountDeleted,
    AdminGranted,
    AdminRevoked,
    InviteCreated,
    InviteUsed,
    InviteDeleted,
    SettingsChanged,
    QuotaChanged,
    AccessTokenCreated,
    AccessTokenRevoked,
    IdentityLinked,
    IdentityUnlinked,
}

impl AuditAction {
    pub const ALL: [Self; 26] = [
        Self::Registered,
        Self::SignedIn,
        Self::SignInFailed,
        Self::Reauthenticated,
        Self::PasswordChanged,
        Self::PasswordReset,
        Self::TotpEnabled,
        Self::TotpDisabled,
        Self::RecoveryCodeUsed,
        Self::RecoveryCodesReplaced,
        Self::SessionEnded,
        Self::SessionsEnded,
        Self::AccountActivated,
        Self::AccountDeactivated,
        Self::AccountDeleted,
        Self::AdminGranted,
        Self::AdminRevoked,
        Self::InviteCreated,
        Self::InviteUsed,
        Self::InviteDeleted,
        Self::SettingsChanged,
        Self::QuotaChanged,
        Self::AccessTokenCreated,
        Self::AccessTokenRevoked,
        Self::IdentityLinked,
        Self::IdentityUnlinked,
    ];

    /// The name the API and the database use.
    pub fn as_str(self) -> &'static str {
        self.names().0
    }

    /// In words, for a person reading the log.
    pub fn label(self) -> &'static str {
        self.names().1
    }

    fn names(self) -> (&'static str, &'static str) {
        match self {
            Self::Registered => ("registered", "Account created"),
            Self::SignedIn => ("sign_in", "Signed in"),
            Self::SignInFailed => ("sign_in_failed", "Failed sign-in"),
            Self::Reauthenticated => ("reauthenticated", "Password confirmed again"),
            Self::PasswordChanged => ("password_changed", "Password changed"),
            Self::PasswordReset => ("password_reset", "Password set by an operator"),
            Self::TotpEnabled => ("totp_enabled", "Two-step sign-in turned on"),
            Self::TotpDisabled => ("totp_disabled", "Two-step sign-in turned off"),
            Self::RecoveryCodeUsed => ("recovery_code_used", "Recovery code used"),
            Self::RecoveryCodesReplaced => ("recovery_codes_replaced", "New recovery codes"),
            Self::SessionEnded => ("session_ended", "Session ended"),
            Self::SessionsEnded => ("sessions_ended", "Every session ended"),
            Self::AccountActivated => ("account_activated", "Account reactivated"),
            Self::AccountDeactivated => ("account_deactivated", "Account deactivated"),
            Self::AccountDeleted => ("account_deleted", "Account deleted"),
            Self::AdminGranted => ("admin_granted", "Made an operator"),
            Self::AdminRevoked => ("admin_revoked", "No longer an operator"),
            Self::InviteCreated => ("invite_created", "Invitation made"),
            Self::InviteUsed => ("invite_used", "Invitation used"),
            Self::InviteDeleted => ("invite_deleted", "Invitation deleted"),
            Self::SettingsChanged => ("settings_changed", "Settings changed"),
            Self::QuotaChanged => ("quota_changed", "Storage quota changed"),
            Self::AccessTokenCreated => ("access_token_created", "Access token made"),
            Self::AccessTokenRevoked => ("access_token_revoked", "Access token revoked"),
            Self::IdentityLinked => ("identity_linked", "Sign-in provider linked"),
            Self::IdentityUnlinked => ("identity_unlinked", "Sign-in provider unlinked"),
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|action| action.as_str() == name)
    }
}

/// `DELETE /api/user/`: the password again, so a borrowed session cannot delete the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({"password": "correct horse battery"}))))]
pub struct AccountDeletion {
    pub password: String,
    /// Instead of the password, for an account without one: a proof from the provider
    /// (`POST /api/auth/oidc/proof/`).
    // Only documented here: the SPA sends a proof from the account page's chunk, so the
    // first download does not carry this field's code.
    #[cfg(feature = "openapi")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_proof: Option<String>,
}

/// `401` from `POST /api/token/` for a right password on an account with two-step
/// sign-in: no tokens yet. `POST /api/token/totp/` with the challenge and a code finishes.
/// A client that knows only simplejwt shows `detail`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SecondStepRequired {
    pub detail: String,
    /// Always `totp_required`.
    pub code: String,
    /// Single use, valid for five minutes.
    pub challenge: String,
}

/// `POST /api/token/totp/`: sign-in's second step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(examples(json!({"challenge": "q2Vd0xk1Yy7pN4m8Jc5rTt9wLs3aHb6uEe2fGi0oPzQ", "code": "492039"})))
)]
pub struct SecondStep {
    pub challenge: String,
    /// The authenticator's 6 digits, or an unused recovery code (which is then spent).
    pub code: String,
}

/// `POST /api/user/totp/`: a new secret for the authenticator app. Two-step sign-in is
/// not on until a code from it is confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(examples::totp_setup)))]
pub struct TotpSetup {
    /// Base32, for typing into the app by hand.
    pub secret: String,
    /// The `otpauth://` URI the QR code holds.
    pub otpauth_uri: String,
    /// The QR code, an SVG document.
    pub qr_svg: String,
}

/// A code from the authenticator app (or, where said, a recovery code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({"code": "492039"}))))]
pub struct TotpCode {
    pub code: String,
}

/// `DELETE /api/user/totp/`: the password and a code (or a recovery code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(examples(json!({"password": "correct horse battery", "code": "492039"})))
)]
pub struct TotpDisable {
    pub password: String,
    pub code: String,
    /// Instead of the password, for an account without one: a proof from the provider
    /// (`POST /api/auth/oidc/proof/`).
    // Only documented here: the SPA sends a proof from the account page's chunk, so the
    // first download does not carry this field's code.
    #[cfg(feature = "openapi")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_proof: Option<String>,
}

/// Ten single-use codes that stand in for the authenticator app; shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(examples::recovery_codes)))]
pub struct RecoveryCodes {
    pub recovery_codes: Vec<String>,
}

/// One sign-in session: a sign-in and every refresh since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(examples::session)))]
pub struct ActiveSession {
    pub id: String,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub created_at: String,
    /// The last sign-in or refresh.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub last_used_at: String,
    /// As the browser sent it at the last sign-in or refresh.
    pub user_agent: Option<String>,
    /// The client address of the last sign-in or refresh.
    pub ip: Option<String>,
    /// Whether this is the session of the access token that asked.
    pub current: bool,
}

/// What a personal access token may do: `read` answers reads only; `write` also writes
/// notes. Neither reaches the account's security, the operator's area, nor what cannot be
/// undone or would expose notes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum TokenScope {
    Read,
    Write,
}

impl TokenScope {
    pub const ALL: [Self; 2] = [Self::Read, Self::Write];

    /// The name the API and the database use.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|scope| scope.as_str() == name)
    }
}

/// How long a personal access token may live at most, in days.
pub const MAX_TOKEN_DAYS: u32 = 366;

/// A personal access token as listed: never the token itself, which is shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(examples::access_token)))]
pub struct AccessToken {
    pub id: i64,
    pub name: String,
    pub scope: TokenScope,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub created_at: String,
    /// `null`: it does not expire.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub expires_at: Option<String>,
    /// To the minute; `null` until first used.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub last_used_at: Option<String>,
}

/// `201` from `POST /api/user/tokens/`: the token, this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(examples::created_access_token)))]
pub struct CreatedAccessToken {
    pub id: i64,
    pub name: String,
    pub scope: TokenScope,
    /// `ntk_` and 64 hex digits. Shown only now: the server keeps a digest of it.
    pub token: String,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub created_at: String,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub expires_at: Option<String>,
}

/// `POST /api/user/tokens/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({"name": "nightly backup", "scope": "read", "expires_in_days": 90}))))]
pub struct NewAccessToken {
    /// What it is for, 1 to 100 characters.
    pub name: String,
    pub scope: TokenScope,
    /// 1 to 366; left out or `null`, it does not expire.
    pub expires_in_days: Option<u32>,
}

/// An identity provider one may sign in with (`GET /api/auth/providers/`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Provider {
    /// `oidc`.
    pub id: String,
    /// The button's words: "Sign in with {name}".
    pub name: String,
    /// Where a browser goes to sign in (`?next=` a path of the SPA; `&invite=` a code,
    /// where registration needs one).
    pub start_url: String,
}

/// `GET /api/auth/providers/`: empty when none is configured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({"providers": [{"id": "oidc", "name": "Example Corp", "start_url": "/api/auth/oidc/start/"}]}))))]
pub struct Providers {
    pub providers: Vec<Provider>,
}

/// `POST /api/token/oidc/`: the one-time code a sign-in through the provider ended with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({"code": "q7W0cV1pLx3mYf2bN8sK4eRz6tHj9uDa0iGoPlQwErT"}))))]
pub struct OidcCode {
    pub code: String,
}

/// Where the browser goes next: the provider's page (`POST /api/user/identities/`,
/// `POST /api/auth/oidc/proof/`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderRedirect {
    pub authorization_url: String,
}

/// `POST /api/user/identities/` and `POST /api/auth/oidc/proof/`: the SPA's path to come
/// back to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(json!({"next": "/account"}))))]
pub struct ProviderReturn {
    pub next: Option<String>,
}

/// An identity at the provider, linked to the caller's account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Identity {
    pub id: i64,
    /// The provider's name (`OIDC_NAME`).
    pub provider: String,
    /// The name the provider gave, when last signed in with.
    pub username: String,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub created_at: String,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub last_used_at: Option<String>,
}

/// `GET /api/user/identities/`: the identities, and whether the account has a password
/// (without one, the last identity cannot be unlinked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Identities {
    pub has_password: bool,
    pub identities: Vec<Identity>,
}

/// Example values for the OpenAPI document.
#[cfg(feature = "openapi")]
pub mod examples {
    use serde_json::{Value, json};

    /// An access token as the server signs one (HS256; its signature made up).
    pub const ACCESS: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwiZXhwIjoxNzk1NjQ0MjIyLCJpYXQiOjE3OTU2NDI0MjIsImp0aSI6ImQ3YjBiNmQ3OWE0YjQ3ZmQ5OGI5MWI5N2M3MWYzZDM0IiwidXNlcl9pZCI6NDJ9.yG5XbvCvvrrzTZ2l0kAuNxxzs4AEGNGV5kU9W3ZmU5c";
    /// A refresh token as the server signs one (HS256; its signature made up).
    pub const REFRESH: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoicmVmcmVzaCIsImV4cCI6MTc5NTcyODgyMiwiaWF0IjoxNzk1NjQyNDIyLCJqdGkiOiI1ZjIxYjUwZTNhNTk0ODM0OGQ1ZTk2NjU1NjJhMjgyMiIsInVzZXJfaWQiOjQyfQ.oQ2pbxN1T2Fs1ZrQ3i6hTq7L0w3kC1mkVq1d4m2iC9g";

    pub fn access_token() -> Value {
        json!({
            "id": 7,
            "name": "nightly backup",
            "scope": "read",
            "created_at": "2026-12-07T09:30:00.000000Z",
            "expires_at": "2027-03-07T09:30:00.000000Z",
            "last_used_at": "2026-12-08T02:00:00.000000Z",
        })
    }

    pub fn created_access_token() -> Value {
        json!({
            "id": 7,
            "name": "nightly backup",
            "scope": "read",
            "token": "ntk_3f9c2a7d0b1e4c5a8f6d2b9e0a7c4d1f5e8b2a6c9d0f3e7a1b4c8d2e6f0a9b3c",
            "created_at": "2026-12-07T09:30:00.000000Z",
            "expires_at": "2027-03-07T09:30:00.000000Z",
        })
    }

    pub fn totp_setup() -> Value {
        json!({
            "secret": "EXAMPLEEXAMPLEEXAMPLEEXAMPLEEXAM",
            "otpauth_uri": "otpauth://totp/Notes:alice?secret=EXAMPLEEXAMPLEEXAMPLEEXAMPLEEXAM&issuer=Notes",
            "qr_svg": "<?xml version=\"1.0\" standalone=\"yes\"?><svg xmlns=\"http://www.w3.org/2000/svg\" ...></svg>"
        })
    }

    pub fn recovery_codes() -> Value {
        json!({"recovery_codes": [
            "7kq2-m9xd-4hwt-pz3c", "b8nf-2rgy-q6vm-x4ke", "t3jw-h7pa-9czr-m2nd",
            "f6ub-x3kq-8wen-r5ty", "p2dm-v7hc-4jsx-k9ga", "r9zt-e4nw-6ypb-c3mq",
            "w5gk-q2xr-7dhm-u8fe", "c4ya-n8tj-3kpw-z6vd", "h7me-r2bu-5gxq-t9na",
            "y3sp-k6dz-9wfc-m4rb"
        ]})
    }

    pub fn session() -> Value {
        json!({
            "id": "5f21b50e3a5948348d5e9665562a2822",
            "created_at": "2026-11-24T19:30:22Z",
            "last_used_at": "2026-11-24T21:02:10Z",
            "user_agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            "ip": "203.0.113.7",
            "current": true
        })
    }

    pub fn admin_user() -> Value {
        json!({
            "id": 42,
            "username": "alice",
            "date_joined": "2026-11-24T19:30:22.123456Z",
            "last_login": "2026-12-06T08:12:40.512000Z",
            "is_active": true,
            "is_admin": false,
            "totp_enabled": true,
            "notes": 118,
            "sessions": 2,
            "storage_used": 48_213_004,
            "storage_quota_mb": null
        })
    }

    pub fn invite() -> Value {
        json!({
            "id": 3,
            "code": "Xq3v9Lr0bTz2YwKc8mPn1A",
            "url": "https://notes.example.com/register?invite=Xq3v9Lr0bTz2YwKc8mPn1A",
            "created_at": "2026-12-06T08:15:02.000000Z",
            "created_by": "root",
            "expires_at": "2026-12-13T08:15:02.000000Z",
            "note": "For Sam",
            "used_at": null,
            "used_by": null
        })
    }

    pub fn audit_entry() -> Value {
        json!({
            "id": 1207,
            "at": "2026-12-06T08:16:44.301000Z",
            "actor": "root",
            "action": "account_deactivated",
            "target": "mallory",
            "detail": null,
            "ip": "203.0.113.7",
            "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0"
        })
    }

    pub fn note_link() -> Value {
        json!({
            "id": 12,
            "url": "https://notes.example.com/s/k3Jq0vX9mB2wRz7tYc5nLp",
            "created_at": "2026-12-07T09:10:00.000000Z",
            "expires_at": "2026-12-14T09:10:00.000000Z",
            "views": 3
        })
    }

    pub fn shared_note() -> Value {
        json!({
            "id": 7,
            "title": "Groceries",
            "content": "Eggs, flour, milk.",
            "created_at": "2026-11-24T19:30:22.123456Z",
            "updated_at": "2026-11-24T19:42:05.002113Z",
            "author": 42,
            "pinned": false,
            "owner": {"id": 42, "username": "alice"},
            "permission": "edit"
        })
    }

    pub fn revision() -> Value {
        json!({
            "revision": 3,
            "version": 4,
            "kind": "save",
            "title": "Groceries",
            "saved_at": "2026-12-08T10:02:41.120000Z",
            "saved_by": {"id": 42, "username": "alice"},
            "chars": 18,
            "lines_added": 1,
            "lines_removed": 1
        })
    }

    pub fn note() -> Value {
        json!({
            "id": 7,
            "title": "Groceries",
            "content": "Eggs, flour, milk.",
            "created_at": "2026-11-24T19:30:22.123456Z",
            "updated_at": "2026-11-24T19:42:05.002113Z",
            "author": 42,
            "pinned": false
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_page_reads_as_drfs_page_number_pagination() {
        let body = r#"{"count":3,"next":"http://h/api/notes/?page=2","previous":null,
            "results":[{"id":1,"title":"t","content":"c","created_at":"a","updated_at":"u","author":2}]}"#;
        let page: Page<Note> = serde_json::from_str(body).unwrap();
        assert_eq!((page.count, page.previous.as_deref()), (3, None));
        assert_eq!(page.results[0].author, 2);
        let written = serde_json::to_string(&page).unwrap();
        let keys: Vec<usize> = ["count", "next", "previous", "results"]
            .iter()
            .map(|k| written.find(&format!("\"{k}\"")).unwrap())
            .collect();
        assert!(keys.is_sorted(), "DRF's key order: {written}");
        let account = Account {
            id: 1,
            username: "alice".into(),
            date_joined: "2026-11-24T19:30:22.123456Z".into(),
            totp_enabled: false,
            is_admin: false,
            notes_shared: 0,
        };
        assert_eq!(
            serde_json::to_value(&account).unwrap(),
            json!({"id": 1, "username": "alice", "date_joined": "2026-11-24T19:30:22.123456Z", "totp_enabled": false, "is_admin": false, "notes_shared": 0})
        );
        let deletion: AccountDeletion = serde_json::from_str(r#"{"password":"p"}"#).unwrap();
        assert_eq!(deletion.password, "p");
    }

    #[test]
    fn every_audit_action_and_registration_mode_reads_back_from_its_name() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(action));
            assert!(!action.label().is_empty());
        }
        let names: std::collections::BTreeSet<_> =
            AuditAction::ALL.iter().map(|a| a.as_str()).collect();
        assert_eq!(names.len(), AuditAction::ALL.len(), "names are unique");
        assert_eq!(AuditAction::parse("sign_out"), None);
        for mode in RegistrationMode::ALL {
            assert_eq!(RegistrationMode::parse(mode.as_str()), Some(mode));
            assert_eq!(
                serde_json::to_value(mode).unwrap(),
                json!(mode.as_str()),
                "serde and as_str agree"
            );
        }
    }
}

/// Who saved a kept version: their id (`null` once the account is deleted) and the
/// username they had.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SavedBy {
    pub id: Option<i64>,
    pub username: String,
}

/// A file a note can refer to by its `url` (`![receipt](url)` shows an image,
/// `[report.pdf](url)` links a file). `content_type` is read from the file's bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attachment {
    pub id: String,
    /// The name it was uploaded with, without folders or control characters.
    pub name: String,
    pub content_type: String,
    /// In bytes.
    pub size: u64,
    /// Of the bytes as kept (an image's location data removed).
    pub sha256: String,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub created_at: String,
    /// Where it is served, and what a note writes to refer to it.
    pub url: String,
}

/// The caller's files, newest first, and the space they take of their quota.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attachments {
    /// Bytes used by all of them.
    pub used: u64,
    /// Bytes allowed.
    pub quota: u64,
    pub results: Vec<Attachment>,
}

/// A kept version of a note (`GET /api/notes/<id>/revisions/`): the text as it was before
/// a save replaced it (`kind` `save`, with the `version` it had), or a text set aside in
/// a conflict (`kind` `set_aside`, no `version`). `saved_at` and `saved_by` say when and
/// by whom that text was written; `lines_added` and `lines_removed` how it differed from
/// the version kept before it. `content` only when one revision is asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(examples(examples::revision)))]
pub struct Revision {
    /// Its number within the note: 1, 2, 3..., never reused.
    pub revision: i64,
    /// The note's version (its `ETag` number) that had this text; `null` when set aside.
    pub version: Option<i64>,
    /// `save` or `set_aside`.
    pub kind: String,
    pub title: String,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub saved_at: String,
    pub saved_by: SavedBy,
    /// The content's length in characters.
    pub chars: i64,
    pub lines_added: i64,
    pub lines_removed: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
}

impl Revision {
    pub fn set_aside(&self) -> bool {
        self.kind == revision_kinds::SET_ASIDE
    }
}

/// A revision's `kind`.
pub mod revision_kinds {
    /// The text a save (an edit, a restore) replaced.
    pub const SAVE: &str = "save";
    /// A text the SPA's conflict choice did not save.
    pub const SET_ASIDE: &str = "set_aside";
}

/// `POST /api/notes/<id>/revisions/`: a text set aside in a conflict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(examples(json!({"title": "Groceries", "content": "Eggs, flour, milk, butter."})))
)]
pub struct SetAside {
    pub title: String,
    pub content: String,
}

/// A side of a diff: a revision's number, or `current` for the note's text now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum DiffSide {
    Revision(i64),
    Current(CurrentText),
}

/// The word `current`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum CurrentText {
    Current,
}

/// A title on both sides of a diff.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TitleChange {
    pub from: String,
    pub to: String,
}

/// What a line of a diff is: in both texts, only in the newer, only in the older.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum LineOp {
    Equal,
    Insert,
    Delete,
}

/// Characters `start..end` of a line (counted in Unicode scalar values, from 0) that
/// changed within it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// A line of a diff: `text` is the plain line (without its line break); `spans` marks
/// the words changed within an inserted or deleted line that has a counterpart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DiffLine {
    pub op: LineOp,
    pub text: String,
    pub spans: Vec<Span>,
}

/// A stretch of changed lines with up to 3 unchanged lines around it; `old_start` and
/// `new_start` are line numbers from 1, as in a unified diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hunk {
    pub old_start: usize,
    pub new_start: usize,
    pub lines: Vec<DiffLine>,
}

/// `GET /api/notes/<id>/revisions/<revision>/diff/`: from `from`'s text to `to`'s.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RevisionDiff {
    pub from: DiffSide,
    pub to: DiffSide,
    pub title: TitleChange,
    pub hunks: Vec<Hunk>,
}
