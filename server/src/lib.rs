//! The Notes server: the JSON API of the Django REST framework + simplejwt original,
//! and the host of the built SPA.
//!
//! Its rooms, each allowed to use only those listed before it (`tests/architecture.rs`
//! holds them to it):
//! - `error`: the one error type and the answer each error gets;
//! - `ops`: settings, logs and metrics: what running the server needs, whatever it serves;
//! - `storage`: connecting to the database, its entities, paging, pruning dead rows;
//! - `events`: what writes announce, in commit order, and each replica's fan-out of
//!   them to the open streams;
//! - `accounts`: users, passwords, sign-in throttling, tokens and sessions;
//! - `notes`: the notes, their search, tags and versions, and SQLite's fast paths;
//! - `django`: `import-django`, moving the original's database in;
//! - `http`: the HTTP layer: routes, extractors, the accept loop, the SPA's files, the
//!   OpenAPI document, `/metrics`;
//! - `startup`: puts them together and serves.

pub mod accounts;
pub mod django;
pub mod error;
pub mod events;
pub mod http;
pub mod notes;
pub mod ops;
pub mod startup;
pub mod storage;
