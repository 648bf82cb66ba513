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
//! whose last run did not begin in a directory cargo had just made is run again in an empty
//! one: its run directory and its fingerprint are removed and the build runs once more. A run
//! the gate saw begin so is marked (`gate-clean-run` beside `invoked.timestamp`, holding that
//! file's time), and is not run again until cargo runs the script again for its own reasons
//! (its inputs changed): then, once more, twice. A run in the build at hand is judged by its
//! directory's birth alone, never by a mark (the script could write one). A target directory cargo filled without the
//! gate runs every workspace script once more, the first time.

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

/// The build script runs of path packages in cargo's `--message-format=json` lines, each
/// where cargo's own layout puts it (a `build/` directory beside the profile's
/// `.fingerprint/`): the gate removes nothing a message did not name.
pub(crate) fn runs(messages: &str) -> Vec<ScriptRun> {
    let mut found: Vec<ScriptRun> = Vec::new();
    for line in messages.lines() {
        if !line.starts_with('{') || !line.contains("\"build-script-executed\"") {
            continue;
        }
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let Some(id) = message["package_id"].as_str() else {
            continue;
        };
        if crate::cache::discover::path_package_dir(id).is_none() {
            continue;
        }
        let Some(dir) = message["out_dir"]
            .as_str()
            .and_then(|o| Path::new(o).parent())
        else {
            continue;
        };
        if fingerprint(dir).is_some() && !found.iter().any(|r| r.dir == dir) {
            found.push(ScriptRun {
                package: crate::tools::cargo::package_name(id),
                dir: dir.to_owned(),
            });
        }
    }
    found
}

/// `<profile>/.fingerprint/<package>-<hash>` for the run directory
/// `<profile>/build/<package>-<hash>`, when cargo's layout is there.
fn fingerprint(dir: &Path) -> Option<PathBuf> {
    let build = dir.parent()?;
    if build.file_name()? != "build" {
        return None;
    }
    let fingerprint = build.parent()?.join(".fingerprint").join(dir.file_name()?);
    fingerprint.is_dir().then_some(fingerprint)
}

/// When the script's last run began (cargo's `invoked.timestamp`), as nanoseconds.
fn invoked(dir: &Path) -> Option<u128> {
    let modified = std::fs::metadata(dir.join("invoked.timestamp"))
        .and_then(|m| m.modified())
        .ok()?;
    Some(
        modified
            .duration_since(SystemTime::UNIX_EPOCH)
            .ok()?
            .as_nanos(),
    )
}

/// Whether the run's last run began in an empty directory. A run in the build that began at
/// `started` did if cargo made its directory then; one before it did if the gate marked it so
/// (a run in this build is never taken on a mark: the script could write one).
fn began_clean(run: &ScriptRun, started: SystemTime) -> bool {
    let Some(invoked) = invoked(&run.dir) else {
        return false;
    };
    let started_ns = started
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    if invoked >= started_ns {
        // Exact: a file system that keeps coarser times than the clock's makes a directory
        // born during the build look older, and the script only runs again.
        return std::fs::metadata(&run.dir)
            .and_then(|m| m.created())
            .is_ok_and(|created| created >= started);
    }
    gate_support::read::text_capped(&run.dir.join(MARKER), 64)
        .is_ok_and(|text| text.trim() == invoked.to_string())
}

/// The runs of `runs` whose last run did not begin clean (the build began at `started`).
pub(crate) fn unclean(runs: &[ScriptRun], started: SystemTime) -> Vec<ScriptRun> {
    runs.iter()
        .filter(|run| !began_clean(run, started))
        .cloned()
        .collect()
}

/// Removes each run's directory and fingerprint, so cargo runs the script again in an empty
/// one and compiles what reads its output again.
pub(crate) fn forget(runs: &[ScriptRun]) -> Result<(), String> {
    for run in runs {
        for dir in [Some(run.dir.clone()), fingerprint(&run.dir)]
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

/// Marks every run of `runs` that began clean in the build that began at `started`, so the
/// next build does not run it again.
pub(crate) fn mark(runs: &[ScriptRun], started: SystemTime) {
    for run in runs {
        if began_clean(run, started)
            && let Some(invoked) = invoked(&run.dir)
        {
            // Best effort: an unmarked run is run again, never trusted.
            let _ =
                gate_support::atomic::write(&run.dir.join(MARKER), invoked.to_string().as_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A profile with a run directory for package `p`, its fingerprint and `invoked.timestamp`.
    fn profile_with_run(dir: &Path) -> (String, PathBuf) {
        let profile = dir.join("target/debug");
        let run = profile.join("build/p-abc");
        std::fs::create_dir_all(run.join("out")).unwrap();
        std::fs::create_dir_all(profile.join(".fingerprint/p-abc")).unwrap();
        std::fs::write(run.join("invoked.timestamp"), "").unwrap();
        let message = serde_json::json!({
            "reason": "build-script-executed",
            "package_id": format!("path+file://{}#p@0.1.0", dir.display()),
            "out_dir": run.join("out"),
        });
        (message.to_string(), run)
    }

    /// A run cargo began in a directory it made during this build is clean; one in a
    /// directory from before is run again (its directory and fingerprint removed), and once
    /// marked is clean until cargo runs it again. A registry package's run, and a directory
    /// no message named, are never touched.
    /// (Linux: it asks the run directory's birth time, which Wine's file system fakes.)
    #[cfg(target_os = "linux")]
    #[test]
    fn a_script_whose_last_run_did_not_begin_clean_is_run_again() {
        let dir = tempfile::tempdir().unwrap();
        let before = SystemTime::now() - std::time::Duration::from_secs(5);
        let (message, run) = profile_with_run(dir.path());
        let registry = r#"{"reason":"build-script-executed","package_id":"registry+https://example.invalid#serde@1.0.0","out_dir":"/nowhere/build/serde-1/out"}"#;
        let found = runs(&format!("{message}\n{registry}\n"));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].package.as_str(), &found[0].dir), ("p", &run));
        assert!(unclean(&found, before).is_empty(), "born during the build");
        let after = SystemTime::now() + std::time::Duration::from_secs(5);
        assert_eq!(unclean(&found, after), found, "from before the build");
        mark(&found, before);
        assert!(unclean(&found, after).is_empty(), "marked");
        std::fs::write(run.join("invoked.timestamp"), "").unwrap();
        let file = std::fs::File::options()
            .write(true)
            .open(run.join("invoked.timestamp"))
            .unwrap();
        file.set_modified(SystemTime::now() + std::time::Duration::from_secs(60))
            .unwrap();
        assert_eq!(
            unclean(&found, after),
            found,
            "run again by cargo: unmarked"
        );
        // The script itself writes the mark its run would get: a run in this build is
        // judged by its directory's birth alone.
        std::fs::write(run.join(MARKER), invoked(&run).unwrap().to_string()).unwrap();
        assert_eq!(
            unclean(&found, after),
            found,
            "a mark written in this build"
        );
        forget(&found).unwrap();
        assert!(!run.exists());
        assert!(!dir.path().join("target/debug/.fingerprint/p-abc").exists());
        assert!(
            runs(&message).is_empty(),
            "no fingerprint: not cargo's layout"
        );
    }
}
