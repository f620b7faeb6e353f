//! #tags as the API serves them: each note's tags are rows of `note_tags`, written in
//! the same transaction as the note's text (by `markup::tags`, the reader the SPA uses), so
//! `?tag=` and the counts read one index and never parse a note.

use crate::error::{ApiError, ApiResult};
use crate::notes::search::escape_like;
use crate::storage::entities::{note, note_tag};
use app::errors::FieldErrors;
use app::validation::NULL_CHARACTERS;
use migrations::m20261203_000014_tags_and_pins::{tag_key, tag_rows};
use sea_orm::sea_query::{ExprTrait, LikeExpr, Query, SimpleExpr};
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

    /// The author's notes with this tag or one nested in it.
    pub fn condition(&self, author: i64) -> SimpleExpr {
        // `_` is a tag character and a `LIKE` wildcard; a filter may hold anything.
        let nested = format!("{}/%", escape_like(&self.key));
        let tagged = Query::select()
            .column(note_tag::Column::NoteId)
            .from(note_tag::Entity)
            .and_where(note_tag::Column::AuthorId.eq(author))
            .and_where(
                note_tag::Column::TagKey
                    .eq(self.key.as_str())
                    .or(note_tag::Column::TagKey.like(LikeExpr::new(nested).escape('\\'))),
            )
            .to_owned();
        note::Column::Id.in_subquery(tagged)
    }
}

/// Inserts a note and its tags, both or neither.
pub async fn insert_note<C>(db: &C, note: note::ActiveModel) -> Result<note::Model, DbErr>
where
    C: ConnectionTrait + TransactionTrait,
{
    let txn = db.begin().await?;
    let written = note.insert(&txn).await?;
    if let Some(insert) = tag_rows(written.id, written.author_id, &written.content) {
        txn.execute(&insert).await?;
    }
    txn.commit().await?;
    Ok(written)
}

/// Records the tags of a note's new text in place of its old ones.
pub async fn replace(db: &impl ConnectionTrait, note: &note::Model) -> Result<(), DbErr> {
    note_tag::Entity::delete_many()
        .filter(note_tag::Column::NoteId.eq(note.id))
        .exec(db)
        .await?;
    if let Some(insert) = tag_rows(note.id, note.author_id, &note.content) {
        db.execute(&insert).await?;
    }
    Ok(())
}

/// The author's tags, each with the notes `?tag=` finds for it, most used first.
pub async fn counts(db: &impl ConnectionTrait, author: i64) -> ApiResult<Vec<app::api::TagCount>> {
    let backend = db.get_database_backend();
    let placeholder = match backend {
        sea_orm::DbBackend::Postgres => "$1",
        _ => "?",
    };
    // Each tag's own notes, and its spelling in the first of them.
    let own = db
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT c.tag_key, t.tag, c.notes FROM \
                 (SELECT tag_key, COUNT(*) AS notes, MIN(note_id) AS first FROM note_tags \
                  WHERE author_id = {placeholder} GROUP BY tag_key) c \
                 JOIN note_tags t ON t.note_id = c.first AND t.tag_key = c.tag_key"
            ),
            [author.into()],
        ))
        .await?;
    let mut tags = Vec::with_capacity(own.len());
    for row in own {
        let key: String = row.try_get_by_index(0)?;
        let name: String = row.try_get_by_index(1)?;
        let notes: i64 = row.try_get_by_index(2)?;
        tags.push((key, name, notes.unsigned_abs()));
    }
    // A tag with tags nested in it also finds their notes; a note may hold both.
    let parents: Vec<String> = tags
        .iter()
        .filter(|(key, ..)| {
            let prefix = format!("{key}/");
            tags.iter().any(|(other, ..)| other.starts_with(&prefix))
        })
        .map(|(key, ..)| key.clone())
        .collect();
    for parent in parents {
        let filter = TagFilter {
            key: parent.clone(),
        };
        let notes = note::Entity::find()
            .filter(note::Column::AuthorId.eq(author))
            .filter(filter.condition(author))
            .count(db)
            .await?;
        if let Some(entry) = tags.iter_mut().find(|(key, ..)| *key == parent) {
            entry.2 = notes;
        }
    }
    tags.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    Ok(tags
        .into_iter()
        .map(|(_, name, count)| app::api::TagCount { name, count })
        .collect())
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
