//! Whether an access token may still act: its account active and its session (`sid`, a
//! refresh-token family) not ended. A token alone would authenticate until it expires,
//! after its session was ended, its password changed or its account deactivated; this
//! check ends it within [`AT_MOST`] on every replica, while most requests still read no
//! database: each replica remembers each answer that long.

use crate::error::ApiResult;
use crate::storage::entities::refresh_token::{self, Entity as RefreshToken};
use crate::storage::entities::user::{self, Entity as User};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long an answer is believed. Another replica's change takes at most this long to
/// be seen here; this replica's own changes are seen at once ([`Liveness::forget`]).
pub const AT_MOST: Duration = Duration::from_secs(5);

/// Answers kept at most; past it, stale ones go (and, if none are stale, all of them).
const MAX_ENTRIES: usize = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Live,
    /// Signed out, ended from the sessions list or by an operator, or every session
    /// ended by a password change.
    SessionEnded,
    /// Deactivated by an operator.
    Inactive,
    /// Deleted.
    Gone,
}

type Key = (i64, Option<String>);

#[derive(Default)]
pub struct Liveness {
    answers: Mutex<Answers>,
}

#[derive(Default)]
struct Answers {
    by_token: HashMap<Key, (Instant, Verdict)>,
    /// Counts [`Liveness::forget`]s: an answer read from the database while one happened
    /// may be older than the change it forgot, and is not kept.
    forgotten: u64,
}

impl Liveness {
    /// The verdict on user `user_id`'s token of session `sid` (tokens from before sessions
    /// were recorded name none: only the account is checked).
    pub async fn check(
        &self,
        db: &impl ConnectionTrait,
        user_id: i64,
        sid: Option<&str>,
    ) -> ApiResult<Verdict> {
        let key = (user_id, sid.map(str::to_owned));
        let now = Instant::now();
        let forgotten = {
            let answers = self.lock();
            if let Some((at, verdict)) = answers.by_token.get(&key)
                && now.duration_since(*at) < AT_MOST
            {
                return Ok(*verdict);
            }
            answers.forgotten
        };
        let verdict = look_up(db, user_id, sid).await?;
        let mut answers = self.lock();
        if answers.forgotten != forgotten {
            return Ok(verdict);
        }
        if answers.by_token.len() >= MAX_ENTRIES {
            answers
                .by_token
                .retain(|_, (at, _)| now.duration_since(*at) < AT_MOST);
            if answers.by_token.len() >= MAX_ENTRIES {
                answers.by_token.clear();
            }
        }
        answers.by_token.insert(key, (now, verdict));
        Ok(verdict)
    }

    /// Forgets what was known of a user, after this replica changed their account or
    /// sessions: the next request reads the database, and an answer being read meanwhile
    /// is not kept.
    pub fn forget(&self, user_id: i64) {
        let mut answers = self.lock();
        answers.forgotten += 1;
        answers.by_token.retain(|(user, _), _| *user != user_id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Answers> {
        // A panic while holding the map leaves nothing half-written worth refusing.
        self.answers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

async fn look_up(db: &impl ConnectionTrait, user_id: i64, sid: Option<&str>) -> ApiResult<Verdict> {
    let active: Option<bool> = User::find_by_id(user_id)
        .select_only()
        .column(user::Column::IsActive)
        .into_tuple()
        .one(db)
        .await?;
    match active {
        None => return Ok(Verdict::Gone),
        Some(false) => return Ok(Verdict::Inactive),
        Some(true) => {}
    }
    let Some(sid) = sid else {
        return Ok(Verdict::Live);
    };
    // A family is ended once any of its rows is revoked (see `sessions`); one whose rows
    // are all gone was pruned after it expired.
    let revoked: Vec<bool> = RefreshToken::find()
        .filter(refresh_token::Column::FamilyId.eq(sid))
        .filter(refresh_token::Column::UserId.eq(user_id))
        .select_only()
        .column(refresh_token::Column::Revoked)
        .into_tuple()
        .all(db)
        .await?;
    Ok(if revoked.is_empty() || revoked.contains(&true) {
        Verdict::SessionEnded
    } else {
        Verdict::Live
    })
}
