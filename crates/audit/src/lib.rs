//! The audit over the rules: a run cut into parts and the rules run a part at a time
//! ([`partition`]), a stage written for those parts ([`stage`]), findings scored and
//! ranked ([`scoring`]), grouped into cases ([`cases`]) and weighed by what officers
//! decided before ([`calibration`]).

pub mod calibration;
mod case_summary;
pub mod cases;
pub mod partition;
pub mod scoring;
pub mod stage;
