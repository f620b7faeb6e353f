//! Running a server for others: operators (`users.is_admin`), who may register (a setting
//! kept in the database, so every replica agrees, and invitations), when a session last
//! proved who it is (`refresh_tokens.authenticated_at`, for operators' writes), and the
//! audit log.
//!
//! The audit log names people by id and by the username they had, with no foreign key:
//! an account's deletion must stay in the log after the account is gone.

use super::m20261124_000001_users::Users;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum NewUserColumns {
    IsAdmin,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    AuthenticatedAt,
}

#[derive(DeriveIden)]
enum SiteSettings {
    Table,
    Name,
    Value,
}

#[derive(DeriveIden)]
enum Invites {
    Table,
    Id,
    Code,
    Note,
    CreatedAt,
    CreatedBy,
    ExpiresAt,
    UsedAt,
    UsedBy,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    ActorId,
    Actor,
    Action,
    TargetId,
    Target,
    Detail,
    Ip,
    UserAgent,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(boolean(NewUserColumns::IsAdmin).default(false))
                    .to_owned(),
            )
            .await?;
        // Unix seconds, as the table's other times. Rows from before hold none: their
        // sessions count as having proved nothing recently.
        manager
            .alter_table(
                Table::alter()
                    .table(RefreshTokens::Table)
                    .add_column(big_integer_null(RefreshTokens::AuthenticatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SiteSettings::Table)
                    .col(string_len(SiteSettings::Name, 64).primary_key())
                    .col(string(SiteSettings::Value))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Invites::Table)
                    .col(big_integer(Invites::Id).auto_increment().primary_key())
                    .col(string_len_uniq(Invites::Code, 64))
                    .col(string_len_null(Invites::Note, 200))
                    .col(timestamp_with_time_zone(Invites::CreatedAt))
                    .col(string_len_null(Invites::CreatedBy, 150))
                    .col(timestamp_with_time_zone(Invites::ExpiresAt))
                    .col(timestamp_with_time_zone_null(Invites::UsedAt))
                    .col(string_len_null(Invites::UsedBy, 150))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(big_integer(AuditLog::Id).auto_increment().primary_key())
                    .col(timestamp_with_time_zone(AuditLog::At))
                    .col(big_integer_null(AuditLog::ActorId))
                    .col(string_null(AuditLog::Actor))
                    .col(string_len(AuditLog::Action, 40))
                    .col(big_integer_null(AuditLog::TargetId))
                    .col(string_null(AuditLog::Target))
                    .col(string_null(AuditLog::Detail))
                    .col(string_null(AuditLog::Ip))
                    .col(string_null(AuditLog::UserAgent))
                    .to_owned(),
            )
            .await?;
        // A person's own activity, newest first.
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_log_target")
                    .table(AuditLog::Table)
                    .col(AuditLog::TargetId)
                    .col(AuditLog::Id)
                    .to_owned(),
            )
            .await?;
        // The pruner: oldest first.
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_log_at")
                    .table(AuditLog::Table)
                    .col(AuditLog::At)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditLog::Table.into_iden(),
            Invites::Table.into_iden(),
            SiteSettings::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(RefreshTokens::Table)
                    .drop_column(RefreshTokens::AuthenticatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(NewUserColumns::IsAdmin)
                    .to_owned(),
            )
            .await
    }
}
