//! Helpers shared by the integration tests: run the real binary, read its CSV output,
//! and score findings against a generator's truth.csv.
#![allow(dead_code)]
// Fixture builders take one argument per CSV column, in column order: easier to read
// against the file layout than a struct literal per row.
#![allow(clippy::too_many_arguments)]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use assert_cmd::Command;

pub fn fundaudit() -> Command {
    Command::cargo_bin("fundaudit").expect("the fundaudit binary is built")
}

/// `fundaudit run --quiet --no-ledger --as-of 2026-03-31 --data DATA --out OUT`: a run
/// of generated data (its reference date) without a case ledger. More arguments, and
/// the exit code to expect, are the caller's.
pub fn run_cmd(data: &Path, out: &Path) -> Command {
    run_cmd_as_of(data, out, "2026-03-31")
}

/// [`run_cmd`] as of another day (a [`Fixture`]'s is 2025-03-31).
pub fn run_cmd_as_of(data: &Path, out: &Path, as_of: &str) -> Command {
    let mut cmd = fundaudit();
    cmd.args(["run", "--quiet", "--no-ledger", "--as-of", as_of, "--data"])
        .arg(data)
        .arg("--out")
        .arg(out);
    cmd
}

/// Copies the folder `from` (its files and subfolders: a county's `notices/`) to `to`.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_tree(&p, &dest);
        } else {
            std::fs::copy(&p, dest).unwrap();
        }
    }
}

/// `fundaudit generate` of `beneficiaries` people (seed `seed`) into `out`, with `extra`
/// arguments (`--registry-only`, `--shape …`).
pub fn generate(out: &Path, beneficiaries: usize, seed: u64, extra: &[&str]) {
    fundaudit()
        .args([
            "generate",
            "--beneficiaries",
            &beneficiaries.to_string(),
            "--seed",
            &seed.to_string(),
        ])
        .args(extra)
        .arg("--out")
        .arg(out)
        .assert()
        .success();
}

/// `fundaudit stage` of `data` into `out` (with `config` when given); what it printed.
pub fn stage(data: &Path, out: &Path, config: Option<&Path>) -> String {
    let mut cmd = fundaudit();
    cmd.args(["stage", "--data"])
        .arg(data)
        .arg("--out")
        .arg(out);
    if let Some(c) = config {
        cmd.arg("--config").arg(c);
    }
    let said = cmd.assert().success().get_output().stdout.clone();
    String::from_utf8_lossy(&said).to_string()
}

/// A nightly run of `data` as of `as_of` into the reports folder `reports` (its case
/// ledger there).
pub fn run_night(data: &Path, reports: &Path, as_of: &str) {
    fundaudit()
        .args(["run", "--quiet", "--as-of", as_of, "--data"])
        .arg(data)
        .arg("--reports")
        .arg(reports)
        .assert()
        .success();
}

/// Two nights of one county into `dir/reports`: the second after one payment to a
/// pooled account was taken back (that account's finding changes, the allocation it paid
/// becomes unpaid: new findings) and nothing else changed (the rest persists). Returns
/// the second night's run folder.
pub fn two_nights(dir: &Path) -> PathBuf {
    let data = dir.join("data");
    let reports = dir.join("reports");
    generate(&data, 1500, 4, &[]);
    run_night(&data, &reports, "2026-03-31");
    let first = read_csv(&reports.join("latest/findings.csv"));
    let pooled = first
        .iter()
        .find(|f| f["rule"] == "DIV_SHARED_ACCOUNT")
        .expect("a pooled account");
    let path = data.join("payments.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    // A payment that alone paid its allocation: taken back, the allocation is unpaid
    // (one of two installments would leave it short instead).
    let rows = read_csv(&path);
    let allocation_of = |payment: &str| {
        rows.iter()
            .find(|r| r["payment_id"] == payment)
            .map(|r| r["allocation_id"].clone())
    };
    let payment = pooled["payment_ids"]
        .split(';')
        .find(|p| {
            let a = allocation_of(p);
            a.is_some()
                && rows
                    .iter()
                    .filter(|r| Some(&r["allocation_id"]) == a.as_ref())
                    .count()
                    == 1
        })
        .expect("a pooled payment that alone paid its allocation")
        .to_string();
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with(&format!("{payment},")))
        .collect();
    assert_eq!(kept.len() + 1, text.lines().count(), "{payment} removed");
    std::fs::write(&path, kept.join("\n") + "\n").unwrap();
    run_night(&data, &reports, "2026-03-31");
    std::fs::canonicalize(reports.join("latest")).unwrap()
}

/// Generates a county of `beneficiaries` (seed `seed`) into `dir/data` and audits it as
/// of 2026-03-31 into `dir/out`, with `extra` arguments; returns (data, out).
pub fn generate_and_run(
    dir: &Path,
    beneficiaries: usize,
    seed: u64,
    extra: &[&str],
) -> (PathBuf, PathBuf) {
    let data = dir.join("data");
    if !data.exists() {
        generate(&data, beneficiaries, seed, &[]);
    }
    let out = dir.join(format!("out{}", extra.join("")));
    fundaudit()
        .args(["run", "--quiet", "--as-of", "2026-03-31", "--data"])
        .arg(&data)
        .arg("--out")
        .arg(&out)
        .args(standards(&data))
        .args(extra)
        .assert()
        .success();
    (data, out)
}

/// `--config <data>/standards.toml` when the generator wrote one: the county's program
/// standards, which OVER_STANDARD checks against.
pub fn standards(data: &Path) -> Vec<std::ffi::OsString> {
    let path = data.join("standards.toml");
    if path.exists() {
        vec!["--config".into(), path.into_os_string()]
    } else {
        Vec::new()
    }
}

/// Reads a CSV file (with or without BOM) into rows keyed by header.
pub fn read_csv(path: &Path) -> Vec<HashMap<String, String>> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let text = String::from_utf8(bytes).expect("UTF-8");
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> = rdr
        .headers()
        .expect("header")
        .iter()
        .map(str::to_string)
        .collect();
    rdr.records()
        .map(|r| {
            let r = r.expect("record");
            headers
                .iter()
                .cloned()
                .zip(r.iter().map(str::to_string))
                .collect()
        })
        .collect()
}

fn ids(s: &str) -> HashSet<&str> {
    s.split(';').filter(|x| !x.is_empty()).collect()
}

/// Recall per rule and precision per category of findings against planted truth.
#[derive(Debug, Default)]
pub struct Score {
    /// rule → (found, planted)
    pub recall: BTreeMap<String, (usize, usize)>,
    /// category → (true findings, findings)
    pub precision: BTreeMap<String, (usize, usize)>,
    /// rule → (true findings, findings)
    pub rule_precision: BTreeMap<String, (usize, usize)>,
    pub missed: Vec<String>,
    pub false_findings: Vec<String>,
}

/// A planted anomaly is found when a finding of its category involves one of its ids
/// (of the kind truth names: allocation, payment or beneficiary); a finding is true when
/// it involves the ids of some planted anomaly of its category.
pub fn score(truth: &[HashMap<String, String>], findings: &[HashMap<String, String>]) -> Score {
    let column = |kind: &str| match kind {
        "allocation" => "allocation_ids",
        "payment" => "payment_ids",
        "project" => "refs",
        _ => "beneficiary_ids",
    };
    // A posted row no registered person fits has no id of ours: its finding quotes the
    // ID number as posted.
    let hits = |t: &HashMap<String, String>, f: &HashMap<String, String>| {
        f["category"] == t["category"]
            && if t["key_type"] == "posted" {
                f["evidence"].contains(t["ids"].as_str())
            } else if t["key_type"] == "project" {
                // A project finding names its project in refs: `projects:<id>`.
                let named: HashSet<&str> = ids(&f["refs"])
                    .into_iter()
                    .filter_map(|r| r.strip_prefix("projects:"))
                    .collect();
                !named.is_disjoint(&ids(&t["ids"]))
            } else {
                !ids(&f[column(&t["key_type"])]).is_disjoint(&ids(&t["ids"]))
            }
    };
    let mut s = Score::default();
    for f in findings {
        let e = s.rule_precision.entry(f["rule"].clone()).or_default();
        e.1 += 1;
        if truth.iter().any(|t| hits(t, f)) {
            e.0 += 1;
        }
    }
    for t in truth {
        let e = s.recall.entry(t["rule"].clone()).or_default();
        e.1 += 1;
        if findings.iter().any(|f| hits(t, f)) {
            e.0 += 1;
        } else {
            s.missed
                .push(format!("{} {} ({})", t["rule"], t["ids"], t["note"]));
        }
    }
    for f in findings {
        let e = s.precision.entry(f["category"].clone()).or_default();
        e.1 += 1;
        if truth.iter().any(|t| hits(t, f)) {
            e.0 += 1;
        } else {
            s.false_findings
                .push(format!("{}: {}", f["rule"], f["evidence"]));
        }
    }
    s
}

impl Score {
    pub fn print(&self, label: &str) {
        println!("{label}");
        for (rule, (found, planted)) in &self.recall {
            println!(
                "  recall    {rule:<20} {found:>5}/{planted:<5} {:.3}",
                *found as f64 / *planted as f64
            );
        }
        for (cat, (ok, all)) in &self.precision {
            println!(
                "  precision {cat:<20} {ok:>5}/{all:<5} {:.3}",
                *ok as f64 / *all as f64
            );
        }
        for m in &self.missed {
            println!("  missed: {m}");
        }
        for f in &self.false_findings {
            println!("  false: {f}");
        }
    }
}

/// A small hand-made data folder: the rules' edge cases are written out row by row.
#[derive(Default)]
pub struct Fixture {
    pub beneficiaries: Vec<String>,
    pub allocations: Vec<String>,
    pub payments: Vec<String>,
    pub deaths: Vec<String>,
    pub officials: Vec<String>,
    /// Other files of the data folder: (path in it, content).
    pub files: Vec<(String, String)>,
}

/// A valid ID number for a birth date (region 411623).
pub fn id_number(y: i32, m: u32, d: u32, seq: u32) -> String {
    fundaudit_identity::idcard::make_id(
        "411623",
        chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap(),
        seq,
    )
}

/// A well-formed ID number whose check character is wrong (GB 11643 fails).
pub fn id_with_bad_check(y: i32, m: u32, d: u32, seq: u32) -> String {
    let mut id = id_number(y, m, d, seq);
    let wrong = if id.ends_with('1') { '2' } else { '1' };
    id.pop();
    id.push(wrong);
    id
}

impl Fixture {
    /// 张伟 (B1) of 东村, born 1960-03-04, card 6228480000000000001: most edge cases
    /// need exactly one registered person.
    pub fn one_person() -> Fixture {
        let mut f = Fixture::default();
        f.person(
            "B1",
            "张伟",
            &id_number(1960, 3, 4, 101),
            "东村",
            "6228480000000000001",
            "",
        );
        f
    }

    /// One person named `name` (B1 of `village`, card 6228480000000000001) and one
    /// allocation of 100.00 (A1, 2025Q1) paid `paid` to the payee `payee` (P1): what a
    /// test of how a name travels into the reports needs.
    pub fn one_payment(name: &str, village: &str, payee: &str, paid: &str) -> Fixture {
        let mut f = Fixture::default();
        f.person(
            "B1",
            name,
            &id_number(1960, 3, 4, 101),
            village,
            "6228480000000000001",
            "",
        )
        .allocation(
            "A1",
            "低保金",
            "2025Q1",
            "B1",
            "100.00",
            "2025-01-01",
            "2025-01-31",
        )
        .payment(
            "P1",
            "A1",
            "B1",
            payee,
            "6228480000000000001",
            paid,
            "2025-01-10",
        );
        f
    }

    /// 张伟 paid 99.00 of an allocation of 100.00 (A1, P1): one finding, PARTIAL_SHORT.
    pub fn short_payment() -> Fixture {
        let mut f = Fixture::one_person();
        f.allocation(
            "A1",
            "低保金",
            "2025Q1",
            "B1",
            "100.00",
            "2025-01-01",
            "2025-01-31",
        )
        .payment(
            "P1",
            "A1",
            "B1",
            "张伟",
            "6228480000000000001",
            "99.00",
            "2025-01-10",
        );
        f
    }

    pub fn person(
        &mut self,
        id: &str,
        name: &str,
        id_number: &str,
        village: &str,
        account: &str,
        death: &str,
    ) -> &mut Self {
        self.beneficiaries.push(format!(
            "{id},{name},{id_number},城关镇,{village},{account},{death}"
        ));
        self
    }

    pub fn allocation(
        &mut self,
        id: &str,
        program: &str,
        period: &str,
        who: &str,
        amount: &str,
        received: &str,
        due: &str,
    ) -> &mut Self {
        self.allocations.push(format!(
            "{id},{program},{period},{who},城关镇,{amount},{received},{due}"
        ));
        self
    }

    pub fn payment(
        &mut self,
        id: &str,
        alloc: &str,
        who: &str,
        payee: &str,
        account: &str,
        amount: &str,
        date: &str,
    ) -> &mut Self {
        self.payments.push(format!(
            "{id},{alloc},{who},{payee},{account},{amount},{date},低保金"
        ));
        self
    }

    pub fn write(&self, dir: &Path) {
        std::fs::create_dir_all(dir).unwrap();
        let file = |name: &str, header: &str, rows: &[String]| {
            let mut text = format!("{header}\n");
            for r in rows {
                text.push_str(r);
                text.push('\n');
            }
            std::fs::write(dir.join(name), text).unwrap();
        };
        file(
            "beneficiaries.csv",
            "beneficiary_id,name,id_number,township,village,bank_account,death_date",
            &self.beneficiaries,
        );
        file("allocations.csv", "allocation_id,program,period,beneficiary_id,township,amount,funds_received_date,due_date", &self.allocations);
        file("payments.csv", "payment_id,allocation_id,beneficiary_id,payee_name,payee_account,amount,paid_date,program", &self.payments);
        if !self.deaths.is_empty() {
            file(
                "deaths.csv",
                "name,id_number,death_date,birth_date,township,village",
                &self.deaths,
            );
        }
        if !self.officials.is_empty() {
            file("officials.csv", "name,id_number,unit,role", &self.officials);
        }
        for (path, text) in &self.files {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
    }

    /// Runs the binary on this fixture and returns findings.csv.
    pub fn audit(&self, as_of: &str, config: Option<&str>) -> Vec<HashMap<String, String>> {
        let dir = tempfile::tempdir().unwrap();
        read_csv(&self.run_in(dir.path(), as_of, config).join("findings.csv"))
    }

    /// Writes the fixture to `dir/data` and audits it (with `config`, the text of a
    /// config file) into `dir/out`, which it returns; the run must succeed.
    pub fn run_in(&self, dir: &Path, as_of: &str, config: Option<&str>) -> PathBuf {
        let (data, out) = (dir.join("data"), dir.join("out"));
        self.write(&data);
        let mut cmd = run_cmd_as_of(&data, &out, as_of);
        if let Some(text) = config {
            let path = dir.join("config.toml");
            std::fs::write(&path, text).unwrap();
            cmd.arg("--config").arg(&path);
        }
        cmd.assert().success();
        out
    }
}

/// Findings of one rule.
pub fn of_rule<'a>(
    findings: &'a [HashMap<String, String>],
    rule: &str,
) -> Vec<&'a HashMap<String, String>> {
    findings.iter().filter(|f| f["rule"] == rule).collect()
}

/// Sorted allocation ids of one rule's findings.
pub fn allocations_flagged(findings: &[HashMap<String, String>], rule: &str) -> Vec<String> {
    let mut v: Vec<String> = of_rule(findings, rule)
        .iter()
        .map(|f| f["allocation_ids"].clone())
        .collect();
    v.sort();
    v
}

/// Sorted beneficiary ids of one rule's findings.
pub fn beneficiaries_flagged(findings: &[HashMap<String, String>], rule: &str) -> Vec<String> {
    let mut v: Vec<String> = of_rule(findings, rule)
        .iter()
        .map(|f| f["beneficiary_ids"].clone())
        .collect();
    v.sort();
    v
}
