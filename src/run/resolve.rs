//! Stage 3, resolve: the run's people (identity resolution, once), and what the case
//! ledger knows of the last night.

use super::engine::{self, Cluster};
use super::last_night::{Earlier, LastNight};
use super::options::RunOptions;
use fundaudit_casebook::ledger::CaseLedger;
use fundaudit_core::error::Result;
use fundaudit_core::timings::Timings;
use fundaudit_input::Inputs;
use fundaudit_rules::context::{Context, People};

pub(super) struct Resolved {
    pub people: Context,
    pub last: LastNight,
}

/// The run's people from `ledgers` (resolved already when `people` holds them).
pub(super) fn resolve(
    ledgers: Inputs,
    people: Option<Result<People>>,
    opts: &RunOptions,
    cluster: Option<&Cluster>,
    ledger: Option<&CaseLedger>,
    timings: &mut Timings,
) -> Result<Resolved> {
    tracing::info!("resolving identities");
    let people = engine::people(ledgers, people, opts, cluster)?;
    // What the ledger knows of the last night: its open findings and the source rows they
    // named, which the audit keeps beside tonight's (see Memo::keep_rows).
    let last = match ledger {
        Some(book) => Some(Earlier::read(book)?),
        None => None,
    };
    let last = LastNight {
        earlier: last,
        compare_rows: cluster.is_none(),
    };
    if let Some(l) = last.compared() {
        let ids = l.rows.iter().map(|r| r.row_id.clone()).collect();
        let _ = people.memo.keep_rows.set(ids);
    }
    if ledger.is_some() && cluster.is_some() {
        tracing::warn!("--engine ballista: source rows are not compared with the last night (DATA_SOURCE_CHANGED needs the local engine)");
    }
    for (name, secs) in &people.timings {
        timings.record(name, *secs);
    }
    Ok(Resolved { people, last })
}
