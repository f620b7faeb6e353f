//! Why an import could not run: one type for the source's reader and the importer alike.

use sea_orm::DbErr;

/// Why an import could not run. `main` prints it as one line.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("SOURCE: {0}")]
    BadSource(String),
    #[error("SOURCE is not the Django notes app's database: {0}")]
    NotDjango(String),
    #[error("cannot open the source database: {0}")]
    SourceUnreachable(String),
    #[error("cannot connect to the target database (DATABASE_URL or DB_*): {0}")]
    TargetUnreachable(String),
    #[error("reading the source: {0}")]
    Source(String),
    #[error("cannot apply database migrations to the target: {0}")]
    Migrate(DbErr),
    #[error("writing to the target failed, so nothing was imported: {0}")]
    Target(DbErr),
}

impl ImportError {
    /// 2 for what the person running the command can fix in how they ran it (a wrong
    /// SOURCE, an unreachable database), 1 for a failure along the way.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::BadSource(_)
            | Self::NotDjango(_)
            | Self::SourceUnreachable(_)
            | Self::TargetUnreachable(_) => 2,
            Self::Source(_) | Self::Migrate(_) | Self::Target(_) => 1,
        }
    }
}
