//! `tests.pass`: runs the workspace's tests (`cargo test --locked --workspace`, or
//! `cargo nextest run` when the workspace configures nextest and it is installed), counts
//! passed/failed/ignored, names every failing test, and keeps the full log.
//!
//! **One test that never ends** is stopped at `[tests] test-timeout` ([`TestClock`]) and named.
//! On stable Rust, libtest tells who is running only in three ways, and the clock reads all
//! three from the output as it is written:
//!
//! - `test NAME has been running for over 60 seconds`: NAME started 60 s before the line;
//! - with one test thread, `test NAME ... ` is printed when NAME starts;
//! - otherwise a test is named only when it ends. But a new test starts only when another
//!   ends, so when no result has come from a binary for the whole limit, every test it is
//!   still running started before that: each ran past the limit. The gate then asks the
//!   binary for its tests (`--list`): those not yet reported, the first as many as run at once
//!   (libtest starts them in that order), are the ones that ran past it.
//!
//! So a limit is enforced to within a poll when no other test of the binary keeps ending;
//! while others do, a test is named by libtest at 60 s and stopped at its limit or at 60 s,
//! whichever is later. The whole run is stopped (a group kill ends cargo and the test binary
//! together); the tests not run yet are counted as not run. Under nextest, nextest's own
//! `slow-timeout` is set to the limit (a tool config; the repository's `.config/nextest.toml`
//! wins where it sets one), and its `SLOW [> Ns] NAME` lines keep the same clock.

use crate::cache::{Fact, Fresh, Keep};
use crate::cargo::{self, Captured};
use crate::check::Status;
use crate::check::{
    Check, CheckMeta, Code, ConfigKey, Context, Finding, Location, Outcome, SkipKind,
};
use crate::facts::{
    NotBuilt, OverLimit, Ran, Resolve, Runner, TestResults, TestRun, TestRunFact, TestTally,
};
use crate::outcomes::{OTHER_TOOLCHAIN, TESTS_UNRESOLVED, build_failed, tests_not_run, unresolved};
use crate::stage::Stage;
use std::collections::HashSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The longest one test may run unless `[tests] test-timeout` says otherwise (defined with
/// the configuration, which the checks sit above).
pub use crate::config::DEFAULT_TEST_TIMEOUT;

/// The `tests.pass` check.
#[derive(Debug)]
pub struct TestsPass;

static META: CheckMeta = CheckMeta {
    id: "tests.pass",
    stage: Stage::Pilot,
    summary: "`cargo test --locked --workspace` (or nextest) is green; counts and log kept",
    fix: "fix the failing tests named in the findings; the full log is logs/tests.log in the run record",
    codes: &[
        Code {
            name: "test-failed",
            summary: "a test failed",
        },
        Code {
            name: "compile-error",
            summary: "a compile error, with its location",
        },
        Code {
            name: "build-failed",
            summary: "the workspace does not build",
        },
        Code {
            name: "test-binary-exited-early",
            summary: "a test binary exited before printing its result",
        },
        Code {
            name: "lockfile-refused",
            summary: "the test runner refused Cargo.lock (missing or out of date)",
        },
        Code {
            name: "tests-failed-to-run",
            summary: "the test command failed without a failing test",
        },
        Code {
            name: "flaky",
            summary: "the tests passed on inputs that failed in an earlier run",
        },
        Code {
            name: "test-timeout",
            summary: "a test ran past `[tests] test-timeout` and was stopped",
        },
    ],
    config: &[
        ConfigKey {
            key: "[tests] timeout",
            default: "\"30m\"",
            meaning: "the longest the build and the test run may take",
        },
        ConfigKey {
            key: "[tests] test-timeout",
            default: "\"5m\"",
            meaning: "the longest one test may run; a test past it is named and the run stopped",
        },
    ],
};

const LOG: &str = "logs/tests.log";

/// Test counts parsed from a test runner's output.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TestCounts {
    /// Tests that passed.
    pub passed: u64,
    /// Tests that failed.
    pub failed: u64,
    /// Tests ignored or skipped.
    pub ignored: u64,
    /// Names of failing tests, with the test binary when known, in output order.
    pub failures: Vec<String>,
    /// Names of passing tests (bare names, as the runner printed them).
    pub passes: Vec<String>,
    /// Whether any summary line was seen at all.
    pub saw_summary: bool,
    /// Test binaries that started running tests (libtest's `running N tests`) and ended
    /// without a `test result:` line: exited mid-run (`std::process::exit`, an abort), so
    /// their remaining tests never reported. `harness = false` targets print no `running`
    /// line and are not counted here.
    pub silent: Vec<String>,
    /// Tests the runner itself ended at their time limit (nextest's `TIMEOUT`).
    pub timed_out: Vec<String>,
}

impl Check for TestsPass {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        let run = ctx.facts.test_run(|| gather(ctx));
        judge(ctx, run)
    }
}

/// Judges the test run: what it could not do, or what it reported.
fn judge(ctx: &Context<'_>, run: &TestRunFact) -> Outcome {
    let ran = match run {
        TestRunFact::OtherToolchain(other) => {
            return Outcome::blocked(
                "toolchain.pinned",
                OTHER_TOOLCHAIN,
                Outcome::skip(SkipKind::Unavailable, other.clone()),
            );
        }
        TestRunFact::CouldNotRun(why) => return Outcome::skip(SkipKind::Unavailable, why.clone()),
        TestRunFact::NotBuilt => {
            return match ctx.facts.build(ctx.cargo) {
                Err(NotBuilt::NoCargo(e)) => Outcome::skip(SkipKind::Unavailable, e),
                Err(NotBuilt::Unresolved(resolve)) => {
                    Outcome::blocked("lockfile.locked", TESTS_UNRESOLVED, unresolved(resolve))
                }
                Ok(build) => build_failed(build).with_reuse(ctx.facts.build_reuse()),
            };
        }
        TestRunFact::Ran(ran) => ran,
    };
    let TestRun {
        captured,
        over_limit,
    } = &ran.run;
    let mut outcome = evaluate(
        captured,
        over_limit.as_ref(),
        ran.runner,
        ctx.cargo.offline(),
    )
    .with_reuse(ran.reused.as_ref())
    .with_reuse(ran.build_reuse.as_ref());
    if let Some(run) = &ran.failed_before {
        outcome = flaky(outcome, run);
    }
    // cargo failed and the lockfile does not resolve either (cargo test --locked cannot
    // have run a test then): that is the one cause, and lockfile.locked reports it.
    if ran.lockfile_unresolved {
        return Outcome::blocked("lockfile.locked", TESTS_UNRESOLVED, outcome);
    }
    outcome
}

/// Gathers the test run (the fact [`Facts::test_run`](crate::facts::Facts::test_run) keeps):
/// on the pinned toolchain only, after the shared build when there is one, through the
/// evidence cache.
fn gather(ctx: &Context<'_>) -> TestRunFact {
    if let Some(other) = other_toolchain(ctx) {
        return TestRunFact::OtherToolchain(other);
    }
    let runner =
        if ctx.workspace.root.join(".config/nextest.toml").is_file() && nextest_installed(ctx) {
            Runner::Nextest
        } else {
            Runner::CargoTest
        };
    let limit = ctx.config.test_timeout;
    // Kept until the run ends: nextest reads it when it starts.
    let nextest_config = match runner {
        Runner::Nextest => match nextest_tool_config(limit) {
            Ok(file) => Some(file),
            Err(e) => {
                return TestRunFact::CouldNotRun(format!(
                    "could not write nextest's time limit to a temporary file: {e}"
                ));
            }
        },
        Runner::CargoTest => None,
    };
    let cmd = match &nextest_config {
        Some(file) => {
            let tool = format!("cargo-gate:{}", file.path().display());
            ctx.cargo.command(
                "nextest",
                &[
                    "run",
                    "--locked",
                    "--workspace",
                    "--no-fail-fast",
                    "--tool-config-file",
                    &tool,
                ],
            )
        }
        None => ctx
            .cargo
            .command("test", &["--locked", "--workspace", "--no-fail-fast"]),
    };
    // The build is a fact of the run. When kernels.build needs it too (a package uses
    // gate-build) it is compiled once, up front, and shared; otherwise `cargo test`
    // compiles and runs in one go (no second cargo pass over the graph). Either way a
    // failure is reported by tests.pass, once, with the compiler's own error lines.
    let shared_build =
        ctx.facts.kernels_in_build() || !ctx.workspace.root.join("Cargo.lock").is_file();
    if shared_build && !ctx.facts.build(ctx.cargo).is_ok_and(|build| build.ok) {
        return TestRunFact::NotBuilt;
    }
    let build_reuse = shared_build
        .then(|| ctx.facts.build_reuse().cloned())
        .flatten();
    let runner_name = match runner {
        Runner::CargoTest => "cargo test",
        Runner::Nextest => "cargo nextest",
    };
    // The per-test limit decides what a run that hangs concludes: it is part of the key.
    let obtained = ctx.facts.cache().obtain(
        Fact::Tests,
        &[
            ("runner", runner_name.to_owned()),
            ("test-timeout", limit.as_millis().to_string()),
        ],
        |_: &Result<TestRun, String>| true,
        || run_tests(ctx, cmd, runner, limit),
    );
    drop(nextest_config);
    let run = match obtained.value {
        Ok(run) => run,
        Err(e) => return TestRunFact::CouldNotRun(format!("could not run cargo: {e}")),
    };
    if obtained.reused.is_some() {
        restore_run_files(ctx.run_dir, &obtained.files);
    }
    let counts = count(&run.captured.log, runner);
    let failed = !run.captured.success();
    let unavailable = (failed && !counts.saw_summary)
        .then(|| cargo::classify_unavailable(&run.captured.log, ctx.cargo.offline()))
        .flatten();
    let lockfile_unresolved =
        failed && matches!(ctx.facts.resolve(ctx.cargo), Ok(Resolve::Failed { .. }));
    TestRunFact::Ran(Box::new(Ran {
        results: results_of(&counts),
        run,
        runner,
        reused: obtained.reused,
        build_reuse,
        failed_before: obtained.failed_before,
        unavailable,
        lockfile_unresolved,
    }))
}

/// The counts in a runner's output.
fn count(log: &str, runner: Runner) -> TestCounts {
    match runner {
        Runner::CargoTest => parse_libtest(log),
        Runner::Nextest => parse_nextest(log),
    }
}

/// The names and counts `failure.paths` reads.
fn results_of(counts: &TestCounts) -> TestResults {
    TestResults {
        passed: counts.passes.clone(),
        failed: counts.failures.clone(),
        counts: TestTally {
            passed: counts.passed,
            failed: counts.failed,
            ignored: counts.ignored,
        },
    }
}

/// Why the tests would be evidence about another toolchain: the workspace pins a numbered
/// toolchain and the rustc that cargo runs (environment.json's `rustc -vV`) is another, as
/// when `cargo +stable gate` or `RUSTUP_TOOLCHAIN` overrides the pin (or the pin is not
/// installed and something else answers). A pass there says nothing about the pinned one.
fn other_toolchain(ctx: &Context<'_>) -> Option<String> {
    let (file, pin) = crate::cargo::numbered_pin(&ctx.workspace.root)?;
    let release = ctx.environment.rustc.get("release")?;
    if crate::cargo::release_is_pin(release, &pin) {
        return None;
    }
    let overridden = std::env::var("RUSTUP_TOOLCHAIN")
        .ok()
        .filter(|t| !t.is_empty())
        .map_or_else(String::new, |t| {
            format!(" (RUSTUP_TOOLCHAIN={t}, as `cargo +{t}` sets it, overrides {file})")
        });
    Some(format!(
        "cargo runs rustc {release}, not the {pin} that {file} pins{overridden}: tests there are \
         no evidence for the pinned toolchain; run the gate without the override, after \
         `rustup toolchain install {pin}` if it is not installed"
    ))
}

/// Runs the tests once: the fact the cache keeps, with what they left in the run directory.
fn run_tests(
    ctx: &Context<'_>,
    mut cmd: std::process::Command,
    runner: Runner,
    limit: Duration,
) -> Fresh<Result<TestRun, String>> {
    // Tools under test (gate-runtime) leave their decision logs and stats where the gate
    // says; the seed makes randomised tests replayable. The build saw the same values.
    let _ = std::fs::create_dir_all(ctx.run_dir);
    for (key, value) in ctx.facts.build_env() {
        cmd.env(key, value);
    }
    cmd.env("GATE_RUN_DIR", ctx.run_dir)
        .env("GATE_SEED", ctx.environment.seed.to_string());
    let mut clock = TestClock::new(limit, runner, ctx.workspace.root.clone());
    let captured = ctx
        .cargo
        .run_watched(cmd, &mut |new, now| clock.watch(new, now))
        .map_err(|e| e.to_string());
    let run = captured.map(|captured| TestRun {
        over_limit: clock.over_limit.take(),
        captured,
    });
    // A test stopped at the per-test limit is a verdict on the workspace: the test hung (a
    // deadlock, a loop, a wait on something that never comes) or is slower than the team
    // allows. It is kept as a failure like a failing assertion, so the same inputs do not
    // spend the limit again to learn the same thing; raising the limit changes the key, and
    // a later pass on the same inputs (`--no-cache`) is reported as flaky. The whole-run
    // `[tests] timeout` is not kept: it measures the machine and the suite's size as much as
    // any one test.
    let keep = keep_of(&run, runner, ctx.cargo.offline());
    // What compiling the tests read that the key cannot see (a git-ignored module, a file
    // outside the root, `env!`): asked of cargo only when the run is worth storing.
    let read = if keep == Keep::Not {
        Default::default()
    } else {
        ctx.facts.read_by_build(ctx.cargo)
    };
    Fresh {
        files: run_files(ctx.run_dir),
        read,
        ..Fresh::of(run, keep)
    }
}

/// Whether a test run is kept in the cache, and as what.
fn keep_of(run: &Result<TestRun, String>, runner: Runner, offline: bool) -> Keep {
    match run {
        Err(_) => Keep::Not,
        Ok(run) if run.over_limit.is_some() => Keep::Failed,
        Ok(TestRun { captured: c, .. }) if c.stopped.is_some() || c.code.is_none() => Keep::Not,
        Ok(TestRun { captured: c, .. }) => match evaluate(c, None, runner, offline).status {
            Status::Fail => Keep::Failed,
            Status::Skip => Keep::Not,
            _ => Keep::Passed,
        },
    }
}

/// Every file under the run directory, path relative to it (`/`-separated) and bytes.
fn run_files(run_dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = ignore::WalkBuilder::new(run_dir)
        .standard_filters(false)
        .build()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .filter_map(|e| {
            let rel = e.path().strip_prefix(run_dir).ok()?;
            let rel = rel.to_string_lossy().replace('\\', "/");
            Some((rel, std::fs::read(e.path()).ok()?))
        })
        .collect();
    files.sort();
    files
}

/// Puts back what the reused test run left in its run directory (decision logs, stats), so
/// the checks that read them judge the same evidence, and the record keeps it.
fn restore_run_files(run_dir: &std::path::Path, files: &[(String, Vec<u8>)]) {
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

/// A pass over inputs that failed in `run`: the same code both ways, so the pass proves
/// nothing on its own.
fn flaky(mut outcome: Outcome, run: &str) -> Outcome {
    if outcome.status != Status::Pass {
        return outcome;
    }
    outcome.status = Status::Inconclusive;
    outcome.summary = format!(
        "{}; but the same inputs failed in run {run}: a flaky test, or an input no build records",
        outcome.summary
    );
    outcome.findings.insert(
        0,
        Finding::warning(format!(
            "the tests passed here and failed in run {run} on the same inputs (sources, \
             lockfile, toolchain, environment, and every file and variable the build was seen \
             to read): a flaky test (its names are in that run's logs/tests.log), or the tests \
             read something no build records — a variable or a file read at run time: declare \
             it with `[cache] env` or `[cache] files`"
        ))
        .code("flaky"),
    );
    outcome
}

fn nextest_installed(ctx: &Context<'_>) -> bool {
    crate::process::output(ctx.cargo.command("nextest", &["--version"]))
        .is_ok_and(|o| o.status.success())
}

/// The artifact with the names of passed and failed tests (kept in the record; `failure.paths`
/// reads the same value, [`TestResults`], from the test-run fact).
pub const RESULTS: &str = "tests/results.json";

/// Turns a captured test run into an outcome; `over_limit` when the gate stopped it because
/// a test ran past `[tests] test-timeout`.
pub fn evaluate(
    captured: &Captured,
    over_limit: Option<&OverLimit>,
    runner: Runner,
    offline: bool,
) -> Outcome {
    let log = captured.log_file();
    let counts = count(&captured.log, runner);
    let runner_name = match runner {
        Runner::CargoTest => "cargo test",
        Runner::Nextest => "cargo nextest",
    };
    if !captured.success()
        && !counts.saw_summary
        && let Some(unavailable) = cargo::classify_unavailable(&captured.log, offline)
    {
        return Outcome::skip(SkipKind::Unavailable, tests_not_run(&unavailable))
            .with_artifact(LOG, log);
    }
    let tally = format!(
        "{} passed, {} failed, {} ignored",
        counts.passed, counts.failed, counts.ignored
    );
    let outcome = if let Some(over) = over_limit {
        let what = match over.tests.as_slice() {
            [] => format!("a test{}", of_binary(&over.binary)),
            [one] => format!("test `{one}`{}", in_binary(&over.binary)),
            many => format!("{} tests{}", many.len(), of_binary(&over.binary)),
        };
        Outcome::fail(format!(
            "{runner_name}: {what} ran past the per-test limit of {} and the run was stopped \
             ({tally} before it was stopped); if it needs longer, raise `[tests] test-timeout` \
             in gate.toml",
            over.limit
        ))
        .with_findings(over_limit_findings(over))
    } else if let Some(why) = &captured.stopped {
        Outcome::fail(format!(
            "{runner_name} {why} ({tally} before it was stopped); if the suite needs longer, \
             raise `[tests] timeout` in gate.toml"
        ))
    } else if !counts.silent.is_empty() {
        let findings = counts.silent.iter().map(|binary| {
            Finding::error(format!(
                "test binary {binary} exited before printing its result: tests after the \
                 exit never ran or never reported (a test calls std::process::exit or \
                 aborts)"
            ))
            .code("test-binary-exited-early")
            .subject(binary.clone())
        });
        Outcome::fail(format!(
            "{runner_name}: {} test binary(ies) ended without a result line ({tally})",
            counts.silent.len()
        ))
        .with_findings(findings)
    } else if !captured.success()
        && !counts.saw_summary
        && captured.log.contains("--locked was passed")
    {
        Outcome::fail(format!(
            "{runner_name} refused to run: Cargo.lock is missing or out of date (see lockfile.locked)"
        ))
        .with_finding(Finding::error(cargo::first_error(&captured.log)).code("lockfile-refused"))
    } else if counts.failed > 0 {
        let timed_out = counts.timed_out.iter().map(|name| {
            Finding::error(format!(
                "test `{name}` ran past its time limit and was ended by nextest (the gate sets \
                 nextest's slow-timeout to `[tests] test-timeout`; a slow-timeout in \
                 .config/nextest.toml takes precedence)"
            ))
            .code("test-timeout")
            .subject(name.clone())
        });
        let findings = counts.failures.iter().map(|name| {
            Finding::error(format!("test failed: {name}"))
                .code("test-failed")
                .subject(name.clone())
        });
        Outcome::fail(format!("{runner_name}: {tally}"))
            .with_findings(timed_out)
            .with_findings(findings)
    } else if !captured.success() {
        let compile_errors = compile_errors(&captured.log);
        let what = if compile_errors.is_empty() {
            format!(
                "{runner_name} exited with status {}",
                captured
                    .code
                    .map_or_else(|| "signal".to_owned(), |c| c.to_string())
            )
        } else {
            format!("{runner_name}: the tests did not build")
        };
        let mut outcome = Outcome::fail(format!("{what} ({tally})"));
        if compile_errors.is_empty() {
            // Not the compiler: cargo's own error (a build script that failed, a rust-version
            // the running rustc cannot build), with the cause that follows it.
            let errors = crate::facts::build_errors(&captured.log);
            if errors.is_empty() {
                outcome = outcome.with_finding(
                    Finding::error(cargo::first_error(&captured.log)).code("tests-failed-to-run"),
                );
            } else {
                outcome = outcome.with_findings(errors.into_iter().map(Finding::error));
            }
        }
        outcome.with_findings(compile_errors)
    } else if counts.passed == 0 {
        Outcome::warn(format!(
            "{runner_name} ran no test ({tally}): nothing shows the code works"
        ))
    } else {
        let mut summary = format!("{runner_name}: {tally}");
        if runner == Runner::Nextest {
            summary.push_str(" (doctests are not run by nextest)");
        }
        Outcome::pass(summary)
    };
    let json = serde_json::to_vec_pretty(&results_of(&counts)).expect("json");
    outcome.with_artifact(LOG, log).with_artifact(RESULTS, json)
}

/// Parses libtest output as printed by `cargo test`.
pub fn parse_libtest(log: &str) -> TestCounts {
    let mut counts = TestCounts::default();
    let mut binary = String::new();
    // Whether the current binary printed `running N tests` and is still owed its result.
    let mut owed = false;
    let settle = |binary: &str, owed: &mut bool, counts: &mut TestCounts| {
        if std::mem::take(owed) {
            counts.silent.push(binary.to_owned());
        }
    };
    for line in log.lines() {
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix("Running ") {
            settle(&binary, &mut owed, &mut counts);
            // "Running unittests src/lib.rs (target/debug/deps/app-123)" or "Running tests/x.rs (…)"
            binary = rest.split(" (").next().unwrap_or(rest).to_owned();
        } else if let Some(rest) = trimmed.strip_prefix("Doc-tests ") {
            settle(&binary, &mut owed, &mut counts);
            binary = format!("doctests {rest}");
        } else if trimmed.starts_with("running ")
            && (trimmed.ends_with(" tests") || trimmed.ends_with(" test"))
        {
            owed = true;
        } else if let Some(rest) = trimmed.strip_prefix("test ")
            && let Some(name) = rest.strip_suffix(" ... ok")
        {
            counts.passes.push(name.to_owned());
        } else if let Some(rest) = trimmed.strip_prefix("test ")
            && let Some(name) = rest.strip_suffix(" ... FAILED")
        {
            counts.failures.push(if binary.is_empty() {
                name.to_owned()
            } else {
                format!("{name} ({binary})")
            });
        } else if let Some(rest) = trimmed.strip_prefix("test result: ") {
            counts.saw_summary = true;
            owed = false;
            for part in rest.split(';') {
                let mut words = part.split_whitespace().rev();
                let (Some(what), Some(n)) = (words.next(), words.next()) else {
                    continue;
                };
                let Ok(n) = n.parse::<u64>() else { continue };
                match what {
                    "passed" => counts.passed += n,
                    "failed" => counts.failed += n,
                    "ignored" => counts.ignored += n,
                    _ => {}
                }
            }
        }
    }
    settle(&binary, &mut owed, &mut counts);
    counts
}

/// A nextest status line, `STATUS [ TIME] (COUNTER) BINARY TEST`: the status, what the
/// brackets hold, and the test (binary and name; the `(1/3)` counter newer nextest prints
/// dropped).
fn nextest_status(line: &str) -> Option<(&str, &str, &str)> {
    let (status, rest) = line.split_once(' ')?;
    if status.is_empty() || !status.chars().all(|c| c.is_ascii_uppercase()) {
        return None;
    }
    let (bracket, name) = rest.trim_start().strip_prefix('[')?.split_once("] ")?;
    let name = name.trim();
    let name = match name.strip_prefix('(') {
        Some(counted) => counted.split_once(") ").map_or(name, |(_, n)| n.trim()),
        None => name,
    };
    Some((status, bracket.trim(), name))
}

/// Parses cargo-nextest's output.
pub fn parse_nextest(log: &str) -> TestCounts {
    let mut counts = TestCounts::default();
    for line in log.lines() {
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix("Summary [") {
            // "Summary [   0.010s] 3 tests run: 2 passed, 1 failed, 1 skipped"
            counts.saw_summary = true;
            let Some((_, tail)) = rest.split_once("run:") else {
                continue;
            };
            for part in tail.split(',') {
                let mut words = part.split_whitespace();
                let (Some(n), Some(what)) = (words.next(), words.next()) else {
                    continue;
                };
                let Ok(n) = n.parse::<u64>() else { continue };
                match what {
                    "passed" => counts.passed += n,
                    "failed" | "timed" => counts.failed += n,
                    "skipped" => counts.ignored += n,
                    _ => {}
                }
            }
            continue;
        }
        let Some((status, _, name)) = nextest_status(trimmed) else {
            continue;
        };
        // The final summary repeats the failures: each is named once.
        let named = |list: &mut Vec<String>| {
            if !list.iter().any(|n| n == name) {
                list.push(name.to_owned());
            }
        };
        match status {
            "PASS" => counts.passes.push(name.to_owned()),
            "FAIL" => named(&mut counts.failures),
            "TIMEOUT" => named(&mut counts.timed_out),
            _ => {}
        }
    }
    counts
}

/// nextest's settings that carry `[tests] test-timeout`: a tool config (below the
/// repository's own `.config/nextest.toml`, which wins where it sets `slow-timeout`).
fn nextest_tool_config(limit: Duration) -> std::io::Result<tempfile::NamedTempFile> {
    use std::io::Write;
    let mut file = tempfile::Builder::new()
        .prefix("cargo-gate-nextest-")
        .suffix(".toml")
        .tempfile()?;
    writeln!(
        file,
        "[profile.default]\nslow-timeout = {{ period = \"{}ms\", terminate-after = 1 }}",
        limit.as_millis()
    )?;
    file.flush()?;
    Ok(file)
}

fn over_limit_findings(over: &OverLimit) -> Vec<Finding> {
    let advice = format!(
        "ran past the per-test limit of {} and was stopped with the rest of the run; if it \
         needs longer, raise `[tests] test-timeout` in gate.toml",
        over.limit
    );
    if over.tests.is_empty() {
        return vec![
            Finding::error(format!(
                "a test{} {advice} (no result came from the binary for the whole limit, and \
                 it could not be asked which tests it still ran)",
                of_binary(&over.binary)
            ))
            .code("test-timeout")
            .subject(over.binary.clone()),
        ];
    }
    over.tests
        .iter()
        .map(|name| {
            Finding::error(format!("test `{name}`{} {advice}", in_binary(&over.binary)))
                .code("test-timeout")
                .subject(name.clone())
        })
        .collect()
}

/// ` (BINARY)` after a test's name; nothing when the binary is not known (nextest names it in
/// the test's name).
fn in_binary(binary: &str) -> String {
    if binary.is_empty() {
        String::new()
    } else {
        format!(" ({binary})")
    }
}

/// ` of BINARY`, or nothing.
fn of_binary(binary: &str) -> String {
    if binary.is_empty() {
        String::new()
    } else {
        format!(" of {binary}")
    }
}

/// libtest's warning about a test still running: `test NAME has been running for over N
/// seconds` (N is 60 in every libtest so far).
fn libtest_still_running(line: &str) -> Option<(&str, Duration)> {
    let rest = line.strip_prefix("test ")?;
    let (name, tail) = rest.split_once(" has been running for over ")?;
    let secs: u64 = tail.strip_suffix(" seconds")?.trim().parse().ok()?;
    Some((name, Duration::from_secs(secs)))
}

/// A libtest result line, `test NAME ... RESULT`: the name (without ` - should panic`) and the
/// result (empty while a single-threaded run is still running it).
fn libtest_result(line: &str) -> Option<(&str, &str)> {
    let rest = line.strip_prefix("test ")?;
    let (name, result) = rest
        .split_once(" ... ")
        .or_else(|| rest.strip_suffix(" ...").map(|name| (name, "")))?;
    let name = name.strip_suffix(" - should panic").unwrap_or(name);
    Some((name, result.trim()))
}

/// The test binary being watched: what libtest (or nextest) has said about its tests.
#[derive(Debug, Default)]
struct Binary {
    /// As cargo names it (`tests/hang.rs`).
    name: String,
    /// Its executable, from cargo's `Running … (PATH)` line.
    path: Option<PathBuf>,
    /// While the binary owes results (after `running N tests`): when a test last could have
    /// started (that line, or the last result).
    owed_since: Option<Instant>,
    /// The tests that reported a result.
    reported: HashSet<String>,
    /// Tests the runner said are running, with when each started.
    running: Vec<(String, Instant)>,
}

/// Watches a test run's output as it is written and says when a test has run past the
/// per-test limit (see the module documentation for what stable Rust lets it see).
#[derive(Debug)]
pub struct TestClock {
    limit: Duration,
    runner: Runner,
    root: PathBuf,
    /// How many tests a libtest binary runs at once (`RUST_TEST_THREADS`, else the CPUs).
    threads: usize,
    /// The line being written, and when it was first seen.
    partial: Vec<u8>,
    partial_since: Option<Instant>,
    /// A line too long to be one of the runner's is skipped to its end.
    overlong: bool,
    binary: Binary,
    /// Set when the limit was reached.
    pub over_limit: Option<OverLimit>,
}

impl TestClock {
    /// A clock for a run of `runner` in `root`.
    pub fn new(limit: Duration, runner: Runner, root: PathBuf) -> TestClock {
        let threads = std::env::var("RUST_TEST_THREADS")
            .ok()
            .and_then(|t| t.trim().parse().ok())
            .filter(|&t: &usize| t > 0)
            .or_else(|| std::thread::available_parallelism().ok().map(usize::from))
            .unwrap_or(1);
        TestClock {
            limit,
            runner,
            root,
            threads,
            partial: Vec::new(),
            partial_since: None,
            overlong: false,
            binary: Binary::default(),
            over_limit: None,
        }
    }

    /// Takes what the run wrote since the last call; returns why to stop it, once a test has
    /// run past the limit.
    pub fn watch(&mut self, new: &[u8], now: Instant) -> Option<String> {
        const LONGEST_LINE: usize = 64 * 1024;
        let mut rest = new;
        while let Some(end) = memchr::memchr(b'\n', rest) {
            self.partial.extend_from_slice(&rest[..end]);
            rest = &rest[end + 1..];
            let line = std::mem::take(&mut self.partial);
            if !std::mem::take(&mut self.overlong) {
                self.line(String::from_utf8_lossy(&line).trim(), now);
            }
            self.partial_since = None;
        }
        self.partial.extend_from_slice(rest);
        if self.partial.len() > LONGEST_LINE {
            self.partial.clear();
            self.overlong = true;
        }
        if self.partial.is_empty() {
            self.partial_since = None;
        } else if self.partial_since.is_none() {
            self.partial_since = Some(now);
        }
        self.check(now)
    }

    fn line(&mut self, line: &str, now: Instant) {
        if self.runner == Runner::Nextest {
            if let Some((status, bracket, name)) = nextest_status(line) {
                self.nextest(status, bracket, name, now);
            }
            return;
        }
        if let Some(rest) = line.strip_prefix("Running ") {
            // "Running unittests src/lib.rs (target/debug/deps/app-1234)"
            let (name, path) = match rest.rsplit_once(" (") {
                Some((name, path)) => (name, path.strip_suffix(')')),
                None => (rest, None),
            };
            self.binary = Binary {
                name: name.to_owned(),
                path: path.map(|p| self.root.join(p)),
                ..Binary::default()
            };
        } else if let Some(rest) = line.strip_prefix("Doc-tests ") {
            self.binary = Binary {
                name: format!("doctests {rest}"),
                ..Binary::default()
            };
        } else if line.starts_with("running ")
            && (line.ends_with(" tests") || line.ends_with(" test"))
        {
            self.binary.owed_since = Some(now);
        } else if line.starts_with("test result: ") {
            self.binary.owed_since = None;
            self.binary.running.clear();
        } else if let Some((name, after)) = libtest_still_running(line) {
            if !self.binary.running.iter().any(|(n, _)| n == name) {
                let started = now.checked_sub(after).unwrap_or(now);
                self.binary.running.push((name.to_owned(), started));
            }
        } else if let Some((name, result)) = libtest_result(line)
            && !result.is_empty()
        {
            self.binary.running.retain(|(n, _)| n != name);
            self.binary.reported.insert(name.to_owned());
            if self.binary.owed_since.is_some() {
                self.binary.owed_since = Some(now);
            }
        }
    }

    fn nextest(&mut self, status: &str, bracket: &str, name: &str, now: Instant) {
        match status {
            // "SLOW [> 60.000s] (───) app tests::spins": running that long.
            "SLOW" => {
                let secs = bracket
                    .trim_start_matches('>')
                    .trim()
                    .trim_end_matches('s')
                    .parse::<f64>()
                    .ok()
                    .and_then(|s| Duration::try_from_secs_f64(s).ok())
                    .unwrap_or_default();
                let started = now.checked_sub(secs).unwrap_or(now);
                match self.binary.running.iter_mut().find(|(n, _)| n == name) {
                    Some((_, since)) => *since = (*since).min(started),
                    None => self.binary.running.push((name.to_owned(), started)),
                }
            }
            "START" | "TERMINATING" | "RETRY" | "TRY" => {}
            _ => self.binary.running.retain(|(n, _)| n != name),
        }
    }

    fn check(&mut self, now: Instant) -> Option<String> {
        if self.over_limit.is_some() {
            return None;
        }
        let past = |since: Instant| now.saturating_duration_since(since) >= self.limit;
        let mut over: Vec<String> = self
            .binary
            .running
            .iter()
            .filter(|(_, since)| past(*since))
            .map(|(name, _)| name.clone())
            .collect();
        if self.runner == Runner::CargoTest && self.binary.owed_since.is_some() {
            // One test thread: `test NAME ... ` is printed as NAME starts.
            let partial = String::from_utf8_lossy(&self.partial);
            let starting = match libtest_result(partial.trim()) {
                Some((name, "")) => self.partial_since.map(|since| (name.to_owned(), since)),
                _ => None,
            };
            if let Some((name, since)) = &starting
                && past(*since)
                && !over.contains(name)
            {
                over.push(name.clone());
            }
            // No result for the whole limit: every test still running started before it.
            if over.is_empty() && self.binary.owed_since.is_some_and(past) {
                over = self.binary.running.iter().map(|(n, _)| n.clone()).collect();
                over.extend(starting.map(|(name, _)| name));
                if over.is_empty() {
                    over = self.still_running();
                }
                return Some(self.stop(over));
            }
        }
        if over.is_empty() {
            return None;
        }
        Some(self.stop(over))
    }

    /// The binary's tests that have not reported, the first `threads` of them (libtest starts
    /// them in the order it lists them): the ones it is running. Empty when it cannot say.
    fn still_running(&self) -> Vec<String> {
        let Some(path) = &self.binary.path else {
            return Vec::new();
        };
        let mut cmd = std::process::Command::new(path);
        cmd.args(["--list", "--format", "terse"])
            .current_dir(&self.root);
        let Ok(out) = crate::process::output_for(cmd, Duration::from_secs(30)) else {
            return Vec::new();
        };
        if !out.status.success() {
            return Vec::new();
        }
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| {
                l.strip_suffix(": test")
                    .or_else(|| l.strip_suffix(": bench"))
            })
            .filter(|name| !self.binary.reported.contains(*name))
            .take(self.threads)
            .map(str::to_owned)
            .collect()
    }

    fn stop(&mut self, tests: Vec<String>) -> String {
        let limit = humantime::format_duration(self.limit).to_string();
        let what = match tests.as_slice() {
            [] => format!("a test{}", of_binary(&self.binary.name)),
            [one] => format!("test `{one}`"),
            many => format!("tests {}", many.join(", ")),
        };
        let why = format!(
            "{what} ran past the per-test limit of {limit} (`[tests] test-timeout`); the run was \
             stopped with its child processes"
        );
        self.over_limit = Some(OverLimit {
            limit,
            binary: self.binary.name.clone(),
            tests,
        });
        why
    }
}

/// rustc errors in a build log, with their `--> file:line:col` locations.
fn compile_errors(log: &str) -> Vec<Finding> {
    let mut findings = Vec::new();
    // cargo's own errors (a failed build script, an MSRV refusal) carry their cause on the
    // lines that follow: keep those with the error.
    let blocks = crate::facts::build_errors(log);
    let mut lines = log.lines().peekable();
    while let Some(line) = lines.next() {
        let is_rustc_error = line.starts_with("error[")
            || (line.starts_with("error: ") && !line.contains("could not compile"));
        if !is_rustc_error {
            continue;
        }
        let mut finding =
            Finding::error(line.trim_start_matches("error: ").to_owned()).code("compile-error");
        if let Some(next) = lines.peek()
            && let Some(place) = next.trim().strip_prefix("--> ")
        {
            let mut parts = place.rsplitn(3, ':');
            let (col, row, file) = (parts.next(), parts.next(), parts.next());
            if let (Some(Ok(col)), Some(Ok(row)), Some(file)) =
                (col.map(str::parse), row.map(str::parse), file)
            {
                finding = finding.at(Location::at(file, row, col));
            }
        }
        if finding.location.is_none()
            && let Some(block) = blocks.iter().find(|b| b.lines().next() == Some(line))
        {
            finding.message = block.trim_start_matches("error: ").to_owned();
        }
        findings.push(finding);
        if findings.len() == 20 {
            break;
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `cargo +stable gate pilot` in a workspace pinned to another release: no test runs,
    /// and the outcome says why (blocked by `toolchain.pinned` where that check runs, could
    /// not evaluate on its own at pilot). The pinned release, or a named channel, runs them.
    #[test]
    fn tests_on_another_toolchain_than_the_pinned_one_are_no_evidence() {
        let pinned = [("rust-toolchain.toml", "[toolchain]\nchannel = \"1.95.0\"\n")];
        let mut stable = crate::environment::Environment::for_tests();
        stable.rustc.insert("release".into(), "1.97.0".into());
        let outcome = crate::checks::testing::with_files_and_environment(&pinned, stable, |ctx| {
            TestsPass.run(ctx)
        });
        assert_eq!(outcome.status, Status::Skip);
        assert_eq!(outcome.blocked_by.as_deref(), Some("toolchain.pinned"));
        let alone = outcome
            .unblocked
            .as_deref()
            .expect("what it says on its own");
        assert_eq!(alone.skip, Some(SkipKind::Unavailable));
        assert!(
            alone
                .summary
                .contains("cargo runs rustc 1.97.0, not the 1.95.0 that rust-toolchain.toml pins")
                && alone.summary.contains("rustup toolchain install 1.95.0"),
            "{}",
            alone.summary
        );
        for (file, text) in [
            ("rust-toolchain.toml", "[toolchain]\nchannel = \"1.97\"\n"),
            ("rust-toolchain", "1.97.0\n"),
            ("rust-toolchain.toml", "[toolchain]\nchannel = \"stable\"\n"),
        ] {
            let mut env = crate::environment::Environment::for_tests();
            env.rustc.insert("release".into(), "1.97.0".into());
            let other =
                crate::checks::testing::with_files_and_environment(&[(file, text)], env, |ctx| {
                    other_toolchain(ctx)
                });
            assert_eq!(other, None, "{file}: {text}");
        }
    }
    use crate::check::Status;

    #[test]
    fn a_pass_on_inputs_that_failed_before_is_flaky_and_keeps_its_evidence() {
        let pass = Outcome::pass("cargo test: 3 passed, 0 failed, 0 ignored")
            .with_artifact(LOG, "log")
            .with_data(TestResults::default());
        let flagged = flaky(pass, "r1");
        assert_eq!(flagged.status, Status::Inconclusive);
        assert!(flagged.summary.ends_with(
            "but the same inputs failed in run r1: a flaky test, or an input no build records"
        ));
        assert_eq!(flagged.findings[0].code.as_deref(), Some("flaky"));
        assert_eq!(flagged.evidence(), [LOG]);
        assert!(flagged.data::<TestResults>().is_some());
        // A failure stays what it is.
        let fail = flaky(Outcome::fail("x"), "r1");
        assert_eq!((fail.status, fail.findings.len()), (Status::Fail, 0));
    }

    fn captured(code: i32, log: &str) -> Captured {
        Captured {
            command_line: "cargo test".into(),
            code: Some(code),
            log: log.into(),
            stopped: None,
        }
    }

    const FAILING: &str = "\
   Compiling app v0.1.0 (/w)
    Finished `test` profile [unoptimized + debuginfo] target(s) in 0.50s
     Running unittests src/lib.rs (target/debug/deps/app-1234)

running 3 tests
test tests::adds ... ok
test tests::breaks ... FAILED
test tests::slow ... ignored

failures:

---- tests::breaks stdout ----
thread 'tests::breaks' panicked at src/lib.rs:9:9:
assertion failed

test result: FAILED. 1 passed; 1 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.00s

   Doc-tests app

running 1 test
test src/lib.rs - add (line 3) ... ok

test result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.10s

error: 1 target failed:
    `--lib`
";

    #[test]
    fn libtest_counts_and_names_failures_with_their_binary() {
        let counts = parse_libtest(FAILING);
        assert_eq!((counts.passed, counts.failed, counts.ignored), (2, 1, 1));
        assert_eq!(counts.failures, ["tests::breaks (unittests src/lib.rs)"]);
    }

    #[test]
    fn a_binary_that_exits_before_its_result_fails_naming_it() {
        // The second binary printed `running 2 tests`, one result, then exited 0: cargo
        // reports success, but a test never reported.
        let log = "     Running unittests src/lib.rs (target/debug/deps/app-1)\n\nrunning 1 test\ntest a ... ok\n\ntest result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out\n\n     Running tests/exits.rs (target/debug/deps/exits-2)\n\nrunning 2 tests\ntest b ... ok\n     Running tests/custom.rs (target/debug/deps/custom-3)\ncustom harness output\n";
        let counts = parse_libtest(log);
        assert_eq!(counts.silent, ["tests/exits.rs"]);
        let outcome = evaluate(&captured(0, log), None, Runner::CargoTest, false);
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(
            outcome.summary,
            "cargo test: 1 test binary(ies) ended without a result line (1 passed, 0 failed, 0 ignored)"
        );
        assert!(
            outcome.findings[0]
                .message
                .starts_with("test binary tests/exits.rs exited")
        );
    }

    #[test]
    fn a_suite_stopped_at_its_limit_fails_saying_how_to_raise_it() {
        let mut stopped = captured(0, "running 1 test\n");
        stopped.code = None;
        stopped.stopped = Some("ran past its time limit of 30m and was stopped".into());
        let outcome = evaluate(&stopped, None, Runner::CargoTest, false);
        assert_eq!(outcome.status, Status::Fail);
        assert!(
            outcome.summary.contains("raise `[tests] timeout`"),
            "{}",
            outcome.summary
        );
    }

    #[test]
    fn failing_run_fails_and_keeps_the_log() {
        let outcome = evaluate(&captured(101, FAILING), None, Runner::CargoTest, false);
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(outcome.summary, "cargo test: 2 passed, 1 failed, 1 ignored");
        assert_eq!(outcome.findings.len(), 1);
        assert_eq!(outcome.evidence(), [LOG, RESULTS]);
    }

    #[test]
    fn green_run_passes_and_empty_run_warns() {
        let green = "test result: ok. 4 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out\n";
        assert_eq!(
            evaluate(&captured(0, green), None, Runner::CargoTest, false).status,
            Status::Pass
        );
        let empty = "test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out\n";
        assert_eq!(
            evaluate(&captured(0, empty), None, Runner::CargoTest, false).status,
            Status::Warn
        );
    }

    #[test]
    fn compile_error_fails_with_its_location() {
        let log = "error[E0425]: cannot find value `x` in this scope\n --> src/lib.rs:2:5\n  |\nerror: could not compile `app` (lib test) due to 1 previous error\n";
        let outcome = evaluate(&captured(101, log), None, Runner::CargoTest, false);
        assert_eq!(outcome.status, Status::Fail);
        assert!(outcome.summary.contains("did not build"));
        assert_eq!(
            outcome.findings[0].location,
            Some(Location::at("src/lib.rs", 2, 5))
        );
    }

    #[test]
    fn unavailable_dependencies_skip_instead_of_failing() {
        let log = "error: failed to download `serde v1.0.0`\nCaused by:\n  attempting to make an HTTP request, but --offline was specified\n";
        let outcome = evaluate(&captured(101, log), None, Runner::CargoTest, true);
        assert_eq!(outcome.status, Status::Skip);
        assert_eq!(outcome.skip, Some(SkipKind::Unavailable));
        assert!(outcome.summary.contains("not available offline"));
    }

    #[test]
    fn nextest_summary_and_failures() {
        let log = "        PASS [   0.004s] app tests::adds\n        FAIL [   0.005s] app tests::breaks\n------------\n     Summary [   0.010s] 3 tests run: 2 passed, 1 failed, 1 skipped\n        FAIL [   0.005s] app tests::breaks\n";
        let counts = parse_nextest(log);
        assert_eq!((counts.passed, counts.failed, counts.ignored), (2, 1, 1));
        assert_eq!(counts.failures, ["app tests::breaks"]);
    }

    /// nextest's own per-test limit (set from `[tests] test-timeout`): its `TIMEOUT` lines
    /// name the test, once, and the counter nextest prints before a name is not part of it.
    #[test]
    fn nextest_timeouts_are_named_and_counted() {
        let log = "    Starting 3 tests across 1 binary (1 test skipped)\n        PASS [   0.003s] (1/3) lt tests::a_quick\n        PASS [   0.003s] (2/3) lt tests::c_quick\n TERMINATING [>  2.000s] (───) lt tests::b_hangs\n     TIMEOUT [   2.003s] (3/3) lt tests::b_hangs\n────────────\n     Summary [   2.004s] 3 tests run: 2 passed, 1 timed out, 1 skipped\n     TIMEOUT [   2.003s] (3/3) lt tests::b_hangs\nerror: test run failed\n";
        let counts = parse_nextest(log);
        assert_eq!((counts.passed, counts.failed, counts.ignored), (2, 1, 1));
        assert_eq!(counts.timed_out, ["lt tests::b_hangs"]);
        assert_eq!(counts.passes, ["lt tests::a_quick", "lt tests::c_quick"]);
        let outcome = evaluate(&captured(100, log), None, Runner::Nextest, false);
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(outcome.findings.len(), 1);
        assert_eq!(outcome.findings[0].code.as_deref(), Some("test-timeout"));
        assert!(
            outcome.findings[0]
                .message
                .starts_with("test `lt tests::b_hangs` ran past its time limit"),
            "{}",
            outcome.findings[0].message
        );
    }

    /// The tool config nextest is given parses as nextest reads it.
    #[test]
    fn nextest_is_given_the_limit_as_its_slow_timeout() {
        let file = nextest_tool_config(Duration::from_secs(90)).unwrap();
        let text = std::fs::read_to_string(file.path()).unwrap();
        let doc: toml::Table = toml::from_str(&text).unwrap();
        let slow = &doc["profile"]["default"]["slow-timeout"];
        assert_eq!(slow["period"].as_str(), Some("90000ms"));
        assert_eq!(slow["terminate-after"].as_integer(), Some(1));
        assert!(file.path().is_absolute());
    }

    /// Feeds `clock` the lines at `at` seconds after `t0`; what it says.
    fn feed(clock: &mut TestClock, t0: Instant, at: u64, text: &str) -> Option<String> {
        clock.watch(text.as_bytes(), t0 + Duration::from_secs(at))
    }

    fn tick(clock: &mut TestClock, t0: Instant, at_ms: u64) -> Option<String> {
        clock.watch(b"", t0 + Duration::from_millis(at_ms))
    }

    /// While other tests keep ending, a hung test is named by libtest at 60 s and stopped at
    /// its limit, counted from 60 s before that line.
    #[test]
    fn a_test_libtest_names_is_stopped_at_its_limit_while_others_end() {
        let t0 = Instant::now();
        let mut clock = TestClock::new(
            Duration::from_secs(300),
            Runner::CargoTest,
            PathBuf::from("/w"),
        );
        let start = "     Running tests/hang.rs (target/debug/deps/hang-1)\n\nrunning 9 tests\ntest a ... ok\n";
        assert_eq!(feed(&mut clock, t0, 0, start), None);
        assert_eq!(
            feed(
                &mut clock,
                t0,
                70,
                "test spins has been running for over 60 seconds\n"
            ),
            None
        );
        // Results keep coming: no stall, only the named test's own clock counts.
        for at in (100..=300).step_by(50) {
            assert_eq!(
                feed(&mut clock, t0, at, &format!("test t{at} ... ok\n")),
                None
            );
        }
        assert_eq!(tick(&mut clock, t0, 309_000), None);
        let why = tick(&mut clock, t0, 310_100).expect("stopped at 10 s + 300 s");
        assert!(
            why.starts_with("test `spins` ran past the per-test limit of 5m"),
            "{why}"
        );
        let over = clock.over_limit.clone().unwrap();
        assert_eq!(
            (over.binary.as_str(), over.tests.as_slice()),
            ("tests/hang.rs", &["spins".to_owned()][..])
        );
        // Said once.
        assert_eq!(tick(&mut clock, t0, 400_000), None);
    }

    /// A test that ended is forgotten, and a binary that printed its result owes nothing.
    #[test]
    fn tests_that_end_and_binaries_that_finish_are_not_stopped() {
        let t0 = Instant::now();
        let mut clock = TestClock::new(
            Duration::from_secs(90),
            Runner::CargoTest,
            PathBuf::from("/w"),
        );
        let text = "     Running unittests src/lib.rs (target/debug/deps/app-1)\n\nrunning 2 tests\ntest slow has been running for over 60 seconds\n";
        assert_eq!(feed(&mut clock, t0, 60, text), None);
        assert_eq!(
            feed(
                &mut clock,
                t0,
                80,
                "test slow ... ok\ntest quick ... ok\n\ntest result: ok. 2 passed; 0 failed\n\n"
            ),
            None
        );
        // Then cargo builds or starts the next binary for a long while.
        assert_eq!(tick(&mut clock, t0, 1_000_000), None);
        assert!(clock.over_limit.is_none());
    }

    /// With one test thread libtest prints `test NAME ... ` as NAME starts: any limit holds.
    #[test]
    fn one_test_thread_names_the_running_test_at_any_limit() {
        let t0 = Instant::now();
        let mut clock = TestClock::new(
            Duration::from_secs(2),
            Runner::CargoTest,
            PathBuf::from("/w"),
        );
        let text = "     Running tests/hang.rs (target/debug/deps/hang-1)\n\nrunning 2 tests\ntest a ... ok\n";
        assert_eq!(feed(&mut clock, t0, 0, text), None);
        assert_eq!(feed(&mut clock, t0, 0, "test b_hangs ... "), None);
        assert_eq!(tick(&mut clock, t0, 1_900), None);
        let why = tick(&mut clock, t0, 2_000).expect("stopped 2 s after it started");
        assert!(why.starts_with("test `b_hangs` ran past"), "{why}");
    }

    /// No result for the whole limit: the binary is asked for its tests, and the one that
    /// never reported is named (here a script stands in for the test binary's `--list`).
    #[cfg(unix)]
    #[test]
    fn a_stall_names_the_tests_that_never_reported() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let lister = dir.path().join("hang-1");
        std::fs::write(
            &lister,
            "#!/bin/sh\n[ \"$1 $2 $3\" = '--list --format terse' ] || exit 3\nprintf 'a: test\\nb_hangs: test\\nc: test\\nd: test\\n'\n",
        )
        .unwrap();
        std::fs::set_permissions(&lister, std::fs::Permissions::from_mode(0o755)).unwrap();
        let t0 = Instant::now();
        let mut clock = TestClock::new(
            Duration::from_secs(2),
            Runner::CargoTest,
            dir.path().to_owned(),
        );
        clock.threads = 2;
        let text = "     Running tests/hang.rs (hang-1)\n\nrunning 4 tests\ntest a ... ok\n";
        assert_eq!(feed(&mut clock, t0, 0, text), None);
        assert_eq!(
            feed(&mut clock, t0, 1, "test c ... ok\ntest d ... ok\n"),
            None
        );
        assert_eq!(tick(&mut clock, t0, 2_900), None);
        let why = tick(&mut clock, t0, 3_000).expect("2 s without a result");
        assert!(
            why.starts_with("test `b_hangs` ran past the per-test limit of 2s"),
            "{why}"
        );
        assert_eq!(clock.over_limit.unwrap().tests, ["b_hangs"]);
    }

    /// A stall where the binary cannot be asked (doctests) still stops the run, naming the
    /// binary.
    #[test]
    fn a_stall_with_no_name_names_the_binary() {
        let t0 = Instant::now();
        let mut clock = TestClock::new(
            Duration::from_secs(2),
            Runner::CargoTest,
            PathBuf::from("/w"),
        );
        assert_eq!(
            feed(&mut clock, t0, 0, "   Doc-tests app\n\nrunning 1 test\n"),
            None
        );
        let why = tick(&mut clock, t0, 2_000).expect("stopped");
        assert!(why.starts_with("a test of doctests app ran past"), "{why}");
        let over = clock.over_limit.unwrap();
        let outcome = evaluate(
            &captured(0, "running 1 test\n"),
            Some(&over),
            Runner::CargoTest,
            false,
        );
        assert!(
            outcome.findings[0]
                .message
                .starts_with("a test of doctests app ran past the per-test limit of 2s")
        );
    }

    /// nextest's `SLOW [> Ns]` lines keep the same clock (a repository whose nextest.toml sets
    /// its own slow-timeout without terminating).
    #[test]
    fn nextest_slow_lines_keep_the_clock() {
        let t0 = Instant::now();
        let mut clock = TestClock::new(
            Duration::from_secs(90),
            Runner::Nextest,
            PathBuf::from("/w"),
        );
        assert_eq!(
            feed(
                &mut clock,
                t0,
                60,
                "        SLOW [> 60.000s] (───) app tests::done\n        SLOW [> 60.000s] (───) app tests::spins\n"
            ),
            None
        );
        assert_eq!(
            feed(
                &mut clock,
                t0,
                70,
                "        PASS [  70.000s] (1/2) app tests::done\n"
            ),
            None
        );
        assert_eq!(tick(&mut clock, t0, 89_000), None);
        let why = tick(&mut clock, t0, 90_000).expect("stopped");
        assert!(
            why.starts_with("test `app tests::spins` ran past the per-test limit of 1m 30s"),
            "{why}"
        );
        assert_eq!(clock.over_limit.unwrap().binary, "");
    }

    /// The gate stopping a run at the per-test limit fails naming the test, the limit and the
    /// setting, and is kept in the cache as a failure; the whole-run limit is not kept.
    #[test]
    fn a_run_stopped_at_the_per_test_limit_fails_naming_the_test_and_is_kept() {
        let over = OverLimit {
            limit: "2s".into(),
            binary: "tests/hang.rs".into(),
            tests: vec!["spins".into()],
        };
        let mut stopped = captured(0, "running 2 tests\ntest a ... ok\n");
        stopped.code = None;
        stopped.stopped = Some("test `spins` ran past the per-test limit of 2s".into());
        let outcome = evaluate(&stopped, Some(&over), Runner::CargoTest, false);
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(
            outcome.summary,
            "cargo test: test `spins` (tests/hang.rs) ran past the per-test limit of 2s and the \
             run was stopped (0 passed, 0 failed, 0 ignored before it was stopped); if it needs \
             longer, raise `[tests] test-timeout` in gate.toml"
        );
        assert_eq!(outcome.findings.len(), 1);
        assert_eq!(outcome.findings[0].code.as_deref(), Some("test-timeout"));
        assert_eq!(outcome.findings[0].subject.as_deref(), Some("spins"));
        let run = |over_limit: Option<OverLimit>| {
            Ok(TestRun {
                captured: stopped.clone(),
                over_limit,
            })
        };
        assert_eq!(
            keep_of(&run(Some(over)), Runner::CargoTest, false),
            Keep::Failed
        );
        assert_eq!(keep_of(&run(None), Runner::CargoTest, false), Keep::Not);
    }
}
