//! Synthetic county ledgers with planted anomalies of every rule and a `truth.csv` of
//! what was planted: the test bed for recall and precision, and the benchmark input.
//!
//! Clean data is made deliberately hard: skewed surnames (many 王芳 and 张伟), homonyms
//! with the same birth date in other villages, bank spellings of names, household cards,
//! installments, payments a few days late but within grace, people who died and whose
//! payments stopped. None of these may be flagged.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use chrono::{Duration, NaiveDate};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

mod names;
pub mod shapes;
mod twins;
mod write;

use names::{traditional, COMMON_GIVEN, GIVEN, MINORITY, SURNAMES};
use twins::{far_id, plant_hard_negatives, plant_twin};
use write::{write_all, write_registry};

use crate::config::Config;
use crate::error::Result;
use crate::identity::{idcard, NormName};
use crate::pipeline::parse::fmt_yuan;

/// How much to generate.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub beneficiaries: usize,
    pub seed: u64,
    /// Only the registry (with duplicate registrations and truth_pairs.csv): the input of
    /// the identity-resolution benchmark at millions of records.
    pub registry_only: bool,
    /// How the ledgers are written: clean CSV, or as counties deliver them.
    pub shape: shapes::Shape,
    /// How ID numbers' sequence codes are issued.
    pub id_codes: IdCodes,
    /// Which names people are given.
    pub names: Names,
}

/// How people are named.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Names {
    /// The generator's first lists, and no two clean people of one birth date share a
    /// name's sound (so any same-day namesakes are planted on purpose).
    #[default]
    Ours,
    /// Another county: a few dozen one-character given names for most people, so 王刚
    /// or 王静 has hundreds of holders in 200,000, and strangers of one name born on one
    /// day occur as chance makes them (they are two people: truth_pairs.csv never holds
    /// them). The shape the identity model must not merge.
    Common,
}

impl std::str::FromStr for Names {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ours" => Ok(Names::Ours),
            "common" => Ok(Names::Common),
            other => Err(format!("--names {other}: use ours or common")),
        }
    }
}

/// How the 顺序码 (digits 15–17 of an ID number) is issued.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum IdCodes {
    /// Three digits drawn at random (the generator's first shape, kept as a second).
    Random,
    /// As police stations issue them (the default): two digits for the station (one per
    /// township here) and the last digit's parity the person's sex. Strangers born on
    /// one day in one township then differ in the last digit only; the generator also
    /// plants such namesakes (hard negatives).
    #[default]
    Station,
}

impl std::str::FromStr for IdCodes {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "random" => Ok(IdCodes::Random),
            "station" => Ok(IdCodes::Station),
            other => Err(format!("--id-codes {other}: use random or station")),
        }
    }
}

const REGION: &str = "411623";
const FOREIGN_REGION: &str = "410102";

const TOWNSHIPS: &[&str] = &[
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
const VILLAGE_STEMS: &[&str] = &[
    "李庄", "王楼", "张营", "刘寨", "陈集", "杨湾", "东岗", "西洼", "南庄", "北街", "前营", "后楼",
    "大郭", "小徐", "高庙", "新集", "柳林", "桃园", "河口", "石桥",
];

/// Quarterly programs (four periods in 2025) and how much a quarter pays (yuan range).
const QUARTERLY: &[(&str, u32, u32)] = &[
    ("低保金", 900, 2100),
    ("特困供养金", 1500, 2700),
    ("残疾人两项补贴", 180, 540),
    ("高龄津贴", 300, 900),
];
const FARMLAND: &str = "耕地地力保护补贴";
const HOUSING: &str = "危房改造补助";

struct Person {
    id: String,
    name: String,
    id_number: String,
    birth: NaiveDate,
    township: usize,
    village: String,
    account: String,
    /// For a household member whose card is another member's: the card holder's name.
    card_holder: Option<String>,
    death: Option<NaiveDate>,
}

struct Allocation {
    id: String,
    program: &'static str,
    period: String,
    person: String,
    township: usize,
    amount_fen: i64,
    received: NaiveDate,
    due: Option<NaiveDate>,
}

struct Payment {
    id: String,
    allocation: String,
    beneficiary: String,
    payee: String,
    account: String,
    amount_fen: i64,
    paid: NaiveDate,
    program: &'static str,
}

struct Truth {
    rule: &'static str,
    key_type: &'static str,
    ids: Vec<String>,
    note: String,
}

struct Gen {
    rng: ChaCha8Rng,
    config: Config,
    people: Vec<Person>,
    allocations: Vec<Allocation>,
    payments: Vec<Payment>,
    deaths: Vec<(String, String, NaiveDate, Option<NaiveDate>, String, String)>,
    officials: Vec<(String, String, String, String, usize, String)>,
    /// Reference lists: file name → rows (name, ID number or blank).
    lists: Vec<(&'static str, Vec<(String, String)>)>,
    truth: Vec<Truth>,
    ids_used: HashSet<String>,
    id_codes: IdCodes,
    names: Names,
    birth_names: HashSet<(NaiveDate, String)>,
    next_account: u64,
    next_alloc: u64,
    next_pay: u64,
    /// Townships in the generated province (16 per county).
    townships: usize,
    /// Pinyin keys of names already seen: names repeat, normalising is not free.
    sound_cache: HashMap<String, String>,
    /// Registrations of one person: (original row, twin row, how).
    twins: Vec<(usize, usize, &'static str)>,
    /// Two people a careless matcher would take for one: (row, row, how).
    hard_negatives: Vec<(usize, usize, &'static str)>,
}

/// Townships per county; a county holds about `PEOPLE_PER_COUNTY` beneficiaries.
const TOWNSHIPS_PER_COUNTY: usize = 16;
const PEOPLE_PER_COUNTY: usize = 100_000;
const COUNTIES: &[&str] = &[
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
fn township_name(t: usize) -> String {
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
fn region_of(t: usize) -> String {
    match t / TOWNSHIPS_PER_COUNTY {
        0 => REGION.to_string(),
        c => format!("42{:04}", c % 10_000),
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn weighted<'a>(rng: &mut ChaCha8Rng, items: &'a [(&'a str, u32)]) -> &'a str {
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

fn pinyin_key(name: &str) -> String {
    NormName::new(name).pinyin_str().to_string()
}

impl Gen {
    fn name(&mut self) -> String {
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
    fn common_name(&mut self) -> String {
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
    fn stranger_name(&mut self, not_like: &str) -> String {
        let avoid = pinyin_key(not_like);
        loop {
            let n = self.name();
            if pinyin_key(&n) != avoid && !n.contains('·') {
                return n;
            }
        }
    }

    fn account(&mut self) -> String {
        self.next_account += 1;
        // 19-digit bank card numbers: exactly what spreadsheets turn into 6.22848E+18.
        format!(
            "622848{:013}",
            self.next_account * 7919 % 10_000_000_000_000
        )
    }

    fn unique_id(&mut self, birth: NaiveDate, township: usize) -> String {
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

    fn birth(&mut self) -> NaiveDate {
        date(1930, 1, 1) + Duration::days(self.rng.random_range(0..27_000))
    }

    fn village(&mut self, township: usize) -> String {
        let n = 6 + township % 7;
        VILLAGE_STEMS[(township * 3 + self.rng.random_range(0..n)) % VILLAGE_STEMS.len()]
            .to_string()
            + "村"
    }

    /// A clean person: no other person shares birth date and name sound, so no one is
    /// accidentally a duplicate registration.
    fn person(&mut self, index: usize) -> Person {
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
    fn sound(&mut self, name: &str) -> String {
        if let Some(k) = self.sound_cache.get(name) {
            return k.clone();
        }
        let k = pinyin_key(name);
        self.sound_cache.insert(name.to_string(), k.clone());
        k
    }

    fn alloc_id(&mut self) -> String {
        self.next_alloc += 1;
        format!("A{:08}", self.next_alloc)
    }

    fn pay_id(&mut self) -> String {
        self.next_pay += 1;
        format!("P{:09}", self.next_pay)
    }

    fn due_of(&self, a: &Allocation) -> NaiveDate {
        a.due
            .unwrap_or(a.received + Duration::days(self.config.deadline_days(a.program) as i64))
    }

    /// Allocations of one person for 2025.
    fn entitle(&mut self, p: usize) {
        let person = &self.people[p];
        let (pid, township, death) = (person.id.clone(), person.township, person.death);
        let (program, lo, hi) = QUARTERLY[self.rng.random_range(0..QUARTERLY.len())];
        let quarterly = self.rng.random_range(lo..=hi) as i64 * 100;
        let mut lines: Vec<(&'static str, String, i64, NaiveDate)> = (0..4)
            .map(|q| {
                let start = date(2025, 1 + 3 * q, 1);
                (program, format!("2025Q{}", q + 1), quarterly, start)
            })
            .collect();
        if self.rng.random_bool(0.6) {
            let fen = self.rng.random_range(5_000..300_000);
            lines.push((FARMLAND, "2025".into(), fen, date(2025, 4, 1)));
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
    fn pay_clean(&mut self, a: usize) {
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
    fn redirect(&mut self, rows: &[usize], payee: &str, account: &str) -> Vec<String> {
        rows.iter()
            .map(|&i| {
                let x = &mut self.payments[i];
                x.payee = payee.to_string();
                x.account = account.to_string();
                x.id.clone()
            })
            .collect()
    }

    fn person_index(&self, id: &str) -> usize {
        id[1..].parse::<usize>().unwrap_or(1) - 1
    }

    /// How the bank spells the account holder: mostly as registered, sometimes in
    /// traditional characters, with a space, a full-width space, in pinyin as cards
    /// issued abroad or by some banks do (`ZHANG WEI`), or with a minority name's dot in
    /// another code point.
    fn bank_spelling(&mut self, name: String) -> String {
        match self.rng.random_range(0..100) {
            0..=2 => traditional(&name).unwrap_or(name),
            3 => name.replace('·', "•"),
            6 => twins::latin(&name, false).to_uppercase(),
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

    fn plant(
        &mut self,
        rule: &'static str,
        key_type: &'static str,
        ids: Vec<String>,
        note: impl Into<String>,
    ) {
        self.truth.push(Truth {
            rule,
            key_type,
            ids,
            note: note.into(),
        });
    }
}

/// The files `generate` writes (the first two alone with `registry_only`).
pub const GENERATED_FILES: &[&str] = &[
    "beneficiaries.csv",
    "truth_pairs.csv",
    "allocations.csv",
    "payments.csv",
    "deaths.csv",
    "officials.csv",
    "truth.csv",
    "vehicles.csv",
    "businesses.csv",
    "standards.toml",
    // The other shapes.
    "某县享受对象花名册.xlsx",
    "发放清册",
    "代发",
    "死亡人员名单.csv",
    "财政供养人员名单.csv",
];

/// Generates the five inputs and truth.csv into `out` (in `opts.shape`).
pub fn generate(opts: &GenerateOptions, out: &Path) -> Result<()> {
    // Checked before the work: a real ledger of the same name is never overwritten.
    crate::operations::run_folder::refuse_existing(out, GENERATED_FILES, "--out")?;
    let n = opts.beneficiaries.max(50);
    let mut g = Gen {
        rng: ChaCha8Rng::seed_from_u64(opts.seed),
        config: Config::default(),
        people: Vec::with_capacity(n),
        allocations: Vec::new(),
        payments: Vec::new(),
        deaths: Vec::new(),
        officials: Vec::new(),
        lists: Vec::new(),
        truth: Vec::new(),
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
    };
    for i in 0..n {
        let p = g.person(i);
        g.people.push(p);
    }
    // How many of each anomaly: a share of the registry, at least three.
    let count = |share: f64| ((n as f64 * share) as usize).max(3);
    let mut pool: Vec<usize> = (0..n).collect();
    pool.shuffle(&mut g.rng);
    let mut take = || pool.pop().unwrap_or(0);

    // People who died: some legitimately (payments stop), some planted (payments go on).
    let mut dead_planted = Vec::new();
    for k in 0..count(0.01) {
        let p = take();
        let died = date(2025, 5, 1) + Duration::days(g.rng.random_range(0..60));
        dead_planted.push((p, died, k % 4));
    }
    let mut dead_clean = Vec::new();
    for _ in 0..count(0.01) {
        let p = take();
        let died = date(2025, 5, 1) + Duration::days(g.rng.random_range(0..60));
        g.people[p].death = Some(died);
        dead_clean.push(p);
    }

    // Clean households sharing one card: spouse in the same village.
    for _ in 0..count(0.02) {
        let (a, b) = (take(), take());
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

    // Clean homonyms: same name and birth date, other village, ID far off. In the
    // identity benchmark's registries a common name, as chance makes namesakes. (Not
    // in whole counties yet: officials are matched to payees by name, and a county of
    // common-named homonyms measured diverted precision 0.88 against the 0.95 floor.)
    for _ in 0..count(0.005) {
        let src = take();
        let p = take();
        if opts.registry_only {
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
        let id_number = far_id(&mut g, birth, &near, township);
        let q = &mut g.people[p];
        q.name = name;
        q.birth = birth;
        q.id_number = id_number;
        q.township = township;
        q.village = village;
    }

    if opts.registry_only {
        for k in 0..count(0.01) {
            let p = take();
            plant_twin(&mut g, p, k);
        }
        for k in 0..count(0.004) {
            let p = take();
            plant_hard_negatives(&mut g, p, k, true);
        }
        return write_registry(&g, out);
    }

    // Officials: village cadres and township staff, none of them beneficiaries by default.
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

    // Entitlements and clean payments for everyone.
    for p in 0..n {
        g.entitle(p);
    }
    let mut alloc_of: std::collections::HashMap<String, Vec<usize>> =
        std::collections::HashMap::new();
    for (i, a) in g.allocations.iter().enumerate() {
        alloc_of.entry(a.person.clone()).or_default().push(i);
    }

    // Allocations whose payment is planted as anomalous are paid specially.
    let mut special: HashSet<usize> = HashSet::new();
    let grace = g.config.delayed.grace_days as i64;

    let first_alloc = |g: &Gen, p: usize| -> Option<usize> {
        alloc_of
            .get(&g.people[p].id)
            .and_then(|v| v.first().copied())
    };

    // DELAY_LATE, DELAY_UNPAID, PARTIAL_SHORT, DUP_ALLOCATION: one allocation of a fresh person each.
    let mut late = Vec::new();
    for _ in 0..count(0.01) {
        if let Some(a) = first_alloc(&g, take()) {
            special.insert(a);
            late.push(a);
        }
    }
    let mut unpaid = Vec::new();
    for _ in 0..count(0.005) {
        if let Some(a) = first_alloc(&g, take()) {
            special.insert(a);
            unpaid.push(a);
        }
    }
    let mut short = Vec::new();
    for _ in 0..count(0.01) {
        if let Some(a) = first_alloc(&g, take()) {
            special.insert(a);
            short.push(a);
        }
    }
    let mut doubled = Vec::new();
    for _ in 0..count(0.005) {
        if let Some(a) = first_alloc(&g, take()) {
            doubled.push(a);
        }
    }

    for a in 0..g.allocations.len() {
        if !special.contains(&a) {
            g.pay_clean(a);
        }
    }
    for a in late {
        let due = g.due_of(&g.allocations[a]);
        let days = grace + g.rng.random_range(1..120);
        g.pay_clean(a);
        let last = g.payments.len() - 1;
        let first = g
            .payments
            .iter()
            .rposition(|p| p.allocation != g.allocations[a].id)
            .map_or(0, |i| i + 1);
        for p in &mut g.payments[first..=last] {
            p.paid = due + Duration::days(days);
        }
        let id = g.allocations[a].id.clone();
        g.plant(
            "DELAY_LATE",
            "allocation",
            vec![id],
            format!("paid {days} days after due"),
        );
    }
    for a in unpaid {
        let id = g.allocations[a].id.clone();
        g.plant("DELAY_UNPAID", "allocation", vec![id], "never paid");
    }
    for (k, a) in short.into_iter().enumerate() {
        g.pay_clean(a);
        let last = g.payments.len() - 1;
        let cut = match k % 3 {
            0 => 1, // one fen short
            1 => g.allocations[a].amount_fen / 5,
            _ => g.rng.random_range(100..5_000),
        }
        .min(g.payments[last].amount_fen - 1)
        .max(1);
        g.payments[last].amount_fen -= cut;
        let id = g.allocations[a].id.clone();
        g.plant(
            "PARTIAL_SHORT",
            "allocation",
            vec![id],
            format!("short by {} yuan", fmt_yuan(cut)),
        );
    }
    let by_alloc = index_payments(&g.payments, |p| &p.allocation);
    for a in doubled {
        let last = by_alloc
            .get(&g.allocations[a].id)
            .and_then(|v| v.last().copied());
        if let Some(last) = last {
            let mut again = Payment {
                id: g.pay_id(),
                ..clone_payment(&g.payments[last])
            };
            again.amount_fen = g.allocations[a].amount_fen;
            again.paid += Duration::days(g.rng.random_range(1..30));
            g.payments.push(again);
            let id = g.allocations[a].id.clone();
            g.plant("DUP_ALLOCATION", "allocation", vec![id], "paid twice");
        }
    }

    // DUP_PERSON_PERIOD: a second registration of the same person, paid again.
    for k in 0..count(0.01) {
        let p = take();
        let (twin_index, how) = plant_twin(&mut g, p, k);
        // One scheme, two faces: every fifth second registration is paid to the card of
        // an official of its township (not one registered without an ID number: its own
        // card is what ties it to the first registration).
        let official = (k % 5 == 3 && !g.people[twin_index].id_number.is_empty())
            .then(|| {
                // A different official each time where the township has several.
                let t = g.people[twin_index].township;
                let here: Vec<_> = g.officials[..n_officials]
                    .iter()
                    .filter(|o| o.4 == t)
                    .collect();
                (!here.is_empty()).then(|| here[(k / 5) % here.len()].clone())
            })
            .flatten();
        if let Some(o) = &official {
            g.people[twin_index].account = o.5.clone();
            g.people[twin_index].card_holder = Some(o.0.clone());
        }
        if let Some(ids) = mirror_first_allocation(&mut g, &alloc_of, p, twin_index) {
            if official.is_some() {
                let twin_pid = g.people[twin_index].id.clone();
                g.plant(
                    "DIV_OFFICIAL",
                    "beneficiary",
                    vec![twin_pid],
                    "a second registration paid to an official's card",
                );
            }
            g.plant("DUP_PERSON_PERIOD", "allocation", ids, how);
            if g.people[twin_index].id_number.is_empty() {
                let twin_pid = g.people[twin_index].id.clone();
                g.plant(
                    "GHOST_INVALID_ID",
                    "beneficiary",
                    vec![twin_pid],
                    "second registration without an ID number",
                );
            }
        }
    }
    // Hard negatives: twins and namesakes of one village, paid for the same program and
    // period as their neighbour. Merging them would raise a false DUP_PERSON_PERIOD.
    for k in 0..count(0.004) {
        let p = take();
        for q in plant_hard_negatives(&mut g, p, k, false) {
            mirror_first_allocation(&mut g, &alloc_of, p, q);
        }
    }

    // GHOST_UNREGISTERED: allocations and payments for ids the registry does not hold.
    for k in 0..count(0.005) {
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

    // Indexes for the plants below, which rewrite payments already made.
    let by_person = index_payments(&g.payments, |p| &p.beneficiary);
    let mut sound_in_village: std::collections::HashMap<(usize, String, String), usize> =
        std::collections::HashMap::new();
    for q in &g.people {
        *sound_in_village
            .entry((q.township, q.village.clone(), pinyin_key(&q.name)))
            .or_default() += 1;
    }

    // GHOST_DECEASED: the planted dead keep being paid; the death is recorded four ways.
    let mut dead_to_stranger = 0usize;
    for (p, died, how) in dead_planted {
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
    // Legitimate deaths go on the death list too, with their ID.
    for p in dead_clean {
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
    // Other deaths in the county, homonyms of living beneficiaries among them.
    for _ in 0..count(0.02) {
        let name = g.name();
        let birth = g.birth();
        let died = date(2024, 1, 1) + Duration::days(g.rng.random_range(0..600));
        if g.rng.random_bool(0.5) {
            let id = idcard::make_id(FOREIGN_REGION, birth, g.rng.random_range(0..1000));
            g.deaths
                .push((name, id, died, None, String::new(), String::new()));
        } else if g.birth_names.insert((birth, pinyin_key(&name))) {
            g.deaths.push((
                name,
                String::new(),
                died,
                Some(birth),
                String::new(),
                String::new(),
            ));
        }
    }

    // GHOST_INVALID_ID: a check digit or a birth date no living person can have.
    for k in 0..count(0.005) {
        let p = take();
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

    // DIV_PAYEE_MISMATCH: payments land in a stranger's account.
    for _ in 0..count(0.01) {
        let p = take();
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

    // DIV_OFFICIAL: a cadre enrolled as beneficiary of a means-tested program (低保,
    // 特困, 危房改造: barred to officials; 高龄津贴 and farmland support are not);
    // money landing with a local official.
    for k in 0..count(0.005) {
        let mut p = take();
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
                p = take();
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

    // DIV_SHARED_ACCOUNT: one collector's card receives for people of several villages.
    for _ in 0..count(0.002) {
        let collector = g.name();
        let account = g.account();
        let k = g.rng.random_range(3..6);
        let mut hit = Vec::new();
        for _ in 0..k {
            let pid = g.people[take()].id.clone();
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

    // DIV_NO_ALLOCATION: payments with no allocation behind them.
    for k in 0..count(0.005) {
        let p = take();
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

    // DUP_EXCLUSIVE: 特困供养金 and 低保金 drawn by one person in the same quarter; every
    // third a near miss, the other program in a quarter that does not overlap (2024Q4),
    // which must not be flagged.
    let (dibao, tekun) = (QUARTERLY[0].0, QUARTERLY[1].0);
    // Each person's first 低保金 or 特困供养金 allocation, found once: a scan per plant is
    // quadratic, hours at five million people.
    let mut first_of: HashMap<String, usize> = HashMap::new();
    for (i, a) in g.allocations.iter().enumerate() {
        if a.program == dibao || a.program == tekun {
            first_of.entry(a.person.clone()).or_insert(i);
        }
    }
    for k in 0..count(0.003) {
        let pid = g.people[take()].id.clone();
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

    // DIV_CADRE_HOUSEHOLD: a village cadre registered in the county (drawing nothing
    // themselves) whose household — same village, same card — draws benefits in the
    // village they serve. Every third a near miss: a township official whose unit is
    // another township, which must not be flagged.
    for k in 0..count(0.002) {
        let p = take();
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

    // OVER_STANDARD: a quarter's allocation above the program's standard (standards.toml,
    // written beside the ledgers, states the most a quarter pays); every third a near
    // miss exactly at the standard. In 2024Q4, apart from the person's 2025 programs.
    for k in 0..count(0.002) {
        let p = take();
        let (pid, township) = (g.people[p].id.clone(), g.people[p].township);
        let (program, _, hi) = QUARTERLY[k % QUARTERLY.len()];
        let near = k % 3 == 2;
        let extra = if near {
            0
        } else {
            g.rng.random_range(100..50_000)
        };
        let id = g.alloc_id();
        g.allocations.push(Allocation {
            id: id.clone(),
            program,
            period: "2024Q4".into(),
            person: pid,
            township,
            amount_fen: hi as i64 * 100 + extra,
            received: date(2024, 10, 1),
            due: None,
        });
        g.pay_clean(g.allocations.len() - 1);
        if !near {
            g.plant(
                "OVER_STANDARD",
                "allocation",
                vec![id],
                format!("{program} over its standard by {}", fmt_yuan(extra)),
            );
        }
    }

    // Reference lists (the default config's vehicles and businesses): people drawing a
    // program the list excludes them from; near misses that must not be flagged: a listed
    // person drawing only programs the list does not cover, and a common name with no ID
    // number or birth date.
    for (file, rule, programs) in [
        ("vehicles", "LIST_VEHICLE", &[dibao, tekun][..]),
        ("businesses", "LIST_BUSINESS", &[dibao][..]),
    ] {
        let mut rows = Vec::new();
        let (want, mut planted, mut near) = (count(0.002), 0, 0);
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
            let p = take();
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

    write_all(&g, out)?;
    write_standards(out)?;
    shapes::apply(opts.shape, out)
}

/// standards.toml: the county's standards, the most each program pays one person per
/// period (a config fragment: `run --config standards.toml`).
fn write_standards(out: &Path) -> Result<()> {
    let mut text = String::from(
        "# The most each program pays one person per period in this generated county.\n[standards]\n",
    );
    for (program, _, hi) in QUARTERLY {
        text.push_str(&format!(
            "\"{program}\" = {{ max_yuan_per_period = {hi} }}\n"
        ));
    }
    text.push_str(&format!(
        "\"{FARMLAND}\" = {{ max_yuan_per_period = 3000 }}\n"
    ));
    text.push_str(&format!(
        "\"{HOUSING}\" = {{ max_yuan_per_period = 40000 }}\n"
    ));
    let path = out.join("standards.toml");
    std::fs::write(&path, text).map_err(|e| crate::error::Error::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    })
}

/// Allocates person `q` the program, period and amount of person `p`'s first allocation
/// and pays it on time; returns both allocation ids.
fn mirror_first_allocation(
    g: &mut Gen,
    alloc_of: &HashMap<String, Vec<usize>>,
    p: usize,
    q: usize,
) -> Option<Vec<String>> {
    let a = *alloc_of.get(&g.people[p].id)?.first()?;
    let new_id = g.alloc_id();
    let src = &g.allocations[a];
    let new = Allocation {
        id: new_id,
        program: src.program,
        period: src.period.clone(),
        person: g.people[q].id.clone(),
        township: g.people[q].township,
        amount_fen: src.amount_fen,
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
fn index_payments<'a>(
    payments: &'a [Payment],
    key: impl Fn(&'a Payment) -> &'a String,
) -> std::collections::HashMap<String, Vec<usize>> {
    let mut map: std::collections::HashMap<String, Vec<usize>> = std::collections::HashMap::new();
    for (i, p) in payments.iter().enumerate() {
        map.entry(key(p).clone()).or_default().push(i);
    }
    map
}

fn clone_payment(p: &Payment) -> Payment {
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
