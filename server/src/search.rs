//! `GET /api/notes/?search=`: Django REST framework's `SearchFilter` over a note's title
//! and content. The search is split on white space; a note matches when, for every
//! term, its title or its content contains the term ignoring case. Every character is
//! taken literally (`%`, `_`, quotes, backslashes): terms are compared with `instr` or
//! an escaped `LIKE` over the folded `search_text`, never interpreted.
//!
//! The indexes only narrow the candidates; the exact comparison above decides, so the
//! answer is the same with or without them. On SQLite, terms of three characters or
//! more go through the FTS5 trigram table first; shorter ones scan the author's notes.
//! On PostgreSQL the planner picks the `pg_trgm` GIN index (when the extension could be
//! installed) or the author index for the `LIKE`s.

use crate::entities::note::Column;
use crate::error::ApiError;
use app::errors::FieldErrors;
use app::validation::NULL_CHARACTERS;
use migrations::search::fold;
use sea_orm::sea_query::{Expr, LikeExpr};
use sea_orm::{ColumnTrait, Condition, DbBackend};

/// The trigram tokenizer finds only substrings of this many characters or more.
const TRIGRAM: usize = 3;

/// The folded terms of a search; none means no filter, as an empty `?search=`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Terms(Vec<String>);

impl Terms {
    /// As DRF's `CharField` refuses them, a NUL is a field error; no note holds one.
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        if raw.contains('\0') {
            return Err(FieldErrors::single(app::api::query::SEARCH, NULL_CHARACTERS).into());
        }
        let mut terms: Vec<String> = raw.split_whitespace().map(fold).collect();
        terms.sort_unstable();
        terms.dedup();
        Ok(Self(terms))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every term in the note, as SQL for `backend`.
    pub fn condition(&self, backend: DbBackend) -> Condition {
        let mut all = Condition::all();
        if backend == DbBackend::Sqlite {
            let indexed: Vec<String> = self
                .0
                .iter()
                .filter(|t| t.chars().count() >= TRIGRAM)
                .map(|t| fts5_phrase(t))
                .collect();
            if !indexed.is_empty() {
                all = all.add(Expr::cust_with_values(
                    r#""notes"."id" IN (SELECT rowid FROM notes_fts WHERE notes_fts MATCH ?)"#,
                    [indexed.join(" AND ")],
                ));
            }
            for term in &self.0 {
                all = all.add(Expr::cust_with_values(
                    r#"instr("notes"."search_text", ?) > 0"#,
                    [term.clone()],
                ));
            }
        } else {
            for term in &self.0 {
                let pattern = format!("%{}%", escape_like(term));
                all = all.add(Column::SearchText.like(LikeExpr::new(pattern).escape('\\')));
            }
        }
        all
    }
}

/// An FTS5 string: every character literal, a quote doubled.
fn fts5_phrase(term: &str) -> String {
    format!("\"{}\"", term.replace('"', "\"\""))
}

/// `LIKE` wildcards and the escape character itself, made literal.
fn escape_like(term: &str) -> String {
    let mut escaped = String::with_capacity(term.len());
    for c in term.chars() {
        if matches!(c, '\\' | '%' | '_') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_are_split_on_white_space_folded_and_kept_literal() {
        let terms = Terms::parse("  Café\t50%  a_b \"q\" café\u{3000}x ").unwrap();
        assert_eq!(terms.0, ["\"q\"", "50%", "a_b", "café", "x"]);
        assert!(Terms::parse(" \n ").unwrap().is_empty());
        assert!(Terms::parse("a\0b").is_err());
    }

    #[test]
    fn wildcards_and_quotes_are_escaped() {
        assert_eq!(escape_like(r"50%_\x"), r"50\%\_\\x");
        assert_eq!(fts5_phrase(r#"say "hi""#), r#""say ""hi""""#);
    }
}
