//! The project book: each project of 涉农项目资金 as approved (项目批复), contracted (合同),
//! paid (拨付) and accepted (验收), read once per run from the project ledgers. Every
//! project rule reads it; the workbook's project sheet and the web report's projects view
//! print it.

use std::collections::HashMap;

use polars::prelude::*;

use fundaudit_core::cells::Day;
use fundaudit_core::frame;
use fundaudit_input::inputs::ProjectLedgers;
use fundaudit_input::LINE;

/// What a finding names a project's program as when the approval gives no 资金类别.
pub const PROJECT_FUNDS: &str = "涉农项目资金";

/// One approved project, with the rows of the other ledgers that name it.
#[derive(Debug, Clone, Default)]
pub struct Project {
    pub id: String,
    pub name: String,
    pub township: String,
    pub village: String,
    pub content: String,
    /// 建设规模 in hundredths of its unit.
    pub scale: Option<i64>,
    pub approved_fen: i64,
    pub approved: Day,
    pub funds_received: Option<Day>,
    pub planned_start: Option<Day>,
    /// 变更批复 on file: a contract's other site or content is approved.
    pub change_approval: String,
    pub fund: String,
    /// Indexes into [`Book::contracts`], by signing date.
    pub contracts: Vec<usize>,
    /// Indexes into [`Book::payments`], by date then id.
    pub payments: Vec<usize>,
    /// The first acceptance that passed.
    pub accepted: Option<Day>,
    /// Acceptances on file that did not pass (不合格, 未通过).
    pub failed_acceptances: usize,
}

impl Project {
    /// The program a finding about this project names: its fund, else [`PROJECT_FUNDS`].
    pub fn program(&self) -> &str {
        if self.fund.is_empty() {
            PROJECT_FUNDS
        } else {
            &self.fund
        }
    }

    /// `XM2025-001（东岗村道路硬化）`.
    pub fn label(&self) -> String {
        format!("{}（{}）", self.id, self.name)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Contract {
    pub id: String,
    pub project: String,
    pub contractor: String,
    /// The contractor as compared ([`contractor_key`]), worked out once.
    pub key: String,
    pub account: String,
    pub amount_fen: i64,
    pub method: String,
    pub tender: Option<Day>,
    pub signed: Day,
    pub bids: String,
    pub village: String,
    pub content: String,
    pub scale: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct Payment {
    pub id: String,
    pub project: String,
    pub payee: String,
    pub account: String,
    pub amount_fen: i64,
    pub paid: Day,
    pub purpose: String,
}

/// A person behind a contractor (法定代表人, 股东), from the enterprise register.
#[derive(Debug, Clone, Default)]
pub struct Holder {
    pub contractor: String,
    /// The contractor as compared ([`contractor_key`]), worked out once.
    pub key: String,
    pub name: String,
    pub id_number: String,
    pub role: String,
    pub account: String,
    /// The row in the register as the user sees it.
    pub line: i64,
}

/// The project ledgers, joined by project id.
#[derive(Debug, Clone, Default)]
pub struct Book {
    pub projects: Vec<Project>,
    pub contracts: Vec<Contract>,
    pub payments: Vec<Payment>,
    pub holders: Vec<Holder>,
    /// Project by id.
    pub by_id: HashMap<String, usize>,
    /// The enterprise register's rows by contractor ([`contractor_key`]).
    pub holders_of: HashMap<String, Vec<usize>>,
    /// Payments naming a project the approvals lack (PRJ_OVER_APPROVED's: nothing was
    /// approved). A contract naming one is still read by the tender and contractor rules.
    pub unknown_payments: Vec<usize>,
    /// Which ledgers were delivered: a rule that needs one absent does not run.
    pub has_projects: bool,
    pub has_contracts: bool,
    pub has_payments: bool,
    pub has_acceptances: bool,
    pub has_holders: bool,
}

impl Book {
    /// The project book of the run; None when no project ledger was delivered.
    pub fn of(l: &ProjectLedgers) -> PolarsResult<Option<Book>> {
        if !l.any() {
            return Ok(None);
        }
        let mut book = Book {
            has_projects: l.projects.is_some(),
            has_contracts: l.contracts.is_some(),
            has_payments: l.payments.is_some(),
            has_acceptances: l.acceptances.is_some(),
            has_holders: l.contractors.is_some(),
            ..Book::default()
        };
        if let Some(df) = &l.projects {
            book.projects = projects(df)?;
        }
        book.by_id = book
            .projects
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.clone(), i))
            .collect();
        if let Some(df) = &l.contracts {
            book.contracts = contracts(df)?;
        }
        if let Some(df) = &l.payments {
            book.payments = payments(df)?;
        }
        if let Some(df) = &l.contractors {
            book.holders = holders(df)?;
        }
        for (i, h) in book.holders.iter().enumerate() {
            book.holders_of.entry(h.key.clone()).or_default().push(i);
        }
        let mut order: Vec<usize> = (0..book.contracts.len()).collect();
        order.sort_by(|&a, &b| {
            let (x, y) = (&book.contracts[a], &book.contracts[b]);
            (x.signed, &x.id).cmp(&(y.signed, &y.id))
        });
        for c in order {
            if let Some(&p) = book.by_id.get(&book.contracts[c].project) {
                book.projects[p].contracts.push(c);
            }
        }
        let mut order: Vec<usize> = (0..book.payments.len()).collect();
        order.sort_by(|&a, &b| {
            let (x, y) = (&book.payments[a], &book.payments[b]);
            (x.paid, &x.id).cmp(&(y.paid, &y.id))
        });
        for k in order {
            match book.by_id.get(&book.payments[k].project) {
                Some(&p) => book.projects[p].payments.push(k),
                None => book.unknown_payments.push(k),
            }
        }
        if let Some(df) = &l.acceptances {
            let ids = frame::text(df, "project_id")?;
            let days = frame::day(df, "accepted_date")?;
            let results = frame::text(df, "result")?;
            for i in 0..df.height() {
                let (Some(id), Some(day)) = (ids[i], days[i]) else {
                    continue;
                };
                let Some(&p) = book.by_id.get(id.trim()) else {
                    continue;
                };
                let p = &mut book.projects[p];
                if passed(results[i].unwrap_or("")) {
                    p.accepted = Some(p.accepted.map_or(day, |d| d.min(day)));
                } else {
                    p.failed_acceptances += 1;
                }
            }
        }
        Ok(Some(book))
    }

    /// The project a row names.
    pub fn project(&self, id: &str) -> Option<&Project> {
        self.by_id.get(id).map(|&i| &self.projects[i])
    }

    /// The contracts of a project.
    pub fn contracts_of<'a>(&'a self, p: &'a Project) -> impl Iterator<Item = &'a Contract> {
        p.contracts.iter().map(|&c| &self.contracts[c])
    }

    /// The payments of a project, by date.
    pub fn payments_of<'a>(&'a self, p: &'a Project) -> impl Iterator<Item = &'a Payment> {
        p.payments.iter().map(|&k| &self.payments[k])
    }

    /// The works contracts of a project: its contracts but the services around the works
    /// (监理, 设计 …, see [`super::is_service`]). A project whose works were never
    /// contracted has none, however many services were.
    pub fn works_of<'a>(&'a self, p: &'a Project) -> impl Iterator<Item = &'a Contract> {
        self.contracts_of(p)
            .filter(|c| !super::is_service(&c.content))
    }

    /// What may be paid for a project: its contracts' sum where the works were contracted
    /// below the approval, else the approval.
    pub fn cap_fen(&self, p: &Project) -> i64 {
        let contracted = self.contracted_fen(p);
        if self.works_of(p).next().is_some() && contracted < p.approved_fen {
            contracted
        } else {
            p.approved_fen
        }
    }

    /// What a project was contracted for in all (0 without a contract).
    pub fn contracted_fen(&self, p: &Project) -> i64 {
        self.contracts_of(p).map(|c| c.amount_fen).sum()
    }

    /// What a project was paid in all.
    pub fn paid_fen(&self, p: &Project) -> i64 {
        self.payments_of(p).map(|k| k.amount_fen).sum()
    }
}

/// Whether an acceptance's result is a pass: blank (the row is the acceptance) or any
/// result that does not say it failed.
fn passed(result: &str) -> bool {
    let r = result.trim();
    !["不合格", "未通过", "不通过", "整改", "否"]
        .iter()
        .any(|w| r.contains(w))
}

fn owned(v: Option<&str>) -> String {
    v.unwrap_or("").trim().to_string()
}

fn projects(df: &DataFrame) -> PolarsResult<Vec<Project>> {
    let id = frame::text(df, "project_id")?;
    let name = frame::text(df, "project_name")?;
    let opt_text = |c: &str| frame::text_or_none(df, c);
    let (township, village, content, change, fund) = (
        opt_text("township"),
        opt_text("village"),
        opt_text("content"),
        opt_text("change_approval"),
        opt_text("fund"),
    );
    let scale = frame::int_or_none(df, "scale_fen");
    let amount = frame::int(df, "approved_amount_fen")?;
    let approved = frame::day(df, "approved_date")?;
    let (received, start) = (
        frame::day_or_none(df, "funds_received_date"),
        frame::day_or_none(df, "planned_start"),
    );
    Ok((0..df.height())
        .map(|i| Project {
            id: owned(id[i]),
            name: owned(name[i]),
            township: owned(township[i]),
            village: owned(village[i]),
            content: owned(content[i]),
            scale: scale[i],
            approved_fen: amount[i].unwrap_or(0),
            approved: approved[i].unwrap_or(0),
            funds_received: received[i],
            planned_start: start[i],
            change_approval: owned(change[i]),
            fund: owned(fund[i]),
            ..Project::default()
        })
        .collect())
}

fn contracts(df: &DataFrame) -> PolarsResult<Vec<Contract>> {
    let n = df.height();
    let opt_text = |c: &str| frame::text_or_none(df, c);
    let (id, project, contractor) = (
        frame::text(df, "contract_id")?,
        frame::text(df, "project_id")?,
        frame::text(df, "contractor")?,
    );
    let (account, method, bids, village, content) = (
        opt_text("contractor_account"),
        opt_text("tender_method"),
        opt_text("bid_count"),
        opt_text("village"),
        opt_text("content"),
    );
    let amount = frame::int(df, "contract_amount_fen")?;
    let signed = frame::day(df, "signed_date")?;
    let tender = frame::day_or_none(df, "tender_date");
    let scale = frame::int_or_none(df, "scale_fen");
    Ok((0..n)
        .map(|i| Contract {
            id: owned(id[i]),
            project: owned(project[i]),
            contractor: owned(contractor[i]),
            key: contractor_key(contractor[i].unwrap_or("")),
            account: owned(account[i]),
            amount_fen: amount[i].unwrap_or(0),
            method: owned(method[i]),
            tender: tender[i],
            signed: signed[i].unwrap_or(0),
            bids: owned(bids[i]),
            village: owned(village[i]),
            content: owned(content[i]),
            scale: scale[i],
        })
        .collect())
}

fn payments(df: &DataFrame) -> PolarsResult<Vec<Payment>> {
    let n = df.height();
    let opt_text = |c: &str| frame::text_or_none(df, c);
    let (id, project, account) = (
        frame::text(df, "payment_id")?,
        frame::text(df, "project_id")?,
        frame::text(df, "payee_account")?,
    );
    let (payee, purpose) = (opt_text("payee_name"), opt_text("purpose"));
    let amount = frame::int(df, "amount_fen")?;
    let paid = frame::day(df, "paid_date")?;
    Ok((0..n)
        .map(|i| Payment {
            id: owned(id[i]),
            project: owned(project[i]),
            payee: owned(payee[i]),
            account: owned(account[i]),
            amount_fen: amount[i].unwrap_or(0),
            paid: paid[i].unwrap_or(0),
            purpose: owned(purpose[i]),
        })
        .collect())
}

fn holders(df: &DataFrame) -> PolarsResult<Vec<Holder>> {
    let n = df.height();
    let opt_text = |c: &str| frame::text_or_none(df, c);
    let (contractor, name) = (frame::text(df, "contractor")?, frame::text(df, "name")?);
    let (id, role, account) = (opt_text("id_number"), opt_text("role"), opt_text("account"));
    let line = frame::int(df, LINE)?;
    Ok((0..n)
        .map(|i| Holder {
            contractor: owned(contractor[i]),
            key: contractor_key(contractor[i].unwrap_or("")),
            name: owned(name[i]),
            id_number: fundaudit_identity::idcard::normalize_id(id[i].unwrap_or("")),
            role: owned(role[i]),
            account: owned(account[i]),
            line: line[i].unwrap_or(0),
        })
        .collect())
}

/// A contractor's name as compared: spaces and brackets' width folded
/// (`某某建筑工程有限公司` and `某某建筑工程有限公司 ` are one).
pub fn contractor_key(name: &str) -> String {
    fundaudit_core::cells::half_width(name)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// A village's name as compared: `东岗村委会`, `东岗村村委会` and `东岗村` are one.
pub fn village_key(name: &str) -> String {
    let s: String = name.chars().filter(|c| !c.is_whitespace()).collect();
    for suffix in ["村民委员会", "村委会"] {
        if let Some(t) = s.strip_suffix(suffix) {
            return if t.ends_with('村') {
                t.to_string()
            } else {
                format!("{t}村")
            };
        }
    }
    s
}
