use sea_orm::entity::prelude::*;

/// A person's authenticator secret, sealed (see `accounts::totp`): its `Debug` shows only
/// ciphertext. Times are Unix seconds.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "totp_secrets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    pub sealed: String,
    pub key_id: String,
    pub enabled: bool,
    pub last_used_step: Option<i64>,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
