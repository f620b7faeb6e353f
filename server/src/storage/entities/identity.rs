use sea_orm::entity::prelude::*;

/// An account's identity at an OpenID Connect provider (see `accounts::identities`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "identities")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    pub issuer: String,
    pub subject: String,
    /// The provider's `preferred_username` (or e-mail) when last seen, to show.
    pub username: String,
    pub created_at: DateTimeUtc,
    pub last_used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
