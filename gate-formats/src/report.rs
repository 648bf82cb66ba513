//! `report.json`: the readiness report, everything the human report shows, as one value.
//! `cargo gate` writes it into every run record and prints it for `--format json`; `merge`,
//! `history` and `history.window` read it back. The types a check returns (status, finding,
//! location) are the report's own, so a check's outcome and the report cannot drift apart.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A rollout stage. Stages are cumulative: a stage runs its own checks and every earlier stage's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// Stage 1: one service or internal tool.
    Pilot,
    /// Stage 2: controlled production.
    Controlled,
    /// Stage 3: broad production rollout.
    Broad,
}

impl Stage {
    /// Every stage, in rollout order.
    pub const ALL: [Stage; 3] = [Stage::Pilot, Stage::Controlled, Stage::Broad];

    /// The stage's name as typed on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Pilot => "pilot",
            Stage::Controlled => "controlled",
            Stage::Broad => "broad",
        }
    }

    /// Parses a stage name (`pilot`, `controlled`, `broad`).
    pub fn parse(name: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// The status of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    /// Evaluated, and the evidence shows the property holds.
    Pass,
    /// Evaluated; something needs attention but does not fail the verdict by default.
    Warn,
    /// Evaluated, and the evidence shows the property does not hold.
    Fail,
    /// Not evaluated; the reason says why. Never a pass.
    Skip,
    /// Would have failed or warned, but every such finding is covered by a current waiver.
    Waived,
    /// Evaluated, but the evidence cannot decide (e.g. benchmark noise larger than the
    /// threshold). Counts as WARN.
    Inconclusive,
}

impl Status {
    /// Upper-case label as printed in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
            Status::Skip => "SKIP",
            Status::Waived => "WAIVED",
            Status::Inconclusive => "INCONCLUSIVE",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a check was not evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum SkipKind {
    /// The check does not apply to this workspace (nothing to evaluate).
    NotApplicable,
    /// Something the check needs is missing (a tool, a toolchain, dependencies offline): the
    /// gate could not evaluate, and the run exits 2.
    Unavailable,
    /// Another check's failure (its id in the outcome's `blocked_by`) keeps this one from
    /// judging: one cause is reported once, by the check that owns it, and this one says so
    /// instead of failing a second time. It neither fails nor passes the verdict by itself.
    Blocked,
}

/// How serious one finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Makes the check fail.
    Error,
    /// Makes the check warn.
    Warning,
    /// Information only (an inventory entry, an allowed site).
    Note,
}

/// A place in the workspace: a workspace-relative path with `/` separators, and a line and
/// column (1-based) where there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Location {
    /// Path relative to the workspace root, `/`-separated.
    pub file: String,
    /// 1-based line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// 1-based column, in characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
}

impl Location {
    /// A location naming a whole file.
    pub fn file(file: impl Into<String>) -> Location {
        Location {
            file: file.into(),
            line: None,
            column: None,
        }
    }

    /// A location with line and column.
    pub fn at(file: impl Into<String>, line: u32, column: u32) -> Location {
        Location {
            file: file.into(),
            line: Some(line),
            column: Some(column),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        Ok(())
    }
}

/// A finding code a check declared: a kebab-case name that reports, SARIF rule ids and
/// waivers' `match` carry, never renamed once released. Implemented by the code enums a
/// check declares (cargo-gate's `finding_codes!`), never by a string, so [`Finding::code`]
/// only takes a declared code.
pub trait DeclaredCode: Copy {
    /// The stable name.
    fn name(self) -> &'static str;
}

/// One thing a check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Finding {
    /// How serious it is.
    pub severity: Severity,
    /// The check's stable code for this kind of finding (`unsafe-outside-allowed`): the
    /// SARIF rule id is `CHECK/CODE`, and a waiver whose `match` is the code covers every
    /// finding with it. Notes have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<Box<str>>,
    /// What was found, as a lowercase sentence fragment.
    pub message: String,
    /// Where, when there is a place.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// The crate (or other named subject) the finding is about, for waiver matching.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Findings of one check with the same group are one line in the text report (a count
    /// and the first paths); every other format keeps one entry per finding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<Box<str>>,
    /// The waiver that covers this finding, by index in the config's `[[waiver]]` list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waived_by: Option<u32>,
}

impl Finding {
    /// A finding of the given severity.
    pub fn new(severity: Severity, message: impl Into<String>) -> Finding {
        Finding {
            severity,
            code: None,
            message: message.into(),
            location: None,
            subject: None,
            group: None,
            waived_by: None,
        }
    }

    /// An error finding.
    pub fn error(message: impl Into<String>) -> Finding {
        Finding::new(Severity::Error, message)
    }

    /// A warning finding.
    pub fn warning(message: impl Into<String>) -> Finding {
        Finding::new(Severity::Warning, message)
    }

    /// A note.
    pub fn note(message: impl Into<String>) -> Finding {
        Finding::new(Severity::Note, message)
    }

    /// Sets the code: one of its check's declared codes (in cargo-gate, a variant of the
    /// check's `FindingCode` enum; its stable name is what is stored). A string is not a
    /// code, so a code nobody declared does not compile:
    ///
    /// ```compile_fail,E0277
    /// gate_formats::report::Finding::error("lockfile is stale").code("lockfile-stal");
    /// ```
    pub fn code(mut self, code: impl DeclaredCode) -> Finding {
        self.code = Some(code.name().into());
        self
    }

    /// Sets the location.
    pub fn at(mut self, location: Location) -> Finding {
        self.location = Some(location);
        self
    }

    /// The index of the waiver covering this finding, in the config's `[[waiver]]` list.
    pub fn waiver(&self) -> Option<usize> {
        self.waived_by.and_then(|i| usize::try_from(i).ok())
    }

    /// Sets the group: the text report shows the findings of a group as one line.
    pub fn group(mut self, group: impl Into<String>) -> Finding {
        self.group = Some(group.into().into_boxed_str());
        self
    }

    /// Sets the subject (usually a crate name).
    pub fn subject(mut self, subject: impl Into<String>) -> Finding {
        self.subject = Some(subject.into());
        self
    }
}

/// How strictly WARN and SKIP are judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum RunResult {
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

impl RunResult {
    /// Every result.
    pub const ALL: [RunResult; 4] = [
        RunResult::Ready,
        RunResult::NotReady,
        RunResult::CouldNotEvaluate,
        RunResult::Partial,
    ];

    /// The result as written in JSON: `ready`, `not-ready`, `could-not-evaluate`, `partial`.
    pub fn as_str(self) -> &'static str {
        match self {
            RunResult::Ready => "ready",
            RunResult::NotReady => "not-ready",
            RunResult::CouldNotEvaluate => "could-not-evaluate",
            RunResult::Partial => "partial",
        }
    }

    /// Parses a result as written in JSON.
    pub fn parse(name: &str) -> Option<RunResult> {
        RunResult::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

impl fmt::Display for RunResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// The verdict of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Verdict {
    /// The result.
    pub result: RunResult,
    /// Its exit code.
    pub exit_code: i32,
    /// Checks that fail the verdict, in report order.
    pub failing: Vec<String>,
    /// Checks that could not be evaluated (unavailable tool/toolchain/dependencies).
    pub unevaluated: Vec<String>,
    /// Checks another check's failure kept from judging, with the blocking check's id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blocked: Vec<Blocked>,
    /// The one-line verdict, e.g. `NOT READY for pilot: 1 failed (tests.pass)`.
    pub line: String,
}

/// A check that did not judge because another one failed first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Blocked {
    /// The blocked check.
    pub id: String,
    /// The check whose failure (or unavailability) blocked it.
    pub by: String,
}

/// A waiver declared with `[[waiver]]`. It covers a finding of its check when every
/// selector it gives holds (`match`, `code`, `subject`, `file`, `line`, `text`); it gives at
/// least one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Waiver {
    /// The check whose findings it covers.
    pub check: String,
    /// What it matches: the finding's code, a path glob, a crate name (the subject), or a
    /// substring of the finding's message.
    #[serde(rename = "match", default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// The finding's code, exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The finding's subject (a crate, an advisory id), exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The finding's file, exactly (workspace-relative, `/`-separated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The finding's line in `file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// A substring of the finding's message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Why the finding is accepted.
    pub reason: String,
    /// Who owns the decision.
    pub owner: String,
    /// The last day the waiver holds, `YYYY-MM-DD`.
    pub expires: String,
}

impl Waiver {
    /// What the waiver selects, for reports: its `match` alone as written, otherwise each
    /// selector as `key = "value"` (quoted as TOML would, so a control character shows as an
    /// escape).
    pub fn selection(&self) -> String {
        let only_match = self.code.is_none()
            && self.subject.is_none()
            && self.file.is_none()
            && self.line.is_none()
            && self.text.is_none();
        if let (Some(pattern), true) = (&self.pattern, only_match) {
            return pattern.clone();
        }
        let mut parts = Vec::new();
        for (key, value) in [
            ("match", &self.pattern),
            ("code", &self.code),
            ("subject", &self.subject),
            ("file", &self.file),
        ] {
            if let Some(value) = value {
                parts.push(format!("{key} = {value:?}"));
            }
        }
        if let Some(line) = self.line {
            parts.push(format!("line = {line}"));
        }
        if let Some(text) = &self.text {
            parts.push(format!("text = {text:?}"));
        }
        parts.join(", ")
    }
}

/// The schema version of `report.json`; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// The tool that wrote the report.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Tool {
    /// `cargo-gate`.
    pub name: String,
    /// Its version.
    pub version: String,
}

/// One check in the report.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
    /// The fix hint, for anything but PASS: the check's own, or what fits this outcome where
    /// that does not (a test run stopped at its limit has no failing test to fix).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// Wall time of the check.
    pub duration_ms: u64,
    /// Findings.
    pub findings: Vec<Finding>,
    /// Paths into the run record that back the status.
    pub evidence: Vec<String>,
    /// The cached facts this outcome was judged from, each with the run that produced it
    /// (empty when every fact was gathered by this run).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reused: Vec<Reuse>,
}

/// A fact taken from the evidence cache instead of being gathered again: which fact, the run
/// that gathered it, and the digest of the inputs it was gathered from (the cache key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Reuse {
    /// The fact: `resolve`, `build` or `tests`.
    pub fact: String,
    /// The run that gathered it.
    pub run_id: String,
    /// `sha256:` digest of its inputs.
    pub inputs: String,
}

impl std::fmt::Display for Reuse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} reused from run {}, inputs {}",
            self.fact, self.run_id, self.inputs
        )
    }
}

/// Status counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Selection {
    /// `--only`.
    pub only: Vec<String>,
    /// `--skip`.
    pub skip: Vec<String>,
}

/// The whole report.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
        gate_support::json::pretty_string(self).expect("report serialises")
    }
}
