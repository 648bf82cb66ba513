//! What a run is asked to do and what it gives back: the options, the finished run, the
//! output directory, and the observer a run reports its progress to.

use crate::report::Report;
use crate::stage::Stage;
use crate::verdict::Mode;
use crate::workspace::Workspace;
use std::path::{Path, PathBuf};
use std::time::Duration;

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
    /// `--test-shard K/N` (with `--test-archive`): run one shard of the tests.
    pub test_shard: Option<crate::tools::environment::TestShard>,
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
    /// The run's record and the chain's head after it, as the reports and stderr name them
    /// (redacted when redaction is on, as the report is). The head names this run and,
    /// through the chain, every run before it: kept outside the output directory, `cargo
    /// gate verify --expect-head` proves none of them was rewritten.
    pub record_line: String,
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
