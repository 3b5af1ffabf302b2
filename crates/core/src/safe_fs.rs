//! File-system steps that never follow a link someone planted. Users point fundaudit at
//! folders that hold years of work, and anyone who can write into the reports folder can
//! leave a link where a run will look for its own hidden folders (`.<run>.partial`,
//! `.<run>.old`, `.<run>.stage`): followed, the run would write into, or clear files
//! out of, the link's target. So a run only ever creates those folders itself, refuses a
//! link or a foreign file in their place, and clears a folder without following links.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// Whether `path` is itself a symbolic link (not followed).
pub fn is_link(path: &Path) -> bool {
    path.symlink_metadata()
        .is_ok_and(|m| m.file_type().is_symlink())
}

/// Creates `dir` (its parents as needed) as a new, empty folder of this run's. Fails when
/// anything is already at `dir` (a link included: `mkdir` does not follow the last
/// component), so what the run writes there cannot land anywhere else.
pub fn create_own_dir(dir: &Path) -> Result<()> {
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| Error::Write {
            path: parent.display().to_string(),
            message: e.to_string(),
        })?;
    }
    std::fs::create_dir(dir).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Error::UnsafeOutput {
                path: dir.display().to_string(),
                why: format!(
                    "{} appeared while the run was preparing it (a link or a folder someone \
                     else made); nothing was written there: remove it and run again",
                    dir.display()
                ),
            }
        } else {
            Error::Write {
                path: dir.display().to_string(),
                message: e.to_string(),
            }
        }
    })
}

/// Refuses a link at a place where a run keeps a folder of its own.
pub fn refuse_link(path: &Path, what: &str) -> Result<()> {
    if is_link(path) {
        let target = std::fs::read_link(path)
            .map(|t| t.display().to_string())
            .unwrap_or_else(|_| "?".into());
        return Err(Error::UnsafeOutput {
            path: path.display().to_string(),
            why: format!(
                "{} is a link (to {target}) where fundaudit keeps its {what}; a run never \
                 writes through a link it did not make. Nothing was touched: remove the link \
                 and run again",
                path.display()
            ),
        });
    }
    Ok(())
}

/// Flushes every file of `dir` and then `dir` itself to the disk, so that a folder about
/// to be published (renamed into place) holds its files after a power cut: a rename is
/// durable only once what it names is (as PostgreSQL syncs a file and its folder before
/// trusting a rename).
pub fn sync_folder(dir: &Path) -> Result<()> {
    let fail = |path: &Path, e: std::io::Error| Error::Write {
        path: path.display().to_string(),
        message: format!("could not flush it to the disk: {e}"),
    };
    for entry in std::fs::read_dir(dir).map_err(|e| fail(dir, e))? {
        let path = entry.map_err(|e| fail(dir, e))?.path();
        if path.symlink_metadata().is_ok_and(|m| m.is_file()) {
            std::fs::File::open(&path)
                .and_then(|f| f.sync_all())
                .map_err(|e| fail(&path, e))?;
        }
    }
    sync_dir(dir)
}

/// Starts writing a finished file to the disk and returns at once. A run's reports are
/// flushed before its folder is published ([`sync_folder`]); begun as each report is
/// done, that flush overlaps the reports still being written instead of waiting at the
/// end for all of them (a million people's reports are hundreds of megabytes). Only a
/// start: [`sync_folder`] still waits for every byte. Elsewhere than Linux it does
/// nothing, and the flush happens at publishing as before.
pub fn start_writeback(path: &Path) {
    #[cfg(target_os = "linux")]
    if let Ok(file) = File::open(path) {
        use std::os::fd::AsRawFd;
        // SAFETY: a system call on a descriptor this function holds open; it reads no
        // memory of ours. A failure only leaves the flush to `sync_folder`.
        unsafe {
            libc::sync_file_range(file.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = path;
}

/// Flushes a folder's entries (a rename into it, a file created in it) to the disk.
pub fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        std::fs::File::open(dir)
            .and_then(|f| f.sync_all())
            .map_err(|e| Error::Write {
                path: dir.display().to_string(),
                message: format!("could not flush the folder to the disk: {e}"),
            })?;
    }
    let _ = dir;
    Ok(())
}

/// Creates a report file readable and writable by its owner only (where the platform has
/// such permissions).
pub fn create_private(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(path)?;
    // An existing file keeps its old mode on open: set it explicitly.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(file)
}

/// Input files' SHA-256 worked out before a manifest is written (file → hex).
pub type Hashed = std::collections::HashMap<String, String>;

/// The SHA-256 of each file, hashed one after another on the caller's thread: a run (or
/// a stage) hashes its inputs on a thread of its own while it reads and audits them,
/// using a core the one-thread stretches leave idle, instead of re-reading every file at
/// the end. A file that cannot be read is left out (the manifest hashes it again and
/// says why it could not).
pub fn hash_files(files: &[String]) -> Hashed {
    files
        .iter()
        .filter_map(|f| Some((f.clone(), sha256_file(Path::new(f)).ok()?)))
        .collect()
}

/// SHA-256 of a file, hex.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut file = File::open(path).map_err(|e| Error::write(path, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).map_err(|e| Error::write(path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

/// Bytes as lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// For the commands that write a few named files into a folder the user names (`generate`,
/// `check --out`, `dedup --out`): refuses when any of them exists already, since nothing
/// tells a file fundaudit wrote from a user's file of the same name (a real
/// `beneficiaries.csv` under a generated one would be lost).
pub fn refuse_existing(dir: &Path, names: &[&str], flag: &str) -> Result<()> {
    let taken: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| dir.join(n).symlink_metadata().is_ok())
        .collect();
    if taken.is_empty() {
        return Ok(());
    }
    Err(Error::UnsafeOutput {
        path: dir.display().to_string(),
        why: format!(
            "{flag} {} already holds {}; fundaudit does not overwrite files it cannot tell it \
             wrote. Nothing was touched; choose a new folder or move those files away",
            dir.display(),
            taken.join(", ")
        ),
    })
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_link_is_refused_and_its_target_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::create_dir(&victim).unwrap();
        std::fs::write(victim.join("findings.csv"), "precious").unwrap();
        let link = dir.path().join(".run.partial");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        assert!(is_link(&link));
        let e = refuse_link(&link, "work folder").unwrap_err().to_string();
        assert!(e.contains("is a link"), "{e}");
        assert!(create_own_dir(&link).is_err());
        assert_eq!(
            std::fs::read_to_string(victim.join("findings.csv")).unwrap(),
            "precious"
        );
        create_own_dir(&dir.path().join("a/b")).unwrap();
        assert!(dir.path().join("a/b").is_dir());
    }

    #[test]
    fn a_report_started_for_the_disk_is_unchanged_and_still_flushed() {
        let dir = tempfile::tempdir().unwrap();
        let report = dir.path().join("findings.csv");
        std::fs::write(&report, "finding_id\nF1\n").unwrap();
        start_writeback(&report);
        // A report that was never written (its writer failed) is passed over.
        start_writeback(&dir.path().join("missing.xlsx"));
        assert_eq!(
            std::fs::read_to_string(&report).unwrap(),
            "finding_id\nF1\n"
        );
        sync_folder(dir.path()).unwrap();
    }

    #[test]
    fn sha256_of_a_known_text() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("abc");
        std::fs::write(&p, "abc").unwrap();
        assert_eq!(
            sha256_file(&p).unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
