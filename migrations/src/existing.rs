//! Filling in what notes written before a migration lack, a batch at a time, so a large
//! table is never read into memory at once.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, QueryResult, Statement};

/// Rows read per round trip.
const BATCH: u64 = 500;

#[derive(DeriveIden)]
enum Notes {
    Table,
    Id,
    AuthorId,
    Title,
    Content,
}

/// One existing note, as a migration needs it.
pub struct OldNote {
    pub id: i64,
    pub author_id: i64,
    pub title: String,
    pub content: String,
}

/// Runs the statement `fill` makes for each existing note, if it makes one, in id order.
pub async fn fill_notes(
    manager: &SchemaManager<'_>,
    mut fill: impl FnMut(&OldNote) -> Option<Statement>,
) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let mut after = 0_i64;
    loop {
        let rows = db
            .query_all(
                &Query::select()
                    .columns([Notes::Id, Notes::AuthorId, Notes::Title, Notes::Content])
                    .from(Notes::Table)
                    .and_where(Expr::col(Notes::Id).gt(after))
                    .order_by(Notes::Id, Order::Asc)
                    .limit(BATCH)
                    .to_owned(),
            )
            .await?;
        for row in &rows {
            let note = read(row)?;
            if let Some(statement) = fill(&note) {
                db.execute_raw(statement).await?;
            }
            after = note.id;
        }
        if (rows.len() as u64) < BATCH {
            return Ok(());
        }
    }
}

fn read(row: &QueryResult) -> Result<OldNote, DbErr> {
    Ok(OldNote {
        id: row.try_get("", "id")?,
        author_id: row.try_get("", "author_id")?,
        title: row.try_get("", "title")?,
        content: row.try_get("", "content")?,
    })
}
