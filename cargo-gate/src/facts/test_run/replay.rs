//! The runner cargo starts each test binary through when the test run is kept per binary
//! (`binaries.rs`): `cargo-gate __test-runner PLAN BINARY ARGS…`, set as the host's
//! `target.<triple>.runner` for that one `cargo test`. cargo still decides what runs, where
//! and with which environment; the runner only decides, per binary, whether to run it or to
//! replay what the same binary printed on the same inputs in an earlier run:
//!
//! - a binary the plan lists with a replay, still the file the plan was made from (size and
//!   modification time): its earlier output is printed and its exit status returned;
//! - a binary the plan lists without one: it runs, its output goes on to cargo as it is
//!   written (the gate's per-test clock reads it live) and is kept, with its status and what
//!   it left in `GATE_RUN_DIR`, in the plan's results directory;
//! - anything else (a doc test rustdoc runs through the same runner, arguments the plan
//!   did not foresee): it runs untouched.

use crate::facts::artifacts::file_stamp;
use serde::{Deserialize, Serialize};
use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The argument that selects the runner (never shown to users).
pub const RUNNER_ARG: &str = "__test-runner";

/// The most of one binary's output a result keeps: a binary that prints more still runs,
/// but its result is not kept (it runs again next time).
const MAX_OUTPUT: usize = 16 << 20;

/// The most of one file a test leaves in the run directory that is kept, by a result and by
/// the record (read whole, it was unbounded: a sparse 1 GiB file cost the gate 3 GiB of
/// memory and the cache 1 GiB of disk).
pub const RUN_FILE_CAP: u64 = 16 << 20;

/// The most bytes of all the files one run leaves in the run directory that a result keeps
/// (and that the gate reads).
pub const RUN_FILES_CAP: u64 = 64 << 20;

/// The most of a runner's report or plan read back: past it (or not a regular file: a FIFO a
/// test swapped in blocked the gate past every limit) it is not read.
pub(super) const REPORT_CAP: u64 = 256 << 20;

/// What the runner is told, written by the gate before `cargo test` starts.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(super) struct Plan {
    /// Where each binary that ran leaves its result (one file per binary).
    pub results: PathBuf,
    /// The test binaries of the build.
    pub binaries: Vec<Planned>,
}

/// One test binary of the plan.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Planned {
    /// Its id (`PACKAGE::NAME`).
    pub id: String,
    /// The executable.
    pub path: PathBuf,
    /// Its size and modification time when it was digested.
    pub size: u64,
    pub modified: Option<u128>,
    /// What it printed on the same inputs before, when that is reused.
    pub replay: Option<BinaryRun>,
    /// The line printed before a replay, so the log says which output is not from this run.
    #[serde(default)]
    pub replay_note: String,
}

/// A file a binary left in `GATE_RUN_DIR`: its path inside it, and its bytes.
pub(super) type RunFile = (String, Vec<u8>);

/// One run of one test binary: the fact the cache keeps per binary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct BinaryRun {
    /// stdout and stderr as written.
    pub output: String,
    /// Its exit code (`None`: ended by a signal).
    pub code: Option<i32>,
    /// The signal that ended it, where there are signals.
    pub signal: Option<i32>,
}

/// What the runner reports for one binary of the plan.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Reported {
    /// The binary's id.
    pub id: String,
    /// Replayed (`true`) or run.
    pub replayed: bool,
    /// The run, when it ran and its result can be kept (its output fit).
    pub run: Option<BinaryRun>,
    /// What it left in `GATE_RUN_DIR` (path inside it, bytes): kept with its run and put
    /// back when the run is reused.
    #[serde(default)]
    pub files: Vec<RunFile>,
    /// Why its run was not kept, when it ran and was not.
    #[serde(default)]
    pub unkept: Option<String>,
}

impl Plan {
    /// The result file of binary `id`.
    pub(super) fn result_path(&self, id: &str) -> PathBuf {
        result_path(&self.results, id)
    }

    /// What the runner reported of binary `id`, when it reported.
    pub(super) fn reported(&self, id: &str) -> Option<Reported> {
        gate_support::read::bytes_capped(&self.result_path(id), REPORT_CAP)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
    }
}

/// The runner's `main`: `args` are what follows [`RUNNER_ARG`] (the plan, the binary, its
/// arguments). Returns the exit code.
pub fn runner_main(args: &[OsString]) -> i32 {
    let [plan_path, binary, rest @ ..] = args else {
        say(format!(
            "cargo-gate: {RUNNER_ARG} PLAN BINARY [ARGS…] is started by cargo-gate itself"
        ));
        return 2;
    };
    let binary = PathBuf::from(binary);
    let plan: Option<Plan> = gate_support::read::bytes_capped(Path::new(plan_path), REPORT_CAP)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok());
    let planned = plan.as_ref().and_then(|plan| {
        plan.binaries
            .iter()
            .find(|b| gate_support::path::same_file(&b.path, &binary))
            .map(|b| (plan, b))
    });
    let Some((plan, planned)) = planned.filter(|_| rest.is_empty()) else {
        return pass_through(&binary, rest);
    };
    let unchanged = file_stamp(&binary) == Some((planned.size, planned.modified));
    if let (Some(replay), true) = (&planned.replay, unchanged) {
        return replayed(&plan.results, &planned.id, &planned.replay_note, replay);
    }
    run_and_keep(
        &plan.results,
        &planned.id,
        std::process::Command::new(&binary),
        None,
    )
}

/// Prints what a binary (or a crate's doc tests) printed before, after `note`, reports the
/// replay in `results`, and returns the exit code it had.
pub(super) fn replayed(results: &Path, id: &str, note: &str, run: &BinaryRun) -> i32 {
    report_in(
        results,
        &Reported {
            id: id.to_owned(),
            replayed: true,
            run: None,
            files: Vec::new(),
            unkept: None,
        },
    );
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{note}");
    let _ = out.write_all(run.output.as_bytes());
    let _ = out.flush();
    exit_code(run)
}

/// Runs `cmd` teed and reports its run in `results` under `id`, kept unless `unkept` says
/// why not (or it printed more than a result keeps); returns its exit code.
pub(super) fn run_and_keep(
    results: &Path,
    id: &str,
    mut cmd: std::process::Command,
    unkept: Option<&str>,
) -> i32 {
    super::stand_in_env::without_stand_ins(&mut cmd);
    let program = PathBuf::from(cmd.get_program());
    let (run, files, too_large) = match run_teed(cmd) {
        Ok(ran) => ran,
        Err(e) => {
            say(format!(
                "cargo-gate: could not run {}: {e}",
                program.display()
            ));
            return 101;
        }
    };
    let code = exit_code(&run);
    let unkept = unkept.map(str::to_owned).or_else(|| {
        if run.output.len() > MAX_OUTPUT {
            Some("it printed more than a result keeps".to_owned())
        } else {
            too_large
        }
    });
    report_in(
        results,
        &Reported {
            id: id.to_owned(),
            replayed: false,
            run: unkept.is_none().then_some(run),
            files,
            unkept,
        },
    );
    code
}

/// `reported`, unkept when it left files in the run directory while other tests ran beside
/// it (`beside`): which of them wrote the files cannot be told, and a replay would put back
/// another's files as its own. It runs again next time.
pub(super) fn alone(reported: Option<Reported>, beside: bool) -> Option<Reported> {
    reported.map(|mut reported| {
        if beside && !reported.files.is_empty() && !reported.replayed {
            reported.run = None;
            reported.files = Vec::new();
            reported.unkept.get_or_insert_with(|| {
                "it left files in the run directory while other tests ran beside it (which of \
                 them wrote each cannot be told)"
                    .to_owned()
            });
        }
        reported
    })
}

/// The exit code that tells cargo how the binary ended (a signal as a shell reports it).
fn exit_code(run: &BinaryRun) -> i32 {
    match (run.code, run.signal) {
        (Some(code), _) => code,
        (None, Some(signal)) => 128 + signal,
        (None, None) => 101,
    }
}

/// Leaves what the runner did with one binary (or one crate's doc tests) where the gate
/// reads it after the run.
fn report_in(results: &Path, reported: &Reported) {
    if let Ok(bytes) = serde_json::to_vec(reported) {
        let _ = std::fs::create_dir_all(results);
        let _ = gate_support::atomic::write_unsynced(&result_path(results, &reported.id), &bytes);
    }
}

/// The file under `results` that holds the result of `id`.
pub(super) fn result_path(results: &Path, id: &str) -> PathBuf {
    results.join(format!(
        "{}.json",
        &gate_support::digest::sha256_hex(id.as_bytes())[..32]
    ))
}

/// Runs what the plan does not cover as cargo would have, and exits as it does.
fn pass_through(binary: &Path, args: &[OsString]) -> i32 {
    let mut cmd = std::process::Command::new(binary);
    cmd.args(args);
    exec(cmd)
}

/// Becomes `cmd` (where a process can), or runs it and exits as it did.
pub(super) fn exec(mut cmd: std::process::Command) -> i32 {
    super::stand_in_env::without_stand_ins(&mut cmd);
    let binary = PathBuf::from(cmd.get_program());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let e = cmd.exec();
        say(format!(
            "cargo-gate: could not run {}: {e}",
            binary.display()
        ));
        101
    }
    #[cfg(not(unix))]
    match cmd.status() {
        Ok(status) => status.code().unwrap_or(101),
        Err(e) => {
            say(format!(
                "cargo-gate: could not run {}: {e}",
                binary.display()
            ));
            101
        }
    }
}

/// Runs `cmd` with stdout and stderr on one pipe, passing what it writes on as it is
/// written and keeping a copy; what it leaves in `GATE_RUN_DIR` (new or changed files) is
/// kept with it.
/// How long the output of a binary that exited is still read: what a process it left behind
/// prints after that is not its.
const AFTER_EXIT: std::time::Duration = std::time::Duration::from_secs(2);

/// What the tee has read: the first [`MAX_OUTPUT`] bytes, and how many in all.
#[derive(Default)]
struct Tee {
    kept: std::sync::Mutex<Vec<u8>>,
    read: std::sync::atomic::AtomicU64,
    /// Whether it is passing bytes on (a slow reader of the run's output holds it there:
    /// back-pressure, not a pipe held open).
    writing: std::sync::atomic::AtomicBool,
}

/// Copies `reader` to stdout as it comes, keeping up to [`MAX_OUTPUT`] of it in `tee`; says
/// `done` at its end.
fn tee_into(mut reader: std::io::PipeReader, tee: &Tee, done: &std::sync::mpsc::Sender<()>) {
    let mut buf = vec![0u8; 64 << 10];
    let mut out = std::io::stdout();
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        tee.writing
            .store(true, std::sync::atomic::Ordering::Relaxed);
        let _ = out.write_all(&buf[..n]);
        let _ = out.flush();
        tee.writing
            .store(false, std::sync::atomic::Ordering::Relaxed);
        tee.read
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        if let Ok(mut kept) = tee.kept.lock()
            && kept.len() <= MAX_OUTPUT
        {
            kept.extend_from_slice(&buf[..n]);
        }
    }
    let _ = done.send(());
}

/// The last part of a program's path, for a message.
fn program_name(program: &Path) -> String {
    program.file_name().map_or_else(
        || program.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// What a binary's run left: its run, the files it left in the run directory, and the first
/// of those too large to keep.
type Teed = (BinaryRun, Vec<RunFile>, Option<String>);

fn run_teed(mut cmd: std::process::Command) -> std::io::Result<Teed> {
    let child_program = PathBuf::from(cmd.get_program());
    let run_dir = std::env::var_os("GATE_RUN_DIR").map(PathBuf::from);
    let before = run_dir.as_deref().map(listing).unwrap_or_default();
    let (reader, writer) = std::io::pipe()?;
    cmd.stdout(writer.try_clone()?).stderr(writer);
    let mut child = cmd.spawn()?;
    // The pipe's write ends live in `cmd` until it is dropped: the read ends when the binary
    // (and whatever it started that kept them) has exited.
    drop(cmd);
    let teed = std::sync::Arc::new(Tee::default());
    let (done, drained) = std::sync::mpsc::channel::<()>();
    let tee = {
        let teed = std::sync::Arc::clone(&teed);
        move || tee_into(reader, &teed, &done)
    };
    std::thread::spawn(tee);
    let status = child.wait()?;
    // A process the binary started that keeps its output open (a server a test left
    // behind) would hold the read open past the binary's exit, and the run past its limit:
    // the output is read while it still flows, and no longer than [`AFTER_EXIT`] after it
    // stops.
    // (and never longer than the drain's bound, however it flows: a process left behind
    // writing a line a second held it to no deadline at all).
    let exited = std::time::Instant::now();
    let mut seen = teed.read.load(std::sync::atomic::Ordering::Relaxed);
    let stopped = loop {
        match drained.recv_timeout(AFTER_EXIT) {
            Ok(()) | Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break false,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                let now = teed.read.load(std::sync::atomic::Ordering::Relaxed);
                let writing = teed.writing.load(std::sync::atomic::Ordering::Relaxed);
                if (now == seen && !writing) || exited.elapsed() >= crate::tools::process::AFTER_END
                {
                    break true;
                }
                seen = now;
            }
        }
    };
    if stopped {
        say(format!(
            "cargo-gate: {} exited, but a process it started still holds its output open; \
             its output is read no further",
            program_name(&child_program)
        ));
    }
    let kept = teed.kept.lock().map(|k| k.clone()).unwrap_or_default();
    #[cfg(unix)]
    let signal = std::os::unix::process::ExitStatusExt::signal(&status);
    #[cfg(not(unix))]
    let signal = None;
    let (files, too_large) = match &run_dir {
        Some(dir) => left_behind(dir, &before),
        None => (Vec::new(), None),
    };
    let run = BinaryRun {
        output: String::from_utf8_lossy(&kept).into_owned(),
        code: status.code(),
        signal,
    };
    Ok((run, files, too_large))
}

type Listing = std::collections::BTreeMap<PathBuf, (u64, Option<u128>)>;

/// Every file under the run directory: its path relative to it (`/`-separated) and where it
/// is. No link is followed.
fn run_dir_files(dir: &Path) -> impl Iterator<Item = (String, PathBuf)> + '_ {
    ignore::WalkBuilder::new(dir)
        .standard_filters(false)
        .build()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .filter_map(move |e| {
            let rel = e.path().strip_prefix(dir).ok()?;
            let rel = rel.to_string_lossy().replace('\\', "/");
            Some((rel, e.into_path()))
        })
}

/// Every file under the run directory, path relative to it and bytes, in path order: what
/// the tools under test left there. `Err` (why) once they pass [`RUN_FILES_CAP`] in all: a
/// result is not kept with some of its files, and reading stops there (a test left 128
/// sparse files just under the cap of one, and the gate read 6 GB into memory).
pub(super) fn run_files(run_dir: &Path) -> Result<Vec<RunFile>, String> {
    // A file too large for a result is left to the record (which says so), not kept.
    let (mut files, over) = read_capped(run_dir_files(run_dir), |_| None);
    files.sort();
    over.map_or(Ok(files), Err)
}

/// The files `found` names, in its order, each at most [`RUN_FILE_CAP`] and all of them at
/// most [`RUN_FILES_CAP`]: reading stops past the second, with why; a file past the first is
/// skipped, or stops the reading where `too_large` says why.
fn read_capped(
    found: impl Iterator<Item = (String, PathBuf)>,
    too_large: impl Fn(&str) -> Option<String>,
) -> (Vec<RunFile>, Option<String>) {
    let mut files = Vec::new();
    let mut total = 0u64;
    for (rel, path) in found {
        match run_file(&path) {
            Ok(bytes) => {
                total += bytes.len() as u64;
                if total > RUN_FILES_CAP {
                    return (files, Some(over_all(&rel)));
                }
                files.push((rel, bytes));
            }
            Err(e) if e.kind() == std::io::ErrorKind::FileTooLarge => {
                if let Some(why) = too_large(&rel) {
                    return (files, Some(why));
                }
            }
            Err(_) => {}
        }
    }
    (files, None)
}

/// The files of the run directory for `fresh`, or none and `fresh` not kept when they pass
/// [`RUN_FILES_CAP`].
pub(super) fn keep_run_files<T>(fresh: &mut crate::cache::Fresh<T>, run_dir: &Path) {
    match run_files(run_dir) {
        Ok(files) => fresh.files = files,
        Err(_) => {
            fresh.files = Vec::new();
            fresh.keep = crate::cache::Keep::Not;
        }
    }
}

/// Why a result is not kept when the files left pass [`RUN_FILES_CAP`] at `rel`.
fn over_all(rel: &str) -> String {
    format!(
        "the files it left in the run directory pass the {} MiB a result keeps in all (at \
         {rel})",
        RUN_FILES_CAP >> 20
    )
}

/// Every file under `dir` with its size and modification time.
fn listing(dir: &Path) -> Listing {
    run_dir_files(dir)
        .filter_map(|(_, path)| Some((path.clone(), file_stamp(&path)?)))
        .collect()
}

/// The files under `dir` that are new or changed since `before`, relative (`/`-separated),
/// and why the result is not kept when one is too large, or all of them together are
/// (reading stops there).
fn left_behind(dir: &Path, before: &Listing) -> (Vec<RunFile>, Option<String>) {
    let changed = run_dir_files(dir)
        .filter(|(_, path)| file_stamp(path).is_none_or(|now| before.get(path) != Some(&now)));
    read_capped(changed, |rel| {
        Some(format!(
            "it left {rel} in the run directory, larger than the {} MiB a result keeps",
            RUN_FILE_CAP >> 20
        ))
    })
}

/// A file of the run directory, if it is a regular one of at most [`RUN_FILE_CAP`] bytes.
fn run_file(path: &Path) -> std::io::Result<Vec<u8>> {
    gate_support::read::bytes_capped(path, RUN_FILE_CAP)
}

/// Puts back what a reused test run (or test binary) left in its run directory (decision
/// logs, stats), so the checks that read them judge the same evidence, and the record keeps
/// it.
pub(super) fn restore_run_files(run_dir: &Path, files: &[(String, Vec<u8>)]) {
    for (rel, bytes) in files {
        if rel
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..")
        {
            continue;
        }
        let path = run_dir.join(rel);
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let _ = std::fs::write(path, bytes);
    }
}

/// [`restore_run_files`] for the files the run directory does not hold yet: what ran this
/// time wins.
pub(super) fn restore_missing_run_files(run_dir: &Path, files: &[(String, Vec<u8>)]) {
    let missing: Vec<(String, Vec<u8>)> = files
        .iter()
        .filter(|(rel, _)| !run_dir.join(rel).exists())
        .cloned()
        .collect();
    restore_run_files(run_dir, &missing);
}

/// A line on stderr (cargo passes it on into the test log).
pub(super) fn say(line: String) {
    let _ = writeln!(std::io::stderr(), "{line}");
}
