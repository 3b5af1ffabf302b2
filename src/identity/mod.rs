//! Identity resolution: are two records the same person? Duplicate, ghost and diverted
//! rules all ask it, so it is answered here once, and every answer keeps the comparison
//! that decided it for the finding's evidence.

pub mod blocking;
pub mod dedup;
pub mod idcard;
pub mod model;
pub mod normalize;
pub mod packed;
pub mod payee;
pub mod resolve;
pub mod shape;
pub mod similarity;
pub mod train;

pub use dedup::{dedup_registry, Dedup, PairMatch, Refusal};
pub use model::Comparison;
pub use normalize::{normalize_name, NormName};
pub use packed::{PackedRegistry, Person, RegistryBuilder};
pub use payee::{judge_payees, AccountHolders, Payee, PayeeRows};
pub use resolve::{match_deaths, DeathLink, DeathMatch, OfficialIndex};
pub use similarity::{compare_names, NameSimilarity};

use crate::parse::Day;

/// One registry (花名册) row, prepared for matching.
#[derive(Debug, Clone)]
pub struct RegistryEntry {
    pub beneficiary_id: String,
    pub raw_name: String,
    pub name: NormName,
    /// Upper-cased, spaces removed.
    pub id_number: String,
    /// Birth date read from the ID number even when its check digit is wrong: a typo in
    /// the sequence digits does not move the birth date.
    pub birth: Option<Day>,
    pub id_problem: Option<idcard::IdProblem>,
    pub township: String,
    pub village: String,
    pub bank_account: String,
    pub death_date: Option<Day>,
    /// Line in beneficiaries.csv, for the drill-down.
    pub line: usize,
}

/// One civil-affairs death record.
#[derive(Debug, Clone)]
pub struct DeathEntry {
    pub raw_name: String,
    pub name: NormName,
    pub id_number: String,
    pub death_date: Day,
    pub birth: Option<Day>,
    pub township: String,
    pub village: String,
    pub line: usize,
}

/// One public-payroll or village-cadre record.
#[derive(Debug, Clone)]
pub struct OfficialEntry {
    pub raw_name: String,
    pub name: NormName,
    pub id_number: String,
    pub unit: String,
    pub role: String,
    pub line: usize,
}
