use sea_orm::entity::prelude::*;

/// The key a note was created under (see `notes::store::create`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "note_creation_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub note_id: i64,
    pub author_id: i64,
    pub key: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
