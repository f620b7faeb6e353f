use sea_orm::entity::prelude::*;

/// A deleted note, kept whole until it is restored, deleted for good or expires (see
/// `notes::trash`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "trashed_notes")]
pub struct Model {
    /// The id it had, and has again when restored.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub content: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub author_id: i64,
    pub version: i64,
    pub pinned: bool,
    pub deleted_at: DateTimeUtc,
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

/// The note as it was shown before it was deleted.
impl From<Model> for super::note::Shown {
    fn from(t: Model) -> Self {
        Self {
            id: t.id,
            title: t.title,
            content: t.content,
            created_at: t.created_at,
            updated_at: t.updated_at,
            author_id: t.author_id,
            version: t.version,
            pinned: t.pinned,
        }
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
