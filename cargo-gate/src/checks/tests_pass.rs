//! `tests.pass`: runs the workspace's tests (`cargo test --locked --workspace`, or
//! `cargo nextest run` when the workspace configures nextest and it is installed), counts
//! passed/failed/ignored, names every failing test, and keeps the full log.

use crate::cache::{Fact, Fresh, Keep};
use crate::cargo::{self, Captured};
use crate::check::Status;
use crate::check::{
    Check, CheckMeta, Code, ConfigKey, Context, Finding, Location, Outcome, SkipKind,
};
use crate::checks::kernels_build::unresolved;
use crate::facts::{Build, NotBuilt, Resolve};
use crate::stage::Stage;

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
    ],
    config: &[ConfigKey {
        key: "[tests] timeout",
        default: "\"30m\"",
        meaning: "the longest the build and the test run may take",
    }],
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
}

/// Which runner produced the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runner {
    /// libtest through `cargo test`.
    CargoTest,
    /// cargo-nextest.
    Nextest,
}

impl Check for TestsPass {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        let runner = if ctx.workspace.root.join(".config/nextest.toml").is_file()
            && nextest_installed(ctx)
        {
            Runner::Nextest
        } else {
            Runner::CargoTest
        };
        let cmd = match runner {
            Runner::CargoTest => ctx
                .cargo
                .command("test", &["--locked", "--workspace", "--no-fail-fast"]),
            Runner::Nextest => ctx.cargo.command(
                "nextest",
                &["run", "--locked", "--workspace", "--no-fail-fast"],
            ),
        };
        // The build is a fact of the run. When kernels.build needs it too (a package uses
        // gate-build) it is compiled once, up front, and shared; otherwise `cargo test`
        // compiles and runs in one go (no second cargo pass over the graph). Either way a
        // failure is reported here, once, with the compiler's own error lines.
        let shared_build =
            ctx.facts.kernels_in_build() || !ctx.workspace.root.join("Cargo.lock").is_file();
        if shared_build {
            let build = match ctx.facts.build(ctx.cargo) {
                Ok(build) => build,
                Err(NotBuilt::NoCargo(e)) => return Outcome::skip(SkipKind::Unavailable, e),
                Err(NotBuilt::Unresolved(resolve)) => {
                    return Outcome::blocked(
                        "lockfile.locked",
                        "tests were not built: Cargo.lock does not resolve",
                        unresolved(resolve),
                    );
                }
            };
            if !build.ok {
                return build_failed(build).with_reuse(ctx.facts.build_reuse());
            }
        }
        let build_reuse = shared_build
            .then(|| ctx.facts.build_reuse().cloned())
            .flatten();
        let runner_name = match runner {
            Runner::CargoTest => "cargo test",
            Runner::Nextest => "cargo nextest",
        };
        let obtained = ctx.facts.cache().obtain(
            Fact::Tests,
            &[("runner", runner_name.to_owned())],
            |_: &Result<Captured, String>| true,
            || run_tests(ctx, cmd, runner),
        );
        let captured = match obtained.value {
            Ok(c) => c,
            Err(e) => {
                return Outcome::skip(SkipKind::Unavailable, format!("could not run cargo: {e}"));
            }
        };
        if obtained.reused.is_some() {
            restore_run_files(ctx.run_dir, &obtained.files);
        }
        let mut outcome = evaluate(&captured, runner, ctx.cargo.offline())
            .with_reuse(obtained.reused.as_ref())
            .with_reuse(build_reuse.as_ref());
        if let Some(run) = &obtained.failed_before {
            outcome = flaky(outcome, run);
        }
        // cargo failed and the lockfile does not resolve either (cargo test --locked cannot
        // have run a test then): that is the one cause, and lockfile.locked reports it.
        if !captured.success()
            && let Ok(Resolve::Failed { .. }) = ctx.facts.resolve(ctx.cargo)
        {
            return Outcome::blocked(
                "lockfile.locked",
                "tests were not built: Cargo.lock does not resolve",
                outcome,
            );
        }
        outcome
    }
}

/// Runs the tests once: the fact the cache keeps, with what they left in the run directory.
fn run_tests(
    ctx: &Context<'_>,
    mut cmd: std::process::Command,
    runner: Runner,
) -> Fresh<Result<Captured, String>> {
    // Tools under test (gate-runtime) leave their decision logs and stats where the gate
    // says; the seed makes randomised tests replayable. The build saw the same values.
    let _ = std::fs::create_dir_all(ctx.run_dir);
    for (key, value) in ctx.facts.build_env() {
        cmd.env(key, value);
    }
    cmd.env("GATE_RUN_DIR", ctx.run_dir)
        .env("GATE_SEED", ctx.environment.seed.to_string());
    let captured = ctx.cargo.run(cmd).map_err(|e| e.to_string());
    let keep = match &captured {
        Err(_) => Keep::Not,
        Ok(c) if c.stopped.is_some() || c.code.is_none() => Keep::Not,
        Ok(c) => match evaluate(c, runner, ctx.cargo.offline()).status {
            Status::Fail => Keep::Failed,
            Status::Skip => Keep::Not,
            _ => Keep::Passed,
        },
    };
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
        ..Fresh::of(captured, keep)
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

/// Where the build's log is kept.
pub const BUILD_LOG: &str = crate::checks::kernels_build::BUILD_LOG;

/// The outcome of a build that failed: the compiler's errors as findings (the MSRV line and
/// a build script's own output included), the whole log in the record.
pub fn build_failed(build: &Build) -> Outcome {
    let outcome = match &build.unavailable {
        Some(unavailable) => Outcome::skip(
            SkipKind::Unavailable,
            format!("tests were not built: {}", unavailable.reason()),
        ),
        None => {
            let first = build
                .errors
                .first()
                .and_then(|e| e.lines().next())
                .unwrap_or("cargo failed without an error line (see the log)");
            Outcome::fail(format!(
                "the workspace does not build: {} error(s), first: {}",
                build.errors.len(),
                first.trim_start_matches("error: ")
            ))
            .with_findings(
                build
                    .errors
                    .iter()
                    .map(|e| Finding::error(e.clone()).code("build-failed")),
            )
        }
    };
    outcome.with_artifact(BUILD_LOG, build.log.clone())
}

fn nextest_installed(ctx: &Context<'_>) -> bool {
    crate::process::output(ctx.cargo.command("nextest", &["--version"]))
        .is_ok_and(|o| o.status.success())
}

/// The artifact with the names of passed and failed tests (kept in the record; `failure.paths`
/// reads the same value as [`TestResults`] through [`Outcome::data`]).
pub const RESULTS: &str = "tests/results.json";

/// The names of the tests that passed and failed, and the counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct TestResults {
    /// Tests that passed, by full name.
    pub passed: Vec<String>,
    /// Tests that failed, by full name.
    pub failed: Vec<String>,
    /// `{passed, failed, ignored}`.
    pub counts: TestTally,
}

/// The counts of [`TestResults`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct TestTally {
    /// Passed.
    pub passed: u64,
    /// Failed.
    pub failed: u64,
    /// Ignored.
    pub ignored: u64,
}

/// Turns a captured test run into an outcome.
pub fn evaluate(captured: &Captured, runner: Runner, offline: bool) -> Outcome {
    let log = captured.log_file();
    let counts = match runner {
        Runner::CargoTest => parse_libtest(&captured.log),
        Runner::Nextest => parse_nextest(&captured.log),
    };
    let runner_name = match runner {
        Runner::CargoTest => "cargo test",
        Runner::Nextest => "cargo nextest",
    };
    if !captured.success()
        && !counts.saw_summary
        && let Some(unavailable) = cargo::classify_unavailable(&captured.log, offline)
    {
        return Outcome::skip(
            SkipKind::Unavailable,
            format!("tests were not run: {}", unavailable.reason()),
        )
        .with_artifact(LOG, log);
    }
    let tally = format!(
        "{} passed, {} failed, {} ignored",
        counts.passed, counts.failed, counts.ignored
    );
    let outcome = if let Some(why) = &captured.stopped {
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
        let findings = counts.failures.iter().map(|name| {
            Finding::error(format!("test failed: {name}"))
                .code("test-failed")
                .subject(name.clone())
        });
        Outcome::fail(format!("{runner_name}: {tally}")).with_findings(findings)
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
    let results = TestResults {
        passed: counts.passes.clone(),
        failed: counts.failures.clone(),
        counts: TestTally {
            passed: counts.passed,
            failed: counts.failed,
            ignored: counts.ignored,
        },
    };
    let json = serde_json::to_vec_pretty(&results).expect("json");
    outcome
        .with_artifact(LOG, log)
        .with_artifact(RESULTS, json)
        .with_data(results)
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

/// Parses cargo-nextest's output.
pub fn parse_nextest(log: &str) -> TestCounts {
    let mut counts = TestCounts::default();
    for line in log.lines() {
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix("PASS [") {
            if let Some((_, name)) = rest.split_once("] ") {
                counts.passes.push(name.trim().to_owned());
            }
        } else if let Some(rest) = trimmed.strip_prefix("FAIL [") {
            if let Some((_, name)) = rest.split_once("] ") {
                let name = name.trim().to_owned();
                if !counts.failures.contains(&name) {
                    counts.failures.push(name);
                }
            }
        } else if let Some(rest) = trimmed.strip_prefix("Summary [") {
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
        }
    }
    counts
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
    use crate::check::Status;

    #[test]
    fn a_pass_on_inputs_that_failed_before_is_flaky_and_keeps_its_evidence() {
        let pass = Outcome::pass("cargo test: 3 passed, 0 failed, 0 ignored")
            .with_artifact(LOG, "log")
            .with_data(TestResults::default());
        let flagged = flaky(pass, "r1");
        assert_eq!(flagged.status, Status::Inconclusive);
        assert!(
            flagged
                .summary
                .ends_with("but the same inputs failed in run r1: a flaky test")
        );
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
        let outcome = evaluate(&captured(0, log), Runner::CargoTest, false);
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
        let outcome = evaluate(&stopped, Runner::CargoTest, false);
        assert_eq!(outcome.status, Status::Fail);
        assert!(
            outcome.summary.contains("raise `[tests] timeout`"),
            "{}",
            outcome.summary
        );
    }

    #[test]
    fn failing_run_fails_and_keeps_the_log() {
        let outcome = evaluate(&captured(101, FAILING), Runner::CargoTest, false);
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(outcome.summary, "cargo test: 2 passed, 1 failed, 1 ignored");
        assert_eq!(outcome.findings.len(), 1);
        assert_eq!(outcome.evidence(), [LOG, RESULTS]);
    }

    #[test]
    fn green_run_passes_and_empty_run_warns() {
        let green = "test result: ok. 4 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out\n";
        assert_eq!(
            evaluate(&captured(0, green), Runner::CargoTest, false).status,
            Status::Pass
        );
        let empty = "test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out\n";
        assert_eq!(
            evaluate(&captured(0, empty), Runner::CargoTest, false).status,
            Status::Warn
        );
    }

    #[test]
    fn compile_error_fails_with_its_location() {
        let log = "error[E0425]: cannot find value `x` in this scope\n --> src/lib.rs:2:5\n  |\nerror: could not compile `app` (lib test) due to 1 previous error\n";
        let outcome = evaluate(&captured(101, log), Runner::CargoTest, false);
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
        let outcome = evaluate(&captured(101, log), Runner::CargoTest, true);
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
}
