//! Integration and snapshot tests of `cargo gate`, run as a user runs it: the binary, on
//! fixture workspaces copied from `tests/fixtures/` into temporary git repositories, with
//! `CARGO_GATE_REDACT=1` so times, paths, run ids and hashes print as placeholders. The tests
//! of the kernel crates and the example service are `gate-kernel-tests` (`tests/kernels/`):
//! apart, so a change to gate-build re-runs those and not these.

/// The repository's root.
const REPO_ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
/// The gate binary built inside this package.
const GATE: &str = env!("CARGO_BIN_EXE_cargo-gate-dup");

mod bom;
mod broad;
mod cache;
mod cannot_hang;
mod controlled;
mod errors;
mod forged;
mod formats;
mod fresh_by_content;
mod hostile;
mod init;
mod nextest;
mod per_binary;
mod pilot;
mod record;
mod schemas;
mod secrets;
mod shards;
mod supply_chain;
mod support;
mod truthful;
mod validate;
mod week;
