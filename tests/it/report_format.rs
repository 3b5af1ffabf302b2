//! Snapshots of what officers and downstream systems read: findings.csv, findings.json
//! and the terminal summary, on a small fixed ledger with one finding of each kind.

use crate::common;

use common::{fundaudit, id_number, Fixture};

fn fixture() -> Fixture {
    let mut f = Fixture::one_person();
    f.person(
        "B2",
        "刘强",
        &id_number(1961, 3, 4, 102),
        "东村",
        "6228480000000000002",
        "2025-01-05",
    );
    f.allocation(
        "A1",
        "低保金",
        "2025Q1",
        "B1",
        "620.00",
        "2025-01-01",
        "2025-01-31",
    )
    .payment(
        "P1",
        "A1",
        "B1",
        "张伟",
        "6228480000000000001",
        "619.99",
        "2025-02-20",
    );
    f.allocation("A2", "低保金", "2025Q2", "B1", "620.00", "2025-04-01", "")
        .payment(
            "P2",
            "A2",
            "B1",
            "马超",
            "6228480000000000999",
            "620.00",
            "2025-04-10",
        );
    f.allocation(
        "A3",
        "低保金",
        "2025Q1",
        "B2",
        "620.00",
        "2025-01-01",
        "2025-01-31",
    )
    .payment(
        "P3",
        "A3",
        "B2",
        "刘强",
        "6228480000000000002",
        "620.00",
        "2025-01-20",
    );
    f.allocation(
        "A4",
        "低保金",
        "2025Q3",
        "B1",
        "620.00",
        "2025-07-01",
        "2025-07-31",
    );
    f
}

#[test]
fn findings_and_summary_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    fixture().write(&dir.path().join("data"));
    let out = dir.path().join("out");
    let output = fundaudit()
        .args(["run", "--as-of", "2025-09-30", "--data"])
        .arg(dir.path().join("data"))
        .arg("--out")
        .arg(&out)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let stdout = String::from_utf8(output).unwrap();
    // The ledger's place is printed in full: the temporary folder is not part of the format.
    let stdout: String = stdout
        .replace(dir.path().to_str().unwrap(), "[TMP]")
        .lines()
        .filter(|l| !l.starts_with("reports written to"))
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!("summary", stdout);
    let csv = std::fs::read_to_string(out.join("findings.csv")).unwrap();
    insta::assert_snapshot!("findings_csv", csv);
    let json = std::fs::read_to_string(out.join("findings.json")).unwrap();
    insta::assert_snapshot!("findings_json", json);
}
