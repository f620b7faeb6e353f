//! The HTTP API, spoken to over real HTTP on a random loopback port, each test with a
//! fresh database: SQLite by default, PostgreSQL when `TEST_POSTGRES_URL` names a server
//! (the test script starts one).

mod access_tokens;
mod account;
mod attachments;
mod audit;
mod connections;
mod creation_keys;
mod django;
#[path = "../support/django.rs"]
mod django_fixture;
mod errors;
mod events;
mod export;
mod helpers;
mod history;
mod hosting;
mod liveness;
mod metrics;
mod notes;
mod oidc;
mod openapi;
mod operators;
mod paging;
mod pruning;
mod registration;
mod search;
mod sharing;
mod sqlite;
mod tags;
mod tokens;
mod trash;
mod two_step;
mod users;
mod versions;
