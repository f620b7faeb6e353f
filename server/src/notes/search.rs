//! `GET /api/notes/?search=`: Django REST framework's `SearchFilter` over a note's title
//! and content. The search is split on white space; a note matches when, for every
//! term, its title or its content contains the term ignoring case. Every character is
//! taken literally (`%`, `_`, quotes, backslashes): terms are compared with an escaped
//! `LIKE` over the folded `search_text`, never interpreted.
//!
//! The indexes only narrow the candidates; the exact comparison above decides, so the
//! answer is the same with or without them. On SQLite, terms of three characters or
//! more go through the FTS5 trigram table first when they are rare enough for that to
//! pay (see [`Terms::plan`]); otherwise the author's notes are walked, newest first, so
//! a first page of a common term stops after a page of matches. On PostgreSQL the
//! planner picks the `pg_trgm` GIN index (when the extension could be installed) or the
//! author index for the `LIKE`s.

use crate::error::{ApiError, ApiResult};
use crate::storage::entities::note::Column;
use app::errors::FieldErrors;
use app::validation::NULL_CHARACTERS;
use migrations::search::fold;
use sea_orm::sea_query::{Expr, LikeExpr};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbBackend, Statement};

/// The trigram tokenizer finds only substrings of this many characters or more.
const TRIGRAM: usize = 3;

/// Up to this many matching notes in the whole table, the FTS5 index is the way in;
/// past it, walking the author's own notes is cheaper than gathering the index's
/// matches (a term in every one of 20,000 notes costs the index about twice the walk).
const INDEX_AT_MOST: u64 = 1000;

/// Each term is one more condition; thousands would pass SQLite's expression depth and
/// cost a scan each, so a search has at most this many (DRF sets no limit).
const MAX_TERMS: usize = 32;

/// An index is asked about at most this many characters of a term: enough to narrow the
/// notes down, and a 50,000-character term does not become 50,000 index lookups. The
/// whole term is still compared with each note the index names.
const INDEXED_CHARS: usize = 64;

/// The folded terms of a search; none means no filter, as an empty `?search=`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Terms(Vec<String>);

/// How one search reads the author's notes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// No terms: every note of the author.
    All,
    /// The author's notes, each compared with every term. On PostgreSQL the planner
    /// still narrows them by the trigram index where that pays.
    Scan(Vec<String>),
    /// SQLite: the few notes the FTS5 query names, each compared with every term.
    Indexed {
        fts_query: String,
        terms: Vec<String>,
    },
}

impl Terms {
    /// As DRF's `CharField` refuses them, a NUL is a field error; no note holds one.
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        if raw.contains('\0') {
            return Err(FieldErrors::single(app::api::query::SEARCH, NULL_CHARACTERS).into());
        }
        let mut terms: Vec<String> = raw.split_whitespace().map(fold).collect();
        terms.sort_unstable();
        terms.dedup();
        if terms.len() > MAX_TERMS {
            let message = format!("Ensure this field has no more than {MAX_TERMS} terms.");
            return Err(FieldErrors::single(app::api::query::SEARCH, message).into());
        }
        Ok(Self(terms))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Chooses how to read. On SQLite that costs one bounded look into the FTS5 index:
    /// its own estimate of a virtual table's selectivity is a constant, so SQLite cannot
    /// tell a rare term from a common one by itself. PostgreSQL's planner can, from the
    /// GIN index and its statistics.
    pub async fn plan(&self, db: &impl ConnectionTrait) -> ApiResult<Plan> {
        if self.0.is_empty() {
            return Ok(Plan::All);
        }
        let terms = self.0.clone();
        let indexable: Vec<String> = terms
            .iter()
            .filter(|t| t.chars().count() >= TRIGRAM)
            .map(|t| fts5_phrase(indexed_part(t)))
            .collect();
        if db.get_database_backend() != DbBackend::Sqlite || indexable.is_empty() {
            return Ok(Plan::Scan(terms));
        }
        let fts_query = indexable.join(" AND ");
        let probe = db
            .query_one_raw(Statement::from_sql_and_values(
                DbBackend::Sqlite,
                "SELECT COUNT(*) FROM (SELECT rowid FROM notes_fts WHERE notes_fts MATCH ? LIMIT ?)",
                [fts_query.clone().into(), (INDEX_AT_MOST + 1).into()],
            ))
            .await?
            .map(|row| row.try_get_by_index::<i64>(0))
            .transpose()?
            .unwrap_or_default();
        Ok(if probe.unsigned_abs() <= INDEX_AT_MOST {
            Plan::Indexed { fts_query, terms }
        } else {
            Plan::Scan(terms)
        })
    }
}

impl Plan {
    /// Whether every term is too short for a trigram index: such a search can only be
    /// answered by reading the author's notes, so reading them newest first and stopping
    /// after a page beats reading them all and sorting the matches. PostgreSQL cannot
    /// see that: it has no statistics for a `LIKE '%qz%'` and guesses a handful of rows.
    pub fn reads_every_note(&self) -> bool {
        match self {
            Self::Scan(terms) => terms.iter().all(|t| t.chars().count() < TRIGRAM),
            _ => false,
        }
    }

    /// The author's notes that hold every term, as SQL for `backend`.
    pub fn condition(&self, author: i64, backend: DbBackend) -> Condition {
        // The unary `+` keeps SQLite off the author index when the full-text index names
        // the notes: fetching the few it names by rowid beats walking all the author's.
        let scope = match self {
            Self::Indexed { .. } => {
                Condition::all().add(Expr::cust(format!(r#"+"notes"."author_id" = {author}"#)))
            }
            _ => Condition::all().add(Column::AuthorId.eq(author)),
        };
        self.within(scope, backend)
    }

    /// The notes of `scope` that hold every term, as SQL for `backend`.
    pub fn within(&self, scope: Condition, backend: DbBackend) -> Condition {
        let mut all = Condition::all().add(scope);
        if let Self::Indexed { fts_query, .. } = self {
            all = all.add(Expr::cust_with_values(
                r#""notes"."id" IN (SELECT rowid FROM notes_fts WHERE notes_fts MATCH ?)"#,
                [fts_query.clone()],
            ));
        }
        if let Self::Scan(terms) | Self::Indexed { terms, .. } = self {
            for term in terms {
                all = all.add(contains(term, backend));
            }
        }
        all
    }
}

/// SQLite refuses a `LIKE` pattern longer than this (`SQLITE_MAX_LIKE_PATTERN_LENGTH`).
const SQLITE_LIKE_MAX_BYTES: usize = 50_000;

/// The exact test of one folded term against a note's folded text: an escaped `LIKE`.
/// Over folded text SQLite's ASCII-only case folding in `LIKE` changes nothing, and its
/// `LIKE` finds a missing term in half the time `instr` takes. A term too long for a
/// SQLite pattern is compared with `instr`; on PostgreSQL, a long term's `LIKE` (which
/// the trigram index reads) is only its first characters, and `strpos` (which it does
/// not) compares the whole.
fn contains(term: &str, backend: DbBackend) -> Condition {
    let like = |part: &str| {
        let pattern = format!("%{}%", escape_like(part));
        Column::SearchText.like(LikeExpr::new(pattern).escape('\\'))
    };
    // sea-query's placeholder for a custom expression is the backend's own.
    let exactly = |function: &str, placeholder: &str| {
        Expr::cust_with_values(
            format!(r#"{function}("notes"."search_text", {placeholder}) > 0"#),
            [term.to_owned()],
        )
    };
    let condition = Condition::all();
    match backend {
        DbBackend::Sqlite if escape_like(term).len() + 2 > SQLITE_LIKE_MAX_BYTES => {
            condition.add(exactly("instr", "?"))
        }
        DbBackend::Sqlite => condition.add(like(term)),
        _ if term.chars().count() > INDEXED_CHARS => condition
            .add(like(indexed_part(term)))
            .add(exactly("strpos", "$1")),
        _ => condition.add(like(term)),
    }
}

/// The first characters of a term, as many as an index is asked about.
fn indexed_part(term: &str) -> &str {
    term.char_indices()
        .nth(INDEXED_CHARS)
        .map_or(term, |(end, _)| &term[..end])
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
    fn searches_are_bounded() {
        let many: Vec<String> = (0..=MAX_TERMS).map(|n| n.to_string()).collect();
        assert!(Terms::parse(&many.join(" ")).is_err());
        assert!(Terms::parse(&many[1..].join(" ")).is_ok());
        let long = "é".repeat(100);
        assert_eq!(indexed_part(&long).chars().count(), INDEXED_CHARS);
        assert_eq!(indexed_part("short"), "short");
    }

    #[test]
    fn wildcards_and_quotes_are_escaped() {
        assert_eq!(escape_like(r"50%_\x"), r"50\%\_\\x");
        assert_eq!(fts5_phrase(r#"say "hi""#), r#""say ""hi""""#);
    }
}
