//! gate-formats: every file that one cargo-gate crate writes and another reads, as one set
//! of types (nextest-metadata's pattern). Writers serialise these types and readers
//! deserialise the same types, so a field cannot be renamed on one side only.
//!
//! | file | writer | readers | module |
//! | --- | --- | --- | --- |
//! | `OUT_DIR/gate-manifest.json` | gate-build | gate-runtime (preflight), `kernels.build`, `cuda.contracts` | [`kernel_manifest`] |
//! | `gate-runtime/decisions-*.jsonl` | gate-runtime | `observability.log` | [`decision_log`] |
//! | `gate-runtime/stats-*.json` | gate-runtime | `observability.log` | [`runtime_stats`] |
//! | `runs/<id>/kernels/bom.json`, `cargo gate kernels --format json` | `cargo gate` (`kernels.shipped`, `kernels`) | BOM consumers, `cargo gate kernels --format cyclonedx` | [`kernel_bom`] |
//! | `runs/<id>/report.json` | `cargo gate` (engine) | `merge`, `history`, `history.window` | [`report`] |
//! | `runs/<id>/manifest.json`, `history.jsonl` | `cargo gate` (record) | `verify`, `history`, `status`, `merge` | [`run_record`] |
//! | `runs/<id>/decision.json` | `cargo gate` (record) | attestation consumers | [`attestation`] |
//! | PTX text (nvcc's, or shipped in a binary) | nvcc | gate-build (`Kernels::build`), `cargo gate` (`kernels.shipped`, `cuda.fleet`) | [`ptx`] |
//!
//! A finding as a check writes it and a report carries it, with a code its check declared
//! (here a one-code type of our own; cargo-gate's checks declare theirs with
//! `finding_codes!`), read back from JSON by the same type:
//!
//! ```
//! use gate_formats::report::{DeclaredCode, Finding, Location, Severity};
//!
//! #[derive(Clone, Copy)]
//! struct LockfileMissing;
//! impl DeclaredCode for LockfileMissing {
//!     fn name(self) -> &'static str {
//!         "lockfile-missing"
//!     }
//! }
//!
//! let finding = Finding::error("Cargo.lock does not exist")
//!     .code(LockfileMissing)
//!     .at(Location::file("Cargo.lock"));
//! let json = serde_json::to_string(&finding).unwrap();
//! let back: Finding = serde_json::from_str(&json).unwrap();
//! assert_eq!(back, finding);
//! assert_eq!(back.severity, Severity::Error);
//! assert_eq!(back.code.as_deref(), Some("lockfile-missing"));
//! ```
//!
//! With the `schema` feature every format also derives `schemars::JsonSchema`;
//! `cargo xtask codegen` writes the schemas to `docs/schemas/` and `--check` keeps them in
//! step, and the test suite validates the files the tools really write against them.

pub mod attestation;
pub mod decision_log;
pub mod kernel_bom;
pub mod kernel_manifest;
pub mod ptx;
pub mod report;
pub mod run_record;
pub mod runtime_stats;
pub mod status;
