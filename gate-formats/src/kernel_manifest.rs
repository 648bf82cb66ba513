//! `OUT_DIR/gate-manifest.json`: what gate-build built, with what, and why — the contract
//! that gate-runtime's preflight and `cargo gate`'s kernel checks read.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;

/// The file name, in the build script's `OUT_DIR`.
pub const FILE_NAME: &str = "gate-manifest.json";

/// Current schema of `gate-manifest.json`.
pub const SCHEMA_VERSION: u32 = 1;

/// `GATE_CUDA`: how hard to try for native kernels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// PTX and fatbins for every module.
    Native,
    /// No device code: the CPU references are the only implementation.
    Fallback,
}

/// A `MAJOR.MINOR` version (PTX ISA or CUDA release); serialised as `"13.0"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    /// Major.
    pub major: u32,
    /// Minor.
    pub minor: u32,
}

impl Version {
    /// A version.
    pub const fn new(major: u32, minor: u32) -> Version {
        Version { major, minor }
    }

    /// Parses `MAJOR.MINOR` (a trailing `.PATCH` is ignored).
    pub fn parse(text: &str) -> Option<Version> {
        let mut parts = text.trim().split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        Some(Version { major, minor })
    }
}

impl Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Version, D::Error> {
        let text = String::deserialize(d)?;
        Version::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("`{text}` is not MAJOR.MINOR")))
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Version {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Version".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "`MAJOR.MINOR` (a PTX ISA or a CUDA release)",
            "type": "string",
            "pattern": "^[0-9]+\\.[0-9]+(\\.[0-9]+)?$"
        })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// The oldest driver that loads PTX of a given ISA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum MinDriver {
    /// A known CUDA release.
    Cuda {
        /// The CUDA version whose driver first loads this ISA.
        version: Version,
    },
    /// The ISA is newer than the table: we do not guess.
    UnknownNewerThanTable {
        /// The newest ISA the table knows.
        newest_known: Version,
    },
    /// The ISA is older than the table (any current driver loads it).
    OlderThanTable,
}

impl fmt::Display for MinDriver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MinDriver::Cuda { version } => write!(f, "CUDA {version}"),
            MinDriver::UnknownNewerThanTable { newest_known } => {
                write!(
                    f,
                    "unknown, newer than table (newest known PTX ISA {newest_known})"
                )
            }
            MinDriver::OlderThanTable => f.write_str("any supported driver (older than table)"),
        }
    }
}

/// One kernel entry point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Entry {
    /// The symbol (unmangled for `extern "C"` kernels).
    pub name: String,
    /// Number of `.param` parameters.
    pub params: usize,
}

/// What a PTX file says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PtxFacts {
    /// `.version`.
    pub version: Version,
    /// `.target` (e.g. `sm_80`).
    pub target: String,
    /// `.address_size`, when declared.
    pub address_size: Option<u32>,
    /// Every `.entry`, in file order.
    pub entries: Vec<Entry>,
    /// The minimum driver implied by `version`.
    pub min_driver: MinDriver,
}

/// ptxas's verdict for one arch: whether the SASS that ships for it was assembled (from the
/// PTX of that arch's own front end, as nvcc does), and what it contains.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PtxasVerdict {
    /// The arch.
    pub arch: String,
    /// Whether ptxas accepted the PTX.
    pub ok: bool,
    /// What the fatbin holds for this arch, or what went wrong.
    pub message: String,
}

/// One place nvcc was looked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Searched {
    /// Which rule: `NVCC`, `CUDA_HOME`, `CUDA_PATH`, `PATH`, `/usr/local/cuda`, `python wheel`.
    pub place: String,
    /// What was looked at, or why nothing was.
    pub detail: String,
}

/// The host compiler nvcc should use, and how it was chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HostCompiler {
    /// The compiler, or `None` to let nvcc pick its default.
    pub path: Option<PathBuf>,
    /// `NVCC_CCBIN`, `cc crate` (which honours `CXX`), or `nvcc default`.
    pub chosen_by: String,
}

/// The nvcc that was used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
    /// The cargo directives emitted (the build script's business; not serialised).
    #[serde(skip)]
    #[cfg_attr(feature = "schema", schemars(skip))]
    pub directives: Vec<String>,
}

impl Manifest {
    /// Parses `gate-manifest.json`, saying which file could not be read and why.
    pub fn parse(json: &str) -> Result<Manifest, String> {
        serde_json::from_str(json).map_err(|e| format!("{FILE_NAME} does not parse: {e}"))
    }

    /// How many modules nvcc actually compiled in this build (cache misses).
    pub fn compiled_count(&self) -> usize {
        self.modules
            .iter()
            .filter(|m| m.ptx.is_some() && !m.cached)
            .count()
    }

    /// Whether the build produced device code.
    pub fn is_native(&self) -> bool {
        self.outcome == Outcome::Native
    }
}
