//! Money at risk counted once (资金只计一次): the figure an officer quotes.
//!
//! Rules look at the same payments from several sides: three people's subsidies paid to
//! one card are three payee mismatches and one shared account; a duplicate payment to a
//! stranger is a duplicate and a ghost. Adding the findings' amounts counts that money
//! two or three times (the sample county's headline was 18% too high so). Every total
//! the reports show — header, categories, townships, cases, summary.json — comes from
//! [`distinct`]: each payment (or unpaid allocation) counts once, at the largest share
//! any finding gives it. The per-rule sums stay, labelled as such: they overlap.
//!
//! A finding's amount is not always its payments' sum: a duplicate's is the extra money,
//! a short payment's the money missing. A finding whose amount is less than its payments
//! is placed first on money other findings already hold (one extra 477.00 payment that
//! is also unallocated is 477.00 at risk, not 715.50), then on the rest. Money not paid
//! (DELAY_UNPAID, PARTIAL_SHORT's shortfall) is its own item per allocation: it is not
//! part of any payment.
//!
//! Each item belongs to one township — a payment's own (its allocation's, else its
//! beneficiary's) — so a finding that spans townships is split among them and the
//! township totals add up to the header.

use std::collections::BTreeMap;

use rustc_hash::{FxHashMap, FxHashSet};

use polars::prelude::*;

use crate::context::Context;
use fundaudit_core::findings::scored;
use fundaudit_core::findings::{cols, Rule, UNKNOWN_TOWNSHIP};
use fundaudit_core::frame;

/// A payment a finding names: where it went, how much, and whose township it is. Its
/// text is held inline (a card number, a name, a township and a program each fit in 24
/// bytes): a province's findings name millions of payments, and four heap strings each
/// were a third of the memory the cases were grouped in.
#[derive(Debug, Clone, Default)]
pub struct Paid {
    pub account: Text,
    pub payee: Text,
    pub amount_fen: i64,
    pub township: Text,
    pub paid: Option<fundaudit_core::cells::Day>,
    pub program: Text,
}

/// Short text held inline, as the registry's (see [`Paid`]).
pub use fundaudit_identity::entry::Text;

/// The payments findings name, by payment id.
pub type Paids = FxHashMap<Text, Paid>;

/// The payments the findings name (not every payment of the county: a province has
/// hundreds of millions, the findings a few thousand).
pub fn named_payments(ctx: &Context, findings: &DataFrame) -> PolarsResult<Paids> {
    let named = frame::text(findings, cols::PAYMENT_IDS)?;
    let wanted: FxHashSet<&str> = named.iter().flat_map(|ids| split(*ids)).collect();
    let l = &ctx.linked;
    let ids = frame::text(l, "payment_id")?;
    let rows: Vec<(usize, &str)> = ids
        .iter()
        .enumerate()
        .filter_map(|(i, id)| id.filter(|id| wanted.contains(id)).map(|id| (i, id)))
        .collect();
    let mut out = Paids::with_capacity_and_hasher(rows.len(), Default::default());
    project_payments(ctx, &wanted, &mut out)?;
    if rows.is_empty() {
        return Ok(out);
    }
    let accounts = frame::text(l, "payee_account")?;
    let payees = frame::text(l, "payee_name")?;
    let amounts = frame::int(l, "amount_fen")?;
    let towns = frame::text(l, "township")?;
    let dates = frame::day(l, "paid_date")?;
    let programs = frame::text(l, "program")?;
    for (i, id) in rows {
        out.insert(
            id.into(),
            Paid {
                account: accounts[i].unwrap_or("").into(),
                payee: payees[i].unwrap_or("").into(),
                amount_fen: amounts[i].unwrap_or(0),
                township: towns[i].unwrap_or("").into(),
                paid: dates[i],
                program: programs[i].unwrap_or("").into(),
            },
        );
    }
    Ok(out)
}

/// The project payments findings name (see [`crate::project`]): their money is counted
/// once like a subsidy's, under the project's township.
fn project_payments(ctx: &Context, wanted: &FxHashSet<&str>, out: &mut Paids) -> PolarsResult<()> {
    let Some(book) = ctx.projects()? else {
        return Ok(());
    };
    let mut add = |k: &crate::project::book::Payment, township: &str, program: &str| {
        if wanted.contains(k.id.as_str()) {
            let paid = Paid {
                account: k.account.as_str().into(),
                payee: k.payee.as_str().into(),
                amount_fen: k.amount_fen,
                township: township.into(),
                paid: Some(k.paid),
                program: program.into(),
            };
            out.insert(k.id.as_str().into(), paid);
        }
    };
    for p in &book.projects {
        for k in book.payments_of(p) {
            add(k, &p.township, p.program());
        }
    }
    for &k in &book.unknown_payments {
        add(&book.payments[k], "", crate::project::book::PROJECT_FUNDS);
    }
    Ok(())
}

pub fn split(ids: Option<&str>) -> impl Iterator<Item = &str> {
    ids.unwrap_or("").split(';').filter(|s| !s.is_empty())
}

/// One township's name as every report prints it: blank or missing is
/// [`UNKNOWN_TOWNSHIP`].
pub fn township_label(t: Option<&str>) -> &str {
    match t.map(str::trim) {
        Some(t) if !t.is_empty() => t,
        _ => UNKNOWN_TOWNSHIP,
    }
}

/// Findings whose amount is money not paid (owed and missing), not part of a payment:
/// the unpaid rules, and the short side of the two that go either way (less paid than
/// posted, less allocated than the basis gives).
fn is_unpaid(rule: &str, category: &str) -> bool {
    rule == Rule::DelayUnpaid.code()
        || rule == Rule::PartialShort.code()
        || rule == Rule::DataIncomplete.code()
        || ((rule == Rule::PubAmountDiffers.code() || rule == Rule::AmountBasis.code())
            && category == fundaudit_core::findings::Category::Partial.code())
}

/// The findings columns money reads.
pub struct Claims<'a> {
    rule: Vec<Option<&'a str>>,
    category: Vec<Option<&'a str>>,
    township: Vec<Option<&'a str>>,
    allocation_ids: Vec<Option<&'a str>>,
    payment_ids: Vec<Option<&'a str>>,
    amount_fen: Vec<i64>,
}

impl<'a> Claims<'a> {
    pub fn new(df: &'a DataFrame) -> PolarsResult<Claims<'a>> {
        let amount = df
            .column(scored::AMOUNT_AT_RISK)?
            .cast(&DataType::Float64)?;
        Ok(Claims {
            rule: frame::text(df, cols::RULE)?,
            category: frame::text(df, cols::CATEGORY)?,
            township: frame::text(df, cols::TOWNSHIP)?,
            allocation_ids: frame::text(df, cols::ALLOCATION_IDS)?,
            payment_ids: frame::text(df, cols::PAYMENT_IDS)?,
            amount_fen: amount
                .f64()?
                .iter()
                .map(|v| fundaudit_core::cells::fen_of_yuan(v.unwrap_or(0.0)))
                .collect(),
        })
    }

    pub fn len(&self) -> usize {
        self.rule.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rule.is_empty()
    }
}

/// Money of a set of findings, each item counted once.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Money {
    pub total_fen: i64,
    /// Each item under its own township: these add up to `total_fen`.
    pub by_township: BTreeMap<String, i64>,
    /// Each item under the category of the finding that gave it its largest share: these
    /// add up to `total_fen` too.
    pub by_category: BTreeMap<String, i64>,
    /// Each township's money under each category (township → category → fen).
    pub by_township_category: BTreeMap<String, BTreeMap<String, i64>>,
    /// Per finding row: the townships its money was placed in, with how much (money it
    /// shares with other findings included). A finding with two or more spans townships.
    pub of_row: BTreeMap<usize, BTreeMap<String, i64>>,
}

/// One thing money is at risk on: a payment, an allocation's missing money, or (for a
/// finding naming neither) the finding itself.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum ItemKey<'a> {
    Payment(&'a str),
    Owed(&'a str),
    Finding(usize),
}

/// What an item holds. Its texts are borrowed from the claims and payments: a night
/// places tens of thousands of findings on as many payments.
#[derive(Default)]
struct Item<'a> {
    capacity: i64,
    claimed: i64,
    township: &'a str,
    /// The largest share a finding gave it, and that finding's category.
    best: (i64, &'a str),
}

impl<'a> Item<'a> {
    fn credit(&mut self, share: i64, category: &'a str) {
        if share > self.best.0 || self.best.1.is_empty() {
            self.best = (share, category);
        }
    }
}

/// The money of the findings at `rows`, each payment and each unpaid allocation counted
/// once (see the module's comment for how a finding is placed).
pub fn distinct(claims: &Claims, rows: &[usize], paids: &Paids) -> Money {
    let payments_of = |r: usize| -> Vec<(&str, &Paid)> {
        split(claims.payment_ids[r])
            .filter_map(|id| paids.get(id).map(|p| (id, p)))
            .collect()
    };
    // Whole claims first (a payment named for all its money), then the larger partial
    // ones: a partial claim then lands on money a whole one already holds.
    let mut order: Vec<(bool, i64, usize)> = rows
        .iter()
        .map(|&r| {
            let amount = claims.amount_fen[r];
            let cap: i64 = payments_of(r).iter().map(|p| p.1.amount_fen).sum();
            let unpaid = is_unpaid(
                claims.rule[r].unwrap_or(""),
                claims.category[r].unwrap_or(""),
            );
            let whole = unpaid || cap == 0 || amount >= cap;
            (!whole, -amount, r)
        })
        .collect();
    order.sort_unstable();
    let mut items: FxHashMap<ItemKey, Item> = Default::default();
    let mut money = Money::default();
    for (_, _, r) in order {
        let amount = claims.amount_fen[r].max(0);
        let category = claims.category[r].unwrap_or("");
        let own_town = township_label(claims.township[r]);
        let mut placed: BTreeMap<String, i64> = BTreeMap::new();
        let mut place = |town: &str, fen: i64| match placed.get_mut(town) {
            Some(f) => *f += fen,
            None => {
                placed.insert(town.to_string(), fen);
            }
        };
        let pays = payments_of(r);
        let rule = claims.rule[r].unwrap_or("");
        let mut remaining = amount;
        let unpaid = is_unpaid(rule, category);
        if !unpaid && !pays.is_empty() {
            // On money other findings hold first, then on the payments' free money.
            for pass in 0..2 {
                for (id, p) in &pays {
                    if remaining == 0 {
                        break;
                    }
                    let item = items.entry(ItemKey::Payment(id)).or_insert_with(|| Item {
                        capacity: p.amount_fen.max(0),
                        township: township_label(Some(&p.township)),
                        ..Item::default()
                    });
                    let take = if pass == 0 {
                        remaining.min(item.claimed)
                    } else {
                        let t = remaining.min(item.capacity - item.claimed).max(0);
                        item.claimed += t;
                        t
                    };
                    if take > 0 {
                        remaining -= take;
                        item.credit(take, category);
                        place(item.township, take);
                    }
                }
            }
        }
        if remaining > 0 {
            // Money not paid, or more than the payments named: one item per allocation
            // (two findings about one allocation's missing money are one sum), else the
            // finding's own.
            let allocations = claims.allocation_ids[r].unwrap_or("");
            let key = if unpaid && !allocations.is_empty() {
                ItemKey::Owed(allocations)
            } else {
                ItemKey::Finding(r)
            };
            let item = items.entry(key).or_insert_with(|| Item {
                township: own_town,
                ..Item::default()
            });
            item.claimed = item.claimed.max(remaining);
            item.capacity = item.claimed;
            item.credit(remaining, category);
            place(item.township, remaining);
        }
        money.of_row.insert(r, placed);
    }
    for item in items.values() {
        money.total_fen += item.claimed;
        *money
            .by_township
            .entry(item.township.to_string())
            .or_default() += item.claimed;
        *money
            .by_category
            .entry(item.best.1.to_string())
            .or_default() += item.claimed;
        *money
            .by_township_category
            .entry(item.township.to_string())
            .or_default()
            .entry(item.best.1.to_string())
            .or_default() += item.claimed;
    }
    money
}

/// `舒庄乡 5,000.00；黄寨镇 17,932.00` for a finding whose money spans townships (largest
/// first), empty for one in a single township.
pub fn describe_split(placed: &BTreeMap<String, i64>) -> String {
    if placed.len() < 2 {
        return String::new();
    }
    let mut v: Vec<(&String, &i64)> = placed.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    v.iter()
        .map(|(t, f)| format!("{} {}", t, fundaudit_core::cells::fmt_yuan(**f)))
        .collect::<Vec<_>>()
        .join("；")
}

/// The findings with `township_split` after `township`: for each finding whose money spans
/// townships, how much lies in each (see [`describe_split`]); a blank township is
/// [`UNKNOWN_TOWNSHIP`].
pub fn with_split_column(findings: DataFrame, money: &Money) -> PolarsResult<DataFrame> {
    let split: Vec<String> = (0..findings.height())
        .map(|r| money.of_row.get(&r).map(describe_split).unwrap_or_default())
        .collect();
    let towns: Vec<String> = frame::text(&findings, cols::TOWNSHIP)?
        .into_iter()
        .map(|t| township_label(t).to_string())
        .collect();
    let at = findings
        .get_column_names()
        .iter()
        .position(|c| c.as_str() == cols::TOWNSHIP)
        .map_or(findings.width(), |i| i + 1);
    let mut f = findings;
    f.with_column(Column::new(cols::TOWNSHIP.into(), towns))?;
    f.insert_column(at, Column::new(SPLIT.into(), split))?;
    Ok(f)
}

/// The column [`with_split_column`] adds.
pub const SPLIT: &str = "township_split";

/// The townships a finding's money lies in, read back from its `township` and
/// `township_split` cells (the split when there is one).
pub fn townships_of<'a>(township: Option<&'a str>, split: Option<&'a str>) -> Vec<&'a str> {
    let from_split: Vec<&str> = split
        .unwrap_or("")
        .split('；')
        .filter_map(|part| part.rsplit_once(' ').map(|(t, _)| t))
        .filter(|t| !t.is_empty())
        .collect();
    if from_split.is_empty() {
        vec![township_label(township)]
    } else {
        from_split
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paid(amount_fen: i64, township: &str) -> Paid {
        Paid {
            amount_fen,
            township: township.into(),
            ..Paid::default()
        }
    }

    fn findings(rows: &[(&str, &str, f64, &str, &str, &str)]) -> DataFrame {
        let col = |i: usize| -> Vec<String> {
            rows.iter()
                .map(|r| match i {
                    0 => r.0.to_string(),
                    1 => r.1.to_string(),
                    3 => r.3.to_string(),
                    4 => r.4.to_string(),
                    _ => r.5.to_string(),
                })
                .collect()
        };
        df!(
            cols::RULE => col(0),
            cols::CATEGORY => col(1),
            scored::AMOUNT_AT_RISK => rows.iter().map(|r| r.2).collect::<Vec<f64>>(),
            cols::PAYMENT_IDS => col(3),
            cols::ALLOCATION_IDS => col(4),
            cols::TOWNSHIP => col(5),
        )
        .unwrap()
    }

    #[test]
    fn a_payment_two_rules_name_counts_once() {
        // One extra payment of 477.00: a duplicate (its extra money is one of the two
        // payments) and a payment without an allocation (the second one, whole).
        let paids: Paids = [("P1", paid(47_700, "东镇")), ("P2", paid(47_700, "东镇"))]
            .into_iter()
            .map(|(k, v)| (k.into(), v))
            .collect();
        let df = findings(&[
            (
                "DUP_PERSON_PERIOD",
                "duplicate",
                477.0,
                "P1;P2",
                "A1;A2",
                "东镇",
            ),
            ("DIV_NO_ALLOCATION", "diverted", 477.0, "P2", "", "东镇"),
        ]);
        let c = Claims::new(&df).unwrap();
        let m = distinct(&c, &[0, 1], &paids);
        assert_eq!(m.total_fen, 47_700);
        assert_eq!(m.by_township["东镇"], 47_700);
        assert_eq!(m.by_category.values().sum::<i64>(), 47_700);
        // Each alone is its own amount.
        assert_eq!(distinct(&c, &[0], &paids).total_fen, 47_700);
    }

    #[test]
    fn a_shared_account_splits_among_its_peoples_townships() {
        let paids: Paids = [
            ("P1", paid(10_000, "舒庄乡")),
            ("P2", paid(20_000, "黄寨镇")),
            ("P3", paid(5_000, "")),
        ]
        .into_iter()
        .map(|(k, v)| (k.into(), v))
        .collect();
        let df = findings(&[
            (
                "DIV_SHARED_ACCOUNT",
                "diverted",
                350.0,
                "P1;P2;P3",
                "",
                "黄寨镇",
            ),
            (
                "DIV_PAYEE_MISMATCH",
                "diverted",
                200.0,
                "P2",
                "A2",
                "黄寨镇",
            ),
        ]);
        let c = Claims::new(&df).unwrap();
        let m = distinct(&c, &[0, 1], &paids);
        assert_eq!(m.total_fen, 35_000);
        assert_eq!(m.by_township["舒庄乡"], 10_000);
        assert_eq!(m.by_township["黄寨镇"], 20_000);
        assert_eq!(m.by_township[UNKNOWN_TOWNSHIP], 5_000);
        assert_eq!(m.by_township.values().sum::<i64>(), m.total_fen);
        assert_eq!(
            describe_split(&m.of_row[&0]),
            format!("黄寨镇 200.00；舒庄乡 100.00；{UNKNOWN_TOWNSHIP} 50.00")
        );
    }

    #[test]
    fn money_not_paid_is_apart_from_the_payments() {
        let paids: Paids = [("P1", paid(30_000, "东镇"))]
            .into_iter()
            .map(|(k, v)| (k.into(), v))
            .collect();
        // 300 paid late on an allocation of 425, short by 125: both are at risk.
        let df = findings(&[
            ("DELAY_LATE", "delayed", 300.0, "P1", "A1", "东镇"),
            ("PARTIAL_SHORT", "partial", 125.0, "P1", "A1", "东镇"),
            ("DELAY_UNPAID", "delayed", 80.0, "", "A9", ""),
        ]);
        let c = Claims::new(&df).unwrap();
        let m = distinct(&c, &[0, 1, 2], &paids);
        assert_eq!(m.total_fen, 30_000 + 12_500 + 8_000);
        assert_eq!(m.by_category["delayed"], 38_000);
        assert_eq!(m.by_category["partial"], 12_500);
    }
}
