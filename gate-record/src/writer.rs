//! Writing a run record: `RecordWriter` builds `runs/.tmp-<id>/` under its own lock, then
//! renames it into place and appends its history line under the output lock.

use crate::RecordError;
use crate::layout::{
    OutLock, append_history, list_artifacts, read_history, recover, remove_abandoned,
};
use gate_formats::run_record::{HistoryEntry, MANIFEST_SCHEMA, Manifest, PreviousRun};
use gate_support::atomic::{self, write_synced};
use gate_support::digest::sha256_hex;
use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};

/// A run record being written.
#[derive(Debug)]
pub struct RecordWriter {
    out: PathBuf,
    run_id: String,
    tmp: PathBuf,
    /// `runs/.tmp-<id>.lock`, held exclusively until the writer is finished or dropped: the
    /// sign that the temporary directory is still being written.
    lock_path: PathBuf,
    _lock: File,
}

/// What the finished record looks like from outside.
#[derive(Debug, Clone)]
pub struct Finished {
    /// The run directory.
    pub dir: PathBuf,
    /// The history entry appended; its `manifest_sha256` is the chain's new head.
    pub entry: HistoryEntry,
    /// The previous run linked from the manifest.
    pub previous: Option<PreviousRun>,
    /// What recovering from an earlier interrupted run did, one sentence each.
    pub recovered: Vec<String>,
}

impl RecordWriter {
    /// Creates `<out>/runs/.tmp-<run_id>/` (removing what killed runs left). Fails with
    /// [`RecordError::OutDir`] when `out` is not writable, before any check has run.
    pub fn begin(out: &Path, run_id: &str) -> Result<RecordWriter, RecordError> {
        let runs = out.join("runs");
        let tmp = runs.join(format!(".tmp-{run_id}"));
        let out_err = |source| RecordError::OutDir {
            path: out.to_owned(),
            source,
        };
        // `--out` may be a symlink: to a directory that does not exist yet, it is created
        // where the link points (creating the link's own path fails with "File exists").
        if let Ok(target) = fs::read_link(out)
            && !out.exists()
        {
            let target = out.parent().map_or(target.clone(), |p| p.join(&target));
            fs::create_dir_all(target).map_err(out_err)?;
        }
        fs::create_dir_all(&runs).map_err(out_err)?;
        // Under the output lock (which also proves it can be created now rather than after
        // minutes of checks): the sweep of what killed runs left never sees this run's lock
        // file between its creation and its locking, so it cannot take it for abandoned.
        let held = OutLock::acquire(out).map_err(out_err)?;
        // The lock before the directory: a directory that exists is always either locked by
        // its writer or abandoned.
        let lock_path = runs.join(format!(".tmp-{run_id}.lock"));
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(out_err)?;
        lock.lock().map_err(out_err)?;
        fs::create_dir_all(tmp.join("logs")).map_err(out_err)?;
        remove_abandoned(&runs, &held);
        drop(held);
        Ok(RecordWriter {
            out: out.to_owned(),
            run_id: run_id.to_owned(),
            tmp,
            lock_path,
            _lock: lock,
        })
    }

    /// The directory being written (renamed into place by [`RecordWriter::finish`]).
    pub fn dir(&self) -> &Path {
        &self.tmp
    }

    /// The run id.
    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    /// Writes one artifact (path `/`-separated, relative to the run directory), through the
    /// secret redaction: the one door into a record, so no artifact (environment.json, a
    /// log, a report) can hold a secret however it was made.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), RecordError> {
        let redacted = gate_scan::secrets::redact_bytes(bytes);
        let bytes = redacted.as_deref().unwrap_or(bytes);
        if rel
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..")
        {
            return Err(RecordError::BadArtifactPath(rel.to_owned()));
        }
        let path = self.tmp.join(rel);
        let out_err = |source| RecordError::OutDir {
            path: path.clone(),
            source,
        };
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(out_err)?;
        }
        fs::write(&path, bytes).map_err(out_err)
    }

    /// Finishes the record under the output lock: repairs what an interrupted run left,
    /// links the previous run, writes `decision.json` (built by `decision` from the previous
    /// run) and `manifest.json` (which binds `entry`'s verdict), renames the directory into
    /// place and appends to history.
    pub fn finish(
        self,
        policy_sha256: &str,
        entry: HistoryEntry,
        decision: impl FnOnce(Option<&PreviousRun>) -> Vec<u8>,
    ) -> Result<Finished, RecordError> {
        let out_err = |path: &Path, source| RecordError::OutDir {
            path: path.to_owned(),
            source,
        };
        let lock = OutLock::acquire(&self.out).map_err(|e| out_err(&self.out.join(".lock"), e))?;
        let history_path = self.out.join("history.jsonl");
        let recovered = recover(&self.out, &lock).map_err(|e| out_err(&history_path, e))?;
        let previous = read_history(&history_path)
            .map_err(|e| out_err(&history_path, e))?
            .into_iter()
            .rev()
            .find_map(|line| line.ok())
            .map(|e| e.link());
        self.write("decision.json", &decision(previous.as_ref()))?;
        let artifacts = list_artifacts(&self.tmp).map_err(|e| out_err(&self.tmp, e))?;
        let manifest = Manifest {
            schema_version: MANIFEST_SCHEMA,
            run_id: self.run_id.clone(),
            stage: entry.stage,
            result: entry.result,
            exit_code: entry.exit_code,
            commit: entry.commit,
            dirty: entry.dirty,
            time: entry.time,
            previous: previous.clone(),
            policy_sha256: policy_sha256.to_owned(),
            artifacts,
        };
        let manifest_bytes =
            gate_support::json::pretty_bytes(&manifest).expect("manifest serialises");
        let manifest_path = self.tmp.join("manifest.json");
        write_synced(&manifest_path, &manifest_bytes).map_err(|e| out_err(&manifest_path, e))?;

        let final_dir = self.out.join("runs").join(&self.run_id);
        atomic::move_dir(&self.tmp, &final_dir).map_err(|e| out_err(&final_dir, e))?;

        let entry = HistoryEntry::of(&manifest, &sha256_hex(&manifest_bytes));
        append_history(&history_path, &entry).map_err(|e| out_err(&history_path, e))?;
        drop(lock);
        Ok(Finished {
            dir: final_dir,
            entry,
            previous,
            recovered,
        })
    }
}

impl Drop for RecordWriter {
    fn drop(&mut self) {
        // A run that ends without finishing (an error after begin) leaves no half record.
        // After `finish` the temporary directory has been renamed and only the lock is left.
        let _ = fs::remove_dir_all(&self.tmp);
        let _ = fs::remove_file(&self.lock_path);
    }
}

/// A new run id: UTC time to the microsecond plus a short random suffix, so ids sort by
/// time and two concurrent runs differ. History order, not id order, is authoritative.
pub fn new_run_id(now: std::time::SystemTime) -> String {
    let stamp = humantime::format_rfc3339_seconds(now).to_string();
    let compact: String = stamp
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    let nanos = now
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let seed = format!(
        "{nanos}-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    );
    let micros = now
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_micros());
    format!(
        "{compact}-{micros:06}-{}",
        &sha256_hex(seed.as_bytes())[..6]
    )
}
