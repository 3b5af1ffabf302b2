//! No input makes the loader panic: arbitrary bytes (read as CSV, .xlsx, .xls and
//! Parquet), and header-correct files whose rows are arbitrary text, either load (with
//! rejects) or fail with a message naming the file. Inputs worth keeping live in
//! tests/corpus/ and are replayed by `corpus_replays`.

use fundaudit_input::load_file;

use fundaudit_core::spec::ALLOCATIONS;

use fundaudit_core::spec::BENEFICIARIES;

use fundaudit_core::spec::PAYMENTS;
use proptest::prelude::*;

fn load(bytes: &[u8]) -> Vec<String> {
    let mut outcomes = Vec::new();
    for ext in ["csv", "xlsx", "xls", "parquet"] {
        outcomes.extend(load_as(bytes, ext));
    }
    outcomes
}

fn load_as(bytes: &[u8], ext: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("payments.{ext}"));
    std::fs::write(&path, bytes).unwrap();
    let mut outcomes = Vec::new();
    for spec in [&PAYMENTS, &ALLOCATIONS, &BENEFICIARIES] {
        match load_file(&path, spec) {
            Ok(l) => {
                assert_eq!(
                    l.count.rows_read,
                    l.count.rows_used + l.count.rows_rejected,
                    "rows reconcile"
                );
                outcomes.push(format!("ok {}", l.count.rows_read));
            }
            Err(e) => {
                let msg = e.to_string();
                assert!(
                    msg.contains(&format!("payments.{ext}")),
                    "error names the file: {msg}"
                );
                outcomes.push(msg);
            }
        }
    }
    outcomes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        load(&bytes);
    }

    #[test]
    fn arbitrary_rows_under_a_good_header_never_panic(rows in proptest::collection::vec("[^\n]{0,60}", 0..12)) {
        let mut text = String::from("payment_id,allocation_id,beneficiary_id,payee_name,payee_account,amount,paid_date,program\n");
        for r in rows {
            text.push_str(&r);
            text.push('\n');
        }
        load(text.as_bytes());
    }
}

#[test]
fn corpus_replays() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        load(&std::fs::read(&path).unwrap());
        n += 1;
    }
    assert!(n >= 5, "the corpus is there");
}

/// Awkward inputs kept as explicit cases: empty files, ragged and unterminated rows,
/// CRLF, UTF-16 bytes, a BOM with impossible values.
#[test]
fn known_awkward_inputs() {
    for case in [
        &b""[..],
        b"\n\n\n",
        b"payment_id\n",
        b"\"unterminated,quote\n1,2,3\n",
        b"payment_id,allocation_id,beneficiary_id,payee_name,payee_account,amount,paid_date,program\nP1,A1,B1,x,1,1.00,2025-01-01,p,EXTRA\n",
        b"payment_id,allocation_id,beneficiary_id,payee_name,payee_account,amount,paid_date,program\r\nP1,A1,B1,x,1,1.00,2025-01-01,p\r\n",
        b"\xff\xfe\x00p\x00a\x00y",
        b"\xef\xbb\xbfpayment_id,allocation_id,beneficiary_id,payee_name,payee_account,amount,paid_date,program\nP1,,,,,99999999999999999999,2025-02-30,\n",
    ] {
        load(case);
    }
}
