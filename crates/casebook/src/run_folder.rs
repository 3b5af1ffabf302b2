//! Where a run writes, and the rules that keep a run from destroying what it did not
//! write. Users point fundaudit at folders that hold years of work (`--out ~/审计`,
//! `--out /srv/audit`), so:
//!
//! - a run folder is recognised by its `manifest.json` (program `fundaudit`), and an
//!   existing `--out` folder is replaced only when it is empty or holds an earlier run and
//!   nothing but the files a run writes ([`RUN_FILES`]); anything else is refused before
//!   any work starts, and nothing in it is touched;
//! - `/`, the home folder, the current folder, the data folder, and folders that hold the
//!   data or the case ledger are refused outright as `--out` (and the first four, or one
//!   holding the data, as `--reports`);
//! - a run is written into a hidden `.<name>.partial` beside its final place and swapped in
//!   with one atomic exchange (`renameat2(RENAME_EXCHANGE)` on Linux; elsewhere two renames
//!   with recovery on the next run), so a kill leaves the old run or the new one;
//! - removing a folder (a leftover `.partial`, the replaced run) removes only the files in
//!   [`RUN_FILES`] and then the folder if it is empty: a file someone put there survives.

use std::path::{Component, Path, PathBuf};

use fundaudit_core::error::{Error, Result};

/// The files a run writes into its folder. Nothing else is ever removed from a run folder,
/// and a folder holding anything else is not replaced.
pub const RUN_FILES: &[&str] = &[
    "report.html",
    "findings.xlsx",
    "findings.csv",
    "cases.csv",
    "findings.json",
    "rejects.csv",
    "summary.json",
    "run.log",
    "manifest.json",
    "hold.csv",
    "worklists.xlsx",
    "confidential.xlsx",
    "case_sheets.xlsx",
];

fn unsafe_output(path: &Path, why: String) -> Error {
    Error::UnsafeOutput {
        path: path.display().to_string(),
        why,
    }
}

/// `path` made absolute without requiring it to exist: the longest existing ancestor is
/// resolved (symlinks included), the rest appended, `.` and `..` folded.
pub fn absolute(path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .unwrap_or_else(|_| PathBuf::from("/"))
            .join(path)
    };
    let mut folded = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                folded.pop();
            }
            other => folded.push(other),
        }
    }
    let mut base = folded.clone();
    let mut rest = Vec::new();
    while !base.exists() {
        match (base.file_name().map(|n| n.to_os_string()), base.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                base = parent.to_path_buf();
            }
            _ => break,
        }
    }
    let mut out = std::fs::canonicalize(&base).unwrap_or(base);
    for name in rest.into_iter().rev() {
        out.push(name);
    }
    out
}

/// The places a run touches, checked before any work starts.
pub struct Places<'a> {
    pub data: &'a Path,
    /// The reports folder of dated runs (None for a run written only to `--out`).
    pub reports: Option<&'a Path>,
    pub out: Option<&'a Path>,
    pub ledger: Option<&'a Path>,
}

/// Refuses output folders whose replacement or filling would put a user's files at risk:
/// see the module comment. `home` and `cwd` are passed in so tests can name them.
pub fn check_places(places: &Places, home: Option<&Path>, cwd: &Path) -> Result<()> {
    let data = absolute(places.data);
    let cwd = absolute(cwd);
    let home = home.map(absolute);
    let ledger = places.ledger.map(absolute);
    let forbidden = |flag: &str, given: &Path, replaced: bool| -> Result<()> {
        let p = absolute(given);
        let refuse = |what: String| {
            Err(unsafe_output(
                given,
                format!("{flag} {} is {what}", p.display()),
            ))
        };
        if p.parent().is_none() {
            return refuse("the root folder".into());
        }
        if home.as_deref() == Some(p.as_path()) {
            return refuse("the home folder".into());
        }
        if p == cwd {
            return refuse("the current folder".into());
        }
        if p == data {
            return refuse("the data folder".into());
        }
        if data.starts_with(&p) {
            return refuse(format!(
                "a folder holding the data folder {}",
                data.display()
            ));
        }
        // Inside the data folder, the next run would read this run's reports as input.
        if p.starts_with(&data) {
            return refuse(format!(
                "inside the data folder {}; write reports beside it, not into it",
                data.display()
            ));
        }
        if let Some(system) = system_folder(&p) {
            return refuse(format!(
                "{system}, a folder of the operating system's; write reports to a folder of \
                 your own (for example /srv/fundaudit or ~/审计)"
            ));
        }
        if replaced {
            if cwd.starts_with(&p) {
                return refuse(format!(
                    "a folder holding the current folder {}",
                    cwd.display()
                ));
            }
            if let Some(l) = ledger.as_deref().filter(|l| l.starts_with(&p)) {
                return refuse(format!(
                    "a folder holding the case ledger {}; a run replaces its --out folder, \
                     so the ledger must live outside it (pass --ledger elsewhere)",
                    l.display()
                ));
            }
        }
        Ok(())
    };
    if let Some(reports) = places.reports {
        forbidden("--reports", reports, false)?;
    }
    if let Some(out) = places.out {
        forbidden("--out", out, true)?;
        check_replaceable(out)?;
    }
    Ok(())
}

/// The operating system's folder `p` is, or lies inside (`/etc`, `/usr` …); None for a
/// place reports may go. Folders that hold users' folders (`/home`, `/srv`, `/var`,
/// `/tmp` …) are refused only themselves.
fn system_folder(p: &Path) -> Option<String> {
    const INSIDE: &[&str] = &[
        "/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc", "/run",
        "/sbin", "/sys", "/usr",
    ];
    const ITSELF: &[&str] = &[
        "/home", "/media", "/mnt", "/opt", "/root", "/srv", "/tmp", "/var", "/var/lib", "/var/tmp",
    ];
    if !cfg!(unix) {
        return None;
    }
    INSIDE
        .iter()
        .find(|s| p.starts_with(s))
        .or_else(|| ITSELF.iter().find(|s| p == Path::new(s)))
        .map(|s| format!("{} (under {s})", p.display()))
}

/// Whether `dir` holds a run written by fundaudit (its manifest says so).
pub fn is_run_folder(dir: &Path) -> bool {
    std::fs::read(dir.join("manifest.json"))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .is_some_and(|m| m["program"] == "fundaudit")
}

/// The run id in a run folder's manifest (None when there is no readable manifest).
pub fn run_id_of(dir: &Path) -> Option<String> {
    let bytes = std::fs::read(dir.join("manifest.json")).ok()?;
    let m: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    m["run_id"].as_str().map(str::to_string)
}

/// Entries of `dir` that a run did not write, sorted, folders marked with a trailing `/`.
fn foreign_entries(dir: &Path) -> Result<Vec<String>> {
    let mut foreign = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::write(dir, e))? {
        let entry = entry.map_err(|e| Error::write(dir, e))?;
        let name = entry.file_name().to_string_lossy().to_string();
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if !(is_file && RUN_FILES.contains(&name.as_str())) {
            let slash = if entry.file_type().is_ok_and(|t| t.is_dir()) {
                "/"
            } else {
                ""
            };
            foreign.push(format!("{name}{slash}"));
        }
    }
    foreign.sort();
    Ok(foreign)
}

/// `--out DIR` may be replaced only when it does not exist, is empty, or holds an earlier
/// fundaudit run and nothing else.
pub fn check_replaceable(out: &Path) -> Result<()> {
    if !out.exists() && out.symlink_metadata().is_err() {
        return Ok(());
    }
    let meta = out.symlink_metadata().map_err(|e| Error::write(out, e))?;
    if !meta.is_dir() {
        return Err(unsafe_output(
            out,
            format!(
                "--out {} exists and is not a folder; name a new folder",
                out.display()
            ),
        ));
    }
    let foreign = foreign_entries(out)?;
    let empty = std::fs::read_dir(out)
        .map_err(|e| Error::write(out, e))?
        .next()
        .is_none();
    if empty || (foreign.is_empty() && is_run_folder(out)) {
        return Ok(());
    }
    let shown: Vec<&str> = foreign.iter().take(5).map(String::as_str).collect();
    let more = if foreign.len() > 5 {
        format!(" and {} more", foreign.len() - 5)
    } else {
        String::new()
    };
    let what = if foreign.is_empty() {
        "files a run writes, but no fundaudit manifest.json".to_string()
    } else {
        format!("{}{more}", shown.join(", "))
    };
    Err(unsafe_output(
        out,
        format!(
            "--out {} already exists and holds what is not an earlier fundaudit run: {what}. \
             A run replaces its --out folder, so it only writes into a new or empty folder or \
             one holding an earlier run and nothing else. Nothing was touched; name a new \
             folder, or use --reports DIR for dated run folders",
            out.display()
        ),
    ))
}

/// Removes the files a run writes from `dir`, then `dir` itself if that left it empty.
/// Returns whether the folder is gone.
pub fn remove_own(dir: &Path) -> Result<bool> {
    // A link is never followed: its target is someone else's folder.
    if fundaudit_core::safe_fs::is_link(dir) {
        return Ok(false);
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(false);
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if RUN_FILES.contains(&name.as_str()) && entry.file_type().is_ok_and(|t| t.is_file()) {
            std::fs::remove_file(entry.path()).map_err(|e| Error::write(&entry.path(), e))?;
        }
    }
    match std::fs::remove_dir(dir) {
        Ok(()) => Ok(true),
        Err(_) => {
            tracing::warn!(
                folder = %dir.display(),
                "left in place: it holds files fundaudit did not write"
            );
            Ok(false)
        }
    }
}

fn sibling(done: &Path, suffix: &str) -> PathBuf {
    let name = done
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "run".into());
    done.with_file_name(format!(".{name}.{suffix}"))
}

/// Swaps two paths atomically. Ok(false) when the file system or platform cannot, so the
/// caller falls back to two renames.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> Result<bool> {
    use std::os::unix::ffi::OsStrExt;
    let c =
        |p: &Path| std::ffi::CString::new(p.as_os_str().as_bytes()).map_err(|e| Error::write(p, e));
    let (ca, cb) = (c(a)?, c(b)?);
    // SAFETY: both pointers are valid NUL-terminated strings for the call's duration.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        return Ok(true);
    }
    let err = std::io::Error::last_os_error();
    match err.raw_os_error() {
        Some(libc::ENOSYS) | Some(libc::EINVAL) | Some(libc::ENOTSUP) => Ok(false),
        _ => Err(Error::write(b, err)),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_a: &Path, _b: &Path) -> Result<bool> {
    Ok(false)
}

/// Where a run writes: a hidden work folder beside the final one.
pub struct RunFolder {
    pub work: PathBuf,
    pub done: PathBuf,
}

impl RunFolder {
    /// Prepares the work folder, first finishing what a killed run left: a previous run
    /// moved aside but not replaced is put back; leftovers are removed (own files only).
    pub fn new(done: PathBuf) -> Result<RunFolder> {
        recover(&done)?;
        let work = sibling(&done, "partial");
        // A `.partial` left by a killed run is cleared (own files only) and made anew; a
        // link there, or one holding files a run does not write, is refused: the work
        // folder is always one this run created.
        fundaudit_core::safe_fs::refuse_link(&work, "work folder")?;
        if work.symlink_metadata().is_ok() && !remove_own(&work)? {
            let foreign = foreign_entries(&work).unwrap_or_default();
            return Err(unsafe_output(
                &work,
                format!(
                    "{} holds what a run does not write ({}); a run writes only into a work \
                     folder it created itself. Nothing was touched: move those files away",
                    work.display(),
                    foreign.join(", ")
                ),
            ));
        }
        fundaudit_core::safe_fs::create_own_dir(&work)?;
        Ok(RunFolder { work, done })
    }

    /// Moves the finished run into place, replacing an earlier run written to the same
    /// `--out` (checked again here: the folder may have gained files during the run).
    pub fn publish(self) -> Result<PathBuf> {
        // What is published must be on the disk before the rename that publishes it.
        fundaudit_core::safe_fs::sync_folder(&self.work)?;
        let published = self.swap_in()?;
        if let Some(parent) = published.parent().filter(|p| !p.as_os_str().is_empty()) {
            fundaudit_core::safe_fs::sync_dir(parent)?;
        }
        Ok(published)
    }

    fn swap_in(self) -> Result<PathBuf> {
        if self.done.symlink_metadata().is_ok() {
            check_replaceable(&self.done)?;
            if exchange(&self.work, &self.done)? {
                // The work folder now holds the previous run.
                remove_own(&self.work)?;
            } else {
                let old = sibling(&self.done, "old");
                std::fs::rename(&self.done, &old).map_err(|e| Error::write(&self.done, e))?;
                std::fs::rename(&self.work, &self.done).map_err(|e| Error::write(&self.done, e))?;
                remove_own(&old)?;
            }
        } else {
            std::fs::rename(&self.work, &self.done).map_err(|e| Error::write(&self.done, e))?;
        }
        Ok(self.done)
    }
}

/// After a kill between the two renames of the fallback, the previous run sits in
/// `.<name>.old` and `<name>` is missing: put it back. With both present, the old one is
/// the replaced run: remove it (own files only).
fn recover(done: &Path) -> Result<()> {
    let old = sibling(done, "old");
    fundaudit_core::safe_fs::refuse_link(&old, "replaced run")?;
    if !old.exists() {
        return Ok(());
    }
    if done.symlink_metadata().is_err() {
        std::fs::rename(&old, done).map_err(|e| Error::write(done, e))?;
    } else {
        remove_own(&old)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_folder(dir: &Path, marker: &str) {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(
            dir.join("manifest.json"),
            format!("{{\"program\":\"fundaudit\",\"run_id\":\"{marker}\"}}"),
        )
        .unwrap();
        std::fs::write(dir.join("findings.csv"), marker).unwrap();
    }

    #[test]
    fn a_folder_with_foreign_files_is_refused_and_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir_all(out.join("keep")).unwrap();
        std::fs::write(out.join("notes.txt"), "mine").unwrap();
        std::fs::write(out.join("keep/case-file.docx"), "mine").unwrap();
        let err = check_replaceable(&out).unwrap_err().to_string();
        assert!(err.contains("keep/, notes.txt"), "{err}");
        // Even an earlier run with a file added to it is not replaced.
        let run = dir.path().join("run");
        run_folder(&run, "a");
        assert!(check_replaceable(&run).is_ok());
        std::fs::write(run.join("批注.txt"), "officer's note").unwrap();
        let err = check_replaceable(&run).unwrap_err().to_string();
        assert!(err.contains("批注.txt"), "{err}");
        // Run files without a manifest are not a run.
        let loose = dir.path().join("loose");
        std::fs::create_dir_all(&loose).unwrap();
        std::fs::write(loose.join("findings.csv"), "x").unwrap();
        assert!(check_replaceable(&loose).is_err());
        // A file in the way.
        std::fs::write(dir.path().join("file"), "x").unwrap();
        assert!(check_replaceable(&dir.path().join("file")).is_err());
        // Nothing was touched.
        assert_eq!(
            std::fs::read(out.join("keep/case-file.docx")).unwrap(),
            b"mine"
        );
        assert!(check_replaceable(&dir.path().join("new")).is_ok());
    }

    #[test]
    fn remove_own_keeps_what_someone_else_put_there() {
        let dir = tempfile::tempdir().unwrap();
        let run = dir.path().join("run");
        run_folder(&run, "a");
        std::fs::write(run.join("notes.txt"), "mine").unwrap();
        assert!(!remove_own(&run).unwrap());
        assert!(run.join("notes.txt").exists());
        assert!(!run.join("findings.csv").exists());
        std::fs::remove_file(run.join("notes.txt")).unwrap();
        run_folder(&run, "a");
        assert!(remove_own(&run).unwrap());
        assert!(!run.exists());
    }

    #[test]
    fn publish_replaces_an_earlier_run_and_recovers_a_half_swap() {
        let dir = tempfile::tempdir().unwrap();
        let done = dir.path().join("out");
        run_folder(&done, "old");
        let folder = RunFolder::new(done.clone()).unwrap();
        run_folder(&folder.work, "new");
        let published = folder.publish().unwrap();
        assert_eq!(run_id_of(&published).as_deref(), Some("new"));
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        assert_eq!(names, ["out"], "no leftovers beside the run");
        // A kill between the fallback's two renames: the old run waits in .out.old.
        std::fs::rename(&done, sibling(&done, "old")).unwrap();
        RunFolder::new(done.clone()).unwrap();
        assert_eq!(run_id_of(&done).as_deref(), Some("new"), "put back");
    }

    #[test]
    fn dangerous_places_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let home = root.join("home");
        let cwd = home.join("work");
        let data = cwd.join("data");
        std::fs::create_dir_all(&data).unwrap();
        let ledger = root.join("srv/ledger.sqlite");
        let reports = cwd.join("reports");
        let check = |out: &Path, reports: &Path| {
            check_places(
                &Places {
                    data: &data,
                    reports: Some(reports),
                    out: Some(out),
                    ledger: Some(&ledger),
                },
                Some(&home),
                &cwd,
            )
        };
        for bad in [
            PathBuf::from("/"),
            home.clone(),
            cwd.clone(),
            data.clone(),
            root.to_path_buf(),
            root.join("srv"),
            cwd.join("data/.."),
            data.join("sub"),
            PathBuf::from("/etc/fundaudit"),
            PathBuf::from("/usr/local/share/audit"),
            PathBuf::from("/var"),
        ] {
            let err = check(&bad, &reports).unwrap_err();
            assert!(matches!(err, Error::UnsafeOutput { .. }), "{bad:?}: {err}");
        }
        assert!(check(&cwd.join("out"), &reports).is_ok());
        assert!(check(&cwd.join("out"), &cwd).is_err(), "--reports .");
        assert!(check(&cwd.join("out"), &home).is_err(), "--reports ~");
        assert!(check(&cwd.join("out"), &data).is_err(), "--reports data");
        assert!(
            check(&cwd.join("out"), &data.join("r")).is_err(),
            "inside data"
        );
        assert!(
            check(&cwd.join("out"), Path::new("/etc")).is_err(),
            "--reports /etc"
        );
        assert!(check(&cwd.join("out"), Path::new("/var/lib/fundaudit")).is_ok());
    }
}
