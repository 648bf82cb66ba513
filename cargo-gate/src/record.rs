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

use crate::error::GateError;
use gate_support::atomic::{self, write_synced};
use gate_support::digest::{sha256_file, sha256_hex};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

mod chain;
#[cfg(test)]
mod tests;

pub use chain::{Chain, ChainRun, Problem, VerifyReport, read_chain, verify};

/// Whether `id` can name a run: one path component under `runs/`, not hidden — what a user
/// passes to `diff` or `verify` is checked with this before any path is built from it.
pub fn is_run_id(id: &str) -> bool {
    chain::is_run_dir_name(id)
}

pub use gate_formats::run_record::{
    ArtifactDigest, HistoryEntry, MANIFEST_SCHEMA, Manifest, PreviousRun,
};

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
    /// [`GateError::OutDir`] when `out` is not writable, before any check has run.
    pub fn begin(out: &Path, run_id: &str) -> Result<RecordWriter, GateError> {
        let runs = out.join("runs");
        let tmp = runs.join(format!(".tmp-{run_id}"));
        let out_err = |source| GateError::OutDir {
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
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), GateError> {
        let redacted = crate::secrets::redact_bytes(bytes);
        let bytes = redacted.as_deref().unwrap_or(bytes);
        if rel
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..")
        {
            return Err(GateError::Internal(format!("bad artifact path `{rel}`")));
        }
        let path = self.tmp.join(rel);
        let out_err = |source| GateError::OutDir {
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
    ) -> Result<Finished, GateError> {
        let out_err = |path: &Path, source| GateError::OutDir {
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

/// `<out>/.lock`, held exclusively: the one writer of `history.jsonl` and of `runs/<id>`
/// renames. `verify` takes it only to snapshot the history and the listing of `runs/`.
#[derive(Debug)]
pub(crate) struct OutLock {
    _file: File,
}

impl OutLock {
    pub(crate) fn acquire(out: &Path) -> std::io::Result<OutLock> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(out.join(".lock"))?;
        file.lock()?;
        Ok(OutLock { _file: file })
    }
}

/// Removes what killed runs left under `runs/`: temporary run directories whose
/// `.tmp-<id>.lock` nobody holds, and lock files nobody holds (a run killed between creating
/// its lock and its directory, or between renaming its directory into place and removing the
/// lock). A directory or lock still in use is never touched. Only called under the output
/// lock, which every writer also holds from creating its lock file until it holds the lock.
fn remove_abandoned(runs: &Path, _held: &OutLock) {
    let Ok(dir) = fs::read_dir(runs) else {
        return;
    };
    for entry in dir.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with(".tmp-") {
            continue;
        }
        let (dir_path, lock_path) = match name.strip_suffix(".lock") {
            // The lock of a run killed between renaming its directory into place and
            // appending its history line is the only evidence that the run is complete and
            // merely unlisted: [`recover`] reads it, then removes it.
            Some(stem)
                if stem
                    .strip_prefix(".tmp-")
                    .is_some_and(|id| runs.join(id).is_dir()) =>
            {
                continue;
            }
            Some(stem) => (runs.join(stem), entry.path()),
            None if entry.file_type().is_ok_and(|t| t.is_dir()) => {
                (entry.path(), runs.join(format!("{name}.lock")))
            }
            None => continue,
        };
        // A lock file is a regular file a writer made; anything else there (a FIFO would
        // block the open) is not a writer's and is left alone.
        if fs::symlink_metadata(&lock_path).is_ok_and(|m| !m.is_file()) {
            continue;
        }
        let Ok(lock) = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
        else {
            continue;
        };
        if lock.try_lock().is_ok() {
            let _ = fs::remove_dir_all(&dir_path);
            let _ = fs::remove_file(&lock_path);
        }
    }
}

/// Repairs, under the output lock, what a run killed while finishing left behind, and says
/// what it did: an unfinished last line of history is cut off (it is rebuilt from its
/// manifest below), and each complete run directory that links to the history's head but is
/// not in history gets its line — only when the run's own lock file (`.tmp-<id>.lock`, which
/// a writer removes after appending its line) is still there and nobody holds it: that is
/// what a kill between the rename and the append leaves. A run directory whose line was
/// deleted has no such lock, is never re-listed, and `verify` names it. Also removes
/// abandoned temporary directories and lock files.
pub(crate) fn recover(out: &Path, held: &OutLock) -> std::io::Result<Vec<String>> {
    let mut notes = Vec::new();
    let history_path = out.join("history.jsonl");
    match fs::read(&history_path) {
        Ok(bytes) if !bytes.is_empty() && bytes.last() != Some(&b'\n') => {
            let keep = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            OpenOptions::new()
                .write(true)
                .open(&history_path)?
                .set_len(keep as u64)?;
            notes.push(format!(
                "removed an unfinished last line of history.jsonl ({} byte(s) a killed run \
                 was writing)",
                bytes.len() - keep
            ));
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let runs = out.join("runs");
    remove_abandoned(&runs, held);
    let entries: Vec<HistoryEntry> = read_history(&history_path)?
        .into_iter()
        .filter_map(Result::ok)
        .collect();
    let mut known: std::collections::BTreeSet<String> =
        entries.iter().map(|e| e.run_id.clone()).collect();
    let mut head = entries.last().map(HistoryEntry::link);
    'next: loop {
        let Ok(dir) = fs::read_dir(&runs) else {
            break;
        };
        for entry in dir.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || known.contains(&name) || !abandoned(&runs, &name) {
                continue;
            }
            let path = entry.path().join("manifest.json");
            if !fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
                continue;
            }
            let bytes = fs::read(&path)?;
            let Ok(manifest) = serde_json::from_slice::<Manifest>(&bytes) else {
                continue;
            };
            if manifest.schema_version != MANIFEST_SCHEMA
                || manifest.run_id != name
                || manifest.previous != head
            {
                continue;
            }
            let line = HistoryEntry::of(&manifest, &sha256_hex(&bytes));
            append_history(&history_path, &line)?;
            notes.push(format!(
                "appended run {name} to history.jsonl: it was complete, but its run was killed \
                 before the history line was written"
            ));
            head = Some(line.link());
            known.insert(name);
            continue 'next;
        }
        break;
    }
    // The evidence is used: the locks of runs now listed go (an unlisted run keeps its lock
    // only while it does not link to the head, which never changes by itself).
    for id in &known {
        let lock = runs.join(format!(".tmp-{id}.lock"));
        if lock.exists() && abandoned(&runs, id) {
            let _ = fs::remove_file(&lock);
        }
    }
    Ok(notes)
}

/// Whether run `id` left its lock file behind and nobody holds it (its writer is gone).
fn abandoned(runs: &Path, id: &str) -> bool {
    let path = runs.join(format!(".tmp-{id}.lock"));
    if !fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
        return false;
    }
    OpenOptions::new()
        .write(true)
        .open(&path)
        .is_ok_and(|lock| lock.try_lock().is_ok())
}

/// Appends one line. Callers hold the output lock and have run [`recover`], so the file ends
/// with a newline (or is empty) and the line is written whole in one call.
fn append_history(path: &Path, entry: &HistoryEntry) -> std::io::Result<()> {
    let mut file = OpenOptions::new().create(true).append(true).open(path)?;
    let mut line = serde_json::to_vec(entry).expect("entry serialises");
    line.push(b'\n');
    file.write_all(&line)?;
    file.sync_data()
}

/// Every line of `history.jsonl`, parsed (a missing file is an empty history). Blank lines
/// are skipped; a malformed line is returned as its 1-based line number. This is the index
/// only: judge from [`read_chain`], which checks each line against its manifest.
pub fn read_history(path: &Path) -> std::io::Result<Vec<Result<HistoryEntry, usize>>> {
    Ok(history_lines(path)?
        .into_iter()
        .map(|(n, parsed)| parsed.map_err(|()| n))
        .collect())
}

/// `(1-based line number, parsed entry)` for each non-blank line.
fn history_lines(path: &Path) -> std::io::Result<Vec<(usize, Result<HistoryEntry, ()>)>> {
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    Ok(text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (i + 1, serde_json::from_str(l).map_err(|_| ())))
        .collect())
}

/// Every file under `dir` except `manifest.json`, sorted, with digests. Anything that is not
/// a regular file or a directory (a symlink, a FIFO a check left behind) is refused by name:
/// a record holds what was written, never what a link points at.
fn list_artifacts(dir: &Path) -> std::io::Result<Vec<ArtifactDigest>> {
    let mut out = Vec::new();
    for (rel, kind) in list_files(dir)? {
        if let FileKind::Other(what) = kind {
            return Err(std::io::Error::other(format!(
                "{rel} in the run directory is a {what}, not a regular file: a run record holds \
                 regular files only (remove what a check or test left there)"
            )));
        }
        if rel == "manifest.json" {
            continue;
        }
        let (sha256, size) = sha256_file(&dir.join(&rel))?;
        out.push(ArtifactDigest {
            path: rel,
            sha256,
            size,
        });
    }
    Ok(out)
}

/// What a directory entry is, read without following links.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum FileKind {
    /// A regular file.
    File,
    /// Anything else (symlink, FIFO, socket, device), named.
    Other(&'static str),
}

pub(crate) fn file_kind(meta: &fs::Metadata) -> FileKind {
    let t = meta.file_type();
    if t.is_file() {
        FileKind::File
    } else if t.is_symlink() {
        FileKind::Other("symbolic link")
    } else if t.is_dir() {
        FileKind::Other("directory")
    } else {
        FileKind::Other("special file (FIFO, socket or device)")
    }
}

/// Every non-directory entry under `dir`, as sorted `/`-separated relative paths with their
/// kind. Links are never followed.
pub(crate) fn list_files(dir: &Path) -> std::io::Result<Vec<(String, FileKind)>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d)? {
            let entry = entry?;
            let meta = fs::symlink_metadata(entry.path())?;
            if meta.is_dir() {
                stack.push(entry.path());
                continue;
            }
            let rel = entry.path();
            let rel = rel.strip_prefix(dir).expect("under dir");
            out.push((rel.to_string_lossy().replace('\\', "/"), file_kind(&meta)));
        }
    }
    out.sort();
    Ok(out)
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
