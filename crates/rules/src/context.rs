//! Everything the rules read: the people, prepared once per run (registry, identity
//! resolution — who is who, who died, who is an official), and the payments and
//! allocations of one part linked to them ([`Context::with_payments`]; see
//! [`fundaudit_audit::partition`]). Rules are pure functions of this context.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use polars::prelude::*;
use rayon::prelude::*;

use crate::link::{self, link_payments};
use crate::past_due::PastDue;
use fundaudit_core::cells::Day;
use fundaudit_core::config::Config;
use fundaudit_core::error::Result;
use fundaudit_core::frame;
use fundaudit_identity::{
    dedup_registry, idcard, judge_payees, match_deaths, AccountHolders, DeathEntry, Dedup,
    NormName, OfficialEntry, PackedRegistry, Payee, PayeeRows, RegistryBuilder, RegistryEntry,
};
use fundaudit_input::{Inputs, PeopleLists, LINE};

pub struct Context {
    pub config: Config,
    /// The run's reference date: allocations due before it and unpaid are late.
    pub as_of: Day,
    /// The ledgers; in a partitioned run `payments` and `allocations` are the partition's.
    pub ledgers: Inputs,
    // The people (registry, deaths, officials and who is who among them) are the same in
    // every partition of a run, hence shared rather than copied.
    pub registry: Arc<Vec<RegistryEntry>>,
    /// Registry row by beneficiary id (FxHash: ids from our own ledgers, looked up once
    /// per payment and allocation row).
    pub registry_row: Arc<fundaudit_identity::rows::RowIndex>,
    pub deaths: Arc<Vec<DeathEntry>>,
    pub officials: Arc<Vec<OfficialEntry>>,
    /// Registry self-deduplication: matched pairs and a person cluster per row.
    pub dedup: Arc<Dedup>,
    /// Earliest sure death of each registry row.
    pub death_of: Arc<fundaudit_identity::DeathsOf>,
    /// Payments joined to allocation and registry; see [`crate::link`].
    pub linked: DataFrame,
    /// Who received each linked payment (aligned with `linked` rows).
    pub payees: Vec<Payee>,
    /// What only the whole run can tell, where `ledgers` holds one partition.
    pub whole: Arc<Whole>,
    /// Registry-wide facts rules work out on first use and every part reuses.
    pub memo: Arc<Memo>,
    /// Wall time of each preparation stage, for the summary and the benchmark.
    pub timings: Vec<(&'static str, f64)>,
    pub warnings: Vec<String>,
}

/// Facts of the whole run that rules need and one partition cannot tell.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub struct Whole {
    /// Allocations past due, by program and period, with and without payments.
    pub past_due: PastDue,
    /// Rows of the main ledgers.
    pub rows: Rows,
    /// Payments made before their village's posted list had hung its days, and villages
    /// paid without their list.
    #[serde(default)]
    pub posting: crate::publicity::Posting,
    /// What the people an invalid-ID finding may name were paid for (see
    /// [`crate::ghost::PaidFor`]).
    #[serde(default)]
    pub paid_for: crate::ghost::PaidFor,
}

/// Registry rows a reference list names → (list line, how matched): found once per run
/// (`rules::lists`), kept in the [`Memo`].
pub type Listed = std::collections::HashMap<usize, (i64, &'static str)>;

/// Facts about the people alone (registry, officials, lists), which a rule would
/// otherwise work out again for every part of a partitioned run: a province's registry
/// indexed once, not once per part. Each is filled through [`memoised`], never by a
/// `get_or_init` that does the work itself.
#[derive(Debug, Default)]
pub struct Memo {
    /// Registry rows by bank account (see [`fundaudit_identity::payee`]).
    pub holders: OnceLock<AccountHolders>,
    /// The officials by ID number and name key.
    pub official_index: OnceLock<fundaudit_identity::OfficialIndex>,
    /// Registry rows of officials (by ID number) → the official (see
    /// [`crate::diverted::official`]).
    pub officials: OnceLock<HashMap<usize, usize>>,
    /// Registry rows around an official (see [`crate::cadre`]).
    pub cadre: OnceLock<HashMap<usize, (usize, String, bool)>>,
    /// Per reference list of the config: registry rows it lists, with the list line and
    /// how matched (see [`crate::lists`]), or why the list could not be read.
    pub lists: OnceLock<Vec<std::result::Result<Listed, String>>>,
    /// Payment and allocation ids the last night's findings named (the case ledger's
    /// source rows): kept past the rules beside the rows tonight's findings name, so the
    /// night can tell a row deleted from a row no finding names now (see
    /// [`crate::source_rows`]).
    pub keep_rows: OnceLock<rustc_hash::FxHashSet<String>>,
    /// The posted lists matched to the registry (see [`crate::posted`]); None when the
    /// county delivered none.
    pub notices: OnceLock<Option<crate::posted::Notices>>,
    /// The project ledgers joined by project id (see [`crate::project::book`]); None when
    /// the county delivered none.
    pub projects: OnceLock<Option<crate::project::book::Book>>,
    /// 确权面积 of each registry row from the land ledger (see [`crate::basis`]).
    pub land_areas: OnceLock<Vec<Option<i64>>>,
    /// Registry rows with an invalid ID number → their namesakes of the same village (see
    /// [`crate::ghost::namesakes_of_invalid`]).
    pub invalid_id_namesakes: OnceLock<rustc_hash::FxHashMap<usize, Vec<usize>>>,
    /// The identity's matched pairs by their two rows (see [`Context::matched_pair`]).
    pub pair_index: OnceLock<rustc_hash::FxHashMap<(usize, usize), usize>>,
    /// The officials by their line in the list (see [`Context::official_at_line`]).
    pub official_lines: OnceLock<rustc_hash::FxHashMap<usize, usize>>,
}

impl Whole {
    /// The facts of the people's ledgers when they hold the whole run's payments and
    /// allocations.
    pub fn of(people: &Context) -> Result<Whole> {
        let ledgers = &people.ledgers;
        let (allocations, payments) = (&ledgers.allocations, &ledgers.payments);
        let named = crate::link::Named::by_text(allocations, payments)?;
        Ok(Whole {
            past_due: PastDue::of(allocations, &named, &people.config, people.as_of)?,
            rows: Rows::of(ledgers),
            posting: crate::publicity::Posting::of(people, allocations, payments, &named)?.finish(),
            paid_for: crate::ghost::PaidFor::of(people, allocations, &named)?,
        })
    }
}

/// Rows of the three main ledgers, of the whole run.
#[derive(Debug, Default, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct Rows {
    pub beneficiaries: usize,
    pub allocations: usize,
    pub payments: usize,
}

impl Rows {
    pub fn of(ledgers: &Inputs) -> Rows {
        Rows {
            beneficiaries: ledgers.beneficiaries.height(),
            allocations: ledgers.allocations.height(),
            payments: ledgers.payments.height(),
        }
    }
}

/// Collects stage wall times as they finish.
struct Laps {
    clock: Instant,
    timings: Vec<(&'static str, f64)>,
}

impl Laps {
    fn new() -> Laps {
        Laps {
            clock: Instant::now(),
            timings: Vec::new(),
        }
    }

    fn lap(&mut self, name: &'static str) {
        self.timings
            .push((name, self.clock.elapsed().as_secs_f64()));
        self.clock = Instant::now();
    }
}

/// The run's people, resolved from the registry, the death list and the officials alone:
/// who is who among the registry's rows, who died, who is an official. They need no
/// payment or allocation, so a night resolves them while the allocations are still being
/// read (`fundaudit_input::Inputs::load_beside`) instead of after: at a million people
/// the two are each a few seconds, and each leaves a core idle at times.
pub struct People {
    registry: Vec<RegistryEntry>,
    registry_row: fundaudit_identity::rows::RowIndex,
    deaths: Vec<DeathEntry>,
    officials: Vec<OfficialEntry>,
    dedup: Dedup,
    death_of: fundaudit_identity::DeathsOf,
    timings: Vec<(&'static str, f64)>,
    warnings: Vec<String>,
}

impl People {
    /// The people of these lists, their duplicate registrations found here.
    pub fn resolve(lists: PeopleLists, config: &Config, as_of: Day) -> Result<People> {
        People::resolve_with(lists, config, as_of, |packed, c| {
            Ok(dedup_registry(packed, c))
        })
    }

    /// [`People::resolve`], the duplicate registrations found by `resolve`.
    pub fn resolve_with(
        lists: PeopleLists,
        config: &Config,
        as_of: Day,
        resolve: impl FnOnce(&PackedRegistry, &Config) -> Result<Dedup>,
    ) -> Result<People> {
        let mut laps = Laps::new();
        let registry = registry_entries(lists.beneficiaries, as_of)?;
        let registry_row = fundaudit_identity::rows::RowIndex::new(&registry);
        let deaths = match lists.deaths {
            Some(df) => death_entries(df)?,
            None => Vec::new(),
        };
        let officials = match lists.officials {
            Some(df) => official_entries(df)?,
            None => Vec::new(),
        };
        laps.lap("normalise names");

        let mut packed = RegistryBuilder::new();
        for r in &registry {
            packed.push(
                &r.name,
                &r.id_number,
                &r.township,
                &r.village,
                &r.bank_account,
            );
        }
        let packed = packed.finish();
        let dedup = resolve(&packed, config)?;
        laps.lap("identity resolution");
        // Apart from the registry's own: the death list grows with registry × deaths.
        let death_of = match_deaths(&registry, &deaths, &config.matching);
        laps.lap("match death list");

        let warnings = dedup.warnings.clone();
        Ok(People {
            registry,
            registry_row,
            deaths,
            officials,
            dedup,
            death_of,
            timings: laps.timings,
            warnings,
        })
    }
}

/// The value in `cell`, made by `make` when it has none yet. Made outside the cell: the
/// makers run work on rayon's pool, and two parts run their rules at once. A worker that
/// waited inside `get_or_init` for that work took on other jobs meanwhile, one of them
/// the other part's same rule asking for the same cell: the thread then waited on
/// itself, and a ten-million-people run hung there. Two parts asking at once may both
/// make the value; the first one in is kept.
pub fn memoised<T>(cell: &OnceLock<T>, make: impl FnOnce() -> T) -> &T {
    if let Some(value) = cell.get() {
        return value;
    }
    let made = make();
    cell.get_or_init(|| made)
}

impl Context {
    /// The whole audit's context: the people, then every payment and allocation linked.
    pub fn build(ledgers: Inputs, config: Config, as_of: Day) -> Result<Context> {
        let mut people = Context::people(ledgers, config, as_of)?;
        let payments = people.ledgers.payments.clone();
        let allocations = people.ledgers.allocations.clone();
        people.whole = Arc::new(Whole::of(&people)?);
        people.with_payments(payments, allocations)
    }

    /// The people of the run — registry, deaths, officials, duplicate registrations —
    /// without linking any payment: what every partition shares.
    pub fn people(ledgers: Inputs, config: Config, as_of: Day) -> Result<Context> {
        let people = People::resolve(PeopleLists::of(&ledgers), &config, as_of)?;
        Ok(Context::of_people(ledgers, config, as_of, people))
    }

    /// [`Context::people`] with the registry's duplicate registrations found by
    /// `resolve`: here, or on a cluster (`fundaudit_ballista::identity`).
    pub fn people_with(
        ledgers: Inputs,
        config: Config,
        as_of: Day,
        resolve: impl FnOnce(&PackedRegistry, &Config) -> Result<Dedup>,
    ) -> Result<Context> {
        let people = People::resolve_with(PeopleLists::of(&ledgers), &config, as_of, resolve)?;
        Ok(Context::of_people(ledgers, config, as_of, people))
    }

    /// The people back out of a context nothing else shares: a stage made on the way cuts
    /// its parts by them, then hands them to the run it was made for, which would
    /// otherwise resolve the same registry again (at ten million people, over a minute).
    /// None when any of them is shared still.
    pub fn into_people(self) -> Option<People> {
        Some(People {
            registry: Arc::try_unwrap(self.registry).ok()?,
            registry_row: Arc::try_unwrap(self.registry_row).ok()?,
            deaths: Arc::try_unwrap(self.deaths).ok()?,
            officials: Arc::try_unwrap(self.officials).ok()?,
            dedup: Arc::try_unwrap(self.dedup).ok()?,
            death_of: Arc::try_unwrap(self.death_of).ok()?,
            timings: self.timings,
            warnings: self.warnings,
        })
    }

    /// The context of `people` resolved already (beside the loading of the ledgers: see
    /// [`People`]) from these `ledgers`' registry, death list and officials.
    pub fn of_people(ledgers: Inputs, config: Config, as_of: Day, people: People) -> Context {
        Context {
            config,
            as_of,
            ledgers,
            registry: Arc::new(people.registry),
            registry_row: Arc::new(people.registry_row),
            deaths: Arc::new(people.deaths),
            officials: Arc::new(people.officials),
            dedup: Arc::new(people.dedup),
            death_of: Arc::new(people.death_of),
            linked: DataFrame::default(),
            payees: Vec::new(),
            whole: Arc::default(),
            memo: Arc::default(),
            timings: people.timings,
            warnings: people.warnings,
        }
    }

    /// This context's people with these payments and allocations linked: the whole run's,
    /// or one partition's.
    pub fn with_payments(&self, payments: DataFrame, allocations: DataFrame) -> Result<Context> {
        let laps = Laps::new();
        let linked = link_payments(&payments, &allocations, self)?;
        self.linked_with(payments, allocations, linked, laps)
    }

    /// [`Context::with_payments`] where the run knows each payment's allocation row and
    /// registry row already (see [`link::link_known`]).
    pub fn with_known_links(
        &self,
        payments: DataFrame,
        allocations: DataFrame,
        allocation_rows: &[Option<IdxSize>],
        registry_rows: &[Option<usize>],
    ) -> Result<Context> {
        let laps = Laps::new();
        let linked = link::link_known(
            &payments,
            &allocations,
            allocation_rows,
            registry_rows,
            self,
        )?;
        self.linked_with(payments, allocations, linked, laps)
    }

    /// [`Context::with_payments`] for payments linked already, by a join on a cluster
    /// ([`link::from_join`]).
    pub fn with_linked(
        &self,
        payments: DataFrame,
        allocations: DataFrame,
        linked: DataFrame,
    ) -> Result<Context> {
        self.linked_with(payments, allocations, linked, Laps::new())
    }

    fn linked_with(
        &self,
        payments: DataFrame,
        allocations: DataFrame,
        mut linked: DataFrame,
        mut laps: Laps,
    ) -> Result<Context> {
        let mut ledgers = self.ledgers.clone();
        ledgers.payments = payments;
        ledgers.allocations = allocations;
        // The person each payment was for, across duplicate registrations.
        let reg_rows = frame::ints(&linked, link::cols::REG_ROW)?;
        let persons: Vec<Option<i64>> = (0..reg_rows.len())
            .map(|r| {
                reg_rows
                    .at(r)
                    .map(|r| self.dedup.cluster[r as usize] as i64)
            })
            .collect();
        linked.with_column(Column::new(link::cols::PERSON.into(), persons))?;
        laps.lap("link payments");

        let payees = judge_payees(
            &PayeeRows {
                payee_names: &frame::Texts::of(&linked, "payee_name")?,
                accounts: &frame::Texts::of(&linked, "payee_account")?,
                reg_rows: &frame::ints(&linked, link::cols::REG_ROW)?,
                townships: &frame::Texts::of(&linked, "township")?,
            },
            &self.registry,
            memoised(&self.memo.holders, || AccountHolders::new(&self.registry)),
            self.official_index(),
            &self.config,
        );
        laps.lap("match payees");

        let mut timings = self.timings.clone();
        timings.extend(laps.timings);
        Ok(Context {
            config: self.config.clone(),
            as_of: self.as_of,
            ledgers,
            registry: self.registry.clone(),
            registry_row: self.registry_row.clone(),
            deaths: self.deaths.clone(),
            officials: self.officials.clone(),
            dedup: self.dedup.clone(),
            death_of: self.death_of.clone(),
            linked,
            payees,
            whole: self.whole.clone(),
            memo: self.memo.clone(),
            timings,
            warnings: self.warnings.clone(),
        })
    }
}

fn registry_entries(df: &DataFrame, as_of: Day) -> PolarsResult<Vec<RegistryEntry>> {
    let ids = frame::text(df, "beneficiary_id")?;
    let names = frame::text(df, "name")?;
    let id_numbers = frame::text(df, "id_number")?;
    let townships = frame::text(df, "township")?;
    let villages = frame::text(df, "village")?;
    let accounts = frame::text(df, "bank_account")?;
    let death = frame::day(df, "death_date")?;
    let lines = frame::int(df, LINE)?;
    let places =
        fundaudit_identity::Places::of(townships.iter().chain(&villages).map(|p| p.unwrap_or("")));
    Ok((0..df.height())
        .into_par_iter()
        .map(|i| {
            let id_number = idcard::normalize_id(id_numbers[i].unwrap_or(""));
            let id_problem = idcard::validate(&id_number, as_of).err();
            RegistryEntry {
                beneficiary_id: ids[i].unwrap_or("").into(),
                raw_name: names[i].unwrap_or("").into(),
                name: NormName::new(names[i].unwrap_or("")),
                birth: idcard::birth_day(&id_number),
                id_number: id_number.into(),
                id_problem,
                township: places.get(townships[i].unwrap_or("")),
                village: places.get(villages[i].unwrap_or("")),
                bank_account: accounts[i].unwrap_or("").into(),
                death_date: death[i],
                line: lines[i].unwrap_or(0) as u32,
            }
        })
        .collect())
}

fn death_entries(df: &DataFrame) -> PolarsResult<Vec<DeathEntry>> {
    let names = frame::text(df, "name")?;
    let id_numbers = frame::text(df, "id_number")?;
    let died = frame::day(df, "death_date")?;
    let born = frame::day(df, "birth_date")?;
    let townships = frame::text(df, "township")?;
    let villages = frame::text(df, "village")?;
    let lines = frame::int(df, LINE)?;
    Ok((0..df.height())
        .filter_map(|i| {
            Some(DeathEntry {
                raw_name: names[i].unwrap_or("").into(),
                name: NormName::new(names[i].unwrap_or("")),
                id_number: idcard::normalize_id(id_numbers[i].unwrap_or("")),
                death_date: died[i]?,
                birth: born[i],
                township: townships[i].unwrap_or("").to_string(),
                village: villages[i].unwrap_or("").to_string(),
                line: lines[i].unwrap_or(0) as usize,
            })
        })
        .collect())
}

fn official_entries(df: &DataFrame) -> PolarsResult<Vec<OfficialEntry>> {
    let names = frame::text(df, "name")?;
    let id_numbers = frame::text(df, "id_number")?;
    let units = frame::text(df, "unit")?;
    let roles = frame::text(df, "role")?;
    let lines = frame::int(df, LINE)?;
    Ok((0..df.height())
        .map(|i| OfficialEntry {
            raw_name: names[i].unwrap_or("").to_string(),
            name: NormName::new(names[i].unwrap_or("")),
            id_number: idcard::normalize_id(id_numbers[i].unwrap_or("")),
            unit: units[i].unwrap_or("").to_string(),
            role: roles[i].unwrap_or("").to_string(),
            line: lines[i].unwrap_or(0) as usize,
        })
        .collect())
}

impl link::Registry for Context {
    fn row(&self, beneficiary_id: &str) -> Option<usize> {
        self.row_of(beneficiary_id)
    }

    fn township(&self, row: usize) -> &str {
        &self.registry[row].township
    }
}

impl Context {
    /// The registry row of a beneficiary id.
    pub fn row_of(&self, beneficiary_id: &str) -> Option<usize> {
        self.registry_row.get(&self.registry, beneficiary_id)
    }

    /// The registry row of each of `n` beneficiary ids (`id(i)`), looked up a shard of
    /// the index at a time (see [`fundaudit_identity::rows::RowIndex::rows_of_each`]).
    pub fn rows_of_each<'a>(
        &self,
        n: usize,
        id: impl Fn(usize) -> Option<&'a str> + Sync,
    ) -> Vec<Option<u32>> {
        self.registry_row.rows_of_each(&self.registry, n, id)
    }

    /// The officials' index, built on first use and shared by every part.
    pub fn official_index(&self) -> &fundaudit_identity::OfficialIndex {
        memoised(&self.memo.official_index, || {
            fundaudit_identity::OfficialIndex::new(self.officials.clone())
        })
    }

    /// Registry rows that `keep`, in order, found in parallel: how a rule finds the few
    /// people a short list names without indexing a province's registry.
    pub fn registry_rows_where(
        &self,
        keep: impl Fn(usize, &RegistryEntry) -> bool + Sync,
    ) -> Vec<usize> {
        (0..self.registry.len())
            .into_par_iter()
            .filter(|&i| keep(i, &self.registry[i]))
            .collect()
    }

    /// Who a beneficiary id is, as one key: `p:<cluster>` for a registered person (two
    /// registrations of one person give one key), `b:<id>` for an id the registry lacks.
    /// The person a registry row is: its duplicate-registration cluster (the row itself
    /// when registered once).
    pub fn cluster_of(&self, row: usize) -> usize {
        self.dedup.cluster.get(row).copied().unwrap_or(row)
    }

    /// The posted lists (公示名单), matched once per run; None when none were delivered.
    pub fn notices(&self) -> PolarsResult<Option<&crate::posted::Notices>> {
        if let Some(n) = self.memo.notices.get() {
            return Ok(n.as_ref());
        }
        let built = crate::posted::Notices::of(self)?;
        Ok(self.memo.notices.get_or_init(|| built).as_ref())
    }

    /// Each registry row's 确权面积 from the land ledger, worked out once per run.
    pub fn land_areas(&self) -> PolarsResult<&[Option<i64>]> {
        if let Some(a) = self.memo.land_areas.get() {
            return Ok(a);
        }
        let built = crate::basis::land_by_row(self)?;
        Ok(self.memo.land_areas.get_or_init(|| built))
    }

    /// The bytes the registry's people take for the whole night: the entries
    /// ([`RegistryEntry::bytes`]), the index by beneficiary id, each row's cluster and
    /// name count, and the deaths. Blocks are counted as asked for (the allocator rounds
    /// small ones up to its size classes); place names are shared by thousands and left
    /// out, as are the death list and officials (a few in a hundred of the registry).
    pub fn people_bytes(&self) -> usize {
        let entries: usize = self.registry.iter().map(RegistryEntry::bytes).sum();
        let spare = self.registry.capacity() - self.registry.len();
        entries
            + spare * std::mem::size_of::<RegistryEntry>()
            + self.registry_row.bytes()
            + self.dedup.cluster.capacity() * std::mem::size_of::<usize>()
            + self.dedup.name_counts.capacity() * std::mem::size_of::<u32>()
            + self.death_of.bytes()
    }

    /// The matched pair of registry rows `a` < `b`, if identity resolution matched them.
    /// Indexed once per run: a province's pairs number in the millions, and DUP_PERSON_PERIOD
    /// asks in every part (it had built the table itself, part by part).
    pub fn matched_pair(&self, a: usize, b: usize) -> Option<&fundaudit_identity::PairMatch> {
        let index = memoised(&self.memo.pair_index, || {
            self.dedup
                .pairs
                .iter()
                .enumerate()
                .map(|(i, m)| ((m.a, m.b), i))
                .collect()
        });
        index.get(&(a, b)).map(|&i| &self.dedup.pairs[i])
    }

    /// The official on `line` of the officials' list (of two on one line, the first), as a
    /// finding's `officials:LINE` reference names them. Indexed once per run: every case
    /// that names an official asks, and a province's cases searching its quarter of a
    /// million officials one by one took two minutes of the ten-million run.
    pub fn official_at_line(&self, line: usize) -> Option<&OfficialEntry> {
        let index = memoised(&self.memo.official_lines, || {
            let mut index = rustc_hash::FxHashMap::default();
            for (i, o) in self.officials.iter().enumerate() {
                index.entry(o.line).or_insert(i);
            }
            index
        });
        index.get(&line).map(|&i| &self.officials[i])
    }

    /// Registry rows with an invalid ID number and their namesakes, found once per run.
    pub fn invalid_id_namesakes(&self) -> &rustc_hash::FxHashMap<usize, Vec<usize>> {
        memoised(&self.memo.invalid_id_namesakes, || {
            crate::ghost::namesakes_of_invalid(self)
        })
    }

    /// The project book, built on first use; None without project ledgers.
    pub fn projects(&self) -> PolarsResult<Option<&crate::project::book::Book>> {
        if let Some(b) = self.memo.projects.get() {
            return Ok(b.as_ref());
        }
        let built = crate::project::book::Book::of(&self.ledgers.projects)?;
        Ok(self.memo.projects.get_or_init(|| built).as_ref())
    }

    pub fn person_key(&self, beneficiary_id: &str) -> String {
        match self.row_of(beneficiary_id) {
            Some(row) => format!("p:{}", self.dedup.cluster.get(row).copied().unwrap_or(row)),
            None => format!("b:{beneficiary_id}"),
        }
    }

    /// `张伟（B000123）`, or the bare id with a note when the registry lacks it.
    pub fn person_label(&self, beneficiary_id: &str) -> String {
        match self.row_of(beneficiary_id) {
            Some(i) => format!("{}（{}）", self.registry[i].raw_name, beneficiary_id),
            None => format!("{beneficiary_id}（花名册无此人）"),
        }
    }

    /// Same, from a registry row.
    pub fn row_label(&self, row: usize) -> String {
        let r = &self.registry[row];
        format!("{}（{}）", r.raw_name, r.beneficiary_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A worker making a memo's value takes on other jobs while it waits; one of them asks
    /// for the same memo. With `get_or_init` doing the work the thread waited on itself
    /// for ever (a province's run hung so); `memoised` makes the value again there instead.
    #[test]
    fn a_memo_asked_for_while_it_is_being_made_is_made_again_not_waited_on() {
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let cell: OnceLock<usize> = OnceLock::new();
        let (other_asked, made) = (AtomicBool::new(false), AtomicUsize::new(0));
        let make = || {
            // Waits for the other ask as a worker waits for its work: running other jobs.
            while !other_asked.load(Ordering::SeqCst) {
                if rayon::yield_now().is_none() {
                    break;
                }
            }
            made.fetch_add(1, Ordering::SeqCst) + 10
        };
        let (first, second) = pool.install(|| {
            rayon::join(
                || *memoised(&cell, make),
                || {
                    other_asked.store(true, Ordering::SeqCst);
                    *memoised(&cell, make)
                },
            )
        });
        // One worker: the second ask ran inside the first's making, so it was made
        // first and is the one kept.
        assert!(other_asked.load(Ordering::SeqCst));
        assert_eq!(made.load(Ordering::SeqCst), 2);
        assert_eq!((first, second), (10, 10));
        assert_eq!(cell.get(), Some(&10));
    }

    /// A stage made on the way hands its people to the run: they come back out whole,
    /// and only when nothing else holds them.
    #[test]
    fn people_come_back_out_of_a_context_no_one_shares() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sample_data");
        let config = Config::default();
        let inputs = || fundaudit_input::Inputs::load_with(&dir, &config, false).unwrap();
        let as_of = fundaudit_core::cells::parse_date("2026-03-31").unwrap();
        let first = Context::people(inputs(), config.clone(), as_of).unwrap();
        let (cluster, pairs) = (first.dedup.cluster.clone(), first.dedup.pairs.len());
        assert!(pairs > 0, "the sample registers someone twice");
        let deaths = first.deaths.len();
        assert!(deaths > 0);

        let held = Arc::clone(&first.dedup);
        let shared = Context::people(inputs(), config.clone(), as_of).unwrap();
        let also_held = Arc::clone(&shared.registry);
        assert!(shared.into_people().is_none(), "its registry is shared");
        drop((held, also_held));

        let people = first.into_people().expect("nothing else holds them");
        let again = Context::of_people(inputs(), config, as_of, people);
        assert_eq!(again.dedup.cluster, cluster);
        assert_eq!(again.dedup.pairs.len(), pairs);
        assert_eq!(again.deaths.len(), deaths);
        // The officials by their line, as a finding's reference names them.
        assert!(!again.officials.is_empty());
        for o in again.officials.iter().step_by(7) {
            let found = again.official_at_line(o.line).map(|f| f.line);
            assert_eq!(found, Some(o.line));
        }
        assert!(again.official_at_line(usize::MAX).is_none());
        for id in ["B0000002", "B0000500"] {
            let found = again.registry.iter().position(|r| &*r.beneficiary_id == id);
            assert!(found.is_some(), "{id}");
            assert_eq!(again.registry_row.get(&again.registry, id), found, "{id}");
        }
    }
}
