//! The engine: workspace + config → stage plan → checks in parallel → waivers → verdict →
//! run record → report. Returns values; never prints.
//!
//! A run is four phases, each a function returning the value the next reads:
//! `prepare` (workspace, configuration, plan, record begun, facts: a `Prepared`) → `gather`
//! (the checks, in layers: `Gathered`) → `judge` (blocked checks settled, secrets redacted,
//! waivers, verdict, report: `Judged`) → `record` (the record written and chained: a
//! [`RunResult`]). Each lives in the submodule of its name.

use crate::check::Check;
use crate::error::GateError;
use crate::redact::Redactor;
use crate::registry;
use crate::report::Report;
use crate::stage::Stage;
use crate::verdict::Mode;
use crate::workspace::Workspace;
use std::path::{Path, PathBuf};
use std::time::Duration;

mod gather;
mod judge;
mod prepare;
mod record;

pub use gather::{Finished, run_checks};

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

/// [`run`], telling `progress` which checks start and finish: prepare → gather → judge →
/// record, each phase a function of its own returning what the next one reads.
pub fn run_observed(
    opts: &RunOptions,
    redactor: &mut Redactor,
    progress: &dyn Progress,
) -> Result<RunResult, GateError> {
    let prepared = prepare::prepare(opts, redactor)?;
    // An interrupted run stops here: the writer's drop removes the temporary run directory,
    // so no half verdict is kept.
    let gathered = gather::gather(&prepared, opts.stage, progress)?;
    let judged = judge::judge(&prepared, gathered, opts, redactor);
    record::record(prepared, judged)
}

/// The mode a run judges in: `--strict` or `--permissive` when given, else `[policy] strict`.
pub fn mode(opts: &RunOptions, config: &crate::config::Config) -> Mode {
    opts.mode.unwrap_or(if config.strict {
        Mode::Strict
    } else {
        Mode::Standard
    })
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
