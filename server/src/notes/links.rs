//! Links anyone can open to read one note: 128 random bits in the path (`/s/{token}`),
//! working until they expire or are revoked. A link shows the note as it is now, never a
//! copy; one of a note in the trash shows nothing until the note is restored, and an
//! unknown, expired or revoked token, or a note deleted for good, all look the same.
//! Views are counted roughly: one address counts once in [`VIEW_AGAIN_AFTER`].

use crate::accounts::totp::random_bytes;
use crate::error::{ApiError, ApiResult};
use crate::storage::entities::note::{self, Entity as Note};
use crate::storage::entities::note_link::{self, Column, Entity as NoteLink};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// An address that opens a link again within this counts once.
pub const VIEW_AGAIN_AFTER: Duration = Duration::from_secs(30 * 60);
/// Views remembered at most per replica; past it, the oldest half is forgotten.
const MAX_SEEN: usize = 50_000;

/// A new link to the owner's note, until `expires_at` (in the future) or revoked.
pub async fn create(
    db: &impl ConnectionTrait,
    note: &note::Model,
    expires_at: Option<DateTime<Utc>>,
) -> ApiResult<note_link::Model> {
    let row = note_link::ActiveModel {
        note_id: Set(note.id),
        author_id: Set(note.author_id),
        token: Set(URL_SAFE_NO_PAD.encode(random_bytes::<16>())),
        created_at: Set(Utc::now()),
        expires_at: Set(expires_at),
        views: Set(0),
        ..Default::default()
    };
    Ok(NoteLink::insert(row).exec_with_returning(db).await?)
}

/// A note's links, oldest first, expired ones included (they say so).
pub async fn of_note(db: &impl ConnectionTrait, note_id: i64) -> ApiResult<Vec<note_link::Model>> {
    Ok(NoteLink::find()
        .filter(Column::NoteId.eq(note_id))
        .order_by_asc(Column::Id)
        .all(db)
        .await?)
}

/// Revokes a link: it stops working at once, on every replica (each reads it afresh).
pub async fn revoke(db: &impl ConnectionTrait, note_id: i64, link_id: i64) -> ApiResult<()> {
    let gone = NoteLink::delete_many()
        .filter(Column::Id.eq(link_id))
        .filter(Column::NoteId.eq(note_id))
        .exec(db)
        .await?;
    if gone.rows_affected == 0 {
        return Err(ApiError::NotFound);
    }
    Ok(())
}

/// The note a live link opens, as it is now; `NotFound` for anything else.
pub async fn open(
    db: &impl ConnectionTrait,
    token: &str,
) -> ApiResult<(note_link::Model, note::Model)> {
    // 128 bits in base64url: anything else names no link, and is not worth a query.
    if token.len() != 22
        || !token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(ApiError::NotFound);
    }
    let live = Condition::any()
        .add(Column::ExpiresAt.is_null())
        .add(Column::ExpiresAt.gt(Utc::now()));
    let link = NoteLink::find()
        .filter(Column::Token.eq(token))
        .filter(live)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)?;
    // In `notes` only: a note in the trash, or deleted for good, is not shown.
    let note = Note::find_by_id(link.note_id)
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok((link, note))
}

/// Who opened which link lately, per replica: a reload every second from one address
/// must not count as many views.
#[derive(Default)]
pub struct Views {
    seen: Mutex<HashMap<(i64, IpAddr), Instant>>,
}

impl Views {
    /// Counts a view of `link` from `client` unless that address viewed it lately.
    pub async fn count(
        &self,
        db: &impl ConnectionTrait,
        link: i64,
        client: IpAddr,
    ) -> ApiResult<()> {
        let now = Instant::now();
        {
            let mut seen = self
                .seen
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if seen
                .get(&(link, client))
                .is_some_and(|at| now.duration_since(*at) < VIEW_AGAIN_AFTER)
            {
                return Ok(());
            }
            if seen.len() >= MAX_SEEN {
                seen.retain(|_, at| now.duration_since(*at) < VIEW_AGAIN_AFTER / 2);
                // Still full of recent addresses: a view may count twice, but the map
                // never outgrows its bound.
                if seen.len() >= MAX_SEEN {
                    seen.clear();
                }
            }
            seen.insert((link, client), now);
        }
        NoteLink::update_many()
            .col_expr(Column::Views, Expr::col(Column::Views).add(1))
            .filter(Column::Id.eq(link))
            .exec(db)
            .await?;
        Ok(())
    }
}
