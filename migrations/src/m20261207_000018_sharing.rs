//! Sharing a note: links anyone can open (`note_links`, a 128-bit token each, until it
//! expires or is revoked), the people a note is shared with (`note_shares`, to read or
//! to edit), and the pins of those people (`note_pins`: a pin is each person's own; the
//! author's stays on the note, `notes.pinned`).
//!
//! None of the three has a foreign key to `notes`: a deleted note moves to
//! `trashed_notes` under its id and back on restore, and its links and shares come back
//! with it. What outlives a note deleted for good is pruned (`notes::sharing`), and ids
//! are never reused, so nothing left over ever points at another note.

use super::m20261124_000001_users::Users;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum NoteLinks {
    Table,
    Id,
    NoteId,
    AuthorId,
    Token,
    CreatedAt,
    ExpiresAt,
    Views,
}

#[derive(DeriveIden)]
enum NoteShares {
    Table,
    Id,
    NoteId,
    OwnerId,
    UserId,
    Permission,
    CreatedAt,
}

#[derive(DeriveIden)]
enum NotePins {
    Table,
    UserId,
    NoteId,
}

fn owned_by(table: impl IntoIden, column: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(Users::Table, Users::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(NoteLinks::Table)
                    .col(big_integer(NoteLinks::Id).auto_increment().primary_key())
                    .col(big_integer(NoteLinks::NoteId))
                    .col(big_integer(NoteLinks::AuthorId))
                    .col(string_len_uniq(NoteLinks::Token, 64))
                    .col(timestamp_with_time_zone(NoteLinks::CreatedAt))
                    .col(timestamp_with_time_zone_null(NoteLinks::ExpiresAt))
                    .col(big_integer(NoteLinks::Views).default(0))
                    .foreign_key(&mut owned_by(NoteLinks::Table, NoteLinks::AuthorId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_note_links_note")
                    .table(NoteLinks::Table)
                    .col(NoteLinks::NoteId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(NoteShares::Table)
                    .col(big_integer(NoteShares::Id).auto_increment().primary_key())
                    .col(big_integer(NoteShares::NoteId))
                    .col(big_integer(NoteShares::OwnerId))
                    .col(big_integer(NoteShares::UserId))
                    .col(string_len(NoteShares::Permission, 8))
                    .col(timestamp_with_time_zone(NoteShares::CreatedAt))
                    .foreign_key(&mut owned_by(NoteShares::Table, NoteShares::OwnerId))
                    .foreign_key(&mut owned_by(NoteShares::Table, NoteShares::UserId))
                    .to_owned(),
            )
            .await?;
        // A note is shared with a person once; the access check looks it up by both.
        manager
            .create_index(
                Index::create()
                    .name("idx_note_shares_note_user")
                    .table(NoteShares::Table)
                    .col(NoteShares::NoteId)
                    .col(NoteShares::UserId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // What is shared with a person: their "Shared with me".
        manager
            .create_index(
                Index::create()
                    .name("idx_note_shares_user")
                    .table(NoteShares::Table)
                    .col(NoteShares::UserId)
                    .col(NoteShares::NoteId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(NotePins::Table)
                    .col(big_integer(NotePins::UserId))
                    .col(big_integer(NotePins::NoteId))
                    .primary_key(Index::create().col(NotePins::UserId).col(NotePins::NoteId))
                    .foreign_key(&mut owned_by(NotePins::Table, NotePins::UserId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            NotePins::Table.into_iden(),
            NoteShares::Table.into_iden(),
            NoteLinks::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
