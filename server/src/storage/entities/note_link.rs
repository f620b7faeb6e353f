use sea_orm::entity::prelude::*;

/// A link anyone can open to read a note (`/s/{token}`), until it expires or is revoked
/// (see `notes::links`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "note_links")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub note_id: i64,
    pub author_id: i64,
    #[sea_orm(unique)]
    pub token: String,
    pub created_at: DateTimeUtc,
    pub expires_at: Option<DateTimeUtc>,
    /// Opened this often, roughly: one address counts once in a while.
    pub views: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
