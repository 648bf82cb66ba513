//! The parts of the CUDA bill of materials: the pure readers live in the gate-cuda crate
//! ([`binary`], [`scripts`], [`cmake`], [`includes`], [`fleet`], [`cyclonedx`], re-exported
//! here); [`graph`] finds the crates of the resolved graph that compile GPU code (it reads
//! cargo's metadata and the shipped graph of [`crate::deps`], so it stays with them).
//! [`crate::bom`] gathers them into a [`gate_formats::kernel_bom::Bom`].

pub use gate_cuda::{binary, cmake, cyclonedx, fleet, includes, scripts};
pub mod graph;
