//! The audit job: the stage's payments linked to their allocations and to the
//! registry by DataFusion joins, each unit's rows shuffled to one task and gathered
//! there, and the library's rules run over each unit by [`functions::UNIT`].
//!
//! ```text
//!  payments-*.parquet p FULL JOIN allocations-*.parquet a ON allocation_id
//!    LEFT JOIN beneficiaries.parquet r ON COALESCE(a.beneficiary_id, p.beneficiary_id)
//!    → the linked columns (beneficiary, program, township, registry row)
//!  shuffled by unit (the stage part, or its group); per unit fundaudit_rows(…)
//!    gathers its rows, fundaudit_unit(unit, rows, job) runs the rules over them
//!  → the rules' findings and the rows they name, per unit
//! ```
//!
//! Why the rules are not DataFusion plans too: they are the library's, and would be
//! written a second time. Every rule groups by allocation, person or account, and a unit
//! is closed under all three (see [`fundaudit_audit::partition`]), so grouping by unit is the one
//! group-by that serves them all, and each unit's rules run whole in one task on the
//! rows the joins gave it.

use datafusion::arrow::array::{Array, BinaryArray, Int64Array};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::execution::FunctionRegistry;
use datafusion::logical_expr::{col, ident, lit, Partitioning};
use polars::prelude::DataType as PlType;

use super::{functions, gather, udf, wire};

use crate::cluster::Cluster;

use crate::job::Job;
use fundaudit_audit::partition::{Audited, Prepared, UnitResult};
use fundaudit_core::error::{Error, Result};
use fundaudit_input::stage::{self, PART, REGISTRY_ROW};
use fundaudit_rules::link::{cols, joined};

const PAYMENTS: &str = "fundaudit_payments";
const ALLOCATIONS: &str = "fundaudit_allocations";
const REGISTRY: &str = "fundaudit_registry_ids";

/// Audits every unit of `prepared` on the cluster and puts the results together as a
/// local run does.
pub fn audit(prepared: Prepared, job: &Job, cluster: &Cluster) -> Result<Audited> {
    let fail = |e: &dyn std::fmt::Display| Error::Cluster {
        scheduler: cluster.scheduler.clone(),
        message: e.to_string().trim_end().to_string(),
    };
    let n = prepared.units();
    let groups = &job.units;
    let files = stage::part_files(&job.stage)?;
    let registry = stage::registry_file(&job.stage)?;
    let tables = [
        (
            PAYMENTS,
            files.payments.0.clone(),
            arrow_schema(&files.payments.1)?,
        ),
        (
            ALLOCATIONS,
            files.allocations.0.clone(),
            arrow_schema(&files.allocations.1)?,
        ),
        (
            REGISTRY,
            vec![registry],
            Schema::new(vec![
                Field::new("beneficiary_id", DataType::Utf8, true),
                Field::new("township", DataType::Utf8, true),
                Field::new(REGISTRY_ROW, DataType::Int64, false),
            ]),
        ),
    ];
    let query = joined_sql(&files, groups);
    let json = job.to_json()?;
    let batches = cluster
        .runtime
        .block_on(async {
            let ctx = &cluster.ctx;
            for (name, paths, schema) in tables {
                udf::register_parquet(ctx, name, &paths, schema).await?;
            }
            // As many partitions as units, up to four times `cluster_partitions`: the
            // units are hashed into the partitions, and with fewer partitions than
            // units one task gets three or four units while another gets none (at 1M,
            // 10 units in 4 partitions: two 13.9 s tasks beside an empty one; in 10,
            // tasks of one to three units, the longest 7.2 s). For this job only:
            // DataFusion plans every shuffle of the job with it.
            let target = ctx.state().config().target_partitions();
            let partitions = n.clamp(target, 4 * target);
            set_partitions(ctx, partitions);
            let joined = ctx.sql(&query).await;
            set_partitions(ctx, target);
            let joined = joined?;
            // Each unit's rows to one task by an explicit shuffle on the unit, so the
            // gathering is one aggregate over its own partition: no partial states
            // (a unit's rows serialised, shuffled and merged once more).
            let gather = ctx.udaf(gather::ROWS)?;
            let unit = ctx.udf(functions::UNIT)?;
            let rows: Vec<_> = joined
                .schema()
                .fields()
                .iter()
                .filter(|f| f.name() != "unit")
                .map(|f| ident(f.name()))
                .collect();
            let batches = joined
                .repartition(Partitioning::Hash(vec![col("unit")], partitions))?
                .aggregate(vec![col("unit")], vec![gather.call(rows).alias("rows")])?
                .select(vec![
                    col("unit"),
                    unit.call(vec![col("unit"), col("rows"), lit(json)])
                        .alias("result"),
                ])?
                .collect()
                .await;
            for name in [PAYMENTS, ALLOCATIONS, REGISTRY] {
                ctx.deregister_table(name)?;
            }
            batches
        })
        .map_err(|e| fail(&e))?;
    let mut results: Vec<Option<UnitResult>> = (0..n).map(|_| None).collect();
    let (mut bytes, mut back) = (0usize, 0usize);
    for batch in &batches {
        let units = udf::downcast::<Int64Array>(batch.column(0), "unit").map_err(|e| fail(&e))?;
        let blobs =
            udf::downcast::<BinaryArray>(batch.column(1), "result").map_err(|e| fail(&e))?;
        for i in 0..batch.num_rows() {
            let k = units.value(i);
            let slot = usize::try_from(k)
                .ok()
                .and_then(|k| results.get_mut(k))
                .filter(|slot| slot.is_none() && !blobs.is_null(i))
                .ok_or_else(|| fail(&format!("unit {k} of {n}: no result, or two")))?;
            bytes += blobs.value(i).len();
            back += 1;
            *slot = Some(wire::decode(blobs.value(i))?);
        }
    }
    // What crossed the network back: the findings and the rows they name, per unit.
    tracing::info!(
        units = n,
        audited = back,
        result_bytes = bytes,
        "{back} of {n} units audited on the cluster, {:.1} MB of results",
        bytes as f64 / 1e6
    );
    // A unit with no rows is in no row of the join, so in no group: audited here (unit
    // 0 runs the rules that read only the whole run's facts, rows or not). A unit with
    // rows that did not come back is the cluster's failure, not an empty unit.
    let results = results
        .into_iter()
        .enumerate()
        .map(|(k, r)| match r {
            Some(r) => Ok(r),
            None => {
                let rows: usize = groups[k]
                    .iter()
                    .map(|&part| files.rows(part))
                    .sum::<Result<usize>>()?;
                if rows > 0 {
                    return Err(fail(&format!(
                        "unit {k} of {n} ({rows} rows) never came back"
                    )));
                }
                prepared.audit_unit(k)
            }
        })
        .collect::<Result<Vec<_>>>()?;
    prepared.finish(results)
}

/// The partitions of every shuffle of the session's next jobs.
fn set_partitions(ctx: &datafusion::prelude::SessionContext, partitions: usize) {
    ctx.state_ref()
        .write()
        .config_mut()
        .options_mut()
        .execution
        .target_partitions = partitions;
}

/// The query giving the joined rows, as [`fundaudit_rules::link::joined`] names them, each with
/// its unit; `groups` are the stage parts of each unit.
fn joined_sql(files: &stage::PartFiles, groups: &[Vec<usize>]) -> String {
    let quote = |name: &str| format!("\"{}\"", name.replace('"', "\"\""));
    // (expression, name) of each column of the join.
    let mut columns: Vec<(String, String)> = Vec::new();
    for (side, prefix, schema) in [
        ("p", joined::PAYMENT, &files.payments.1),
        ("a", joined::ALLOCATION, &files.allocations.1),
    ] {
        for name in schema.iter_names() {
            columns.push((format!("{side}.{}", quote(name)), format!("{prefix}{name}")));
        }
    }
    let ben = "COALESCE(a.beneficiary_id, p.beneficiary_id)";
    columns.push((ben.into(), joined::BENEFICIARY.into()));
    columns.push((
        "COALESCE(a.program, p.program)".into(),
        joined::PROGRAM.into(),
    ));
    // A payment's township is its allocation's, else its person's when registered there.
    columns.push((
        "COALESCE(a.township, NULLIF(r.township, ''))".into(),
        joined::TOWNSHIP.into(),
    ));
    columns.push((format!("r.{REGISTRY_ROW}"), cols::REG_ROW.into()));
    let columns: Vec<String> = columns
        .iter()
        .map(|(expr, name)| format!("{expr} AS {}", quote(name)))
        .collect();
    format!(
        "SELECT {unit} AS unit, {columns}
         FROM {PAYMENTS} p
         FULL JOIN {ALLOCATIONS} a ON p.allocation_id = a.allocation_id
         LEFT JOIN {REGISTRY} r ON r.beneficiary_id = {ben}",
        unit = unit_of(&format!("COALESCE(p.{PART}, a.{PART})"), groups),
        columns = columns.join(",\n                "),
    )
}

/// The unit of the stage part `part`: itself when each unit is one part (the run
/// resolves identities as the stage did), else its group's number.
fn unit_of(part: &str, groups: &[Vec<usize>]) -> String {
    if groups.iter().enumerate().all(|(k, g)| g == &[k]) {
        return part.to_string();
    }
    let whens: String = groups
        .iter()
        .enumerate()
        .flat_map(|(k, g)| g.iter().map(move |p| format!(" WHEN {p} THEN {k}")))
        .collect();
    format!("CASE {part}{whens} END")
}

/// The Arrow schema DataFusion reads a stage's part files with: the types Polars wrote,
/// text as plain `Utf8` (not string views) for the functions that take text.
fn arrow_schema(schema: &polars::prelude::Schema) -> Result<Schema> {
    let fields = schema
        .iter()
        .map(|(name, dtype)| {
            let arrow = match dtype {
                PlType::String => DataType::Utf8,
                PlType::Int64 => DataType::Int64,
                PlType::Int32 => DataType::Int32,
                PlType::UInt32 => DataType::UInt32,
                PlType::UInt64 => DataType::UInt64,
                PlType::Float64 => DataType::Float64,
                PlType::Boolean => DataType::Boolean,
                PlType::Date => DataType::Date32,
                other => {
                    return Err(Error::Argument(format!(
                        "stage column {name} is of type {other}, which the cluster's audit does not read: stage the data folder again with this version"
                    )))
                }
            };
            Ok(Field::new(name.as_str(), arrow, true))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Schema::new(fields))
}
