//! The hard clean cases, which no rule may flag: people who died and whose payments
//! stopped, spouses sharing one card, homonyms born the same day in other villages,
//! officials who draw nothing, and deaths in the county of people never registered.

use chrono::{Duration, NaiveDate};
use rand::Rng;

use crate::county::{date, pinyin_key, township_name, Gen, FOREIGN_REGION};
use crate::draw::Draw;
use crate::twins::far_id;
use fundaudit_identity::idcard;

/// People who die in 2025 and are paid no more (drawn right after the planted dead).
pub(crate) fn choose_deaths(g: &mut Gen, draw: &mut Draw) -> Vec<usize> {
    let mut dead = Vec::new();
    for _ in 0..draw.count(0.01) {
        let p = draw.take();
        let died = date(2025, 5, 1) + Duration::days(g.rng.random_range(0..60));
        g.people[p].death = Some(died);
        dead.push(p);
    }
    dead
}

/// Households sharing one card: a spouse in the same village, the card in the other's
/// name.
pub(crate) fn shared_cards(g: &mut Gen, draw: &mut Draw) {
    for _ in 0..draw.count(0.02) {
        let (a, b) = (draw.take(), draw.take());
        let (t, v, acc) = (
            g.people[a].township,
            g.people[a].village.clone(),
            g.people[a].account.clone(),
        );
        let holder = g.people[a].name.clone();
        g.people[b].township = t;
        g.people[b].village = v;
        g.people[b].account = acc;
        g.people[b].card_holder = Some(holder);
    }
}

/// Homonyms: same name and birth date, other village, ID far off. In the identity
/// benchmark's registries (`registry_only`) a common name, as chance makes namesakes.
/// (Not in whole counties yet: officials are matched to payees by name, and a county of
/// common-named homonyms measured diverted precision 0.88 against the 0.95 floor.)
pub(crate) fn homonyms(g: &mut Gen, draw: &mut Draw, registry_only: bool) {
    for _ in 0..draw.count(0.005) {
        let src = draw.take();
        let p = draw.take();
        if registry_only {
            g.people[src].name = g.common_name();
        }
        let (name, birth, township) = (
            g.people[src].name.clone(),
            g.people[src].birth,
            g.people[src].township,
        );
        let village = loop {
            let v = g.village(township);
            if v != g.people[src].village {
                break v;
            }
        };
        let near = g.people[src].id_number.clone();
        let id_number = far_id(g, birth, &near, township);
        let q = &mut g.people[p];
        q.name = name;
        q.birth = birth;
        q.id_number = id_number;
        q.township = township;
        q.village = village;
    }
}

/// Officials: village cadres and township staff, none of them beneficiaries; returns how
/// many (the plants that pay an official's card pick among these).
pub(crate) fn officials(g: &mut Gen, n: usize) -> usize {
    let n_officials = (n / 50).max(10);
    for i in 0..n_officials {
        let township = g.rng.random_range(0..g.townships);
        let name = g.name();
        let birth = g.birth();
        let id = g.unique_id(birth, township);
        let (unit, role) = if i % 3 == 0 {
            (format!("{}人民政府", township_name(township)), "科员")
        } else {
            (
                format!("{}{}村委会", township_name(township), g.village(township)),
                if i % 2 == 0 { "村支书" } else { "村会计" },
            )
        };
        let account = g.account();
        g.officials
            .push((name, id, unit, role.to_string(), township, account));
    }
    n_officials
}

/// The clean deaths on the death list, with their ID numbers.
pub(crate) fn list_deaths(g: &mut Gen, dead: Vec<usize>) {
    for p in dead {
        let q = &g.people[p];
        let entry = (
            q.name.clone(),
            q.id_number.clone(),
            q.death.unwrap_or_default(),
            None,
            String::new(),
            String::new(),
        );
        g.deaths.push(entry);
    }
}

/// Other deaths in the county, homonyms of living beneficiaries among them: half with an
/// ID number of another region, half by name and birth date (one per name and day).
pub(crate) fn other_deaths(g: &mut Gen, draw: &Draw) {
    for _ in 0..draw.count(0.02) {
        let name = g.name();
        let birth = g.birth();
        let died = date(2024, 1, 1) + Duration::days(g.rng.random_range(0..600));
        if g.rng.random_bool(0.5) {
            let id = idcard::make_id(FOREIGN_REGION, birth, g.rng.random_range(0..1000));
            g.deaths
                .push((name, id, died, None, String::new(), String::new()));
        } else if g.birth_names.insert((birth, pinyin_key(&name))) {
            let born: Option<NaiveDate> = Some(birth);
            g.deaths.push((
                name,
                String::new(),
                died,
                born,
                String::new(),
                String::new(),
            ));
        }
    }
}
