//! The commands beside `run` that do more than call a lower crate: `check` (the data
//! folder read and its rejects listed), `dedup` (the registry's duplicate people),
//! identity statistics, and `screen` (one list against the registry).

pub mod check;
pub mod identity_stats;
pub mod registry_dedup;
pub mod screen;
