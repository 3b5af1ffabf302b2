//! Shared mechanics of the rules: which allocation and which registered person each
//! payment belongs to. Computed once per run.

use polars::prelude::*;

/// Column names of the linked payments frame.
pub mod cols {
    /// Whether the payment's allocation_id exists in allocations.csv.
    pub const ALLOC_FOUND: &str = "alloc_found";
    pub const ALLOC_AMOUNT_FEN: &str = "alloc_amount_fen";
    /// Row of the resolved beneficiary in the registry (null when unregistered).
    pub const REG_ROW: &str = "reg_row";
    pub const PERSON: &str = "person";
    /// Row of the payment's allocation in the allocations frame (null when not found).
    pub const ALLOC_ROW: &str = "alloc_row";
    /// The beneficiary the bank recorded on the payment, before the allocation's replaces it.
    pub const PAID_BENEFICIARY: &str = "paid_beneficiary_id";
}

/// Where a beneficiary id is in the registry: its row and township.
pub trait Registry: Sync {
    fn row(&self, beneficiary_id: &str) -> Option<usize>;
    fn township(&self, row: usize) -> &str;
}

/// Payments joined to their allocation and to the registry.
///
/// The person a payment was for is the allocation's beneficiary when the allocation is
/// known (entitlement decides whose money it was), else the beneficiary id the bank
/// recorded. Program and township likewise come from the allocation first.
///
/// The allocation is a join (the part's allocations); the registry is a lookup in the
/// run's index, not a join: a join would hash the whole registry again for every part.
pub fn link_payments(
    payments: &DataFrame,
    allocations: &DataFrame,
    registry: &dyn Registry,
) -> PolarsResult<DataFrame> {
    use rayon::prelude::*;
    let alloc = allocations
        .clone()
        .lazy()
        .with_row_index(cols::ALLOC_ROW, None)
        .select([
            col("allocation_id"),
            col(cols::ALLOC_ROW).cast(DataType::Int64),
            col("beneficiary_id").alias("alloc_beneficiary_id"),
            col("program").alias("alloc_program"),
            col("period"),
            col("township").alias("alloc_township"),
            col("amount_fen").alias(cols::ALLOC_AMOUNT_FEN),
            lit(true).alias(cols::ALLOC_FOUND),
        ]);
    let mut linked = payments
        .clone()
        .lazy()
        .with_column(col("beneficiary_id").alias(cols::PAID_BENEFICIARY))
        .left_join(alloc, col("allocation_id"), col("allocation_id"))
        .with_columns([
            coalesce(&[col("alloc_beneficiary_id"), col("beneficiary_id")]).alias("beneficiary_id"),
            col(cols::ALLOC_FOUND).fill_null(lit(false)),
            coalesce(&[col("alloc_program"), col("program")]).alias("program"),
        ])
        .collect()?;
    let bens = crate::frame::text(&linked, "beneficiary_id")?;
    let rows: Vec<Option<usize>> = bens
        .par_iter()
        .map(|b| b.and_then(|b| registry.row(b)))
        .collect();
    let alloc_town = crate::frame::text(&linked, "alloc_township")?;
    let township: Vec<Option<&str>> = alloc_town
        .iter()
        .zip(&rows)
        .map(|(a, r)| a.or_else(|| r.map(|r| registry.township(r)).filter(|t| !t.is_empty())))
        .collect();
    let township = Column::new("township".into(), township);
    let reg_row = Column::new(
        cols::REG_ROW.into(),
        rows.iter().map(|r| r.map(|r| r as i64)).collect::<Vec<_>>(),
    );
    drop(bens);
    drop(alloc_town);
    linked.with_column(township)?;
    linked.with_column(reg_row)?;
    linked.select([
        "payment_id",
        "allocation_id",
        "beneficiary_id",
        "payee_name",
        "payee_account",
        "amount_fen",
        "paid_date",
        "program",
        "period",
        "township",
        cols::ALLOC_FOUND,
        cols::ALLOC_ROW,
        cols::ALLOC_AMOUNT_FEN,
        cols::PAID_BENEFICIARY,
        cols::REG_ROW,
        crate::input::LINE,
    ])
}
