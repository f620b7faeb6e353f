//! Keeping history bounded: every revision of the last 7 days, then the last of each day
//! until 90 days, then the last of each week (`HISTORY_RETENTION`, or `off` to keep all).
//! Set-aside texts are never thinned, and a note's newest revision is always the last of
//! its day, so the text the chain starts from is never lost.
//!
//! Each replica thins every few minutes, one note per transaction holding the note (as a
//! save does): the revisions around a thinned one are rebuilt and stored again against
//! their new neighbours.

use super::{Column, DELTA_COST, Revision, delta, diff, locked, saves_of, stored_text, too_far};
use crate::error::ApiResult;
use crate::storage::entities::note::{self, Entity as Note};
use crate::storage::entities::note_revision;
use app::api::revision_kinds;
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::{Set, Unchanged};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, TransactionTrait,
};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::Duration;

/// How often each replica thins.
const EVERY: Duration = Duration::from_secs(10 * 60);

pub use crate::ops::settings::HistoryRetention as Retention;

/// Which bucket a revision of this age falls in, if any: `None` within the first span.
fn bucket(
    retention: (Duration, Duration),
    now: DateTime<Utc>,
    saved_at: DateTime<Utc>,
) -> Option<(bool, i64)> {
    let age = (now - saved_at).to_std().unwrap_or_default();
    let day = saved_at.timestamp().div_euclid(86_400);
    if age <= retention.0 {
        None
    } else if age <= retention.1 {
        Some((true, day))
    } else {
        // Weeks from a Monday: 1970-01-01 was a Thursday.
        Some((false, (day + 3).div_euclid(7)))
    }
}

/// Of a note's saved revisions (number and time), those thinning deletes: all but the
/// newest of each bucket.
fn doomed(
    retention: (Duration, Duration),
    now: DateTime<Utc>,
    revisions: &[(i64, DateTime<Utc>)],
) -> HashSet<i64> {
    let mut newest: HashMap<(bool, i64), i64> = HashMap::new();
    for &(number, saved_at) in revisions {
        if let Some(key) = bucket(retention, now, saved_at) {
            let kept = newest.entry(key).or_insert(number);
            *kept = Ord::max(*kept, number);
        }
    }
    let kept: HashSet<i64> = newest.into_values().collect();
    revisions
        .iter()
        .filter(|(number, saved_at)| {
            bucket(retention, now, *saved_at).is_some() && !kept.contains(number)
        })
        .map(|(number, _)| *number)
        .collect()
}

/// The notes with two saved revisions in one bucket: those a pass thins.
async fn candidates(
    db: &impl ConnectionTrait,
    (all, daily): (Duration, Duration),
    now: DateTime<Utc>,
) -> ApiResult<BTreeSet<i64>> {
    let before = |d: Duration| now - chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX);
    let (all_before, daily_before) = (before(all), before(daily));
    let days = Query::select()
        .column(Column::NoteId)
        .from(Revision)
        .and_where(Expr::col(Column::Kind).eq(revision_kinds::SAVE))
        .and_where(Expr::col(Column::SavedAt).lt(all_before))
        .and_where(Expr::col(Column::SavedAt).gte(daily_before))
        .group_by_columns([Column::NoteId, Column::Day])
        .and_having(Expr::cust("COUNT(*) > 1"))
        .to_owned();
    let weeks = Query::select()
        .column(Column::NoteId)
        .from(Revision)
        .and_where(Expr::col(Column::Kind).eq(revision_kinds::SAVE))
        .and_where(Expr::col(Column::SavedAt).lt(daily_before))
        .add_group_by([Expr::cust("(day + 3) / 7"), Expr::col(Column::NoteId)])
        .and_having(Expr::cust("COUNT(*) > 1"))
        .to_owned();
    let backend = db.get_database_backend();
    let mut notes = BTreeSet::new();
    for query in [days, weeks] {
        for row in db.query_all_raw(backend.build(&query)).await? {
            notes.insert(row.try_get_by_index::<i64>(0)?);
        }
    }
    Ok(notes)
}

/// One pass over every note: how many revisions went.
pub async fn thin(
    db: &DatabaseConnection,
    retention: Retention,
    now: DateTime<Utc>,
) -> ApiResult<u64> {
    let Some(spans) = retention.spans() else {
        return Ok(0);
    };
    let mut gone = 0;
    for note in candidates(db, spans, now).await? {
        gone += thin_note(db, note, spans, now).await?;
    }
    Ok(gone)
}

/// A kept revision as it is to be stored again.
struct Kept {
    row: note_revision::Model,
    text: String,
    changed: bool,
}

async fn thin_note(
    db: &DatabaseConnection,
    id: i64,
    spans: (Duration, Duration),
    now: DateTime<Utc>,
) -> ApiResult<u64> {
    let txn = db.begin().await?;
    // A note in the trash is thinned once it is back.
    let Some(note) = locked(&txn, id).await? else {
        return Ok(0);
    };
    let rows = Revision::find()
        .filter(saves_of(id))
        .order_by_desc(Column::Revision)
        .all(&txn)
        .await?;
    let numbers: Vec<(i64, DateTime<Utc>)> =
        rows.iter().map(|r| (r.revision, r.saved_at)).collect();
    let doomed = doomed(spans, now, &numbers);
    if doomed.is_empty() {
        txn.commit().await?;
        return Ok(0);
    }
    // Every text, newest first, each rebuilt from the one newer than it.
    let mut kept: Vec<Kept> = Vec::with_capacity(rows.len() - doomed.len());
    let mut newer = note.content.clone();
    // Whether a revision between this one and the kept one newer than it goes, and
    // whether a whole text is among them.
    let (mut gap, mut whole_gone) = (false, false);
    for row in rows {
        let text = stored_text(&row, &newer)?;
        if doomed.contains(&row.revision) {
            gap = true;
            whole_gone |= row.content.is_some();
        } else {
            let mut keep = Kept {
                row,
                text: text.clone(),
                changed: false,
            };
            if gap && keep.row.content.is_none() {
                // Its delta named a text that goes: made again against the one that stays.
                let base = kept
                    .last()
                    .map_or(note.content.as_str(), |k| k.text.as_str());
                let (delta, _) = delta::encode(base, &keep.text);
                if whole_gone || delta.len() >= keep.text.len() {
                    keep.row.content = Some(keep.text.clone());
                    keep.row.delta = None;
                } else {
                    keep.row.delta = Some(delta);
                }
                keep.changed = true;
            }
            if gap && let Some(newer_kept) = kept.last_mut() {
                // What changed since the version before it, now an older one.
                let (added, removed) = diff::counts(&keep.text, &newer_kept.text);
                newer_kept.row.lines_added = added;
                newer_kept.row.lines_removed = removed;
                newer_kept.changed = true;
            }
            kept.push(keep);
            (gap, whole_gone) = (false, false);
        }
        newer = text;
    }
    if gap && let Some(oldest) = kept.last_mut() {
        let (added, removed) = diff::counts("", &oldest.text);
        oldest.row.lines_added = added;
        oldest.row.lines_removed = removed;
        oldest.changed = true;
    }
    // The walks' lengths, from the oldest up.
    let mut run = 0;
    for keep in kept.iter_mut().rev() {
        let was = keep.row.run_bytes;
        run = match &keep.row.delta {
            Some(delta) if keep.row.content.is_none() => run + delta.len() as i64 + DELTA_COST,
            _ => 0,
        };
        if too_far(run, keep.text.len()) {
            keep.row.content = Some(keep.text.clone());
            keep.row.delta = None;
            keep.changed = true;
            run = 0;
        }
        keep.row.run_bytes = run;
        keep.changed |= was != run;
    }
    Revision::delete_many()
        .filter(saves_of(id))
        .filter(Column::Revision.is_in(doomed.iter().copied()))
        .exec(&txn)
        .await?;
    // The note carries its newest revision's walk, for the revision its next save keeps.
    if let Some(newest) = kept.first()
        && newest.row.run_bytes != note.history_run
    {
        Note::update_many()
            .col_expr(note::Column::HistoryRun, Expr::value(newest.row.run_bytes))
            .filter(note::Column::Id.eq(id))
            .exec(&txn)
            .await?;
    }
    for keep in kept.into_iter().filter(|k| k.changed) {
        let row = keep.row;
        note_revision::ActiveModel {
            note_id: Unchanged(row.note_id),
            revision: Unchanged(row.revision),
            content: Set(row.content),
            delta: Set(row.delta),
            run_bytes: Set(row.run_bytes),
            lines_added: Set(row.lines_added),
            lines_removed: Set(row.lines_removed),
            ..Default::default()
        }
        .update(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(doomed.len() as u64)
}

/// Thins every [`EVERY`] for as long as the process runs (as the pruner does).
pub fn spawn(db: DatabaseConnection, retention: Retention) {
    if retention == Retention::OFF {
        return;
    }
    crate::storage::pruning::periodically(EVERY, move || {
        let db = db.clone();
        async move {
            match thin(&db, retention, Utc::now()).await {
                Ok(0) => {}
                Ok(gone) => tracing::info!(gone, "thinned notes' history"),
                Err(e) => tracing::warn!(error = %e, "thinning notes' history failed"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const DAY: Duration = Duration::from_secs(86_400);

    #[test]
    fn the_last_of_each_day_then_of_each_week_stays() {
        let now = Utc.with_ymd_and_hms(2026, 12, 31, 12, 0, 0).unwrap();
        let at = |days_ago: i64, hour: u32| {
            let day = now - chrono::Duration::days(days_ago);
            Utc.with_ymd_and_hms(2026, 1, 1, hour, 0, 0).unwrap()
                + (day.date_naive() - chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap())
        };
        let revisions = [
            (1, at(200, 9)), // a week long ago: Monday...
            (2, at(199, 9)), // ...and Tuesday of the same week: 1 goes
            (3, at(20, 9)),  // a day in the daily span: 3 and 4 go, 5 stays
            (4, at(20, 10)),
            (5, at(20, 11)),
            (6, at(2, 9)), // within the first span: all stay
            (7, at(2, 10)),
        ];
        let gone = doomed((7 * DAY, 90 * DAY), now, &revisions);
        let expected: HashSet<i64> = [3, 4].into_iter().collect();
        // 1 and 2 share a week only if 200 and 199 days ago are in one Monday-based week.
        let week = |t: DateTime<Utc>| (t.timestamp().div_euclid(86_400) + 3).div_euclid(7);
        let mut expected = expected;
        if week(at(200, 9)) == week(at(199, 9)) {
            expected.insert(1);
        }
        assert_eq!(gone, expected);
    }
}
