//! Two-step sign-in and the sessions list: a person's authenticator secret (encrypted),
//! their recovery codes (hashed), the challenges that wait between sign-in's two steps,
//! and where each refresh token was issued to.

use super::m20261124_000001_users::Users;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TotpSecrets {
    Table,
    UserId,
    /// The secret sealed with an AEAD: base64 of nonce and ciphertext.
    Sealed,
    /// Which key sealed it (a fingerprint, never the key), so a new key can re-seal.
    KeyId,
    /// Off until a first code confirms the person's app has the secret.
    Enabled,
    /// The last time step a code was accepted for: no step is accepted twice.
    LastUsedStep,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RecoveryCodes {
    Table,
    Id,
    UserId,
    /// SHA-256 of the normalised code; the codes carry 80 random bits each.
    CodeHash,
    UsedAt,
}

#[derive(DeriveIden)]
enum SignInChallenges {
    Table,
    /// SHA-256 of the challenge handed to the client.
    TokenHash,
    UserId,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    UserAgent,
    Ip,
}

fn owned_by_user(table: impl IntoIden, column: impl IntoIden) -> ForeignKeyCreateStatement {
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
                    .table(TotpSecrets::Table)
                    .if_not_exists()
                    .col(big_integer(TotpSecrets::UserId).primary_key())
                    .col(text(TotpSecrets::Sealed))
                    .col(string_len(TotpSecrets::KeyId, 16))
                    .col(boolean(TotpSecrets::Enabled).default(false))
                    .col(big_integer_null(TotpSecrets::LastUsedStep))
                    .col(big_integer(TotpSecrets::CreatedAt))
                    .foreign_key(&mut owned_by_user(TotpSecrets::Table, TotpSecrets::UserId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RecoveryCodes::Table)
                    .if_not_exists()
                    .col(big_pk_auto(RecoveryCodes::Id))
                    .col(big_integer(RecoveryCodes::UserId))
                    .col(string_len(RecoveryCodes::CodeHash, 64))
                    .col(big_integer_null(RecoveryCodes::UsedAt))
                    .foreign_key(&mut owned_by_user(
                        RecoveryCodes::Table,
                        RecoveryCodes::UserId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_recovery_codes_user_code")
                    .table(RecoveryCodes::Table)
                    .col(RecoveryCodes::UserId)
                    .col(RecoveryCodes::CodeHash)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SignInChallenges::Table)
                    .if_not_exists()
                    .col(string_len(SignInChallenges::TokenHash, 64).primary_key())
                    .col(big_integer(SignInChallenges::UserId))
                    .col(big_integer(SignInChallenges::ExpiresAt))
                    .foreign_key(&mut owned_by_user(
                        SignInChallenges::Table,
                        SignInChallenges::UserId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sign_in_challenges_expires")
                    .table(SignInChallenges::Table)
                    .col(SignInChallenges::ExpiresAt)
                    .to_owned(),
            )
            .await?;
        // One column per statement: SQLite alters a table one change at a time.
        for column in [RefreshTokens::UserAgent, RefreshTokens::Ip] {
            manager
                .alter_table(
                    Table::alter()
                        .table(RefreshTokens::Table)
                        .add_column(string_null(column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [RefreshTokens::UserAgent, RefreshTokens::Ip] {
            manager
                .alter_table(
                    Table::alter()
                        .table(RefreshTokens::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for table in [
            SignInChallenges::Table.into_iden(),
            RecoveryCodes::Table.into_iden(),
            TotpSecrets::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
