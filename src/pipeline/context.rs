//! Everything the rules read, prepared once per run: the ledgers, the linked payments,
//! the allocation summary, and identity resolution (who is who, who died, who is an
//! official). Rules are pure functions of this context.

use std::collections::HashMap;
use std::time::Instant;

use polars::prelude::*;
use rayon::prelude::*;

use crate::config::Config;
use crate::error::Result;
use crate::frame;
use crate::identity::{
    dedup_registry, idcard, judge_payees, match_deaths, DeathEntry, DeathMatch, Dedup, NormName,
    OfficialEntry, Payee, RegistryBuilder, RegistryEntry,
};
use crate::input::{Ledgers, LINE};
use crate::link::{self, link_payments};
use crate::parse::Day;

pub struct Context {
    pub config: Config,
    /// The run's reference date: allocations due before it and unpaid are late.
    pub as_of: Day,
    pub ledgers: Ledgers,
    pub registry: Vec<RegistryEntry>,
    pub registry_row: HashMap<String, usize>,
    pub deaths: Vec<DeathEntry>,
    pub officials: Vec<OfficialEntry>,
    /// Registry self-deduplication: matched pairs and a person cluster per row.
    pub dedup: Dedup,
    /// Earliest sure death of each registry row.
    pub death_of: Vec<Option<DeathMatch>>,
    /// Payments joined to allocation and registry; see [`crate::link`].
    pub linked: DataFrame,
    /// Who received each linked payment (aligned with `linked` rows).
    pub payees: Vec<Payee>,
    /// Wall time of each preparation stage, for the summary and the benchmark.
    pub timings: Vec<(&'static str, f64)>,
    pub warnings: Vec<String>,
}

impl Context {
    pub fn build(ledgers: Ledgers, config: Config, as_of: Day) -> Result<Context> {
        let mut timings = Vec::new();
        let mut clock = Instant::now();
        let mut lap = |name: &'static str, timings: &mut Vec<(&'static str, f64)>| {
            timings.push((name, clock.elapsed().as_secs_f64()));
            clock = Instant::now();
        };

        let registry = registry_entries(&ledgers.beneficiaries, as_of)?;
        let registry_row = registry
            .iter()
            .enumerate()
            .map(|(i, r)| (r.beneficiary_id.clone(), i))
            .collect();
        let deaths = match &ledgers.deaths {
            Some(df) => death_entries(df)?,
            None => Vec::new(),
        };
        let officials = match &ledgers.officials {
            Some(df) => official_entries(df)?,
            None => Vec::new(),
        };
        lap("normalise names", &mut timings);

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
        let dedup = dedup_registry(&packed, &config);
        let death_of = match_deaths(&registry, &deaths, &config.matching);
        lap("identity resolution", &mut timings);

        let mut linked = link_payments(
            &ledgers.payments,
            &ledgers.allocations,
            &ledgers.beneficiaries,
        )?;
        // The person each payment was for, across duplicate registrations.
        let persons: Vec<Option<i64>> = frame::int(&linked, link::cols::REG_ROW)?
            .into_iter()
            .map(|r| r.map(|r| dedup.cluster[r as usize] as i64))
            .collect();
        linked.with_column(Column::new(link::cols::PERSON.into(), persons))?;
        lap("link payments", &mut timings);

        let payees = judge_payees(
            &frame::text(&linked, "payee_name")?,
            &frame::text(&linked, "payee_account")?,
            &frame::int(&linked, link::cols::REG_ROW)?,
            &frame::text(&linked, "township")?,
            &registry,
            &officials,
            &config,
        );
        lap("match payees", &mut timings);

        let warnings = dedup.warnings.clone();
        Ok(Context {
            config,
            as_of,
            ledgers,
            registry,
            registry_row,
            deaths,
            officials,
            dedup,
            death_of,
            linked,
            payees,
            timings,
            warnings,
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
    Ok((0..df.height())
        .into_par_iter()
        .map(|i| {
            let id_number = idcard::normalize_id(id_numbers[i].unwrap_or(""));
            let id_problem = idcard::validate(&id_number, as_of).err();
            RegistryEntry {
                beneficiary_id: ids[i].unwrap_or("").to_string(),
                raw_name: names[i].unwrap_or("").to_string(),
                name: NormName::new(names[i].unwrap_or("")),
                birth: idcard::birth_day(&id_number),
                id_number,
                id_problem,
                township: townships[i].unwrap_or("").to_string(),
                village: villages[i].unwrap_or("").to_string(),
                bank_account: accounts[i].unwrap_or("").to_string(),
                death_date: death[i],
                line: lines[i].unwrap_or(0) as usize,
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
                raw_name: names[i].unwrap_or("").to_string(),
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

impl Context {
    /// Registry rows by ID number (rows without one left out): how officials and list
    /// rows find the people they name.
    pub fn registry_by_id_number(&self) -> std::collections::HashMap<&str, usize> {
        self.registry
            .iter()
            .enumerate()
            .filter(|(_, r)| !r.id_number.is_empty())
            .map(|(i, r)| (r.id_number.as_str(), i))
            .collect()
    }

    /// `张伟（B000123）`, or the bare id with a note when the registry lacks it.
    pub fn person_label(&self, beneficiary_id: &str) -> String {
        match self.registry_row.get(beneficiary_id) {
            Some(&i) => format!("{}（{}）", self.registry[i].raw_name, beneficiary_id),
            None => format!("{beneficiary_id}（花名册无此人）"),
        }
    }

    /// Same, from a registry row.
    pub fn row_label(&self, row: usize) -> String {
        let r = &self.registry[row];
        format!("{}（{}）", r.raw_name, r.beneficiary_id)
    }
}
