//! One bad cell never changes the meaning of the rest of the file: docs/input.md's "Bad
//! input" table, row by row, on the committed sample data with one thing broken at a time.

use crate::common;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use common::{fundaudit, read_csv};

fn sample(dir: &Path) -> PathBuf {
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    common::copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data"),
        &data,
    );
    data
}

/// Runs the audit; returns exit code, stdout, stderr and the findings (when written).
fn run(data: &Path, out: &Path) -> (i32, String, String, Vec<HashMap<String, String>>) {
    let o = fundaudit()
        .args(["run", "--no-ledger", "--as-of", "2026-03-31", "--data"])
        .arg(data)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    let findings = if out.join("findings.csv").exists() {
        read_csv(&out.join("findings.csv"))
    } else {
        Vec::new()
    };
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).to_string(),
        String::from_utf8_lossy(&o.stderr).to_string(),
        findings,
    )
}

fn edit(path: &Path, f: impl FnOnce(Vec<String>) -> Vec<String>) {
    let text = std::fs::read_to_string(path).unwrap();
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    std::fs::write(path, f(lines).join("\n") + "\n").unwrap();
}

fn ids(f: &[HashMap<String, String>]) -> BTreeSet<String> {
    f.iter().map(|x| x["finding_id"].clone()).collect()
}

#[test]
fn a_stray_quote_sets_one_line_aside() {
    let dir = tempfile::tempdir().unwrap();
    let data = sample(dir.path());
    let (_, _, _, clean) = run(&data, &dir.path().join("clean"));
    let (mut payment, mut alloc) = (String::new(), String::new());
    edit(&data.join("payments.csv"), |mut l| {
        let cells: Vec<&str> = l[4].split(',').collect();
        (payment, alloc) = (cells[0].to_string(), cells[1].to_string());
        l[4] = format!("\"{}", l[4]);
        l
    });
    let (code, stdout, _, findings) = run(&data, &dir.path().join("out"));
    assert_eq!(code, 0);
    let rows = std::fs::read_to_string(data.join("payments.csv"))
        .unwrap()
        .lines()
        .count()
        - 1;
    let counted = format!(
        "payments.csv         read {rows:>9}  used {:>9}  rejected       1",
        rows - 1
    );
    assert!(stdout.contains(&counted), "{counted}\n{stdout}");
    let rejects = read_csv(&dir.path().join("out/rejects.csv"));
    assert_eq!(rejects.len(), 1);
    assert_eq!(rejects[0]["line"], "5");
    assert!(rejects[0]["reason"].starts_with("unbalanced quote"));
    // Every finding that does not involve that payment or its allocation is unchanged.
    let untouched = |f: &&HashMap<String, String>| {
        !f["payment_ids"].split(';').any(|x| x == payment)
            && !f["allocation_ids"].split(';').any(|x| x == alloc)
    };
    let before: BTreeSet<String> =
        ids(&clean.iter().filter(untouched).cloned().collect::<Vec<_>>());
    let after: BTreeSet<String> = ids(&findings
        .iter()
        .filter(untouched)
        .cloned()
        .collect::<Vec<_>>());
    assert_eq!(before, after);
    assert!(
        findings.len() <= clean.len() + 2,
        "{} vs {}",
        findings.len(),
        clean.len()
    );
}

#[test]
fn a_header_only_payments_file_is_one_loud_data_quality_finding_per_period() {
    let dir = tempfile::tempdir().unwrap();
    let data = sample(dir.path());
    edit(&data.join("payments.csv"), |l| l[..1].to_vec());
    let (code, stdout, _, findings) = run(&data, &dir.path().join("out"));
    assert_eq!(code, 4, "{stdout}");
    assert!(
        stdout.starts_with("WARNING: the inputs look incomplete"),
        "{stdout}"
    );
    // Program-periods with at least `min_allocations` due allocations are one finding
    // each; the few allocations of smaller periods stay single DELAY_UNPAID findings.
    // Allocations for people dead before their period (死亡未销户) are not said unpaid
    // either where the period has no payment data. What reads no payments still speaks:
    // posted-list rows no registered person fits (公示名单 against the registry), and the
    // project rules, which read the project ledgers of their own.
    let findings: Vec<_> = findings
        .into_iter()
        .filter(|f| f["rule"] != "PUB_POSTED_NOT_ELIGIBLE" && !f["rule"].starts_with("PRJ_"))
        .collect();
    assert!(findings
        .iter()
        .all(|f| f["rule"] == "DATA_INCOMPLETE" || f["rule"] == "DELAY_UNPAID"));
    assert!(
        findings
            .iter()
            .filter(|f| f["rule"] == "DELAY_UNPAID")
            .count()
            <= 10
    );
    assert!(
        findings.len() < 30,
        "grouped, not thousands: {}",
        findings.len()
    );
    let html = std::fs::read_to_string(dir.path().join("out/report.html")).unwrap();
    assert!(html.contains("\"incomplete\":[\""));
}

#[test]
fn a_giant_cell_is_rejected_and_every_report_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let data = sample(dir.path());
    edit(&data.join("payments.csv"), |mut l| {
        let mut cells: Vec<String> = l[7].split(',').map(str::to_string).collect();
        cells[3] = "张".repeat(2_000_000);
        l[7] = cells.join(",");
        l
    });
    let (code, _, stderr, _) = run(&data, &dir.path().join("out"));
    assert_eq!(code, 0, "{stderr}");
    let rejects = read_csv(&dir.path().join("out/rejects.csv"));
    assert_eq!(rejects.len(), 1);
    assert_eq!(rejects[0]["column"], "payee_name");
    assert!(rejects[0]["reason"].contains("2000000 characters long"));
    assert!(
        rejects[0]["value"].chars().count() < 300,
        "the reject quotes it shortened"
    );
    for file in [
        "findings.xlsx",
        "report.html",
        "findings.csv",
        "manifest.json",
    ] {
        assert!(dir.path().join("out").join(file).exists(), "{file}");
    }
}

#[test]
fn two_files_for_one_ledger_side_by_side_exit_2_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let data = sample(dir.path());
    let text = std::fs::read_to_string(data.join("payments.csv")).unwrap();
    std::fs::write(data.join("payments.tsv"), text.replace(',', "\t")).unwrap();
    let (code, _, stderr, _) = run(&data, &dir.path().join("out"));
    assert_eq!(code, 2);
    assert!(stderr.contains("payments.csv, payments.tsv"), "{stderr}");
}

#[test]
fn a_header_twice_exits_2_naming_it_and_both_columns() {
    let dir = tempfile::tempdir().unwrap();
    let data = sample(dir.path());
    edit(&data.join("payments.csv"), |mut l| {
        l[0] = l[0].replace("payee_name", "amount");
        l
    });
    let (code, _, stderr, _) = run(&data, &dir.path().join("out"));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("the header `amount` appears twice (columns 6 and 4)")
            || stderr.contains("the header `amount` appears twice (columns 4 and 6)"),
        "{stderr}"
    );
}
