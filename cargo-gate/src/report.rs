//! The readiness report: everything the human report shows, as one serialisable value.
//! `report.json` in the run record and `--format json` are this value, byte for byte. The
//! types live in gate-formats, shared with every reader of `report.json`.

pub use gate_formats::report::{
    CheckReport, Counts, Report, Reuse, RunResult, SCHEMA_VERSION, Selection, Tool, UsedWaiver,
};

/// What the record holds over time, for the charts of the HTML and Markdown reports: the
/// latest runs of one stage (oldest first) and each benchmark's figures across them. Read
/// from the record by [`crate::runs::history::timeline`]; renderers read it like the report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timeline {
    /// The runs, oldest first, the current one last.
    pub runs: Vec<TimelineRun>,
    /// Each benchmark measured in those runs, by id.
    pub benchmarks: Vec<BenchSeries>,
}

/// One run of a [`Timeline`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineRun {
    /// The run id.
    pub run_id: String,
    /// Its result.
    pub result: RunResult,
}

/// One benchmark across the runs of a [`Timeline`].
#[derive(Debug, Clone, PartialEq)]
pub struct BenchSeries {
    /// The benchmark id.
    pub id: String,
    /// `(index into Timeline::runs, p50 ns, p95 ns)` for each run that measured it.
    pub points: Vec<(usize, f64, f64)>,
    /// The baseline's p50 and p95 in the latest run that measured it.
    pub baseline: Option<(f64, f64)>,
}

/// cargo-gate's home: the verifier id of `decision.json` and the tool's information URI in
/// SARIF.
pub const HOMEPAGE: &str = "https://github.com/cargo-gate/cargo-gate";

/// Complete reports for the tests of the readers of `report.json` (history, diff,
/// `history.window`), which read the typed [`Report`].
#[cfg(test)]
pub(crate) mod sample {
    use super::*;
    use crate::check::{Finding, Status};
    use crate::stage::Stage;
    use crate::verdict::{Mode, Result as RunResult, Verdict};

    /// A check of the report: `id`, `status`, `findings`.
    pub(crate) fn check(id: &str, status: Status, findings: Vec<Finding>) -> CheckReport {
        CheckReport {
            id: id.to_owned(),
            stage: Stage::Pilot,
            status,
            counts_as_failure: status == Status::Fail,
            summary: String::new(),
            skip: None,
            blocked_by: None,
            fix: None,
            duration_ms: 0,
            findings,
            evidence: Vec::new(),
            reused: Vec::new(),
        }
    }

    /// A report of `checks` whose verdict is `result` with `failing` checks, as JSON text.
    pub(crate) fn report(checks: Vec<CheckReport>, result: RunResult, failing: &[&str]) -> String {
        let report = Report {
            schema_version: SCHEMA_VERSION,
            tool: Tool {
                name: "cargo-gate".into(),
                version: "0.1.0".into(),
            },
            run_id: "r".into(),
            stage: Stage::Pilot,
            mode: Mode::Standard,
            workspace: "/w".into(),
            commit: None,
            dirty: None,
            started_at: "2026-11-20T00:00:00Z".into(),
            duration_ms: 0,
            selection: None,
            counts: Counts::of(checks.iter().map(|c| &c.status)),
            checks,
            waivers_used: Vec::new(),
            verdict: Verdict {
                result,
                exit_code: i32::from(!failing.is_empty()),
                failing: failing.iter().map(|f| (*f).to_owned()).collect(),
                unevaluated: Vec::new(),
                blocked: Vec::new(),
                line: String::new(),
            },
            record: "runs/r".into(),
        };
        report.to_json()
    }
}
