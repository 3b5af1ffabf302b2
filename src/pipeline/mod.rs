//! The audit itself, between loading the inputs and writing the reports: cell parsers,
//! the frames rules read, linking payments to allocations and people, the findings
//! vocabulary, scoring and ranking, cases (related findings grouped), and the digit
//! analysis.

pub mod analytics;
pub mod cases;
pub mod context;
pub mod link;
pub mod money;
pub mod partition;
pub mod past_due;
pub mod scoring;
pub mod source_rows;
