//! Stage 2, load: the data folder read and validated into the run's ledgers (for a
//! screen, the payments the bank file would make).

use std::path::Path;
use std::time::Instant;

use super::options::RunOptions;
use crate::operations::screen;
use fundaudit_audit::stage::OnTheWay;
use fundaudit_core::error::Result;
use fundaudit_core::timings::Timings;
use fundaudit_input::Inputs;
use fundaudit_rules::context::People;

/// The ledgers, and the stage a province's CSV was read through (removed when the run
/// ends, so held until then).
pub(super) struct Loaded {
    pub ledgers: Inputs,
    /// The people, resolved here while the allocations were read; None when a cluster
    /// resolves them.
    pub people: Option<Result<People>>,
    pub on_the_way: Option<OnTheWay>,
    /// The input files being hashed for the manifest, beside the rest of the run.
    pub hashing: std::thread::JoinHandle<fundaudit_core::safe_fs::Hashed>,
}

/// Loads the ledgers; with `resolve_here`, the people are resolved beside the allocations'
/// reading (see [`Inputs::load_beside`]).
pub(super) fn load(
    opts: &RunOptions,
    done: &Path,
    resolve_here: bool,
    timings: &mut Timings,
) -> Result<Loaded> {
    tracing::info!(data = %opts.data_dir.display(), "loading inputs");
    let t = Instant::now();
    // A province's CSV is staged on the way ([scale] stage_bytes): read in chunks, then
    // a part at a time, instead of whole. The stage goes when the run ends.
    // Its parts are cut by the run's people, resolved there once and kept for the run.
    let (config, as_of) = (&opts.config, opts.as_of);
    let mut on_the_way = if opts.screen {
        None
    } else {
        let people_as_of = resolve_here.then_some(as_of);
        fundaudit_audit::stage::on_the_way(&opts.data_dir, config, done, people_as_of)?
    };
    let staged_people = on_the_way.as_mut().and_then(OnTheWay::take_people);
    match (&on_the_way, &staged_people) {
        (Some(_), Some(_)) => timings.lap("stage on the way, the people resolved in it", t),
        (Some(_), None) => timings.lap("stage on the way", t),
        (None, _) => {}
    }
    let t = Instant::now();
    let data = on_the_way
        .as_ref()
        .map_or(opts.data_dir.as_path(), |s| s.dir());
    let (mut ledgers, people) = match (resolve_here, staged_people) {
        (true, Some(people)) => {
            let ledgers = Inputs::load_with(data, config, opts.screen)?;
            (ledgers, Some(Ok(people)))
        }
        (true, None) => Inputs::load_beside(data, config, opts.screen, |lists| {
            People::resolve(lists, config, as_of)
        })?,
        (false, _) => (Inputs::load_with(data, config, opts.screen)?, None),
    };
    if opts.screen {
        ledgers.payments = screen::planned_payments(&ledgers, &opts.config)?;
    }
    timings.lap("load and validate inputs", t);
    let files: Vec<String> = ledgers
        .counts
        .iter()
        .filter(|c| c.sha256.is_none())
        .map(|c| c.file.clone())
        .collect();
    let hashing = std::thread::spawn(move || fundaudit_core::safe_fs::hash_files(&files));
    Ok(Loaded {
        ledgers,
        people,
        on_the_way,
        hashing,
    })
}
