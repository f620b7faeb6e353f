//! The Notes server: the JSON API of the Django REST framework + simplejwt original,
//! and the host of the built SPA.

pub mod config;
pub mod db;
pub mod django;
pub mod entities;
pub mod error;
pub mod extract;
pub mod group_commit;
pub mod inline_reads;
pub mod notes;
pub mod openapi;
pub mod paging;
pub mod passwords;
pub mod preconditions;
pub mod prometheus;
pub mod pruning;
pub mod routes;
pub mod search;
pub mod serve;
pub mod sessions;
pub mod spa;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod throttle;
pub mod tokens;
pub mod users;
