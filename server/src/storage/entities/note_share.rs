use sea_orm::entity::prelude::*;

/// A note its owner shares with another person, to read or to edit (see `notes::access`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "note_shares")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub note_id: i64,
    pub owner_id: i64,
    pub user_id: i64,
    /// `read` or `edit`.
    pub permission: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
