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

/// Payments joined to their allocation and to the registry.
///
/// The person a payment was for is the allocation's beneficiary when the allocation is
/// known (entitlement decides whose money it was), else the beneficiary id the bank
/// recorded. Program and township likewise come from the allocation first.
pub fn link_payments(
    payments: &DataFrame,
    allocations: &DataFrame,
    beneficiaries: &DataFrame,
) -> PolarsResult<DataFrame> {
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
    let registry = beneficiaries
        .clone()
        .lazy()
        .with_row_index(cols::REG_ROW, None)
        .select([
            col("beneficiary_id").alias("reg_beneficiary_id"),
            col(cols::REG_ROW).cast(DataType::Int64),
            col("township").alias("reg_township"),
        ]);
    payments
        .clone()
        .lazy()
        .with_column(col("beneficiary_id").alias(cols::PAID_BENEFICIARY))
        .left_join(alloc, col("allocation_id"), col("allocation_id"))
        .with_columns([
            coalesce(&[col("alloc_beneficiary_id"), col("beneficiary_id")]).alias("beneficiary_id"),
            col(cols::ALLOC_FOUND).fill_null(lit(false)),
            coalesce(&[col("alloc_program"), col("program")]).alias("program"),
        ])
        .left_join(registry, col("beneficiary_id"), col("reg_beneficiary_id"))
        .with_columns([coalesce(&[col("alloc_township"), col("reg_township")]).alias("township")])
        .select([
            col("payment_id"),
            col("allocation_id"),
            col("beneficiary_id"),
            col("payee_name"),
            col("payee_account"),
            col("amount_fen"),
            col("paid_date"),
            col("program"),
            col("period"),
            col("township"),
            col(cols::ALLOC_FOUND),
            col(cols::ALLOC_ROW),
            col(cols::ALLOC_AMOUNT_FEN),
            col(cols::PAID_BENEFICIARY),
            col(cols::REG_ROW),
            col(crate::input::LINE),
        ])
        .collect()
}
