//! The test run's types: what ran (`TestRun`, `Ran`, `TestRunFact`), the tests that passed
//! and failed (`TestResults`), a test over its limit (`OverLimit`), the runner, and what
//! gathering it needs (`TestSetup`).

use crate::report::Reuse;
use crate::tools::cargo::{Captured, Cargo, Unavailable};
use crate::tools::environment::Environment;
use std::path::Path;
use std::time::Duration;

/// The names of the tests that passed and failed, and the counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct TestResults {
    /// Tests that passed, by full name.
    pub passed: Vec<String>,
    /// Tests that failed, by full name.
    pub failed: Vec<String>,
    /// `{passed, failed, ignored}`.
    pub counts: TestTally,
}

/// The counts of [`TestResults`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct TestTally {
    /// Passed.
    pub passed: u64,
    /// Failed.
    pub failed: u64,
    /// Ignored.
    pub ignored: u64,
}

/// Which runner produced the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runner {
    /// libtest through `cargo test`.
    CargoTest,
    /// cargo-nextest.
    Nextest,
}

/// One run of the tests, as the cache keeps it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct TestRun {
    /// The command and its output.
    pub captured: Captured,
    /// Set when the gate stopped the run because a test ran past `[tests] test-timeout`.
    pub over_limit: Option<OverLimit>,
    /// Each test binary of the run, when it was kept per binary: reused or run, and why.
    #[serde(default)]
    pub binaries: Vec<BinaryEvidence>,
    /// Why the run was kept whole (one key for every binary), when it was.
    #[serde(default)]
    pub whole: Option<String>,
    /// How the runner's reports contradict the run's output (a result file rewritten, a
    /// replay the gate did not plan): the run was tampered with, and fails.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tampered: Vec<String>,
    /// Doc tests that failed beside a cargo call that compiled and passed when run again
    /// alone (`doc_lanes::after_race`): which. Nothing tells a race of the gate's lanes from
    /// a doc test that fails only the first time, so the pass is claimed by neither the
    /// check (INCONCLUSIVE) nor the cache (never kept).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub raced: Vec<String>,
}

impl TestRun {
    /// A run kept whole, as one command printed it.
    pub fn of(captured: Captured, over_limit: Option<OverLimit>) -> TestRun {
        TestRun {
            captured,
            over_limit,
            binaries: Vec::new(),
            whole: None,
            tampered: Vec::new(),
            raced: Vec::new(),
        }
    }
}

/// One test binary of a run kept per binary (`binaries.rs`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BinaryEvidence {
    /// Its id (`PACKAGE`, `PACKAGE::NAME`, `PACKAGE::bin/NAME`).
    pub id: String,
    /// The digest of its inputs (`sha256:…`), when they could be keyed.
    pub inputs: Option<String>,
    /// Whether it ran.
    pub status: BinaryStatus,
    /// The run its result was reused from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    /// Why it ran (what changed since its last result), when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
    /// Whether it failed (a failing test, an early exit).
    pub failed: bool,
    /// A run in which the same inputs failed, when it passed here (flaky).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_before: Option<String>,
}

/// What became of a test binary in a run kept per binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BinaryStatus {
    /// Its inputs were unchanged: its earlier result was replayed.
    Reused,
    /// It ran, and its result was kept for the next run.
    Ran,
    /// It ran, and nothing was kept: its inputs could not be keyed.
    Unkeyed,
}

/// Tests that ran past `[tests] test-timeout`, as the gate stopped them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OverLimit {
    /// The limit, as configured (`"5m"`).
    pub limit: String,
    /// The test binary, as cargo names it (`tests/hang.rs`, `unittests src/lib.rs`,
    /// `doctests app`).
    pub binary: String,
    /// The tests that ran past it; empty when no name could be told.
    pub tests: Vec<String>,
}

impl OverLimit {
    /// ` of BINARY` after `a test`; nothing when the binary is not known.
    pub fn of_binary(&self) -> String {
        if self.binary.is_empty() {
            String::new()
        } else {
            format!(" of {}", self.binary)
        }
    }

    /// ` (BINARY)` after a test's name; nothing when the binary is not known (nextest names it
    /// in the test's name).
    pub fn in_binary(&self) -> String {
        if self.binary.is_empty() {
            String::new()
        } else {
            format!(" ({})", self.binary)
        }
    }
}

/// The test run of this run.
#[derive(Debug)]
pub enum TestRunFact {
    /// Not run: another toolchain than the pinned one would run them (why, in full).
    OtherToolchain(String),
    /// Not run: the environment would not let the tests start (why, in full).
    CouldNotRun(String),
    /// Not run: the build fact was not attempted or failed ([`Core::build`](crate::facts::Core::build) says which).
    NotBuilt,
    /// Run, or reused from the evidence cache.
    Ran(Box<Ran>),
}

/// A run of the tests.
#[derive(Debug)]
pub struct Ran {
    /// The command, its output, and whether a test ran past its limit.
    pub run: TestRun,
    /// The runner.
    pub runner: Runner,
    /// The run it was reused from, when it was.
    pub reused: Option<Reuse>,
    /// The run the shared build was reused from, when the tests ran on it and it was.
    pub build_reuse: Option<Reuse>,
    /// A run in which the same inputs failed, when this one passed (flaky).
    pub failed_before: Option<String>,
    /// With `failed_before`: the variables outside the cache key set in one of the two runs
    /// and not the other ([`crate::cache::Obtained::suspects`]).
    pub suspects: Vec<String>,
    /// The names and counts it reported.
    pub results: TestResults,
    /// Set when the run failed before any test reported, for the environment's reasons (no
    /// network, no toolchain): the tests were not run.
    pub unavailable: Option<Unavailable>,
    /// cargo failed and Cargo.lock does not resolve: `cargo test --locked` ran no test.
    pub lockfile_unresolved: bool,
}

/// What running the tests takes beyond the facts themselves.
#[derive(Debug, Clone, Copy)]
pub struct TestSetup<'a> {
    /// The cargo that runs them (offline or not, with the whole-run time limit).
    pub cargo: &'a Cargo,
    /// `[tests] test-timeout`: the longest one test may run before the run is stopped.
    pub test_timeout: Duration,
    /// Where the tools under test leave their decision logs and stats (`GATE_RUN_DIR`).
    pub run_dir: &'a Path,
    /// Where the run keeps what it writes for itself (the per-binary plan, the doc tests'
    /// probe, nextest's time limit): a directory inside the unfinished record, so what a
    /// killed gate leaves there is removed with the record's leftovers the next time the
    /// output directory is opened, not left in the system's temp directory.
    pub scratch: &'a Path,
    /// The run's environment: the rustc cargo runs (held to the pinned toolchain) and the
    /// seed (`GATE_SEED`).
    pub environment: &'a Environment,
}
