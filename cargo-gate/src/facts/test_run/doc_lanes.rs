//! The doc tests in lanes (`doc_tests.rs`): cargo runs one crate's doc tests after another,
//! and rustdoc compiles a crate's doc tests on few cores, so the crates that run are spread
//! over as many `cargo test --doc` as cargo would run jobs (`CARGO_BUILD_JOBS` as cargo
//! reads it, else the processors), all started at once and joined into one run: one
//! log (each lane with its command line), the first failure's exit status, what the run
//! directory holds once the last lane ended.

use super::doc_tests::{BESIDE, ELSEWHERE, LANE_ENV};
use super::model::{Runner, TestRun};
use crate::cache::{Fresh, Keep};
use std::process::Command;
use std::time::Instant;

/// The doc tests' run of one lane, or of the only one.
type Run = Fresh<Result<TestRun, String>>;

/// How many lanes the doc tests may take: as many as cargo would run jobs (`jobs_of`).
pub(super) fn jobs() -> usize {
    jobs_of(
        std::env::var("CARGO_BUILD_JOBS").ok().as_deref(),
        std::thread::available_parallelism().map_or(1, usize::from),
    )
}

/// As cargo reads `CARGO_BUILD_JOBS`: a positive number is the jobs, a negative one the
/// processors it leaves free (one job at least), anything else (`default`) the processors.
fn jobs_of(cargo_build_jobs: Option<&str>, processors: usize) -> usize {
    match cargo_build_jobs.and_then(|jobs| jobs.trim().parse::<isize>().ok()) {
        Some(jobs) if jobs > 0 => jobs.unsigned_abs(),
        Some(jobs) if jobs < 0 => processors.saturating_sub(jobs.unsigned_abs()).max(1),
        _ => processors,
    }
}

/// Runs `command` once per lane, the lanes at once (`run_tests` watches each as it watches
/// any test run), and joins their runs in lane order. One lane runs as the command is.
pub(super) fn run_lanes(
    command: impl Fn() -> Command,
    lanes: usize,
    run_tests: &(impl Fn(Command) -> Run + Sync),
    offline: bool,
) -> Run {
    let ran: Vec<(Run, Instant)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..lanes.max(1))
            .map(|lane| {
                let mut cmd = command();
                cmd.env(LANE_ENV, lane.to_string());
                scope.spawn(move || {
                    let mut run = run_tests(cmd);
                    if let (Ok(run), true) = (&mut run.value, lanes > 1) {
                        run.captured.command_line =
                            format!("{LANE_ENV}={lane} {}", run.captured.command_line);
                    }
                    (run, Instant::now())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    let unrun = unrun(ran.iter().filter_map(|(run, _)| run.value.as_ref().ok()));
    let mut run = if ran.len() == 1 {
        ran.into_iter().next().expect("one lane").0
    } else {
        joined(ran, offline)
    };
    // Whether the run is kept is judged once it is joined to the binaries' (`with_doc_tests`).
    if let (Ok(joined), false) = (&mut run.value, unrun.is_empty()) {
        fail_closed(joined, &unrun);
    }
    run
}

/// Whether the doc tests' run `docs` failed beside a cargo call that compiled, and of that
/// alone: the build before them compiled everything the calls need, unless a build script
/// runs on every build (its `rerun-if-changed` file missing), and then each call rebuilds
/// the libraries while another lane's doc tests link them ("extern location for … does not
/// exist", a crate "compiled by an incompatible version"). The binaries' call compiled (a
/// `Compiling` line of cargo's before its first test binary ran, which no test can print),
/// and every failure of the doc tests is rustc's about a library it links ([`LINK_RACE`]),
/// not a test's: a failure the gate's own concurrency made, and the doc tests run again,
/// alone ([`after_race`]). A run stopped at the time limit is not run again.
pub(super) fn raced(binaries: &Run, docs: &Run) -> bool {
    let compiled = binaries.value.as_ref().is_ok_and(|r| {
        r.captured
            .log
            .lines()
            .map(str::trim_start)
            .take_while(|l| {
                !["Running ", "Starting ", "Doc-tests "]
                    .iter()
                    .any(|p| l.starts_with(p))
            })
            .any(|l| l.starts_with("Compiling "))
    });
    let failed = docs.value.as_ref().is_ok_and(|r| {
        r.captured.code != Some(0)
            && r.captured.stopped.is_none()
            && r.over_limit.is_none()
            && link_race_alone(&r.captured.log)
    });
    compiled && failed
}

/// Whether a build script of a member of the build runs on every build: its last run asked
/// to run again when a path changed that does not exist (`rerun-if-changed`), and cargo
/// counts such a script stale on every call. Each cargo call of the test run then rebuilds
/// the libraries the doc tests link, and lanes beside the binaries' call race it (CI's stop
/// 79; [`raced`]): the doc tests run after the binaries instead, in one lane, as `cargo
/// test` runs them. `member_dir`: a member's directory by package name (a dependency's
/// script is read for absolute paths alone).
pub(super) fn rebuilds_every_call<'p>(
    out_dirs: &[(String, std::path::PathBuf)],
    member_dir: impl Fn(&str) -> Option<&'p std::path::Path>,
) -> bool {
    out_dirs.iter().any(|(package, out_dir)| {
        let read = crate::cache::discover::Read::of_script(out_dir, member_dir(package));
        read.files.iter().any(|path| !path.exists())
    })
}

/// What rustc (or its linker) says of a library it links that a rebuild replaced, or was
/// writing, under it.
const LINK_RACE: [&str; 18] = [
    "extern location for",
    "linking with `cc` failed",
    "undefined reference to",
    "undefined symbol:",
    "found possibly newer version of crate",
    "can't find crate for",
    "found invalid metadata files for crate",
    "multiple candidates for `rlib` dependency",
    "error[E0460]",
    "error[E0463]",
    "error[E0464]",
    "error[E0786]",
    ".rlib: No such file or directory",
    ".rmeta: No such file or directory",
    ".rlib: file truncated",
    "archive has no index",
    "malformed archive",
    "failed to open archive",
];

/// Whether every failing doc test's output (libtest's `---- NAME stdout ----` blocks) is a
/// failure to build it ([`unbuilt`]), or, with no such block, an error line of rustc's
/// says [`LINK_RACE`]: a doc test whose executable ran is never run again.
fn link_race_alone(log: &str) -> bool {
    let blocks: Vec<String> = failure_blocks(log).into_iter().map(|(_, b)| b).collect();
    // Where libtest printed no failure of a doc test (`--nocapture` in `rustdocflags`: no
    // blocks at all), only rustc's own error is the race (a diagnostic line, not a warning a
    // build script printed).
    let diagnosed = !blocks.is_empty()
        || log
            .lines()
            .any(|l| l.starts_with("error") && LINK_RACE.iter().any(|s| l.contains(s)));
    // A doc test whose executable ran says so even where it printed no block (with
    // `--nocapture`): then it is never run again, whatever its output says.
    let ran = log
        .lines()
        .any(|l| l.trim_start().starts_with("Test executable failed"));
    diagnosed && !ran && blocks.iter().all(|b| unbuilt(b))
}

/// libtest's failure blocks in `log`: each `---- NAME ----` heading's name (` stdout` taken
/// off) and the lines under it, up to the next heading, `failures:` or `test result:`.
fn failure_blocks(log: &str) -> Vec<(String, String)> {
    let mut blocks: Vec<(String, String)> = Vec::new();
    let mut open = false;
    for line in log.lines() {
        let trimmed = line.trim();
        if let Some(name) = trimmed
            .strip_prefix("---- ")
            .and_then(|h| h.strip_suffix(" ----"))
        {
            let name = name.strip_suffix(" stdout").unwrap_or(name);
            blocks.push((name.to_owned(), String::new()));
            open = true;
        } else if trimmed == "failures:" || trimmed.starts_with("test result:") {
            open = false;
        } else if let (true, Some((_, block))) = (open, blocks.last_mut()) {
            block.push_str(line);
            block.push('\n');
        }
    }
    blocks
}

/// Whether a failing doc test's block is rustdoc's for a test that was never run: no
/// executable ran (one that ran opens its block with `Test executable failed`, before
/// anything it printed, and a test's words never make it a race), and rustc says
/// [`LINK_RACE`] or rustdoc closes with `Couldn't compile the test.` rustc's words for a
/// library replaced under it are many (on CI's two loaded cores, two passing doc tests
/// failed beside a rebuild and were not run again: words outside [`LINK_RACE`]); a doc
/// test that truly does not compile fails the run again, alone.
fn unbuilt(block: &str) -> bool {
    let mut lines = block.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or_default();
    let last = lines.next_back().unwrap_or(first);
    !first.starts_with("Test executable failed")
        && (LINK_RACE.iter().any(|s| block.contains(s)) || last == "Couldn't compile the test.")
}

/// Marks the first attempt's lines in a log that holds them beside the run that counts:
/// never a heading, a result or an error the log's readers take (they read a line from its
/// first word on).
const FIRST_ATTEMPT: &str = "  [first attempt] ";

/// `again`, the doc tests run alone after `raced` failed beside a cargo call that compiled
/// ([`raced`]): its log opens with why, then the first attempt's log, every line marked
/// ([`FIRST_ATTEMPT`]) so that nothing in it is counted; what `again` found is the result.
pub(super) fn after_race(raced: Run, mut again: Run) -> Run {
    let failed = raced.value.as_ref().map_or(Vec::new(), |r| {
        (failure_blocks(&r.captured.log).into_iter())
            .map(|(name, _)| name)
            .collect()
    });
    let first = raced.value.as_ref().map_or(String::new(), |r| {
        std::iter::once(format!("$ {}", r.captured.command_line))
            .chain(r.captured.log.lines().map(str::to_owned))
            .map(|line| format!("{FIRST_ATTEMPT}{line}\n"))
            .collect()
    });
    if let Ok(run) = &mut again.value {
        // Passed alone: a race, or a doc test that fails the first time; no pass is claimed.
        if run.captured.code == Some(0) {
            run.raced = match failed.is_empty() {
                true => vec!["the doc tests".to_owned()],
                false => failed,
            };
            again.keep = Keep::Not;
        }
        run.captured.log = format!(
            "cargo-gate: the doc tests ran again, alone: they failed beside a cargo call that \
             compiled (a build script that runs on every build has each cargo call rebuild \
             the libraries the doc tests link); the first attempt:\n{first}{}",
            run.captured.log
        );
    }
    again
}

/// The crates whose doc tests cargo started in the lanes' runs (its `Doc-tests NAME`
/// headings) but no lane ran: every lane's stand-in said they ran in another. The lane is
/// told to the stand-in through the environment, which a workspace can reach (a build
/// script's `cargo:rustc-env`, cargo's `[env]`, a plan rewritten by a test): what it cannot
/// do is keep cargo from printing the heading, so a crate that ran nowhere is found here.
fn unrun<'r>(runs: impl Iterator<Item = &'r TestRun>) -> Vec<String> {
    let mut ran: Vec<(String, usize)> = Vec::new();
    for run in runs {
        for (name, deferred) in segments(&run.captured.log) {
            let count = usize::from(!deferred);
            match ran.iter_mut().find(|(n, _)| *n == name) {
                Some((_, n)) => *n += count,
                None => ran.push((name, count)),
            }
        }
    }
    ran.into_iter()
        .filter(|(_, count)| *count == 0)
        .map(|(name, _)| name)
        .collect()
}

/// Each crate's doc tests in one lane's log, in order: its name, and whether the stand-in
/// only said another lane runs them (the heading followed by that line alone).
fn segments(log: &str) -> Vec<(String, bool)> {
    let mut segments: Vec<(String, Vec<&str>)> = Vec::new();
    for line in log.lines() {
        match line.trim().strip_prefix("Doc-tests ") {
            Some(name) => segments.push((name.trim().to_owned(), Vec::new())),
            None => {
                if let Some((_, body)) = segments.last_mut()
                    && !line.trim().is_empty()
                {
                    body.push(line.trim());
                }
            }
        }
    }
    segments
        .into_iter()
        .map(|(name, body)| {
            let deferred =
                matches!(body.as_slice(), [only] if only.starts_with(ELSEWHERE) || only.starts_with(BESIDE));
            (name, deferred)
        })
        .collect()
}

/// A run whose doc tests some crate's lane never ran: not evidence of them, and a failure
/// (the workspace's environment chose the lane), with why at the end of its log.
fn fail_closed(run: &mut TestRun, unrun: &[String]) {
    let captured = &mut run.captured;
    if captured.code == Some(0) {
        captured.code = Some(101);
    }
    captured.log.push_str(&format!(
        "\ncargo-gate: the doc tests of {} ran in no lane: every lane's rustdoc stand-in was \
         told another lane runs them (the lane reaches it through the environment, which the \
         workspace set: a build script's `cargo:rustc-env`, cargo's `[env]`, or a test that \
         rewrote the plan); the doc-test run is not evidence and fails. Fix: remove what sets \
         a `CARGO_GATE_` variable for rustdoc\n",
        unrun.join(", ")
    ));
}

/// The lanes' runs as one, in lane order; the run directory's files as the lane that ended
/// last found them (every other lane had ended by then).
fn joined(ran: Vec<(Run, Instant)>, offline: bool) -> Run {
    let last = ran
        .iter()
        .enumerate()
        .max_by_key(|(_, (_, ended))| *ended)
        .map_or(0, |(lane, _)| lane);
    let mut files = Vec::new();
    let mut runs = Vec::new();
    for (lane, (mut run, _)) in ran.into_iter().enumerate() {
        if lane == last {
            files = std::mem::take(&mut run.files);
        }
        runs.push(run);
    }
    // Started at once: `&` between their command lines, as a shell writes it.
    let command_lines: Vec<String> = runs
        .iter()
        .filter_map(|run| run.value.as_ref().ok())
        .map(|run| run.captured.command_line.clone())
        .collect();
    let mut runs = runs.into_iter();
    let first = runs.next().expect("more than one lane");
    let mut run = runs.fold(first, |all, next| {
        with_doc_tests(all, next, offline, Runner::CargoTest)
    });
    if let Ok(run) = &mut run.value {
        run.captured.command_line = command_lines.join(" & ");
    }
    run.files = files;
    run
}

/// Whether cargo refused the doc-test run for want of a library (`error: no library targets
/// found`, a workspace of binaries run under nextest): its own error line, and no crate's
/// doc tests started (a `Doc-tests` heading). A doc test that prints the same words, failing
/// or replayed, never passes for it: cargo printed its heading first.
fn no_library_targets(code: Option<i32>, log: &str) -> bool {
    code != Some(0)
        && log
            .lines()
            .any(|l| l.starts_with("error: no library targets found"))
        && !log
            .lines()
            .any(|l| l.trim_start().starts_with("Doc-tests "))
}

/// The run of the test binaries followed by the doc tests' run, as one run: one log (each
/// command with its own command line), the first failure's exit status, judged again whole.
/// A workspace whose libraries have no doc tests to run (cargo: "no library targets found")
/// adds nothing.
pub(super) fn with_doc_tests(
    binaries: Fresh<Result<TestRun, String>>,
    docs: Fresh<Result<TestRun, String>>,
    offline: bool,
    runner: Runner,
) -> Fresh<Result<TestRun, String>> {
    // The binaries' run says itself why it could not run (the doc tests ran beside it).
    let mut run = match binaries.value {
        Ok(run) => run,
        Err(e) => return Fresh::of(Err(e), Keep::Not),
    };
    let Ok(doc) = docs.value else {
        return Fresh::of(Err("could not run the doc tests".to_owned()), Keep::Not);
    };
    if no_library_targets(doc.captured.code, &doc.captured.log) {
        return Fresh {
            files: binaries.files,
            read: binaries.read,
            ..Fresh::of(Ok(run), binaries.keep)
        };
    }
    let first = &mut run.captured;
    // After nextest the doc tests' log is told apart by its own opening (`parse.rs`).
    let opening = match runner {
        Runner::CargoTest => "\n$ ",
        Runner::Nextest => super::parse::DOC_TESTS_AFTER,
    };
    first.log = format!(
        "{}{opening}{}\n{}",
        first.log.trim_end_matches('\n'),
        doc.captured.command_line,
        doc.captured.log
    );
    first.command_line = format!("{} && {}", first.command_line, doc.captured.command_line);
    if first.code == Some(0) {
        first.code = doc.captured.code;
    }
    first.stopped = first.stopped.take().or(doc.captured.stopped);
    run.over_limit = run.over_limit.or(doc.over_limit);
    run.raced.extend(doc.raced);
    let keep = run.keep(runner, offline);
    Fresh {
        files: docs.files,
        read: binaries.read,
        ..Fresh::of(Ok(run), keep)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::cargo::Captured;

    fn lane(log: &str, code: i32, file: &str) -> Run {
        let run = TestRun::of(
            Captured {
                command_line: "cargo test --doc".to_owned(),
                code: Some(code),
                log: log.to_owned(),
                stopped: None,
            },
            None,
        );
        Fresh {
            files: vec![(file.to_owned(), Vec::new())],
            ..Fresh::of(Ok(run), Keep::Passed)
        }
    }

    #[test]
    fn lanes_join_in_order_with_the_first_failure_and_the_last_lanes_files() {
        let start = Instant::now();
        let later = start + std::time::Duration::from_millis(5);
        let ran = vec![
            (lane("Doc-tests a\ntest a ... ok\n", 0, "early"), later),
            (lane("Doc-tests b\ntest b ... FAILED\n", 101, "late"), start),
        ];
        let run = joined(ran, true);
        let joined = run.value.as_ref().unwrap();
        let log = &joined.captured.log;
        assert!(log.find("test a ... ok").unwrap() < log.find("test b ... FAILED").unwrap());
        assert_eq!(
            joined.captured.code,
            Some(101),
            "a failing lane fails the run"
        );
        assert_eq!(run.keep, Keep::Failed);
        assert_eq!(
            run.files[0].0, "early",
            "the lane that ended last found every file"
        );
    }

    /// Doc tests run again alone only where cargo compiled before the binaries ran and no
    /// failing doc test's executable ran (the thirty-second session's hostile pass: a test
    /// printing `Compiling`, or a failing doc test saying it, gave a failing doc test a
    /// second chance, READY).
    #[test]
    fn only_cargos_rebuild_and_rustcs_link_errors_run_the_doc_tests_again() {
        let compiled = "   Compiling a v0.1.0 (/w/a)\n     Running unittests src/lib.rs (t/a-1)\n";
        let printed = "     Running unittests src/lib.rs (t/a-1)\n   Compiling fixture v0.1.0\n";
        let link = "   Doc-tests b\n---- b/src/lib.rs - f (line 3) stdout ----\nerror: extern \
                     location for a does not exist: t/liba.rlib\n\nfailures:\n";
        let own = format!("{link}---- b/src/lib.rs - g (line 9) stdout ----\nassertion failed\n");
        let said = "   Doc-tests b\n---- b/src/lib.rs - g (line 9) stdout ----\nthe cache was \
                    cold\n   Compiling cache v0.1.0\n\nfailures:\n";
        let case =
            |binaries: &str, docs: &str| raced(&lane(binaries, 0, "f"), &lane(docs, 101, "f"));
        assert!(case(compiled, link));
        assert!(!case(printed, link), "a test's own `Compiling`");
        assert!(!case(compiled, &own), "a doc test that failed on its own");
        assert!(
            !case(printed, said) && !case(compiled, said),
            "a doc test's own words"
        );
        assert!(
            !raced(&lane(compiled, 0, "f"), &lane(link, 0, "f")),
            "nothing failed"
        );
        // `--nocapture`: no block; a warning's words are no error of rustc's.
        let bare = "warning: can't find crate for `x`\ntest b/src/lib.rs - g (line 9) ... FAILED\n";
        assert!(!case(compiled, bare), "no block, and a warning's words");
        let rustdoc = "error: extern location for a does not exist: t/liba.rlib\nerror: doctest \
                       failed, to rerun pass `-p b --doc`\n";
        assert!(
            case(compiled, rustdoc),
            "rustdoc itself failed on the library"
        );
    }

    /// A doc test rustdoc could not compile, whatever rustc's words, runs again alone (CI's
    /// loaded cores failed two with words the list lacked); one whose executable ran never
    /// does, whatever it printed.
    #[test]
    fn doc_tests_that_never_compiled_run_again_and_ones_that_ran_never_do() {
        let compiled = "   Compiling a v0.1.0 (/w/a)\n     Running unittests src/lib.rs (t/a-1)\n";
        let block = |body: &str| {
            format!(
                "   Doc-tests b\n---- b/src/lib.rs - f (line 3) stdout ----\n{body}\nfailures:\n"
            )
        };
        let case = |docs: &str| raced(&lane(compiled, 0, "f"), &lane(docs, 101, "f"));
        let words = "error: a rustc message no list holds\n\nerror: aborting due to 1 previous \
                     error\n\nCouldn't compile the test.\n";
        assert!(case(&block(words)), "rustc's words, any of them");
        let ran = "Test executable failed (exit status: 101).\n\nstdout:\nerror: extern \
                   location for a does not exist\nCouldn't compile the test.\n";
        assert!(!case(&block(ran)), "a test's own words, after it ran");
        let both = format!("{}{}", block(words), block(ran));
        assert!(!case(&both), "one doc test that ran and failed");
        // `--nocapture`: no block, but rustdoc still says the executable ran.
        let bare = "error[E0463]: can't find crate for `dt`\nTest executable failed (exit \
                    status: 101).\ntest dt/src/lib.rs - one (line 3) ... FAILED\n";
        assert!(!case(bare), "a test's own words, without a block");
    }

    /// A script runs on every build where a `rerun-if-changed` path its last run printed is
    /// missing: relative to its member's directory, or absolute; a dependency's relative
    /// path is not read.
    #[test]
    fn a_missing_rerun_path_is_a_script_that_runs_on_every_build() {
        let dir = tempfile::tempdir().unwrap();
        let member = dir.path().join("a");
        std::fs::create_dir_all(member.join("src")).unwrap();
        let out = dir.path().join("build/a-1/out");
        std::fs::create_dir_all(&out).unwrap();
        let script =
            |text: &str| std::fs::write(dir.path().join("build/a-1/output"), text).unwrap();
        let dirs = vec![("a".to_owned(), out.clone())];
        let as_member = |name: &str| (name == "a").then_some(member.as_path());
        script("cargo:rerun-if-changed=src\ncargo::rerun-if-changed=build.rs.missing\n");
        assert!(rebuilds_every_call(&dirs, as_member));
        script("cargo:rerun-if-changed=src\ncargo:rustc-env=X=1\n");
        assert!(!rebuilds_every_call(&dirs, as_member));
        let absent = dir.path().join("no-such-file");
        script(&format!("cargo:rerun-if-changed={}\n", absent.display()));
        assert!(
            rebuilds_every_call(&dirs, |_| None),
            "absolute, a dependency's"
        );
        script("cargo:rerun-if-changed=missing\n");
        assert!(
            !rebuilds_every_call(&dirs, |_| None),
            "relative, a dependency's"
        );
    }

    /// Doc tests that passed alone after failing beside a rebuild are named on the run and
    /// kept nowhere; a rerun that failed is the run's result as it is.
    #[test]
    fn a_pass_alone_is_named_and_never_kept() {
        let first = "   Doc-tests b\n---- b/src/lib.rs - f (line 3) stdout ----\nerror: x\n\
                     Couldn't compile the test.\n\nfailures:\n";
        let again = after_race(lane(first, 101, "f"), lane("test result: ok.\n", 0, "f"));
        assert_eq!(again.keep, Keep::Not);
        let run = again.value.unwrap();
        assert_eq!(run.raced, ["b/src/lib.rs - f (line 3)"]);
        assert_eq!(run.keep(Runner::CargoTest, false), Keep::Not);
        let failed = after_race(lane(first, 101, "f"), lane(first, 101, "f"));
        assert!(failed.value.unwrap().raced.is_empty());
    }

    #[test]
    fn a_crate_every_lane_deferred_ran_nowhere() {
        let run = |log: &str| lane(log, 0, "f").value.unwrap();
        let said = format!("    {ELSEWHERE}1)");
        let first = run(&format!(
            "   Doc-tests a\nrunning 1 test\ntest a ... ok\n   Doc-tests b\n{said}\n   Doc-tests c\n{said}\n"
        ));
        let second = run(&format!(
            "   Doc-tests a\n{said}\n   Doc-tests b\n\nrunning 0 tests\n\n   Doc-tests c\n{said}\n"
        ));
        assert_eq!(unrun([&first, &second].into_iter()), ["c"]);
        // One lane that ran everything, and a crate whose own output repeats the line.
        let alone = run(&format!(
            "   Doc-tests a\nrunning 1 test\n{said}\ntest a ... ok\n"
        ));
        assert!(unrun(std::iter::once(&alone)).is_empty());
        let mut failed = first.clone();
        fail_closed(&mut failed, &["c".to_owned()]);
        assert_eq!(failed.captured.code, Some(101));
        assert!(
            failed
                .captured
                .log
                .contains("the doc tests of c ran in no lane")
        );
    }

    #[test]
    fn jobs_follow_cargo_build_jobs_else_the_processors() {
        assert_eq!(jobs_of(Some("3"), 8), 3);
        assert_eq!(jobs_of(Some(" 1 "), 8), 1);
        assert_eq!(jobs_of(Some("default"), 8), 8);
        assert_eq!(
            jobs_of(Some("-1"), 8),
            7,
            "a negative count leaves processors free"
        );
        assert_eq!(jobs_of(Some("-4"), 2), 1);
        assert_eq!(jobs_of(Some("0"), 2), 2);
        assert_eq!(jobs_of(None, 2), 2);
    }

    #[test]
    fn only_cargos_own_refusal_drops_the_doc_run() {
        let refused = "error: no library targets found in package `app`\n";
        assert!(no_library_targets(Some(101), refused));
        assert!(!no_library_targets(Some(0), refused));
        // A doc test that prints the words (failing, or replayed failing) is a failure.
        let failing = "   Doc-tests tool\n\nrunning 1 test\n\
                       error: no library targets found in package `x`\n\
                       test src/lib.rs - f (line 3) ... FAILED\n";
        assert!(!no_library_targets(Some(101), failing));
        assert!(!no_library_targets(
            Some(101),
            "no library targets found (quoted by a test)\n"
        ));
    }
}
