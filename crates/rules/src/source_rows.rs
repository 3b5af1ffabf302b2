//! Fingerprints of the source rows findings name (代发记录, 分配单, and a project's 拨付记录),
//! kept night to night in the case ledger.
//!
//! A lead that vanishes because its bank rows were deleted looks, in the findings alone,
//! exactly like one that was put right — and deleting or back-dating source rows is how
//! a scheme is covered up. So every night the ledger keeps, for each finding, a hash of
//! each row it named and the row in words as it was; the next night compares them with
//! the data ([`crate::source_changed`]): a row gone or edited is a finding itself.

use std::collections::{HashMap, HashSet};

use polars::prelude::*;

use crate::context::Context;
use crate::money::split;
use fundaudit_core::cells::{fmt_day, fmt_yuan};
use fundaudit_core::findings::cols;
use fundaudit_core::findings::scored;
use fundaudit_core::frame;
use fundaudit_core::privacy::mask_code;

/// A payment or an allocation.
pub const PAYMENT: &str = "payment";
pub const ALLOCATION: &str = "allocation";

/// One source row one finding named, as it was the night the finding was raised.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceRow {
    /// The finding that named the row tonight.
    pub finding_id: String,
    /// The finding the row was first named by (a DATA_SOURCE_CHANGED finding carries the
    /// rows of the finding they vanished from).
    pub origin: String,
    /// The origin's rule, for the evidence.
    pub origin_rule: String,
    /// [`PAYMENT`] or [`ALLOCATION`].
    pub kind: String,
    pub row_id: String,
    pub hash: String,
    /// The row in words (`代发记录P1（2025-06-20，620.00元，收款人张三，账户****1234）`).
    pub as_was: String,
    pub amount_fen: i64,
}

/// A row's fingerprint tonight.
#[derive(Debug, Clone, PartialEq)]
pub struct Print {
    pub hash: String,
    pub as_was: String,
    pub amount_fen: i64,
}

/// Tonight's fingerprints of the rows asked for, by (kind, id).
#[derive(Debug, Default)]
pub struct Index {
    rows: HashMap<(String, String), Print>,
}

impl Index {
    pub fn get(&self, kind: &str, id: &str) -> Option<&Print> {
        self.rows.get(&(kind.to_string(), id.to_string()))
    }

    /// Fingerprints of the `wanted` rows as the data holds them tonight (a row missing
    /// from the data is missing here). Only the rows asked for are hashed: a province has
    /// hundreds of millions, the findings name thousands.
    pub fn of(ctx: &Context, wanted: &HashSet<(String, String)>) -> PolarsResult<Index> {
        let mut index = Index::default();
        let want = |kind: &str| -> HashSet<&str> {
            wanted
                .iter()
                .filter(|(k, _)| k == kind)
                .map(|(_, id)| id.as_str())
                .collect()
        };
        let payments = want(PAYMENT);
        if !payments.is_empty() {
            // Findings name thousands of rows out of millions: the other columns are read
            // for those alone (every column of a million rows as text took a third of a
            // second a night), here and for the allocations below.
            let l = frame::rows_where(&ctx.linked, "payment_id", |id| payments.contains(id))?;
            let ids = frame::text(&l, "payment_id")?;
            let alloc = frame::text(&l, "allocation_id")?;
            let ben = frame::text(&l, "beneficiary_id")?;
            let payee = frame::text(&l, "payee_name")?;
            let account = frame::text(&l, "payee_account")?;
            let amount = frame::int(&l, "amount_fen")?;
            let paid = frame::day(&l, "paid_date")?;
            for i in 0..l.height() {
                let Some(id) = ids[i] else { continue };
                let fen = amount[i].unwrap_or(0);
                let day = paid[i].map(fmt_day).unwrap_or_default();
                let fields = [
                    id,
                    alloc[i].unwrap_or(""),
                    ben[i].unwrap_or(""),
                    payee[i].unwrap_or(""),
                    account[i].unwrap_or(""),
                    &fen.to_string(),
                    &day,
                ];
                index.rows.insert(
                    (PAYMENT.to_string(), id.to_string()),
                    Print {
                        hash: hash(&fields),
                        as_was: format!(
                            "代发记录{id}（{day}，{}元，收款人{}，账户{}）",
                            fmt_yuan(fen),
                            payee[i].unwrap_or(""),
                            mask_code(account[i].unwrap_or(""))
                        ),
                        amount_fen: fen,
                    },
                );
            }
        }
        // Project money a project finding named (拨付记录; see `crate::project`): held
        // night to night like the bank's rows.
        if !payments.is_empty() {
            if let Some(book) = ctx.projects()? {
                for k in book
                    .payments
                    .iter()
                    .filter(|k| payments.contains(k.id.as_str()))
                {
                    let key = (PAYMENT.to_string(), k.id.clone());
                    if index.rows.contains_key(&key) {
                        continue; // a bank row of the same id came first
                    }
                    let (fen, day) = (k.amount_fen, fmt_day(k.paid));
                    let fields = [
                        k.id.as_str(),
                        k.project.as_str(),
                        k.payee.as_str(),
                        k.account.as_str(),
                        &fen.to_string(),
                        &day,
                    ];
                    let print = Print {
                        hash: hash(&fields),
                        as_was: format!(
                            "项目拨付{}（项目{}，{day}，{}元，收款人{}，账户{}）",
                            k.id,
                            k.project,
                            fmt_yuan(fen),
                            k.payee,
                            mask_code(&k.account)
                        ),
                        amount_fen: fen,
                    };
                    index.rows.insert(key, print);
                }
            }
        }
        let allocations = want(ALLOCATION);
        if !allocations.is_empty() {
            let a = frame::rows_where(&ctx.ledgers.allocations, "allocation_id", |id| {
                allocations.contains(id)
            })?;
            let ids = frame::text(&a, "allocation_id")?;
            let ben = frame::text(&a, "beneficiary_id")?;
            let program = frame::text(&a, "program")?;
            let period = frame::text(&a, "period")?;
            let amount = frame::int(&a, "amount_fen")?;
            let received = frame::day(&a, "funds_received_date")?;
            for i in 0..a.height() {
                let Some(id) = ids[i] else { continue };
                let fen = amount[i].unwrap_or(0);
                let fields = [
                    id,
                    ben[i].unwrap_or(""),
                    program[i].unwrap_or(""),
                    period[i].unwrap_or(""),
                    &fen.to_string(),
                    &received[i].map(fmt_day).unwrap_or_default(),
                ];
                index.rows.insert(
                    (ALLOCATION.to_string(), id.to_string()),
                    Print {
                        hash: hash(&fields),
                        as_was: format!(
                            "分配单{id}（{}{}，{}，应发{}元）",
                            program[i].unwrap_or(""),
                            period[i].unwrap_or(""),
                            ben[i].unwrap_or(""),
                            fmt_yuan(fen)
                        ),
                        amount_fen: fen,
                    },
                );
            }
        }
        Ok(index)
    }
}

/// The rows findings name, as (kind, id), with the rows of earlier findings to compare:
/// what [`Index::of`] is asked for.
pub fn wanted(
    findings: &DataFrame,
    previous: &[SourceRow],
) -> PolarsResult<HashSet<(String, String)>> {
    let mut out: HashSet<(String, String)> = previous
        .iter()
        .map(|r| (r.kind.clone(), r.row_id.clone()))
        .collect();
    for (col, kind) in [
        (cols::PAYMENT_IDS, PAYMENT),
        (cols::ALLOCATION_IDS, ALLOCATION),
    ] {
        for ids in frame::text(findings, col)? {
            out.extend(split(ids).map(|id| (kind.to_string(), id.to_string())));
        }
    }
    Ok(out)
}

/// The rows to keep for tonight's findings: each finding's rows as the data holds them
/// now; a DATA_SOURCE_CHANGED finding keeps the rows as they were (so it stays open, one
/// finding night after night, until the rows come back or an officer decides).
pub fn of_findings(
    findings: &DataFrame,
    index: &Index,
    previous: &[SourceRow],
) -> PolarsResult<Vec<SourceRow>> {
    let ids = frame::text(findings, scored::FINDING_ID)?;
    let rules = frame::text(findings, cols::RULE)?;
    let pays = frame::text(findings, cols::PAYMENT_IDS)?;
    let allocs = frame::text(findings, cols::ALLOCATION_IDS)?;
    let refs = frame::text(findings, cols::REFS)?;
    let mut by_origin: HashMap<&str, Vec<&SourceRow>> = HashMap::new();
    for r in previous {
        by_origin.entry(r.origin.as_str()).or_default().push(r);
    }
    let changed_rule = fundaudit_core::findings::Rule::DataSourceChanged.code();
    let mut out = Vec::new();
    for i in 0..findings.height() {
        let id = ids[i].unwrap_or("");
        let rule = rules[i].unwrap_or("");
        if rule == changed_rule {
            for origin in split(refs[i]).filter_map(|r| r.strip_prefix("finding:")) {
                for r in by_origin.get(origin).into_iter().flatten() {
                    if index.get(&r.kind, &r.row_id).map(|p| &p.hash) != Some(&r.hash) {
                        out.push(SourceRow {
                            finding_id: id.to_string(),
                            ..(*r).clone()
                        });
                    }
                }
            }
            continue;
        }
        for (kind, list) in [(PAYMENT, pays[i]), (ALLOCATION, allocs[i])] {
            for row in split(list) {
                if let Some(p) = index.get(kind, row) {
                    out.push(SourceRow {
                        finding_id: id.to_string(),
                        origin: id.to_string(),
                        origin_rule: rule.to_string(),
                        kind: kind.to_string(),
                        row_id: row.to_string(),
                        hash: p.hash.clone(),
                        as_was: p.as_was.clone(),
                        amount_fen: p.amount_fen,
                    });
                }
            }
        }
    }
    Ok(out)
}

/// SHA-256 over the fields, each length-prefixed, first 24 hex digits.
fn hash(fields: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for f in fields {
        h.update((f.len() as u64).to_le_bytes());
        h.update(f.as_bytes());
    }
    fundaudit_core::safe_fs::hex(&h.finalize()[..12])
}
