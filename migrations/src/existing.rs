//! Filling in what notes written before a migration lack, a batch at a time, so a large
//! table is never read into memory at once.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, QueryResult, Statement};

/// Rows read per round trip.
const BATCH: u64 = 500;

#[derive(DeriveIden, Clone, Copy)]
pub enum Notes {
    Table,
    Id,
    AuthorId,
    Title,
    Content,
}

/// Runs the statements `fill` makes from each existing note's `columns` (the id is always
/// read), in id order. Each migration reads only the columns it needs,
/// which also keeps their queries' texts apart: the driver prepares a statement once per
/// connection, and one text shared by two migrations would be reused across a column's
/// change of type between them (PostgreSQL: "cached plan must not change result type").
pub async fn fill_notes(
    manager: &SchemaManager<'_>,
    columns: &[Notes],
    mut fill: impl FnMut(&QueryResult) -> Result<Vec<Statement>, DbErr>,
) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let mut after = 0_i64;
    loop {
        let rows = db
            .query_all(
                &Query::select()
                    .column(Notes::Id)
                    .columns(columns.iter().copied())
                    .from(Notes::Table)
                    .and_where(Expr::col(Notes::Id).gt(after))
                    .order_by(Notes::Id, Order::Asc)
                    .limit(BATCH)
                    .to_owned(),
            )
            .await?;
        for row in &rows {
            for statement in fill(row)? {
                db.execute_raw(statement).await?;
            }
            after = row.try_get("", "id")?;
        }
        if (rows.len() as u64) < BATCH {
            return Ok(());
        }
    }
}
