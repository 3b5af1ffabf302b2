//! The county being generated: its people, allocations, payments, death and officials'
//! lists and the truth of what was planted, with the draws every plant shares (names,
//! ID numbers, cards, clean payments). The plants in `plants/` change this county; the
//! writers in `write.rs` read it.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::names::{latin, traditional, COMMON_GIVEN, GIVEN, MINORITY, SURNAMES};
use super::options::{GenerateOptions, IdCodes, Names};
use fundaudit_core::cells::{from_day, whole_years};
use fundaudit_core::config::Config;
use fundaudit_identity::{idcard, NormName};

pub(super) const REGION: &str = "411623";
pub(super) const FOREIGN_REGION: &str = "410102";

pub(super) const TOWNSHIPS: &[&str] = &[
    "城关镇",
    "黄寨镇",
    "练集镇",
    "魏集镇",
    "固墙镇",
    "白寺镇",
    "巴村镇",
    "谭庄镇",
    "邓城镇",
    "胡吉镇",
    "张明乡",
    "袁老乡",
    "化河乡",
    "姚集乡",
    "舒庄乡",
    "大武乡",
];
pub(super) const VILLAGE_STEMS: &[&str] = &[
    "李庄", "王楼", "张营", "刘寨", "陈集", "杨湾", "东岗", "西洼", "南庄", "北街", "前营", "后楼",
    "大郭", "小徐", "高庙", "新集", "柳林", "桃园", "河口", "石桥",
];

/// Quarterly programs (four periods in 2025) and how much a quarter pays (yuan range).
pub(super) const QUARTERLY: &[(&str, u32, u32)] = &[
    ("低保金", 900, 2100),
    ("特困供养金", 1500, 2700),
    ("残疾人两项补贴", 180, 540),
    (OLD_AGE, 300, 900),
];
/// The old-age allowance, paid by age band (see [`OLD_AGE_BANDS`]).
pub(super) const OLD_AGE: &str = "高龄津贴";
/// 高龄津贴 per quarter by age at the quarter's start: (lowest age of the band, fen). The
/// county's `[basis]` (standards.toml); within the program's standard.
pub(super) const OLD_AGE_BANDS: &[(i64, i64)] = &[(80, 30_000), (90, 60_000), (100, 90_000)];

/// The age band (its lowest age and amount) a person born on `birth` is in at `at`.
pub(super) fn old_age_band(birth: NaiveDate, at: NaiveDate) -> Option<(i64, i64)> {
    let age = whole_years(birth, at);
    OLD_AGE_BANDS.iter().rev().find(|b| age >= b.0).copied()
}
pub(super) const FARMLAND: &str = "耕地地力保护补贴";
/// The county's farmland subsidy per mu, in fen (its `[basis]`, written to standards.toml).
pub(super) const FARMLAND_FEN_PER_MU: i64 = 10_750;
pub(super) const HOUSING: &str = "危房改造补助";

pub(super) struct Person {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) id_number: String,
    pub(super) birth: NaiveDate,
    pub(super) township: usize,
    pub(super) village: String,
    pub(super) account: String,
    /// For a household member whose card is another member's: the card holder's name.
    pub(super) card_holder: Option<String>,
    pub(super) death: Option<NaiveDate>,
}

pub(super) struct Allocation {
    pub(super) id: String,
    pub(super) program: &'static str,
    pub(super) period: String,
    pub(super) person: String,
    pub(super) township: usize,
    pub(super) amount_fen: i64,
    pub(super) received: NaiveDate,
    pub(super) due: Option<NaiveDate>,
}

pub(super) struct Payment {
    pub(super) id: String,
    pub(super) allocation: String,
    pub(super) beneficiary: String,
    pub(super) payee: String,
    pub(super) account: String,
    pub(super) amount_fen: i64,
    pub(super) paid: NaiveDate,
    pub(super) program: &'static str,
}

/// One row of a village's posted list (公示名单).
pub(super) struct Notice {
    pub(super) township: usize,
    pub(super) village: String,
    pub(super) program: &'static str,
    pub(super) period: String,
    pub(super) name: String,
    /// The ID number as posted: masked.
    pub(super) id_shown: String,
    pub(super) amount_fen: i64,
    /// The allocation it posts (None: a row planted without one).
    pub(super) allocation: Option<usize>,
}

/// A posted list: (township, village, program, period).
pub(super) type ListKey = (usize, String, &'static str, String);

impl Notice {
    /// The list this row is posted on.
    pub(super) fn list(&self) -> ListKey {
        (
            self.township,
            self.village.clone(),
            self.program,
            self.period.clone(),
        )
    }
}

pub(super) struct Truth {
    /// The category when the rule's own is not it (a payment above its posted amount is
    /// a duplicate-category PUB_AMOUNT_DIFFERS).
    pub(super) category: Option<&'static str>,
    pub(super) rule: &'static str,
    pub(super) key_type: &'static str,
    pub(super) ids: Vec<String>,
    pub(super) note: String,
}

pub(super) struct Gen {
    pub(super) rng: ChaCha8Rng,
    pub(super) config: Config,
    pub(super) people: Vec<Person>,
    pub(super) allocations: Vec<Allocation>,
    pub(super) payments: Vec<Payment>,
    pub(super) deaths: Vec<(String, String, NaiveDate, Option<NaiveDate>, String, String)>,
    pub(super) officials: Vec<(String, String, String, String, usize, String)>,
    /// Reference lists: file name → rows (name, ID number or blank).
    pub(super) lists: Vec<(&'static str, Vec<(String, String)>)>,
    pub(super) truth: Vec<Truth>,
    /// The villages' posted lists and when each hung (from, to).
    pub(super) notices: Vec<Notice>,
    pub(super) notice_dates: std::collections::BTreeMap<ListKey, (NaiveDate, NaiveDate)>,
    /// 确权面积 of each farmland subsidy's person (person index → hundredths of a mu),
    /// and what each farmland allocation claims (allocation index → area).
    pub(super) land: Vec<(usize, i64)>,
    pub(super) claimed_area: HashMap<usize, i64>,
    pub(super) ids_used: HashSet<String>,
    pub(super) id_codes: IdCodes,
    pub(super) names: Names,
    pub(super) birth_names: HashSet<(NaiveDate, String)>,
    pub(super) next_account: u64,
    pub(super) next_alloc: u64,
    pub(super) next_pay: u64,
    /// Townships in the generated province (16 per county).
    pub(super) townships: usize,
    /// Pinyin keys of names already seen: names repeat, normalising is not free.
    pub(super) sound_cache: HashMap<String, String>,
    /// Registrations of one person: (original row, twin row, how).
    pub(super) twins: Vec<(usize, usize, &'static str)>,
    /// Two people a careless matcher would take for one: (row, row, how).
    pub(super) hard_negatives: Vec<(usize, usize, &'static str)>,
}

/// What an area (hundredths of a mu) pays at the county's rate, rounded to the fen.
pub(super) fn area_fen(area: i64) -> i64 {
    (area * FARMLAND_FEN_PER_MU + 50) / 100
}

/// Townships per county; a county holds about `PEOPLE_PER_COUNTY` beneficiaries.
pub(super) const TOWNSHIPS_PER_COUNTY: usize = 16;
pub(super) const PEOPLE_PER_COUNTY: usize = 100_000;
pub(super) const COUNTIES: &[&str] = &[
    "商水县",
    "沈丘县",
    "郸城县",
    "太康县",
    "鹿邑县",
    "扶沟县",
    "西华县",
    "项城市",
    "淮阳区",
    "川汇区",
];

/// Township `t` of the province: the first county's townships go by their plain names.
pub(super) fn township_name(t: usize) -> String {
    let (county, base) = (
        t / TOWNSHIPS_PER_COUNTY,
        TOWNSHIPS[t % TOWNSHIPS_PER_COUNTY],
    );
    match county {
        0 => base.to_string(),
        c if c < COUNTIES.len() => format!("{}{base}", COUNTIES[c]),
        c => format!("第{c}县{base}"),
    }
}

/// The ID-number region code of township `t`'s county.
pub(super) fn region_of(t: usize) -> String {
    match t / TOWNSHIPS_PER_COUNTY {
        0 => REGION.to_string(),
        c => format!("42{:04}", c % 10_000),
    }
}

pub(super) fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

pub(super) fn weighted<'a>(rng: &mut ChaCha8Rng, items: &'a [(&'a str, u32)]) -> &'a str {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut x = rng.random_range(0..total);
    for (s, w) in items {
        if x < *w {
            return s;
        }
        x -= w;
    }
    items[0].0
}

pub(super) fn pinyin_key(name: &str) -> String {
    NormName::new(name).pinyin_str().to_string()
}

impl Gen {
    /// An empty county sized for `n` people (16 townships per 100,000), seeded.
    pub(super) fn new(opts: &GenerateOptions, n: usize) -> Gen {
        Gen {
            rng: ChaCha8Rng::seed_from_u64(opts.seed),
            config: Config::default(),
            people: Vec::with_capacity(n),
            allocations: Vec::new(),
            payments: Vec::new(),
            deaths: Vec::new(),
            officials: Vec::new(),
            lists: Vec::new(),
            truth: Vec::new(),
            notices: Vec::new(),
            notice_dates: Default::default(),
            land: Vec::new(),
            claimed_area: HashMap::new(),
            ids_used: HashSet::new(),
            id_codes: opts.id_codes,
            names: opts.names,
            birth_names: HashSet::new(),
            next_account: 0,
            next_alloc: 0,
            next_pay: 0,
            townships: TOWNSHIPS_PER_COUNTY * n.div_ceil(PEOPLE_PER_COUNTY),
            sound_cache: HashMap::new(),
            twins: Vec::new(),
            hard_negatives: Vec::new(),
        }
    }

    pub(super) fn name(&mut self) -> String {
        if self.rng.random_bool(0.004) {
            return MINORITY[self.rng.random_range(0..MINORITY.len())].to_string();
        }
        let mut s = weighted(&mut self.rng, SURNAMES).to_string();
        if self.names == Names::Common && self.rng.random_bool(0.45) {
            s.push_str(weighted(&mut self.rng, COMMON_GIVEN));
            return s;
        }
        s.push_str(weighted(&mut self.rng, GIVEN));
        if self.rng.random_bool(0.6) {
            s.push_str(weighted(&mut self.rng, GIVEN));
        }
        s
    }

    /// A name hundreds hold in a county (a common surname and a common one-character
    /// given name): strangers born on one day share names like these, not rare ones.
    pub(super) fn common_name(&mut self) -> String {
        let given = if self.names == Names::Common {
            &COMMON_GIVEN[..8]
        } else {
            &GIVEN[..8]
        };
        let mut s = weighted(&mut self.rng, &SURNAMES[..6]).to_string();
        s.push_str(weighted(&mut self.rng, given));
        s
    }

    /// A different-sounding name for a different person.
    pub(super) fn stranger_name(&mut self, not_like: &str) -> String {
        let avoid = pinyin_key(not_like);
        loop {
            let n = self.name();
            if pinyin_key(&n) != avoid && !n.contains('·') {
                return n;
            }
        }
    }

    pub(super) fn account(&mut self) -> String {
        self.next_account += 1;
        // 19-digit bank card numbers: exactly what spreadsheets turn into 6.22848E+18.
        format!(
            "622848{:013}",
            self.next_account * 7919 % 10_000_000_000_000
        )
    }

    pub(super) fn unique_id(&mut self, birth: NaiveDate, township: usize) -> String {
        let region = region_of(township);
        loop {
            let seq = match self.id_codes {
                IdCodes::Random => self.rng.random_range(0..1000),
                // The township's station, then the sex digit.
                IdCodes::Station => {
                    (10 + (township % TOWNSHIPS_PER_COUNTY) as u32 % 90) * 10
                        + self.rng.random_range(0..10)
                }
            };
            let id = idcard::make_id(&region, birth, seq);
            if self.ids_used.insert(id.clone()) {
                return id;
            }
        }
    }

    pub(super) fn birth(&mut self) -> NaiveDate {
        date(1930, 1, 1) + Duration::days(self.rng.random_range(0..27_000))
    }

    pub(super) fn village(&mut self, township: usize) -> String {
        let n = 6 + township % 7;
        VILLAGE_STEMS[(township * 3 + self.rng.random_range(0..n)) % VILLAGE_STEMS.len()]
            .to_string()
            + "村"
    }

    /// A clean person: no other person shares birth date and name sound, so no one is
    /// accidentally a duplicate registration.
    pub(super) fn person(&mut self, index: usize) -> Person {
        let (name, birth) = loop {
            let name = self.name();
            let birth = self.birth();
            if self.names == Names::Common {
                break (name, birth);
            }
            let sound = self.sound(&name);
            if self.birth_names.insert((birth, sound)) {
                break (name, birth);
            }
        };
        let township = self.rng.random_range(0..self.townships);
        Person {
            id: format!("B{:07}", index + 1),
            id_number: self.unique_id(birth, township),
            name,
            birth,
            township,
            village: self.village(township),
            account: self.account(),
            card_holder: None,
            death: None,
        }
    }

    /// The pinyin key of a name, cached.
    pub(super) fn sound(&mut self, name: &str) -> String {
        if let Some(k) = self.sound_cache.get(name) {
            return k.clone();
        }
        let k = pinyin_key(name);
        self.sound_cache.insert(name.to_string(), k.clone());
        k
    }

    pub(super) fn alloc_id(&mut self) -> String {
        self.next_alloc += 1;
        format!("A{:08}", self.next_alloc)
    }

    pub(super) fn pay_id(&mut self) -> String {
        self.next_pay += 1;
        format!("P{:09}", self.next_pay)
    }

    pub(super) fn due_of(&self, a: &Allocation) -> NaiveDate {
        a.due
            .unwrap_or(a.received + Duration::days(self.config.deadline_days(a.program) as i64))
    }

    /// Allocations of one person for 2025.
    pub(super) fn entitle(&mut self, p: usize) {
        let person = &self.people[p];
        let (pid, township, death, birth) = (
            person.id.clone(),
            person.township,
            person.death,
            person.birth,
        );
        let (program, lo, hi) = QUARTERLY[self.rng.random_range(0..QUARTERLY.len())];
        let quarterly = self.rng.random_range(lo..=hi) as i64 * 100;
        // 高龄津贴 goes by age band: to a person in a band at the year's start, the band
        // of their age at each quarter's start; anyone younger draws 低保金 instead.
        let program = if program == OLD_AGE && old_age_band(birth, date(2025, 1, 1)).is_none() {
            QUARTERLY[0].0
        } else {
            program
        };
        let mut lines: Vec<(&'static str, String, i64, NaiveDate)> = (0..4)
            .map(|q| {
                let start = date(2025, 1 + 3 * q, 1);
                let amount = match old_age_band(birth, start) {
                    Some((_, fen)) if program == OLD_AGE => fen,
                    _ => quarterly,
                };
                (program, format!("2025Q{}", q + 1), amount, start)
            })
            .collect();
        if self.rng.random_bool(0.6) {
            // Area × rate: the draw is the old amount, read as the area it pays for.
            let fen = self.rng.random_range(5_000..300_000);
            let area = (fen * 100 / FARMLAND_FEN_PER_MU).max(1);
            self.land.push((p, area));
            lines.push((FARMLAND, "2025".into(), area_fen(area), date(2025, 4, 1)));
        }
        if self.rng.random_bool(0.03) {
            let fen = self.rng.random_range(15_000..40_000) * 100;
            lines.push((HOUSING, "2025".into(), fen, date(2025, 6, 1)));
        }
        for (program, period, amount_fen, start) in lines {
            let received = start + Duration::days(self.rng.random_range(0..10));
            if death.is_some_and(|d| d < received + Duration::days(70)) {
                continue; // entitlement stops at death, with the last payment before it
            }
            let due = if self.rng.random_bool(0.5) {
                Some(received + Duration::days(self.config.deadline_days(program) as i64))
            } else {
                None
            };
            let id = self.alloc_id();
            if program == FARMLAND {
                let area = self.land.last().map_or(0, |l| l.1);
                self.claimed_area.insert(self.allocations.len(), area);
            }
            self.allocations.push(Allocation {
                id,
                program,
                period,
                person: pid.clone(),
                township,
                amount_fen,
                received,
                due,
            });
        }
    }

    /// On-time payments of an allocation, sometimes in installments that add up exactly,
    /// sometimes a few days late but within grace.
    pub(super) fn pay_clean(&mut self, a: usize) {
        let due = self.due_of(&self.allocations[a]);
        let alloc = &self.allocations[a];
        let (alloc_id, ben, amount, received, program) = (
            alloc.id.clone(),
            alloc.person.clone(),
            alloc.amount_fen,
            alloc.received,
            alloc.program,
        );
        let person = &self.people[self.person_index(&ben)];
        let (holder, account) = (
            person.card_holder.clone().unwrap_or(person.name.clone()),
            person.account.clone(),
        );
        let payee = self.bank_spelling(holder);
        let window = (due - received).num_days().max(1);
        let mut paid = received + Duration::days(self.rng.random_range(1..=window));
        if self.rng.random_bool(0.08) {
            paid = due
                + Duration::days(
                    self.rng
                        .random_range(1..=self.config.delayed.grace_days as i64),
                );
        }
        let parts = if program == HOUSING {
            3
        } else if self.rng.random_bool(0.05) {
            2
        } else {
            1
        };
        let mut left = amount;
        for k in 0..parts {
            let part = if k + 1 == parts {
                left
            } else {
                amount / parts as i64
            };
            left -= part;
            let id = self.pay_id();
            self.payments.push(Payment {
                id,
                allocation: alloc_id.clone(),
                beneficiary: ben.clone(),
                payee: payee.clone(),
                account: account.clone(),
                amount_fen: part,
                paid: paid - Duration::days((parts - 1 - k) as i64 * 3),
                program,
            });
        }
    }

    /// Sends payments (rows) to another payee and account; returns their ids.
    pub(super) fn redirect(&mut self, rows: &[usize], payee: &str, account: &str) -> Vec<String> {
        rows.iter()
            .map(|&i| {
                let x = &mut self.payments[i];
                x.payee = payee.to_string();
                x.account = account.to_string();
                x.id.clone()
            })
            .collect()
    }

    /// The registered person of a beneficiary id (None for an unregistered one).
    pub(super) fn person_of(&self, id: &str) -> Option<&Person> {
        let i = id.get(1..)?.parse::<usize>().ok()?.checked_sub(1)?;
        self.people.get(i).filter(|p| p.id == id)
    }

    pub(super) fn person_index(&self, id: &str) -> usize {
        id[1..].parse::<usize>().unwrap_or(1) - 1
    }

    /// How the bank spells the account holder: mostly as registered, sometimes in
    /// traditional characters, with a space, a full-width space, in pinyin as cards
    /// issued abroad or by some banks do (`ZHANG WEI`), or with a minority name's dot in
    /// another code point.
    pub(super) fn bank_spelling(&mut self, name: String) -> String {
        match self.rng.random_range(0..100) {
            0..=2 => traditional(&name).unwrap_or(name),
            3 => name.replace('·', "•"),
            6 => latin(&name, false).to_uppercase(),
            7 => name.replace('·', "．"),
            4 if name.chars().count() == 2 => {
                name.chars().map(String::from).collect::<Vec<_>>().join(" ")
            }
            5 => name
                .chars()
                .map(String::from)
                .collect::<Vec<_>>()
                .join("\u{3000}"),
            _ => name,
        }
    }

    pub(super) fn plant(
        &mut self,
        rule: &'static str,
        key_type: &'static str,
        ids: Vec<String>,
        note: impl Into<String>,
    ) {
        self.truth.push(Truth {
            category: None,
            rule,
            key_type,
            ids,
            note: note.into(),
        });
    }
}

/// Allocates person `q` the program, period and amount of person `p`'s first allocation
/// and pays it on time; returns both allocation ids.
pub(super) fn mirror_first_allocation(
    g: &mut Gen,
    alloc_of: &HashMap<String, Vec<usize>>,
    p: usize,
    q: usize,
) -> Option<Vec<String>> {
    let a = *alloc_of.get(&g.people[p].id)?.first()?;
    let new_id = g.alloc_id();
    let src = &g.allocations[a];
    // 高龄津贴 goes by the age q is registered with: its band, or 低保金 under 80.
    let (program, amount_fen) = if src.program == OLD_AGE {
        let start = fundaudit_core::cells::period_start(&src.period).map(from_day);
        match start.and_then(|s| old_age_band(g.people[q].birth, s)) {
            Some((_, fen)) => (OLD_AGE, fen),
            None => (QUARTERLY[0].0, src.amount_fen),
        }
    } else {
        (src.program, src.amount_fen)
    };
    let new = Allocation {
        id: new_id,
        program,
        period: src.period.clone(),
        person: g.people[q].id.clone(),
        township: g.people[q].township,
        amount_fen,
        received: src.received,
        due: src.due,
    };
    let ids = vec![src.id.clone(), new.id.clone()];
    g.allocations.push(new);
    let idx = g.allocations.len() - 1;
    g.pay_clean(idx);
    Some(ids)
}

/// Payment rows by a key (allocation or beneficiary), in the order they were made.
pub(super) fn index_payments<'a>(
    payments: &'a [Payment],
    key: impl Fn(&'a Payment) -> &'a String,
) -> std::collections::HashMap<String, Vec<usize>> {
    let mut map: std::collections::HashMap<String, Vec<usize>> = std::collections::HashMap::new();
    for (i, p) in payments.iter().enumerate() {
        map.entry(key(p).clone()).or_default().push(i);
    }
    map
}

pub(super) fn clone_payment(p: &Payment) -> Payment {
    Payment {
        id: p.id.clone(),
        allocation: p.allocation.clone(),
        beneficiary: p.beneficiary.clone(),
        payee: p.payee.clone(),
        account: p.account.clone(),
        amount_fen: p.amount_fen,
        paid: p.paid,
        program: p.program,
    }
}
