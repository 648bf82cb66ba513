//! The engine: workspace + config → stage plan → checks in parallel → waivers → verdict →
//! run record → report. Returns values; never prints.

use crate::cargo::Cargo;
use crate::check::{Check, CheckMeta, Context, Outcome, SkipKind, Status};
use crate::config;
use crate::decision::{self, Subject};
use crate::environment;
use crate::error::GateError;
use crate::facts::Facts;
use crate::record::{self, HistoryEntry, RecordWriter};
use crate::redact::Redactor;
use crate::registry;
use crate::report::{CheckReport, Counts, Report, SCHEMA_VERSION, Tool};
use crate::stage::Stage;
use crate::verdict::{self, Mode};
use crate::waiver;
use crate::workspace::Workspace;
use gate_support::digest::{sha256_file, sha256_hex};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

/// What to run and how.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The stage.
    pub stage: Stage,
    /// `--manifest-path`.
    pub manifest_path: Option<PathBuf>,
    /// `--config`.
    pub config_path: Option<PathBuf>,
    /// `--strict` / `--permissive`; `None` follows `[policy] strict`.
    pub mode: Option<Mode>,
    /// `--out`.
    pub out: Option<PathBuf>,
    /// `--offline`.
    pub offline: bool,
    /// `--only`.
    pub only: Vec<String>,
    /// `--skip`.
    pub skip: Vec<String>,
    /// `--no-cache`: gather every fact afresh (and store it for the next run).
    pub no_cache: bool,
}

/// A finished run.
#[derive(Debug)]
pub struct RunResult {
    /// The report (already redacted when redaction is on).
    pub report: Report,
    /// The output directory.
    pub out_dir: PathBuf,
    /// The run directory.
    pub record_dir: PathBuf,
    /// The chain's head after this run: the digest of its `manifest.json`.
    pub head: String,
    /// What recovering from an earlier interrupted run did, one sentence each.
    pub recovered: Vec<String>,
}

/// The output directory: `--out`, else `<target-dir>/gate`.
pub fn out_dir(ws: &Workspace, out: Option<&Path>) -> PathBuf {
    out.map_or_else(|| ws.target_dir.join("gate"), Path::to_owned)
}

/// What a run tells an observer while it runs (the CLI's progress display): the engine
/// never prints.
pub trait Progress: Sync {
    /// A check started.
    fn started(&self, _id: &str) {}
    /// A check finished after `elapsed` (how it came out is settled only after every check
    /// has run: waivers, blocked checks).
    fn finished(&self, _id: &str, _elapsed: Duration) {}
}

/// No observer.
#[derive(Debug)]
pub struct Silent;

impl Progress for Silent {}

/// Runs a stage end to end. Errors are "could not evaluate" before any record is written;
/// after the record has begun, every outcome (even an unavailable tool) is recorded.
pub fn run(opts: &RunOptions, redactor: &mut Redactor) -> Result<RunResult, GateError> {
    run_observed(opts, redactor, &Silent)
}

/// [`run`], telling `progress` which checks start and finish.
pub fn run_observed(
    opts: &RunOptions,
    redactor: &mut Redactor,
    progress: &dyn Progress,
) -> Result<RunResult, GateError> {
    let started = Instant::now();
    let started_at = SystemTime::now();
    if !crate::stage::def(opts.stage).available {
        return Err(GateError::StageUnavailable {
            stage: opts.stage.to_string(),
        });
    }
    let ws = Workspace::discover(opts.manifest_path.as_deref(), opts.offline)?;
    redactor.add_path(&ws.root, "<workspace>");
    let config = config::load(
        &ws.config_layout(),
        opts.config_path.as_deref(),
        &registry::known(),
    )?;
    let custom = crate::checks::custom::from_config(&config);
    let plan = plan(opts.stage, &opts.only, &opts.skip, &custom)?;
    let mode = opts.mode.unwrap_or(if config.strict {
        Mode::Strict
    } else {
        Mode::Standard
    });
    let out = out_dir(&ws, opts.out.as_deref());
    redactor.add_path(&out, "<out>");
    let run_id = record::new_run_id(started_at);
    let writer = RecordWriter::begin(&out, &run_id)?;

    let cargo = Cargo::new(&ws.root, opts.offline).with_timeout(config.tests_timeout);
    let environment = environment::collect(&ws, opts.offline, environment::seed(&run_id));
    let run_dir = writer.dir().join("observability");
    let _ = std::fs::create_dir_all(&run_dir);
    // The build and the test run see the same environment, so the second compiles nothing.
    let cache = crate::cache::Session::new(
        &ws,
        crate::cache::Settings {
            out: out.clone(),
            read: !opts.no_cache,
            fresh_tests: opts.stage == Stage::Broad && !config.cache.broad,
            max_size: config.cache.max_size,
            run_id: run_id.clone(),
            extra_env: config.cache.env.clone(),
            files: config.cache.files.clone(),
            redact: crate::secrets::redact_bytes,
            recorded: crate::record::recorded_evidence,
            key: std::env::var(crate::cache::KEY_ENV)
                .ok()
                .filter(|k| !k.is_empty()),
            env: std::env::vars().collect(),
            offline: opts.offline,
            tests_timeout_secs: config.tests_timeout.as_secs(),
            toolchain: environment.toolchain_text(),
        },
    );
    let facts = Facts::gather(
        &ws,
        vec![
            (
                "GATE_RUN_DIR".to_owned(),
                run_dir.to_string_lossy().into_owned(),
            ),
            ("GATE_SEED".to_owned(), environment.seed.to_string()),
        ],
    )
    .with_cache(cache);
    let none = crate::check::Earlier::new();
    let base = Context {
        facts: &facts,
        workspace: &ws,
        config: &config,
        cargo: &cargo,
        stage: opts.stage,
        environment: &environment,
        earlier: &none,
        out_dir: &out,
        run_dir: &run_dir,
    };
    let results = resolve_blocked(run_phases(&plan, &base, progress), opts.stage, mode);
    if crate::process::interrupted() {
        // The writer's drop removes the temporary run directory: no half verdict is kept.
        return Err(GateError::Interrupted);
    }

    let results = redact_secrets(results, &run_dir);

    let today = gate_support::date::Date::today_utc().to_string();
    let mut checks = Vec::new();
    let mut waivers_used = Vec::new();
    for (check, mut outcome, elapsed) in results {
        let meta = check.meta();
        for used in waiver::apply(&config.waivers, meta.id, &mut outcome, &today) {
            if !waivers_used.contains(&used) {
                waivers_used.push(used);
            }
        }
        for artifact in &outcome.artifacts {
            writer.write(&artifact.path, &artifact.bytes)?;
        }
        let status = outcome.status;
        checks.push(CheckReport {
            id: meta.id.to_owned(),
            stage: meta.stage,
            status,
            counts_as_failure: verdict::counts_as_failure(status, outcome.skip, opts.stage, mode),
            blocked_by: outcome.blocked_by.as_deref().map(str::to_owned),
            summary: redactor.text(&outcome.summary),
            skip: outcome.skip,
            fix: matches!(status, Status::Fail | Status::Warn | Status::Inconclusive)
                .then(|| meta.fix.to_owned()),
            duration_ms: redactor.millis(u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)),
            evidence: outcome.evidence(),
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
        });
    }
    waivers_used.sort_unstable();
    let partial = !opts.only.is_empty() || !opts.skip.is_empty();
    let verdict = verdict::judge(
        opts.stage,
        mode,
        partial,
        checks.iter().map(|c| verdict::Judged {
            id: c.id.as_str(),
            status: c.status,
            skip: c.skip,
            blocked_by: c.blocked_by.as_deref(),
        }),
    );
    let git = ws.git.as_ref();
    let report = Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "cargo-gate".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        run_id: redactor.run_id(&run_id),
        stage: opts.stage,
        mode,
        workspace: redactor.text(&ws.root.to_string_lossy()),
        commit: git
            .and_then(|g| g.commit.as_deref())
            .map(|c| redactor.hash(c)),
        dirty: git.map(|g| g.dirty),
        started_at: redactor.time(humantime::format_rfc3339_seconds(started_at).to_string()),
        duration_ms: redactor.millis(u64::try_from(started.elapsed().as_millis()).unwrap_or(0)),
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
                waiver: config.waivers[index].clone(),
            })
            .collect(),
        verdict,
        record: format!("runs/{}", redactor.run_id(&run_id)),
    };

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
    let entry = HistoryEntry {
        run_id: run_id.clone(),
        stage: opts.stage,
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
    Ok(RunResult {
        report,
        out_dir: out,
        record_dir: finished.dir,
        head: finished.entry.manifest_sha256,
        recovered,
    })
}

/// A check that says it is blocked by another stays blocked only when the blocking check is
/// in the run and counts against the verdict (failed, or could not be evaluated): then that
/// check reports the one cause and this one points at it. Otherwise the check's own outcome
/// stands — a blocker that was skipped with `--skip`, or that passed after all, hides
/// nothing.
fn resolve_blocked(
    mut results: Vec<(&'static dyn Check, Outcome, Duration)>,
    stage: Stage,
    mode: Mode,
) -> Vec<(&'static dyn Check, Outcome, Duration)> {
    let standing: std::collections::BTreeMap<&'static str, bool> = results
        .iter()
        .map(|(c, o, _)| {
            let blocks = o.skip != Some(SkipKind::Blocked)
                && verdict::counts_as_failure(o.status, o.skip, stage, mode)
                && matches!(o.status, Status::Fail | Status::Skip);
            (c.meta().id, blocks)
        })
        .collect();
    for (_, outcome, _) in &mut results {
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
fn redact_secrets(
    mut results: Vec<(&'static dyn Check, Outcome, Duration)>,
    run_dir: &Path,
) -> Vec<(&'static dyn Check, Outcome, Duration)> {
    use crate::secrets;
    let mut written: Vec<(String, Vec<u8>)> = Vec::new();
    for (_, outcome, _) in &mut results {
        outcome.summary = secrets::redact(&outcome.summary);
        for finding in &mut outcome.findings {
            finding.message = secrets::redact(&finding.message);
        }
        for artifact in &mut outcome.artifacts {
            if let Some(redacted) = secrets::redact_bytes(&artifact.bytes) {
                artifact.bytes = redacted;
            }
            written.push((artifact.path.clone(), artifact.bytes.clone()));
        }
    }
    for entry in ignore::WalkBuilder::new(run_dir)
        .standard_filters(false)
        .build()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
    {
        let Ok(bytes) = std::fs::read(entry.path()) else {
            continue;
        };
        let bytes = match secrets::redact_bytes(&bytes) {
            Some(redacted) if std::fs::write(entry.path(), &redacted).is_ok() => redacted,
            _ => bytes,
        };
        let rel = entry
            .path()
            .strip_prefix(run_dir.parent().unwrap_or(run_dir))
            .unwrap_or(entry.path())
            .to_string_lossy()
            .replace('\\', "/");
        written.push((rel, bytes));
    }
    let leaks = crate::checks::secrets_scan::scan_run_artifacts(&written);
    if !leaks.is_empty()
        && let Some((_, outcome, _)) = results
            .iter_mut()
            .find(|(c, _, _)| c.meta().id == "secrets.scan")
    {
        outcome.status = crate::check::Status::Fail;
        outcome.summary = format!(
            "{}; and {} secret(s) in the run's own artifacts",
            outcome.summary,
            leaks.len()
        );
        outcome.findings.extend(leaks);
    }
    results
}

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

/// The checks to run at `stage` (built-in and the team's `[[check]]`s), filtered by `--only`
/// and `--skip`.
pub fn plan(
    stage: Stage,
    only: &[String],
    skip: &[String],
    custom: &[&'static dyn Check],
) -> Result<Vec<&'static dyn Check>, GateError> {
    let find = |id: &str| {
        registry::find(id).or_else(|| custom.iter().copied().find(|c| c.meta().id == id))
    };
    for id in only.iter().chain(skip) {
        let check = find(id).ok_or_else(|| GateError::UnknownCheck { id: id.clone() })?;
        if only.contains(id) && check.meta().stage > stage {
            return Err(GateError::CheckNotInStage {
                id: id.clone(),
                starts: check.meta().stage.to_string(),
                stage: stage.to_string(),
            });
        }
    }
    let mut selected: Vec<&'static dyn Check> = registry::for_stage(stage)
        .into_iter()
        .chain(custom.iter().copied().filter(|c| c.meta().stage <= stage))
        .filter(|c| only.is_empty() || only.iter().any(|id| id == c.meta().id))
        .filter(|c| !skip.iter().any(|id| id == c.meta().id))
        .collect();
    // A check selected with --only brings the checks it reads (and theirs), unless they
    // were skipped explicitly: otherwise it could not be evaluated at all.
    let mut i = 0;
    while i < selected.len() {
        let (me, after) = (selected[i].meta().id, selected[i].after());
        let deps: Vec<&'static dyn Check> = registry::all()
            .iter()
            .copied()
            .filter(|c| after.waits_for(me, c.meta().id))
            .collect();
        for dep in deps {
            let id = dep.meta().id;
            let wanted =
                !skip.iter().any(|s| s == id) && !selected.iter().any(|c| c.meta().id == id);
            if wanted {
                selected.push(dep);
            }
        }
        i += 1;
    }
    let order = |c: &&'static dyn Check| {
        registry::all()
            .iter()
            .position(|r| r.meta().id == c.meta().id)
            .unwrap_or(usize::MAX)
    };
    selected.sort_by_key(order);
    Ok(selected)
}

/// Runs the plan in phases: every check without [`Check::after`] first, in parallel; then
/// the checks that read those outcomes. Results come back in plan order.
fn run_phases(
    plan: &[&'static dyn Check],
    base: &Context<'_>,
    progress: &dyn Progress,
) -> Vec<(&'static dyn Check, Outcome, Duration)> {
    // Layers: each runs (in parallel) the checks whose dependencies in the plan are done.
    let mut earlier = crate::check::Earlier::new();
    let mut results = Vec::new();
    let mut pending: Vec<&'static dyn Check> = plan.to_vec();
    while !pending.is_empty() {
        let (ready, waiting): (Vec<_>, Vec<_>) = pending.iter().partition(|c| {
            let (me, after) = (c.meta().id, c.after());
            !pending.iter().any(|p| after.waits_for(me, p.meta().id))
        });
        // A cycle cannot happen with the built-in checks; if one did, run the rest anyway.
        let (ready, waiting) = if ready.is_empty() {
            (waiting, Vec::new())
        } else {
            (ready, waiting)
        };
        let ctx = Context {
            earlier: &earlier,
            ..*base
        };
        let layer = run_checks(&ready, &ctx, progress);
        for (check, outcome, _) in &layer {
            earlier.insert(check.meta().id.to_owned(), outcome.clone());
        }
        results.extend(layer);
        pending = waiting;
    }
    let position = |c: &&'static dyn Check| plan.iter().position(|p| p.meta().id == c.meta().id);
    results.sort_by_key(|(c, _, _)| position(c));
    results
}

/// In debug builds (every test run), an outcome with an error or warning finding whose code
/// its check does not declare is a bug in the check: it becomes an internal error, so the
/// tests that exercise the check fail. Release builds keep the outcome.
fn refuse_undeclared_codes(meta: &CheckMeta, outcome: Outcome) -> Outcome {
    if !cfg!(debug_assertions) {
        return outcome;
    }
    let undeclared: Vec<String> = meta
        .undeclared_codes(&outcome)
        .iter()
        .map(|f| format!("{:?} on \"{}\"", f.code, f.message))
        .collect();
    if undeclared.is_empty() {
        return outcome;
    }
    Outcome::skip(
        SkipKind::Unavailable,
        format!(
            "internal error: {} finding(s) without a code {} declares: {}",
            undeclared.len(),
            meta.id,
            undeclared.join("; ")
        ),
    )
}

/// Runs every check on its own thread (the test run dominates; the others finish while it
/// runs) and returns the outcomes in plan order. A panicking check becomes an unavailable
/// SKIP, so the run still ends with a record and exit 2.
pub fn run_checks(
    plan: &[&'static dyn Check],
    ctx: &Context<'_>,
    progress: &dyn Progress,
) -> Vec<(&'static dyn Check, Outcome, Duration)> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = plan
            .iter()
            .map(|&check| {
                scope.spawn(move || {
                    let start = Instant::now();
                    progress.started(check.meta().id);
                    let outcome = refuse_undeclared_codes(check.meta(), check.run(ctx));
                    progress.finished(check.meta().id, start.elapsed());
                    (outcome, start.elapsed())
                })
            })
            .collect();
        plan.iter()
            .zip(handles)
            .map(|(&check, handle)| match handle.join() {
                Ok((outcome, elapsed)) => (check, outcome, elapsed),
                Err(panic) => {
                    let message = panic
                        .downcast_ref::<&str>()
                        .map(|s| (*s).to_owned())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "unknown panic".to_owned());
                    (
                        check,
                        Outcome::skip(
                            SkipKind::Unavailable,
                            format!("internal error: the check panicked: {message}"),
                        ),
                        Duration::ZERO,
                    )
                }
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_filters_and_rejects_unknown_or_later_checks() {
        let ids = |p: Vec<&'static dyn Check>| p.iter().map(|c| c.meta().id).collect::<Vec<_>>();
        assert_eq!(
            ids(plan(Stage::Pilot, &["tests.pass".into()], &[], &[]).unwrap()),
            ["tests.pass"]
        );
        assert_eq!(
            ids(plan(Stage::Pilot, &[], &["tests.pass".into()], &[]).unwrap()).len(),
            5
        );
        assert!(matches!(
            plan(Stage::Pilot, &["nope.nope".into()], &[], &[]),
            Err(GateError::UnknownCheck { .. })
        ));
    }
}
