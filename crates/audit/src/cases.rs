//! Cases (线索归并): findings that share a resolved person, a bank account, an allocation
//! or an official are one scheme seen from several sides — three people's subsidies
//! paid to one card show up as three payee mismatches and one shared account. Officers
//! check a scheme once, so the findings are grouped into cases: connected components
//! over those links.
//!
//! The guard: a link value shared by more than `cases.max_link_findings` findings is not
//! used to join. A scheme on these lists involves a handful of people and cards; a value
//! that dozens of findings share is the county's plumbing (a welfare home's collective
//! account, an agent's card, a bulk allocation), and joining through it would make one
//! case of unrelated schemes. Such a value still shows in each finding's own evidence.
//!
//! Case ids stay put across nights: a case takes the id the case ledger gave most of its
//! members last night (each old id to one case only, the larger share winning), so a
//! member added or resolved does not rename it; a case with no known member is named
//! after its smallest finding id, which also keeps it stable without a ledger.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use polars::prelude::*;
use rustc_hash::FxHashMap;

use fundaudit_core::config::Config;
use fundaudit_core::error::Result;
use fundaudit_core::findings::{scored, Category, ScoredView};
use fundaudit_core::frame;
use fundaudit_rules::context::Context;
use fundaudit_rules::money::{self, split, Paids as Payments, Text};

/// One case: its member findings (rows of the findings frame) and what they share, as
/// cases.csv says it. The shared values are kept as the table's text, not as sets: a
/// province's nights hold millions of cases, and four small sets a case were a gigabyte
/// of tree nodes for values read once.
#[derive(Debug, Clone, Default)]
pub struct Case {
    pub id: String,
    pub members: Vec<usize>,
    /// Beneficiary ids of the members, sorted, `;`-separated.
    pub persons: String,
    /// Resolved people (a person registered twice counts once).
    pub people: usize,
    /// Accounts the members' money went to, sorted, `;`-separated.
    pub accounts: String,
    /// Townships of the members and of their money, sorted, `;`-separated.
    pub townships: String,
    /// The members' rules, sorted, `;`-separated.
    pub rules: String,
    /// Money at risk with every payment counted once.
    pub amount_fen: i64,
    /// How likely the case holds: its strongest rule's best score, raised by each further
    /// rule at half weight (see [`case_score`]).
    pub score: f64,
    pub summary: String,
}

/// The cases of a night: every finding in exactly one.
#[derive(Debug, Clone, Default)]
pub struct Cases {
    /// Ranked: highest score first.
    pub cases: Vec<Case>,
    /// Case (index into `cases`) of each finding row.
    pub of_finding: Vec<usize>,
}

/// The prefix of a batch link (see [`link_keys`]): a batch joins however many findings
/// share it, past `max_link_findings` — its key is narrow (unregistered payees, one day,
/// one program, one amount), nothing like a collective account.
const BATCH: &str = "u:";

/// What links findings: the kinds of value two findings can share.
fn link_keys(row: usize, f: &ScoredView, ctx: &Context, payments: &Payments) -> Vec<String> {
    let mut keys = Vec::new();
    for id in split(f.beneficiary_ids[row]) {
        keys.push(ctx.person_key(id));
    }
    for id in split(f.allocation_ids[row]) {
        keys.push(format!("a:{id}"));
    }
    // Where money went links findings about where money went, not those about when or
    // how much was paid: two spouses' late payments to their household card are two
    // cases of lateness, not one scheme.
    let about_the_money = matches!(
        Category::parse(f.category[row].unwrap_or("")),
        Some(Category::Diverted | Category::Ghost | Category::Duplicate)
    );
    if about_the_money {
        for id in split(f.payment_ids[row]) {
            if let Some(p) = payments.get(id) {
                if !p.account.is_empty() {
                    keys.push(format!("c:{}", p.account));
                }
            }
        }
    }
    // One batch: money paid to people the registry does not hold, on one day, for one
    // program, in one amount — fifteen strangers paid 1,500.00 each in one bank file are
    // one scheme, not fifteen cases.
    if f.rule[row] == Some(fundaudit_core::findings::Rule::GhostUnregistered.code()) {
        for id in split(f.payment_ids[row]) {
            if let Some(p) = payments.get(id) {
                keys.push(format!(
                    "{BATCH}{}|{}|{}",
                    p.program,
                    p.paid.unwrap_or_default(),
                    p.amount_fen
                ));
            }
        }
    }
    for r in split(f.refs[row]) {
        if let Some(line) = r.strip_prefix("officials:") {
            keys.push(format!("o:{line}"));
        }
        // A project's findings are one case: its site, its tender and its money are one
        // scheme seen from several sides (see `fundaudit_rules::project`).
        if let Some(id) = r.strip_prefix("projects:") {
            keys.push(format!("j:{id}"));
        }
    }
    keys.sort();
    keys.dedup();
    keys
}

/// What links findings, worked out once per night from the scored findings: each
/// finding's link values (by finding id) and the payments the findings name. Grouping,
/// summarising and the night's money all read it; the reports show a subset of the same
/// findings.
pub struct Links {
    /// Inline text (see [`money::Text`]): two million findings' keys as heap strings
    /// were most of the memory a province's cases were grouped in.
    keys: FxHashMap<Text, Vec<Text>>,
    pub pays: Payments,
}

pub fn links(findings: &DataFrame, ctx: &Context) -> Result<Links> {
    let f = ScoredView::of(findings)?;
    let pays = money::named_payments(ctx, findings)?;
    // A hundred thousand findings' keys at a million people: on both cores.
    use rayon::prelude::*;
    let keys = (0..findings.height())
        .into_par_iter()
        .map(|r| {
            let keys = link_keys(r, &f, ctx, &pays);
            (
                Text::new(f.finding_id[r].unwrap_or("")),
                keys.iter().map(|k| Text::new(k)).collect(),
            )
        })
        .collect();
    Ok(Links { keys, pays })
}

impl Links {
    /// Link values of each row of `findings` (rows of findings not linked: none).
    fn of_rows(&self, f: &ScoredView) -> Vec<&[Text]> {
        f.finding_id
            .iter()
            .map(|id| {
                id.and_then(|id| self.keys.get(id))
                    .map_or(&[][..], |k| k.as_slice())
            })
            .collect()
    }
}

impl Cases {
    /// The cases in this order, and each finding row's case.
    fn new(cases: Vec<Case>, rows: usize) -> Cases {
        let mut of_finding = vec![0; rows];
        for (c, case) in cases.iter().enumerate() {
            for &m in &case.members {
                of_finding[m] = c;
            }
        }
        Cases { cases, of_finding }
    }
}

/// Groups scored findings into cases: membership and provisional ids (see
/// [`assign_ids`]); what a case says is worked out by [`summarise`] on the findings the
/// reports show.
pub fn group(findings: &DataFrame, links: &Links, config: &Config) -> Result<Cases> {
    let f = ScoredView::of(findings)?;
    let n = findings.height();
    let keys = links.of_rows(&f);
    let mut holders: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
    for (r, ks) in keys.iter().enumerate() {
        for k in ks.iter() {
            holders.entry(k.as_str()).or_default().push(r);
        }
    }
    let max_link = config.cases.max_link_findings;
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for (_, rows) in holders
        .iter()
        .filter(|(k, r)| r.len() <= max_link || k.starts_with(BATCH))
    {
        for w in rows.windows(2) {
            let (a, b) = (find(&mut parent, w[0]), find(&mut parent, w[1]));
            if a != b {
                parent[a.max(b)] = a.min(b);
            }
        }
    }
    let mut by_root: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for r in 0..n {
        let root = find(&mut parent, r);
        by_root.entry(root).or_default().push(r);
    }
    let cases: Vec<Case> = by_root
        .into_values()
        .map(|members| Case {
            id: provisional_id(members.iter().filter_map(|&m| f.finding_id[m])),
            members,
            ..Case::default()
        })
        .collect();
    Ok(Cases::new(cases, n))
}

/// The cases of the findings the reports show (`case_id` column set), each with its
/// persons, accounts, money counted once, score and summary, ranked by score.
/// `calibration` is each rule's factor from the officers' decisions (see
/// [`crate::calibration`]); a rule not in it counts as scored.
pub fn summarise(
    findings: &DataFrame,
    links: &Links,
    ctx: &Context,
    calibration: &HashMap<String, f64>,
    english: bool,
) -> Result<Cases> {
    let f = ScoredView::of(findings)?;
    let case_ids = frame::text(findings, "case_id")?;
    let keys = links.of_rows(&f);
    let claims = money::Claims::new(findings)?;
    let with = Night {
        ctx,
        pays: &links.pays,
        calibration,
        english,
    };
    let mut by_id: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (r, id) in case_ids.iter().enumerate() {
        by_id.entry(id.unwrap_or("")).or_default().push(r);
    }
    // Each case summarised on its own, on both cores (tens of thousands a night).
    use rayon::prelude::*;
    let by_id: Vec<(&str, Vec<usize>)> = by_id.into_iter().collect();
    let mut cases: Vec<Case> = by_id
        .into_par_iter()
        .map(|(id, members)| {
            let mut case = build_case(members, &f, &claims, &keys, &with);
            case.id = id.to_string();
            case
        })
        .collect();
    cases.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(b.amount_fen.cmp(&a.amount_fen))
            .then(a.id.cmp(&b.id))
    });
    Ok(Cases::new(cases, findings.height()))
}

/// What every case of a night is summarised with.
struct Night<'a> {
    ctx: &'a Context,
    pays: &'a Payments,
    calibration: &'a HashMap<String, f64>,
    /// Summaries in English (`--lang en`).
    english: bool,
}

fn build_case(
    members: Vec<usize>,
    f: &ScoredView,
    claims: &money::Claims,
    keys: &[&[Text]],
    night: &Night,
) -> Case {
    let (ctx, pays, calibration) = (night.ctx, night.pays, night.calibration);
    let mut persons: BTreeSet<&str> = BTreeSet::new();
    let mut people: BTreeSet<&str> = BTreeSet::new();
    let mut accounts: BTreeSet<String> = BTreeSet::new();
    let mut townships: BTreeSet<String> = BTreeSet::new();
    let mut rules: BTreeMap<String, usize> = BTreeMap::new();
    // Money counted once (see fundaudit_rules::money); each rule's best score.
    let mut best: BTreeMap<String, f64> = BTreeMap::new();
    for &m in &members {
        let rule = f.rule[m].unwrap_or("").to_string();
        *rules.entry(rule).or_default() += 1;
        if let Some(t) = f.township[m].filter(|t| !t.is_empty()) {
            townships.insert(t.to_string());
        }
        persons.extend(split(f.beneficiary_ids[m]));
        for k in keys[m].iter() {
            if let Some(account) = k.strip_prefix("c:") {
                accounts.insert(account.to_string());
            } else if k.starts_with("p:") || k.starts_with("b:") {
                people.insert(k.as_str());
            }
        }
        let rule = f.rule[m].unwrap_or("");
        let p = f.risk_score[m].unwrap_or(0.0) / 100.0 * calibration.get(rule).unwrap_or(&1.0);
        let e = best.entry(rule.to_string()).or_default();
        *e = e.max(p.clamp(0.0, 0.99));
    }
    let money = money::distinct(claims, &members, pays);
    // The townships its money belongs to, not only those its findings are listed under.
    townships.extend(
        money
            .by_township
            .keys()
            .filter(|t| t.as_str() != fundaudit_core::findings::UNKNOWN_TOWNSHIP)
            .cloned(),
    );
    let outline = crate::case_summary::Outline {
        accounts: &accounts,
        rules: &rules,
        people: people.len(),
        townships: &townships,
        amount_fen: money.total_fen,
    };
    let summary = crate::case_summary::summary(&outline, &members, f, ctx, pays, night.english);
    Case {
        id: String::new(),
        persons: joined(persons.iter().copied()),
        people: people.len(),
        accounts: joined(accounts.iter().map(String::as_str)),
        townships: joined(townships.iter().map(String::as_str)),
        rules: joined(rules.keys().map(String::as_str)),
        amount_fen: money.total_fen,
        score: (case_score(best.into_values().collect()) * 100.0).round() / 100.0,
        summary,
        members,
    }
}

/// Values as cases.csv lists them: `;` between, in the order given.
fn joined<'a>(values: impl Iterator<Item = &'a str>) -> String {
    values.collect::<Vec<_>>().join(";")
}

/// A case's score from each of its rules' best (0–1): the strongest counts whole, each
/// further rule closes half its share of the gap — 1 − (1 − p₁)·Π(1 − pₖ/2). Fifteen
/// findings of one rule are one sign seen fifteen times, not fifteen signs: a plain
/// noisy-OR over every member put the sample county's top seven cases at 96.7–99.8 and
/// ranked nothing among them.
pub fn case_score(mut by_rule: Vec<f64>) -> f64 {
    by_rule.sort_by(|a, b| b.total_cmp(a));
    let Some((&first, rest)) = by_rule.split_first() else {
        return 0.0;
    };
    let gap = rest
        .iter()
        .fold(1.0 - first, |gap, p| gap * (1.0 - p / 2.0));
    100.0 * (1.0 - gap)
}

/// `C` + 12 hex digits of the smallest member finding id.
fn provisional_id<'a>(finding_ids: impl Iterator<Item = &'a str>) -> String {
    let smallest = finding_ids.min().unwrap_or("");
    format!("C{}", smallest.strip_prefix('F').unwrap_or(smallest))
}

/// Gives each case the id the ledger's last night gave most of its members (`previous`:
/// open finding id → case id), each old id to one case only; others keep their
/// provisional id.
pub fn assign_ids(
    cases: &mut Cases,
    finding_ids: &[Option<&str>],
    previous: &HashMap<String, String>,
) {
    // (overlap, case index, old id), largest overlap first.
    let mut claims: Vec<(usize, usize, String)> = Vec::new();
    for (c, case) in cases.cases.iter().enumerate() {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for &m in &case.members {
            if let Some(old) = finding_ids[m].and_then(|id| previous.get(id)) {
                *counts.entry(old.as_str()).or_default() += 1;
            }
        }
        for (old, n) in counts {
            claims.push((n, c, old.to_string()));
        }
    }
    claims.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut named = vec![false; cases.cases.len()];
    for (_, c, old) in claims {
        if named[c] || taken.contains(&old) {
            continue;
        }
        cases.cases[c].id = old.clone();
        taken.insert(old);
        named[c] = true;
    }
    // A provisional id that an old case now holds goes to a fresh variant.
    for (c, case) in cases.cases.iter_mut().enumerate() {
        if !named[c] && taken.contains(&case.id) {
            case.id = format!("{}-{}", case.id, c);
        }
    }
}

/// The findings frame with `case_id` after `finding_id`.
pub fn with_case_column(findings: DataFrame, cases: &Cases) -> PolarsResult<DataFrame> {
    let ids: Vec<&str> = cases
        .of_finding
        .iter()
        .map(|&c| cases.cases[c].id.as_str())
        .collect();
    let mut df = findings;
    df.with_column(Column::new("case_id".into(), ids))?;
    let mut order: Vec<String> = Vec::new();
    for name in df.get_column_names() {
        let name = name.to_string();
        if name == "case_id" {
            continue;
        }
        let after_id = name == scored::FINDING_ID;
        order.push(name);
        if after_id {
            order.push("case_id".into());
        }
    }
    if !order.iter().any(|c| c == "case_id") {
        order.push("case_id".into());
    }
    df.select(order)
}

/// cases.csv and the 案件 sheet: one row per case, ranked. A case is `new` when all its
/// findings are, `changed` when any is new or changed or when a finding of last night's
/// case has left it (`previous`: open finding id → case id before this run), else
/// `persisting`.
pub fn cases_frame(
    cases: &Cases,
    findings: &DataFrame,
    previous: &HashMap<String, String>,
) -> PolarsResult<DataFrame> {
    let ids = frame::text(findings, scored::FINDING_ID)?;
    let change = frame::text_or_none(findings, "change");
    let c = &cases.cases;
    let mut before: HashMap<&str, usize> = HashMap::new();
    let mut members_before: HashMap<&str, Vec<&str>> = HashMap::new();
    for (finding, case_id) in previous {
        *before.entry(case_id.as_str()).or_default() += 1;
        members_before
            .entry(case_id.as_str())
            .or_default()
            .push(finding.as_str());
    }
    let case_change = |case: &Case| -> Option<&'static str> {
        let states: BTreeSet<&str> = case
            .members
            .iter()
            .filter_map(|&m| change.get(m).copied().flatten())
            .collect();
        let carried = case
            .members
            .iter()
            .filter(|&&m| ids[m].and_then(|id| previous.get(id)) == Some(&case.id))
            .count();
        let lost_members = before.get(case.id.as_str()).copied().unwrap_or(0) > carried;
        if states.is_empty() {
            None
        } else if states.iter().all(|s| *s == "new") && !lost_members {
            Some("new")
        } else if states.contains("new") || states.contains("changed") || lost_members {
            Some("changed")
        } else {
            Some("persisting")
        }
    };
    // What changed in a case, in words: its findings new, changed, and gone from it.
    let case_detail = |case: &Case| -> String {
        let of = |state: &str| -> Vec<&str> {
            case.members
                .iter()
                .filter(|&&m| change.get(m).copied().flatten() == Some(state))
                .filter_map(|&m| ids[m])
                .collect()
        };
        let now: BTreeSet<&str> = case.members.iter().filter_map(|&m| ids[m]).collect();
        let mut gone: Vec<&str> = members_before
            .get(case.id.as_str())
            .map(|v| v.iter().copied().filter(|f| !now.contains(f)).collect())
            .unwrap_or_default();
        gone.sort_unstable();
        let mut said = Vec::new();
        for (what, list) in [
            ("新增线索", of("new")),
            ("有变化线索", of("changed")),
            ("移出线索", gone),
        ] {
            // A case new tonight is all new findings: nothing to say.
            let all_new = what == "新增线索" && case_change(case) == Some("new");
            if list.is_empty() || all_new {
                continue;
            }
            said.push(format!("{what}{}", list.join("、")));
        }
        said.join("；")
    };
    DataFrame::new(
        c.len(),
        vec![
            Column::new(
                "case_id".into(),
                c.iter().map(|x| x.id.as_str()).collect::<Vec<_>>(),
            ),
            Column::new("rank".into(), (1..=c.len() as i64).collect::<Vec<_>>()),
            Column::new(
                "case_score".into(),
                c.iter().map(|x| x.score).collect::<Vec<_>>(),
            ),
            Column::new(
                "amount_at_risk".into(),
                c.iter()
                    .map(|x| x.amount_fen as f64 / 100.0)
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "findings".into(),
                c.iter().map(|x| x.members.len() as i64).collect::<Vec<_>>(),
            ),
            Column::new(
                "townships".into(),
                c.iter().map(|x| x.townships.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "beneficiary_ids".into(),
                c.iter().map(|x| x.persons.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "accounts".into(),
                c.iter().map(|x| x.accounts.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "rules".into(),
                c.iter().map(|x| x.rules.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "summary".into(),
                c.iter().map(|x| x.summary.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "finding_ids".into(),
                c.iter()
                    .map(|x| {
                        x.members
                            .iter()
                            .filter_map(|&m| ids[m])
                            .collect::<Vec<_>>()
                            .join(";")
                    })
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "change".into(),
                c.iter().map(case_change).collect::<Vec<_>>(),
            ),
            Column::new(
                "change_detail".into(),
                c.iter().map(case_detail).collect::<Vec<_>>(),
            ),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_case_score_counts_rules_not_repeats_and_separates_the_top() {
        // One rule seen fifteen times is its best score.
        assert!((case_score(vec![0.6]) - 60.0).abs() < 1e-9);
        // A second rule closes half its share of the gap: 1 − 0.4 × 0.8.
        assert!((case_score(vec![0.6, 0.4]) - 68.0).abs() < 1e-9);
        // Strong cases stay apart instead of crowding at 99.
        let (a, b) = (case_score(vec![0.9, 0.8, 0.7]), case_score(vec![0.8, 0.6]));
        assert!(a < 99.0 && b < a - 5.0, "{a} {b}");
        assert_eq!(case_score(Vec::new()), 0.0);
    }

    fn cases(groups: &[&[usize]]) -> Cases {
        let n = groups.iter().map(|g| g.len()).sum();
        let cases = groups
            .iter()
            .enumerate()
            .map(|(c, g)| Case {
                id: format!("Cnew{c}"),
                members: g.to_vec(),
                ..Case::default()
            })
            .collect();
        Cases::new(cases, n)
    }

    #[test]
    fn a_case_keeps_its_id_when_members_come_and_go() {
        let ids: Vec<Option<&str>> = ["F1", "F2", "F4", "F5", "F6"]
            .iter()
            .map(|s| Some(*s))
            .collect();
        // Last night: F1, F2, F3 were case Cold; F5, F6 were Cother. F3 is resolved
        // tonight, F4 is new and joins F1 and F2.
        let previous: HashMap<String, String> = [
            ("F1", "Cold"),
            ("F2", "Cold"),
            ("F3", "Cold"),
            ("F5", "Cother"),
            ("F6", "Cother"),
        ]
        .iter()
        .map(|(f, c)| (f.to_string(), c.to_string()))
        .collect();
        let mut c = cases(&[&[0, 1, 2], &[3], &[4]]);
        assign_ids(&mut c, &ids, &previous);
        assert_eq!(c.cases[0].id, "Cold");
        // Cother split in two: one part keeps the id, the other gets its own.
        let others: Vec<&str> = c.cases[1..].iter().map(|x| x.id.as_str()).collect();
        assert_eq!(
            others.iter().filter(|id| **id == "Cother").count(),
            1,
            "{others:?}"
        );
        assert!(others.iter().any(|id| *id != "Cother"));
    }

    #[test]
    fn provisional_ids_follow_the_smallest_finding() {
        assert_eq!(provisional_id(["Fb2", "Fa1"].into_iter()), "Ca1");
    }
}
