//! Reading the record back: `cargo gate history` (the runs), `cargo gate diff A B` (what
//! changed between two runs) and `cargo gate status` (the highest stage this commit is
//! ready for). Pure functions over the output directory; the CLI renders. Every run is read
//! through [`crate::record::read_chain`]: a run whose history line is not bound to its
//! manifest is never judged from.

use crate::check::Severity;
use crate::error::GateError;
use crate::record::{Chain, ChainRun};
use crate::report::{BenchSeries, Report, Timeline, TimelineRun};
use crate::verdict::Result as RunResult;
use std::collections::BTreeMap;
use std::path::Path;

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

/// Run `run`'s `report.json`, checked against its manifest and chain.
fn report(out: &Path, chain: &Chain, run: &str) -> Result<Report, GateError> {
    let found = chain
        .runs
        .iter()
        .find(|r| r.entry.run_id == run)
        .ok_or_else(|| GateError::Record(format!("run `{run}` is not in history.jsonl")))?;
    let bytes = found
        .artifact(out, "report.json")
        .map_err(GateError::Record)?;
    serde_json::from_slice(&bytes)
        .map_err(|e| GateError::Record(format!("runs/{run}/report.json: {e}")))
}

/// `check id → (status, findings as "location: message")`.
fn checks(report: &Report) -> BTreeMap<String, (String, Vec<String>)> {
    report
        .checks
        .iter()
        .map(|c| {
            let findings = c
                .findings
                .iter()
                .filter(|f| f.severity != Severity::Note)
                .map(|f| {
                    let place = match &f.location {
                        Some(l) => match l.line {
                            Some(line) => format!("{}:{line}: ", l.file),
                            None => format!("{}: ", l.file),
                        },
                        None => String::new(),
                    };
                    format!("{place}{}", f.message)
                })
                .collect();
            (c.id.clone(), (c.status.to_string(), findings))
        })
        .collect()
}

/// Compares run `a` with run `b` (ids under `<out>/runs/`), both verified.
pub fn diff(out: &Path, chain: &Chain, a: &str, b: &str) -> Result<RunDiff, GateError> {
    let (before, after) = (
        checks(&report(out, chain, a)?),
        checks(&report(out, chain, b)?),
    );
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

/// The highest stage with a READY run of `commit` on a clean work tree, and that run, among
/// the runs of the chain that verify. A run on a dirty tree is not evidence for the commit.
pub fn status<'a>(chain: &'a Chain, commit: &str) -> Option<&'a ChainRun> {
    chain
        .trusted()
        .filter(|r| {
            let e = &r.entry;
            e.commit.as_deref() == Some(commit)
                && e.result == RunResult::Ready
                && e.dirty == Some(false)
        })
        .max_by_key(|r| (r.entry.stage, r.line))
}

/// The latest `limit` runs of `stage` that verify (partial runs left out, as the window does),
/// and the benchmarks their `bench/results.json` measured. A run whose results cannot be read
/// adds no point; nothing here fails.
pub fn timeline(out: &Path, chain: &Chain, stage: crate::stage::Stage, limit: usize) -> Timeline {
    let runs: Vec<&ChainRun> = chain
        .trusted()
        .filter(|r| r.entry.stage == stage && r.entry.result != RunResult::Partial)
        .collect();
    let runs = &runs[runs.len().saturating_sub(limit)..];
    let mut benchmarks: Vec<BenchSeries> = Vec::new();
    for (index, run) in runs.iter().enumerate() {
        let Ok(bytes) = run.artifact(out, crate::bench::RESULTS_ARTIFACT) else {
            continue;
        };
        let Ok(results) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
            continue;
        };
        for compared in results["comparison"].as_array().into_iter().flatten() {
            let (Some(id), Some(p50), Some(p95)) = (
                compared["id"].as_str(),
                compared["current"]["p50_ns"].as_f64(),
                compared["current"]["p95_ns"].as_f64(),
            ) else {
                continue;
            };
            let baseline = compared["baseline"]["p50_ns"]
                .as_f64()
                .zip(compared["baseline"]["p95_ns"].as_f64());
            let series = match benchmarks.iter().position(|b| b.id == id) {
                Some(i) => &mut benchmarks[i],
                None => {
                    benchmarks.push(BenchSeries {
                        id: id.to_owned(),
                        points: Vec::new(),
                        baseline: None,
                    });
                    benchmarks.last_mut().expect("just pushed")
                }
            };
            series.points.push((index, p50, p95));
            if baseline.is_some() {
                series.baseline = baseline;
            }
        }
    }
    Timeline {
        runs: runs
            .iter()
            .map(|r| TimelineRun {
                run_id: r.entry.run_id.clone(),
                result: r.entry.result,
            })
            .collect(),
        benchmarks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{Finding, Location, Status};
    use crate::record::{HistoryEntry, RecordWriter, read_chain};
    use crate::report::sample;
    use crate::stage::Stage;

    /// Records a run through the real writer, with `report` as its report.json.
    fn record(out: &Path, id: &str, stage: &str, result: &str, commit: &str, report: String) {
        let writer = RecordWriter::begin(out, id).unwrap();
        writer.write("report.json", report.as_bytes()).unwrap();
        let entry = HistoryEntry {
            run_id: id.into(),
            stage: Stage::parse(stage).unwrap(),
            result: RunResult::parse(result).unwrap(),
            exit_code: if result == "ready" { 0 } else { 1 },
            commit: Some(commit.into()),
            dirty: Some(id.starts_with("dirty")),
            time: "2026-11-20T00:00:00Z".into(),
            manifest_sha256: String::new(),
        };
        let decision = crate::record::test_decision(&entry);
        writer.finish("p", entry, |_| decision).unwrap();
    }

    #[test]
    fn status_is_the_highest_ready_stage_of_the_commit_on_a_clean_tree() {
        let out = tempfile::tempdir().unwrap();
        let out = out.path();
        let none = sample::report(Vec::new(), RunResult::Ready, &[]);
        record(out, "a", "pilot", "ready", "c1", none.clone());
        record(out, "bb", "controlled", "ready", "c1", none.clone());
        record(out, "ccc", "broad", "not-ready", "c1", none.clone());
        record(out, "dirty-d", "broad", "ready", "c1", none.clone());
        record(out, "eeeee", "broad", "ready", "c2", none);
        let chain = read_chain(out).unwrap();
        assert_eq!(status(&chain, "c1").unwrap().entry.run_id, "bb");
        assert_eq!(status(&chain, "c2").unwrap().entry.stage, Stage::Broad);
        assert!(status(&chain, "c3").is_none());
        // A line edited to claim c2's READY broad run for c1 is not taken.
        let history = out.join("history.jsonl");
        let text = std::fs::read_to_string(&history)
            .unwrap()
            .replace("\"c2\"", "\"c1\"");
        std::fs::write(&history, text).unwrap();
        let chain = read_chain(out).unwrap();
        assert_eq!(status(&chain, "c1").unwrap().entry.run_id, "bb");
    }

    #[test]
    fn diff_names_status_changes_and_findings() {
        let out = tempfile::tempdir().unwrap();
        let out = out.path();
        record(
            out,
            "a",
            "pilot",
            "not-ready",
            "c",
            sample::report(
                vec![
                    sample::check("x.one", Status::Pass, Vec::new()),
                    sample::check(
                        "x.two",
                        Status::Fail,
                        vec![Finding::error("old").at(Location::at("f.rs", 1, 1))],
                    ),
                ],
                RunResult::NotReady,
                &["x.two"],
            ),
        );
        record(
            out,
            "b",
            "pilot",
            "not-ready",
            "c",
            sample::report(
                vec![
                    sample::check("x.one", Status::Fail, vec![Finding::error("new")]),
                    sample::check("x.two", Status::Fail, Vec::new()),
                ],
                RunResult::NotReady,
                &["x.one", "x.two"],
            ),
        );
        let chain = read_chain(out).unwrap();
        let d = diff(out, &chain, "a", "b").unwrap();
        assert_eq!(
            d.status_changes,
            [("x.one".into(), "PASS".into(), "FAIL".into())]
        );
        assert_eq!(d.appeared, [("x.one".into(), "new".into())]);
        assert_eq!(d.vanished, [("x.two".into(), "f.rs:1: old".into())]);
        assert!(diff(out, &chain, "a", "missing").is_err());
        // An edited report is refused, not compared.
        std::fs::write(out.join("runs/b/report.json"), "{\"checks\": []}").unwrap();
        let err = diff(out, &chain, "a", "b").unwrap_err().to_string();
        assert_eq!(
            err,
            "runs/b/report.json differs from its digest in the manifest"
        );
    }
}
