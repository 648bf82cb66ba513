//! From check statuses to a verdict and an exit code: the rules of SPEC §3.1 in one place.

use crate::check::{SkipKind, Status};
use crate::exit;
use crate::stage::{SkipCounts, Stage};
use serde::Serialize;

/// How strictly WARN and SKIP are judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The stage's rules: WARN passes; SKIP counts as WARN at pilot and FAIL later.
    Standard,
    /// WARN and SKIP fail (`--strict`, or `[policy] strict = true`).
    Strict,
    /// WARN and SKIP never fail (`--permissive`); FAIL still does.
    Permissive,
}

impl Mode {
    /// The mode's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Standard => "standard",
            Mode::Strict => "strict",
            Mode::Permissive => "permissive",
        }
    }
}

/// The overall result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Result {
    /// Every check that counts is satisfied.
    Ready,
    /// At least one check fails the verdict.
    NotReady,
    /// Something needed to evaluate was missing.
    CouldNotEvaluate,
    /// `--only`/`--skip` left checks out: whatever the statuses, this is not a verdict for
    /// the stage.
    Partial,
}

/// The verdict of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// The result.
    pub result: Result,
    /// Its exit code.
    pub exit_code: i32,
    /// Checks that fail the verdict, in report order.
    pub failing: Vec<String>,
    /// Checks that could not be evaluated (unavailable tool/toolchain/dependencies).
    pub unevaluated: Vec<String>,
    /// The one-line verdict, e.g. `NOT READY for pilot: 1 failed (tests.pass)`.
    pub line: String,
}

/// Whether a status fails the verdict at `stage` in `mode`.
pub fn fails(status: Status, stage: Stage, mode: Mode) -> bool {
    match status {
        Status::Pass | Status::Waived => false,
        Status::Fail => true,
        Status::Warn | Status::Inconclusive => mode == Mode::Strict,
        Status::Skip => match mode {
            Mode::Strict => true,
            Mode::Permissive => false,
            Mode::Standard => stage.def().skip_counts == SkipCounts::AsFail,
        },
    }
}

/// Judges `(id, status, skip kind)` triples. A `partial` run (`--only`/`--skip`) can never
/// be READY: it exits 1 when a selected check fails, else 2 (the stage was not evaluated).
pub fn judge<'a>(
    stage: Stage,
    mode: Mode,
    partial: bool,
    checks: impl IntoIterator<Item = (&'a str, Status, Option<SkipKind>)>,
) -> Verdict {
    let mut failing = Vec::new();
    let mut unevaluated = Vec::new();
    for (id, status, skip) in checks {
        if skip == Some(SkipKind::Unavailable) {
            unevaluated.push(id.to_owned());
        } else if fails(status, stage, mode) {
            failing.push(id.to_owned());
        }
    }
    let (result, exit_code, line) = if !unevaluated.is_empty() {
        (
            Result::CouldNotEvaluate,
            exit::COULD_NOT_EVALUATE,
            format!(
                "COULD NOT EVALUATE {stage}: {} not evaluated ({})",
                unevaluated.len(),
                unevaluated.join(", ")
            ),
        )
    } else if partial {
        let code = if failing.is_empty() {
            exit::COULD_NOT_EVALUATE
        } else {
            exit::NOT_READY
        };
        (
            Result::Partial,
            code,
            format!(
                "PARTIAL RUN (--only/--skip): {} failed{} — not a verdict for {stage}",
                failing.len(),
                if failing.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", failing.join(", "))
                }
            ),
        )
    } else if !failing.is_empty() {
        (
            Result::NotReady,
            exit::NOT_READY,
            format!(
                "NOT READY for {stage}: {} failed ({})",
                failing.len(),
                failing.join(", ")
            ),
        )
    } else {
        (Result::Ready, exit::READY, format!("READY for {stage}"))
    };
    Verdict {
        result,
        exit_code,
        failing,
        unevaluated,
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
                (
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
    fn unavailable_beats_failure_and_lines_name_the_checks() {
        let v = judge(
            Stage::Pilot,
            Mode::Standard,
            false,
            [
                ("a.fail", Fail, None),
                ("b.skip", Skip, Some(SkipKind::Unavailable)),
            ],
        );
        assert_eq!(v.exit_code, 2);
        assert_eq!(v.line, "COULD NOT EVALUATE pilot: 1 not evaluated (b.skip)");
        let v = judge(
            Stage::Pilot,
            Mode::Standard,
            false,
            [("a.fail", Fail, None)],
        );
        assert_eq!(v.line, "NOT READY for pilot: 1 failed (a.fail)");
        assert_eq!(v.failing, ["a.fail"]);
    }

    #[test]
    fn a_partial_run_is_never_ready() {
        let all_pass = judge(Stage::Pilot, Mode::Standard, true, [("a.x", Pass, None)]);
        assert_eq!((all_pass.result, all_pass.exit_code), (Result::Partial, 2));
        assert_eq!(
            all_pass.line,
            "PARTIAL RUN (--only/--skip): 0 failed — not a verdict for pilot"
        );
        let failed = judge(Stage::Pilot, Mode::Standard, true, [("a.x", Fail, None)]);
        assert_eq!(failed.exit_code, 1);
    }
}
