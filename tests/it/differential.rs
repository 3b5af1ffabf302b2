//! The differential property: break one row of one ledger of a generated county (a stray
//! quote, an extra delimiter, a byte that is not UTF-8, a giant cell, a value of the wrong
//! type, an empty line, a duplicate key, invisible format characters, a formula, the row
//! in GB18030 inside a UTF-8 file) and audit it. Every finding that does not involve
//! that row is unchanged (same id, same amount), and the row is in rejects. Minimised
//! failures are kept in proptest-regressions/differential.txt as a corpus.

use crate::common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::{fundaudit, read_csv};
use proptest::prelude::*;

const LEDGERS: [&str; 3] = ["beneficiaries.csv", "allocations.csv", "payments.csv"];

struct County {
    _dir: tempfile::TempDir,
    data: PathBuf,
    /// finding id → (amount, ids involved)
    findings: BTreeMap<String, (String, BTreeSet<String>)>,
    lines: HashMap<&'static str, Vec<String>>,
}

fn involved(f: &HashMap<String, String>) -> BTreeSet<String> {
    ["beneficiary_ids", "allocation_ids", "payment_ids"]
        .iter()
        .flat_map(|c| {
            f[*c]
                .split(';')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        })
        .collect()
}

fn audit(data: &Path, out: &Path) -> Vec<HashMap<String, String>> {
    fundaudit::run(&fundaudit::RunOptions {
        data_dir: data.to_path_buf(),
        reports_dir: None,
        out_dir: Some(out.to_path_buf()),
        config: fundaudit_core::config::Config::default(),
        policy: fundaudit_core::policy::Policy::default(),
        as_of: fundaudit_core::cells::parse_date("2026-03-31").unwrap(),
        unmasked: true,
        lang: fundaudit_report::html::words::Lang::Zh,
        wait: None,
        ledger: None,
        screen: false,
        engine: fundaudit::Engine::Local,
    })
    .expect("the audit runs on a county with one broken row");
    read_csv(&out.join("findings.csv"))
}

fn county() -> &'static County {
    static COUNTY: OnceLock<County> = OnceLock::new();
    COUNTY.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("clean");
        fundaudit()
            .args(["generate", "--beneficiaries", "300", "--seed", "9", "--out"])
            .arg(&data)
            .assert()
            .success();
        for extra in ["truth.csv", "truth_pairs.csv"] {
            std::fs::remove_file(data.join(extra)).unwrap();
        }
        let findings = audit(&data, &dir.path().join("clean-out"))
            .iter()
            .map(|f| {
                (
                    f["finding_id"].clone(),
                    (f["amount_at_risk"].clone(), involved(f)),
                )
            })
            .collect();
        let lines = LEDGERS
            .iter()
            .map(|l| {
                let text = std::fs::read_to_string(data.join(l)).unwrap();
                (*l, text.lines().map(str::to_string).collect())
            })
            .collect();
        County {
            _dir: dir,
            data,
            findings,
            lines,
        }
    })
}

/// The ids a row stands for: its own key and what hangs on it (for a person, also the
/// people and payments on their card).
fn ids_of(c: &County, ledger: &str, row: usize) -> BTreeSet<String> {
    let cells = |l: &str, r: usize| -> Vec<String> {
        c.lines[l][r].split(',').map(str::to_string).collect()
    };
    let mut ids: BTreeSet<String> = BTreeSet::new();
    let line = cells(ledger, row);
    match ledger {
        "payments.csv" => ids.extend(line[..3].iter().cloned()),
        "allocations.csv" => {
            ids.insert(line[0].clone());
            ids.insert(line[3].clone());
        }
        _ => {
            // A person stands for their card too: household members registered on it, and
            // payments into it, are judged with them.
            ids.insert(line[0].clone());
            let account = &line[5];
            for r in 1..c.lines[ledger].len() {
                let x = cells(ledger, r);
                if !account.is_empty() && x[5] == *account {
                    ids.insert(x[0].clone());
                }
            }
            for r in 1..c.lines["payments.csv"].len() {
                let x = cells("payments.csv", r);
                if !account.is_empty() && x[4] == *account {
                    ids.insert(x[0].clone());
                }
            }
        }
    }
    // Allocations and payments of an id in the set.
    for (l, key, refs) in [
        ("allocations.csv", 0usize, [3usize, 3]),
        ("payments.csv", 0, [1, 2]),
    ] {
        for r in 1..c.lines[l].len() {
            let x = cells(l, r);
            if refs.iter().any(|&j| ids.contains(&x[j])) {
                ids.insert(x[key].clone());
            }
        }
    }
    ids.retain(|s| !s.is_empty());
    ids
}

fn mutate(line: &str, kind: u8, earlier_key: Option<&str>, ledger: &str) -> Option<String> {
    let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
    Some(match kind {
        0 => format!("\"{line}"),
        1 => {
            cells.insert(1, "extra".into());
            cells.join(",")
        }
        2 => {
            // Returned as text here; the byte is put in by the caller.
            format!("{}\u{0}", line)
        }
        3 => {
            cells[1] = "x".repeat(100_000);
            cells.join(",")
        }
        4 => {
            let col = match ledger {
                "beneficiaries.csv" => 6, // death_date
                _ => 5,                   // amount
            };
            cells[col] = "2025-13-45x".into();
            cells.join(",")
        }
        5 => return None, // an empty line after the row
        6 => {
            cells[0] = earlier_key?.to_string();
            cells.join(",")
        }
        7 => {
            // Invisible format characters in every cell: a zero-width joiner after the
            // first character, a bidi override in front.
            cells
                .iter()
                .map(|c| {
                    let mut chars = c.chars();
                    match chars.next() {
                        Some(first) => format!("\u{202E}{first}\u{200D}{}", chars.as_str()),
                        None => c.clone(),
                    }
                })
                .collect::<Vec<_>>()
                .join(",")
        }
        8 => {
            // A formula where a name or a township is.
            let col = cells.len().min(4) - 1;
            cells[col] = format!("=HYPERLINK(\"\"{}\"\")", cells[col]).replace(',', "");
            cells[col] = format!("\"{}\"", cells[col]);
            cells.join(",")
        }
        // 9: the row in GB18030 inside a UTF-8 file (encoded by the caller).
        _ => line.to_string(),
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 500,
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::Direct("proptest-regressions/differential.txt"),
        )),
        ..ProptestConfig::default()
    })]

    #[test]
    fn one_broken_row_changes_only_what_involves_it(
        ledger in 0usize..3, at in 0.0f64..1.0, kind in 0u8..10
    ) {
        let c = county();
        let name = LEDGERS[ledger];
        let rows = c.lines[name].len() - 1;
        let row = 1 + ((at * rows as f64) as usize).min(rows - 1);
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        // Every input of the county (ledgers, reference lists, the folder of posted lists),
        // the broken one rewritten below.
        common::copy_tree(&c.data, &data);
        let earlier = (row > 1).then(|| c.lines[name][row - 1].split(',').next().unwrap_or(""));
        let kind = if kind == 6 && earlier.is_none() { 0 } else { kind };
        let mut bytes: Vec<u8> = Vec::new();
        for (r, line) in c.lines[name].iter().enumerate() {
            if r == row {
                match mutate(line, kind, earlier, name) {
                    Some(m) if kind == 2 => {
                        let mut b = m.into_bytes();
                        b.pop();
                        b.insert(b.len() / 2, 0xFF);
                        bytes.extend(b);
                    }
                    Some(m) if kind == 9 => bytes.extend(encoding_rs::GB18030.encode(&m).0.iter()),
                    Some(m) => bytes.extend(m.into_bytes()),
                    None => {
                        bytes.extend(line.as_bytes());
                        bytes.push(b'\n');
                    }
                }
            } else {
                bytes.extend(line.as_bytes());
            }
            bytes.push(b'\n');
        }
        std::fs::write(data.join(name), bytes).unwrap();
        let out = dir.path().join("out");
        let got: HashMap<String, HashMap<String, String>> = audit(&data, &out)
            .into_iter()
            .map(|f| (f["finding_id"].clone(), f))
            .collect();
        let touched = ids_of(c, name, row);
        for (id, (amount, ids)) in &c.findings {
            if ids.is_disjoint(&touched) {
                let f = got.get(id);
                prop_assert!(f.is_some(), "{name} row {} kind {kind}: finding {id} lost", row + 1);
                prop_assert_eq!(&f.unwrap()["amount_at_risk"], amount, "{} changed", id);
            }
        }
        // A registry row gone or garbled leaves its posted row (公示名单) fitting no one, or
        // fitting only the person's other registration (`李 强` and `李强`, one ID number),
        // who then reads as posted twice: those findings name the person as posted, not by
        // our ids (names compared as the matching compares them, normalized).
        let person = (name == "beneficiaries.csv")
            .then(|| c.lines[name][row].split(',').nth(1).unwrap_or(""))
            .map(fundaudit_identity::normalize_name)
            .filter(|n| !n.is_empty());
        let names_the_person = |f: &HashMap<String, String>| {
            let Some(n) = &person else { return false };
            // The name before the bracket that follows it: `李 强（B0000303）`, `列有李强（身份证号…）`.
            let is_person = |t: &str| {
                fundaudit_identity::normalize_name(t.split('（').next().unwrap_or("")) == *n
            };
            match f["rule"].as_str() {
                "PUB_POSTED_NOT_ELIGIBLE" => f["evidence"].split("列有").skip(1).any(is_person),
                "PUB_AMOUNT_DIFFERS" => is_person(&f["evidence"]),
                _ => false,
            }
        };
        for (id, f) in &got {
            if !c.findings.contains_key(id) {
                prop_assert!(!involved(f).is_disjoint(&touched) || names_the_person(f), "{name} row {} kind {kind}: new finding {id} {:?} not about the row", row + 1, f["evidence"]);
            }
        }
        let rejects = read_csv(&out.join("rejects.csv"));
        // Format characters, and a row whose text is ASCII in any encoding, change nothing.
        let harmless = kind == 7 || (kind == 9 && c.lines[name][row].is_ascii());
        if harmless {
            prop_assert!(rejects.is_empty(), "{name} row {} kind {kind}: rejected: {:?}", row + 1, rejects);
            prop_assert_eq!(got.len(), c.findings.len(), "kind {}: the findings changed", kind);
            for (id, (amount, _)) in &c.findings {
                prop_assert!(
                    got.get(id).is_some_and(|f| &f["amount_at_risk"] == amount),
                    "{name} row {} kind {kind}: finding {id} changed", row + 1
                );
            }
        }
        // No cell of a CSV output is a live formula.
        for file in ["findings.csv", "rejects.csv", "cases.csv"] {
            for r in read_csv(&out.join(file)) {
                for (column, cell) in &r {
                    prop_assert!(
                        !matches!(cell.chars().next(), Some('=' | '+' | '@')),
                        "{file} {column}: live formula {cell:?}"
                    );
                }
            }
        }
        if kind == 5 || kind == 8 || harmless {
            prop_assert!(kind != 5 || rejects.is_empty(), "an empty line is no reject");
        } else {
            prop_assert!(
                rejects.iter().any(|r| r["line"] == (row + 1).to_string()),
                "{name} row {} kind {kind}: not in rejects: {:?}", row + 1, rejects
            );
        }
    }
}
