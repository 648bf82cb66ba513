//! What a workspace build script writes is this tree's: its last run began with an empty
//! `OUT_DIR`.
//!
//! cargo never empties a build script's run directory (`<profile>/build/<package>-<hash>/`:
//! `out/`, the script's `output`) before it runs the script again, so a file an earlier
//! tree's run wrote stays there. A crate that still `include!`s it, a test that reads it at
//! run time, a script that reads it back: each passes on what a fresh clone cannot have (the
//! eighteenth session's hostile passes: a `build.rs` that stopped writing `gen.rs`, one that
//! wrote beside `out/`, one that gave its file a time in the future).
//!
//! So after every build the gate takes evidence from, each build script of a path package
//! (or of a crate whose manifest lies in the repository) whose last run did not begin in a
//! directory cargo made during that build (one missing from a listing taken before it) is run
//! again in an empty one: its run directory and its fingerprint are removed and the build
//! runs once more. A run the gate saw begin so is marked (`gate-clean-run` beside
//! `invoked.timestamp`, holding that file's status-change time), and is not run again until
//! cargo runs the script again for its own reasons (its inputs changed): then, once more,
//! twice. A run in the build at hand is judged by its directory alone, never by a mark (the
//! script could write one, and cannot set the status-change time back). A target directory
//! cargo filled without the gate runs every workspace script once more, the first time.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The marker of a run the gate saw begin in an empty directory.
const MARKER: &str = "gate-clean-run";

/// One build script run of a path package, as cargo's `build-script-executed` message names
/// it: `<profile>/build/<package>-<hash>/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ScriptRun {
    /// The package, for messages.
    pub package: String,
    /// The run directory (holding `out/`).
    pub dir: PathBuf,
}

/// The run directories under the build directory `build_dir` (`<profile>/build/*` and
/// `<triple>/<profile>/build/*`) before a build: one not among them afterwards was made by
/// cargo in that build (a file system's birth times are not needed, nor trusted).
pub(crate) fn existing(build_dir: &Path) -> HashSet<PathBuf> {
    let dirs = |dir: &Path| -> Vec<PathBuf> {
        std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .map(|e| e.path())
            .collect()
    };
    let mut found = HashSet::new();
    for profile in dirs(build_dir) {
        for at in std::iter::once(profile.clone()).chain(dirs(&profile)) {
            // Resolved, as a run is looked up: the two never differ by a link's spelling.
            let runs = dirs(&at.join("build")).into_iter();
            found.extend(runs.filter_map(|run| std::fs::canonicalize(run).ok()));
        }
    }
    found
}

/// The build script runs of the workspace's packages (path packages, wherever they lie, and
/// packages whose manifest lies in the repository at `root`: a vendored crate's script is edited by a
/// commit as much as a member's) in cargo's `--message-format=json` lines, each where
/// cargo's own layout puts it under the build directory `build_dir` and said so in its
/// `root-output`: a line printed by anything else (a proc macro's) names nothing removed.
pub(crate) fn runs(messages: &str, root: &Path, build_dir: &Path) -> Vec<ScriptRun> {
    let parsed: Vec<serde_json::Value> = messages
        .lines()
        .filter(|line| line.starts_with('{'))
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect();
    let in_repository: HashSet<&str> = parsed
        .iter()
        .filter(|m| in_repository(m, root))
        .filter_map(|m| m["package_id"].as_str())
        .collect();
    let mut found: Vec<ScriptRun> = Vec::new();
    for message in parsed
        .iter()
        .filter(|m| m["reason"] == "build-script-executed")
    {
        let Some(id) = message["package_id"].as_str() else {
            continue;
        };
        let ours =
            crate::cache::discover::path_package_dir(id).is_some() || in_repository.contains(id);
        let Some(out_dir) = message["out_dir"].as_str().map(Path::new) else {
            continue;
        };
        let Some(dir) = out_dir.parent().filter(|_| ours) else {
            continue;
        };
        let cargos = gate_support::read::inside(build_dir, dir).is_ok()
            && fingerprint(dir).is_some()
            && gate_support::read::text_capped(&dir.join("root-output"), 4096)
                .is_ok_and(|said| Path::new(said.trim()) == out_dir);
        if cargos && !found.iter().any(|r| r.dir == dir) {
            found.push(ScriptRun {
                package: crate::tools::cargo::package_name(id),
                dir: dir.to_owned(),
            });
        }
    }
    found
}

/// Whether a `compiler-artifact` message is of a package whose manifest lies in the
/// repository at `root` (outside its `target/`), whatever its source says.
pub(crate) fn in_repository(message: &serde_json::Value, root: &Path) -> bool {
    // cargo's home may lie in the repository (a CI cache kept there): its crates are not.
    let home = crate::tools::cargo::home();
    message["manifest_path"].as_str().is_some_and(|m| {
        let m = Path::new(m);
        m.starts_with(root)
            && !m.starts_with(root.join("target"))
            && !home.as_ref().is_some_and(|h| m.starts_with(h))
    })
}

/// `<profile>/.fingerprint/<package>-<hash>` for the run directory
/// `<profile>/build/<package>-<hash>`, when cargo's layout is there (and resolves under the
/// profile: a `.fingerprint` that links elsewhere is no fingerprint of this build).
fn fingerprint(dir: &Path) -> Option<PathBuf> {
    let build = dir.parent()?;
    if build.file_name()? != "build" {
        return None;
    }
    let profile = build.parent()?;
    let fingerprint = profile.join(".fingerprint").join(dir.file_name()?);
    let under = gate_support::read::inside(profile, &fingerprint).is_ok();
    (under && fingerprint.is_dir()).then_some(fingerprint)
}

/// When the script's last run began: when cargo last wrote its `invoked.timestamp`, as
/// nanoseconds. On Unix the file's status-change time, which no one can set back (a script
/// that dated the file before the build would pass for a run before it, and its mark with
/// it); elsewhere its modification time.
fn invoked(dir: &Path) -> Option<u128> {
    let meta = std::fs::metadata(dir.join("invoked.timestamp")).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let secs = u128::try_from(meta.ctime()).ok()?;
        let nanos = u128::try_from(meta.ctime_nsec()).ok()?;
        Some(secs * 1_000_000_000 + nanos)
    }
    #[cfg(not(unix))]
    {
        let modified = meta.modified().ok()?;
        Some(
            modified
                .duration_since(SystemTime::UNIX_EPOCH)
                .ok()?
                .as_nanos(),
        )
    }
}

/// Whether the run's last run began in an empty directory. A run in the build that began at
/// `started` did if cargo made its directory then (it was not among those `before` it); one
/// before it did if the gate marked it so (a run in this build is never taken on a mark: the
/// script could write one).
fn began_clean(run: &ScriptRun, started: SystemTime, before: &HashSet<PathBuf>) -> bool {
    let Some(invoked) = invoked(&run.dir) else {
        return false;
    };
    let started = started
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    if invoked >= started {
        return std::fs::canonicalize(&run.dir).is_ok_and(|dir| !before.contains(&dir));
    }
    gate_support::read::text_capped(&run.dir.join(MARKER), 64)
        .is_ok_and(|text| text.trim() == invoked.to_string())
}

/// The runs of `runs` whose last run did not begin clean (the build began at `started`, with
/// the run directories `before`).
pub(crate) fn unclean(
    runs: &[ScriptRun],
    started: SystemTime,
    before: &HashSet<PathBuf>,
) -> Vec<ScriptRun> {
    runs.iter()
        .filter(|run| !began_clean(run, started, before))
        .cloned()
        .collect()
}

/// Removes each run's directory and fingerprint, so cargo runs the script again in an empty
/// one and compiles what reads its output again.
pub(crate) fn forget(runs: &[ScriptRun]) -> Result<(), String> {
    for run in runs {
        for dir in [fingerprint(&run.dir), Some(run.dir.clone())]
            .into_iter()
            .flatten()
        {
            match std::fs::remove_dir_all(&dir) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(format!("could not remove {}: {e}", dir.display())),
            }
        }
    }
    Ok(())
}

/// Marks every run of `runs` that began clean in the build that began at `started` (with the
/// run directories `before`), so the next build does not run it again.
pub(crate) fn mark(runs: &[ScriptRun], started: SystemTime, before: &HashSet<PathBuf>) {
    for run in runs {
        if began_clean(run, started, before)
            && let Some(invoked) = invoked(&run.dir)
        {
            let path = run.dir.join(MARKER);
            let mark = invoked.to_string();
            if gate_support::read::text_capped(&path, 64).is_ok_and(|m| m == mark) {
                continue;
            }
            // Best effort: an unmarked run is run again, never trusted.
            let _ = gate_support::atomic::write_unsynced(&path, mark.as_bytes());
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// A profile with a run directory for package `p`, its fingerprint, `invoked.timestamp`
    /// and `root-output`, and the message cargo prints of it.
    fn profile_with_run(dir: &Path) -> (String, PathBuf) {
        let profile = dir.join("target/debug");
        let run = profile.join("build/p-abc");
        std::fs::create_dir_all(run.join("out")).unwrap();
        std::fs::create_dir_all(profile.join(".fingerprint/p-abc")).unwrap();
        std::fs::write(run.join("invoked.timestamp"), "").unwrap();
        std::fs::write(run.join("root-output"), run.join("out").to_str().unwrap()).unwrap();
        let message = serde_json::json!({
            "reason": "build-script-executed",
            "package_id": format!("path+file://{}#p@0.1.0", dir.display()),
            "out_dir": run.join("out"),
        });
        (message.to_string(), run)
    }

    /// A run cargo began in a directory it made during this build is clean; one in a
    /// directory from before is run again (its directory and fingerprint removed), and once
    /// marked is clean until cargo runs it again, whatever mark the script writes. A registry
    /// package's run, a run outside the build directory (a line a proc macro printed), and a
    /// directory whose `root-output` says otherwise are never touched. (Unix: a package id's
    /// path is a URL, which Wine's `\\?\` paths do not make.)
    #[test]
    fn a_script_whose_last_run_did_not_begin_clean_is_run_again() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let build_dir = root.join("target");
        let before = SystemTime::now() - std::time::Duration::from_secs(5);
        let (message, run) = profile_with_run(&root);
        let registry = r#"{"reason":"build-script-executed","package_id":"registry+https://example.invalid#serde@1.0.0","out_dir":"/nowhere/build/serde-1/out"}"#;
        let found = runs(&format!("{message}\n{registry}\n"), &root, &build_dir);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].package.as_str(), &found[0].dir), ("p", &run));
        assert!(runs(&message, &root, &root.join("elsewhere")).is_empty());
        let none = HashSet::new();
        assert!(
            unclean(&found, before, &none).is_empty(),
            "made during the build"
        );
        let existed = existing(&build_dir);
        assert!(existed.contains(&run), "{existed:?}");
        assert_eq!(
            unclean(&found, before, &existed),
            found,
            "there before the build"
        );
        let after = SystemTime::now() + std::time::Duration::from_secs(5);
        assert_eq!(unclean(&found, after, &existed), found, "unmarked");
        mark(&found, before, &none);
        assert!(unclean(&found, after, &existed).is_empty(), "marked");
        // cargo runs the script again in a build begun now, in the directory from before.
        let during = SystemTime::now() - std::time::Duration::from_millis(10);
        std::fs::write(run.join("invoked.timestamp"), "").unwrap();
        assert_eq!(
            unclean(&found, during, &existed),
            found,
            "run again by cargo"
        );
        // The script itself writes the mark its run would get, and dates its
        // `invoked.timestamp` back before the build: the status-change time still says when.
        std::fs::write(run.join(MARKER), invoked(&run).unwrap().to_string()).unwrap();
        std::fs::File::options()
            .write(true)
            .open(run.join("invoked.timestamp"))
            .unwrap()
            .set_modified(SystemTime::now() - std::time::Duration::from_secs(3600))
            .unwrap();
        assert_eq!(
            unclean(&found, during, &existed),
            found,
            "a mark written in this build"
        );
        std::fs::write(run.join("root-output"), "/elsewhere/out").unwrap();
        assert!(
            runs(&message, &root, &build_dir).is_empty(),
            "root-output disagrees"
        );
        std::fs::write(run.join("root-output"), run.join("out").to_str().unwrap()).unwrap();
        forget(&found).unwrap();
        assert!(!run.exists());
        assert!(!root.join("target/debug/.fingerprint/p-abc").exists());
        assert!(
            runs(&message, &root, &build_dir).is_empty(),
            "not cargo's layout"
        );
    }
}
