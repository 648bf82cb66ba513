//! Reading the record back: `cargo gate history` (the runs), `cargo gate diff A B` (what
//! changed between two runs) and `cargo gate status` (the highest stage this commit is
//! ready for). Pure functions over the output directory; the CLI renders.

use crate::error::GateError;
use crate::record::{HistoryEntry, read_history};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// Every parseable history entry, oldest first.
pub fn entries(out: &Path) -> Result<Vec<HistoryEntry>, GateError> {
    let path = out.join("history.jsonl");
    Ok(read_history(&path)
        .map_err(|source| GateError::Read { path, source })?
        .into_iter()
        .filter_map(Result::ok)
        .collect())
}

/// What changed between two runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunDiff {
    /// `(check, before, after)` for checks whose status changed (`-` when absent).
    pub status_changes: Vec<(String, String, String)>,
    /// Findings present in B but not in A: `(check, finding)`.
    pub appeared: Vec<(String, String)>,
    /// Findings present in A but not in B.
    pub vanished: Vec<(String, String)>,
}

fn report(out: &Path, run: &str) -> Result<Value, GateError> {
    let path = out.join("runs").join(run).join("report.json");
    let bytes = std::fs::read(&path).map_err(|source| GateError::Read {
        path: path.clone(),
        source,
    })?;
    serde_json::from_slice(&bytes)
        .map_err(|e| GateError::Internal(format!("{}: {e}", path.display())))
}

/// `check id → (status, findings as "location: message")`.
fn checks(report: &Value) -> BTreeMap<String, (String, Vec<String>)> {
    report["checks"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            let findings = c["findings"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|f| f["severity"] != "note")
                .map(|f| {
                    let l = &f["location"];
                    let place = match (l["file"].as_str(), l["line"].as_u64()) {
                        (Some(file), Some(line)) => format!("{file}:{line}: "),
                        (Some(file), None) => format!("{file}: "),
                        _ => String::new(),
                    };
                    format!("{place}{}", f["message"].as_str().unwrap_or_default())
                })
                .collect();
            (
                c["id"].as_str().unwrap_or_default().to_owned(),
                (
                    c["status"].as_str().unwrap_or_default().to_owned(),
                    findings,
                ),
            )
        })
        .collect()
}

/// Compares run `a` with run `b` (ids under `<out>/runs/`).
pub fn diff(out: &Path, a: &str, b: &str) -> Result<RunDiff, GateError> {
    let (before, after) = (checks(&report(out, a)?), checks(&report(out, b)?));
    let mut d = RunDiff::default();
    let ids: std::collections::BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    for id in ids {
        let (sa, fa) = before.get(id).cloned().unwrap_or(("-".into(), Vec::new()));
        let (sb, fb) = after.get(id).cloned().unwrap_or(("-".into(), Vec::new()));
        if sa != sb {
            d.status_changes.push((id.clone(), sa, sb));
        }
        d.appeared.extend(
            fb.iter()
                .filter(|f| !fa.contains(f))
                .map(|f| (id.clone(), f.clone())),
        );
        d.vanished.extend(
            fa.iter()
                .filter(|f| !fb.contains(f))
                .map(|f| (id.clone(), f.clone())),
        );
    }
    Ok(d)
}

/// The highest stage with a READY run for `commit`, and that run.
pub fn status<'a>(entries: &'a [HistoryEntry], commit: &str) -> Option<&'a HistoryEntry> {
    let rank = |stage: &str| crate::stage::Stage::parse(stage).map(|s| s as u8);
    entries
        .iter()
        .filter(|e| e.commit.as_deref() == Some(commit) && e.result == "ready")
        .max_by_key(|e| (rank(&e.stage), e.time.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, stage: &str, result: &str, commit: &str) -> HistoryEntry {
        HistoryEntry {
            run_id: id.into(),
            stage: stage.into(),
            result: result.into(),
            exit_code: if result == "ready" { 0 } else { 1 },
            commit: Some(commit.into()),
            dirty: Some(false),
            time: format!("2026-11-20T00:00:0{}Z", id.len()),
            manifest_sha256: String::new(),
        }
    }

    #[test]
    fn status_is_the_highest_ready_stage_of_the_commit() {
        let entries = [
            entry("a", "pilot", "ready", "c1"),
            entry("bb", "controlled", "ready", "c1"),
            entry("ccc", "broad", "not-ready", "c1"),
            entry("dddd", "broad", "ready", "c2"),
        ];
        assert_eq!(status(&entries, "c1").unwrap().run_id, "bb");
        assert_eq!(status(&entries, "c2").unwrap().stage, "broad");
        assert!(status(&entries, "c3").is_none());
    }

    #[test]
    fn diff_names_status_changes_and_findings() {
        let out = tempfile::tempdir().unwrap();
        let write = |run: &str, report: Value| {
            let dir = out.path().join("runs").join(run);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("report.json"), report.to_string()).unwrap();
        };
        write(
            "a",
            serde_json::json!({"checks": [
                {"id": "x.one", "status": "PASS", "findings": []},
                {"id": "x.two", "status": "FAIL", "findings": [{"severity": "error", "message": "old", "location": {"file": "f.rs", "line": 1}}]}
            ]}),
        );
        write(
            "b",
            serde_json::json!({"checks": [
                {"id": "x.one", "status": "FAIL", "findings": [{"severity": "error", "message": "new"}]},
                {"id": "x.two", "status": "FAIL", "findings": []}
            ]}),
        );
        let d = diff(out.path(), "a", "b").unwrap();
        assert_eq!(
            d.status_changes,
            [("x.one".into(), "PASS".into(), "FAIL".into())]
        );
        assert_eq!(d.appeared, [("x.one".into(), "new".into())]);
        assert_eq!(d.vanished, [("x.two".into(), "f.rs:1: old".into())]);
        assert!(diff(out.path(), "a", "missing").is_err());
    }
}
