use sea_orm::entity::prelude::*;

/// A sign-in through the provider under way (see `accounts::oidc`), keyed by the SHA-256
/// of its `state`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "oidc_logins")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub state_hash: String,
    /// `sign_in`, `link` or `proof`.
    pub purpose: String,
    /// Who links an identity, or proves themselves; none for a sign-in.
    pub user_id: Option<i64>,
    pub verifier: String,
    pub nonce: String,
    /// The SPA's path to go back to.
    pub next: String,
    pub invite: Option<String>,
    /// Unix seconds.
    pub started_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
