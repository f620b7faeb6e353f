//! The database schema, as sea-orm migrations. The server applies pending ones at start
//! and on `server migrate`.

pub use sea_orm_migration::prelude::*;

mod existing;
mod m20261124_000001_users;
mod m20261124_000002_notes;
mod m20261124_000003_refresh_tokens;
mod m20261125_000004_note_versions;
mod m20261125_000005_note_search;
mod m20261125_000010_users_active_and_last_login;
mod m20261125_000011_legacy_lengths;
mod m20261126_000012_login_attempts;
mod m20261203_000013_two_step;
pub mod m20261203_000014_tags_and_pins;
mod m20261204_000015_trash;
mod m20261205_000016_creation_keys;
mod m20261206_000017_operators;
mod m20261207_000018_sharing;
mod m20261208_000019_history;
mod m20261209_000020_attachments;
mod m20261210_000021_events;
mod m20261211_000022_access_tokens;
mod m20261212_000023_identities;
pub mod search;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_users::Migration),
            Box::new(m20261124_000002_notes::Migration),
            Box::new(m20261124_000003_refresh_tokens::Migration),
            Box::new(m20261125_000004_note_versions::Migration),
            Box::new(m20261125_000005_note_search::Migration),
            Box::new(m20261125_000010_users_active_and_last_login::Migration),
            Box::new(m20261125_000011_legacy_lengths::Migration),
            Box::new(m20261126_000012_login_attempts::Migration),
            Box::new(m20261203_000013_two_step::Migration),
            Box::new(m20261203_000014_tags_and_pins::Migration),
            Box::new(m20261204_000015_trash::Migration),
            Box::new(m20261205_000016_creation_keys::Migration),
            Box::new(m20261206_000017_operators::Migration),
            Box::new(m20261207_000018_sharing::Migration),
            Box::new(m20261208_000019_history::Migration),
            Box::new(m20261209_000020_attachments::Migration),
            Box::new(m20261210_000021_events::Migration),
            Box::new(m20261211_000022_access_tokens::Migration),
            Box::new(m20261212_000023_identities::Migration),
        ]
    }
}
