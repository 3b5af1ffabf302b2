//! What fundaudit keeps from night to night: the case ledger (台账, SQLite: every finding
//! ever raised, officers' decisions, what changed since the last run) in [`ledger`] and
//! [`changes`]; the lock that keeps two runs apart ([`lock`]); run folders written
//! privately and swapped into place ([`run_folder`]).

pub mod changes;
pub mod ledger;
pub mod lock;
pub mod run_folder;
