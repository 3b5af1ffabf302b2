//! The identity weights of the registry at hand, measured on it every run.
//!
//! A weight is log2(m/u): m is how often a level occurs for one person registered
//! twice, u how often it occurs between two different people. m is a fact about how
//! registrations go wrong (a mistyped digit, a homophone) and is configured
//! (`[identity.m]`) or learned (`dedup --train`). u is a fact about the county — how
//! many people share 王刚, how many villages there are, how police stations number the
//! people born on one day — and a weight set by hand for one county merges strangers in
//! the next. So u is measured here, on the registry being audited, as Splink does, with
//! no labels: pairs chosen so that almost all of them are two people.
//!
//! - Name, birth date, place and account: random pairs of records.
//! - The ID number outside the birth date, in four contexts (born on one day or not,
//!   of one township or not): random pairs for other days; for one day, neighbours in
//!   (birth date, township) order and near neighbours in birth-date order, names of
//!   another sound (so almost all strangers), pooled with the other-day pairs for every
//!   level but "same" (digit structure does not depend on the birthday; one number per
//!   person does). How far apart strangers' codes lie depends on how they were issued:
//!   three random digits put them two or three digits apart; a police station's two
//!   digits plus a sex digit put one township's people a sex digit apart
//!   (`last_digit`, `other_sex`). Measuring u where the question arises is what makes
//!   "one digit off" weigh what it weighs in this county.
//! - A shared card: neighbours in village order (a household shares one).
//! - A name's own frequency replaces the name level's average u (term frequency): an
//!   exact 王刚 held by 450 of N people weighs log2(m / (450/N)); a rare name's share
//!   is read as at least [`MIN_NAME_SHARE`], and registries under [`SMALLEST`] records
//!   as that many.
//!
//! Every u is smoothed towards [`DEFAULT_U`] with [`PSEUDO_PAIRS`] pseudo-pairs, so a
//! registry of thirty records (a test, a village) is judged as a typical county, and a
//! province's is judged by its own counts.
//!
//! The prior is `identity.duplicate_share` (the share of records that are someone's
//! second registration): two random records are one person with probability
//! 2·share/(N−1), and a pair is one person when the odds reach 9 to 1. Clusters merge
//! only when no pair across them is likelier two people than one.
//!
//! Not yet the default (`identity.measure_u = false`): see docs/identity.md
//! (Measured u) for what it does better and worse than the configured weights, measured.

use rayon::prelude::*;
use std::collections::BTreeMap;

use super::model::{id_context, levels_counted, Levels, FIELDS, LEVELS, NONE, WIDTH};
use super::packed::{PackedRegistry, Person};
use fundaudit_core::config::{Config, Identity, MeasuredWeights};

/// Per field and level, a probability.
pub type Table = [[f64; WIDTH]; 5];

/// Random pairs drawn for u (all pairs when the registry has fewer).
pub const RANDOM_PAIRS: usize = 1_000_000;
/// Records sampled for the neighbour pairs (every k-th of a larger registry).
const SAMPLED_RECORDS: usize = 2_000_000;
/// Same-day pairs across townships sampled at most (more strides stop here).
const NEIGHBOUR_PAIRS: usize = 1_000_000;
/// Weight of the typical county's u against the measured counts.
pub const PSEUDO_PAIRS: f64 = 2_000.0;
/// A registry smaller than this is read as this many records for name frequencies and
/// the prior: a share read off a few thousand records is noise.
pub const SMALLEST: usize = 30_000;
/// The least share a name is read as (one holder in 100,000): see
/// [`MeasuredWeights::min_name_share`].
pub const MIN_NAME_SHARE: f64 = 1e-5;
/// A pair is one person when the odds reach this (a match probability of 0.9).
pub const MATCH_ODDS: f64 = 9.0;
/// Weights are kept within ±this many bits: a level never seen among strangers would
/// otherwise weigh infinitely much.
pub const MAX_BITS: f64 = 20.0;
/// The ID level "missing" (see [`super::model::ID_MISSING`]), as an index.
const ID_MISSING: usize = super::model::ID_MISSING as usize;

/// u of a typical county of 30,000 people with 200 villages in 20 townships, ID numbers
/// issued by police stations. Only a prior: every registry's own pairs outweigh it once
/// it has a few thousand records.
pub const DEFAULT_U: Table = [
    [0.0005, 0.001, 0.01, 0.05, 0.9385, 0.0, 0.0],
    [0.001, 0.03, 0.3, 0.599, 0.0, 0.05, 0.02],
    [0.000_037, 0.0005, 0.999_463, 0.0, 0.0, 0.0, 0.0],
    [0.005, 0.002, 0.002, 0.05, 0.941, 0.0, 0.0],
    [0.0001, 0.9999, 0.0, 0.0, 0.0, 0.0, 0.0],
];
/// u of the ID levels, indexed `2 * birth date same + same township` (station codes:
/// one township's differ in the sex digit, so in one digit or with another sex's
/// parity; no two people share a whole number).
const DEFAULT_U_ID: [[f64; WIDTH]; 4] = [
    [0.01, 0.02, 0.2, 0.59, 0.0, 0.17, 0.01],
    [0.1, 0.02, 0.05, 0.45, 0.0, 0.2, 0.18],
    [0.0001, 0.02, 0.2, 0.5999, 0.0, 0.17, 0.01],
    [0.0001, 0.02, 0.05, 0.0499, 0.0, 0.45, 0.43],
];
/// u of the account levels between two records of one village (households share cards).
const DEFAULT_U_ACCOUNT_VILLAGE: [f64; WIDTH] = [0.01, 0.99, 0.0, 0.0, 0.0, 0.0, 0.0];

/// What was measured, kept for the report.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Measured {
    /// Per field and level (by [`FIELDS`]/[`LEVELS`] name), u as used.
    pub u: BTreeMap<String, f64>,
    /// u of the ID levels among strangers born on the same day or not, of one township
    /// or not.
    pub u_id_same_day_same_township: BTreeMap<String, f64>,
    pub u_id_same_day_other_township: BTreeMap<String, f64>,
    pub u_id_other_day_same_township: BTreeMap<String, f64>,
    pub u_id_other_day_other_township: BTreeMap<String, f64>,
    /// u of the account levels between two records of one village.
    pub u_account_same_village: BTreeMap<String, f64>,
    pub random_pairs: usize,
    pub same_day_pairs_same_township: usize,
    pub same_day_pairs_other_township: usize,
    pub village_pairs: usize,
    /// m as used.
    pub m: BTreeMap<String, f64>,
    /// Match probability of two random records (the prior).
    pub prior: f64,
}

/// The configuration with `identity` weighed for `reg` (unchanged when
/// `identity.measure_u` is off or it was weighed already), and what was measured.
pub fn measured_config(reg: &PackedRegistry, config: &Config) -> (Config, Option<Measured>) {
    if !config.identity.measure_u || config.identity.measured.is_some() {
        return (config.clone(), None);
    }
    let (identity, measured) = weigh(reg, config);
    let mut config = config.clone();
    config.identity = identity;
    (config, Some(measured))
}

/// The comparison vectors of random pairs (all pairs of a small registry); a fixed
/// seed, so one registry always measures the same. The ID level "missing" is left out.
pub fn random_pair_levels(reg: &PackedRegistry, config: &Config, wanted: usize) -> Vec<Levels> {
    let n = reg.len();
    if n < 2 {
        return Vec::new();
    }
    let all = n * (n - 1) / 2;
    let pairs: Vec<(usize, usize)> = if all <= wanted {
        (0..n)
            .flat_map(|a| (a + 1..n).map(move |b| (a, b)))
            .collect()
    } else {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        (0..wanted)
            .filter_map(|_| {
                let (a, b) = ((next() % n as u64) as usize, (next() % n as u64) as usize);
                (a != b).then(|| (a.min(b), a.max(b)))
            })
            .collect()
    };
    pairs
        .par_iter()
        .map(|&(a, b)| levels_counted(reg, &reg.people[a], &reg.people[b], config))
        .collect()
}

/// Per field and level, how many of `levels` reach it.
pub fn count_levels(levels: &[Levels]) -> [[u64; WIDTH]; 5] {
    let mut counts = [[0u64; WIDTH]; 5];
    for l in levels {
        for f in 0..5 {
            if l[f] != NONE {
                counts[f][l[f] as usize] += 1;
            }
        }
    }
    counts
}

/// Counts smoothed towards a typical county's u.
fn smoothed(counts: &[u64; WIDTH], prior: &[f64; WIDTH], levels: usize) -> [f64; WIDTH] {
    let total: f64 = counts[..levels].iter().sum::<u64>() as f64;
    let mut u = [0.0; WIDTH];
    for l in 0..levels {
        u[l] = (counts[l] as f64 + PSEUDO_PAIRS * prior[l]) / (total + PSEUDO_PAIRS);
    }
    u
}

/// Levels of pairs chosen where the question arises, among records whose names sound
/// different (so almost all strangers): the ID levels of people born on one day in one
/// township (neighbours in (birth date, township) order) and in other townships (near
/// neighbours in birth-date order), and the account levels of two records of one
/// village (neighbours in village order).
struct Neighbours {
    id_same_township: [u64; WIDTH],
    id_other_township: [u64; WIDTH],
    account_village: [u64; WIDTH],
}

fn neighbours(reg: &PackedRegistry) -> Neighbours {
    let township = |p: &Person| reg.places[p.place as usize].township;
    let strangers = |x: &Person, y: &Person| x.sound != y.sound;
    let id_level = |x: &Person, y: &Person| -> Option<usize> {
        (strangers(x, y) && x.birth == y.birth)
            .then(|| super::model::id_level(x, y, super::packed::differing(x.id, y.id)) as usize)
    };
    let mut out = Neighbours {
        id_same_township: [0; WIDTH],
        id_other_township: [0; WIDTH],
        account_village: [0; WIDTH],
    };
    // A province's registry is sampled: every k-th record still leaves hundreds of
    // thousands of same-day pairs, and sorting ten million records three times would
    // cost more than the rest of the measurement. Sort keys are built first, so the
    // sorts never reach into the records.
    let step = (reg.len() / SAMPLED_RECORDS).max(1);
    let sampled = || {
        (0..reg.len())
            .step_by(step)
            .map(|i| (i as u32, &reg.people[i]))
    };
    let mut keyed: Vec<((i32, u32, u32), u32)> = sampled()
        .filter(|(_, p)| p.has_id && p.has_birth())
        .map(|(i, p)| ((p.birth, township(p), scramble(i)), i))
        .collect();
    keyed.par_sort_unstable();
    for w in keyed.windows(2) {
        let (x, y) = (&reg.people[w[0].1 as usize], &reg.people[w[1].1 as usize]);
        if township(x) == 0 || township(x) != township(y) {
            continue;
        }
        if let Some(l) = id_level(x, y) {
            out.id_same_township[l] += 1;
        }
    }
    for k in keyed.iter_mut() {
        k.0 .1 = 0;
    }
    keyed.par_sort_unstable();
    for stride in [1, 2, 3] {
        for (i, &(_, a)) in keyed.iter().enumerate() {
            let Some(&(_, b)) = keyed.get(i + stride) else {
                break;
            };
            let (x, y) = (&reg.people[a as usize], &reg.people[b as usize]);
            if township(x) == township(y) && township(x) != 0 {
                continue;
            }
            if let Some(l) = id_level(x, y) {
                out.id_other_township[l] += 1;
            }
        }
        if out.id_other_township.iter().sum::<u64>() as usize >= NEIGHBOUR_PAIRS {
            break;
        }
    }
    let mut keyed: Vec<((u32, u32), u32)> = sampled()
        .filter(|(_, p)| p.place != 0 && p.account != 0)
        .map(|(i, p)| ((p.place, scramble(i)), i))
        .collect();
    keyed.par_sort_unstable();
    for w in keyed.windows(2) {
        let (x, y) = (&reg.people[w[0].1 as usize], &reg.people[w[1].1 as usize]);
        if x.place == y.place && strangers(x, y) {
            out.account_village[usize::from(x.account != y.account)] += 1;
        }
    }
    out
}

/// A fixed permutation of row numbers: the registry's own order (often by village or
/// by date of registration) must not decide which same-day records are compared.
fn scramble(i: u32) -> u32 {
    i.wrapping_mul(0x9e37_79b9).rotate_left(16) ^ 0x5bd1_e995
}

/// The m of each level: learned (`[identity.learned]`), else configured (`[identity.m]`).
fn m_of(identity: &Identity, key: &str) -> Option<f64> {
    identity
        .learned
        .get(key)
        .map(|[m, _]| *m)
        .or_else(|| identity.m.get(key).copied())
}

/// The identity block weighed for `reg`.
pub fn weigh(reg: &PackedRegistry, config: &Config) -> (Identity, Measured) {
    let base = &config.identity;
    let random = random_pair_levels(reg, config, RANDOM_PAIRS);
    let counts = count_levels(&random);
    // The ID levels of random pairs born on other days, by township relation (their
    // id_context is 0 or 1).
    let mut id_other_day = [[0u64; WIDTH]; 2];
    for l in &random {
        if l[1] != NONE && l[2] != 0 {
            id_other_day[id_context(l)][l[1] as usize] += 1;
        }
    }
    let near = neighbours(reg);
    let mut u: Table = [[0.0; WIDTH]; 5];
    for f in 0..5 {
        u[f] = smoothed(&counts[f], &DEFAULT_U[f], LEVELS[f].len());
    }
    // Indexed as MeasuredWeights::id: 2 * birth date same + same township. How far
    // apart two strangers' region and sequence digits lie does not depend on their
    // birthdays — except that two born on one day never share them all (one number per
    // person) — so the same-day rows also count the other-day pairs' levels but "same":
    // a county of a few thousand has few strangers born on one day, but many pairs.
    let pooled = |same_day: &[u64; WIDTH], other_day: &[u64; WIDTH]| {
        let mut c = *same_day;
        for (l, n) in c.iter_mut().enumerate().skip(1) {
            *n += other_day[l];
        }
        c
    };
    let u_id = [
        smoothed(&id_other_day[0], &DEFAULT_U_ID[0], WIDTH),
        smoothed(&id_other_day[1], &DEFAULT_U_ID[1], WIDTH),
        smoothed(
            &pooled(&near.id_other_township, &id_other_day[0]),
            &DEFAULT_U_ID[2],
            WIDTH,
        ),
        smoothed(
            &pooled(&near.id_same_township, &id_other_day[1]),
            &DEFAULT_U_ID[3],
            WIDTH,
        ),
    ];
    let u_account_village = smoothed(&near.account_village, &DEFAULT_U_ACCOUNT_VILLAGE, 2);
    u[1] = u_id[3];

    let configured = super::model::weights(base);
    let key = |f: usize, l: usize| format!("{}_{}", FIELDS[f], LEVELS[f][l]);
    let m: BTreeMap<String, f64> = (0..5)
        .flat_map(|f| (0..LEVELS[f].len()).map(move |l| (f, l)))
        .filter_map(|(f, l)| Some((key(f, l), m_of(base, &key(f, l))?)))
        .collect();
    let m_used = |k: &str| m.get(k).copied();
    let weight = |f: usize, l: usize, u: f64| match m_used(&key(f, l)) {
        _ if f == 1 && l == ID_MISSING => 0.0,
        Some(m) if m > 0.0 && u > 0.0 => (m / u).log2().clamp(-MAX_BITS, MAX_BITS),
        _ => configured.rows[f][l],
    };
    let mut identity = base.clone();
    let mut learned = BTreeMap::new();
    let mut rows = [[0.0; WIDTH]; 5];
    for f in 0..5 {
        for l in 0..LEVELS[f].len() {
            rows[f][l] = weight(f, l, u[f][l]);
            if let Some(m) = m_used(&key(f, l)) {
                learned.insert(key(f, l), [m, u[f][l]]);
            }
        }
    }
    let row = |f: usize, u: &[f64; WIDTH], levels: usize| {
        let mut w = [0.0; WIDTH];
        for (l, w) in w.iter_mut().enumerate().take(levels) {
            *w = weight(f, l, u[l]);
        }
        w
    };
    let records = reg.len().max(SMALLEST) as f64;
    let prior = (2.0 * base.duplicate_share / (records - 1.0)).clamp(1e-15, 0.5);
    let prior_log2_odds = (prior / (1.0 - prior)).log2();
    identity.set_level_weights(&rows);
    identity.prior_log2_odds = prior_log2_odds;
    identity.match_score = MATCH_ODDS.log2() - prior_log2_odds;
    // Clusters merge only when no pair across them is likelier two people than one: a
    // record cannot join a person whose other registration it contradicts.
    identity.cluster_min_score = -prior_log2_odds;
    identity.learned = learned;
    identity.measured = Some(MeasuredWeights {
        id: u_id.map(|u| row(1, &u, WIDTH)),
        account_village: row(4, &u_account_village, 2),
        smallest: SMALLEST,
        min_name_share: MIN_NAME_SHARE,
    });
    let named = |u: &[f64; WIDTH], f: usize, levels: usize| {
        (0..levels)
            .filter(|&l| !(f == 1 && l == ID_MISSING))
            .map(|l| (key(f, l), u[l]))
            .collect::<BTreeMap<_, _>>()
    };
    let mut all_u = BTreeMap::new();
    for f in [0, 2, 3, 4] {
        all_u.extend(named(&u[f], f, LEVELS[f].len()));
    }
    let measured = Measured {
        u: all_u,
        u_id_same_day_same_township: named(&u_id[3], 1, WIDTH),
        u_id_same_day_other_township: named(&u_id[2], 1, WIDTH),
        u_id_other_day_same_township: named(&u_id[1], 1, WIDTH),
        u_id_other_day_other_township: named(&u_id[0], 1, WIDTH),
        u_account_same_village: named(&u_account_village, 4, 2),
        random_pairs: random.len(),
        same_day_pairs_same_township: near.id_same_township.iter().sum::<u64>() as usize,
        same_day_pairs_other_township: near.id_other_township.iter().sum::<u64>() as usize,
        village_pairs: near.account_village.iter().sum::<u64>() as usize,
        m: m.clone(),
        prior,
    };
    (identity, measured)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::idcard::make_id;
    use crate::normalize::NormName;
    use crate::packed::RegistryBuilder;
    use chrono::NaiveDate;

    /// A county of `n` people in 20 townships of 5 villages, born over 400 days (so many
    /// share a birthday), named from a few hundred names; sequence codes as a police
    /// station issues them (station per township, then a digit) or at random.
    fn county(n: usize, station: bool) -> PackedRegistry {
        let surnames = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄"];
        let given = [
            "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳",
        ];
        let mut b = RegistryBuilder::new();
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = |m: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % m
        };
        for i in 0..n {
            let township = next(20);
            let name = format!(
                "{}{}{}",
                surnames[next(8) as usize],
                given[next(12) as usize],
                given[next(12) as usize]
            );
            let birth = NaiveDate::from_ymd_opt(1950, 1, 1).unwrap()
                + chrono::Duration::days(next(400) as i64);
            let seq = if station {
                (10 + township as u32) * 10 + next(10) as u32
            } else {
                next(1000) as u32
            };
            b.push(
                &NormName::new(&name),
                &make_id("411623", birth, seq),
                &format!("{township}镇"),
                &format!("{}村", next(5)),
                &format!("6228{i:012}"),
            );
        }
        b.finish()
    }

    fn measured(reg: &PackedRegistry) -> (Identity, Measured) {
        let mut config = Config::default();
        config.identity.measure_u = true;
        weigh(reg, &config)
    }

    #[test]
    fn one_digit_off_weighs_what_it_weighs_where_the_codes_were_issued() {
        let (station, s) = measured(&county(20_000, true));
        let (random, r) = measured(&county(20_000, false));
        // Same day, same township: station codes differ in the last digit.
        assert!(
            s.u_id_same_day_same_township["id_last_digit"] > 0.3,
            "{s:?}"
        );
        assert!(
            r.u_id_same_day_same_township["id_last_digit"] < 0.1,
            "{r:?}"
        );
        let last_digit = |i: &Identity| i.measured.as_ref().unwrap().id[3][6];
        assert!(last_digit(&station) < 0.0, "{}", last_digit(&station));
        // Random codes: rarely the last digit alone (the typical county's prior, station
        // codes, still pulls a registry of 20,000 a little).
        assert!(
            last_digit(&random) > last_digit(&station) + 3.0,
            "{} {}",
            last_digit(&random),
            last_digit(&station)
        );
        // Across townships station codes differ in the station digits too.
        let across = |i: &Identity| i.measured.as_ref().unwrap().id[2][6];
        assert!(across(&station) > last_digit(&station));
        // Another sex a digit apart: half of one township's same-day strangers.
        let other_sex = |i: &Identity| i.measured.as_ref().unwrap().id[3][5];
        assert!(other_sex(&station) < -4.0, "{}", other_sex(&station));
    }

    #[test]
    fn disagreement_counts_against_and_the_threshold_follows_the_prior() {
        let (identity, m) = measured(&county(5_000, true));
        assert!(
            identity.place_elsewhere < -2.0,
            "{}",
            identity.place_elsewhere
        );
        assert!(identity.birth_different < -4.0);
        assert!(identity.name_different < -4.0);
        assert!(m.u["place_elsewhere"] > 0.5, "{m:?}");
        // Odds of 9 to 1 at the cut-off.
        let p = super::super::model::probability(identity.match_score, &identity);
        assert!((p - 0.9).abs() < 1e-9, "{p}");
    }

    #[test]
    fn a_name_weighs_by_its_own_frequency_both_ways() {
        let reg = county(20_000, true);
        let (identity, _) = measured(&reg);
        let levels: Levels = [0, NONE, NONE, NONE, NONE];
        let score = |count| super::super::model::score(&levels, count, reg.len(), &identity);
        // log2(m / share): a name a tenth of the county holds weighs about 3 bits; a rare
        // one up to log2(m / MIN_NAME_SHARE), however rare.
        let mut off = identity.clone();
        off.term_frequencies = false;
        let plain = super::super::model::score(&levels, 2_000, reg.len(), &off);
        assert_eq!(
            plain,
            super::super::model::score(&levels, 1, reg.len(), &off)
        );
        assert!(score(2_000) < 4.0, "{}", score(2_000));
        assert!(
            score(2_000) < score(20) && score(20) < score(1),
            "{}",
            score(20)
        );
        assert!(
            score(1) <= (1.0 / MIN_NAME_SHARE).log2() + 1e-9,
            "{}",
            score(1)
        );
        assert!(score(2_000) < identity.name_exact && score(1) > identity.name_exact);
    }

    #[test]
    fn off_by_default_the_configured_weights_stand() {
        let reg = county(500, true);
        let (config, measured) = measured_config(&reg, &Config::default());
        assert!(measured.is_none());
        assert_eq!(config.identity, Config::default().identity);
    }
}
