//! What more than one check reads or says, written once: `outcomes` (what checks derive from
//! the same facts, in the same words), `sections` (the `gate.toml` tables more than one check
//! reads), `locate` (where a finding points: a path and `file:line:column`) and `sources`
//! (the members' Rust files, walked once and scanned in parallel).

pub mod locate;
pub mod outcomes;
pub mod sections;
pub mod sources;
