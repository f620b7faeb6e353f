//! A note's history: `note_revisions` keeps every text a save replaced, and every text
//! set aside in a conflict, numbered within the note. Most are stored as the edit that
//! turns the next newer text back into them (`delta`), some whole (`content`), so a
//! thousand small edits of a long note cost about what was typed (see `notes::history`).
//!
//! Like shares and links, revisions have no foreign key to `notes`: a note in the trash
//! keeps them under its id, and gets them back on restore. What outlives a note deleted
//! for good is pruned; the account's deletion takes them with it.
//!
//! A note (and the trash's copy of it) carries what its next revision needs: who saved
//! its text (`updated_by`, `NULL` for the author), how that text differed from the one
//! before it (`lines_added`, `lines_removed`; `NULL` before any save), how far a read of
//! its newest revision walks (`history_run`), and its newest revision's number
//! (`last_revision`, bumped by the write that keeps one), so a save keeps the text it
//! replaces without reading or asking anything first.

use super::m20261124_000001_users::Users;
use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum NoteRevisions {
    Table,
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
}

#[derive(DeriveIden)]
enum TrashedNotes {
    Table,
}

/// What a note (live or in the trash) carries for its history, so that a save keeps
/// the text it replaces without reading anything first.
#[derive(DeriveIden, Clone, Copy)]
enum Carried {
    UpdatedBy,
    LinesAdded,
    LinesRemoved,
    HistoryRun,
    LastRevision,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Keyed by note and number alone, and on SQLite stored in that key's tree
        // (`WITHOUT ROWID`): a save adds one row to one tree, which is most of what keeping
        // history costs a save. The account's deletion finds its rows by a scan (rare, and
        // an index would cost every save).
        let mut table = Table::create();
        table
            .table(NoteRevisions::Table)
            .col(big_integer(NoteRevisions::NoteId))
            .col(big_integer(NoteRevisions::Revision))
            .col(big_integer(NoteRevisions::OwnerId))
            .col(big_integer_null(NoteRevisions::Version))
            .col(string_len(NoteRevisions::Kind, 16))
            .col(text(NoteRevisions::Title))
            .col(timestamp_with_time_zone(NoteRevisions::SavedAt))
            .col(big_integer_null(NoteRevisions::SavedById))
            .col(text_null(NoteRevisions::SavedByName))
            .col(timestamp_with_time_zone(NoteRevisions::KeptAt))
            .col(big_integer(NoteRevisions::Day))
            .col(big_integer(NoteRevisions::Chars))
            .col(big_integer(NoteRevisions::LinesAdded))
            .col(big_integer(NoteRevisions::LinesRemoved))
            .col(text_null(NoteRevisions::Content))
            .col(blob_null(NoteRevisions::Delta))
            .col(big_integer(NoteRevisions::RunBytes))
            .primary_key(
                Index::create()
                    .col(NoteRevisions::NoteId)
                    .col(NoteRevisions::Revision),
            )
            .foreign_key(
                ForeignKey::create()
                    .from(NoteRevisions::Table, NoteRevisions::OwnerId)
                    .to(Users::Table, Users::Id)
                    .on_delete(ForeignKeyAction::Cascade),
            );
        if manager.get_database_backend() == DbBackend::Sqlite {
            table.extra("WITHOUT ROWID");
        }
        manager.create_table(table.to_owned()).await?;
        for table in [Notes::Table.into_iden(), TrashedNotes::Table.into_iden()] {
            for column in [
                big_integer_null(Carried::UpdatedBy),
                big_integer_null(Carried::LinesAdded),
                big_integer_null(Carried::LinesRemoved),
                big_integer(Carried::HistoryRun).default(0).to_owned(),
                big_integer(Carried::LastRevision).default(0).to_owned(),
            ] {
                let mut column = column;
                manager
                    .alter_table(
                        Table::alter()
                            .table(table.clone())
                            .add_column(&mut column)
                            .to_owned(),
                    )
                    .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [Notes::Table.into_iden(), TrashedNotes::Table.into_iden()] {
            for column in [
                Carried::UpdatedBy,
                Carried::LinesAdded,
                Carried::LinesRemoved,
                Carried::HistoryRun,
                Carried::LastRevision,
            ] {
                manager
                    .alter_table(
                        Table::alter()
                            .table(table.clone())
                            .drop_column(column)
                            .to_owned(),
                    )
                    .await?;
            }
        }
        manager
            .drop_table(Table::drop().table(NoteRevisions::Table).to_owned())
            .await
    }
}
