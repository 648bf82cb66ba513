//! `decision.json`: the verdict as an in-toto Statement v1 whose predicate follows SLSA's
//! verification summary (VSA v1), plus cargo-gate's stage, mode, exit code and per-check
//! statuses. The types are gate-formats' [`attestation`](gate_formats::attestation).

use crate::record::PreviousRun;
use crate::report::Report;
use gate_formats::attestation::{
    CheckStatus, FailingChecks, Predicate, Resource, VerificationResult, Verifier,
};
pub use gate_formats::attestation::{PREDICATE_TYPE, STATEMENT_TYPE, Statement};
use std::collections::BTreeMap;

/// The verifier id.
pub const VERIFIER_ID: &str = crate::report::HOMEPAGE;

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

fn sha256(digest: &str) -> BTreeMap<String, String> {
    BTreeMap::from([("sha256".to_owned(), digest.to_owned())])
}

/// Builds the statement. `policy_uri` names where the policy came from.
pub fn statement(
    report: &Report,
    subjects: &[Subject],
    policy_uri: &str,
    policy_sha256: &str,
    previous: Option<&PreviousRun>,
    time_verified: &str,
) -> Statement {
    // READY alone passes: a partial run (`--only`/`--skip`) exits 0 when its selection
    // passes, and is still no verdict for the stage.
    let passed = report.verdict.result == crate::verdict::Result::Ready;
    let input_attestations: Vec<Resource> = previous
        .map(|p| Resource {
            digest: sha256(&p.manifest_sha256),
            uri: format!("runs/{}/manifest.json", p.run_id),
        })
        .into_iter()
        .collect();
    // A built-in check's bit is its own (`registry::bit`), stable for as long as it exists;
    // team checks take the bits after the highest built-in one, in report order.
    let mut bits: u128 = 0;
    let mut extra = usize::from(crate::registry::first_free_bit());
    for check in report.checks.iter() {
        let index = crate::registry::bit(&check.id).map_or_else(
            || {
                extra += 1;
                extra - 1
            },
            usize::from,
        );
        if check.counts_as_failure && index < 128 {
            bits |= 1 << index;
        }
    }
    let failing: Vec<String> = report
        .checks
        .iter()
        .filter(|c| c.counts_as_failure)
        .map(|c| c.id.clone())
        .collect();
    Statement {
        statement_type: STATEMENT_TYPE.to_owned(),
        subject: subjects
            .iter()
            .map(|s| gate_formats::attestation::Subject {
                digest: BTreeMap::from([(s.algorithm.to_owned(), s.digest.clone())]),
                name: s.name.clone(),
            })
            .collect(),
        predicate_type: PREDICATE_TYPE.to_owned(),
        predicate: Predicate {
            verifier: Verifier {
                id: VERIFIER_ID.to_owned(),
                version: BTreeMap::from([(
                    "cargo-gate".to_owned(),
                    env!("CARGO_PKG_VERSION").to_owned(),
                )]),
            },
            time_verified: time_verified.to_owned(),
            resource_uri: report.commit.as_ref().map_or_else(
                || "file:workspace".to_owned(),
                |c| format!("git+commit:{c}"),
            ),
            policy: Resource {
                digest: sha256(policy_sha256),
                uri: policy_uri.to_owned(),
            },
            input_attestations,
            verification_result: if passed {
                VerificationResult::Passed
            } else {
                VerificationResult::Failed
            },
            verified_levels: if passed {
                vec![format!(
                    "CARGO_GATE_{}",
                    report.stage.as_str().to_uppercase()
                )]
            } else {
                Vec::new()
            },
            stage: report.stage,
            mode: report.mode,
            result: report.verdict.result,
            exit_code: report.verdict.exit_code,
            checks: report
                .checks
                .iter()
                .map(|c| CheckStatus {
                    id: c.id.clone(),
                    status: c.status,
                })
                .collect(),
            failing_checks: FailingChecks {
                bitset: format!("{bits:#x}"),
                ids: failing,
            },
        },
    }
}
