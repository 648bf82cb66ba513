//! gate-record: the tamper-evident run record of cargo-gate (SPEC §3.4), usable on its own: `<out>/runs/<run-id>/` written atomically,
//! a hash chain through the manifests, the append-only `history.jsonl`, and `verify`.
//!
//! What binds what:
//! - `manifest.json` lists every other file of the run with its digest, and carries the run's
//!   verdict (stage, result, exit code, commit, dirty flag, time) and the digest of the
//!   previous run's manifest: the chain.
//! - `history.jsonl` is an index, one line per run: a copy of its manifest's verdict plus the
//!   manifest's digest. Nothing is judged from a line alone ([`read_chain`]): every field is
//!   checked against the hashed manifest and every link against the line before, so an
//!   edited, reordered or removed line is found.
//! - The chain's head is the digest of the last manifest. A consistent rewrite of the whole
//!   chain (every manifest rewritten and re-hashed, every line with it) cannot be told from
//!   the record itself; `verify --expect-head DIGEST`, with a head kept somewhere else (a CI
//!   log, a release note), proves that nothing up to that run was rewritten.
//!
//! Crash safety (architecture invariant): a run directory appears under `runs/` complete or
//! not at all. It is built in `runs/.tmp-<run-id>/`, whose writer holds an exclusive lock on
//! `runs/.tmp-<run-id>.lock` for its whole life, and is renamed into place while `<out>/.lock`
//! is held; the same lock covers reading the previous manifest's digest and appending to
//! history, so concurrent runs produce one linear chain. After a `kill -9` at any instant the
//! next run (or `verify`) repairs what the kill left, under the same locks (`recover`): a
//! temporary directory or lock file nobody holds is removed, an unfinished last history line
//! is cut off, and a complete run directory that links to the head but missed its history
//! line gets it, rebuilt from its manifest.
//!
//! It knows nothing of stages' checks or verdicts beyond the few fields a history line
//! binds (gate-formats' `run_record` types): a writer, a reader and a verifier any tool that
//! keeps a record of its runs can use.
//!
//! ```
//! use gate_formats::report::{RunResult, Stage};
//! use gate_record::{HistoryEntry, RecordWriter, test_decision, verify};
//!
//! let out = tempfile::tempdir()?;
//! let writer = RecordWriter::begin(out.path(), "run-1")?;
//! writer.write("logs/build.log", b"Compiling app v0.1.0\n")?;
//! let entry = HistoryEntry {
//!     run_id: "run-1".into(),
//!     stage: Stage::Pilot,
//!     result: RunResult::parse("ready").expect("a result"),
//!     exit_code: 0,
//!     commit: None,
//!     dirty: None,
//!     time: "2026-11-26T00:00:00Z".into(),
//!     manifest_sha256: String::new(),
//! };
//! let decision = test_decision(&entry);
//! let finished = writer.finish("policy-digest", entry, |_previous| decision)?;
//! assert!(finished.previous.is_none());
//!
//! // Edit a kept log, and verify names it.
//! std::fs::write(finished.dir.join("logs/build.log"), "all good\n")?;
//! let report = verify(out.path(), None, None)?;
//! assert!(!report.intact());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::path::Path;

mod chain;
mod error;
mod layout;
#[cfg(test)]
mod tests;
mod writer;

pub use error::RecordError;
pub use layout::read_history;
pub use layout::{FileKind, file_kind};
pub use writer::{Finished, RecordWriter, new_run_id};

pub use chain::{Chain, ChainRun, Problem, VerifyReport, read_chain, verify};

/// Whether `id` can name a run: one path component under `runs/`, not hidden — what a user
/// passes to `diff` or `verify` is checked with this before any path is built from it.
pub fn is_run_id(id: &str) -> bool {
    layout::is_run_dir_name(id)
}

pub use gate_formats::run_record::{
    ArtifactDigest, HistoryEntry, MANIFEST_SCHEMA, Manifest, PreviousRun,
};
/// A `decision.json` that agrees with `entry`'s verdict (the fields the chain cross-checks),
/// for tests that write records by hand.
#[doc(hidden)]
pub fn test_decision(entry: &HistoryEntry) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "predicate": {"result": entry.result, "stage": entry.stage, "exitCode": entry.exit_code}
    }))
    .expect("json")
}

/// The `evidence.json` of every run in the chain under `out` whose line is bound to its
/// manifest, by run id, in history order, each read through its manifest (size and digest
/// checked): what proves a cache entry's reuse, and remembers failures on the same inputs.
pub fn recorded_evidence(out: &Path) -> Result<Vec<(String, Vec<u8>)>, String> {
    let chain = read_chain(out).map_err(|e| e.to_string())?;
    Ok(chain
        .trusted()
        .filter_map(|run| {
            let bytes = run.artifact(out, "evidence.json").ok()?;
            Some((run.entry.run_id.clone(), bytes))
        })
        .collect())
}
