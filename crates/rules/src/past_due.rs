//! Allocations past due, by program and period: a whole-run fact counted before the
//! rules run (in a partitioned run, per part and merged), read by DATA_INCOMPLETE
//! (`rules::completeness`), DELAY_UNPAID, and the case ledger's night-to-night coverage.

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;
use rayon::prelude::*;

use fundaudit_core::cells::Day;

/// How many allocation ids a group finding lists (the evidence gives the count).
const LISTED: usize = 50;

/// Allocations past due plus grace, by program and period: what the gaps and the coverage
/// are counted over. Sums, so a partitioned run adds its partitions' up
/// ([`PastDue::merge`]) and gets the whole run's.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub struct PastDue {
    // As a list: JSON keys are text, these are (program, period).
    #[serde(with = "crate::pairs")]
    pub(crate) groups: BTreeMap<(String, String), Group>,
}

/// One program and period's allocations past due.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Group {
    pub(crate) due: usize,
    /// Of those, with at least one payment.
    pub(crate) paid: usize,
    pub(crate) amount_fen: i64,
    pub(crate) first_due: Option<Day>,
    /// The smallest allocation ids, at most [`LISTED`], in order.
    pub(crate) ids: Vec<String>,
}

/// The [`LISTED`] smallest, in order.
fn smallest<T: Ord>(mut ids: Vec<T>) -> Vec<T> {
    if ids.len() > LISTED {
        ids.select_nth_unstable(LISTED - 1);
        ids.truncate(LISTED);
    }
    ids.sort_unstable();
    ids
}

impl Group {
    fn merge(&mut self, other: Group) {
        self.due += other.due;
        self.paid += other.paid;
        self.amount_fen += other.amount_fen;
        self.first_due = match (self.first_due, other.first_due) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let mut ids = std::mem::take(&mut self.ids);
        ids.extend(other.ids);
        self.ids = smallest(ids);
    }
}

impl PastDue {
    /// The allocations of `allocations` past due at `as_of`, each paid when a payment
    /// names it (`named`: the payments of these allocations must all be there, the whole
    /// run's or the partition's that holds the allocations).
    pub fn of(
        allocations: &DataFrame,
        named: &crate::link::Named,
        config: &fundaudit_core::config::Config,
        as_of: Day,
    ) -> PolarsResult<PastDue> {
        let paid = &named.paid;
        use fundaudit_core::frame::{self, Texts};
        let ids = Texts::of(allocations, "allocation_id")?;
        let program = Texts::of(allocations, "program")?;
        let period = Texts::of(allocations, "period")?;
        let amount = frame::ints(allocations, "amount_fen")?;
        let received = frame::days(allocations, "funds_received_date")?;
        let due_date = frame::days(allocations, "due_date")?;
        let grace = config.delayed.grace_days as i64;
        // Chunks of rows counted in parallel, then added up like parts.
        let count = |rows: std::ops::Range<usize>| -> PastDue {
            let mut index: rustc_hash::FxHashMap<(&str, &str), usize> = Default::default();
            let mut groups: Vec<((&str, &str), Group, Vec<&str>)> = Vec::new();
            for i in rows {
                let (pr, pe) = (program.at(i).unwrap_or(""), period.at(i).unwrap_or(""));
                let due = due_date
                    .at(i)
                    .or_else(|| received.at(i).map(|r| r + config.deadline_days(pr) as Day));
                let Some(due) = due.filter(|&d| (as_of - d) as i64 > grace) else {
                    continue;
                };
                let at = *index.entry((pr, pe)).or_insert_with(|| {
                    groups.push(((pr, pe), Group::default(), Vec::new()));
                    groups.len() - 1
                });
                let (_, g, listed) = &mut groups[at];
                g.due += 1;
                g.paid += usize::from(paid[i]);
                g.amount_fen += amount.at(i).unwrap_or(0);
                g.first_due = Some(g.first_due.map_or(due, |d| d.min(due)));
                if let Some(id) = ids.at(i) {
                    listed.push(id);
                    if listed.len() >= 4 * LISTED {
                        *listed = smallest(std::mem::take(listed));
                    }
                }
            }
            PastDue {
                groups: groups
                    .into_iter()
                    .map(|((pr, pe), mut g, listed)| {
                        g.ids = smallest(listed).into_iter().map(str::to_string).collect();
                        ((pr.to_string(), pe.to_string()), g)
                    })
                    .collect(),
            }
        };
        const CHUNK: usize = 1 << 18;
        let n = allocations.height();
        Ok((0..n.div_ceil(CHUNK))
            .into_par_iter()
            .map(|c| count(c * CHUNK..((c + 1) * CHUNK).min(n)))
            .reduce(PastDue::default, |mut a, b| {
                a.merge(b);
                a
            }))
    }

    /// Adds another partition's.
    pub fn merge(&mut self, other: PastDue) {
        for (key, g) in other.groups {
            self.groups.entry(key).or_default().merge(g);
        }
    }

    /// Program-periods with allocations past due (at least `min_allocations`) and no
    /// payment at all: one DATA_INCOMPLETE finding each, no DELAY_UNPAID.
    pub fn gaps(&self, config: &fundaudit_core::config::Config) -> BTreeSet<(&str, &str)> {
        let min = config.completeness.min_allocations.max(1);
        self.groups
            .iter()
            .filter(|(_, g)| g.due >= min && g.paid == 0)
            .map(|((pr, pe), _)| (pr.as_str(), pe.as_str()))
            .collect()
    }

    /// Coverage of every program and period with allocations past due: the case ledger
    /// keeps it per run, so a night whose coverage collapses against the last one is
    /// noticed.
    pub fn coverage(&self) -> Vec<Coverage> {
        self.groups
            .iter()
            .map(|((program, period), g)| Coverage {
                program: program.clone(),
                period: period.clone(),
                due: g.due,
                paid: g.paid,
            })
            .collect()
    }
}

/// Of one program and period: allocations past due, and those with any payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    pub program: String,
    pub period: String,
    pub due: usize,
    pub paid: usize,
}

impl Coverage {
    pub fn share(&self) -> f64 {
        self.paid as f64 / self.due.max(1) as f64
    }
}

/// Warnings for program-periods whose coverage fell to under half of the previous run's
/// (when that was at least half, over at least `min_allocations` allocations).
pub fn coverage_drops(now: &[Coverage], before: &[Coverage], min: usize) -> Vec<String> {
    now.iter()
        .filter_map(|c| {
            let b = before
                .iter()
                .find(|b| b.program == c.program && b.period == c.period)?;
            let fell = c.due >= min && b.share() >= 0.5 && c.share() < b.share() / 2.0;
            fell.then(|| {
                format!(
                    "{}{}：应发分配单中有发放记录的占{:.0}%（{}/{}），上次运行为{:.0}%（{}/{}）：代发数据可能不完整",
                    c.program,
                    c.period,
                    100.0 * c.share(),
                    c.paid,
                    c.due,
                    100.0 * b.share(),
                    b.paid,
                    b.due
                )
            })
        })
        .collect()
}
