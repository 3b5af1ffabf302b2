//! `fundaudit_rows(col, …) -> BINARY`: an aggregate that gathers a group's rows whole
//! — every argument a column, named as in its input — into one Parquet file. The audit
//! groups by unit with it to hand each unit's joined rows to the library's rules in one
//! piece ([`super::functions::UNIT`]).
//!
//! Why gather rather than aggregate: a unit's rules need all its rows at once (they
//! group, sort and compare across them), so no partial state is smaller than the rows.
//! The audit shuffles the rows by unit first, so the plan has no partial states; a
//! plan that does gets the rows as Arrow IPC. The value is Parquet, which Polars reads
//! without another format built in.

use std::io::Cursor;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, BinaryArray};
use datafusion::arrow::compute::concat_batches;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::ipc::reader::StreamReader;
use datafusion::arrow::ipc::writer::StreamWriter;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::{Result as DfResult, ScalarValue};
use datafusion::logical_expr::function::AccumulatorArgs;
use datafusion::logical_expr::{Accumulator, AggregateUDFImpl, Signature, Volatility};
use datafusion::parquet::arrow::ArrowWriter;

use super::udf::{downcast, external};

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
        Ok(Box::new(Rows::new(Arc::new(Schema::new(fields)))))
    }
}

/// One group's rows so far.
#[derive(Debug)]
struct Rows {
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
}

impl Rows {
    fn new(schema: SchemaRef) -> Rows {
        Rows {
            schema,
            batches: Vec::new(),
        }
    }

    /// The rows as one batch: a group's rows come as many small slices (one per input
    /// batch), written one by one a file holds thousands of tiny row groups.
    fn whole(&self) -> DfResult<RecordBatch> {
        Ok(concat_batches(&self.schema, &self.batches)?)
    }

    fn ipc(&self) -> DfResult<Vec<u8>> {
        let mut bytes = Vec::new();
        let mut writer = StreamWriter::try_new(&mut bytes, &self.schema)?;
        writer.write(&self.whole()?)?;
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
        writer.write(&self.whole()?)?;
        writer.close()?;
        Ok(ScalarValue::Binary(Some(bytes)))
    }

    fn size(&self) -> usize {
        // The rows' own bytes: a group's rows arrive as slices of the batch all groups
        // were taken into, whose whole buffers `get_array_memory_size` would count once
        // per group (a million beneficiaries' ten units claimed 48 GB of a 16 GB pool).
        let rows: usize = self
            .batches
            .iter()
            .flat_map(|b| b.columns())
            .map(|c| c.to_data().get_slice_memory_size().unwrap_or(0))
            .sum();
        std::mem::size_of_val(self) + rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Int64Array, StringArray};
    use polars::prelude::{ParquetReader, SerReader};

    #[test]
    fn a_groups_rows_come_back_whole_through_a_partial_state() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("pay:payment_id", DataType::Utf8, true),
            Field::new("reg_row", DataType::Int64, true),
        ]));
        let ids: ArrayRef = Arc::new(StringArray::from_iter(
            (0..10_000).map(|i| Some(format!("P{i}"))),
        ));
        let rows: ArrayRef = Arc::new(Int64Array::from_iter((0..10_000).map(|i| {
            if i % 3 == 0 {
                None
            } else {
                Some(i)
            }
        })));
        // Two partitions each see a slice of the batch all groups were taken into.
        let mut first = Rows::new(schema.clone());
        first
            .update_batch(&[ids.slice(0, 2), rows.slice(0, 2)])
            .unwrap();
        first
            .update_batch(&[ids.slice(5, 0), rows.slice(5, 0)])
            .unwrap();
        // A slice is counted as its rows, not as the buffers it shares.
        assert!(first.size() < 1_000, "{}", first.size());
        let mut second = Rows::new(schema.clone());
        second
            .update_batch(&[ids.slice(9_997, 3), rows.slice(9_997, 3)])
            .unwrap();
        let state = |r: &mut Rows| -> ArrayRef {
            let ScalarValue::Binary(bytes) = r.state().unwrap().remove(0) else {
                panic!("state is binary")
            };
            Arc::new(BinaryArray::from(vec![bytes.as_deref()]))
        };
        let mut last = Rows::new(schema);
        last.merge_batch(&[state(&mut first)]).unwrap();
        last.merge_batch(&[state(&mut second)]).unwrap();
        let ScalarValue::Binary(Some(file)) = last.evaluate().unwrap() else {
            panic!("value is binary")
        };
        let back = ParquetReader::new(Cursor::new(file)).finish().unwrap();
        assert_eq!(
            fundaudit_core::frame::text(&back, "pay:payment_id").unwrap(),
            vec![
                Some("P0"),
                Some("P1"),
                Some("P9997"),
                Some("P9998"),
                Some("P9999")
            ]
        );
        assert_eq!(
            fundaudit_core::frame::int(&back, "reg_row").unwrap(),
            vec![None, Some(1), Some(9997), Some(9998), None]
        );
        // A state of other columns is refused, not misread.
        let mut other = Rows::new(Arc::new(Schema::new(vec![Field::new(
            "x",
            DataType::Int64,
            true,
        )])));
        assert!(other.merge_batch(&[state(&mut second)]).is_err());
    }
}
