//! `--engine ballista` (feature `distributed`): the units of a staged county audited as
//! tasks of an Apache DataFusion Ballista cluster in this process — scheduler and two
//! executors built with the production function registry — give exactly the local
//! engine's findings. `cargo test --release --features distributed --test it -- distributed::`.
#![cfg(feature = "distributed")]

use crate::common;

use common::{fundaudit, generate, run_cmd, stage};
use predicates::prelude::*;

/// A generated county staged (with `config` when given): (temp dir, stage folder).
fn staged_county(
    beneficiaries: usize,
    seed: u64,
    config: Option<&str>,
) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    generate(&data, beneficiaries, seed, &[]);
    let toml = dir.path().join("config.toml");
    if let Some(text) = config {
        std::fs::write(&toml, text).unwrap();
    }
    let staged = dir.path().join("stage");
    stage(&data, &staged, config.map(|_| toml.as_path()));
    (dir, staged)
}

#[test]
fn the_cluster_finds_exactly_what_the_local_engine_finds() {
    // Some ten units, so the two executors share the work.
    let (dir, staged) = staged_county(1500, 23, Some("[scale]\npartition_rows = 1500\n"));
    let small = dir.path().join("config.toml");
    // Identity settings that join far more registrations than the stage's did: parts
    // that share a person are one unit, on the cluster as here.
    let loose = dir.path().join("loose.toml");
    std::fs::write(
        &loose,
        "[scale]\npartition_rows = 1500\n[identity]\nmatch_score = 1.0\n",
    )
    .unwrap();
    let run = |name: &str, engine: &str, config: &std::path::Path| {
        let out = dir.path().join(name);
        run_cmd(&staged, &out)
            .args(["--engine", engine])
            .arg("--config")
            .arg(config)
            .assert()
            .success();
        out
    };
    let summary = |out: &std::path::Path| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap()
    };
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(staged.join("stage.json")).unwrap()).unwrap();
    let parts = manifest["parts"].as_u64().unwrap();
    for (config, grouped) in [(&small, false), (&loose, true)] {
        let local = run(&format!("local-{grouped}"), "local", config);
        let cluster = run(&format!("cluster-{grouped}"), "ballista", config);
        let units = summary(&local)["parts"].as_u64().unwrap();
        assert_eq!(units < parts, grouped, "{units} units of {parts} parts");
        let cut = if grouped { 2 } else { 5 };
        assert!(units >= cut, "the config cuts the county ({units} units)");
        assert_eq!(summary(&cluster)["parts"], summary(&local)["parts"]);
        let findings = std::fs::read_to_string(local.join("findings.csv")).unwrap();
        assert!(
            findings.lines().count() > 100,
            "a county with planted anomalies"
        );
        for file in ["findings.csv", "cases.csv", "rejects.csv"] {
            let theirs = std::fs::read_to_string(cluster.join(file)).unwrap();
            let ours = std::fs::read_to_string(local.join(file)).unwrap();
            assert!(
                theirs == ours,
                "{file} differs between the cluster and the local engine (grouped: {grouped})"
            );
        }
        for key in ["findings", "cases", "amount_at_risk", "by_rule", "digits"] {
            assert_eq!(summary(&cluster)[key], summary(&local)[key], "{key}");
        }
    }
}

#[test]
fn executors_without_fundaudits_functions_fail_the_job() {
    // A cluster of stock executors: the scheduler knows the function, the executors do
    // not. The job must fail, naming it — so the parity test above means the production
    // registry carries what the plan calls.
    let (_dir, staged) = staged_county(300, 5, None);
    let (prepared, job) = client_side(&staged);
    let stock = ballista_core::registry::BallistaFunctionRegistry::default();
    let cluster = fundaudit_ballista::in_process_with(1, 1, 2, stock).unwrap();
    let err = match fundaudit_ballista::audit(prepared, &job, &cluster) {
        Ok(_) => panic!("stock executors ran fundaudit's functions"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains(
            "PhysicalExtensionCodec is not provided for aggregate function fundaudit_rows"
        ),
        "{err}"
    );
    // The identity plan's functions too.
    let config = fundaudit_core::config::Config::default();
    let (_, remote) = people_both_ways(&staged, &config, &cluster);
    let err = match remote {
        Ok(_) => panic!("stock executors ran fundaudit's identity functions"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains("PhysicalExtensionCodec is not provided for scalar function fundaudit_"),
        "{err}"
    );
}

#[test]
fn an_executor_refuses_a_stage_that_is_not_the_clients() {
    // The stage at the executors' path was made again (or another one is mounted there)
    // after the client read its own: the executors must not audit it.
    let (_dir, staged) = staged_county(300, 5, None);
    let (prepared, mut job) = client_side(&staged);
    job.stage_sha256 = "0".repeat(64);
    let cluster = fundaudit_ballista::in_process(1, 1, 2).unwrap();
    let err = match fundaudit_ballista::audit(prepared, &job, &cluster) {
        Ok(_) => panic!("an executor audited another stage"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("is not the stage the client audits"), "{err}");
}

/// What a client holds before it submits: the prepared run and its job.
fn client_side(
    staged: &std::path::Path,
) -> (
    fundaudit_audit::partition::Prepared,
    fundaudit_ballista::Job,
) {
    let config = fundaudit_core::config::Config::default();
    let ledgers = fundaudit_input::Inputs::load(staged, &config).unwrap();
    let as_of = fundaudit_core::cells::parse_date("2026-03-31").unwrap();
    let people = fundaudit_rules::context::Context::people(ledgers, config.clone(), as_of).unwrap();
    let matched = people.dedup.matched();
    let prepared = fundaudit_audit::partition::prepare(people).unwrap();
    let job = fundaudit_ballista::Job::new(staged, &config, as_of, matched, &prepared).unwrap();
    (prepared, job)
}

/// The people of a stage, their duplicate registrations found by the local passes and
/// by the cluster's plan.
fn people_both_ways(
    staged: &std::path::Path,
    config: &fundaudit_core::config::Config,
    cluster: &fundaudit_ballista::Cluster,
) -> (
    fundaudit_rules::context::Context,
    fundaudit_core::error::Result<fundaudit_rules::context::Context>,
) {
    let as_of = fundaudit_core::cells::parse_date("2026-03-31").unwrap();
    let load = || fundaudit_input::Inputs::load(staged, config).unwrap();
    let local = fundaudit_rules::context::Context::people(load(), config.clone(), as_of).unwrap();
    let remote = fundaudit_rules::context::Context::people_with(
        load(),
        config.clone(),
        as_of,
        |reg, config| fundaudit_ballista::identity::resolve(cluster, staged, reg, config),
    );
    (local, remote)
}

#[test]
fn the_clusters_blocking_joins_find_the_local_passes_pairs() {
    // Planted re-registrations (ID typos, homophones, reordered names, shared cards) and
    // a block cap low enough that some blocks are skipped, on both sides alike.
    let (_dir, staged) = staged_county(2500, 11, None);
    let cluster = fundaudit_ballista::in_process(2, 1, 4).unwrap();
    for cap in [None, Some(1)] {
        let mut config = fundaudit_core::config::Config::default();
        if let Some(cap) = cap {
            config.matching.max_block_size = cap;
        }
        let (local, remote) = people_both_ways(&staged, &config, &cluster);
        let remote = remote.unwrap();
        let (here, there) = (&local.dedup, &remote.dedup);
        let pairs = |d: &fundaudit_identity::Dedup| -> Vec<(usize, usize, u64)> {
            let mut p: Vec<_> = d
                .pairs
                .iter()
                .map(|m| (m.a, m.b, m.comparison.score.to_bits()))
                .collect();
            p.sort_unstable();
            p
        };
        assert!(
            here.pairs.len() > 15,
            "the county has duplicates ({})",
            here.pairs.len()
        );
        assert_eq!(pairs(there), pairs(here), "cap {cap:?}");
        assert_eq!(there.cluster, here.cluster, "cap {cap:?}");
        assert_eq!(there.matched(), here.matched(), "cap {cap:?}");
        assert_eq!(there.warnings, here.warnings, "cap {cap:?}");
        if cap.is_some() {
            assert!(here.stats.oversized_blocks > 0, "the cap skips blocks");
        }
        let families = |d: &fundaudit_identity::Dedup| -> Vec<(String, u64, usize)> {
            d.stats
                .families
                .iter()
                .map(|f| (f.family.clone(), f.candidate_pairs, f.new_matches))
                .collect()
        };
        // Candidates and first finds per family, as the local passes count them.
        assert_eq!(families(there), families(here), "cap {cap:?}");
    }
}

#[test]
fn the_pass_over_everything_meets_neighbours_across_its_spans() {
    // One person registered twice in two townships, the name's second letter mistyped
    // (Xyavier / Xzavier: two spans of the order, neighbours in it), the ID number one
    // sequence digit off (not the sex digit: another sex, or the same sex two codes on,
    // is how two people of one station look): no block key and no township pass meets
    // them, only the name-order pass over everything — across the edge of two of its
    // spans.
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    generate(&data, 600, 4, &[]);
    let born = chrono::NaiveDate::from_ymd_opt(1960, 3, 4).unwrap();
    let id = |seq| fundaudit_identity::idcard::make_id("411623", born, seq);
    let mut registry = std::fs::read_to_string(data.join("beneficiaries.csv")).unwrap();
    registry.push_str(&format!(
        "BX000001,Xyavier Qqqq,{},城关镇,东村,,,\nBX000002,Xzavier Qqqq,{},新集镇,西村,,,\n",
        id(101),
        id(111)
    ));
    std::fs::write(data.join("beneficiaries.csv"), registry).unwrap();
    let staged = dir.path().join("stage");
    stage(&data, &staged, None);
    let cluster = fundaudit_ballista::in_process(2, 1, 4).unwrap();
    let config = fundaudit_core::config::Config::default();
    let (local, remote) = people_both_ways(&staged, &config, &cluster);
    let remote = remote.unwrap();
    let n = local.registry.len();
    let twins = (n - 2, n - 1);
    let found = |d: &fundaudit_identity::Dedup| d.pairs.iter().any(|p| (p.a, p.b) == twins);
    assert!(found(&local.dedup), "the local passes meet the twins");
    let everywhere = |d: &fundaudit_identity::Dedup| {
        d.stats
            .families
            .iter()
            .find(|f| f.family == "name order, everywhere")
            .map(|f| f.new_matches)
    };
    assert!(everywhere(&local.dedup) >= Some(1));
    assert!(
        found(&remote.dedup),
        "the cluster meets the twins across spans"
    );
    assert_eq!(remote.dedup.matched(), local.dedup.matched());
}

#[test]
fn the_log_says_what_ran_on_the_cluster_and_not_ballistas_plans() {
    let (dir, staged) = staged_county(300, 5, None);
    let out = fundaudit()
        .args([
            "run",
            "--no-ledger",
            "--as-of",
            "2026-03-31",
            "--engine",
            "ballista",
        ])
        .arg("--data")
        .arg(&staged)
        .arg("--out")
        .arg(dir.path().join("out"))
        .assert()
        .success();
    let log = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    for said in [
        "identity resolution on the cluster",
        "units audited on the cluster",
    ] {
        assert!(log.contains(said), "{said}: {log}");
    }
    // The in-process scheduler's info lines (whole physical plans) and its metrics
    // display error stay out of the run's log.
    for unsaid in [
        "HashJoinExec",
        "Fail to combine stage metrics",
        "Job queued",
    ] {
        assert!(!log.contains(unsaid), "{unsaid}: {log}");
    }
}

#[test]
fn an_unreachable_scheduler_is_named_with_what_to_check() {
    let (dir, staged) = staged_county(200, 3, None);
    // Port 9 (discard) is not a scheduler anywhere this runs.
    run_cmd(&staged, &dir.path().join("out"))
        .args(["--engine", "ballista", "--scheduler", "df://127.0.0.1:9"])
        .assert()
        .code(2)
        .stderr(
            predicates::str::contains("df://127.0.0.1:9").and(predicates::str::contains(
                "is `fundaudit-scheduler` running there?",
            )),
        );
    // Said before the people were built or the run folder made.
    assert!(!dir.path().join("out").exists());
}

#[test]
fn a_stage_made_before_its_parts_were_numbered_is_refused_before_the_cluster_is_asked() {
    use polars::prelude::*;
    let (dir, staged) = staged_county(200, 3, None);
    // As an older fundaudit wrote the part: no part and row numbers.
    let path = staged.join("payments-0000.parquet");
    let mut old = ParquetReader::new(std::fs::File::open(&path).unwrap())
        .finish()
        .unwrap()
        .drop_many(["_part", "_row"]);
    ParquetWriter::new(std::fs::File::create(&path).unwrap())
        .finish(&mut old)
        .unwrap();
    run_cmd(&staged, &dir.path().join("out"))
        .args(["--engine", "ballista"])
        .assert()
        .code(2)
        .stderr(
            predicates::str::contains("payments-0000.parquet")
                .and(predicates::str::contains("stage the data folder again")),
        );
    assert!(!dir.path().join("out").exists());
}

#[test]
fn the_whole_runs_facts_reach_the_executors() {
    // One program-period with no payment at all (an export that left a month out): the
    // run's first unit says so once (DATA_INCOMPLETE), and no unit lists its allocations
    // one by one as unpaid. The facts are counted over the whole run by the client and
    // travel in the job: an executor that lacked them would list the unpaid ones.
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    generate(&data, 400, 8, &[]);
    let mut allocations = csv::Reader::from_path(data.join("allocations.csv")).unwrap();
    let mut gap = None;
    let mut ids = std::collections::HashSet::new();
    for row in allocations.records() {
        let row = row.unwrap();
        let (id, group) = (row[0].to_string(), (row[1].to_string(), row[2].to_string()));
        if gap.get_or_insert_with(|| group.clone()) == &group {
            ids.insert(id);
        }
    }
    let payments = std::fs::read_to_string(data.join("payments.csv")).unwrap();
    let kept: Vec<&str> = payments
        .lines()
        .filter(|line| !ids.contains(line.split(',').nth(1).unwrap_or("")))
        .collect();
    assert!(kept.len() < payments.lines().count());
    std::fs::write(data.join("payments.csv"), kept.join("\n") + "\n").unwrap();
    let staged = dir.path().join("stage");
    stage(&data, &staged, None);
    let run = |engine: &str| {
        let out = dir.path().join(engine);
        // Exit 4: the run succeeded, and the inputs look incomplete.
        run_cmd(&staged, &out)
            .args(["--engine", engine])
            .assert()
            .code(4);
        std::fs::read_to_string(out.join("findings.csv")).unwrap()
    };
    let (local, cluster) = (run("local"), run("ballista"));
    let (program, period) = gap.unwrap();
    assert!(
        local
            .lines()
            .any(|l| l.contains("DATA_INCOMPLETE") && l.contains(&program) && l.contains(&period)),
        "the gap is one finding"
    );
    assert!(cluster == local, "the cluster's findings differ");
}
