//! Lifts the length limits on `notes.title` (100) and `users.username` (150) in the
//! database, leaving them to the application's validation. A Django app on SQLite never
//! enforced its `max_length` in the database, so its data may exceed them, and
//! `import-django` keeps such rows as they were rather than refuse or cut them.
//! PostgreSQL enforces `varchar(n)`; SQLite never did, so only PostgreSQL changes.

use super::m20261124_000001_users::Users;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Notes {
    Table,
    Title,
}

async fn set_lengths(
    manager: &SchemaManager<'_>,
    title: Option<u32>,
    username: Option<u32>,
) -> Result<(), DbErr> {
    if manager.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let varchar = |len: Option<u32>| match len {
        Some(len) => ColumnType::String(StringLen::N(len)),
        None => ColumnType::String(StringLen::None),
    };
    manager
        .alter_table(
            Table::alter()
                .table(Notes::Table)
                .modify_column(ColumnDef::new_with_type(Notes::Title, varchar(title)).not_null())
                .to_owned(),
        )
        .await?;
    manager
        .alter_table(
            Table::alter()
                .table(Users::Table)
                .modify_column(
                    ColumnDef::new_with_type(Users::Username, varchar(username)).not_null(),
                )
                .to_owned(),
        )
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        set_lengths(manager, None, None).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        set_lengths(manager, Some(100), Some(150)).await
    }
}
