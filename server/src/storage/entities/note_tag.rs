use sea_orm::entity::prelude::*;

/// One #tag of one note (see `notes::tags`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "note_tags")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub note_id: i64,
    /// The tag in lower case, what filters compare.
    #[sea_orm(primary_key, auto_increment = false)]
    pub tag_key: String,
    pub author_id: i64,
    /// As this note spells it.
    pub tag: String,
    /// Whether the note wrote it, or only a tag nested in it.
    pub written: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
