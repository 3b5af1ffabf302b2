//! What a case says, in two or three sentences: who or which card is at its centre, the
//! officials or cadres its findings name (with their posts), what its findings are (each
//! count once), where, and the money counted once — with why it differs from the card's
//! own total when both are given. Worked out once as facts, then written in Chinese or,
//! with `--lang en`, English.

use std::collections::{BTreeMap, BTreeSet};

use fundaudit_core::cells::fmt_yuan;
use fundaudit_core::findings::ScoredView;
use fundaudit_core::policy::Policy;
use fundaudit_rules::context::Context;
use fundaudit_rules::money::{split, Paids as Payments};

/// What the grouping knows of a case when it is summarised.
pub(crate) struct Outline<'a> {
    pub accounts: &'a BTreeSet<String>,
    /// Rule → member findings of it.
    pub rules: &'a BTreeMap<String, usize>,
    /// Resolved people.
    pub people: usize,
    pub townships: &'a BTreeSet<String>,
    /// Money at risk, each payment once.
    pub amount_fen: i64,
}

/// Money of a case's findings paid to one account.
#[derive(Default)]
struct AccountTally<'a> {
    /// Beneficiary ids whose money it received.
    people: BTreeSet<&'a str>,
    fen: i64,
    /// Account-holder names the bank recorded, with how many payments each.
    holders: BTreeMap<&'a str, usize>,
}

/// Who or what a case turns on.
enum Centre {
    /// One card took the money of several people.
    Account {
        account: String,
        holder: String,
        people: usize,
        fen: i64,
    },
    /// The people of its highest-scored finding, its rules, and their card when one.
    People {
        who: Vec<String>,
        rules: Vec<String>,
        card: Option<String>,
    },
}

/// An official or cadre a finding names (a row of the officials' list).
struct Actor {
    name: String,
    post: String,
}

struct Facts {
    centre: Centre,
    actors: Vec<Actor>,
    findings: usize,
    rules: Vec<(String, usize)>,
    people: usize,
    accounts: usize,
    townships: Vec<String>,
    total_fen: i64,
}

/// The case's summary in Chinese, or in English when `english`.
pub(crate) fn summary(
    case: &Outline,
    members: &[usize],
    f: &ScoredView,
    ctx: &Context,
    pays: &Payments,
    english: bool,
) -> String {
    let facts = Facts::of(case, members, f, ctx, pays);
    if english {
        facts.english(Policy::built_in())
    } else {
        facts.chinese()
    }
}

impl Facts {
    fn of(
        case: &Outline,
        members: &[usize],
        f: &ScoredView,
        ctx: &Context,
        pays: &Payments,
    ) -> Facts {
        // The card most of the members' money went to, when it carried several people's.
        let mut by_account: BTreeMap<&str, AccountTally> = BTreeMap::new();
        let mut counted: BTreeSet<&str> = BTreeSet::new();
        for &m in members {
            for id in split(f.payment_ids[m]) {
                if let Some(p) = pays
                    .get(id)
                    .filter(|p| case.accounts.contains(p.account.as_str()))
                {
                    let e = by_account.entry(p.account.as_str()).or_default();
                    if f.rule[m] != Some("DIV_SHARED_ACCOUNT") {
                        e.people.extend(split(f.beneficiary_ids[m]).take(1));
                    }
                    // A payment in two findings is one payment.
                    if counted.insert(id) {
                        e.fen += p.amount_fen;
                        *e.holders.entry(p.payee.as_str()).or_default() += 1;
                    }
                }
            }
        }
        // People, not registrations: two registrations of one person are one.
        let people_of = |ids: &BTreeSet<&str>| {
            ids.iter()
                .map(|id| ctx.person_key(id))
                .collect::<BTreeSet<_>>()
                .len()
        };
        let shared = by_account
            .iter()
            .filter(|(_, v)| people_of(&v.people) >= 2)
            .max_by_key(|(_, v)| (people_of(&v.people), v.fen));
        let centre = match shared {
            Some((account, tally)) => Centre::Account {
                account: account.to_string(),
                holder: tally
                    .holders
                    .iter()
                    .max_by_key(|(_, n)| **n)
                    .map_or(String::new(), |(h, _)| h.to_string()),
                people: people_of(&tally.people),
                fen: tally.fen,
            },
            None => {
                let lead = members
                    .iter()
                    .copied()
                    .max_by(|&a, &b| {
                        f.risk_score[a]
                            .unwrap_or(0.0)
                            .total_cmp(&f.risk_score[b].unwrap_or(0.0))
                    })
                    .unwrap_or(members[0]);
                Centre::People {
                    who: split(f.beneficiary_ids[lead])
                        .take(3)
                        .map(|id| ctx.person_label(id))
                        .collect(),
                    rules: case.rules.keys().cloned().collect(),
                    card: (case.accounts.len() == 1)
                        .then(|| case.accounts.iter().next().cloned())
                        .flatten(),
                }
            }
        };
        let mut actors = Vec::new();
        let mut lines = BTreeSet::new();
        for &m in members {
            for line in split(f.refs[m])
                .filter_map(|r| r.strip_prefix("officials:"))
                .filter_map(|l| l.parse::<usize>().ok())
            {
                if !lines.insert(line) {
                    continue;
                }
                if let Some(o) = ctx.official_at_line(line) {
                    actors.push(Actor {
                        name: o.raw_name.clone(),
                        post: format!("{}{}", o.unit, o.role),
                    });
                }
            }
        }
        Facts {
            centre,
            actors,
            findings: members.len(),
            rules: case.rules.iter().map(|(r, n)| (r.clone(), *n)).collect(),
            people: case.people,
            accounts: case.accounts.len(),
            townships: case.townships.iter().cloned().collect(),
            total_fen: case.amount_fen,
        }
    }

    fn chinese(&self) -> String {
        let title = fundaudit_core::findings::rule_title;
        let mut s = match &self.centre {
            Centre::Account {
                account,
                holder,
                people,
                fen,
            } => format!(
                "账户{account}（户名{holder}）收取{people}名享受对象的补贴共{}元。",
                fmt_yuan(*fen)
            ),
            Centre::People { who, rules, card } => {
                let rules: Vec<&str> = rules.iter().map(|r| title(r)).collect();
                let mut s = if who.is_empty() {
                    rules.join("、")
                } else {
                    format!("{}：{}", who.join("、"), rules.join("、"))
                };
                if let Some(card) = card {
                    s.push_str(&format!("，收款账户{card}"));
                }
                s.push('。');
                s
            }
        };
        if !self.actors.is_empty() {
            let named: Vec<String> = self
                .actors
                .iter()
                .map(|a| format!("{}（{}）", a.name, a.post))
                .collect();
            s.push_str(&format!("涉及公职人员、村干部{}。", named.join("、")));
        }
        let rules: Vec<String> = self
            .rules
            .iter()
            .map(|(r, n)| format!("{}{}条", title(r), n))
            .collect();
        s.push_str(&format!(
            "本案共{}条线索（{}），涉及{}名享受对象、{}个收款账户",
            self.findings,
            rules.join("、"),
            self.people,
            self.accounts
        ));
        if !self.townships.is_empty() {
            s.push_str(&format!("，分布于{}", self.townships.join("、")));
        }
        let total = fmt_yuan(self.total_fen);
        match &self.centre {
            // Two sums, and why: the card's is part of the case's.
            Centre::Account { fen, .. } if *fen != self.total_fen => s.push_str(&format!(
                "。全案涉及金额合计{total}元（含上述账户收取的{}元，其余为本案其他线索的资金；同一笔资金只计一次）。",
                fmt_yuan(*fen)
            )),
            _ => s.push_str(&format!("，涉及金额合计{total}元（同一笔资金只计一次）。")),
        }
        s
    }

    fn english(&self, policy: &Policy) -> String {
        let title = |r: &str| policy.title(r, true);
        let mut s = match &self.centre {
            Centre::Account {
                account,
                holder,
                people,
                fen,
            } => format!(
                "Account {account} (holder {holder}) received {} yuan of {people} beneficiaries' subsidies.",
                fmt_yuan(*fen)
            ),
            Centre::People { who, rules, card } => {
                let rules: Vec<String> = rules.iter().map(|r| title(r)).collect();
                let mut s = if who.is_empty() {
                    rules.join(", ")
                } else {
                    format!("{}: {}", who.join(", "), rules.join(", "))
                };
                if let Some(card) = card {
                    s.push_str(&format!("; paid to account {card}"));
                }
                s.push('.');
                s
            }
        };
        if !self.actors.is_empty() {
            let named: Vec<String> = self
                .actors
                .iter()
                .map(|a| format!("{} ({})", a.name, a.post))
                .collect();
            s.push_str(&format!(
                " Officials or cadres named: {}.",
                named.join(", ")
            ));
        }
        let rules: Vec<String> = self
            .rules
            .iter()
            .map(|(r, n)| format!("{} {n}", title(r)))
            .collect();
        s.push_str(&format!(
            " {} findings ({}), {} beneficiaries, {} accounts",
            self.findings,
            rules.join(", "),
            self.people,
            self.accounts
        ));
        if !self.townships.is_empty() {
            s.push_str(&format!(", in {}", self.townships.join(", ")));
        }
        let total = fmt_yuan(self.total_fen);
        match &self.centre {
            Centre::Account { fen, .. } if *fen != self.total_fen => s.push_str(&format!(
                ". The case's money at risk is {total} yuan, of which {} yuan through the account above (each payment counted once).",
                fmt_yuan(*fen)
            )),
            _ => s.push_str(&format!("; money at risk {total} yuan (each payment counted once).")),
        }
        s
    }
}
