//! gate-support: the small helpers that cargo-gate, gate-build, gate-runtime, gate-kernels and
//! xtask share, one copy each, built on the field's crates where one exists.
//!
//! - [`atomic`]: write a file so readers see the old bytes or the new, never half (tempfile's
//!   `persist`);
//! - [`digest`]: lowercase hex and SHA-256 (sha2), and an ELF executable's GNU build ID
//!   ([`digest::build_id`]);
//! - [`date`]: one calendar type, [`date::Date`], for waiver expiry, `init`'s baselines and
//!   the runtime's decision log;
//! - [`json`]: pretty JSON ending in a newline, as files and stdout take it (serde_json);
//! - [`lexer`]: Rust source as tokens (comments, strings and raw strings whole), for the
//!   unsafe/FFI scanner, the secret scanner's Rust mode and gate-cuda's build-script reading;
//! - [`nvcc`]: the nvcc a test compiles fixtures with, found without linking gate-build;
//! - [`program`]: whether a program a test needs can be started (Wine has no git or cargo);
//! - [`path`]: lexical path normalisation (`a/b/../c` → `a/c`);
//! - [`read`]: a file's text read bounded, and only from a regular file;
//! - [`text`]: line and column of a byte offset, as people count them;
//! - [`rng`]: SplitMix64, the deterministic generator of test data and generated trees.
//!
//! `clippy.toml` at the workspace root forbids the standard-library calls copies are made of
//! (`std::env::temp_dir`, `std::fs::rename`), and the tidy test (tests/tests/tidy.rs) the
//! copies clippy cannot see (hand-rolled hex, SplitMix64, calendar arithmetic, a `TempDir`).

pub mod atomic;
pub mod date;
pub mod digest;
pub mod json;
pub mod lexer;
pub mod nvcc;
pub mod path;
pub mod program;
pub mod read;
pub mod rng;
pub mod text;
