//! The test run: what the workspace's tests did, gathered once by [`Facts::test_run`] next to
//! the resolve and the build (`cargo test`, or nextest, through the evidence cache, watched
//! for a test that never ends: `run.rs`, `clock.rs`), its output read (`parse.rs`), and read
//! as a typed value by every check that judges it: `tests.pass` judges the run,
//! `failure.paths` reads the names of the tests that passed and failed.

mod binaries;
mod clock;
mod doc_lanes;
mod doc_tests;
mod keys;
mod model;
mod nextest_binaries;
mod parse;
mod replay;
mod run;
mod stand_in_env;
mod tamper;

pub(crate) use binaries::own_runner;
pub use clock::TestClock;
pub use doc_tests::{DOC_TESTS, is_rustdoc_shim, rustdoc_main};
pub use model::*;
pub(crate) use parse::nextest_status;
pub use parse::{TestCounts, parse_libtest, parse_nextest, ran_doc_tests_after};
pub use replay::{RUN_FILE_CAP, RUN_FILES_CAP, RUNNER_ARG, runner_main};
pub(super) use run::gather;
pub(crate) use run::other_toolchain;

/// Where `tests.pass` keeps the names of the tests that passed and failed in the run record
/// (JUnit's per-test cases read it back).
pub const RESULTS_ARTIFACT: &str = "tests/results.json";
