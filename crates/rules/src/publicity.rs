//! 不公开: what was paid against what the village posted (公示名单, the optional `notices`
//! ledger; matched in [`crate::posted`]). Every rule here speaks only where a list was
//! delivered for the village, program and period at hand: a county that delivers no
//! lists gets no finding from them (its summary says the check was not run), and villages
//! paid without their list, where other villages' were delivered, are one PUB_LIST_MISSING
//! per township, program and period, not a finding per person.

use std::collections::BTreeMap;

use polars::prelude::*;

use crate::context::Context;
use crate::posted::{period_key, ListKey, Lookup, SureGroup};
use crate::views::Views;
use fundaudit_core::cells::{fen_of_yuan, fmt_day, fmt_yuan, period_start, Day};
use fundaudit_core::findings::{Category, Finding, FindingsBuilder, Rule};
use fundaudit_core::frame;
use fundaudit_identity::masked::Posted;

/// PUB_NOT_POSTED: an allocation paid to a registered person whom the village's list for
/// that program and period does not hold (nor may hold: an ambiguous row is no accusation).
pub fn not_posted(ctx: &Context, v: &Views) -> PolarsResult<DataFrame> {
    let mut out = FindingsBuilder::new(Rule::PubNotPosted);
    let Some(notices) = ctx.notices()? else {
        return out.finish();
    };
    let a = &v.allocations;
    let mut look = Lookup::new(notices);
    for i in 0..a.len() {
        let paid = a.paid(i);
        let (Some(bid), Some(program), Some(period)) =
            (a.beneficiary_id.at(i), a.program.at(i), a.period.at(i))
        else {
            continue;
        };
        let Some(row) = ctx.row_of(bid) else { continue };
        if paid <= 0 || look.posts(ctx.cluster_of(row), program, period) {
            continue;
        }
        let Some((list, _)) = look.list(ctx, row, program, period) else {
            continue;
        };
        out.push(Finding {
            confidence: 0.8,
            evidence: format!(
                "{}已发放{}元，但{}中没有此人：未经公示即发放，须核实是否经过审核公示",
                a.describe(i, ctx),
                fmt_yuan(paid),
                notices.describe_list(list)
            ),
            ..a.finding(i, paid, &v.payments)
        });
    }
    out.finish()
}

/// PUB_AMOUNT_DIFFERS: a posted person's payments for a program and period, summed,
/// against the amounts posted for them beyond `[notices] amount_tolerance_yuan`. Less is
/// short payment (the partial category); more is money paid beyond what was made public
/// (the duplicate category).
pub fn amount_differs(ctx: &Context, v: &Views) -> PolarsResult<DataFrame> {
    let mut short = FindingsBuilder::new(Rule::PubAmountDiffers);
    let mut more = FindingsBuilder::custom(Rule::PubAmountDiffers.code(), Category::Duplicate);
    let Some(notices) = ctx.notices()? else {
        return short.finish();
    };
    let tolerance = fen_of_yuan(ctx.config.notices.amount_tolerance_yuan);
    let p = &v.payments;
    // Each payment's posted rows, where a list surely posts its person, program and
    // period (a lookup each, in parallel); then the payments added up under their group's
    // start in plain arrays, and only the groups whose sum is off the posted amount have
    // their payments gathered (a million payments make most of a million groups).
    use rayon::prelude::*;
    let group: Vec<Option<SureGroup>> = (0..p.len())
        .into_par_iter()
        .map_init(
            || Lookup::new(notices),
            |look, r| {
                let row = p.reg_row.at(r)? as usize;
                look.sure_group(ctx.cluster_of(row), p.program.at(r)?, p.period.at(r)?)
            },
        )
        .collect();
    let mut paid = vec![0i64; notices.sure_count()];
    // Each group with its first payment, in the order those come (as the findings came).
    let mut seen = vec![false; notices.sure_count()];
    let mut groups: Vec<(usize, SureGroup)> = Vec::new();
    for (r, g) in group.iter().enumerate() {
        if let Some(g) = *g {
            let at = g.0 as usize;
            paid[at] += p.amount_fen.at(r).unwrap_or(0);
            if !std::mem::replace(&mut seen[at], true) {
                groups.push((r, g));
            }
        }
    }
    // (first payment, group, posted amount, paid) of the groups off by more than the
    // tolerance.
    let mut off: Vec<(usize, SureGroup, i64, i64)> = Vec::new();
    for (r0, g) in groups {
        // A row without an amount: nothing to hold the payments against.
        let Some(posted) = notices
            .sure_rows(g)
            .iter()
            .map(|&n| notices.row(n).amount_fen)
            .sum::<Option<i64>>()
        else {
            continue;
        };
        let paid = paid[g.0 as usize];
        if (paid - posted).abs() > tolerance {
            off.push((r0, g, posted, paid));
        }
    }
    let mut rows_of: rustc_hash::FxHashMap<u32, Vec<usize>> =
        off.iter().map(|o| (o.1 .0, Vec::new())).collect();
    for (r, g) in group.iter().enumerate() {
        if let Some(rows) = g.and_then(|g| rows_of.get_mut(&g.0)) {
            rows.push(r);
        }
    }
    for (r0, g, posted, paid) in off {
        let rows = &rows_of[&g.0];
        let posted_rows = notices.sure_rows(g);
        let (Some(program), Some(period)) = (p.program.at(r0), p.period.at(r0)) else {
            continue;
        };
        let gap = paid - posted;
        let who = p
            .beneficiary_id
            .at(rows[0])
            .map_or(String::new(), |b| ctx.person_label(b));
        let cited: Vec<String> = posted_rows.iter().map(|&n| notices.cite(n)).collect();
        // The people the posted rows name (two registrations of one person are posted
        // twice), beside those the payments name.
        let mut base = p.finding(rows);
        for &n in posted_rows {
            if let Posted::One(row) = *notices.row(n).fit {
                let id = ctx.registry[row].beneficiary_id.as_str();
                if !base.beneficiary_ids.iter().any(|b| b == id) {
                    base.beneficiary_ids.push(id.to_string());
                }
            }
        }
        let finding = Finding {
            key: format!(
                "{}|{}|{}",
                p.beneficiary_id.at(rows[0]).unwrap_or(""),
                program.trim(),
                period_key(period)
            ),
            confidence: 0.8,
            evidence: format!(
                "{who}{}{}公示金额{}元（{}），实际发放{}，{}{}元",
                notices.row(posted_rows[0]).period,
                program.trim(),
                fmt_yuan(posted),
                cited.join("、"),
                p.describe(rows),
                if gap < 0 { "少发" } else { "多发" },
                fmt_yuan(gap.abs())
            ),
            amount_fen: gap.abs(),
            ..base
        };
        if gap < 0 {
            short.push(finding);
        } else {
            more.push(finding);
        }
    }
    let mut all = short.finish()?;
    all.vstack_mut_owned(more.finish()?)?;
    Ok(all)
}

/// A payment made before its list had hung its days: (paid day, payment id, fen).
pub type Early = (Day, String, i64);

/// The money of one program and period paid in a village that delivered no list for
/// them, though other villages' lists of that program and period were delivered.
#[derive(Debug, Default, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Unlisted {
    pub payments: usize,
    pub amount_fen: i64,
    /// The smallest allocation ids paid, at most [`UNLISTED_IDS`].
    pub allocation_ids: Vec<String>,
}

/// How many allocation ids a village without its list cites.
pub const UNLISTED_IDS: usize = 3;

impl Unlisted {
    fn add(&mut self, other: Unlisted) {
        self.payments += other.payments;
        self.amount_fen += other.amount_fen;
        self.allocation_ids.extend(other.allocation_ids);
        self.allocation_ids.sort_unstable();
        self.allocation_ids.dedup();
        self.allocation_ids.truncate(UNLISTED_IDS);
    }
}

/// What the payments say of the posted lists, counted over the whole run: the payments
/// of each list made before it had hung `[notices] min_days` days (PUB_POSTED_LATE), and
/// the villages paid without their list (PUB_LIST_MISSING). A village's payments fall in
/// several parts of a partitioned run, so this is counted like the past-due counts
/// ([`crate::context::Whole`]), and the rules that read it run once.
#[derive(Debug, Default, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Posting {
    /// List (township, village, program, period) → (paid day, payment id, fen), in no
    /// order until [`Posting::finish`].
    #[serde(with = "crate::pairs")]
    pub early: BTreeMap<ListKey, Vec<Early>>,
    /// (township, village, program, period) with no list delivered → what was paid there.
    #[serde(with = "crate::pairs", default)]
    pub unlisted: BTreeMap<ListKey, Unlisted>,
}

impl Posting {
    /// The early payments and the payments without a list among `payments`, linked to
    /// `allocations` by allocation id (both frames as loaded, or one part of them).
    pub fn of(
        ctx: &Context,
        allocations: &DataFrame,
        payments: &DataFrame,
        named: &crate::link::Named,
    ) -> PolarsResult<Posting> {
        let mut posting = Posting::default();
        let Some(notices) = ctx.notices()? else {
            return Ok(posting);
        };
        if payments.height() == 0 || allocations.height() == 0 {
            return Ok(posting);
        }
        let min_days = ctx.config.notices.min_days as Day;
        let (a_id, a_ben, a_prog, a_period) = (
            frame::text(allocations, "allocation_id")?,
            frame::text(allocations, "beneficiary_id")?,
            frame::text(allocations, "program")?,
            frame::text(allocations, "period")?,
        );
        let (p_id, p_day, p_fen) = (
            frame::text(payments, "payment_id")?,
            frame::day(payments, "paid_date")?,
            frame::int(payments, "amount_fen")?,
        );
        // A million payments, in two halves' worth of chunks (one per core), each with its
        // own lookups; the lists' payments are sorted by `finish` whatever the order.
        use rayon::prelude::*;
        const CHUNK: usize = 1 << 16;
        let height = payments.height();
        type Found<'n> = (Vec<(&'n ListKey, Early)>, BTreeMap<ListKey, Unlisted>);
        let found: Vec<Found> = (0..height.div_ceil(CHUNK))
            .into_par_iter()
            .map(|c| {
                let mut look = Lookup::new(notices);
                let (mut early, mut unlisted): Found = Default::default();
                for r in c * CHUNK..height.min((c + 1) * CHUNK) {
                    let Some(i) = named.allocation[r].map(|i| i as usize) else {
                        continue;
                    };
                    let (Some(ben), Some(program), Some(period)) =
                        (a_ben[i], a_prog[i], a_period[i])
                    else {
                        continue;
                    };
                    let Some(row) = ctx.row_of(ben) else { continue };
                    let fen = p_fen[r].unwrap_or(0);
                    if let Some((key, list)) = look.list(ctx, row, program, period) {
                        let Some(day) = p_day[r] else { continue };
                        if list.from.is_some_and(|from| day < from + min_days) {
                            let id = p_id[r].unwrap_or("").to_string();
                            early.push((key, (day, id, fen)));
                        }
                    } else if let Some(key) = look.missing(ctx, row, program, period) {
                        unlisted.entry(key).or_default().add(Unlisted {
                            payments: 1,
                            amount_fen: fen,
                            allocation_ids: a_id[i].map(str::to_string).into_iter().collect(),
                        });
                    }
                }
                (early, unlisted)
            })
            .collect();
        for (early, unlisted) in found {
            for (key, paid) in early {
                posting.early.entry(key.clone()).or_default().push(paid);
            }
            posting.merge_unlisted(unlisted);
        }
        Ok(posting)
    }

    fn merge_unlisted(&mut self, unlisted: BTreeMap<ListKey, Unlisted>) {
        for (k, u) in unlisted {
            self.unlisted.entry(k).or_default().add(u);
        }
    }

    /// Adds another part's.
    pub fn merge(&mut self, other: Posting) {
        for (k, mut v) in other.early {
            self.early.entry(k).or_default().append(&mut v);
        }
        self.merge_unlisted(other.unlisted);
    }

    /// Each list's payments in date order, whatever order the parts came in.
    pub fn finish(mut self) -> Posting {
        for v in self.early.values_mut() {
            v.sort();
        }
        self
    }
}

/// PUB_POSTED_LATE: a list that hung fewer than `[notices] min_days` days before its
/// village's first payment of the program and period, or went up after it. The money
/// paid before the list had hung its days is the finding's amount. Reads the whole run's
/// [`Posting`] (a partitioned run runs it once: see [`crate::ONCE`]).
pub fn posted_late(ctx: &Context, _: &Views) -> PolarsResult<DataFrame> {
    let mut out = FindingsBuilder::new(Rule::PubPostedLate);
    let Some(notices) = ctx.notices()? else {
        return out.finish();
    };
    let min_days = ctx.config.notices.min_days;
    for (key, early) in &ctx.whole.posting.early {
        let (Some(list), Some(first)) = (notices.list(key), early.first()) else {
            continue;
        };
        let from = list.from.unwrap_or_default();
        let hung = first.0 - from;
        let total: i64 = early.iter().map(|e| e.2).sum();
        out.push(Finding {
            key: format!("list|{}|{}|{}|{}", key.0, key.1, key.2, key.3),
            confidence: 0.7,
            township: key.0.clone(),
            program: key.2.clone(),
            payment_ids: early.iter().map(|e| e.1.clone()).collect(),
            evidence: format!(
                "{}自{}起公示，{}即开始发放（{}笔、{}元在公示满{}天前发放），{}",
                notices.describe_list(key),
                fmt_day(from),
                fmt_day(first.0),
                early.len(),
                fmt_yuan(total),
                min_days,
                if hung < 0 {
                    format!("公示晚于首笔发放{}天", -hung)
                } else {
                    format!("公示仅{hung}天，未满公示期")
                }
            ),
            amount_fen: total,
            ..Finding::default()
        });
    }
    out.finish()
}

/// How many villages a PUB_LIST_MISSING finding names in its evidence (it gives the count).
const NAMED_VILLAGES: usize = 20;

/// PUB_LIST_MISSING: a program and period paid in villages that delivered no posted list
/// for it, where other villages' lists of it were delivered: one finding per township,
/// program and period naming the villages (a township's worklist is where the missing
/// lists are fetched). PUB_NOT_POSTED speaks only where a list was delivered, so without
/// this a missing list would be silence; with a finding per person, thousands. Reads the
/// whole run's [`Posting`] (a partitioned run runs it once: see [`crate::ONCE`]). Its
/// amount is nil: the money is not shown to be misused, only unchecked (the evidence
/// gives it).
pub fn list_missing(ctx: &Context, _: &Views) -> PolarsResult<DataFrame> {
    let mut out = FindingsBuilder::new(Rule::PubListMissing);
    // (township, program, period) → (village, what was paid there).
    type Villages<'a> = Vec<(&'a str, &'a Unlisted)>;
    let mut groups: BTreeMap<(&str, &str, &str), Villages> = BTreeMap::new();
    for ((township, village, program, period), u) in &ctx.whole.posting.unlisted {
        groups
            .entry((township, program, period))
            .or_default()
            .push((village, u));
    }
    for ((township, program, period), villages) in groups {
        let payments: usize = villages.iter().map(|v| v.1.payments).sum();
        let paid: i64 = villages.iter().map(|v| v.1.amount_fen).sum();
        let named: Vec<String> = villages
            .iter()
            .take(NAMED_VILLAGES)
            .map(|(v, u)| format!("{v}（{}笔、{}元）", u.payments, fmt_yuan(u.amount_fen)))
            .collect();
        out.push(Finding {
            key: format!("unlisted|{township}|{program}|{period}"),
            confidence: 0.5,
            program: program.to_string(),
            township: township.to_string(),
            allocation_ids: villages
                .iter()
                .flat_map(|v| v.1.allocation_ids.iter().cloned())
                .collect(),
            evidence: format!(
                "{township}{program}{period}：其他村已提供公示名单，但{}个村已发放{payments}笔、{}元却没有提供本期公示名单：{}{}。这些村的公示核对无法开展：请调取其公示栏照片/公示记录，核实是否未经公示即发放",
                villages.len(),
                fmt_yuan(paid),
                named.join("、"),
                if villages.len() > NAMED_VILLAGES { "等" } else { "" }
            ),
            ..Finding::default()
        });
    }
    out.finish()
}

/// PUB_POSTED_NOT_ELIGIBLE: a posted row no registered person fits (name and the digits
/// shown), or a person posted for a period that began after their death (one finding per
/// person and program, citing each list): names on a list that were never going to be
/// paid are how lists are padded. Reads the lists and the people only (a partitioned
/// run runs it once: see [`crate::ONCE`]).
pub fn posted_not_eligible(ctx: &Context, _: &Views) -> PolarsResult<DataFrame> {
    let mut out = FindingsBuilder::new(Rule::PubPostedNotEligible);
    let Some(notices) = ctx.notices()? else {
        return out.finish();
    };
    // A row no one fits is its list's township's (for the township's worklist).
    let township_of: rustc_hash::FxHashMap<usize, &str> = notices
        .lists()
        .flat_map(|(key, list)| list.rows.iter().map(move |&n| (n, key.0.as_str())))
        .filter(|(n, _)| matches!(notices.row(*n).fit, Posted::NoOne))
        .collect();
    // The dead, by person and program: one posted on a year of quarterly lists is one
    // finding citing each list, not four. (person, program) → (death day, rows).
    let mut dead: BTreeMap<(usize, &str), (Day, Vec<usize>)> = BTreeMap::new();
    for n in 0..notices.rows() {
        let r = notices.row(n);
        match r.fit {
            Posted::NoOne => out.push(Finding {
                township: township_of.get(&n).copied().unwrap_or_default().to_string(),
                key: format!(
                    "posted|{}|{}|{}|{}|{}",
                    crate::posted::village_key(r.village),
                    r.program,
                    period_key(r.period),
                    r.name,
                    r.id_shown
                ),
                confidence: 0.7,
                evidence: format!(
                    "{}{}公示名单列有{}（身份证号{}）（{}），花名册中没有姓名与身份证号可见位均相符的人员：疑似虚列人员，须核实其身份及是否领取资金",
                    r.village,
                    r.program,
                    r.name,
                    r.id_shown,
                    notices.cite(n)
                ),
                amount_fen: r.amount_fen.unwrap_or(0),
                program: r.program.to_string(),
                ..Finding::default()
            }),
            Posted::One(row) => {
                let died = ctx.death_of.get(*row);
                if let Some(d) = died.filter(|d| {
                    period_start(r.period).is_some_and(|start| d.death_date < start)
                }) {
                    dead.entry((*row, r.program))
                        .or_insert((d.death_date, Vec::new()))
                        .1
                        .push(n);
                }
            }
            Posted::Ambiguous(_) => {}
        }
    }
    for ((row, program), (died, rows)) in dead {
        let (e, first) = (&ctx.registry[row], notices.row(rows[0]));
        let mut periods: Vec<&str> = rows.iter().map(|&n| notices.row(n).period).collect();
        periods.sort_unstable();
        periods.dedup();
        let cited: Vec<String> = rows.iter().map(|&n| notices.cite(n)).collect();
        out.push(Finding {
            key: format!("posted|dead|{}|{program}", e.beneficiary_id),
            confidence: 0.9,
            evidence: format!(
                "{}{}{}公示名单列有{}（身份证号{}）（{}），即花名册{}，此人已于{}死亡：死亡人员仍列入公示名单",
                first.village,
                periods.join("、"),
                program,
                first.name,
                first.id_shown,
                cited.join("、"),
                ctx.row_label(row),
                fmt_day(died)
            ),
            amount_fen: rows.iter().filter_map(|&n| notices.row(n).amount_fen).sum(),
            program: program.to_string(),
            township: e.township.to_string(),
            beneficiary_ids: vec![e.beneficiary_id.to_string()],
            ..Finding::default()
        });
    }
    out.finish()
}

/// One posted list as the reports show it: which village posted which program and
/// period, how many rows, how many the registry could not place, and when it hung; or a
/// list not delivered for a village that was paid (PUB_LIST_MISSING's), with the payments
/// made there.
#[derive(Debug, Clone, serde::Serialize, PartialEq)]
pub struct ListCoverage {
    pub township: String,
    pub village: String,
    pub program: String,
    pub period: String,
    /// False for a village paid without its list: `rows` is then the payments made there.
    pub delivered: bool,
    pub rows: usize,
    /// Rows no registered person fits, or more than one.
    pub unplaced: usize,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// The lists delivered, for the township pages and summary.json.
pub fn coverage(ctx: &Context) -> PolarsResult<Vec<ListCoverage>> {
    let Some(notices) = ctx.notices()? else {
        return Ok(Vec::new());
    };
    let township = |t: &str| crate::money::township_label(Some(t)).to_string();
    let delivered = notices.lists().map(|((t, village, program, _), l)| {
        let first = notices.row(l.rows[0]);
        ListCoverage {
            township: township(t),
            village: village.clone(),
            program: program.clone(),
            period: first.period.to_string(),
            delivered: true,
            rows: l.rows.len(),
            unplaced: l
                .rows
                .iter()
                .filter(|&&n| !matches!(notices.row(n).fit, Posted::One(_)))
                .count(),
            from: l.from.map(fmt_day),
            to: l.to.map(fmt_day),
        }
    });
    let missing = ctx
        .whole
        .posting
        .unlisted
        .iter()
        .map(|((t, village, program, period), u)| ListCoverage {
            township: township(t),
            village: village.clone(),
            program: program.clone(),
            period: period.clone(),
            delivered: false,
            rows: u.payments,
            unplaced: 0,
            from: None,
            to: None,
        });
    let mut all: Vec<ListCoverage> = delivered.chain(missing).collect();
    all.sort_by(|a, b| {
        (&a.township, &a.village, &a.program, &a.period).cmp(&(
            &b.township,
            &b.village,
            &b.program,
            &b.period,
        ))
    });
    Ok(all)
}
