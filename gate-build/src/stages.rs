//! The stages of a build, each a function returning what the next reads: the [`Plan`] (the
//! sources and the settings from the builder and the environment) → [`discover`] (the
//! toolkit, checked and described in the manifest) → [`compile`] (every source) →
//! [`record`] (each module's outputs, warnings and driver needs into the manifest). Any stage
//! may end the build in a fallback instead, which the manifest explains.

use crate::compile::{Compiled, Settings};
use crate::error::io;
use crate::manifest::{self, NvccInfo, SCHEMA_VERSION};
use crate::ptx::{MinDriver, Version};
use crate::{
    Build, Env, Error, KernelSource, Kernels, MAX_WARNINGS_PER_MODULE, Manifest, Mode,
    ModuleRecord, absolute, check_ptxas, compile_all, finish, incomplete_toolkit, module_names,
    toolkit,
};
use std::path::{Path, PathBuf};

/// How a stage ended: ready for the next, or a fallback build with its reason.
#[derive(Debug)]
pub(crate) enum Stage<T> {
    /// Go on with this.
    Ready(T),
    /// No native kernels in this build, for this reason.
    Fallback(String),
}

/// What a build compiles and how, settled before any tool runs.
#[derive(Debug)]
pub(crate) struct Plan {
    /// The sources, in order.
    pub(crate) sources: Vec<KernelSource>,
    /// Their module names, in the same order.
    pub(crate) names: Vec<String>,
    /// The mode asked for.
    pub(crate) requested: Mode,
    /// The SASS archs, sorted, lowest first.
    pub(crate) archs: Vec<String>,
    /// Where the archs came from.
    pub(crate) archs_from: String,
    /// The oldest driver the kernels must load on, when declared.
    pub(crate) min_driver: Option<Version>,
    /// nvcc flags: `GATE_NVCC_FLAGS`' then the builder's.
    pub(crate) flags: Vec<String>,
    /// Include directories: the builder's, then the source directories.
    pub(crate) includes: Vec<PathBuf>,
    /// Where the manifest and the generated Rust go (`OUT_DIR`).
    pub(crate) out_dir: PathBuf,
    /// `OUT_DIR/kernels`, created: the compiled outputs.
    pub(crate) kernels_dir: PathBuf,
}

impl Kernels {
    /// The plan of a build into `out_dir`: sources found, mode, archs, minimum driver, flags
    /// and includes resolved, the kernels directory made.
    pub(crate) fn plan(&self, env: &Env, out_dir: &Path, build: &mut Build) -> Result<Plan, Error> {
        for var in toolkit::ENV_VARS {
            build.directive(format!("cargo:rerun-if-env-changed={var}"));
        }
        let sources = self.sources(build)?;
        let names = module_names(&sources)?;
        let requested = match self.mode {
            Some(mode) => mode,
            None => match env.get_str("GATE_CUDA") {
                None => Mode::Auto,
                Some(text) => Mode::parse(&text).ok_or_else(|| Error::InvalidEnv {
                    var: "GATE_CUDA",
                    value: text,
                    expected: "auto, require or off".into(),
                })?,
            },
        };
        let (archs, archs_from) = self.resolve_archs(env)?;
        let min_driver = match self
            .min_driver
            .clone()
            .or_else(|| env.get_str("GATE_MIN_DRIVER"))
        {
            None => None,
            Some(text) => Some(Version::parse(&text).ok_or_else(|| Error::InvalidEnv {
                var: "GATE_MIN_DRIVER",
                value: text,
                expected: "a CUDA version like 13.0".into(),
            })?),
        };
        let mut flags: Vec<String> = env
            .get_str("GATE_NVCC_FLAGS")
            .map(|f| f.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default();
        flags.extend(self.flags.iter().cloned());
        let mut includes: Vec<PathBuf> = self.includes.iter().map(|d| absolute(d)).collect();
        includes.extend(self.dirs.iter().map(|d| absolute(d)));
        let kernels_dir = out_dir.join("kernels");
        std::fs::create_dir_all(&kernels_dir).map_err(io(&kernels_dir))?;
        Ok(Plan {
            sources,
            names,
            requested,
            archs,
            archs_from,
            min_driver,
            flags,
            includes,
            out_dir: out_dir.to_owned(),
            kernels_dir,
        })
    }
}

impl Plan {
    /// The manifest of this plan before any tool ran: a fallback with every module listed.
    pub(crate) fn manifest(&self) -> Manifest {
        Manifest {
            schema_version: SCHEMA_VERSION,
            gate_build: env!("CARGO_PKG_VERSION").to_owned(),
            requested: self.requested,
            outcome: manifest::Outcome::Fallback,
            fallback_reason: None,
            nvcc: None,
            searched: Vec::new(),
            host_compiler: None,
            archs: self.archs.clone(),
            archs_from: self.archs_from.clone(),
            ptx_arch: None,
            flags: self.flags.clone(),
            includes: self.includes.clone(),
            toolkit: Vec::new(),
            min_driver: self.min_driver,
            required_driver: None,
            violations: Vec::new(),
            modules: self
                .sources
                .iter()
                .zip(&self.names)
                .map(|(s, name)| ModuleRecord {
                    name: name.clone(),
                    source: s.path().to_owned(),
                    ptx_file: None,
                    fatbin_file: None,
                    digest: None,
                    ptx_sha256: None,
                    content_key: None,
                    headers: Vec::new(),
                    ptx: None,
                    ptxas: Vec::new(),
                    cached: false,
                })
                .collect(),
            directives: Vec::new(),
        }
    }

    /// Ends the build as a fallback: one cargo warning says why, and so does the manifest.
    pub(crate) fn fall_back(
        &self,
        mut manifest: Manifest,
        build: &mut Build,
        reason: String,
    ) -> Result<Manifest, Error> {
        build.directive(format!(
            "cargo:warning=gate-build: no CUDA kernels in this build (fallback): {reason}"
        ));
        manifest.fallback_reason = Some(reason);
        finish(manifest, &self.out_dir, &self.kernels_dir, &self.names)
    }
}

/// Finds nvcc and checks the toolkit around it (every part one release, every arch
/// supported), describing it in `manifest`: the settings to compile with, or why not.
pub(crate) fn discover(
    plan: &Plan,
    env: &Env,
    manifest: &mut Manifest,
    build: &mut Build,
) -> Result<Stage<Settings>, Error> {
    let requested = plan.requested;
    if requested == Mode::Off {
        return Ok(Stage::Fallback("GATE_CUDA=off".into()));
    }
    if let (Some(target), Some(host)) = (env.get_str("TARGET"), env.get_str("HOST"))
        && toolkit::os_of(&target) != toolkit::os_of(&host)
    {
        if requested == Mode::Require {
            return Err(Error::CrossOs { target, host });
        }
        return Ok(Stage::Fallback(format!(
            "cross-compiling for {target} on {host}: the build host's nvcc cannot compile device \
             code for another operating system's host compiler"
        )));
    }
    let (found, searched) = toolkit::discover(env);
    manifest.searched = searched.clone();
    let Some(location) = found else {
        if requested == Mode::Require {
            return Err(Error::NvccNotFound { searched });
        }
        let places: Vec<&str> = searched.iter().map(|s| s.place.as_str()).collect();
        return Ok(Stage::Fallback(
            match searched
                .last()
                .filter(|s| s.detail.contains(toolkit::EXPLICIT))
            {
                Some(explicit) => format!(
                    "{} names no nvcc: {} (fix or unset it to build native kernels)",
                    explicit.place, explicit.detail
                ),
                None => format!(
                    "nvcc not found (searched {}); set NVCC or CUDA_HOME to build native kernels",
                    places.join(", ")
                ),
            },
        ));
    };
    // The toolkit is an input: a change to any of its parts reruns this build script.
    for file in toolkit::toolkit_files(&location.path) {
        build.directive(format!("cargo:rerun-if-changed={}", file.display()));
    }
    if let Some(include) = location
        .path
        .parent()
        .and_then(Path::parent)
        .map(|root| root.join("include"))
        .filter(|d| d.is_dir())
    {
        build.directive(format!("cargo:rerun-if-changed={}", include.display()));
    }
    let facts = match toolkit::facts(&location.path, &plan.out_dir.join("gate-build-cache")) {
        Ok(facts) => facts,
        Err(err) if requested == Mode::Auto => {
            return Ok(Stage::Fallback(format!("nvcc is not usable: {err}")));
        }
        Err(err) => return Err(err),
    };
    manifest.nvcc = Some(NvccInfo {
        path: location.path.clone(),
        found_via: location.found_via.clone(),
        version: facts.version.clone(),
        release: facts.release,
    });
    manifest.toolkit = facts.parts.clone();
    if let Some((_, v)) = &facts.ptxas {
        manifest.toolkit.insert(0, ("ptxas".to_owned(), *v));
    }
    manifest
        .toolkit
        .insert(0, ("nvcc".to_owned(), facts.release));
    if let Some(details) = toolkit::mixed_toolkit(&facts) {
        if requested == Mode::Require {
            return Err(Error::MixedToolkit { details });
        }
        return Ok(Stage::Fallback(format!("mixed CUDA toolkit: {details}")));
    }
    if !facts.gpu_codes.is_empty()
        && let Some(bad) = plan.archs.iter().find(|a| !facts.gpu_codes.contains(a))
    {
        return Err(Error::UnsupportedArch {
            arch: bad.clone(),
            nvcc_version: facts.version.clone(),
            supported: facts.gpu_codes.clone(),
        });
    }
    let host = toolkit::host_compiler(env);
    manifest.host_compiler = Some(host.clone());
    Ok(Stage::Ready(Settings {
        nvcc: location.path.clone(),
        nvcc_version: facts.version.clone(),
        ccbin: host.path,
        archs: plan.archs.clone(),
        includes: plan.includes.clone(),
        flags: plan.flags.clone(),
        out: plan.kernels_dir.clone(),
        header_digests: Default::default(),
    }))
}

/// Compiles every source with at most `jobs` at a time. When some fail because the toolkit
/// is incomplete, `auto` falls back and `require` fails; any other failure is an error.
pub(crate) fn compile(
    plan: &Plan,
    settings: &Settings,
    jobs: usize,
) -> Result<Stage<Vec<Compiled>>, Error> {
    let compiled = compile_all(settings, &plan.sources, &plan.names, jobs);
    if compiled.iter().all(Result::is_ok) {
        return Ok(Stage::Ready(compiled.into_iter().flatten().collect()));
    }
    let failures: Vec<(Error, PathBuf)> = compiled
        .into_iter()
        .zip(&plan.sources)
        .filter_map(|(r, s)| r.err().map(|e| (e, s.path().to_owned())))
        .collect();
    match incomplete_toolkit(&settings.nvcc, failures) {
        Ok(incomplete) if plan.requested == Mode::Require => Err(incomplete),
        Ok(incomplete) => Ok(Stage::Fallback(incomplete.to_string().replace('\n', "; "))),
        Err(error) => Err(error),
    }
}

/// Records every compiled module in `manifest`: its outputs, ptxas' verdicts, nvcc's
/// warnings (as cargo warnings) and the driver it needs against the declared minimum; then
/// the manifest says `native`.
pub(crate) fn record(
    plan: &Plan,
    settings: &Settings,
    compiled: Vec<Compiled>,
    manifest: &mut Manifest,
    build: &mut Build,
) -> Result<(), Error> {
    let requested = plan.requested;
    let mut required: Option<MinDriver> = None;
    for (record, compiled) in manifest.modules.iter_mut().zip(compiled) {
        for header in &compiled.headers {
            build.directive(format!("cargo:rerun-if-changed={}", header.display()));
        }
        check_ptxas(&compiled, requested, &mut manifest.violations)?;
        for warning in compiled.warnings.iter().take(MAX_WARNINGS_PER_MODULE) {
            build.directive(format!(
                "cargo:warning=gate-build: {}: {warning}",
                compiled.name
            ));
        }
        if compiled.warnings.len() > MAX_WARNINGS_PER_MODULE {
            build.directive(format!(
                "cargo:warning=gate-build: {}: … and {} more nvcc warning(s)",
                compiled.name,
                compiled.warnings.len() - MAX_WARNINGS_PER_MODULE
            ));
        }
        let needs = compiled.ptx.min_driver;
        if let Some(violation) = driver_violation(plan, &compiled, needs)? {
            manifest.violations.push(violation);
        }
        required = Some(newest(required, needs));
        record.ptx_file = Some(settings.ptx_path(&compiled.name));
        record.fatbin_file = Some(settings.fatbin_path(&compiled.name));
        record.digest = Some(compiled.fatbin_sha256.clone());
        record.ptx_sha256 = Some(compiled.ptx_sha256.clone());
        record.content_key = Some(compiled.content_key.clone());
        record.headers = compiled.headers.clone();
        record.ptxas = compiled.ptxas.clone();
        record.cached = compiled.cached;
        record.ptx = Some(compiled.ptx);
    }
    for violation in &manifest.violations {
        build.directive(format!("cargo:warning=gate-build: {violation}"));
    }
    manifest.required_driver = required;
    manifest.outcome = manifest::Outcome::Native;
    manifest.ptx_arch = Some(plan.archs[0].replacen("sm_", "compute_", 1));
    Ok(())
}

/// When a module needs a newer driver than the declared minimum: an error under `require`,
/// else the violation to record.
fn driver_violation(
    plan: &Plan,
    compiled: &Compiled,
    needs: MinDriver,
) -> Result<Option<String>, Error> {
    let Some(declared) = plan.min_driver else {
        return Ok(None);
    };
    let too_new = match needs {
        MinDriver::Cuda { version } => version > declared,
        MinDriver::UnknownNewerThanTable { .. } => true,
        MinDriver::OlderThanTable => false,
    };
    if !too_new {
        return Ok(None);
    }
    if plan.requested == Mode::Require {
        return Err(Error::DriverTooOld {
            module: compiled.name.clone(),
            isa: compiled.ptx.version.to_string(),
            needs: needs.to_string(),
            declared: declared.to_string(),
        });
    }
    Ok(Some(format!(
        "{}: PTX ISA {} needs {needs}, newer than the declared minimum driver CUDA {declared}",
        compiled.name, compiled.ptx.version
    )))
}

/// The driver the whole build needs, given what the modules so far need and one more.
fn newest(required: Option<MinDriver>, needs: MinDriver) -> MinDriver {
    match (required, needs) {
        (None, n) => n,
        (Some(MinDriver::UnknownNewerThanTable { newest_known }), _)
        | (_, MinDriver::UnknownNewerThanTable { newest_known }) => {
            MinDriver::UnknownNewerThanTable { newest_known }
        }
        (Some(MinDriver::Cuda { version: a }), MinDriver::Cuda { version: b }) => {
            MinDriver::Cuda { version: a.max(b) }
        }
        (Some(MinDriver::Cuda { version }), MinDriver::OlderThanTable)
        | (Some(MinDriver::OlderThanTable), MinDriver::Cuda { version }) => {
            MinDriver::Cuda { version }
        }
        (Some(MinDriver::OlderThanTable), MinDriver::OlderThanTable) => MinDriver::OlderThanTable,
    }
}
