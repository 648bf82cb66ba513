//! What more than one check reads or says, written once: `outcomes` (what checks derive from
//! the same facts, in the same words), `sections` (the `gate.toml` tables more than one check
//! reads), `locate` (where a finding points: a path and `file:line:column`), `sources`
//! (the members' Rust files, walked once and scanned in parallel) and `submodules` (the git
//! submodules the build reads that are not checked out).

pub mod locate;
pub mod outcomes;
pub mod sections;
pub mod sources;
pub mod submodules;
