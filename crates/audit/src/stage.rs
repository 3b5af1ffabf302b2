//! Writing a stage. Payments and allocations are written in parts cut as a partitioned
//! run cuts them ([`crate::partition`]). Two ways there:
//!
//! - **in chunks**, when both are one plain CSV file each (see [`fundaudit_input::chunks`]):
//!   each chunk is validated and spilled to a temporary Parquet file in the stage folder
//!   with only its rows' keys kept in memory (24 bytes a row); the keys decide the parts;
//!   the spilled chunks are then dealt out to the part files, and the payments settled
//!   against the bank's returns and reversals a part at a time (what a reversal pairs
//!   with — the same allocation, else the same account, else the same amount — is in
//!   its part). Memory follows the registry and a chunk, not the ledgers.
//! - **whole**, for anything else (workbooks, a folder of monthly files, GB18030, quoted
//!   exports): the ledgers are loaded as `run` loads them and cut in memory.
//!
//! Either way the stage holds the same rows, rejects and counts.

use std::fs::File;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::partition::{self, Part, RowKeys};
use fundaudit_core::cells::Day;
use fundaudit_core::config::Config;
use fundaudit_core::error::{Error, Result};
use fundaudit_core::spec::ALLOCATIONS;
use fundaudit_core::spec::BENEFICIARIES;
use fundaudit_core::spec::OFFICIALS;
use fundaudit_core::spec::PAYMENTS;
use fundaudit_core::spec::{DEATHS, LAND, NOTICES};
use fundaudit_input::chunks::{self, Chunks};
use fundaudit_input::inputs::{read_ledger, read_lists, PeopleLists, Read};
use fundaudit_input::stage::{
    frame_file, identity_settings, input_settings, parquet_writer, part_name, part_numbers, plain,
    read_frame, write_error, write_frame, write_part, Keep, Manifest, MANIFEST, PROGRAM,
};
use fundaudit_input::{bank, sources, stack, InputOptions, Inputs};
use fundaudit_rules::context::{Context, People};

/// What staging wrote, for the terminal.
#[derive(Debug, Clone)]
pub struct Staged {
    pub files: usize,
    pub rows: usize,
    pub rejects: usize,
    /// Parts the payments and allocations were cut into.
    pub parts: usize,
}

/// The part files written: how many, and the rows in them.
struct Written {
    parts: usize,
    payment_rows: usize,
    allocation_rows: usize,
}

/// Reads and validates `data` as `run` does and writes the stage into `out` (a new or
/// empty folder; nothing else is touched).
pub fn stage(data: &Path, out: &Path, config: &Config) -> Result<Staged> {
    stage_if(data, out, config, Made::ToKeep)?
        .map(|(staged, _)| staged)
        .ok_or_else(|| Error::Argument(format!("{} was not staged", data.display())))
}

/// What a stage is made for.
#[derive(Debug, Clone, Copy)]
enum Made {
    /// `fundaudit stage`: for runs to come.
    ToKeep,
    /// A run's own stage ([`on_the_way`]), read once. With the run's date, its parts are
    /// cut by the run's whole people (registry, death list, officials), which go on to the
    /// run instead of being resolved twice; without it (the run resolves them on a
    /// cluster), by the registry alone.
    OnTheWay(Option<Day>),
}

impl Made {
    fn keep(self) -> Keep {
        match self {
            Made::ToKeep => Keep::Kept,
            Made::OnTheWay(_) => Keep::ReadOnce,
        }
    }

    /// The date the run's people are resolved as of, when the stage resolves them.
    fn run_as_of(self) -> Option<Day> {
        match self {
            Made::ToKeep => None,
            Made::OnTheWay(as_of) => as_of,
        }
    }
}

/// As [`stage`]. On the way, writes nothing and gives None unless payments and
/// allocations can be read in chunks (see [`fundaudit_input::chunks`]); the run's people
/// come back when the stage resolved them.
fn stage_if(
    data: &Path,
    out: &Path,
    config: &Config,
    made: Made,
) -> Result<Option<(Staged, Option<People>)>> {
    let (only_in_chunks, keep) = (matches!(made, Made::OnTheWay(_)), made.keep());
    if out.exists()
        && std::fs::read_dir(out)
            .map_err(|e| write_error(out, e))?
            .next()
            .is_some()
    {
        return Err(Error::Argument(format!(
            "refusing to stage into {}: the folder is not empty. Name a new folder",
            out.display()
        )));
    }
    let plan = sources::plan(data, config)?;
    let one_file = |stem: &str| match plan.files.get(stem).map(Vec::as_slice) {
        Some([path]) => Some(path.clone()),
        _ => None,
    };
    let (alloc_options, pay_options) = (
        InputOptions::for_file(config, &ALLOCATIONS),
        InputOptions::for_file(config, &PAYMENTS),
    );
    let rows = config.scale.read_rows;
    let mut chunked = None;
    if let (Some(a), Some(p)) = (one_file(ALLOCATIONS.stem), one_file(PAYMENTS.stem)) {
        // Opening scans each file whole (plain text?): the two side by side, a core each.
        let (a, p) = std::thread::scope(|s| {
            let a = s.spawn(|| chunks::open(&a, &ALLOCATIONS, &alloc_options, rows));
            let p = chunks::open(&p, &PAYMENTS, &pay_options, rows);
            let a = a.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
            (a, p)
        });
        if let (Some(a), Some(p)) = (a?, p?) {
            chunked = Some((a, p));
        }
    }
    if chunked.is_none() && only_in_chunks {
        return Ok(None);
    }
    std::fs::create_dir_all(out).map_err(|e| write_error(out, e))?;
    // The manifest's hashes of the files, beside the reading (a province's ten gigabytes
    // are seconds of a core that the reading leaves idle).
    let sources: Vec<String> = plan
        .files
        .values()
        .flatten()
        .map(|f| f.display().to_string())
        .collect();
    let hashing = std::thread::spawn(move || fundaudit_core::safe_fs::hash_files(&sources));
    let (ledgers, written, people) = match chunked {
        Some((allocations, payments)) => {
            let chunks = (allocations, payments);
            in_chunks(data, out, config, plan, chunks, made)?
        }
        None => {
            let (ledgers, written) = whole(data, out, config, keep)?;
            (ledgers, written, None)
        }
    };
    write_frame(out, "beneficiaries", &ledgers.beneficiaries, keep)?;
    if let Some(d) = &ledgers.deaths {
        write_frame(out, "deaths", d, keep)?;
    }
    if let Some(o) = &ledgers.officials {
        write_frame(out, "officials", o, keep)?;
    }
    if let Some(n) = &ledgers.notices {
        write_frame(out, "notices", n, keep)?;
    }
    if let Some(l) = &ledgers.land {
        write_frame(out, "land", l, keep)?;
    }
    for (spec, frame) in ledgers.projects.each() {
        if let Some(f) = frame {
            write_frame(out, spec.stem, f, keep)?;
        }
    }
    for (i, list) in ledgers.lists.iter().enumerate() {
        if let Some(df) = list {
            write_frame(out, &format!("list-{i}"), df, keep)?;
        }
    }
    // What was staged, for the manifests of runs on the stage (the files may be moved
    // or replaced later; the stage is what those runs read).
    let mut counts = ledgers.counts.clone();
    let hashed = hashing.join().unwrap_or_default();
    {
        use rayon::prelude::*;
        counts.par_iter_mut().try_for_each(|c| -> Result<()> {
            c.sha256 = Some(match hashed.get(&c.file) {
                Some(h) => h.clone(),
                // Not planned (a posted list), or unreadable then: hashed now, its error
                // the one reported.
                None => fundaudit_core::safe_fs::sha256_file(Path::new(&c.file))?,
            });
            Ok(())
        })?;
    }
    let manifest = Manifest {
        program: PROGRAM.into(),
        version: env!("CARGO_PKG_VERSION").into(),
        staged: fundaudit_core::cells::now(),
        source: data.display().to_string(),
        input_settings: input_settings(config),
        counts,
        rejects: ledgers.rejects.clone(),
        unused: ledgers.unused.clone(),
        settled: ledgers.settled.clone(),
        lists: ledgers.lists.iter().map(Option::is_some).collect(),
        deaths: ledgers.deaths.is_some(),
        officials: ledgers.officials.is_some(),
        notices: ledgers.notices.is_some(),
        land: ledgers.land.is_some(),
        projects: ledgers
            .projects
            .each()
            .iter()
            .filter(|(_, f)| f.is_some())
            .map(|(s, _)| s.stem.to_string())
            .collect(),
        parts: written.parts,
        identity_settings: identity_settings(config),
        payment_rows: written.payment_rows,
        allocation_rows: written.allocation_rows,
    };
    // The manifest holds the rejected rows, personal information like the frames:
    // readable by its owner only.
    let path = out.join(MANIFEST);
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| write_error(&path, e))?;
    use std::io::Write;
    fundaudit_core::safe_fs::create_private(&path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| write_error(&path, e))?;
    let staged = Staged {
        files: ledgers.counts.len(),
        rows: ledgers.counts.iter().map(|c| c.rows_read).sum(),
        rejects: ledgers.rejects.len(),
        parts: written.parts,
    };
    Ok(Some((staged, people)))
}

/// The people the parts are cut by: who is who decides which rows belong together. A
/// stage of its own needs the registry alone (`lists` without deaths or officials, which
/// would be matched for nothing), as of today; a stage made on the way, the run's whole
/// people as of the run's date (see [`stage_if`]).
fn people_for_cut(lists: PeopleLists, config: &Config, as_of: Day) -> Result<Context> {
    let beneficiaries = lists.beneficiaries.clone();
    let people = People::resolve(lists, config, as_of)?;
    let registry = Inputs {
        beneficiaries,
        ..Inputs::default()
    };
    Ok(Context::of_people(registry, config.clone(), as_of, people))
}

/// `beneficiaries` alone, as [`people_for_cut`] takes them.
fn registry_alone(beneficiaries: &DataFrame) -> PeopleLists<'_> {
    PeopleLists {
        beneficiaries,
        deaths: None,
        officials: None,
    }
}

/// The ledgers loaded whole and cut in memory.
fn whole(data: &Path, out: &Path, config: &Config, keep: Keep) -> Result<(Inputs, Written)> {
    let mut ledgers = Inputs::load_with(data, config, false)?;
    let today = fundaudit_core::cells::today();
    let people = people_for_cut(registry_alone(&ledgers.beneficiaries), config, today)?;
    let (payments, allocations) = (
        std::mem::take(&mut ledgers.payments),
        std::mem::take(&mut ledgers.allocations),
    );
    let parts = partition::plan(
        &people,
        &payments,
        &allocations,
        config.scale.partition_rows,
    )?;
    drop(people);
    for (k, part) in parts.iter().enumerate() {
        let (part_payments, part_allocations) = part.take(&payments, &allocations)?;
        write_part(out, "payments", k, &part_payments, keep)?;
        write_part(out, "allocations", k, &part_allocations, keep)?;
    }
    let written = Written {
        parts: parts.len(),
        payment_rows: payments.height(),
        allocation_rows: allocations.height(),
    };
    Ok((ledgers, written))
}

/// One ledger read a chunk at a time and spilled to the stage folder.
struct Spilled {
    read: Read,
    /// The spill files (names in the stage folder) in the file's order, and the rows of
    /// each.
    files: Vec<(String, usize)>,
    keys: Vec<RowKeys>,
    schema: Option<Schema>,
    /// Whether any row has a transfer status or a negative amount (payments).
    settle: bool,
}

impl Spilled {
    fn rows(&self) -> usize {
        self.files.iter().map(|f| f.1).sum()
    }
}

/// Reads `chunks` to the end: each chunk validated, its rows' keys kept, its rows
/// written to `.chunk-<ledger>-NNNN.parquet` in `out`. A chunk is written on a thread of
/// its own while the next is read: the reading leaves a core idle at times (a chunk's
/// blocks from disk, its columns made whole), and the encoding need not wait for it.
fn spill(chunks: Chunks, ledger: &str, out: &Path, people: &Context) -> Result<Spilled> {
    let (to_write, written) = std::sync::mpsc::sync_channel::<(String, DataFrame)>(1);
    std::thread::scope(|s| {
        let writer = s.spawn(move || -> Result<()> {
            for (name, frame) in written {
                // Read back once, to be dealt out to the parts.
                write_frame(out, &name, &frame, Keep::ReadOnce)?;
            }
            Ok(())
        });
        let read = read_spilling(chunks, ledger, people, to_write);
        // The writer's error first: a chunk not sent is one whose writer had stopped.
        let wrote = writer
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        wrote.and(read)
    })
}

/// [`spill`]'s reading: each chunk's keys kept, its rows sent to be written.
fn read_spilling(
    mut chunks: Chunks,
    ledger: &str,
    people: &Context,
    to_write: std::sync::mpsc::SyncSender<(String, DataFrame)>,
) -> Result<Spilled> {
    let mut spilled = Spilled {
        read: Read::default(),
        files: Vec::new(),
        keys: Vec::new(),
        schema: None,
        settle: false,
    };
    while let Some(loaded) = chunks.next_chunk()? {
        let mut frame = loaded.frame;
        // As a file read whole is stacked: every row names its file.
        let label = loaded.count.file.clone();
        let n = frame.height();
        stack::with_source(&mut frame, &label)?;
        spilled.read.rejects.extend(loaded.rejects);
        if ledger == PAYMENTS.stem {
            spilled
                .keys
                .extend(partition::payment_keys(people, &frame, true)?);
            spilled.settle |= bank::needs_settling(&frame);
        } else {
            spilled
                .keys
                .extend(partition::allocation_keys(people, &frame)?);
        }
        let schema = frame.schema().as_ref().clone();
        match &spilled.schema {
            None => spilled.schema = Some(schema),
            Some(first) if *first != schema => {
                return Err(Error::Unreadable {
                    path: label,
                    message: format!(
                        "chunk {} of the file came out with other columns than the first ({:?} against {:?})",
                        spilled.files.len() + 1,
                        schema.iter_names().collect::<Vec<_>>(),
                        first.iter_names().collect::<Vec<_>>()
                    ),
                });
            }
            Some(_) => {}
        }
        let name = part_name(&format!(".chunk-{ledger}"), spilled.files.len());
        if to_write.send((name.clone(), frame)).is_err() {
            // The writer stopped on an error, which `spill` reports.
            break;
        }
        spilled.files.push((name, n));
    }
    spilled.read.counts.push(chunks.count());
    Ok(spilled)
}

/// Deals the spilled rows out to one file per part (`<name>-NNNN.parquet`, appended a
/// chunk at a time), removing each spill file once read. `part_of` is each row's part.
fn deal(
    spilled: &Spilled,
    (part_of, parts): (&[u32], usize),
    out: &Path,
    name: &str,
    keep: Keep,
) -> Result<Vec<usize>> {
    let schema = spilled.schema.clone().unwrap_or_default();
    // As the part files are written (see [`write_part`]): plain text, numbered rows.
    let empty = DataFrame::empty_with_schema(&schema);
    let written = plain(&empty, part_numbers(0, 0, 0))?
        .schema()
        .as_ref()
        .clone();
    let mut writers: Vec<Option<(PathBuf, polars::io::parquet::write::BatchedWriter<File>)>> =
        (0..parts).map(|_| None).collect();
    let mut rows = vec![0usize; parts];
    let mut offset = 0usize;
    for (file, n) in &spilled.files {
        let chunk = read_frame(out, file)?;
        let mut rows_of: Vec<Vec<IdxSize>> = vec![Vec::new(); parts];
        for i in 0..*n {
            rows_of[part_of[offset + i] as usize].push(i as IdxSize);
        }
        offset += n;
        // The parts side by side: a part's rows are taken, made plain and encoded on one
        // core, and one part at a time left the other core idle for most of the dealing
        // (130% of two cores at ten million people).
        use rayon::prelude::*;
        writers
            .par_iter_mut()
            .zip(rows.par_iter_mut())
            .zip(rows_of.into_par_iter())
            .enumerate()
            .try_for_each(|(k, ((slot, rows_k), idx))| -> Result<()> {
                if idx.is_empty() {
                    return Ok(());
                }
                let n = idx.len();
                let part_rows = chunk.take(&IdxCa::from_vec("rows".into(), idx))?;
                let mut part_rows = plain(&part_rows, part_numbers(k, *rows_k, n))?;
                *rows_k += n;
                part_rows.align_chunks_par();
                if slot.is_none() {
                    let path = frame_file(out, &part_name(name, k));
                    let f = fundaudit_core::safe_fs::create_private(&path)
                        .map_err(|e| write_error(&path, e))?;
                    let w = parquet_writer(f, keep)
                        .batched(&written)
                        .map_err(|e| write_error(&path, e))?;
                    *slot = Some((path, w));
                }
                if let Some((path, w)) = slot {
                    w.write_batch(&part_rows)
                        .map_err(|e| write_error(path, e))?;
                }
                Ok(())
            })?;
        drop(chunk);
        let path = frame_file(out, file);
        std::fs::remove_file(&path).map_err(|e| write_error(&path, e))?;
    }
    for (k, slot) in writers.into_iter().enumerate() {
        match slot {
            Some((path, w)) => {
                w.finish().map_err(|e| write_error(&path, e))?;
            }
            // A part with no row of this ledger still has its file, empty.
            None => write_part(out, name, k, &empty, keep)?,
        }
    }
    Ok(rows)
}

/// Each row's part: the allocations' rows, then the payments'.
fn parts_of(parts: &[Part], n_alloc: usize, n_pay: usize) -> (Vec<u32>, Vec<u32>) {
    let (mut alloc, mut pay) = (vec![0u32; n_alloc], vec![0u32; n_pay]);
    for (k, part) in parts.iter().enumerate() {
        for &r in &part.allocations {
            alloc[r as usize] = k as u32;
        }
        for &r in &part.payments {
            pay[r as usize] = k as u32;
        }
    }
    (alloc, pay)
}

/// Stages allocations and payments read in chunks (see the module's comment), the other
/// inputs loaded whole.
fn in_chunks(
    data: &Path,
    out: &Path,
    config: &Config,
    mut plan: sources::Plan,
    (allocations, payments): (Chunks, Chunks),
    made: Made,
) -> Result<(Inputs, Written, Option<People>)> {
    let (run_as_of, keep) = (made.run_as_of(), made.keep());
    let mut unused = std::mem::take(&mut plan.unused);
    let mut read = |spec| read_ledger(data, config, &plan, spec, false, &mut unused);
    let beneficiaries = read(&BENEFICIARIES)?;
    let deaths = read(&DEATHS)?;
    let officials = read(&OFFICIALS)?;
    let notices = read(&NOTICES)?;
    let land = read(&LAND)?;
    if notices.frame.is_none() {
        unused.push(fundaudit_input::inputs::NO_NOTICES.to_string());
    }
    let projects = fundaudit_input::inputs::read_projects(data, config, &plan, &mut unused)?;
    let no_registry = DataFrame::default();
    let registry = beneficiaries.frame.as_ref().unwrap_or(&no_registry);
    let (lists, as_of) = match run_as_of {
        Some(as_of) => {
            let lists = PeopleLists {
                beneficiaries: registry,
                deaths: deaths.frame.as_ref(),
                officials: officials.frame.as_ref(),
            };
            (lists, as_of)
        }
        None => (registry_alone(registry), fundaudit_core::cells::today()),
    };
    let people = people_for_cut(lists, config, as_of)?;
    let mut alloc = spill(allocations, ALLOCATIONS.stem, out, &people)?;
    let mut pay = spill(payments, PAYMENTS.stem, out, &people)?;
    let clusters = people.registry.len();
    // The run's people go to the run; a stage's own are done with.
    let people = match run_as_of {
        Some(_) => people.into_people(),
        None => None,
    };
    let (n_alloc, n_pay) = (alloc.rows(), pay.rows());
    let mut keys = std::mem::take(&mut alloc.keys);
    keys.append(&mut pay.keys);
    let parts = partition::cut_hashed(keys, n_alloc, config.scale.partition_rows, clusters);
    let (alloc_part, pay_part) = parts_of(&parts, n_alloc, n_pay);
    let k = parts.len();
    drop(parts);
    tracing::info!("dealing {n_alloc} allocations and {n_pay} payments out to {k} parts");
    deal(&alloc, (&alloc_part, k), out, "allocations", keep)?;
    let mut settled = bank::Settled::default();
    let payment_rows = if pay.settle {
        // Settled a part at a time: dealt out under a temporary name first.
        // Read back once, a part at a time.
        deal(
            &pay,
            (&pay_part, k),
            out,
            ".unsettled-payments",
            Keep::ReadOnce,
        )?;
        let mut bank_rejects = Vec::new();
        let mut rows = 0;
        for part in 0..k {
            let name = part_name(".unsettled-payments", part);
            let unsettled = read_frame(out, &name)?;
            let (paid, rejects, s) = bank::settle(unsettled, &config.status)?;
            write_part(out, "payments", part, &paid, keep)?;
            let path = frame_file(out, &name);
            std::fs::remove_file(&path).map_err(|e| write_error(&path, e))?;
            rows += paid.height();
            bank_rejects.extend(rejects);
            settled.add(&s);
        }
        // In the file's order, as when the payments are settled whole.
        bank_rejects.sort_by_key(|r| r.line);
        pay.read.reject_settled(bank_rejects);
        rows
    } else {
        deal(&pay, (&pay_part, k), out, "payments", keep)?
            .iter()
            .sum()
    };
    let lists = read_lists(data, config, &mut unused)?;
    let ledgers = Inputs::assemble(
        [
            beneficiaries,
            alloc.read,
            pay.read,
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
    let written = Written {
        parts: k,
        payment_rows,
        allocation_rows: n_alloc,
    };
    Ok((ledgers, written, people))
}

/// A stage made by `run` on the way (see `[scale] stage_bytes`), in a hidden folder
/// beside the run's; removed when dropped, its own files only.
pub struct OnTheWay {
    dir: PathBuf,
    people: Option<People>,
}

impl OnTheWay {
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The run's people, resolved to cut the parts (once: None after the first call).
    pub fn take_people(&mut self) -> Option<People> {
        self.people.take()
    }
}

impl Drop for OnTheWay {
    fn drop(&mut self) {
        remove_stage(&self.dir);
    }
}

/// Removes what staging writes into `dir` (its manifest and Parquet files, finished or
/// not) and then `dir` if that left it empty; anything else stays.
fn remove_stage(dir: &Path) {
    // A link is never followed: its target is someone else's folder.
    if fundaudit_core::safe_fs::is_link(dir) {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if name == MANIFEST || name.ends_with(".parquet") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    let _ = std::fs::remove_dir(dir);
}

/// Stages `data` into `.<name>.stage` beside `beside` when its payments and allocations
/// are plain CSV files of more than `[scale] stage_bytes` together, so that the run reads
/// the stage a part at a time; None when they are smaller, or cannot be read in chunks
/// (then the run reads them whole, as always).
///
/// With `as_of`, the run's people are resolved for the cut and kept for the run
/// ([`OnTheWay::take_people`]); without it (the people are resolved elsewhere, on a
/// cluster), the cut is made by the registry alone.
pub fn on_the_way(
    data: &Path,
    config: &Config,
    beside: &Path,
    as_of: Option<Day>,
) -> Result<Option<OnTheWay>> {
    if fundaudit_input::stage::is_stage(data) {
        return Ok(None);
    }
    let plan = fundaudit_input::sources::plan(data, config)?;
    let bytes: u64 = [ALLOCATIONS.stem, PAYMENTS.stem]
        .iter()
        .flat_map(|stem| plan.files.get(stem).into_iter().flatten())
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    if bytes <= config.scale.stage_bytes {
        return Ok(None);
    }
    let name = beside
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "run".into());
    let dir = beside.with_file_name(format!(".{name}.stage"));
    // A stage left by a run that was killed: ours, so cleared; a link there is refused
    // (the stage is written only into a folder this run creates).
    fundaudit_core::safe_fs::refuse_link(&dir, "stage of the run")?;
    remove_stage(&dir);
    if dir.symlink_metadata().is_ok() {
        return Err(Error::UnsafeOutput {
            path: dir.display().to_string(),
            why: format!(
                "{} holds files a stage does not; nothing was touched: move them away",
                dir.display()
            ),
        });
    }
    fundaudit_core::safe_fs::create_own_dir(&dir)?;
    tracing::info!(
        "staging {} on the way ({bytes} bytes of payments and allocations; [scale] stage_bytes = {})",
        data.display(),
        config.scale.stage_bytes
    );
    let mut guard = OnTheWay { dir, people: None };
    Ok(
        stage_if(data, &guard.dir, config, Made::OnTheWay(as_of))?.map(|(_, people)| {
            guard.people = people;
            guard
        }),
    )
}
