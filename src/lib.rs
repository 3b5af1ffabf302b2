//! fundaudit: batch audit of livelihood-fund (民生资金) disbursements.
//!
//! A run ([`run()`], `src/run/`) is a sequence of stages: place → load (fundaudit-input:
//! ledgers → typed frames, bad rows → rejects) → resolve (fundaudit-identity, once) →
//! audit (fundaudit-audit's `partition`: payments linked and fundaudit-rules run a part at
//! a time, one pure function per rule, each returning a findings frame) → rank (`scoring`,
//! `cases`) → record (fundaudit-casebook) → write (fundaudit-report) → publish. The
//! binary in `main.rs` is only a command-line layer over this library.

pub mod operations;

mod run;

pub use run::options::{Engine, RunOptions, RunOutcome};
pub use run::run;
