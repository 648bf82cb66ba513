//! gate-support: the small helpers that cargo-gate, gate-build, gate-runtime, gate-kernels and
//! xtask share, one copy each, built on the field's crates where one exists.
//!
//! - [`atomic`]: write a file so readers see the old bytes or the new, never half (tempfile's
//!   `persist`);
//! - [`digest`]: lowercase hex and SHA-256 (sha2);
//! - [`date`]: one calendar type, [`date::Date`], for waiver expiry, `init`'s baselines and
//!   the runtime's decision log;
//! - [`path`]: lexical path normalisation (`a/b/../c` → `a/c`);
//! - [`rng`]: SplitMix64, the deterministic generator of test data and generated trees.
//!
//! `clippy.toml` at the workspace root forbids the standard-library calls these replace
//! (`std::fs::write` to a final path, hand-rolled hex), so copies do not come back.

pub mod atomic;
pub mod date;
pub mod digest;
pub mod path;
pub mod rng;
