//! Operations: the settings the server is started with, its logs and its metrics. Knows
//! nothing of what the server serves: every other room may use it, and it uses none.

pub mod metrics;
pub mod settings;
pub mod telemetry;
