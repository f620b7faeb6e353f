use sea_orm::entity::prelude::*;

/// A file a note can refer to (see `notes::attachments`); its bytes are in the backend
/// `storage` names, under the key `storage::blobs` gives its id.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "attachments")]
pub struct Model {
    /// A UUID, as its URL shows it.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub owner_id: i64,
    /// The file's name as uploaded, cleaned of path parts and control characters.
    pub name: String,
    /// Read from the bytes, never from what the uploader claimed.
    pub content_type: String,
    /// `None` while the upload is arriving.
    pub size: Option<i64>,
    pub sha256: String,
    /// Where the bytes are: `database`, `file:///…` or `s3://…`.
    pub storage: String,
    /// The smaller copy's type: `None` not made yet, empty when there is none.
    pub preview_type: Option<String>,
    pub created_at: DateTimeUtc,
    /// Since when no note, kept version or trashed note has referred to it, as the
    /// pruner last saw.
    pub unreferenced_since: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
