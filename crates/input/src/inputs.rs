//! A data folder loaded ([`Inputs`]): which files hold each ledger, each read and
//! validated, many files of one ledger stacked, with the account of every file and row
//! ([`FileCount`]).

use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::load::load_file_with;
use crate::loaded::{FileCount, Reject};
use crate::options::InputOptions;
use crate::stage::{
    identity_settings, input_settings, manifest, part_name, read_frame, read_parquet, Parts,
};
use crate::{bank, read, sources, stack, stage};
use fundaudit_core::config::Config;
use fundaudit_core::error::{Error, Result};
use fundaudit_core::spec::{
    FileSpec, ACCEPTANCES, ALLOCATIONS, BENEFICIARIES, CONTRACTORS, CONTRACTS, DEATHS, LAND, LIST,
    NOTICES, OFFICIALS, PAYMENTS, PROJECTS, PROJECT_LEDGERS, PROJECT_PAYMENTS,
};

/// What the summary says when no posted lists came: the publicity rules did not run.
pub const NO_NOTICES: &str = "check: PUB_* (公示): no posted lists (公示名单: notices.csv, a folder notices/, or files named 公示…) in the data folder";

/// What the summary says when no project files came: the project rules did not run.
pub const NO_PROJECTS: &str = "check: PRJ_* (涉农项目资金): no project files (projects, contracts, project_payments, acceptances, contractors; or files named 项目批复/合同/项目资金拨付/验收/企业登记…) in the data folder";

/// All inputs of one audit run.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    pub beneficiaries: DataFrame,
    pub allocations: DataFrame,
    pub payments: DataFrame,
    pub deaths: Option<DataFrame>,
    pub officials: Option<DataFrame>,
    /// 公示名单, the lists villages posted (see `fundaudit_rules::publicity`).
    pub notices: Option<DataFrame>,
    /// 承包地确权面积 by person (see `fundaudit_rules::basis`).
    pub land: Option<DataFrame>,
    /// 涉农项目资金's ledgers (see `fundaudit_rules::project`).
    pub projects: ProjectLedgers,
    pub rejects: Vec<Reject>,
    pub counts: Vec<FileCount>,
    /// Files in the data folder that no ledger took, with why.
    pub unused: Vec<String>,
    /// What the bank's transfer statuses and reversals did to the payments.
    pub settled: bank::Settled,
    /// The reference lists the config declares, in its order (None: file not found).
    pub lists: Vec<Option<DataFrame>>,
    /// Payments and allocations left on disk in a stage's parts (then `payments` and
    /// `allocations` are empty frames of their columns): see `fundaudit_audit::partition`.
    pub staged: Option<stage::Parts>,
}

/// The ledgers of 涉农项目资金 (项目批复, 合同, 拨付, 验收, 企业登记), each None when the
/// county delivered none: the project rules run on what there is.
#[derive(Debug, Clone, Default)]
pub struct ProjectLedgers {
    pub projects: Option<DataFrame>,
    pub contracts: Option<DataFrame>,
    pub payments: Option<DataFrame>,
    pub acceptances: Option<DataFrame>,
    pub contractors: Option<DataFrame>,
}

impl ProjectLedgers {
    /// Whether any project ledger was delivered.
    pub fn any(&self) -> bool {
        self.each().iter().any(|(_, f)| f.is_some())
    }

    /// Each ledger with its spec, in [`PROJECT_LEDGERS`]' order.
    pub fn each(&self) -> [(&'static FileSpec, &Option<DataFrame>); 5] {
        [
            (&PROJECTS, &self.projects),
            (&CONTRACTS, &self.contracts),
            (&PROJECT_PAYMENTS, &self.payments),
            (&ACCEPTANCES, &self.acceptances),
            (&CONTRACTORS, &self.contractors),
        ]
    }

    /// From the frames in [`PROJECT_LEDGERS`]' order.
    pub fn from_frames(frames: [Option<DataFrame>; 5]) -> ProjectLedgers {
        let [projects, contracts, payments, acceptances, contractors] = frames;
        ProjectLedgers {
            projects,
            contracts,
            payments,
            acceptances,
            contractors,
        }
    }
}

/// Reads the project ledgers (see [`ProjectLedgers`]), in [`PROJECT_LEDGERS`]' order.
pub fn read_projects(
    dir: &Path,
    config: &fundaudit_core::config::Config,
    plan: &sources::Plan,
    unused: &mut Vec<String>,
) -> Result<[Read; 5]> {
    let mut reads: [Read; 5] = Default::default();
    for (read, spec) in reads.iter_mut().zip(PROJECT_LEDGERS) {
        *read = read_ledger(dir, config, plan, spec, false, unused)?;
    }
    if reads.iter().all(|r| r.frame.is_none()) {
        unused.push(NO_PROJECTS.to_string());
    }
    Ok(reads)
}

/// Loads a file: a workbook sheet by sheet (the configured one; by default every sheet
/// whose header maps the same fields as the first, one sheet per township being common),
/// anything else whole.
fn load_parts(
    path: &Path,
    spec: &FileSpec,
    options: &InputOptions,
    unused: &mut Vec<String>,
) -> Result<Vec<stack::Part>> {
    let shown = path.display().to_string();
    let named_sheet = options.sheet.as_deref().filter(|s| *s != "*");
    if !read::table::is_workbook(path) || named_sheet.is_some() {
        let loaded = load_file_with(path, spec, options)?;
        return Ok(vec![stack::Part {
            loaded,
            label: shown,
        }]);
    }
    let every = options.sheet.as_deref() == Some("*");
    let names = read::workbook::sheet_names(path)?;
    let mut parts: Vec<stack::Part> = Vec::new();
    for name in &names {
        let mut one = options.clone();
        one.sheet = Some(name.clone());
        let label = if names.len() > 1 {
            format!("{shown} [{name}]")
        } else {
            shown.clone()
        };
        match load_file_with(path, spec, &one) {
            Ok(mut loaded) => {
                let fits = parts
                    .first()
                    .is_none_or(|p| p.loaded.count.fields == loaded.count.fields);
                if fits || every {
                    loaded.count.sheet = (names.len() > 1).then(|| name.clone());
                    for r in loaded.rejects.iter_mut() {
                        r.file = label.clone();
                    }
                    parts.push(stack::Part { loaded, label });
                } else {
                    unused.push(format!(
                        "{label} (its header maps other fields than the first sheet's)"
                    ));
                }
            }
            // The first sheet decides what the file is; a later sheet that is not the
            // ledger (a 汇总 or 说明 sheet) is listed as not used.
            Err(e) if parts.is_empty() || every => return Err(e),
            Err(e) => unused.push(format!("{label} ({e})")),
        }
    }
    Ok(parts)
}

impl Inputs {
    /// Loads every input from a data folder (which files: see [`sources`]); optional lists
    /// are skipped when absent.
    pub fn load(dir: &Path, config: &fundaudit_core::config::Config) -> Result<Inputs> {
        Inputs::load_with(dir, config, false)
    }

    /// As [`Inputs::load`]; with `screening`, the payments ledger is not read (a screen
    /// checks the allocations before anything is paid; see `fundaudit::operations::screen`).
    pub fn load_with(
        dir: &Path,
        config: &fundaudit_core::config::Config,
        screening: bool,
    ) -> Result<Inputs> {
        Inputs::load_beside(dir, config, screening, |_: PeopleLists| ()).map(|(inputs, _)| inputs)
    }

    /// As [`Inputs::load_with`], and `beside` given the registry, the death list and the
    /// officials while the allocations are read (None when one of the three could not
    /// be read: the error is the load's). A night resolves its people there: they need
    /// neither payments nor allocations, and the reading of a large file leaves a core
    /// idle at times (its blocks read from disk, its columns made whole).
    pub fn load_beside<T: Send>(
        dir: &Path,
        config: &fundaudit_core::config::Config,
        screening: bool,
        beside: impl FnOnce(PeopleLists) -> T + Send,
    ) -> Result<(Inputs, Option<T>)> {
        // A mistyped folder is named as such, not as the first ledger missing from it.
        if !dir.is_dir() {
            return Err(fundaudit_core::error::Error::Argument(format!(
                "the data folder {} {}: pass --data DIR, the folder holding the ledgers",
                dir.display(),
                if dir.exists() {
                    "is not a folder"
                } else {
                    "does not exist"
                }
            )));
        }
        // A stage (`fundaudit stage`): the ledgers as they were validated.
        if stage::is_stage(dir) {
            let inputs = load_stage(dir, config, screening)?;
            let people = beside(PeopleLists::of(&inputs));
            return Ok((inputs, Some(people)));
        }
        let mut plan = sources::plan(dir, config)?;
        if screening {
            for p in plan.files.remove(PAYMENTS.stem).unwrap_or_default() {
                plan.unused.push(format!(
                    "{} (payments are not read by a pre-payment screen)",
                    p.display()
                ));
            }
            // A screen holds allocations before they are paid; the projects' money is
            // the night's run's.
            for spec in PROJECT_LEDGERS {
                for p in plan.files.remove(spec.stem).unwrap_or_default() {
                    plan.unused.push(format!(
                        "{} (project files are not read by a pre-payment screen)",
                        p.display()
                    ));
                }
            }
        }
        let mut unused = std::mem::take(&mut plan.unused);
        // The posted lists are thousands of small files read on threads of their own
        // (see [`crate::parallel`]), the main ledgers a few large ones read by Polars'
        // pool with stretches on one core (validation, stacking): read side by side, the
        // lists fill those stretches.
        let plan = &plan;
        let read = |spec: &FileSpec| {
            let mut unused = Vec::new();
            let read = read_ledger(dir, config, plan, spec, screening, &mut unused);
            (read, unused)
        };
        let read = &read;
        let (main, notices) = std::thread::scope(|s| {
            let notices = s.spawn(move || read(&NOTICES));
            // The payments, the largest ledger, beside the registry, the death list and
            // the officials: each file's reading has stretches on one core (its blocks
            // read from disk, its columns made whole) that the other fills. Not beside
            // the allocations: two large files made whole at once held both their runs
            // and their columns (a million people's peak went past 2.5 GiB). Files not
            // used, and errors, are said in the ledgers' order all the same.
            let payments = s.spawn(move || read(&PAYMENTS));
            let [beneficiaries, deaths, officials] =
                [&BENEFICIARIES, &DEATHS, &OFFICIALS].map(read);
            let payments = payments
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e));
            let none = DataFrame::default();
            let (allocations, people) = std::thread::scope(|s| {
                let people = match (&beneficiaries.0, &deaths.0, &officials.0) {
                    (Ok(b), Ok(d), Ok(o)) => {
                        let lists = PeopleLists {
                            beneficiaries: b.frame.as_ref().unwrap_or(&none),
                            deaths: d.frame.as_ref(),
                            officials: o.frame.as_ref(),
                        };
                        Some(s.spawn(move || beside(lists)))
                    }
                    _ => None,
                };
                let allocations = read(&ALLOCATIONS);
                let people =
                    people.map(|p| p.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
                (allocations, people)
            });
            let main = (|| -> Result<(Read, Read, Read, Read, Read)> {
                let mut ledger = |(read, not_used): (Result<Read>, Vec<String>)| {
                    unused.extend(not_used);
                    read
                };
                Ok((
                    ledger(beneficiaries)?,
                    ledger(allocations)?,
                    ledger(payments)?,
                    ledger(deaths)?,
                    ledger(officials)?,
                ))
            })();
            let notices = notices
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e));
            (main.map(|m| (m, people)), notices)
        });
        let ((beneficiaries, allocations, payments, deaths, officials), people) = main?;
        let (notices, notices_unused) = notices;
        let notices = notices?;
        unused.extend(notices_unused);
        let land = read_ledger(dir, config, plan, &LAND, screening, &mut unused)?;
        if notices.frame.is_none() {
            unused.push(NO_NOTICES.to_string());
        }
        let projects = if screening {
            Default::default() // their files are listed as not read, above
        } else {
            read_projects(dir, config, plan, &mut unused)?
        };
        let (payments, settled) = payments.settle(config)?;
        let lists = read_lists(dir, config, &mut unused)?;
        let inputs = Inputs::assemble(
            [
                beneficiaries,
                allocations,
                payments,
                deaths,
                officials,
                notices,
                land,
            ],
            projects,
            lists,
            unused,
            settled,
        );
        Ok((inputs, people))
    }

    /// The ledgers from what was read of each (beneficiaries, allocations, payments,
    /// deaths, officials, notices, land) and the project ledgers, the rejects and file
    /// counts in that order, the lists' last.
    pub fn assemble(
        ledgers: [Read; 7],
        projects: [Read; 5],
        lists: Read<Vec<Option<DataFrame>>>,
        unused: Vec<String>,
        settled: bank::Settled,
    ) -> Inputs {
        let mut rejects = Vec::new();
        let mut counts = Vec::new();
        let [beneficiaries, allocations, payments, deaths, officials, notices, land] =
            ledgers.map(|r| {
                rejects.extend(r.rejects);
                counts.extend(r.counts);
                r.frame
            });
        let projects = ProjectLedgers::from_frames(projects.map(|r| {
            rejects.extend(r.rejects);
            counts.extend(r.counts);
            r.frame
        }));
        rejects.extend(lists.rejects);
        counts.extend(lists.counts);
        Inputs {
            beneficiaries: beneficiaries.unwrap_or_default(),
            allocations: allocations.unwrap_or_default(),
            payments: payments.unwrap_or_default(),
            deaths,
            officials,
            notices,
            land,
            projects,
            rejects,
            counts,
            unused,
            settled,
            lists: lists.frame,
            staged: None,
        }
    }
}

/// The lists a night's people are resolved from, as read (see [`Inputs::load_beside`]).
#[derive(Clone, Copy)]
pub struct PeopleLists<'a> {
    pub beneficiaries: &'a DataFrame,
    pub deaths: Option<&'a DataFrame>,
    pub officials: Option<&'a DataFrame>,
}

impl<'a> PeopleLists<'a> {
    /// The lists of ledgers read already.
    pub fn of(inputs: &'a Inputs) -> PeopleLists<'a> {
        PeopleLists {
            beneficiaries: &inputs.beneficiaries,
            deaths: inputs.deaths.as_ref(),
            officials: inputs.officials.as_ref(),
        }
    }
}

/// One ledger as read: its frame (None for an optional file that is absent, or payments
/// in a screen), its rejects and the account of each of its files.
#[derive(Default)]
pub struct Read<T = Option<DataFrame>> {
    pub frame: T,
    pub rejects: Vec<Reject>,
    pub counts: Vec<FileCount>,
}

impl Read {
    /// Payments as money that left and stayed gone (see [`bank::settle`]): failed,
    /// returned and reversed transfers leave, and rows the bank's status makes
    /// unplaceable are rejected.
    pub fn settle(
        mut self,
        config: &fundaudit_core::config::Config,
    ) -> Result<(Read, bank::Settled)> {
        let Some(frame) = self.frame.take().filter(|f| f.width() > 0) else {
            return Ok((self, bank::Settled::default()));
        };
        let (paid, bank_rejects, settled) = bank::settle(frame, &config.status)?;
        self.frame = Some(paid);
        self.reject_settled(bank_rejects);
        Ok((self, settled))
    }

    /// Rows the bank's status rejected, counted against their files.
    pub fn reject_settled(&mut self, bank_rejects: Vec<Reject>) {
        for r in &bank_rejects {
            if let Some(c) = self.counts.iter_mut().find(|c| c.label() == r.file) {
                c.rows_used -= 1;
                c.rows_rejected += 1;
            }
        }
        self.rejects.extend(bank_rejects);
    }
}

/// Reads and stacks the files of one ledger (which files: see [`sources::plan`]).
pub fn read_ledger(
    dir: &Path,
    config: &fundaudit_core::config::Config,
    plan: &sources::Plan,
    spec: &FileSpec,
    screening: bool,
    unused: &mut Vec<String>,
) -> Result<Read> {
    let files = plan.files.get(spec.stem).cloned().unwrap_or_default();
    if files.is_empty() {
        if spec.optional || (screening && spec.stem == PAYMENTS.stem) {
            return Ok(Read::default());
        }
        return Err(Error::MissingFile {
            path: format!(
                "{} (or {}.{}, a folder {}/, or a file named in Chinese; see [inputs] in `fundaudit config`)",
                dir.join(spec.file).display(),
                spec.stem,
                read::table::EXTENSIONS.join(", ."),
                dir.join(spec.stem).display()
            ),
        });
    }
    let options = InputOptions::for_file(config, spec);
    let mut parts = Vec::new();
    for (loaded, not_used) in load_all(&files, spec, &options) {
        parts.extend(loaded?);
        unused.extend(not_used);
    }
    // Thousands of small parts: each stacking step is too small to hand to Polars' pool.
    let stacked = if parts.len() > 64 {
        crate::parallel::on_own_thread(|| stack::stack(spec, parts))?
    } else {
        stack::stack(spec, parts)?
    };
    if files.len() > 1 {
        let rows: usize = stacked.counts.iter().map(|c| c.rows_read).sum();
        let rejected: usize = stacked.counts.iter().map(|c| c.rows_rejected).sum();
        tracing::info!(
            ledger = spec.stem,
            files = files.len(),
            rows,
            rejected,
            "read {rows} rows of {} from {} files",
            spec.stem,
            files.len()
        );
    }
    Ok(Read {
        frame: Some(stacked.frame),
        rejects: stacked.rejects,
        counts: stacked.counts,
    })
}

/// Each file's parts and the sheets it did not use, in the files' order. Many small
/// files are read side by side (see [`crate::parallel`]); a few large ones one after
/// another, each with all the cores Polars' reader takes.
#[allow(clippy::type_complexity)]
fn load_all(
    files: &[PathBuf],
    spec: &FileSpec,
    options: &InputOptions,
) -> Vec<(Result<Vec<stack::Part>>, Vec<String>)> {
    let one = |path: &PathBuf| {
        let mut unused = Vec::new();
        let parts = load_parts(path, spec, options, &mut unused);
        (parts, unused)
    };
    let small = files.len() > 1
        && files
            .iter()
            .all(|f| std::fs::metadata(f).is_ok_and(|m| m.len() < SMALL_FILE));
    if small {
        crate::parallel::map_each(files, one)
    } else {
        files.iter().map(one).collect()
    }
}

/// A file below this is read beside others (see [`load_all`]).
const SMALL_FILE: u64 = 4 << 20;

/// Reference lists: `<file>.<ext>` in the data folder, loaded like the ledgers.
pub fn read_lists(
    dir: &Path,
    config: &fundaudit_core::config::Config,
    unused: &mut Vec<String>,
) -> Result<Read<Vec<Option<DataFrame>>>> {
    let mut lists: Read<Vec<Option<DataFrame>>> = Read::default();
    for list in &config.lists {
        match find_stem(dir, &list.file) {
            Some(path) => {
                let loaded = load_file_with(&path, &LIST, &InputOptions::default())?;
                lists.rejects.extend(loaded.rejects);
                lists.counts.push(loaded.count);
                lists.frame.push(Some(loaded.frame));
            }
            None => {
                unused.push(format!(
                    "lists: no file {}.* in the data folder for {} ({})",
                    list.file, list.rule, list.label
                ));
                lists.frame.push(None);
            }
        }
    }
    Ok(lists)
}

/// The file for a spec in a folder: `<stem>.csv`, or the first of the other supported
/// extensions that exists.
pub fn find_source(dir: &Path, spec: &FileSpec) -> Option<PathBuf> {
    find_stem(dir, spec.stem)
}

/// `<stem>.csv` in a folder, or the first of the other supported extensions that exists.
fn find_stem(dir: &Path, stem: &str) -> Option<PathBuf> {
    read::table::EXTENSIONS
        .iter()
        .map(|ext| dir.join(format!("{stem}.{ext}")))
        .find(|p| p.is_file())
}

/// Loads a stage as the ledgers it was made from (see [`stage`]).
fn load_stage(dir: &Path, config: &Config, screening: bool) -> Result<Inputs> {
    let m = manifest(dir)?;
    if m.input_settings != input_settings(config) {
        return Err(Error::Argument(format!(
            "{} was staged with other input settings ([columns], [sheets], [inputs], [status] or [lists] differ from this run's config): stage {} again with this config",
            dir.display(),
            m.source
        )));
    }
    if m.lists.len() != config.lists.len() {
        return Err(Error::Argument(format!(
            "{} holds {} reference lists, the config declares {}: stage again",
            dir.display(),
            m.lists.len(),
            config.lists.len()
        )));
    }
    let mut unused = m.unused;
    let parts = Parts {
        dir: dir.to_path_buf(),
        count: m.parts,
        payment_rows: m.payment_rows,
        allocation_rows: m.allocation_rows,
        same_people: m.identity_settings == identity_settings(config),
    };
    // Payments and allocations: left in their parts for the run to read one at a time,
    // as empty frames of their columns here; a screen reads no payments and every
    // allocation; a stage made before parts holds them whole.
    let whole = |ledger: &str| -> Result<DataFrame> {
        if m.parts == 0 {
            return read_frame(dir, ledger);
        }
        let mut frames = Vec::new();
        for k in 0..m.parts {
            frames.push(read_frame(dir, &part_name(ledger, k))?);
        }
        Ok(fundaudit_core::frame::stack(frames)?)
    };
    let empty = |ledger: &str| read_parquet(dir, &part_name(ledger, 0), None, Some((0, 0)));
    let in_parts = m.parts > 0 && !screening;
    let payments = if screening {
        unused.push(format!(
            "{} (payments are not read by a pre-payment screen)",
            dir.join("payments-*.parquet").display()
        ));
        DataFrame::default()
    } else if in_parts {
        empty("payments")?
    } else {
        whole("payments")?
    };
    let allocations = if in_parts {
        empty("allocations")?
    } else {
        whole("allocations")?
    };
    let optional = |present: bool, name: &str| -> Result<Option<DataFrame>> {
        present.then(|| read_frame(dir, name)).transpose()
    };
    let lists = m
        .lists
        .iter()
        .enumerate()
        .map(|(i, &present)| optional(present, &format!("list-{i}")))
        .collect::<Result<Vec<_>>>()?;
    let mut projects: [Option<DataFrame>; 5] = Default::default();
    for (frame, spec) in projects.iter_mut().zip(PROJECT_LEDGERS) {
        *frame = optional(m.projects.iter().any(|p| p == spec.stem), spec.stem)?;
    }
    Ok(Inputs {
        beneficiaries: read_frame(dir, "beneficiaries")?,
        allocations,
        payments,
        staged: in_parts.then_some(parts),
        deaths: optional(m.deaths, "deaths")?,
        officials: optional(m.officials, "officials")?,
        notices: optional(m.notices, "notices")?,
        land: optional(m.land, "land")?,
        projects: ProjectLedgers::from_frames(projects),
        rejects: m.rejects,
        counts: m.counts,
        unused,
        settled: m.settled,
        lists,
    })
}
