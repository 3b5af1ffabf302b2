//! What `generate` is asked for: size, seed, shape, how names and ID numbers are issued.

use super::export_shape;

/// How much to generate.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub beneficiaries: usize,
    pub seed: u64,
    /// Only the registry (with duplicate registrations and truth_pairs.csv): the input of
    /// the identity-resolution benchmark at millions of records.
    pub registry_only: bool,
    /// How the ledgers are written: clean CSV, or as counties deliver them.
    pub shape: export_shape::Shape,
    /// How ID numbers' sequence codes are issued.
    pub id_codes: IdCodes,
    /// Which names people are given.
    pub names: Names,
    /// Also a county's project files (涉农项目资金), with the project rules planted.
    pub projects: bool,
}

/// How people are named.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Names {
    /// The generator's first lists, and no two clean people of one birth date share a
    /// name's sound (so any same-day namesakes are planted on purpose).
    #[default]
    Ours,
    /// Another county: a few dozen one-character given names for most people, so 王刚
    /// or 王静 has hundreds of holders in 200,000, and strangers of one name born on one
    /// day occur as chance makes them (they are two people: truth_pairs.csv never holds
    /// them). The shape the identity model must not merge.
    Common,
}

impl std::str::FromStr for Names {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ours" => Ok(Names::Ours),
            "common" => Ok(Names::Common),
            other => Err(format!("--names {other}: use ours or common")),
        }
    }
}

/// How the 顺序码 (digits 15–17 of an ID number) is issued.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum IdCodes {
    /// Three digits drawn at random (the generator's first shape, kept as a second).
    Random,
    /// As police stations issue them (the default): two digits for the station (one per
    /// township here) and the last digit's parity the person's sex. Strangers born on
    /// one day in one township then differ in the last digit only; the generator also
    /// plants such namesakes (hard negatives).
    #[default]
    Station,
}

impl std::str::FromStr for IdCodes {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "random" => Ok(IdCodes::Random),
            "station" => Ok(IdCodes::Station),
            other => Err(format!("--id-codes {other}: use random or station")),
        }
    }
}
