//! `kernels/bom.json` (and `cargo gate kernels --format json`): the CUDA bill of materials of
//! a workspace — every GPU file it tracks and what builds it, every crate of its graph that
//! compiles GPU code, and every GPU code image its built artifacts really carry, with the
//! archs, PTX ISA and digest of each. `cargo gate kernels --format cyclonedx` exports the
//! same inventory as a CycloneDX 1.6 document.

use serde::{Deserialize, Serialize};

/// Current schema of the bill of materials.
pub const SCHEMA_VERSION: u32 = 1;

/// Where a run record keeps the bill of materials.
pub const RECORD_PATH: &str = "kernels/bom.json";

/// The CUDA bill of materials.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Bom {
    /// [`SCHEMA_VERSION`].
    pub schema: u32,
    /// Every tracked GPU file (`.cu`, `.cuh`, `.ptx`, `.cubin`, `.fatbin`) with what builds it.
    pub sources: Vec<SourceFile>,
    /// Every place a build script (the workspace's, or a dependency's) compiles GPU code, and
    /// every place the workspace's code compiles it at run time (NVRTC).
    pub builders: Vec<Builder>,
    /// Crates of the resolved graph that compile GPU code (at build or at run time).
    pub dependencies: Vec<Dependency>,
    /// Why the graph was not read (the lockfile does not resolve, cargo could not run), when
    /// it was not: then `dependencies` is empty for want of evidence, not for want of GPU code.
    pub graph_unread: Option<String>,
    /// How the graph was read when not from the workspace's lockfile: a workspace without
    /// `Cargo.lock` has it resolved in a scratch copy (the versions cargo picks today, not
    /// ones anybody pinned), and this says so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graph_resolved: Option<String>,
    /// What was read of the built artifacts.
    pub artifacts: Artifacts,
    /// The fleet the inventory was judged against (`[cuda]` in gate.toml), when declared.
    pub fleet: Option<Fleet>,
    /// What the build really compiled, as the nvcc witness saw it (gate-witness): absent in a
    /// static run, where nothing was built.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub witness: Option<Witnessed>,
}

/// The CUDA compiles of a build, seen by the nvcc witness.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Witnessed {
    /// The routes to nvcc the build was given the witness on (`PATH`, `NVCC`, `CUDA_HOME`, …).
    pub routes: Vec<String>,
    /// Why no witness stood in front of nvcc, when none did (no route led to an nvcc, or it
    /// could not be installed): then `compiles` is empty for want of evidence.
    pub not_installed: Option<String>,
    /// Every compile of GPU code the build's scripts ran, as recorded beside their outputs.
    pub compiles: Vec<Compile>,
    /// Compiles that failed in a build that succeeded (but of a source of the workspace's
    /// own: those stay in `compiles`, GPU code the build went on without), and failed
    /// compiles of a file a build script generated after which it started another: probes
    /// the build scripts tolerated (cc's flag checks), left out of `compiles`.
    #[serde(default)]
    pub tolerated_failures: u32,
    /// Packages whose build script ran before any witness saw it (a plain `cargo build`), and
    /// which may compile GPU code: their compiles are unknown. Each with the way to witness it.
    pub unwitnessed: Vec<Unwitnessed>,
    /// Where static reading of the build scripts and the witnessed build disagree (a source
    /// compiled that static reading gives no builder, a builder's source not compiled).
    pub notes: Vec<String>,
}

/// One witnessed compile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Compile {
    /// The package whose build script ran it (`?` when nvcc ran outside a build script).
    pub package: String,
    /// The builder static reading found in that package's build script, when it found one
    /// (index into [`Bom::builders`]).
    pub builder: Option<usize>,
    /// What it produced: `object`, `ptx`, `cubin`, `fatbin`, `library`, `executable`, `device`.
    pub mode: String,
    /// The GPU sources compiled: workspace-relative when inside the workspace, else absolute
    /// (a sibling checkout, a registry crate's source, a file the build script generated).
    pub inputs: Vec<String>,
    /// The files those sources read outside the CUDA toolkit and the system's headers, written
    /// as `inputs` are.
    pub includes: Vec<String>,
    /// Why the includes are unknown, when they are.
    pub includes_unread: Option<String>,
    /// The archs asked for, as written (`sm_90`, `compute_80`, `native`, `all-major`).
    pub archs: Vec<String>,
    /// Whether the compile succeeded.
    pub ok: bool,
    /// Whether an input lies in the build script's `OUT_DIR` (a source it generated).
    pub generated: bool,
    /// The GPU code it wrote outside the build script's `OUT_DIR` (a PTX, cubin or fatbin in
    /// the source tree or another crate's), written as `inputs` are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_outside_out_dir: Option<String>,
    /// Whether it ran in an earlier run of the build script, whose last run found its output
    /// up to date and compiled nothing in its place: the output and every file the compile
    /// read are unchanged since, by content.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub earlier_run: bool,
    /// The programs between the build script and nvcc, outermost first (`make`, `sh`;
    /// `cmake`, `gmake`; `python3`): what ran the compile, as the witness saw its parents.
    /// Empty where the build script ran nvcc itself, or where it could not be seen (off
    /// Linux).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub through: Vec<String>,
}

/// A build script the witness did not see run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Unwitnessed {
    /// The package.
    pub package: String,
    /// How to have it witnessed.
    pub fix: String,
}

/// What a tracked GPU file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    /// CUDA C++ source (`.cu`).
    Source,
    /// CUDA header (`.cuh`).
    Header,
    /// PTX text (`.ptx`).
    Ptx,
    /// A cubin (`.cubin`).
    Cubin,
    /// A fatbin (`.fatbin`).
    Fatbin,
}

impl FileKind {
    /// The kind of a path, by its extension.
    pub fn of(path: &str) -> Option<FileKind> {
        let ext = path.rsplit_once('.')?.1;
        Some(match ext {
            "cu" => FileKind::Source,
            "cuh" => FileKind::Header,
            "ptx" => FileKind::Ptx,
            "cubin" => FileKind::Cubin,
            "fatbin" => FileKind::Fatbin,
            _ => return None,
        })
    }

    /// Whether it is compiled GPU code rather than a source.
    pub fn is_binary(self) -> bool {
        matches!(self, FileKind::Ptx | FileKind::Cubin | FileKind::Fatbin)
    }
}

/// A tracked GPU file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SourceFile {
    /// Workspace-relative path, `/`-separated.
    pub path: String,
    /// What it is.
    pub kind: FileKind,
    /// The package it lies in, if any.
    pub package: Option<String>,
    /// What builds it: indices into [`Bom::builders`]. Empty: built by nothing.
    pub built_by: Vec<usize>,
    /// The file that `#include`s it, when it is built only as part of another file.
    pub included_by: Option<String>,
    /// Whether its package ships with the workspace (a member, or a crate a member reaches
    /// through path dependencies); a nested workspace's, an example's or a fixture's does not.
    pub ships: bool,
    /// For compiled GPU code checked in: the source it was compiled from (same name, `.cu`),
    /// when that source was committed after it (the checked-in code is stale).
    pub stale_against: Option<String>,
    /// The witnessed compiles that read it, as a source or an include (indices into
    /// [`Witnessed::compiles`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compiled_in: Vec<usize>,
    /// Where its builder compiles it only while configuring (`dir/CMakeLists.txt:27`, a CMake
    /// `execute_process`, `try_run` or `try_compile`): a probe of the build machine, no
    /// kernel of the build.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe: Option<String>,
}

impl SourceFile {
    /// A CUDA source at `path` of `package` that ships, built by `built_by` and read by no
    /// witnessed compile yet.
    pub fn source(path: impl Into<String>, package: &str, built_by: Vec<usize>) -> SourceFile {
        SourceFile {
            path: path.into(),
            kind: FileKind::Source,
            package: Some(package.to_owned()),
            built_by,
            included_by: None,
            ships: true,
            stale_against: None,
            compiled_in: Vec::new(),
            probe: None,
        }
    }
}

/// How GPU code is compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum BuilderKind {
    /// gate-build.
    GateBuild,
    /// The `cc` crate with `.cuda(true)`.
    Cc,
    /// The `cmake` crate configuring a project with CUDA switched on.
    Cmake,
    /// The `bindgen_cuda` crate.
    BindgenCuda,
    /// The `cudaforge` crate.
    Cudaforge,
    /// `cuda_builder` (Rust compiled to PTX).
    CudaBuilder,
    /// A builder crate that wraps `cc` with CUDA, named `CudaBuilder` too (openvm's
    /// `CudaBuilder::new()`): its file, glob and include methods name what it compiles.
    CcWrapper,
    /// `nvcc` started by the build script itself.
    Nvcc,
    /// CUDA C++ compiled at run time with NVRTC.
    Nvrtc,
    /// The `cc` crate with `.compiler("hipcc")`: CUDA C++ compiled for AMD GPUs with ROCm's
    /// HIP compiler (subspace's `rocm` feature).
    Hip,
    /// Rust compiled for `nvptx64-nvidia-cuda` from the build script: rustc or cargo started
    /// with that target, or ptx-builder's `Builder` (the PTX of a Rust kernel crate).
    RustNvptx,
    /// `make` started by the build script in a directory whose Makefiles run nvcc.
    Make,
}

impl BuilderKind {
    /// How it reads in a sentence.
    pub fn describe(self) -> &'static str {
        match self {
            BuilderKind::GateBuild => "gate-build",
            BuilderKind::Cc => "cc with .cuda(true)",
            BuilderKind::Cmake => "cmake with CUDA",
            BuilderKind::BindgenCuda => "bindgen_cuda",
            BuilderKind::Cudaforge => "cudaforge",
            BuilderKind::CudaBuilder => "cuda_builder",
            BuilderKind::CcWrapper => "a cc wrapper",
            BuilderKind::Nvcc => "raw nvcc",
            BuilderKind::Nvrtc => "NVRTC at run time",
            BuilderKind::Hip => "cc with hipcc (ROCm)",
            BuilderKind::RustNvptx => "Rust compiled for nvptx64",
            BuilderKind::Make => "make running nvcc",
        }
    }
}

/// One place GPU code is compiled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Builder {
    /// The package whose build script (or, for NVRTC, whose code) compiles it.
    pub package: String,
    /// How.
    pub kind: BuilderKind,
    /// Where: `file:line` of the call (workspace-relative; a dependency's as
    /// `name@version/file:line`).
    pub at: String,
    /// The helper function the call goes through, when it is one (`file:line` of its
    /// definition).
    pub via: Option<String>,
    /// What switches CUDA on, when something does (`-DGGML_CUDA=ON`, `feature "cuda"`).
    pub switch: Option<String>,
    /// The archs the build asks for, as written (`sm_80`, `compute_90`, `80;90`).
    pub archs: Vec<String>,
    /// Whether it targets whatever GPU the build machine has (`-arch=native`).
    pub native_arch: bool,
    /// Where it asks the build machine's GPU for its compute capability (`nvidia-smi`, NVML).
    pub gpu_probe: Option<String>,
    /// Where it writes PTX outside `OUT_DIR` (`file:line`, and the path written).
    pub outside_out_dir: Option<String>,
    /// Whether it belongs to a dependency rather than the workspace.
    pub dependency: bool,
    /// Whether its package ships (see [`SourceFile::ships`]; a dependency's always does).
    pub ships: bool,
    /// For NVRTC: the library it loads, as far as the artifacts or the crate providing
    /// NVRTC say (`libnvrtc.so.13`, `the CUDA 13.0 NVRTC through cudarc 0.19.10`).
    pub loads: Option<String>,
    /// The CUDA files it names that the repository does not track (a git submodule's, a
    /// generated file), as written: their kernels are compiled, but no source file lists them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub untracked: Vec<String>,
    /// The features its switch needs that the run's build did not turn on for its package
    /// (`gpu`): what it compiles is in no artifact read, so none of it was judged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unbuilt: Vec<String>,
}

impl Builder {
    /// A builder of `package` of `kind` at `at`, that ships and records nothing else yet.
    pub fn new(package: impl Into<String>, kind: BuilderKind, at: impl Into<String>) -> Builder {
        Builder {
            package: package.into(),
            kind,
            at: at.into(),
            via: None,
            switch: None,
            archs: Vec::new(),
            native_arch: false,
            gpu_probe: None,
            outside_out_dir: None,
            dependency: false,
            ships: true,
            loads: None,
            untracked: Vec::new(),
            unbuilt: Vec::new(),
        }
    }
}

/// A crate of the resolved graph that compiles GPU code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Dependency {
    /// Package name.
    pub name: String,
    /// Version.
    pub version: String,
    /// How it compiles GPU code (indices into [`Bom::builders`]).
    pub builders: Vec<usize>,
    /// What it provides when it is the NVRTC bindings its dependents compile with (its
    /// `nvrtc` feature is on): `the CUDA 13.0 NVRTC (libnvrtc.so.13 on Linux)`.
    pub provides_nvrtc: Option<String>,
    /// How the workspace reaches it: from a workspace member, each step `crate` or
    /// `crate/feature` when an optional dependency is switched on by that feature
    /// (`app/cuda → candle-core/cuda → candle-kernels`).
    pub path: Vec<String>,
}

/// What was read of the build's artifacts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum Artifacts {
    /// The build was not read (not built in this run, or it failed), with why.
    #[default]
    NotRead,
    /// Not read, with the reason.
    Unread {
        /// Why.
        reason: String,
    },
    /// Read.
    Read {
        /// Every artifact that carries GPU code (or loads NVRTC).
        binaries: Vec<Binary>,
        /// Every distinct GPU code image found, by digest.
        kernels: Vec<Kernel>,
        /// How many artifacts were read.
        files: usize,
        /// How many bytes were read.
        bytes: u64,
    },
}

/// What kind of artifact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum BinaryKind {
    /// An executable (a binary or a test).
    Executable,
    /// A Rust library (`.rlib`).
    Rlib,
    /// A static library (`.a`, `.lib`), e.g. one a build script archived.
    StaticLib,
    /// A dynamic library.
    DynamicLib,
    /// A GPU file a build script wrote (`.ptx`, `.cubin`, `.fatbin` in `OUT_DIR`).
    GpuFile,
}

/// One artifact that carries GPU code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Binary {
    /// Path relative to the workspace root (absolute when the target directory is outside
    /// it).
    pub path: String,
    /// The package that produced it.
    pub package: String,
    /// What it is.
    pub kind: BinaryKind,
    /// Whether it is a test build, an example or a bench (none of which ships): GPU code found
    /// only in them (a test's PTX data, an example's fatbin) is listed, not judged.
    pub test: bool,
    /// Its size in bytes.
    pub size: u64,
    /// The GPU code modules it carries, each loaded by the driver as one unit.
    pub modules: Vec<Module>,
    /// The NVRTC libraries it names (linked, or named for loading at run time).
    pub nvrtc: Vec<String>,
}

/// One unit of GPU code the driver loads: a fatbin container (its images for each arch), a
/// PTX text or a cubin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Module {
    /// Where it sits.
    pub container: Container,
    /// Its images (indices into the `kernels` list).
    pub kernels: Vec<usize>,
}

/// The form of a GPU code image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum KernelForm {
    /// Machine code for one arch (a cubin).
    Sass,
    /// PTX, JIT-compiled by the driver for any arch at or above its target.
    Ptx,
}

/// Where in an artifact an image sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Container {
    /// In a fatbin in the section the CUDA toolchain links (`.nv_fatbin`).
    FatbinSection,
    /// In a fatbin embedded as data (`include_bytes!`).
    FatbinData,
    /// PTX text embedded as data (`include_str!`) or written as a file.
    PtxText,
    /// A cubin embedded as data or written as a file.
    Cubin,
}

/// One distinct GPU code image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Kernel {
    /// `sha256:` of the image as stored (PTX text: from its `.version` directive to its last
    /// closing brace).
    pub digest: String,
    /// SASS or PTX.
    pub form: KernelForm,
    /// The arch: `sm_80` for SASS, `compute_80` for PTX (with an `a`/`f` suffix when it is
    /// arch-specific).
    pub arch: String,
    /// The PTX ISA, for PTX whose version could be read (`9.0`).
    pub ptx_isa: Option<String>,
    /// The oldest driver (as a CUDA version) that loads it, for PTX.
    pub min_driver: Option<String>,
    /// Where it sits.
    pub container: Container,
    /// Whether it is stored compressed.
    pub compressed: bool,
    /// Its size as stored, in bytes.
    pub size: u64,
    /// The packages whose artifacts carry it.
    pub crates: Vec<String>,
    /// Whether it ships: found in an artifact that is not a test build.
    pub shipped: bool,
    /// What accounts for it: a builder (`cc with .cuda(true) in kernels-sys`) of a package
    /// whose artifacts carry it, or the tracked file it is a copy of. `None`: nothing the
    /// gate can see produced it.
    pub source: Option<String>,
}

/// The fleet the kernels must load on (`[cuda]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Fleet {
    /// The GPUs the service runs on (`sm_80`, …).
    pub archs: Vec<String>,
    /// The oldest driver, as a CUDA version (`13.0`).
    pub min_driver: Option<String>,
    /// How each declared arch is covered.
    pub coverage: Vec<Coverage>,
}

/// How one declared arch is covered by one package's shipped kernels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Coverage {
    /// The package whose artifacts carry the kernels.
    pub package: String,
    /// The declared arch.
    pub arch: String,
    /// `sass` (a cubin runs as is), `ptx` (the driver JIT-compiles PTX), or `none`.
    pub by: String,
    /// The image that covers it (its `sm_`/`compute_` arch), when one does.
    pub from: Option<String>,
}
