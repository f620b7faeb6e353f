use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub content: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub author_id: i64,
    /// Bumped by every write; the note's `ETag`.
    pub version: i64,
    /// Folded title and content (`migrations::search::searchable`), what search matches.
    #[sea_orm(column_type = "Text")]
    pub search_text: String,
    /// Shown before the other notes.
    pub pinned: bool,
    /// Who saved the current text; `None` is the author.
    pub updated_by: Option<i64>,
    /// How the text differs from the one before it; `None` before any save.
    pub lines_added: Option<i64>,
    pub lines_removed: Option<i64>,
    /// The delta bytes a read of the newest revision walks (see `notes::history`).
    pub history_run: i64,
    /// The number of its newest revision (0: none yet); numbers are never reused.
    pub last_revision: i64,
}

/// A note as the API shows it: everything but `search_text`, which would double what a
/// list reads.
#[derive(Clone, Debug, PartialEq, Eq, DerivePartialModel)]
#[sea_orm(entity = "Entity")]
pub struct Shown {
    pub id: i64,
    pub title: String,
    pub content: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub author_id: i64,
    pub version: i64,
    pub pinned: bool,
}

impl From<Model> for Shown {
    fn from(m: Model) -> Self {
        Self {
            id: m.id,
            title: m.title,
            content: m.content,
            created_at: m.created_at,
            updated_at: m.updated_at,
            author_id: m.author_id,
            version: m.version,
            pinned: m.pinned,
        }
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
