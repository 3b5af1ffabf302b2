//! The integration tests, one binary (Polars and the rest linked once, not once per
//! file): a module per concern, driving the real `fundaudit` binary on generated and
//! hand-made data. `common` holds the helpers they share.

mod common;

mod bad_input;
mod bank_status;
mod browser;
mod cli;
mod differential;
mod distributed;
mod gov_workbook;
mod hostile;
mod identity;
mod ledger;
mod loader_fuzz;
mod many_files;
mod memory;
mod money;
mod noise;
mod office_files;
mod output_safety;
mod partition;
mod planted;
mod printing;
mod readme;
mod report_format;
mod rules;
mod stage;
mod workbook;
