//! The kernel crates from the outside, and the example service as a user runs it: gate-build
//! compiling throw-away crates (`build`), gate-runtime on a real GPU (`runtime_gpu`, which
//! skips elsewhere, saying why), the files gate-kernels and gate-runtime write against
//! docs/schemas/ (`schemas`), and `examples/gpu-service` through `cargo gate controlled` and
//! our own release dry run (`example`). Everything here depends on gate-build; gate-tests,
//! which tests the tool, does not.

/// The repository's root.
const REPO_ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
/// The gate binary built inside this package.
const GATE: &str = env!("CARGO_BIN_EXE_cargo-gate-kernel-dup");

mod build;
mod example;
mod runtime_gpu;
mod schemas;
#[path = "../../../tests/integration/support.rs"]
#[expect(
    dead_code,
    reason = "gate-tests' fixture helpers, shared whole: these tests use few of them"
)]
mod support;
#[path = "../../../tests/integration/validate.rs"]
mod validate;
