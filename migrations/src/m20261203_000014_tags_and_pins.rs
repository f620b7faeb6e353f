//! Pinned notes and #tags. A pin is a column, and the author's list is ordered by it
//! first, so the index that orders the list leads with it too. Tags are rows of their
//! own, read from the note's text by `markup::tags` whenever it is written, so a filter or
//! a count reads one index instead of parsing every note. A note also has a row for each
//! tag its tags are nested in (`#work/meetings` gives `work/meetings` and `work`), so a
//! filter for `work` is one exact key.

use super::m20261124_000001_users::Users;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Notes {
    Table,
    Id,
    AuthorId,
    Pinned,
    CreatedAt,
}

#[derive(DeriveIden)]
pub enum NoteTags {
    Table,
    NoteId,
    AuthorId,
    /// The tag in lower case: what filters and counts compare.
    TagKey,
    /// The tag as this note spells it.
    Tag,
    /// Whether the note wrote the tag, or only a tag nested in it.
    Written,
}

const OLD_LIST_INDEX: &str = "idx_notes_author_created";
const LIST_INDEX: &str = "idx_notes_author_pinned_created";

/// The index that orders an author's list: pinned first (after this migration), then
/// newest first.
fn list_index(pinned: bool) -> IndexCreateStatement {
    let mut index = Index::create();
    index
        .name(if pinned { LIST_INDEX } else { OLD_LIST_INDEX })
        .table(Notes::Table)
        .col(Notes::AuthorId);
    if pinned {
        index.col(Notes::Pinned);
    }
    index.col(Notes::CreatedAt).col(Notes::Id).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Notes::Table)
                    .add_column(boolean(Notes::Pinned).default(false))
                    .to_owned(),
            )
            .await?;
        // Pinned first, then newest first: still one index walk for a page.
        manager.create_index(list_index(true)).await?;
        manager
            .drop_index(
                Index::drop()
                    .name(OLD_LIST_INDEX)
                    .table(Notes::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(NoteTags::Table)
                    .col(big_integer(NoteTags::NoteId))
                    .col(big_integer(NoteTags::AuthorId))
                    .col(string_len(NoteTags::TagKey, 256))
                    .col(string_len(NoteTags::Tag, 256))
                    .col(boolean(NoteTags::Written))
                    .primary_key(Index::create().col(NoteTags::NoteId).col(NoteTags::TagKey))
                    .foreign_key(
                        ForeignKey::create()
                            .from(NoteTags::Table, NoteTags::NoteId)
                            .to(Notes::Table, Notes::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(NoteTags::Table, NoteTags::AuthorId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A filter and the counts read only this index: the author's tags, and which
        // notes hold each.
        manager
            .create_index(
                Index::create()
                    .name("idx_note_tags_author_key")
                    .table(NoteTags::Table)
                    .col(NoteTags::AuthorId)
                    .col(NoteTags::TagKey)
                    .col(NoteTags::NoteId)
                    .to_owned(),
            )
            .await?;
        fill_tags(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(NoteTags::Table).to_owned())
            .await?;
        manager.create_index(list_index(false)).await?;
        manager
            .drop_index(
                Index::drop()
                    .name(LIST_INDEX)
                    .table(Notes::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Notes::Table)
                    .drop_column(Notes::Pinned)
                    .to_owned(),
            )
            .await
    }
}

/// The rows that record one note's tags, in as many statements as they need.
pub fn tag_rows(note_id: i64, author_id: i64, content: &str) -> Vec<InsertStatement> {
    tag_rows_of([(note_id, author_id, content)])
}

/// Rows per statement: five values each stays far below the bound on a statement's
/// values (32,766 in SQLite, 65,535 in PostgreSQL), however many tags a note holds.
const ROWS_PER_STATEMENT: usize = 1000;

/// The rows that record the tags of many notes, `(id, author, content)`: a batch of
/// notes in one round trip unless their tags are very many.
pub fn tag_rows_of<'a>(
    notes: impl IntoIterator<Item = (i64, i64, &'a str)>,
) -> Vec<InsertStatement> {
    let empty = || {
        Query::insert()
            .into_table(NoteTags::Table)
            .columns([
                NoteTags::NoteId,
                NoteTags::AuthorId,
                NoteTags::TagKey,
                NoteTags::Tag,
                NoteTags::Written,
            ])
            .to_owned()
    };
    let mut statements = Vec::new();
    let (mut insert, mut rows) = (empty(), 0);
    for (note_id, author_id, content) in notes {
        for (tag, written) in markup::tags::with_parents(&markup::tags::tags(content)) {
            insert.values_panic([
                note_id.into(),
                author_id.into(),
                markup::tags::key(&tag).into(),
                tag.into(),
                written.into(),
            ]);
            rows += 1;
            if rows == ROWS_PER_STATEMENT {
                statements.push(std::mem::replace(&mut insert, empty()));
                rows = 0;
            }
        }
    }
    if rows > 0 {
        statements.push(insert);
    }
    statements
}

/// Reads the tags of the notes that exist already.
async fn fill_tags(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let backend = manager.get_database_backend();
    use crate::existing::{Notes as Read, fill_notes};
    fill_notes(manager, &[Read::AuthorId, Read::Content], |row| {
        let id: i64 = row.try_get("", "id")?;
        let author: i64 = row.try_get("", "author_id")?;
        let content: String = row.try_get("", "content")?;
        Ok(tag_rows(id, author, &content)
            .iter()
            .map(|insert| backend.build(insert))
            .collect())
    })
    .await
}
