//! The row views every rule reads, built once per part ([`Views`]): the payments and
//! allocations as typed columns, and the grouping helpers rules share ([`group_rows`],
//! [`groups_with_variety`]), so no rule re-derives them.

use polars::prelude::*;
use rayon::prelude::*;

use crate::context::Context;
use crate::link::cols as link_cols;
use fundaudit_core::cells::{fmt_yuan, Day};
use fundaudit_core::findings::Finding;
use fundaudit_core::frame::{self, Numbers, Texts};

/// The linked payments as plain columns: the rows rules group and describe.
pub(crate) struct Payments<'a> {
    pub payment_id: Texts<'a>,
    pub allocation_id: Texts<'a>,
    pub beneficiary_id: Texts<'a>,
    pub payee_name: Texts<'a>,
    pub payee_account: Texts<'a>,
    pub amount_fen: Numbers<'a, i64>,
    pub paid: Numbers<'a, Day>,
    pub program: Texts<'a>,
    pub period: Texts<'a>,
    pub township: Texts<'a>,
    pub alloc_found: Vec<bool>,
    pub reg_row: Numbers<'a, i64>,
    pub person: Numbers<'a, i64>,
    /// Row of the payment's allocation in allocations.csv order (None when not found).
    pub alloc_row: Numbers<'a, i64>,
    /// The allocation's amount (None when not found).
    pub alloc_amount_fen: Numbers<'a, i64>,
    /// The beneficiary the bank recorded, where `beneficiary_id` is the allocation's.
    pub paid_beneficiary_id: Texts<'a>,
}

impl<'a> Payments<'a> {
    pub fn new(df: &'a DataFrame) -> PolarsResult<Self> {
        Ok(Payments {
            payment_id: Texts::of(df, "payment_id")?,
            allocation_id: Texts::of(df, "allocation_id")?,
            beneficiary_id: Texts::of(df, "beneficiary_id")?,
            payee_name: Texts::of(df, "payee_name")?,
            payee_account: Texts::of(df, "payee_account")?,
            amount_fen: frame::ints(df, "amount_fen")?,
            paid: frame::days(df, "paid_date")?,
            program: Texts::of(df, "program")?,
            period: Texts::of(df, "period")?,
            township: Texts::of(df, "township")?,
            alloc_found: frame::flag(df, link_cols::ALLOC_FOUND)?,
            reg_row: frame::ints(df, link_cols::REG_ROW)?,
            person: frame::ints(df, link_cols::PERSON)?,
            alloc_row: frame::ints(df, link_cols::ALLOC_ROW)?,
            alloc_amount_fen: frame::ints(df, link_cols::ALLOC_AMOUNT_FEN)?,
            paid_beneficiary_id: Texts::of(df, link_cols::PAID_BENEFICIARY)?,
        })
    }

    pub fn len(&self) -> usize {
        self.payment_id.len()
    }

    /// A finding covering these payments: their sum, every id involved, the township and
    /// programs they concern. The rule adds confidence and evidence.
    pub fn finding(&self, rows: &[usize]) -> Finding {
        let pick = |v: &Texts<'a>| -> Vec<String> {
            rows.iter()
                .filter_map(|&r| v.at(r))
                .map(str::to_string)
                .collect()
        };
        let mut programs = pick(&self.program);
        programs.sort();
        programs.dedup();
        Finding {
            amount_fen: self.total(rows),
            township: self.main_township(rows).to_string(),
            program: programs.join(";"),
            beneficiary_ids: pick(&self.beneficiary_id),
            allocation_ids: pick(&self.allocation_id),
            payment_ids: pick(&self.payment_id),
            ..Finding::default()
        }
    }

    /// The township most of these payments' money belongs to (each payment's own: its
    /// allocation's, else its beneficiary's); the first seen on a tie. A finding that
    /// spans townships is split among them where money is totalled (see
    /// [`crate::money`]); this is the one it is listed under.
    pub fn main_township(&self, rows: &[usize]) -> &'a str {
        let mut by_town: Vec<(&'a str, i64)> = Vec::new();
        for &r in rows {
            let Some(t) = self.township.at(r).filter(|t| !t.is_empty()) else {
                continue;
            };
            let fen = self.amount_fen.at(r).unwrap_or(0);
            match by_town.iter_mut().find(|(k, _)| *k == t) {
                Some(e) => e.1 += fen,
                None => by_town.push((t, fen)),
            }
        }
        by_town
            .iter()
            .fold(None, |best: Option<(&'a str, i64)>, &(t, f)| match best {
                Some((_, bf)) if bf >= f => best,
                _ => Some((t, f)),
            })
            .map_or("", |(t, _)| t)
    }

    pub fn total(&self, rows: &[usize]) -> i64 {
        rows.iter().filter_map(|&r| self.amount_fen.at(r)).sum()
    }

    /// `3笔共1,860.00元（2025-01-20至2025-07-18）`
    pub fn describe(&self, rows: &[usize]) -> String {
        let dates: Vec<Day> = rows.iter().filter_map(|&r| self.paid.at(r)).collect();
        let span = match (dates.iter().min(), dates.iter().max()) {
            (Some(a), Some(b)) if a != b => {
                format!(
                    "（{}至{}）",
                    fundaudit_core::cells::fmt_day(*a),
                    fundaudit_core::cells::fmt_day(*b)
                )
            }
            (Some(a), _) => format!("（{}）", fundaudit_core::cells::fmt_day(*a)),
            _ => String::new(),
        };
        format!("{}笔共{}元{}", rows.len(), fmt_yuan(self.total(rows)), span)
    }
}

/// Groups row indices by key, keeping first-seen order of keys so output is deterministic.
pub(crate) fn group_rows<K: std::hash::Hash + Eq + Clone>(
    keys: impl Iterator<Item = Option<K>>,
) -> Vec<(K, Vec<usize>)> {
    // FxHash: keys are ids from our own ledgers, not attacker-chosen, and SipHash costs
    // a third of the time of grouping a million payments.
    let mut index: rustc_hash::FxHashMap<K, usize> = rustc_hash::FxHashMap::default();
    let mut groups: Vec<(K, Vec<usize>)> = Vec::new();
    for (row, key) in keys.enumerate() {
        let Some(key) = key else { continue };
        match index.get(&key) {
            Some(&g) => groups[g].1.push(row),
            None => {
                index.insert(key.clone(), groups.len());
                groups.push((key, vec![row]));
            }
        }
    }
    groups
}

/// Groups rows by key, keeping only the groups in which `tag` takes two or more values
/// (several allocations for one person and period; several people on one account).
/// Such groups are rare among a million payments, so rows are sorted by a hash of their
/// key (no hash table, no allocation per group) and only the varied runs are gathered.
pub(crate) fn groups_with_variety<K, T>(
    n: usize,
    key: impl Fn(usize) -> Option<K> + Sync,
    tag: impl Fn(usize) -> T + Sync,
) -> Vec<(K, Vec<usize>)>
where
    K: std::hash::Hash + Eq + Clone + Send,
    T: PartialEq,
{
    use std::hash::BuildHasher;
    let hasher = rustc_hash::FxBuildHasher;
    let mut hashed: Vec<(u64, usize)> = (0..n)
        .into_par_iter()
        .filter_map(|r| key(r).map(|k| (hasher.hash_one(&k), r)))
        .collect();
    hashed.par_sort_unstable();
    let mut out = Vec::new();
    for run in hashed.chunk_by(|a, b| a.0 == b.0) {
        if run.len() < 2 || run.iter().all(|&(_, r)| tag(r) == tag(run[0].1)) {
            continue;
        }
        // Equal hashes, almost surely equal keys; split by the real key all the same.
        for (k, positions) in group_rows(run.iter().map(|&(_, r)| key(r))) {
            let rows: Vec<usize> = positions.iter().map(|&i| run[i].1).collect();
            if rows.iter().any(|&r| tag(r) != tag(rows[0])) {
                out.push((k, rows));
            }
        }
    }
    out
}

/// The frames rules read, as typed columns made once per part rather than once per rule.
/// Columns are read where they lie ([`Texts`], [`Numbers`]), not copied out: copies of a
/// part's columns were a quarter of the rules' time, most of it fresh memory.
pub struct Views<'a> {
    pub(crate) payments: Payments<'a>,
    pub(crate) allocations: Allocations<'a>,
}

impl<'a> Views<'a> {
    pub fn new(ctx: &'a Context) -> PolarsResult<Self> {
        let payments = Payments::new(&ctx.linked)?;
        let allocations = Allocations::new(&ctx.ledgers.allocations, &payments)?;
        Ok(Views {
            payments,
            allocations,
        })
    }
}

/// Allocations as plain columns, with the payments behind each (oldest first).
pub(crate) struct Allocations<'a> {
    pub allocation_id: Texts<'a>,
    pub program: Texts<'a>,
    pub period: Texts<'a>,
    pub beneficiary_id: Texts<'a>,
    pub township: Texts<'a>,
    pub amount_fen: Numbers<'a, i64>,
    pub received: Numbers<'a, Day>,
    pub due_date: Numbers<'a, Day>,
    /// Payments of allocation `i` are `pay_rows[pay_start[i]..pay_start[i + 1]]`.
    pay_start: Vec<usize>,
    pay_rows: Vec<usize>,
    paid_fen: Vec<i64>,
}

impl<'a> Allocations<'a> {
    pub fn new(df: &'a DataFrame, p: &Payments) -> PolarsResult<Self> {
        let n = df.height();
        // Payments grouped by allocation row, in date order (a counting sort by row).
        let mut linked: Vec<(usize, Day, usize)> = (0..p.len())
            .filter_map(|r| {
                Some((
                    p.alloc_row.at(r)? as usize,
                    p.paid.at(r).unwrap_or(Day::MAX),
                    r,
                ))
            })
            .filter(|(a, _, _)| *a < n)
            .collect();
        linked.sort_unstable();
        let mut pay_start = vec![0usize; n + 1];
        for (a, _, _) in &linked {
            pay_start[a + 1] += 1;
        }
        for i in 0..n {
            pay_start[i + 1] += pay_start[i];
        }
        let pay_rows: Vec<usize> = linked.iter().map(|(_, _, r)| *r).collect();
        let paid_fen = (0..n)
            .map(|i| {
                pay_rows[pay_start[i]..pay_start[i + 1]]
                    .iter()
                    .filter_map(|&r| p.amount_fen.at(r))
                    .sum()
            })
            .collect();
        Ok(Allocations {
            allocation_id: Texts::of(df, "allocation_id")?,
            program: Texts::of(df, "program")?,
            period: Texts::of(df, "period")?,
            beneficiary_id: Texts::of(df, "beneficiary_id")?,
            township: Texts::of(df, "township")?,
            amount_fen: frame::ints(df, "amount_fen")?,
            received: frame::days(df, "funds_received_date")?,
            due_date: frame::days(df, "due_date")?,
            pay_start,
            pay_rows,
            paid_fen,
        })
    }

    pub fn len(&self) -> usize {
        self.allocation_id.len()
    }

    /// The deadline: the allocation's own due date, else funds received plus the
    /// program's deadline from config.
    pub fn due(&self, i: usize, config: &fundaudit_core::config::Config) -> Option<Day> {
        self.due_date.at(i).or_else(|| {
            let days = config.deadline_days(self.program.at(i).unwrap_or(""));
            self.received.at(i).map(|r| r + days as Day)
        })
    }

    pub fn amount(&self, i: usize) -> i64 {
        self.amount_fen.at(i).unwrap_or(0)
    }

    /// Sum of the payments behind allocation `i`.
    pub fn paid(&self, i: usize) -> i64 {
        self.paid_fen[i]
    }

    /// Payment rows behind allocation `i`, oldest first.
    pub fn payments(&self, i: usize) -> &[usize] {
        &self.pay_rows[self.pay_start[i]..self.pay_start[i + 1]]
    }

    pub fn count(&self, i: usize) -> i64 {
        self.payments(i).len() as i64
    }

    /// A finding about allocation `i` and the payments behind it.
    pub fn finding(&self, i: usize, amount_fen: i64, p: &Payments) -> Finding {
        Finding {
            key: self.allocation_id.at(i).unwrap_or("").to_string(),
            amount_fen,
            township: self.township.at(i).unwrap_or("").to_string(),
            program: self.program.at(i).unwrap_or("").to_string(),
            beneficiary_ids: self
                .beneficiary_id
                .at(i)
                .map(str::to_string)
                .into_iter()
                .collect(),
            allocation_ids: self
                .allocation_id
                .at(i)
                .map(str::to_string)
                .into_iter()
                .collect(),
            payment_ids: self
                .payments(i)
                .iter()
                .filter_map(|&r| p.payment_id.at(r))
                .map(str::to_string)
                .collect(),
            ..Finding::default()
        }
    }

    /// The registry row and sure death of allocation `i`'s beneficiary when they died
    /// before its period began (`2025Q3` begins 2025-07-01): the fault is a dead person
    /// left on the list (死亡未销户), not money withheld from a living one. A period the
    /// rules cannot read is never before a death.
    pub fn died_before_period<'c>(
        &self,
        i: usize,
        ctx: &'c Context,
    ) -> Option<(usize, &'c fundaudit_identity::DeathMatch)> {
        let row = ctx.row_of(self.beneficiary_id.at(i)?)?;
        let death = ctx.death_of.get(row)?;
        let start = fundaudit_core::cells::period_start(self.period.at(i)?)?;
        (death.death_date < start).then_some((row, death))
    }

    /// `低保金2025-03分配单A000123（张伟（B000045），应发620.00元）`
    pub fn describe(&self, i: usize, ctx: &Context) -> String {
        format!(
            "{}{}分配单{}（{}，应发{}元）",
            self.program.at(i).unwrap_or(""),
            self.period.at(i).unwrap_or(""),
            self.allocation_id.at(i).unwrap_or(""),
            ctx.person_label(self.beneficiary_id.at(i).unwrap_or("")),
            fmt_yuan(self.amount(i))
        )
    }
}
