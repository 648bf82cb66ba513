//! `bench.regression`: runs the benchmarks (`[bench] command`) and compares every
//! benchmark's p50 and p95 with the stored baseline (`[bench] baseline`). Slower than
//! `[bench] max-regression` fails; noise larger than the threshold with a change inside the
//! noise is INCONCLUSIVE (counts as WARN); a benchmark of the baseline that no longer
//! produces a result fails. The rules and the file formats are in [`crate::bench`].
//!
//! No baseline is a SKIP (not applicable) naming the command that creates one; the
//! benchmarks are not run then. The figures and the comparison are kept as
//! `bench/results.json`, the command's output as `logs/bench.log`.

use crate::bench::{
    self, Baseline, BenchError, BenchSettings, BenchVerdict, Comparison, Measurement,
};
use crate::check::{
    Check, CheckMeta, Code, ConfigKey, Context, Finding, Location, Outcome, SkipKind,
};
use crate::config::section::Section;
use crate::shared::locate::relative;
use crate::shared::sections::BENCH;
use crate::stage::Stage;
use std::path::Path;

/// The `bench.regression` check.
#[derive(Debug)]
pub struct BenchRegression;

static META: CheckMeta = CheckMeta {
    id: "bench.regression",
    stage: Stage::Broad,
    summary: "p50/p95 of every benchmark within `[bench] max-regression` of the stored baseline; too noisy to decide = INCONCLUSIVE",
    fix: "find what made the named benchmarks slower (bench/results.json in the run record has the figures) and fix it; if the change is intended, re-measure with `cargo gate bench --save-baseline` and commit the baseline; for INCONCLUSIVE, make the benchmarks less noisy (a quieter machine, more samples)",
    codes: FindingCode::ALL,
    config: &[
        ConfigKey {
            key: "[bench] baseline",
            default: "\"benches/baseline.json\"",
            meaning: "the baseline `cargo gate bench --save-baseline` writes",
        },
        ConfigKey {
            key: "[bench] max-regression",
            default: "0.05",
            meaning: "the slowdown allowed against the baseline (a fraction)",
        },
        ConfigKey {
            key: "[bench] command",
            default: "[\"cargo\", \"bench\", \"--locked\", \"--workspace\"]",
            meaning: "how the benchmarks run",
        },
        ConfigKey {
            key: "[bench] no-benchmarks",
            default: "-",
            meaning: "the decision that the workspace has no benchmarks, `{ owner, reason }`: passes while no bench target and no baseline exist",
        },
    ],
};

crate::finding_codes! {
    /// The codes of this check's findings (their names are stable: never renamed).
    enum FindingCode {
        Regressed => Code {
            name: "regressed",
            summary: "a benchmark is slower than the baseline by more than [bench] max-regression",
        },
        TooNoisy => Code {
            name: "too-noisy",
            summary: "a benchmark is too noisy to decide",
        },
        BenchmarkMissing => Code {
            name: "benchmark-missing",
            summary: "a benchmark of the baseline produced no result",
        },
        BaselineUnusable => Code {
            name: "baseline-unusable",
            summary: "the baseline file cannot be used",
        },
        BenchCommandFailed => Code {
            name: "bench-command-failed",
            summary: "the benchmark command failed",
        },
        NoBenchResults => Code {
            name: "no-bench-results",
            summary: "the benchmark command left no results",
        },
        BenchmarksExist => Code {
            name: "benchmarks-exist",
            summary: "gate.toml states there are no benchmarks, but the workspace has some",
        },
    }
}

/// The artifact with the current figures and the comparison.
pub const RESULTS: &str = bench::RESULTS_ARTIFACT;

/// The bench command's output.
pub const LOG: &str = "logs/bench.log";

impl Check for BenchRegression {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn section(&self) -> Option<&'static dyn Section> {
        Some(&BENCH)
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        let root = &ctx.workspace.root;
        let path = bench::baseline_path(ctx.workspace, ctx.config);
        let shown = relative(root, &path);
        let settings = ctx.config.section(&crate::shared::sections::BENCH);
        if let Some(decision) = &settings.no_benchmarks {
            return no_benchmarks(ctx, decision, &path, &shown);
        }
        let baseline = match bench::read_baseline(&path) {
            Ok(Some(baseline)) => baseline,
            Ok(None) => {
                let default_command = settings.command == BenchSettings::default().command;
                let reason = if default_command && bench::bench_targets(ctx.workspace).is_empty() {
                    // Nothing to measure, and nothing said about it: the two ways out.
                    format!(
                        "the workspace has no benchmarks (no bench target) and no baseline at \
                         {shown}: if none are needed, record the decision in gate.toml with \
                         `{}`; otherwise add one and run `{}`",
                        bench::NO_BENCHMARKS_LINE,
                        bench::SAVE_BASELINE_COMMAND
                    )
                } else {
                    format!(
                        "no benchmark baseline at {shown}: run `{}` to measure one and commit it",
                        bench::SAVE_BASELINE_COMMAND
                    )
                };
                return Outcome::skip(SkipKind::NotApplicable, reason);
            }
            Err(e) => {
                return Outcome::fail(format!("the benchmark baseline {shown} cannot be used"))
                    .with_finding(
                        Finding::error(describe(&e, root))
                            .code(FindingCode::BaselineUnusable)
                            .at(Location::file(shown)),
                    );
            }
        };
        match bench::measure(ctx.workspace, ctx.config, ctx.environment) {
            Err(e) => Outcome::skip(SkipKind::Unavailable, describe(&e, root)),
            Ok(measurement) => evaluate(
                measurement,
                &baseline,
                &shown,
                ctx.config
                    .section(&crate::shared::sections::BENCH)
                    .max_regression,
                root,
            ),
        }
    }
}

/// `[bench] no-benchmarks`: a decision that holds while the workspace has no bench target and
/// no baseline. Once either appears, the statement is false and fails, naming them.
fn no_benchmarks(
    ctx: &Context<'_>,
    decision: &bench::Decision,
    baseline: &Path,
    shown: &str,
) -> Outcome {
    let mut found: Vec<(String, String)> = bench::bench_targets(ctx.workspace)
        .into_iter()
        .map(|(member, path)| {
            (
                format!("member `{member}` has the bench target {path}"),
                path,
            )
        })
        .collect();
    if baseline.is_file() {
        found.push((
            format!("a benchmark baseline exists at {shown}"),
            shown.to_owned(),
        ));
    }
    if found.is_empty() {
        return Outcome::pass(format!(
            "no benchmarks, a decision recorded in gate.toml by {}: {}",
            decision.owner, decision.reason
        ));
    }
    let findings = found.iter().map(|(what, file)| {
        Finding::error(format!(
            "gate.toml says the workspace has no benchmarks ([bench] no-benchmarks, owner {}), \
             but {what}",
            decision.owner
        ))
        .code(FindingCode::BenchmarksExist)
        .at(Location::file(file))
    });
    Outcome::fail(format!(
        "[bench] no-benchmarks is no longer true: {} found; remove the statement and run `{}`",
        found.len(),
        bench::SAVE_BASELINE_COMMAND
    ))
    .with_findings(findings.collect::<Vec<_>>())
}

/// An error as a sentence, with paths relative to `root`.
fn describe(err: &BenchError, root: &Path) -> String {
    match err {
        BenchError::NoResults { looked } => format!(
            "no benchmark results found: looked for {}",
            looked
                .iter()
                .map(|p| relative(root, p))
                .collect::<Vec<_>>()
                .join(" and ")
        ),
        BenchError::Malformed { path, message } => {
            format!("{}: {message}", relative(root, path))
        }
        BenchError::Io { path, source } => format!("{}: {source}", relative(root, path)),
        other => other.to_string(),
    }
}

fn percent(fraction: f64) -> String {
    format!("{:.1}%", fraction * 100.0)
}

/// Turns a finished bench command into the outcome: `baseline_file` is the baseline's path as
/// shown (workspace-relative), `root` the workspace root.
pub fn evaluate(
    measurement: Measurement,
    baseline: &Baseline,
    baseline_file: &str,
    max_regression: f64,
    root: &Path,
) -> Outcome {
    let Measurement {
        command,
        log,
        results,
    } = measurement;
    let measured = match results {
        Ok(measured) => measured,
        Err(e) => {
            let outcome = match &e {
                BenchError::Unavailable { reason } => Outcome::skip(
                    SkipKind::Unavailable,
                    format!("the benchmarks were not run: {reason}"),
                ),
                BenchError::Failed { tail, .. } => Outcome::fail(e.to_string()).with_finding(
                    Finding::error(format!("last lines: {}", tail.join(" | ")))
                        .code(FindingCode::BenchCommandFailed),
                ),
                BenchError::NoResults { .. } => Outcome::fail(format!(
                    "`{command}` left no benchmark results"
                ))
                .with_finding(Finding::error(describe(&e, root)).code(FindingCode::NoBenchResults)),
                _ => Outcome::fail(describe(&e, root)),
            };
            return outcome.with_artifact(LOG, log);
        }
    };
    let comparisons = bench::compare(baseline, &measured.benchmarks, max_regression);
    let threshold = percent(max_regression);
    let mut findings = Vec::new();
    for c in &comparisons {
        if let Some(finding) = finding(c, max_regression, &threshold, baseline_file) {
            findings.push(finding);
        }
    }
    if measured.stale_ignored > 0 {
        findings.push(Finding::note(format!(
            "{} criterion result(s) older than this run were ignored (benchmarks that no longer exist?)",
            measured.stale_ignored
        )));
    }
    let count = |v: BenchVerdict| comparisons.iter().filter(|c| c.verdict == v).count();
    let (regressed, inconclusive, missing) = (
        count(BenchVerdict::Regressed),
        count(BenchVerdict::Inconclusive),
        count(BenchVerdict::Missing),
    );
    let total = baseline.benchmarks.len();
    let outcome = if regressed + missing > 0 {
        let mut parts = Vec::new();
        if regressed > 0 {
            parts.push(format!(
                "{regressed} of {total} benchmarks slower than the baseline allows (+{threshold})"
            ));
        }
        if missing > 0 {
            parts.push(format!(
                "{missing} of {total} benchmarks of the baseline produced no result"
            ));
        }
        Outcome::fail(parts.join("; "))
    } else if inconclusive > 0 {
        Outcome::inconclusive(format!(
            "{inconclusive} of {total} benchmarks too noisy to decide against the +{threshold} threshold; {} within it",
            total - inconclusive
        ))
    } else if total == 0 {
        Outcome::fail(format!(
            "the baseline {baseline_file} holds no benchmark: nothing was compared"
        ))
    } else {
        let worst = comparisons
            .iter()
            .filter_map(|c| Some((c, c.slower_p50?.max(c.slower_p95?))))
            .max_by(|a, b| a.1.total_cmp(&b.1));
        let worst = worst.map_or_else(String::new, |(c, w)| {
            format!(" (worst: `{}` {})", c.id, bench::format_change(w))
        });
        Outcome::pass(format!(
            "{total} benchmarks within +{threshold} of the baseline on p50 and p95{worst}"
        ))
    };
    let source = match &measured.source {
        bench::Source::Json(p) => serde_json::json!({"kind": "json", "path": relative(root, p)}),
        bench::Source::Criterion(p) => {
            serde_json::json!({"kind": "criterion", "path": relative(root, p)})
        }
    };
    let artifact = serde_json::json!({
        "schema_version": bench::SCHEMA_VERSION,
        "command": command,
        "source": source,
        "max_regression": max_regression,
        "baseline": {
            "path": baseline_file,
            "created_at": baseline.created_at,
            "commit": baseline.commit,
            "toolchain": baseline.toolchain,
            "host": baseline.host,
        },
        "benchmarks": measured.benchmarks,
        "comparison": comparisons,
    });
    outcome
        .with_findings(findings)
        .with_artifact(LOG, log)
        .with_artifact(
            RESULTS,
            serde_json::to_vec_pretty(&artifact).expect("results serialise"),
        )
}

fn finding(
    c: &Comparison,
    max_regression: f64,
    threshold: &str,
    baseline_file: &str,
) -> Option<Finding> {
    let figures = || {
        let (Some(base), Some(now), Some(p50), Some(p95)) =
            (&c.baseline, &c.current, c.slower_p50, c.slower_p95)
        else {
            return String::new();
        };
        format!(
            "p50 {} vs {} ({}), p95 {} vs {} ({})",
            bench::format_ns(now.p50_ns),
            bench::format_ns(base.p50_ns),
            bench::format_change(p50),
            bench::format_ns(now.p95_ns),
            bench::format_ns(base.p95_ns),
            bench::format_change(p95),
        )
    };
    let noise = c.noise.unwrap_or(0.0);
    let finding = match c.verdict {
        BenchVerdict::Pass => return None,
        BenchVerdict::Regressed => {
            let beyond = if noise > max_regression {
                format!(", beyond the noise of {}", percent(noise))
            } else {
                String::new()
            };
            Finding::error(format!(
                "`{}` regressed: {}; allowed +{threshold}{beyond}",
                c.id,
                figures()
            )).code(FindingCode::Regressed)
        }
        BenchVerdict::Inconclusive => Finding::warning(format!(
            "`{}` too noisy to decide: noise (IQR/median) {} exceeds the +{threshold} threshold and the change is within it; {}",
            c.id,
            percent(noise),
            figures()
        )).code(FindingCode::TooNoisy),
        BenchVerdict::Missing => Finding::error(format!(
            "`{}` is in the baseline but produced no result: a benchmark that disappeared is not a pass (if it was removed on purpose, re-measure with `{}`)",
            c.id,
            bench::SAVE_BASELINE_COMMAND
        )).code(FindingCode::BenchmarkMissing)
        .at(Location::file(baseline_file)),
        BenchVerdict::New => Finding::note(format!(
            "`{}` is new (not in the baseline): p50 {}, p95 {}",
            c.id,
            c.current.map_or_else(String::new, |s| bench::format_ns(s.p50_ns)),
            c.current.map_or_else(String::new, |s| bench::format_ns(s.p95_ns)),
        )),
    };
    Some(finding.subject(c.id.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{Severity, Status};
    use crate::checks::testing::with_files;
    use crate::config::Config;

    const BASELINE: &str = r#"{"schema_version":1,"created_at":"2026-11-20T00:00:00Z","commit":null,"toolchain":"1.95.0","host":null,
 "benchmarks":[{"id":"parse/small","p50_ns":1000.0,"p95_ns":1100.0,"noise":0.01},
               {"id":"parse/large","p50_ns":100000.0,"p95_ns":110000.0,"noise":0.01}]}"#;

    fn results(small: &[f64], large: &[f64]) -> String {
        serde_json::json!({"schema_version": 1, "benchmarks": [
            {"id": "parse/small", "samples_ns": small},
            {"id": "parse/large", "samples_ns": large},
        ]})
        .to_string()
    }

    /// The platform's shell, and how it is given a script.
    const SHELL: &str = if cfg!(windows) { "cmd" } else { "sh" };
    const FLAG: &str = if cfg!(windows) { "/C" } else { "-c" };

    fn config_running(script: &str) -> Config {
        Config::default().with_section(
            &crate::shared::sections::BENCH,
            BenchSettings {
                command: [SHELL, FLAG, script].map(String::from).to_vec(),
                ..BenchSettings::default()
            },
        )
    }

    /// Copies results.json to where the check says the results go. (Unquoted for cmd: the
    /// standard library escapes a quote inside an argument as `\"`, which cmd does not read.)
    const COPY: &str = if cfg!(windows) {
        "copy /Y results.json %GATE_BENCH_JSON% >NUL"
    } else {
        "cat results.json > \"$GATE_BENCH_JSON\""
    };

    fn run(files: &[(&str, &str)], config: Config) -> Outcome {
        with_files(files, &[], config, |ctx| BenchRegression.run(ctx))
    }

    fn deciding_no_benchmarks() -> Config {
        Config::default().with_section(
            &crate::shared::sections::BENCH,
            BenchSettings {
                no_benchmarks: Some(bench::Decision {
                    owner: "platform-team".into(),
                    reason: "a CLI whose speed is not a rollout risk".into(),
                }),
                ..BenchSettings::default()
            },
        )
    }

    fn run_members(files: &[(&str, &str)], config: Config) -> Outcome {
        with_files(files, &["app", "lib"], config, |ctx| {
            BenchRegression.run(ctx)
        })
    }

    #[test]
    fn no_benchmarks_is_a_decision_that_holds_only_while_true() {
        let manifest = "[package]\nname = \"app\"\nversion = \"0.1.0\"\n";
        let outcome = run_members(&[("app/Cargo.toml", manifest)], deciding_no_benchmarks());
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert_eq!(
            outcome.summary,
            "no benchmarks, a decision recorded in gate.toml by platform-team: a CLI whose speed \
             is not a rollout risk"
        );
        // Switched off auto-discovery: a file in benches/ is no bench target.
        let off = "[package]\nname = \"app\"\nversion = \"0.1.0\"\nautobenches = false\n";
        let outcome = run_members(
            &[("app/Cargo.toml", off), ("app/benches/util.rs", "")],
            deciding_no_benchmarks(),
        );
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");

        // Every way a benchmark appears makes the statement false, named where it is.
        let declared =
            format!("{manifest}\n[[bench]]\nname = \"speed\"\npath = \"perf/speed.rs\"\n");
        for (files, at) in [
            (
                vec![("app/Cargo.toml", manifest), ("app/benches/parse.rs", "")],
                "app/benches/parse.rs",
            ),
            (
                vec![
                    ("app/Cargo.toml", manifest),
                    ("lib/benches/load/main.rs", ""),
                ],
                "lib/benches/load/main.rs",
            ),
            (
                vec![("app/Cargo.toml", declared.as_str())],
                "app/perf/speed.rs",
            ),
            (
                vec![
                    ("app/Cargo.toml", manifest),
                    ("benches/baseline.json", BASELINE),
                ],
                "benches/baseline.json",
            ),
        ] {
            let outcome = run_members(&files, deciding_no_benchmarks());
            assert_eq!(outcome.status, Status::Fail, "{at}: {outcome:?}");
            let finding = &outcome.findings[0];
            assert_eq!(finding.code.as_deref(), Some("benchmarks-exist"));
            assert_eq!(finding.location.as_ref().unwrap().to_string(), at);
            assert!(
                finding.message.contains("owner platform-team"),
                "{}",
                finding.message
            );
        }
    }

    #[test]
    fn no_bench_target_and_no_baseline_names_both_ways_out() {
        let outcome = run_members(&[], Config::default());
        assert_eq!(outcome.status, Status::Skip);
        assert!(
            outcome
                .summary
                .contains("has no benchmarks (no bench target)")
                && outcome.summary.contains(bench::NO_BENCHMARKS_LINE)
                && outcome.summary.contains(bench::SAVE_BASELINE_COMMAND),
            "{}",
            outcome.summary
        );
        // With a bench target, only the baseline is missing.
        let outcome = run_members(&[("app/benches/parse.rs", "")], Config::default());
        assert!(
            !outcome.summary.contains("no-benchmarks"),
            "{}",
            outcome.summary
        );
    }

    #[test]
    fn no_baseline_is_a_skip_naming_the_command() {
        let outcome = run(&[], config_running("exit 1"));
        assert_eq!(outcome.status, Status::Skip);
        assert_eq!(outcome.skip, Some(SkipKind::NotApplicable));
        assert!(
            outcome.summary.contains("benches/baseline.json")
                && outcome
                    .summary
                    .contains("`cargo gate bench --save-baseline`"),
            "{}",
            outcome.summary
        );
    }

    #[test]
    fn a_malformed_baseline_fails_naming_it() {
        let outcome = run(&[("benches/baseline.json", "{")], config_running("exit 1"));
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(
            outcome.findings[0].location,
            Some(Location::file("benches/baseline.json"))
        );
    }

    #[test]
    fn within_threshold_passes_with_the_figures_kept() {
        let same = results(
            &[990.0, 1000.0, 1005.0, 1100.0],
            &[100_000.0, 100_500.0, 101_000.0, 110_000.0],
        );
        let outcome = run(
            &[("benches/baseline.json", BASELINE), ("results.json", &same)],
            config_running(COPY),
        );
        assert_eq!(outcome.status, Status::Pass, "{:?}", outcome.findings);
        assert!(
            outcome.summary.starts_with("2 benchmarks within +5.0%"),
            "{}",
            outcome.summary
        );
        assert_eq!(outcome.evidence(), [LOG, RESULTS]);
        let json: serde_json::Value = serde_json::from_slice(&outcome.artifacts[1].bytes).unwrap();
        assert_eq!(json["source"]["path"], "target/gate-bench.json");
        assert_eq!(json["comparison"][1]["id"], "parse/small");
        assert_eq!(json["comparison"][1]["verdict"], "pass");
        assert_eq!(json["benchmarks"][1]["p50_ns"], 1000.0);
    }

    #[test]
    fn a_regression_fails_naming_the_benchmark() {
        let slow = results(
            &[1200.0, 1200.0, 1200.0],
            &[100_000.0, 100_500.0, 101_000.0, 110_000.0],
        );
        let outcome = run(
            &[("benches/baseline.json", BASELINE), ("results.json", &slow)],
            config_running(COPY),
        );
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(
            outcome.summary,
            "1 of 2 benchmarks slower than the baseline allows (+5.0%)"
        );
        let error = &outcome.findings[0];
        assert_eq!(error.severity, Severity::Error);
        assert_eq!(error.subject.as_deref(), Some("parse/small"));
        assert!(
            error.message.contains("p50 1.200 µs vs 1.000 µs (+20.0%)"),
            "{}",
            error.message
        );
    }

    #[test]
    fn noise_makes_it_inconclusive() {
        // IQR/median = (1300 - 800) / 1000 = 50 %, a +4 % change: cannot decide.
        let noisy = results(
            &[800.0, 800.0, 1000.0, 1040.0, 1300.0, 1300.0, 1050.0, 1040.0],
            &[100_000.0, 100_500.0, 101_000.0, 110_000.0],
        );
        let outcome = run(
            &[
                ("benches/baseline.json", BASELINE),
                ("results.json", &noisy),
            ],
            config_running(COPY),
        );
        assert_eq!(
            outcome.status,
            Status::Inconclusive,
            "{:?}",
            outcome.findings
        );
        assert_eq!(outcome.findings[0].severity, Severity::Warning);
        assert!(outcome.findings[0].message.contains("too noisy"));
    }

    #[test]
    fn a_missing_benchmark_fails_and_a_new_one_is_noted() {
        let text = serde_json::json!({"schema_version": 1, "benchmarks": [
            {"id": "parse/small", "samples_ns": [1000.0]},
            {"id": "encode", "samples_ns": [5.0]},
        ]})
        .to_string();
        let outcome = run(
            &[("benches/baseline.json", BASELINE), ("results.json", &text)],
            config_running(COPY),
        );
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(
            outcome.summary,
            "1 of 2 benchmarks of the baseline produced no result"
        );
        let messages: Vec<(Severity, &str)> = outcome
            .findings
            .iter()
            .map(|f| (f.severity, f.subject.as_deref().unwrap()))
            .collect();
        assert_eq!(
            messages,
            [(Severity::Note, "encode"), (Severity::Error, "parse/large")]
        );
    }

    #[test]
    fn a_failing_command_fails_with_its_last_lines() {
        let outcome = run(
            &[("benches/baseline.json", BASELINE)],
            config_running(if cfg!(windows) {
                "echo compiling& echo error: bench broke>&2& exit 101"
            } else {
                "echo compiling; echo 'error: bench broke' >&2; exit 101"
            }),
        );
        assert_eq!(outcome.status, Status::Fail);
        assert!(
            outcome.summary.ends_with("exited with status 101"),
            "{}",
            outcome.summary
        );
        assert!(outcome.findings[0].message.contains("error: bench broke"));
        assert_eq!(outcome.evidence(), [LOG]);
    }

    #[test]
    fn no_results_fails_saying_where_it_looked() {
        let outcome = run(
            &[("benches/baseline.json", BASELINE)],
            config_running("exit 0"),
        );
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(
            outcome.summary,
            format!("`{SHELL} {FLAG} exit 0` left no benchmark results")
        );
        assert_eq!(
            outcome.findings[0].message,
            "no benchmark results found: looked for target/gate-bench.json and target/criterion/**/new/sample.json"
        );
    }

    #[test]
    fn a_results_file_from_an_earlier_run_is_not_read() {
        let same = results(&[1000.0], &[100_000.0]);
        let outcome = run(
            &[
                ("benches/baseline.json", BASELINE),
                ("target/gate-bench.json", &same),
            ],
            config_running("exit 0"),
        );
        assert_eq!(outcome.status, Status::Fail);
        assert!(outcome.summary.contains("left no benchmark results"));
    }

    #[test]
    fn a_command_that_cannot_start_is_unavailable() {
        let config = Config::default().with_section(
            &crate::shared::sections::BENCH,
            BenchSettings {
                command: vec!["definitely-not-a-bench-command-xyz".into()],
                ..BenchSettings::default()
            },
        );
        let outcome = run(&[("benches/baseline.json", BASELINE)], config);
        assert_eq!(outcome.status, Status::Skip);
        assert_eq!(outcome.skip, Some(SkipKind::Unavailable));
        assert!(
            outcome.summary.contains("could not be started"),
            "{}",
            outcome.summary
        );
    }
}
