//! 涉农项目资金 (`generate --projects`): a county's project files — approvals, contracts,
//! disbursements, acceptances and the enterprise register — made after everything else
//! (so a county generated without them is byte for byte what it was), with each project
//! rule planted and its near misses:
//!
//! - PRJ_CHANGED_SITE: a contract built in another village of the township, or a payment
//!   for it; near misses: the same with a change approval (变更批复) on file, and a road
//!   from the project's village to the next (its purpose names both);
//! - PRJ_CHANGED_CONTENT: a contract for other works, or 40% more scale; near misses: the
//!   works described longer (村道硬化及排水), a scale 8% off, a change approved;
//! - PRJ_OVER_APPROVED: a final payment beyond the contracts; money for a project the
//!   approvals lack; near miss: paid to the fen of the contracts;
//! - PRJ_PAID_BEFORE_TENDER: the advance paid before the contract; near miss: on its day;
//! - PRJ_PAID_BEFORE_ACCEPTANCE: half paid before the start, or the final payment before
//!   acceptance; near miss: an advance of exactly the advance share;
//! - PRJ_NO_TENDER: a contract above the threshold let directly; near miss: one exactly at
//!   the threshold;
//! - PRJ_SPLIT_TENDER: one project's three lots, or one contractor's two projects, each
//!   under the threshold within the window; near miss: two such contracts a year apart;
//! - PRJ_TENDER_SLOW: a contract signed 150–250 days after approval; near miss: exactly
//!   the limit;
//! - PRJ_CONTRACTOR_RELATED: a contractor whose legal person is an official, one whose
//!   shareholder is registered in an official's household, and one holding most of a
//!   township's contracts; near miss: a legal person of a cadre's common name;
//! - PRJ_PAYEE_NOT_CONTRACTOR: a progress payment onto a villager's card or a stranger's;
//!   near misses: the supervisor's fee to the supervisor, a contractor's second account.
//!
//! Clean projects are hard too: a supervision contract beside the works (other content,
//! another company), an acceptance failed before one passed, projects not yet finished.

use std::collections::HashSet;

use chrono::{Datelike, Duration, NaiveDate};
use rand::seq::SliceRandom;
use rand::Rng;

use crate::county::{date, township_name, Gen, Person};
use crate::write::{csv_field, day, write_file, yuan};
use fundaudit_core::error::Result;

/// The last day the county's files cover (the as-of date the sample is run with): no
/// payment or acceptance is dated after it.
fn last_day() -> NaiveDate {
    date(2026, 3, 31)
}

/// Kinds of works: name, unit, scale range in hundredths of the unit. No two share a
/// pair of characters but 建设, so another kind is other works to the content check.
const KINDS: &[(&str, (i64, i64))] = &[
    ("村道硬化", (50, 400)),
    ("灌溉渠道衬砌", (50_000, 300_000)),
    ("安全饮水管网改造", (100_000, 500_000)),
    ("文化广场建设", (80_000, 300_000)),
    ("排涝沟清淤", (100_000, 400_000)),
    ("高标准农田建设", (50_000, 300_000)),
];
const FUNDS: &[&str] = &[
    "衔接推进乡村振兴补助资金",
    "以工代赈资金",
    "农田建设补助资金",
    "一事一议财政奖补资金",
];
const SMALL_METHODS: &[&str] = &["竞争性磋商", "邀请招标", "询价", "竞争性谈判", "公开招标"];
const COMPANY_WORDS: &[&str] = &[
    "宏达", "建业", "鑫源", "润丰", "华盛", "恒通", "永安", "中原", "金穗", "天成", "瑞祥", "聚力",
];

struct Project {
    id: String,
    township: usize,
    village: String,
    kind: usize,
    scale: i64,
    approved_fen: i64,
    approved: NaiveDate,
    received: NaiveDate,
    change: String,
    fund: &'static str,
    plan: Plan,
}

#[derive(Clone)]
struct Contract {
    id: String,
    project: usize,
    company: usize,
    amount_fen: i64,
    method: &'static str,
    signed: NaiveDate,
    village: String,
    content: String,
    scale: i64,
    service: bool,
}

struct Payment {
    id: String,
    project: String,
    payee: String,
    account: String,
    amount_fen: i64,
    paid: NaiveDate,
    purpose: String,
}

struct Company {
    name: String,
    account: String,
    /// (name, ID number, role)
    people: Vec<(String, String, &'static str)>,
}

/// How one project's money goes: clean unless a plant says otherwise.
#[derive(Clone)]
struct Plan {
    /// Advance as a share of the contracts (at most 0.30 when clean).
    advance: f64,
    /// Days the advance is paid after the first contract (negative: before it).
    advance_after: i64,
    /// Final payment: the share of the contracts paid in all once accepted (0.97 clean),
    /// and its days after acceptance (negative: before it).
    final_share: f64,
    final_after: i64,
    failed_first: bool,
    /// The progress payment to someone else: (payee, account).
    stray: Option<(String, String)>,
    /// The progress payment's purpose names another village (and the project's own too).
    purpose_other: Option<(String, bool)>,
}

impl Default for Plan {
    fn default() -> Self {
        Plan {
            advance: 0.3,
            advance_after: 3,
            final_share: 0.97,
            final_after: 15,
            failed_first: false,
            stray: None,
            purpose_other: None,
        }
    }
}

#[derive(Default)]
struct Book {
    projects: Vec<Project>,
    contracts: Vec<Contract>,
    payments: Vec<Payment>,
    acceptances: Vec<(String, NaiveDate, &'static str)>,
    companies: Vec<Company>,
}

impl Book {
    fn project(&mut self, g: &mut Gen, t: usize, approved_fen: i64) -> usize {
        let approved = date(2024, 9, 1) + Duration::days(g.rng.random_range(0..400));
        let kind = g.rng.random_range(0..KINDS.len());
        let (lo, hi) = KINDS[kind].1;
        let p = Project {
            id: format!("XM{}{:05}", approved.year(), self.projects.len() + 1),
            township: t,
            village: g.village(t),
            kind,
            scale: g.rng.random_range(lo..hi),
            approved_fen,
            approved,
            received: approved + Duration::days(g.rng.random_range(5..20)),
            change: String::new(),
            fund: FUNDS[g.rng.random_range(0..FUNDS.len())],
            plan: Plan {
                advance: if g.rng.random_bool(0.5) { 0.2 } else { 0.3 },
                failed_first: g.rng.random_bool(0.05),
                ..Plan::default()
            },
        };
        self.projects.push(p);
        self.projects.len() - 1
    }

    /// The works contract of a project, signed `after` days from its approval.
    fn contract(
        &mut self,
        p: usize,
        company: usize,
        amount_fen: i64,
        method: &'static str,
        after: i64,
    ) -> usize {
        let pr = &self.projects[p];
        let c = Contract {
            id: format!("HT{:06}", self.contracts.len() + 1),
            project: p,
            company,
            amount_fen,
            method,
            signed: pr.approved + Duration::days(after),
            village: if self.contracts.len() % 3 == 2 {
                String::new() // a third of contracts name no site
            } else {
                pr.village.clone()
            },
            content: format!("{}施工", KINDS[pr.kind].0),
            scale: pr.scale,
            service: false,
        };
        self.contracts.push(c);
        self.contracts.len() - 1
    }

    fn company(&mut self, g: &mut Gen, t: usize, label: String) -> usize {
        let legal = g.name();
        let birth = g.birth();
        let id = g.unique_id(birth, t);
        let mut people = vec![(legal, id, "法定代表人")];
        if g.rng.random_bool(0.5) {
            let (name, birth) = (g.name(), g.birth());
            people.push((name, g.unique_id(birth, t), "股东"));
        }
        let account = g.account();
        self.companies.push(Company {
            name: label,
            account,
            people,
        });
        self.companies.len() - 1
    }

    fn works(&self, p: usize) -> usize {
        self.contracts
            .iter()
            .position(|c| c.project == p && !c.service)
            .expect("every project has its works contract")
    }

    fn contracted(&self, p: usize) -> i64 {
        self.contracts
            .iter()
            .filter(|c| c.project == p)
            .map(|c| c.amount_fen)
            .sum()
    }

    fn pay(&mut self, p: usize, to: usize, amount_fen: i64, paid: NaiveDate, purpose: String) {
        if amount_fen <= 0 || paid > last_day() {
            return;
        }
        let c = &self.companies[to];
        self.payments.push(Payment {
            id: format!("BF{:07}", self.payments.len() + 1),
            project: self.projects[p].id.clone(),
            payee: c.name.clone(),
            account: c.account.clone(),
            amount_fen,
            paid,
            purpose,
        });
    }

    /// Lays out a project's money by its plan: the advance after the contract, progress
    /// to 65% after the start, the acceptance 120 days after the start, the final payment
    /// and the supervisor's fee after it.
    fn lay_out(&mut self, p: usize) {
        let base = self.contracted(p);
        let works = self.works(p);
        let (builder, signed) = (self.contracts[works].company, self.contracts[works].signed);
        let service: Option<(usize, i64)> = self
            .contracts
            .iter()
            .find(|c| c.project == p && c.service)
            .map(|c| (c.company, c.amount_fen));
        let pr = &self.projects[p];
        let plan = pr.plan.clone();
        let (id, what) = (pr.id.clone(), format!("{}{}", pr.village, KINDS[pr.kind].0));
        let start = self.start(p);
        let share = |s: f64| (s * base as f64).round() as i64;
        let advance = share(plan.advance);
        self.pay(
            p,
            builder,
            advance,
            signed + Duration::days(plan.advance_after),
            format!("{what}预付款"),
        );
        let progress_day = start + Duration::days(45);
        let progress = share(0.65) - advance;
        match (&plan.stray, &plan.purpose_other) {
            (Some((payee, account)), _) if progress > 0 && progress_day <= last_day() => {
                self.payments.push(Payment {
                    id: format!("BF{:07}", self.payments.len() + 1),
                    project: id.clone(),
                    payee: payee.clone(),
                    account: account.clone(),
                    amount_fen: progress,
                    paid: progress_day,
                    purpose: format!("{what}进度款"),
                });
            }
            (_, Some((other, both))) => {
                let pr = &self.projects[p];
                let purpose = if *both {
                    format!("{}至{other}{}进度款", pr.village, KINDS[pr.kind].0)
                } else {
                    format!("{other}{}进度款", KINDS[pr.kind].0)
                };
                self.pay(p, builder, progress, progress_day, purpose);
            }
            _ => self.pay(p, builder, progress, progress_day, format!("{what}进度款")),
        }
        let accepted = start + Duration::days(120);
        if plan.failed_first && accepted - Duration::days(30) <= last_day() {
            self.acceptances
                .push((id.clone(), accepted - Duration::days(30), "不合格"));
        }
        if accepted <= last_day() {
            self.acceptances.push((id.clone(), accepted, "合格"));
        }
        let service_fee = service.map_or(0, |s| s.1);
        let final_day = accepted + Duration::days(plan.final_after);
        if final_day <= last_day() && (accepted <= last_day() || plan.final_after < 0) {
            let rest = share(plan.final_share) - share(0.65) - service_fee;
            self.pay(p, builder, rest, final_day, format!("{what}结算款"));
        }
        if let Some((supervisor, fee)) = service {
            self.pay(
                p,
                supervisor,
                fee,
                accepted + Duration::days(20),
                format!("{what}监理费"),
            );
        }
    }

    /// The planned start: 15 days after the first contract.
    fn start(&self, p: usize) -> NaiveDate {
        let signed = self
            .contracts
            .iter()
            .filter(|c| c.project == p)
            .map(|c| c.signed)
            .min()
            .unwrap_or(self.projects[p].approved);
        signed + Duration::days(15)
    }
}

/// A company name no other company of the county has.
fn company_name(t: Option<usize>, k: usize, suffix: &str) -> String {
    let word = COMPANY_WORDS[k % COMPANY_WORDS.len()];
    let n = k / COMPANY_WORDS.len();
    let place = t.map_or("周口".to_string(), township_name);
    if n == 0 {
        format!("{place}{word}{suffix}")
    } else {
        format!("{place}{word}{n}{suffix}")
    }
}

/// Another village of a township than `not`.
fn other_village(g: &mut Gen, t: usize, not: &str) -> String {
    for _ in 0..50 {
        let v = g.village(t);
        if v != not {
            return v;
        }
    }
    format!("新{not}")
}

/// Makes the county's projects, plants every project rule, writes the five files.
pub(crate) fn plant(g: &mut Gen, out: &std::path::Path) -> Result<()> {
    let n = (g.people.len() / 80).max(40);
    let limit = fundaudit_core::cells::fen_of_yuan(g.config.projects.tender_threshold_yuan);
    let mut b = Book::default();
    let mut county_companies = 0;
    let mut fresh = |g: &mut Gen, b: &mut Book, t: usize| {
        county_companies += 1;
        b.company(g, t, company_name(None, county_companies, "建设有限公司"))
    };
    // Eight builders per township, one supervisor for the county.
    let builders: Vec<Vec<usize>> = (0..g.townships)
        .map(|t| {
            (0..8)
                .map(|k| b.company(g, t, company_name(Some(t), k, "建筑工程有限公司")))
                .collect()
        })
        .collect();
    let supervisor = b.company(g, 0, company_name(None, 0, "工程监理有限公司"));
    for _ in 0..n {
        let t = g.rng.random_range(0..g.townships);
        let large = g.rng.random_bool(0.12);
        let approved = if large {
            g.rng.random_range(4_600_000..9_000_000i64) * 100
        } else {
            g.rng.random_range(200_000..2_300_000i64) * 100
        };
        let p = b.project(g, t, approved);
        let method = if large {
            "公开招标"
        } else {
            SMALL_METHODS[g.rng.random_range(0..SMALL_METHODS.len())]
        };
        let share = g.rng.random_range(88..=98i64);
        let after = g.rng.random_range(15..60);
        let builder = builders[t][g.rng.random_range(0..8)];
        let works = b.contract(p, builder, approved / 100 * share, method, after);
        if g.rng.random_bool(0.33) {
            let mut s = Contract {
                id: format!("HT{:06}", b.contracts.len() + 1),
                company: supervisor,
                amount_fen: b.contracts[works].amount_fen / 50,
                method: "询价",
                content: "工程监理".to_string(),
                village: String::new(),
                scale: 0,
                service: true,
                ..b.contracts[works].clone()
            };
            s.project = p;
            b.contracts.push(s);
        }
    }
    let mut order: Vec<usize> = (0..b.projects.len()).collect();
    order.shuffle(&mut g.rng);
    // Plants needing a finished project take early approvals.
    let early = |b: &Book, p: usize| b.projects[p].approved <= date(2025, 3, 1);
    let (mut early_pool, mut pool): (Vec<usize>, Vec<usize>) =
        order.into_iter().partition(|&p| early(&b, p));
    let mut planted: HashSet<usize> = HashSet::new();
    let each = (b.projects.len() / 100).max(2);
    let mut take = |early: bool, planted: &mut HashSet<usize>| {
        let p = if early {
            early_pool.pop().or_else(|| pool.pop())
        } else {
            pool.pop().or_else(|| early_pool.pop())
        }
        .expect("projects enough for every plant");
        planted.insert(p);
        p
    };

    // 擅自变更实施项目: the site.
    for k in 0..each * 5 / 2 + 3 {
        let p = take(true, &mut planted);
        let (t, own) = (b.projects[p].township, b.projects[p].village.clone());
        let other = other_village(g, t, &own);
        let works = b.works(p);
        match k % 5 {
            0 | 1 => {
                b.contracts[works].village = other;
                truth(
                    g,
                    &b,
                    p,
                    "PRJ_CHANGED_SITE",
                    "a contract built in another village",
                );
            }
            2 => {
                b.projects[p].plan.purpose_other = Some((other, false));
                truth(
                    g,
                    &b,
                    p,
                    "PRJ_CHANGED_SITE",
                    "a payment for another village",
                );
            }
            // Near misses: a change approved; a road from its village to the next.
            3 => {
                b.contracts[works].village = other;
                b.projects[p].change = format!("农发变〔2025〕{k}号");
            }
            _ => b.projects[p].plan.purpose_other = Some((other, true)),
        }
    }
    // The content and the scale.
    for k in 0..each * 5 / 2 + 3 {
        let p = take(false, &mut planted);
        let works = b.works(p);
        let kind = b.projects[p].kind;
        match k % 5 {
            0 => {
                let other = (kind + 1 + k % (KINDS.len() - 1)) % KINDS.len();
                b.contracts[works].content = format!("{}施工", KINDS[other].0);
                truth(
                    g,
                    &b,
                    p,
                    "PRJ_CHANGED_CONTENT",
                    "a contract for other works",
                );
            }
            1 => {
                b.contracts[works].scale = b.projects[p].scale * 14 / 10;
                truth(
                    g,
                    &b,
                    p,
                    "PRJ_CHANGED_CONTENT",
                    "a contract of 40% more scale",
                );
            }
            // Near misses: the works described longer, 8% more scale, a change approved.
            2 => b.contracts[works].content = format!("{}及附属设施施工", KINDS[kind].0),
            3 => b.contracts[works].scale = b.projects[p].scale * 108 / 100,
            _ => {
                let other = (kind + 1) % KINDS.len();
                b.contracts[works].content = format!("{}施工", KINDS[other].0);
                b.projects[p].change = format!("农发变〔2025〕{}号", 100 + k);
            }
        }
    }
    // Money beyond the contracts; near miss: paid to the fen of them.
    for k in 0..each + 1 {
        let p = take(true, &mut planted);
        if k % 3 == 2 {
            b.projects[p].plan.final_share = 1.0;
        } else {
            b.projects[p].plan.final_share = 1.10;
            truth(
                g,
                &b,
                p,
                "PRJ_OVER_APPROVED",
                "a final payment beyond the contracts",
            );
        }
    }
    // Paid before the contract; near miss: on its day.
    for k in 0..each + 1 {
        let p = take(false, &mut planted);
        if k % 3 == 2 {
            b.projects[p].plan.advance_after = 0;
        } else {
            b.projects[p].plan.advance_after = -g.rng.random_range(10..30);
            truth(
                g,
                &b,
                p,
                "PRJ_PAID_BEFORE_TENDER",
                "the advance paid before the contract",
            );
        }
    }
    // Paid ahead of the work; near miss: an advance of exactly the share.
    for k in 0..each + 2 {
        let p = take(k % 4 == 1, &mut planted);
        match k % 4 {
            0 => {
                b.projects[p].plan.advance = 0.5;
                truth(
                    g,
                    &b,
                    p,
                    "PRJ_PAID_BEFORE_ACCEPTANCE",
                    "half paid before the start",
                );
            }
            1 => {
                b.projects[p].plan.final_after = -20;
                truth(
                    g,
                    &b,
                    p,
                    "PRJ_PAID_BEFORE_ACCEPTANCE",
                    "the final payment before acceptance",
                );
            }
            _ => b.projects[p].plan.advance = 0.3,
        }
    }
    // The progress payment onto a villager's card or a stranger's; near miss: onto the
    // contractor's second account, in its name.
    for k in 0..each + 2 {
        let p = take(true, &mut planted);
        let stray = match k % 3 {
            0 => {
                let who = &g.people[g.rng.random_range(0..g.people.len())];
                (who.name.clone(), who.account.clone())
            }
            1 => (g.name(), g.account()),
            _ => {
                let builder = b.contracts[b.works(p)].company;
                (b.companies[builder].name.clone(), g.account())
            }
        };
        b.projects[p].plan.stray = Some(stray);
        if k % 3 != 2 {
            truth(
                g,
                &b,
                p,
                "PRJ_PAYEE_NOT_CONTRACTOR",
                "a progress payment to a person",
            );
        }
    }
    // Slow from approval to contract; near miss: exactly the limit.
    let slow_days = g.config.projects.approval_to_contract_days as i64;
    for k in 0..each + 1 {
        let p = take(true, &mut planted);
        let after = if k % 3 == 2 {
            b.projects[p].received = b.projects[p].approved + Duration::days(20);
            b.projects[p].plan.advance_after = 1;
            slow_days
        } else {
            truth(
                g,
                &b,
                p,
                "PRJ_TENDER_SLOW",
                "a contract signed long after approval",
            );
            g.rng.random_range(150..250)
        };
        let signed = b.projects[p].approved + Duration::days(after);
        for c in b.contracts.iter_mut().filter(|c| c.project == p) {
            c.signed = signed;
        }
    }
    // Above the threshold let directly; near miss: exactly the threshold.
    for k in 0..each + 1 {
        let t = g.rng.random_range(0..g.townships);
        let near = k % 3 == 2;
        let approved = if near {
            limit + limit / 20
        } else {
            limit * 13 / 10
        };
        let p = b.project(g, t, approved);
        planted.insert(p);
        let amount = if near { limit } else { approved / 100 * 95 };
        let builder = builders[t][k % 8];
        b.contract(p, builder, amount, "直接委托", 30);
        if !near {
            truth(
                g,
                &b,
                p,
                "PRJ_NO_TENDER",
                "a contract above the threshold let directly",
            );
        }
    }
    // 拆分规避招标: one project's lots; one contractor's two projects; near miss: two
    // such contracts a year apart.
    for k in 0..each + 1 {
        let t = g.rng.random_range(0..g.townships);
        let company = fresh(g, &mut b, t);
        let lot = |g: &mut Gen| limit / 100 * g.rng.random_range(70..95i64);
        match k % 3 {
            0 => {
                let lots: Vec<i64> = (0..3).map(|_| lot(g)).collect();
                let p = b.project(g, t, lots.iter().sum::<i64>() / 95 * 100);
                planted.insert(p);
                for (i, &amount) in lots.iter().enumerate() {
                    let c = b.contract(p, company, amount, "竞争性磋商", 20 + 15 * i as i64);
                    b.contracts[c].content =
                        format!("{}施工（{}标段）", KINDS[b.projects[p].kind].0, i + 1);
                }
                truth(g, &b, p, "PRJ_SPLIT_TENDER", "one project's three lots");
            }
            _ => {
                let near = k % 3 == 2;
                let mut ids = Vec::new();
                let mut first: Option<NaiveDate> = None;
                for _ in 0..2 {
                    let amount = lot(g);
                    let p = b.project(g, t, amount / 93 * 100);
                    planted.insert(p);
                    // The first approved early enough for the second to come 60 (near
                    // miss: 300) days after it, before the files' last day.
                    let approved = match first {
                        Some(f) => f + Duration::days(if near { 300 } else { 60 }),
                        None => date(2024, 10, 1) + Duration::days(g.rng.random_range(0..120)),
                    };
                    b.projects[p].approved = approved;
                    b.projects[p].received = approved + Duration::days(10);
                    first.get_or_insert(approved);
                    b.contract(p, company, amount, "竞争性磋商", 20);
                    ids.push(b.projects[p].id.clone());
                }
                if !near {
                    g.plant(
                        "PRJ_SPLIT_TENDER",
                        "project",
                        ids,
                        "one contractor's two projects",
                    );
                }
            }
        }
    }
    // Whose company: an official's; one whose shareholder is in an official's
    // household; near miss: a legal person of a cadre's name.
    for k in 0..each + 1 {
        let t = g.rng.random_range(0..g.townships);
        let company = fresh(g, &mut b, t);
        let approved = g.rng.random_range(500_000..2_000_000i64) * 100;
        let p = b.project(g, t, approved);
        planted.insert(p);
        let amount = b.projects[p].approved_fen / 100 * 92;
        b.contract(p, company, amount, "竞争性磋商", 30);
        match k % 3 {
            0 => {
                let o = g.rng.random_range(0..g.officials.len());
                let (name, id) = (g.officials[o].0.clone(), g.officials[o].1.clone());
                b.companies[company].people[0] = (name, id, "法定代表人");
                truth(
                    g,
                    &b,
                    p,
                    "PRJ_CONTRACTOR_RELATED",
                    "legal person an official",
                );
            }
            1 => {
                let member = registered_household(g, t);
                b.companies[company]
                    .people
                    .push((member.0, member.1, "股东"));
                truth(
                    g,
                    &b,
                    p,
                    "PRJ_CONTRACTOR_RELATED",
                    "shareholder in an official's household",
                );
            }
            _ => {
                // A county bureau's cadre: named in no township, so no payee is taken
                // for them by name.
                let name = g.common_name();
                let birth = g.birth();
                let id = g.unique_id(birth, t);
                let account = g.account();
                g.officials.push((
                    name.clone(),
                    id,
                    "县农业农村局".to_string(),
                    "科员".to_string(),
                    t,
                    account,
                ));
                let birth = g.birth();
                let other = g.unique_id(birth, t);
                b.companies[company].people[0] = (name, other, "法定代表人");
            }
        }
    }
    // Unknown project: money for an id the approvals lack.
    {
        let t = g.rng.random_range(0..g.townships);
        let builder = builders[t][0];
        let c = &b.companies[builder];
        let id = "XM202599999".to_string();
        b.payments.push(Payment {
            id: "BF9999999".to_string(),
            project: id.clone(),
            payee: c.name.clone(),
            account: c.account.clone(),
            amount_fen: 38_600_000,
            paid: date(2025, 11, 20),
            purpose: "道路工程款".to_string(),
        });
        g.plant(
            "PRJ_OVER_APPROVED",
            "project",
            vec![id],
            "money for a project never approved",
        );
    }
    dominance(g, &mut b, &builders, &planted);
    for p in 0..b.projects.len() {
        b.lay_out(p);
    }
    write(&b, out)
}

/// What one plant on project `p` puts in truth.csv.
fn truth(g: &mut Gen, b: &Book, p: usize, rule: &'static str, note: &str) {
    g.plant(rule, "project", vec![b.projects[p].id.clone()], note);
}

/// An official registered in the registry (drawing nothing) and a member of their
/// household (same village, same card): the member's (name, ID).
fn registered_household(g: &mut Gen, t: usize) -> (String, String) {
    let village = g.village(t);
    let account = g.account();
    // Names no one of the village holds: a namesake would make the village's other
    // plants ambiguous (a death listed by name and village only).
    let mut taken: HashSet<String> = g
        .people
        .iter()
        .filter(|p| p.township == t && p.village == village)
        .map(|p| p.name.clone())
        .collect();
    let mut pair = Vec::new();
    for _ in 0..2 {
        let index = g.people.len();
        let mut q: Person = g.person(index);
        while taken.contains(&q.name) {
            q = g.person(index);
        }
        taken.insert(q.name.clone());
        q.township = t;
        q.village = village.clone();
        q.account = account.clone();
        pair.push((q.name.clone(), q.id_number.clone()));
        g.people.push(q);
    }
    let official = pair[0].clone();
    g.officials.push((
        official.0,
        official.1,
        format!("{}{village}村委会", township_name(t)),
        "村主任".to_string(),
        t,
        account,
    ));
    pair.swap_remove(1)
}

/// One contractor holding most of a township's projects: three in five of them and one
/// more, taken from projects no other plant touched (more are approved there until
/// enough are), the rest to three other builders.
fn dominance(g: &mut Gen, b: &mut Book, builders: &[Vec<usize>], planted: &HashSet<usize>) {
    let t = g.rng.random_range(0..g.townships);
    let x = b.company(g, t, company_name(Some(t), 8, "建设工程有限公司"));
    let in_t = |b: &Book| b.projects.iter().filter(|p| p.township == t).count();
    let untouched = |b: &Book| -> Vec<usize> {
        (0..b.projects.len())
            .filter(|&p| b.projects[p].township == t && !planted.contains(&p))
            .collect()
    };
    while untouched(b).len() < in_t(b) * 3 / 5 + 4 {
        let approved = g.rng.random_range(200_000..2_300_000i64) * 100;
        let p = b.project(g, t, approved);
        b.contract(p, builders[t][0], approved / 100 * 92, "询价", 30);
    }
    let mine = untouched(b);
    let want = in_t(b) * 3 / 5 + 1;
    let mut ids = Vec::new();
    for &p in mine.iter().take(want) {
        let w = b.works(p);
        b.contracts[w].company = x;
        ids.push(b.projects[p].id.clone());
    }
    // The rest of the township's untouched projects to three other builders at least.
    for (k, &p) in mine.iter().skip(want).enumerate() {
        let w = b.works(p);
        b.contracts[w].company = builders[t][k % 3];
    }
    g.plant(
        "PRJ_CONTRACTOR_RELATED",
        "project",
        ids,
        "one contractor holding most of a township",
    );
}

fn write(b: &Book, out: &std::path::Path) -> Result<()> {
    write_file(
        out,
        "projects.csv",
        "项目编号,项目名称,乡镇,村,建设内容,建设规模,批复金额,批复日期,资金到位日期,计划开工日期,变更批复文号,资金类别",
        b.projects.iter().enumerate().map(|(i, p)| {
            let kind = KINDS[p.kind].0;
            format!(
                "{},{}{kind}项目,{},{},{kind},{},{},{},{},{},{},{}",
                p.id,
                p.village,
                township_name(p.township),
                p.village,
                yuan(p.scale),
                yuan(p.approved_fen),
                day(p.approved),
                day(p.received),
                day(b.start(i)),
                p.change,
                p.fund
            )
        }),
    )?;
    write_file(
        out,
        "contracts.csv",
        "合同编号,项目编号,中标单位,乙方账号,合同金额,招标方式,开标日期,签订日期,投标单位数,施工地点,合同内容,建设规模",
        b.contracts.iter().map(|c| {
            let company = &b.companies[c.company];
            let scale = if c.service { String::new() } else { yuan(c.scale) };
            format!(
                "{},{},{},{},{},{},{},{},{},{},{},{scale}",
                c.id,
                b.projects[c.project].id,
                company.name,
                company.account,
                yuan(c.amount_fen),
                c.method,
                day(c.signed - Duration::days(7)),
                day(c.signed),
                if c.method == "直接委托" { 1 } else { 3 + c.id.len() % 4 },
                c.village,
                csv_field(&c.content)
            )
        }),
    )?;
    write_file(
        out,
        "project_payments.csv",
        "拨付编号,项目编号,收款单位,收款账号,拨付金额,拨付日期,用途",
        b.payments.iter().map(|k| {
            format!(
                "{},{},{},{},{},{},{}",
                k.id,
                k.project,
                k.payee,
                k.account,
                yuan(k.amount_fen),
                day(k.paid),
                csv_field(&k.purpose)
            )
        }),
    )?;
    write_file(
        out,
        "acceptances.csv",
        "项目编号,验收日期,验收结果",
        b.acceptances
            .iter()
            .map(|(id, d, result)| format!("{id},{},{result}", day(*d))),
    )?;
    write_file(
        out,
        "contractors.csv",
        "企业名称,姓名,身份证号,职务,基本账户",
        b.companies.iter().flat_map(|c| {
            c.people
                .iter()
                .map(move |(name, id, role)| format!("{},{name},{id},{role},{}", c.name, c.account))
        }),
    )
}
