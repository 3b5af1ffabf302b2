//! The villages' posted lists (公示名单) and what goes wrong with them, once every other
//! plant has made its payments (so nothing before changes):
//!
//! - every allocation is posted on its village's list for the program and period, the
//!   ID number masked in one of three styles (`411623********1234`,
//!   `4116**********123X`, `4116231980********`: the last leaves two villagers of one
//!   name and birth year alike, and the name must tell them apart), hung from 8 to 20
//!   days before the list's first payment;
//! - PUB_NOT_POSTED: a paid person left off a list that is otherwise delivered;
//! - PUB_AMOUNT_DIFFERS: a posted amount above what was paid (partial) or below it
//!   (duplicate); near miss: 0.50 yuan off, within tolerance;
//! - PUB_POSTED_LATE: a list hung 0–5 days before its first payment, or after it; near
//!   miss: exactly `[notices] min_days` days;
//! - PUB_POSTED_NOT_ELIGIBLE: a name no registered person fits, and a person posted for
//!   a period after their death;
//! - DIV_CARD_RULE: the truth of what the clean household cards already do, a per-person
//!   program paid to another member's card (a household program on one is the near miss);
//! - PUB_LIST_MISSING, last: a paid village's list for a program and period left out of
//!   the delivery, one list in 400 (at least two) that no plant touched.
//!
//! Then AMOUNT_BASIS: farmland allocations that claim more than their 确权面积 (land.csv),
//! and old-age allowances of a band above the person's age.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Duration, NaiveDate};
use rand::Rng;

use crate::county::{area_fen, old_age_band, ListKey, Notice, Truth, FOREIGN_REGION};
use crate::county::{Gen, Person};
use crate::county::{OLD_AGE, OLD_AGE_BANDS};
use crate::draw::Draw;
use fundaudit_core::cells::{fmt_yuan, from_day, period_start};
use fundaudit_core::config::PaidTo;

/// An ID number as a posted list prints it, in the style `k` picks.
pub(crate) fn mask(id: &str, k: usize) -> String {
    if id.chars().count() != 18 || !id.is_ascii() {
        return id.to_string(); // a malformed number is posted as it is
    }
    match k % 3 {
        0 => format!("{}********{}", &id[..6], &id[14..]),
        1 => format!("{}**********{}", &id[..4], &id[14..]),
        _ => format!("{}********", &id[..10]),
    }
}

fn key_of(person: &Person, program: &'static str, period: &str) -> ListKey {
    (
        person.township,
        person.village.clone(),
        program,
        period.to_string(),
    )
}

/// Posts every allocation and plants the publicity rules' anomalies and near misses.
pub(crate) fn post(g: &mut Gen, draw: &mut Draw) {
    // Posted rows: one per allocation, in the village of its person.
    let mut first_paid: BTreeMap<ListKey, (NaiveDate, String)> = BTreeMap::new();
    let alloc_index: std::collections::HashMap<&str, usize> = g
        .allocations
        .iter()
        .enumerate()
        .map(|(i, a)| (a.id.as_str(), i))
        .collect();
    for p in &g.payments {
        let Some(&a) = alloc_index.get(p.allocation.as_str()) else {
            continue;
        };
        let a = &g.allocations[a];
        let Some(person) = g.person_of(&a.person) else {
            continue;
        };
        let key = key_of(person, a.program, &a.period);
        let e = first_paid.entry(key).or_insert((p.paid, p.id.clone()));
        if (p.paid, &p.id) < (e.0, &e.1) {
            *e = (p.paid, p.id.clone());
        }
    }
    let mut notices = Vec::with_capacity(g.allocations.len());
    for (i, a) in g.allocations.iter().enumerate() {
        // An unregistered beneficiary has no village to post in.
        let Some(person) = g.person_of(&a.person) else {
            continue;
        };
        notices.push(Notice {
            allocation: Some(i),
            township: person.township,
            village: person.village.clone(),
            program: a.program,
            period: a.period.clone(),
            name: person.name.clone(),
            id_shown: mask(&person.id_number, i),
            amount_fen: a.amount_fen,
        });
    }
    // When each list hung: 8 to 20 days before its first payment.
    let lists: Vec<ListKey> = notices
        .iter()
        .map(Notice::list)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    for key in &lists {
        let anchor = first_paid
            .get(key)
            .map(|f| f.0)
            .unwrap_or(NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or_default());
        let from = anchor - Duration::days(g.rng.random_range(8..=20));
        g.notice_dates
            .insert(key.clone(), (from, from + Duration::days(7)));
    }
    g.notices = notices;
    // The household cards' truth first: it knows only the other plants' people.
    card_rule(g);
    let min_days = g.config.notices.min_days as i64;
    late(g, &lists, &first_paid, min_days);
    let namesakes = namesakes(g);
    unposted(g, draw, &namesakes);
    amounts(g, draw, &namesakes);
    not_eligible(g, draw, &namesakes);
    missing(g, &lists, &first_paid);
}

/// PUB_LIST_MISSING: whole lists left out of the delivery, taken among the paid lists
/// whose rows all post allocations and that no plant touched (a list left out would
/// silence a publicity plant, and a list row is evidence for others: a dead person still
/// posted), so every other plant stands as planted.
fn missing(g: &mut Gen, lists: &[ListKey], first_paid: &BTreeMap<ListKey, (NaiveDate, String)>) {
    let touched: HashSet<&str> = g
        .truth
        .iter()
        .flat_map(|t| t.ids.iter().map(String::as_str))
        .collect();
    let mut rows: BTreeMap<ListKey, Vec<usize>> = BTreeMap::new();
    for (i, n) in g.notices.iter().enumerate() {
        rows.entry(n.list()).or_default().push(i);
    }
    let paid_by: HashMap<&str, Vec<&str>> = g.payments.iter().fold(HashMap::new(), |mut m, p| {
        m.entry(p.allocation.as_str())
            .or_default()
            .push(p.id.as_str());
        m
    });
    let clean = |key: &ListKey| -> Option<Vec<String>> {
        let mut ids = Vec::new();
        for &i in rows.get(key)? {
            let a = &g.allocations[g.notices[i].allocation?];
            let payments = paid_by.get(a.id.as_str()).map_or(&[][..], |v| v);
            if touched.contains(a.id.as_str())
                || touched.contains(a.person.as_str())
                || payments.iter().any(|p| touched.contains(p))
            {
                return None;
            }
            if !payments.is_empty() {
                ids.push(a.id.clone());
            }
        }
        (!ids.is_empty()).then_some(ids)
    };
    let candidates: Vec<(&ListKey, Vec<String>)> = lists
        .iter()
        .filter(|k| first_paid.contains_key(*k))
        .filter_map(|k| Some((k, clean(k)?)))
        .collect();
    let count = (lists.len() / 400).max(2).min(candidates.len());
    let mut left_out: HashSet<ListKey> = HashSet::new();
    for k in 0..count {
        let (key, ids) = &candidates[(k * 397 + 11) % candidates.len()];
        if !left_out.insert((*key).clone()) {
            continue;
        }
        g.plant(
            "PUB_LIST_MISSING",
            "allocation",
            ids.clone(),
            format!("{}{}{} list not delivered", key.1, key.2, key.3),
        );
    }
    g.notices.retain(|n| !left_out.contains(&n.list()));
}

/// PUB_POSTED_LATE, one list in 150 (at least three): hung 0–5 days before the first
/// payment or 1–3 days after it; every third a near miss hung exactly `min_days`.
fn late(
    g: &mut Gen,
    lists: &[ListKey],
    first_paid: &BTreeMap<ListKey, (NaiveDate, String)>,
    min_days: i64,
) {
    let paid: Vec<&ListKey> = lists
        .iter()
        .filter(|k| first_paid.contains_key(*k))
        .collect();
    let count = (paid.len() / 150).max(3).min(paid.len());
    for k in 0..count {
        let key = paid[(k * 149 + 7) % paid.len()];
        let (first, payment) = &first_paid[key];
        let near = k % 3 == 2;
        let from = if near {
            *first - Duration::days(min_days)
        } else if k % 3 == 0 {
            *first + Duration::days(g.rng.random_range(1..=3))
        } else {
            *first - Duration::days(g.rng.random_range(0..=5))
        };
        g.notice_dates
            .insert(key.clone(), (from, from + Duration::days(7)));
        if !near {
            g.plant(
                "PUB_POSTED_LATE",
                "payment",
                vec![payment.clone()],
                format!("{}{}{} posted {}", key.1, key.2, key.3, from),
            );
        }
    }
}

/// The posted rows of a person's first allocation (index into `g.notices`) when the
/// person is registered once, paid, and their list holds someone else too.
fn posted_first(g: &Gen, p: usize, namesakes: &HashSet<usize>) -> Option<(usize, usize)> {
    let person = &g.people[p];
    if namesakes.contains(&p) {
        return None;
    }
    let a = g.allocations.iter().position(|a| a.person == person.id)?;
    let paid: i64 = g
        .payments
        .iter()
        .filter(|x| x.allocation == g.allocations[a].id)
        .map(|x| x.amount_fen)
        .sum();
    if paid != g.allocations[a].amount_fen || paid <= 0 {
        return None;
    }
    let n = g.notices.iter().position(|x| x.allocation == Some(a))?;
    let key = (
        person.township,
        &person.village,
        g.allocations[a].program,
        &g.allocations[a].period,
    );
    let others = g
        .notices
        .iter()
        .filter(|x| (x.township, &x.village, x.program, &x.period) == key && x.name != person.name)
        .take(1)
        .count();
    (others > 0).then_some((a, n))
}

/// People whom someone else of their village shares a name with: a list cannot tell two
/// villagers of one name apart when the digits it shows are alike (their rows are no
/// accusation), so a plant takes a person the list names unambiguously.
fn namesakes(g: &Gen) -> HashSet<usize> {
    let mut by: std::collections::HashMap<(usize, &str, String), Vec<usize>> =
        std::collections::HashMap::new();
    for (p, person) in g.people.iter().enumerate() {
        let key = (
            person.township,
            person.village.as_str(),
            fundaudit_identity::normalize_name(&person.name),
        );
        by.entry(key).or_default().push(p);
    }
    by.into_values().filter(|v| v.len() > 1).flatten().collect()
}

/// PUB_NOT_POSTED: a paid person's row removed from an otherwise delivered list.
fn unposted(g: &mut Gen, draw: &mut Draw, namesakes: &HashSet<usize>) {
    let mut removed = HashSet::new();
    for _ in 0..draw.count(0.002) {
        let p = draw.take();
        let Some((a, n)) = posted_first(g, p, namesakes) else {
            continue;
        };
        removed.insert(n);
        let id = g.allocations[a].id.clone();
        g.plant(
            "PUB_NOT_POSTED",
            "allocation",
            vec![id],
            "left off the posted list",
        );
    }
    // Removed last, so the indices above held.
    let mut k = 0;
    g.notices.retain(|_| {
        k += 1;
        !removed.contains(&(k - 1))
    });
}

/// PUB_AMOUNT_DIFFERS: a posted amount 20–200 yuan above what was paid (partial) or
/// below it (duplicate); every third a near miss 0.50 yuan off.
fn amounts(g: &mut Gen, draw: &mut Draw, namesakes: &HashSet<usize>) {
    for k in 0..draw.count(0.003) {
        let p = draw.take();
        let Some((a, n)) = posted_first(g, p, namesakes) else {
            continue;
        };
        let id = g.allocations[a].id.clone();
        let gap = g.rng.random_range(2_000..20_000);
        match k % 3 {
            0 => {
                g.notices[n].amount_fen += gap;
                g.plant(
                    "PUB_AMOUNT_DIFFERS",
                    "allocation",
                    vec![id],
                    format!("posted {} more than paid", fmt_yuan(gap)),
                );
            }
            1 => {
                let gap = gap.min(g.notices[n].amount_fen - 100).max(200);
                g.notices[n].amount_fen -= gap;
                g.truth.push(Truth {
                    category: Some("duplicate"),
                    rule: "PUB_AMOUNT_DIFFERS",
                    key_type: "allocation",
                    ids: vec![id],
                    note: format!("paid {} beyond the posted amount", fmt_yuan(gap)),
                });
            }
            _ => g.notices[n].amount_fen += 50,
        }
    }
}

/// PUB_POSTED_NOT_ELIGIBLE: a name no one registered fits, posted on a village's list;
/// and a person who died before the period posted for it.
fn not_eligible(g: &mut Gen, draw: &mut Draw, namesakes: &HashSet<usize>) {
    let count = draw.count(0.001);
    for k in 0..count {
        let p = draw.take();
        let (township, village) = (g.people[p].township, g.people[p].village.clone());
        let name = g.name();
        let birth = g.birth();
        let seq = g.rng.random_range(0..1000);
        let id = fundaudit_identity::idcard::make_id(FOREIGN_REGION, birth, seq);
        let id_shown = mask(&id, k * 3); // shows the foreign region: no registered person fits
        g.notices.push(Notice {
            township,
            village,
            program: "低保金",
            period: "2025Q2".into(),
            name: name.clone(),
            id_shown: id_shown.clone(),
            amount_fen: 150_000,
            allocation: None,
        });
        g.plant(
            "PUB_POSTED_NOT_ELIGIBLE",
            "posted",
            vec![id_shown],
            format!("{name} is no one registered"),
        );
    }
    // The dead: people who died before September 2025 and no plant touched, posted for
    // 2025Q4 on a program they never had (the registry's deaths are few: looked for, not
    // drawn).
    let planted: HashSet<String> = g.truth.iter().flat_map(|t| t.ids.iter().cloned()).collect();
    let cutoff = NaiveDate::from_ymd_opt(2025, 9, 1).unwrap_or_default();
    let dead: Vec<usize> = (0..g.people.len())
        .filter(|&p| {
            let person = &g.people[p];
            person.death.is_some_and(|d| d < cutoff)
                && !planted.contains(&person.id)
                && !namesakes.contains(&p)
                && !g
                    .allocations
                    .iter()
                    .any(|a| a.person == person.id && a.program == "高龄津贴")
        })
        .take(count)
        .collect();
    for (k, p) in dead.into_iter().enumerate() {
        let person = &g.people[p];
        let notice = Notice {
            township: person.township,
            village: person.village.clone(),
            program: "高龄津贴",
            period: "2025Q4".into(),
            name: person.name.clone(),
            id_shown: mask(&person.id_number, k),
            amount_fen: 30_000,
            allocation: None,
        };
        let id = person.id.clone();
        g.notices.push(notice);
        g.plant(
            "PUB_POSTED_NOT_ELIGIBLE",
            "beneficiary",
            vec![id],
            "posted after death",
        );
    }
}

/// DIV_CARD_RULE's truth: every clean payment of a per-person program to the household
/// card its person shares (the generator's household cards are otherwise clean).
fn card_rule(g: &mut Gen) {
    let planted: HashSet<String> = g.truth.iter().flat_map(|t| t.ids.iter().cloned()).collect();
    let mut by_person: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for pay in &g.payments {
        if planted.contains(&pay.id)
            || planted.contains(&pay.beneficiary)
            || planted.contains(&pay.allocation)
        {
            continue;
        }
        if g.config.paid_to(pay.program) != Some(PaidTo::Person) {
            continue;
        }
        let Some(person) = g.person_of(&pay.beneficiary) else {
            continue;
        };
        if person.card_holder.is_some() && pay.account == person.account {
            by_person
                .entry(pay.beneficiary.clone())
                .or_default()
                .push(pay.id.clone());
        }
    }
    for (_, ids) in by_person {
        g.plant(
            "DIV_CARD_RULE",
            "payment",
            ids,
            "per-person subsidy on the household card",
        );
    }
}

/// AMOUNT_BASIS: a farmland allocation claiming 1–5 mu more than its 确权面积 (the
/// amount is the claimed area × rate); every third a near miss 0.50 yuan off.
pub(crate) fn basis(g: &mut Gen, draw: &mut Draw) {
    let farmland: Vec<usize> = g
        .claimed_area
        .keys()
        .copied()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if farmland.is_empty() {
        return;
    }
    let mut k = 0;
    for _ in 0..draw.count(0.002) * 4 {
        if k == draw.count(0.002) {
            break;
        }
        let p = draw.take();
        let Some(&a) = farmland
            .iter()
            .find(|&&a| g.allocations[a].person == g.people[p].id)
        else {
            continue;
        };
        k += 1;
        let extra = if k % 3 == 2 {
            0
        } else {
            g.rng.random_range(100..500)
        };
        let area = g.claimed_area[&a] + extra;
        g.claimed_area.insert(a, area);
        g.allocations[a].amount_fen = if extra == 0 {
            area_fen(area) + 50
        } else {
            area_fen(area)
        };
        if extra > 0 {
            let id = g.allocations[a].id.clone();
            g.plant(
                "AMOUNT_BASIS",
                "allocation",
                vec![id],
                format!("claims {} mu beyond its land", fmt_yuan(extra)),
            );
        }
    }
}

/// AMOUNT_BASIS: 高龄津贴 of the 90 band for a person of 80–89 at the quarter's start (a
/// band the person is too young for); every third a near miss 0.50 yuan over the right
/// band, within tolerance.
pub(crate) fn age_bands(g: &mut Gen, draw: &mut Draw) {
    // Each person's first quarter in the lowest band.
    let mut first: HashMap<String, usize> = HashMap::new();
    for (i, a) in g.allocations.iter().enumerate() {
        if a.program != OLD_AGE || first.contains_key(&a.person) {
            continue;
        }
        let Some(p) = g.person_of(&a.person) else {
            continue;
        };
        let start = period_start(&a.period).map(from_day);
        if start.and_then(|s| old_age_band(p.birth, s)) == Some(OLD_AGE_BANDS[0]) {
            first.insert(a.person.clone(), i);
        }
    }
    for k in 0..draw.count(0.001) {
        let Some(p) = draw.take_where(|p| first.contains_key(&g.people[p].id)) else {
            break;
        };
        let a = first[&g.people[p].id];
        let near = k % 3 == 2;
        let allocation = &mut g.allocations[a];
        allocation.amount_fen = if near {
            allocation.amount_fen + 50
        } else {
            OLD_AGE_BANDS[1].1
        };
        if !near {
            let id = allocation.id.clone();
            g.plant(
                "AMOUNT_BASIS",
                "allocation",
                vec![id],
                "高龄津贴 of the 90 band for a person under 90".to_string(),
            );
        }
    }
}
