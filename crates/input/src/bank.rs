//! What a bank's 代发 rows mean for the money. A bank retries failed transfers, so a failed
//! attempt and its successful retry are both rows; a transfer can come back after success
//! (退票); a wrong one is undone by a reversal row (冲正, usually a negative amount). Read
//! as "rows = money paid", retries become duplicate payments and money that never left
//! counts as paid. So, before any rule sees the payments:
//!
//! - failed attempts are not money paid (an allocation whose every attempt failed is
//!   unpaid, and late once past due; a failure followed by a successful retry is clean);
//! - a returned transfer is not money paid; a 退票 row that follows the successful row it
//!   returns takes that row with it, so the allocation reopens;
//! - a reversal nets against the payment it reverses: the latest earlier paid row with the
//!   same allocation (or, without one, the same account) and the same amount; a reversal
//!   that matches nothing is rejected, since it cannot be placed.
//!
//! Status values are recognised by the words banks use (成功, 失败, 退票, 冲正 …) and by the
//! config's `[status]` table; any other value is rejected with a pointer to that table.

use std::collections::{BTreeMap, HashMap};

use polars::prelude::*;

use super::stack::SOURCE;
use crate::loaded::{Reject, LINE};
use fundaudit_core::error::Result;
use fundaudit_core::frame;
use fundaudit_core::spec::Outcome;

/// A status as a bank writes it; None when unknown. The config's table comes first.
pub fn outcome_of_status(raw: &str, config: &BTreeMap<String, String>) -> Option<Outcome> {
    let folded = crate::headers::fold(raw);
    if let Some(o) = config
        .iter()
        .find(|(k, _)| crate::headers::fold(k) == folded)
        .and_then(|(_, v)| Outcome::parse_code(v))
    {
        return Some(o);
    }
    let has = |words: &[&str]| words.iter().any(|w| folded.contains(w));
    // Order matters: 未到账 is a failure though it contains 到账; 退票失败 is a failure.
    if has(&[
        "未到账",
        "未入账",
        "未支付",
        "未发放",
        "失败",
        "不符",
        "不存在",
        "冻结",
        "销户",
        "错误",
        "拒",
    ]) || ["fail", "failed", "f", "rejected", "error"].contains(&folded.as_str())
    {
        return Some(Outcome::Failed);
    }
    if has(&["冲正", "冲销", "红冲", "撤销"]) || ["reversed", "reversal"].contains(&folded.as_str())
    {
        return Some(Outcome::Reversed);
    }
    if has(&["退票", "退回", "退汇", "退款"]) || ["returned", "refund"].contains(&folded.as_str())
    {
        return Some(Outcome::Returned);
    }
    if has(&["成功", "已支付", "到账", "入账", "已发放", "正常", "已代发"])
        || ["success", "succeeded", "ok", "s", "paid"].contains(&folded.as_str())
    {
        return Some(Outcome::Paid);
    }
    None
}

/// What settling the transfers did, for the summary.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Settled {
    pub failed: usize,
    pub failed_fen: i64,
    pub returned: usize,
    pub returned_fen: i64,
    /// Reversal rows netted, each taking one payment with it.
    pub reversals: usize,
    pub reversed_fen: i64,
}

impl Settled {
    /// Both counts together: a stage settles its payments a part at a time.
    pub fn add(&mut self, other: &Settled) {
        self.failed += other.failed;
        self.failed_fen += other.failed_fen;
        self.returned += other.returned;
        self.returned_fen += other.returned_fen;
        self.reversals += other.reversals;
        self.reversed_fen += other.reversed_fen;
    }

    pub fn is_empty(&self) -> bool {
        *self == Settled::default()
    }

    /// One line for the summary.
    pub fn describe(&self) -> String {
        let y = fundaudit_core::cells::fmt_yuan;
        format!(
            "bank transfers: {} failed ({} yuan) and {} returned ({} yuan) are not money paid; {} reversals netted against the payments they undo ({} yuan)",
            self.failed,
            y(self.failed_fen),
            self.returned,
            y(self.returned_fen),
            self.reversals,
            y(self.reversed_fen)
        )
    }
}

/// Whether any row of `payments` has a transfer status or a negative amount: else
/// [`settle`] has nothing to do.
pub fn needs_settling(payments: &DataFrame) -> bool {
    let has_status = payments
        .column("status")
        .is_ok_and(|c| c.null_count() < c.len());
    let has_negative = payments
        .column("amount_fen")
        .ok()
        .and_then(|c| c.i64().ok().map(|ca| ca.iter().flatten().any(|v| v < 0)))
        .unwrap_or(false);
    has_status || has_negative
}

/// The payments that are money paid, the rows rejected (unknown status, unplaced
/// reversal), and what was settled.
pub fn settle(
    payments: DataFrame,
    status_map: &BTreeMap<String, String>,
) -> Result<(DataFrame, Vec<Reject>, Settled)> {
    let n = payments.height();
    // The common case — no status values, no negative amounts — has nothing to settle:
    // leave a million payments as they are.
    if !needs_settling(&payments) {
        return Ok((payments, Vec::new(), Settled::default()));
    }
    let statuses = frame::text(&payments, "status")?;
    let fen = frame::int(&payments, "amount_fen")?;
    let allocs = frame::text(&payments, "allocation_id")?;
    let accounts = frame::text(&payments, "payee_account")?;
    let dates: Vec<Option<i32>> = payments
        .column("paid_date")?
        .cast(&DataType::Int32)?
        .i32()?
        .iter()
        .collect();
    let lines = frame::int(&payments, LINE)?;
    let sources = frame::text(&payments, SOURCE).ok();
    let mut keep = vec![true; n];
    let mut rejects = Vec::new();
    let mut settled = Settled::default();
    let reject = |i: usize, column: &str, value: String, reason: String| Reject {
        file: sources
            .as_ref()
            .and_then(|s| s[i])
            .unwrap_or("payments")
            .to_string(),
        line: lines[i].unwrap_or(0) as usize,
        column: column.to_string(),
        value,
        reason,
    };
    let mut outcome = vec![Outcome::Paid; n];
    for i in 0..n {
        let amount = fen[i].unwrap_or(0);
        outcome[i] = match statuses[i].map(str::trim).filter(|s| !s.is_empty()) {
            // No status column, or a blank cell: the row is the payment itself.
            None if amount < 0 => Outcome::Reversed,
            None => Outcome::Paid,
            Some(raw) => match outcome_of_status(raw, status_map) {
                Some(Outcome::Paid) if amount < 0 => Outcome::Reversed,
                Some(o) => o,
                None => {
                    keep[i] = false;
                    rejects.push(reject(
                        i,
                        "status",
                        raw.to_string(),
                        format!(
                            "unknown transfer status `{raw}`: say what it means in the config, e.g. [status] \"{raw}\" = \"failed\" (paid, failed, returned or reversed)"
                        ),
                    ));
                    continue;
                }
            },
        };
    }
    // Paid rows by what a reversal or a return names: (allocation, account, amount).
    let key = |i: usize| -> (String, String, i64) {
        let alloc = allocs[i].unwrap_or("").to_string();
        let account = if alloc.is_empty() {
            accounts[i].unwrap_or("").to_string()
        } else {
            String::new()
        };
        (alloc, account, fen[i].unwrap_or(0).abs())
    };
    // Indexed only when a return or reversal needs a payment to pair with: a file of
    // successes and failures has none, and a million keys cost more than the rest.
    let pairs_needed = outcome
        .iter()
        .zip(&keep)
        .any(|(o, k)| *k && matches!(o, Outcome::Returned | Outcome::Reversed));
    let mut paid: HashMap<(String, String, i64), Vec<usize>> = HashMap::new();
    for i in (0..n).filter(|&i| pairs_needed && keep[i] && outcome[i] == Outcome::Paid) {
        paid.entry(key(i)).or_default().push(i);
    }
    for rows in paid.values_mut() {
        rows.sort_by_key(|&i| dates[i]);
    }
    // The latest paid row of the same key on or before this row's date, not yet undone.
    let mut take = |i: usize, keep: &mut [bool]| -> Option<usize> {
        let rows = paid.get_mut(&key(i))?;
        let pos = rows
            .iter()
            .rposition(|&j| keep[j] && dates[j] <= dates[i])?;
        Some(rows.remove(pos))
    };
    for i in 0..n {
        if !keep[i] {
            continue;
        }
        let amount = fen[i].unwrap_or(0).abs();
        match outcome[i] {
            Outcome::Paid => {}
            Outcome::Failed => {
                keep[i] = false;
                settled.failed += 1;
                settled.failed_fen += amount;
            }
            Outcome::Returned => {
                keep[i] = false;
                if let Some(j) = take(i, &mut keep) {
                    keep[j] = false;
                }
                settled.returned += 1;
                settled.returned_fen += amount;
            }
            Outcome::Reversed => {
                keep[i] = false;
                match take(i, &mut keep) {
                    Some(j) => {
                        keep[j] = false;
                        settled.reversals += 1;
                        settled.reversed_fen += amount;
                    }
                    None => rejects.push(reject(
                        i,
                        "amount",
                        fundaudit_core::cells::fmt_yuan(-amount),
                        "a reversal (冲正) that matches no earlier payment of the same allocation (or account) and amount; it cannot be placed".into(),
                    )),
                }
            }
        }
    }
    let paid = payments.filter(&BooleanChunked::from_slice("paid".into(), &keep))?;
    Ok((paid, rejects, settled))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_words() {
        let none = BTreeMap::new();
        let o = |s: &str| outcome_of_status(s, &none);
        assert_eq!(o("成功"), Some(Outcome::Paid));
        assert_eq!(o("交易成功"), Some(Outcome::Paid));
        assert_eq!(o("未到账"), Some(Outcome::Failed));
        assert_eq!(o("失败：户名不符"), Some(Outcome::Failed));
        assert_eq!(o("退票"), Some(Outcome::Returned));
        assert_eq!(o("已冲正"), Some(Outcome::Reversed));
        assert_eq!(o("待清算"), None);
        let mut config = BTreeMap::new();
        config.insert("待清算".to_string(), "failed".to_string());
        assert_eq!(outcome_of_status("待清算", &config), Some(Outcome::Failed));
    }
}
