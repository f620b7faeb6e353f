use sea_orm::entity::prelude::*;

/// One line of the audit log (see `accounts::audit`): who did what to whom, from where.
/// People are named by id and by the username they had then, with no foreign key, so a
/// deleted account's lines stay.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    pub actor_id: Option<i64>,
    pub actor: Option<String>,
    pub action: String,
    pub target_id: Option<i64>,
    pub target: Option<String>,
    pub detail: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
