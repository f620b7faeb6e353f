//! Attachments: the files a note refers to by their URL (`/api/attachments/{id}/`).
//!
//! `attachments` holds what the API says of each file and where its bytes are
//! (`storage`: `database`, `file:///…` or `s3://…`, so files can move between backends
//! while the server runs). `attachment_chunks` holds the bytes of the files kept in the
//! database, in chunks of a bounded size, so neither a write nor a read holds a whole
//! file. `attachment_uses` remembers which notes' kept versions referred to a file (the
//! current and trashed texts are searched directly), so the pruner keeps what history
//! still shows. `users.storage_quota_mb` is an operator's per-person quota.

use super::m20261124_000001_users::Users;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Attachments {
    Table,
    Id,
    OwnerId,
    Name,
    ContentType,
    Size,
    Sha256,
    Storage,
    PreviewType,
    CreatedAt,
    UnreferencedSince,
}

#[derive(DeriveIden)]
enum AttachmentChunks {
    Table,
    ObjectKey,
    Seq,
    Bytes,
}

#[derive(DeriveIden)]
enum AttachmentUses {
    Table,
    AttachmentId,
    NoteId,
}

#[derive(DeriveIden)]
enum UsersQuota {
    #[sea_orm(iden = "storage_quota_mb")]
    StorageQuotaMb,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Attachments::Table)
                    .col(string_len(Attachments::Id, 36).primary_key())
                    .col(big_integer(Attachments::OwnerId))
                    .col(string_len(Attachments::Name, 255))
                    .col(string_len(Attachments::ContentType, 100))
                    // NULL while the upload is still arriving.
                    .col(big_integer_null(Attachments::Size))
                    .col(string_len(Attachments::Sha256, 64))
                    .col(string_len(Attachments::Storage, 1024))
                    // NULL: not made yet; '': none (not a large image).
                    .col(string_len_null(Attachments::PreviewType, 32))
                    .col(timestamp_with_time_zone(Attachments::CreatedAt))
                    .col(timestamp_with_time_zone_null(
                        Attachments::UnreferencedSince,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Attachments::Table, Attachments::OwnerId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_attachments_owner")
                    .table(Attachments::Table)
                    .col(Attachments::OwnerId)
                    .col(Attachments::CreatedAt)
                    .to_owned(),
            )
            .await?;
        // No foreign key: the chunks of a file are written before its upload completes,
        // and a preview's chunks sit under their own key.
        manager
            .create_table(
                Table::create()
                    .table(AttachmentChunks::Table)
                    .col(string_len(AttachmentChunks::ObjectKey, 80))
                    .col(integer(AttachmentChunks::Seq))
                    .col(blob(AttachmentChunks::Bytes))
                    .primary_key(
                        Index::create()
                            .col(AttachmentChunks::ObjectKey)
                            .col(AttachmentChunks::Seq),
                    )
                    .to_owned(),
            )
            .await?;
        // No foreign key to notes: a note moves to `trashed_notes` under its id.
        manager
            .create_table(
                Table::create()
                    .table(AttachmentUses::Table)
                    .col(string_len(AttachmentUses::AttachmentId, 36))
                    .col(big_integer(AttachmentUses::NoteId))
                    .primary_key(
                        Index::create()
                            .col(AttachmentUses::AttachmentId)
                            .col(AttachmentUses::NoteId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(AttachmentUses::Table, AttachmentUses::AttachmentId)
                            .to(Attachments::Table, Attachments::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(integer_null(UsersQuota::StorageQuotaMb))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(UsersQuota::StorageQuotaMb)
                    .to_owned(),
            )
            .await?;
        for table in [
            AttachmentUses::Table.into_iden(),
            AttachmentChunks::Table.into_iden(),
            Attachments::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
