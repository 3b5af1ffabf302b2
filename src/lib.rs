//! fundaudit: batch audit of livelihood-fund (民生资金) disbursements.
//!
//! A run ([`run()`], `src/run/`) is a sequence of stages: place → load (`input`: ledgers →
//! typed frames, bad rows → rejects) → resolve (`identity`, once) → audit
//! (`pipeline::partition`: payments linked and `rules` run a part at a time, one pure
//! function per rule, each returning a findings frame) → rank (`pipeline::scoring`,
//! `pipeline::cases`) → record (`operations::ledger`) → write (`outputs`) → publish.
//! The binary in `main.rs` is only a command-line layer over this library.

pub mod distributed;
pub mod operations;
pub mod outputs;
pub mod pipeline;
pub mod rules;

mod run;

pub use run::{run, Engine, RunOptions, RunOutcome};
