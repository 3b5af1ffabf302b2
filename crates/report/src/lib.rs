//! What a run writes for people: findings.csv/json and the summary ([`report`]), the
//! workbook ([`workbook`], [`night_sheets`]), the officers' worklists ([`worklists`]), the
//! offline web report ([`html`]), the 线索处置表 of each case ([`case_sheet`]), and the run folder's manifest ([`runs`]). ID and account
//! numbers are masked by `fundaudit_core::privacy` before any of them is written.

pub mod case_sheet;
pub mod case_sheets_xlsx;
pub mod html;
pub mod night_sheets;
mod project_sheet;
pub mod report;
mod run_sheets;
pub mod runs;
pub mod workbook;
pub mod worklists;
pub mod xlsx_format;
