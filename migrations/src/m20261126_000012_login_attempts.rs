//! Sign-in attempts counted in the database, so that replicas of the server on one
//! PostgreSQL share one count per client and username. (On SQLite there is one process,
//! and the server counts in memory; the table stays empty there.)

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LoginAttempts {
    Table,
    /// A digest of the client address and the username: fixed length, and no NUL in a
    /// username can reach PostgreSQL's `text`.
    Key,
    Attempts,
    WindowStart,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LoginAttempts::Table)
                    .if_not_exists()
                    .col(string_len(LoginAttempts::Key, 64).primary_key())
                    .col(integer(LoginAttempts::Attempts))
                    .col(timestamp_with_time_zone(LoginAttempts::WindowStart))
                    .to_owned(),
            )
            .await?;
        // Pruning finds ended windows by their start.
        manager
            .create_index(
                Index::create()
                    .name("idx_login_attempts_window_start")
                    .table(LoginAttempts::Table)
                    .col(LoginAttempts::WindowStart)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LoginAttempts::Table).to_owned())
            .await
    }
}
