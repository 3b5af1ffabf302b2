//! The functions identity resolution's plans call on the executors (see [`crate::identity`]):
//! a registry row packed once (`fundaudit_record`), its block keys, the name-order key,
//! a pair scored at the most favourable name frequency, and the neighbours a window
//! compares. Each is registered in every cluster process by [`crate::functions`].

use std::sync::{Arc, Mutex};

use datafusion::arrow::array::{
    Array, BinaryArray, BinaryBuilder, Float64Builder, Int64Array, ListBuilder, StringArray,
    UInt64Builder,
};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::common::{Result as DfResult, ScalarValue};
use datafusion::logical_expr::{create_udf, ColumnarValue, ScalarUDF, Volatility};
use rustc_hash::FxHashSet;

use super::udf::{cached, downcast, external, Cache};
use fundaudit_core::config::Config;
use fundaudit_identity::blocking::{BlockKey, Neighbourhood, NEIGHBOURHOOD_WINDOW};
use fundaudit_identity::model::{compare_at_least, Bounds};
use fundaudit_identity::record::{pair_registry_into, Record};
use fundaudit_identity::PackedRegistry;

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

pub(crate) const TOWNSHIP: i64 = 0;

/// Sort keys of the passes, [`Neighbourhood::ALL`] in order.
pub(crate) const ORDER: i64 = 1;

/// The span of the order of the pass over everything a record falls in: the key's top
/// [`SPAN_BITS`] (the first two letters of the name).
pub(crate) const SPAN: i64 = ORDER + Neighbourhood::ALL.len() as i64;

pub(crate) const SPAN_BITS: u32 = 10;

/// The table the plans read: the stage's registry, and the columns they read of it.
pub(crate) const TABLE: &str = "fundaudit_registry";

pub(crate) const COLUMNS: [&str; 5] = ["name", "id_number", "township", "village", "bank_account"];

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
pub(crate) struct Scoring {
    pub(crate) matching: fundaudit_core::config::Matching,
    pub(crate) identity: fundaudit_core::config::Identity,
    /// The weights' part measured on the registry (not in a config file's identity).
    pub(crate) measured: Option<fundaudit_core::config::MeasuredWeights>,
    pub(crate) records: usize,
}

/// The config and what the comparison derives from it, parsed once per text and
/// process rather than per batch.
pub(crate) fn scoring(json: &str) -> DfResult<Arc<(Config, Bounds)>> {
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

/// A text argument that is one value for the whole call (a literal).
pub(crate) fn literal<'a>(arg: &'a ColumnarValue, what: &str) -> DfResult<&'a str> {
    match arg {
        ColumnarValue::Scalar(ScalarValue::Utf8(Some(text))) => Ok(text),
        _ => Err(external(format!("{what} must be one text"))),
    }
}
