//! Integration and snapshot tests of `cargo gate`, run as a user runs it: the binary, on
//! fixture workspaces copied from `tests/fixtures/` into temporary git repositories, with
//! `CARGO_GATE_REDACT=1` so times, paths, run ids and hashes print as placeholders.

mod bad_input;
mod bom;
mod broad;
mod cache;
mod cannot_hang;
mod controlled;
mod errors;
mod example;
mod formats;
mod init;
mod kernels_build;
mod per_binary;
mod pilot;
mod record;
mod runtime_gpu;
mod schemas;
mod secrets;
mod shards;
mod supply_chain;
mod support;
mod truthful;
mod week;
