//! Reading the record back: the chain of runs, each history line checked against its hashed
//! manifest ([`read_chain`]), and `verify`, which also re-hashes every artifact.
//!
//! Everything that judges from past runs (`status`, `merge`, `history.window`, `diff`) reads
//! through [`read_chain`] and uses only [`ChainRun::trusted`] runs, reading their artifacts
//! through [`ChainRun::artifact`], which checks each against the manifest before it is used.

use crate::RecordError;
use crate::layout::{
    FileKind, OutLock, file_kind, history_lines, is_run_dir_name, list_files, recover,
};
use gate_formats::run_record::{HistoryEntry, MANIFEST_SCHEMA, Manifest};
use gate_support::digest::{sha256_file, sha256_hex};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

/// One problem found in a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The path concerned, relative to the output directory.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// One history line and what its manifest says of it.
#[derive(Debug, Clone)]
pub struct ChainRun {
    /// 1-based line in `history.jsonl`.
    pub line: usize,
    /// The line as written. When [`ChainRun::trusted`], every field equals the manifest's.
    pub entry: HistoryEntry,
    /// The run's manifest, when it could be read and parsed.
    pub manifest: Option<Manifest>,
    /// Whether the line, its manifest's digest and fields, and its link to the line before
    /// all agree. Artifacts are checked when read ([`ChainRun::artifact`]) or by `verify`.
    pub trusted: bool,
}

/// The runs of an output directory, in history order.
#[derive(Debug, Clone, Default)]
pub struct Chain {
    /// Every history line that parsed.
    pub runs: Vec<ChainRun>,
    /// Everything wrong with the index, the manifests and the links.
    pub problems: Vec<Problem>,
    /// Run directories (and other entries) under `runs/` that history does not name.
    pub unlisted: Vec<String>,
    /// What recovering from an interrupted run did while reading.
    pub recovered: Vec<String>,
    /// The history line each of `problems` is about, in step with it.
    problem_lines: Vec<usize>,
}

impl Chain {
    /// The head: the digest of the last manifest in history.
    pub fn head(&self) -> Option<&str> {
        self.runs.last().map(|r| r.entry.manifest_sha256.as_str())
    }

    /// The runs whose history line is bound to their manifest and chain.
    pub fn trusted(&self) -> impl Iterator<Item = &ChainRun> {
        self.runs.iter().filter(|r| r.trusted)
    }

    /// Whether the index, every manifest and every link are intact and nothing is unlisted.
    pub fn intact(&self) -> bool {
        self.problems.is_empty() && self.unlisted.is_empty()
    }

    /// The problems, with unlisted entries as problems too, for messages.
    pub fn all_problems(&self) -> Vec<Problem> {
        let mut all = self.problems.clone();
        all.extend(self.unlisted.iter().map(|name| Problem {
            path: format!("runs/{name}"),
            message: "run directory is not in history.jsonl".into(),
        }));
        all
    }

    /// One line for an error message: the first problem and how many more.
    pub fn summary(&self) -> String {
        let all = self.all_problems();
        match all.first() {
            None => "intact".to_owned(),
            Some(first) => {
                let more = if all.len() > 1 {
                    format!(" (and {} more)", all.len() - 1)
                } else {
                    String::new()
                };
                format!("{}: {}{more}", first.path, first.message)
            }
        }
    }
}

impl ChainRun {
    /// The bytes of artifact `path` of this run, after checking them against the manifest:
    /// listed, a regular file, the listed size and digest. Never reads more than the listed
    /// size (plus one byte, to see that the file grew).
    pub fn artifact(&self, out: &Path, path: &str) -> Result<Vec<u8>, String> {
        let id = &self.entry.run_id;
        let manifest = self
            .manifest
            .as_ref()
            .filter(|_| self.trusted)
            .ok_or_else(|| format!("runs/{id} does not verify (`cargo gate verify` says why)"))?;
        listed_artifact(out, id, manifest, path)
    }
}

/// The bytes of artifact `path` of run `id`, checked against `manifest`: listed, a regular
/// file (a FIFO or a link is refused, never opened), the listed size (compared before
/// anything is read) and digest. Reads at most the listed size plus one byte.
fn listed_artifact(
    out: &Path,
    id: &str,
    manifest: &Manifest,
    path: &str,
) -> Result<Vec<u8>, String> {
    let shown = format!("runs/{id}/{path}");
    let listed = manifest
        .artifacts
        .iter()
        .find(|a| a.path == path)
        .ok_or_else(|| format!("runs/{id}/manifest.json lists no {path}"))?;
    let file = out.join("runs").join(id).join(path);
    match fs::symlink_metadata(&file) {
        Ok(meta) => match file_kind(&meta) {
            FileKind::File if meta.len() == listed.size => {}
            // Another size is another digest: said without reading a byte.
            FileKind::File => {
                return Err(format!("{shown} differs from its digest in the manifest"));
            }
            FileKind::Other(what) => return Err(format!("{shown} is a {what}: refused")),
        },
        Err(e) => return Err(format!("{shown}: {e}")),
    }
    let mut bytes = Vec::new();
    gate_support::read::open_regular(&file)
        .and_then(|f| {
            f.take(listed.size.saturating_add(1))
                .read_to_end(&mut bytes)
        })
        .map_err(|e| format!("{shown}: {e}"))?;
    if bytes.len() as u64 != listed.size || sha256_hex(&bytes) != listed.sha256 {
        return Err(format!("{shown} differs from its digest in the manifest"));
    }
    Ok(bytes)
}

/// Where the run's own `decision.json` (hashed in its manifest) says something else than the
/// manifest's verdict fields: `field: manifest says X, decision.json says Y`. A consistent
/// rewrite of one manifest's `result` then still shows, since the attestation beside it,
/// bound by the same manifest, keeps the verdict the run reached.
fn decision_disagrees(out: &Path, id: &str, manifest: &Manifest) -> Result<Vec<String>, String> {
    let bytes = listed_artifact(out, id, manifest, "decision.json")?;
    // Read as a value: only the three fields the manifest repeats are compared.
    let statement: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| format!("runs/{id}/decision.json is not a decision: {e}"))?;
    let field = |name: &str| match &statement["predicate"][name] {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "nothing".to_owned(),
        other => other.to_string(),
    };
    let pairs = [
        ("result", manifest.result.to_string(), field("result")),
        ("stage", manifest.stage.to_string(), field("stage")),
        (
            "exit_code",
            manifest.exit_code.to_string(),
            field("exitCode"),
        ),
    ];
    Ok(pairs
        .into_iter()
        .filter(|(_, a, b)| a != b)
        .map(|(name, a, b)| format!("{name}: the manifest says {a:?}, decision.json says {b:?}"))
        .collect())
}

/// Reads the chain of `out`: each history line checked against its run's manifest (digest,
/// every verdict field) and its link to the line before. The history and the listing of
/// `runs/` are read under the output lock, after repairing what an interrupted run left, so
/// a run finishing concurrently is seen either whole or not at all. An output directory that
/// cannot be locked (read-only, say) is read as it is.
pub fn read_chain(out: &Path) -> Result<Chain, RecordError> {
    let history_path = out.join("history.jsonl");
    let read_err = |path: &Path, source| RecordError::Read {
        path: path.to_owned(),
        source,
    };
    let mut chain = Chain::default();
    let (lines, listing) = {
        let lock = OutLock::acquire(out).ok();
        if let Some(lock) = &lock {
            // A repair that cannot be written (a full disk) is no evidence of tampering:
            // the record cannot be read as it should be, and the caller says so (exit 2).
            chain.recovered = recover(out, lock).map_err(|source| RecordError::OutDir {
                path: out.to_owned(),
                source,
            })?;
        }
        let lines = history_lines(&history_path).map_err(|e| read_err(&history_path, e))?;
        let listing: Vec<String> = match fs::read_dir(out.join("runs")) {
            Ok(dir) => dir
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(read_err(&out.join("runs"), e)),
        };
        (lines, listing)
    };

    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut previous: Option<HistoryEntry> = None;
    for (line, parsed) in lines {
        let Ok(entry) = parsed else {
            chain.problems.push(Problem {
                path: "history.jsonl".into(),
                message: format!("line {line} is not a valid history entry"),
            });
            chain.problem_lines.push(line);
            continue;
        };
        let before = chain.problems.len();
        let manifest = check_line(out, line, &entry, previous.as_ref(), &seen, &mut chain);
        seen.entry(entry.run_id.clone()).or_insert(line);
        let trusted = chain.problems.len() == before;
        chain.problem_lines.resize(chain.problems.len(), line);
        previous = Some(entry.clone());
        chain.runs.push(ChainRun {
            line,
            entry,
            manifest,
            trusted,
        });
    }
    let mut unlisted: Vec<String> = listing
        .into_iter()
        .filter(|n| !n.starts_with('.') && !seen.contains_key(n))
        .collect();
    unlisted.sort();
    chain.unlisted = unlisted;
    Ok(chain)
}

/// Checks one history line; records problems in `chain` and returns the manifest read.
fn check_line(
    out: &Path,
    line: usize,
    entry: &HistoryEntry,
    previous: Option<&HistoryEntry>,
    seen: &BTreeMap<String, usize>,
    chain: &mut Chain,
) -> Option<Manifest> {
    let id = &entry.run_id;
    let mut problem =
        |path: String, message: String| chain.problems.push(Problem { path, message });
    if !is_run_dir_name(id) {
        problem(
            "history.jsonl".into(),
            format!("line {line} names `{id}`, which is not a run id"),
        );
        return None;
    }
    if let Some(first) = seen.get(id) {
        problem(
            "history.jsonl".into(),
            format!("line {line} repeats run {id} (first on line {first})"),
        );
    }
    let run = format!("runs/{id}");
    let dir = out.join("runs").join(id);
    match fs::symlink_metadata(&dir) {
        Ok(m) if m.is_dir() => {}
        Ok(m) => {
            let what = match file_kind(&m) {
                FileKind::Other(what) => what,
                FileKind::File => "regular file",
            };
            problem(run, format!("is a {what}, not a run directory: refused"));
            return None;
        }
        Err(_) => {
            problem(
                run,
                format!("run directory is missing (history.jsonl line {line})"),
            );
            return None;
        }
    }
    let manifest_path = dir.join("manifest.json");
    let shown = format!("{run}/manifest.json");
    match fs::symlink_metadata(&manifest_path).map(|m| file_kind(&m)) {
        Ok(FileKind::File) => {}
        Ok(FileKind::Other(what)) => {
            problem(shown, format!("is a {what}, not a regular file: refused"));
            return None;
        }
        Err(_) => {
            problem(shown, "missing".into());
            return None;
        }
    }
    // A manifest lists names and digests: a few kilobytes per hundred artifacts.
    const MAX_MANIFEST: u64 = 64 << 20;
    let read = gate_support::read::open_regular(&manifest_path).and_then(|f| {
        let mut bytes = Vec::new();
        f.take(MAX_MANIFEST + 1).read_to_end(&mut bytes)?;
        Ok(bytes)
    });
    let bytes = match read {
        Ok(bytes) if bytes.len() as u64 <= MAX_MANIFEST => bytes,
        Ok(_) => {
            problem(
                shown,
                format!("larger than {MAX_MANIFEST} bytes: refused, not read"),
            );
            return None;
        }
        Err(_) => {
            problem(shown, "cannot be read".into());
            return None;
        }
    };
    let digest = sha256_hex(&bytes);
    if digest != entry.manifest_sha256 {
        problem(
            shown.clone(),
            format!("edited: its digest differs from the one on history.jsonl line {line}"),
        );
    }
    let manifest: Manifest = match serde_json::from_slice(&bytes) {
        Ok(m) => m,
        Err(e) => {
            problem(shown, format!("not a valid manifest: {e}"));
            return None;
        }
    };
    if manifest.schema_version != MANIFEST_SCHEMA {
        problem(
            shown,
            format!(
                "manifest schema {} does not bind its history line (schema {MANIFEST_SCHEMA} \
                 does): records written before cargo-gate 0.2 cannot be verified; start a new \
                 --out directory",
                manifest.schema_version
            ),
        );
        return Some(manifest);
    }
    if digest == entry.manifest_sha256 {
        let bound = HistoryEntry::of(&manifest, &digest);
        let differs = differing_fields(entry, &bound);
        if !differs.is_empty() {
            problem(
                "history.jsonl".into(),
                format!("line {line} does not match {shown}: {}", differs.join(", ")),
            );
        }
    }
    let expected = previous.map(HistoryEntry::link);
    if manifest.previous != expected {
        let want = expected.map_or_else(|| "none".to_owned(), |p| p.run_id);
        let have = manifest
            .previous
            .as_ref()
            .map_or_else(|| "none".to_owned(), |p| p.run_id.clone());
        problem(
            shown,
            format!(
                "broken chain: it links to {have}, but history.jsonl line {line} follows {want} \
                 (a history line was removed, reordered or edited)"
            ),
        );
    }
    match decision_disagrees(out, id, &manifest) {
        Ok(differs) if differs.is_empty() => {}
        Ok(differs) => problem(
            format!("{run}/decision.json"),
            format!(
                "the run's verdict was rewritten: {} (history, status and merge trust neither)",
                differs.join("; ")
            ),
        ),
        Err(why) => problem(format!("{run}/decision.json"), why),
    }
    Some(manifest)
}

/// `field: line says X, manifest says Y` for each field where they differ.
fn differing_fields(line: &HistoryEntry, bound: &HistoryEntry) -> Vec<String> {
    let show = |v: &dyn std::fmt::Debug| format!("{v:?}");
    let pairs: [(&str, String, String); 7] = [
        ("run_id", show(&line.run_id), show(&bound.run_id)),
        (
            "stage",
            show(&line.stage.as_str()),
            show(&bound.stage.as_str()),
        ),
        (
            "result",
            show(&line.result.as_str()),
            show(&bound.result.as_str()),
        ),
        ("exit_code", show(&line.exit_code), show(&bound.exit_code)),
        ("commit", show(&line.commit), show(&bound.commit)),
        ("dirty", show(&line.dirty), show(&bound.dirty)),
        ("time", show(&line.time), show(&bound.time)),
    ];
    pairs
        .into_iter()
        .filter(|(_, a, b)| a != b)
        .map(|(name, a, b)| format!("{name} is {a} there but {b} in the manifest"))
        .collect()
}

/// The result of `verify`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Runs checked, in history order.
    pub runs_checked: Vec<String>,
    /// Everything wrong; empty means intact.
    pub problems: Vec<Problem>,
    /// The chain's head (the last manifest's digest), when history names a run.
    pub head: Option<String>,
    /// What recovering from an interrupted run did first.
    pub recovered: Vec<String>,
}

impl VerifyReport {
    /// Whether every record and link checked out.
    pub fn intact(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Verifies the records under `out`: every run of history (or, with `only`, that run and the
/// chain behind it). Checks each history line against its manifest and each link of the
/// chain, re-hashes every artifact, looks for missing, extra and non-regular files (refused
/// by name, never read), and with `expect_head` requires that digest to be a run of the
/// chain with everything up to it intact.
pub fn verify(
    out: &Path,
    only: Option<&str>,
    expect_head: Option<&str>,
) -> Result<VerifyReport, RecordError> {
    let history_path = out.join("history.jsonl");
    if !history_path.is_file() {
        return Err(RecordError::Read {
            path: history_path,
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no history.jsonl: no run has been recorded here (pass --out DIR where the runs are)",
            ),
        });
    }
    let chain = read_chain(out)?;
    let mut report = VerifyReport {
        recovered: chain.recovered.clone(),
        ..VerifyReport::default()
    };
    let upto = match only {
        None => chain.runs.len(),
        Some(id) => match chain.runs.iter().position(|r| r.entry.run_id == id) {
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
    let checked = &chain.runs[..upto];
    let last_line = checked.last().map_or(0, |r| r.line);
    // Problems of the lines up to the run asked for (all of them without `only`).
    report.problems.extend(
        chain
            .problems
            .iter()
            .zip(&chain.problem_lines)
            .filter(|(_, line)| only.is_none() || **line <= last_line)
            .map(|(p, _)| p.clone()),
    );
    for run in checked {
        if let Some(manifest) = &run.manifest {
            verify_artifacts(out, &run.entry.run_id, manifest, &mut report.problems);
        }
        report.runs_checked.push(run.entry.run_id.clone());
    }
    if only.is_none() {
        report
            .problems
            .extend(chain.all_problems().split_off(chain.problems.len()));
    }
    report.head = checked.last().map(|r| r.entry.manifest_sha256.clone());
    if let Some(expected) = expect_head {
        let expected = expected
            .trim()
            .trim_start_matches("sha256:")
            .to_ascii_lowercase();
        match checked
            .iter()
            .position(|r| r.entry.manifest_sha256 == expected)
        {
            None => report.problems.push(Problem {
                path: "history.jsonl".into(),
                message: format!(
                    "the expected head sha256:{expected} is not in the chain: history was \
                     rewritten or cut back past it, or this is another record"
                ),
            }),
            Some(i) if checked[..=i].iter().any(|r| !r.trusted) => {
                report.problems.push(Problem {
                    path: "history.jsonl".into(),
                    message: format!(
                        "the expected head sha256:{expected} is in the chain, but runs up to it \
                         do not verify"
                    ),
                });
            }
            Some(_) => {}
        }
    }
    Ok(report)
}

fn verify_artifacts(out: &Path, id: &str, manifest: &Manifest, problems: &mut Vec<Problem>) {
    let run = format!("runs/{id}");
    let dir: PathBuf = out.join("runs").join(id);
    let mut problem = |path: String, message: String| problems.push(Problem { path, message });
    let listed: BTreeSet<&str> = manifest.artifacts.iter().map(|a| a.path.as_str()).collect();
    for artifact in &manifest.artifacts {
        let path = format!("{run}/{}", artifact.path);
        if artifact
            .path
            .split('/')
            .any(|p| p.is_empty() || p == "." || p == "..")
        {
            problem(path, "listed path leaves the run directory: refused".into());
            continue;
        }
        let file = dir.join(&artifact.path);
        match fs::symlink_metadata(&file).map(|m| file_kind(&m)) {
            Err(_) => problem(path, "missing".into()),
            Ok(FileKind::Other(what)) => {
                problem(
                    path,
                    format!("is a {what}, not a regular file: refused, not read"),
                );
            }
            // The size first: a file whose size differs is edited, and is never read (a
            // sparse terabyte costs nothing).
            Ok(FileKind::File) if fs::metadata(&file).is_ok_and(|m| m.len() != artifact.size) => {
                problem(path, "edited: content differs from the manifest".into());
            }
            Ok(FileKind::File) => match sha256_file(&file) {
                Err(e) => problem(path, format!("cannot be read: {e}")),
                Ok((sha, size)) if sha != artifact.sha256 || size != artifact.size => {
                    problem(path, "edited: content differs from the manifest".into());
                }
                Ok(_) => {}
            },
        }
    }
    match list_files(&dir) {
        Ok(files) => {
            for (rel, kind) in files {
                if rel == "manifest.json" || listed.contains(rel.as_str()) {
                    continue;
                }
                let message = match kind {
                    FileKind::File => "extra file not in the manifest".to_owned(),
                    FileKind::Other(what) => {
                        format!("extra {what} not in the manifest: refused, not read")
                    }
                };
                problem(format!("{run}/{rel}"), message);
            }
        }
        Err(e) => problem(run, format!("cannot list: {e}")),
    }
}
