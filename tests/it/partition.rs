//! Partitioned runs (`[scale] partition_rows`): the rules read the payments a part at a
//! time, and the reports are those of a run in one piece — every finding, id, case and
//! sentence — also where a person registered in two townships, or a card paid for people
//! of several, joins rows that the parts would otherwise split.

use crate::common;

use std::collections::{BTreeSet, HashMap};

use common::{fundaudit, generate, read_csv, run_cmd, stage as stage_folder};

#[test]
fn a_run_in_parts_finds_exactly_what_a_run_in_one_piece_finds() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // With its project files: the project rules read them whole, once, beside the parts.
    generate(&data, 3000, 11, &["--projects"]);
    let moved = register_again_elsewhere(&data);
    let (original, second) = register_again_without_id(&data);
    let small = dir.path().join("small.toml");
    // About 30,000 payment and allocation rows: some twenty parts.
    std::fs::write(&small, "[scale]\npartition_rows = 1500\n").unwrap();
    let run = |name: &str, config: Option<&std::path::Path>| {
        let out = dir.path().join(name);
        let mut cmd = run_cmd(&data, &out);
        if let Some(c) = config {
            cmd.arg("--config").arg(c);
        }
        cmd.assert().success();
        out
    };
    let (whole, parts) = (run("whole", None), run("parts", Some(&small)));
    let summary = |out: &std::path::Path| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap()
    };
    assert_eq!(summary(&whole)["parts"], 1);
    let cut = summary(&parts)["parts"].as_u64().unwrap();
    assert!(cut >= 10, "the small config cuts the county ({cut} parts)");

    for file in ["findings.csv", "cases.csv", "rejects.csv"] {
        let (a, b) = (
            std::fs::read_to_string(whole.join(file)).unwrap(),
            std::fs::read_to_string(parts.join(file)).unwrap(),
        );
        assert!(a == b, "{file} differs between the whole run and the parts");
    }
    for key in ["findings", "cases", "amount_at_risk", "by_rule", "digits"] {
        assert_eq!(summary(&whole)[key], summary(&parts)[key], "{key}");
    }

    // The comparison means something: the findings include those that join rows of
    // several townships, which parts cut by township would have split.
    let township: HashMap<String, String> = read_csv(&data.join("beneficiaries.csv"))
        .into_iter()
        .map(|b| (b["beneficiary_id"].clone(), b["township"].clone()))
        .collect();
    let findings = read_csv(&whole.join("findings.csv"));
    let across = |rule: &str| {
        findings
            .iter()
            .filter(|f| f["rule"] == rule)
            .filter(|f| {
                let towns: BTreeSet<&String> = f["beneficiary_ids"]
                    .split(';')
                    .filter_map(|b| township.get(b))
                    .collect();
                towns.len() > 1
            })
            .count()
    };
    assert!(
        findings
            .iter()
            .any(|f| f["rule"] == "DUP_PERSON_PERIOD" && f["beneficiary_ids"].contains(&moved)),
        "the person registered again in another township is paid twice"
    );
    // A second registration without an ID number, in the original's village, paid for
    // the same period: its rows are at the end of the files, in another part than the
    // original's, and the lead must name the original whatever the cut.
    assert!(
        findings.iter().any(|f| f["rule"] == "GHOST_INVALID_ID"
            && f["beneficiary_ids"].split(';').any(|b| b == second)
            && f["beneficiary_ids"].split(';').any(|b| b == original)
            && f["evidence"].contains("同期同项目领取")),
        "the registration without an ID number is named with the person it may be"
    );
    assert!(
        across("DUP_PERSON_PERIOD") > 0,
        "a person paid in two townships"
    );
    assert!(
        across("DIV_SHARED_ACCOUNT") > 0,
        "a card paid for two townships"
    );
}

/// Registers the first beneficiary again in another township, under a new beneficiary id,
/// with the ID number they have, and pays that registration for a period they were paid
/// for at home (跨区域重复享受). The rows go at the end of the files, far from the
/// original's. Returns the new beneficiary id.
fn register_again_elsewhere(data: &std::path::Path) -> String {
    register_again(data, "9000001", Again::Elsewhere).1
}

/// Registers the first paid beneficiary with an 18-digit ID number again in their own
/// village, under the same name, with no ID number, and pays that registration for a
/// period they were paid for (a second registration made without an ID, 重复登记). The
/// rows go at the end of the files. Returns (the original's id, the new id).
fn register_again_without_id(data: &std::path::Path) -> (String, String) {
    register_again(data, "9000002", Again::HomeWithoutId)
}

/// Where a second registration goes, and with what ID number.
enum Again {
    /// Another township, the person's own ID number.
    Elsewhere,
    /// The person's own village, no ID number.
    HomeWithoutId,
}

/// Registers the first living beneficiary with an 18-digit ID number and a paid
/// allocation again (beneficiary `B<n>`, household `H<n>`, allocation `A9<n>`, payment
/// `P90<n>`, a card of its own), allocated and paid as that allocation was, the rows at
/// the end of the files. Returns (the original's id, the new id).
fn register_again(data: &std::path::Path, n: &str, how: Again) -> (String, String) {
    let people = read_csv(&data.join("beneficiaries.csv"));
    let allocations = read_csv(&data.join("allocations.csv"));
    let payments = read_csv(&data.join("payments.csv"));
    let paid: BTreeSet<&String> = payments.iter().map(|p| &p["allocation_id"]).collect();
    let (me, alloc) = people
        .iter()
        .filter(|b| b["death_date"].is_empty() && b["id_number"].len() == 18)
        .find_map(|b| {
            let a = allocations.iter().find(|a| {
                a["beneficiary_id"] == b["beneficiary_id"] && paid.contains(&a["allocation_id"])
            })?;
            Some((b, a))
        })
        .expect("a paid beneficiary");
    let (id_number, place) = match how {
        Again::Elsewhere => (
            me["id_number"].as_str(),
            people
                .iter()
                .find(|b| b["township"] != me["township"])
                .expect("a second township"),
        ),
        Again::HomeWithoutId => ("", me),
    };
    let (township, village) = (&place["township"], &place["village"]);
    let (id, account) = (format!("B{n}"), format!("622848999{n:0>10}"));
    let (alloc_id, pay_id) = (format!("A9{n}"), format!("P90{n}"));
    let append = |file: &str, line: String| {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(data.join(file))
            .unwrap();
        writeln!(f, "{line}").unwrap();
    };
    append(
        "beneficiaries.csv",
        format!(
            "{id},{},{id_number},{township},{village},{account},,H{n}",
            me["name"]
        ),
    );
    append(
        "allocations.csv",
        format!(
            "{alloc_id},{},{},{id},{township},{},{},{}",
            alloc["program"],
            alloc["period"],
            alloc["amount"],
            alloc["funds_received_date"],
            alloc["due_date"]
        ),
    );
    append(
        "payments.csv",
        format!(
            "{pay_id},{alloc_id},{id},{},{account},{},{},{}",
            me["name"], alloc["amount"], alloc["funds_received_date"], alloc["program"]
        ),
    );
    (me["beneficiary_id"].clone(), id)
}

#[test]
fn a_run_on_a_stage_in_parts_finds_what_a_run_on_the_files_finds() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    generate(&data, 2000, 5, &[]);
    register_again_elsewhere(&data);
    let small = dir.path().join("small.toml");
    std::fs::write(&small, "[scale]\npartition_rows = 1500\n").unwrap();
    // Identity settings that join far more registrations than the stage's did.
    let loose = dir.path().join("loose.toml");
    std::fs::write(&loose, "[identity]\nmatch_score = 1.0\n").unwrap();
    let stage = dir.path().join("stage");
    let said = stage_folder(&data, &stage, Some(&small));
    assert!(
        said.contains("part(s)") && !said.contains(" 1 part(s)"),
        "{said}"
    );
    assert!(stage.join("payments-0003.parquet").exists());
    let run = |input: &std::path::Path, name: &str, config: Option<&std::path::Path>| {
        let out = dir.path().join(name);
        let mut cmd = fundaudit();
        cmd.args(["run", "--no-ledger", "--as-of", "2026-03-31", "--data"])
            .arg(input)
            .arg("--out")
            .arg(&out);
        if let Some(c) = config {
            cmd.arg("--config").arg(c);
        }
        let log = cmd.assert().success().get_output().stderr.clone();
        (out, String::from_utf8_lossy(&log).to_string())
    };
    let facts = |out: &std::path::Path| {
        let mut v: Vec<(String, String, String)> = read_csv(&out.join("findings.csv"))
            .into_iter()
            .map(|f| {
                (
                    f["finding_id"].clone(),
                    f["evidence"].clone(),
                    f["fingerprint"].clone(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let (raw, _) = run(&data, "raw", None);
    let (staged, log) = run(&stage, "staged", None);
    assert!(!log.contains("read as"), "{log}");
    assert_eq!(facts(&raw), facts(&staged));
    // Parts that share a person under this run's settings are read together.
    let (raw_loose, _) = run(&data, "raw-loose", Some(&loose));
    let (staged_loose, log) = run(&stage, "staged-loose", Some(&loose));
    assert!(log.contains("staged parts read as"), "{log}");
    assert_ne!(
        facts(&raw),
        facts(&raw_loose),
        "the settings change who is who"
    );
    assert_eq!(facts(&raw_loose), facts(&staged_loose));
}
