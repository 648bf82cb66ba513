//! `decision.json`: the verdict as an in-toto Statement v1 whose predicate follows SLSA's
//! verification summary (VSA v1), plus cargo-gate's stage, mode, exit code and per-check
//! statuses.

use crate::record::PreviousRun;
use crate::report::Report;
use serde_json::{Value, json};

/// in-toto Statement type.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// SLSA verification summary predicate type.
pub const PREDICATE_TYPE: &str = "https://slsa.dev/verification_summary/v1";
/// The verifier id.
pub const VERIFIER_ID: &str = "https://github.com/cargo-gate/cargo-gate";

/// A subject of the statement: what was verified.
#[derive(Debug, Clone)]
pub struct Subject {
    /// Name, e.g. `Cargo.lock`.
    pub name: String,
    /// Digest algorithm (`sha256`, `gitCommit`).
    pub algorithm: &'static str,
    /// Digest value.
    pub digest: String,
}

/// Builds the statement. `policy_uri` names where the policy came from.
pub fn statement(
    report: &Report,
    subjects: &[Subject],
    policy_uri: &str,
    policy_sha256: &str,
    previous: Option<&PreviousRun>,
    time_verified: &str,
) -> Value {
    let passed = report.verdict.exit_code == crate::exit::READY;
    let input_attestations: Vec<Value> = previous
        .map(|p| {
            json!({
                "uri": format!("runs/{}/manifest.json", p.run_id),
                "digest": { "sha256": p.manifest_sha256 },
            })
        })
        .into_iter()
        .collect();
    // Bit i is the i-th check of the catalogue (`cargo gate checks` order); team checks
    // follow in config order. Stable as long as ids are only ever appended.
    let catalogue: Vec<&str> = crate::registry::metas().map(|m| m.id).collect();
    let mut bits: u128 = 0;
    let mut extra = catalogue.len();
    for check in report.checks.iter() {
        let index = catalogue
            .iter()
            .position(|id| *id == check.id)
            .unwrap_or_else(|| {
                extra += 1;
                extra - 1
            });
        if check.counts_as_failure && index < 128 {
            bits |= 1 << index;
        }
    }
    let failing: Vec<&str> = report
        .checks
        .iter()
        .filter(|c| c.counts_as_failure)
        .map(|c| c.id.as_str())
        .collect();
    let checks: Vec<Value> = report
        .checks
        .iter()
        .map(|c| json!({ "id": c.id, "status": c.status }))
        .collect();
    json!({
        "_type": STATEMENT_TYPE,
        "subject": subjects
            .iter()
            .map(|s| json!({ "name": s.name, "digest": { s.algorithm: s.digest } }))
            .collect::<Vec<_>>(),
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "verifier": {
                "id": VERIFIER_ID,
                "version": { "cargo-gate": env!("CARGO_PKG_VERSION") },
            },
            "timeVerified": time_verified,
            "resourceUri": report.commit.as_ref().map_or_else(
                || "file:workspace".to_owned(),
                |c| format!("git+commit:{c}"),
            ),
            "policy": { "uri": policy_uri, "digest": { "sha256": policy_sha256 } },
            "inputAttestations": input_attestations,
            "verificationResult": if passed { "PASSED" } else { "FAILED" },
            "verifiedLevels": if passed {
                vec![format!("CARGO_GATE_{}", report.stage.as_str().to_uppercase())]
            } else {
                Vec::new()
            },
            "stage": report.stage,
            "mode": report.mode,
            "result": report.verdict.result,
            "exitCode": report.verdict.exit_code,
            "checks": checks,
            "failingChecks": { "ids": failing, "bitset": format!("{bits:#x}") },
        },
    })
}
