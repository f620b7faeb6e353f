//! Sign-in through an OpenID Connect provider: the identities linked to accounts, the
//! sign-ins under way (their `state`, PKCE verifier and `nonce`, so the provider's
//! callback may reach any replica), and the one-time codes a finished one hands the SPA.
//! All of them go with their account.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Identities {
    Table,
    Id,
    UserId,
    Issuer,
    Subject,
    Username,
    CreatedAt,
    LastUsedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum OidcLogins {
    Table,
    StateHash,
    Purpose,
    UserId,
    Verifier,
    Nonce,
    Next,
    Invite,
    StartedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum OidcCodes {
    Table,
    CodeHash,
    Purpose,
    UserId,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

fn owned_by(table: impl IntoIden + Copy, column: impl IntoIden) -> ForeignKeyCreateStatement {
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
                    .table(Identities::Table)
                    .col(big_integer(Identities::Id).auto_increment().primary_key())
                    .col(big_integer(Identities::UserId))
                    .col(string_len(Identities::Issuer, 255))
                    .col(string_len(Identities::Subject, 255))
                    .col(string_len(Identities::Username, 255))
                    .col(timestamp_with_time_zone(Identities::CreatedAt))
                    .col(timestamp_with_time_zone_null(Identities::LastUsedAt))
                    .foreign_key(&mut owned_by(Identities::Table, Identities::UserId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_identities_issuer_subject")
                    .table(Identities::Table)
                    .col(Identities::Issuer)
                    .col(Identities::Subject)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_identities_user")
                    .table(Identities::Table)
                    .col(Identities::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OidcLogins::Table)
                    .col(string_len(OidcLogins::StateHash, 64).primary_key())
                    .col(string_len(OidcLogins::Purpose, 8))
                    .col(big_integer_null(OidcLogins::UserId))
                    .col(string_len(OidcLogins::Verifier, 128))
                    .col(string_len(OidcLogins::Nonce, 128))
                    .col(string_len(OidcLogins::Next, 2048))
                    .col(string_len_null(OidcLogins::Invite, 128))
                    .col(big_integer(OidcLogins::StartedAt))
                    .foreign_key(&mut owned_by(OidcLogins::Table, OidcLogins::UserId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OidcCodes::Table)
                    .col(string_len(OidcCodes::CodeHash, 64).primary_key())
                    .col(string_len(OidcCodes::Purpose, 8))
                    .col(big_integer(OidcCodes::UserId))
                    .col(big_integer(OidcCodes::ExpiresAt))
                    .foreign_key(&mut owned_by(OidcCodes::Table, OidcCodes::UserId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            OidcCodes::Table.into_iden(),
            OidcLogins::Table.into_iden(),
            Identities::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
