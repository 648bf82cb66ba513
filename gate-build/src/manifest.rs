//! `OUT_DIR/gate-manifest.json`: what was built, with what, and why — the contract that the
//! runtime and `cargo gate`'s kernel checks read. The types live in gate-formats, shared by
//! this writer and every reader; they are re-exported here under their historical paths.

pub use gate_formats::kernel_manifest::{
    FILE_NAME, Manifest, Mode, ModuleRecord, NvccInfo, Outcome, SCHEMA_VERSION,
};
