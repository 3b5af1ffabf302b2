//! The functions fundaudit adds to DataFusion, and the registry every process of a
//! cluster must be built with. Ballista ships no code: a plan names its functions, and
//! the scheduler (to read the client's plan) and each executor (to run its tasks) look
//! the names up in their own registry. On stock Ballista executors the job fails
//! ("PhysicalExtensionCodec is not provided for aggregate function fundaudit_rows");
//! `fundaudit-executor` and `fundaudit-scheduler` are built with [`function_registry`]
//! and [`session_state`].

use std::sync::{Arc, Mutex};

use ballista_core::registry::BallistaFunctionRegistry;
use datafusion::arrow::array::{Array, BinaryArray, BinaryBuilder, Int64Array, StringArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result as DfResult;
use datafusion::execution::{SessionState, SessionStateBuilder};
use datafusion::logical_expr::{create_udf, AggregateUDF, ColumnarValue, ScalarUDF, Volatility};
use datafusion::prelude::SessionConfig;
use polars::prelude::{ParquetReader, SerReader};

use super::udf::{cached, downcast, external, Cache};
use super::{gather, wire};
use crate::job::Job;
use fundaudit_audit::partition::Prepared;

/// `fundaudit_unit(unit BIGINT, rows BINARY, job TEXT) -> BINARY`: the library's rules
/// over one unit's joined rows (gathered by [`gather::ROWS`]) with the job's people;
/// the unit's result ([`wire`]).
pub const UNIT: &str = "fundaudit_unit";

/// fundaudit's own scalar functions.
pub fn udfs() -> Vec<Arc<ScalarUDF>> {
    let mut all = vec![Arc::new(create_udf(
        UNIT,
        vec![DataType::Int64, DataType::Binary, DataType::Utf8],
        DataType::Binary,
        // Never folded, never merged: each call is a unit's audit.
        Volatility::Volatile,
        Arc::new(audit_units),
    ))];
    all.extend(crate::identity_udfs::udfs());
    all
}

/// fundaudit's own aggregate functions.
pub fn udafs() -> Vec<Arc<AggregateUDF>> {
    vec![Arc::new(AggregateUDF::from(gather::Gather::new()))]
}

/// Ballista's functions and fundaudit's: what executors are built with.
pub fn function_registry() -> BallistaFunctionRegistry {
    let mut registry = BallistaFunctionRegistry::default();
    for f in udfs() {
        registry.scalar_functions.insert(f.name().to_string(), f);
    }
    for f in udafs() {
        registry.aggregate_functions.insert(f.name().to_string(), f);
    }
    registry
}

/// A session that knows fundaudit's functions: the client's, and the scheduler's
/// session builder (it plans what the client sends).
pub fn session_state(config: SessionConfig) -> DfResult<SessionState> {
    let state = ballista_core::utils::default_session_builder(config)?;
    Ok(SessionStateBuilder::new_from_existing(state)
        .with_scalar_functions(
            ballista_core::extension::ballista_scalar_functions()
                .into_iter()
                .chain(udfs())
                .collect(),
        )
        .with_aggregate_functions(
            ballista_core::extension::ballista_aggregate_functions()
                .into_iter()
                .chain(udafs())
                .collect(),
        )
        .build())
}

fn audit_units(args: &[ColumnarValue]) -> DfResult<ColumnarValue> {
    let arrays = ColumnarValue::values_to_arrays(args)?;
    let units = downcast::<Int64Array>(&arrays[0], UNIT)?;
    let rows = downcast::<BinaryArray>(&arrays[1], UNIT)?;
    let jobs = downcast::<StringArray>(&arrays[2], UNIT)?;
    let mut out = BinaryBuilder::new();
    for i in 0..units.len() {
        if units.is_null(i) || rows.is_null(i) || jobs.is_null(i) {
            out.append_null();
            continue;
        }
        let prepared = prepared_for(jobs.value(i))?;
        let unit = usize::try_from(units.value(i))
            .map_err(|_| external(format!("unit {} is not a unit", units.value(i))))?;
        if unit >= prepared.units() {
            return Err(external(format!(
                "unit {unit} of {}: the executor's stage is not the client's",
                prepared.units()
            )));
        }
        let joined = ParquetReader::new(std::io::Cursor::new(rows.value(i)))
            .finish()
            .map_err(|e| external(format!("unit {unit}'s rows: {e}")))?;
        // One unit at a time per process. A unit's audit is parallel inside (rayon,
        // Polars), and the people's indexes are built on first use under a OnceLock by a
        // rayon worker: two units of one process side by side (two task slots, or two
        // executors in one test process) can meet there, the worker that is building
        // stealing the other unit's job and waiting on its own lock. Seen as a hang.
        static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
        let result = {
            let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
            prepared
                .audit_joined(unit, &joined)
                .map_err(|e| external(e.to_string()))?
        };
        out.append_value(wire::encode(result).map_err(|e| external(e.to_string()))?);
    }
    Ok(ColumnarValue::Array(Arc::new(out.finish())))
}

/// The job's people and units, built once per executor process and job: every task of
/// a job on this executor reads them (the people are what crosses the parts).
fn prepared_for(job: &str) -> DfResult<Arc<Prepared>> {
    static CACHE: Cache<Prepared> = Mutex::new(None);
    cached(&CACHE, job, || {
        let parsed = Job::from_json(job).map_err(|e| external(e.to_string()))?;
        parsed.prepare().map_err(|e| external(e.to_string()))
    })
}
