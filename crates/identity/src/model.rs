//! The identity model: are two registry records one person? Each pair is reduced to a
//! comparison vector, one level per field (name, ID number outside the birth date, birth
//! date, place, account), and scored by adding each level's weight, as Fellegi–Sunter
//! tools do. Weights are log2(m/u) when learned (`fundaudit dedup --train`, see
//! [`super::train`]) or measured on the registry at hand (`identity.measure_u`, see
//! [`super::measure`]: then the ID number and the account weigh by context, and a name
//! by its own frequency), and set by hand in the defaults, where a rare name adds a
//! bonus on top. The score is also turned into a match probability with the model's
//! prior odds.

use super::packed::{differing, PackedRegistry, Person, BIRTH, REGION, SEQ};

/// The sex digit's place (the 17th character) and its nibble.
const SEX_DIGIT: usize = 16;
const LAST: u128 = 0xf << (4 * SEX_DIGIT);
use super::similarity::{compare_parts, NameMatch, NameSimilarity};
use fundaudit_core::config::{Config, Identity};

/// The compared fields, in the order of a comparison vector.
pub const FIELDS: [&str; 5] = ["name", "id", "birth", "place", "account"];

/// Level names per field, in the order of the weights; a field whose value is missing
/// on either side has no level and weighs nothing (except the ID, whose absence is a
/// level of its own: a registration without an ID number is weaker evidence).
pub const LEVELS: [&[&str]; 5] = [
    &["exact", "alike", "partial", "similar", "different"],
    &[
        "same",
        "one_off",
        "two_off",
        "far",
        "missing",
        "other_sex",
        "last_digit",
    ],
    &["same", "typo", "different"],
    &[
        "village",
        "village_alike",
        "village_name",
        "township",
        "elsewhere",
    ],
    &["same", "different"],
];

/// The most levels a field has (the ID number's seven): the width of weight tables.
pub const WIDTH: usize = 7;

/// The ID level "missing on either side". Where weights are learned or measured it is
/// no level, and weighs 0: a missing number is as common between two people as within
/// one (Fellegi–Sunter's rule for missing values).
pub const ID_MISSING: u8 = 4;

/// No level: the field is missing on one side.
pub const NONE: u8 = u8::MAX;

/// One level per field ([`NONE`] when missing).
pub type Levels = [u8; 5];

/// Everything that was compared for a pair, kept so evidence can say why.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Comparison {
    pub name: NameSimilarity,
    pub levels: Levels,
    /// Digits in which the ID numbers differ outside the birth date and check character
    /// (None when either is missing).
    pub id_diff: Option<u8>,
    /// How many registry records carry the rarer of the two names (by sound).
    pub name_count: u32,
    /// Both ID numbers present and their sex digits (the 17th, odd for men) of another
    /// parity: two people, unless everything else says otherwise.
    pub sex_differs: bool,
    /// Sum of the weights: the match decision is `score >= identity.match_score`.
    pub score: f64,
    /// The match probability under the weights' prior odds (`identity.prior_log2_odds`).
    pub probability: f64,
}

impl Comparison {
    pub fn level(&self, field: usize) -> Option<&'static str> {
        LEVELS[field].get(self.levels[field] as usize).copied()
    }

    pub fn same_birth(&self) -> bool {
        self.levels[2] == 0
    }

    pub fn same_place(&self) -> bool {
        self.levels[3] == 0
    }

    /// Chinese evidence, e.g. `身份证号相同，出生日期相同，同村，姓名同音（…），该姓名登记3人；匹配得分9.3，匹配概率0.99`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        let id = match (self.id_diff, self.levels[2]) {
            (None, _) => "身份证号缺失".to_string(),
            (Some(0), 0) => "身份证号相同".to_string(),
            (Some(0), _) => "身份证号除出生日期外相同".to_string(),
            (Some(d), _) if d <= 2 => format!("身份证号除出生日期外仅差{d}位"),
            (Some(_), _) => "身份证号不同".to_string(),
        };
        parts.push(id);
        match self.levels[2] {
            0 => parts.push("出生日期相同".into()),
            1 => parts.push("出生日期仅一位之差".into()),
            _ => {}
        }
        match self.levels[3] {
            0 => parts.push("同村".into()),
            1 => parts.push("村名近似".into()),
            2 => parts.push("村名相同（乡镇不同）".into()),
            3 => parts.push("同乡镇".into()),
            _ => {}
        }
        if self.sex_differs {
            parts.push("性别码不同（顺序码末位奇偶不同）".into());
        }
        if self.levels[4] == 0 {
            parts.push("同一银行账户".into());
        }
        parts.push(self.name.describe());
        parts.push(format!("该姓名在花名册中登记{}人", self.name_count));
        format!(
            "{}；匹配得分{:.1}，匹配概率{:.2}",
            parts.join("，"),
            self.score,
            self.probability
        )
    }
}

/// Probability from a score: prior odds times the likelihood ratio 2^score.
pub fn probability(score: f64, identity: &Identity) -> f64 {
    1.0 / (1.0 + (-(score + identity.prior_log2_odds)).exp2())
}

/// How rare a name held by `count` of a registry's `records` is, 0 to 1: agreeing on a
/// rare name says more than agreeing on 张伟. Rarity is the name's share of the
/// registry, not its count, so a province's registry judges a name as a county's does:
/// one in 30,000 or rarer is 1, a share of 3% or more is 0, log-linear between. A
/// registry under 30,000 records is taken as 30,000 (a share read off a few thousand
/// records is noise), so there one holder is rare and a thousand are common.
pub fn rarity(count: u32, records: usize) -> f64 {
    const SMALLEST: usize = 30_000;
    let share = f64::from(count.max(1)) / records.max(SMALLEST) as f64;
    ((-share.log10() - 1.5) / 3.0).clamp(0.0, 1.0)
}

/// The comparison vector of two registry rows.
pub fn levels(
    reg: &PackedRegistry,
    a: usize,
    b: usize,
    config: &Config,
) -> (Levels, NameSimilarity, Option<u8>) {
    levels_of(reg, &reg.people[a], &reg.people[b], config)
}

/// [`levels_of`], the ID level "missing" as no level: the comparison vector as
/// learning ([`super::train`]) and measuring ([`super::measure`]) count it.
pub fn levels_counted(reg: &PackedRegistry, x: &Person, y: &Person, config: &Config) -> Levels {
    let mut l = levels_of(reg, x, y, config).0;
    if l[1] == ID_MISSING {
        l[1] = NONE;
    }
    l
}

/// [`levels`] of two records at hand (copies gathered for a sorted pass, say).
pub fn levels_of(
    reg: &PackedRegistry,
    x: &Person,
    y: &Person,
    config: &Config,
) -> (Levels, NameSimilarity, Option<u8>) {
    let (mut levels, id_diff) = levels_but_name(reg, x, y, true);
    let name = compare_parts(
        &reg.names[x.name as usize].parts(),
        &reg.names[y.name as usize].parts(),
        config.matching.pinyin_weight,
    );
    levels[0] = match name.how {
        NameMatch::Missing => NONE,
        NameMatch::Exact => 0,
        _ if name.score >= config.matching.name_cutoff => 1,
        NameMatch::Partial => 2,
        NameMatch::Different => 4,
        _ => 3,
    };
    (levels, name, id_diff)
}

/// Every level but the name's (left [`NONE`]): integer compares on the packed records,
/// cheap next to comparing names.
fn levels_but_name(
    reg: &PackedRegistry,
    x: &Person,
    y: &Person,
    villages: bool,
) -> (Levels, Option<u8>) {
    let both_ids = x.has_id && y.has_id;
    let diff = if both_ids { differing(x.id, y.id) } else { 0 };
    let id_diff = both_ids.then(|| (diff & (REGION | SEQ)).count_ones() as u8);
    let id = if both_ids { id_level(x, y, diff) } else { 4 };
    (
        [
            NONE,
            id,
            birth_level(x, y, diff),
            place_level(reg, x, y, villages),
            account_level(x, y),
        ],
        id_diff,
    )
}

/// The ID level of two records that both have an ID number (`diff` from
/// [`differing`]): how many of the region and sequence digits differ.
pub(crate) fn id_level(x: &Person, y: &Person, diff: u128) -> u8 {
    // The 17th digit's parity is the person's sex (GB 11643): numbers a digit or two
    // apart whose sex digits differ in parity are how two people born on one day at one
    // police station look, not a typo — a level of their own ("other_sex", -5 by default
    // and by its own m and u when measured: strong evidence, not a veto; name, village
    // and card can still outweigh it, as for any digit mistyped).
    // Numbers further apart are another number altogether, whose parity says nothing.
    match (diff & (REGION | SEQ)).count_ones() {
        0 => 0,
        1 | 2 if sex_differs(x, y) => 5,
        // Only the sex digit, parity kept: where police stations issue the codes, what
        // two people born that day in one township look like ("last_digit"); a digit
        // mistyped elsewhere is "one_off".
        1 if diff & LAST != 0 => 6,
        1 => 1,
        2 => 2,
        _ => 3,
    }
}

/// The birth date level. With both ID numbers, the birth date as they write it, digit
/// by digit: a number whose birth date cannot exist (month 13) is still compared, or an
/// invalid number would weigh nothing here and meet every namesake with close sequence
/// digits.
fn birth_level(x: &Person, y: &Person, diff: u128) -> u8 {
    if x.has_id && y.has_id {
        if diff & BIRTH == 0 {
            0
        } else if birth_typo(x.id, y.id, diff) {
            1
        } else {
            2
        }
    } else if !(x.has_birth() && y.has_birth()) {
        NONE
    } else if x.birth == y.birth {
        0
    } else {
        2
    }
}

/// The place level; without `villages`, two different places are left [`NONE`] (the
/// bound of [`compare_at_least`] adds the best a differing place can weigh).
fn place_level(reg: &PackedRegistry, x: &Person, y: &Person, villages: bool) -> u8 {
    if x.place == 0 || y.place == 0 {
        return NONE;
    }
    if x.place == y.place {
        return 0;
    }
    if !villages {
        return NONE;
    }
    let (p, q) = (&reg.places[x.place as usize], &reg.places[y.place as usize]);
    // A township missing on one side does not set two villages apart.
    let township_agrees = p.township == q.township || p.township == 0 || q.township == 0;
    if township_agrees && p.village == q.village && p.len == q.len {
        0
    } else if township_agrees && p.village_alike(q) {
        1
    } else if p.village == q.village && p.len == q.len {
        // The same village name under another township: a township mistyped, or two
        // villages of one name.
        2
    } else if p.township != 0 && p.township == q.township {
        3
    } else {
        4
    }
}

fn account_level(x: &Person, y: &Person) -> u8 {
    if x.account == 0 || y.account == 0 {
        NONE
    } else if x.account == y.account {
        0
    } else {
        1
    }
}

/// The sex digit (the 17th) of a packed ID number.
fn sex_digit(id: u128) -> u8 {
    ((id & LAST) >> (4 * SEX_DIGIT)) as u8
}

/// Both ID numbers present and their sex digits of another parity.
pub fn sex_differs(x: &Person, y: &Person) -> bool {
    x.has_id && y.has_id && sex_digit(x.id) % 2 != sex_digit(y.id) % 2
}

/// One digit of the birth date mistyped, or two neighbouring digits swapped.
fn birth_typo(a: u128, b: u128, diff: u128) -> bool {
    let d = diff & BIRTH;
    match d.count_ones() {
        1 => true,
        2 => {
            let first = d.trailing_zeros() as usize / 4;
            let second = (127 - d.leading_zeros() as usize) / 4;
            let digit = |v: u128, i: usize| (v >> (4 * i)) & 0xf;
            second == first + 1
                && digit(a, first) == digit(b, second)
                && digit(a, second) == digit(b, first)
        }
        _ => false,
    }
}

/// The weight of each level: one row per field, and for the ID number and the account
/// a row per context. With measured weights they differ: among strangers born on one
/// day, sequence codes one digit apart are common in one township and rare across
/// townships when police stations issue them; among villagers a shared card is a
/// household's, far commoner than between two random records.
#[derive(Debug, Clone, Copy)]
pub struct WeightTable {
    pub rows: [[f64; WIDTH]; 5],
    /// Indexed `2 * birth date same + same township`.
    pub id: [[f64; WIDTH]; 4],
    pub account_village: [f64; WIDTH],
}

impl WeightTable {
    /// The weight of `field` at `level` in a pair whose levels are `levels`.
    fn weight(&self, field: usize, level: u8, levels: &Levels) -> f64 {
        match field {
            1 => self.id[id_context(levels)][level as usize],
            4 if levels[3] == 0 => self.account_village[level as usize],
            _ => self.rows[field][level as usize],
        }
    }
}

/// Which ID row weighs a pair: `2 * birth date same + same township` (same village, a
/// village a typo apart in one township, or one township).
pub fn id_context(levels: &Levels) -> usize {
    2 * usize::from(levels[2] == 0) + usize::from(matches!(levels[3], 0 | 1 | 3))
}

/// The weight of each level, from the configuration (measured for this registry when
/// [`super::measure`] has weighed it).
pub fn weights(w: &Identity) -> WeightTable {
    let rows = [
        [
            w.name_exact,
            w.name_alike,
            w.name_partial,
            w.name_similar,
            w.name_different,
            0.0,
            0.0,
        ],
        [
            w.id_same,
            w.id_one_off,
            w.id_two_off,
            w.id_far,
            w.id_missing,
            w.id_other_sex,
            w.id_last_digit,
        ],
        [
            w.birth_same,
            w.birth_typo,
            w.birth_different,
            0.0,
            0.0,
            0.0,
            0.0,
        ],
        [
            w.place_village,
            w.place_village_alike,
            w.place_village_name,
            w.place_township,
            w.place_elsewhere,
            0.0,
            0.0,
        ],
        [w.account_same, w.account_different, 0.0, 0.0, 0.0, 0.0, 0.0],
    ];
    match &w.measured {
        Some(m) => WeightTable {
            rows,
            id: m.id,
            account_village: m.account_village,
        },
        None => WeightTable {
            rows,
            id: [rows[1]; 4],
            account_village: rows[4],
        },
    }
}

/// Score of a comparison vector; `name_count` is the registry frequency of the rarer name.
pub fn score(levels: &Levels, name_count: u32, records: usize, identity: &Identity) -> f64 {
    score_with(&weights(identity), levels, name_count, records, identity)
}

/// [`score`] with the weight table worked out already (once per run, in [`Bounds`]).
fn score_with(
    table: &WeightTable,
    levels: &Levels,
    name_count: u32,
    records: usize,
    identity: &Identity,
) -> f64 {
    let mut s = level_sum(table, levels);
    if levels[0] <= 1 {
        s += name_adjustment(levels[0], name_count, records, identity);
    }
    s
}

/// The weights of the levels present (a missing field adds nothing).
fn level_sum(table: &WeightTable, levels: &Levels) -> f64 {
    levels
        .iter()
        .enumerate()
        .filter(|(_, &level)| level != NONE)
        .map(|(field, &level)| table.weight(field, level, levels))
        .sum()
}

/// What agreeing on this particular name adds. With measured or learned weights it is
/// the term frequency adjustment of Fellegi–Sunter tools: the level's weight is
/// log2(m/u) with u the average agreeing pair's, and this turns it into log2(m/share),
/// share being how many of the registry hold this name (by sound): a name 500 people
/// hold weighs little, a name one person holds much. With hand-set weights,
/// `name_rare_bonus` scaled by [`rarity`].
fn name_adjustment(level: u8, name_count: u32, records: usize, identity: &Identity) -> f64 {
    let key = if level == 0 {
        "name_exact"
    } else {
        "name_alike"
    };
    let learned = identity
        .learned
        .get(key)
        .or_else(|| identity.learned.get("name_exact"));
    match (learned, &identity.measured) {
        (Some(_), Some(_)) if !identity.term_frequencies => 0.0,
        (Some(&[_, u]), Some(m)) => {
            (u / name_share(name_count, records.max(m.smallest)).max(m.min_name_share)).log2()
        }
        (Some(&[_, u]), None) if records > 0 => {
            let share = f64::from(name_count.max(1)) / records as f64;
            (u / share).log2().clamp(
                -identity.name_rare_bonus.abs() * 4.0,
                identity.name_rare_bonus.abs() * 4.0,
            )
        }
        _ => identity.name_rare_bonus * rarity(name_count, records),
    }
}

/// The share of `records` holding a name `count` hold.
fn name_share(count: u32, records: usize) -> f64 {
    f64::from(count.max(1)) / records.max(1) as f64
}

/// Compares two registry rows and scores them.
pub fn compare(
    reg: &PackedRegistry,
    a: usize,
    b: usize,
    name_count: u32,
    config: &Config,
) -> Comparison {
    compare_people(reg, &reg.people[a], &reg.people[b], name_count, config)
}

/// [`compare`] of two records at hand.
pub fn compare_people(
    reg: &PackedRegistry,
    x: &Person,
    y: &Person,
    name_count: u32,
    config: &Config,
) -> Comparison {
    compare_in(reg, x, y, name_count, reg.len(), config)
}

/// [`compare_people`] of two records of a registry of `records` (a name's rarity is a
/// share of it), where `reg` holds only some of them (a pair on a cluster's worker).
pub fn compare_in(
    reg: &PackedRegistry,
    x: &Person,
    y: &Person,
    name_count: u32,
    records: usize,
    config: &Config,
) -> Comparison {
    compare_with(
        &weights(&config.identity),
        reg,
        x,
        y,
        name_count,
        records,
        config,
    )
}

/// [`compare_in`] with the weight table worked out already.
fn compare_with(
    table: &WeightTable,
    reg: &PackedRegistry,
    x: &Person,
    y: &Person,
    name_count: u32,
    records: usize,
    config: &Config,
) -> Comparison {
    let (levels, name, id_diff) = levels_of(reg, x, y, config);
    let score = score_with(table, &levels, name_count, records, &config.identity);
    Comparison {
        name,
        levels,
        id_diff,
        name_count,
        sex_differs: sex_differs(x, y),
        score,
        probability: probability(score, &config.identity),
    }
}

/// What [`compare_at_least`] needs of the weights, worked out once per run rather than
/// per pair: the weight table (each ID row the larger of its two township contexts,
/// since townships are not compared before the bound), and the most a name and a
/// differing place can add.
pub struct Bounds {
    table: WeightTable,
    /// The weights as they are, to score the pairs the bound lets through.
    exact: WeightTable,
    best_name: f64,
    best_other_place: f64,
}

impl Bounds {
    /// Bounds for a registry of `records`.
    pub fn new(w: &Identity, records: usize) -> Bounds {
        let max = |xs: &[f64]| xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let exact = weights(w);
        let mut table = exact;
        for birth in [0, 2] {
            for l in 0..WIDTH {
                let best = table.id[birth][l].max(table.id[birth + 1][l]);
                table.id[birth][l] = best;
                table.id[birth + 1][l] = best;
            }
        }
        // The rare-name term at its largest: a name only one record holds.
        let adjustment = |level: u8| name_adjustment(level, 1, records, w).max(0.0);
        Bounds {
            table,
            exact,
            best_name: max(&[
                w.name_exact + adjustment(0),
                w.name_alike + adjustment(1),
                w.name_partial,
                w.name_similar,
                w.name_different,
                0.0,
            ]),
            best_other_place: max(&[
                w.place_village_alike,
                w.place_village_name,
                w.place_township,
                w.place_elsewhere,
            ]),
        }
    }
}

/// [`compare_in`], unless the pair cannot reach `threshold` whatever its names and
/// village names say: those are compared only when the other fields leave room (most
/// candidates of the name-order passes are strangers born years apart).
#[allow(clippy::too_many_arguments)]
pub fn compare_at_least(
    reg: &PackedRegistry,
    bounds: &Bounds,
    x: &Person,
    y: &Person,
    name_count: u32,
    records: usize,
    config: &Config,
    threshold: f64,
) -> Option<Comparison> {
    let (rest, _) = levels_but_name(reg, x, y, false);
    let mut bound = bounds.best_name + level_sum(&bounds.table, &rest);
    if rest[3] == NONE && x.place != 0 && y.place != 0 {
        bound += bounds.best_other_place;
    }
    if bound < threshold {
        return None;
    }
    let c = compare_with(&bounds.exact, reg, x, y, name_count, records, config);
    (c.score >= threshold).then_some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn birth_typos_are_one_digit_or_a_swap() {
        let name = super::super::packed::PackedName::new(&crate::NormName::new("张伟"));
        let p = |id: &str| super::super::packed::Person::new(0, &name, id, 0, "").id;
        let base = p("411623196211210011");
        let check = |other: &str| {
            let o = p(other);
            birth_typo(base, o, differing(base, o))
        };
        assert!(check("411623196211220011"));
        assert!(check("411623196212110011")); // 1121 → 1211
        assert!(!check("411623196312220011"));
    }

    #[test]
    fn the_id_number_is_read_as_issued() {
        let name = super::super::packed::PackedName::new(&crate::NormName::new("张伟"));
        let p = |id: &str| super::super::packed::Person::new(0, &name, id, 0, "");
        let level = |a: &str, b: &str| {
            let (x, y) = (p(a), p(b));
            id_level(&x, &y, differing(x.id, y.id))
        };
        let base = "411623196211210011";
        assert_eq!(level(base, "411623196211210031"), 6); // the sex digit, parity kept
        assert_eq!(level(base, "411623196211210021"), 5); // the sex digit, another sex
        assert_eq!(level(base, "411623196211210111"), 1); // a station digit
        assert_eq!(level(base, "411623196211210131"), 2); // a station digit and the sex digit
        assert_eq!(level(base, "411623196211210120"), 5); // two apart, another sex
        assert_eq!(level(base, "411623196211219871"), 3); // another number altogether
        assert_eq!(level(base, "411623197001010011"), 0); // region and sequence agree
    }

    #[test]
    fn rarity_is_a_share_of_the_registry() {
        assert_eq!(rarity(1, 100_000), 1.0);
        assert_eq!(rarity(5_000, 100_000), 0.0);
        // Ten holders in a county's 30,000 weigh as 3,000 in a province's 9,000,000.
        assert!((rarity(10, 30_000) - rarity(3_000, 9_000_000)).abs() < 1e-9);
        assert!(rarity(10, 100_000) > rarity(100, 100_000));
        // A small registry counts as 30,000: one holder is rare, a thousand common.
        assert!(rarity(1, 800) > 0.99);
        assert_eq!(rarity(1_000, 800), 0.0);
    }

    #[test]
    fn probability_follows_the_score() {
        let identity = Config::default().identity;
        assert!(probability(20.0, &identity) > 0.99);
        assert!(probability(-10.0, &identity) < 0.01);
        assert!(probability(6.0, &identity) > probability(5.0, &identity));
    }
}
