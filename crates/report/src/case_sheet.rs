//! 线索处置表: what an officer signs for one case. Who is involved (the officials and
//! cadres with their posts, the people with masked ID numbers, the cards with their
//! holders), the key payments, each rule's policy basis, and blank fields for what the
//! check found and who decided. Built once here, printed by report.html (one case a page)
//! and by case_sheets.xlsx (a sheet a case, and a 移送函 per township).

use std::collections::{BTreeMap, HashMap, HashSet};

use polars::prelude::*;
use serde::Serialize;

use fundaudit_core::cells::{fen_of_yuan, fmt_yuan};
use fundaudit_core::error::Result;
use fundaudit_core::frame;
use fundaudit_core::policy::Policy;
use fundaudit_core::privacy::shown_code;
use fundaudit_rules::context::Context;

/// What a sheet holds at most, so that a case fits one A4 page (two for the largest):
/// the rest is counted ("等N人") and in findings.xlsx.
const MAX_PEOPLE: usize = 6;
const MAX_CARDS: usize = 4;
const MAX_PAYMENTS: usize = 6;
const MAX_FINDINGS: usize = 5;
/// Characters of a finding's evidence on the sheet (the whole text is in findings.xlsx).
const EVIDENCE_CHARS: usize = 90;

/// A person on a sheet: an official or cadre (`post` set) or a beneficiary.
#[derive(Debug, Clone, Serialize)]
pub struct Person {
    pub id: String,
    pub name: String,
    pub id_number: String,
    /// Where they live (beneficiaries) or serve (officials: unit and post).
    pub place: String,
    pub household: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Card {
    pub account: String,
    pub holder: String,
    pub payments: usize,
    pub amount: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Payment {
    pub id: String,
    pub date: String,
    pub program: String,
    pub amount: String,
    pub account: String,
    pub payee: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleBasis {
    pub code: String,
    pub title: String,
    pub basis: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FindingLine {
    pub id: String,
    pub rule: String,
    pub amount: String,
    pub evidence: String,
}

/// One case's 线索处置表: its figures, then its [`Section`]s as both printers lay them out.
#[derive(Debug, Clone, Serialize)]
pub struct CaseSheet {
    pub case_id: String,
    pub rank: i64,
    pub score: String,
    pub amount: String,
    pub townships: String,
    pub summary: String,
    pub sections: Vec<Section>,
    /// The titles of the two parts officers fill in (核查情况, 处置意见), numbered on.
    pub blanks: Vec<String>,
    #[serde(skip)]
    pub actors: Vec<Person>,
    #[serde(skip)]
    pub people: Vec<Person>,
    #[serde(skip)]
    pub people_total: usize,
    #[serde(skip)]
    pub cards: Vec<Card>,
    #[serde(skip)]
    pub cards_total: usize,
    #[serde(skip)]
    pub payments: Vec<Payment>,
    #[serde(skip)]
    pub payments_total: usize,
    #[serde(skip)]
    pub findings: Vec<FindingLine>,
    #[serde(skip)]
    pub findings_total: usize,
    #[serde(skip)]
    pub rules: Vec<RuleBasis>,
}

/// How a section is printed.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// One paragraph (`rows[0][0]`).
    Text,
    /// A bordered table under `heads`.
    Table,
    /// One line a row.
    List,
}

/// One numbered part of a sheet (一、案情摘要 …), written once here so that report.html
/// and case_sheets.xlsx print the same sheet.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    /// Numbered, and saying how many there are in all when the list is cut.
    pub title: String,
    pub kind: Kind,
    pub heads: Vec<&'static str>,
    /// Columns holding ids and codes (the page marks them as code).
    pub codes: Vec<usize>,
    pub rows: Vec<Vec<String>>,
    /// The first workbook column (of eight) of each head; the last spans to the edge.
    #[serde(skip)]
    pub columns: Vec<u16>,
}

impl CaseSheet {
    /// The sheet's sections in print order, numbered as they are present.
    fn layout(&self) -> Vec<Section> {
        let more = |shown: usize, total: usize, unit: &str| {
            if total > shown {
                format!("（共{total}{unit}，列出{shown}{unit}；其余见findings.xlsx）")
            } else {
                String::new()
            }
        };
        let table = |title: String,
                     heads: Vec<&'static str>,
                     columns: Vec<u16>,
                     codes: Vec<usize>,
                     rows: Vec<Vec<String>>| Section {
            title,
            kind: Kind::Table,
            heads,
            codes,
            rows,
            columns,
        };
        let mut out = vec![Section {
            title: "案情摘要".into(),
            kind: Kind::Text,
            heads: Vec::new(),
            codes: Vec::new(),
            rows: vec![vec![self.summary.clone()]],
            columns: vec![0],
        }];
        if !self.actors.is_empty() {
            out.push(table(
                "涉及公职人员、村干部".into(),
                vec!["姓名", "身份证号", "单位及职务"],
                vec![0, 1, 3],
                vec![1],
                self.actors
                    .iter()
                    .map(|a| vec![a.name.clone(), a.id_number.clone(), a.place.clone()])
                    .collect(),
            ));
        }
        out.push(table(
            format!(
                "涉及人员{}",
                more(self.people.len(), self.people_total, "人")
            ),
            vec!["人员编号", "姓名", "身份证号", "乡镇村", "户号"],
            vec![0, 1, 2, 3, 5],
            vec![0, 2, 4],
            self.people
                .iter()
                .map(|p| {
                    vec![
                        p.id.clone(),
                        p.name.clone(),
                        p.id_number.clone(),
                        p.place.clone(),
                        p.household.clone(),
                    ]
                })
                .collect(),
        ));
        if !self.cards.is_empty() {
            out.push(table(
                format!("收款账户{}", more(self.cards.len(), self.cards_total, "个")),
                vec!["账号", "户名", "笔数", "金额"],
                vec![0, 2, 3, 4],
                vec![0],
                self.cards
                    .iter()
                    .map(|k| {
                        vec![
                            k.account.clone(),
                            k.holder.clone(),
                            format!("{}笔", k.payments),
                            format!("{}元", k.amount),
                        ]
                    })
                    .collect(),
            ));
        }
        if !self.payments.is_empty() {
            out.push(table(
                format!(
                    "主要资金流水{}",
                    more(self.payments.len(), self.payments_total, "笔")
                ),
                vec!["流水号", "日期", "补贴项目", "金额", "收款账户", "收款人"],
                vec![0, 1, 2, 3, 4, 6],
                vec![0, 4],
                self.payments
                    .iter()
                    .map(|p| {
                        vec![
                            p.id.clone(),
                            p.date.clone(),
                            p.program.clone(),
                            format!("{}元", p.amount),
                            p.account.clone(),
                            p.payee.clone(),
                        ]
                    })
                    .collect(),
            ));
        }
        out.push(table(
            format!(
                "问题线索{}",
                more(self.findings.len(), self.findings_total, "条")
            ),
            vec!["线索编号", "问题", "金额", "问题线索"],
            vec![0, 1, 2, 3],
            vec![0],
            self.findings
                .iter()
                .map(|f| {
                    vec![
                        f.id.clone(),
                        f.rule.clone(),
                        format!("{}元", f.amount),
                        f.evidence.clone(),
                    ]
                })
                .collect(),
        ));
        out.push(Section {
            title: "政策依据".into(),
            kind: Kind::List,
            heads: Vec::new(),
            codes: Vec::new(),
            rows: self
                .rules
                .iter()
                // One page a case: each rule's first document, and how many more the
                // policy names (all of them: `fundaudit policy`).
                .map(|r| {
                    let more = match r.basis.len() {
                        0 | 1 => String::new(),
                        n => format!("等{n}项"),
                    };
                    vec![format!(
                        "{}：{}{more}",
                        r.title,
                        r.basis.first().map_or("", String::as_str)
                    )]
                })
                .collect(),
            columns: vec![0],
        });
        for (k, section) in out.iter_mut().enumerate() {
            section.title = numbered(k, &section.title);
        }
        out
    }
}

/// `一、title`, `二、title` … for the `k`-th part (from 0) of a sheet.
fn numbered(k: usize, title: &str) -> String {
    const NUMBERS: [&str; 12] = [
        "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二",
    ];
    format!("{}、{title}", NUMBERS.get(k).unwrap_or(&""))
}

/// Sheets for the top `limit` cases by rank, from the findings and cases as shown
/// (masked unless `unmasked`) and the run's ledgers.
pub fn case_sheets(
    findings: &DataFrame,
    cases: &DataFrame,
    ctx: &Context,
    policy: &Policy,
    unmasked: bool,
    limit: usize,
) -> Result<Vec<CaseSheet>> {
    let order: Vec<usize> = frame::rank_order(cases).into_iter().take(limit).collect();
    let mask = |s: &str| shown_code(s, unmasked);
    let c_ids = frame::text_or_none(cases, "case_id");
    let c_members = frame::text_or_none(cases, "finding_ids");
    let c_bens = frame::text_or_none(cases, "beneficiary_ids");
    let c_towns = frame::text_or_none(cases, "townships");
    let c_summary = frame::text_or_none(cases, "summary");
    let c_rank = frame::int(cases, "rank").unwrap_or_default();
    let c_amount = frame::floats(cases, "amount_at_risk");
    let c_score = frame::floats(cases, "case_score");
    let f_ids = frame::text_or_none(findings, "finding_id");
    let row_of: HashMap<&str, usize> = f_ids
        .iter()
        .enumerate()
        .filter_map(|(i, id)| id.map(|id| (id, i)))
        .collect();
    let f_rule = frame::text_or_none(findings, "rule");
    let f_evidence = frame::text_or_none(findings, "evidence");
    let f_payments = frame::text_or_none(findings, "payment_ids");
    let f_refs = frame::text_or_none(findings, "refs");
    let f_amount = frame::floats(findings, "amount_at_risk");
    let members = |k: usize| -> Vec<usize> {
        let mut rows: Vec<usize> = c_members[k]
            .unwrap_or("")
            .split(';')
            .filter_map(|id| row_of.get(id).copied())
            .collect();
        rows.sort_by(|&a, &b| {
            f_amount[b]
                .unwrap_or(0.0)
                .total_cmp(&f_amount[a].unwrap_or(0.0))
        });
        rows
    };

    // The payments the chosen cases name, read in one pass.
    let mut wanted_payments = HashSet::new();
    for &k in &order {
        for i in members(k) {
            wanted_payments.extend(split(f_payments[i]));
        }
    }
    let payments = payment_rows(&ctx.ledgers.payments, &wanted_payments)?;
    let named: HashSet<&str> = order
        .iter()
        .flat_map(|&k| c_bens[k].unwrap_or("").split(';'))
        .collect();
    let households = households(&ctx.ledgers.beneficiaries, |id| named.contains(id));

    let mut sheets = Vec::with_capacity(order.len());
    for &k in &order {
        let rows = members(k);
        let people_ids = split(c_bens[k]);
        let people: Vec<Person> = people_ids
            .iter()
            .take(MAX_PEOPLE)
            .map(|id| {
                let e = ctx.row_of(id).map(|r| &ctx.registry[r]);
                Person {
                    id: id.clone(),
                    name: e.map_or(String::new(), |e| e.raw_name.to_string()),
                    id_number: e.map_or(String::new(), |e| mask(&e.id_number)),
                    place: e.map_or(String::new(), |e| format!("{}{}", e.township, e.village)),
                    household: households
                        .get(id.as_str())
                        .copied()
                        .unwrap_or_default()
                        .to_string(),
                }
            })
            .collect();
        let lines: Vec<usize> = rows
            .iter()
            .flat_map(|&i| split(f_refs[i]))
            .filter_map(|r| r.strip_prefix("officials:")?.parse().ok())
            .collect();
        let actors = actors(&lines, ctx, &mask);
        let pays = case_payments(rows.iter().map(|&i| f_payments[i]), &payments);
        let (cards, cards_total) = cards(&pays, &mask);
        let mut codes: Vec<&str> = rows.iter().filter_map(|&i| f_rule[i]).collect();
        codes.sort_unstable();
        codes.dedup();
        sheets.push(CaseSheet {
            case_id: c_ids[k].unwrap_or("").to_string(),
            rank: c_rank.get(k).copied().flatten().unwrap_or(0),
            score: format!("{:.1}", c_score[k].unwrap_or(0.0)),
            amount: yuan(c_amount[k]),
            townships: c_towns[k].unwrap_or("").to_string(),
            summary: c_summary[k].unwrap_or("").to_string(),
            actors,
            people,
            people_total: people_ids.len(),
            cards,
            cards_total,
            payments: pays
                .iter()
                .take(MAX_PAYMENTS)
                .map(|p| Payment {
                    id: p.id.clone(),
                    date: p.date.clone(),
                    program: p.program.clone(),
                    amount: fmt_yuan(p.amount_fen),
                    account: mask(&p.account),
                    payee: p.payee.clone(),
                })
                .collect(),
            payments_total: pays.len(),
            findings: rows
                .iter()
                .take(MAX_FINDINGS)
                .map(|&i| FindingLine {
                    id: f_ids[i].unwrap_or("").to_string(),
                    rule: policy.title(f_rule[i].unwrap_or(""), false),
                    amount: yuan(f_amount[i]),
                    evidence: clip(f_evidence[i].unwrap_or(""), EVIDENCE_CHARS),
                })
                .collect(),
            findings_total: rows.len(),
            rules: codes
                .iter()
                .map(|code| {
                    let t = policy.rule(code);
                    RuleBasis {
                        code: code.to_string(),
                        title: t.title,
                        basis: t.basis,
                    }
                })
                .collect(),
            sections: Vec::new(),
            blanks: Vec::new(),
        });
    }
    for sheet in &mut sheets {
        sheet.sections = sheet.layout();
        let n = sheet.sections.len();
        sheet.blanks = vec![numbered(n, "核查情况"), numbered(n + 1, "处置意见")];
    }
    Ok(sheets)
}

fn yuan(v: Option<f64>) -> String {
    fmt_yuan(fen_of_yuan(v.unwrap_or(0.0)))
}

/// The items of a `;`-list cell.
fn split(s: Option<&str>) -> Vec<String> {
    s.unwrap_or("")
        .split(';')
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

/// A case's payments (its findings' `payment_ids` lists), each once, the largest first.
fn case_payments<'a, 'p>(
    lists: impl Iterator<Item = Option<&'a str>>,
    payments: &'p HashMap<String, PaymentRow>,
) -> Vec<&'p PaymentRow> {
    let mut seen = HashSet::new();
    let mut pays: Vec<&PaymentRow> = lists
        .flat_map(|l| l.unwrap_or("").split(';'))
        .filter(|p| !p.is_empty() && seen.insert(*p))
        .filter_map(|p| payments.get(p))
        .collect();
    pays.sort_by(|a, b| b.amount_fen.cmp(&a.amount_fen).then(a.id.cmp(&b.id)));
    pays
}

/// The officials and cadres of the officials' list rows `lines` (each once), with their
/// unit and post, looked up as the case's summary looks them up
/// ([`Context::official_at_line`]).
fn actors(lines: &[usize], ctx: &Context, mask: &dyn Fn(&str) -> String) -> Vec<Person> {
    let mut seen = HashSet::new();
    lines
        .iter()
        .filter(|l| seen.insert(**l))
        .filter_map(|&l| ctx.official_at_line(l))
        .map(|o| Person {
            id: String::new(),
            name: o.raw_name.clone(),
            id_number: mask(&o.id_number),
            place: format!("{}{}", o.unit, o.role),
            household: String::new(),
        })
        .collect()
}

/// The cards a case's payments went to, the most used first (at most [`MAX_CARDS`]),
/// and how many there are in all.
fn cards(pays: &[&PaymentRow], mask: &dyn Fn(&str) -> String) -> (Vec<Card>, usize) {
    let mut by_card: BTreeMap<&str, (&str, usize, i64)> = BTreeMap::new();
    for p in pays {
        let c = by_card
            .entry(p.account.as_str())
            .or_insert((p.payee.as_str(), 0, 0));
        c.1 += 1;
        c.2 += p.amount_fen;
    }
    let mut cards: Vec<Card> = by_card
        .iter()
        .map(|(account, (holder, n, fen))| Card {
            account: mask(account),
            holder: holder.to_string(),
            payments: *n,
            amount: fmt_yuan(*fen),
        })
        .collect();
    cards.sort_by(|a, b| b.payments.cmp(&a.payments).then(a.account.cmp(&b.account)));
    let total = cards.len();
    cards.truncate(MAX_CARDS);
    (cards, total)
}

/// `text` cut to `n` characters, with an ellipsis when cut.
fn clip(text: &str, n: usize) -> String {
    if text.chars().count() <= n {
        return text.to_string();
    }
    let mut s: String = text.chars().take(n).collect();
    s.push('…');
    s
}

struct PaymentRow {
    id: String,
    date: String,
    program: String,
    amount_fen: i64,
    account: String,
    payee: String,
}

/// The payments ledger's rows among `wanted`, by payment id: one scan, the rest untouched.
fn payment_rows(df: &DataFrame, wanted: &HashSet<String>) -> Result<HashMap<String, PaymentRow>> {
    let mut out = HashMap::new();
    if wanted.is_empty() {
        return Ok(out);
    }
    let picked: Vec<IdxSize> = frame::text(df, "payment_id")?
        .iter()
        .enumerate()
        .filter(|(_, id)| id.is_some_and(|id| wanted.contains(id)))
        .map(|(i, _)| i as IdxSize)
        .collect();
    // Only the picked rows are copied and formatted, not a million-row ledger's columns.
    let rows = df.take(&IdxCa::from_vec("picked".into(), picked))?;
    let text_of = |name: &str| -> Result<Vec<Option<String>>> {
        let Ok(c) = rows.column(name) else {
            return Ok(vec![None; rows.height()]);
        };
        let c = c.cast(&DataType::String)?;
        Ok(c.str()?.iter().map(|v| v.map(str::to_string)).collect())
    };
    let (ids, date, program, account, payee) = (
        text_of("payment_id")?,
        text_of("paid_date")?,
        text_of("program")?,
        text_of("payee_account")?,
        text_of("payee_name")?,
    );
    let fen = frame::int_or_none(&rows, "amount_fen");
    for i in 0..rows.height() {
        let id = ids[i].clone().unwrap_or_default();
        out.insert(
            id.clone(),
            PaymentRow {
                id,
                date: date[i].clone().unwrap_or_default(),
                program: program[i].clone().unwrap_or_default(),
                amount_fen: fen[i].unwrap_or(0),
                account: account[i].clone().unwrap_or_default(),
                payee: payee[i].clone().unwrap_or_default(),
            },
        );
    }
    Ok(out)
}

/// Household numbers of the beneficiaries `wanted` says, where the registry has the
/// column (the worklists print them too).
pub(crate) fn households(df: &DataFrame, wanted: impl Fn(&str) -> bool) -> HashMap<&str, &str> {
    let (Ok(ids), Ok(house)) = (
        frame::text(df, "beneficiary_id"),
        frame::text(df, "household_id"),
    ) else {
        return HashMap::new();
    };
    ids.into_iter()
        .zip(house)
        .filter_map(|(id, h)| Some((id?, h?)))
        .filter(|(id, _)| wanted(id))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::clip;

    #[test]
    fn evidence_is_cut_at_characters_not_bytes() {
        assert_eq!(clip("张三李四", 2), "张三…");
        assert_eq!(clip("张三", 2), "张三");
    }
}
