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

use fundaudit_core::config::Config;
use fundaudit_core::error::{Error, Result};
use fundaudit_core::frame;
use fundaudit_core::hash::fx;
use fundaudit_core::spec::BENEFICIARIES;
use fundaudit_identity::dedup::DedupStats;
use fundaudit_identity::model::compare;
use fundaudit_identity::packed::{PackedName, Place};
use fundaudit_identity::{
    dedup_registry, idcard, Dedup, NormName, PackedRegistry, PairMatch, Person,
};
use fundaudit_input::inputs::find_source;
use fundaudit_input::{load_file_with, InputOptions};

#[derive(Debug, Clone)]
pub struct DedupOptions {
    pub data_dir: PathBuf,
    pub out_dir: Option<PathBuf>,
    pub config: Config,
    /// Also time the comparison kernel alone on this many pairs, on one thread.
    pub kernel_pairs: usize,
    /// Learn the identity weights from this registry first (and deduplicate with them).
    pub train: bool,
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
    /// With --train: the learned `[identity]` block.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub learned: Option<String>,
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
        if let Some(block) = &self.learned {
            s.push_str("\nlearned identity weights (deduplicated with them above):\n");
            s.push_str(block);
        }
        s
    }
}

/// Packs registry rows, normalising each distinct name once.
pub fn pack_registry(df: &DataFrame) -> PolarsResult<PackedRegistry> {
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
    let (township_index, _) = intern(
        &townships
            .par_iter()
            .map(|t| fx(t.unwrap_or("")))
            .collect::<Vec<_>>(),
    );
    let place_keys: Vec<u64> = (0..df.height())
        .into_par_iter()
        .map(|i| match villages[i] {
            Some(v) if !v.trim().is_empty() => fx((townships[i].unwrap_or(""), v)),
            _ => 0,
        })
        .collect();
    let (place_index, place_first) = intern(&place_keys);
    // Place ids from 1; 0 (no village) keeps index 0, the unknown place.
    let mut places = vec![Place::default()];
    places.extend(place_first.iter().map(|&row| {
        let t = townships[row].unwrap_or("");
        let township = if t.trim().is_empty() {
            0
        } else {
            township_index[row] + 1
        };
        Place::new(township, villages[row].unwrap_or(""))
    }));
    let people = (0..df.height())
        .into_par_iter()
        .map(|i| {
            let raw = ids[i].unwrap_or("");
            let id: Cow<str> = if raw.bytes().any(|b| b == b'x' || b.is_ascii_whitespace()) {
                Cow::Owned(idcard::normalize_id(raw))
            } else {
                Cow::Borrowed(raw)
            };
            let place = if place_keys[i] == 0 {
                0
            } else {
                place_index[i] + 1
            };
            let n = name_index[i];
            Person::new(
                n,
                &packed[n as usize],
                &id,
                place,
                accounts[i].unwrap_or(""),
            )
        })
        .collect();
    Ok(PackedRegistry {
        people,
        names: packed,
        places,
    })
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

/// The registry of a data folder, loaded and validated as `run` loads it.
pub fn load_registry(
    data_dir: &Path,
    config: &Config,
) -> Result<(PathBuf, fundaudit_input::Loaded)> {
    let path = find_source(data_dir, &BENEFICIARIES).ok_or_else(|| Error::MissingFile {
        path: data_dir.join(BENEFICIARIES.file).display().to_string(),
    })?;
    let loaded = load_file_with(
        &path,
        &BENEFICIARIES,
        &InputOptions::for_file(config, &BENEFICIARIES),
    )?;
    Ok((path, loaded))
}

/// Runs registry self-deduplication over `data_dir/beneficiaries.csv`.
pub fn run_dedup(opts: &DedupOptions) -> Result<DedupReport> {
    if let Some(out) = &opts.out_dir {
        fundaudit_core::safe_fs::refuse_existing(
            out,
            &["duplicates.csv", "dedup_report.json", "identity.toml"],
            "--out",
        )?;
    }
    let mut timings = Vec::new();
    let t = Instant::now();
    let (path, loaded) = load_registry(&opts.data_dir, &opts.config)?;
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

    let mut config = opts.config.clone();
    let mut learned = None;
    if opts.train {
        let t = Instant::now();
        let trained = fundaudit_identity::train::train(&people, &config, &[]);
        let block = trained.to_toml(&path.display().to_string());
        if let Some(out) = &opts.out_dir {
            write_text(out, "identity.toml", &block)?;
        }
        config.identity = trained.identity;
        learned = Some(block);
        timings.push(("learn weights".to_string(), t.elapsed().as_secs_f64()));
    }
    let dedup = dedup_registry(&people, &config);
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
        learned,
    };
    if let Some(out) = &opts.out_dir {
        let text = serde_json::to_string_pretty(&report).unwrap_or_default();
        write_text(out, "dedup_report.json", &text)?;
    }
    Ok(report)
}

fn write_text(out: &Path, file: &str, text: &str) -> Result<()> {
    let path = out.join(file);
    std::fs::create_dir_all(out)
        .and_then(|_| std::fs::write(&path, text))
        .map_err(|e| Error::Write {
            path: path.display().to_string(),
            message: e.to_string(),
        })
}

/// Times `compare` alone, on one thread, over pairs of neighbouring records in birth-date
/// order (the kind of pair blocking produces: same birth date, mostly other names). The
/// pairs' records are copied into a small registry of their own first, as a block's
/// records sit together when compared, so this measures the comparison and not memory
/// latency.
fn kernel_benchmark(reg: &PackedRegistry, opts: &DedupOptions) -> f64 {
    let mut order: Vec<usize> = (0..reg.len()).collect();
    order.sort_unstable_by_key(|&i| (reg.people[i].birth, reg.name(i).sound_key));
    let mut local = PackedRegistry {
        places: reg.places.clone(),
        ..Default::default()
    };
    for w in order.windows(2).take(opts.kernel_pairs.min(1 << 16)) {
        for &i in w {
            let mut p = reg.people[i];
            local.names.push(*reg.name(i));
            p.name = (local.names.len() - 1) as u32;
            local.people.push(p);
        }
    }
    let pairs = local.len() / 2;
    let t = Instant::now();
    let mut total = 0.0;
    for k in 0..opts.kernel_pairs {
        let i = 2 * (k % pairs);
        total += compare(&local, i, i + 1, 10, &opts.config).score;
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

/// duplicates.csv: one row per matched pair with the comparison that decided it, and the
/// matched pairs the clustering refused, with the pair that disagreed.
fn write_duplicates(out: &Path, registry: &DataFrame, dedup: &Dedup) -> Result<()> {
    std::fs::create_dir_all(out).map_err(|e| Error::Write {
        path: out.display().to_string(),
        message: e.to_string(),
    })?;
    let ids = frame::text(registry, "beneficiary_id")?;
    let names = frame::text(registry, "name")?;
    let pick = |v: &[Option<&str>], r: usize| v[r].unwrap_or("").to_string();
    let label = |r: usize| format!("{}（{}）", pick(&names, r), pick(&ids, r));
    let rows: Vec<(&PairMatch, &str, String)> = dedup
        .pairs
        .iter()
        .map(|m| (m, "merged", String::new()))
        .chain(
            dedup
                .refused
                .iter()
                .map(|r| (&r.pair, "refused", r.describe(label))),
        )
        .collect();
    let text = |f: &dyn Fn(&(&PairMatch, &str, String)) -> String| -> Vec<String> {
        rows.iter().map(f).collect()
    };
    let mut df = DataFrame::new(
        rows.len(),
        vec![
            Column::new("beneficiary_id_a".into(), text(&|r| pick(&ids, r.0.a))),
            Column::new("name_a".into(), text(&|r| pick(&names, r.0.a))),
            Column::new("beneficiary_id_b".into(), text(&|r| pick(&ids, r.0.b))),
            Column::new("name_b".into(), text(&|r| pick(&names, r.0.b))),
            Column::new(
                "person".into(),
                text(&|r| {
                    if r.1 == "merged" {
                        pick(&ids, dedup.cluster[r.0.a])
                    } else {
                        String::new()
                    }
                }),
            ),
            Column::new("status".into(), text(&|r| r.1.to_string())),
            Column::new(
                "score".into(),
                rows.iter()
                    .map(|r| r.0.comparison.score)
                    .collect::<Vec<f64>>(),
            ),
            Column::new(
                "match_probability".into(),
                rows.iter()
                    .map(|r| r.0.comparison.probability)
                    .collect::<Vec<f64>>(),
            ),
            Column::new(
                "name_similarity".into(),
                rows.iter()
                    .map(|r| r.0.comparison.name.score)
                    .collect::<Vec<f64>>(),
            ),
            Column::new("evidence".into(), text(&|r| r.0.comparison.describe())),
            Column::new("refused_because".into(), text(&|r| r.2.clone())),
        ],
    )?;
    fundaudit_report::report::write_csv(&mut df, &out.join("duplicates.csv"))
}
