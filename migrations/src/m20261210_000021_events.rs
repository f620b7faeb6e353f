//! Events: what each write announces to the streams of the people it concerns
//! (`GET /api/events/`), one row per person, kept a while so a stream that reconnects
//! can resume where it stopped, through any replica. Ids only grow, in commit order (the
//! server serialises the transactions that write them: see the server's `events`).
//! `session_id` names the one session an event is for (a session ended), else it is for
//! every stream of the person. No foreign key: an event outlives nothing it names for
//! long, and an account's deletion is itself announced.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
    UserId,
    SessionId,
    Kind,
    Data,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Events::Table)
                    .col(big_integer(Events::Id).auto_increment().primary_key())
                    .col(big_integer(Events::UserId))
                    .col(string_len_null(Events::SessionId, 32))
                    .col(string_len(Events::Kind, 16))
                    .col(text(Events::Data))
                    .col(timestamp_with_time_zone(Events::CreatedAt))
                    .to_owned(),
            )
            .await?;
        // A stream's backlog: one person's events after the last it saw.
        manager
            .create_index(
                Index::create()
                    .name("idx_events_user")
                    .table(Events::Table)
                    .col(Events::UserId)
                    .col(Events::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_events_created")
                    .table(Events::Table)
                    .col(Events::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Events::Table).to_owned())
            .await
    }
}
