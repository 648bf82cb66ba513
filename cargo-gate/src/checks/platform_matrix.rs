//! `platform.matrix`: every platform of `[matrix] platforms` has a passing run of this
//! commit, at stage controlled or later, in the merged CI records
//! (`<out>/merged/*/merged.json`, written by `cargo gate merge DIR…`).
//!
//! The intended CI layout: one matrix job per OS runs `cargo gate controlled --out DIR` and
//! uploads DIR; a final job downloads them all, runs `cargo gate merge DIR…` and then
//! `cargo gate broad`, which evaluates this check against what was merged.
//!
//! A run counts for its platform when its result is `ready`, its stage is controlled or
//! broad, its work tree was clean (a dirty run did not test this commit), and it ran natively:
//! a Windows build run under Wine (`platform_evidence` of its environment.json) counts only
//! where `[matrix] accept-emulated = true`, and the evidence says it was emulated. A merged record
//! whose `merged.json` does not match its manifest fails the check. No merged record of this
//! commit at all is a FAIL, never a PASS. The evidence is kept as `platform/matrix.json`.

use crate::check::{
    Check, CheckMeta, Code, ConfigKey, Context, Finding, Location, Outcome, SkipKind,
};
use crate::config::section::Section;
use crate::runs::merge::{self, MergedInput};
use crate::shared::locate::relative;
pub use crate::shared::sections::{Matrix, Platform};
use crate::stage::Stage;

/// The `platform.matrix` check.
#[derive(Debug)]
pub struct PlatformMatrix;

static META: CheckMeta = CheckMeta {
    id: "platform.matrix",
    stage: Stage::Broad,
    summary: "passing runs (controlled or later) for every platform of `[matrix] platforms` for this commit, from merged CI records",
    fix: "run `cargo gate controlled --out DIR` in a CI job on each platform named, then `cargo gate merge DIR…` with those directories before `cargo gate broad`; fix what fails on the platforms named",
    codes: FindingCode::ALL,
    config: &[
        ConfigKey {
            key: "[matrix] platforms",
            default: "[\"linux\", \"macos\", \"windows\"]",
            meaning: "the platforms that need a READY run of this commit in the merged records",
        },
        ConfigKey {
            key: "[matrix] accept-emulated",
            default: "false",
            meaning: "whether a run made under an emulator (a Windows build under Wine) counts for the platform it emulates",
        },
    ],
};

crate::finding_codes! {
    /// The codes of this check's findings (their names are stable: never renamed).
    enum FindingCode {
        PlatformMissing => Code {
            name: "platform-missing",
            summary: "no run of this commit on a platform of [matrix] platforms",
        },
        PlatformNotReady => Code {
            name: "platform-not-ready",
            summary: "a platform's run of this commit was not ready",
        },
        MergedRecordTampered => Code {
            name: "merged-record-tampered",
            summary: "a merged CI record does not verify",
        },
    }
}

/// The artifact with the evidence per platform.
pub const EVIDENCE: &str = "platform/matrix.json";

/// The lowercase name of a platform, as `environment.json`'s `os` writes it.
pub fn platform_name(platform: Platform) -> &'static str {
    match platform {
        Platform::Linux => "linux",
        Platform::Macos => "macos",
        Platform::Windows => "windows",
    }
}

/// Whether a merged run is a pass for its platform; `Err` says why not. A shard of a sharded
/// test run proves its bucket only: it counts when its whole set ran and was ready.
fn counts_in(
    input: &MergedInput,
    accept_emulated: bool,
    sets: &[merge::ShardSet],
) -> Result<(), String> {
    counts(input, accept_emulated)?;
    let Some(shard) = &input.test_shard else {
        return Ok(());
    };
    let count = crate::tools::environment::TestShard::parse(shard)
        .ok()
        .map(|(_, n)| n);
    let set = sets
        .iter()
        .find(|s| s.platform == input.platform && s.stage == input.stage && Some(s.count) == count);
    match set {
        Some(set) if set.ready() => Ok(()),
        Some(set) => Err(format!(
            "shard {shard} of a sharded test run that is not ready as a whole ({})",
            set.describe()
        )),
        None => Err(format!("shard {shard} of no sharded test run merged")),
    }
}

/// Whether a merged run is a pass for its platform on its own; `Err` says why not.
fn counts(input: &MergedInput, accept_emulated: bool) -> Result<(), String> {
    let stage = Stage::parse(&input.stage);
    let native = input.platform_evidence == crate::tools::environment::NATIVE;
    if !native && !accept_emulated {
        return Err(format!(
            "{} at {}, but {} ({}), not on {}: set `[matrix] accept-emulated = true` to count it",
            input.result,
            input.stage,
            if input.platform_evidence == crate::tools::environment::WINE {
                "emulated under Wine"
            } else {
                "not native"
            },
            input.platform_evidence,
            input.platform
        ));
    }
    if input.result != "ready" {
        return Err(format!("{} at {}", input.result, input.stage));
    }
    if stage.is_none_or(|s| s < Stage::Controlled) {
        return Err(format!(
            "ready only at {}: a run at controlled or later is needed",
            input.stage
        ));
    }
    if input.dirty == Some(true) {
        return Err(format!(
            "ready at {}, but on a dirty work tree",
            input.stage
        ));
    }
    Ok(())
}

impl Check for PlatformMatrix {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn section(&self) -> Option<&'static dyn Section> {
        Some(crate::shared::sections::matrix_table())
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        let matrix = ctx.config.section(&crate::shared::sections::MATRIX);
        if matrix.platforms.is_empty() {
            return Outcome::skip(
                SkipKind::NotApplicable,
                "`[matrix] platforms` is empty: no platform is required",
            );
        }
        let Some(commit) = ctx.environment.git_commit.as_deref() else {
            return Outcome::fail(
                "no git commit: merged CI records are matched by commit, and this run has none",
            );
        };
        let merged_dir = ctx.out_dir.join(merge::MERGED_DIR);
        let shown_dir = relative(&ctx.workspace.root, &merged_dir);
        let loaded = match merge::load_merged(ctx.out_dir) {
            Ok(l) => l,
            Err(e) => {
                return Outcome::fail(format!(
                    "cannot read the merged records in {shown_dir}: {e}"
                ));
            }
        };
        let mut findings = Vec::new();
        let mut inputs: Vec<(&str, &MergedInput)> = Vec::new();
        let mut other_commits = 0;
        for merged in &loaded {
            match &merged.record {
                Err(problem) => findings.push(
                    Finding::error(format!("tampered merged record: {problem}"))
                        .code(FindingCode::MergedRecordTampered)
                        .at(Location::file(format!("{shown_dir}/{}", merged.merge_id))),
                ),
                Ok(record) if record.commit == commit => {
                    inputs.extend(record.inputs.iter().map(|i| (merged.merge_id.as_str(), i)));
                }
                Ok(_) => other_commits += 1,
            }
        }
        let tampered = findings.len();
        if inputs.is_empty() && tampered == 0 {
            return Outcome::fail(format!(
                "no merged CI records for this commit: run `cargo gate merge DIR…` with the CI jobs' --out directories (looked in {shown_dir})"
            ));
        }
        let sets = merge::shard_sets(inputs.iter().map(|(_, i)| *i));
        let mut evidence = Vec::new();
        let mut missing = Vec::new();
        let mut failing = Vec::new();
        let mut emulated = Vec::new();
        for &platform in &matrix.platforms {
            let name = platform_name(platform);
            let runs: Vec<&(&str, &MergedInput)> =
                inputs.iter().filter(|(_, i)| i.platform == name).collect();
            let counting = |i: &MergedInput| counts_in(i, matrix.accept_emulated, &sets).is_ok();
            // A native run is preferred as the evidence, even where an emulated one counts.
            let pass = runs
                .iter()
                .filter(|(_, i)| counting(i))
                .min_by_key(|(_, i)| i.platform_evidence != crate::tools::environment::NATIVE);
            if let Some((merge_id, run)) = pass {
                evidence.push(serde_json::json!({
                    "platform": name, "status": "pass", "merge_id": merge_id,
                    "run_id": run.run_id, "stage": run.stage, "result": run.result,
                    "manifest_sha256": run.manifest_sha256, "source": run.source,
                    "platform_evidence": run.platform_evidence,
                    "test_shard": run.test_shard,
                }));
                if run.platform_evidence != crate::tools::environment::NATIVE {
                    emulated.push(name);
                    findings.push(
                        Finding::warning(format!(
                            "{name}: the passing run {} was {} (accepted by `[matrix] \
                             accept-emulated`), not made on {name} itself",
                            run.run_id, run.platform_evidence
                        ))
                        .subject(name),
                    );
                }
            } else if runs.is_empty() {
                missing.push(name);
                findings.push(
                    Finding::error(format!(
                        "{name}: no run of this commit in the merged CI records"
                    ))
                    .code(FindingCode::PlatformMissing)
                    .subject(name),
                );
                evidence.push(serde_json::json!({"platform": name, "status": "missing"}));
            } else {
                failing.push(name);
                for (merge_id, run) in &runs {
                    let why = counts_in(run, matrix.accept_emulated, &sets)
                        .err()
                        .unwrap_or_default();
                    findings.push(
                        Finding::error(format!(
                            "{name}: {why} (run {} from {}, merged as {merge_id})",
                            run.run_id, run.source
                        ))
                        .code(FindingCode::PlatformNotReady)
                        .subject(name),
                    );
                }
                evidence.push(serde_json::json!({
                    "platform": name, "status": "fail",
                    "runs": runs.iter().map(|(m, r)| serde_json::json!({
                        "merge_id": m, "run_id": r.run_id, "stage": r.stage, "result": r.result,
                        "dirty": r.dirty, "source": r.source,
                        "platform_evidence": r.platform_evidence,
                    })).collect::<Vec<_>>(),
                }));
            }
        }
        if other_commits > 0 {
            findings.push(Finding::note(format!(
                "{other_commits} merged record(s) of other commits ignored"
            )));
        }
        let names: Vec<&str> = matrix.platforms.iter().map(|&p| platform_name(p)).collect();
        let short = &commit[..commit.len().min(12)];
        let outcome = if missing.is_empty() && failing.is_empty() && tampered == 0 {
            if !emulated.is_empty() {
                Outcome::warn(format!(
                    "passing runs at controlled or later for {} on commit {short}; {} only \
                     emulated (accepted by `[matrix] accept-emulated`)",
                    names.join(", "),
                    emulated.join(", ")
                ))
            } else {
                Outcome::pass(format!(
                    "passing runs at controlled or later for {} on commit {short}",
                    names.join(", ")
                ))
            }
        } else {
            let mut parts = Vec::new();
            if !missing.is_empty() {
                parts.push(format!("no run for {}", missing.join(", ")));
            }
            if !failing.is_empty() {
                parts.push(format!("no passing run for {}", failing.join(", ")));
            }
            if tampered > 0 {
                parts.push(format!("{tampered} tampered merged record(s)"));
            }
            Outcome::fail(format!(
                "platform matrix incomplete on commit {short}: {}",
                parts.join("; ")
            ))
        };
        let artifact = serde_json::json!({
            "commit": commit,
            "required": names,
            "platforms": evidence,
            "tampered": tampered,
        });
        outcome.with_findings(findings).with_artifact(
            EVIDENCE,
            serde_json::to_vec_pretty(&artifact).expect("evidence serialises"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Status;
    use crate::checks::testing::with_context;
    use crate::config::Config;
    use crate::runs::merge::testing::ci_run;
    use std::path::{Path, PathBuf};

    /// The commit of `Environment::for_tests`.
    const COMMIT: &str = "0000000000000000000000000000000000000000";

    fn jobs(root: &Path, runs: &[(&str, &str, &str)]) -> Vec<PathBuf> {
        runs.iter()
            .map(|(os, stage, result)| {
                let dir = root.join(format!("job-{os}-{stage}"));
                ci_run(&dir, &format!("run-{os}"), os, COMMIT, stage, result);
                dir
            })
            .collect()
    }

    fn check_with(config: Config, runs: &[(&str, &str, &str)], tamper: bool) -> Outcome {
        let jobs_dir = tempfile::tempdir().unwrap();
        with_context(&[], config, |ctx| {
            if !runs.is_empty() {
                let inputs = jobs(jobs_dir.path(), runs);
                let written = merge::merge(ctx.out_dir, COMMIT, &inputs)
                    .unwrap()
                    .written
                    .unwrap();
                if tamper {
                    let path = written.dir.join(merge::MERGED_FILE);
                    let text = std::fs::read_to_string(&path)
                        .unwrap()
                        .replace("\"pilot\"", "\"broad\"")
                        .replace("\"controlled\"", "\"broad\"");
                    std::fs::write(path, text).unwrap();
                }
            }
            PlatformMatrix.run(ctx)
        })
    }

    const ALL_READY: &[(&str, &str, &str)] = &[
        ("linux", "controlled", "ready"),
        ("macos", "controlled", "ready"),
        ("windows", "broad", "ready"),
    ];

    #[test]
    fn passes_with_all_three_platforms() {
        let outcome = check_with(Config::default(), ALL_READY, false);
        assert_eq!(outcome.status, Status::Pass, "{:?}", outcome.findings);
        assert_eq!(
            outcome.summary,
            "passing runs at controlled or later for linux, macos, windows on commit 000000000000"
        );
        assert_eq!(outcome.evidence(), [EVIDENCE]);
    }

    #[test]
    fn fails_naming_the_missing_platform() {
        let outcome = check_with(
            Config::default(),
            &[
                ("linux", "controlled", "ready"),
                ("macos", "controlled", "ready"),
            ],
            false,
        );
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(
            outcome.summary,
            "platform matrix incomplete on commit 000000000000: no run for windows"
        );
        assert_eq!(
            outcome.findings[0].message,
            "windows: no run of this commit in the merged CI records"
        );
    }

    #[test]
    fn fails_naming_a_failing_or_too_early_platform() {
        let outcome = check_with(
            Config::default(),
            &[
                ("linux", "controlled", "ready"),
                ("macos", "controlled", "not-ready"),
                ("windows", "pilot", "ready"),
            ],
            false,
        );
        assert_eq!(outcome.status, Status::Fail);
        assert!(
            outcome
                .summary
                .ends_with("no passing run for macos, windows"),
            "{}",
            outcome.summary
        );
        assert!(
            outcome.findings[0]
                .message
                .starts_with("macos: not-ready at controlled (run run-macos from "),
            "{}",
            outcome.findings[0].message
        );
        assert!(
            outcome.findings[1]
                .message
                .starts_with("windows: ready only at pilot"),
            "{}",
            outcome.findings[1].message
        );
    }

    /// Shards of a sharded test run count for their platform only as a whole set, all
    /// ready: one shard alone, or a set with a failing shard, is no passing run.
    #[test]
    fn a_sharded_run_counts_only_when_every_shard_ran_and_was_ready() {
        let run = |shards: &[(u32, &str)]| {
            let jobs_dir = tempfile::tempdir().unwrap();
            let config = Config::default().with_section(
                &crate::shared::sections::MATRIX,
                Matrix {
                    platforms: vec![Platform::Linux],
                    accept_emulated: false,
                },
            );
            with_context(&[], config, |ctx| {
                let inputs: Vec<PathBuf> = shards
                    .iter()
                    .map(|(k, result)| {
                        let dir = jobs_dir.path().join(format!("shard-{k}"));
                        let environment = serde_json::json!({
                            "os": "linux", "git_commit": COMMIT,
                            "test_shard": {"index": k, "count": 3},
                        });
                        merge::testing::ci_run_with(
                            &dir,
                            &format!("run-{k}"),
                            &environment,
                            COMMIT,
                            "controlled",
                            result,
                        );
                        dir
                    })
                    .collect();
                merge::merge(ctx.out_dir, COMMIT, &inputs).unwrap();
                PlatformMatrix.run(ctx)
            })
        };
        let all = run(&[(1, "ready"), (2, "ready"), (3, "ready")]);
        assert_eq!(all.status, Status::Pass, "{:?}", all.findings);
        let partial = run(&[(1, "ready"), (3, "ready")]);
        assert_eq!(partial.status, Status::Fail);
        assert!(
            partial.findings[0].message.contains(
                "shard 1/3 of a sharded test run that is not ready as a whole (linux \
                 controlled, 3 shards: 1 ready, 2 missing (not evaluated), 3 ready — not \
                 evaluated)"
            ),
            "{}",
            partial.findings[0].message
        );
        let failing = run(&[(1, "ready"), (2, "not-ready"), (3, "ready")]);
        assert_eq!(failing.status, Status::Fail);
    }

    #[test]
    fn only_the_configured_platforms_are_required() {
        let config = Config::default().with_section(
            &crate::shared::sections::MATRIX,
            Matrix {
                platforms: vec![Platform::Linux],
                accept_emulated: false,
            },
        );
        let outcome = check_with(config, &[("linux", "controlled", "ready")], false);
        assert_eq!(outcome.status, Status::Pass, "{:?}", outcome.findings);
    }

    /// A Windows run made under Wine is not a Windows run: it fails the platform unless
    /// gate.toml accepts emulated evidence, and then it passes with a warning saying so.
    #[test]
    fn an_emulated_run_counts_only_where_accepted_and_then_says_so() {
        let run = |config: Config| {
            let jobs_dir = tempfile::tempdir().unwrap();
            with_context(&[], config, |ctx| {
                let dir = jobs_dir.path().join("job-wine");
                let environment = serde_json::json!({"os": "windows", "git_commit": COMMIT,
                    "platform_evidence": crate::tools::environment::WINE});
                crate::runs::merge::testing::ci_run_with(
                    &dir,
                    "run-wine",
                    &environment,
                    COMMIT,
                    "controlled",
                    "ready",
                );
                merge::merge(ctx.out_dir, COMMIT, &[dir]).unwrap();
                PlatformMatrix.run(ctx)
            })
        };
        let windows = |accept_emulated| {
            Config::default().with_section(
                &crate::shared::sections::MATRIX,
                Matrix {
                    platforms: vec![Platform::Windows],
                    accept_emulated,
                },
            )
        };
        let refused = run(windows(false));
        assert_eq!(refused.status, Status::Fail, "{:?}", refused.findings);
        assert!(
            refused.findings[0]
                .message
                .contains("emulated under Wine (emulated-wine), not on windows"),
            "{}",
            refused.findings[0].message
        );
        let accepted = run(windows(true));
        assert_eq!(accepted.status, Status::Warn, "{:?}", accepted.findings);
        assert!(
            accepted.summary.contains("windows only emulated"),
            "{}",
            accepted.summary
        );
        assert!(accepted.findings[0].message.contains("emulated-wine"));
    }

    #[test]
    fn no_merged_evidence_is_a_failure_never_a_pass() {
        let outcome = check_with(Config::default(), &[], false);
        assert_eq!(outcome.status, Status::Fail);
        assert!(
            outcome
                .summary
                .starts_with("no merged CI records for this commit: run `cargo gate merge DIR…`"),
            "{}",
            outcome.summary
        );
    }

    #[test]
    fn a_tampered_merged_record_fails() {
        let outcome = check_with(Config::default(), ALL_READY, true);
        assert_eq!(outcome.status, Status::Fail);
        assert!(
            outcome.findings[0]
                .message
                .starts_with("tampered merged record: merged.json edited"),
            "{:?}",
            outcome.findings
        );
    }

    #[test]
    fn records_of_another_commit_do_not_count() {
        let jobs_dir = tempfile::tempdir().unwrap();
        let outcome = with_context(&[], Config::default(), |ctx| {
            let other = "2222222222222222222222222222222222222222";
            let inputs: Vec<PathBuf> = ["linux", "macos", "windows"]
                .iter()
                .map(|os| {
                    let dir = jobs_dir.path().join(os);
                    ci_run(&dir, "r", os, other, "controlled", "ready");
                    dir
                })
                .collect();
            merge::merge(ctx.out_dir, other, &inputs).unwrap();
            PlatformMatrix.run(ctx)
        });
        assert_eq!(outcome.status, Status::Fail);
        assert!(
            outcome
                .summary
                .starts_with("no merged CI records for this commit")
        );
    }

    #[test]
    fn an_empty_platform_list_is_not_applicable() {
        let config = Config::default().with_section(
            &crate::shared::sections::MATRIX,
            Matrix {
                platforms: Vec::new(),
                accept_emulated: false,
            },
        );
        let outcome = check_with(config, &[], false);
        assert_eq!(outcome.status, Status::Skip);
        assert_eq!(outcome.skip, Some(SkipKind::NotApplicable));
    }
}
