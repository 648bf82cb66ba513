//! cargo-gate: production readiness, made executable, for Rust workspaces.
//!
//! The flow, each arrow a type: [`workspace::Workspace`] + [`config::Config`] →
//! stage plan ([`engine::plan`]) → [`check::Outcome`]s (in parallel) → waivers →
//! [`verdict::Verdict`] → run record ([`record`]) → [`report::Report`] → renderers
//! ([`render`]). The binary (`cargo-gate`) only parses arguments, calls [`cli::main`], prints
//! and exits. See docs/ARCHITECTURE.md.

pub mod advisories;
pub mod bench;
pub mod bom;
pub mod cache;
pub mod cargo;
pub mod check;
pub mod checks;
pub mod cli;
pub mod config;
pub mod cuda;
pub mod decision;
pub mod deps;
pub mod engine;
pub mod environment;
pub mod error;
pub mod exit;
pub mod facts;
pub mod history;
pub mod init;
pub use gate_support::lexer;
pub mod license_text;
pub mod locate;
pub mod merge;
pub mod outcomes;
pub(crate) use gate_scan::parallel;
pub mod policy;
pub mod process;
pub use gate_record as record;
pub mod redact;
pub mod registry;
pub mod render;
pub mod report;
pub use gate_scan::boundary as scan;
pub use gate_scan::secrets;
pub mod sections;
pub mod sources;
pub mod stage;
pub mod verdict;
pub mod waiver;
pub mod workspace;
