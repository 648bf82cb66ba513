//! gate-build's error type. Every variant carries what is needed to act on it; `Debug` prints
//! the same text as `Display`, so `fn main() -> Result<(), gate_build::Error>` in a build
//! script shows a readable message rather than a struct dump.

use std::fmt;
use std::path::PathBuf;

pub use gate_formats::kernel_manifest::Searched;

/// Why a kernel build failed.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `GATE_CUDA=require` (or the builder) and no nvcc anywhere.
    #[error(
        "nvcc not found (GATE_CUDA=require); searched:\n{}\nhelp: set NVCC=/path/to/nvcc or CUDA_HOME=/path/to/cuda, or build with GATE_CUDA=auto to fall back to the CPU",
        .searched.iter().map(|s| format!("  - {}: {}", s.place, s.detail)).collect::<Vec<_>>().join("\n")
    )]
    NvccNotFound {
        /// Every place searched, in order.
        searched: Vec<Searched>,
    },
    /// An environment variable has a value gate-build does not understand.
    #[error("{var}={value:?} is invalid: {expected}")]
    InvalidEnv {
        /// The variable.
        var: &'static str,
        /// Its value.
        value: String,
        /// What would be valid.
        expected: String,
    },
    /// An arch nvcc cannot compile for, or a malformed arch.
    #[error("arch `{arch}` is not supported by this nvcc ({nvcc_version}); it supports: {}\nhelp: fix GATE_CUDA_ARCHS or the builder's archs", .supported.join(", "))]
    UnsupportedArch {
        /// The arch as given.
        arch: String,
        /// nvcc's version.
        nvcc_version: String,
        /// `nvcc --list-gpu-code`.
        supported: Vec<String>,
    },
    /// nvcc rejected a source file.
    #[error("nvcc failed on {}{}{}: {message}{}", .file.display(), .line.map(|l| format!(":{l}")).unwrap_or_default(), .column.map(|c| format!(":{c}")).unwrap_or_default(), .included_from.iter().map(|i| format!("\n  included from {i}")).collect::<String>())]
    Compile {
        /// The file of the first error (the source, or a header it includes), as nvcc or the
        /// host compiler named it.
        file: PathBuf,
        /// The line of the first error, when given.
        line: Option<u32>,
        /// The column, when given (the host compiler's `file:line:col` format).
        column: Option<u32>,
        /// The include chain down to `file`, outermost last (`h.cu:1`).
        included_from: Vec<String>,
        /// The error lines.
        message: String,
    },
    /// Several sources failed; each error says which and where.
    #[error("{} sources failed to compile:\n{}", .0.len(), .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Compiles(Vec<Error>),
    /// A header that another CUDA package provides is missing: the toolkit is incomplete.
    #[error("the CUDA toolkit is incomplete: `{header}` is missing (it belongs to CCCL), needed by {}\nhelp: install {package}", .sources.iter().map(|s| s.display().to_string()).collect::<Vec<_>>().join(", "))]
    IncompleteToolkit {
        /// The header that was not found (`nv/target`).
        header: String,
        /// What to install.
        package: String,
        /// Every source that failed for it.
        sources: Vec<PathBuf>,
    },
    /// The PTX needs a newer driver than the declared minimum (require mode).
    #[error(
        "{module}: PTX ISA {isa} needs {needs}, newer than the declared minimum driver CUDA {declared}\nhelp: raise GATE_MIN_DRIVER / min-driver, or build with an older toolkit or lower PTX ISA"
    )]
    DriverTooOld {
        /// Module name.
        module: String,
        /// The PTX ISA version.
        isa: String,
        /// What it needs.
        needs: String,
        /// The declared minimum.
        declared: String,
    },
    /// The build runs on one operating system for a target of another: the build host's nvcc
    /// cannot compile for it (device code follows the target's host compiler and data model:
    /// `long` is 32 bits on Windows; there is no nvcc for macOS).
    #[error(
        "cannot build CUDA kernels for {target} on {host}: nvcc compiles device code for its own host's compiler and data model\nhelp: build the kernels on {target}'s operating system, or set GATE_CUDA=auto to build without them"
    )]
    CrossOs {
        /// The target triple.
        target: String,
        /// The build host's triple.
        host: String,
    },
    /// nvcc, ptxas and the headers come from different CUDA releases.
    #[error(
        "mixed CUDA toolkit: {details}\nhelp: install one release of every part (for pip wheels: pin nvidia-cuda-nvcc, nvidia-nvvm, nvidia-cuda-crt and nvidia-cuda-runtime to the same version)"
    )]
    MixedToolkit {
        /// Which part reports which release.
        details: String,
    },
    /// A tool could not be run.
    #[error("failed to run {}: {source}", .program.display())]
    Spawn {
        /// The program.
        program: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A tool ran but its output made no sense.
    #[error("unexpected output from {what}: {output}")]
    ToolOutput {
        /// Which tool call.
        what: String,
        /// What it printed (first lines).
        output: String,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// No OUT_DIR: not run from a build script, and no `out_dir` given.
    #[error("OUT_DIR is not set: call gate-build from a build script, or give Kernels::out_dir")]
    NoOutDir,
    /// No `.cu` file to build.
    #[error("no kernel sources: {0}")]
    NoSources(String),
    /// Two sources would generate the same Rust name.
    #[error("sources {first} and {second} both map to the module name `{name}`")]
    DuplicateModule {
        /// The module name.
        name: String,
        /// One source.
        first: String,
        /// The other.
        second: String,
    },
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Wraps an I/O error with its path.
pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.into();
    move |source| Error::Io { path, source }
}
