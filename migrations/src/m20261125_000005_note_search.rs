use crate::search::searchable;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Notes {
    Table,
    Id,
    SearchText,
}

/// The index behind `GET /api/notes/?search=`. SQLite: an FTS5 table with the trigram
/// tokenizer over `search_text` (external content, kept in step by triggers).
/// PostgreSQL: a `pg_trgm` GIN index over it, if the extension can be had.
const SQLITE_UP: [&str; 5] = [
    // The text is folded already, so the tokenizer compares it as it is.
    "CREATE VIRTUAL TABLE notes_fts USING fts5(search_text, content = 'notes', \
     content_rowid = 'id', tokenize = 'trigram case_sensitive 1')",
    "CREATE TRIGGER notes_fts_insert AFTER INSERT ON notes BEGIN \
     INSERT INTO notes_fts (rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER notes_fts_delete AFTER DELETE ON notes BEGIN \
     INSERT INTO notes_fts (notes_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER notes_fts_update AFTER UPDATE ON notes BEGIN \
     INSERT INTO notes_fts (notes_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); \
     INSERT INTO notes_fts (rowid, search_text) VALUES (new.id, new.search_text); END",
    "INSERT INTO notes_fts (notes_fts) VALUES ('rebuild')",
];

const SQLITE_DOWN: [&str; 4] = [
    "DROP TRIGGER IF EXISTS notes_fts_update",
    "DROP TRIGGER IF EXISTS notes_fts_delete",
    "DROP TRIGGER IF EXISTS notes_fts_insert",
    "DROP TABLE IF EXISTS notes_fts",
];

/// A managed database may refuse `CREATE EXTENSION` (no CREATE privilege on the database,
/// or the contrib package missing). That must not stop the server from starting: the
/// failure is caught inside the block (a subtransaction, so the migration's transaction
/// survives), a warning is logged by PostgreSQL, and search scans the user's notes
/// instead. The index is created only when the extension is there, in whatever schema it
/// lives. `fastupdate = off`: with GIN's pending list, every search would also read up to
/// 4 MB of not-yet-merged entries until the next (auto)vacuum; writing a note's trigrams
/// into the index directly costs the write a little instead.
const POSTGRES_UP: [&str; 2] = [
    "DO $$ BEGIN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
    EXCEPTION WHEN OTHERS THEN
        RAISE WARNING 'pg_trgm is not available (%); note search works without its index', SQLERRM;
    END $$",
    "DO $$ DECLARE trgm_schema name;
    BEGIN
        SELECT n.nspname INTO trgm_schema FROM pg_extension e
            JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm';
        IF trgm_schema IS NOT NULL THEN
            EXECUTE format('CREATE INDEX IF NOT EXISTS idx_notes_search_trgm ON notes '
                'USING gin (search_text %I.gin_trgm_ops) WITH (fastupdate = off)', trgm_schema);
        END IF;
    END $$",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// The column, its contents and the index appear together or not at all, on SQLite too.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Notes::Table)
                    .add_column(text(Notes::SearchText).default(""))
                    .to_owned(),
            )
            .await?;
        fill_search_text(manager).await?;
        let db = manager.get_connection();
        let statements: &[&str] = match manager.get_database_backend() {
            DbBackend::Sqlite => &SQLITE_UP,
            DbBackend::Postgres => &POSTGRES_UP,
            _ => &[],
        };
        for sql in statements {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let statements: &[&str] = match manager.get_database_backend() {
            DbBackend::Sqlite => &SQLITE_DOWN,
            DbBackend::Postgres => &["DROP INDEX IF EXISTS idx_notes_search_trgm"],
            _ => &[],
        };
        for sql in statements {
            db.execute_unprepared(sql).await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Notes::Table)
                    .drop_column(Notes::SearchText)
                    .to_owned(),
            )
            .await
    }
}

/// Folds the notes that exist already.
async fn fill_search_text(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let backend = manager.get_database_backend();
    use crate::existing::{Notes as Read, fill_notes};
    fill_notes(manager, &[Read::Title, Read::Content], |row| {
        let id: i64 = row.try_get("", "id")?;
        let title: String = row.try_get("", "title")?;
        let content: String = row.try_get("", "content")?;
        let update = Query::update()
            .table(Notes::Table)
            .value(Notes::SearchText, searchable(&title, &content))
            .and_where(Expr::col(Notes::Id).eq(id))
            .to_owned();
        Ok(vec![backend.build(&update)])
    })
    .await
}
