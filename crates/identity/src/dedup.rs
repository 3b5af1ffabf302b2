//! Registry self-deduplication at scale: is one person registered twice?
//!
//! Records come packed ([`super::packed`]); candidates come from the block families and
//! the sorted-neighbourhood passes of [`super::blocking`], one family at a time: each is
//! a vector of (key, row) sorted in parallel, and its runs are the blocks. No hash table
//! of blocks and no list of all pairs is ever held; only matches are kept. Pairs are
//! scored by [`super::model`] and joined into persons by a guarded union-find.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::blocking::{neighbourhood_keys, BlockKey, Neighbourhood, NEIGHBOURHOOD_WINDOW};
use super::measure::{measured_config, Measured};
use super::model::{compare, compare_at_least, Bounds, Comparison};
use super::packed::PackedRegistry;
use fundaudit_core::config::{Config, Identity};

use super::packed::Person;

/// A matched pair of registry rows (a < b) with the comparison that decided it.
#[derive(Debug, Clone, Copy)]
pub struct PairMatch {
    pub a: usize,
    pub b: usize,
    pub comparison: Comparison,
}

/// A matched pair the clustering did not merge, and why: the analyst's view of what
/// `identity.cluster_min_score` and `identity.max_cluster_size` cost.
#[derive(Debug, Clone, Copy)]
pub struct Refusal {
    pub pair: PairMatch,
    /// The pair across the two clusters that scored below `cluster_min_score`, with its
    /// score (None when the merged cluster would have been too large).
    pub disagreeing: Option<(usize, usize, f64)>,
    /// Size the merged cluster would have had.
    pub merged_size: usize,
}

impl Refusal {
    pub fn describe(&self, ctx_label: impl Fn(usize) -> String) -> String {
        match self.disagreeing {
            Some((x, y, score)) => format!(
                "未合并：{}与{}匹配得分仅{:.1}，低于聚类下限，两组登记不能并为一人",
                ctx_label(x),
                ctx_label(y),
                score
            ),
            None => format!(
                "未合并：合并后一人将有{}条登记，超过聚类上限",
                self.merged_size
            ),
        }
    }
}

/// Counts of one deduplication run, for the benchmark and the log.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct DedupStats {
    pub records: usize,
    /// Pairs enumerated inside blocks and windows (a pair found twice counts twice).
    pub candidate_pairs: u64,
    pub matched_pairs: usize,
    pub oversized_blocks: usize,
    pub refused_links: usize,
    pub clusters_with_duplicates: usize,
    /// Matches first found by each family (a family finding only pairs an earlier one
    /// found adds nothing): what each block costs and brings.
    pub families: Vec<FamilyStats>,
    /// Seconds: name frequencies, blocking and scoring, clustering.
    pub timings: Vec<(String, f64)>,
    /// The u measured on this registry (None when `identity.measure_u` is off).
    pub measured: Option<Measured>,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct FamilyStats {
    pub family: String,
    pub candidate_pairs: u64,
    pub new_matches: usize,
    pub seconds: f64,
}

/// Result of registry self-deduplication.
#[derive(Debug, Default)]
pub struct Dedup {
    /// Matched pairs that joined clusters, strongest first.
    pub pairs: Vec<PairMatch>,
    /// Matched pairs left apart by the clustering guard.
    pub refused: Vec<Refusal>,
    /// Person cluster of each registry row (the smallest row index in its cluster).
    pub cluster: Vec<usize>,
    /// Registry frequency of each row's name, by sound.
    pub name_counts: Vec<u32>,
    pub warnings: Vec<String>,
    pub stats: DedupStats,
    /// The weights the pairs were scored with (measured on this registry by default).
    pub identity: Option<Identity>,
}

/// Registry frequency of each record's name, by sound (a sorted pass, no hash table).
pub fn name_counts(reg: &PackedRegistry) -> Vec<u32> {
    let mut keyed: Vec<(u64, u32)> = reg
        .people
        .par_iter()
        .enumerate()
        .map(|(i, p)| (p.sound, i as u32))
        .collect();
    keyed.par_sort_unstable();
    let mut counts = vec![0u32; reg.len()];
    for run in keyed.chunk_by(|a, b| a.0 == b.0) {
        for &(_, i) in run {
            counts[i as usize] = run.len() as u32;
        }
    }
    counts
}

/// A candidate pair as `visit` sees it: rows a < b, the family that proposed it
/// (numbered as [`BlockKey::ALL`], then the neighbourhood passes), the two records and
/// the registry frequency of the rarer name.
pub struct Candidate<'a> {
    pub family: usize,
    pub a: usize,
    pub b: usize,
    pub x: &'a Person,
    pub y: &'a Person,
    pub name_count: u32,
}

/// Records of a sorted pass are gathered this many at a time into a contiguous copy, so
/// comparing each with its next neighbours reads memory in order instead of jumping
/// through the registry (at ten million records that is most of a pass's time).
const GATHER: usize = 1 << 14;

/// Every candidate pair, once per family that proposes it, handed to `visit` in
/// parallel; `each_family` receives what `visit` kept, family by family. Shared by
/// deduplication and training. Returns the number of oversized blocks skipped.
pub fn candidates<T: Send>(
    reg: &PackedRegistry,
    counts: &[u32],
    config: &Config,
    visit: impl Fn(&Candidate) -> Option<T> + Sync,
    mut each_family: impl FnMut(&str, u64, Vec<T>, f64),
    warnings: &mut Vec<String>,
) -> usize {
    let cap = config.matching.max_block_size;
    let mut oversized = 0;
    let candidate = |family: usize, a: u32, b: u32| {
        let (a, b) = (a.min(b) as usize, a.max(b) as usize);
        Candidate {
            family,
            a,
            b,
            x: &reg.people[a],
            y: &reg.people[b],
            name_count: counts[a].min(counts[b]),
        }
    };
    for (index, family) in BlockKey::ALL.into_iter().enumerate() {
        let clock = std::time::Instant::now();
        let mut keyed: Vec<(u64, u32)> = reg
            .people
            .par_iter()
            .enumerate()
            .filter_map(|(i, p)| family.key(reg, p).map(|k| (k, i as u32)))
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
        let pairs = blocks
            .iter()
            .filter(|b| b.len() <= cap)
            .map(|b| (b.len() * (b.len() - 1) / 2) as u64)
            .sum::<u64>();
        let found: Vec<T> = blocks
            .par_iter()
            .filter(|b| b.len() <= cap)
            .flat_map_iter(|block| {
                let mut out = Vec::new();
                for (i, &(_, a)) in block.iter().enumerate() {
                    for &(_, b) in &block[i + 1..] {
                        out.extend(visit(&candidate(index, a, b)));
                    }
                }
                out
            })
            .collect();
        each_family(family.label(), pairs, found, clock.elapsed().as_secs_f64());
    }
    for (pass, neighbourhood) in Neighbourhood::ALL.into_iter().enumerate() {
        let index = BlockKey::ALL.len() + pass;
        let clock = std::time::Instant::now();
        let mut keyed = neighbourhood_keys(reg, neighbourhood);
        keyed.par_sort_unstable();
        let w = NEIGHBOURHOOD_WINDOW;
        let pairs = (keyed.len() * w) as u64;
        let found: Vec<T> = (0..keyed.len().div_ceil(GATHER))
            .into_par_iter()
            .flat_map_iter(|chunk| {
                let start = chunk * GATHER;
                let end = (start + GATHER).min(keyed.len());
                let reach = (end + w).min(keyed.len());
                let span = &keyed[start..reach];
                let people: Vec<Person> =
                    span.iter().map(|&(_, r)| reg.people[r as usize]).collect();
                let count: Vec<u32> = span.iter().map(|&(_, r)| counts[r as usize]).collect();
                let mut out = Vec::new();
                for i in 0..end - start {
                    let (ka, ra) = span[i];
                    for j in i + 1..(i + 1 + w).min(span.len()) {
                        let (kb, rb) = span[j];
                        if !neighbourhood.comparable(ka, kb) {
                            continue;
                        }
                        let (i, j) = if ra < rb { (i, j) } else { (j, i) };
                        out.extend(visit(&Candidate {
                            family: index,
                            a: span[i].1 as usize,
                            b: span[j].1 as usize,
                            x: &people[i],
                            y: &people[j],
                            name_count: count[i].min(count[j]),
                        }));
                    }
                }
                out
            })
            .collect();
        each_family(
            neighbourhood.label(),
            pairs,
            found,
            clock.elapsed().as_secs_f64(),
        );
    }
    oversized
}

/// Finds registrations of one person under several beneficiary ids.
pub fn dedup_registry(reg: &PackedRegistry, config: &Config) -> Dedup {
    let mut timings = Vec::new();
    let clock = std::time::Instant::now();
    let (config, measured) = measured_config(reg, config);
    let config = &config;
    timings.push(("measure u".to_string(), clock.elapsed().as_secs_f64()));
    let clock = std::time::Instant::now();
    let counts = name_counts(reg);
    timings.push((
        "name frequencies".to_string(),
        clock.elapsed().as_secs_f64(),
    ));

    let clock = std::time::Instant::now();
    let threshold = config.identity.match_score;
    let bounds = Bounds::new(&config.identity, reg.len());
    let mut warnings = Vec::new();
    let mut candidate_pairs = 0u64;
    let mut families = Vec::new();
    let mut matches: Vec<PairMatch> = Vec::new();
    let mut seen: rustc_hash::FxHashSet<(usize, usize)> = Default::default();
    let oversized = candidates(
        reg,
        &counts,
        config,
        |c| {
            compare_at_least(
                reg,
                &bounds,
                c.x,
                c.y,
                c.name_count,
                reg.len(),
                config,
                threshold,
            )
            .map(|comparison| PairMatch {
                a: c.a,
                b: c.b,
                comparison,
            })
        },
        |family, pairs, found, seconds| {
            candidate_pairs += pairs;
            let before = matches.len();
            for m in found {
                if seen.insert((m.a, m.b)) {
                    matches.push(m);
                }
            }
            families.push(FamilyStats {
                family: family.to_string(),
                candidate_pairs: pairs,
                new_matches: matches.len() - before,
                seconds,
            });
        },
        &mut warnings,
    );
    timings.push(("block and score".to_string(), clock.elapsed().as_secs_f64()));
    let stats = DedupStats {
        candidate_pairs,
        oversized_blocks: oversized,
        families,
        timings,
        measured,
        ..DedupStats::default()
    };
    Dedup::from_matches(reg, config, counts, matches, stats, warnings)
}

/// A registry registers a person twice a few times in a hundred; when far more of its
/// records merge, the identity weights are wrong (or the registry is one person's many
/// rows), and the duplicate findings built on them are not to be trusted as they stand.
fn implausible_merge_rate(records: usize, cluster: &[usize], roots: &[usize]) -> Option<String> {
    const MIN_RECORDS: usize = 200;
    const MAX_SHARE: f64 = 0.10;
    if records < MIN_RECORDS || roots.is_empty() {
        return None;
    }
    let merged = cluster
        .iter()
        .filter(|root| roots.binary_search(root).is_ok())
        .count();
    let share = merged as f64 / records as f64;
    (share > MAX_SHARE).then(|| {
        format!(
            "identity: {merged} of {records} registry records ({:.0}%) were merged with another \
             record, far above the few percent a registry registers twice; check the \
             [identity] weights (match_score, cluster_min_score) before acting on duplicate findings",
            share * 100.0
        )
    })
}

impl Dedup {
    /// The persons of a registry from its matched pairs, wherever they were found (here,
    /// or on a cluster: [`Dedup::of_pairs`]); `stats` says how they were found, and the
    /// counts of the registry and the clustering are filled in here.
    pub fn from_matches(
        reg: &PackedRegistry,
        config: &Config,
        counts: Vec<u32>,
        mut matches: Vec<PairMatch>,
        mut stats: DedupStats,
        mut warnings: Vec<String>,
    ) -> Dedup {
        matches.par_sort_unstable_by_key(|m| (m.a, m.b));
        let clock = std::time::Instant::now();
        let (cluster, pairs, refused) = cluster_pairs(reg, &counts, matches, config);
        stats
            .timings
            .push(("cluster".to_string(), clock.elapsed().as_secs_f64()));
        if !refused.is_empty() {
            warnings.push(format!(
                "{} matched pair(s) not merged: their clusters disagree (identity.cluster_min_score) or would exceed identity.max_cluster_size",
                refused.len()
            ));
        }
        let mut roots: Vec<usize> = pairs.iter().map(|p| cluster[p.a]).collect();
        roots.sort_unstable();
        roots.dedup();
        if let Some(w) = implausible_merge_rate(reg.len(), &cluster, &roots) {
            warnings.push(w);
        }
        stats.records = reg.len();
        stats.matched_pairs = pairs.len();
        stats.refused_links = refused.len();
        stats.clusters_with_duplicates = roots.len();
        Dedup {
            stats,
            pairs,
            refused,
            cluster,
            name_counts: counts,
            warnings,
            identity: Some(config.identity.clone()),
        }
    }

    /// The persons of a registry whose matched pairs (rows a < b, each once) were found
    /// elsewhere — by a cluster, or by the client for its executors. Each pair is compared
    /// again here, where the whole registry is: the evidence and the clustering's guard
    /// need the comparison, and it is the same code and the same records. A pair that
    /// does not reach `identity.match_score` here is left out, so an edge from another
    /// registry can never join two persons.
    pub fn of_pairs(
        reg: &PackedRegistry,
        config: &Config,
        pairs: &[(u32, u32)],
        mut stats: DedupStats,
        warnings: Vec<String>,
    ) -> Dedup {
        let (config, measured) = measured_config(reg, config);
        let config = &config;
        stats.measured = stats.measured.or(measured);
        let counts = name_counts(reg);
        let matches = Dedup::compare_pairs(reg, config, &counts, pairs);
        Dedup::from_matches(reg, config, counts, matches, stats, warnings)
    }

    /// The pairs (rows a < b) that match when compared here, with the comparison. A pair
    /// from elsewhere is only a candidate: what matches is decided where the registry's
    /// name frequencies (`counts`) are.
    pub fn compare_pairs(
        reg: &PackedRegistry,
        config: &Config,
        counts: &[u32],
        pairs: &[(u32, u32)],
    ) -> Vec<PairMatch> {
        let threshold = config.identity.match_score;
        pairs
            .par_iter()
            .filter(|&&(a, b)| a < b && (b as usize) < reg.len())
            .filter_map(|&(a, b)| {
                let (a, b) = (a as usize, b as usize);
                let comparison = compare(reg, a, b, counts[a].min(counts[b]), config);
                (comparison.score >= threshold).then_some(PairMatch { a, b, comparison })
            })
            .collect()
    }

    /// Every matched pair, merged or refused: what another process needs to rebuild
    /// these persons with [`Dedup::of_pairs`].
    pub fn matched(&self) -> Vec<(u32, u32)> {
        let mut all: Vec<(u32, u32)> = self
            .pairs
            .iter()
            .chain(self.refused.iter().map(|r| &r.pair))
            .map(|m| (m.a as u32, m.b as u32))
            .collect();
        all.sort_unstable();
        all
    }
}

/// Union-find over matched pairs, strongest first, merging two clusters only when every
/// pair across them still scores `cluster_min_score` (complete linkage) and the result
/// stays within `max_cluster_size`: one record sharing an ID with 张伟 of 东村 and a
/// village with 张伟 of 西村 must not make the two 张伟 one person.
fn cluster_pairs(
    reg: &PackedRegistry,
    counts: &[u32],
    mut matches: Vec<PairMatch>,
    config: &Config,
) -> (Vec<usize>, Vec<PairMatch>, Vec<Refusal>) {
    let w = &config.identity;
    matches.sort_by(|x, y| {
        y.comparison
            .score
            .total_cmp(&x.comparison.score)
            .then((x.a, x.b).cmp(&(y.a, y.b)))
    });
    let mut parent: Vec<usize> = (0..reg.len()).collect();
    let mut members: FxHashMap<usize, Vec<usize>> = FxHashMap::default();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    let mut kept = Vec::new();
    let mut refused = Vec::new();
    for m in matches {
        let (ra, rb) = (find(&mut parent, m.a), find(&mut parent, m.b));
        if ra == rb {
            kept.push(m);
            continue;
        }
        let xs = members.get(&ra).cloned().unwrap_or_else(|| vec![ra]);
        let ys = members.get(&rb).cloned().unwrap_or_else(|| vec![rb]);
        let merged_size = xs.len() + ys.len();
        let too_big = merged_size > w.max_cluster_size;
        let disagreeing = (!too_big)
            .then(|| {
                xs.iter().find_map(|&x| {
                    ys.iter().find_map(|&y| {
                        if (x.min(y), x.max(y)) == (m.a, m.b) {
                            return None;
                        }
                        let (a, b) = (x.min(y), x.max(y));
                        let s = compare(reg, a, b, counts[a].min(counts[b]), config).score;
                        (s < w.cluster_min_score).then_some((a, b, s))
                    })
                })
            })
            .flatten();
        if too_big || disagreeing.is_some() {
            refused.push(Refusal {
                pair: m,
                disagreeing,
                merged_size,
            });
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
    let cluster = (0..reg.len()).map(|i| find(&mut parent, i)).collect();
    (cluster, kept, refused)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packed::RegistryBuilder;

    #[test]
    fn a_merge_rate_far_above_a_registrys_is_warned_of() {
        // 300 records; pairs (0,1), (2,3) … merged up to `pairs` of them.
        let clusters = |pairs: usize| -> (Vec<usize>, Vec<usize>) {
            let cluster: Vec<usize> = (0..300)
                .map(|i| if i < 2 * pairs { i & !1 } else { i })
                .collect();
            let roots: Vec<usize> = (0..pairs).map(|p| 2 * p).collect();
            (cluster, roots)
        };
        let (c, r) = clusters(3);
        assert_eq!(implausible_merge_rate(300, &c, &r), None);
        let (c, r) = clusters(60);
        let w = implausible_merge_rate(300, &c, &r).unwrap();
        assert!(w.contains("120 of 300") && w.contains("40%"), "{w}");
        assert_eq!(
            implausible_merge_rate(150, &c[..150], &r),
            None,
            "small registries: no rate"
        );
    }
    use crate::idcard;
    use crate::model::{compare, score};
    use crate::normalize::NormName;
    use chrono::NaiveDate;
    use proptest::prelude::*;

    fn id(seq: u32, y: i32) -> String {
        idcard::make_id("411623", NaiveDate::from_ymd_opt(y, 3, 4).unwrap(), seq)
    }

    /// A registry of (name, ID number, village, account) in 城关镇.
    fn registry(rows: &[(&str, &str, &str, &str)]) -> PackedRegistry {
        let mut b = RegistryBuilder::new();
        for (name, id_number, village, account) in rows {
            b.push(&NormName::new(name), id_number, "城关镇", village, account);
        }
        b.finish()
    }

    #[test]
    fn hard_cases_resolve_right() {
        let config = Config::default();
        let rows = [
            ("张伟", id(101, 1960), "东村"),
            ("張偉", id(101, 1960), "西村"), // same ID, traditional spelling
            ("张玮", id(555, 1970), "东村"),
            ("张伟", id(912, 1970), "东村"), // homophone, same birth + village
            ("王芳", id(200, 1980), "东村"),
            ("王芳", id(873, 1980), "西村"), // homonym, same birth, other village, ID far off
            ("王芳", id(300, 1981), "东村"), // homonym, same village, other birth date
            ("李娜", id(400, 1990), "南村"),
            ("李娜", id(410, 1990), "北村"), // ID typo in the sequence, other village
            ("李娜", id(402, 1990), "西村"), // same day, next code but one: a namesake
            ("Ali Kurban", id(500, 1975), "南村"),
            ("ALI  KURBAN", id(500, 1975), "北村"), // Latin name, case and spaces
        ];
        let rows: Vec<(&str, &str, &str, &str)> = rows
            .iter()
            .map(|(n, i, v)| (*n, i.as_str(), *v, ""))
            .collect();
        let reg = registry(&rows);
        let d = dedup_registry(&reg, &config);
        let mut got: Vec<(usize, usize)> = d.pairs.iter().map(|p| (p.a, p.b)).collect();
        got.sort();
        assert_eq!(
            got,
            vec![(0, 1), (2, 3), (7, 8), (10, 11)],
            "{:#?}",
            d.pairs
        );
        assert_eq!(d.cluster[1], 0);
        assert_eq!(d.cluster[5], 5);
        let homophone = d.pairs.iter().find(|p| (p.a, p.b) == (2, 3)).unwrap();
        assert!(homophone.comparison.same_place() && homophone.comparison.same_birth());
        assert_eq!(homophone.comparison.name.pinyin, 1.0);
        assert!(homophone.comparison.describe().contains("同音"));
    }

    /// A clerk reads 夭 for 天 or 微 for 徽 (the four-corner codes differ, one component
    /// or stroke does): the second registration is found. Twins of one village, born
    /// the same day with neighbouring sequence codes, named one ordinary character
    /// apart, stay two people.
    #[test]
    fn look_alikes_of_one_component_are_found_and_twins_are_not() {
        let config = Config::default();
        let rows = [
            ("金天华", id(402, 1961), "南村", ""),
            ("金夭华", id(412, 1961), "南村", ""), // a look-alike, ID one digit off
            ("潘徽福", id(520, 1972), "东村", ""),
            ("潘微福", id(520, 1972), "东村", ""), // a look-alike, same ID number
            ("张明远", id(302, 1985), "西村", ""),
            ("张亮远", id(304, 1985), "西村", ""), // twins: next sequence code, same sex
        ];
        let rows: Vec<(&str, &str, &str, &str)> = rows
            .iter()
            .map(|(n, i, v, a)| (*n, i.as_str(), *v, *a))
            .collect();
        let d = dedup_registry(&registry(&rows), &config);
        let mut got: Vec<(usize, usize)> = d.pairs.iter().map(|p| (p.a, p.b)).collect();
        got.sort();
        assert_eq!(got, vec![(0, 1), (2, 3)], "{:#?}", d.pairs);
        assert!(
            d.pairs[0].comparison.describe().contains("形近"),
            "{}",
            d.pairs[0].comparison.describe()
        );
    }

    /// GB 11643's 17th digit is odd for men, even for women: two 李娜 born the same day a
    /// sequence digit apart whose sex digits differ in parity are two people born at one
    /// police station, not a typo — unless village and card say otherwise. Only the sex
    /// digit apart, its parity kept, is the station's next person of that sex in another
    /// village, and a typo in the same one.
    #[test]
    fn a_sex_digit_of_another_parity_keeps_namesakes_apart() {
        let config = Config::default();
        let rows = [
            ("李娜", id(400, 1990), "南村", ""),
            ("李娜", id(401, 1990), "北村", ""), // other sex, other village: two people
            ("李娜", id(402, 1990), "南村", ""), // same sex, same village: a typo, one person
            ("李娜", id(401, 1990), "南村", "6228"), // other sex, but …
            ("李娜", id(400, 1990), "南村", "6228"), // … the same card and village as row 3
        ];
        let rows: Vec<(&str, &str, &str, &str)> = rows
            .iter()
            .map(|(n, i, v, a)| (*n, i.as_str(), *v, *a))
            .collect();
        let reg = registry(&rows);
        let other_sex = compare(&reg, 0, 1, 2, &config);
        assert!(other_sex.sex_differs);
        assert_eq!(other_sex.level(1), Some("other_sex"));
        assert!(other_sex.describe().contains("性别码不同"));
        assert!(other_sex.score < config.identity.match_score);
        let typo = compare(&reg, 0, 2, 2, &config);
        assert!(!typo.sex_differs && typo.level(1) == Some("last_digit"));
        assert!(typo.score >= config.identity.match_score);
        let (a, b) = (id(400, 1990), id(402, 1990));
        // Same sex, other village: the station's next person, a namesake.
        let rows = [
            ("李娜", a.as_str(), "南村", ""),
            ("李娜", b.as_str(), "北村", ""),
        ];
        let next = compare(&registry(&rows), 0, 1, 2, &config);
        assert_eq!(next.level(1), Some("last_digit"));
        assert!(next.score < config.identity.match_score, "{next:?}");
        // Strong evidence, not a veto: a shared card and village outweigh it.
        let strong = compare(&reg, 3, 4, 2, &config);
        assert!(strong.sex_differs);
        assert!(strong.score >= config.identity.match_score, "{strong:?}");
    }

    /// Rows 0–2: A and B, two 王芳 born the same day in different villages (not one
    /// person); C shares A's ID number and lives in B's village under B's name. Then
    /// `more`.
    fn chain(more: &[(&str, &str, &str, &str)]) -> PackedRegistry {
        let (a, b) = (id(200, 1980), id(873, 1980));
        let mut rows = vec![
            ("王芳", a.as_str(), "东村", ""),
            ("王芳", b.as_str(), "西村", ""),
            ("王芳", a.as_str(), "西村", ""),
        ];
        rows.extend_from_slice(more);
        registry(&rows)
    }

    #[test]
    fn chaining_through_one_record_is_refused_and_says_why() {
        let config = Config::default();
        let reg = chain(&[]);
        let d = dedup_registry(&reg, &config);
        assert_ne!(d.cluster[0], d.cluster[1], "{:#?}", d.pairs);
        assert_eq!(d.stats.refused_links, 1);
        let refusal = &d.refused[0];
        let (x, y, s) = refusal.disagreeing.expect("a disagreeing pair");
        assert_eq!((x, y), (0, 1));
        assert!(s < config.identity.cluster_min_score);
        assert!(refusal
            .describe(|r| format!("#{r}"))
            .contains("#0与#1匹配得分"));
    }

    #[test]
    fn the_matched_pairs_rebuild_the_same_persons() {
        let config = Config::default();
        let (zhang, li) = (id(101, 1960), id(400, 1990));
        let reg = chain(&[
            ("张伟", &zhang, "东村", "6228"),
            ("張偉", &zhang, "西村", "6228"),
            ("李娜", &li, "南村", ""),
        ]);
        let here = dedup_registry(&reg, &config);
        assert_eq!(
            here.refused.len(),
            1,
            "a refusal travels too: {:#?}",
            here.pairs
        );
        let matched = here.matched();
        assert_eq!(matched.len(), here.pairs.len() + 1);
        // A pair that matches nothing here (from another registry) joins nobody.
        let mut sent = matched.clone();
        sent.push((3, 5));
        let there = Dedup::of_pairs(&reg, &config, &sent, DedupStats::default(), Vec::new());
        assert_eq!(there.cluster, here.cluster);
        let pairs = |d: &Dedup| -> Vec<(usize, usize, u64)> {
            d.pairs
                .iter()
                .map(|p| (p.a, p.b, p.comparison.score.to_bits()))
                .collect()
        };
        assert_eq!(pairs(&there), pairs(&here));
        assert_eq!(there.refused.len(), 1);
        assert_eq!(there.name_counts, here.name_counts);
    }

    #[test]
    fn common_names_count_for_less() {
        let config = Config::default();
        let reg = registry(&[
            ("欧阳修远", &id(1, 1950), "东村", ""),
            ("欧阳修远", &id(2, 1950), "西村", ""),
        ]);
        // Held by these two of the two: as common as a name can be.
        let common = compare(&reg, 0, 1, 2, &config).score;
        let mut names: Vec<(String, String)> = (0..3000u32)
            .map(|i| (format!("甲{i}"), id(i % 1000, 1930 + (i / 1000) as i32)))
            .collect();
        names.push(("欧阳修远".into(), id(1, 1950)));
        names.push(("欧阳修远".into(), id(2, 1950)));
        let rows: Vec<(&str, &str, &str, &str)> = names
            .iter()
            .map(|(n, i)| (n.as_str(), i.as_str(), "东村", ""))
            .collect();
        let big = registry(&rows);
        // Two holders of 3,002: rare.
        let rare = compare(&big, 3000, 3001, 2, &config).score;
        assert!(
            rare > common + 0.5 * config.identity.name_rare_bonus,
            "{rare} {common}"
        );
    }

    #[test]
    fn each_level_adds_its_weight() {
        let config = Config::default();
        let w = &config.identity;
        let base = (id(101, 1960), "东村", "6228");
        let cases: Vec<(&str, String, &str, &str)> = vec![
            ("张伟", base.0.clone(), base.1, base.2),
            ("张伟", id(101, 1960), "西村", ""), // 1: other village, no account
            ("张伟", id(101, 1960), "东村", ""), // 2: same village
            ("张伟", id(101, 1960), "西村", "6228"), // 3: same account
            ("张伟", id(111, 1960), "西村", ""), // 4: one sequence digit off (not the sex digit)
            ("张伟", id(987, 1960), "西村", ""), // 5: sequence far off
            ("张伟", id(987, 1971), "西村", ""), // 6: other birth date too
            ("李娜", id(101, 1960), "西村", ""), // 7: other name
            ("张伟", String::new(), "西村", ""), // 8: no ID number
            ("张玮", id(101, 1960), "西村", ""), // 9: homophone
        ];
        let rows: Vec<(&str, &str, &str, &str)> = cases
            .iter()
            .map(|(n, i, v, a)| (*n, i.as_str(), *v, *a))
            .collect();
        let reg = registry(&rows);
        let s = |i: usize| compare(&reg, 0, i, 1000, &config);
        let reference = s(1).score;
        let near = |x: f64, y: f64| (x - y).abs() < 1e-9;
        assert!(near(
            s(2).score - reference,
            w.place_village - w.place_township
        ));
        assert!(near(s(3).score - reference, w.account_same));
        assert_eq!(s(4).id_diff, Some(1));
        assert!(near(reference - s(4).score, w.id_same - w.id_one_off));
        assert!(near(reference - s(5).score, w.id_same - w.id_far));
        assert!(!s(6).same_birth());
        assert!(near(
            s(5).score - s(6).score,
            w.birth_same - w.birth_different
        ));
        assert!(near(
            reference - s(7).score,
            w.name_exact - w.name_different
        ));
        let missing = s(8);
        assert_eq!(missing.id_diff, None);
        assert_eq!(missing.levels[2], crate::model::NONE);
        assert!(near(
            missing.score,
            w.name_exact + w.id_missing + w.place_township
        ));
        assert!(near(reference - s(9).score, w.name_exact - w.name_alike));
        // The score is the sum of the level weights.
        for i in 1..cases.len() {
            let c = s(i);
            assert!(near(c.score, score(&c.levels, 1000, reg.len(), w)), "{i}");
        }
    }

    #[test]
    fn a_registration_without_an_id_number_needs_more_than_name_and_village() {
        let config = Config::default();
        // A common name in one village: two people, not one.
        let mut rows: Vec<(String, String, &str, &str)> = (0..40)
            .map(|i| ("王芳".to_string(), id(300 + i, 1950 + i as i32), "东村", ""))
            .collect();
        rows.push(("王芳".into(), String::new(), "东村", ""));
        // A rare name without an ID number, in the village and on the card of a
        // registered record: one person.
        rows.push(("欧阳修远".into(), id(7, 1950), "西村", "6228001"));
        rows.push(("欧阳修远".into(), String::new(), "西村", "6228001"));
        // The same rare name without an ID number or a shared card: not enough.
        rows.push(("司马相如".into(), id(8, 1950), "南村", ""));
        rows.push(("司马相如".into(), String::new(), "南村", ""));
        let rows: Vec<(&str, &str, &str, &str)> = rows
            .iter()
            .map(|(n, i, v, a)| (n.as_str(), i.as_str(), *v, *a))
            .collect();
        let reg = registry(&rows);
        let d = dedup_registry(&reg, &config);
        let linked = |a: usize, b: usize| d.cluster[a] == d.cluster[b];
        assert!((0..40).all(|i| !linked(i, 40)), "{:#?}", d.pairs);
        assert!(linked(41, 42), "{:#?}", d.pairs);
        assert!(!linked(43, 44), "{:#?}", d.pairs);
    }

    #[test]
    fn an_impossible_birth_date_still_counts_as_a_birth_date() {
        let config = Config::default();
        // 李敏 with month 13 in the ID number (a registrar's invalid entry) and another
        // 李敏 of the same village, born 1954, sequence digits one apart: two people.
        let reg = registry(&[
            ("李敏", "411623196813037313", "后楼村", ""),
            ("李敏", "411623195403037711", "后楼村", ""),
        ]);
        let c = compare(&reg, 0, 1, 2, &config);
        assert_eq!(c.levels[2], 2, "birth compared digit by digit: {c:?}");
        assert!(c.score < config.identity.match_score, "{c:?}");
        let d = dedup_registry(&reg, &config);
        assert_ne!(d.cluster[0], d.cluster[1]);
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
                "吐尔逊 阿依古丽",
                "Ayiguli Tuerxun",
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
            let (i1, i2) = (id(s1, y1), id(s2, y2));
            let reg = registry(&[(&n1, &i1, villages[v1], ""), (&n2, &i2, villages[v2], "")]);
            let (ab, ba) = (compare(&reg, 0, 1, count, &config), compare(&reg, 1, 0, count, &config));
            prop_assert!((ab.score - ba.score).abs() < 1e-9);
            prop_assert_eq!(ab.id_diff, ba.id_diff);
            prop_assert_eq!(ab.levels, ba.levels);
        }

        #[test]
        fn a_record_matches_an_exact_copy((n, s, y, v) in arb_person(), count in 1u32..100_000) {
            let config = Config::default();
            let villages = ["东村", "西村", "南村"];
            let i = id(s, y);
            let reg = registry(&[(&n, &i, villages[v], ""), (&n, &i, villages[v], "")]);
            let c = compare(&reg, 0, 1, count, &config);
            prop_assert!(c.score >= config.identity.match_score, "{:?}", c);
            let d = dedup_registry(&reg, &config);
            prop_assert_eq!(d.cluster, vec![0, 0]);
        }
    }
}
