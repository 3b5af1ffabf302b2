//! The identity model's weights: one log2 weight per comparison level, and what the
//! measured model adds to them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Weights of the pairwise comparison in registry self-deduplication.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    pub match_score: f64,
    pub prior_log2_odds: f64,
    pub name_exact: f64,
    pub name_alike: f64,
    pub name_partial: f64,
    pub name_similar: f64,
    pub name_different: f64,
    pub name_rare_bonus: f64,
    pub id_same: f64,
    pub id_one_off: f64,
    pub id_two_off: f64,
    pub id_far: f64,
    pub id_missing: f64,
    pub id_other_sex: f64,
    pub id_last_digit: f64,
    pub birth_same: f64,
    pub birth_typo: f64,
    pub birth_different: f64,
    pub place_village: f64,
    pub place_village_alike: f64,
    pub place_village_name: f64,
    pub place_township: f64,
    pub place_elsewhere: f64,
    pub account_same: f64,
    pub account_different: f64,
    pub cluster_min_score: f64,
    pub max_cluster_size: usize,
    /// Weigh each level log2(m/u) with u measured on the registry being audited, every
    /// run (see `identity::measure`); off, the weights above are used as written.
    #[serde(default)]
    pub measure_u: bool,
    /// With measured u, an exact or homophone name weighs by its own frequency in the
    /// registry; off, by the average name's (for comparison: `stats`, tests).
    #[serde(default = "default_true")]
    pub term_frequencies: bool,
    /// The share of records that are someone's second registration: the prior of the
    /// measured model.
    #[serde(default = "default_duplicate_share")]
    pub duplicate_share: f64,
    /// How often each level occurs for one person registered twice (`[identity.m]`).
    #[serde(default)]
    pub m: BTreeMap<String, f64>,
    /// What `dedup --train` estimated, kept beside the weights it set: level → [m, u].
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub learned: BTreeMap<String, [f64; 2]>,
    /// Filled in per registry when u is measured; never read from a file.
    #[serde(skip)]
    pub measured: Option<MeasuredWeights>,
}

/// The most levels an identity field has (`identity::model::WIDTH`).
pub const LEVEL_WIDTH: usize = 7;

/// What the measured model needs beyond one weight per level.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct MeasuredWeights {
    /// The ID levels' weights by what else the pair shares, indexed
    /// `2 * birth date same + same township`: whether strangers' sequence codes lie a
    /// digit apart depends on both (one number per person born on one day; a police
    /// station numbering its township).
    pub id: [[f64; LEVEL_WIDTH]; 4],
    /// The account levels' weights for two records of one village (a household's card).
    pub account_village: [f64; LEVEL_WIDTH],
    /// Registries under this many records are read as this many for name frequencies.
    pub smallest: usize,
    /// A name's share is read as at least this: names and birth dates are not
    /// independent (families, fashions), and a name two people hold would otherwise
    /// weigh as if chance alone had made them namesakes (Splink's tf_minimum_u_value).
    pub min_name_share: f64,
}

fn default_true() -> bool {
    true
}

fn default_duplicate_share() -> f64 {
    0.01
}

impl Identity {
    /// Sets the weight of every level from a table by field (as `identity::model::FIELDS`).
    pub fn set_level_weights(&mut self, rows: &[[f64; LEVEL_WIDTH]; 5]) {
        let [n, i, b, p, a] = rows;
        [
            self.name_exact,
            self.name_alike,
            self.name_partial,
            self.name_similar,
            self.name_different,
        ] = [n[0], n[1], n[2], n[3], n[4]];
        [
            self.id_same,
            self.id_one_off,
            self.id_two_off,
            self.id_far,
            self.id_missing,
            self.id_other_sex,
            self.id_last_digit,
        ] = *i;
        [self.birth_same, self.birth_typo, self.birth_different] = [b[0], b[1], b[2]];
        [
            self.place_village,
            self.place_village_alike,
            self.place_village_name,
            self.place_township,
            self.place_elsewhere,
        ] = [p[0], p[1], p[2], p[3], p[4]];
        [self.account_same, self.account_different] = [a[0], a[1]];
    }

    /// Every weight by its key, for validation and for printing a learned block.
    pub fn weight_keys(&self) -> Vec<(&'static str, f64)> {
        vec![
            ("match_score", self.match_score),
            ("prior_log2_odds", self.prior_log2_odds),
            ("name_exact", self.name_exact),
            ("name_alike", self.name_alike),
            ("name_partial", self.name_partial),
            ("name_similar", self.name_similar),
            ("name_different", self.name_different),
            ("name_rare_bonus", self.name_rare_bonus),
            ("id_same", self.id_same),
            ("id_one_off", self.id_one_off),
            ("id_two_off", self.id_two_off),
            ("id_far", self.id_far),
            ("id_missing", self.id_missing),
            ("id_other_sex", self.id_other_sex),
            ("id_last_digit", self.id_last_digit),
            ("birth_same", self.birth_same),
            ("birth_typo", self.birth_typo),
            ("birth_different", self.birth_different),
            ("place_village", self.place_village),
            ("place_village_alike", self.place_village_alike),
            ("place_village_name", self.place_village_name),
            ("place_township", self.place_township),
            ("place_elsewhere", self.place_elsewhere),
            ("account_same", self.account_same),
            ("account_different", self.account_different),
            ("cluster_min_score", self.cluster_min_score),
        ]
    }
}
