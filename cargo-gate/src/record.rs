//! The tamper-evident run record (SPEC §3.4): `<out>/runs/<run-id>/` written atomically,
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

use std::path::Path;

mod chain;
mod layout;
#[cfg(test)]
mod tests;
mod writer;

pub use layout::read_history;
pub(crate) use layout::{FileKind, file_kind};
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
#[cfg(test)]
pub(crate) fn test_decision(entry: &HistoryEntry) -> Vec<u8> {
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
