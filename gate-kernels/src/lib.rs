//! Placeholder until the kernels land.

/// The compiled modules.
pub mod modules {
    include!(concat!(env!("OUT_DIR"), "/gate_kernels.rs"));
}
