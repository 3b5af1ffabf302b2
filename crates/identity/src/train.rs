//! Weights learned from a registry, as Fellegi–Sunter tools learn them, and refined by
//! officers' decisions.
//!
//! - u (how often a level occurs between two different people) is counted on random
//!   pairs of records: almost every random pair is two people.
//! - m (how often it occurs for one person registered twice) is found by
//!   expectation–maximisation with u held fixed, in sessions as Splink runs them: each
//!   session takes the pairs of one block family and learns only the fields that
//!   family's pairs are unbiased about. Pairs sharing an ID number say nothing about how
//!   often duplicates share one, but are nearly all duplicates: they teach names, places
//!   and accounts. Pairs of one name sound and birth date teach the ID number, and
//!   nothing about places: people of one name and birthday (homonyms) cluster in a
//!   township as random pairs never do, and EM would take that as the mark of a
//!   duplicate. Pairs of one name sound and village teach the ID number and the birth
//!   date. One EM over all candidate pairs would learn "same township" as the mark of a
//!   duplicate too, because the candidates are drawn within townships. Each field's m
//!   is the mean over the sessions that learned it.
//! - The share of matches among candidate pairs (the prior) is then found by EM over
//!   all candidate pairs with m and u fixed. Vectors are counted, not kept: there are a
//!   few hundred distinct ones however large the registry.
//! - Pairs officers confirmed or dismissed (duplicate findings in the case ledger) enter
//!   the same iteration with their posterior fixed at 1 or 0, each counting as
//!   [`LABEL_WEIGHT`] candidate pairs.
//!
//! A weight is log2(m/u); the prior odds are log2(λ/(1-λ)). The learned cut-off is
//! where the odds reach 9 to 1 for one person; clusters then merge unless some pair
//! across them is 9 to 1 against.

use rustc_hash::FxHashMap;

use super::blocking::BlockKey;
use super::dedup::{candidates, name_counts};
use super::model::{levels_counted, Levels, FIELDS, ID_MISSING, LEVELS, NONE, WIDTH};
use super::packed::{PackedRegistry, Person};
use fundaudit_core::config::{Config, Identity};

/// How many candidate pairs one officer's decision counts for.
pub const LABEL_WEIGHT: f64 = 10.0;
/// Random pairs drawn for u (all pairs when the registry has fewer).
pub const RANDOM_PAIRS: usize = 2_000_000;
const MAX_ITERATIONS: usize = 200;
/// The learned cut-off: a pair is one person when the odds reach this (9 to 1, a
/// match probability of 0.9, the threshold of Splink's own examples).
const MATCH_ODDS: f64 = 9.0;
/// Weights are kept within ±this many bits: a level never seen among random pairs
/// would otherwise weigh infinitely much.
const MAX_BITS: f64 = 20.0;

use super::measure::Table;
/// Per field and level, whether the random pairs showed it.
type Seen = [[bool; WIDTH]; 5];
/// Pseudo-pairs of prior belief (agreement likely, as [`initial_m`]) added to every m:
/// a level no duplicate of a small registry happened to show is rare, not impossible.
/// Against thousands of duplicates it weighs nothing.
const PRIOR_PAIRS: f64 = 1.0;

/// What training found, and the configuration block it implies.
#[derive(Debug, Clone)]
pub struct Trained {
    pub m: Table,
    pub u: Table,
    /// Share of candidate pairs that are one person.
    pub lambda: f64,
    pub identity: Identity,
    pub candidate_pairs: u64,
    pub patterns: usize,
    pub random_pairs: usize,
    pub iterations: usize,
    pub labelled: (usize, usize),
}

/// A labelled pair of registry rows: `true` when officers confirmed it one person.
pub type Label = (usize, usize, bool);

/// Training sessions: a block family and the fields (name 0, ID 1, birth 2, place 3,
/// account 4) learned from its pairs; the others are left out of its EM. Not birth
/// date + village: twins and namesakes born the same day in one village fill that
/// block, and EM would learn their different names as a way duplicates look.
const SESSIONS: [(BlockKey, &[usize]); 3] = [
    (BlockKey::IdNumber, &[0, 3, 4]),
    (BlockKey::SoundBirth, &[1]),
    (BlockKey::SoundPlace, &[1, 2]),
];

/// Learns weights for `reg`, starting from `config`'s, refined by `labels`.
pub fn train(reg: &PackedRegistry, config: &Config, labels: &[Label]) -> Trained {
    let (all, by_family) = candidate_patterns(reg, config);
    let candidate_pairs = all.values().sum::<f64>() as u64;
    let (u, seen, random_pairs) = random_u(reg, config);
    let labelled: Vec<(Levels, bool)> = labels
        .iter()
        .map(|&(a, b, same)| {
            (
                levels_counted(reg, &reg.people[a], &reg.people[b], config),
                same,
            )
        })
        .collect();
    let mut m_sum = [[0.0; WIDTH]; 5];
    let mut sessions = [0usize; 5];
    let mut iterations = 0;
    for (family, learned) in SESSIONS {
        let index = BlockKey::ALL.iter().position(|&k| k == family).unwrap_or(0);
        let mask = |l: &Levels| {
            let mut l = *l;
            for (f, level) in l.iter_mut().enumerate() {
                if !learned.contains(&f) {
                    *level = NONE;
                }
            }
            l
        };
        let mut patterns: FxHashMap<Levels, f64> = FxHashMap::default();
        for (l, c) in &by_family[index] {
            *patterns.entry(mask(l)).or_default() += c;
        }
        let labelled: Vec<(Levels, bool)> = labelled.iter().map(|(l, s)| (mask(l), *s)).collect();
        let (m, _, n) = expectation_maximisation(&patterns, &u, &labelled, None);
        iterations += n;
        for &f in learned {
            sessions[f] += 1;
            for l in 0..LEVELS[f].len() {
                m_sum[f][l] += m[f][l];
            }
        }
    }
    let mut m = initial_m();
    for f in 0..5 {
        if sessions[f] > 0 {
            for l in 0..LEVELS[f].len() {
                m[f][l] = m_sum[f][l] / sessions[f] as f64;
            }
        }
    }
    let (_, lambda, n) = expectation_maximisation(&all, &u, &labelled, Some(&m));
    iterations += n;
    let identity = to_identity(&m, &u, &seen, lambda, &config.identity);
    Trained {
        m,
        u,
        lambda,
        identity,
        candidate_pairs,
        patterns: all.len(),
        random_pairs,
        iterations,
        labelled: (
            labels.iter().filter(|l| l.2).count(),
            labels.iter().filter(|l| !l.2).count(),
        ),
    }
}

type Patterns = FxHashMap<Levels, f64>;

/// Comparison vectors of the candidate pairs, counted: over all families (a pair
/// proposed by several counted by the first only), and per family.
fn candidate_patterns(reg: &PackedRegistry, config: &Config) -> (Patterns, Vec<Patterns>) {
    let mut all = Patterns::default();
    let mut by_family: Vec<Patterns> = Vec::new();
    let earlier = |family: usize, p: &Person, q: &Person| {
        BlockKey::ALL[..family.min(BlockKey::ALL.len())]
            .iter()
            .any(|k| match (k.key(reg, p), k.key(reg, q)) {
                (Some(x), Some(y)) => x == y,
                _ => false,
            })
    };
    let mut warnings = Vec::new();
    candidates(
        reg,
        &name_counts(reg),
        config,
        |c| {
            Some((
                levels_counted(reg, c.x, c.y, config),
                !earlier(c.family, c.x, c.y),
            ))
        },
        |_, _, found, _| {
            let mut family = Patterns::default();
            for (l, first) in found {
                *family.entry(l).or_default() += 1.0;
                if first {
                    *all.entry(l).or_default() += 1.0;
                }
            }
            by_family.push(family);
        },
        &mut warnings,
    );
    (all, by_family)
}

/// u from random pairs (a fixed seed: the same registry always trains the same).
/// Also says which levels were seen at all among the random pairs: a level never seen
/// (no accounts in the registry, no names of several parts) has nothing to learn from
/// and keeps its configured weight.
fn random_u(reg: &PackedRegistry, config: &Config) -> (Table, Seen, usize) {
    if reg.len() < 2 {
        return (uniform(), [[false; WIDTH]; 5], 0);
    }
    let levels = super::measure::random_pair_levels(reg, config, RANDOM_PAIRS);
    let (counts, pairs) = (super::measure::count_levels(&levels), levels.len());
    let mut u = [[0.0; WIDTH]; 5];
    let mut seen = [[false; WIDTH]; 5];
    for f in 0..5 {
        let total = counts[f].iter().sum::<u64>() as f64;
        for l in 0..LEVELS[f].len() {
            seen[f][l] = counts[f][l] > 0;
            u[f][l] = (counts[f][l] as f64).max(0.5) / total.max(1.0);
        }
    }
    (u, seen, pairs)
}

fn uniform() -> Table {
    let mut t = [[0.0; WIDTH]; 5];
    for (row, levels) in t.iter_mut().zip(LEVELS) {
        row[..levels.len()].fill(1.0 / levels.len() as f64);
    }
    t
}

/// Agreement likely, each further level a quarter as likely.
fn initial_m() -> Table {
    let mut m = [[0.0; WIDTH]; 5];
    for (row, levels) in m.iter_mut().zip(LEVELS) {
        let k = levels.len();
        for (l, p) in row[..k].iter_mut().enumerate() {
            *p = 0.25f64.powi(l as i32);
        }
        let total: f64 = row[..k].iter().sum();
        row[..k].iter_mut().for_each(|p| *p /= total);
    }
    m
}

/// m and λ by EM over counted comparison vectors, u fixed (and m too when `fixed_m` is
/// given: then only λ is estimated); labelled vectors keep their posterior.
fn expectation_maximisation(
    patterns: &Patterns,
    u: &Table,
    labelled: &[(Levels, bool)],
    fixed_m: Option<&Table>,
) -> (Table, f64, usize) {
    let prior = initial_m();
    let mut m = fixed_m.copied().unwrap_or(prior);
    let mut lambda = 0.1;
    let observations: Vec<(Levels, f64, Option<f64>)> = patterns
        .iter()
        .map(|(l, &c)| (*l, c, None))
        .chain(
            labelled
                .iter()
                .map(|(l, same)| (*l, LABEL_WEIGHT, Some(if *same { 1.0 } else { 0.0 }))),
        )
        .collect();
    let mut iterations = 0;
    for _ in 0..MAX_ITERATIONS {
        iterations += 1;
        let mut m_counts = [[0.0; WIDTH]; 5];
        let (mut matched, mut total) = (0.0, 0.0);
        for (l, count, fixed) in &observations {
            let posterior = fixed.unwrap_or_else(|| {
                let (mut pm, mut pu) = (lambda, 1.0 - lambda);
                for f in 0..5 {
                    if l[f] != NONE {
                        pm *= m[f][l[f] as usize];
                        pu *= u[f][l[f] as usize];
                    }
                }
                if pm + pu > 0.0 {
                    pm / (pm + pu)
                } else {
                    0.0
                }
            });
            matched += posterior * count;
            total += count;
            for f in 0..5 {
                if l[f] != NONE {
                    m_counts[f][l[f] as usize] += posterior * count;
                }
            }
        }
        let new_lambda = (matched / total.max(1.0)).clamp(1e-9, 1.0 - 1e-9);
        let mut change = (new_lambda - lambda).abs();
        lambda = new_lambda;
        for f in 0..5 {
            let k = LEVELS[f].len();
            let sum: f64 = m_counts[f][..k].iter().sum();
            if sum <= 0.0 || fixed_m.is_some() {
                continue;
            }
            for l in 0..k {
                let next = (m_counts[f][l] + PRIOR_PAIRS * prior[f][l]) / (sum + PRIOR_PAIRS);
                change = change.max((next - m[f][l]).abs());
                m[f][l] = next;
            }
        }
        if change < 1e-7 {
            break;
        }
    }
    (m, lambda, iterations)
}

/// The learned block: complete weights with their own prior, so it is used as learned
/// (`measure_u` off) rather than weighed again on the registry audited.
fn to_identity(m: &Table, u: &Table, seen: &Seen, lambda: f64, base: &Identity) -> Identity {
    let configured = super::model::weights(base);
    let learned_level =
        |f: usize, l: usize| seen[f][l] && !(f == 1 && l == usize::from(ID_MISSING));
    let w = |f: usize, l: usize| {
        if learned_level(f, l) {
            (m[f][l] / u[f][l]).log2().clamp(-MAX_BITS, MAX_BITS)
        } else if f == 1 && l == usize::from(ID_MISSING) {
            0.0
        } else {
            configured.rows[f][l]
        }
    };
    let prior = (lambda / (1.0 - lambda)).log2();
    let match_score = -prior + MATCH_ODDS.log2();
    let mut learned = std::collections::BTreeMap::new();
    for (f, field) in FIELDS.iter().enumerate() {
        for (l, level) in LEVELS[f].iter().enumerate() {
            if learned_level(f, l) {
                learned.insert(format!("{field}_{level}"), [m[f][l], u[f][l]]);
            }
        }
    }
    Identity {
        match_score,
        prior_log2_odds: prior,
        name_exact: w(0, 0),
        name_alike: w(0, 1),
        name_partial: w(0, 2),
        name_similar: w(0, 3),
        name_different: w(0, 4),
        name_rare_bonus: base.name_rare_bonus,
        id_same: w(1, 0),
        id_one_off: w(1, 1),
        id_two_off: w(1, 2),
        id_far: w(1, 3),
        id_missing: w(1, 4),
        id_other_sex: w(1, 5),
        id_last_digit: w(1, 6),
        birth_same: w(2, 0),
        birth_typo: w(2, 1),
        birth_different: w(2, 2),
        place_village: w(3, 0),
        place_village_alike: w(3, 1),
        place_village_name: w(3, 2),
        place_township: w(3, 3),
        place_elsewhere: w(3, 4),
        account_same: w(4, 0),
        account_different: w(4, 1),
        // Clusters merge unless some pair across them is 9 to 1 against being one
        // person: the same odds that link a pair, turned around.
        cluster_min_score: -prior - MATCH_ODDS.log2(),
        max_cluster_size: base.max_cluster_size,
        measure_u: false,
        term_frequencies: base.term_frequencies,
        duplicate_share: base.duplicate_share,
        m: base.m.clone(),
        learned,
        measured: None,
    }
}

impl Trained {
    /// The `[identity]` block to paste into a configuration file: every weight with the
    /// m and u it came from.
    pub fn to_toml(&self, source: &str) -> String {
        let id = &self.identity;
        let mut s = format!(
            "# Learned by `fundaudit dedup --train` from {source}: {} candidate pairs ({} distinct comparison vectors), u from {} random pairs, {} EM iterations, {} confirmed and {} dismissed pairs from the case ledger.\n# Share of candidate pairs that are one person: {:.4}. A weight is log2(m/u).\n[identity]\n",
            self.candidate_pairs,
            self.patterns,
            self.random_pairs,
            self.iterations,
            self.labelled.0,
            self.labelled.1,
            self.lambda
        );
        let is_level = |key: &str| {
            FIELDS.iter().enumerate().any(|(f, field)| {
                LEVELS[f]
                    .iter()
                    .any(|level| key == format!("{field}_{level}"))
            })
        };
        for (key, value) in id.weight_keys() {
            match id.learned.get(key) {
                Some([m, u]) => s.push_str(&format!("{key} = {value:.3}  # m {m:.4}, u {u:.6}\n")),
                None if key == "id_missing" => s.push_str(&format!(
                    "{key} = {value:.3}  # a missing value weighs nothing either way\n"
                )),
                None if is_level(key) => s.push_str(&format!(
                    "{key} = {value:.3}  # not seen among random pairs: the configured weight\n"
                )),
                None => s.push_str(&format!("{key} = {value:.3}\n")),
            }
        }
        s.push_str(&format!("max_cluster_size = {}\n", id.max_cluster_size));

        s.push_str("\n[identity.learned]\n");
        for (key, [m, u]) in &id.learned {
            s.push_str(&format!("{key} = [{m:.6}, {u:.8}]\n"));
        }
        s
    }
}
