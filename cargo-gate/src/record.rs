//! The tamper-evident run record (SPEC §3.4): `<out>/runs/<run-id>/` written atomically,
//! a hash chain through the manifests, the append-only `history.jsonl`, and `verify`.
//!
//! Architecture invariant: a run directory appears under `runs/` complete or not at all. It is
//! built in `runs/.tmp-<run-id>/` and renamed into place while `<out>/.lock` is held; the
//! same lock covers reading the previous manifest's digest and appending to history, so
//! concurrent runs produce one linear chain.

use crate::digest::{sha256_file, sha256_hex};
use crate::error::GateError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Current `manifest.json` schema.
pub const MANIFEST_SCHEMA: u32 = 1;

/// One artifact listed in a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
pub struct PreviousRun {
    /// Its id.
    pub run_id: String,
    /// SHA-256 of its `manifest.json` file.
    pub manifest_sha256: String,
}

/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Schema version.
    pub schema_version: u32,
    /// This run's id.
    pub run_id: String,
    /// The stage evaluated.
    pub stage: String,
    /// The previous run in history, if any (the chain).
    pub previous: Option<PreviousRun>,
    /// SHA-256 of the effective configuration (canonical JSON).
    pub policy_sha256: String,
    /// Every other file in the run directory.
    pub artifacts: Vec<ArtifactDigest>,
}

/// One line of `history.jsonl`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// Run id (the directory name under `runs/`).
    pub run_id: String,
    /// Stage.
    pub stage: String,
    /// `ready`, `not-ready` or `could-not-evaluate`.
    pub result: String,
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

/// A run record being written.
#[derive(Debug)]
pub struct RecordWriter {
    out: PathBuf,
    run_id: String,
    tmp: PathBuf,
}

/// What the finished record looks like from outside.
#[derive(Debug, Clone)]
pub struct Finished {
    /// The run directory.
    pub dir: PathBuf,
    /// The history entry appended.
    pub entry: HistoryEntry,
    /// The previous run linked from the manifest.
    pub previous: Option<PreviousRun>,
}

impl RecordWriter {
    /// Creates `<out>/runs/.tmp-<run_id>/`. Fails with [`GateError::OutDir`] when `out` is
    /// not writable, before any check has run.
    pub fn begin(out: &Path, run_id: &str) -> Result<RecordWriter, GateError> {
        let tmp = out.join("runs").join(format!(".tmp-{run_id}"));
        let out_err = |source| GateError::OutDir {
            path: out.to_owned(),
            source,
        };
        fs::create_dir_all(tmp.join("logs")).map_err(out_err)?;
        // Prove the lock file can be created now rather than after minutes of checks.
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(out.join(".lock"))
            .map_err(out_err)?;
        Ok(RecordWriter {
            out: out.to_owned(),
            run_id: run_id.to_owned(),
            tmp,
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

    /// Writes one artifact (path `/`-separated, relative to the run directory).
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), GateError> {
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

    /// Finishes the record under the output lock: links the previous run, writes
    /// `decision.json` (built by `decision` from the previous run) and `manifest.json`,
    /// renames the directory into place and appends to history.
    pub fn finish(
        self,
        stage: &str,
        policy_sha256: &str,
        entry_without_digest: HistoryEntry,
        decision: impl FnOnce(Option<&PreviousRun>) -> Vec<u8>,
    ) -> Result<Finished, GateError> {
        let out_err = |path: &Path, source| GateError::OutDir {
            path: path.to_owned(),
            source,
        };
        let lock_path = self.out.join(".lock");
        let lock = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&lock_path)
            .map_err(|e| out_err(&lock_path, e))?;
        lock.lock().map_err(|e| out_err(&lock_path, e))?;

        let history_path = self.out.join("history.jsonl");
        let previous = read_history(&history_path)
            .map_err(|e| out_err(&history_path, e))?
            .into_iter()
            .rev()
            .find_map(|line| line.ok())
            .map(|e| PreviousRun {
                run_id: e.run_id,
                manifest_sha256: e.manifest_sha256,
            });
        self.write("decision.json", &decision(previous.as_ref()))?;
        let artifacts = list_artifacts(&self.tmp).map_err(|e| out_err(&self.tmp, e))?;
        let manifest = Manifest {
            schema_version: MANIFEST_SCHEMA,
            run_id: self.run_id.clone(),
            stage: stage.to_owned(),
            previous: previous.clone(),
            policy_sha256: policy_sha256.to_owned(),
            artifacts,
        };
        let mut manifest_bytes = serde_json::to_vec_pretty(&manifest).expect("manifest serialises");
        manifest_bytes.push(b'\n');
        let manifest_path = self.tmp.join("manifest.json");
        write_synced(&manifest_path, &manifest_bytes).map_err(|e| out_err(&manifest_path, e))?;

        let final_dir = self.out.join("runs").join(&self.run_id);
        fs::rename(&self.tmp, &final_dir).map_err(|e| out_err(&final_dir, e))?;

        let entry = HistoryEntry {
            manifest_sha256: sha256_hex(&manifest_bytes),
            ..entry_without_digest
        };
        append_history(&history_path, &entry).map_err(|e| out_err(&history_path, e))?;
        drop(lock);
        Ok(Finished {
            dir: final_dir,
            entry,
            previous,
        })
    }
}

impl Drop for RecordWriter {
    fn drop(&mut self) {
        // A run that ends without finishing (an error after begin) leaves no half record.
        // After `finish` the temporary directory has been renamed and this does nothing.
        let _ = fs::remove_dir_all(&self.tmp);
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

fn append_history(path: &Path, entry: &HistoryEntry) -> std::io::Result<()> {
    let mut file = OpenOptions::new().create(true).append(true).open(path)?;
    let mut line = serde_json::to_vec(entry).expect("entry serialises");
    line.push(b'\n');
    // A previous writer killed mid-line must not swallow this entry: start on a fresh line.
    let len = file.metadata()?.len();
    if len > 0 {
        let existing = fs::read(path)?;
        if existing.last() != Some(&b'\n') {
            line.insert(0, b'\n');
        }
    }
    file.write_all(&line)?;
    file.sync_data()
}

/// Every line of `history.jsonl`, parsed (a missing file is an empty history). Blank lines
/// are skipped; a malformed line is returned as its 1-based line number.
pub fn read_history(path: &Path) -> std::io::Result<Vec<Result<HistoryEntry, usize>>> {
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    Ok(text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| serde_json::from_str(l).map_err(|_| i + 1))
        .collect())
}

/// Every file under `dir` except `manifest.json`, sorted, with digests.
fn list_artifacts(dir: &Path) -> std::io::Result<Vec<ArtifactDigest>> {
    let mut out = Vec::new();
    for rel in list_files(dir)? {
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

/// Every file under `dir`, as sorted `/`-separated relative paths.
fn list_files(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            if kind.is_dir() {
                stack.push(entry.path());
            } else {
                let rel = entry.path();
                let rel = rel.strip_prefix(dir).expect("under dir");
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// One problem `verify` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The path concerned, relative to the output directory.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// The result of `verify`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Runs checked, in history order.
    pub runs_checked: Vec<String>,
    /// Everything wrong; empty means intact.
    pub problems: Vec<Problem>,
}

impl VerifyReport {
    /// Whether every record and link checked out.
    pub fn intact(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Verifies the records under `out`: every run of history (or, with `only`, that run and the
/// chain behind it). Re-hashes every artifact, looks for missing and extra files, checks each
/// manifest against its history entry and each link of the chain.
pub fn verify(out: &Path, only: Option<&str>) -> Result<VerifyReport, GateError> {
    let history_path = out.join("history.jsonl");
    if !history_path.is_file() {
        return Err(GateError::Read {
            path: history_path,
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no history.jsonl: no run has been recorded here (pass --out DIR where the runs are)",
            ),
        });
    }
    let lines = read_history(&history_path).map_err(|source| GateError::Read {
        path: history_path.clone(),
        source,
    })?;
    let mut report = VerifyReport::default();
    let mut entries = Vec::new();
    for line in lines {
        match line {
            Ok(entry) => entries.push(entry),
            Err(n) => report.problems.push(Problem {
                path: "history.jsonl".into(),
                message: format!("line {n} is not a valid history entry"),
            }),
        }
    }
    let upto = match only {
        None => entries.len(),
        Some(id) => match entries.iter().position(|e| e.run_id == id) {
            Some(i) => i + 1,
            None => {
                report.problems.push(Problem {
                    path: format!("runs/{id}"),
                    message: "run is not in history.jsonl".into(),
                });
                0
            }
        },
    };
    let mut previous: Option<&HistoryEntry> = None;
    for entry in &entries[..upto] {
        verify_run(out, entry, previous, &mut report.problems);
        report.runs_checked.push(entry.run_id.clone());
        previous = Some(entry);
    }
    if only.is_none() {
        let known: BTreeSet<&str> = entries.iter().map(|e| e.run_id.as_str()).collect();
        if let Ok(dir) = fs::read_dir(out.join("runs")) {
            let mut extra: Vec<String> = dir
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.starts_with('.') && !known.contains(n.as_str()))
                .collect();
            extra.sort();
            for name in extra {
                report.problems.push(Problem {
                    path: format!("runs/{name}"),
                    message: "run directory is not in history.jsonl".into(),
                });
            }
        }
    }
    Ok(report)
}

fn verify_run(
    out: &Path,
    entry: &HistoryEntry,
    previous: Option<&HistoryEntry>,
    problems: &mut Vec<Problem>,
) {
    let run = format!("runs/{}", entry.run_id);
    let dir = out.join("runs").join(&entry.run_id);
    let mut problem = |path: String, message: String| problems.push(Problem { path, message });
    if !dir.is_dir() {
        problem(run, "run directory is missing".into());
        return;
    }
    let manifest_path = dir.join("manifest.json");
    let Ok(bytes) = fs::read(&manifest_path) else {
        problem(format!("{run}/manifest.json"), "missing".into());
        return;
    };
    if sha256_hex(&bytes) != entry.manifest_sha256 {
        problem(
            format!("{run}/manifest.json"),
            "edited: its digest differs from the one in history.jsonl".into(),
        );
    }
    let manifest: Manifest = match serde_json::from_slice(&bytes) {
        Ok(m) => m,
        Err(e) => {
            problem(
                format!("{run}/manifest.json"),
                format!("not a valid manifest: {e}"),
            );
            return;
        }
    };
    let expected_previous = previous.map(|p| PreviousRun {
        run_id: p.run_id.clone(),
        manifest_sha256: p.manifest_sha256.clone(),
    });
    if manifest.previous != expected_previous {
        let want = expected_previous.map_or_else(|| "none".to_owned(), |p| p.run_id);
        problem(
            format!("{run}/manifest.json"),
            format!(
                "broken chain: the link to the previous run does not match history (expected {want})"
            ),
        );
    }
    let listed: BTreeSet<&str> = manifest.artifacts.iter().map(|a| a.path.as_str()).collect();
    for artifact in &manifest.artifacts {
        let path = format!("{run}/{}", artifact.path);
        match sha256_file(&dir.join(&artifact.path)) {
            Err(_) => problem(path, "missing".into()),
            Ok((sha, size)) if sha != artifact.sha256 || size != artifact.size => {
                problem(path, "edited: content differs from the manifest".into());
            }
            Ok(_) => {}
        }
    }
    match list_files(&dir) {
        Ok(files) => {
            for rel in files {
                if rel != "manifest.json" && !listed.contains(rel.as_str()) {
                    problem(
                        format!("{run}/{rel}"),
                        "extra file not in the manifest".into(),
                    );
                }
            }
        }
        Err(e) => problem(run, format!("cannot list: {e}")),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str) -> HistoryEntry {
        HistoryEntry {
            run_id: id.into(),
            stage: "pilot".into(),
            result: "ready".into(),
            exit_code: 0,
            commit: None,
            dirty: None,
            time: "2026-11-20T00:00:00Z".into(),
            manifest_sha256: String::new(),
        }
    }

    fn record(out: &Path, id: &str) -> Finished {
        let writer = RecordWriter::begin(out, id).unwrap();
        writer.write("logs/a.log", b"hello").unwrap();
        writer.write("report.json", b"{}").unwrap();
        writer
            .finish("pilot", "abc", entry(id), |prev| {
                format!("{:?}", prev.map(|p| &p.run_id)).into_bytes()
            })
            .unwrap()
    }

    #[test]
    fn runs_chain_and_verify_intact() {
        let out = tempfile::tempdir().unwrap();
        let first = record(out.path(), "r1");
        let second = record(out.path(), "r2");
        assert!(first.previous.is_none());
        assert_eq!(second.previous.as_ref().unwrap().run_id, "r1");
        assert_eq!(
            second.previous.unwrap().manifest_sha256,
            first.entry.manifest_sha256
        );
        let report = verify(out.path(), None).unwrap();
        assert!(report.intact(), "{report:?}");
        assert_eq!(report.runs_checked, ["r1", "r2"]);
        assert!(!out.path().join("runs/.tmp-r2").exists());
    }

    #[test]
    fn edited_missing_and_extra_files_are_named() {
        let out = tempfile::tempdir().unwrap();
        record(out.path(), "r1");
        record(out.path(), "r2");
        fs::write(out.path().join("runs/r1/logs/a.log"), "HELLO").unwrap();
        fs::remove_file(out.path().join("runs/r2/report.json")).unwrap();
        fs::write(out.path().join("runs/r2/logs/new.log"), "x").unwrap();
        let problems: Vec<String> = verify(out.path(), None)
            .unwrap()
            .problems
            .into_iter()
            .map(|p| format!("{}: {}", p.path, p.message))
            .collect();
        assert_eq!(
            problems,
            [
                "runs/r1/logs/a.log: edited: content differs from the manifest",
                "runs/r2/report.json: missing",
                "runs/r2/logs/new.log: extra file not in the manifest",
            ]
        );
    }

    #[test]
    fn an_edited_manifest_breaks_the_history_digest() {
        let out = tempfile::tempdir().unwrap();
        record(out.path(), "r1");
        record(out.path(), "r2");
        let path = out.path().join("runs/r1/manifest.json");
        let text = fs::read_to_string(&path)
            .unwrap()
            .replace("\"pilot\"", "\"broad\"");
        fs::write(path, text).unwrap();
        let report = verify(out.path(), Some("r1")).unwrap();
        assert_eq!(report.runs_checked, ["r1"]);
        assert_eq!(
            report.problems[0].message,
            "edited: its digest differs from the one in history.jsonl"
        );
    }

    #[test]
    fn a_dropped_writer_leaves_no_half_record() {
        let out = tempfile::tempdir().unwrap();
        let writer = RecordWriter::begin(out.path(), "r1").unwrap();
        writer.write("logs/a.log", b"x").unwrap();
        drop(writer);
        assert_eq!(fs::read_dir(out.path().join("runs")).unwrap().count(), 0);
        assert!(!out.path().join("history.jsonl").exists());
    }

    #[test]
    fn a_torn_history_line_does_not_swallow_the_next_entry() {
        let out = tempfile::tempdir().unwrap();
        record(out.path(), "r1");
        let history = out.path().join("history.jsonl");
        let mut text = fs::read_to_string(&history).unwrap();
        text.push_str("{\"run_id\":\"torn");
        fs::write(&history, text).unwrap();
        record(out.path(), "r2");
        let lines = read_history(&history).unwrap();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[1], Err(2));
        assert_eq!(lines[2].as_ref().unwrap().run_id, "r2");
        let report = verify(out.path(), None).unwrap();
        assert_eq!(report.problems.len(), 1, "{report:?}");
    }

    #[test]
    fn artifact_paths_cannot_escape_the_run_directory() {
        let out = tempfile::tempdir().unwrap();
        let writer = RecordWriter::begin(out.path(), "r1").unwrap();
        assert!(writer.write("../escape", b"x").is_err());
    }

    #[test]
    fn run_ids_sort_by_time() {
        use std::time::{Duration, UNIX_EPOCH};
        let a = new_run_id(UNIX_EPOCH + Duration::from_secs(1_800_000_000));
        let b = new_run_id(UNIX_EPOCH + Duration::from_micros(1_800_000_000_000_001));
        let c = new_run_id(UNIX_EPOCH + Duration::from_secs(1_800_000_001));
        assert!(a < b && b < c, "{a} {b} {c}");
        assert!(a.starts_with("20270115T"), "{a}");
    }
}
