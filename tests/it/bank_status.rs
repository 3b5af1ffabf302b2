//! A 代发 file with a transfer status: a failed attempt and its retry are one payment, an
//! allocation whose only attempt failed is unpaid, a returned transfer reopens its
//! allocation, a reversal (冲正, negative amount) nets against the payment it undoes, and an
//! unknown status is rejected until the config says what it means.

use crate::common;

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use common::{fundaudit, id_number, read_csv, Fixture};

fn data(dir: &Path, extra_status: &str) -> std::path::PathBuf {
    let data = dir.join("data");
    let mut f = Fixture::one_person();
    for n in 2..=6u32 {
        f.person(
            &format!("B{n}"),
            ["", "", "刘强", "王芳", "李娜", "赵敏", "孙丽"][n as usize],
            &id_number(1961, 1, n, n),
            "东村",
            &format!("622848000000000000{n}"),
            "",
        );
    }
    for n in 1..=6 {
        f.allocation(
            &format!("A{n}"),
            "低保金",
            "2025-07",
            &format!("B{n}"),
            "620.00",
            "2025-07-01",
            "2025-07-31",
        );
    }
    f.write(&data);
    let pay = |id: &str, n: u32, amount: &str, date: &str, status: &str| {
        let name = ["", "张伟", "刘强", "王芳", "李娜", "赵敏", "孙丽"][n as usize];
        format!("{id},A{n},B{n},{name},622848000000000000{n},{amount},{date},低保金,{status}\n")
    };
    let mut text = String::from(
        "payment_id,allocation_id,beneficiary_id,payee_name,payee_account,amount,paid_date,program,交易状态\n",
    );
    text += &pay("P1", 1, "620.00", "2025-07-10", "失败"); // retried:
    text += &pay("P1b", 1, "620.00", "2025-07-12", "成功"); //   clean
    text += &pay("P2", 2, "620.00", "2025-07-10", "交易失败：户名不符"); // never paid
    text += &pay("P3", 3, "620.00", "2025-07-10", "成功");
    text += &pay("P3r", 3, "620.00", "2025-07-20", "退票"); // returned: reopened
    text += &pay("P4", 4, "620.00", "2025-07-10", "成功");
    text += &pay("P4x", 4, "-620.00", "2025-07-11", "冲正"); // reversed,
    text += &pay("P4y", 4, "620.00", "2025-07-12", "成功"); //  then paid again: clean
    text += &pay("P5", 5, "620.00", "2025-07-10", "成功");
    text += &pay("P6", 6, "620.00", "2025-07-10", extra_status);
    std::fs::write(data.join("payments.csv"), text).unwrap();
    data
}

fn run(data: &Path, out: &Path, config: Option<&Path>) -> (Vec<HashMap<String, String>>, String) {
    let mut cmd = fundaudit();
    cmd.args(["run", "--as-of", "2025-09-30", "--no-ledger", "--data"])
        .arg(data)
        .arg("--out")
        .arg(out);
    if let Some(c) = config {
        cmd.arg("--config").arg(c);
    }
    let stdout = cmd.assert().success().get_output().stdout.clone();
    (
        read_csv(&out.join("findings.csv")),
        String::from_utf8(stdout).unwrap(),
    )
}

fn flagged(findings: &[HashMap<String, String>]) -> BTreeSet<(String, String)> {
    findings
        .iter()
        .map(|f| (f["rule"].clone(), f["allocation_ids"].clone()))
        .collect()
}

#[test]
fn statuses_retries_returns_and_reversals_decide_what_was_paid() {
    let dir = tempfile::tempdir().unwrap();
    let data = data(dir.path(), "成功");
    let (findings, summary) = run(&data, &dir.path().join("out"), None);
    let got = flagged(&findings);
    assert_eq!(
        got,
        [
            ("DELAY_UNPAID".to_string(), "A2".to_string()),
            ("DELAY_UNPAID".to_string(), "A3".to_string()),
        ]
        .into_iter()
        .collect(),
        "{summary}"
    );
    assert!(
        summary.contains("bank transfers: 2 failed (1,240.00 yuan) and 1 returned (620.00 yuan) are not money paid; 1 reversals netted"),
        "{summary}"
    );
}

#[test]
fn an_unknown_status_is_rejected_until_the_config_maps_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = data(dir.path(), "待清算");
    let (findings, _) = run(&data, &dir.path().join("out"), None);
    let rejects = read_csv(&dir.path().join("out/rejects.csv"));
    let r = rejects.iter().find(|r| r["column"] == "status").unwrap();
    assert_eq!(r["value"], "待清算");
    assert_eq!(r["line"], "11");
    assert!(
        r["reason"].contains("[status] \"待清算\" = \"failed\""),
        "{r:?}"
    );
    // Its allocation has no payment it can count, so it is unpaid.
    assert!(flagged(&findings).contains(&("DELAY_UNPAID".into(), "A6".into())));
    // Mapped as paid, the row counts and A6 is clean.
    let config = dir.path().join("c.toml");
    std::fs::write(&config, "[status]\n\"待清算\" = \"paid\"\n").unwrap();
    let (findings, _) = run(&data, &dir.path().join("out2"), Some(&config));
    assert!(!flagged(&findings).iter().any(|(_, a)| a == "A6"));
    assert!(read_csv(&dir.path().join("out2/rejects.csv")).is_empty());
}

#[test]
fn a_reversal_that_matches_nothing_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let data = data(dir.path(), "成功");
    let mut text = std::fs::read_to_string(data.join("payments.csv")).unwrap();
    text += "P9,A5,B5,赵敏,6228480000000000005,-100.00,2025-07-15,低保金,冲正\n";
    std::fs::write(data.join("payments.csv"), text).unwrap();
    let (_, summary) = run(&data, &dir.path().join("out"), None);
    let rejects = read_csv(&dir.path().join("out/rejects.csv"));
    let r = rejects
        .iter()
        .find(|r| r["line"] == "12")
        .expect("P9 rejected");
    assert!(r["reason"].contains("matches no earlier payment"), "{r:?}");
    assert!(summary.contains("rejected       1"), "{summary}");
}
