//! Identity plants: second registrations of one person, in the ways registries get them
//! (an ID in traditional characters, an ID typo, a homophone, no ID number at all, a
//! look-alike character, a Latin spelling with the parts reordered, a minority name's
//! separator), and hard negatives: two people a careless matcher would merge (twins of
//! one village with names one character apart and ID numbers one digit apart;
//! namesakes of one village).

use chrono::NaiveDate;
use rand::Rng;

use super::county::{Gen, Person};
use super::names::{homophone, latin, traditional, GIVEN};
use super::options::IdCodes;
use fundaudit_identity::{compare_names, glyph, idcard, NormName};

/// How many ways [`plant_twin`] knows.
const KINDS: usize = 8;

/// A second registration of person `p`, in one of [`KINDS`] ways (`k` picks). Returns
/// the twin's row and how it was made.
pub(super) fn plant_twin(g: &mut Gen, p: usize, k: usize) -> (usize, &'static str) {
    let src = &g.people[p];
    let (name, birth, township, village, id_number, account) = (
        src.name.clone(),
        src.birth,
        src.township,
        src.village.clone(),
        src.id_number.clone(),
        src.account.clone(),
    );
    let mut twin_account = None;
    let (twin_name, twin_id, twin_village, how) = match k % KINDS {
        0 => (
            traditional(&name).unwrap_or_else(|| name.clone()),
            id_number.clone(),
            g.village(township),
            "same ID number",
        ),
        1 => (
            name.clone(),
            one_digit_off(g, &id_number, 15, 1),
            g.village(township),
            "ID number one digit off",
        ),
        2 => match homophone(&name) {
            Some(h) => (
                h,
                far_id(g, birth, &id_number, township),
                village.clone(),
                "homophone, same birth date and village",
            ),
            None => (
                name.chars().map(String::from).collect::<Vec<_>>().join(" "),
                id_number.clone(),
                village.clone(),
                "spaced name, same ID",
            ),
        },
        3 => (
            name.clone(),
            id_number.clone(),
            village.clone(),
            "same ID number, same village",
        ),
        4 => {
            // Registered again without an ID number, on the same card.
            twin_account = Some(account);
            (
                name.clone(),
                String::new(),
                village.clone(),
                "no ID number, same card and village",
            )
        }
        5 => match look_alike(&name) {
            Some(l) => (
                l,
                far_id(g, birth, &id_number, township),
                village.clone(),
                "look-alike character, same birth date and village",
            ),
            None => (
                name.clone(),
                one_digit_off(g, &id_number, 16, 2),
                village.clone(),
                "ID number one digit off, same village",
            ),
        },
        6 => (
            latin(&name, true),
            one_digit_off(g, &id_number, 15, 1),
            village.clone(),
            "Latin spelling, parts reordered, ID number one digit off",
        ),
        _ => (
            if name.contains('·') {
                // The separator in another code point, or none.
                let seps = [".", "．", " ", "", "•", "・", "‧"];
                name.replace('·', seps[g.rng.random_range(0..seps.len())])
            } else {
                name.chars()
                    .map(String::from)
                    .collect::<Vec<_>>()
                    .join("\u{3000}")
            },
            far_id(g, birth, &id_number, township),
            village.clone(),
            "separator variant, same birth date and village",
        ),
    };
    let account = twin_account.unwrap_or_else(|| g.account());
    let twin_index = push_person(
        g,
        twin_name,
        twin_id,
        birth,
        township,
        twin_village,
        account,
    );
    g.twins.push((p, twin_index, how));
    (twin_index, how)
}

/// Two people next to person `p` that are not `p`: a twin of the same village born the
/// same day, its name one character apart (not a homophone, not a look-alike) and its ID
/// number one sequence digit apart; and a namesake of the same village born another
/// year with another ID number. Returns the rows added.
///
/// `registry_only`: the identity benchmark's registries, whose people get a common name
/// first (namesakes born on one day hold names hundreds hold) and, with station codes, a
/// second same-day namesake of the same sex on the next code but one. Whole counties
/// keep the person's own name and the first namesake only (see `generate`'s clean
/// homonyms for why).
pub(super) fn plant_hard_negatives(
    g: &mut Gen,
    p: usize,
    k: usize,
    registry_only: bool,
) -> Vec<usize> {
    if registry_only {
        g.people[p].name = g.common_name();
    }
    let src = &g.people[p];
    let (name, birth, township, village, id_number) = (
        src.name.clone(),
        src.birth,
        src.township,
        src.village.clone(),
        src.id_number.clone(),
    );
    let mut added = Vec::new();
    if let Some(sibling) = sibling_name(g, &name, birth) {
        // Twins get neighbouring sequence numbers: the same sex, two apart.
        let id = one_digit_off(g, &id_number, 16, 2);
        let account = g.account();
        let q = push_person(g, sibling, id, birth, township, village.clone(), account);
        g.hard_negatives.push((
            p,
            q,
            "twin: same birth date and village, name one character apart, ID one digit apart",
        ));
        added.push(q);
    }
    // Issued as police stations do: a namesake born the same day in the same township
    // (another village) holds the neighbouring sequence code of the other sex; in the
    // benchmark's registries another holds the station's next number but one.
    if g.id_codes == IdCodes::Station {
        let mut steps = vec![(
            1,
            "same-day namesake: same name, birth date and township, neighbouring sequence code of the other sex",
        )];
        if registry_only {
            steps.push((
                2,
                "same-day namesake: same name, birth date and township, neighbouring sequence code of the same sex",
            ));
        }
        for (step, how) in steps {
            let id = one_digit_off(g, &id_number, 16, step);
            let account = g.account();
            let mut other = g.village(township);
            for _ in 0..20 {
                if other != village {
                    break;
                }
                other = g.village(township);
            }
            let q = push_person(g, name.clone(), id, birth, township, other, account);
            g.hard_negatives.push((p, q, how));
            added.push(q);
        }
    }
    if k.is_multiple_of(2) {
        let born = loop {
            let b = g.birth();
            let sound = g.sound(&name);
            if (b - birth).num_days().abs() > 400 && g.birth_names.insert((b, sound)) {
                break b;
            }
        };
        let id = g.unique_id(born, township);
        let account = g.account();
        let q = push_person(g, name.clone(), id, born, township, village, account);
        g.hard_negatives
            .push((p, q, "namesake: same name and village, another birth date"));
        added.push(q);
    }
    added
}

fn push_person(
    g: &mut Gen,
    name: String,
    id_number: String,
    birth: NaiveDate,
    township: usize,
    village: String,
    account: String,
) -> usize {
    let index = g.people.len();
    g.people.push(Person {
        id: format!("B{:07}", index + 1),
        name,
        id_number,
        birth,
        township,
        village,
        account,
        card_holder: None,
        death: None,
    });
    index
}

/// The ID number with digit `pos` moved by `step`, the check character recomputed as
/// systems do, into a number nobody else holds.
fn one_digit_off(g: &mut Gen, id_number: &str, pos: usize, step: u8) -> String {
    let id = (0..10u8)
        .map(|k| {
            let mut b = id_number.as_bytes()[..17].to_vec();
            b[pos] = b'0' + (b[pos] - b'0' + step + 2 * k) % 10;
            let c = idcard::check_char(&b).unwrap_or(b'0');
            b.push(c);
            String::from_utf8(b).unwrap_or_default()
        })
        .find(|id| id != id_number && !g.ids_used.contains(id))
        .unwrap_or_else(|| id_number.to_string());
    g.ids_used.insert(id.clone());
    id
}

/// A fresh valid ID with the same birth date whose sequence differs in every digit.
/// With station codes the township's own station digits cannot differ: the number is
/// then one another station issued.
pub(super) fn far_id(g: &mut Gen, birth: NaiveDate, near: &str, township: usize) -> String {
    let seq = near.as_bytes()[14..17].to_vec();
    loop {
        let id = match g.id_codes {
            IdCodes::Random => g.unique_id(birth, township),
            IdCodes::Station => {
                let id = idcard::make_id(
                    &near[..6],
                    birth,
                    rand::Rng::random_range(&mut g.rng, 0..1000),
                );
                if !g.ids_used.insert(id.clone()) {
                    continue;
                }
                id
            }
        };
        if id.as_bytes()[14..17].iter().zip(&seq).all(|(x, y)| x != y) {
            return id;
        }
    }
}

/// The name with one given-name character replaced by one that looks alike (by the
/// shape table, among the common CJK block), if any character of it has such a partner.
fn look_alike(name: &str) -> Option<String> {
    let chars: Vec<char> = name.chars().collect();
    let pool = (0x4E00u32..=0x9FA5).filter_map(char::from_u32);
    for (i, &c) in chars.iter().enumerate().skip(1) {
        let sound = NormName::new(&c.to_string()).pinyin_str().to_string();
        if let Some(other) = pool.clone().find(|&o| {
            let normalised = NormName::new(&o.to_string());
            // A simplified character (a traditional one would be normalised into
            // another shape), of another sound (else it is a homophone plant).
            o != c
                && glyph::alike(glyph::shape(c), glyph::shape(o))
                && normalised.chars() == [o]
                && normalised.pinyin_str() != sound
        }) {
            let mut v = chars.clone();
            v[i] = other;
            return Some(v.into_iter().collect());
        }
    }
    None
}

/// A sibling's name: the registrar's surname kept, one given character changed to one
/// that neither sounds nor looks alike.
fn sibling_name(g: &mut Gen, name: &str, birth: NaiveDate) -> Option<String> {
    let chars: Vec<char> = name.chars().collect();
    if chars.len() < 2 || name.contains('·') {
        return None;
    }
    let normalised = NormName::new(name);
    for _ in 0..50 {
        let (given, _) = GIVEN[g.rng.random_range(0..GIVEN.len())];
        let mut v = chars.clone();
        let last = v.len() - 1;
        v[last] = given.chars().next()?;
        let candidate: String = v.into_iter().collect();
        let other = NormName::new(&candidate);
        let similarity = compare_names(&normalised, &other, g.config.matching.pinyin_weight);
        if similarity.score < g.config.matching.name_cutoff {
            let sound = g.sound(&candidate);
            if !g.birth_names.insert((birth, sound)) {
                continue;
            }
            return Some(candidate);
        }
    }
    None
}
