//! How a command ends: the outcome main.rs maps to an exit code, and a finished run's
//! summary printed.

/// How a successful command ended.
pub enum Outcome {
    Done,
    /// A finding reached the alert score.
    Alert,
    /// The inputs look incomplete.
    Incomplete,
    /// The run was published, but some of its reports could not be written.
    NotWritten,
}

/// Prints a finished run's summary (unless quiet) and maps it to an exit outcome.
pub fn finish(
    outcome: &fundaudit::RunOutcome,
    progress: Option<indicatif::ProgressBar>,
    quiet: bool,
    written: &str,
) -> Outcome {
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    if !quiet {
        println!("{}", outcome.summary.render());
        println!("\n{written} {}", outcome.out_dir.display());
    }
    if !outcome.not_written.is_empty() {
        eprintln!(
            "error: the run completed and its other reports are in {}, but {} could not be written: {}",
            outcome.out_dir.display(),
            outcome.not_written.len(),
            fundaudit_core::privacy::safe_message(&outcome.not_written.join("; "))
        );
        return Outcome::NotWritten;
    }
    // Incomplete inputs outrank an alert: the alert may be the broken export's.
    if outcome.incomplete {
        Outcome::Incomplete
    } else if outcome.alert {
        Outcome::Alert
    } else {
        Outcome::Done
    }
}
