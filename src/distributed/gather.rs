//! `fundaudit_rows(col, …) -> BINARY`: an aggregate that gathers a group's rows whole
//! — every argument a column, named as in its input — into one Parquet file. The
//! audit's `GROUP BY unit` uses it to hand each unit's joined rows to the library's
//! rules in one piece ([`super::functions::UNIT`]).
//!
//! Why gather rather than aggregate: a unit's rules need all its rows at once (they
//! group, sort and compare across them), so no partial state is smaller than the rows.
//! The partial state is the rows as Arrow IPC (cheap to write and read between stages);
//! the final value Parquet, which Polars reads without another format built in.

use std::io::Cursor;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, BinaryArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::ipc::reader::StreamReader;
use datafusion::arrow::ipc::writer::StreamWriter;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::{Result as DfResult, ScalarValue};
use datafusion::logical_expr::function::AccumulatorArgs;
use datafusion::logical_expr::{Accumulator, AggregateUDFImpl, Signature, Volatility};
use datafusion::parquet::arrow::ArrowWriter;

use super::functions::{downcast, external};

pub const ROWS: &str = "fundaudit_rows";

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Gather {
    signature: Signature,
}

impl Gather {
    pub fn new() -> Gather {
        Gather {
            signature: Signature::variadic_any(Volatility::Immutable),
        }
    }
}

impl AggregateUDFImpl for Gather {
    fn name(&self) -> &str {
        ROWS
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Binary)
    }

    fn accumulator(&self, args: AccumulatorArgs) -> DfResult<Box<dyn Accumulator>> {
        // The rows keep their columns' names; nullable whatever the input says, since a
        // side of an outer join is null where it did not match.
        let fields: Vec<Field> = args
            .expr_fields
            .iter()
            .map(|f| Field::new(f.name(), f.data_type().clone(), true))
            .collect();
        Ok(Box::new(Rows {
            schema: Arc::new(Schema::new(fields)),
            batches: Vec::new(),
        }))
    }
}

/// One group's rows so far.
#[derive(Debug)]
struct Rows {
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
}

impl Rows {
    fn ipc(&self) -> DfResult<Vec<u8>> {
        let mut bytes = Vec::new();
        let mut writer = StreamWriter::try_new(&mut bytes, &self.schema)?;
        for batch in &self.batches {
            writer.write(batch)?;
        }
        writer.finish()?;
        drop(writer);
        Ok(bytes)
    }
}

impl Accumulator for Rows {
    fn update_batch(&mut self, values: &[ArrayRef]) -> DfResult<()> {
        if values.first().is_some_and(|v| !v.is_empty()) {
            self.batches
                .push(RecordBatch::try_new(self.schema.clone(), values.to_vec())?);
        }
        Ok(())
    }

    fn state(&mut self) -> DfResult<Vec<ScalarValue>> {
        Ok(vec![ScalarValue::Binary(Some(self.ipc()?))])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> DfResult<()> {
        let Some(states) = states.first() else {
            return Ok(());
        };
        let states = downcast::<BinaryArray>(states, ROWS)?;
        for i in 0..states.len() {
            if states.is_null(i) {
                continue;
            }
            for batch in StreamReader::try_new(Cursor::new(states.value(i)), None)? {
                let batch = batch?;
                if batch.schema() != self.schema {
                    return Err(external(format!(
                        "{ROWS}: a partial state of other columns ({:?})",
                        batch.schema()
                    )));
                }
                self.batches.push(batch);
            }
        }
        Ok(())
    }

    fn evaluate(&mut self) -> DfResult<ScalarValue> {
        let mut bytes = Vec::new();
        let mut writer = ArrowWriter::try_new(&mut bytes, self.schema.clone(), None)?;
        for batch in &self.batches {
            writer.write(batch)?;
        }
        writer.close()?;
        Ok(ScalarValue::Binary(Some(bytes)))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self)
            + self
                .batches
                .iter()
                .map(RecordBatch::get_array_memory_size)
                .sum::<usize>()
    }
}
