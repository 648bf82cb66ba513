//! A witness for nvcc. Put it in front of the real compiler and every CUDA compile a Cargo
//! build runs — from `cc` with `.cuda(true)`, a CMake project, bindgen_cuda, cudaforge,
//! gate-build or a build script's own `Command::new("nvcc")` — is recorded beside that build
//! script's outputs: the arguments, the directory, the package whose build script ran it, the
//! sources compiled and every file they include, and the archs asked for. The real compiler
//! runs unchanged (same arguments, streams and exit code).
//!
//! - [`install::environment`] installs a witness for each route a build could take to an nvcc
//!   (`NVCC`, `CUDACXX`, `CMAKE_CUDA_COMPILER`, `CUDA_HOME`, `CUDA_PATH`, `CUDA_ROOT`,
//!   `CUDA_TOOLKIT_ROOT_DIR`, `PATH`) and returns
//!   the variables to build with; where no route leads to an nvcc it returns none.
//! - [`witness::main`] is the witness: the process an executable runs when it is called as
//!   `nvcc` (this crate's `gate-witness` binary, or cargo-gate).
//! - [`record::read_out_dir`] reads what was recorded in one build script's `OUT_DIR`
//!   (`<OUT_DIR>/.gate-witness/*.json`), so a build Cargo reuses still has its evidence.
//! - [`args`] reads an nvcc command line (inputs, mode, archs, include directories,
//!   dependency file); [`scan`] reads the `#include` closure of the sources from the files
//!   (cargo-gate's static inventory uses its directive reading too).
//!
//! ```
//! // What a build script's nvcc call asks for, as the witness records it.
//! let args: Vec<String> = ["-arch=sm_90", "-c", "kernels/add.cu", "-o", "add.o"]
//!     .iter().map(|s| s.to_string()).collect();
//! let parsed = gate_witness::args::parse(&args);
//! assert_eq!(parsed.archs, ["sm_90"]);
//! assert_eq!(parsed.cuda_inputs().collect::<Vec<_>>(), ["kernels/add.cu"]);
//! ```

pub mod args;
pub mod install;
pub mod observe;
pub mod record;
pub mod scan;
pub mod witness;

/// Whether a program called by this name (its `argv[0]`) is to act as the witness: its file
/// stem is `nvcc`.
pub fn called_as_nvcc(argv0: &std::ffi::OsStr) -> bool {
    std::path::Path::new(argv0)
        .file_stem()
        .is_some_and(|stem| stem == "nvcc")
}
