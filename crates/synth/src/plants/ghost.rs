//! GHOST_DECEASED (the dead paid on; the death recorded four ways), GHOST_UNREGISTERED
//! (money for ids the registry does not hold) and GHOST_INVALID_ID (a check digit or a
//! birth date no living person can have).

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use rand::Rng;

use super::PaymentsOf;
use crate::county::{date, pinyin_key, township_name, Allocation, Gen, Payment, QUARTERLY};
use crate::draw::Draw;
use crate::names::traditional;
use fundaudit_identity::idcard;

/// A beneficiary who dies in 2025 and whose payments go on.
pub(crate) struct Dead {
    person: usize,
    died: NaiveDate,
    /// Which of the four ways the death is recorded (registry, list by ID number, list
    /// by name and birth date, list by name and village).
    how: usize,
}

/// Who dies and is paid on, drawn before anything else is planted.
pub(crate) fn choose_dead(g: &mut Gen, draw: &mut Draw) -> Vec<Dead> {
    let mut dead = Vec::new();
    for k in 0..draw.count(0.01) {
        let person = draw.take();
        let died = date(2025, 5, 1) + Duration::days(g.rng.random_range(0..60));
        dead.push(Dead {
            person,
            died,
            how: k % 4,
        });
    }
    dead
}

/// GHOST_UNREGISTERED: an allocation and a payment for an id the registry does not hold.
pub(crate) fn unregistered(g: &mut Gen, draw: &Draw) {
    for k in 0..draw.count(0.005) {
        let ghost = format!("B9{:06}", k + 1);
        let township = g.rng.random_range(0..g.townships);
        let payee = g.name();
        let account = g.account();
        let received = date(2025, 4, 3);
        let id = g.alloc_id();
        g.allocations.push(Allocation {
            id: id.clone(),
            program: QUARTERLY[0].0,
            period: "2025Q2".into(),
            person: ghost.clone(),
            township,
            amount_fen: 150_000,
            received,
            due: None,
        });
        let pid = g.pay_id();
        g.payments.push(Payment {
            id: pid,
            allocation: id,
            beneficiary: ghost.clone(),
            payee,
            account,
            amount_fen: 150_000,
            paid: received + Duration::days(5),
            program: QUARTERLY[0].0,
        });
        g.plant(
            "GHOST_UNREGISTERED",
            "beneficiary",
            vec![ghost],
            "not in registry",
        );
    }
}

/// GHOST_DECEASED: the planted dead keep being paid; the death is recorded four ways.
/// Every third one's money after death goes to a stranger's card (DIV_PAYEE_MISMATCH).
pub(crate) fn deceased(g: &mut Gen, dead: Vec<Dead>, by_person: &PaymentsOf) {
    // A death listed by name and village alone only where the name's sound is the
    // village's only one (else the list itself could not say who died).
    let mut sound_in_village: HashMap<(usize, String, String), usize> = HashMap::new();
    for q in &g.people {
        *sound_in_village
            .entry((q.township, q.village.clone(), pinyin_key(&q.name)))
            .or_default() += 1;
    }
    let mut dead_to_stranger = 0usize;
    for Dead {
        person: p,
        died,
        how,
    } in dead
    {
        let person = &g.people[p];
        let name_of_dead = person.name.clone();
        let (name, id_number, birth, township, village) = (
            person.name.clone(),
            person.id_number.clone(),
            person.birth,
            person.township,
            person.village.clone(),
        );
        let village_unique =
            sound_in_village.get(&(township, village.clone(), pinyin_key(&name))) == Some(&1);
        let note = match how {
            0 => {
                g.people[p].death = Some(died);
                "registry death_date"
            }
            1 => {
                g.deaths
                    .push((name, id_number, died, None, String::new(), String::new()));
                "death list by ID number"
            }
            2 => {
                let spelled = traditional(&name).unwrap_or(name);
                g.deaths.push((
                    spelled,
                    String::new(),
                    died,
                    Some(birth),
                    String::new(),
                    String::new(),
                ));
                "death list without ID: name and birth date"
            }
            _ if village_unique => {
                g.deaths.push((
                    name,
                    String::new(),
                    died,
                    None,
                    township_name(township),
                    village,
                ));
                "death list without ID: name and village"
            }
            _ => {
                g.deaths
                    .push((name, id_number, died, None, String::new(), String::new()));
                "death list by ID number"
            }
        };
        let pid = g.people[p].id.clone();
        let after: Vec<usize> = by_person
            .get(&pid)
            .into_iter()
            .flatten()
            .copied()
            .filter(|&i| g.payments[i].paid > died)
            .collect();
        if !after.is_empty() {
            g.plant("GHOST_DECEASED", "beneficiary", vec![pid], note);
            // One scheme, two faces: every third dead beneficiary's money after death goes
            // to a stranger's card (冒领 by whoever holds it).
            if dead_to_stranger.is_multiple_of(3) {
                let stranger = g.stranger_name(&name_of_dead);
                let account = g.account();
                let hit = g.redirect(&after, &stranger, &account);
                g.plant(
                    "DIV_PAYEE_MISMATCH",
                    "payment",
                    hit,
                    "a dead beneficiary's money paid to a stranger's card",
                );
            }
            dead_to_stranger += 1;
        }
    }
}

/// GHOST_INVALID_ID: a fresh person's ID number given a wrong check digit or month 13.
pub(crate) fn invalid_id(g: &mut Gen, draw: &mut Draw) {
    for k in 0..draw.count(0.005) {
        let p = draw.take();
        let id = g.people[p].id_number.clone();
        let mut b = id.into_bytes();
        if k % 2 == 0 {
            b[17] = if b[17] == b'1' { b'2' } else { b'1' };
        } else {
            b[10] = b'1';
            b[11] = b'3'; // month 13
            let c = idcard::check_char(&b[..17]).unwrap_or(b'0');
            b[17] = c;
        }
        let invalid = String::from_utf8(b).unwrap_or_default();
        // Month 13 can make two people's numbers one (born in other months, same day
        // and code): that would be a pair sharing an ID number, another plant.
        if !g.ids_used.insert(invalid.clone()) {
            continue;
        }
        g.people[p].id_number = invalid;
        let pid = g.people[p].id.clone();
        g.plant(
            "GHOST_INVALID_ID",
            "beneficiary",
            vec![pid],
            if k % 2 == 0 {
                "bad check digit"
            } else {
                "impossible birth date"
            },
        );
    }
}
