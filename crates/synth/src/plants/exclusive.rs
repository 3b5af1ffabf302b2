//! DUP_EXCLUSIVE: 特困供养金 and 低保金 drawn by one person in the same quarter. Every
//! third a near miss, the other program in a quarter that does not overlap (2024Q4), which
//! must not be flagged.

use std::collections::HashMap;

use crate::county::{date, Allocation, Gen, QUARTERLY};
use crate::draw::Draw;

pub(crate) fn plant(g: &mut Gen, draw: &mut Draw) {
    let (dibao, tekun) = (QUARTERLY[0].0, QUARTERLY[1].0);
    // Each person's first 低保金 or 特困供养金 allocation, found once: a scan per plant is
    // quadratic, hours at five million people.
    let mut first_of: HashMap<String, usize> = HashMap::new();
    for (i, a) in g.allocations.iter().enumerate() {
        if a.program == dibao || a.program == tekun {
            first_of.entry(a.person.clone()).or_insert(i);
        }
    }
    for k in 0..draw.count(0.003) {
        let pid = g.people[draw.take()].id.clone();
        let Some(&a) = first_of.get(&pid) else {
            continue;
        };
        let src = &g.allocations[a];
        let other = if src.program == dibao { tekun } else { dibao };
        let near = k % 3 == 2;
        let (period, received) = if near {
            ("2024Q4".to_string(), date(2024, 10, 1))
        } else {
            (src.period.clone(), src.received)
        };
        // Within the other program's standard: this plant is about exclusivity, not size.
        let other_hi = QUARTERLY
            .iter()
            .find(|q| q.0 == other)
            .map_or(i64::MAX, |q| q.2 as i64 * 100);
        let (township, amount_fen, first) =
            (src.township, src.amount_fen.min(other_hi), src.program);
        let id = g.alloc_id();
        g.allocations.push(Allocation {
            id: id.clone(),
            program: other,
            period: period.clone(),
            person: pid,
            township,
            amount_fen,
            received,
            due: None,
        });
        g.pay_clean(g.allocations.len() - 1);
        if !near {
            g.plant(
                "DUP_EXCLUSIVE",
                "allocation",
                vec![id],
                format!("{other} beside {first} in {period}"),
            );
        }
    }
}
