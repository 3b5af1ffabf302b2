//! Stage wall times: what `summary.json` and `run.log` say the time went to. One type
//! for every layer that times its stages (the run, the people, the parts, identity), so
//! their laps join without conversion.

use std::time::Instant;

use serde::{Deserialize, Serialize};

/// Stage names and seconds, in the order they ended. Written to JSON as a list of
/// `[name, seconds]` pairs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timings(Vec<(String, f64)>);

impl Timings {
    /// Records the stage that began at `started` and tells whoever listens (a progress
    /// line on a terminal, a log line elsewhere: see the binary's logging.rs).
    pub fn lap(&mut self, name: &str, started: Instant) {
        self.record(name, started.elapsed().as_secs_f64());
    }

    /// Records a stage timed elsewhere (by the people, the parts or a cluster), said as
    /// [`Timings::lap`] says it.
    pub fn record(&mut self, name: &str, secs: f64) {
        let (resident, peak) = memory();
        tracing::info!(
            stage = name.trim(),
            seconds = secs,
            resident_mib = resident,
            peak_mib = peak,
            "{} done",
            name.trim()
        );
        self.0.push((name.to_string(), secs));
    }

    /// The stages, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, (String, f64)> {
        self.0.iter()
    }
}

impl<'a> IntoIterator for &'a Timings {
    type Item = &'a (String, f64);
    type IntoIter = std::slice::Iter<'a, (String, f64)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// The process's resident and peak resident memory in MiB now (`VmRSS`, `VmHWM`), for
/// the log line of each stage: a province run that the kernel stops for memory leaves
/// no summary, and its log is then all that says which stage grew. Zero where
/// `/proc/self/status` cannot be read (not Linux).
fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = |key: &str| -> u64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (kib("VmRSS:") / 1024, kib("VmHWM:") / 1024)
}

#[cfg(test)]
mod tests {
    #[test]
    fn memory_is_read_on_linux() {
        let (resident, peak) = super::memory();
        if cfg!(target_os = "linux") {
            assert!(resident > 0 && peak >= resident, "{resident} {peak}");
        }
    }
}
