use sea_orm::entity::prelude::*;

/// A kept text of a note (see `notes::history`): whole in `content`, or in `delta` as
/// the edit that turns the next newer text back into it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "note_revisions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub note_id: i64,
    /// Its number within the note, from 1, never reused.
    #[sea_orm(primary_key, auto_increment = false)]
    pub revision: i64,
    pub owner_id: i64,
    /// The note's version that had this text; `None` for a set-aside text.
    pub version: Option<i64>,
    /// `save` or `set_aside`.
    pub kind: String,
    #[sea_orm(column_type = "Text")]
    pub title: String,
    /// When this text was saved, and by whom (no foreign key: the name, filled in when
    /// their account is deleted, outlives them).
    pub saved_at: DateTimeUtc,
    pub saved_by_id: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub saved_by_name: Option<String>,
    /// When the revision was kept: whom a note is shared with sees those kept since.
    pub kept_at: DateTimeUtc,
    /// `saved_at`'s day, counted from 1970-01-01 in UTC: thinning's buckets.
    pub day: i64,
    pub chars: i64,
    pub lines_added: i64,
    pub lines_removed: i64,
    #[sea_orm(column_type = "Text", nullable)]
    pub content: Option<String>,
    #[sea_orm(column_type = "Blob", nullable)]
    pub delta: Option<Vec<u8>>,
    /// The bytes of deltas between this revision and the nearest whole text older than
    /// it, itself included: when it grows past the text's size, a whole text is kept.
    pub run_bytes: i64,
}

/// A revision as a list shows it: everything but the text.
#[derive(Clone, Debug, PartialEq, Eq, DerivePartialModel)]
#[sea_orm(entity = "Entity")]
pub struct Listed {
    pub revision: i64,
    pub version: Option<i64>,
    pub kind: String,
    pub title: String,
    pub saved_at: DateTimeUtc,
    pub saved_by_id: Option<i64>,
    pub saved_by_name: Option<String>,
    pub chars: i64,
    pub lines_added: i64,
    pub lines_removed: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
