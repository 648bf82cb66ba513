//! `history.window`: the last N runs of this stage (`[history] window`, default 5) recorded in
//! `<out>/history.jsonl` were green — a sustained regression-free window before a broad
//! rollout.
//!
//! The current run is appended to the history only after all checks, so the window is the N
//! runs before it. Rules:
//! - The history is read through [`crate::record::read_chain`]: a line that does not parse,
//!   does not match its run's hashed manifest (an edited verdict, commit or stage), or breaks
//!   the chain (a line removed or reordered), and a run directory history does not name, each
//!   fail, named: the record is evidence and must verify (`cargo gate verify` tells more).
//!   Only runs that verify are counted.
//! - Fewer runs of the stage than the window fails, saying how many more runs are needed.
//! - A run in the window is green when its result is `ready`. One exception, without which
//!   the window could never fill: a `not-ready` run whose only failing check was
//!   `history.window` itself (the window was still filling, or held an older red run) is
//!   green — its own checks all held. That is read from the run's `report.json`, after
//!   checking it against the run's manifest and the manifest against the history line, so
//!   an edited record does not turn red into green.
//! - Partial runs (`--only`/`--skip`) are not verdicts for the stage; they are left out of
//!   the window, neither green nor red.

use crate::check::{
    Check, CheckMeta, Code, ConfigKey, Context, Finding, Location, Outcome, SkipKind,
};
use crate::config::Validator;
use crate::config::section::{Section, Spanned, Table};
use crate::record::ChainRun;
use crate::stage::Stage;
use crate::verdict::Result as RunResult;
use std::path::Path;

/// The `history.window` check.
#[derive(Debug)]
pub struct HistoryWindow;

/// `[history]`, this check's table, validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct History {
    /// `window`: how many of the latest runs of the stage must have been READY (1..=1000).
    pub window: u32,
}

impl Default for History {
    fn default() -> History {
        History { window: 5 }
    }
}

/// `[history]` as written.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHistory {
    window: Option<Spanned<i64>>,
}

/// The `[history]` table.
pub static HISTORY: Table<RawHistory, History> = Table {
    name: "history",
    validate: validate_history,
};

fn validate_history(raw: Option<RawHistory>, v: &mut Validator<'_>) -> History {
    let mut history = History::default();
    if let Some(window) = raw.and_then(|r| r.window) {
        let value = *window.get_ref();
        match u32::try_from(value).ok().filter(|w| (1..=1000).contains(w)) {
            Some(w) => history.window = w,
            None => {
                v.error::<_, ()>(
                    &window,
                    format!("history window {value} is outside 1..=1000"),
                    "give the number of recent runs that must be green, e.g. window = 5",
                );
            }
        }
    }
    history
}

static META: CheckMeta = CheckMeta {
    id: "history.window",
    stage: Stage::Broad,
    summary: "the last N runs of this stage ([history] window) were green",
    fix: "fix what made the red runs fail, then run the stage until the window holds only green \
          runs (`cargo gate history` lists them); runs must use the same --out directory",
    codes: FindingCode::ALL,
    config: &[ConfigKey {
        key: "[history] window",
        default: "5",
        meaning: "how many of the latest runs of the stage must have been READY",
    }],
};

crate::finding_codes! {
    /// The codes of this check's findings (their names are stable: never renamed).
    enum FindingCode {
        RedRunInWindow => Code {
            name: "red-run-in-window",
            summary: "a run in the window was not ready",
        },
        TooFewRuns => Code {
            name: "too-few-runs",
            summary: "fewer runs of the stage than the window asks for",
        },
        RecordDoesNotVerify => Code {
            name: "record-does-not-verify",
            summary: "the run record does not verify, so its history cannot be trusted",
        },
    }
}

const ID: &str = "history.window";

impl Check for HistoryWindow {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn section(&self) -> Option<&'static dyn Section> {
        Some(&HISTORY)
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        evaluate(ctx)
    }
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
    let file = crate::shared::locate::relative(root, &path);
    // A zero window would pass on no evidence; configuration validation keeps it in 1..=1000.
    let history = ctx.config.section(&crate::checks::history_window::HISTORY);
    let window = usize::try_from(history.window.max(1)).unwrap_or(usize::MAX);
    let stage = ctx.stage.as_str();

    let chain = match crate::record::read_chain(ctx.out_dir) {
        Ok(chain) => chain,
        Err(e) => {
            return Outcome::skip(
                SkipKind::Unavailable,
                format!("{file} could not be read ({e}): the run history cannot be judged"),
            );
        }
    };
    let mut findings: Vec<Finding> = chain
        .all_problems()
        .into_iter()
        .map(|p| {
            Finding::error(format!(
                "the record does not verify: {}: {}",
                p.path, p.message
            ))
            .code(FindingCode::RecordDoesNotVerify)
            .at(Location::file(&file))
        })
        .collect();
    let malformed = findings.len();
    let line_of = |run: &ChainRun| u32::try_from(run.line).unwrap_or(u32::MAX);

    let of_stage: Vec<&ChainRun> = chain
        .trusted()
        .filter(|r| r.entry.stage == ctx.stage)
        .collect();
    let counted: Vec<&ChainRun> = of_stage
        .iter()
        .copied()
        .filter(|r| r.entry.result != RunResult::Partial)
        .collect();
    let in_window = &counted[counted.len().saturating_sub(window)..];

    let mut red = 0;
    for run in in_window {
        let entry = &run.entry;
        let at = Location::at(&file, line_of(run), 1);
        match judge(ctx.out_dir, run) {
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
                    .code(FindingCode::RedRunInWindow)
                    .at(at)
                    .subject(entry.run_id.clone()),
                );
            }
        }
    }
    let missing = window - in_window.len();
    if missing > 0 {
        // No run of the stage at all: most often a fresh CI runner, whose output directory
        // starts empty every time. Say so, and how to keep the history, rather than only
        // asking for more runs that the next fresh runner will not have either.
        let fresh = if in_window.is_empty() {
            format!(
                " (this output directory, {}, holds no earlier {stage} run: the window is \
                 the history kept there, so a runner that starts empty never fills it; keep \
                 the directory between runs — a persistent runner, or the last run's record \
                 restored as an artifact, never a cache that can be evicted; docs/GUIDE.md, \
                 `history.window` in CI)",
                crate::shared::locate::relative(root, ctx.out_dir)
            )
        } else {
            String::new()
        };
        findings.push(
            Finding::error(format!(
                "{} of {window} {stage} run(s) in the window; run the stage {missing} more \
                 time(s){fresh}",
                in_window.len()
            ))
            .code(FindingCode::TooFewRuns)
            .at(Location::file(&file)),
        );
    }
    if let Some(oldest) = in_window.first() {
        let partial = of_stage
            .iter()
            .filter(|r| r.entry.result == RunResult::Partial && r.line > oldest.line)
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
        parts.push(format!(
            "the record under {} does not verify ({malformed} problem(s))",
            crate::shared::locate::relative(root, ctx.out_dir)
        ));
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
fn judge(out: &Path, run: &ChainRun) -> Judgement {
    let entry = &run.entry;
    if entry.result == RunResult::Ready {
        return Judgement::Green;
    }
    match verdict_of(out, run) {
        Ok((failing, unevaluated)) => {
            if entry.result == RunResult::NotReady && failing == [ID] && unevaluated.is_empty() {
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

/// The failing and unevaluated check ids of a run's `report.json`, read through the chain
/// (checked against the run's manifest, which is bound to its history line).
fn verdict_of(out: &Path, run: &ChainRun) -> Result<(Vec<String>, Vec<String>), String> {
    let id = &run.entry.run_id;
    let report: crate::report::Report = serde_json::from_slice(&run.artifact(out, "report.json")?)
        .map_err(|e| format!("runs/{id}/report.json is not a report: {e}"))?;
    Ok((report.verdict.failing, report.verdict.unevaluated))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{Severity, Status};
    use crate::checks::testing::with_files;
    use crate::config::Config;
    use crate::record::{HistoryEntry, RecordWriter};

    /// A run to record: id, stage, result, and the checks its report says failed.
    type Spec<'a> = (&'a str, &'a str, &'a str, &'a [&'a str]);

    /// Records `runs` under `out` through the real writer, so each history line is bound to
    /// its manifest and the chain.
    fn record(out: &Path, runs: &[Spec<'_>]) {
        for &(id, stage, result, failing) in runs {
            let writer = RecordWriter::begin(out, id).unwrap();
            let verdict = match result {
                "ready" => crate::verdict::Result::Ready,
                "not-ready" => crate::verdict::Result::NotReady,
                "partial" => crate::verdict::Result::Partial,
                _ => crate::verdict::Result::CouldNotEvaluate,
            };
            let report = crate::report::sample::report(Vec::new(), verdict, failing);
            writer.write("report.json", report.as_bytes()).unwrap();
            let exit_code = match result {
                "ready" => 0,
                "not-ready" => 1,
                _ => 2,
            };
            let entry = HistoryEntry {
                run_id: id.into(),
                stage: Stage::parse(stage).unwrap(),
                result: RunResult::parse(result).unwrap(),
                exit_code,
                commit: Some(format!("c-{id}")),
                dirty: Some(false),
                time: format!("2026-06-0{}T10:00:00Z", id.len() % 9 + 1),
                manifest_sha256: String::new(),
            };
            let decision = crate::record::test_decision(&entry);
            writer.finish("p", entry, |_| decision).unwrap();
        }
    }

    /// Records `runs`, lets `tamper` edit the output directory, and evaluates the window.
    fn window_after(runs: &[Spec<'_>], window: u32, tamper: impl FnOnce(&Path)) -> Outcome {
        with_files(
            &[],
            &[],
            Config::default()
                .with_section(&crate::checks::history_window::HISTORY, History { window }),
            |ctx| {
                record(ctx.out_dir, runs);
                tamper(ctx.out_dir);
                evaluate(&Context {
                    stage: Stage::Broad,
                    ..*ctx
                })
            },
        )
    }

    fn window(runs: &[Spec<'_>], window: u32) -> Outcome {
        window_after(runs, window, |_| {})
    }

    const RED: &[&str] = &["tests.pass"];

    fn green(id: &str) -> Spec<'_> {
        (id, "broad", "ready", &[])
    }

    #[test]
    fn statuses_follow_the_window() {
        let cases: [(Vec<Spec<'_>>, u32, Status); 7] = [
            // Five green broad runs; pilot and partial runs around them do not count.
            (
                vec![
                    ("r0", "broad", "not-ready", RED),
                    green("r1"),
                    green("r2"),
                    ("p1", "pilot", "not-ready", RED),
                    green("r3"),
                    ("x1", "broad", "partial", &[]),
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
                vec![green("r1"), ("r2", "broad", "not-ready", RED), green("r3")],
                3,
                Status::Fail,
            ),
            (
                vec![("r1", "broad", "could-not-evaluate", &[]), green("r2")],
                2,
                Status::Fail,
            ),
            // The red run has left the window.
            (
                vec![("r1", "broad", "not-ready", RED), green("r2")],
                1,
                Status::Pass,
            ),
        ];
        for (runs, size, want) in cases {
            let outcome = window(&runs, size);
            assert_eq!(outcome.status, want, "{runs:?} window {size}: {outcome:?}");
        }
    }

    #[test]
    fn too_few_runs_says_how_many_more() {
        let outcome = window(&[green("r1"), green("r2"), green("r3")], 5);
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
        // No run of the stage at all (a fresh CI runner): it says why and how to keep one.
        let outcome = window(&[("p1", "pilot", "not-ready", RED)], 5);
        assert_eq!(outcome.status, Status::Fail);
        let message = &outcome.findings[0].message;
        assert!(
            message.starts_with("0 of 5 broad run(s) in the window; run the stage 5 more time(s) (this output directory, out, holds no earlier broad run"),
            "{message}"
        );
        assert!(message.contains("never a cache"), "{message}");
    }

    #[test]
    fn red_runs_are_named_with_their_line() {
        let outcome = window(&[green("r1"), ("r22", "broad", "not-ready", RED)], 2);
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(outcome.summary, "1 of the last 2 broad run(s) not green");
        assert_eq!(outcome.findings.len(), 1, "{:?}", outcome.findings);
        let f = &outcome.findings[0];
        assert_eq!(
            f.location.as_ref().unwrap().to_string(),
            "out/history.jsonl:2:1"
        );
        assert_eq!(
            f.message,
            "run r22 at 2026-06-04T10:00:00Z was not-ready (exit 1; failing: tests.pass)"
        );
    }

    /// Rewrites history.jsonl with `edit` applied to its lines.
    fn edit_history(out: &Path, edit: impl FnOnce(&mut Vec<String>)) {
        let path = out.join("history.jsonl");
        let mut lines: Vec<String> = std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect();
        edit(&mut lines);
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn an_edited_reordered_or_removed_history_line_fails_and_is_not_counted() {
        let runs = [("r1", "broad", "not-ready", RED), green("r2"), green("r3")];
        // The red run's line edited to ready, as a hostile user would.
        let edited = window_after(&runs, 3, |out| {
            edit_history(out, |lines| {
                lines[0] = lines[0]
                    .replace("\"not-ready\"", "\"ready\"")
                    .replace("\"exit_code\":1", "\"exit_code\":0");
            });
        });
        assert_eq!(edited.status, Status::Fail, "{edited:?}");
        assert!(
            edited.findings[0].message.starts_with(
                "the record does not verify: history.jsonl: line 1 does not match \
                 runs/r1/manifest.json: result is \"ready\" there but \"not-ready\" in the \
                 manifest"
            ),
            "{:?}",
            edited.findings
        );
        assert!(
            edited.summary.contains("does not verify"),
            "{}",
            edited.summary
        );
        let reordered = window_after(&runs, 2, |out| edit_history(out, |l| l.swap(1, 2)));
        assert_eq!(reordered.status, Status::Fail, "{reordered:?}");
        assert!(
            reordered.findings[0].message.contains("broken chain"),
            "{:?}",
            reordered.findings
        );
        // The red line removed (and its directory with it): r2's link names it.
        let removed = window_after(&runs, 2, |out| {
            edit_history(out, |l| {
                l.remove(0);
            });
            std::fs::remove_dir_all(out.join("runs/r1")).unwrap();
        });
        assert_eq!(removed.status, Status::Fail, "{removed:?}");
        assert!(
            removed.findings[0]
                .message
                .contains("broken chain: it links to r1"),
            "{:?}",
            removed.findings
        );
    }

    #[test]
    fn the_pass_names_the_window_and_its_oldest_run() {
        let outcome = window(&[green("r1"), green("r22"), green("r333")], 2);
        assert_eq!(
            outcome.summary,
            "the last 2 broad run(s) were green (oldest in the window: r22 at \
             2026-06-04T10:00:00Z; 2 distinct commit(s))"
        );
    }

    #[test]
    fn a_run_failing_only_on_the_window_counts_as_green_when_its_record_verifies() {
        let cases = [
            (&[ID][..], false, Status::Pass),
            (&[ID][..], true, Status::Fail),
            (&[ID, "tests.pass"][..], false, Status::Fail),
        ];
        for (failing, tamper, want) in cases {
            let runs = [("r1", "broad", "not-ready", failing), green("r2")];
            let outcome = window_after(&runs, 2, |out| {
                if tamper {
                    std::fs::write(out.join("runs/r1/report.json"), b"{\"verdict\":{}}").unwrap();
                }
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
