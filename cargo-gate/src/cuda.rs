//! The parts of the CUDA bill of materials, each a pure function over what it is handed (no
//! file system walks, no cargo): [`binary`] reads GPU code out of built artifacts, [`scripts`]
//! finds what a build script compiles GPU code with, [`cmake`] whether a CMake project
//! switches CUDA on, [`includes`] attributes sources to the
//! calls that compile them, [`graph`] finds the crates of the resolved graph that compile GPU
//! code, [`fleet`] judges shipped kernels against the declared GPUs and driver, and
//! [`cyclonedx`] exports the inventory as a CycloneDX 1.6 document.
//! [`crate::bom`] gathers them into a [`gate_formats::kernel_bom::Bom`].

pub mod binary;
pub mod cmake;
pub mod cyclonedx;
pub mod fleet;
pub mod graph;
pub mod includes;
pub mod scripts;
