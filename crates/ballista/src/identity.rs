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
use std::sync::{Arc, Mutex};

use datafusion::arrow::array::{
    Array, BinaryArray, BinaryBuilder, Float64Builder, Int64Array, ListBuilder, StringArray,
    UInt64Array, UInt64Builder,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::{DataFusionError, Result as DfResult, ScalarValue};
use datafusion::logical_expr::{create_udf, ColumnarValue, ScalarUDF, Volatility};
use rustc_hash::{FxHashMap, FxHashSet};

use super::udf::{cached, downcast, external, register_parquet, Cache};
use super::Cluster;
use fundaudit_core::config::Config;
use fundaudit_core::error::{Error, Result};
use fundaudit_identity::blocking::{BlockKey, Neighbourhood, NEIGHBOURHOOD_WINDOW};
use fundaudit_identity::dedup::{name_counts, DedupStats, FamilyStats};
use fundaudit_identity::model::{compare_at_least, Bounds};
use fundaudit_identity::record::{pair_registry_into, Record, FAMILY_BITS};
use fundaudit_identity::{Dedup, PackedRegistry};
use fundaudit_input::stage::REGISTRY_ROW;

/// `fundaudit_record(name, id_number, township, village, bank_account) -> BINARY`: a
/// registry row packed on its own ([`Record`]).
pub const RECORD: &str = "fundaudit_record";
/// `fundaudit_blocks(record, skip) -> LIST<UBIGINT>`: the record's block keys, one per
/// family it has a key in ([`BlockKey::ALL`]; the family in the key's low four bits),
/// but those in `skip` (a JSON list: blocks too big to compare).
pub const BLOCKS: &str = "fundaudit_blocks";
/// `fundaudit_key(record, which) -> UBIGINT`: the township of the within-township pass
/// ([`TOWNSHIP`]), a pass's sort key ([`ORDER`] + pass) or the span of the order over
/// everything ([`SPAN`]); NULL for a record without a name, which no pass compares.
pub const KEY: &str = "fundaudit_key";
/// `fundaudit_pair(row_a, a, row_b, b, family, records, scoring, skip) -> DOUBLE`: the
/// pair's best possible score when `family` is the first to propose it and that score
/// reaches `identity.match_score`; NULL otherwise.
pub const PAIR: &str = "fundaudit_pair";
/// `fundaudit_neighbours(row, rec, row_1, rec_1, …, row_4, rec_4, family, records,
/// scoring, skip) -> LIST<BIGINT>`: of a record's next [`NEIGHBOURHOOD_WINDOW`] in a
/// pass's order, the rows [`PAIR`] keeps — one call per record, so the pass's window is
/// evaluated once, not once per distance.
pub const NEIGHBOURS: &str = "fundaudit_neighbours";

const TOWNSHIP: i64 = 0;
/// Sort keys of the passes, [`Neighbourhood::ALL`] in order.
const ORDER: i64 = 1;
/// The span of the order of the pass over everything a record falls in: the key's top
/// [`SPAN_BITS`] (the first two letters of the name).
const SPAN: i64 = ORDER + Neighbourhood::ALL.len() as i64;
const SPAN_BITS: u32 = 10;

/// The table the plans read: the stage's registry, and the columns they read of it.
const TABLE: &str = "fundaudit_registry";
const COLUMNS: [&str; 5] = ["name", "id_number", "township", "village", "bank_account"];

pub fn udfs() -> Vec<Arc<ScalarUDF>> {
    let list = DataType::List(Arc::new(Field::new("item", DataType::UInt64, true)));
    vec![
        Arc::new(create_udf(
            RECORD,
            vec![DataType::Utf8; 5],
            DataType::Binary,
            Volatility::Immutable,
            Arc::new(records),
        )),
        Arc::new(create_udf(
            BLOCKS,
            vec![DataType::Binary, DataType::Utf8],
            list,
            Volatility::Immutable,
            Arc::new(blocks),
        )),
        Arc::new(create_udf(
            KEY,
            vec![DataType::Binary, DataType::Int64],
            DataType::UInt64,
            Volatility::Immutable,
            Arc::new(keys),
        )),
        Arc::new(create_udf(
            PAIR,
            vec![
                DataType::Int64,
                DataType::Binary,
                DataType::Int64,
                DataType::Binary,
                DataType::Int64,
                DataType::Int64,
                DataType::Utf8,
                DataType::Utf8,
            ],
            DataType::Float64,
            Volatility::Immutable,
            Arc::new(pairs),
        )),
        Arc::new(create_udf(
            NEIGHBOURS,
            [DataType::Int64, DataType::Binary]
                .into_iter()
                .cycle()
                .take(2 * (1 + NEIGHBOURHOOD_WINDOW))
                .chain([
                    DataType::Int64,
                    DataType::Int64,
                    DataType::Utf8,
                    DataType::Utf8,
                ])
                .collect(),
            DataType::List(Arc::new(Field::new("item", DataType::Int64, true))),
            Volatility::Immutable,
            Arc::new(neighbours),
        )),
    ]
}

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

/// A text argument that is one value for the whole call (a literal).
fn literal<'a>(arg: &'a ColumnarValue, what: &str) -> DfResult<&'a str> {
    match arg {
        ColumnarValue::Scalar(ScalarValue::Utf8(Some(text))) => Ok(text),
        _ => Err(external(format!("{what} must be one text"))),
    }
}

fn decode(bytes: &[u8]) -> DfResult<Record> {
    Record::decode(bytes).ok_or_else(|| external(format!("{RECORD}: a record cut short")))
}

fn records(args: &[ColumnarValue]) -> DfResult<ColumnarValue> {
    let arrays = ColumnarValue::values_to_arrays(args)?;
    let columns = arrays
        .iter()
        .map(|a| downcast::<StringArray>(a, RECORD))
        .collect::<DfResult<Vec<_>>>()?;
    let rows = columns.first().map_or(0, |c| c.len());
    let text = |c: usize, i: usize| {
        if columns[c].is_null(i) {
            ""
        } else {
            columns[c].value(i)
        }
    };
    let mut out = BinaryBuilder::new();
    let mut bytes = Vec::new();
    for i in 0..rows {
        bytes.clear();
        Record::new(text(0, i), text(1, i), text(2, i), text(3, i), text(4, i)).encode(&mut bytes);
        out.append_value(&bytes);
    }
    Ok(ColumnarValue::Array(Arc::new(out.finish())))
}

/// The blocks too big to compare, parsed once per text and process.
fn skipped(json: &str) -> DfResult<Arc<FxHashSet<u64>>> {
    static CACHE: Cache<FxHashSet<u64>> = Mutex::new(None);
    cached(&CACHE, json, || {
        let keys: Vec<u64> =
            serde_json::from_str(json).map_err(|e| external(format!("{BLOCKS}: skip: {e}")))?;
        Ok(keys.into_iter().collect())
    })
}

fn blocks(args: &[ColumnarValue]) -> DfResult<ColumnarValue> {
    let skip = skipped(literal(&args[1], BLOCKS)?)?;
    let arrays = ColumnarValue::values_to_arrays(&args[..1])?;
    let recs = downcast::<BinaryArray>(&arrays[0], BLOCKS)?;
    let mut out = ListBuilder::new(UInt64Builder::new());
    for i in 0..recs.len() {
        if recs.is_null(i) {
            out.append_null();
            continue;
        }
        for key in decode(recs.value(i))?.block_keys().into_iter().flatten() {
            if !skip.contains(&key) {
                out.values().append_value(key);
            }
        }
        out.append(true);
    }
    Ok(ColumnarValue::Array(Arc::new(out.finish())))
}

fn keys(args: &[ColumnarValue]) -> DfResult<ColumnarValue> {
    let arrays = ColumnarValue::values_to_arrays(args)?;
    let recs = downcast::<BinaryArray>(&arrays[0], KEY)?;
    let which = downcast::<Int64Array>(&arrays[1], KEY)?;
    let mut out = UInt64Builder::with_capacity(recs.len());
    for i in 0..recs.len() {
        if recs.is_null(i) || which.is_null(i) {
            out.append_null();
            continue;
        }
        let r = decode(recs.value(i))?;
        if r.person(0).sound == 0 {
            // No name: no pass compares the record.
            out.append_null();
            continue;
        }
        let key = match which.value(i) {
            TOWNSHIP => r.township_key(),
            o if o >= ORDER && ((o - ORDER) as usize) < Neighbourhood::ALL.len() => {
                order_key(&r, Neighbourhood::ALL[(o - ORDER) as usize])
            }
            SPAN => order_key(&r, Neighbourhood::Everywhere) >> (64 - SPAN_BITS),
            other => return Err(external(format!("{KEY}: no key {other}"))),
        };
        out.append_value(key);
    }
    Ok(ColumnarValue::Array(Arc::new(out.finish())))
}

/// A record's place in a pass's order, as the local pass sorts it — but for the
/// township, which is the window's partition here, not part of the order.
fn order_key(r: &Record, pass: Neighbourhood) -> u64 {
    let place = match pass {
        Neighbourhood::TownshipReversed => 0,
        Neighbourhood::Everywhere => pass.place_order(&r.place(0)),
    };
    pass.name_order(&r.name) | place
}

/// The sections of the config a pair's score depends on.
#[derive(serde::Serialize, serde::Deserialize)]
struct Scoring {
    matching: fundaudit_core::config::Matching,
    identity: fundaudit_core::config::Identity,
    /// The weights' part measured on the registry (not in a config file's identity).
    measured: Option<fundaudit_core::config::MeasuredWeights>,
    records: usize,
}

/// The config and what the comparison derives from it, parsed once per text and
/// process rather than per batch.
fn scoring(json: &str) -> DfResult<Arc<(Config, Bounds)>> {
    static CACHE: Cache<(Config, Bounds)> = Mutex::new(None);
    cached(&CACHE, json, || {
        let Scoring {
            matching,
            mut identity,
            measured,
            records,
        } = serde_json::from_str(json).map_err(|e| external(format!("{PAIR}: config: {e}")))?;
        identity.measured = measured;
        let bounds = Bounds::new(&identity, records);
        let config = Config {
            matching,
            identity,
            ..Config::default()
        };
        Ok((config, bounds))
    })
}

/// The name frequency that scores a pair highest: the cluster does not know a name's
/// frequency, so it keeps every pair that could match with the best one.
fn most_favourable_count(config: &Config, records: usize) -> u32 {
    let w = &config.identity;
    if w.learned.contains_key("name_exact") || w.name_rare_bonus >= 0.0 {
        1
    } else {
        records.min(u32::MAX as usize) as u32
    }
}

/// Scores candidate pairs as [`PAIR`] says, for one call's config and skipped blocks;
/// the two-record registry it compares in is reused from pair to pair.
struct Scorer {
    scoring: Arc<(Config, Bounds)>,
    skip: Arc<FxHashSet<u64>>,
    pair: PackedRegistry,
}

/// A record of a candidate pair, decoded once however many pairs it is in.
struct Candidate {
    row: i64,
    record: Record,
    blocks: [Option<u64>; BlockKey::ALL.len()],
}

impl Candidate {
    fn new(row: i64, bytes: &[u8]) -> DfResult<Candidate> {
        let record = decode(bytes)?;
        Ok(Candidate {
            row,
            blocks: record.block_keys(),
            record,
        })
    }
}

impl Scorer {
    fn new(scoring: &ColumnarValue, skip: &ColumnarValue, what: &str) -> DfResult<Scorer> {
        Ok(Scorer {
            scoring: self::scoring(literal(scoring, what)?)?,
            skip: skipped(literal(skip, what)?)?,
            pair: PackedRegistry::default(),
        })
    }

    /// The pair's best possible score, if `family` is the first to propose it and the
    /// score can reach the threshold.
    fn score(&mut self, a: &Candidate, b: &Candidate, family: i64, records: i64) -> Option<f64> {
        let (config, bounds) = (&self.scoring.0, &self.scoring.1);
        // The lower row first, as the local passes compare.
        let (x, y) = if a.row <= b.row { (a, b) } else { (b, a) };
        // Scored by the first block family that proposes the pair (the name-order
        // passes come after every block family), so each pair is scored once.
        let before = (family.max(0) as usize).min(BlockKey::ALL.len());
        let proposed_earlier = (0..before).any(|e| {
            matches!((x.blocks[e], y.blocks[e]), (Some(p), Some(q)) if p == q && !self.skip.contains(&p))
        });
        if proposed_earlier {
            return None;
        }
        pair_registry_into(&mut self.pair, &x.record, &y.record);
        let reg = &self.pair;
        let records = records.max(0) as usize;
        compare_at_least(
            reg,
            bounds,
            &reg.people[0],
            &reg.people[1],
            most_favourable_count(config, records),
            records,
            config,
            config.identity.match_score,
        )
        .map(|c| c.score)
    }
}

fn pairs(args: &[ColumnarValue]) -> DfResult<ColumnarValue> {
    let mut scorer = Scorer::new(&args[6], &args[7], PAIR)?;
    let arrays = ColumnarValue::values_to_arrays(&args[..6])?;
    let row_a = downcast::<Int64Array>(&arrays[0], PAIR)?;
    let rec_a = downcast::<BinaryArray>(&arrays[1], PAIR)?;
    let row_b = downcast::<Int64Array>(&arrays[2], PAIR)?;
    let rec_b = downcast::<BinaryArray>(&arrays[3], PAIR)?;
    let family = downcast::<Int64Array>(&arrays[4], PAIR)?;
    let records = downcast::<Int64Array>(&arrays[5], PAIR)?;
    let mut out = Float64Builder::with_capacity(row_a.len());
    for i in 0..row_a.len() {
        if arrays[..5].iter().any(|a| a.is_null(i)) {
            out.append_null();
            continue;
        }
        let a = Candidate::new(row_a.value(i), rec_a.value(i))?;
        let b = Candidate::new(row_b.value(i), rec_b.value(i))?;
        out.append_option(scorer.score(&a, &b, family.value(i), records.value(i)));
    }
    Ok(ColumnarValue::Array(Arc::new(out.finish())))
}

fn neighbours(args: &[ColumnarValue]) -> DfResult<ColumnarValue> {
    let w = NEIGHBOURHOOD_WINDOW;
    let mut scorer = Scorer::new(&args[2 * w + 4], &args[2 * w + 5], NEIGHBOURS)?;
    let arrays = ColumnarValue::values_to_arrays(&args[..2 * w + 4])?;
    let rows = (0..=w)
        .map(|k| downcast::<Int64Array>(&arrays[2 * k], NEIGHBOURS))
        .collect::<DfResult<Vec<_>>>()?;
    let recs = (0..=w)
        .map(|k| downcast::<BinaryArray>(&arrays[2 * k + 1], NEIGHBOURS))
        .collect::<DfResult<Vec<_>>>()?;
    let family = downcast::<Int64Array>(&arrays[2 * w + 2], NEIGHBOURS)?;
    let records = downcast::<Int64Array>(&arrays[2 * w + 3], NEIGHBOURS)?;
    let mut out = ListBuilder::new(datafusion::arrow::array::Int64Builder::new());
    for i in 0..rows[0].len() {
        if rows[0].is_null(i) || recs[0].is_null(i) || family.is_null(i) {
            out.append(true);
            continue;
        }
        let this = Candidate::new(rows[0].value(i), recs[0].value(i))?;
        for k in 1..=w {
            if rows[k].is_null(i) || recs[k].is_null(i) {
                continue;
            }
            let other = Candidate::new(rows[k].value(i), recs[k].value(i))?;
            if scorer
                .score(&this, &other, family.value(i), records.value(i))
                .is_some()
            {
                out.values().append_value(other.row);
            }
        }
        out.append(true);
    }
    Ok(ColumnarValue::Array(Arc::new(out.finish())))
}
