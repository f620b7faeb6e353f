use sea_orm::entity::prelude::*;

/// One issued refresh token. Tokens refreshed from one sign-in share a `family_id` and
/// one `expires_at`; times are Unix seconds, as in the JWT claims.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "refresh_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub jti: String,
    pub family_id: String,
    pub user_id: i64,
    pub issued_at: i64,
    pub expires_at: i64,
    /// When it was exchanged for a new pair; a token is spent once.
    pub spent_at: Option<i64>,
    /// Whether a late second caller already got its one pair inside the grace window.
    pub grace_used: bool,
    /// Signed out, or its family was caught being replayed. One revoked row revokes the
    /// whole family (see `accounts::sessions`).
    pub revoked: bool,
    /// Who it was issued to: the `User-Agent` and client address of the sign-in or
    /// refresh that made it (the sessions list shows the latest of a family's).
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    /// When the session last proved who it is (a sign-in or a reauthentication), Unix
    /// seconds; a refresh copies it, never renews it. A session's time is its rows' latest.
    pub authenticated_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
