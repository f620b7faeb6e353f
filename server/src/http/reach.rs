//! Where a personal access token may act: the one list of the routes it reaches, and the
//! scope each needs. A route not listed here refuses every token (403), so a new route is
//! closed to tokens until it is added: a leaked token can read and write notes, never
//! take the account over (password, two-step sign-in, sessions, tokens, deletion), act
//! as an operator, destroy what cannot be brought back (emptying the trash, deleting for
//! good, an attachment) or expose notes (share links, shares, leaving a share).

use app::api::{TokenScope, paths};
use axum::http::Method;

/// A note, as its routes name it.
pub const NOTE: &str = "/api/notes/{id}/";
/// The original's delete-only route, kept for its clients (a move to the trash, like
/// `DELETE` on [`NOTE`]).
pub const NOTE_DELETE: &str = "/api/notes/delete/{id}/";

/// The scope a token needs for `method` on the route matched as `route`, or `None` when
/// no token may.
pub fn needed(method: &Method, route: &str) -> Option<TokenScope> {
    let reading = *method == Method::GET || *method == Method::HEAD;
    let readable = [
        paths::ACCOUNT,
        paths::NOTES,
        NOTE,
        paths::TAGS,
        paths::REVISIONS,
        paths::REVISION,
        paths::REVISION_DIFF,
        paths::SHARED_NOTES,
        paths::SHARED_NOTE,
        paths::TRASH,
        paths::EXPORT,
        paths::ATTACHMENTS,
        paths::ATTACHMENT,
        // The live stream: revoking the token closes it (`events::record::token_stream`).
        paths::EVENTS,
    ];
    if reading {
        return readable.contains(&route).then_some(TokenScope::Read);
    }
    let writable = match route {
        paths::NOTES | paths::IMPORT | paths::ATTACHMENTS | paths::RESTORE => {
            *method == Method::POST
        }
        NOTE => matches!(*method, Method::PUT | Method::PATCH | Method::DELETE),
        NOTE_DELETE => *method == Method::DELETE,
        // Setting a version aside and restoring one keep every version: nothing is lost.
        paths::REVISIONS | paths::REVISION_RESTORE => *method == Method::POST,
        _ => false,
    };
    writable.then_some(TokenScope::Write)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_need_read_and_note_writes_need_write() {
        assert_eq!(needed(&Method::GET, paths::NOTES), Some(TokenScope::Read));
        assert_eq!(needed(&Method::GET, paths::EXPORT), Some(TokenScope::Read));
        assert_eq!(needed(&Method::GET, paths::EVENTS), Some(TokenScope::Read));
        assert_eq!(needed(&Method::POST, paths::NOTES), Some(TokenScope::Write));
        assert_eq!(needed(&Method::PATCH, NOTE), Some(TokenScope::Write));
        assert_eq!(needed(&Method::DELETE, NOTE), Some(TokenScope::Write));
    }

    #[test]
    fn security_operators_and_what_cannot_be_undone_are_out_of_reach() {
        for (method, route) in [
            (Method::POST, paths::PASSWORD),
            (Method::GET, paths::SESSIONS),
            (Method::DELETE, paths::SESSIONS),
            (Method::GET, paths::ACCESS_TOKENS),
            (Method::POST, paths::ACCESS_TOKENS),
            (Method::DELETE, paths::ACCOUNT),
            (Method::DELETE, paths::TOTP),
            (Method::GET, paths::ACTIVITY),
            (Method::GET, paths::ADMIN_USERS),
            (Method::DELETE, paths::TRASH),
            (Method::DELETE, paths::TRASHED),
            (Method::POST, paths::NOTE_LINKS),
            (Method::POST, paths::NOTE_SHARES),
            (Method::DELETE, paths::SHARED_NOTE),
            (Method::DELETE, paths::ATTACHMENT),
        ] {
            assert_eq!(needed(&method, route), None, "{method} {route}");
        }
    }
}
