//! `runs/<id>/decision.json`: the verdict as an in-toto Statement v1 whose predicate follows
//! SLSA's verification summary (VSA v1), plus cargo-gate's stage, mode, exit code and
//! per-check statuses. Fields are declared in alphabetical order, the order the file has
//! always had (it was first written from a sorted JSON map).

use crate::report::{Mode, RunResult, Stage, Status};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// in-toto Statement type.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// SLSA verification summary predicate type.
pub const PREDICATE_TYPE: &str = "https://slsa.dev/verification_summary/v1";

/// The whole statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Statement {
    /// [`STATEMENT_TYPE`].
    #[serde(rename = "_type")]
    pub statement_type: String,
    /// The verification summary.
    pub predicate: Predicate,
    /// [`PREDICATE_TYPE`].
    #[serde(rename = "predicateType")]
    pub predicate_type: String,
    /// What was verified: `Cargo.lock`, the commit.
    pub subject: Vec<Subject>,
}

/// A subject: a name and its digests by algorithm (`sha256`, `gitCommit`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Subject {
    /// Digests by algorithm.
    pub digest: BTreeMap<String, String>,
    /// The name, e.g. `Cargo.lock`.
    pub name: String,
}

/// A resource named by URI with its SHA-256 (the policy, the previous run's manifest).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Resource {
    /// `{"sha256": …}`.
    pub digest: BTreeMap<String, String>,
    /// Where it is.
    pub uri: String,
}

/// The verifier: cargo-gate and its version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Verifier {
    /// `https://github.com/cargo-gate/cargo-gate`.
    pub id: String,
    /// `{"cargo-gate": VERSION}`.
    pub version: BTreeMap<String, String>,
}

/// `PASSED` or `FAILED` (VSA's vocabulary).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "UPPERCASE")]
pub enum VerificationResult {
    /// The stage's verdict is READY.
    Passed,
    /// Anything else.
    Failed,
}

/// One check's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CheckStatus {
    /// The check id.
    pub id: String,
    /// Its status.
    pub status: Status,
}

/// The checks that fail the verdict: ids, and a bitset over the catalogue order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FailingChecks {
    /// Bit i is the i-th check of `cargo gate checks`; team checks follow. `0x…`.
    pub bitset: String,
    /// The ids.
    pub ids: Vec<String>,
}

/// The verification summary, with cargo-gate's own fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Predicate {
    /// Every check of the run, in report order.
    pub checks: Vec<CheckStatus>,
    /// The run's exit code.
    pub exit_code: i32,
    /// The checks that fail the verdict.
    pub failing_checks: FailingChecks,
    /// The previous run's manifest, when there is one (the chain).
    pub input_attestations: Vec<Resource>,
    /// The mode.
    pub mode: Mode,
    /// The effective configuration.
    pub policy: Resource,
    /// `git+commit:<sha>`, or `file:workspace` without git.
    pub resource_uri: String,
    /// The result.
    pub result: RunResult,
    /// The stage.
    pub stage: Stage,
    /// When the run finished (RFC 3339).
    pub time_verified: String,
    /// `PASSED` when the verdict is READY.
    pub verification_result: VerificationResult,
    /// `CARGO_GATE_<STAGE>` when passed; empty otherwise.
    pub verified_levels: Vec<String>,
    /// Who verified.
    pub verifier: Verifier,
}
