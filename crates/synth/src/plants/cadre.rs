//! DIV_CADRE_HOUSEHOLD: a village cadre registered in the county (drawing nothing
//! themselves) whose household — same village, same card — draws benefits in the village
//! they serve. Every third a near miss: a township official whose unit is another
//! township, which must not be flagged.

use super::PaymentsOf;
use crate::county::{township_name, Gen};
use crate::draw::Draw;

pub(crate) fn plant(g: &mut Gen, draw: &mut Draw, by_person: &PaymentsOf) {
    for k in 0..draw.count(0.002) {
        let p = draw.take();
        let pid = g.people[p].id.clone();
        if by_person.get(&pid).is_none_or(|v| v.is_empty()) {
            continue;
        }
        let (t, v, acc) = (
            g.people[p].township,
            g.people[p].village.clone(),
            g.people[p].account.clone(),
        );
        let near = k % 3 == 2;
        let index = g.people.len();
        let mut cadre = g.person(index);
        cadre.township = t;
        cadre.village = v.clone();
        cadre.account = acc.clone();
        let unit = if near {
            format!("{}人民政府", township_name((t + 1) % g.townships))
        } else {
            format!("{}{}村委会", township_name(t), v)
        };
        let role = if near { "科员" } else { "村主任" };
        g.officials.push((
            cadre.name.clone(),
            cadre.id_number.clone(),
            unit,
            role.to_string(),
            t,
            acc,
        ));
        g.people.push(cadre);
        if !near {
            g.plant(
                "DIV_CADRE_HOUSEHOLD",
                "beneficiary",
                vec![pid],
                "a village cadre's household member",
            );
        }
    }
}
