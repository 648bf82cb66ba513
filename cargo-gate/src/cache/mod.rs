//! The evidence cache (docs/CACHE.md): the expensive facts of a run — the resolve, the
//! build with its kernel manifests, the test run with its log and what the tests left in the
//! run directory — stored under `<out>/cache/` by the digest of everything that can change
//! them, and reused when nothing did.
//!
//! What a fact's key covers (each a component of [`Inputs`], each with its own digest):
//!
//! | component   | what                                                      | resolve | build | tests |
//! |-------------|-----------------------------------------------------------|---------|-------|-------|
//! | `tool`      | cargo-gate's version and its executable (release: its SHA-256) | ✓       | ✓     | ✓     |
//! | `toolchain` | `rustc -vV`, `cargo -V`, nvcc, the CUDA driver            | ✓       | ✓     | ✓     |
//! | `env`       | the variables that reach the build ([`ENV_PREFIXES`], [`ENV_NAMES`], `[cache] env`) | ✓ | ✓ | ✓ |
//! | `flags`     | `--offline`                                               | ✓       | ✓     | ✓     |
//! | `lockfile`  | Cargo.lock (tracked or not)                               | ✓       | ✓     | ✓     |
//! | `cargo-config` | `.cargo/config{,.toml}` above the root and in `CARGO_HOME`, and what they `include` | ✓    | ✓     | ✓     |
//! | `manifests` | every Cargo.toml, `.cargo/config*` and toolchain file of the tree | ✓ | | |
//!
//! The `graph` fact (`cargo tree` of the shipped graph) has the resolve's components, the
//! graph's target triples and, when CI builds feature sets, the selection of their union.
//! | `tree`      | every file git tracks or would track (untracked, not ignored), by content, symlink target and executable bit | | ✓ | ✓ |
//! | `config`    | the effective configuration that reaches it (`[tests] timeout`) | | ✓ | ✓ |
//! | `runner`    | `cargo test` or `cargo nextest`                           |         |       | ✓     |
//!
//! Judgement is never cached: every check judges the facts afresh with the run's own
//! configuration, so a changed waiver, profile or threshold takes effect at once. A reused
//! fact is named in the report (`reused from run <id>, inputs <digest>`) and written into
//! the record (`evidence.json` lists every fact's inputs and origin; reused logs are the
//! record's artifacts, hashed like any other). A failure is reused as a failure; a pass over
//! inputs that failed before carries that failure with it ([`Obtained::failed_before`]).
//! Facts the environment kept from being gathered (no cargo, no network, a time limit, an
//! interrupt) are never stored.

pub mod discover;
mod inputs;
mod model;
mod session;
pub(crate) mod stamps;
pub mod store;
#[cfg(test)]
mod tests;
mod tree;

pub use inputs::env_text;
pub use model::*;
pub use session::{Components, Session};
pub use store::{Lookup, Store};
