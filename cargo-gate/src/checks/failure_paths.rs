//! `failure.paths`: each failure path declared in `[tests] failure-paths` (io, process, net,
//! thread, …) has at least one test whose name matches its pattern that ran and passed in
//! this run — read from the test run `tests.pass` gathers (a fact of the run), not from the
//! source.

use crate::check::{
    After, Check, CheckMeta, Code, ConfigKey, Context, Finding, Location, Outcome, SkipKind, Status,
};
use crate::shared::outcomes::test_results;
use crate::stage::Stage;

/// The `failure.paths` check.
#[derive(Debug)]
pub struct FailurePaths;

static META: CheckMeta = CheckMeta {
    id: "failure.paths",
    stage: Stage::Controlled,
    summary: "each declared failure path (io, process, net, thread) has a test that ran and passed",
    fix: "write a test whose name contains the failure path's pattern (e.g. `io_` for io) that exercises the failure, or fix the failing one",
    codes: FindingCode::ALL,
    config: &[ConfigKey {
        key: "[tests] failure-paths",
        default: "{}",
        meaning: "failure path name = a substring of the test names that exercise it",
    }],
};

crate::finding_codes! {
    /// The codes of this check's findings (their names are stable: never renamed).
    enum FindingCode {
        NoFailurePaths => Code {
            name: "no-failure-paths",
            summary: "no [tests] failure-paths declared",
        },
        FailurePathUntested => Code {
            name: "failure-path-untested",
            summary: "a declared failure path has no passing test",
        },
    }
}

impl Check for FailurePaths {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    /// After `tests.pass`, though it reads no outcome: the test run it judges is a fact that
    /// `tests.pass` gathers (this check reads it only when gathered, see
    /// [`Facts::test_run_gathered`](crate::facts::Facts::test_run_gathered)), so the ordering
    /// makes it run once the run is there, `--only failure.paths` pulls `tests.pass` in, and
    /// the reports (and their snapshots) show that order.
    fn after(&self) -> After {
        After::Checks(&["tests.pass"])
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        let paths = &ctx.config.failure_paths;
        if paths.is_empty() {
            return undeclared(ctx);
        }
        let Some(run) = ctx.facts.test_run_gathered() else {
            return Outcome::skip(
                SkipKind::NotApplicable,
                "tests.pass was not run (--skip?), so no test results to read",
            );
        };
        let results = match test_results(ctx.facts, ctx.cargo, run) {
            Ok(results) => results,
            Err((status, summary)) => {
                return Outcome::skip(
                    if status == Status::Skip {
                        SkipKind::Unavailable
                    } else {
                        SkipKind::NotApplicable
                    },
                    format!("tests.pass produced no test results ({summary})"),
                );
            }
        };
        let (passed, failed) = (&results.passed, &results.failed);
        let mut findings = Vec::new();
        let mut covered = Vec::new();
        for (path, pattern) in paths {
            let passing: Vec<&String> = passed
                .iter()
                .filter(|n| n.contains(pattern.as_str()))
                .collect();
            let failing = failed
                .iter()
                .filter(|n| n.contains(pattern.as_str()))
                .count();
            if passing.is_empty() {
                let why = if failing > 0 {
                    format!("{failing} matching test(s) failed")
                } else {
                    "no test name contains it".to_owned()
                };
                findings.push(
                    Finding::error(format!(
                        "failure path `{path}` (pattern `{pattern}`): no passing test; {why}"
                    ))
                    .code(FindingCode::FailurePathUntested)
                    .subject(path.clone()),
                );
            } else {
                covered.push(format!("{path} ({})", passing.len()));
            }
        }
        if findings.is_empty() {
            Outcome::pass(format!(
                "every failure path has passing tests: {}",
                covered.join(", ")
            ))
        } else {
            Outcome::fail(format!(
                "{} of {} failure path(s) without a passing test",
                findings.len(),
                paths.len()
            ))
            .with_findings(findings)
        }
    }
}

/// No failure path declared: a warning that asks for them, at the configuration file when
/// there is one (never at one that does not exist).
fn undeclared(ctx: &Context<'_>) -> Outcome {
    Outcome::warn(
        "no failure paths declared: nothing shows the io/process/net/thread failure handling is tested",
    )
    .with_finding({
        let finding = Finding::warning(
            "declare them: [tests] failure-paths = { io = \"io_\", process = \"process_\" }",
        )
        .code(FindingCode::NoFailurePaths);
        // At the configuration file, when there is one (never at one that does not
        // exist).
        match ctx.config.source.file() {
            Some(file) => finding.at(Location::file(file)),
            None => finding,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::with_context;
    use crate::config::Config;
    use crate::facts::{Facts, Ran, Runner, TestResults, TestRun, TestRunFact};

    fn config(paths: &[(&str, &str)]) -> Config {
        Config {
            failure_paths: paths
                .iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect(),
            ..Config::default()
        }
    }

    /// A test run that reported these tests as passed and failed.
    fn ran(passed: &[&str], failed: &[&str]) -> TestRunFact {
        let names = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect();
        TestRunFact::Ran(Box::new(Ran {
            run: TestRun::of(
                crate::tools::cargo::Captured {
                    command_line: "cargo test".to_owned(),
                    code: Some(0),
                    log: String::new(),
                    stopped: None,
                },
                None,
            ),
            runner: Runner::CargoTest,
            reused: None,
            build_reuse: None,
            failed_before: None,
            suspects: Vec::new(),
            results: TestResults {
                passed: names(passed),
                failed: names(failed),
                ..TestResults::default()
            },
            unavailable: None,
            lockfile_unresolved: false,
        }))
    }

    /// Runs the check with `run` as the test run (`None`: tests.pass did not run).
    fn judge(config: Config, run: Option<TestRunFact>) -> Outcome {
        with_context(&[], config, |ctx| {
            let mut facts = Facts::gather(ctx.workspace, Vec::new());
            if let Some(run) = run {
                facts = facts.with_test_run(run);
            }
            FailurePaths.run(&crate::check::Context {
                facts: &facts,
                ..*ctx
            })
        })
    }

    #[test]
    fn each_path_needs_a_passing_test() {
        let cases = [
            (
                &["io_missing_file_is_reported", "process_exit_code"][..],
                &[][..],
                Status::Pass,
            ),
            (&["io_missing_file_is_reported"][..], &[][..], Status::Fail),
            (
                &["io_missing_file_is_reported"][..],
                &["process_exit_code"][..],
                Status::Fail,
            ),
        ];
        for (passed, failed, want) in cases {
            let outcome = judge(
                config(&[("io", "io_"), ("process", "process_")]),
                Some(ran(passed, failed)),
            );
            assert_eq!(outcome.status, want, "{passed:?} {failed:?}: {outcome:?}");
        }
    }

    #[test]
    fn the_failure_says_whether_tests_failed_or_do_not_exist() {
        let outcome = judge(
            config(&[("net", "net_"), ("thread", "thread_")]),
            Some(ran(&[], &["net_timeout"])),
        );
        let messages: Vec<&str> = outcome
            .findings
            .iter()
            .map(|f| f.message.as_str())
            .collect();
        assert_eq!(
            messages,
            [
                "failure path `net` (pattern `net_`): no passing test; 1 matching test(s) failed",
                "failure path `thread` (pattern `thread_`): no passing test; no test name contains it",
            ]
        );
    }

    #[test]
    fn nothing_declared_warns_and_no_results_is_not_a_pass() {
        let none = judge(Config::default(), Some(ran(&[], &[])));
        assert_eq!(none.status, Status::Warn);
        let skipped = judge(config(&[("io", "io_")]), None);
        assert_eq!(skipped.status, Status::Skip);
    }
}
