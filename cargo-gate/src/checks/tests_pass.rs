//! `tests.pass`: runs the workspace's tests (`cargo test --locked --workspace`, or
//! `cargo nextest run` when the workspace configures nextest and it is installed), counts
//! passed/failed/ignored, names every failing test, and keeps the full log.
//!
//! The run itself is a fact ([`Facts::test_run`](crate::facts::Facts::test_run): run once,
//! through the evidence cache, each test held to `[tests] test-timeout` by the
//! [`TestClock`](crate::facts::TestClock)); this check judges it: what the run could not do,
//! the failing tests, the compile errors, a test stopped at its limit, a pass on inputs that
//! failed before (flaky).

use crate::check::{
    Check, CheckMeta, Code, ConfigKey, Context, Finding, Location, Outcome, SkipKind, Status,
};
use crate::facts::{NotBuilt, OverLimit, Runner, TestCounts, TestRun, TestRunFact, TestSetup};
use crate::shared::outcomes::{
    OTHER_TOOLCHAIN, build_failed, tests_not_run, tests_unresolved, unresolved,
};
use crate::stage::Stage;
use crate::tools::cargo::{self, Captured};

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
    codes: FindingCode::ALL,
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

crate::finding_codes! {
    /// The codes of this check's findings (their names are stable: never renamed).
    enum FindingCode {
        TestFailed => Code {
            name: "test-failed",
            summary: "a test failed",
        },
        CompileError => Code {
            name: "compile-error",
            summary: "a compile error, with its location",
        },
        BuildFailed => Code {
            name: "build-failed",
            summary: "the workspace does not build",
        },
        TestBinaryExitedEarly => Code {
            name: "test-binary-exited-early",
            summary: "a test binary exited before printing its result",
        },
        TestRunTampered => Code {
            name: "test-run-tampered",
            summary: "what the test runner reported contradicts what the run printed",
        },
        LockfileRefused => Code {
            name: "lockfile-refused",
            summary: "the test runner refused Cargo.lock (missing or out of date)",
        },
        TestsFailedToRun => Code {
            name: "tests-failed-to-run",
            summary: "the test command failed without a failing test",
        },
        Flaky => Code {
            name: "flaky",
            summary: "the tests passed on inputs that failed in an earlier run, or a test \
                      passed only on nextest's retry of it",
        },
        TimeoutCountedAsPass => Code {
            name: "timeout-counted-as-pass",
            summary: "nextest ended a test at its time limit and counted it as passed",
        },
        TestTimeout => Code {
            name: "test-timeout",
            summary: "a test ran past `[tests] test-timeout` and was stopped",
        },
        OwnRunner => Code {
            name: "own-test-runner",
            summary: "the tests ran through a runner the workspace configures",
        },
        FilteredOut => Code {
            name: "tests-filtered-out",
            summary: "nextest's configuration leaves tests of the workspace out of the run",
        },
        TestCommandReplaced => Code {
            name: "test-command-replaced",
            summary: "a cargo alias replaces the command that runs the tests",
        },
        HarnessNeverRun => Code {
            name: "harness-never-run",
            summary: "a custom test harness listed no test to nextest, so nextest never ran it",
        },
        CiFeaturesNotTested => Code {
            name: "ci-features-not-tested",
            summary: "CI tests with features this run did not turn on",
        },
    }
}

const LOG: &str = "logs/tests.log";

mod configured;

impl Check for TestsPass {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        let run = ctx.facts.test_run(&TestSetup {
            cargo: ctx.cargo,
            test_timeout: ctx.config.test_timeout,
            run_dir: ctx.run_dir,
            scratch: ctx.scratch,
            environment: ctx.environment,
        });
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
                    // Named by the cause lockfile.locked states: a toolchain or a network it
                    // could not use, a workspace cargo cannot load, or the lockfile itself.
                    let why = match resolve {
                        crate::facts::Resolve::Failed {
                            unavailable: Some(unavailable),
                            ..
                        } => format!("tests were not built: {}", unavailable.reason()),
                        _ if ctx.workspace.metadata_error.is_some() => {
                            "tests were not built: cargo cannot load the workspace".to_owned()
                        }
                        _ => tests_unresolved(resolve),
                    };
                    Outcome::blocked("lockfile.locked", why, unresolved(resolve))
                }
                Ok(build) => build_failed(build, FindingCode::BuildFailed)
                    .with_reuse(ctx.facts.build_reuse()),
            };
        }
        TestRunFact::Ran(ran) => ran,
    };
    let TestRun {
        captured,
        over_limit,
        binaries,
        whole,
        tampered,
        raced,
    } = &ran.run;
    let mut outcome = evaluate(
        captured,
        over_limit.as_ref(),
        ran.runner,
        ctx.cargo.offline(),
    )
    .with_reuse(ran.reused.as_ref())
    .with_reuse(ran.build_reuse.as_ref());
    outcome = per_binary(outcome, binaries, whole.as_deref(), ran.reused.is_some());
    if !tampered.is_empty() {
        return tampered_with(tampered, outcome);
    }
    if let Some(shard) = &ctx.environment.test_shard {
        outcome.summary = of_shard(&outcome.summary, shard);
    }
    if let Some(run) = &ran.failed_before {
        outcome = flaky(outcome, run, &ran.suspects);
    }
    outcome = passed_alone(outcome, raced);
    outcome = configured_by_workspace(outcome, ctx.facts.root(), (ran.runner, whole.as_deref()));
    outcome = ran_with(outcome, &ctx.environment.test_variables);
    outcome = ci_features_untested(outcome, ctx.facts);
    if ran.runner == Runner::Nextest && ctx.environment.test_shard.is_none() {
        outcome = harnesses_never_run(outcome, ctx.facts, &captured.log);
    }
    // cargo failed and the lockfile does not resolve either (cargo test --locked cannot
    // have run a test then): that is the one cause, and lockfile.locked reports it.
    if ran.lockfile_unresolved {
        let why = match ctx.facts.resolve(ctx.cargo) {
            Ok(resolve) => tests_unresolved(resolve),
            Err(e) => e.to_owned(),
        };
        return Outcome::blocked("lockfile.locked", why, outcome);
    }
    outcome
}

/// A failed run names the variables set that change how tests build and behave
/// (`RUST_BACKTRACE=1`: anyhow's `test_fmt` fails under it, passes without it), so whoever
/// reproduces the failure sets them too; environment.json records them.
fn ran_with(mut outcome: Outcome, set: &std::collections::BTreeMap<String, String>) -> Outcome {
    if outcome.status == Status::Fail && !set.is_empty() {
        let named: Vec<String> = set.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
        outcome.findings.push(Finding::note(format!(
            "the tests ran with {} set (environment.json's `test_variables`): a failure may \
             depend on them",
            named.join(", ")
        )));
    }
    outcome
}

/// What CI tests that this run did not: a `cargo test --features strict` job whose tests fail
/// left the gate's run (each member's default features) green and READY, with nothing said
/// (the twenty-ninth session's trial). Those tests were not evaluated here, which is never a
/// pass: the run warns, each command named where CI runs it.
///
/// `outcome`, a pass, qualified to a warning when CI runs tests with other features than
/// the members' defaults ([`crate::facts::CiFeatures::tested_with`]).
fn ci_features_untested(outcome: Outcome, facts: &crate::facts::Facts) -> Outcome {
    let tested = &facts.ci_features().tested_with;
    if tested.is_empty() || outcome.status != Status::Pass {
        return outcome;
    }
    let findings = tested.iter().map(|(site, command)| {
        let at = match site.at {
            Some((line, column)) => Location::at(site.rel.clone(), line, column),
            None => Location::file(site.rel.clone()),
        };
        Finding::warning(format!(
            "CI runs `{command}`; this run tested each member's default features, so a test \
             only those features build or change was not run here"
        ))
        .code(FindingCode::CiFeaturesNotTested)
        .subject(command.clone())
        .at(at)
    });
    qualified(
        outcome,
        (
            Status::Warn,
            "but CI also tests with features this run did not turn on",
            "the gate tests the default features: make the tests CI runs under other features \
             run under the defaults too (or turn those features on by default), so a fresh \
             checkout's gate judges them",
        ),
        findings.collect(),
    )
}

/// A run through nextest that never ran a custom harness of the workspace
/// ([`configured::harnesses_never_run`]) fails: `cargo test` runs it, and nothing shows it
/// passes. (In a shard, its tests may be another shard's: not asked.)
fn harnesses_never_run(outcome: Outcome, facts: &crate::facts::Facts, log: &str) -> Outcome {
    let members = facts
        .packages
        .iter()
        .filter(|p| p.role == crate::facts::Role::Member)
        .map(|p| (p.name.as_str(), p.dir.as_path()));
    let never = configured::harnesses_never_run(members, facts.root(), log);
    if never.is_empty() || !matches!(outcome.status, Status::Pass | Status::Warn) {
        return outcome;
    }
    let findings = never.into_iter().map(|(id, manifest)| {
        Finding::error(format!(
            "test target {id} is a custom harness (`harness = false`) that listed no test to \
             nextest (`--list --format terse`), so nextest never ran it; `cargo test` runs it"
        ))
        .code(FindingCode::HarnessNeverRun)
        .subject(id)
        .at(Location::file(manifest))
    });
    qualified(
        outcome,
        (
            Status::Fail,
            "but nextest never ran a custom harness of the workspace",
            "make the harness answer nextest's `--list --format terse` with its tests and run \
             the ones it is handed (libtest-mimic does), or run the tests with `cargo test` \
             (no .config/nextest.toml)",
        ),
        findings.collect(),
    )
}

/// `summary` of one shard's run: it proves its bucket only, and `cargo gate merge` says
/// whether every shard ran.
fn of_shard(summary: &str, shard: &crate::tools::environment::TestShard) -> String {
    format!(
        "{summary}; shard {} of {} (nextest --partition hash:{}{}): the other shards' jobs run \
         the rest (nextest counts their tests as skipped, so `ignored` includes them), and \
         `cargo gate merge` joins them",
        shard.index,
        shard.count,
        shard.label(),
        if shard.archive_sha256.is_some() {
            ", from --test-archive"
        } else {
            ""
        }
    )
}

/// A run whose runner reports contradict its output (`facts::test_run::tamper`): they cannot
/// both be true, so the run is no evidence of a pass (and nothing of it was kept). Its log
/// stays in the record.
fn tampered_with(tampered: &[String], mut judged: Outcome) -> Outcome {
    let mut failed = Outcome::fail(format!(
        "the test run was tampered with while it ran: {} report(s) of the test runner \
         contradict what the run printed",
        tampered.len()
    ))
    .with_findings(
        tampered
            .iter()
            .map(|why| Finding::error(why.clone()).code(FindingCode::TestRunTampered)),
    )
    .with_fix(
        "find what rewrote the test binaries or their output while they ran (the findings \
         name each contradiction) and run the gate again on a clean checkout",
    );
    failed.artifacts = std::mem::take(&mut judged.artifacts);
    failed
}

/// Where the record keeps each test binary of a run kept per binary: reused or run, and why.
pub const BINARIES: &str = "tests/binaries.json";

/// A run kept per test binary: how many binaries ran and how many were reused, said in the
/// summary, each reused binary named with the run it came from (every format shows the
/// outcome's reuses), and the whole list kept in the record. A run reused whole names that
/// run instead: its binaries' history is in the record it came from.
fn per_binary(
    mut outcome: Outcome,
    binaries: &[crate::facts::BinaryEvidence],
    whole: Option<&str>,
    reused_whole: bool,
) -> Outcome {
    use crate::facts::BinaryStatus;
    if binaries.is_empty() {
        if let Some(why) = whole.filter(|_| !reused_whole) {
            let listing = serde_json::json!({ "kept-whole": why, "binaries": [] });
            let json = gate_support::json::pretty_string(&listing).expect("json");
            outcome = outcome.with_artifact(BINARIES, json);
        }
        return outcome;
    }
    if !reused_whole {
        let count = |doc: bool| {
            let of: Vec<_> = binaries
                .iter()
                .filter(|b| b.is_doc_tests() == doc)
                .collect();
            let reused = of
                .iter()
                .filter(|b| b.status == BinaryStatus::Reused)
                .count();
            (reused, of.len())
        };
        let ((binaries_reused, binary_count), (docs_reused, doc_count)) =
            (count(false), count(true));
        // Said only when some were reused: a run that reran every binary reads as any run
        // (the same judgement, fresh or reused whole).
        if binaries_reused + docs_reused > 0
            && matches!(outcome.status, Status::Pass | Status::Fail | Status::Warn)
        {
            let mut said = format!("{binaries_reused} of {binary_count} test binaries");
            if doc_count > 0 {
                said.push_str(&format!(
                    " and {docs_reused} of {doc_count} crates' doc tests"
                ));
            }
            outcome.summary = format!("{}; {said} reused unchanged ({BINARIES})", outcome.summary);
        }
        for binary in binaries {
            outcome = outcome.with_reuse(binary.reuse().as_ref());
        }
    }
    let listing = serde_json::json!({ "binaries": binaries });
    let json = gate_support::json::pretty_string(&listing).expect("json");
    outcome.with_artifact(BINARIES, json)
}

/// A pass whose doc tests `raced` failed beside a cargo call that compiled and passed run
/// again alone (`facts/test_run/doc_lanes.rs`): a rebuild beside them, or doc tests that
/// fail the first time (a proc-macro that fails its first expansion, the thirty-fifth
/// session's hostile pass: READY where `cargo test` fails). Nothing tells the two apart,
/// and each failed in this run, so the run fails, as a pass on nextest's retry does
/// ([`retried`]); the finding names the build script that runs on every build as the cause
/// to look for.
fn passed_alone(outcome: Outcome, raced: &[String]) -> Outcome {
    if outcome.status != Status::Pass || raced.is_empty() {
        return outcome;
    }
    let findings = raced.iter().map(|name| {
        Finding::error(format!(
            "doc test `{name}` failed, after a cargo call of the run had compiled, and \
             passed only when run again alone: a rebuild raced its doc-test lane (each cargo \
             call rebuilds the libraries it links where a build script runs on every build, \
             its `rerun-if-changed` naming a file that does not exist), or it fails only the \
             first time. It failed in this run (logs/tests.log holds the first attempt)"
        ))
        .code(FindingCode::Flaky)
        .subject(name.clone())
    });
    let said = format!(
        "but {} doc test(s) failed and passed only when run again alone",
        raced.len()
    );
    let fix = "make every build script's `rerun-if-changed` name a file that exists, so that \
               a build with nothing changed compiles nothing; a doc test that fails only the \
               first time is flaky: make it deterministic";
    qualified(outcome, (Status::Fail, &said, fix), findings.collect())
}

/// A pass over inputs that failed in `run`: the same code both ways, so the pass proves
/// nothing on its own. `suspects`: variables outside the key set in one run and not the
/// other, named with the `[cache] env` line that would put them in the key.
fn flaky(mut outcome: Outcome, run: &str, suspects: &[String]) -> Outcome {
    if outcome.status != Status::Pass {
        return outcome;
    }
    outcome.status = Status::Inconclusive;
    outcome.fix = Some(
        "make the flaky test deterministic, or declare what the tests read at run time with \
         `[cache] env` or `[cache] files` in gate.toml"
            .to_owned(),
    );
    outcome.summary = format!(
        "{}; but the same inputs failed in run {run}: a flaky test, or an input no build records",
        outcome.summary
    );
    let suspected = if suspects.is_empty() {
        "no variable outside the key is known to differ between the two runs (names are \
         kept, never values, and only while the earlier run's cache entry is), so look for a \
         value or a file"
            .to_owned()
    } else {
        let quoted: Vec<String> = suspects.iter().map(|v| format!("\"{v}\"")).collect();
        format!(
            "set in one of the two runs only: {} — if the tests read one, `[cache] env = [{}]` \
             in gate.toml puts it in the key",
            suspects.join(", "),
            quoted.join(", ")
        )
    };
    outcome.findings.insert(
        0,
        Finding::warning(format!(
            "the tests passed here and failed in run {run} on the same inputs (sources, \
             lockfile, toolchain, environment, and every file and variable the build was seen \
             to read): a flaky test (its names are in that run's logs/tests.log), or the tests \
             read something no build records — a variable or a file read at run time: declare \
             it with `[cache] env` or `[cache] files`; {suspected}"
        ))
        .code(FindingCode::Flaky),
    );
    outcome
}

/// The artifact with the names of passed and failed tests (kept in the record; `failure.paths`
/// reads the same value, [`TestResults`](crate::facts::TestResults), from the test-run fact).
pub const RESULTS: &str = crate::facts::TEST_RESULTS_ARTIFACT;

/// Turns a captured test run into an outcome; `over_limit` when the gate stopped it because
/// a test ran past `[tests] test-timeout`.
pub fn evaluate(
    captured: &Captured,
    over_limit: Option<&OverLimit>,
    runner: Runner,
    offline: bool,
) -> Outcome {
    let log = captured.log_file();
    let counts = TestCounts::parse(&captured.log, runner);
    let runner_name = match runner {
        Runner::CargoTest => "cargo test",
        Runner::Nextest => "cargo nextest",
    };
    if !captured.success()
        && !counts.saw_summary
        && let Some(unavailable) = cargo::classify_unavailable_before_tests(&captured.log, offline)
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
            [] => format!("a test{}", over.of_binary()),
            [one] => format!("test `{one}`{}", over.in_binary()),
            many => format!("{} tests{}", many.len(), over.of_binary()),
        };
        Outcome::fail(format!(
            "{runner_name}: {what} ran past the per-test limit of {} and the run was stopped \
             ({tally} before it was stopped); if it needs longer, raise `[tests] test-timeout` \
             in gate.toml",
            over.limit
        ))
        .with_findings(over_limit_findings(over))
        .with_fix(
            "make the named tests finish within the limit, or raise `[tests] test-timeout` in \
             gate.toml if they need longer",
        )
    } else if let Some(why) = &captured.stopped
        && let Some(lock) = waiting_for_a_lock(&captured.log)
    {
        // cargo never started: another process held its lock the whole time (no longer
        // limit would have helped).
        Outcome::fail(format!(
            "{runner_name} {why} while cargo waited for a lock another process held ({lock})"
        ))
        .with_fix(
            "end the process that holds cargo's lock (another cargo on the same target \
             directory, or one a test left behind), or give the gate a target directory of its \
             own (CARGO_TARGET_DIR)",
        )
    } else if let Some(why) = &captured.stopped {
        Outcome::fail(format!(
            "{runner_name} {why} ({tally} before it was stopped); if the suite needs longer, \
             raise `[tests] timeout` in gate.toml"
        ))
        .with_fix(
            "find what keeps the run going (logs/tests.log in the run record ends where it was \
             stopped), or raise `[tests] timeout` in gate.toml if the suite needs longer",
        )
    } else if !counts.silent.is_empty() {
        let findings = counts.silent.iter().map(|binary| {
            Finding::error(format!(
                "test binary {binary} exited before printing its result: the test that ended \
                 the process, and any after it, reported nothing (a test calls \
                 std::process::exit or aborts; a process that ends is no evidence its test \
                 passed)"
            ))
            .code(FindingCode::TestBinaryExitedEarly)
            .subject(binary.clone())
        });
        // The tests that said FAILED before their binary ended (rust-openssl: twelve, then
        // an abort in an `extern "C"` callback) are named too.
        Outcome::fail(format!(
            "{runner_name}: {} test binary(ies) ended without a result line ({tally})",
            counts.silent.len()
        ))
        .with_findings(findings)
        .with_findings(failed_tests(&counts))
        .with_fix(
            "find what ends the named test binaries early (std::process::exit, an abort): every \
             test must report its result",
        )
    } else if !captured.success()
        && !counts.saw_summary
        && captured.log.contains("--locked was passed")
    {
        Outcome::fail(format!(
            "{runner_name} refused to run: Cargo.lock is missing or out of date (see lockfile.locked)"
        ))
        .with_finding(Finding::error(cargo::first_error(&captured.log)).code(FindingCode::LockfileRefused))
        .with_fix("bring Cargo.lock up to date (`cargo update --workspace`) and commit it")
    } else if counts.failed > 0 {
        let timed_out = counts.timed_out.iter().map(|name| {
            Finding::error(format!(
                "test `{name}` ran past its time limit and was ended by nextest (the gate sets \
                 nextest's slow-timeout to `[tests] test-timeout`; a slow-timeout in \
                 .config/nextest.toml takes precedence)"
            ))
            .code(FindingCode::TestTimeout)
            .subject(name.clone())
        });
        Outcome::fail(format!("{runner_name}: {tally}"))
            .with_findings(timed_out)
            .with_findings(failed_tests(&counts))
    } else if !captured.success() {
        unsuccessful(captured, runner_name, &tally)
    } else if counts.passed == 0 {
        Outcome::warn(format!(
            "{runner_name} ran no test ({tally}): nothing shows the code works"
        ))
        .with_fix("add tests that exercise the code")
    } else {
        let mut summary = format!("{runner_name}: {tally}");
        // The doc tests run after nextest, but not in a shard (one bucket of nextest's).
        if runner == Runner::Nextest && !crate::facts::ran_doc_tests_after(&captured.log) {
            summary.push_str(" (doctests are not run by nextest)");
        }
        Outcome::pass(summary)
    };
    let outcome = retried(outcome, &counts.flaky);
    let outcome = ended_as_passes(outcome, &counts.timed_out_passed);
    let json = serde_json::to_vec_pretty(&counts.results()).expect("json");
    outcome.with_artifact(LOG, log).with_artifact(RESULTS, json)
}

/// cargo's line saying it waits for a lock, where nothing it printed after it shows the wait
/// ended (no compile, no test): `Blocking waiting for file lock on build directory`.
fn waiting_for_a_lock(log: &str) -> Option<&str> {
    let (before, after) = log.rsplit_once("Blocking waiting for file lock")?;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let moved_on = after
        .lines()
        .skip(1)
        .any(|l| l.contains("Compiling") || l.contains("Running") || l.starts_with("test "));
    let line = log[line_start..].lines().next()?.trim();
    (!moved_on).then_some(line)
}

/// What the workspace's own configuration decides about the run ([`configured`]), said: an
/// alias that replaces the test command fails the run (no test it judges ran); tests left out
/// (nextest filters, arguments that skip) and a tool of the repository's own qualify a pass
/// as a warning, naming it.
fn configured_by_workspace(
    outcome: Outcome,
    root: &std::path::Path,
    (runner, whole): (Runner, Option<&str>),
) -> Outcome {
    use configured::Configured;
    let mut outcome = outcome;
    for found in configured::configured(root, runner, whole) {
        outcome = match found {
            Configured::Replaced { said, file } => {
                let finding = Finding::error(said)
                    .code(FindingCode::TestCommandReplaced)
                    .at(Location::file(file));
                qualified(
                    outcome,
                    (
                        Status::Fail,
                        "but an alias replaced the command that runs the tests",
                        "remove or rename the alias the finding names: the gate runs the test \
                         command as cargo resolves it",
                    ),
                    vec![finding],
                )
            }
            Configured::LeftOut { said, file }
                if matches!(outcome.status, Status::Pass | Status::Warn) =>
            {
                let finding = Finding::warning(said)
                    .code(FindingCode::FilteredOut)
                    .at(Location::file(file));
                qualified(
                    outcome,
                    (
                        Status::Warn,
                        "tests were left out",
                        "run every test (drop the filter or the arguments the finding names), \
                         or waive the finding with the reason those tests stay out",
                    ),
                    vec![finding],
                )
            }
            Configured::OwnTool { said, file }
                if matches!(outcome.status, Status::Pass | Status::Warn) =>
            {
                let mut finding =
                    Finding::warning(format!("{said}: the verdict rests on what it does"))
                        .code(FindingCode::OwnRunner);
                if let Some(file) = file {
                    finding = finding.at(Location::file(file));
                }
                qualified(
                    outcome,
                    (
                        Status::Warn,
                        "through a tool of the repository's own",
                        "check that the named tool runs and reports the tests faithfully, then \
                         waive the finding with that reason, or run without it",
                    ),
                    vec![finding],
                )
            }
            _ => outcome,
        };
    }
    outcome
}

/// A pass qualified: `status` instead, the summary followed by `said`, `findings` added, and
/// `fix` what to do (after what was to be done before, where the outcome was no pass).
fn qualified(
    mut outcome: Outcome,
    (status, said, fix): (Status, &str, &str),
    findings: Vec<Finding>,
) -> Outcome {
    outcome.fix = Some(match (outcome.status, outcome.fix.take()) {
        (Status::Pass, _) => fix.to_owned(),
        (_, before) => format!("{}; and {fix}", before.as_deref().unwrap_or(META.fix)),
    });
    outcome.status = status;
    outcome.summary = format!("{}; {said}", outcome.summary);
    outcome.with_findings(findings)
}

/// A pass with tests that failed and passed only when nextest retried them (`retries` in
/// .config/nextest.toml: the thirteenth session's hostile trial hid a failing first attempt
/// so): each failed in this run, and `cargo test` runs a test once, so the run fails, each
/// named. (Inconclusive until the seventeenth session, which counts as a warning: READY with a
/// test that fails every first attempt, as it would on a fresh clone.)
fn retried(outcome: Outcome, flaky: &[String]) -> Outcome {
    if outcome.status != Status::Pass || flaky.is_empty() {
        return outcome;
    }
    let findings = flaky.iter().map(|name| {
        Finding::error(format!(
            "test `{name}` failed and then passed when nextest retried it (`retries` in \
             .config/nextest.toml): it failed in this run, and a pass on a retry shows nothing"
        ))
        .code(FindingCode::Flaky)
        .subject(name.clone())
    });
    let said = format!(
        "but {} test(s) failed and passed only when nextest retried them",
        flaky.len()
    );
    let fix = "make the named tests pass on their first attempt (logs/tests.log holds the \
               failed one): a pass on a retry shows nothing";
    qualified(outcome, (Status::Fail, &said, fix), findings.collect())
}

/// A pass with tests that nextest ended at their time limit and counted as passed (a
/// slow-timeout's `on-timeout = "pass"` in .config/nextest.toml: the sixteenth session's
/// hostile trial passed a test that slept, then failed, so): they never finished, and a test
/// that did not finish did not pass (a test nextest ends at the gate's limit fails), so the
/// run fails, each named.
fn ended_as_passes(outcome: Outcome, ended: &[String]) -> Outcome {
    if outcome.status != Status::Pass || ended.is_empty() {
        return outcome;
    }
    let findings = ended.iter().map(|name| {
        Finding::error(format!(
            "test `{name}` was ended at its time limit and counted as passed \
             (`on-timeout = \"pass\"` in .config/nextest.toml): it never finished"
        ))
        .code(FindingCode::TimeoutCountedAsPass)
        .subject(name.clone())
    });
    let said = format!(
        "but {} test(s) passed only by running out of time",
        ended.len()
    );
    let fix = "make the named tests finish within their limit, or drop `on-timeout = \"pass\"` \
               from .config/nextest.toml; a test meant to run until its time is up is no \
               test the gate can judge: `#[ignore = \"why\"]` it and run it in a job of its own";
    qualified(outcome, (Status::Fail, &said, fix), findings.collect())
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
                over.of_binary()
            ))
            .code(FindingCode::TestTimeout)
            .subject(over.binary.clone()),
        ];
    }
    over.tests
        .iter()
        .map(|name| {
            Finding::error(format!("test `{name}`{} {advice}", over.in_binary()))
                .code(FindingCode::TestTimeout)
                .subject(name.clone())
        })
        .collect()
}

/// A finding for each test the run reported failing, named.
fn failed_tests(counts: &TestCounts) -> impl Iterator<Item = Finding> + '_ {
    counts.failures.iter().map(|name| {
        Finding::error(format!("test failed: {name}"))
            .code(FindingCode::TestFailed)
            .subject(name.clone())
    })
}

/// The outcome of a run that did not succeed where no test failed: a target that failed by
/// its exit status alone (a custom harness), a build that failed (the compiler's errors), or
/// cargo's own error.
fn unsuccessful(captured: &Captured, runner_name: &str, tally: &str) -> Outcome {
    let failed = failed_targets(&captured.log);
    if !failed.is_empty() && compile_errors(&captured.log).is_empty() {
        // A target failed with no test of it failing: a custom harness (`harness = false`)
        // fails by its exit status alone (the hostile trial's was said "did not build").
        let findings = failed.iter().map(|target| {
            let why = match did_not_start(&captured.log, target) {
                Some(loader) => format!(
                    "its binary could not start ({loader}): what it links must be where the \
                     loader looks (LD_LIBRARY_PATH) when the tests run"
                ),
                None => "its binary exited with an error and no test of it reported failing \
                         (a custom harness, `harness = false`, fails by its exit status; so \
                         does a binary that exits before its tests report)"
                    .to_owned(),
            };
            Finding::error(format!("test target {target} failed: {why}"))
                .code(FindingCode::TestFailed)
                .subject(target.clone())
        });
        Outcome::fail(format!(
            "{runner_name}: {} test target(s) failed ({tally})",
            failed.len()
        ))
        .with_findings(findings)
    } else {
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
        let mut outcome = Outcome::fail(format!("{what} ({tally})")).with_fix(
            "fix the build of the tests (the findings name its errors); the full log is \
             logs/tests.log in the run record",
        );
        if compile_errors.is_empty() {
            // Not the compiler: cargo's own error (a build script that failed, a rust-version
            // the running rustc cannot build), with the cause that follows it.
            let errors = crate::facts::build_errors(&captured.log);
            if errors.is_empty() {
                outcome = outcome.with_finding(
                    Finding::error(cargo::first_error(&captured.log))
                        .code(FindingCode::TestsFailedToRun),
                );
            } else {
                outcome = outcome.with_findings(errors.into_iter().map(Finding::error));
            }
        }
        outcome.with_findings(compile_errors)
    }
}

/// The test targets cargo says failed, as it names them (`` `-p victim --test cases` ``): from
/// `error: test failed, to rerun pass …`, and the lines under `error: N target(s) failed:`.
fn failed_targets(log: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut listing = false;
    for line in log.lines() {
        let named = if let Some(target) = failed_target_line(line) {
            Some(target)
        } else if listing && line.starts_with(char::is_whitespace) {
            Some(line.trim())
        } else {
            None
        };
        listing = is_failed_targets_head(line) || listing && named.is_some();
        if let Some(target) = named.filter(|t| !t.is_empty())
            && !found.iter().any(|f| f == target)
        {
            found.push(target.to_owned());
        }
    }
    found
}

/// What the dynamic loader said when `target`'s binary could not start (LuchnikovI's test
/// binary, linked to a `libcublas.so.13` the loader could not find, exit status 127): its
/// `error while loading shared libraries` line, between cargo's `Running` for the binary and
/// its `test failed, to rerun pass` for the target.
fn did_not_start(log: &str, target: &str) -> Option<String> {
    let mut loader = None;
    for line in log.lines() {
        if line.trim_start().starts_with("Running ") {
            loader = None;
        } else if let Some(at) = line.find("error while loading shared libraries: ") {
            loader = Some(line[at..].trim().to_owned());
        } else if failed_target_line(line) == Some(target) {
            return loader;
        }
    }
    None
}

/// The target of cargo's `error: test failed, to rerun pass `X``.
fn failed_target_line(line: &str) -> Option<&str> {
    line.strip_prefix("error: test failed, to rerun pass ")
}

/// Whether `line` is cargo's `error: 2 targets failed:` (with `--no-fail-fast`).
fn is_failed_targets_head(line: &str) -> bool {
    line.strip_prefix("error: ")
        .and_then(|rest| rest.split_once(' '))
        .is_some_and(|(n, rest)| {
            n.parse::<u32>().is_ok() && matches!(rest, "target failed:" | "targets failed:")
        })
}

/// rustc errors in a build log, with their `--> file:line:col` locations.
fn compile_errors(log: &str) -> Vec<Finding> {
    let mut findings = Vec::new();
    // cargo's own errors (a failed build script, an MSRV refusal) carry their cause on the
    // lines that follow: keep those with the error.
    let blocks = crate::facts::build_errors(log);
    let mut lines = log.lines().peekable();
    while let Some(line) = lines.next() {
        // cargo's word that a test target failed is no compile error.
        let is_rustc_error = line.starts_with("error[")
            || (line.starts_with("error: ")
                && !line.contains("could not compile")
                && failed_target_line(line).is_none()
                && !is_failed_targets_head(line));
        if !is_rustc_error {
            continue;
        }
        let mut finding = Finding::error(line.trim_start_matches("error: ").to_owned())
            .code(FindingCode::CompileError);
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
    use crate::cache::Keep;
    use crate::facts::{Facts, Ran, TestClock, parse_libtest, parse_nextest};
    use std::path::PathBuf;
    use std::time::{Duration, Instant};

    /// A failed run says which test-changing variables were set; a passing one, or one
    /// with none set, says nothing of them.
    #[test]
    fn a_failed_run_names_the_variables_it_ran_with() {
        let set = std::collections::BTreeMap::from([("RUST_BACKTRACE".to_owned(), "1".to_owned())]);
        let failed = || Outcome::fail("1 failed");
        let notes = |o: &Outcome| -> Vec<String> {
            (o.findings.iter())
                .filter(|f| f.severity == crate::check::Severity::Note)
                .map(|f| f.message.clone())
                .collect()
        };
        assert_eq!(
            notes(&ran_with(failed(), &set)),
            [
                "the tests ran with RUST_BACKTRACE=\"1\" set (environment.json's \
                 `test_variables`): a failure may depend on them"
            ]
        );
        assert!(notes(&ran_with(failed(), &Default::default())).is_empty());
        assert!(notes(&ran_with(Outcome::pass("2 passed"), &set)).is_empty());
    }

    /// `cargo +stable gate pilot` in a workspace pinned to another release: no test runs,
    /// and the outcome says why (blocked by `toolchain.pinned` where that check runs, could
    /// not evaluate on its own at pilot). (The fact's own tests show that the pinned release,
    /// or a named channel, runs them.)
    #[test]
    fn tests_on_another_toolchain_than_the_pinned_one_are_no_evidence() {
        // The second: the trial's false READY (a dated nightly pinned, the gate run with
        // `RUSTUP_TOOLCHAIN=stable`: stable's tests passed for the nightly).
        for pin in ["1.95.0", "nightly-2021-12-04"] {
            let toml = format!("[toolchain]\nchannel = \"{pin}\"\n");
            let pinned = [("rust-toolchain.toml", toml.as_str())];
            let mut stable = crate::tools::environment::Environment::for_tests();
            stable.rustc.insert("release".into(), "1.97.0".into());
            let outcome =
                crate::checks::testing::with_files_and_environment(&pinned, stable, |ctx| {
                    TestsPass.run(ctx)
                });
            assert_eq!(outcome.status, Status::Skip, "{pin}");
            assert_eq!(outcome.blocked_by.as_deref(), Some("toolchain.pinned"));
            let alone = outcome
                .unblocked
                .as_deref()
                .expect("what it says on its own");
            assert_eq!(alone.skip, Some(SkipKind::Unavailable));
            let said =
                format!("cargo runs rustc 1.97.0, not the {pin} that rust-toolchain.toml pins");
            assert!(
                alone.summary.contains(&said)
                    && alone
                        .summary
                        .contains(&format!("rustup toolchain install {pin}")),
                "{}",
                alone.summary
            );
        }
    }
    use crate::check::Status;

    /// LuchnikovI's library tests linked a cuBLAS the loader could not find (exit status
    /// 127): said as a binary that could not start, with the loader's words, not as a custom
    /// harness; a target whose binary started and exited says what it did before.
    #[test]
    fn a_test_binary_the_loader_cannot_start_says_so() {
        let log = "     Running unittests src/lib.rs (target/debug/deps/dqc-1)\n/w/target/debug/deps/dqc-1: error while loading shared libraries: libcublas.so.13: cannot open shared object file: No such file or directory\nerror: test failed, to rerun pass `--lib`\n     Running tests/cli.rs (target/debug/deps/cli-2)\nerror: test failed, to rerun pass `--test cli`\n";
        let captured = Captured {
            code: Some(101),
            command_line: "cargo test".into(),
            log: log.into(),
            stopped: None,
        };
        let outcome = unsuccessful(&captured, "cargo test", "0 passed");
        let said: Vec<&str> = outcome
            .findings
            .iter()
            .map(|f| f.message.as_str())
            .collect();
        assert_eq!(said.len(), 2, "{said:#?}");
        assert!(
            said[0].starts_with(
                "test target `--lib` failed: its binary could not start (error while loading \
                 shared libraries: libcublas.so.13: cannot open shared object file"
            ),
            "{said:#?}"
        );
        assert!(
            said[1].contains("`--test cli` failed: its binary exited with an error"),
            "{said:#?}"
        );
    }

    /// A run stopped while cargo waited for a lock says so (the hostile trial's held build
    /// directory read as a suite that needed a longer limit); a wait that ended is no cause.
    #[test]
    fn a_run_stopped_waiting_for_a_lock_says_so() {
        let held = "    Blocking waiting for file lock on build directory\n";
        assert_eq!(
            waiting_for_a_lock(held),
            Some("Blocking waiting for file lock on build directory")
        );
        let passed = format!("{held}   Compiling victim v0.1.0\n");
        assert_eq!(waiting_for_a_lock(&passed), None);
        assert_eq!(waiting_for_a_lock("   Compiling victim v0.1.0\n"), None);
    }

    /// What to do follows what was found: an alias that replaced the test command is no
    /// failing test to fix, and a failing test's fix comes first where both are.
    #[test]
    fn the_fix_says_what_to_do_about_what_the_workspace_configures() {
        let dir = tempfile::tempdir().unwrap();
        let write = |rel: &str, text: &str| {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        let fix_of = |outcome: Outcome| {
            let judged = configured_by_workspace(outcome, dir.path(), (Runner::Nextest, None));
            (judged.status, judged.fix.unwrap_or_default())
        };
        write(
            ".config/nextest.toml",
            "[profile.default]\ndefault-filter = \"not test(slow)\"\n",
        );
        let pass = Outcome::pass("cargo nextest: 3 passed, 0 failed, 0 ignored");
        let (status, fix) = fix_of(pass.clone());
        assert_eq!(status, Status::Warn);
        assert!(fix.starts_with("run every test (drop the filter"), "{fix}");
        write(
            ".cargo/config.toml",
            "[alias]\nnextest = [\"test\", \"--no-run\"]\n",
        );
        std::fs::remove_file(dir.path().join(".config/nextest.toml")).unwrap();
        let (status, fix) = fix_of(pass);
        assert_eq!(status, Status::Fail);
        assert!(fix.starts_with("remove or rename the alias"), "{fix}");
        let (_, fix) = fix_of(Outcome::fail(
            "cargo nextest: 2 passed, 1 failed, 0 ignored",
        ));
        assert!(
            fix.starts_with(META.fix) && fix.contains("; and remove or rename the alias"),
            "{fix}"
        );
    }

    #[test]
    fn a_pass_on_inputs_that_failed_before_is_flaky_and_keeps_its_evidence() {
        let pass =
            Outcome::pass("cargo test: 3 passed, 0 failed, 0 ignored").with_artifact(LOG, "log");
        let flagged = flaky(pass.clone(), "r1", &[]);
        assert_eq!(flagged.status, Status::Inconclusive);
        assert!(
            flagged.findings[0]
                .message
                .ends_with("cache entry is), so look for a value or a file"),
            "{}",
            flagged.findings[0].message
        );
        // With suspects: named, with the line that puts them in the key.
        let named = flaky(
            pass,
            "r1",
            &["DATABASE_URL".to_owned(), "RUN_SLOW".to_owned()],
        );
        assert!(
            named.findings[0].message.ends_with(
                "set in one of the two runs only: DATABASE_URL, RUN_SLOW — if the tests read \
                 one, `[cache] env = [\"DATABASE_URL\", \"RUN_SLOW\"]` in gate.toml puts it in \
                 the key"
            ),
            "{}",
            named.findings[0].message
        );
        assert!(flagged.summary.ends_with(
            "but the same inputs failed in run r1: a flaky test, or an input no build records"
        ));
        assert_eq!(flagged.findings[0].code.as_deref(), Some("flaky"));
        assert_eq!(flagged.evidence(), [LOG]);
        // A failure stays what it is.
        let fail = flaky(Outcome::fail("x"), "r1", &[]);
        assert_eq!((fail.status, fail.findings.len()), (Status::Fail, 0));
        // The typed evidence stays too: the test run's names and counts, in the fact, where a
        // check that judges them after tests.pass (failure.paths) reads them.
        let green = "test tests::io_a ... ok\ntest result: ok. 1 passed; 0 failed; 0 ignored\n";
        let results = TestCounts::parse(green, Runner::CargoTest).results();
        assert_eq!(results.passed, ["tests::io_a"]);
        let run = TestRunFact::Ran(Box::new(Ran {
            run: TestRun::of(captured(0, green), None),
            runner: Runner::CargoTest,
            reused: None,
            build_reuse: None,
            failed_before: Some("r1".to_owned()),
            suspects: vec!["DATABASE_URL".to_owned()],
            results: results.clone(),
            unavailable: None,
            lockfile_unresolved: false,
        }));
        crate::checks::testing::with_context(&[], crate::config::Config::default(), |ctx| {
            let facts = Facts::gather(ctx.workspace, Vec::new()).with_test_run(run);
            let ctx = Context {
                facts: &facts,
                ..*ctx
            };
            let flagged = TestsPass.run(&ctx);
            assert_eq!(flagged.status, Status::Inconclusive);
            assert_eq!(flagged.findings[0].code.as_deref(), Some("flaky"));
            assert_eq!(flagged.evidence(), [LOG, RESULTS]);
            let kept = facts.test_run_gathered().expect("the test run is kept");
            assert_eq!(
                crate::shared::outcomes::test_results(&facts, ctx.cargo, kept),
                Ok(&results)
            );
        });
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

    /// A failing test's own output that starts with `Running` (apache/mahout's
    /// `gpu_memory_safety.rs` printed `Running 100 iterations of encode + free`) is no new
    /// binary: one test failed, in its binary, and no binary ended early.
    #[test]
    fn a_tests_own_running_line_is_no_binary() {
        let log = "     Running tests/t.rs (target/debug/deps/t-1)\n\nrunning 1 test\ntest prints ... FAILED\n\nfailures:\n\n---- prints stdout ----\nRunning 100 iterations of encode + free\n     Running 4 workers\n\nthread 'prints' panicked at tests/t.rs:4:5:\nboom\n\n\nfailures:\n    prints\n\ntest result: FAILED. 0 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s\n\n     Running target/debug/deps/old-2\n\nrunning 1 test\ntest a ... ok\n";
        let counts = parse_libtest(log);
        assert_eq!(counts.failures, ["prints (tests/t.rs)"]);
        // Cargo before 1.52 named the executable alone: still a binary, here one that ended
        // without its result (its one pass counted).
        assert_eq!((counts.passed, counts.failed), (1, 1));
        assert_eq!(counts.silent, ["target/debug/deps/old-2"]);
    }

    #[test]
    fn a_binary_that_exits_before_its_result_fails_naming_it() {
        // The second binary printed `running 2 tests`, one result, then exited 0: cargo
        // reports success, but a test never reported.
        // What it printed test by test counts (rust-openssl: twelve FAILED, then an abort,
        // was "0 failed"), and its failed test is named.
        let log = "     Running unittests src/lib.rs (target/debug/deps/app-1)\n\nrunning 1 test\ntest a ... ok\n\ntest result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out\n\n     Running tests/exits.rs (target/debug/deps/exits-2)\n\nrunning 4 tests\ntest b ... ok\ntest c ... FAILED\ntest d ... ignored, slow\n     Running tests/custom.rs (target/debug/deps/custom-3)\ncustom harness output\n";
        let counts = parse_libtest(log);
        assert_eq!(counts.silent, ["tests/exits.rs"]);
        let outcome = evaluate(&captured(0, log), None, Runner::CargoTest, false);
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(
            outcome.summary,
            "cargo test: 1 test binary(ies) ended without a result line (2 passed, 1 failed, 1 ignored)"
        );
        assert!(
            outcome.findings[0]
                .message
                .starts_with("test binary tests/exits.rs exited")
        );
        assert_eq!(
            outcome.findings[1].message,
            "test failed: c (tests/exits.rs)"
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

    /// A custom harness (`harness = false`) that fails by its exit status: cargo's word
    /// that the target failed names it; it built (the hostile trial's was "did not build").
    #[test]
    fn a_target_that_failed_with_no_failing_test_is_named() {
        let log = "running 1 test\ntest t ... ok\n\ntest result: ok. 1 passed; 0 failed; 0 \
                   ignored; 0 measured; 0 filtered out; finished in 0.00s\n\ncase two ... \
                   FAILED\nerror: test failed, to rerun pass `-p victim --test cases`\n\n\
                   Caused by:\n  process didn't exit successfully: `cases` (exit status: 1)\n\
                   error: 1 target failed:\n    `-p victim --test cases`\n$ cargo test --doc\n";
        let outcome = evaluate(&captured(101, log), None, Runner::CargoTest, false);
        assert_eq!(outcome.status, Status::Fail);
        assert!(
            outcome.summary.contains("1 test target(s) failed"),
            "{}",
            outcome.summary
        );
        assert_eq!(outcome.findings.len(), 1, "{:#?}", outcome.findings);
        assert_eq!(
            outcome.findings[0].subject.as_deref(),
            Some("`-p victim --test cases`")
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

    /// `retries` in .config/nextest.toml (the hostile trials): a test that failed its first
    /// attempt and passed its second failed in this run: the run fails.
    #[test]
    fn a_test_that_passed_only_on_a_retry_fails_the_run() {
        let log = "  TRY 1 FAIL [   0.093s] (─────) cli cli::first_try\n  TRY 2 PASS [   0.006s] (1/2) cli cli::first_try\n   FLAKY 2/3 [   0.006s] (1/2) cli cli::first_try\n        PASS [   0.003s] (2/2) cli cli::steady\n────────────\n     Summary [   0.100s] 2 tests run: 2 passed (1 flaky), 0 skipped\n   FLAKY 2/3 [   0.006s] (1/2) cli cli::first_try\n";
        let counts = parse_nextest(log);
        assert_eq!(counts.flaky, ["cli cli::first_try"]);
        assert_eq!(counts.failed, 0);
        let outcome = evaluate(&captured(0, log), None, Runner::Nextest, false);
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
        assert_eq!(outcome.findings[0].code.as_deref(), Some("flaky"));
    }

    /// Doc tests that failed beside a rebuild and passed only alone fail the run, each
    /// named (the thirty-fifth session's hostile pass: a proc-macro failing its first
    /// expansion was READY); a failure stays the failure it was.
    #[test]
    fn doc_tests_that_passed_only_alone_fail_the_run() {
        let pass = Outcome::pass("cargo test: 2 passed, 0 failed, 0 ignored");
        let named = passed_alone(pass.clone(), &["dt/src/lib.rs - one (line 3)".to_owned()]);
        assert_eq!(named.status, Status::Fail, "{named:?}");
        assert_eq!(named.findings[0].code.as_deref(), Some("flaky"));
        assert_eq!(
            named.findings[0].subject.as_deref(),
            Some("dt/src/lib.rs - one (line 3)")
        );
        assert_eq!(passed_alone(pass.clone(), &[]).status, Status::Pass);
        let fail = passed_alone(Outcome::fail("x"), &["a".to_owned()]);
        assert!(fail.findings.is_empty());
    }

    /// `final-status-level = "none"` beside `retries` (the seventeenth session's second
    /// hostile pass): nextest prints the failed attempt but no `FLAKY` line, and the summary
    /// says `2 passed (1 flaky)`; the attempt names the test, and the run fails.
    #[test]
    fn a_failed_attempt_is_read_where_nextest_prints_no_flaky_line() {
        let log = "  TRY 1 FAIL [   0.093s] (─────) cli cli::first_try\n  TRY 2 PASS [   \
                   0.006s] (1/2) cli cli::first_try\n        PASS [   0.003s] (2/2) cli \
                   cli::steady\n────────────\n     Summary [   0.100s] 2 tests run: 2 passed \
                   (1 flaky), 0 skipped\n";
        let counts = parse_nextest(log);
        assert_eq!(counts.flaky, ["cli cli::first_try"]);
        let outcome = evaluate(&captured(0, log), None, Runner::Nextest, false);
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
    }

    /// A retried test that fails every attempt ends on `TRY 3 FAIL`, not `FAIL`: it is a
    /// failure, named, not a flaky pass (the review of the second pass's fix).
    #[test]
    fn a_test_that_fails_every_attempt_is_a_failure() {
        let log = "  TRY 1 FAIL [   0.093s] (─────) cli cli::always\n  TRY 2 FAIL [   \
                   0.006s] (1/1) cli cli::always\n────────────\n     Summary [   0.100s] 1 \
                   test run: 0 passed, 1 failed, 0 skipped\n";
        let counts = parse_nextest(log);
        assert_eq!(counts.failures, ["cli cli::always"]);
        assert!(counts.flaky.is_empty(), "{:?}", counts.flaky);
    }

    /// `on-timeout = "pass"` in .config/nextest.toml (the sixteenth session's hostile trial):
    /// nextest counts a test it ended at its limit as passed, in its summary too; the gate
    /// names it and fails the run, as it does a test nextest ends at the gate's own limit.
    #[test]
    fn a_test_ended_at_its_limit_and_counted_as_passed_fails() {
        let log = "        PASS [   0.008s] (1/2) victim tests::ok\n TERMINATING [>  1.000s] (───) victim slow::converges\nTIMEOUT-PASS [   1.003s] (2/2) victim slow::converges\n────────────\n     Summary [   1.003s] 2 tests run: 2 passed, 0 skipped\n";
        let counts = parse_nextest(log);
        assert_eq!(counts.timed_out_passed, ["victim slow::converges"]);
        assert_eq!(counts.passes, ["victim tests::ok"]);
        let outcome = evaluate(&captured(0, log), None, Runner::Nextest, false);
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
        assert_eq!(
            outcome.findings[0].code.as_deref(),
            Some("timeout-counted-as-pass")
        );
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
            clock.watch(b"   Doc-tests app\n\nrunning 1 test\n", t0),
            None
        );
        let why = clock
            .watch(b"", t0 + Duration::from_millis(2_000))
            .expect("stopped");
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
             run was stopped (1 passed, 0 failed, 0 ignored before it was stopped); if it needs \
             longer, raise `[tests] test-timeout` in gate.toml"
        );
        assert_eq!(outcome.findings.len(), 1);
        assert_eq!(outcome.findings[0].code.as_deref(), Some("test-timeout"));
        assert_eq!(outcome.findings[0].subject.as_deref(), Some("spins"));
        let run = |over_limit: Option<OverLimit>| TestRun::of(stopped.clone(), over_limit);
        assert_eq!(run(Some(over)).keep(Runner::CargoTest, false), Keep::Failed);
        assert_eq!(run(None).keep(Runner::CargoTest, false), Keep::Not);
    }

    /// The evidence cache keeps a run (in the test-run fact) as this check judges it: a
    /// failure as failed, a skip (the environment's fault) not at all, a pass or a warning
    /// as passed.
    #[test]
    fn the_cache_keeps_a_run_as_the_check_judges_it() {
        let silent = "     Running tests/exits.rs (target/debug/deps/exits-2)\n\nrunning 2 tests\ntest b ... ok\n";
        let green = "test result: ok. 4 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out\n";
        let empty = "test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out\n";
        let compile = "error[E0425]: cannot find value `x` in this scope\n --> src/lib.rs:2:5\n";
        let offline = "error: failed to download `serde v1.0.0`\nCaused by:\n  attempting to make an HTTP request, but --offline was specified\n";
        let locked =
            "error: the lock file needs to be updated but --locked was passed to prevent this\n";
        let nextest = "        FAIL [   0.005s] app tests::breaks\n     Summary [   0.010s] 1 test run: 0 passed, 1 failed\n";
        let cases = [
            (0, FAILING, Runner::CargoTest),
            (101, FAILING, Runner::CargoTest),
            (0, silent, Runner::CargoTest),
            (0, green, Runner::CargoTest),
            (0, empty, Runner::CargoTest),
            (101, green, Runner::CargoTest),
            (101, compile, Runner::CargoTest),
            (101, offline, Runner::CargoTest),
            (101, locked, Runner::CargoTest),
            (100, nextest, Runner::Nextest),
            (0, "", Runner::Nextest),
        ];
        for (code, log, runner) in cases {
            for offline in [false, true] {
                let captured = captured(code, log);
                let judged = match evaluate(&captured, None, runner, offline).status {
                    Status::Fail => Keep::Failed,
                    Status::Skip => Keep::Not,
                    _ => Keep::Passed,
                };
                let run = TestRun::of(captured, None);
                assert_eq!(run.keep(runner, offline), judged, "{code} {offline}: {log}");
            }
        }
    }
}
