//! Files built to break a reader: encodings mixed line by line, UTF-16 without a BOM, and
//! workbooks and CSVs made to exhaust memory (a huge sheet, a zip bomb, a hundred thousand
//! columns, a sparse two-gigabyte file), each refused naming the cap.

use std::path::Path;

use super::{audit, short_county};
use crate::common::{fundaudit, of_rule, read_csv, Fixture};

/// 张伟 paid in full on twenty allocations: payments.csv as the test writes it, one
/// payment a line, each line in the encoding `encode` gives it.
fn twenty_payments(data: &Path, encode: impl Fn(usize, &str) -> Vec<u8>) {
    let mut f = Fixture::one_person();
    for i in 0..20 {
        let period = format!("2025M{:02}", i + 1);
        f.allocation(
            &format!("A{i}"),
            "低保金",
            &period,
            "B1",
            "100.00",
            "2025-01-01",
            "2025-01-31",
        )
        .payment(
            &format!("P{i}"),
            &format!("A{i}"),
            "B1",
            "张伟",
            "6228480000000000001",
            "100.00",
            "2025-01-10",
        );
    }
    f.write(data);
    let text = std::fs::read_to_string(data.join("payments.csv")).unwrap();
    let mut bytes = Vec::new();
    for (i, line) in text.lines().enumerate() {
        bytes.extend(encode(i, &format!("{line}\n")));
    }
    std::fs::write(data.join("payments.csv"), bytes).unwrap();
}

fn gb18030(text: &str) -> Vec<u8> {
    encoding_rs::GB18030.encode(text).0.into_owned()
}

/// The summary of a run that must succeed.
fn run_summary(data: &Path, out: &Path) -> String {
    let said = audit(data, out, "2025-03-31");
    assert_eq!(said.code, 0, "{}", said.stderr);
    said.stdout
}

/// A GB18030 payments file with three lines pasted from a UTF-8 file was read with no
/// reject and a garbled payee (鏉庣幉) in a used row: a false DIV_PAYEE_MISMATCH.
#[test]
fn a_file_mixing_encodings_is_read_line_by_line_and_undecodable_rows_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    twenty_payments(&data, |i, line| match i {
        3 | 9 | 15 => line.as_bytes().to_vec(),
        // A byte neither encoding reads, inside 张伟.
        12 => {
            let mut b = gb18030(line);
            let at = b.windows(2).position(|w| w == &gb18030("伟")[..]).unwrap();
            b.insert(at, 0xFF);
            b
        }
        _ => gb18030(line),
    });
    let out = dir.path().join("out");
    let summary = run_summary(&data, &out);
    assert!(summary.contains("GB18030 with lines in UTF-8"), "{summary}");
    let findings = read_csv(&out.join("findings.csv"));
    assert!(
        of_rule(&findings, "DIV_PAYEE_MISMATCH").is_empty(),
        "{findings:?}"
    );
    let rejects = read_csv(&out.join("rejects.csv"));
    assert_eq!(rejects.len(), 1, "{rejects:?}");
    assert_eq!(rejects[0]["line"], "13");
    assert!(rejects[0]["reason"].contains("encoding"), "{rejects:?}");
}

/// UTF-16 without a byte-order mark said "CSV malformed: expected 456 rows".
#[test]
fn utf16_without_a_bom_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    twenty_payments(&data, |_, line| {
        line.encode_utf16().flat_map(u16::to_le_bytes).collect()
    });
    let out = dir.path().join("out");
    let summary = run_summary(&data, &out);
    assert!(summary.contains("UTF-16LE without BOM"), "{summary}");
    assert!(read_csv(&out.join("rejects.csv")).is_empty());
    let findings = read_csv(&out.join("findings.csv"));
    assert!(
        of_rule(&findings, "DIV_PAYEE_MISMATCH").is_empty(),
        "{findings:?}"
    );
    assert!(
        of_rule(&findings, "DELAY_UNPAID").is_empty(),
        "every payment read: {findings:?}"
    );
}

/// The binary under a 1 GiB address-space cap (`prlimit`, where the machine has it): a
/// hostile file must be refused, not met with an allocation that aborts the process.
fn capped() -> assert_cmd::Command {
    let prlimit = std::process::Command::new("prlimit")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !prlimit {
        eprintln!("prlimit not found: the hostile files run without a memory cap");
        return fundaudit();
    }
    let mut cmd = assert_cmd::Command::new("prlimit");
    cmd.arg("--as=1073741824")
        .arg(env!("CARGO_BIN_EXE_fundaudit"));
    cmd
}

/// Runs on `data` under the cap; expects exit 2 and returns stderr.
fn refused(data: &Path) -> String {
    let out = data.parent().unwrap().join("out");
    let assert = capped()
        .args(["run", "--quiet", "--no-ledger", "--data"])
        .arg(data)
        .arg("--out")
        .arg(out)
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(2);
    String::from_utf8_lossy(&assert.get_output().stderr).to_string()
}

#[test]
fn a_small_workbook_asking_for_a_huge_sheet_is_refused_naming_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    let data = short_county(dir.path(), &["beneficiaries.csv"]);
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in [
        "beneficiary_id",
        "name",
        "id_number",
        "township",
        "village",
        "bank_account",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    sheet.write_string(1_048_575, 16_383, "x").unwrap();
    book.save(data.join("beneficiaries.xlsx")).unwrap();
    assert!(
        std::fs::metadata(data.join("beneficiaries.xlsx"))
            .unwrap()
            .len()
            < 10_000
    );
    let stderr = refused(&data);
    assert!(
        stderr.contains("beneficiaries.xlsx") && stderr.contains("[limits] max_columns"),
        "{stderr}"
    );
}

#[test]
fn a_workbook_part_that_unpacks_a_thousandfold_is_refused_before_it_unpacks() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let data = short_county(dir.path(), &["payments.csv"]);
    let file = std::fs::File::create(data.join("payments.xlsx")).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("xl/worksheets/sheet1.xml", options).unwrap();
    let block = vec![b' '; 1 << 20];
    for _ in 0..40 {
        zip.write_all(&block).unwrap();
    }
    zip.finish().unwrap();
    assert!(std::fs::metadata(data.join("payments.xlsx")).unwrap().len() < 1 << 20);
    let stderr = refused(&data);
    assert!(
        stderr.contains("payments.xlsx") && stderr.contains("[limits] max_zip_ratio"),
        "{stderr}"
    );
}

#[test]
fn a_csv_of_a_hundred_thousand_empty_columns_is_refused_naming_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    let data = short_county(dir.path(), &["payments.csv"]);
    std::fs::create_dir(data.join("payments")).unwrap();
    let wide = ",".repeat(100_000);
    let mut text = format!("payment_id,allocation_id,beneficiary_id,payee_name,payee_account,amount,paid_date,program{wide}\n");
    for i in 0..20 {
        text.push_str(&format!(
            "P{i},A1,B1,张伟,6228480000000000001,1.00,2025-01-10,低保金{wide}\n"
        ));
    }
    std::fs::write(data.join("payments/bank.csv"), text).unwrap();
    let stderr = refused(&data);
    assert!(
        stderr.contains("bank.csv") && stderr.contains("[limits] max_columns"),
        "{stderr}"
    );
}

#[test]
fn a_sparse_two_gigabyte_csv_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = short_county(dir.path(), &[]);
    let f = std::fs::File::create(data.join("payments.csv")).unwrap();
    f.set_len(2 << 30).unwrap();
    let started = std::time::Instant::now();
    let stderr = refused(&data);
    assert!(
        stderr.contains("payments.csv") && stderr.contains("NUL bytes"),
        "{stderr}"
    );
    assert!(stderr.len() < 8192);
    println!("refused in {:?}", started.elapsed());
}
