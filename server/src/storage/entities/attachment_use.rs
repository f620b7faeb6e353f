use sea_orm::entity::prelude::*;

/// A kept version of note `note_id` referred to attachment `attachment_id`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "attachment_uses")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub attachment_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub note_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
