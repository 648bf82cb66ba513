//! The readiness report: everything the human report shows, as one serialisable value.
//! `report.json` in the run record and `--format json` are this value, byte for byte.

use crate::check::{Finding, SkipKind, Status};
use crate::config::Waiver;
use crate::stage::Stage;
use crate::verdict::{Mode, Verdict};
use serde::Serialize;

/// The schema version of `report.json`; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// The tool that wrote the report.
#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    /// `cargo-gate`.
    pub name: &'static str,
    /// Its version.
    pub version: &'static str,
}

/// One check in the report.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// Check id.
    pub id: String,
    /// Stage where it starts to count.
    pub stage: Stage,
    /// Status.
    pub status: Status,
    /// Whether this status fails the verdict.
    pub counts_as_failure: bool,
    /// One line.
    pub summary: String,
    /// Why it was not evaluated, for SKIP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip: Option<SkipKind>,
    /// For a blocked SKIP: the check whose failure kept this one from judging.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked_by: Option<String>,
    /// The fix hint, for anything but PASS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// Wall time of the check.
    pub duration_ms: u64,
    /// Findings.
    pub findings: Vec<Finding>,
    /// Paths into the run record that back the status.
    pub evidence: Vec<String>,
}

/// Status counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// PASS.
    pub pass: usize,
    /// WARN.
    pub warn: usize,
    /// FAIL.
    pub fail: usize,
    /// SKIP.
    pub skip: usize,
    /// WAIVED.
    pub waived: usize,
}

impl Counts {
    /// Counts the statuses.
    pub fn of<'a>(statuses: impl IntoIterator<Item = &'a Status>) -> Counts {
        let mut c = Counts::default();
        for s in statuses {
            match s {
                Status::Pass => c.pass += 1,
                Status::Warn => c.warn += 1,
                Status::Fail => c.fail += 1,
                Status::Skip => c.skip += 1,
                Status::Waived => c.waived += 1,
                Status::Inconclusive => c.warn += 1,
            }
        }
        c
    }
}

/// A waiver that covered findings; `index` is what findings' `waived_by` refers to.
#[derive(Debug, Clone, Serialize)]
pub struct UsedWaiver {
    /// Position in the config's `[[waiver]]` list.
    pub index: usize,
    /// The waiver.
    #[serde(flatten)]
    pub waiver: Waiver,
}

impl Report {
    /// `waived by OWNER until DATE: REASON` for a finding's `waived_by`.
    pub fn waiver_note(&self, index: usize) -> Option<String> {
        self.waivers_used
            .iter()
            .find(|w| w.index == index)
            .map(|w| {
                format!(
                    "waived by {} until {}: {}",
                    w.waiver.owner, w.waiver.expires, w.waiver.reason
                )
            })
    }
}

/// The checks a partial run was restricted to.
#[derive(Debug, Clone, Serialize)]
pub struct Selection {
    /// `--only`.
    pub only: Vec<String>,
    /// `--skip`.
    pub skip: Vec<String>,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The tool.
    pub tool: Tool,
    /// The run id (the directory under `runs/`).
    pub run_id: String,
    /// The stage evaluated.
    pub stage: Stage,
    /// The mode.
    pub mode: Mode,
    /// The workspace root.
    pub workspace: String,
    /// Git commit, when known.
    pub commit: Option<String>,
    /// Whether the work tree had uncommitted changes.
    pub dirty: Option<bool>,
    /// When the run started (RFC 3339).
    pub started_at: String,
    /// Wall time of the whole run.
    pub duration_ms: u64,
    /// `--only`/`--skip`, when given: the run is partial and cannot be READY.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selection: Option<Selection>,
    /// Checks in registry order.
    pub checks: Vec<CheckReport>,
    /// Waivers that covered at least one finding.
    pub waivers_used: Vec<UsedWaiver>,
    /// Status counts.
    pub counts: Counts,
    /// The verdict.
    pub verdict: Verdict,
    /// The run record, relative to the output directory (`runs/<run-id>`).
    pub record: String,
}

impl Report {
    /// The report as pretty JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("report serialises");
        s.push('\n');
        s
    }
}
