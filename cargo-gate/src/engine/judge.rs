//! The engine's third phase: from the checks' outcomes to the report. Blocked checks are
//! settled, secrets are redacted, waivers marked, and the verdict judged.

use super::gather::{Finished, Gathered};
use super::options::RunOptions;
use super::prepare::Prepared;
use crate::check::{Artifact, Outcome, SkipKind, Status};
use crate::redact::Redactor;
use crate::report::{CheckReport, Counts, Report, SCHEMA_VERSION, Tool};
use crate::stage::Stage;
use crate::verdict::waiver;
use crate::verdict::{self, Mode};
use std::path::Path;

/// The run judged: the report, and the files its checks keep in the record.
#[derive(Debug)]
pub(super) struct Judged {
    /// The report (redacted when redaction is on).
    pub report: Report,
    /// Every check's artifacts, in report order, to be written into the record.
    pub artifacts: Vec<Artifact>,
}

/// Settles, waives and reports every outcome of `gathered`, and judges the verdict.
pub(super) fn judge(
    prepared: &Prepared,
    gathered: Gathered,
    opts: &RunOptions,
    redactor: &Redactor,
) -> Judged {
    let results = resolve_blocked(gathered.results, opts.stage, prepared.mode);
    let results = redact_secrets(results, &prepared.run_dir, &prepared.config, gathered.today);
    let mut checks = Vec::new();
    let mut artifacts = Vec::new();
    let mut waivers_used = Vec::new();
    for Finished {
        check,
        mut outcome,
        elapsed,
        ..
    } in results
    {
        // The waivers were applied when the check finished; the report lists those used.
        for finding in &outcome.findings {
            if let Some(index) = finding.waived_by.and_then(|i| usize::try_from(i).ok())
                && !waivers_used.contains(&index)
            {
                waivers_used.push(index);
            }
        }
        let evidence = outcome.evidence();
        artifacts.append(&mut outcome.artifacts);
        checks.push(check_report(
            check.meta(),
            outcome,
            evidence,
            elapsed,
            opts.stage,
            prepared.mode,
            redactor,
        ));
    }
    waivers_used.sort_unstable();
    let report = report(prepared, opts, redactor, checks, &waivers_used);
    Judged { report, artifacts }
}

/// One check's entry in the report.
fn check_report(
    meta: &crate::check::CheckMeta,
    outcome: Outcome,
    evidence: Vec<String>,
    elapsed: std::time::Duration,
    stage: Stage,
    mode: Mode,
    redactor: &Redactor,
) -> CheckReport {
    let status = outcome.status;
    CheckReport {
        id: meta.id.to_owned(),
        stage: meta.stage,
        status,
        counts_as_failure: verdict::counts_as_failure(status, outcome.skip, stage, mode),
        blocked_by: outcome.blocked_by.as_deref().map(str::to_owned),
        summary: redactor.text(&outcome.summary),
        skip: outcome.skip,
        fix: matches!(status, Status::Fail | Status::Warn | Status::Inconclusive).then(|| {
            outcome
                .fix
                .as_deref()
                .map_or_else(|| meta.fix.to_owned(), |f| redactor.text(f))
        }),
        duration_ms: redactor.millis(u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)),
        evidence,
        reused: outcome
            .reused
            .iter()
            .map(|r| crate::report::Reuse {
                fact: r.fact.clone(),
                run_id: redactor.run_id(&r.run_id),
                inputs: format!(
                    "sha256:{}",
                    redactor.hash(r.inputs.trim_start_matches("sha256:"))
                ),
            })
            .collect(),
        findings: outcome
            .findings
            .into_iter()
            .map(|mut f| {
                f.message = redactor.text(&f.message);
                f
            })
            .collect(),
    }
}

/// The report of the run: its checks, the waivers they used, and the verdict.
fn report(
    prepared: &Prepared,
    opts: &RunOptions,
    redactor: &Redactor,
    checks: Vec<CheckReport>,
    waivers_used: &[usize],
) -> Report {
    let partial = !opts.only.is_empty() || !opts.skip.is_empty();
    let verdict = verdict::judge(
        opts.stage,
        prepared.mode,
        partial,
        checks.iter().map(|c| verdict::Judged {
            id: c.id.as_str(),
            status: c.status,
            skip: c.skip,
            blocked_by: c.blocked_by.as_deref(),
        }),
    );
    let git = prepared.ws.git.as_ref();
    let run_id = &prepared.run_id;
    Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "cargo-gate".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        run_id: redactor.run_id(run_id),
        stage: opts.stage,
        mode: prepared.mode,
        workspace: redactor.text(&prepared.ws.root.to_string_lossy()),
        commit: git
            .and_then(|g| g.commit.as_deref())
            .map(|c| redactor.hash(c)),
        dirty: git.map(|g| g.dirty),
        started_at: redactor
            .time(humantime::format_rfc3339_seconds(prepared.started_at).to_string()),
        duration_ms: redactor
            .millis(u64::try_from(prepared.started.elapsed().as_millis()).unwrap_or(0)),
        counts: Counts::of(checks.iter().map(|c| &c.status)),
        selection: partial.then(|| crate::report::Selection {
            only: opts.only.clone(),
            skip: opts.skip.clone(),
        }),
        checks,
        waivers_used: waivers_used
            .iter()
            .map(|&index| crate::report::UsedWaiver {
                index,
                waiver: prepared.config.waivers[index].declared().clone(),
            })
            .collect(),
        verdict,
        record: format!("runs/{}", redactor.run_id(run_id)),
    }
}

/// A check that says it is blocked by another stays blocked only when the blocking check is
/// in the run and counts against the verdict (failed, or could not be evaluated): then that
/// check reports the one cause and this one points at it. Otherwise the check's own outcome
/// stands — a blocker that was skipped with `--skip`, or that passed after all, hides
/// nothing.
fn resolve_blocked(mut results: Vec<Finished>, stage: Stage, mode: Mode) -> Vec<Finished> {
    let standing: std::collections::BTreeMap<&'static str, bool> = results
        .iter()
        .map(|finished| {
            // As the check reported it: a blocker whose findings are all waived still
            // failed, and still blocks.
            let (status, skip) = (finished.unwaived, finished.outcome.skip);
            let blocks = skip != Some(SkipKind::Blocked)
                && verdict::counts_as_failure(status, skip, stage, mode)
                && matches!(status, Status::Fail | Status::Skip);
            (finished.check.meta().id, blocks)
        })
        .collect();
    for Finished { outcome, .. } in &mut results {
        let Some(by) = outcome.blocked_by.clone() else {
            continue;
        };
        if standing.get(&*by).copied().unwrap_or(false) {
            outcome.unblocked = None;
            outcome.summary = format!("blocked by {by}: {}", outcome.summary);
        } else if let Some(alone) = outcome.unblocked.take() {
            let mut alone = *alone;
            // Artifacts gathered before the check learnt it was blocked still count.
            alone
                .artifacts
                .extend(std::mem::take(&mut outcome.artifacts));
            for reuse in std::mem::take(&mut outcome.reused) {
                alone = alone.with_reuse(Some(&reuse));
            }
            *outcome = alone;
        }
    }
    results
}

/// Nothing secret reaches the record or the report: every summary, finding and artifact
/// (logs above all: test output prints values) and every file tools left in the run
/// directory is passed through the secret redactor. Then the run's own artifacts are scanned
/// once more; anything found there means the redaction missed it, and is reported under
/// `secrets.scan` when that check is part of the run.
/// The secrets found there fail `secrets.scan` as if it had found them (the waivers are
/// applied to them too).
fn redact_secrets(
    mut results: Vec<Finished>,
    run_dir: &Path,
    config: &crate::config::Config,
    today: gate_support::date::Date,
) -> Vec<Finished> {
    use crate::secrets;
    let mut written: Vec<(String, Vec<u8>)> = Vec::new();
    // Summaries and findings were redacted in the waiver phase, which every outcome goes
    // through once (`gather`), before the waivers matched them; the artifacts are here.
    for Finished { outcome, .. } in &mut results {
        for artifact in &mut outcome.artifacts {
            if let Some(redacted) = secrets::redact_bytes(&artifact.bytes) {
                artifact.bytes = redacted;
            }
            written.push((artifact.path.clone(), artifact.bytes.clone()));
        }
    }
    written.extend(run_dir_files(run_dir));
    let leaks = crate::checks::secrets_scan::scan_run_artifacts(&written);
    if !leaks.is_empty()
        && let Some(scan) = results
            .iter_mut()
            .find(|f| f.check.meta().id == "secrets.scan")
    {
        let note = format!("; and {} secret(s) in the run's own artifacts", leaks.len());
        waiver::add_failures(
            &config.waivers,
            "secrets.scan",
            &mut scan.outcome,
            scan.unwaived,
            today,
            &note,
            leaks,
        );
    }
    results
}

/// Every file tools left in the run directory, redacted in place, with its path in the
/// record; one over [`crate::facts::RUN_FILE_CAP`] leaves it, and a note beside it names it.
/// So does what a record cannot hold (the sixteenth session's hostile trial failed every run
/// with a passing test that left one): a symbolic link, a FIFO, a socket or a device, and a
/// directory whose path passes [`RUN_DIR_PATH_CAP`] bytes, with all below it.
fn run_dir_files(run_dir: &Path) -> Vec<(String, Vec<u8>)> {
    use crate::secrets;
    let mut written = Vec::new();
    let mut total = 0u64;
    for entry in ignore::WalkBuilder::new(run_dir)
        .standard_filters(false)
        .build()
        .filter_map(Result::ok)
    {
        let rel = entry
            .path()
            .strip_prefix(run_dir.parent().unwrap_or(run_dir))
            .unwrap_or(entry.path())
            .to_string_lossy()
            .replace('\\', "/");
        let Some(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            if rel.len() > RUN_DIR_PATH_CAP {
                let why = format!(
                    "was a directory deeper than the {RUN_DIR_PATH_CAP} bytes of path the record keeps"
                );
                written.extend(left_out(entry.path(), &rel, &why, |p| {
                    std::fs::remove_dir_all(p)
                }));
            }
            continue;
        }
        if !kind.is_file() {
            let what = if kind.is_symlink() {
                "a symbolic link"
            } else {
                "a FIFO, socket or device"
            };
            let why = format!("was {what}, not a regular file: a record holds regular files only");
            written.extend(left_out(entry.path(), &rel, &why, |p| {
                std::fs::remove_file(p)
            }));
            continue;
        }
        // Bounded: a test left a sparse 4 GiB file here, read whole into memory and the record;
        // and all of them together (128 files just under the cap of one were 2 GiB).
        let left = crate::facts::RUN_FILES_CAP.saturating_sub(total);
        let read =
            gate_support::read::bytes_capped(entry.path(), crate::facts::RUN_FILE_CAP.min(left));
        let bytes = match read {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::FileTooLarge => {
                // The run directory is the record's: the file leaves it, and a note says so.
                let why = if left < crate::facts::RUN_FILE_CAP {
                    format!(
                        "passed the {} MiB the record keeps of all the files the tools under \
                         test leave",
                        crate::facts::RUN_FILES_CAP >> 20
                    )
                } else {
                    format!(
                        "was larger than the {} MiB the record keeps of a file the tools under \
                         test leave",
                        crate::facts::RUN_FILE_CAP >> 20
                    )
                };
                written.extend(left_out(entry.path(), &rel, &why, |p| {
                    std::fs::remove_file(p)
                }));
                continue;
            }
            Err(_) => continue,
        };
        let bytes = match secrets::redact_bytes(&bytes) {
            Some(redacted) if std::fs::write(entry.path(), &redacted).is_ok() => redacted,
            _ => bytes,
        };
        total += bytes.len() as u64;
        written.push((rel, bytes));
    }
    written
}

/// The longest path of a directory in the run directory the record keeps, in bytes from the
/// run directory's parent: far below what a file system takes (4,096 on Linux) with the
/// record's own directories in front of it.
const RUN_DIR_PATH_CAP: usize = 1024;

/// Takes `path` (at `rel`) out of the run directory with `remove` and leaves a note beside it
/// saying `why`: the note, for the record, when both were done.
fn left_out(
    path: &Path,
    rel: &str,
    why: &str,
    remove: impl FnOnce(&Path) -> std::io::Result<()>,
) -> Option<(String, Vec<u8>)> {
    let note = format!("cargo-gate: {rel} {why}; left out\n");
    let mut noted = path.as_os_str().to_owned();
    noted.push(".left-out.txt");
    (remove(path).is_ok()
        && gate_support::atomic::write(Path::new(&noted), note.as_bytes()).is_ok())
    .then(|| (format!("{rel}.left-out.txt"), note.into_bytes()))
}
