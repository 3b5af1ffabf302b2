//! The `fundaudit` command: a thin layer over the library.
//!
//! Exit codes (for cron, systemd timers and schedulers such as Airflow):
//! - 0: the run completed (findings, if any, are in the run folder);
//! - 3: the run completed and a finding reached the config's alert score;
//! - 4: the run completed but the inputs look incomplete (an empty ledger, a period with
//!   no payments at all, a 合计 that does not add up): check the data before the findings;
//! - 2: bad configuration, arguments or input (the message names file, row and column);
//! - 75: another run holds the reports folder's lock (temporary: retry later, or --wait);
//! - 1: internal error (a bug: please report it with the message).

//!
//! `commands/` holds one file per subcommand (its arguments and what it does), and
//! `logging.rs` what a command prints while it works; this file parses the command line,
//! dispatches, and maps the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;

use fundaudit_core::error::Error;

mod commands;
mod logging;

use commands::outcome::Outcome;
use commands::Command;

/// mimalloc, not the system allocator: a night allocates and frees hundreds of millions of
/// small strings and vectors from both cores at once, where glibc's malloc spent about a
/// seventh of the night (malloc, free, consolidation) and kept freed memory in per-thread
/// arenas (see docs/benchmarks/2026-12-06-2core.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc 3's `mi_option_t` (not among the crate's constants;
/// the test below holds it to its default).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// mimalloc 3 gives freed memory back to the system a second after it is freed (ten
/// seconds for its arenas). A night frees a ledger's worth of text between stages, and the
/// next stage's allocations then stood beside it: at a million people the peak was 2.4–2.5
/// GiB from run to run; with a quarter of a second 2.2–2.3 GiB, for about half a second
/// more of the system's time (50 ms: 2.2 GiB and a second more; see docs/benchmarks/
/// 2026-12-07b-2core.md). `MIMALLOC_PURGE_DELAY` in the environment still rules.
fn return_freed_memory_sooner() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets a number in mimalloc's option table, before any other thread runs.
        unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 250) };
    }
}

#[derive(Parser)]
#[command(
    name = "fundaudit",
    version,
    about = "Audit of livelihood-fund (民生资金) disbursements: delayed, partial, duplicate, ghost and diverted payments",
    after_help = "Exit codes: 0 success; 3 success, and a finding reached the alert score; 4 success, but the inputs look incomplete (check them first); 2 bad config, arguments or input; 75 another run holds the lock (retry later); 1 internal error."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

fn main() -> ExitCode {
    return_freed_memory_sooner();
    match try_main() {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::Alert) => ExitCode::from(3),
        Ok(Outcome::Incomplete) => ExitCode::from(4),
        Ok(Outcome::NotWritten) => ExitCode::from(2),
        Err(e) => {
            // Masked and bounded: a message may quote an input's rows.
            eprintln!(
                "error: {}",
                fundaudit_core::privacy::safe_message(&format!("{e:#}"))
            );
            let ours = e.downcast_ref::<Error>();
            if matches!(ours, Some(Error::Busy { .. })) {
                return ExitCode::from(75);
            }
            let user_error = ours.is_some_and(|e| !matches!(e, Error::Polars(_)))
                || e.downcast_ref::<clap::Error>().is_some();
            ExitCode::from(if user_error { 2 } else { 1 })
        }
    }
}

fn try_main() -> anyhow::Result<Outcome> {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() => {
            e.print()?;
            std::process::exit(2);
        }
        Err(e) => {
            e.print()?;
            return Ok(Outcome::Done);
        }
    };
    cli.command.execute()
}

#[cfg(test)]
mod tests {
    /// The option set is the purge delay: mimalloc 3 starts it at 1000 ms (another
    /// version numbering its options otherwise fails here, not silently).
    #[test]
    fn the_option_set_is_the_purge_delay() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            // SAFETY: reads a number of mimalloc's option table.
            let delay = unsafe { libmimalloc_sys::mi_option_get(super::PURGE_DELAY) };
            assert_eq!(delay, 1000);
        }
    }
}
