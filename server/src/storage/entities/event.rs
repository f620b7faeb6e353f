use sea_orm::entity::prelude::*;

/// What a write announced to one person's streams (see `events`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    /// The one session it is for, if it is not for all of them.
    pub session_id: Option<String>,
    /// The SSE event's name: `note`, `tags`, `session`, `account`.
    pub kind: String,
    /// The SSE event's data, JSON.
    pub data: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
