//! The trash. A deleted note moves here whole (same id, text, pin and version) and leaves
//! `notes`, so every read of `notes` (the list, search, tags, SQLite's inline list) stays
//! as it was and cannot show a deleted note by forgetting a filter. Restoring moves it
//! back; the pruner deletes what has been here longer than `TRASH_RETENTION`.

use super::m20261124_000001_users::Users;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TrashedNotes {
    Table,
    Id,
    Title,
    Content,
    CreatedAt,
    UpdatedAt,
    AuthorId,
    Version,
    Pinned,
    DeletedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TrashedNotes::Table)
                    // The note's own id: `notes` never hands it out again (AUTOINCREMENT
                    // on SQLite, a sequence on PostgreSQL), so it is free on restore.
                    .col(big_integer(TrashedNotes::Id).primary_key())
                    // Unbounded, as `notes.title` is since the Django import's legacy
                    // lengths (m20261125_000011): a long title must be deletable too.
                    .col(string(TrashedNotes::Title))
                    .col(text(TrashedNotes::Content))
                    .col(timestamp_with_time_zone(TrashedNotes::CreatedAt))
                    .col(timestamp_with_time_zone(TrashedNotes::UpdatedAt))
                    .col(big_integer(TrashedNotes::AuthorId))
                    .col(big_integer(TrashedNotes::Version))
                    .col(boolean(TrashedNotes::Pinned))
                    .col(timestamp_with_time_zone(TrashedNotes::DeletedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(TrashedNotes::Table, TrashedNotes::AuthorId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // The trash page: one author's, newest deletion first.
        manager
            .create_index(
                Index::create()
                    .name("idx_trashed_notes_author_deleted")
                    .table(TrashedNotes::Table)
                    .col(TrashedNotes::AuthorId)
                    .col(TrashedNotes::DeletedAt)
                    .col(TrashedNotes::Id)
                    .to_owned(),
            )
            .await?;
        // The pruner: everyone's, oldest deletion first.
        manager
            .create_index(
                Index::create()
                    .name("idx_trashed_notes_deleted")
                    .table(TrashedNotes::Table)
                    .col(TrashedNotes::DeletedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(TrashedNotes::Table).to_owned())
            .await
    }
}
