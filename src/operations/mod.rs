//! Running fundaudit night after night: run folders and their safety, locks and
//! manifests, the case ledger, and the commands beside `run` (check, dedup, screen).

pub mod changes;
pub mod check;
pub mod identity_stats;
pub mod ledger;
pub mod lock;
pub mod registry_dedup;
pub mod run_folder;
pub mod runs;
pub mod screen;
pub mod stage;
