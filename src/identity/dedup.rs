//! Registry self-deduplication at scale: is one person registered twice?
//!
//! Records are packed once into fixed-width [`Person`]s (names as u16 code points and
//! pinyin syllable ids, the ID number as an integer), so the comparison kernel touches no
//! UTF-8 and allocates nothing. Candidates come from several blocking keys, one family at
//! a time: each family is a vector of (key hash, row) sorted in parallel, and its runs are
//! the blocks. No hash table of blocks and no list of all pairs is ever held; only
//! matches are kept. Never the surname alone: 王, 李 and 张 are 7% of people each.

use std::hash::{BuildHasher, Hash};

use rayon::prelude::*;
use rustc_hash::{FxBuildHasher, FxHashMap};

use super::similarity::{compare_tokens, NameSimilarity};
use super::{idcard, NormName};
use crate::config::Config;
use crate::parse::Day;

/// Characters of a name kept for comparison; longer names (rare transliterations) are
/// compared on their first `NAME_LEN` characters.
pub const NAME_LEN: usize = 12;
const NO_ID: u64 = u64::MAX;
const NO_BIRTH: Day = Day::MIN;

/// One registry record, packed for matching (about 100 bytes).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Person {
    /// The first 17 digits of the ID number as an integer (`NO_ID` when not 17 digits).
    pub id_body: u64,
    pub id_check: u8,
    /// The 18 characters of the ID number (zeros when missing): digit differences are
    /// counted on these, eighteen byte compares the compiler vectorises.
    pub id_digits: [u8; 18],
    pub birth: Day,
    pub region: u32,
    pub seq: u16,
    /// Interned township + village (0: unknown).
    pub place: u32,
    /// Hash of the bank account (0: none).
    pub account: u64,
    pub name: PackedName,
}

/// A normalised name in fixed width: packed once per distinct name, then copied into
/// every record that carries it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PackedName {
    /// Hash of the syllable sequence: the homophone block key.
    pub pinyin_key: u64,
    pub han: bool,
    pub len: u8,
    pub chars: [u16; NAME_LEN],
    pub syllables: [u16; NAME_LEN],
}

impl PackedName {
    pub fn new(name: &NormName) -> PackedName {
        let len = name.chars.len().min(NAME_LEN);
        let mut chars = [0u16; NAME_LEN];
        let mut syllables = [0u16; NAME_LEN];
        for i in 0..len {
            let c = name.chars[i] as u32;
            // Characters beyond the BMP (rare in names) fold into a private range.
            chars[i] = if c <= 0xffff {
                c as u16
            } else {
                0xf000 | (c & 0x0fff) as u16
            };
            syllables[i] = name.syllables[i];
        }
        PackedName {
            pinyin_key: fx(&syllables[..len]),
            han: name.is_han(),
            len: len as u8,
            chars,
            syllables,
        }
    }
}

fn fx<T: Hash>(value: T) -> u64 {
    FxBuildHasher.hash_one(value)
}

impl Person {
    /// Packs a record. `place` comes from a [`Places`] interner shared by the registry.
    pub fn new(name: &NormName, id_number: &str, place: u32, account: &str) -> Person {
        Person::with_name(PackedName::new(name), id_number, place, account)
    }

    /// Packs a record whose name is already packed (registries repeat names).
    pub fn with_name(name: PackedName, id_number: &str, place: u32, account: &str) -> Person {
        let b = id_number.as_bytes();
        let body_digits = b.len() == 18 && b[..17].iter().all(u8::is_ascii_digit);
        let id_body = if body_digits {
            b[..17]
                .iter()
                .fold(0u64, |acc, d| acc * 10 + u64::from(d - b'0'))
        } else {
            NO_ID
        };
        let digits = |r: std::ops::Range<usize>| -> u32 {
            b[r].iter()
                .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'))
        };
        let mut id_digits = [0u8; 18];
        if body_digits {
            id_digits.copy_from_slice(b);
        }
        Person {
            id_body,
            id_check: if body_digits { b[17] } else { 0 },
            id_digits,
            birth: idcard::birth_day(id_number).unwrap_or(NO_BIRTH),
            region: if body_digits { digits(0..6) } else { 0 },
            seq: if body_digits {
                digits(14..17) as u16
            } else {
                0
            },
            place,
            account: if account.is_empty() {
                0
            } else {
                fx(account).max(1)
            },
            name,
        }
    }

    fn name(&self) -> (&[u16], &[u16], bool) {
        let n = &self.name;
        let len = n.len as usize;
        (&n.chars[..len], &n.syllables[..len], n.han)
    }

    fn has_id(&self) -> bool {
        self.id_body != NO_ID
    }

    fn has_birth(&self) -> bool {
        self.birth != NO_BIRTH
    }
}

/// Interns (township, village) pairs to small ids; 0 means unknown.
#[derive(Default)]
pub struct Places<'a> {
    ids: FxHashMap<(&'a str, &'a str), u32>,
}

impl<'a> Places<'a> {
    pub fn id(&mut self, township: &'a str, village: &'a str) -> u32 {
        if village.is_empty() {
            return 0;
        }
        let next = self.ids.len() as u32 + 1;
        *self.ids.entry((township, village)).or_insert(next)
    }
}

/// Everything that was compared for a pair, kept so evidence can say why.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Comparison {
    pub name: NameSimilarity,
    /// Digits in which the two ID numbers differ (None when either is missing).
    pub id_diff: Option<u8>,
    pub same_birth: bool,
    pub birth_known: bool,
    pub same_place: bool,
    pub same_account: bool,
    /// How many registry records carry the rarer of the two names (by sound).
    pub name_count: u32,
    /// Sum of the weights: the match decision is `score >= identity.match_score`.
    pub score: f64,
}

impl Comparison {
    /// Chinese evidence, e.g. `身份证号仅差1位，出生日期相同，同村，姓名同音（…），该姓名登记3人；匹配得分9.3`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        match self.id_diff {
            Some(0) => parts.push("身份证号相同".to_string()),
            Some(d) if d <= 2 => parts.push(format!("身份证号仅差{d}位")),
            Some(_) => parts.push("身份证号不同".to_string()),
            None => parts.push("身份证号缺失".to_string()),
        }
        if self.same_birth {
            parts.push("出生日期相同".into());
        }
        if self.same_place {
            parts.push("同村".into());
        }
        if self.same_account {
            parts.push("同一银行账户".into());
        }
        parts.push(self.name.describe());
        parts.push(format!("该姓名在花名册中登记{}人", self.name_count));
        format!("{}；匹配得分{:.1}", parts.join("，"), self.score)
    }
}

/// How rare a name held by `count` registry records is, 1 (one holder) to 0 (a thousand
/// or more): agreeing on a rare name says more than agreeing on 张伟. A table, because
/// the kernel asks it for every pair.
fn rarity(count: u32) -> f64 {
    static TABLE: std::sync::OnceLock<Vec<f64>> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        (0..=1000u32)
            .map(|c| (1.0 - f64::from(c.max(1)).log10() / 3.0).clamp(0.0, 1.0))
            .collect()
    });
    table[count.min(1000) as usize]
}

/// Scores a pair; `name_count` is the registry frequency of the rarer name.
pub fn compare(x: &Person, y: &Person, name_count: u32, config: &Config) -> Comparison {
    let w = &config.identity;
    let name = compare_tokens(x.name(), y.name(), config.matching.pinyin_weight);
    let id_diff = (x.has_id() && y.has_id()).then(|| {
        x.id_digits
            .iter()
            .zip(&y.id_digits)
            .map(|(a, b)| u8::from(a != b))
            .sum::<u8>()
    });
    let birth_known = x.has_birth() && y.has_birth();
    let same_birth = birth_known && x.birth == y.birth;
    let same_place = x.place != 0 && x.place == y.place;
    let same_account = x.account != 0 && x.account == y.account;
    let mut score = match id_diff {
        Some(0) => w.id_exact,
        Some(d) if u32::from(d) <= config.matching.max_id_digit_diff => w.id_close,
        Some(_) => w.id_far,
        None => 0.0,
    };
    if birth_known {
        score += if same_birth {
            w.birth_same
        } else {
            w.birth_diff
        };
    }
    if same_place {
        score += w.place_same;
    }
    if same_account {
        score += w.account_same;
    }
    if name.score >= config.matching.name_cutoff {
        score += w.name_agree + w.name_rare_bonus * rarity(name_count);
    } else {
        score += w.name_disagree;
    }
    Comparison {
        name,
        id_diff,
        same_birth,
        birth_known,
        same_place,
        same_account,
        name_count,
        score,
    }
}

/// A matched pair of registry rows (a < b) with the comparison that decided it.
#[derive(Debug, Clone, Copy)]
pub struct PairMatch {
    pub a: usize,
    pub b: usize,
    pub comparison: Comparison,
}

/// The blocking key families; each yields at most one key per record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKey {
    /// The whole ID number.
    IdNumber,
    /// Birth date, township and village: a registrar's name variant.
    BirthPlace,
    /// Region code, birth date and the name's sound: an ID typo in the sequence digits.
    RegionBirthSound,
    /// Birth date, sequence digits and the name's sound: an ID typo in the region code.
    BirthSeqSound,
    /// The bank account.
    Account,
}

impl BlockKey {
    pub const ALL: [BlockKey; 5] = [
        BlockKey::IdNumber,
        BlockKey::BirthPlace,
        BlockKey::RegionBirthSound,
        BlockKey::BirthSeqSound,
        BlockKey::Account,
    ];

    fn key(self, p: &Person) -> Option<u64> {
        match self {
            BlockKey::IdNumber => p.has_id().then(|| fx((0u8, p.id_body, p.id_check))),
            BlockKey::BirthPlace => {
                (p.has_birth() && p.place != 0).then(|| fx((1u8, p.birth, p.place)))
            }
            BlockKey::RegionBirthSound => (p.has_id() && p.name.len > 0)
                .then(|| fx((2u8, p.region, p.birth, p.name.pinyin_key))),
            BlockKey::BirthSeqSound => {
                (p.has_id() && p.name.len > 0).then(|| fx((3u8, p.birth, p.seq, p.name.pinyin_key)))
            }
            BlockKey::Account => (p.account != 0).then(|| fx((4u8, p.account))),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            BlockKey::IdNumber => "ID number",
            BlockKey::BirthPlace => "birth date + village",
            BlockKey::RegionBirthSound => "region + birth date + name sound",
            BlockKey::BirthSeqSound => "birth date + ID sequence + name sound",
            BlockKey::Account => "bank account",
        }
    }
}

/// Counts of one deduplication run, for the benchmark and the log.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct DedupStats {
    pub records: usize,
    /// Pairs enumerated inside blocks (a pair found by two families counts twice).
    pub candidate_pairs: u64,
    pub matched_pairs: usize,
    pub oversized_blocks: usize,
    pub refused_links: usize,
    pub clusters_with_duplicates: usize,
    /// Seconds: name frequencies, blocking and scoring, clustering.
    pub timings: Vec<(String, f64)>,
}

/// Result of registry self-deduplication.
#[derive(Debug, Default)]
pub struct Dedup {
    /// Matched pairs that joined clusters, strongest first.
    pub pairs: Vec<PairMatch>,
    /// Person cluster of each registry row (the smallest row index in its cluster).
    pub cluster: Vec<usize>,
    pub warnings: Vec<String>,
    pub stats: DedupStats,
}

/// Registry frequency of each record's name, by sound (a sorted pass, no hash table).
fn name_counts(people: &[Person]) -> Vec<u32> {
    let mut keyed: Vec<(u64, u32)> = people
        .par_iter()
        .enumerate()
        .map(|(i, p)| (p.name.pinyin_key, i as u32))
        .collect();
    keyed.par_sort_unstable();
    let mut counts = vec![0u32; people.len()];
    for run in keyed.chunk_by(|a, b| a.0 == b.0) {
        for &(_, i) in run {
            counts[i as usize] = run.len() as u32;
        }
    }
    counts
}

/// Finds registrations of one person under several beneficiary ids.
pub fn dedup_registry(people: &[Person], config: &Config) -> Dedup {
    let mut timings = Vec::new();
    let clock = std::time::Instant::now();
    let counts = name_counts(people);
    timings.push((
        "name frequencies".to_string(),
        clock.elapsed().as_secs_f64(),
    ));

    let clock = std::time::Instant::now();
    let cap = config.matching.max_block_size;
    let threshold = config.identity.match_score;
    let mut warnings = Vec::new();
    let mut candidate_pairs = 0u64;
    let mut oversized = 0usize;
    let mut matches: Vec<PairMatch> = Vec::new();
    for family in BlockKey::ALL {
        let mut keyed: Vec<(u64, u32)> = people
            .par_iter()
            .enumerate()
            .filter_map(|(i, p)| family.key(p).map(|k| (k, i as u32)))
            .collect();
        keyed.par_sort_unstable();
        let blocks: Vec<&[(u64, u32)]> = keyed
            .chunk_by(|a, b| a.0 == b.0)
            .filter(|b| b.len() >= 2)
            .collect();
        let big: Vec<usize> = blocks
            .iter()
            .filter(|b| b.len() > cap)
            .map(|b| b.len())
            .collect();
        if !big.is_empty() {
            oversized += big.len();
            warnings.push(format!(
                "{} candidate block(s) by {} exceed matching.max_block_size = {} (largest {}): not compared",
                big.len(),
                family.label(),
                cap,
                big.iter().max().unwrap_or(&0)
            ));
        }
        candidate_pairs += blocks
            .iter()
            .filter(|b| b.len() <= cap)
            .map(|b| (b.len() * (b.len() - 1) / 2) as u64)
            .sum::<u64>();
        let found: Vec<PairMatch> = blocks
            .par_iter()
            .filter(|b| b.len() <= cap)
            .flat_map_iter(|block| {
                let mut out = Vec::new();
                for (i, &(_, a)) in block.iter().enumerate() {
                    for &(_, b) in &block[i + 1..] {
                        let (a, b) = (a.min(b) as usize, a.max(b) as usize);
                        let c = compare(&people[a], &people[b], counts[a].min(counts[b]), config);
                        if c.score >= threshold {
                            out.push(PairMatch {
                                a,
                                b,
                                comparison: c,
                            });
                        }
                    }
                }
                out
            })
            .collect();
        matches.extend(found);
    }
    matches.par_sort_unstable_by_key(|m| (m.a, m.b));
    matches.dedup_by_key(|m| (m.a, m.b));
    timings.push(("block and score".to_string(), clock.elapsed().as_secs_f64()));

    let clock = std::time::Instant::now();
    let (cluster, pairs, refused) = cluster_pairs(people, &counts, matches, config);
    timings.push(("cluster".to_string(), clock.elapsed().as_secs_f64()));
    if refused > 0 {
        warnings.push(format!(
            "{refused} matched pair(s) not merged: their clusters disagree (identity.cluster_min_score) or would exceed identity.max_cluster_size"
        ));
    }
    let mut roots: Vec<usize> = pairs.iter().map(|p| cluster[p.a]).collect();
    roots.sort_unstable();
    roots.dedup();
    Dedup {
        stats: DedupStats {
            records: people.len(),
            candidate_pairs,
            matched_pairs: pairs.len(),
            oversized_blocks: oversized,
            refused_links: refused,
            clusters_with_duplicates: roots.len(),
            timings,
        },
        pairs,
        cluster,
        warnings,
    }
}

/// Union-find over matched pairs, strongest first, merging two clusters only when every
/// pair across them still scores `cluster_min_score` (complete linkage) and the result
/// stays within `max_cluster_size`: one record sharing an ID with 张伟 of 东村 and a
/// village with 张伟 of 西村 must not make the two 张伟 one person.
fn cluster_pairs(
    people: &[Person],
    counts: &[u32],
    mut matches: Vec<PairMatch>,
    config: &Config,
) -> (Vec<usize>, Vec<PairMatch>, usize) {
    let w = &config.identity;
    matches.sort_by(|x, y| {
        y.comparison
            .score
            .total_cmp(&x.comparison.score)
            .then((x.a, x.b).cmp(&(y.a, y.b)))
    });
    let mut parent: Vec<usize> = (0..people.len()).collect();
    let mut members: FxHashMap<usize, Vec<usize>> = FxHashMap::default();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    let mut kept = Vec::new();
    let mut refused = 0;
    for m in matches {
        let (ra, rb) = (find(&mut parent, m.a), find(&mut parent, m.b));
        if ra == rb {
            kept.push(m);
            continue;
        }
        let xs = members.get(&ra).cloned().unwrap_or_else(|| vec![ra]);
        let ys = members.get(&rb).cloned().unwrap_or_else(|| vec![rb]);
        let consistent = xs.len() + ys.len() <= w.max_cluster_size
            && xs.iter().all(|&x| {
                ys.iter().all(|&y| {
                    (x == m.a && y == m.b)
                        || compare(&people[x], &people[y], counts[x].min(counts[y]), config).score
                            >= w.cluster_min_score
                })
            });
        if !consistent {
            refused += 1;
            continue;
        }
        let (root, other) = (ra.min(rb), ra.max(rb));
        parent[other] = root;
        let mut all = xs;
        all.extend(ys);
        members.remove(&other);
        members.insert(root, all);
        kept.push(m);
    }
    let cluster = (0..people.len()).map(|i| find(&mut parent, i)).collect();
    (cluster, kept, refused)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use proptest::prelude::*;

    fn id(seq: u32, y: i32) -> String {
        idcard::make_id("411623", NaiveDate::from_ymd_opt(y, 3, 4).unwrap(), seq)
    }

    fn person(
        places: &mut Places<'static>,
        name: &str,
        id_number: &str,
        village: &'static str,
    ) -> Person {
        Person::new(
            &NormName::new(name),
            id_number,
            places.id("城关镇", village),
            "",
        )
    }

    #[test]
    fn hard_cases_resolve_right() {
        let config = Config::default();
        let mut places = Places::default();
        let mut p = |n: &str, i: &str, v: &'static str| person(&mut places, n, i, v);
        let people = vec![
            p("张伟", &id(101, 1960), "东村"),
            p("張偉", &id(101, 1960), "西村"), // same ID, traditional spelling
            p("张玮", &id(555, 1970), "东村"),
            p("张伟", &id(912, 1970), "东村"), // homophone, same birth + village
            p("王芳", &id(200, 1980), "东村"),
            p("王芳", &id(873, 1980), "西村"), // homonym, same birth, other village, ID far off
            p("王芳", &id(300, 1981), "东村"), // homonym, same village, other birth date
            p("李娜", &id(400, 1990), "南村"),
            p("李娜", &id(401, 1990), "北村"), // ID typo in the sequence, other village
            p("Ali Kurban", &id(500, 1975), "南村"),
            p("ALI  KURBAN", &id(500, 1975), "北村"), // Latin name, case and spaces
        ];
        let d = dedup_registry(&people, &config);
        let pairs: Vec<(usize, usize)> = d.pairs.iter().map(|p| (p.a, p.b)).collect();
        let mut expected = vec![(0, 1), (2, 3), (7, 8), (9, 10)];
        expected.sort();
        let mut got = pairs.clone();
        got.sort();
        assert_eq!(got, expected, "{:#?}", d.pairs);
        assert_eq!(d.cluster[1], 0);
        assert_eq!(d.cluster[5], 5);
        let homophone = d.pairs.iter().find(|p| (p.a, p.b) == (2, 3)).unwrap();
        assert!(homophone.comparison.same_place && homophone.comparison.same_birth);
        assert_eq!(homophone.comparison.name.pinyin, 1.0);
        assert!(homophone.comparison.describe().contains("同音"));
    }

    #[test]
    fn chaining_through_one_record_is_refused() {
        let config = Config::default();
        let mut places = Places::default();
        let mut p = |n: &str, i: &str, v: &'static str| person(&mut places, n, i, v);
        // A and B: two 王芳 born the same day in different villages (not one person).
        // C shares A's ID number and lives in B's village under B's name.
        let people = vec![
            p("王芳", &id(200, 1980), "东村"),
            p("王芳", &id(873, 1980), "西村"),
            p("王芳", &id(200, 1980), "西村"),
        ];
        let d = dedup_registry(&people, &config);
        assert_ne!(d.cluster[0], d.cluster[1], "{:#?}", d.pairs);
        assert_eq!(d.stats.refused_links, 1);
    }

    #[test]
    fn common_names_count_for_less() {
        let config = Config::default();
        let mut places = Places::default();
        let a = person(&mut places, "欧阳修远", &id(1, 1950), "东村");
        let b = person(&mut places, "欧阳修远", &id(2, 1950), "西村");
        let rare = compare(&a, &b, 1, &config).score;
        let common = compare(&a, &b, 5000, &config).score;
        assert!(rare > common);
        assert!((rare - common - config.identity.name_rare_bonus).abs() < 1e-9);
    }

    #[test]
    fn each_comparison_adds_its_weight() {
        let config = Config::default();
        let w = &config.identity;
        let mut places = Places::default();
        let east = places.id("城关镇", "东村");
        let west = places.id("城关镇", "西村");
        let make = |name: &str, id_number: &str, place: u32, account: &str| {
            Person::new(&NormName::new(name), id_number, place, account)
        };
        let base = make("张伟", &id(101, 1960), east, "6228");
        let score = |other: &Person| compare(&base, other, 1000, &config).score;
        let reference = score(&make("张伟", &id(101, 1960), west, ""));
        // Same village, same account.
        assert!(
            (score(&make("张伟", &id(101, 1960), east, "")) - reference - w.place_same).abs()
                < 1e-9
        );
        assert!(
            (score(&make("张伟", &id(101, 1960), west, "6228")) - reference - w.account_same).abs()
                < 1e-9
        );
        // ID number identical → two digits off (sequence digit and check) → far off.
        let close = compare(
            &base,
            &make("张伟", &id(102, 1960), west, ""),
            1000,
            &config,
        );
        assert!(
            close.id_diff.is_some_and(|d| (1..=2).contains(&d)),
            "{close:?}"
        );
        assert!((reference - close.score - (w.id_exact - w.id_close)).abs() < 1e-9);
        let far = compare(
            &base,
            &make("张伟", &id(987, 1960), west, ""),
            1000,
            &config,
        );
        assert!(
            (reference - far.score - (w.id_exact - w.id_far)).abs() < 1e-9,
            "{far:?}"
        );
        // Birth date differs (and so does the ID number).
        let older = compare(
            &base,
            &make("张伟", &id(987, 1961), west, ""),
            1000,
            &config,
        );
        assert!(!older.same_birth && older.birth_known);
        assert!(
            (far.score - older.score - (w.birth_same - w.birth_diff)).abs() < 1e-9,
            "{older:?}"
        );
        // Names that do not agree.
        let other = compare(
            &base,
            &make("李娜", &id(101, 1960), west, ""),
            1000,
            &config,
        );
        assert!((reference - other.score - (w.name_agree - w.name_disagree)).abs() < 1e-9);
        // Missing ID numbers weigh nothing either way.
        let missing = compare(&base, &make("张伟", "", west, ""), 1000, &config);
        assert_eq!(missing.id_diff, None);
        assert!(!missing.birth_known);
        assert!((missing.score - w.name_agree).abs() < 1e-9, "{missing:?}");
    }

    fn arb_person() -> impl Strategy<Value = (String, u32, i32, usize)> {
        (
            proptest::sample::select(vec![
                "张伟",
                "張偉",
                "张玮",
                "王芳",
                "李静",
                "李晶",
                "欧阳娜",
                "Ali",
                "阿依古丽·吐尔逊",
            ]),
            0u32..1000,
            1930i32..2000,
            0usize..3,
        )
            .prop_map(|(n, s, y, v)| (n.to_string(), s, y, v))
    }

    proptest! {
        #[test]
        fn comparison_is_symmetric((n1, s1, y1, v1) in arb_person(), (n2, s2, y2, v2) in arb_person(), count in 1u32..5000) {
            let config = Config::default();
            let villages = ["东村", "西村", "南村"];
            let mut places = Places::default();
            let a = person(&mut places, &n1, &id(s1, y1), villages[v1]);
            let b = person(&mut places, &n2, &id(s2, y2), villages[v2]);
            let (ab, ba) = (compare(&a, &b, count, &config), compare(&b, &a, count, &config));
            prop_assert!((ab.score - ba.score).abs() < 1e-9);
            prop_assert_eq!(ab.id_diff, ba.id_diff);
        }

        #[test]
        fn a_record_matches_an_exact_copy((n, s, y, v) in arb_person(), count in 1u32..100_000) {
            let config = Config::default();
            let villages = ["东村", "西村", "南村"];
            let mut places = Places::default();
            let a = person(&mut places, &n, &id(s, y), villages[v]);
            let c = compare(&a, &a.clone(), count, &config);
            prop_assert!(c.score >= config.identity.match_score, "{:?}", c);
            let d = dedup_registry(&[a, a], &config);
            prop_assert_eq!(d.cluster, vec![0, 0]);
        }
    }
}
