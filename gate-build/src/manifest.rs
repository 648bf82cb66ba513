//! `OUT_DIR/gate-manifest.json`: what was built, with what, and why — the contract that the
//! runtime and `cargo gate`'s kernel checks read.

use crate::compile::PtxasVerdict;
use crate::error::Searched;
use crate::ptx::{MinDriver, PtxFacts, Version};
use crate::toolkit::HostCompiler;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Current schema of `gate-manifest.json`.
pub const SCHEMA_VERSION: u32 = 1;

/// `GATE_CUDA`: how hard to try for native kernels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Native when nvcc is usable, else a recorded fallback with one cargo warning.
    Auto,
    /// Native or a build error that lists every place searched.
    Require,
    /// Fallback without looking for nvcc.
    Off,
}

impl Mode {
    /// Parses `auto`, `require` or `off`.
    pub fn parse(text: &str) -> Option<Mode> {
        match text.trim() {
            "auto" => Some(Mode::Auto),
            "require" => Some(Mode::Require),
            "off" => Some(Mode::Off),
            _ => None,
        }
    }
}

/// What the build produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// PTX and fatbins for every module.
    Native,
    /// No device code: the CPU references are the only implementation.
    Fallback,
}

/// The nvcc that was used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NvccInfo {
    /// The executable.
    pub path: PathBuf,
    /// Which discovery rule found it.
    pub found_via: String,
    /// Full version (`13.0.88`).
    pub version: String,
    /// Release (`13.0`).
    pub release: Version,
}

/// One compiled (or, in fallback, merely listed) module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleRecord {
    /// Module name (the source's file stem).
    pub name: String,
    /// The source file.
    pub source: PathBuf,
    /// The PTX file (native only).
    pub ptx_file: Option<PathBuf>,
    /// The fatbin file (native only).
    pub fatbin_file: Option<PathBuf>,
    /// SHA-256 of the fatbin: the module digest the runtime checks before loading.
    pub digest: Option<String>,
    /// SHA-256 of the PTX text.
    pub ptx_sha256: Option<String>,
    /// The content key the outputs were made under.
    pub content_key: Option<String>,
    /// Headers nvcc reported.
    pub headers: Vec<PathBuf>,
    /// PTX facts (native only).
    pub ptx: Option<PtxFacts>,
    /// ptxas verdicts, one per arch.
    pub ptxas: Vec<PtxasVerdict>,
    /// Whether this build reused cached outputs (no nvcc run).
    pub cached: bool,
}

/// `gate-manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// gate-build's version.
    pub gate_build: String,
    /// The requested mode.
    pub requested: Mode,
    /// What was produced.
    pub outcome: Outcome,
    /// Why the build fell back, when it did.
    pub fallback_reason: Option<String>,
    /// The nvcc used (native) or found.
    pub nvcc: Option<NvccInfo>,
    /// Every place nvcc was looked for, in order.
    pub searched: Vec<Searched>,
    /// The host compiler passed as `-ccbin`.
    pub host_compiler: Option<HostCompiler>,
    /// SASS archs, lowest first.
    pub archs: Vec<String>,
    /// Where the arch list came from: `builder`, `GATE_CUDA_ARCHS` or `default`.
    pub archs_from: String,
    /// The virtual arch embedded as PTX (`compute_80`), native only.
    pub ptx_arch: Option<String>,
    /// Extra nvcc flags.
    pub flags: Vec<String>,
    /// Include directories.
    pub includes: Vec<PathBuf>,
    /// Releases reported by the toolkit's parts (nvcc, ptxas, headers, wheels).
    pub toolkit: Vec<(String, Version)>,
    /// The declared minimum driver (CUDA version), if any.
    pub min_driver: Option<Version>,
    /// The newest driver requirement over all modules' PTX.
    pub required_driver: Option<MinDriver>,
    /// Problems that did not stop the build (auto mode): PTX needing a newer driver than
    /// declared, ptxas rejections.
    pub violations: Vec<String>,
    /// Modules in source order.
    pub modules: Vec<ModuleRecord>,
    /// The cargo directives emitted (not serialised).
    #[serde(skip)]
    pub directives: Vec<String>,
}

impl Manifest {
    /// How many modules nvcc actually compiled in this build (cache misses).
    pub fn compiled_count(&self) -> usize {
        self.modules
            .iter()
            .filter(|m| m.ptx.is_some() && !m.cached)
            .count()
    }
}
