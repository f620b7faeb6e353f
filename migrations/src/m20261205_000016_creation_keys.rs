//! The keys notes were created under (`Idempotency-Key` on `POST /api/notes/`), so that a
//! creation sent again, because its answer was lost on the way back, finds the note the
//! first one made instead of making a second. A key lives as long as its note: deleting
//! the note (to the trash) takes it, and a retry after that makes the note again.

use super::m20261124_000001_users::Users;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Notes {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum NoteCreationKeys {
    Table,
    NoteId,
    AuthorId,
    Key,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(NoteCreationKeys::Table)
                    // One key per note; also what the cascade from `notes` looks up.
                    .col(big_integer(NoteCreationKeys::NoteId).primary_key())
                    .col(big_integer(NoteCreationKeys::AuthorId))
                    .col(string_len(NoteCreationKeys::Key, 255))
                    .foreign_key(
                        ForeignKey::create()
                            .from(NoteCreationKeys::Table, NoteCreationKeys::NoteId)
                            .to(Notes::Table, Notes::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(NoteCreationKeys::Table, NoteCreationKeys::AuthorId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A key is the author's own: two people may pick the same one.
        manager
            .create_index(
                Index::create()
                    .name("idx_note_creation_keys_author_key")
                    .table(NoteCreationKeys::Table)
                    .col(NoteCreationKeys::AuthorId)
                    .col(NoteCreationKeys::Key)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(NoteCreationKeys::Table).to_owned())
            .await
    }
}
