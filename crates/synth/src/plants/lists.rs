//! LIST_VEHICLE and LIST_BUSINESS: people on a reference list (the default config's
//! vehicles and businesses) drawing a program the list excludes them from. Near misses
//! that must not be flagged: a listed person drawing only programs the list does not
//! cover, and a common name with no ID number or birth date.

use std::collections::HashSet;

use super::PaymentsOf;
use crate::county::{Gen, QUARTERLY};
use crate::draw::Draw;

pub(crate) fn plant(g: &mut Gen, draw: &mut Draw, by_person: &PaymentsOf) {
    let (dibao, tekun) = (QUARTERLY[0].0, QUARTERLY[1].0);
    for (file, rule, programs) in [
        ("vehicles", "LIST_VEHICLE", &[dibao, tekun][..]),
        ("businesses", "LIST_BUSINESS", &[dibao][..]),
    ] {
        let mut rows = Vec::new();
        let (want, mut planted, mut near) = (draw.count(0.002), 0, 0);
        let drawing: HashSet<String> = g
            .allocations
            .iter()
            .filter(|a| programs.contains(&a.program))
            .map(|a| a.person.clone())
            .collect();
        for _ in 0..200 {
            if planted == want {
                break;
            }
            let p = draw.take();
            let (pid, name, id_number) = {
                let q = &g.people[p];
                (q.id.clone(), q.name.clone(), q.id_number.clone())
            };
            let draws = drawing.contains(&pid);
            let paid = by_person.get(&pid).is_some_and(|v| !v.is_empty());
            if draws && paid {
                rows.push((name, id_number));
                g.plant(
                    rule,
                    "beneficiary",
                    vec![pid],
                    format!("on the {file} list"),
                );
                planted += 1;
            } else if !draws && near < 2 {
                rows.push((name, id_number)); // near miss: not drawing a listed program
                near += 1;
            }
        }
        rows.push(("王芳".to_string(), String::new())); // a common name alone: no match
        g.lists.push((file, rows));
    }
}
