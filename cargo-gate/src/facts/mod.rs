//! The evidence of a run, gathered once before any check judges (cargo-deny's `krates`
//! pattern): checks are judgements over these facts, and no check re-reads a manifest or
//! re-runs cargo that another already ran.
//!
//! Gathered eagerly, because they are cheap and every run needs them:
//!
//! - **manifests** — every `Cargo.toml` in the repository and each member's, read once:
//!   the text and the parsed document with spans, or why it could not be read or parsed
//!   ([`Manifest`]);
//! - **packages** — every `Cargo.toml` with a `[package]` in the repository (members,
//!   crates in `[workspace] exclude`, nested workspaces, example and fixture crates), read
//!   from the manifests themselves: name, directory, build script, `rust-version`, path
//!   dependencies, whether it depends on gate-build, and its [`Role`] (member, reached from a
//!   member through path dependencies, or other);
//! - **the file index** — every tracked file (`git ls-files`; a `.gitignore`-aware walk where
//!   there is no git), each with the package that owns it;
//! - **CUDA sources** — the tracked `.cu`/`.cuh`/`.ptx` files, each with its package and what
//!   that package's build script compiles it with.
//!
//! Gathered lazily, once, by the first check that asks (others asking meanwhile wait):
//!
//! - **the resolve** — `cargo metadata --locked` (the lockfile accepted, every dependency
//!   resolvable), with its packages or its error;
//! - **the build** — `cargo test --no-run --locked --workspace`, in parallel with the
//!   resolve: its log, the compiler's `error` lines, and the kernel manifests the build
//!   scripts wrote. A build that fails where the resolve failed too is the lockfile's
//!   failure (`lockfile.locked` reports it). The test run then compiles nothing again;
//! - **the kernel inventory** — the gate-build kernel manifests in the build's OUT_DIRs
//!   ([`Facts::kernels`]);
//! - **the test run** — `cargo test --locked --workspace` (or nextest), after the shared
//!   build when there is one, on the pinned toolchain only, each test held to
//!   `[tests] test-timeout` ([`Facts::test_run`]): its log, the tests that passed and
//!   failed, and whether a test ran past its limit.
//!
//! A fact that could not be gathered is itself a fact (its error is kept); the check that
//! owns it reports it, and the checks that needed it say they are blocked by that check.

mod ahead;
mod artifacts;
mod build_errors;
mod built_from;
mod core;
mod kernels;
mod manifests;
mod packages;
mod ran;
mod script_runs;
mod shipped;
mod target_tmp;
mod test_run;
pub mod witness;

pub use self::core::*;
pub use ahead::TreeAhead;
pub use artifacts::{Build, BuiltArtifact, TestBinary, test_binary_id};
pub use kernels::{FoundManifest, Kernels, Unparsable};
pub use manifests::{Content, Manifest};
pub use test_run::{
    BinaryEvidence, BinaryStatus, DOC_TESTS, OverLimit, RESULTS_ARTIFACT as TEST_RESULTS_ARTIFACT,
    RUN_FILE_CAP, RUN_FILES_CAP, RUNNER_ARG, Ran, Runner, TestClock, TestCounts, TestResults,
    TestRun, TestRunFact, TestSetup, TestTally, is_rustdoc_shim, parse_libtest, parse_nextest,
    ran_doc_tests_after, runner_main, rustdoc_main,
};
pub(crate) use test_run::{nextest_status, other_toolchain, own_runner};

use crate::cache::Session;
use crate::workspace::Workspace;
use gate_formats::kernel_bom::{Builder, SourceFile};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

/// All the evidence of a run: the [`Core`] it derefs to, and the two facts gathered from it
/// on first use, the kernel inventory and the test run.
#[derive(Debug)]
pub struct Facts {
    core: Core,
    /// The kernel inventory, read from the build (see [`Facts::kernels`]), and whether a
    /// check asked for it.
    kernels: OnceLock<kernels::Inventory>,
    kernels_asked: AtomicBool,
    /// The tracked GPU files and the builders static reading finds (see [`Facts::gpu_sources`]).
    gpu_sources: OnceLock<GpuSources>,
    /// The sources the run's build compiled as its witness saw them, by path, each with the
    /// package whose build script did (see [`Facts::witnessed_or_init`]).
    witnessed: OnceLock<std::collections::HashMap<String, String>>,
    /// The test run (see [`Facts::test_run`]).
    test_run: OnceLock<TestRunFact>,
    /// Whether the user skipped the test run (`--skip tests.pass`): a static run, in which no
    /// check builds the workspace on its own account.
    build_skipped: bool,
}

/// The tracked GPU files and the builders of the workspace's build scripts (and NVRTC uses),
/// each file's [`SourceFile::built_by`] indexing the builders.
pub type GpuSources = (Vec<SourceFile>, Vec<Builder>);

impl std::ops::Deref for Facts {
    type Target = Core;

    fn deref(&self) -> &Core {
        &self.core
    }
}

impl Facts {
    /// Gathers the eager facts of `ws`. `build_env` is passed to the build and to the tests.
    pub fn gather(ws: &Workspace, build_env: Vec<(String, String)>) -> Facts {
        Facts {
            core: Core::gather(ws, build_env),
            kernels: OnceLock::new(),
            kernels_asked: AtomicBool::new(false),
            gpu_sources: OnceLock::new(),
            witnessed: OnceLock::new(),
            test_run: OnceLock::new(),
            build_skipped: false,
        }
    }

    /// The tracked GPU files, each with the builders that compile it or the file that includes
    /// it, as static reading finds them: read once per run by `init` on first use
    /// (`crate::bom::sources` is the one caller that reads them), then kept: the one
    /// inventory every check and `cargo gate kernels` name builders from.
    pub fn gpu_sources_or_init(&self, init: impl FnOnce() -> GpuSources) -> &GpuSources {
        self.gpu_sources.get_or_init(init)
    }

    /// The sources the run's build compiled as its witness saw them, read once by `init`
    /// (`crate::bom::witnessed_sources` is the one caller): `kernels.build` and
    /// `cuda.contracts` each judge them.
    pub fn witnessed_or_init(
        &self,
        init: impl FnOnce() -> std::collections::HashMap<String, String>,
    ) -> &std::collections::HashMap<String, String> {
        self.witnessed.get_or_init(init)
    }

    /// These facts for a run whose user skipped the test run (`--skip tests.pass`): a
    /// static run, which builds nothing.
    pub fn with_build_skipped(mut self, skipped: bool) -> Facts {
        self.build_skipped = skipped;
        self
    }

    /// Whether a check that reads the build's artifacts may make that build itself when no
    /// other check of the run did: not in a static run (`--skip tests.pass`).
    pub fn may_build(&self) -> bool {
        !self.build_skipped
    }

    /// These facts, for a run whose cargo runs another toolchain than the workspace pins
    /// (`other`: why, as `facts::other_toolchain` says it): no check builds the workspace for
    /// its evidence.
    pub fn with_other_toolchain(mut self, other: Option<String>) -> Facts {
        self.core.other_toolchain = other;
        self
    }

    /// Why the toolchain cargo runs is not the pinned one, when it is not.
    pub fn other_toolchain(&self) -> Option<&str> {
        self.core.other_toolchain.as_deref()
    }

    /// Whether what the build compiled, as the witness saw it, has been read (see
    /// [`Facts::witnessed_or_init`]).
    pub fn witnessed_read(&self) -> bool {
        self.witnessed.get().is_some()
    }

    /// These facts, for a run whose builds have the nvcc witness in front of the compiler as
    /// `installed` says (see [`witness::setup`]).
    pub fn with_witness(mut self, installed: gate_witness::observe::Installed) -> Facts {
        self.core.witness = installed;
        self
    }

    /// These facts, with the resolve workspace discovery already ran
    /// ([`crate::workspace::Workspace::discover_resolving`]) or is running in the background
    /// (the fact waits for it), used instead of running it again.
    pub fn with_resolve_output(
        mut self,
        output: Option<crate::workspace::discovery::Resolved>,
    ) -> Facts {
        self.core = self.core.with_resolve_output(output);
        self
    }

    /// These facts, with the shipped graph's `cargo tree` discovery started (taken only if it
    /// is the very command a check asks for: [`TreeAhead`]).
    pub fn with_tree_ahead(self, ahead: Option<TreeAhead>) -> Facts {
        if let Ok(mut slot) = self.core.tree_ahead.lock() {
            *slot = ahead;
        }
        self
    }

    /// These facts, with the resolve, the build and the test run taken from (and stored in)
    /// `cache` when their inputs are unchanged.
    pub fn with_cache(mut self, cache: Session) -> Facts {
        self.core = self.core.with_cache(cache);
        self
    }

    /// The kernel inventory, read on first use (building the workspace when kernels can be in
    /// the build).
    pub fn kernels(&self, cargo: &crate::tools::cargo::Cargo) -> Kernels<'_> {
        self.kernels_asked.store(true, Ordering::SeqCst);
        kernels::inventory(&self.core, &self.kernels, cargo)
    }

    /// The kernel inventory when a check of this run has asked for it (`kernels.build` does
    /// whenever it runs), `None` when none did: a check that judges the inventory
    /// `kernels.build` collects does not build the workspace when that check was skipped.
    pub fn kernels_collected(&self, cargo: &crate::tools::cargo::Cargo) -> Option<Kernels<'_>> {
        self.kernels_asked
            .load(Ordering::SeqCst)
            .then(|| self.kernels(cargo))
    }

    /// These facts with `found` as the kernel inventory, collected (for tests of the checks
    /// that judge it).
    #[cfg(test)]
    pub(crate) fn with_kernels(self, found: Vec<FoundManifest>) -> Facts {
        let _ = self.kernels.set(Ok(found));
        self.kernels_asked.store(true, Ordering::SeqCst);
        self
    }

    /// Whether a check of this run has built the workspace, for its tests or for its
    /// kernels: a check that reads the build's artifacts only when the run builds anyway asks
    /// this first (the build fact is then a no-op `cargo test --no-run` away).
    pub fn run_built(&self) -> bool {
        self.build_gathered() || self.test_run.get().is_some()
    }

    /// The test run, gathered on first use (others asking meanwhile wait): on the pinned
    /// toolchain only, after the shared build when there is one, through the evidence cache.
    pub fn test_run(&self, setup: &TestSetup<'_>) -> &TestRunFact {
        self.test_run
            .get_or_init(|| test_run::gather(&self.core, setup))
    }

    /// The test run when a check of this run gathered it (`tests.pass` does whenever it
    /// runs), `None` when none did: a check that judges it does not run the tests when
    /// `tests.pass` was skipped.
    pub fn test_run_gathered(&self) -> Option<&TestRunFact> {
        self.test_run.get()
    }

    /// These facts with `run` as the test run, gathered (for tests of the checks that judge
    /// it).
    #[cfg(test)]
    pub(crate) fn with_test_run(self, run: TestRunFact) -> Facts {
        let _ = self.test_run.set(run);
        self
    }
}

#[cfg(test)]
mod tests;
