//! gate-cuda: the CUDA inventory of a Rust workspace, read from evidence, each part a pure
//! function over what it is handed (no file system walks, no cargo, no compiler):
//!
//! - [`scripts`] finds what a build script compiles GPU code with, from its tokens: `cc` with
//!   `.cuda(true)`, `cmake::Config`, bindgen_cuda, cudaforge, cuda_builder, gate-build,
//!   `Command::new("nvcc")`, through helper functions of other crates; and where Rust code
//!   compiles CUDA at run time with NVRTC, with the sources it embeds;
//! - [`cmake`] whether a CMake project switches the CUDA language on, and its archs;
//! - [`includes`] attributes tracked GPU files to the calls that compile them (literal files,
//!   globs, directories, the `#include` closure);
//! - [`binary`] reads GPU code out of built artifacts (fatbin containers in ELF, PE and Mach-O
//!   sections, cubins, PTX text, archives) and the NVRTC libraries they name;
//! - [`fleet`] judges shipped kernels against declared GPUs and a minimum driver (NVIDIA's
//!   compatibility rules: SASS within its major version, PTX JIT upward, `a`/`f` targets);
//! - [`signatures`] reads the kernels a CUDA source declares and the names PTX entries were
//!   compiled from, to tell a checked-in PTX compiled from an older source;
//! - [`cyclonedx`] exports an inventory as a CycloneDX 1.6 document.
//!
//! cargo-gate gathers them, with gate-witness's record of what the build really compiled,
//! into a [`gate_formats::kernel_bom::Bom`] (`cargo gate kernels`, the `kernels.shipped`
//! check). Usable alone, e.g. to ask which archs a built binary carries:
//!
//! ```
//! use gate_cuda::scripts::{RustFile, analyse, helpers};
//! let script = RustFile {
//!     rel: "k/build.rs",
//!     text: "fn main() { cc::Build::new().cuda(true).file(\"a.cu\").flag(\"-arch=sm_90\").compile(\"a\"); }",
//! };
//! let found = analyse(&script, &helpers(&[]));
//! assert_eq!(found.calls[0].inputs, ["a.cu"]);
//! assert_eq!(found.calls[0].archs, ["sm_90"]);
//! ```

pub mod binary;
pub mod cmake;
pub mod cyclonedx;
pub mod fleet;
pub mod includes;
pub mod scripts;
pub mod signatures;
