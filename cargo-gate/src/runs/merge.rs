//! `cargo gate merge DIR…`: the run records of a CI matrix (one `--out` directory per job,
//! one job per OS) merged into one record for this commit, which `platform.matrix` reads.
//!
//! The CI matrix jobs each run `cargo gate controlled --out DIR` on their OS; a final job
//! collects their directories, runs `cargo gate merge DIR…` (into its own output directory,
//! `<out>/merged/<merge-id>/`) and then `cargo gate broad`.
//!
//! Each input is taken only when it is intact and about this commit:
//!
//! - [`crate::record::verify`] must find the whole directory intact (every run re-hashed, the
//!   chain walked); a tampered input is refused, naming the problems;
//! - its latest history entry whose commit equals the commit being merged is the one taken;
//!   none is a refusal ("records of another commit: …");
//! - that run's `environment.json` gives the platform (`os`: linux, macos, windows).
//!
//! The merged record is written like a run directory: built in `merged/.tmp-<id>/` and
//! renamed into place, so it is complete or absent. It holds
//!
//! - `merged.json`: `{"schema_version": 1, "commit": …, "created_at": …, "inputs": [{"platform",
//!   "stage", "result", "exit_code", "run_id", "manifest_sha256", "source", "dirty", "time"}]}`,
//!   where `manifest_sha256` is the digest of the input run's `manifest.json` (the one its
//!   history names) and `source` the input directory as given;
//! - `manifest.json`: `{"schema_version": 1, "merge_id": …, "artifacts": [{"path":
//!   "merged.json", "sha256": …, "size": …}]}`.
//!
//! Refusals do not stop the others from being merged; the report lists them and the command
//! exits 1 when there is any ([`MergeReport::exit_code`]). Runs whose tests were one shard of
//! a sharded run (`--test-shard K/N`, `environment.json`'s `test_shard`) are joined per
//! platform, stage and N ([`shard_sets`]): a shard that was not ready makes the merge exit 1,
//! a missing one (or one that could not evaluate) exit 2 — its tests were not evaluated. When every input is refused,
//! nothing is written.

use crate::record::{self, ArtifactDigest, HistoryEntry};
use gate_support::atomic::{self, write_synced};
use gate_support::digest::{sha256_file, sha256_hex};
use serde::{Deserialize, Serialize};
use std::fs;
use std::path::{Path, PathBuf};

/// `schema_version` of `merged.json` and of its `manifest.json`.
pub const SCHEMA_VERSION: u32 = 1;

/// The directory under the output directory that holds merged records.
pub const MERGED_DIR: &str = "merged";

/// The merged record's file.
pub const MERGED_FILE: &str = "merged.json";

/// The merged record's manifest.
pub const MANIFEST_FILE: &str = "manifest.json";

/// One CI job's run, as merged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergedInput {
    /// `os` of the run's environment.json: `linux`, `macos` or `windows`.
    pub platform: String,
    /// `platform_evidence` of the run's environment.json: `native`, or `emulated-wine` for a
    /// Windows build run under Wine. Records from before the field was written read as
    /// `native` (those builds ran nowhere else).
    #[serde(default = "native")]
    pub platform_evidence: String,
    /// The stage the run evaluated.
    pub stage: String,
    /// `ready`, `not-ready` or `could-not-evaluate`.
    pub result: String,
    /// The run's exit code.
    pub exit_code: i32,
    /// The run's id.
    pub run_id: String,
    /// SHA-256 of the run's `manifest.json`.
    pub manifest_sha256: String,
    /// The input directory as given on the command line.
    pub source: String,
    /// Whether the run's work tree was dirty.
    #[serde(default)]
    pub dirty: Option<bool>,
    /// When the run finished (RFC 3339).
    #[serde(default)]
    pub time: String,
    /// `K/N` when the run's tests were shard K of N (`--test-shard`): it proves its bucket
    /// only, and counts as part of a complete set ([`shard_sets`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_shard: Option<String>,
}

/// The shards of one sharded test run among merged inputs: one platform, one stage, one N.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardSet {
    /// The platform the shards ran on.
    pub platform: String,
    /// Their stage.
    pub stage: String,
    /// N.
    pub count: u32,
    /// Each shard merged, K with its run's result (a shard merged twice, e.g. a re-run job,
    /// appears twice).
    pub ran: Vec<(u32, String)>,
    /// The shards no input holds: their tests were not evaluated.
    pub missing: Vec<u32>,
}

impl ShardSet {
    /// Every shard ran, and every run of every shard was ready.
    pub fn ready(&self) -> bool {
        self.missing.is_empty() && self.ran.iter().all(|(_, result)| result == "ready")
    }

    /// A shard ran and was not ready: the tests failed somewhere, whatever the others say.
    pub fn failed(&self) -> bool {
        self.ran.iter().any(|(_, result)| result == "not-ready")
    }

    /// One line: `linux controlled, 3 shards: 1 ready, 2 not-ready, 3 missing (not evaluated)`.
    pub fn describe(&self) -> String {
        let mut parts: Vec<(u32, String)> = self
            .ran
            .iter()
            .map(|(k, result)| (*k, format!("{k} {result}")))
            .collect();
        parts.extend(
            self.missing
                .iter()
                .map(|k| (*k, format!("{k} missing (not evaluated)"))),
        );
        parts.sort();
        let verdict = if self.ready() {
            "ready"
        } else if self.failed() {
            "not-ready"
        } else {
            "not evaluated"
        };
        format!(
            "{} {}, {} shards: {} — {verdict}",
            self.platform,
            self.stage,
            self.count,
            parts
                .into_iter()
                .map(|(_, part)| part)
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// The sharded test runs among `inputs`, grouped by platform, stage and N: which shards ran
/// and which are missing.
pub fn shard_sets<'a>(inputs: impl IntoIterator<Item = &'a MergedInput>) -> Vec<ShardSet> {
    let mut sets: Vec<ShardSet> = Vec::new();
    for input in inputs {
        let Some((k, n)) = input
            .test_shard
            .as_deref()
            .and_then(|s| crate::tools::environment::TestShard::parse(s).ok())
        else {
            continue;
        };
        let at = sets
            .iter()
            .position(|s| s.platform == input.platform && s.stage == input.stage && s.count == n)
            .unwrap_or_else(|| {
                sets.push(ShardSet {
                    platform: input.platform.clone(),
                    stage: input.stage.clone(),
                    count: n,
                    ran: Vec::new(),
                    missing: Vec::new(),
                });
                sets.len() - 1
            });
        sets[at].ran.push((k, input.result.clone()));
    }
    for set in &mut sets {
        set.ran.sort();
        set.missing = (1..=set.count)
            .filter(|k| !set.ran.iter().any(|(ran, _)| ran == k))
            .collect();
    }
    sets
}

/// `merged.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergedRecord {
    /// Schema version ([`SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// The commit every input ran on.
    pub commit: String,
    /// When the merge was made (RFC 3339).
    pub created_at: String,
    /// The runs merged, in the order given.
    pub inputs: Vec<MergedInput>,
}

/// The merged record's `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergedManifest {
    /// Schema version ([`SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// The merge id (the directory name under `merged/`).
    pub merge_id: String,
    /// `merged.json`, with digest and size.
    pub artifacts: Vec<ArtifactDigest>,
}

/// An input that was not merged, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusal {
    /// The input directory as given.
    pub source: String,
    /// Why it was refused.
    pub reason: String,
}

/// A merged record that was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// `<out>/merged/<merge-id>`.
    pub dir: PathBuf,
    /// The merge id.
    pub merge_id: String,
    /// What `merged.json` holds.
    pub record: MergedRecord,
}

/// What `merge` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeReport {
    /// The merged record, unless every input was refused.
    pub written: Option<Written>,
    /// The inputs refused, in the order given.
    pub refused: Vec<Refusal>,
}

impl MergeReport {
    /// The sharded test runs among what was merged.
    pub fn shard_sets(&self) -> Vec<ShardSet> {
        self.written
            .as_ref()
            .map(|w| shard_sets(&w.record.inputs))
            .unwrap_or_default()
    }

    /// 1 when a shard of a sharded test run was not ready; else 2 when a shard is missing
    /// (or could not evaluate): its tests were not evaluated, which is never a pass; else 0
    /// when every input was merged, 1 when any was refused (tampered, another commit, …).
    pub fn exit_code(&self) -> i32 {
        let sets = self.shard_sets();
        if sets.iter().any(ShardSet::failed) {
            return crate::verdict::exit::NOT_READY;
        }
        if sets.iter().any(|s| !s.ready()) {
            return crate::verdict::exit::COULD_NOT_EVALUATE;
        }
        if self.refused.is_empty() && self.written.is_some() {
            crate::verdict::exit::READY
        } else {
            crate::verdict::exit::NOT_READY
        }
    }
}

/// Why nothing could be merged at all (exit 2: usage or an unwritable output directory).
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// No input directory was given.
    #[error("no input directory given: pass the CI jobs' --out directories")]
    NoInputs,
    /// The commit to merge for is empty.
    #[error("no commit to merge for (the workspace has no git commit)")]
    NoCommit,
    /// The merged record could not be written.
    #[error("cannot write the merged record under {}: {source}", path.display())]
    Write {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// Merges the CI jobs' output directories `inputs` into `<out>/merged/<merge-id>/` for
/// `commit` (module docs). Refused inputs are listed in the report; nothing is written when
/// every input is refused.
pub fn merge(out: &Path, commit: &str, inputs: &[PathBuf]) -> Result<MergeReport, MergeError> {
    if inputs.is_empty() {
        return Err(MergeError::NoInputs);
    }
    if commit.trim().is_empty() {
        return Err(MergeError::NoCommit);
    }
    let mut merged: Vec<MergedInput> = Vec::new();
    let mut refused = Vec::new();
    for input in inputs {
        let source = input.display().to_string();
        match read_input(input, commit, &source) {
            Ok(run) => {
                if let Some(same) = merged
                    .iter()
                    .find(|m| m.manifest_sha256 == run.manifest_sha256)
                {
                    refused.push(Refusal {
                        reason: format!(
                            "run {} is already merged from {}",
                            run.run_id, same.source
                        ),
                        source,
                    });
                } else {
                    merged.push(run);
                }
            }
            Err(reason) => refused.push(Refusal { source, reason }),
        }
    }
    if merged.is_empty() {
        return Ok(MergeReport {
            written: None,
            refused,
        });
    }
    let now = std::time::SystemTime::now();
    let record = MergedRecord {
        schema_version: SCHEMA_VERSION,
        commit: commit.to_owned(),
        created_at: humantime::format_rfc3339_seconds(now).to_string(),
        inputs: merged,
    };
    let merge_id = record::new_run_id(now);
    let dir = write_merged(out, &merge_id, &record)?;
    Ok(MergeReport {
        written: Some(Written {
            dir,
            merge_id,
            record,
        }),
        refused,
    })
}

/// One input directory, checked and read; `Err` is the reason it is refused.
fn read_input(input: &Path, commit: &str, source: &str) -> Result<MergedInput, String> {
    let report = record::verify(input, None, None)
        .map_err(|e| format!("not a cargo-gate output directory: {e}"))?;
    if !report.intact() {
        let shown: Vec<String> = report
            .problems
            .iter()
            .take(5)
            .map(|p| format!("{}: {}", p.path, p.message))
            .collect();
        let more = report.problems.len().saturating_sub(shown.len());
        let more = if more > 0 {
            format!(" (and {more} more)")
        } else {
            String::new()
        };
        return Err(format!(
            "tampered: `cargo gate verify --out {source}` finds {}{more}",
            shown.join("; ")
        ));
    }
    // Verified above: every run of the chain is bound to its manifest.
    let chain = record::read_chain(input).map_err(|e| format!("cannot read the record: {e}"))?;
    let entries: Vec<&HistoryEntry> = chain.trusted().map(|r| &r.entry).collect();
    let Some(run) = chain
        .trusted()
        .filter(|r| r.entry.commit.as_deref() == Some(commit))
        .last()
    else {
        let mut theirs: Vec<&str> = Vec::new();
        for e in entries.iter().rev() {
            let c = e.commit.as_deref().unwrap_or("none");
            if !theirs.contains(&c) {
                theirs.push(c);
            }
        }
        return Err(if theirs.is_empty() {
            "no run recorded".to_owned()
        } else {
            format!(
                "records of another commit: {} (merging for {commit})",
                theirs.join(", ")
            )
        });
    };
    let entry = &run.entry;
    let env_rel = format!("runs/{}/environment.json", entry.run_id);
    let bytes = run.artifact(input, "environment.json")?;
    let environment: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| format!("{env_rel} is not JSON: {e}"))?;
    let platform = environment["os"]
        .as_str()
        .filter(|os| !os.is_empty())
        .ok_or_else(|| format!("{env_rel} names no `os`"))?;
    let evidence = match environment.get("platform_evidence") {
        None => crate::tools::environment::NATIVE,
        Some(value) => value
            .as_str()
            .filter(|e| !e.is_empty())
            .ok_or_else(|| format!("{env_rel}: `platform_evidence` is not a name"))?,
    };
    Ok(MergedInput {
        platform: platform.to_owned(),
        platform_evidence: evidence.to_owned(),
        stage: entry.stage.to_string(),
        result: entry.result.to_string(),
        exit_code: entry.exit_code,
        run_id: entry.run_id.clone(),
        manifest_sha256: entry.manifest_sha256.clone(),
        source: source.to_owned(),
        dirty: entry.dirty,
        time: entry.time.clone(),
        test_shard: environment
            .get("test_shard")
            .filter(|s| !s.is_null())
            .map(|shard| {
                let (Some(k), Some(n)) = (shard["index"].as_u64(), shard["count"].as_u64()) else {
                    return Err(format!("{env_rel}: `test_shard` is not {{index, count}}"));
                };
                Ok(format!("{k}/{n}"))
            })
            .transpose()?,
    })
}

fn native() -> String {
    crate::tools::environment::NATIVE.to_owned()
}

fn write_merged(out: &Path, merge_id: &str, record: &MergedRecord) -> Result<PathBuf, MergeError> {
    let base = out.join(MERGED_DIR);
    let tmp = base.join(format!(".tmp-{merge_id}"));
    let final_dir = base.join(merge_id);
    let written =
        write_tmp(&tmp, merge_id, record).and_then(|()| atomic::move_dir(&tmp, &final_dir));
    if let Err(source) = written {
        let _ = fs::remove_dir_all(&tmp);
        return Err(MergeError::Write { path: base, source });
    }
    Ok(final_dir)
}

fn write_tmp(tmp: &Path, merge_id: &str, record: &MergedRecord) -> std::io::Result<()> {
    fs::create_dir_all(tmp)?;
    let bytes = gate_support::json::pretty_bytes(record).expect("merged record serialises");
    write_synced(&tmp.join(MERGED_FILE), &bytes)?;
    let manifest = MergedManifest {
        schema_version: SCHEMA_VERSION,
        merge_id: merge_id.to_owned(),
        artifacts: vec![ArtifactDigest {
            path: MERGED_FILE.to_owned(),
            sha256: sha256_hex(&bytes),
            size: bytes.len() as u64,
        }],
    };
    let manifest_bytes = gate_support::json::pretty_bytes(&manifest).expect("manifest serialises");
    write_synced(&tmp.join(MANIFEST_FILE), &manifest_bytes)
}

/// One merged record found under `<out>/merged/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    /// The merge id (directory name).
    pub merge_id: String,
    /// The record, or what is wrong with it (edited, missing, extra or unreadable files).
    pub record: Result<MergedRecord, String>,
}

/// Every merged record under `<out>/merged/` (temporary directories skipped), sorted by
/// merge id, each checked against its manifest. No `merged/` directory is no record.
pub fn load_merged(out: &Path) -> std::io::Result<Vec<Loaded>> {
    let base = out.join(MERGED_DIR);
    let dir = match fs::read_dir(&base) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut ids = Vec::new();
    for entry in dir {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with('.') && entry.file_type()?.is_dir() {
            ids.push(name);
        }
    }
    ids.sort();
    Ok(ids
        .into_iter()
        .map(|merge_id| Loaded {
            record: load_one(&base.join(&merge_id), &merge_id),
            merge_id,
        })
        .collect())
}

fn load_one(dir: &Path, merge_id: &str) -> Result<MergedRecord, String> {
    let manifest_bytes =
        fs::read(dir.join(MANIFEST_FILE)).map_err(|e| format!("{MANIFEST_FILE}: {e}"))?;
    let manifest: MergedManifest = serde_json::from_slice(&manifest_bytes)
        .map_err(|e| format!("{MANIFEST_FILE} is not a merged manifest: {e}"))?;
    if manifest.merge_id != merge_id {
        return Err(format!(
            "{MANIFEST_FILE} names merge {}, not this directory",
            manifest.merge_id
        ));
    }
    let Some(listed) = manifest.artifacts.iter().find(|a| a.path == MERGED_FILE) else {
        return Err(format!("{MANIFEST_FILE} does not list {MERGED_FILE}"));
    };
    let (sha256, size) =
        sha256_file(&dir.join(MERGED_FILE)).map_err(|e| format!("{MERGED_FILE}: {e}"))?;
    if sha256 != listed.sha256 || size != listed.size {
        return Err(format!(
            "{MERGED_FILE} edited: content differs from {MANIFEST_FILE}"
        ));
    }
    for entry in fs::read_dir(dir).map_err(|e| e.to_string())? {
        let name = entry
            .map_err(|e| e.to_string())?
            .file_name()
            .to_string_lossy()
            .into_owned();
        if name != MERGED_FILE && name != MANIFEST_FILE {
            return Err(format!("extra file {name} not in {MANIFEST_FILE}"));
        }
    }
    let bytes = fs::read(dir.join(MERGED_FILE)).map_err(|e| format!("{MERGED_FILE}: {e}"))?;
    let record: MergedRecord = serde_json::from_slice(&bytes)
        .map_err(|e| format!("{MERGED_FILE} is not a merged record: {e}"))?;
    if record.schema_version != SCHEMA_VERSION {
        return Err(format!(
            "{MERGED_FILE}: schema_version {} is not supported (expected {SCHEMA_VERSION})",
            record.schema_version
        ));
    }
    Ok(record)
}

/// Test support: a CI job's output directory with one finished run.
#[cfg(test)]
pub(crate) mod testing {
    use crate::record::{HistoryEntry, RecordWriter};
    use std::path::Path;

    /// Writes one finished run into `out` as a CI job on `os` would: environment.json with
    /// that `os`, a history entry with `commit`, `stage` and `result`.
    pub(crate) fn ci_run(
        out: &Path,
        run_id: &str,
        os: &str,
        commit: &str,
        stage: &str,
        result: &str,
    ) {
        let environment = serde_json::json!({"os": os, "git_commit": commit});
        ci_run_with(out, run_id, &environment, commit, stage, result);
    }

    /// [`ci_run`] with the whole `environment.json` given.
    pub(crate) fn ci_run_with(
        out: &Path,
        run_id: &str,
        environment: &serde_json::Value,
        commit: &str,
        stage: &str,
        result: &str,
    ) {
        let writer = RecordWriter::begin(out, run_id).unwrap();
        writer
            .write("environment.json", environment.to_string().as_bytes())
            .unwrap();
        writer.write("report.json", b"{}").unwrap();
        let entry = HistoryEntry {
            run_id: run_id.to_owned(),
            stage: crate::stage::Stage::parse(stage).unwrap(),
            result: crate::verdict::Result::parse(result).unwrap(),
            exit_code: i32::from(result != "ready"),
            commit: Some(commit.to_owned()),
            dirty: Some(false),
            time: "2026-11-20T00:00:00Z".to_owned(),
            manifest_sha256: String::new(),
        };
        let decision = crate::record::test_decision(&entry);
        writer.finish("policy", entry, |_| decision).unwrap();
    }
}

#[cfg(test)]
mod tests {
    use super::testing::ci_run;
    use super::*;

    const COMMIT: &str = "0000000000000000000000000000000000000000";
    const OTHER: &str = "1111111111111111111111111111111111111111";

    fn three_jobs(root: &Path) -> Vec<PathBuf> {
        ["linux", "macos", "windows"]
            .iter()
            .map(|os| {
                let dir = root.join(format!("job-{os}"));
                ci_run(
                    &dir,
                    &format!("run-{os}"),
                    os,
                    COMMIT,
                    "controlled",
                    "ready",
                );
                dir
            })
            .collect()
    }

    #[test]
    fn three_platforms_merge_into_one_record() {
        let root = tempfile::tempdir().unwrap();
        let inputs = three_jobs(root.path());
        let out = root.path().join("out");
        let report = merge(&out, COMMIT, &inputs).unwrap();
        assert!(report.refused.is_empty(), "{:?}", report.refused);
        assert_eq!(report.exit_code(), 0);
        let written = report.written.unwrap();
        assert_eq!(written.dir, out.join("merged").join(&written.merge_id));
        let platforms: Vec<&str> = written
            .record
            .inputs
            .iter()
            .map(|i| i.platform.as_str())
            .collect();
        assert_eq!(platforms, ["linux", "macos", "windows"]);
        let linux = &written.record.inputs[0];
        assert_eq!(
            (
                linux.stage.as_str(),
                linux.result.as_str(),
                linux.run_id.as_str()
            ),
            ("controlled", "ready", "run-linux")
        );
        // The digest named is the one the input's history holds for that run.
        let history = record::read_history(&inputs[0].join("history.jsonl")).unwrap();
        assert_eq!(
            linux.manifest_sha256,
            history[0].as_ref().unwrap().manifest_sha256
        );
        assert_eq!(linux.source, inputs[0].display().to_string());
        // On disk: merged.json and its manifest, nothing temporary, and it loads back.
        let loaded = load_merged(&out).unwrap();
        assert_eq!(loaded.len(), 1);
        assert_eq!(loaded[0].record.as_ref().unwrap(), &written.record);
        let names: Vec<String> = fs::read_dir(out.join("merged"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, [written.merge_id.as_str()]);
    }

    #[test]
    fn a_tampered_input_is_refused_naming_the_problem() {
        let root = tempfile::tempdir().unwrap();
        let inputs = three_jobs(root.path());
        fs::write(
            inputs[1].join("runs/run-macos/report.json"),
            "{\"forged\":1}",
        )
        .unwrap();
        let out = root.path().join("out");
        let report = merge(&out, COMMIT, &inputs).unwrap();
        assert_eq!(report.exit_code(), 1);
        assert_eq!(report.refused.len(), 1);
        assert_eq!(report.refused[0].source, inputs[1].display().to_string());
        assert!(
            report.refused[0].reason.starts_with("tampered:")
                && report.refused[0]
                    .reason
                    .contains("runs/run-macos/report.json: edited"),
            "{}",
            report.refused[0].reason
        );
        let platforms: Vec<String> = report
            .written
            .unwrap()
            .record
            .inputs
            .into_iter()
            .map(|i| i.platform)
            .collect();
        assert_eq!(platforms, ["linux", "windows"]);
    }

    #[test]
    fn an_input_of_another_commit_is_refused() {
        let root = tempfile::tempdir().unwrap();
        let job = root.path().join("job");
        ci_run(&job, "r1", "linux", OTHER, "controlled", "ready");
        let out = root.path().join("out");
        let report = merge(&out, COMMIT, std::slice::from_ref(&job)).unwrap();
        assert_eq!(report.exit_code(), 1);
        assert_eq!(
            report.refused[0].reason,
            format!("records of another commit: {OTHER} (merging for {COMMIT})")
        );
        // Every input refused: nothing is written.
        assert!(report.written.is_none());
        assert!(!out.exists());
    }

    #[test]
    fn the_latest_run_of_the_commit_is_taken_and_duplicates_refused() {
        let root = tempfile::tempdir().unwrap();
        let job = root.path().join("job");
        ci_run(&job, "r1", "linux", COMMIT, "pilot", "not-ready");
        ci_run(&job, "r2", "linux", COMMIT, "controlled", "ready");
        ci_run(&job, "r3", "linux", OTHER, "controlled", "ready");
        let out = root.path().join("out");
        let report = merge(&out, COMMIT, &[job.clone(), job.clone()]).unwrap();
        let written = report.written.unwrap();
        assert_eq!(written.record.inputs.len(), 1);
        assert_eq!(written.record.inputs[0].run_id, "r2");
        assert!(report.refused[0].reason.contains("already merged"));
    }

    #[test]
    fn a_directory_without_records_is_refused_and_bad_usage_is_an_error() {
        let root = tempfile::tempdir().unwrap();
        let report = merge(root.path(), COMMIT, &[root.path().join("nothing")]).unwrap();
        assert!(
            report.refused[0]
                .reason
                .starts_with("not a cargo-gate output directory"),
            "{}",
            report.refused[0].reason
        );
        assert!(matches!(
            merge(root.path(), COMMIT, &[]),
            Err(MergeError::NoInputs)
        ));
        assert!(matches!(
            merge(root.path(), "", &[root.path().to_owned()]),
            Err(MergeError::NoCommit)
        ));
    }

    #[test]
    fn an_edited_merged_record_does_not_load() {
        let root = tempfile::tempdir().unwrap();
        let inputs = three_jobs(root.path());
        let out = root.path().join("out");
        let written = merge(&out, COMMIT, &inputs).unwrap().written.unwrap();
        let path = written.dir.join(MERGED_FILE);
        let forged = fs::read_to_string(&path)
            .unwrap()
            .replace("\"windows\"", "\"linux\"");
        fs::write(&path, forged).unwrap();
        let loaded = load_merged(&out).unwrap();
        assert_eq!(
            loaded[0].record,
            Err("merged.json edited: content differs from manifest.json".to_owned())
        );
    }
}
