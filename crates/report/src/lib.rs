//! What a run writes for people: findings.csv/json and the summary ([`report`]), the
//! workbook ([`workbook`], [`night_sheets`]), the officers' worklists ([`worklists`]), the
//! offline web report ([`html`]), and the run folder's manifest ([`runs`]). ID and account
//! numbers are masked by `fundaudit_core::privacy` before any of them is written.

pub mod html;
pub mod night_sheets;
pub mod report;
pub mod runs;
pub mod workbook;
pub mod worklists;
pub mod xlsx_format;
