//! The bottom layer of fundaudit: what every other crate speaks. Nothing here knows a rule,
//! a report or a file format.
//!
//! - [`error`]: typed errors that say what, where and what to do;
//! - [`config`]: the TOML config, its commented defaults and range checks;
//! - [`cells`]: one cell of a ledger read as money (fen), a date or a cleaned code;
//! - [`frame`]: small Polars helpers every layer uses;
//! - [`findings`]: the rule and category vocabulary findings carry;
//! - [`spec`]: what each ledger file holds (columns, types, aliases) and the bank's
//!   transfer outcomes;
//! - [`policy`]: each rule's names, policy basis and visit checklist (policy.toml);
//! - [`hash`]: one deterministic hash for the keys every layer buckets by;
//! - [`lanes`]: work handed out in order to a few plain threads, results back in order;
//! - [`privacy`]: ID and account numbers masked in what people read;
//! - [`safe_fs`]: folders and files a run may write, private files, hashes;
//! - [`text`]: invisible characters, formula-like cells, what a Han character is;
//! - [`timings`]: one stopwatch for a run's stages.

pub mod cells;
pub mod config;
pub mod error;
pub mod findings;
pub mod frame;
pub mod hash;
pub mod lanes;
pub mod policy;
pub mod privacy;
pub mod safe_fs;
pub mod spec;
pub mod text;
pub mod timings;
