//! A note's history: `note_revisions` keeps every text a save replaced, and every text
//! set aside in a conflict, numbered within the note. Most are stored as the edit that
//! turns the next newer text back into them (`delta`), some whole (`content`), so a
//! thousand small edits of a long note cost about what was typed (see `notes::history`).
//!
//! Like shares and links, revisions have no foreign key to `notes`: a note in the trash
//! keeps them under its id, and gets them back on restore. What outlives a note deleted
//! for good is pruned; the account's deletion takes them with it.
//!
//! `notes.updated_by` (and the trash's copy of it) says who saved the current text, so
//! that its revision can say so once the text is replaced; `NULL` is the author.

use super::m20261124_000001_users::Users;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum NoteRevisions {
    Table,
    Id,
    NoteId,
    OwnerId,
    Revision,
    Version,
    Kind,
    Title,
    SavedAt,
    SavedById,
    SavedByName,
    KeptAt,
    Day,
    Chars,
    LinesAdded,
    LinesRemoved,
    Content,
    Delta,
    RunBytes,
}

#[derive(DeriveIden)]
enum Notes {
    Table,
    UpdatedBy,
}

#[derive(DeriveIden)]
enum TrashedNotes {
    Table,
    UpdatedBy,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(NoteRevisions::Table)
                    .col(
                        big_integer(NoteRevisions::Id)
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(big_integer(NoteRevisions::NoteId))
                    .col(big_integer(NoteRevisions::OwnerId))
                    .col(big_integer(NoteRevisions::Revision))
                    .col(big_integer_null(NoteRevisions::Version))
                    .col(string_len(NoteRevisions::Kind, 16))
                    .col(text(NoteRevisions::Title))
                    .col(timestamp_with_time_zone(NoteRevisions::SavedAt))
                    .col(big_integer_null(NoteRevisions::SavedById))
                    .col(text(NoteRevisions::SavedByName))
                    .col(timestamp_with_time_zone(NoteRevisions::KeptAt))
                    .col(big_integer(NoteRevisions::Day))
                    .col(big_integer(NoteRevisions::Chars))
                    .col(big_integer(NoteRevisions::LinesAdded))
                    .col(big_integer(NoteRevisions::LinesRemoved))
                    .col(text_null(NoteRevisions::Content))
                    .col(blob_null(NoteRevisions::Delta))
                    .col(big_integer(NoteRevisions::RunBytes))
                    .foreign_key(
                        ForeignKey::create()
                            .from(NoteRevisions::Table, NoteRevisions::OwnerId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A note's revisions, newest first: the list, the chain a text is rebuilt from,
        // and the next number.
        manager
            .create_index(
                Index::create()
                    .name("idx_note_revisions_note_revision")
                    .table(NoteRevisions::Table)
                    .col(NoteRevisions::NoteId)
                    .col(NoteRevisions::Revision)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // The account's deletion, through the foreign key.
        manager
            .create_index(
                Index::create()
                    .name("idx_note_revisions_owner")
                    .table(NoteRevisions::Table)
                    .col(NoteRevisions::OwnerId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Notes::Table)
                    .add_column(big_integer_null(Notes::UpdatedBy))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(TrashedNotes::Table)
                    .add_column(big_integer_null(TrashedNotes::UpdatedBy))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(TrashedNotes::Table)
                    .drop_column(TrashedNotes::UpdatedBy)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Notes::Table)
                    .drop_column(Notes::UpdatedBy)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(NoteRevisions::Table).to_owned())
            .await
    }
}
