//! The engine's last phase: the judged run into its record — the checks' artifacts, the
//! report, the cached facts' evidence, the environment, then the history entry and the
//! signed-off statement that close the chain.

use super::judge::Judged;
use super::options::RunResult;
use super::prepare::Prepared;
use crate::error::GateError;
use crate::record::HistoryEntry;
use crate::redact::Redactor;
use crate::runs::decision::{self, Subject};
use crate::workspace::Workspace;
use gate_support::digest::{sha256_file, sha256_hex};
use std::time::SystemTime;

/// Writes the record of a judged run and appends it to the chain.
pub(super) fn record(
    prepared: Prepared,
    judged: Judged,
    redactor: &Redactor,
) -> Result<RunResult, GateError> {
    let Prepared {
        ws,
        config,
        out,
        run_id,
        writer,
        environment,
        facts,
        ..
    } = prepared;
    let Judged { report, artifacts } = judged;
    for artifact in &artifacts {
        writer.write(&artifact.path, &artifact.bytes)?;
    }
    writer.write("report.json", report.to_json().as_bytes())?;
    // Every cached fact of the run: its inputs, component by component, and the run that
    // gathered it — hashed into the manifest like any artifact, so `verify` covers it.
    if let Some(evidence) = facts.cache().evidence_json() {
        writer.write("evidence.json", evidence.as_bytes())?;
    }
    let effective = config.effective_json();
    writer.write(
        "environment.json",
        serde_json::to_string_pretty(&environment)
            .expect("environment serialises")
            .as_bytes(),
    )?;
    let policy_sha256 = sha256_hex(effective.as_bytes());
    let git = ws.git.as_ref();
    let entry = HistoryEntry {
        run_id: run_id.clone(),
        stage: report.stage,
        result: report.verdict.result,
        exit_code: report.verdict.exit_code,
        commit: git.and_then(|g| g.commit.clone()),
        dirty: git.map(|g| g.dirty),
        time: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        manifest_sha256: String::new(),
    };
    let subjects = subjects(&ws);
    let policy_uri = config
        .source
        .file()
        .unwrap_or("cargo-gate:defaults")
        .to_owned();
    let time_verified = entry.time.clone();
    let finished = writer.finish(&policy_sha256, entry, |previous| {
        let statement = decision::statement(
            &report,
            &subjects,
            &policy_uri,
            &policy_sha256,
            previous,
            &time_verified,
        );
        gate_support::json::pretty_bytes(&statement).expect("statement serialises")
    })?;
    let mut recovered = finished.recovered;
    recovered.extend(facts.cache().notes());
    let record_line = format!(
        "{}/{} · chain head sha256:{}",
        redactor.text(&out.to_string_lossy()),
        report.record,
        redactor.hash(&finished.entry.manifest_sha256)
    );
    Ok(RunResult {
        report,
        out_dir: out,
        record_dir: finished.dir,
        head: finished.entry.manifest_sha256,
        record_line,
        recovered,
    })
}

/// What the run's statement is about: the manifest and lockfile, and the commit.
fn subjects(ws: &Workspace) -> Vec<Subject> {
    let mut subjects = Vec::new();
    for name in ["Cargo.toml", "Cargo.lock"] {
        if let Ok((digest, _)) = sha256_file(&ws.root.join(name)) {
            subjects.push(Subject {
                name: name.to_owned(),
                algorithm: "sha256",
                digest,
            });
        }
    }
    if let Some(commit) = ws.git.as_ref().and_then(|g| g.commit.clone()) {
        subjects.push(Subject {
            name: "git-commit".to_owned(),
            algorithm: "gitCommit",
            digest: commit,
        });
    }
    subjects
}
