//! What a command prints while it works: a spinner showing the current stage on a
//! terminal, plain structured log lines on stderr otherwise (cron, systemd and Airflow
//! capture them), nothing with --quiet.

/// Progress on a terminal (a spinner showing the current stage), plain structured log
/// lines on stderr otherwise (cron, systemd, Airflow capture them); nothing with --quiet.
pub fn init_logging(quiet: bool) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    if quiet {
        return None;
    }
    if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        let writer_bar = bar.clone();
        tracing_subscriber::fmt()
            .with_target(false)
            .without_time()
            .with_level(false)
            .with_ansi(false)
            .with_writer(move || SpinnerLine::new(writer_bar.clone()))
            .finish()
            .with(log_filter())
            .init();
        Some(bar)
    } else {
        tracing_subscriber::fmt()
            .with_target(false)
            .with_ansi(false)
            .with_writer(std::io::stderr)
            .finish()
            .with(log_filter())
            .init();
        None
    }
}

/// fundaudit's own lines at info; a cluster's crates (the scheduler and executors of
/// `--engine ballista` in this process) only when something is wrong: at info they
/// print each job's whole physical plan, and Ballista logs a failure of its own metrics
/// display as an error that says nothing about the run.
fn log_filter() -> tracing_subscriber::filter::Targets {
    use tracing_subscriber::filter::LevelFilter;
    tracing_subscriber::filter::Targets::new()
        .with_default(LevelFilter::INFO)
        .with_target("ballista", LevelFilter::WARN)
        .with_target("ballista_scheduler::display", LevelFilter::OFF)
        .with_target("datafusion", LevelFilter::WARN)
}

/// Turns one formatted log line into the spinner's message.
struct SpinnerLine {
    bar: indicatif::ProgressBar,
    line: Vec<u8>,
}

impl SpinnerLine {
    fn new(bar: indicatif::ProgressBar) -> Self {
        SpinnerLine {
            bar,
            line: Vec::new(),
        }
    }
}

impl std::io::Write for SpinnerLine {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.line.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for SpinnerLine {
    fn drop(&mut self) {
        let text = String::from_utf8_lossy(&self.line).trim().to_string();
        if !text.is_empty() {
            self.bar.set_message(text);
        }
    }
}
