//! The README's and docs/' examples work as written: the main command runs on the
//! committed sample data, and the config example is a valid config.

use crate::common;

use common::fundaudit;

/// README.md and every page of docs/ (where the README's details moved), as one text.
fn readme() -> String {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut pages = vec![root.join("README.md")];
    for dir in [root.join("docs"), root.join("docs/benchmarks")] {
        let mut in_dir: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "md"))
            .collect();
        in_dir.sort();
        pages.extend(in_dir);
    }
    pages
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn main_command_runs_on_sample_data() {
    let dir = tempfile::tempdir().unwrap();
    // `cargo run --release -- run`, from the repository root, with the reports folder
    // redirected: the run lands in <reports>/<today>-1 and <reports>/latest.
    fundaudit()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", "--reports"])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicates::str::contains("every row accounted for"));
    let latest = dir.path().join("latest");
    for file in [
        "report.html",
        "findings.xlsx",
        "worklists.xlsx",
        "findings.csv",
        "findings.json",
        "rejects.csv",
        "summary.json",
        "manifest.json",
    ] {
        assert!(latest.join(file).exists(), "{file}");
    }
}

#[test]
fn config_example_is_valid() {
    let text = readme();
    let start = text.find("```toml\n").expect("a toml example") + "```toml\n".len();
    let end = start + text[start..].find("```").unwrap();
    let config =
        fundaudit_core::config::Config::from_toml_str(&text[start..end], "README.md").unwrap();
    assert_eq!(config.deadline_days("低保金"), 15);
    assert_eq!(config.delayed.grace_days, 5);
}

#[test]
fn documented_columns_match_the_output() {
    let text = readme();
    for column in fundaudit_audit::scoring::OUTPUT_COLUMNS {
        assert!(
            text.contains(&format!("`{column}`")),
            "README documents `{column}`"
        );
    }
}

#[test]
fn output_safety_example_is_what_a_refused_run_prints() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("审计");
    std::fs::create_dir_all(out.join("keep")).unwrap();
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let assert = fundaudit()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", "--quiet", "--out"])
        .arg(&out)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr)
        .replace(&out.display().to_string(), "/home/audit/审计");
    let line = stderr.lines().next().unwrap();
    assert!(readme().contains(line), "README shows:\n{line}");
    for file in fundaudit_casebook::run_folder::RUN_FILES {
        assert!(readme().contains(file), "README lists {file}");
    }
}
