//! cargo-gate: production readiness, made executable, for Rust workspaces.
//!
//! The flow, each arrow a type: [`workspace::Workspace`] + [`config::Config`] →
//! stage plan ([`engine::plan`]) → [`check::Outcome`]s (in parallel) → waivers →
//! [`verdict::Verdict`] → run record ([`record`]) → [`report::Report`] → renderers
//! ([`render`]). The binary (`cargo-gate`) only parses arguments, calls [`cli::main`], prints
//! and exits. See docs/ARCHITECTURE.md.

pub mod bench;
pub mod bom;
pub mod cache;
pub mod check;
pub mod checks;
pub mod cli;
pub mod config;
pub mod cuda;
pub mod deps;
pub mod engine;
pub mod error;
pub mod facts;
pub mod init;
pub(crate) use gate_scan::parallel;
pub use gate_support::lexer;
pub mod policy;
pub use gate_record as record;
pub mod redact;
pub mod registry;
pub mod render;
pub mod report;
pub mod runs;
pub mod shared;
pub use gate_scan::boundary as scan;
pub use gate_scan::secrets;
pub mod stage;
pub mod tools;
pub mod verdict;
pub mod workspace;
