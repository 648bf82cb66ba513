//! Doc tests kept per crate (docs/CACHE.md, "Per test binary"): a crate's doc tests are one
//! `rustdoc --test` that cargo starts per library, and the gate stands in for rustdoc
//! (`RUSTDOC`) for the `cargo test --doc` of a per-binary run, the way it stands in for the
//! runner of the test binaries (`replay.rs`).
//!
//! A crate's doc tests have no executable to digest before they run: rustdoc compiles them.
//! What they are made of is what cargo hands rustdoc: its arguments (the edition, the `cfg`s
//! and features, the flags, the source file) and the libraries named by `--extern` (the
//! crate's own library and every dependency it may use, dev-dependencies included, at the
//! versions and features this build chose: a library's metadata holds the hashes of its own
//! dependencies, so a change anywhere below reaches the libraries named). Their digest is the
//! crate's `invocation`, known only when cargo starts rustdoc. So the gate plans with the
//! invocation the crate's latest stored result was keyed by: that key is looked up (and
//! proven) before the run, and the stand-in, in the one `cargo test --doc`, replays it only
//! when the invocation cargo hands it is that one; otherwise it runs the real rustdoc, teed
//! and kept, and writes down the invocation it saw, under which the result is stored. (An
//! earlier version asked cargo twice: once with a stand-in that only wrote each invocation
//! down, once to run.)
//!
//! Crates whose doc tests run (not replayed) are spread over lanes (`doc_lanes.rs`): one
//! `cargo test --doc` per lane, the lanes at once, each with the same arguments (the same
//! features, so nothing is built again) and its lane in [`LANE_ENV`]; the stand-in runs a
//! crate's doc tests only in the lane the plan gives it and says so in the others. cargo
//! runs one crate's doc tests after another; rustdoc compiles each crate's alone, often on
//! one core.
//!
//! A crate's key is its invocation, the files its tests may read when they run (its package's
//! and its workspace dependencies', as for a test binary), `[cache] reads` for
//! `PACKAGE (doc tests)`, its build scripts' `OUT_DIR`s, and what every fact has.

use super::replay::{BinaryRun, Reported, exec, replayed, result_path, run_and_keep};
use gate_support::digest::KeyHasher;
use gate_support::path::same_file;
use serde::{Deserialize, Serialize};
use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};

pub(super) use super::stand_in_env::{LANE_ENV, PLAN_ENV, SKIP_ENV};

/// How the stand-in's variables begin.
pub(super) const OURS: &str = "CARGO_GATE_";

/// How the stand-in's line for a crate another lane runs begins (`doc_lanes.rs` looks for
/// it: a crate every lane said so of ran nowhere).
pub(super) const ELSEWHERE: &str = "(run beside this command, in doc-test lane ";

/// The stand-in's line for a crate under [`SKIP_ENV`]: no test line, nothing counted. A
/// build script reaches rustdoc's environment (`cargo:rustc-env`) and could set the variable
/// in the doc tests' own run too: there the line is a crate said to run elsewhere, and one
/// every lane says so of ran nowhere and fails the run (`doc_lanes.rs`).
pub(super) const BESIDE: &str =
    "(run beside this command, by the doc tests' own `cargo test --doc`)";

/// What a crate's doc tests are called among the test binaries: `PACKAGE (doc tests)`.
pub const DOC_TESTS: &str = " (doc tests)";

/// Whether cargo started this process as rustdoc for a per-crate doc-test run.
pub fn is_rustdoc_shim() -> bool {
    std::env::var_os(PLAN_ENV).is_some() || std::env::var_os(SKIP_ENV).is_some()
}

/// What the rustdoc stand-in is told for the real run.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(super) struct DocPlan {
    /// Where each crate's result goes (one file per crate).
    pub results: PathBuf,
    pub crates: Vec<PlannedDoc>,
    /// How many lanes the doc tests run in (one `cargo test --doc` each); 0 or 1: one.
    #[serde(default)]
    pub lanes: usize,
    /// The directories of the packages whose library says `doctest = false`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub off: Vec<PathBuf>,
}

/// One crate's doc tests in the plan.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct PlannedDoc {
    /// `PACKAGE (doc tests)`.
    pub id: String,
    /// The package's directory (`CARGO_MANIFEST_DIR`): a package has one library.
    pub manifest_dir: PathBuf,
    /// The digest of the invocation the replay was keyed by (as the key holds it).
    pub expected: Option<String>,
    /// What they printed on the same inputs before, when that is reused.
    pub replay: Option<BinaryRun>,
    /// The line printed before a replay.
    pub replay_note: String,
    /// The lane whose `cargo test --doc` runs them.
    #[serde(default)]
    pub lane: usize,
}

/// The rustdoc stand-in's `main` (`args`: what cargo passes rustdoc). Anything but a
/// `rustdoc --test` of a package goes to the real rustdoc untouched.
pub fn rustdoc_main(args: &[OsString]) -> i32 {
    let mut real = std::process::Command::new(real_rustdoc());
    real.args(args)
        .env_remove(PLAN_ENV)
        .env_remove(LANE_ENV)
        .env_remove(SKIP_ENV);
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    let (true, Some(manifest_dir)) = (args.iter().any(|a| a == "--test"), manifest_dir) else {
        return exec(real);
    };
    if let Some(code) = skipped(&manifest_dir) {
        return code;
    }
    let plan: Option<DocPlan> = std::env::var_os(PLAN_ENV)
        .and_then(|path| {
            gate_support::read::bytes_capped(Path::new(&path), super::replay::REPORT_CAP).ok()
        })
        .and_then(|bytes| serde_json::from_slice(&bytes).ok());
    // `[lib] doctest = false`: `cargo test --doc` starts rustdoc for it all the same, plain
    // `cargo test` never does (the thirty-second session's hostile pass: a false FAIL).
    if plan
        .as_ref()
        .is_some_and(|p| p.off.iter().any(|d| same_file(d, &manifest_dir)))
    {
        return said(OFF);
    }
    let planned = plan.as_ref().and_then(|plan| {
        plan.crates
            .iter()
            .find(|c| same_file(&c.manifest_dir, &manifest_dir))
    });
    // Every lane's cargo starts rustdoc for every crate: one lane runs it. A crate the plan
    // does not name (or a plan that cannot be read) runs in the first. A lane the plan has
    // none of is the workspace's (a build script's `cargo:rustc-env`): it would move the
    // crate out of every lane, and the run fails.
    let lane = this_lane();
    if plan.as_ref().is_some_and(|p| lane >= p.lanes.max(1)) {
        say_refused(&format!("{LANE_ENV} is {lane}"), &manifest_dir);
        return 101;
    }
    if lane != planned.map_or(0, |p| p.lane) {
        return elsewhere(planned.map_or(0, |p| p.lane));
    }
    let (Some(plan), Some(planned)) = (plan.as_ref(), planned) else {
        return exec(real);
    };
    // The invocation, written down for the key its result goes under: one that could not be
    // digested or written down is never replayed (nothing would say what was replayed).
    let now = invocation(args).filter(|now| {
        let _ = std::fs::create_dir_all(&plan.results);
        gate_support::atomic::write_unsynced(
            &invocation_path(&plan.results, &planned.id),
            now.as_bytes(),
        )
        .is_ok()
    });
    let expected = now
        .as_ref()
        .map(|now| gate_support::digest::sha256_hex(now.as_bytes()));
    match (
        &planned.replay,
        expected.is_some() && expected == planned.expected,
    ) {
        (Some(replay), true) => replayed(&plan.results, &planned.id, &planned.replay_note, replay),
        _ => run_and_keep(
            &plan.results,
            &planned.id,
            real,
            now.is_none()
                .then_some("its libraries could not be read, or its key written, to keep it"),
        ),
    }
}

/// The lane of this `cargo test --doc` (0 when it is the only one).
fn this_lane() -> usize {
    std::env::var(LANE_ENV)
        .ok()
        .and_then(|lane| lane.parse().ok())
        .unwrap_or(0)
}

/// Where the stand-in runs no doc test of the crate in `manifest_dir` for the skip
/// ([`SKIP_ENV`], the binaries' call: [`BESIDE`]), its exit code. The gate sets the skip for
/// the binaries' call, a plan for the doc tests' own: both at once is the workspace's doing
/// (a build script's `cargo:rustc-env`), and the crate's doc tests would be skipped where
/// they are to run: the run fails.
fn skipped(manifest_dir: &Path) -> Option<i32> {
    let list = std::env::var_os(SKIP_ENV)?;
    if std::env::var_os(PLAN_ENV).is_some() {
        say_refused(&format!("{SKIP_ENV} is set"), manifest_dir);
        return Some(101);
    }
    // Only the gate's workspace's members (the file the gate wrote names them): a project a
    // test or a build script runs `cargo test` on inherits the variable, and runs its own.
    let members: Vec<PathBuf> =
        gate_support::read::bytes_capped(Path::new(&list), super::replay::REPORT_CAP)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())?;
    (members.iter())
        .any(|m| same_file(m, manifest_dir))
        .then(|| said(BESIDE))
}

/// The stand-in's line for a crate whose library says `doctest = false`: nothing run,
/// nothing counted, the crate ran (as plain `cargo test` runs none of it).
const OFF: &str =
    "(its library says doctest = false: plain `cargo test` runs none of its doc tests)";

/// Prints `line` for the crate cargo started rustdoc for, and exits 0.
fn said(line: &str) -> i32 {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "    {line}");
    let _ = out.flush();
    0
}

/// What the stand-in says where the workspace set one of its variables (`what`, as it was
/// set) that the gate would not have: the run fails.
fn say_refused(what: &str, manifest_dir: &Path) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "cargo-gate: {what} for the doc tests of {}, where the gate runs them (a build \
         script's `cargo:rustc-env` or the environment set it): they are not skipped, the run \
         fails; remove it",
        manifest_dir.display()
    );
}

/// What the stand-in says for a crate whose doc tests another lane runs: no test line, so
/// nothing is counted twice; exit 0, so this lane's cargo goes on.
fn elsewhere(lane: usize) -> i32 {
    said(&format!("{ELSEWHERE}{lane})"))
}

/// Spreads the crates of `plan` that run (not replayed) over at most `jobs` lanes, the
/// fewest that hold them, each to the lane with the fewest so far; a replayed crate, and
/// the `unplanned` crates the plan does not name, go to the first. Returns the lanes.
pub(super) fn spread(plan: &mut DocPlan, unplanned: usize, jobs: usize) -> usize {
    let running = plan.crates.iter().filter(|c| c.replay.is_none()).count();
    let lanes = jobs.min(running + unplanned).max(1);
    let mut load = vec![0usize; lanes];
    load[0] = unplanned;
    for planned in &mut plan.crates {
        planned.lane = match planned.replay {
            Some(_) => 0,
            None => {
                let (lane, _) = load
                    .iter()
                    .enumerate()
                    .min_by_key(|&(lane, n)| (*n, lane))
                    .expect("at least one lane");
                lane
            }
        };
        if planned.replay.is_none() {
            load[planned.lane] += 1;
        }
    }
    plan.lanes = lanes;
    lanes
}

/// Where the stand-in writes the invocation it saw for `id`.
fn invocation_path(results: &Path, id: &str) -> PathBuf {
    result_path(results, id).with_extension("invocation")
}

/// The invocation the stand-in saw for `id`, when cargo started it.
pub(super) fn invoked(plan: &DocPlan, id: &str) -> Option<String> {
    std::fs::read_to_string(invocation_path(&plan.results, id)).ok()
}

/// The rustdoc cargo would have run: the one beside cargo (`CARGO`) when there is one, as
/// cargo itself prefers under rustup, else the one on `PATH`. A workspace that names its own
/// rustdoc (`RUSTDOC`, `build.rustdoc`) never gets here: its doc tests run every time.
fn real_rustdoc() -> PathBuf {
    let name = format!("rustdoc{}", std::env::consts::EXE_SUFFIX);
    std::env::var_os("CARGO")
        .map(PathBuf::from)
        .map(|cargo| cargo.with_file_name(&name))
        .filter(|path| path.is_file())
        .unwrap_or_else(|| PathBuf::from(name))
}

/// The digest of one `rustdoc --test`: every argument, and every library `--extern` names
/// by its SHA-256. `None` when an argument is not text or a library cannot be read.
fn invocation(args: &[OsString]) -> Option<String> {
    let mut hasher = KeyHasher::default();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let arg = arg.to_str()?;
        hasher.part("arg", arg.as_bytes());
        let spec = match arg.strip_prefix("--extern=") {
            Some(spec) => Some(spec),
            None if arg == "--extern" => {
                let spec = args.next()?.to_str()?;
                hasher.part("arg", spec.as_bytes());
                Some(spec)
            }
            None => None,
        };
        let Some((_, path)) = spec.and_then(|spec| spec.split_once('=')) else {
            continue;
        };
        let sha256 = gate_support::digest::sha256_file(Path::new(path)).ok()?.0;
        hasher.part("extern", sha256.as_bytes());
    }
    Some(hasher.finish())
}

/// The result the stand-in left for `id`.
pub(super) fn reported(plan: &DocPlan, id: &str) -> Option<Reported> {
    gate_support::read::bytes_capped(&result_path(&plan.results, id), super::replay::REPORT_CAP)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crates_to_run_spread_over_the_fewest_lanes_replays_in_the_first() {
        let planned = |id: &str, replayed: bool| PlannedDoc {
            id: id.to_owned(),
            manifest_dir: PathBuf::from(id),
            expected: None,
            replay: replayed.then(|| BinaryRun {
                output: String::new(),
                code: Some(0),
                signal: None,
            }),
            replay_note: String::new(),
            lane: 7,
        };
        let mut plan = DocPlan {
            results: PathBuf::new(),
            crates: ["a", "b", "c", "d", "e"]
                .iter()
                .map(|id| planned(id, *id == "b"))
                .collect(),
            lanes: 0,
            off: Vec::new(),
        };
        // Four to run, one with no key (the first lane's), on two jobs.
        assert_eq!(spread(&mut plan, 1, 2), 2);
        let lanes: Vec<usize> = plan.crates.iter().map(|c| c.lane).collect();
        assert_eq!(
            lanes,
            [1, 0, 0, 1, 0],
            "b replayed goes first; the rest balance"
        );
        assert_eq!(plan.lanes, 2);
        // Never more lanes than crates to run; one when nothing runs.
        assert_eq!(spread(&mut plan, 0, 16), 4);
        for crate_ in &mut plan.crates {
            crate_.replay = Some(BinaryRun {
                output: String::new(),
                code: Some(0),
                signal: None,
            });
        }
        assert_eq!(spread(&mut plan, 0, 16), 1);
        assert!(plan.crates.iter().all(|c| c.lane == 0));
    }

    #[test]
    fn an_invocation_is_its_arguments_and_the_bytes_of_the_libraries_it_names() {
        let dir = tempfile::tempdir().unwrap();
        let lib = dir.path().join("libdep.rlib");
        std::fs::write(&lib, b"one").unwrap();
        let args = |extra: &str| -> Vec<OsString> {
            let mut args: Vec<OsString> = ["--crate-name", "a", "--test", "src/lib.rs"]
                .iter()
                .map(OsString::from)
                .collect();
            args.push("--extern".into());
            args.push(format!("dep={}", lib.display()).into());
            if !extra.is_empty() {
                args.push(extra.into());
            }
            args
        };
        let first = invocation(&args("")).unwrap();
        assert_eq!(invocation(&args("")).unwrap(), first);
        assert_ne!(invocation(&args("--cfg=x")).unwrap(), first);
        std::fs::write(&lib, b"three").unwrap();
        let changed = invocation(&args("")).unwrap();
        assert_ne!(changed, first, "a library's bytes are in the digest");
        std::fs::remove_file(&lib).unwrap();
        assert!(
            invocation(&args("")).is_none(),
            "an unreadable library has no key"
        );
    }
}
