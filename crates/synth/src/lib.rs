//! Synthetic county ledgers with planted anomalies of every rule and a `truth.csv` of
//! what was planted: the test bed for recall and precision, and the benchmark input.
//!
//! Clean data is made deliberately hard: skewed surnames (many 王芳 and 张伟), homonyms
//! with the same birth date in other villages, bank spellings of names, household cards,
//! installments, payments a few days late but within grace, people who died and whose
//! payments stopped. None of these may be flagged.

//!
//! `generate` below is the order of the county's making: clean people, the clean hard
//! cases, entitlements and clean payments, then each family of anomalies in turn
//! (`plants/`, one module per family of rules). The order is part of the output: every
//! step draws from one seeded generator.

use std::path::Path;

mod county;
mod draw;
pub mod export_shape;
mod names;
mod options;
mod plants;
mod twins;
mod write;

pub use options::{GenerateOptions, IdCodes, Names};

use county::{index_payments, Gen};
use draw::Draw;
use plants::{
    cadre, clean, delayed, diverted, duplicate, exclusive, ghost, lists, partial, publicity,
    standards, AllocationsOf,
};
use write::{write_all, write_notices, write_registry};

use fundaudit_core::error::Result;

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
    "land.csv",
    "notices",
    // The other shapes.
    "某县享受对象花名册.xlsx",
    "发放清册",
    "代发",
    "死亡人员名单.csv",
    "财政供养人员名单.csv",
    "公示名单",
    // With `--projects`.
    "projects.csv",
    "contracts.csv",
    "project_payments.csv",
    "acceptances.csv",
    "contractors.csv",
];

/// Generates the five inputs and truth.csv into `out` (in `opts.shape`).
pub fn generate(opts: &GenerateOptions, out: &Path) -> Result<()> {
    // Checked before the work: a real ledger of the same name is never overwritten.
    fundaudit_core::safe_fs::refuse_existing(out, GENERATED_FILES, "--out")?;
    let n = opts.beneficiaries.max(50);
    let mut g = Gen::new(opts, n);
    for i in 0..n {
        let p = g.person(i);
        g.people.push(p);
    }
    let mut draw = Draw::new(n, &mut g.rng);

    // Who dies: some planted (payments go on), some legitimately (payments stop).
    let dead = ghost::choose_dead(&mut g, &mut draw);
    let dead_clean = clean::choose_deaths(&mut g, &mut draw);
    clean::shared_cards(&mut g, &mut draw);
    clean::homonyms(&mut g, &mut draw, opts.registry_only);
    if opts.registry_only {
        duplicate::registry_pairs(&mut g, &mut draw);
        return write_registry(&g, out);
    }
    let n_officials = clean::officials(&mut g, n);

    // Entitlements for everyone; the allocations whose payment goes wrong are chosen
    // before the clean payments, which leave them out.
    for p in 0..n {
        g.entitle(p);
    }
    // Farmland claims beyond their land and old-age allowances of a band too high change
    // amounts, so before anything is paid.
    publicity::basis(&mut g, &mut draw);
    publicity::age_bands(&mut g, &mut draw);
    let mut alloc_of = AllocationsOf::new();
    for (i, a) in g.allocations.iter().enumerate() {
        alloc_of.entry(a.person.clone()).or_default().push(i);
    }
    let late = delayed::choose_late(&g, &mut draw, &alloc_of);
    let unpaid = delayed::choose_unpaid(&g, &mut draw, &alloc_of);
    let short = partial::choose(&g, &mut draw, &alloc_of);
    let doubled = duplicate::choose_doubled(&g, &mut draw, &alloc_of);
    let special: std::collections::HashSet<usize> =
        late.iter().chain(&unpaid).chain(&short).copied().collect();
    for a in 0..g.allocations.len() {
        if !special.contains(&a) {
            g.pay_clean(a);
        }
    }
    delayed::pay_late(&mut g, late);
    delayed::leave_unpaid(&mut g, unpaid);
    partial::pay_short(&mut g, short);
    duplicate::pay_twice(&mut g, doubled);
    duplicate::person_period(&mut g, &mut draw, &alloc_of, n_officials);
    duplicate::hard_negatives(&mut g, &mut draw, &alloc_of);
    ghost::unregistered(&mut g, &draw);

    // The plants below rewrite payments already made, found by beneficiary.
    let by_person = index_payments(&g.payments, |p| &p.beneficiary);
    ghost::deceased(&mut g, dead, &by_person);
    clean::list_deaths(&mut g, dead_clean);
    clean::other_deaths(&mut g, &draw);
    ghost::invalid_id(&mut g, &mut draw);
    diverted::payee_mismatch(&mut g, &mut draw, &by_person);
    diverted::official(&mut g, &mut draw, &by_person, n_officials);
    diverted::shared_account(&mut g, &mut draw, &by_person);
    diverted::no_allocation(&mut g, &mut draw);
    exclusive::plant(&mut g, &mut draw);
    cadre::plant(&mut g, &mut draw, &by_person);
    standards::plant(&mut g, &mut draw);
    lists::plant(&mut g, &mut draw, &by_person);
    // The posted lists last: they post what the plants above made.
    publicity::post(&mut g, &mut draw);
    // The project files after everything else: a county without them is unchanged.
    if opts.projects {
        std::fs::create_dir_all(out).map_err(|e| fundaudit_core::error::Error::write(out, e))?;
        plants::projects::plant(&mut g, out)?;
    }

    write_all(&g, out)?;
    write_notices(&g, out)?;
    standards::write(out)?;
    export_shape::apply(opts.shape, out)
}
