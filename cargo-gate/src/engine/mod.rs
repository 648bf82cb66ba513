//! The engine: workspace + config → stage plan → checks in parallel → waivers → verdict →
//! run record → report. Returns values; never prints.
//!
//! A run is four phases, each a function returning the value the next reads:
//! `prepare` (workspace, configuration, plan, record begun, facts: a `Prepared`) → `gather`
//! (the checks, in layers: `Gathered`) → `judge` (blocked checks settled, secrets redacted,
//! waivers, verdict, report: `Judged`) → `record` (the record written and chained: a
//! [`RunResult`]). Each lives in the submodule of its name.

use crate::error::GateError;
use crate::redact::Redactor;

mod discover;
mod gather;
mod judge;
mod options;
mod plan;
mod prepare;
mod record;

pub use gather::Finished;
pub use options::{Progress, RunOptions, RunResult, Silent, out_dir};
pub use plan::{mode, plan};

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
    // A run that may build or test goes on with an expected workspace (kept, or read from
    // the manifests) only while it prepares and, reading no cache, builds (cargo's own
    // command in the root: `prepare::builds_beside`); its tests run once cargo has confirmed
    // the workspace, as do team checks, whose commands run once, on cargo's workspace. A
    // static one gathers too, and is confirmed before anything is judged, gathering again on
    // cargo's answer when the expected workspace was not it (`engine/discover.rs`). An
    // interrupted run stops in `gather`: the writer's drop removes the temporary run
    // directory, so no half verdict is kept.
    let early = match prepared.facts.may_build() || !prepared.config.custom_checks.is_empty() {
        true => None,
        false => Some(gather::gather(&prepared, opts.stage, progress)?),
    };
    let (prepared, redone) = prepare::confirmed(prepared, opts, redactor)?;
    let gathered = match early {
        Some(gathered) if !redone => gathered,
        _ => gather::gather(&prepared, opts.stage, progress)?,
    };
    let judged = judge::judge(&prepared, gathered, opts, redactor);
    record::record(prepared, judged, redactor)
}
