//! Identity resolution end to end: `fundaudit dedup` on a generated registry with planted
//! duplicate registrations of every kind the generator knows (same ID in traditional
//! characters, ID typos, homophones, no ID number, look-alike characters, Latin spellings
//! with the parts reordered, separator variants) among clean homonyms and hard negatives
//! (twins of one village with names one character apart, namesakes of one village).

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use crate::common;

use common::{fundaudit, generate, read_csv, run_cmd};

#[test]
fn planted_duplicates_resolve_and_homonyms_do_not() {
    // Both ways sequence codes are issued: as police stations do (the generator's
    // default, with same-day namesakes a digit apart) and at random.
    for codes in ["station", "random"] {
        planted_duplicates_resolve(codes);
    }
}

fn planted_duplicates_resolve(codes: &str) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = dir.path().join("out");
    generate(&data, 20000, 9, &["--registry-only", "--id-codes", codes]);
    fundaudit()
        .args(["dedup", "--data"])
        .arg(&data)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("dedup_report.json")).unwrap()).unwrap();
    let acc = &report["accuracy"];
    println!("{acc}");
    assert_eq!(acc["truth_pairs"], 200);
    assert!(acc["precision"].as_f64().unwrap() >= 0.99, "{acc}");
    assert!(acc["recall"].as_f64().unwrap() >= 0.99, "{acc}");
    assert!(
        report["stats"]["candidate_pairs"].as_u64().unwrap() < 20 * 20000,
        "blocking keeps candidates near linear"
    );

    // Every matched pair says why, in Chinese, with its score.
    let pairs = read_csv(&out.join("duplicates.csv"));
    assert!(pairs.iter().all(|p| p["evidence"].contains("匹配得分")));
    assert!(pairs.iter().all(|p| p["evidence"].contains("匹配概率")));
    let merged: HashSet<(String, String)> = pairs
        .iter()
        .filter(|p| p["status"] == "merged")
        .map(|p| key(&p["beneficiary_id_a"], &p["beneficiary_id_b"]))
        .collect();
    // Persons, from the merged pairs.
    let mut person: BTreeMap<String, String> = BTreeMap::new();
    for p in pairs.iter().filter(|p| p["status"] == "merged") {
        person.insert(p["beneficiary_id_a"].clone(), p["person"].clone());
        person.insert(p["beneficiary_id_b"].clone(), p["person"].clone());
    }
    let same = |a: &str, b: &str| person.get(a).is_some_and(|x| person.get(b) == Some(x));

    // Every kind of planted duplicate is found, each kind on its own.
    let mut by_kind: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for t in read_csv(&data.join("truth_pairs.csv")) {
        let e = by_kind.entry(t["how"].clone()).or_default();
        e.1 += 1;
        if same(&t["beneficiary_id_a"], &t["beneficiary_id_b"]) {
            e.0 += 1;
        }
    }
    println!("{by_kind:#?}");
    for kind in [
        "no ID number, same card and village",
        "look-alike character, same birth date and village",
        "Latin spelling, parts reordered, ID number one digit off",
        "separator variant, same birth date and village",
        "homophone, same birth date and village",
    ] {
        let (found, planted) = by_kind[kind];
        assert!(planted >= 5, "{kind}: only {planted} planted");
        assert_eq!(found, planted, "{kind}");
    }
    // No hard negative is merged, directly or through a cluster.
    let negatives = read_csv(&data.join("hard_negatives.csv"));
    assert!(negatives.len() >= 50, "{}", negatives.len());
    for n in &negatives {
        let (a, b) = (&n["beneficiary_id_a"], &n["beneficiary_id_b"]);
        assert!(
            !merged.contains(&key(a, b)) && !same(a, b),
            "{a} {b}: {}",
            n["how"]
        );
    }
    assert!(
        pairs.iter().any(|p| p["evidence"].contains("同音")),
        "homophones are among the pairs"
    );
    assert!(
        pairs
            .iter()
            .any(|p| p["evidence"].contains("身份证号除出生日期外仅差")),
        "ID typos are among the pairs"
    );
}

fn key(a: &str, b: &str) -> (String, String) {
    if a < b {
        (a.to_string(), b.to_string())
    } else {
        (b.to_string(), a.to_string())
    }
}

/// `dedup --train` learns weights from the registry itself, writes them as a config
/// block with each level's m and u, and that block is a configuration `run` and `dedup`
/// accept, with which the planted duplicates are still found.
#[test]
fn learned_weights_are_a_config_that_still_finds_the_plants() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    generate(&data, 6000, 4, &["--registry-only"]);
    let trained = dir.path().join("trained");
    let out = fundaudit()
        .args(["dedup", "--train", "--data"])
        .arg(&data)
        .arg("--out")
        .arg(&trained)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(stdout.contains("learned identity weights"), "{stdout}");
    let block = std::fs::read_to_string(trained.join("identity.toml")).unwrap();
    for key in [
        "[identity]",
        "name_exact = ",
        "# m ",
        "id_same = ",
        "[identity.learned]",
    ] {
        assert!(block.contains(key), "{key} missing from\n{block}");
    }
    // Learned from data: agreement counts for, disagreement against.
    let value = |key: &str| -> f64 {
        let line = block
            .lines()
            .find(|l| l.starts_with(&format!("{key} = ")))
            .unwrap();
        line.split('=')
            .nth(1)
            .unwrap()
            .split('#')
            .next()
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    for (agree, disagree) in [
        ("id_same", "id_far"),
        ("name_exact", "name_different"),
        ("birth_same", "birth_different"),
    ] {
        assert!(
            value(agree) > 0.0 && value(disagree) < 0.0,
            "{agree} {disagree}:\n{block}"
        );
    }
    // Adopted as a config file, it deduplicates the registry as well as the defaults.
    let again = dir.path().join("again");
    fundaudit()
        .args(["dedup", "--data"])
        .arg(&data)
        .arg("--config")
        .arg(trained.join("identity.toml"))
        .arg("--out")
        .arg(&again)
        .assert()
        .success();
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(again.join("dedup_report.json")).unwrap()).unwrap();
    let acc = &report["accuracy"];
    println!("learned weights on the generated registry: {acc}");
    // Every planted duplicate is still found. (Precision is not held to the defaults'
    // floor: this registry's clean homonyms, same name and birth date in one township,
    // are what Fellegi–Sunter's independence assumption cannot see; see docs/identity.md.)
    assert!(acc["recall"].as_f64().unwrap() >= 0.95, "{acc}");
}

/// Runs `fundaudit dedup` on `data` with `config` (None: the defaults) and returns its
/// accuracy and the pairs it merged.
fn dedup_with(
    data: &Path,
    out: &Path,
    config: Option<&str>,
) -> (serde_json::Value, HashSet<(String, String)>) {
    let mut cmd = fundaudit();
    cmd.args(["dedup", "--data"])
        .arg(data)
        .arg("--out")
        .arg(out);
    if let Some(text) = config {
        let file = out.with_extension("toml");
        std::fs::write(&file, text).unwrap();
        cmd.arg("--config").arg(&file);
    }
    cmd.assert().success();
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("dedup_report.json")).unwrap()).unwrap();
    let merged = read_csv(&out.join("duplicates.csv"))
        .iter()
        .filter(|p| p["status"] == "merged")
        .map(|p| key(&p["beneficiary_id_a"], &p["beneficiary_id_b"]))
        .collect();
    (report["accuracy"].clone(), merged)
}

/// Sequence codes as police stations issue them (issue 27): two station digits per
/// township and a sex digit, so strangers born on one day in one township differ in the
/// last digit. Beside each hard negative's person (a common name) the generator plants
/// two namesakes born the same day in the same township: one holding the neighbouring
/// code of the other sex, one the next code but one of the same sex.
///
/// - The default weights keep both apart: a sex digit of another parity weighs -5, one
///   of the same parity -3 (what the next person of that station looks like).
/// - The weights as they were before (the sex digit read as any typo: +2 when its
///   parity is kept) merge the same-sex namesakes; this is what the test guards against.
/// - With u measured on the registry (`identity.measure_u`) both stay two people too.
#[test]
fn same_day_namesakes_stay_two_people_at_one_station() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    generate(
        &data,
        20000,
        9,
        &["--registry-only", "--id-codes", "station"],
    );
    let negatives: Vec<_> = read_csv(&data.join("hard_negatives.csv"))
        .into_iter()
        .filter(|n| n["how"].starts_with("same-day namesake"))
        .collect();
    let of_sex = |other: bool| {
        negatives
            .iter()
            .filter(move |n| n["how"].ends_with("of the other sex") == other)
            .map(|n| key(&n["beneficiary_id_a"], &n["beneficiary_id_b"]))
    };
    assert!(of_sex(true).count() >= 50 && of_sex(false).count() >= 50);

    let as_before = "[identity]\nid_last_digit = 2.0\nid_other_sex = -3.0\n";
    let measured = "[identity]\nmeasure_u = true\n";
    for (name, config) in [("default", None), ("measured", Some(measured))] {
        let (accuracy, merged) = dedup_with(&data, &dir.path().join(name), config);
        assert!(
            accuracy["recall"].as_f64().unwrap() >= 0.99,
            "{name}: {accuracy}"
        );
        // Measured u merges this registry's clean homonyms (a common name, birthday and
        // township, ID numbers of another station) as chance makes them: docs/identity.md.
        if name == "default" {
            assert!(
                accuracy["precision"].as_f64().unwrap() >= 0.99,
                "{accuracy}"
            );
        }
        for pair in of_sex(true).chain(of_sex(false)) {
            assert!(!merged.contains(&pair), "{name}: {pair:?} merged");
        }
    }
    let (_, merged) = dedup_with(&data, &dir.path().join("as_before"), Some(as_before));
    let same_sex_merged = of_sex(false).filter(|p| merged.contains(p)).count();
    assert!(
        same_sex_merged * 2 >= of_sex(false).count(),
        "the sex digit read as any typo was expected to merge same-sex namesakes a digit \
         apart ({same_sex_merged} merged): if it no longer does, this test no longer \
         shows what the default weights prevent"
    );
}

/// With `identity.measure_u` the audit's summary.json says what was measured on the
/// registry (u per level and context, the pairs counted, the prior), and the duplicate
/// findings' evidence carries the measured model's probabilities; without it, nothing
/// is claimed.
#[test]
fn a_run_with_measured_u_says_what_it_measured() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    generate(&data, 1500, 21, &[]);
    let config = dir.path().join("measured.toml");
    std::fs::write(&config, "[identity]\nmeasure_u = true\n").unwrap();
    let measured = dir.path().join("measured");
    let status = run_cmd(&data, &measured)
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap()
        .status;
    assert!(matches!(status.code(), Some(0 | 3)), "{status:?}");
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(measured.join("summary.json")).unwrap()).unwrap();
    let u = &summary["identity_u"];
    assert!(u["random_pairs"].as_u64().unwrap() > 100_000, "{u}");
    let village = u["u"]["place_village"].as_f64().unwrap();
    assert!(village > 0.0 && village < 0.2, "{u}");
    assert!(u["u_id_same_day_same_township"]["id_last_digit"].is_number());
    assert!(u["prior"].as_f64().unwrap() > 0.0);
    // The planted duplicates are still found with the measured weights.
    let findings = read_csv(&measured.join("findings.csv"));
    assert!(
        findings.iter().any(|f| f["rule"] == "DUP_PERSON_PERIOD"),
        "no duplicate found"
    );

    let configured = dir.path().join("configured");
    let status = run_cmd(&data, &configured).output().unwrap().status;
    assert!(matches!(status.code(), Some(0 | 3)), "{status:?}");
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(configured.join("summary.json")).unwrap()).unwrap();
    assert!(summary.get("identity_u").is_none());
}

/// Term frequencies on a county-sized registry with station codes (200,000 people, the
/// generator's hard negatives on common names): with u measured and each name weighing
/// by its own frequency, precision and recall stay ≥ 0.99; without term frequencies an
/// exact common name weighs as much as a rare one and a third of the merged pairs are
/// strangers. The second run shows this registry is one where the first depends on term
/// frequencies, so the test fails when they are switched off or broken.
#[test]
fn term_frequencies_keep_common_namesakes_apart_in_a_county() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    generate(
        &data,
        200_000,
        13,
        &["--registry-only", "--id-codes", "station"],
    );
    let (with_tf, _) = dedup_with(
        &data,
        &dir.path().join("tf"),
        Some("[identity]\nmeasure_u = true\n"),
    );
    assert!(with_tf["precision"].as_f64().unwrap() >= 0.99, "{with_tf}");
    assert!(with_tf["recall"].as_f64().unwrap() >= 0.99, "{with_tf}");
    let (without, _) = dedup_with(
        &data,
        &dir.path().join("no_tf"),
        Some("[identity]\nmeasure_u = true\nterm_frequencies = false\n"),
    );
    assert!(without["precision"].as_f64().unwrap() < 0.9, "{without}");
}
