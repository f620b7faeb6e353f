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
    /// The last sign-in (kept from the original app for moved accounts).
    pub last_login: Option<DateTimeUtc>,
    /// An operator: may use `/api/admin/` (Django's `is_staff`/`is_superuser`). Read from
    /// here on every operator request, never from a token.
    pub is_admin: bool,
    /// An operator's storage quota for this person, in megabytes; `None`: STORAGE_QUOTA_MB.
    pub storage_quota_mb: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
