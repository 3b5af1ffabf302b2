//! Loading the ledgers: any office export (CSV/TSV in UTF-8, GB18030 or UTF-16; Excel
//! and OpenDocument workbooks; Parquet) into typed Polars frames, with every bad row sent
//! to rejects (file, row as the user sees it, column, value, reason) instead of dropped.
//!
//! [`inputs`] loads a data folder: [`sources`] says which files hold each ledger, [`load`]
//! reads one file ([`read`] into text columns, [`header_shape`] and [`headers`] find and map
//! its header, [`validate`] checks every cell, [`footer`] skips totals rows), [`stack`]
//! puts many files of one ledger together. Money becomes exact fen (Int64), dates Polars
//! `Date`, ID and account numbers cleaned text; everything else stays as written.
//!
//! The root re-exports what callers use most (`Inputs`, `Reject`, `LINE`, …); inside this
//! crate every file imports from the module that defines it.

pub mod bank;
pub mod chunks;
pub mod footer;
pub mod header_shape;
pub mod headers;
pub mod inputs;
pub mod limits;
pub mod load;
pub mod loaded;
pub mod options;
mod parallel;
mod plain;
pub mod read;
pub mod sources;
pub mod stack;
pub mod stage;
pub mod validate;

pub use inputs::{Inputs, PeopleLists};
pub use load::{load_file, load_file_with};
pub use loaded::{FileCount, Loaded, Reject, SkippedRow, LINE};
pub use options::InputOptions;
pub use validate::validate;

#[cfg(test)]
mod tests {
    use crate::loaded::LINE;
    use crate::validate::validate;
    use fundaudit_core::spec::{ALLOCATIONS, BENEFICIARIES, PAYMENTS};
    use polars::prelude::Column;
    use polars::prelude::DataFrame;

    fn frame(cols: &[(&str, &[Option<&str>])]) -> DataFrame {
        let columns = cols
            .iter()
            .map(|(n, v)| Column::new((*n).into(), v.to_vec()))
            .collect();
        DataFrame::new_infer_height(columns).unwrap()
    }

    #[test]
    fn bad_rows_go_to_rejects_and_counts_reconcile() {
        let raw = frame(&[
            (
                "payment_id",
                &[Some("P1"), Some("P2"), Some("P2"), None, Some("P5")],
            ),
            (
                "allocation_id",
                &[Some("A1"), None, Some("A3"), Some("A4"), Some("A5")],
            ),
            ("beneficiary_id", &[None, None, None, None, None]),
            ("payee_name", &[Some(" 张伟 "), None, None, None, None]),
            ("payee_account", &[None, None, None, None, None]),
            (
                "amount",
                &[Some("10.00"), Some("1O"), Some("3"), Some("4"), Some("5")],
            ),
            (
                "paid_date",
                &[
                    Some("2025-01-01"),
                    Some("2025-01-02"),
                    Some("2025-13-01"),
                    Some("2025-01-04"),
                    Some("2025-01-05"),
                ],
            ),
            ("program", &[None, None, None, None, None]),
            ("extra", &[Some("kept"), None, None, None, None]),
        ]);
        let loaded = validate(raw, "payments.csv", &PAYMENTS).unwrap();
        assert_eq!(loaded.count.rows_read, 5);
        assert_eq!(loaded.count.rows_used, 2);
        assert_eq!(loaded.count.rows_rejected, 3);
        let reasons: Vec<(usize, &str)> = loaded
            .rejects
            .iter()
            .map(|r| (r.line, r.column.as_str()))
            .collect();
        assert!(reasons.contains(&(3, "amount")), "{reasons:?}");
        assert!(reasons.contains(&(4, "payment_id")), "{reasons:?}");
        assert!(reasons.contains(&(4, "paid_date")), "{reasons:?}");
        assert!(reasons.contains(&(5, "payment_id")), "{reasons:?}");
        let f = &loaded.frame;
        assert_eq!(
            f.column("amount_fen").unwrap().i64().unwrap().get(0),
            Some(1000)
        );
        assert_eq!(
            f.column("payee_name").unwrap().str().unwrap().get(0),
            Some("张伟")
        );
        assert_eq!(f.column(LINE).unwrap().i64().unwrap().get(1), Some(6));
        assert!(f.column("extra").is_ok());
    }

    #[test]
    fn repeated_text_is_coded_and_reads_back_as_text() {
        let raw = frame(&[
            ("allocation_id", &[Some("A1"), Some("A2"), Some("A3")]),
            ("program", &[Some("低保"), Some("低保"), Some("特困供养")]),
            (
                "period",
                &[Some("2025-01"), Some("2025-01"), Some("2025-02")],
            ),
            ("beneficiary_id", &[Some("B1"), Some("B2"), Some("B1")]),
            ("township", &[Some("城关镇"), None, Some("城关镇")]),
            ("amount", &[Some("1"), Some("2"), Some("3")]),
            (
                "funds_received_date",
                &[Some("2025-01-01"), Some("2025-01-01"), Some("2025-02-01")],
            ),
        ]);
        let loaded = validate(raw, "allocations.csv", &ALLOCATIONS).unwrap();
        let f = &loaded.frame;
        for (name, coded) in [
            ("program", true),
            ("period", true),
            ("township", true),
            ("allocation_id", false),
            ("beneficiary_id", false),
        ] {
            let dtype = f.column(name).unwrap().dtype();
            assert_eq!(dtype.is_categorical(), coded, "{name}: {dtype:?}");
        }
        assert_eq!(
            fundaudit_core::frame::text(f, "township").unwrap(),
            vec![Some("城关镇"), None, Some("城关镇")]
        );
        assert_eq!(
            fundaudit_core::frame::text(f, "program").unwrap(),
            vec![Some("低保"), Some("低保"), Some("特困供养")]
        );
        // An optional coded column the file lacks is coded too, so files with and
        // without it stack.
        let f = validate(
            frame(&[
                ("payment_id", &[Some("P1")]),
                ("allocation_id", &[Some("A1")]),
                ("beneficiary_id", &[Some("B1")]),
                ("payee_name", &[Some("张伟")]),
                ("payee_account", &[None]),
                ("amount", &[Some("1")]),
                ("paid_date", &[Some("2025-01-02")]),
                ("program", &[Some("低保")]),
            ]),
            "payments.csv",
            &PAYMENTS,
        )
        .unwrap()
        .frame;
        assert!(f.column("status").unwrap().dtype().is_categorical());
        assert_eq!(
            fundaudit_core::frame::text(&f, "status").unwrap(),
            vec![None]
        );
    }

    #[test]
    fn missing_column_names_file_and_column() {
        let raw = frame(&[("name", &[Some("x")])]);
        let err = validate(raw, "beneficiaries.csv", &BENEFICIARIES)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("beneficiaries.csv")
                && err.contains("beneficiary_id")
                && err.contains("name"),
            "{err}"
        );
    }
}
