use sea_orm::entity::prelude::*;

/// What a finished sign-in through the provider hands the SPA, once (see
/// `accounts::oidc`): the SHA-256 of a one-time code.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "oidc_codes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code_hash: String,
    /// `sign_in` (for tokens) or `proof` (instead of a password).
    pub purpose: String,
    pub user_id: i64,
    /// Unix seconds.
    pub expires_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
