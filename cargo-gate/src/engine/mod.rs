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

pub use gather::{Finished, run_checks};
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
    let (prepared, gathered) = gather::confirmed(prepared, opts, redactor, progress)?;
    let judged = judge::judge(&prepared, gathered, opts, redactor);
    record::record(prepared, judged, redactor)
}
