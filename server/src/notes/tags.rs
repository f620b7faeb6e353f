//! #tags as the API serves them: each note's tags are rows of `note_tags`, written in
//! the same transaction as the note's text (by `markup::tags`, the reader the SPA uses), so
//! `?tag=` and the counts read one index and never parse a note.

use crate::error::{ApiError, ApiResult};
use crate::events::record::NoteAction;
use crate::notes::announce;
use crate::storage::entities::{note, note_tag};
use app::errors::FieldErrors;
use app::validation::NULL_CHARACTERS;
use markup::tags::key as tag_key;
use migrations::m20261203_000014_tags_and_pins::tag_rows;
use sea_orm::sea_query::{Query, SimpleExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, Statement, TransactionSession, TransactionTrait,
};

/// `?tag=`: a tag and the tags nested in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagFilter {
    key: String,
}

impl TagFilter {
    /// The tag as written in the query, with or without its `#`; blank is no filter.
    pub fn parse(raw: &str) -> Result<Option<Self>, ApiError> {
        if raw.contains('\0') {
            return Err(FieldErrors::single(app::api::query::TAG, NULL_CHARACTERS).into());
        }
        let tag = raw.trim();
        let tag = tag.strip_prefix('#').unwrap_or(tag);
        Ok((!tag.is_empty()).then(|| Self { key: tag_key(tag) }))
    }

    /// The author's notes with this tag or one nested in it: one exact key, as every
    /// note has a row for each tag its tags are nested in.
    pub fn condition(&self, author: i64) -> SimpleExpr {
        let tagged = Query::select()
            .column(note_tag::Column::NoteId)
            .from(note_tag::Entity)
            .and_where(note_tag::Column::AuthorId.eq(author))
            .and_where(note_tag::Column::TagKey.eq(self.key.as_str()))
            .to_owned();
        note::Column::Id.in_subquery(tagged)
    }

    /// How many of the author's notes [`Self::condition`] finds, from the tags' index
    /// alone.
    pub async fn count(&self, db: &impl ConnectionTrait, author: i64) -> Result<u64, DbErr> {
        note_tag::Entity::find()
            .filter(note_tag::Column::AuthorId.eq(author))
            .filter(note_tag::Column::TagKey.eq(self.key.as_str()))
            .count(db)
            .await
    }
}

/// Inserts a note and its tags, both or neither.
pub async fn insert_note<C>(db: &C, note: note::ActiveModel) -> Result<note::Model, DbErr>
where
    C: ConnectionTrait + TransactionTrait,
{
    let txn = db.begin().await?;
    let written = write_note(&txn, note).await?;
    announce::of(&txn, &written, NoteAction::Created).await?;
    txn.commit().await?;
    Ok(written)
}

/// Inserts a note and its tags in `db`, a transaction the caller commits (with more in
/// it: `creation_keys`).
pub async fn write_note(
    db: &impl ConnectionTrait,
    note: note::ActiveModel,
) -> Result<note::Model, DbErr> {
    let written = note.insert(db).await?;
    for insert in tag_rows(written.id, written.author_id, &written.content) {
        db.execute(&insert).await?;
    }
    Ok(written)
}

/// Records the tags of a note's new text in place of its old ones.
/// Whether replacing a note's text `old` with `new` can change its tags: not unless one
/// of them holds a `#`.
pub fn may_change(old: &str, new: &str) -> bool {
    old != new && (old.contains('#') || new.contains('#'))
}

pub async fn replace(db: &impl ConnectionTrait, note: &note::Model) -> Result<(), DbErr> {
    note_tag::Entity::delete_many()
        .filter(note_tag::Column::NoteId.eq(note.id))
        .exec(db)
        .await?;
    for insert in tag_rows(note.id, note.author_id, &note.content) {
        db.execute(&insert).await?;
    }
    Ok(())
}

/// The author's tags, each with the notes `?tag=` finds for it, most used first. A tag
/// only ever read from a nested one (`work` from `#work/meetings` alone) is not listed.
pub async fn counts(db: &impl ConnectionTrait, author: i64) -> ApiResult<Vec<app::api::TagCount>> {
    let backend = db.get_database_backend();
    let placeholder = match backend {
        sea_orm::DbBackend::Postgres => "$1",
        _ => "?",
    };
    // Each tag's notes, and its spelling in the first of them.
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT t.tag, c.notes FROM \
                 (SELECT tag_key, COUNT(*) AS notes, MIN(note_id) AS first, \
                  SUM(CASE WHEN written THEN 1 ELSE 0 END) AS written FROM note_tags \
                  WHERE author_id = {placeholder} GROUP BY tag_key) c \
                 JOIN note_tags t ON t.note_id = c.first AND t.tag_key = c.tag_key \
                 WHERE c.written > 0 ORDER BY c.notes DESC, c.tag_key"
            ),
            [author.into()],
        ))
        .await?;
    rows.into_iter()
        .map(|row| {
            Ok(app::api::TagCount {
                name: row.try_get_by_index(0)?,
                count: row.try_get_by_index::<i64>(1)?.unsigned_abs(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_reads_a_tag_as_written_in_any_case() {
        let key = |raw: &str| TagFilter::parse(raw).unwrap().map(|f| f.key);
        assert_eq!(key("Work/Meetings"), Some("work/meetings".into()));
        assert_eq!(key(" #work "), Some("work".into()));
        assert_eq!(key(""), None);
        assert_eq!(key("#"), None);
        assert!(TagFilter::parse("a\0").is_err());
    }
}
