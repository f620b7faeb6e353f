use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub username: String,
    pub password_hash: String,
    pub date_joined: DateTimeUtc,
    /// Django's flag: an inactive user cannot sign in.
    pub is_active: bool,
    /// Kept from the original app; this server does not update it (simplejwt's
    /// `UPDATE_LAST_LOGIN` is off by default).
    pub last_login: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
