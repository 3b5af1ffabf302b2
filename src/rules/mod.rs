//! The rules. Each is a pure function from the run's [`Context`] to a findings frame, so
//! it can be tested alone and a new rule added without touching the others: write the
//! function, add it to [`RULES`], give it a weight in the config.

pub mod delayed;
pub mod diverted;
pub mod duplicate;
pub mod ghost;
pub mod partial;

use polars::prelude::*;
use rayon::prelude::*;

use crate::context::Context;
use crate::findings::{Finding, Rule};
use crate::frame;
use crate::link::cols as link_cols;
use crate::parse::{fmt_yuan, Day};

pub type RuleFn = fn(&Context) -> PolarsResult<DataFrame>;

/// Every rule the batch runs, in report order.
pub const RULES: &[(Rule, RuleFn)] = &[
    (Rule::DelayLate, delayed::late),
    (Rule::DelayUnpaid, delayed::unpaid),
    (Rule::PartialShort, partial::short),
    (Rule::DupAllocation, duplicate::same_allocation),
    (Rule::DupPersonPeriod, duplicate::same_person_period),
    (Rule::GhostUnregistered, ghost::unregistered),
    (Rule::GhostDeceased, ghost::deceased),
    (Rule::GhostInvalidId, ghost::invalid_id),
    (Rule::DivPayeeMismatch, diverted::payee_mismatch),
    (Rule::DivOfficial, diverted::official),
    (Rule::DivSharedAccount, diverted::shared_account),
    (Rule::DivNoAllocation, diverted::no_allocation),
];

/// Runs every rule (in parallel) and stacks their findings, with each rule's wall time.
pub fn run_all(ctx: &Context) -> PolarsResult<(DataFrame, Vec<(Rule, f64)>)> {
    let results: Vec<PolarsResult<(Rule, DataFrame, f64)>> = RULES
        .par_iter()
        .map(|(rule, f)| {
            let t = std::time::Instant::now();
            f(ctx).map(|df| (*rule, df, t.elapsed().as_secs_f64()))
        })
        .collect();
    let mut all = crate::findings::empty_frame()?;
    let mut timings = Vec::new();
    for r in results {
        let (rule, df, secs) = r?;
        all.vstack_mut_owned(df)?;
        timings.push((rule, secs));
    }
    all.rechunk_mut();
    Ok((all, timings))
}

/// The linked payments as plain columns: the rows rules group and describe.
pub(crate) struct Payments<'a> {
    pub payment_id: Vec<Option<&'a str>>,
    pub allocation_id: Vec<Option<&'a str>>,
    pub beneficiary_id: Vec<Option<&'a str>>,
    pub payee_name: Vec<Option<&'a str>>,
    pub payee_account: Vec<Option<&'a str>>,
    pub amount_fen: Vec<Option<i64>>,
    pub paid: Vec<Option<Day>>,
    pub program: Vec<Option<&'a str>>,
    pub period: Vec<Option<&'a str>>,
    pub township: Vec<Option<&'a str>>,
    pub alloc_found: Vec<bool>,
    pub reg_row: Vec<Option<i64>>,
    pub person: Vec<Option<i64>>,
}

impl<'a> Payments<'a> {
    pub fn new(df: &'a DataFrame) -> PolarsResult<Self> {
        Ok(Payments {
            payment_id: frame::text(df, "payment_id")?,
            allocation_id: frame::text(df, "allocation_id")?,
            beneficiary_id: frame::text(df, "beneficiary_id")?,
            payee_name: frame::text(df, "payee_name")?,
            payee_account: frame::text(df, "payee_account")?,
            amount_fen: frame::int(df, "amount_fen")?,
            paid: frame::day(df, "paid_date")?,
            program: frame::text(df, "program")?,
            period: frame::text(df, "period")?,
            township: frame::text(df, "township")?,
            alloc_found: frame::flag(df, link_cols::ALLOC_FOUND)?,
            reg_row: frame::int(df, link_cols::REG_ROW)?,
            person: frame::int(df, link_cols::PERSON)?,
        })
    }

    pub fn len(&self) -> usize {
        self.payment_id.len()
    }

    /// A finding covering these payments: their sum, every id involved, the township and
    /// programs they concern. The rule adds confidence and evidence.
    pub fn finding(&self, rows: &[usize]) -> Finding {
        let pick = |v: &Vec<Option<&'a str>>| -> Vec<String> {
            rows.iter()
                .filter_map(|&r| v[r])
                .map(str::to_string)
                .collect()
        };
        let mut programs = pick(&self.program);
        programs.sort();
        programs.dedup();
        Finding {
            amount_fen: self.total(rows),
            township: rows
                .iter()
                .find_map(|&r| self.township[r])
                .unwrap_or("")
                .to_string(),
            program: programs.join(";"),
            beneficiary_ids: pick(&self.beneficiary_id),
            allocation_ids: pick(&self.allocation_id),
            payment_ids: pick(&self.payment_id),
            ..Finding::default()
        }
    }

    pub fn total(&self, rows: &[usize]) -> i64 {
        rows.iter().filter_map(|&r| self.amount_fen[r]).sum()
    }

    /// `3笔共1,860.00元（2025-01-20至2025-07-18）`
    pub fn describe(&self, rows: &[usize]) -> String {
        let dates: Vec<Day> = rows.iter().filter_map(|&r| self.paid[r]).collect();
        let span = match (dates.iter().min(), dates.iter().max()) {
            (Some(a), Some(b)) if a != b => {
                format!(
                    "（{}至{}）",
                    crate::parse::fmt_day(*a),
                    crate::parse::fmt_day(*b)
                )
            }
            (Some(a), _) => format!("（{}）", crate::parse::fmt_day(*a)),
            _ => String::new(),
        };
        format!("{}笔共{}元{}", rows.len(), fmt_yuan(self.total(rows)), span)
    }
}

/// Groups row indices by key, keeping first-seen order of keys so output is deterministic.
pub(crate) fn group_rows<K: std::hash::Hash + Eq + Clone>(
    keys: impl Iterator<Item = Option<K>>,
) -> Vec<(K, Vec<usize>)> {
    let mut index: std::collections::HashMap<K, usize> = std::collections::HashMap::new();
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

/// The allocation summary as plain columns.
pub(crate) struct Allocations<'a> {
    pub allocation_id: Vec<Option<&'a str>>,
    pub program: Vec<Option<&'a str>>,
    pub period: Vec<Option<&'a str>>,
    pub beneficiary_id: Vec<Option<&'a str>>,
    pub township: Vec<Option<&'a str>>,
    pub amount_fen: Vec<Option<i64>>,
    pub received: Vec<Option<Day>>,
    pub due_date: Vec<Option<Day>>,
    pub n_payments: Vec<Option<i64>>,
    pub paid_fen: Vec<Option<i64>>,
    pub payment_ids: Vec<Option<&'a str>>,
}

impl<'a> Allocations<'a> {
    pub fn new(df: &'a DataFrame) -> PolarsResult<Self> {
        Ok(Allocations {
            allocation_id: frame::text(df, "allocation_id")?,
            program: frame::text(df, "program")?,
            period: frame::text(df, "period")?,
            beneficiary_id: frame::text(df, "beneficiary_id")?,
            township: frame::text(df, "township")?,
            amount_fen: frame::int(df, "amount_fen")?,
            received: frame::day(df, "funds_received_date")?,
            due_date: frame::day(df, "due_date")?,
            n_payments: frame::int(df, link_cols::N_PAYMENTS)?,
            paid_fen: frame::int(df, link_cols::PAID_FEN)?,
            payment_ids: frame::text(df, link_cols::PAYMENT_IDS)?,
        })
    }

    pub fn len(&self) -> usize {
        self.allocation_id.len()
    }

    /// The deadline: the allocation's own due date, else funds received plus the
    /// program's deadline from config.
    pub fn due(&self, i: usize, config: &crate::config::Config) -> Option<Day> {
        self.due_date[i].or_else(|| {
            let days = config.deadline_days(self.program[i].unwrap_or(""));
            self.received[i].map(|r| r + days as Day)
        })
    }

    pub fn amount(&self, i: usize) -> i64 {
        self.amount_fen[i].unwrap_or(0)
    }

    pub fn paid(&self, i: usize) -> i64 {
        self.paid_fen[i].unwrap_or(0)
    }

    pub fn count(&self, i: usize) -> i64 {
        self.n_payments[i].unwrap_or(0)
    }

    /// A finding about allocation `i` and the payments behind it.
    pub fn finding(&self, i: usize, amount_fen: i64) -> Finding {
        Finding {
            key: self.allocation_id[i].unwrap_or("").to_string(),
            amount_fen,
            township: self.township[i].unwrap_or("").to_string(),
            program: self.program[i].unwrap_or("").to_string(),
            beneficiary_ids: self.beneficiary_id[i]
                .map(str::to_string)
                .into_iter()
                .collect(),
            allocation_ids: self.allocation_id[i]
                .map(str::to_string)
                .into_iter()
                .collect(),
            payment_ids: crate::findings::split_ids(self.payment_ids[i]),
            ..Finding::default()
        }
    }

    /// `低保金2025-03分配单A000123（张伟（B000045），应发620.00元）`
    pub fn describe(&self, i: usize, ctx: &Context) -> String {
        format!(
            "{}{}分配单{}（{}，应发{}元）",
            self.program[i].unwrap_or(""),
            self.period[i].unwrap_or(""),
            self.allocation_id[i].unwrap_or(""),
            ctx.person_label(self.beneficiary_id[i].unwrap_or("")),
            fmt_yuan(self.amount(i))
        )
    }
}
