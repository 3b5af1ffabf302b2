//! report.html in a real browser: headless Chromium (Debian's `chromium`; `.ci/run`
//! installs it) loads the file from disk and runs the page's own self-test
//! (`report.html#selftest`), which sorts, filters, opens a drill-down, counts chart bars,
//! records console errors and lists every network resource the page loaded. A screenshot
//! of the overview is written to the test output folder.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::generate_and_run;

/// The Chromium binary, or None (then the test says so, and fails when
/// FUNDAUDIT_REQUIRE_BROWSER is set, as it is in CI).
fn chromium() -> Option<PathBuf> {
    let candidates = [
        std::env::var("CHROMIUM").unwrap_or_default(),
        "chromium".into(),
        "chromium-browser".into(),
        "google-chrome".into(),
    ];
    candidates
        .into_iter()
        .filter(|c| !c.is_empty())
        .find_map(|c| {
            Command::new(&c)
                .arg("--version")
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|_| PathBuf::from(c))
        })
}

fn headless(bin: &Path, profile: &Path) -> Command {
    let mut cmd = Command::new(bin);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--virtual-time-budget=10000",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    cmd
}

/// Runs the page's self-test (`report.html#selftest`) in headless Chromium and returns
/// its result: checks and console errors.
fn selftest(bin: &Path, profile: &Path, html: &Path) -> serde_json::Value {
    let output = headless(bin, profile)
        .arg("--dump-dom")
        .arg(format!("file://{}#selftest", html.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&output.stdout);
    let start = dom
        .find("<pre id=\"selftest-result\"")
        .expect("the self-test ran");
    let json_start = start + dom[start..].find('>').unwrap() + 1;
    let json_end = json_start + dom[json_start..].find("</pre>").unwrap();
    let text = dom[json_start..json_end]
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let result: serde_json::Value = serde_json::from_str(&text).unwrap();
    println!("{result}");
    result
}

fn report(dir: &Path, lang: &str) -> PathBuf {
    generate_and_run(dir, 1500, 4, &["--lang", lang])
        .1
        .join("report.html")
}

/// The second night of a county whose findings changed (new, changed and persisting:
/// the files list new and changed findings first, not in rank order).
fn report_of_a_night_of_changes(dir: &Path) -> PathBuf {
    common::two_nights(dir).join("report.html")
}

#[test]
fn report_html_works_offline_in_chromium() {
    let Some(bin) = chromium() else {
        assert!(
            std::env::var_os("FUNDAUDIT_REQUIRE_BROWSER").is_none(),
            "chromium is required but not installed"
        );
        eprintln!("SKIPPED: chromium not installed (apt-get install chromium); CI installs it and requires this test");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let html = report_of_a_night_of_changes(dir.path());
    let page = std::fs::read_to_string(&html).unwrap();
    // Self-contained: nothing fetched from anywhere.
    for needle in [
        "<link",
        " src=\"http",
        " href=\"http",
        "@import",
        "url(http",
    ] {
        assert!(
            !page.contains(needle),
            "report.html must not reference {needle}"
        );
    }

    let result = selftest(&bin, &dir.path().join("profile"), &html);
    let c = &result["checks"];
    assert_eq!(result["errors"], serde_json::json!([]), "no console errors");
    assert!(c["rows"].as_u64().unwrap() > 100);
    assert_eq!(c["sortedDesc"], true, "sorting by amount, descending");
    assert_eq!(c["sortedAsc"], true, "and ascending");
    assert_eq!(c["filtered"], true, "category filter");
    assert_eq!(c["drillOpen"], true, "drill-down opens with evidence");
    assert!(
        c["drillRawTables"].as_u64().unwrap() >= 1,
        "drill-down shows input rows"
    );
    assert_eq!(c["charts"], 4);
    assert!(c["bars"].as_u64().unwrap() > 10, "charts have bars");
    assert!(
        c["townshipRows"].as_u64().unwrap() > 0,
        "township page lists findings"
    );
    assert_eq!(c["resources"], serde_json::json!([]), "no network request");
    // Every table in the order its header's sort mark says, on a night whose files list
    // new and changed findings first.
    for (table, holds) in c["order"].as_object().unwrap() {
        assert_eq!(
            holds,
            &serde_json::json!(true),
            "{table}: rows not in header order"
        );
    }
    assert_eq!(c["order"].as_object().unwrap().len(), 5);
    assert!(c["cases"].as_u64().unwrap() > 50 && c["cases"].as_u64() < c["rows"].as_u64());
    assert!(
        c["caseDrillMembers"].as_u64().unwrap() >= 2,
        "the top case opens to its findings"
    );
    assert!(
        c["townshipCards"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l == "案件数"),
        "township pages count cases: {}",
        c["townshipCards"]
    );

    let shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("report-overview.png");
    let status = headless(&bin, &dir.path().join("profile2"))
        .arg("--window-size=1280,1000")
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", html.display()))
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "screenshot written to {}",
        shot.display()
    );
    println!("screenshot: {}", shot.display());

    // English labels on request.
    let en = std::fs::read_to_string(report(dir.path(), "en")).unwrap();
    assert!(en.contains("Livelihood-fund disbursement audit") && en.contains("<html lang=\"en\">"));
    assert!(page.contains("民生资金拨付审计线索") && page.contains("<html lang=\"zh-CN\">"));
}

/// A run with more findings than report.html embeds (`[report]` limits set low): the
/// page holds the top findings and says so, its counts and charts still cover every
/// finding, and a finding past the raw-rows limit says where its input rows are.
#[test]
fn report_html_embeds_the_top_findings_and_says_so() {
    let Some(bin) = chromium() else {
        assert!(std::env::var_os("FUNDAUDIT_REQUIRE_BROWSER").is_none());
        eprintln!("SKIPPED: chromium not installed");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    common::generate(&data, 1500, 4, &[]);
    let config = dir.path().join("small.toml");
    let standards = std::fs::read_to_string(data.join("standards.toml")).unwrap();
    std::fs::write(
        &config,
        format!(
            "{standards}\n[report]\nmax_findings = 40\nmax_raw_findings = 10\nmax_cases = 15\n"
        ),
    )
    .unwrap();
    let out = dir.path().join("out");
    common::fundaudit()
        .args(["run", "--quiet", "--as-of", "2026-03-31", "--data"])
        .arg(&data)
        .arg("--config")
        .arg(&config)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    // A finding whose money spans townships counts in each.
    let findings: usize = common::read_csv(&out.join("findings.csv"))
        .iter()
        .map(|f| {
            f["township_split"]
                .split('；')
                .filter(|p| !p.is_empty())
                .count()
                .max(1)
        })
        .sum();
    let html = out.join("report.html");
    let result = selftest(&bin, &dir.path().join("profile"), &html);
    let c = &result["checks"];
    assert_eq!(result["errors"], serde_json::json!([]));
    assert_eq!(c["rows"], 40);
    assert_eq!(c["embedded"]["raw"], 10);
    assert_eq!(c["embedded"]["cases"], 15);
    assert_eq!(
        c["townsTotal"].as_u64().unwrap() as usize,
        findings,
        "counts cover every finding, in each township it spans"
    );
    assert_eq!(c["embeddedNote"], true);
    assert_eq!(c["embeddedCasesNote"], true);
    assert_eq!(
        c["rawOmitted"], true,
        "a finding past the raw limit says so"
    );
    for (table, holds) in c["order"].as_object().unwrap() {
        assert_eq!(holds, &serde_json::json!(true), "{table}");
    }
}

/// Issue 34: a beneficiary named `<!--<script>` opened an HTML comment inside the page's
/// embedded data and left only the header. The page must load whole in Chromium, the
/// name shown as text.
#[test]
fn a_name_of_markup_does_not_blank_the_page() {
    let dir = tempfile::tempdir().unwrap();
    let out = common::Fixture::one_payment(
        "<!--<script>",
        "东村</script>&amp;",
        "<!--<script>",
        "60.00",
    )
    .run_in(dir.path(), "2025-03-31", None);
    let html = out.join("report.html");
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        !page.contains("<!--<script>"),
        "the name is escaped in the page's data"
    );
    assert!(page.contains("\\u003c!--\\u003cscript\\u003e"));
    let Some(bin) = chromium() else {
        assert!(
            std::env::var_os("FUNDAUDIT_REQUIRE_BROWSER").is_none(),
            "chromium is required but not installed"
        );
        eprintln!("SKIPPED: chromium not installed; the page's text was checked");
        return;
    };
    // The page as Chromium renders it: the tables are built from the embedded data,
    // the name among their cells as text.
    let output = headless(&bin, &dir.path().join("profile"))
        .arg("--dump-dom")
        .arg(format!("file://{}", html.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&output.stdout);
    assert!(
        dom.contains("&lt;!--&lt;script&gt;（B1）"),
        "the findings table shows the name as text:\n{dom}"
    );
    assert!(dom.matches("<tr").count() >= 3, "{dom}");
}

/// `pdfinfo` (poppler-utils), or None; required with the browser in CI.
fn pdfinfo(pdf: &Path) -> Option<String> {
    let out = Command::new("pdfinfo").arg(pdf).output().ok()?;
    assert!(out.status.success(), "pdfinfo {}", pdf.display());
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn pdf_pages(info: &str) -> usize {
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("pdfinfo prints Pages:")
}

/// Issue 29: a case's 线索处置表 prints as one A4 page through the browser's own print
/// (`report.html#sheet=<case>`, what the 打印本案 button prints), and the top ten as ten
/// pages, one a case.
#[test]
fn a_case_sheet_prints_on_one_a4_page() {
    let Some(bin) = chromium() else {
        assert!(std::env::var_os("FUNDAUDIT_REQUIRE_BROWSER").is_none());
        eprintln!("SKIPPED: chromium not installed");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (_, out) = generate_and_run(dir.path(), 1500, 4, &[]);
    let cases = common::read_csv(&out.join("cases.csv"));
    let top = cases.iter().find(|c| c["rank"] == "1").expect("a top case");
    let html = out.join("report.html");
    let print = |hash: &str, name: &str| -> Option<String> {
        let pdf = dir.path().join(name);
        let status = headless(&bin, &dir.path().join(format!("profile-{name}")))
            .arg("--no-pdf-header-footer")
            .arg(format!("--print-to-pdf={}", pdf.display()))
            .arg(format!("file://{}#{hash}", html.display()))
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
        pdfinfo(&pdf)
    };
    let Some(one) = print(&format!("sheet={}", top["case_id"]), "one.pdf") else {
        assert!(
            std::env::var_os("FUNDAUDIT_REQUIRE_BROWSER").is_none(),
            "pdfinfo (poppler-utils) is required"
        );
        eprintln!("SKIPPED: pdfinfo not installed");
        return;
    };
    assert_eq!(pdf_pages(&one), 1, "{one}");
    assert!(
        one.contains("(A4)"),
        "an A4 page: {}",
        one.lines()
            .find(|l| l.starts_with("Page size"))
            .unwrap_or("")
    );
    let ten = print("sheets=10", "ten.pdf").unwrap();
    assert_eq!(
        pdf_pages(&ten),
        10.min(cases.len()),
        "one page a case: {ten}"
    );
}

/// Issue 29: the Chinese report.html shows no English word and no rule code outside its
/// code cells (ids, the input's own cells, file names): every tab, a case's and a
/// finding's drill-down and the printed sheets, walked on the DOM by the page's
/// self-test. A Latin word the county's own files hold (a name registered in pinyin) is
/// the data's, not the page's.
#[test]
fn the_chinese_report_holds_no_english_outside_code() {
    let Some(bin) = chromium() else {
        assert!(std::env::var_os("FUNDAUDIT_REQUIRE_BROWSER").is_none());
        eprintln!("SKIPPED: chromium not installed");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (data, out) = generate_and_run(dir.path(), 1500, 4, &[]);
    let result = selftest(&bin, &dir.path().join("profile"), &out.join("report.html"));
    assert_eq!(result["errors"], serde_json::json!([]));
    assert_eq!(result["checks"]["sheets"], 3, "the top sheets render");
    let mut inputs = String::new();
    for f in std::fs::read_dir(&data).unwrap() {
        let path = f.unwrap().path();
        if path.extension().is_some_and(|e| e == "csv") {
            inputs.push_str(&std::fs::read_to_string(&path).unwrap_or_default());
        }
    }
    let ours: Vec<&serde_json::Value> = result["checks"]["latin"]
        .as_array()
        .expect("the self-test lists Latin words")
        .iter()
        .filter(|w| !inputs.contains(w[0].as_str().unwrap()))
        .collect();
    assert!(ours.is_empty(), "English or codes on the page: {ours:?}");
    // The walk sees words where there are some: the English page is full of them.
    let (_, en) = generate_and_run(dir.path(), 1500, 4, &["--lang", "en"]);
    let english = selftest(
        &bin,
        &dir.path().join("profile-en"),
        &en.join("report.html"),
    );
    let words = english["checks"]["latin"].as_array().unwrap();
    assert!(
        words.iter().any(|w| w[0] == "Findings") && words.len() > 50,
        "the walk finds the English page's words: {}",
        words.len()
    );
}
