//! From check statuses to a verdict and an exit code: the rules of SPEC §3.1 in one place.

pub mod exit;
pub mod waiver;

use crate::check::{SkipKind, Status};
use crate::stage::{SkipCounts, Stage};
pub use gate_formats::report::{Blocked, Mode, RunResult as Result, Verdict};

/// Whether a status fails the verdict at `stage` in `mode`.
pub fn fails(status: Status, stage: Stage, mode: Mode) -> bool {
    match status {
        Status::Pass | Status::Waived => false,
        Status::Fail => true,
        Status::Warn | Status::Inconclusive => mode == Mode::Strict,
        Status::Skip => match mode {
            Mode::Strict => true,
            Mode::Permissive => false,
            Mode::Standard => crate::stage::def(stage).skip_counts == SkipCounts::AsFail,
        },
    }
}

/// One check as the verdict sees it.
#[derive(Debug, Clone, Copy)]
pub struct Judged<'a> {
    /// The check id.
    pub id: &'a str,
    /// Its status.
    pub status: Status,
    /// Why it was skipped, for SKIP.
    pub skip: Option<SkipKind>,
    /// The blocking check, for a blocked SKIP.
    pub blocked_by: Option<&'a str>,
}

impl<'a> Judged<'a> {
    /// A check that is not blocked.
    pub fn new(id: &'a str, status: Status, skip: Option<SkipKind>) -> Judged<'a> {
        Judged {
            id,
            status,
            skip,
            blocked_by: None,
        }
    }
}

/// Whether one check's status counts against the verdict: it fails, or it was not evaluated.
/// A blocked check never counts by itself — the check that blocks it does.
pub fn counts_as_failure(status: Status, skip: Option<SkipKind>, stage: Stage, mode: Mode) -> bool {
    match skip {
        Some(SkipKind::Blocked) => false,
        Some(SkipKind::Unavailable) => true,
        _ => fails(status, stage, mode),
    }
}

/// "1 warned (a)", "2 waived (b, c)": `checks` grouped by status, in `words`' order, each
/// status named by its word.
fn by_status(checks: &[(Status, &str)], words: &[(Status, &str)]) -> Vec<String> {
    words
        .iter()
        .filter_map(|&(status, word)| {
            let ids: Vec<&str> = checks
                .iter()
                .filter(|(s, _)| *s == status)
                .map(|(_, id)| *id)
                .collect();
            (!ids.is_empty()).then(|| format!("{} {word} ({})", ids.len(), ids.join(", ")))
        })
        .collect()
}

/// Judges the checks of a run. The exit code follows the worst known fact: any failure is
/// NOT READY (exit 1) even when other checks could not be evaluated; COULD NOT EVALUATE
/// (exit 2) only when nothing failed and something was not evaluated. A `partial` run
/// (`--only`/`--skip`) is never READY: it answers for its selection alone (exit 1 when a
/// selected check fails, 2 when one was not evaluated, 0 when every one passed), so it can
/// stand in for a `cargo deny check` step, and its result stays PARTIAL.
/// The line names every failing, unevaluated and blocked check.
pub fn judge<'a>(
    stage: Stage,
    mode: Mode,
    partial: bool,
    checks: impl IntoIterator<Item = Judged<'a>>,
) -> Verdict {
    let mut failing = Vec::new();
    // Of `failing`, the checks that did not fail but count as failing at this stage or mode
    // (a SKIP at broad, a WARN under strict): the line names them apart, as what they are.
    let mut counted: Vec<(Status, &str)> = Vec::new();
    let mut unevaluated = Vec::new();
    let mut blocked = Vec::new();
    // The checks that neither passed nor count as failing (a WARN, a waived failure): a
    // partial run names them rather than saying every selected check passed.
    let mut short_of_pass: Vec<(Status, &str)> = Vec::new();
    for check in checks {
        if matches!(
            check.status,
            Status::Warn | Status::Waived | Status::Inconclusive
        ) && check.skip.is_none()
            && !fails(check.status, stage, mode)
        {
            short_of_pass.push((check.status, check.id));
        }
        match check.skip {
            Some(SkipKind::Unavailable) => unevaluated.push(check.id.to_owned()),
            Some(SkipKind::Blocked) => blocked.push(Blocked {
                id: check.id.to_owned(),
                by: check.blocked_by.unwrap_or("?").to_owned(),
            }),
            _ if fails(check.status, stage, mode) => {
                failing.push(check.id.to_owned());
                if check.status != Status::Fail {
                    counted.push((check.status, check.id));
                }
            }
            _ => {}
        }
    }
    let mut parts = Vec::new();
    let failed: Vec<&str> = failing
        .iter()
        .map(String::as_str)
        .filter(|id| !counted.iter().any(|(_, c)| c == id))
        .collect();
    if !failed.is_empty() {
        parts.push(format!("{} failed ({})", failed.len(), failed.join(", ")));
    }
    let groups = by_status(
        &counted,
        &[
            (Status::Warn, "warned"),
            (Status::Inconclusive, "inconclusive"),
            (Status::Skip, "skipped"),
        ],
    );
    if !groups.is_empty() {
        let by = if mode == Mode::Strict {
            "strict mode".to_owned()
        } else {
            stage.to_string()
        };
        parts.push(format!(
            "{}, which {by} counts as failing",
            groups.join(" and ")
        ));
    }
    if !unevaluated.is_empty() {
        parts.push(format!(
            "{} not evaluated ({})",
            unevaluated.len(),
            unevaluated.join(", ")
        ));
    }
    if !blocked.is_empty() {
        let list: Vec<String> = blocked
            .iter()
            .map(|b| format!("{} by {}", b.id, b.by))
            .collect();
        parts.push(format!("{} blocked ({})", blocked.len(), list.join(", ")));
    }
    let detail = parts.join("; ");
    let (result, exit_code, line) = if partial {
        // The selection's own answer: 1 when a selected check fails, 2 when one could not be
        // evaluated, 0 when every selected check passed. Never READY: the stage's other
        // checks did not run, and the result says so in every format.
        let code = if !failing.is_empty() {
            exit::NOT_READY
        } else if !unevaluated.is_empty() || !blocked.is_empty() {
            exit::COULD_NOT_EVALUATE
        } else {
            exit::READY
        };
        let detail = if !failing.is_empty() {
            detail
        } else if parts.is_empty() && short_of_pass.is_empty() {
            "every selected check passed".to_owned()
        } else if parts.is_empty() {
            let words = [
                (Status::Warn, "warned"),
                (Status::Inconclusive, "inconclusive"),
                (Status::Waived, "waived"),
            ];
            let not_passed = by_status(&short_of_pass, &words).join(", ");
            format!("no selected check failed; {not_passed}")
        } else {
            let mut rest = vec!["0 failed".to_owned()];
            rest.extend(parts.iter().cloned());
            rest.join("; ")
        };
        (
            Result::Partial,
            code,
            format!("PARTIAL RUN (--only/--skip): {detail} — not a verdict for {stage}"),
        )
    } else if !failing.is_empty() {
        (
            Result::NotReady,
            exit::NOT_READY,
            format!("NOT READY for {stage}: {detail}"),
        )
    } else if !unevaluated.is_empty() {
        (
            Result::CouldNotEvaluate,
            exit::COULD_NOT_EVALUATE,
            format!("COULD NOT EVALUATE {stage}: {detail}"),
        )
    } else if !blocked.is_empty() {
        // Blocked by a check that neither failed nor went unevaluated cannot happen (the
        // engine turns such outcomes back into the check's own); if it did, nothing was
        // shown, so this is no verdict.
        (
            Result::CouldNotEvaluate,
            exit::COULD_NOT_EVALUATE,
            format!("COULD NOT EVALUATE {stage}: {detail}"),
        )
    } else {
        (Result::Ready, exit::READY, format!("READY for {stage}"))
    };
    Verdict {
        result,
        exit_code,
        failing,
        unevaluated,
        blocked,
        line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    fn run(stage: Stage, mode: Mode, statuses: &[Status]) -> Verdict {
        let ids: Vec<String> = (0..statuses.len()).map(|i| format!("c.{i}")).collect();
        judge(
            stage,
            mode,
            false,
            statuses.iter().zip(&ids).map(|(s, id)| {
                Judged::new(
                    id.as_str(),
                    *s,
                    (*s == Skip).then_some(SkipKind::NotApplicable),
                )
            }),
        )
    }

    #[test]
    fn table_of_rules() {
        use Mode::*;
        use Stage::*;
        let cases: &[(Stage, Mode, &[Status], i32)] = &[
            (Pilot, Standard, &[Pass, Pass], 0),
            (Pilot, Standard, &[Pass, Fail], 1),
            (Pilot, Standard, &[Warn, Skip, Waived], 0),
            (Pilot, Strict, &[Warn], 1),
            (Pilot, Strict, &[Skip], 1),
            (Controlled, Standard, &[Skip], 1),
            (Controlled, Permissive, &[Skip, Warn], 0),
            (Broad, Permissive, &[Fail], 1),
        ];
        for (stage, mode, statuses, code) in cases {
            assert_eq!(
                run(*stage, *mode, statuses).exit_code,
                *code,
                "{stage} {mode:?} {statuses:?}"
            );
        }
    }

    #[test]
    fn checks_that_only_count_as_failing_are_named_as_what_they_are() {
        // A SKIP at controlled and later, a WARN under strict: failing, but not "failed".
        let v = run(Stage::Broad, Mode::Standard, &[Fail, Skip, Pass]);
        assert_eq!(v.failing, ["c.0", "c.1"]);
        assert_eq!(
            v.line,
            "NOT READY for broad: 1 failed (c.0); 1 skipped (c.1), which broad counts as failing"
        );
        let v = run(Stage::Pilot, Mode::Strict, &[Warn, Skip]);
        assert_eq!(
            v.line,
            "NOT READY for pilot: 1 warned (c.0) and 1 skipped (c.1), which strict mode counts \
             as failing"
        );
    }

    #[test]
    fn a_failure_beats_unavailable_and_lines_name_every_check() {
        let v = judge(
            Stage::Pilot,
            Mode::Standard,
            false,
            [
                Judged::new("a.fail", Fail, None),
                Judged::new("b.skip", Skip, Some(SkipKind::Unavailable)),
            ],
        );
        assert_eq!(v.exit_code, 1);
        assert_eq!(
            v.line,
            "NOT READY for pilot: 1 failed (a.fail); 1 not evaluated (b.skip)"
        );
        let v = judge(
            Stage::Pilot,
            Mode::Standard,
            false,
            [Judged::new("b.skip", Skip, Some(SkipKind::Unavailable))],
        );
        assert_eq!(v.exit_code, 2);
        assert_eq!(v.line, "COULD NOT EVALUATE pilot: 1 not evaluated (b.skip)");
        let v = judge(
            Stage::Pilot,
            Mode::Standard,
            false,
            [Judged::new("a.fail", Fail, None)],
        );
        assert_eq!(v.line, "NOT READY for pilot: 1 failed (a.fail)");
        assert_eq!(v.failing, ["a.fail"]);
    }

    #[test]
    fn blocked_checks_are_named_but_never_count_twice() {
        let blocked = |id| Judged {
            id,
            status: Skip,
            skip: Some(SkipKind::Blocked),
            blocked_by: Some("lockfile.locked"),
        };
        // At controlled a SKIP would fail; a blocked one does not add a failure.
        let v = judge(
            Stage::Controlled,
            Mode::Strict,
            false,
            [
                Judged::new("lockfile.locked", Fail, None),
                blocked("tests.pass"),
                blocked("kernels.build"),
            ],
        );
        assert_eq!(v.exit_code, 1);
        assert_eq!(v.failing, ["lockfile.locked"]);
        assert_eq!(
            v.line,
            "NOT READY for controlled: 1 failed (lockfile.locked); 2 blocked \
             (tests.pass by lockfile.locked, kernels.build by lockfile.locked)"
        );
        assert!(!counts_as_failure(
            Skip,
            Some(SkipKind::Blocked),
            Stage::Broad,
            Mode::Strict
        ));
        let v = judge(
            Stage::Pilot,
            Mode::Standard,
            false,
            [
                Judged::new("lockfile.locked", Skip, Some(SkipKind::Unavailable)),
                blocked("tests.pass"),
            ],
        );
        assert_eq!(v.exit_code, 2);
        assert_eq!(
            v.line,
            "COULD NOT EVALUATE pilot: 1 not evaluated (lockfile.locked); 1 blocked \
             (tests.pass by lockfile.locked)"
        );
    }

    /// A selection answers for itself (0 / 1 / 2) and is never READY.
    #[test]
    fn a_partial_run_is_never_ready() {
        let all_pass = judge(
            Stage::Pilot,
            Mode::Standard,
            true,
            [Judged::new("a.x", Pass, None)],
        );
        assert_eq!((all_pass.result, all_pass.exit_code), (Result::Partial, 0));
        assert_eq!(
            all_pass.line,
            "PARTIAL RUN (--only/--skip): every selected check passed — not a verdict for pilot"
        );
        // A WARN or a waived failure does not fail the selection, and is no pass either.
        let warned = judge(
            Stage::Pilot,
            Mode::Standard,
            true,
            [
                Judged::new("a.x", Pass, None),
                Judged::new("a.y", Warn, None),
                Judged::new("a.z", Waived, None),
            ],
        );
        assert_eq!((warned.result, warned.exit_code), (Result::Partial, 0));
        assert_eq!(
            warned.line,
            "PARTIAL RUN (--only/--skip): no selected check failed; 1 warned (a.y), 1 waived \
             (a.z) — not a verdict for pilot"
        );
        let failed = judge(
            Stage::Pilot,
            Mode::Standard,
            true,
            [Judged::new("a.x", Fail, None)],
        );
        assert_eq!((failed.result, failed.exit_code), (Result::Partial, 1));
        let unevaluated = judge(
            Stage::Pilot,
            Mode::Standard,
            true,
            [
                Judged::new("a.x", Pass, None),
                Judged::new("a.y", Skip, Some(SkipKind::Unavailable)),
            ],
        );
        assert_eq!(
            (unevaluated.result, unevaluated.exit_code),
            (Result::Partial, 2)
        );
        assert_eq!(
            unevaluated.line,
            "PARTIAL RUN (--only/--skip): 0 failed; 1 not evaluated (a.y) — not a verdict for pilot"
        );
    }
}
