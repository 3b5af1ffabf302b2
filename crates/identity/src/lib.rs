//! Identity resolution: are two records the same person? Duplicate, ghost and diverted
//! rules all ask it, so it is answered here once, and every answer keeps the comparison
//! that decided it for the finding's evidence.

pub mod blocking;
pub mod dedup;
pub mod entry;
pub mod glyph;
pub mod idcard;
pub mod masked;
pub mod measure;
pub mod model;
pub mod normalize;
pub mod packed;
pub mod payee;
pub mod record;
pub mod resolve;
pub mod rows;
pub mod similarity;
pub mod train;

pub use dedup::{dedup_registry, Dedup, PairMatch, Refusal};
pub use entry::{DeathEntry, OfficialEntry, Places, RegistryEntry};
pub use model::Comparison;
pub use normalize::{normalize_name, NormName};
pub use packed::{PackedRegistry, Person, RegistryBuilder};
pub use payee::{judge_payees, AccountHolders, Payee, PayeeRows};
pub use resolve::{match_deaths, DeathLink, DeathMatch, DeathsOf, OfficialIndex};
pub use similarity::{compare_names, NameSimilarity};
