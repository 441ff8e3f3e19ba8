//! Where a report directory may go, and how it replaces the previous one.
//!
//! `--out` names a directory that thuadat *replaces*, so it must never be something of the user's: it is
//! accepted only when it is absent, an empty directory, or a report that thuadat wrote (its `summary.json`
//! carries the `thuadat` version and it holds nothing but report files); never the dataset directory, a
//! directory inside it, or one that contains it. The new report is written into a hidden sibling directory and
//! exchanged with the old one in one `renameat2(RENAME_EXCHANGE)`, so that at every moment either the old or
//! the new report is in place; the old one is removed only after the exchange.

use std::path::{Component, Path, PathBuf};

use crate::error::{Error, Result};

/// The files a report directory holds (see the contract, "Report directory"). Anything else in a directory
/// means it is not (only) a report, and it is left alone.
pub const REPORT_FILES: &[&str] = &["conflicts.geojson", "parcels.csv", "holders.csv", "summary.json"];

/// A report directory checked for being safe to replace.
#[derive(Debug, Clone)]
pub struct Destination {
    /// As the user gave it.
    out: PathBuf,
    /// The directory that holds it (created when missing).
    parent: PathBuf,
    /// Its last component.
    name: String,
}

impl Destination {
    /// Checks that `out` may be replaced by a report of `dataset` (None: the dataset is not a directory, as with
    /// `check --db`). Refusals are [`Error::Refused`] (exit code 2) and nothing is written.
    pub fn check(out: &Path, dataset: Option<&Path>) -> Result<Destination> {
        let refused = |why: String| Error::Refused { path: out.to_path_buf(), message: why };
        let refuse = |why: String| Err(refused(why));
        let name = match out.components().next_back() {
            Some(Component::Normal(n)) => n.to_string_lossy().into_owned(),
            _ => return refuse("not a directory name that a report can take (give a new or empty directory)".into()),
        };
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if let Some(dataset) = dataset {
            let (o, d) = (resolve(out), resolve(dataset));
            if o == d {
                return refuse("is the dataset directory itself: the report is never written over the dataset".into());
            }
            if o.starts_with(&d) {
                return refuse(format!(
                    "is inside the dataset directory {}: the report is never written into the dataset",
                    dataset.display()
                ));
            }
            if d.starts_with(&o) {
                return refuse(format!(
                    "contains the dataset directory {}: replacing it would delete the dataset",
                    dataset.display()
                ));
            }
        }
        match std::fs::symlink_metadata(out) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return refuse(format!("cannot be inspected ({e})")),
            Ok(m) if m.file_type().is_symlink() => {
                return refuse("is a symbolic link: give the directory it points at, or a new directory".into())
            }
            Ok(m) if !m.is_dir() => {
                return refuse(
                    "exists and is not a directory: the report is a directory; give a new or empty one".into(),
                )
            }
            Ok(_) => is_replaceable(out).map_err(refused)?,
        }
        Ok(Destination { out: out.to_path_buf(), parent, name })
    }

    /// The directory as the user named it.
    pub fn path(&self) -> &Path {
        &self.out
    }

    /// Writes a new report with `fill` (given an empty directory) and puts it in place of the old one. A failed
    /// `fill` leaves the old report as it was, and no temporary directory behind.
    pub fn replace_with(&self, fill: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
        std::fs::create_dir_all(&self.parent).map_err(|e| Error::io(&self.parent, e))?;
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{}.tmp-", self.name))
            .tempdir_in(&self.parent)
            .map_err(|e| Error::io(&self.parent, e))?;
        fill(tmp.path())?;
        // Checked again right before the swap: the directory may have changed while the check ran.
        let again = Destination::check(&self.out, None)?;
        let out = &again.out;
        match std::fs::symlink_metadata(out) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                // Nothing to replace: a plain rename (it fails, rather than overwrites, if one appeared since).
                rename_noreplace(tmp.path(), out).map_err(|e| Error::io(out, e))?;
                let _ = tmp.keep();
            }
            Err(e) => return Err(Error::io(out, e)),
            Ok(_) => {
                exchange(tmp.path(), out).map_err(|e| Error::io(out, e))?;
                // `tmp` now holds the old report (or the empty directory); dropping it removes it.
            }
        }
        Ok(())
    }
}

/// Ok when the existing directory `dir` is empty or a report thuadat wrote; else why not.
fn is_replaceable(dir: &Path) -> std::result::Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot be listed ({e})"))?;
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot be listed ({e})"))?;
        names.push(entry.file_name().to_string_lossy().into_owned());
    }
    if names.is_empty() {
        return Ok(());
    }
    names.sort();
    let not_ours = || {
        format!(
            "is neither empty nor a thuadat report ({} holds {}): nothing was written; give a new or empty directory",
            dir.display(),
            list(&names)
        )
    };
    if let Some(other) = names.iter().find(|n| !REPORT_FILES.contains(&n.as_str())) {
        return Err(format!(
            "holds `{other}`, which is not part of a thuadat report: nothing was written; give a new or empty directory"
        ));
    }
    let summary = dir.join("summary.json");
    let written_by_us = std::fs::read(&summary)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .is_some_and(|v| v.get("thuadat").is_some_and(serde_json::Value::is_string));
    if written_by_us {
        Ok(())
    } else {
        Err(not_ours())
    }
}

fn list(names: &[String]) -> String {
    let shown: Vec<String> = names.iter().take(5).map(|n| format!("`{n}`")).collect();
    if names.len() > shown.len() {
        format!("{} and {} more", shown.join(", "), names.len() - shown.len())
    } else {
        shown.join(", ")
    }
}

/// The absolute, symlink-free form of `path`, for paths that may not exist yet: the longest existing prefix
/// canonicalized, the rest appended (`..` and `.` resolved lexically).
fn resolve(path: &Path) -> PathBuf {
    let absolute =
        if path.is_absolute() { path.to_path_buf() } else { std::env::current_dir().unwrap_or_default().join(path) };
    let mut existing = absolute.clone();
    let mut rest: Vec<std::ffi::OsString> = Vec::new();
    loop {
        if let Ok(c) = existing.canonicalize() {
            let mut out = c;
            for part in rest.iter().rev() {
                match Path::new(part).components().next() {
                    Some(Component::ParentDir) => {
                        out.pop();
                    }
                    Some(Component::CurDir) | None => {}
                    _ => out.push(part),
                }
            }
            return out;
        }
        match (existing.file_name().map(|n| n.to_os_string()), existing.parent()) {
            (Some(n), Some(p)) => {
                rest.push(n);
                existing = p.to_path_buf();
            }
            _ => {
                // `..` at the end of a missing path: drop one level.
                match existing.components().next_back() {
                    Some(Component::ParentDir) => {
                        rest.push("..".into());
                        existing.pop();
                    }
                    _ => return absolute,
                }
            }
        }
    }
}

/// Swaps two directories atomically (Linux `renameat2` with `RENAME_EXCHANGE`); where the file system does
/// not support it, moves the old one aside first (a short moment with neither in place).
fn exchange(new: &Path, old: &Path) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    if let Some(done) = renameat2(new, old, libc::RENAME_EXCHANGE) {
        return done;
    }
    // Fallback: old -> aside, new -> old, aside -> new (so that dropping `new` removes the old report).
    let aside = new.with_extension("old");
    std::fs::rename(old, &aside)?;
    if let Err(e) = std::fs::rename(new, old) {
        let _ = std::fs::rename(&aside, old);
        return Err(e);
    }
    std::fs::rename(&aside, new)
}

/// Renames `from` to `to`, failing if `to` exists.
fn rename_noreplace(from: &Path, to: &Path) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    if let Some(done) = renameat2(from, to, libc::RENAME_NOREPLACE) {
        return done;
    }
    if std::fs::symlink_metadata(to).is_ok() {
        return Err(std::io::Error::from(std::io::ErrorKind::AlreadyExists));
    }
    std::fs::rename(from, to)
}

/// `renameat2(2)` with `flags`; None when the kernel or the file system does not support them (the caller
/// falls back to plain renames).
#[cfg(target_os = "linux")]
fn renameat2(from: &Path, to: &Path, flags: libc::c_uint) -> Option<std::io::Result<()>> {
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        std::ffi::CString::new(p.as_os_str().as_bytes())
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidInput, "path with a NUL byte"))
    };
    let (from, to) = match (c(from), c(to)) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(e), _) | (_, Err(e)) => return Some(Err(e)),
    };
    // SAFETY: both are valid NUL-terminated paths, relative to the current directory.
    let rc = unsafe { libc::renameat2(libc::AT_FDCWD, from.as_ptr(), libc::AT_FDCWD, to.as_ptr(), flags) };
    if rc == 0 {
        return Some(Ok(()));
    }
    let e = std::io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::EINVAL) | Some(libc::ENOSYS) => None,
        _ => Some(Err(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(out: &Path, dataset: Option<&Path>) -> String {
        match Destination::check(out, dataset) {
            Err(e @ Error::Refused { .. }) => e.to_string(),
            other => panic!("expected a refusal for {}, got {other:?}", out.display()),
        }
    }

    #[test]
    fn the_dataset_its_inside_and_its_parents_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let ds = tmp.path().join("work/commune");
        std::fs::create_dir_all(&ds).unwrap();
        let e = refusal(&ds, Some(&ds));
        assert!(e.ends_with("is the dataset directory itself: the report is never written over the dataset"), "{e}");
        let e = refusal(&ds.join("report"), Some(&ds));
        assert!(e.contains("is inside the dataset directory"), "{e}");
        // Through `..` and a symlink to the same place.
        let e = refusal(&ds.join("../commune/./report"), Some(&ds));
        assert!(e.contains("is inside the dataset directory"), "{e}");
        std::os::unix::fs::symlink(&ds, tmp.path().join("link")).unwrap();
        let e = refusal(&tmp.path().join("link/new/report"), Some(&ds));
        assert!(e.contains("is inside the dataset directory"), "{e}");
        let e = refusal(&tmp.path().join("work"), Some(&ds));
        assert!(e.contains("contains the dataset directory"), "{e}");
        assert!(Destination::check(&tmp.path().join("work/report"), Some(&ds)).is_ok());
    }

    #[test]
    fn only_empty_dirs_and_our_reports_are_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("notes.txt");
        std::fs::write(&file, "mine").unwrap();
        assert!(refusal(&file, None)
            .ends_with("exists and is not a directory: the report is a directory; give a new or empty one"));
        let folder = tmp.path().join("work");
        std::fs::create_dir(&folder).unwrap();
        assert!(Destination::check(&folder, None).is_ok(), "empty");
        std::fs::write(folder.join("plan.xlsx"), "x").unwrap();
        let e = refusal(&folder, None);
        assert!(e.ends_with("holds `plan.xlsx`, which is not part of a thuadat report: nothing was written; give a new or empty directory"), "{e}");
        // Report file names without thuadat's summary are not enough.
        let lookalike = tmp.path().join("lookalike");
        std::fs::create_dir(&lookalike).unwrap();
        std::fs::write(lookalike.join("summary.json"), "{\"total\": 3}").unwrap();
        assert!(refusal(&lookalike, None).contains("is neither empty nor a thuadat report"));
        let ours = tmp.path().join("ours");
        std::fs::create_dir(&ours).unwrap();
        std::fs::write(ours.join("summary.json"), "{\"thuadat\": \"0.1.0\"}").unwrap();
        std::fs::write(ours.join("parcels.csv"), "parcel_id\n").unwrap();
        assert!(Destination::check(&ours, None).is_ok());
        std::os::unix::fs::symlink(&ours, tmp.path().join("to-ours")).unwrap();
        assert!(refusal(&tmp.path().join("to-ours"), None).contains("is a symbolic link"));
    }

    #[test]
    fn the_swap_keeps_one_report_in_place_and_leaves_nothing_behind() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("report");
        let write = |marker: &str| {
            let d = Destination::check(&out, None).unwrap();
            d.replace_with(|dir| {
                std::fs::write(dir.join("summary.json"), format!("{{\"thuadat\": \"{marker}\"}}")).unwrap();
                Ok(())
            })
        };
        write("1").unwrap();
        write("2").unwrap();
        assert_eq!(std::fs::read_to_string(out.join("summary.json")).unwrap(), "{\"thuadat\": \"2\"}");
        let failed = Destination::check(&out, None)
            .unwrap()
            .replace_with(|_| Err(Error::Refused { path: out.clone(), message: "test".into() }));
        assert!(failed.is_err());
        assert_eq!(std::fs::read_to_string(out.join("summary.json")).unwrap(), "{\"thuadat\": \"2\"}");
        let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left, vec![std::ffi::OsString::from("report")]);
    }
}
