//! Identity resolution on the cluster: the registry's blocking self-join and the
//! sorted-neighbourhood passes as DataFusion plans over the stage's
//! `beneficiaries.parquet`, the comparisons as fundaudit's own functions, and only the
//! matched pairs back. The client compares them again, clusters them with the local
//! union-find ([`Dedup::from_matches`]) and sends them on to the executors in the job, so
//! every process holds the same persons and no executor blocks the registry again.
//!
//! ```text
//!  beneficiaries.parquet ─ fundaudit_record(…)      the name normalised once per read
//!   1. block sizes: UNNEST(fundaudit_blocks(rec)) GROUP BY key → candidates per family,
//!      blocks over matching.max_block_size (their keys, when there are any)
//!   2. pairs: one self-join on the block key (the family in its low bits), a pair
//!      scored only by the first family that proposes it (as Splink excludes pairs
//!      found by earlier rules); name-order passes as LEAD 1..4 over the local pass's
//!      order (a window per township for the township pass, a window per span of the
//!      order — each span given the next one's first records — for the pass over
//!      everything); GROUP BY pair
//!  ──► (row a, row b, first family) whose score can reach identity.match_score
//! ```
//!
//! What is not on the cluster, and why. A pair's score counts the name's frequency in
//! the whole registry; the cluster scores with the most favourable frequency, so it
//! returns every pair that can match and a few that cannot, and the client — which holds
//! the frequencies — compares each returned pair exactly (a window per name sound on the
//! cluster would be one more shuffle of every record for a figure the client has).
//!
//! The records are numbered by the stage's `_registry_row` column, the registry's row
//! as fundaudit reads the file (DataFusion's `file_row_index()` is lost when Ballista
//! serialises the plan).

use std::path::Path;

use datafusion::arrow::array::{Int64Array, UInt64Array};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::{DataFusionError, Result as DfResult};
use rustc_hash::FxHashMap;

use super::udf::{downcast, register_parquet};
use crate::cluster::Cluster;
use crate::identity_udfs::{
    Scoring, BLOCKS, COLUMNS, KEY, NEIGHBOURS, ORDER, PAIR, RECORD, SPAN, TABLE, TOWNSHIP,
};
use fundaudit_core::config::Config;
use fundaudit_core::error::{Error, Result};
use fundaudit_identity::blocking::{BlockKey, Neighbourhood, NEIGHBOURHOOD_WINDOW};
use fundaudit_identity::dedup::{name_counts, DedupStats, FamilyStats};
use fundaudit_identity::record::FAMILY_BITS;
use fundaudit_identity::{Dedup, PackedRegistry};
use fundaudit_input::stage::REGISTRY_ROW;

/// The registry's persons, its pairs found on the cluster. `reg` is the client's packed
/// registry of the same stage: the pairs are compared again and clustered here.
pub fn resolve(
    cluster: &Cluster,
    stage: &Path,
    reg: &PackedRegistry,
    config: &Config,
) -> Result<Dedup> {
    let clock = std::time::Instant::now();
    let fail = |e: &dyn std::fmt::Display| Error::Cluster {
        scheduler: cluster.scheduler.clone(),
        message: format!("identity resolution: {}", e.to_string().trim_end()),
    };
    let file = fundaudit_input::stage::registry_file(stage)?;
    // The weights are measured here, on the client's whole registry, and sent to the
    // executors: each sees only pairs, never the county's name frequencies or codes.
    let (config, measured) = fundaudit_identity::measure::measured_config(reg, config);
    let config = &config;
    let cap = config.matching.max_block_size;
    let scoring = serde_json::to_string(&Scoring {
        matching: config.matching.clone(),
        identity: config.identity.clone(),
        measured: config.identity.measured.clone(),
        records: reg.len(),
    })
    .map_err(|e| fail(&e))?;
    let sql = |query: String| {
        let ctx = &cluster.ctx;
        async move {
            let clock = std::time::Instant::now();
            let batches = ctx.sql(&query).await?.collect().await?;
            tracing::debug!(seconds = clock.elapsed().as_secs_f64(), "{query}");
            Ok::<_, DataFusionError>(batches)
        }
    };
    let (sizes, oversized, edges) = cluster
        .runtime
        .block_on(async {
            let ctx = &cluster.ctx;
            // The columns read, as the plain text the stage writes its registry in
            // (`input::stage::REGISTRY`).
            let text = |name: &str| Field::new(name, DataType::Utf8, true);
            let mut fields: Vec<Field> = COLUMNS.iter().map(|c| text(c)).collect();
            fields.push(Field::new(REGISTRY_ROW, DataType::Int64, false));
            register_parquet(ctx, TABLE, &[file], Schema::new(fields)).await?;
            let sizes = sql(sizes_sql(cap)).await?;
            let any_oversized = family_rows(&sizes)?.iter().any(|f| f.2 > 0);
            let oversized = if any_oversized {
                keys_column(&sql(oversized_sql(cap)).await?)?
            } else {
                Vec::new()
            };
            let skip = serde_json::to_string(&oversized)
                .map_err(|e| DataFusionError::External(Box::new(e)))?;
            let edges = sql(pairs_sql(reg.len(), &scoring, &skip)).await?;
            ctx.deregister_table(TABLE)?;
            Ok::<_, DataFusionError>((sizes, oversized, edges))
        })
        .map_err(|e| fail(&e))?;
    let blocked = clock.elapsed().as_secs_f64();

    // Per family: candidate pairs, as the local passes count them, and the warnings.
    let mut families: Vec<FamilyStats> = BlockKey::ALL
        .iter()
        .map(|f| FamilyStats {
            family: f.label().to_string(),
            ..FamilyStats::default()
        })
        .chain(Neighbourhood::ALL.iter().map(|n| FamilyStats {
            family: n.label().to_string(),
            candidate_pairs: (reg.people.iter().filter(|p| p.sound != 0).count()
                * NEIGHBOURHOOD_WINDOW) as u64,
            ..FamilyStats::default()
        }))
        .collect();
    let mut warnings = Vec::new();
    let mut skipped = 0;
    for (family, pairs, big, largest) in family_rows(&sizes).map_err(|e| fail(&e))? {
        let Some(stats) = families.get_mut(family) else {
            return Err(fail(&format!("no block family {family}")));
        };
        stats.candidate_pairs = pairs;
        if big > 0 {
            skipped += big;
            warnings.push(format!(
                "{big} candidate block(s) by {} exceed matching.max_block_size = {cap} (largest {largest}): not compared",
                BlockKey::ALL[family].label(),
            ));
        }
    }
    if skipped != oversized.len() {
        return Err(fail(&format!(
            "{skipped} oversized blocks counted, {} listed",
            oversized.len()
        )));
    }

    // What came back can match; what does match is decided here, with the registry's
    // name frequencies, by the local comparison.
    let mut first: FxHashMap<(u32, u32), usize> = FxHashMap::default();
    for batch in &edges {
        let col = |i: usize| downcast::<Int64Array>(batch.column(i), "pairs").map_err(|e| fail(&e));
        let (a, b, family) = (col(0)?, col(1)?, col(2)?);
        for i in 0..batch.num_rows() {
            let (a, b) = (a.value(i), b.value(i));
            if a < 0 || b <= a || b as usize >= reg.len() {
                return Err(fail(&format!(
                    "pair ({a}, {b}) is not two rows of a registry of {}: the stage is not the one the client read",
                    reg.len()
                )));
            }
            first.insert((a as u32, b as u32), family.value(i) as usize);
        }
    }
    let returned = first.len();
    let counts = name_counts(reg);
    let candidates: Vec<(u32, u32)> = first.keys().copied().collect();
    let matches = Dedup::compare_pairs(reg, config, &counts, &candidates);
    for m in &matches {
        if let Some(stats) = first
            .get(&(m.a as u32, m.b as u32))
            .and_then(|&f| families.get_mut(f))
        {
            stats.new_matches += 1;
        }
    }
    tracing::info!(
        returned,
        matched = matches.len(),
        "identity resolution on the cluster: {returned} pairs back, {} match",
        matches.len()
    );
    let stats = DedupStats {
        candidate_pairs: families.iter().map(|f| f.candidate_pairs).sum(),
        oversized_blocks: skipped,
        families,
        timings: vec![
            ("block and score on the cluster".to_string(), blocked),
            (
                "compare returned pairs".to_string(),
                clock.elapsed().as_secs_f64() - blocked,
            ),
        ],
        measured,
        ..DedupStats::default()
    };
    Ok(Dedup::from_matches(
        reg, config, counts, matches, stats, warnings,
    ))
}

/// The registry's records: row and packed record.
fn records_sql() -> String {
    format!(
        "SELECT {REGISTRY_ROW} AS row_id,
                {RECORD}(name, id_number, township, village, bank_account) AS rec
         FROM {TABLE}"
    )
}

/// Every block of two or more records: its key and size.
fn block_sizes_sql() -> String {
    format!(
        "WITH records AS ({records}),
         keys AS (SELECT unnest({BLOCKS}(rec, '[]')) AS key FROM records)
         SELECT key, COUNT(*) AS n FROM keys GROUP BY key HAVING COUNT(*) >= 2",
        records = records_sql()
    )
}

/// A block key's family, in SQL: its low bits ([`FAMILY_BITS`]).
fn family_of(key: &str) -> String {
    format!("CAST({key} % {} AS BIGINT)", FAMILY_BITS + 1)
}

/// Per family: candidate pairs in the blocks compared, blocks too big, the largest.
fn sizes_sql(cap: usize) -> String {
    format!(
        "SELECT {family} AS family,
                CAST(SUM(CASE WHEN n <= {cap} THEN n * (n - 1) / 2 ELSE 0 END) AS BIGINT) AS pairs,
                CAST(SUM(CASE WHEN n > {cap} THEN 1 ELSE 0 END) AS BIGINT) AS oversized,
                CAST(COALESCE(MAX(CASE WHEN n > {cap} THEN n END), 0) AS BIGINT) AS largest
         FROM ({sizes}) GROUP BY {family}",
        family = family_of("key"),
        sizes = block_sizes_sql()
    )
}

/// The keys of the blocks too big to compare.
fn oversized_sql(cap: usize) -> String {
    format!(
        "SELECT key FROM ({sizes}) WHERE n > {cap}",
        sizes = block_sizes_sql()
    )
}

/// Pairs that can match, each once with the first family that proposes it.
fn pairs_sql(records: usize, scoring: &str, skip: &str) -> String {
    let quote = |text: &str| format!("'{}'", text.replace('\'', "''"));
    let (scoring, skip) = (quote(scoring), quote(skip));
    let score = |ra: &str, a: &str, rb: &str, b: &str, family: &str| {
        format!("{PAIR}({ra}, {a}, {rb}, {b}, {family}, {records}, {scoring}, {skip})")
    };
    let family = family_of("l.key");
    let mut branches = vec![format!(
        "SELECT l.row_id AS a, r.row_id AS b, {family} AS family
         FROM blocked l JOIN blocked r ON l.key = r.key AND l.row_id < r.row_id
         WHERE {score} IS NOT NULL",
        score = score("l.row_id", "l.rec", "r.row_id", "r.rec", &family),
    )];
    let mut windows = Vec::new();
    for (pass, neighbourhood) in Neighbourhood::ALL.iter().enumerate() {
        let family = BlockKey::ALL.len() + pass;
        let order = format!("{KEY}(rec, {})", ORDER + pass as i64);
        // The local pass's windows. Within a township: a window per township. Everywhere:
        // the order cut into spans at the key's top bits, each span given the first
        // records of the next, so a window per span sees every record's next ones as
        // the one global window would — and no task sorts the whole registry.
        let (source, window) = match neighbourhood {
            Neighbourhood::TownshipReversed => (
                format!("SELECT row_id, rec FROM records WHERE {order} IS NOT NULL"),
                format!("PARTITION BY {KEY}(rec, {TOWNSHIP}) ORDER BY {order}, row_id"),
            ),
            Neighbourhood::Everywhere => {
                windows.push(spans_sql(pass, &order));
                (
                    format!("SELECT row_id, rec, k, span FROM spread{pass}"),
                    "PARTITION BY span ORDER BY k, row_id".to_string(),
                )
            }
        };
        let leads: Vec<String> = (1..=NEIGHBOURHOOD_WINDOW)
            .map(|d| {
                format!(
                    "LEAD(row_id, {d}) OVER ({window}) AS r{d}, LEAD(rec, {d}) OVER ({window}) AS p{d}"
                )
            })
            .collect();
        windows.push(format!(
            "w{pass} AS (SELECT row_id, rec, {leads} FROM ({source}))",
            leads = leads.join(", ")
        ));
        let next: Vec<String> = (1..=NEIGHBOURHOOD_WINDOW)
            .map(|d| format!("r{d}, p{d}"))
            .collect();
        branches.push(format!(
            "SELECT LEAST(row_id, partner) AS a, GREATEST(row_id, partner) AS b,
                    CAST({family} AS BIGINT) AS family
             FROM (SELECT row_id,
                          unnest({NEIGHBOURS}(row_id, rec, {next}, {family}, {records}, {scoring}, {skip})) AS partner
                   FROM w{pass})",
            next = next.join(", "),
        ));
    }
    // Grouped, not ordered: a sort of the union on Ballista hung here (one stage never
    // scheduled), and the group-by also keeps each pair once.
    format!(
        "WITH records AS ({records}),
         blocked AS (SELECT row_id, rec, unnest({BLOCKS}(rec, {skip})) AS key FROM records),
         {windows}
         SELECT a, b, MIN(family) AS family FROM ({branches}) GROUP BY a, b",
        records = records_sql(),
        windows = windows.join(", "),
        branches = branches.join(" UNION ALL "),
    )
}

/// The records of a name-order pass over everything, cut into spans of its order (the
/// key's top [`SPAN_BITS`]): `spread{pass}` holds each record in its span, and the first
/// [`NEIGHBOURHOOD_WINDOW`] of each span again at the end of the span before (spans
/// numbered densely, so an empty range between two spans does not break the chain). A
/// UNION, so the numbering window runs twice: `make_array` for an UNNEST is not among
/// the functions Ballista's executors know.
fn spans_sql(pass: usize, order: &str) -> String {
    let w = NEIGHBOURHOOD_WINDOW;
    format!(
        "ev{pass} AS (SELECT row_id, rec, {order} AS k, {KEY}(rec, {SPAN}) AS bucket
                  FROM records WHERE {order} IS NOT NULL),
         spans{pass} AS (SELECT bucket, DENSE_RANK() OVER (ORDER BY bucket) AS span
                     FROM (SELECT DISTINCT bucket FROM ev{pass})),
         ranked{pass} AS (SELECT e.row_id, e.rec, e.k, s.span,
                             ROW_NUMBER() OVER (PARTITION BY s.span ORDER BY e.k, e.row_id) AS n
                      FROM ev{pass} e JOIN spans{pass} s ON e.bucket = s.bucket),
         spread{pass} AS (SELECT row_id, rec, k, span FROM ranked{pass}
                      UNION ALL
                      SELECT row_id, rec, k, span - 1 AS span FROM ranked{pass}
                      WHERE n <= {w} AND span > 1)"
    )
}

/// (family, candidate pairs, oversized blocks, largest) of the sizes query.
fn family_rows(batches: &[RecordBatch]) -> DfResult<Vec<(usize, u64, usize, i64)>> {
    let mut rows = Vec::new();
    for batch in batches {
        let col = |i: usize| downcast::<Int64Array>(batch.column(i), "block sizes");
        let (family, pairs, big, largest) = (col(0)?, col(1)?, col(2)?, col(3)?);
        for i in 0..batch.num_rows() {
            rows.push((
                family.value(i) as usize,
                pairs.value(i).max(0) as u64,
                big.value(i).max(0) as usize,
                largest.value(i),
            ));
        }
    }
    // In family order, as the local passes warn.
    rows.sort_unstable_by_key(|r| r.0);
    Ok(rows)
}

fn keys_column(batches: &[RecordBatch]) -> DfResult<Vec<u64>> {
    let mut keys = Vec::new();
    for batch in batches {
        let column = downcast::<UInt64Array>(batch.column(0), "oversized blocks")?;
        keys.extend(column.iter().flatten());
    }
    keys.sort_unstable();
    Ok(keys)
}
