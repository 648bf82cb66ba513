//! Content decides freshness: the binaries a verdict comes from were built from the tree
//! being judged.
//!
//! cargo decides that a unit is fresh by modification times: a source edited and given its
//! old mtime back (`touch -r`, an archive, a restored cache) leaves the binary cargo built
//! from the *earlier* content in place, and a failing test would pass. So after every build
//! the gate takes evidence from, each unit of a path package that cargo called fresh is
//! proven to have been built from the files it reads now (rustc's dep-info lists them):
//!
//! - **Unchanged since the compile** (Unix): no source's status-change time (`ctime`, which
//!   no `touch` and no `utimes` can set back) is later than the start of the unit's compile
//!   (cargo's `invoked.timestamp`). A file whose content changed after the compile has a
//!   later `ctime`, whatever its mtime says.
//! - **Else, the same content** as when the gate last saw cargo compile the unit: the
//!   digest of its sources then is kept beside its dep-info (`<unit>.d.gate-sources`,
//!   written for every unit cargo compiles in a gate build). This is how Windows, which has
//!   no `ctime`, proves a unit, and how a unit whose file was only `chmod`ed stays proven.
//! - **Else it is rebuilt**: its fingerprint (`.fingerprint/<package>-<hash>/`) is removed,
//!   cargo builds it again, and the gate records the new digest. A unit cargo still calls
//!   fresh after that is refused: the build is not evidence (the test run says why).
//!
//! - **What an earlier run left is no input**: a build script of a path package whose last run
//!   did not begin in an empty `OUT_DIR` runs again in one (`facts/script_runs.rs`).
//!
//! Registry and git packages are not checked: their sources are pinned by the lockfile's
//! checksums and never edited in place — unless they lie in the repository (a `cargo vendor`
//! directory: tracked files a commit edits, which cargo fingerprints by version alone). Files under cargo's and rustup's homes are left out
//! for the same reason. Left alone, and said in docs/SECURITY.md: a build script's
//! `rerun-if-changed` input whose content changed with its old mtime (the script is not run
//! again; its output is what cargo kept).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// One compiled unit of a path package, as cargo's `compiler-artifact` message names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unit {
    /// `package::kind/target`, for messages.
    pub name: String,
    /// rustc's dep-info for it.
    dep_info: PathBuf,
    /// cargo's fingerprint directory for it (`None` where none was found).
    fingerprint: Option<PathBuf>,
    /// Whether cargo reused it without compiling.
    fresh: bool,
}

/// The units of path packages in cargo's `--message-format=json` lines, and of packages whose
/// sources lie in the repository at `root` whatever their source says (a `cargo vendor`
/// directory replacing crates.io: cargo fingerprints those by version alone, and a tracked
/// edit of one left the old library in place; the fourteenth session's hostile trial got
/// READY with a failing test so).
pub(crate) fn units(messages: &str, root: &Path) -> Vec<Unit> {
    let mut units = Vec::new();
    for line in messages.lines() {
        if !line.starts_with('{') || !line.contains("\"compiler-artifact\"") {
            continue;
        }
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let Some(id) = message["package_id"].as_str() else {
            continue;
        };
        if crate::cache::discover::path_package_dir(id).is_none()
            && !super::script_runs::in_repository(&message, root)
        {
            continue;
        }
        let package = crate::tools::cargo::package_name(id);
        let target = message["target"]["name"].as_str().unwrap_or_default();
        let kind = message["target"]["kind"][0].as_str().unwrap_or_default();
        let fresh = message["fresh"].as_bool().unwrap_or(false);
        // cargo's fingerprint file of a library's own build (not its tests): `lib-NAME`.
        let lib_file = (is_lib(kind) && message["profile"]["test"].as_bool() == Some(false))
            .then(|| format!("lib-{target}"));
        // A binary or an example is named by its uplifted copy (`debug/app`,
        // `debug/examples/demo`), whose dep-info carries no hash: the unit is the file it was
        // copied from, whose name does.
        let found = message["filenames"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(serde_json::Value::as_str)
            .find_map(|f| {
                let f = Path::new(f);
                // A build script's program (`build/<package>-<hash>/build-script-build`) is
                // the copy of `build_script_build-<hash>`, whose dep-info carries the hash.
                let Some(dep_info) = crate::cache::discover::dep_info_of(f) else {
                    let hashed =
                        uplifted_from(f).and_then(|o| crate::cache::discover::dep_info_of(&o))?;
                    let dir = fingerprint_dir(&hashed, &package);
                    return Some((hashed, dir));
                };
                match fingerprint_dir(&dep_info, &package) {
                    Some(dir) => Some((dep_info, Some(dir))),
                    None => {
                        let original =
                            uplifted_from(f).and_then(|o| crate::cache::discover::dep_info_of(&o));
                        Some(match original {
                            Some(hashed) => {
                                let dir = fingerprint_dir(&hashed, &package);
                                (hashed, dir)
                            }
                            None => {
                                let sole = lib_file
                                    .as_deref()
                                    .and_then(|file| sole_fingerprint(&dep_info, &package, file));
                                (dep_info, sole)
                            }
                        })
                    }
                }
            });
        let Some((dep_info, fingerprint)) = found else {
            continue;
        };
        units.push(Unit {
            name: format!("{package}::{kind}/{target}"),
            fingerprint,
            dep_info,
            fresh,
        });
    }
    units.sort_by(|a, b| a.dep_info.cmp(&b.dep_info));
    units.dedup_by(|a, b| a.dep_info == b.dep_info);
    units
}

/// `<profile>/.fingerprint/<package>-<hash>` for a dep-info named `<stem>-<hash>.d` in
/// `<profile>/deps/` or `<profile>/build/<package>-<hash>/`.
fn fingerprint_dir(dep_info: &Path, package: &str) -> Option<PathBuf> {
    let stem = dep_info.file_stem()?.to_str()?;
    let (_, hash) = stem.rsplit_once('-')?;
    dep_info
        .ancestors()
        .skip(1)
        .take(3)
        .map(|dir| dir.join(".fingerprint").join(format!("{package}-{hash}")))
        .find(|dir| dir.is_dir())
}

/// Whether a target kind is a library's (its own build's fingerprint file is `lib-NAME`).
fn is_lib(kind: &str) -> bool {
    matches!(
        kind,
        "lib" | "rlib" | "dylib" | "cdylib" | "staticlib" | "proc-macro"
    )
}

/// The one fingerprint directory of `package` in the profile of a dep-info named without a
/// hash that holds cargo's fingerprint file `file`: cargo names a package's library units
/// without one when it builds a `cdylib` (`deps/my_lib.d`, `deps/libmy_lib.so`), so only the
/// directory's contents tell which is the unit's. `None` when there is none, or more than one
/// (the library built with other features too): the unit is then not proven, and rebuilt.
/// Found on mmdflux, whose wasm crate is `crate-type = ["cdylib", "rlib"]` (docs/REAL-WORLD.md).
fn sole_fingerprint(dep_info: &Path, package: &str, file: &str) -> Option<PathBuf> {
    let profile = dep_info.parent()?.parent()?;
    let prefix = format!("{package}-");
    let is_unit_dir = |dir: &Path| {
        let hash = dir
            .file_name()
            .and_then(|name| name.to_str())
            .and_then(|name| name.strip_prefix(&prefix));
        hash.is_some_and(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()))
            && dir.join(file).is_file()
    };
    let mut found = std::fs::read_dir(profile.join(".fingerprint"))
        .ok()?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|dir| is_unit_dir(dir));
    let first = found.next()?;
    found.next().is_none().then_some(first)
}

/// The file cargo uplifted `artifact` from (`debug/examples/demo` from
/// `debug/examples/demo-<hash>`, `debug/my-app` from `debug/deps/my_app-<hash>`): beside it or
/// in `deps/`, named by its stem and a hash, with the same length and modification time (a
/// hard link, or a copy that kept both). `None` when there is none.
fn uplifted_from(artifact: &Path) -> Option<PathBuf> {
    let dir = artifact.parent()?;
    let name = artifact.file_name()?.to_str()?;
    let (stem, ext) = name.split_once('.').unwrap_or((name, ""));
    let stamp = |p: &Path| {
        let meta = std::fs::metadata(p).ok()?;
        Some((meta.len(), meta.modified().ok()))
    };
    let want = stamp(artifact)?;
    let stems = [stem.to_owned(), stem.replace('-', "_")];
    let hashed = |file: &str| {
        stems.iter().any(|stem| {
            let Some(rest) = file
                .strip_prefix(stem.as_str())
                .and_then(|r| r.strip_prefix('-'))
            else {
                return false;
            };
            let hash = match ext {
                "" => Some(rest),
                ext => rest.strip_suffix(ext).and_then(|r| r.strip_suffix('.')),
            };
            hash.is_some_and(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()))
        })
    };
    [dir.to_path_buf(), dir.join("deps")]
        .iter()
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flat_map(|entries| entries.flatten())
        .filter(|entry| entry.file_name().to_str().is_some_and(hashed))
        .map(|entry| entry.path())
        .find(|path| stamp(path) == Some(want))
}

/// Files read and digested once per check, however many units share them.
#[derive(Default)]
struct Sources {
    digests: HashMap<PathBuf, String>,
    homes: Vec<PathBuf>,
    /// The workspace root: rustc runs there, so a dep-info's relative paths are from it
    /// (never from the gate's own working directory, which may be anywhere).
    root: PathBuf,
}

impl Sources {
    fn new(root: &Path) -> Sources {
        let homes = crate::tools::cargo::home()
            .into_iter()
            .chain(crate::cache::discover::rustup_home())
            .collect();
        Sources {
            digests: HashMap::new(),
            homes,
            root: root.to_path_buf(),
        }
    }

    /// The files a unit's dep-info lists, absolute, but those under cargo's and rustup's
    /// homes; `None` when the dep-info cannot be read.
    fn of(&self, unit: &Unit) -> Option<Vec<PathBuf>> {
        let mut read = crate::cache::discover::Read::default();
        read.add_dep_info_checked(&unit.dep_info).ok()?;
        Some(
            read.files
                .into_iter()
                .map(|f| gate_support::path::normalize(&self.root.join(f)))
                .filter(|f| !self.homes.iter().any(|h| f.starts_with(h)))
                .collect(),
        )
    }

    /// One digest over every file's path and content.
    fn digest(&mut self, files: &[PathBuf]) -> String {
        let mut hasher = gate_support::digest::KeyHasher::default();
        for file in files {
            let digest = self
                .digests
                .entry(file.clone())
                .or_insert_with(|| crate::cache::discover::path_digest(file));
            hasher.part(&file.to_string_lossy(), digest.as_bytes());
        }
        hasher.finish()
    }
}

/// Where the digest of a unit's sources, as the gate saw cargo compile it, is kept.
fn sidecar(unit: &Unit) -> PathBuf {
    let mut name = unit.dep_info.as_os_str().to_owned();
    name.push(".gate-sources");
    PathBuf::from(name)
}

/// The fresh units not proven built from the files they read now (`root`: the workspace's,
/// where rustc ran).
pub(crate) fn unproven(units: &[Unit], root: &Path) -> Vec<Unit> {
    let mut sources = Sources::new(root);
    units
        .iter()
        .filter(|unit| unit.fresh && !proven(unit, &mut sources))
        .cloned()
        .collect()
}

fn proven(unit: &Unit, sources: &mut Sources) -> bool {
    let Some(files) = sources.of(unit) else {
        return false;
    };
    // A source that is not there now proves nothing: its digest would match any other
    // missing file's, and cargo's build of it is of a tree that is gone.
    if !files.iter().all(|file| file.exists()) {
        return false;
    }
    let started = unit
        .fingerprint
        .as_ref()
        .and_then(|dir| std::fs::metadata(dir.join("invoked.timestamp")).ok())
        .and_then(|meta| meta.modified().ok());
    if let Some(started) = started
        && files.iter().all(|file| unchanged_since(file, started))
    {
        return true;
    }
    let recorded = gate_support::read::text_capped(&sidecar(unit), 256).ok();
    recorded.is_some_and(|recorded| recorded.trim() == sources.digest(&files))
}

/// Whether the file's status (content, mode, name) last changed before `time`: never on a
/// platform without a status-change time.
#[cfg(unix)]
fn unchanged_since(file: &Path, time: SystemTime) -> bool {
    use std::os::unix::fs::MetadataExt;
    let Ok(meta) = std::fs::metadata(file) else {
        return false;
    };
    let Ok(since_epoch) = time.duration_since(SystemTime::UNIX_EPOCH) else {
        return false;
    };
    let changed = (meta.ctime(), meta.ctime_nsec());
    let time = (
        i64::try_from(since_epoch.as_secs()).unwrap_or(i64::MAX),
        i64::from(since_epoch.subsec_nanos()),
    );
    changed < time
}

#[cfg(not(unix))]
fn unchanged_since(_file: &Path, _time: SystemTime) -> bool {
    false
}

/// Makes cargo rebuild `units`: their fingerprints are removed, each only under the build
/// directory `build_dir` (a message printed by anything but cargo names nothing removed).
pub(crate) fn forget(units: &[Unit], build_dir: &Path) -> Result<(), String> {
    for unit in units {
        let inside = |dir: &&PathBuf| gate_support::read::inside(build_dir, dir).is_ok();
        let Some(dir) = unit.fingerprint.as_ref().filter(inside) else {
            return Err(format!(
                "{}: cargo's fingerprint for it was not found beside {} in {}",
                unit.name,
                unit.dep_info.display(),
                build_dir.display()
            ));
        };
        std::fs::remove_dir_all(dir)
            .map_err(|e| format!("{}: could not remove {}: {e}", unit.name, dir.display()))?;
    }
    Ok(())
}

/// Keeps the digest of the sources of every unit cargo compiled in this build.
pub(crate) fn record(units: &[Unit], root: &Path) {
    let mut sources = Sources::new(root);
    for unit in units.iter().filter(|u| !u.fresh) {
        if let Some(files) = sources.of(unit) {
            let digest = sources.digest(&files);
            // Best effort: a unit without a record is rebuilt, never trusted.
            let _ = gate_support::atomic::write_unsynced(&sidecar(unit), digest.as_bytes());
        }
    }
}

/// What [`proven_build`] built again: the units not proven built from the tree, and the
/// packages whose build script was run again in an empty `OUT_DIR` (`facts/script_runs.rs`).
#[derive(Debug, Default)]
pub(crate) struct Rebuilt {
    /// The units, by name.
    pub units: Vec<String>,
    /// The packages whose build script ran again.
    pub scripts: Vec<String>,
}

/// Runs `build` (a cargo build printing `--message-format=json` on stdout, of the workspace
/// at `root`, building in `build_dir`) and proves its fresh units; the unproven are rebuilt, and the build scripts of
/// path packages whose last run did not begin in an empty `OUT_DIR` run again in one, by
/// running `build` once more. Returns the output the evidence comes from and what was
/// rebuilt. `Err` when cargo could not be made to rebuild one:
/// nothing it built is evidence.
pub(crate) fn proven_build(
    root: &Path,
    build_dir: &Path,
    mut build: impl FnMut() -> Result<std::process::Output, String>,
) -> Result<(std::process::Output, Rebuilt), String> {
    use super::script_runs;
    // One at a time in this process: a build's listing, removals and marks are made outside
    // cargo's lock, and another build's would see them half done.
    static PROVING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = PROVING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut rebuilt = Rebuilt::default();
    let mut asked: Vec<Unit> = Vec::new();
    // A script cargo runs again only because the last round rebuilt what it depends on (a
    // forgotten library it build-depends on) is seen in the round after: three at most.
    for round in 0..3 {
        let (before, started) = (script_runs::existing(build_dir), SystemTime::now());
        let output = build()?;
        if !output.status.success() {
            return Ok((output, rebuilt));
        }
        let messages = String::from_utf8_lossy(&output.stdout);
        let built = units(&messages, root);
        let kept = still_fresh(&asked, &built);
        if !kept.is_empty() {
            return Err(format!(
                "cargo would not rebuild {} after its fingerprint was removed, and its \
                 sources changed since it was built (their mtimes do not show it): its \
                 binaries are not evidence of this tree; `cargo clean` and run again",
                kept.join(", ")
            ));
        }
        let unproven = if round == 0 {
            unproven(&built, root)
        } else {
            Vec::new()
        };
        let scripts = script_runs::runs(&messages, root, build_dir);
        let mut unclean = script_runs::unclean(&scripts, started, &before);
        script_runs::mark(&scripts, started, &before);
        for run in recompiled_scripts(&scripts, &unproven) {
            if !unclean.contains(&run) {
                unclean.push(run);
            }
        }
        // What this build compiled is recorded now: a unit a later round keeps fresh is
        // proven by it (an older record would prove an older content).
        record(&built, root);
        if unproven.is_empty() && unclean.is_empty() {
            return Ok((output, rebuilt));
        }
        if round == 2 {
            break;
        }
        forget(&unproven, build_dir)?;
        script_runs::forget(&unclean)?;
        rebuilt
            .units
            .extend(unproven.iter().map(|u| u.name.clone()));
        rebuilt
            .scripts
            .extend(unclean.into_iter().map(|r| r.package));
        asked = unproven;
    }
    Err(
        "build scripts of the workspace still ran in an OUT_DIR an earlier run had filled \
         after cargo was made to run them in an empty one twice: what they wrote is not \
         evidence of this tree; `cargo clean` and run again"
            .to_owned(),
    )
}

/// The runs of the build scripts among `unproven` (a script's program rebuilt because its
/// sources changed behind old times): each runs again in an empty directory, as any run the
/// gate did not see begin clean.
fn recompiled_scripts(
    scripts: &[super::script_runs::ScriptRun],
    unproven: &[Unit],
) -> Vec<super::script_runs::ScriptRun> {
    scripts
        .iter()
        .filter(|run| {
            let prefix = format!("{}::custom-build/", run.package);
            unproven.iter().any(|u| u.name.starts_with(&prefix))
        })
        .cloned()
        .collect()
}

/// How the line [`said`] writes begins.
pub(crate) const SAID: &str = "cargo-gate: rebuilt ";

/// The lines the build's log opens with when something was rebuilt (empty when nothing was).
pub(crate) fn said(rebuilt: &Rebuilt) -> String {
    let mut lines = String::new();
    if !rebuilt.units.is_empty() {
        lines.push_str(&format!(
            "{SAID}{} unit(s) whose sources changed after cargo built them, though \
             their modification times do not show it (content decides freshness): {}\n",
            rebuilt.units.len(),
            rebuilt.units.join(", ")
        ));
    }
    if !rebuilt.scripts.is_empty() {
        lines.push_str(&format!(
            "{SAID}what reads the output of {} build script(s) whose last run did not begin \
             in an empty OUT_DIR, run again in one (cargo never empties an OUT_DIR): {}\n",
            rebuilt.scripts.len(),
            rebuilt.scripts.join(", ")
        ));
    }
    lines
}

/// What the build after [`forget`] says of the units it was asked to rebuild: the names of
/// those cargo still called fresh.
pub(crate) fn still_fresh(asked: &[Unit], rebuilt: &[Unit]) -> Vec<String> {
    asked
        .iter()
        .filter(|a| rebuilt.iter().any(|r| r.dep_info == a.dep_info && r.fresh))
        .map(|a| a.name.clone())
        .collect()
}

#[cfg(test)]
#[path = "built_from/tests.rs"]
mod tests;
