//! `fundaudit dedup`: registry self-deduplication on its own, for registries of millions
//! (a province) where the full audit is not wanted, and for the identity benchmark.
//! Reads beneficiaries.csv, finds persons registered more than once, writes
//! duplicates.csv and dedup_report.json, and scores itself against truth_pairs.csv when
//! the folder has one.

use std::borrow::Cow;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

use polars::prelude::*;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::frame;
use crate::identity::dedup::PackedName;
use crate::identity::dedup::{compare, DedupStats};
use crate::identity::{dedup_registry, idcard, Dedup, NormName, Person};
use crate::input::{find_source, load_file_with, InputOptions, BENEFICIARIES};

#[derive(Debug, Clone)]
pub struct DedupOptions {
    pub data_dir: PathBuf,
    pub out_dir: Option<PathBuf>,
    pub config: Config,
    /// Also time the comparison kernel alone on this many pairs, on one thread.
    pub kernel_pairs: usize,
}

/// Pairwise accuracy against the generator's truth_pairs.csv.
#[derive(Debug, Clone, Serialize)]
pub struct PairAccuracy {
    pub truth_pairs: usize,
    pub predicted_pairs: usize,
    pub true_positives: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct DedupReport {
    pub stats: DedupStats,
    pub rows_rejected: usize,
    /// Seconds: load, pack, deduplicate (see stats.timings for its parts).
    pub timings: Vec<(String, f64)>,
    /// Candidate pairs scored per second of the block-and-score stage, all cores.
    pub scored_pairs_per_second: f64,
    /// Nanoseconds per pair of the comparison kernel alone, one thread.
    pub kernel_ns_per_pair: Option<f64>,
    pub accuracy: Option<PairAccuracy>,
    pub warnings: Vec<String>,
}

impl DedupReport {
    pub fn render(&self) -> String {
        let mut s = format!(
            "records {}  (rejected rows {})\ncandidate pairs {}  matched pairs {}  persons registered more than once {}  refused links {}\n",
            self.stats.records,
            self.rows_rejected,
            self.stats.candidate_pairs,
            self.stats.matched_pairs,
            self.stats.clusters_with_duplicates,
            self.stats.refused_links
        );
        for (name, secs) in self.timings.iter().chain(&self.stats.timings) {
            s.push_str(&format!("  {secs:8.3} s  {name}\n"));
        }
        s.push_str(&format!(
            "scored pairs per second (block and score, all cores): {:.0}\n",
            self.scored_pairs_per_second
        ));
        if let Some(ns) = self.kernel_ns_per_pair {
            s.push_str(&format!(
                "comparison kernel, one thread: {ns:.1} ns per pair = {:.1} million pairs per second per core\n",
                1000.0 / ns
            ));
        }
        if let Some(a) = &self.accuracy {
            s.push_str(&format!(
                "pairwise vs truth_pairs.csv: precision {:.4}  recall {:.4}  F1 {:.4}  ({} true of {} predicted; {} planted)\n",
                a.precision, a.recall, a.f1, a.true_positives, a.predicted_pairs, a.truth_pairs
            ));
        }
        for w in &self.warnings {
            s.push_str(&format!("warning: {w}\n"));
        }
        s
    }
}

/// Packs registry rows into [`Person`]s, normalising each distinct name once.
pub fn pack_registry(df: &DataFrame) -> PolarsResult<Vec<Person>> {
    let names = frame::text(df, "name")?;
    let ids = frame::text(df, "id_number")?;
    let townships = frame::text(df, "township")?;
    let villages = frame::text(df, "village")?;
    let accounts = frame::text(df, "bank_account")?;

    // Distinct names and places by sorting hashes in parallel: at ten million rows a
    // shared hash table is a sequential stream of cache misses.
    let (name_index, name_first) = intern(
        &names
            .par_iter()
            .map(|n| fx(n.unwrap_or("")))
            .collect::<Vec<_>>(),
    );
    let packed: Vec<PackedName> = name_first
        .par_iter()
        .map(|&row| PackedName::new(&NormName::new(names[row].unwrap_or(""))))
        .collect();
    let place_keys: Vec<u64> = (0..df.height())
        .into_par_iter()
        .map(|i| match villages[i] {
            Some(v) if !v.is_empty() => fx((townships[i].unwrap_or(""), v)),
            _ => 0,
        })
        .collect();
    let (place_index, _) = intern(&place_keys);
    let place: Vec<u32> = place_index
        .iter()
        .zip(&place_keys)
        .map(|(&id, &k)| if k == 0 { 0 } else { id + 1 })
        .collect();
    Ok((0..df.height())
        .into_par_iter()
        .map(|i| {
            let raw = ids[i].unwrap_or("");
            let id: Cow<str> = if raw.bytes().any(|b| b == b'x' || b.is_ascii_whitespace()) {
                Cow::Owned(idcard::normalize_id(raw))
            } else {
                Cow::Borrowed(raw)
            };
            Person::with_name(
                packed[name_index[i] as usize],
                &id,
                place[i],
                accounts[i].unwrap_or(""),
            )
        })
        .collect())
}

fn fx<T: std::hash::Hash>(value: T) -> u64 {
    use std::hash::BuildHasher;
    rustc_hash::FxBuildHasher.hash_one(value)
}

/// Small ids for hashed keys: equal keys get one id. Returns each row's id and the first
/// row of each id. (Two distinct names sharing a 64-bit hash would be merged; among a
/// few hundred thousand distinct names the chance is about one in ten billion.)
fn intern(keys: &[u64]) -> (Vec<u32>, Vec<usize>) {
    let mut order: Vec<(u64, u32)> = keys
        .par_iter()
        .enumerate()
        .map(|(i, &k)| (k, i as u32))
        .collect();
    order.par_sort_unstable();
    let mut ids = vec![0u32; keys.len()];
    let mut first = Vec::new();
    for run in order.chunk_by(|a, b| a.0 == b.0) {
        let id = first.len() as u32;
        first.push(run[0].1 as usize);
        for &(_, row) in run {
            ids[row as usize] = id;
        }
    }
    (ids, first)
}

/// Runs registry self-deduplication over `data_dir/beneficiaries.csv`.
pub fn run_dedup(opts: &DedupOptions) -> Result<DedupReport> {
    if let Some(out) = &opts.out_dir {
        crate::run_folder::refuse_existing(out, &["duplicates.csv", "dedup_report.json"], "--out")?;
    }
    let mut timings = Vec::new();
    let t = Instant::now();
    let path = find_source(&opts.data_dir, &BENEFICIARIES).ok_or_else(|| Error::MissingFile {
        path: opts.data_dir.join(BENEFICIARIES.file).display().to_string(),
    })?;
    let loaded = load_file_with(
        &path,
        &BENEFICIARIES,
        &InputOptions::for_file(&opts.config, &BENEFICIARIES),
    )?;
    timings.push((
        "load and validate beneficiaries.csv".to_string(),
        t.elapsed().as_secs_f64(),
    ));

    let t = Instant::now();
    let people = pack_registry(&loaded.frame)?;
    timings.push((
        "normalise and pack records".to_string(),
        t.elapsed().as_secs_f64(),
    ));

    let dedup = dedup_registry(&people, &opts.config);
    let score_secs = dedup
        .stats
        .timings
        .iter()
        .find(|(n, _)| n == "block and score")
        .map_or(0.0, |(_, s)| *s);

    let kernel_ns_per_pair =
        (opts.kernel_pairs > 0 && people.len() > 1).then(|| kernel_benchmark(&people, opts));
    let ids = frame::text(&loaded.frame, "beneficiary_id")?;
    let accuracy = evaluate(&opts.data_dir.join("truth_pairs.csv"), &ids, &dedup)?;
    if let Some(out) = &opts.out_dir {
        write_duplicates(out, &loaded.frame, &dedup)?;
    }
    let report = DedupReport {
        scored_pairs_per_second: dedup.stats.candidate_pairs as f64 / score_secs.max(1e-9),
        stats: dedup.stats.clone(),
        rows_rejected: loaded.count.rows_rejected,
        timings,
        kernel_ns_per_pair,
        accuracy,
        warnings: dedup.warnings.clone(),
    };
    if let Some(out) = &opts.out_dir {
        let path = out.join("dedup_report.json");
        let text = serde_json::to_string_pretty(&report).unwrap_or_default();
        std::fs::write(&path, text).map_err(|e| Error::Write {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
    }
    Ok(report)
}

/// Times `compare` alone, on one thread, over pairs of neighbouring records in birth-date
/// order (the kind of pair blocking produces: same birth date, mostly other names). The
/// pairs are copied into one contiguous buffer first, as a block's records are before
/// they are compared, so this measures the comparison and not memory latency.
fn kernel_benchmark(people: &[Person], opts: &DedupOptions) -> f64 {
    let mut order: Vec<usize> = (0..people.len()).collect();
    order.sort_unstable_by_key(|&i| (people[i].birth, people[i].name.pinyin_key));
    let pairs: Vec<(Person, Person)> = order
        .windows(2)
        .take(opts.kernel_pairs.min(1 << 16))
        .map(|w| (people[w[0]], people[w[1]]))
        .collect();
    let t = Instant::now();
    let mut total = 0.0;
    for k in 0..opts.kernel_pairs {
        let (x, y) = &pairs[k % pairs.len()];
        total += compare(x, y, 10, &opts.config).score;
    }
    std::hint::black_box(total);
    t.elapsed().as_secs_f64() * 1e9 / opts.kernel_pairs as f64
}

/// Pairwise precision, recall and F1: predicted pairs are all pairs within a predicted
/// cluster; truth pairs are those planted (and, within a planted person, all pairs).
fn evaluate(path: &Path, ids: &[Option<&str>], dedup: &Dedup) -> Result<Option<PairAccuracy>> {
    if !path.exists() {
        return Ok(None);
    }
    let truth_frame = load_truth(path)?;
    let row_of: FxHashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .filter_map(|(i, id)| Some(((*id)?, i)))
        .collect();
    let a = frame::text(&truth_frame, "beneficiary_id_a")?;
    let b = frame::text(&truth_frame, "beneficiary_id_b")?;
    let truth: HashSet<(usize, usize)> = a
        .iter()
        .zip(&b)
        .filter_map(|(x, y)| {
            let (x, y) = (*row_of.get((*x)?)?, *row_of.get((*y)?)?);
            Some((x.min(y), x.max(y)))
        })
        .collect();
    let mut members: FxHashMap<usize, Vec<usize>> = FxHashMap::default();
    for p in &dedup.pairs {
        let root = dedup.cluster[p.a];
        let m = members.entry(root).or_default();
        m.push(p.a);
        m.push(p.b);
    }
    let mut predicted: HashSet<(usize, usize)> = HashSet::new();
    for rows in members.values_mut() {
        rows.sort_unstable();
        rows.dedup();
        for (i, &x) in rows.iter().enumerate() {
            for &y in &rows[i + 1..] {
                predicted.insert((x, y));
            }
        }
    }
    let tp = predicted.intersection(&truth).count();
    let precision = if predicted.is_empty() {
        1.0
    } else {
        tp as f64 / predicted.len() as f64
    };
    let recall = if truth.is_empty() {
        1.0
    } else {
        tp as f64 / truth.len() as f64
    };
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    Ok(Some(PairAccuracy {
        truth_pairs: truth.len(),
        predicted_pairs: predicted.len(),
        true_positives: tp,
        precision,
        recall,
        f1,
    }))
}

fn load_truth(path: &Path) -> Result<DataFrame> {
    CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .try_into_reader_with_file_path(Some(path.to_path_buf()))
        .and_then(|r| r.finish())
        .map_err(|e| Error::Unreadable {
            path: path.display().to_string(),
            message: e.to_string(),
        })
}

/// duplicates.csv: one row per matched pair, with the comparison that decided it.
fn write_duplicates(out: &Path, registry: &DataFrame, dedup: &Dedup) -> Result<()> {
    std::fs::create_dir_all(out).map_err(|e| Error::Write {
        path: out.display().to_string(),
        message: e.to_string(),
    })?;
    let ids = frame::text(registry, "beneficiary_id")?;
    let names = frame::text(registry, "name")?;
    let pick = |v: &[Option<&str>], r: usize| v[r].unwrap_or("").to_string();
    let p = &dedup.pairs;
    let mut df = DataFrame::new(
        p.len(),
        vec![
            Column::new(
                "beneficiary_id_a".into(),
                p.iter().map(|m| pick(&ids, m.a)).collect::<Vec<_>>(),
            ),
            Column::new(
                "name_a".into(),
                p.iter().map(|m| pick(&names, m.a)).collect::<Vec<_>>(),
            ),
            Column::new(
                "beneficiary_id_b".into(),
                p.iter().map(|m| pick(&ids, m.b)).collect::<Vec<_>>(),
            ),
            Column::new(
                "name_b".into(),
                p.iter().map(|m| pick(&names, m.b)).collect::<Vec<_>>(),
            ),
            Column::new(
                "person".into(),
                p.iter()
                    .map(|m| pick(&ids, dedup.cluster[m.a]))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "score".into(),
                p.iter().map(|m| m.comparison.score).collect::<Vec<f64>>(),
            ),
            Column::new(
                "name_similarity".into(),
                p.iter()
                    .map(|m| m.comparison.name.score)
                    .collect::<Vec<f64>>(),
            ),
            Column::new(
                "evidence".into(),
                p.iter()
                    .map(|m| m.comparison.describe())
                    .collect::<Vec<_>>(),
            ),
        ],
    )?;
    crate::report::write_csv(&mut df, &out.join("duplicates.csv"))
}
