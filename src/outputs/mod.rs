//! What a run writes for people: findings.csv/json and the summary, the workbook, the
//! officers' worklists, the offline web report, and the masking that keeps ID and account
//! numbers out of them.

pub mod html;
pub mod night_sheets;
pub mod privacy;
pub mod report;
pub mod workbook;
pub mod worklists;
pub mod xlsx_format;
