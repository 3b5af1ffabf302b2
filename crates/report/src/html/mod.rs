//! report.html: one self-contained file (inline CSS, JS and SVG; no network, no CDN) that
//! opens from a USB stick on an intranet PC. A sortable, filterable, paged findings
//! table; a drill-down per finding with its evidence and the raw input rows behind it;
//! charts of money by township and category, days late and rule shares; a page per
//! township. Chinese labels by default, English with `--lang en`.

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;

use polars::prelude::*;
use serde_json::{json, Value};

use crate::case_sheet::CaseSheet;
use crate::report::{file_name, Summary};
use fundaudit_core::error::{Error, Result};
use fundaudit_core::findings::Category;
use fundaudit_core::frame;
use fundaudit_input::{Inputs, LINE};

const CSS: &str = include_str!("report.css");
const JS: &str = include_str!("report.js");

pub mod words;
use words::{labels, Lang};

/// Columns of the findings embedded in the page, in this order.
const COLUMNS: &[&str] = &[
    "finding_id",
    "case_id",
    "rank",
    "category",
    "rule",
    "severity",
    "risk_score",
    "amount_at_risk",
    "township",
    "township_split",
    "program",
    "beneficiary_ids",
    "allocation_ids",
    "payment_ids",
    "similarity",
    "confidence",
    "days_late",
    "evidence",
    "refs",
    "change",
    "status",
    "note",
    "reviewer",
    "reviewed_at",
];

/// How many of the top findings (`rows[k]`: the input rows finding `k` names) get their
/// raw rows embedded: at most `max_findings`, and no more rows than `max_rows` — except
/// the first finding's, always.
fn raw_prefix(rows: impl Iterator<Item = usize>, max_findings: usize, max_rows: usize) -> usize {
    let mut used = 0usize;
    let mut n = 0;
    for (k, r) in rows.take(max_findings).enumerate() {
        if k > 0 && used + r > max_rows {
            break;
        }
        used += r;
        n += 1;
    }
    n
}

/// Columns of the cases embedded in the page, in this order.
const CASE_COLUMNS: &[&str] = &[
    "case_id",
    "rank",
    "case_score",
    "amount_at_risk",
    "findings",
    "townships",
    "summary",
    "finding_ids",
    "change",
];

/// The rows of one ledger the findings refer to, keyed by `key`, as text (amounts in
/// yuan, dates as dates), masked unless `unmasked`. Only the wanted rows are formatted:
/// a million-row payments ledger is scanned once for their keys, not copied.
fn raw_rows(
    df: &DataFrame,
    key: &str,
    wanted: &HashSet<String>,
    unmasked: bool,
) -> PolarsResult<Value> {
    let key_column = df.column(key)?.cast(&DataType::String)?;
    let keys = key_column.str()?;
    let picked: Vec<(usize, String)> = keys
        .iter()
        .enumerate()
        .filter_map(|(i, k)| {
            k.filter(|k| wanted.contains(*k))
                .map(|k| (i, k.to_string()))
        })
        .collect();
    let rows_idx: Vec<IdxSize> = picked.iter().map(|(i, _)| *i as IdxSize).collect();
    let subset = df.take(&IdxCa::from_vec("idx".into(), rows_idx))?;
    let names: Vec<String> = subset
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .filter(|n| n != LINE)
        .collect();
    let mut text_columns = Vec::new();
    for n in &names {
        let c = subset.column(n)?;
        let values: Vec<Option<String>> = if n == "_source_file" {
            // The file's name, not where it sat on the auditor's disk.
            c.cast(&DataType::String)?
                .str()?
                .iter()
                .map(|v| v.map(|p| file_name(p).to_string()))
                .collect()
        } else if n.ends_with("_fen") {
            c.cast(&DataType::Int64)?
                .i64()?
                .iter()
                .map(|v| v.map(fundaudit_core::cells::fmt_yuan))
                .collect()
        } else {
            c.cast(&DataType::String)?
                .str()?
                .iter()
                .map(|v| v.map(str::to_string))
                .collect()
        };
        text_columns.push(values);
    }
    let mut rows = serde_json::Map::new();
    for (r, (_, k)) in picked.into_iter().enumerate() {
        let row: Vec<Value> = text_columns
            .iter()
            .map(|col| {
                let v = col[r].clone().unwrap_or_default();
                Value::from(if unmasked {
                    v
                } else {
                    fundaudit_core::privacy::mask_text(&v)
                })
            })
            .collect();
        rows.insert(k, Value::from(row));
    }
    let header: Vec<Value> = names
        .iter()
        .map(|n| Value::from(n.strip_suffix("_fen").unwrap_or(n)))
        .collect();
    Ok(json!({ "cols": header, "rows": rows }))
}

/// How the page is written: language, masking, and how much it embeds.
#[derive(Debug, Clone)]
pub struct Options {
    pub lang: Lang,
    pub unmasked: bool,
    pub limits: fundaudit_core::config::ReportConfig,
    /// The rules' names in both languages.
    pub policy: fundaudit_core::policy::Policy,
}

/// Counts, money and charts over every finding, so the page is right about the whole
/// run however few findings it embeds: per township (findings, money, summed risk
/// score, cases, money per category), per rule, and days late in the chart's bands.
/// Money is the summary's, each payment counted once under its own township; a finding
/// whose money spans townships counts in each.
fn aggregates(findings: &DataFrame, summary: &Summary) -> PolarsResult<Value> {
    let town = frame::text(findings, "township")?;
    let split = frame::text_or_none(findings, fundaudit_rules::money::SPLIT);
    let rule = frame::text(findings, "rule")?;
    let case = frame::text_or_none(findings, "case_id");
    let float = |name: &str| -> PolarsResult<Vec<Option<f64>>> {
        Ok(findings
            .column(name)?
            .cast(&DataType::Float64)?
            .f64()?
            .iter()
            .collect())
    };
    let score = float("risk_score")?;
    let late = float("days_late")?;
    #[derive(Default)]
    struct Town<'a> {
        findings: usize,
        amount: f64,
        score: f64,
        cases: HashSet<&'a str>,
        by_category: std::collections::BTreeMap<&'a str, f64>,
    }
    let mut towns: std::collections::BTreeMap<&str, Town> = Default::default();
    let mut rules: std::collections::BTreeMap<&str, usize> = Default::default();
    const BANDS: [(f64, f64); 5] = [
        (1.0, 7.0),
        (8.0, 30.0),
        (31.0, 90.0),
        (91.0, 180.0),
        (181.0, f64::MAX),
    ];
    let mut late_counts = [0usize; 5];
    for i in 0..findings.height() {
        for name in fundaudit_rules::money::townships_of(town[i], split[i]) {
            let t = towns.entry(name).or_default();
            t.findings += 1;
            t.score += score[i].unwrap_or(0.0);
            t.cases.insert(case[i].unwrap_or(""));
        }
        *rules.entry(rule[i].unwrap_or("")).or_default() += 1;
        if let Some(d) = late[i] {
            if let Some(k) = BANDS.iter().position(|(lo, hi)| d >= *lo && d <= *hi) {
                late_counts[k] += 1;
            }
        }
    }
    for (name, t) in towns.iter_mut() {
        t.amount = summary
            .by_township
            .get(*name)
            .map_or(0.0, |t| t.amount_at_risk);
        if let Some(cats) = summary.township_categories.get(*name) {
            t.by_category = cats.iter().map(|(c, a)| (c.as_str(), *a)).collect();
        }
    }
    Ok(json!({
        "towns": towns
            .iter()
            .map(|(name, t)| json!([name, t.findings, t.amount, t.score, t.cases.len(), t.by_category]))
            .collect::<Vec<_>>(),
        "rules": rules.iter().map(|(r, n)| json!([r, n])).collect::<Vec<_>>(),
        "late": late_counts,
    }))
}

/// Writes report.html for the ranked findings (already masked unless `unmasked`).
/// `sheets` are the top cases' 线索处置表 (see [`crate::case_sheet`]), printed from the
/// page one case a page.
pub fn write_html(
    findings: &DataFrame,
    cases: &DataFrame,
    ledgers: &Inputs,
    sheets: &[CaseSheet],
    summary: &Summary,
    options: &Options,
    path: &Path,
) -> Result<()> {
    let embedded = Embedded::of(findings, cases, &options.limits)?;
    let (raw, with_raw) = raw_inputs(findings, ledgers, &embedded.findings, options)?;
    let mut data = page_data(findings, cases, summary, options, &embedded, raw, &with_raw)?;
    data["sheets"] = serde_json::to_value(sheets).map_err(|e| Error::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    // Inside a script element `</script>` ends it early and `<!--` opens an HTML comment
    // that swallows the rest of the page (a beneficiary named `<!--<script>` left only the
    // header): `<`, `>` and `&` are written as JSON escapes, as Django's json_script does.
    // They occur only inside JSON strings, where the escapes mean the same characters.
    let data_text = serde_json::to_string(&data)
        .map_err(|e| Error::Write {
            path: path.display().to_string(),
            message: e.to_string(),
        })?
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    let html = page(options.lang, summary, &data_text);
    let mut file = fundaudit_core::safe_fs::create_private(path).map_err(|e| Error::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    file.write_all(html.as_bytes()).map_err(|e| Error::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    })
}

/// The findings and cases the page embeds (the top by rank), as rows of JSON values.
struct Embedded {
    /// Row numbers in `findings` of the embedded findings, in rank order.
    findings: Vec<usize>,
    rows: Vec<Value>,
    case_rows: Vec<Value>,
}

impl Embedded {
    fn of(
        findings: &DataFrame,
        cases: &DataFrame,
        limits: &fundaudit_core::config::ReportConfig,
    ) -> Result<Embedded> {
        // The top findings by rank: a province's hundred thousand would make a page no
        // office PC opens. The rest are in the workbook and the CSV, and the page says so.
        let embedded: Vec<usize> = frame::rank_order(findings)
            .into_iter()
            .take(limits.max_findings)
            .collect();
        let rows = json_rows(findings, COLUMNS, &embedded)?;
        let top_cases: Vec<usize> = frame::rank_order(cases)
            .into_iter()
            .take(limits.max_cases)
            .collect();
        let case_rows = json_rows(cases, CASE_COLUMNS, &top_cases)?;
        Ok(Embedded {
            findings: embedded,
            rows,
            case_rows,
        })
    }
}

/// The rows `picked` of `df` (in that order) as JSON arrays of `columns`. Only the
/// picked rows are made JSON: made for every row and then picked from, a province's two
/// million findings held a gigabyte of JSON values for a page that shows a few thousand.
fn json_rows(df: &DataFrame, columns: &[&str], picked: &[usize]) -> Result<Vec<Value>> {
    let idx = IdxCa::from_vec(
        "picked".into(),
        picked.iter().map(|&i| i as IdxSize).collect(),
    );
    let top = df.select(columns.iter().copied())?.take(&idx)?;
    let columns: Vec<Vec<Value>> = top
        .columns()
        .iter()
        .map(crate::report::column_json)
        .collect::<PolarsResult<_>>()?;
    Ok((0..top.height())
        .map(|i| Value::from(columns.iter().map(|c| c[i].clone()).collect::<Vec<_>>()))
        .collect())
}

/// The raw input rows of the very top findings, by ledger, and which findings they are.
fn raw_inputs(
    findings: &DataFrame,
    ledgers: &Inputs,
    embedded: &[usize],
    options: &Options,
) -> Result<(serde_json::Map<String, Value>, Vec<usize>)> {
    let (unmasked, limits) = (options.unmasked, &options.limits);
    // Raw input rows for the very top findings only: at most max_raw_findings of them
    // and max_raw_rows rows (always the first finding's).
    let rows_named = {
        let lists: Vec<Vec<Option<&str>>> = ["beneficiary_ids", "allocation_ids", "payment_ids"]
            .iter()
            .map(|c| frame::text(findings, c))
            .collect::<PolarsResult<_>>()?;
        move |i: usize| -> usize {
            lists
                .iter()
                .filter_map(|l| l[i])
                .map(|ids| ids.split(';').filter(|s| !s.is_empty()).count())
                .sum()
        }
    };
    let with_raw: Vec<usize> = embedded[..raw_prefix(
        embedded.iter().map(|&i| rows_named(i)),
        limits.max_raw_findings,
        limits.max_raw_rows,
    )]
        .to_vec();
    let ids = |name: &str| -> PolarsResult<HashSet<String>> {
        let values = frame::text(findings, name)?;
        Ok(with_raw
            .iter()
            .filter_map(|&i| values[i])
            .flat_map(|s| s.split(';'))
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect())
    };
    let refs = ids("refs")?;
    let lines_of = |prefix: &str| -> HashSet<String> {
        refs.iter()
            .filter_map(|r| r.strip_prefix(prefix))
            .map(str::to_string)
            .collect()
    };
    let mut raw = serde_json::Map::new();
    raw.insert(
        "beneficiaries".into(),
        raw_rows(
            &ledgers.beneficiaries,
            "beneficiary_id",
            &ids("beneficiary_ids")?,
            unmasked,
        )?,
    );
    raw.insert(
        "allocations".into(),
        raw_rows(
            &ledgers.allocations,
            "allocation_id",
            &ids("allocation_ids")?,
            unmasked,
        )?,
    );
    raw.insert(
        "payments".into(),
        raw_rows(
            &ledgers.payments,
            "payment_id",
            &ids("payment_ids")?,
            unmasked,
        )?,
    );
    if let Some(d) = &ledgers.deaths {
        raw.insert(
            "deaths".into(),
            raw_rows(d, LINE, &lines_of("deaths:"), unmasked)?,
        );
    }
    if let Some(o) = &ledgers.officials {
        raw.insert(
            "officials".into(),
            raw_rows(o, LINE, &lines_of("officials:"), unmasked)?,
        );
    }
    Ok((raw, with_raw))
}

/// Everything report.js reads: labels, findings, cases, raw rows and the run's figures.
fn page_data(
    findings: &DataFrame,
    cases: &DataFrame,
    summary: &Summary,
    options: &Options,
    embedded: &Embedded,
    raw: serde_json::Map<String, Value>,
    with_raw: &[usize],
) -> Result<Value> {
    let (rows, case_rows) = (&embedded.rows, &embedded.case_rows);
    let codes: Vec<&str> = summary.by_rule.keys().map(String::as_str).collect();
    let data = json!({
        "L": labels(options.lang, &options.policy, &codes),
        "cols": COLUMNS,
        "rows": rows,
        "caseCols": CASE_COLUMNS,
        "cases": case_rows,
        "raw": raw,
        "meta": {
            "as_of": summary.as_of,
            "incomplete": summary.incomplete,
            "digits": summary.digits.iter().map(|d| json!([d.by, d.group, d.payments, d.mad, d.conformity, d.round_share])).collect::<Vec<_>>(),
            "findings": summary.findings,
            "amount": summary.amount_at_risk,
            "categories": Category::ALL.iter().map(|c| {
                let t = summary.by_category.get(c.code()).cloned().unwrap_or_default();
                json!([c.code(), t.findings, t.amount_at_risk])
            }).collect::<Vec<_>>(),
            "files": summary.files.iter().map(|f| json!([file_name(&f.file), f.rows_read, f.rows_used, f.rows_rejected, f.format])).collect::<Vec<_>>(),
            "totals": aggregates(findings, summary)?,
            "changes": summary.changes,
            "posted": summary.posted_lists.iter().map(|l| json!([l.township, l.village, l.program, l.period, l.rows, l.unplaced, l.from, l.to, l.delivered])).collect::<Vec<_>>(),
            // 涉农项目资金, when project files came (the projects tab shows only then).
            "projects": summary.projects.iter().map(|p| json!([p.id, p.name, p.township, p.village, p.approved_yuan, p.approved, p.contracted_yuan, p.contractors.join("；"), p.paid_yuan, p.payments, p.accepted, p.gaps.join("；"), p.rules])).collect::<Vec<_>>(),
            "embedded": {
                "findings": rows.len(),
                "raw": with_raw.len(),
                // Rank of the last finding whose input rows the page holds.
                "rawMaxRank": with_raw.last().and_then(|&i| frame::int(findings, "rank").ok()?.get(i).copied().flatten()),
                "cases": case_rows.len(),
                "casesTotal": cases.height(),
            },
        },
    });
    Ok(data)
}

/// The page around the data: head, tabs, filters, the scripts.
fn page(lang: Lang, summary: &Summary, data_text: &str) -> String {
    let l = labels(lang, fundaudit_core::policy::Policy::built_in(), &[]);
    let s = |k: &str| l[k].as_str().unwrap_or("").to_string();
    let html = format!(
        r#"<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} {as_of}</title>
<style>{CSS}</style>
</head>
<body>
<script>window.__errors=[];window.addEventListener("error",function(e){{window.__errors.push(String(e.message))}});(function(){{var ce=console.error;console.error=function(){{window.__errors.push(Array.prototype.join.call(arguments," "));ce.apply(console,arguments)}}}})();</script>
<header>
<h1>{title}</h1>
<div class="meta">{as_of_label} {as_of} · {findings_label} {count} · {money_label} {money}</div>
<nav><button data-tab="overview">{tab_overview}</button><button data-tab="cases">{tab_cases}</button><button data-tab="findings">{tab_findings}</button><button data-tab="township">{tab_township}</button><button data-tab="changes">{tab_changes}</button>{projects_tab}</nav>
</header>
<main>
<section id="overview">
<div class="cards" id="cards"></div>
<div class="charts" id="charts"></div>
<h3>{inputs}</h3><ul id="files"></ul>
</section>
<section id="cases">
<div id="c-table"></div>
</section>
<section id="findings">
<div class="filters">
<label>{category} <select id="f-category"></select></label>
<label>{township} <select id="f-township"></select></label>
<label>{program} <select id="f-program"></select></label>
<label>{status} <select id="f-status"></select></label>
<label>{change} <select id="f-change"></select></label>
<label>{min_amount} <input id="f-amount" type="number" min="0" step="100" size="8"></label>
<label>{min_score} <input id="f-score" type="number" min="0" max="100" step="5" size="5"></label>
<label>{search} <input id="f-text" type="search" size="16"></label>
</div>
<div id="table"></div>
</section>
<section id="township">
<div class="filters"><label>{township} <select id="t-select"></select></label></div>
<div class="cards" id="t-cards"></div>
<div class="charts" id="t-charts"></div>
<div id="t-table"></div>
</section>
<section id="changes"></section>
{projects_section}
</main>
<div id="print"></div>
<div class="modal" id="drill"><div class="box"><button class="close" id="drill-close">×</button><div id="drill-body"></div></div></div>
<script id="data" type="application/json">{data_text}</script>
<script>{JS}</script>
</body>
</html>
"#,
        lang = if lang == Lang::Zh { "zh-CN" } else { "en" },
        title = if summary.screening {
            format!("事前筛查 · {}", s("title"))
        } else {
            s("title")
        },
        as_of = summary.as_of,
        as_of_label = s("asOf"),
        findings_label = s("findings"),
        count = summary.findings,
        money_label = s("money"),
        money = fundaudit_core::cells::fmt_yuan(fundaudit_core::cells::fen_of_yuan(
            summary.amount_at_risk
        )),
        tab_overview = s("tabOverview"),
        tab_findings = s("tabFindings"),
        tab_township = s("tabTownship"),
        tab_cases = s("tabCases"),
        tab_changes = s("tabChanges"),
        // A county without project files has no projects tab: its page is as before.
        projects_tab = if summary.projects.is_empty() {
            String::new()
        } else {
            format!(
                r#"<button data-tab="projects">{}</button>"#,
                s("tabProjects")
            )
        },
        projects_section = if summary.projects.is_empty() {
            ""
        } else {
            r#"<section id="projects"><div class="filters"><label id="p-label"><select id="p-select"></select></label></div><div id="p-table"></div></section>"#
        },
        status = s("statusLabel"),
        change = s("changeLabel"),
        inputs = s("inputs"),
        category = s("category"),
        township = s("township"),
        program = s("program"),
        min_amount = s("minAmount"),
        min_score = s("minScore"),
        search = s("search"),
    );
    html
}

#[cfg(test)]
mod tests {
    use super::{json_rows, raw_prefix};
    use polars::prelude::*;
    use serde_json::json;

    #[test]
    fn json_rows_are_the_picked_rows_in_order_with_only_the_named_columns() {
        let df = df!(
            "finding_id" => ["F1", "F2", "F3"],
            "rank" => [3i64, 1, 2],
            "evidence" => [Some("a"), None, Some("c")],
        )
        .unwrap();
        let rows = json_rows(&df, &["rank", "evidence"], &[1, 2]).unwrap();
        assert_eq!(rows, vec![json!([1, null]), json!([2, "c"])]);
        assert!(json_rows(&df, &["rank"], &[]).unwrap().is_empty());
    }

    #[test]
    fn raw_rows_stop_at_the_finding_or_the_row_budget() {
        let rows = [3, 4, 5, 6];
        assert_eq!(raw_prefix(rows.into_iter(), 10, 100), 4);
        assert_eq!(raw_prefix(rows.into_iter(), 2, 100), 2);
        assert_eq!(
            raw_prefix(rows.into_iter(), 10, 12),
            3,
            "3+4+5 fit, 6 more do not"
        );
        assert_eq!(raw_prefix(rows.into_iter(), 10, 11), 2);
        // A first finding larger than the budget still shows its rows.
        assert_eq!(raw_prefix([500, 1].into_iter(), 10, 100), 1);
        assert_eq!(raw_prefix(std::iter::empty(), 10, 100), 0);
    }
}
