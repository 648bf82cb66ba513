//! The run record's own files: `runs/<id>/manifest.json` (every artifact's digest, the
//! verdict and the link to the previous run) and `history.jsonl` (one [`HistoryEntry`] per
//! run, each binding a manifest's digest). Written by `cargo gate`'s record writer, read by
//! `verify`, `history`, `status`, `merge` and `history.window`.

use crate::report::{RunResult, Stage};
use serde::{Deserialize, Serialize};

/// Current `manifest.json` schema. 2 binds the verdict (result, exit code, commit, dirty, time)
/// into the manifest; schema 1 manifests did not, and are reported by `verify`.
pub const MANIFEST_SCHEMA: u32 = 2;

/// One artifact listed in a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ArtifactDigest {
    /// Path inside the run directory, `/`-separated.
    pub path: String,
    /// Lowercase hex SHA-256.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
}

/// The link to the previous run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PreviousRun {
    /// Its id.
    pub run_id: String,
    /// SHA-256 of its `manifest.json` file.
    pub manifest_sha256: String,
}

/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Manifest {
    /// Schema version.
    pub schema_version: u32,
    /// This run's id.
    pub run_id: String,
    /// The stage evaluated.
    pub stage: Stage,
    /// `ready`, `not-ready`, `could-not-evaluate` or `partial`.
    pub result: RunResult,
    /// The exit code the run ended with.
    pub exit_code: i32,
    /// Git commit, when known.
    pub commit: Option<String>,
    /// Whether the work tree was dirty.
    pub dirty: Option<bool>,
    /// When the run finished (RFC 3339).
    pub time: String,
    /// The previous run in history, if any (the chain).
    pub previous: Option<PreviousRun>,
    /// SHA-256 of the effective configuration (canonical JSON).
    pub policy_sha256: String,
    /// Every other file in the run directory.
    pub artifacts: Vec<ArtifactDigest>,
}

/// One line of `history.jsonl`: the verdict fields of a manifest and its digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HistoryEntry {
    /// Run id (the directory name under `runs/`).
    pub run_id: String,
    /// Stage.
    pub stage: Stage,
    /// `ready`, `not-ready`, `could-not-evaluate` or `partial`.
    pub result: RunResult,
    /// The exit code the run ended with.
    pub exit_code: i32,
    /// Git commit, when known.
    pub commit: Option<String>,
    /// Whether the work tree was dirty.
    pub dirty: Option<bool>,
    /// When the run finished (RFC 3339).
    pub time: String,
    /// SHA-256 of the run's `manifest.json`.
    pub manifest_sha256: String,
}

impl HistoryEntry {
    /// The history line a manifest with digest `manifest_sha256` must have.
    pub fn of(manifest: &Manifest, manifest_sha256: &str) -> HistoryEntry {
        HistoryEntry {
            run_id: manifest.run_id.clone(),
            stage: manifest.stage,
            result: manifest.result,
            exit_code: manifest.exit_code,
            commit: manifest.commit.clone(),
            dirty: manifest.dirty,
            time: manifest.time.clone(),
            manifest_sha256: manifest_sha256.to_owned(),
        }
    }

    /// This run as the link the next run's manifest holds.
    pub fn link(&self) -> PreviousRun {
        PreviousRun {
            run_id: self.run_id.clone(),
            manifest_sha256: self.manifest_sha256.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_history_line_round_trips_byte_for_byte_with_its_stage_and_result_typed() {
        let line = r#"{"run_id":"r1","stage":"controlled","result":"could-not-evaluate","exit_code":2,"commit":null,"dirty":false,"time":"2026-11-20T00:00:00Z","manifest_sha256":"ab"}"#;
        let entry: HistoryEntry = serde_json::from_str(line).unwrap();
        assert_eq!(
            (entry.stage, entry.result),
            (Stage::Controlled, RunResult::CouldNotEvaluate)
        );
        assert_eq!(serde_json::to_string(&entry).unwrap(), line);
    }

    #[test]
    fn every_result_is_written_as_its_name() {
        for result in RunResult::ALL {
            let json = serde_json::to_value(result).unwrap();
            assert_eq!(json.as_str(), Some(result.as_str()));
            assert_eq!(RunResult::parse(result.as_str()), Some(result));
        }
        assert_eq!(RunResult::parse("maybe"), None);
    }
}
