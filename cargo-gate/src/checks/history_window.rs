//! `history.window`: the last N runs of this stage (`[history] window`, default 5) recorded in
//! `<out>/history.jsonl` were green — a sustained regression-free window before a broad
//! rollout.
//!
//! The current run is appended to the history only after all checks, so the window is the N
//! runs before it. Rules:
//! - A malformed history line fails, naming the line: the history is evidence and must
//!   parse (`cargo gate verify` tells more).
//! - Fewer runs of the stage than the window fails, saying how many more runs are needed.
//! - A run in the window is green when its result is `ready`. One exception, without which
//!   the window could never fill: a `not-ready` run whose only failing check was
//!   `history.window` itself (the window was still filling, or held an older red run) is
//!   green — its own checks all held. That is read from the run's `report.json`, after
//!   checking it against the run's manifest and the manifest against the history line, so
//!   an edited record does not turn red into green.
//! - Partial runs (`--only`/`--skip`) are not verdicts for the stage; they are left out of
//!   the window, neither green nor red.

use crate::check::{Check, CheckMeta, Context, Finding, Location, Outcome, SkipKind};
use crate::digest::{sha256_file, sha256_hex};
use crate::record::{HistoryEntry, Manifest};
use crate::stage::Stage;
use std::path::Path;

/// The `history.window` check.
#[derive(Debug)]
pub struct HistoryWindow;

static META: CheckMeta = CheckMeta {
    id: "history.window",
    stage: Stage::Broad,
    summary: "the last N runs of this stage ([history] window) were green",
    fix: "fix what made the red runs fail, then run the stage until the window holds only green \
          runs (`cargo gate history` lists them); runs must use the same --out directory",
};

const ID: &str = "history.window";

impl Check for HistoryWindow {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        evaluate(ctx)
    }
}

/// A history line that parsed.
#[derive(Debug)]
struct Run {
    /// 1-based line in history.jsonl.
    line: u32,
    entry: HistoryEntry,
}

/// Why a run counts as green or red.
#[derive(Debug, PartialEq, Eq)]
enum Judgement {
    /// `ready`.
    Green,
    /// `not-ready` with `history.window` as its only failing check.
    GreenButWindow,
    /// Anything else, with what is known about why.
    Red(String),
}

fn evaluate(ctx: &Context<'_>) -> Outcome {
    let root = &ctx.workspace.root;
    let path = ctx.out_dir.join("history.jsonl");
    let file = super::relative(root, &path);
    // A zero window would pass on no evidence; configuration validation keeps it in 1..=1000.
    let window = usize::try_from(ctx.config.history_window.max(1)).unwrap_or(usize::MAX);
    let stage = ctx.stage.as_str();

    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => {
            return Outcome::skip(
                SkipKind::Unavailable,
                format!("{file} could not be read ({e}): the run history cannot be judged"),
            );
        }
    };

    // The same parse as `record::read_history`, done here on one read of the file so that
    // each entry keeps its line number for locations.
    let mut findings = Vec::new();
    let mut runs = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let line_no = u32::try_from(index + 1).unwrap_or(u32::MAX);
        match serde_json::from_str::<HistoryEntry>(line) {
            Ok(entry) => runs.push(Run {
                line: line_no,
                entry,
            }),
            Err(_) => findings.push(
                Finding::error(format!(
                    "{file} line {line_no} is not a valid history entry (edited or torn; \
                     `cargo gate verify` says more)"
                ))
                .at(Location::at(&file, line_no, 1)),
            ),
        }
    }
    let malformed = findings.len();

    let of_stage: Vec<&Run> = runs.iter().filter(|r| r.entry.stage == stage).collect();
    let counted: Vec<&Run> = of_stage
        .iter()
        .copied()
        .filter(|r| r.entry.result != "partial")
        .collect();
    let in_window = &counted[counted.len().saturating_sub(window)..];

    let mut red = 0;
    for run in in_window {
        let entry = &run.entry;
        let at = Location::at(&file, run.line, 1);
        match judge(ctx.out_dir, entry) {
            Judgement::Green => {}
            Judgement::GreenButWindow => findings.push(
                Finding::note(format!(
                    "run {} at {} failed only {ID} (the window was not yet green), so it \
                     counts as green",
                    entry.run_id, entry.time
                ))
                .at(at),
            ),
            Judgement::Red(why) => {
                red += 1;
                findings.push(
                    Finding::error(format!(
                        "run {} at {} was {} (exit {}{why})",
                        entry.run_id, entry.time, entry.result, entry.exit_code
                    ))
                    .at(at)
                    .subject(entry.run_id.clone()),
                );
            }
        }
    }
    let missing = window - in_window.len();
    if missing > 0 {
        findings.push(
            Finding::error(format!(
                "{} of {window} {stage} run(s) in the window; run the stage {missing} more \
                 time(s)",
                in_window.len()
            ))
            .at(Location::file(&file)),
        );
    }
    if let Some(oldest) = in_window.first() {
        let partial = of_stage
            .iter()
            .filter(|r| r.entry.result == "partial" && r.line > oldest.line)
            .count();
        if partial > 0 {
            findings.push(
                Finding::note(format!(
                    "{partial} partial run(s) (--only/--skip) in the window's span were not \
                     counted: they are not verdicts for the stage"
                ))
                .at(Location::file(&file)),
            );
        }
    }

    if malformed + red == 0 && missing == 0 {
        let oldest = &in_window[0].entry;
        let mut commits: Vec<&str> = in_window
            .iter()
            .filter_map(|r| r.entry.commit.as_deref())
            .collect();
        commits.sort_unstable();
        commits.dedup();
        return Outcome::pass(format!(
            "the last {window} {stage} run(s) were green (oldest in the window: {} at {}; {} \
             distinct commit(s))",
            oldest.run_id,
            oldest.time,
            commits.len()
        ))
        .with_findings(findings);
    }
    let mut parts = Vec::new();
    if malformed > 0 {
        parts.push(format!("{malformed} malformed line(s) in {file}"));
    }
    if red > 0 {
        parts.push(format!(
            "{red} of the last {} {stage} run(s) not green",
            in_window.len()
        ));
    }
    if missing > 0 {
        parts.push(format!(
            "{} of {window} runs in the window; run the stage {missing} more time(s)",
            in_window.len()
        ));
    }
    Outcome::fail(parts.join("; ")).with_findings(findings)
}

/// Whether a recorded run was green; for a run that was not, what its report says failed.
fn judge(out: &Path, entry: &HistoryEntry) -> Judgement {
    if entry.result == "ready" {
        return Judgement::Green;
    }
    match verified_verdict(out, entry) {
        Ok((failing, unevaluated)) => {
            if entry.result == "not-ready" && failing == [ID] && unevaluated.is_empty() {
                return Judgement::GreenButWindow;
            }
            let mut why = String::new();
            if !failing.is_empty() {
                why.push_str(&format!("; failing: {}", failing.join(", ")));
            }
            if !unevaluated.is_empty() {
                why.push_str(&format!("; not evaluated: {}", unevaluated.join(", ")));
            }
            Judgement::Red(why)
        }
        Err(reason) => Judgement::Red(format!("; its report cannot be read: {reason}")),
    }
}

/// The failing and unevaluated check ids of a run's `report.json`, after checking the
/// report against the run's manifest and the manifest against the history entry.
fn verified_verdict(
    out: &Path,
    entry: &HistoryEntry,
) -> Result<(Vec<String>, Vec<String>), String> {
    let id = &entry.run_id;
    // The id comes from a file anyone can edit: it must name a directory under runs/.
    if id.is_empty() || id.contains(['/', '\\']) || id == "." || id == ".." {
        return Err(format!("`{id}` is not a run id"));
    }
    let dir = out.join("runs").join(id);
    let bytes = std::fs::read(dir.join("manifest.json"))
        .map_err(|e| format!("runs/{id}/manifest.json: {e}"))?;
    if sha256_hex(&bytes) != entry.manifest_sha256 {
        return Err(format!(
            "runs/{id}/manifest.json differs from its digest in the history"
        ));
    }
    let manifest: Manifest = serde_json::from_slice(&bytes)
        .map_err(|e| format!("runs/{id}/manifest.json is not a manifest: {e}"))?;
    let listed = manifest
        .artifacts
        .iter()
        .find(|a| a.path == "report.json")
        .ok_or_else(|| format!("runs/{id}/manifest.json lists no report.json"))?;
    let report_path = dir.join("report.json");
    let (digest, _) =
        sha256_file(&report_path).map_err(|e| format!("runs/{id}/report.json: {e}"))?;
    if digest != listed.sha256 {
        return Err(format!(
            "runs/{id}/report.json differs from its digest in the manifest"
        ));
    }
    let report: serde_json::Value = std::fs::read(&report_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| format!("runs/{id}/report.json is not JSON"))?;
    let ids = |key: &str| -> Result<Vec<String>, String> {
        report["verdict"][key]
            .as_array()
            .ok_or_else(|| format!("runs/{id}/report.json has no verdict.{key}"))?
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| format!("runs/{id}/report.json: verdict.{key} is not ids"))
            })
            .collect()
    };
    Ok((ids("failing")?, ids("unevaluated")?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{Severity, Status};
    use crate::checks::testing::with_files;
    use crate::config::Config;
    use crate::record::ArtifactDigest;

    /// One history line.
    fn line(id: &str, stage: &str, result: &str) -> String {
        let exit_code = match result {
            "ready" => 0,
            "not-ready" => 1,
            _ => 2,
        };
        serde_json::to_string(&HistoryEntry {
            run_id: id.into(),
            stage: stage.into(),
            result: result.into(),
            exit_code,
            commit: Some(format!("c-{id}")),
            dirty: Some(false),
            time: format!("2026-06-0{}T10:00:00Z", id.len() % 9 + 1),
            manifest_sha256: format!("digest-of-{id}"),
        })
        .unwrap()
    }

    fn history(lines: &[String]) -> String {
        lines.iter().map(|l| format!("{l}\n")).collect()
    }

    fn run(history: &str, window: u32) -> Outcome {
        with_files(
            &[("out/history.jsonl", history)],
            &[],
            Config {
                history_window: window,
                ..Config::default()
            },
            |ctx| {
                evaluate(&Context {
                    stage: Stage::Broad,
                    ..*ctx
                })
            },
        )
    }

    #[test]
    fn statuses_follow_the_window() {
        let green = |id: &str| line(id, "broad", "ready");
        let cases = [
            // Five green broad runs; pilot and partial runs around them do not count.
            (
                vec![
                    line("r0", "broad", "not-ready"),
                    green("r1"),
                    green("r2"),
                    line("p1", "pilot", "not-ready"),
                    green("r3"),
                    line("x1", "broad", "partial"),
                    green("r4"),
                    green("r5"),
                ],
                5,
                Status::Pass,
            ),
            (vec![green("r1"), green("r2")], 2, Status::Pass),
            (vec![green("r1"), green("r2")], 3, Status::Fail),
            (Vec::new(), 1, Status::Fail),
            (
                vec![green("r1"), line("r2", "broad", "not-ready"), green("r3")],
                3,
                Status::Fail,
            ),
            (
                vec![line("r1", "broad", "could-not-evaluate"), green("r2")],
                2,
                Status::Fail,
            ),
            // The red run has left the window.
            (
                vec![line("r1", "broad", "not-ready"), green("r2")],
                1,
                Status::Pass,
            ),
        ];
        for (lines, window, want) in cases {
            let outcome = run(&history(&lines), window);
            assert_eq!(
                outcome.status, want,
                "{lines:?} window {window}: {outcome:?}"
            );
        }
    }

    #[test]
    fn too_few_runs_says_how_many_more() {
        let lines: Vec<String> = (1..=3)
            .map(|i| line(&format!("r{i}"), "broad", "ready"))
            .collect();
        let outcome = run(&history(&lines), 5);
        assert_eq!(
            outcome.summary,
            "3 of 5 runs in the window; run the stage 2 more time(s)"
        );
        assert_eq!(
            outcome.findings[0].message,
            "3 of 5 broad run(s) in the window; run the stage 2 more time(s)"
        );
        assert_eq!(
            outcome.findings[0].location,
            Some(Location::file("out/history.jsonl"))
        );
    }

    #[test]
    fn red_runs_and_malformed_lines_are_named_with_their_line() {
        let text = format!(
            "{}\n{{\"torn\n\n{}\n",
            line("r1", "broad", "ready"),
            line("r22", "broad", "not-ready")
        );
        let outcome = run(&text, 2);
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(
            outcome.summary,
            "1 malformed line(s) in out/history.jsonl; 1 of the last 2 broad run(s) not green"
        );
        let findings: Vec<(String, String)> = outcome
            .findings
            .iter()
            .map(|f| (f.location.as_ref().unwrap().to_string(), f.message.clone()))
            .collect();
        assert_eq!(findings.len(), 2, "{findings:?}");
        assert_eq!(
            findings[0],
            (
                "out/history.jsonl:2:1".to_owned(),
                "out/history.jsonl line 2 is not a valid history entry (edited or torn; \
                 `cargo gate verify` says more)"
                    .to_owned()
            )
        );
        assert_eq!(findings[1].0, "out/history.jsonl:4:1");
        assert!(
            findings[1].1.starts_with(
                "run r22 at 2026-06-04T10:00:00Z was not-ready (exit 1; its report cannot be \
                 read: runs/r22/manifest.json: "
            ),
            "{findings:?}"
        );
    }

    #[test]
    fn the_pass_names_the_window_and_its_oldest_run() {
        let lines = [
            line("r1", "broad", "ready"),
            line("r22", "broad", "ready"),
            line("r333", "broad", "ready"),
        ];
        let outcome = run(&history(&lines), 2);
        assert_eq!(
            outcome.summary,
            "the last 2 broad run(s) were green (oldest in the window: r22 at \
             2026-06-04T10:00:00Z; 2 distinct commit(s))"
        );
    }

    /// Writes a recorded run whose report fails `failing`, and returns its history line.
    fn recorded(out: &Path, id: &str, failing: &[&str], tamper: bool) -> String {
        let dir = out.join("runs").join(id);
        std::fs::create_dir_all(&dir).unwrap();
        let report = serde_json::json!({
            "verdict": { "result": "not-ready", "failing": failing, "unevaluated": [] }
        });
        let report = serde_json::to_vec(&report).unwrap();
        std::fs::write(dir.join("report.json"), &report).unwrap();
        let manifest = Manifest {
            schema_version: crate::record::MANIFEST_SCHEMA,
            run_id: id.into(),
            stage: "broad".into(),
            previous: None,
            policy_sha256: "p".into(),
            artifacts: vec![ArtifactDigest {
                path: "report.json".into(),
                sha256: sha256_hex(&report),
                size: report.len() as u64,
            }],
        };
        let manifest = serde_json::to_vec(&manifest).unwrap();
        std::fs::write(dir.join("manifest.json"), &manifest).unwrap();
        if tamper {
            std::fs::write(dir.join("report.json"), b"{\"verdict\":{}}").unwrap();
        }
        let mut entry: HistoryEntry =
            serde_json::from_str(&line(id, "broad", "not-ready")).unwrap();
        entry.manifest_sha256 = sha256_hex(&manifest);
        serde_json::to_string(&entry).unwrap()
    }

    #[test]
    fn a_run_failing_only_on_the_window_counts_as_green_when_its_record_verifies() {
        let cases = [
            (&[ID][..], false, Status::Pass),
            (&[ID][..], true, Status::Fail),
            (&[ID, "tests.pass"][..], false, Status::Fail),
        ];
        for (failing, tamper, want) in cases {
            let outcome = with_files(&[], &[], Config::default(), |ctx| {
                let lines = vec![
                    recorded(ctx.out_dir, "r1", failing, tamper),
                    line("r2", "broad", "ready"),
                ];
                std::fs::write(ctx.out_dir.join("history.jsonl"), history(&lines)).unwrap();
                evaluate(&Context {
                    stage: Stage::Broad,
                    config: &Config {
                        history_window: 2,
                        ..Config::default()
                    },
                    ..*ctx
                })
            });
            assert_eq!(outcome.status, want, "{failing:?} {tamper}: {outcome:?}");
            let first = &outcome.findings[0];
            match want {
                Status::Pass => assert_eq!(first.severity, Severity::Note),
                _ if tamper => assert!(
                    first
                        .message
                        .ends_with("runs/r1/report.json differs from its digest in the manifest)"),
                    "{first:?}"
                ),
                _ => assert!(
                    first
                        .message
                        .ends_with("failing: history.window, tests.pass)"),
                    "{first:?}"
                ),
            }
        }
    }
}
