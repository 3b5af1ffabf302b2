//! The diverted family: DIV_PAYEE_MISMATCH (a stranger's card), DIV_OFFICIAL (a cadre
//! enrolled, or an official's card), DIV_SHARED_ACCOUNT (one collector's card for several
//! villages' people) and DIV_NO_ALLOCATION (money with no allocation behind it).

use chrono::Duration;
use rand::Rng;

use super::PaymentsOf;
use crate::county::{date, pinyin_key, township_name, Gen, Payment, HOUSING, QUARTERLY};
use crate::draw::Draw;

/// DIV_PAYEE_MISMATCH: a fresh person's payments land in a stranger's account.
pub(crate) fn payee_mismatch(g: &mut Gen, draw: &mut Draw, by_person: &PaymentsOf) {
    for _ in 0..draw.count(0.01) {
        let p = draw.take();
        let pid = g.people[p].id.clone();
        let stranger = g.stranger_name(&g.people[p].name.clone());
        let account = g.account();
        let rows = by_person.get(&pid).cloned().unwrap_or_default();
        let hit = g.redirect(&rows, &stranger, &account);
        if !hit.is_empty() {
            g.plant(
                "DIV_PAYEE_MISMATCH",
                "payment",
                hit,
                "paid to a stranger's account",
            );
        }
    }
}

/// DIV_OFFICIAL: a cadre enrolled as beneficiary of a means-tested program (低保, 特困,
/// 危房改造: barred to officials; 高龄津贴 and farmland support are not), or money
/// landing with a local official (one of the first `n_officials`, not a namesake).
pub(crate) fn official(g: &mut Gen, draw: &mut Draw, by_person: &PaymentsOf, n_officials: usize) {
    for k in 0..draw.count(0.005) {
        let mut p = draw.take();
        if k % 2 == 0 {
            // Up to a few draws for someone on a means-tested program.
            for _ in 0..20 {
                let rows = by_person.get(&g.people[p].id);
                if rows.is_some_and(|rows| {
                    rows.iter().any(|&r| {
                        matches!(g.payments[r].program, "低保金" | "特困供养金" | HOUSING)
                    })
                }) {
                    break;
                }
                p = draw.take();
            }
        }
        let pid = g.people[p].id.clone();
        if k % 2 == 0 {
            let q = &g.people[p];
            let entry = (
                q.name.clone(),
                q.id_number.clone(),
                format!("{}{}村委会", township_name(q.township), q.village),
                "村委委员".to_string(),
                q.township,
                q.account.clone(),
            );
            g.officials.push(entry);
            g.plant(
                "DIV_OFFICIAL",
                "beneficiary",
                vec![pid],
                "beneficiary is a cadre",
            );
        } else {
            let township = g.people[p].township;
            let Some(o) = g.officials[..n_officials]
                .iter()
                .position(|o| o.4 == township && pinyin_key(&o.0) != pinyin_key(&g.people[p].name))
            else {
                continue;
            };
            let (oname, oacc) = (g.officials[o].0.clone(), g.officials[o].5.clone());
            let rows = by_person.get(&pid).cloned().unwrap_or_default();
            let hit = g.redirect(&rows, &oname, &oacc);
            if !hit.is_empty() {
                g.plant(
                    "DIV_OFFICIAL",
                    "payment",
                    hit,
                    "paid into an official's account",
                );
            }
        }
    }
}

/// DIV_SHARED_ACCOUNT: one collector's card receives for three to five people.
pub(crate) fn shared_account(g: &mut Gen, draw: &mut Draw, by_person: &PaymentsOf) {
    for _ in 0..draw.count(0.002) {
        let collector = g.name();
        let account = g.account();
        let k = g.rng.random_range(3..6);
        let mut hit = Vec::new();
        for _ in 0..k {
            let pid = g.people[draw.take()].id.clone();
            let rows = by_person.get(&pid).cloned().unwrap_or_default();
            hit.extend(g.redirect(&rows, &collector, &account));
        }
        g.plant(
            "DIV_SHARED_ACCOUNT",
            "payment",
            hit,
            format!("{k} people on one card"),
        );
    }
}

/// DIV_NO_ALLOCATION: a payment whose allocation id is blank or unknown (and every third
/// without a beneficiary id).
pub(crate) fn no_allocation(g: &mut Gen, draw: &mut Draw) {
    for k in 0..draw.count(0.005) {
        let p = draw.take();
        let q = &g.people[p];
        let payment = Payment {
            id: String::new(),
            allocation: if k % 2 == 0 {
                String::new()
            } else {
                format!("A9{:07}", k)
            },
            beneficiary: if k % 3 == 0 {
                String::new()
            } else {
                q.id.clone()
            },
            payee: q.name.clone(),
            account: q.account.clone(),
            amount_fen: g.rng.random_range(10_000..300_000),
            paid: date(2025, 8, 1) + Duration::days(g.rng.random_range(0..60)),
            program: QUARTERLY[0].0,
        };
        let id = g.pay_id();
        g.payments.push(Payment {
            id: id.clone(),
            ..payment
        });
        g.plant("DIV_NO_ALLOCATION", "payment", vec![id], "no allocation");
    }
}
