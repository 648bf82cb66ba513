//! gate-build: compile CUDA kernels at build time, from a build script, without ever
//! panicking.
//!
//! ```no_run
//! // build.rs
//! fn main() -> Result<(), gate_build::Error> {
//!     gate_build::Kernels::new().dir("kernels").build()?;
//!     Ok(())
//! }
//! ```
//!
//! and in the crate: `mod kernels { include!(concat!(env!("OUT_DIR"), "/gate_kernels.rs")); }`.
//!
//! What a build does:
//! - finds nvcc ([`toolkit`] lists the order) — no GPU and no nvidia-smi are needed;
//! - picks the mode: builder, else `GATE_CUDA=auto|require|off`, else `auto`. `auto` without
//!   nvcc emits one `cargo:warning`, writes a manifest that says `fallback` and why, and
//!   succeeds; `require` fails listing every place searched; `off` falls back without looking;
//! - picks the archs: builder, else `GATE_CUDA_ARCHS=sm_80,sm_90`, else [`DEFAULT_ARCHS`], each
//!   checked against `nvcc --list-gpu-code`;
//! - compiles every source in parallel (at most `NUM_JOBS` at a time) into a fatbin (SASS for
//!   every arch plus PTX for the lowest) and the PTX text, parses the PTX ([`ptx`]), validates
//!   it with ptxas for every arch, and checks it against the minimum driver
//!   (`GATE_MIN_DRIVER`/builder);
//! - reuses outputs whose content key (source, every header nvcc reported, flags, archs,
//!   nvcc version, host compiler) is unchanged — nvcc is not run at all then;
//! - writes `OUT_DIR/gate_kernels.rs` and `OUT_DIR/gate-manifest.json`, and emits
//!   `rerun-if-changed` for every source and header and `rerun-if-env-changed` for every
//!   variable it reads ([`toolkit::ENV_VARS`]).
//!
//! Kernel sources are CUDA C today ([`KernelSource`]). Kernels written in Rust (cuda_builder)
//! need LLVM 7/19 and a pinned nightly with rustc-dev, which our machines cannot install; the
//! seam for them is [`KernelSource`], and no untested code for it ships.

pub mod codegen;
mod compile;
mod error;
pub mod manifest;
/// PTX facts and the PTX ISA → driver table: [`gate_formats::ptx`], where `cargo gate` reads
/// them too without linking the build.
pub use gate_formats::ptx;
mod stages;
pub mod toolkit;

pub use compile::PtxasVerdict;
pub use error::{Error, Searched};
pub use manifest::{Manifest, Mode, ModuleRecord, Outcome};
pub use toolkit::Env;

use compile::{Compiled, Settings};
use error::io;
use stages::Stage;
use std::path::{Path, PathBuf};

/// SASS archs when neither the builder nor `GATE_CUDA_ARCHS` names any: Ampere (`sm_80`) and
/// Hopper (`sm_90`), plus PTX for `compute_80`, which the driver JIT-compiles for anything
/// newer (Ada, Blackwell). Every CUDA 12 and 13 nvcc supports both.
pub const DEFAULT_ARCHS: &[&str] = &["sm_80", "sm_90"];

/// Where kernel code comes from. CUDA C is the only kind today; this is the seam where
/// Rust-written kernels (cuda_builder) would be added once a machine can build them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KernelSource {
    /// A `.cu` file compiled by nvcc.
    CudaC(PathBuf),
}

impl KernelSource {
    fn path(&self) -> &Path {
        match self {
            KernelSource::CudaC(path) => path,
        }
    }
}

/// The builder. See the crate docs.
#[derive(Debug, Clone, Default)]
pub struct Kernels {
    dirs: Vec<PathBuf>,
    sources: Vec<KernelSource>,
    includes: Vec<PathBuf>,
    archs: Option<Vec<String>>,
    flags: Vec<String>,
    mode: Option<Mode>,
    min_driver: Option<String>,
    out_dir: Option<PathBuf>,
    jobs: Option<usize>,
    env: Option<Env>,
}

impl Kernels {
    /// A builder with nothing to compile yet.
    pub fn new() -> Kernels {
        Kernels::default()
    }

    /// Compiles every `*.cu` file below `dir`, at any depth, sorted by path; headers and
    /// hidden directories are skipped (the rule: `translation_units`). Module names are file
    /// stems, so two sources with one stem in different subdirectories are refused
    /// ([`Error::DuplicateModule`]). The directory is also an include directory.
    pub fn dir(mut self, dir: impl Into<PathBuf>) -> Kernels {
        self.dirs.push(dir.into());
        self
    }

    /// Compiles one `.cu` file.
    pub fn file(mut self, file: impl Into<PathBuf>) -> Kernels {
        self.sources.push(KernelSource::CudaC(file.into()));
        self
    }

    /// Adds an include directory (`-I`).
    pub fn include(mut self, dir: impl Into<PathBuf>) -> Kernels {
        self.includes.push(dir.into());
        self
    }

    /// Sets the SASS archs (`sm_80`, …), overriding `GATE_CUDA_ARCHS`.
    pub fn archs<S: Into<String>>(mut self, archs: impl IntoIterator<Item = S>) -> Kernels {
        self.archs = Some(archs.into_iter().map(Into::into).collect());
        self
    }

    /// Adds an nvcc flag (after `GATE_NVCC_FLAGS`'s).
    pub fn flag(mut self, flag: impl Into<String>) -> Kernels {
        self.flags.push(flag.into());
        self
    }

    /// Sets the mode, overriding `GATE_CUDA`.
    pub fn mode(mut self, mode: Mode) -> Kernels {
        self.mode = Some(mode);
        self
    }

    /// Declares the oldest driver (as a CUDA version, `"13.0"`) the kernels must load on,
    /// overriding `GATE_MIN_DRIVER`.
    pub fn min_driver(mut self, version: impl Into<String>) -> Kernels {
        self.min_driver = Some(version.into());
        self
    }

    /// Writes outputs here instead of `OUT_DIR` (for use outside build scripts; no cargo
    /// directives are printed then).
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Kernels {
        self.out_dir = Some(dir.into());
        self
    }

    /// Compiles at most this many sources at a time (default: `NUM_JOBS`, else the number of
    /// CPUs).
    pub fn jobs(mut self, jobs: usize) -> Kernels {
        self.jobs = Some(jobs.max(1));
        self
    }

    /// Reads variables from `env` instead of the process environment (tests).
    pub fn env(mut self, env: Env) -> Kernels {
        self.env = Some(env);
        self
    }

    /// Builds. Never panics: every failure is an [`Error`].
    pub fn build(self) -> Result<Manifest, Error> {
        let env = self.env.clone().unwrap_or_else(Env::from_process);
        let (out_dir, emit) = match (&self.out_dir, env.get("OUT_DIR")) {
            (Some(dir), _) => (dir.clone(), false),
            (None, Some(dir)) => (PathBuf::from(dir), true),
            (None, None) => return Err(Error::NoOutDir),
        };
        let mut build = Build {
            directives: Vec::new(),
            emit,
        };
        let result = self.build_into(&env, &out_dir, &mut build);
        if emit {
            build.print();
        }
        result.map(|mut manifest| {
            manifest.directives = build.directives;
            manifest
        })
    }

    /// The stages of a build (see [`stages`]): plan → discover the toolkit → compile →
    /// record each module; a fallback at any stage writes the manifest that says why.
    fn build_into(&self, env: &Env, out_dir: &Path, build: &mut Build) -> Result<Manifest, Error> {
        let plan = self.plan(env, out_dir, build)?;
        let mut manifest = plan.manifest();
        let settings = match stages::discover(&plan, env, &mut manifest, build)? {
            Stage::Ready(settings) => settings,
            Stage::Fallback(reason) => return plan.fall_back(manifest, build, reason),
        };
        let compiled = match stages::compile(&plan, &settings, self.compile_jobs(env))? {
            Stage::Ready(compiled) => compiled,
            Stage::Fallback(reason) => return plan.fall_back(manifest, build, reason),
        };
        stages::record(&plan, &settings, compiled, &mut manifest, build)?;
        finish(manifest, &plan.out_dir, &plan.kernels_dir, &plan.names)
    }

    /// How many sources compile at a time: the builder's, else `NUM_JOBS`, else the CPUs.
    fn compile_jobs(&self, env: &Env) -> usize {
        self.jobs
            .or_else(|| env.get_str("NUM_JOBS").and_then(|n| n.parse().ok()))
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
            .max(1)
    }

    fn sources(&self, build: &mut Build) -> Result<Vec<KernelSource>, Error> {
        let mut sources = Vec::new();
        for dir in &self.dirs {
            let dir = absolute(dir);
            build.directive(format!("cargo:rerun-if-changed={}", dir.display()));
            let mut found = Vec::new();
            translation_units(&dir, &mut found)?;
            found.sort();
            sources.extend(found.into_iter().map(KernelSource::CudaC));
        }
        for source in &self.sources {
            let KernelSource::CudaC(path) = source;
            let path = absolute(path);
            if !path.is_file() {
                return Err(Error::Io {
                    path,
                    source: std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        "no such kernel source",
                    ),
                });
            }
            build.directive(format!("cargo:rerun-if-changed={}", path.display()));
            sources.push(KernelSource::CudaC(path));
        }
        if sources.is_empty() {
            let dirs: Vec<String> = self.dirs.iter().map(|d| d.display().to_string()).collect();
            return Err(Error::NoSources(if dirs.is_empty() {
                "give Kernels::dir or Kernels::file".into()
            } else {
                format!("no .cu file in {}", dirs.join(", "))
            }));
        }
        Ok(sources)
    }

    fn resolve_archs(&self, env: &Env) -> Result<(Vec<String>, String), Error> {
        let (list, from): (Vec<String>, &str) = match (&self.archs, env.get_str("GATE_CUDA_ARCHS"))
        {
            (Some(archs), _) => (archs.clone(), "builder"),
            (None, Some(text)) => (
                text.split(',')
                    .map(|a| a.trim().to_owned())
                    .filter(|a| !a.is_empty())
                    .collect(),
                "GATE_CUDA_ARCHS",
            ),
            (None, None) => (
                DEFAULT_ARCHS.iter().map(|a| (*a).to_owned()).collect(),
                "default",
            ),
        };
        let mut parsed = Vec::new();
        for arch in &list {
            let number = arch
                .strip_prefix("sm_")
                .map(|n| n.trim_end_matches(['a', 'f']))
                .and_then(|n| n.parse::<u32>().ok());
            let Some(number) = number else {
                return Err(Error::InvalidEnv {
                    var: "GATE_CUDA_ARCHS",
                    value: list.join(","),
                    expected: format!("`{arch}` is not an arch like sm_80"),
                });
            };
            parsed.push((number, arch.clone()));
        }
        if parsed.is_empty() {
            return Err(Error::InvalidEnv {
                var: "GATE_CUDA_ARCHS",
                value: String::new(),
                expected: "at least one arch, e.g. sm_80,sm_90".into(),
            });
        }
        parsed.sort();
        parsed.dedup();
        Ok((
            parsed.into_iter().map(|(_, a)| a).collect(),
            from.to_owned(),
        ))
    }
}

/// Every translation unit below `dir`, at any depth: a regular file named `*.cu`. Headers
/// (`.cuh`, `.h`, `.hpp`, `.inl` — anything else) are never compiled on their own; they reach
/// the build through `#include`, and the directory is on the include path. Hidden directories
/// (`.git`, `.cache`) are skipped and symbolic links to directories are not followed, so a
/// link loop cannot hang the build script. A `.cu` that is only ever `#include`d by another
/// belongs outside the directory (or in the build through [`Kernels::file`] instead).
fn translation_units(dir: &Path, found: &mut Vec<PathBuf>) -> Result<(), Error> {
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let entry = entry.map_err(io(dir))?;
        let path = entry.path();
        let kind = entry.file_type().map_err(io(&path))?;
        if kind.is_dir() {
            if !entry.file_name().to_string_lossy().starts_with('.') {
                translation_units(&path, found)?;
            }
        } else if path.extension().is_some_and(|e| e == "cu") && path.is_file() {
            found.push(path);
        }
    }
    Ok(())
}

/// Headers that CCCL provides (`nv/target`, CUB, Thrust, libcu++), by their first component.
const CCCL_HEADERS: &[&str] = &["nv", "cub", "thrust", "cuda"];

/// Classifies the failed compiles of a build: `Ok` with [`Error::IncompleteToolkit`] when
/// every failure is a CCCL header the toolkit next to `nvcc` lacks (a toolkit fact: the
/// caller errors or falls back by mode), else `Err` with every failing source's own error
/// (a source's compile error is an error in every mode).
fn incomplete_toolkit(nvcc: &Path, failures: Vec<(Error, PathBuf)>) -> Result<Error, Error> {
    let include = nvcc
        .parent()
        .and_then(Path::parent)
        .map(|toolkit| toolkit.join("include"));
    let mut header = None;
    let mut sources = Vec::new();
    let mut others = Vec::new();
    for (error, source) in failures {
        match compile::missing_header(&error) {
            Some(h)
                if h.split('/')
                    .next()
                    .is_some_and(|top| CCCL_HEADERS.contains(&top))
                    && include.as_ref().is_some_and(|d| !d.join(&h).exists()) =>
            {
                header.get_or_insert(h);
                sources.push(source);
            }
            _ => others.push(error),
        }
    }
    if !others.is_empty() {
        return Err(if others.len() == 1 {
            others.remove(0)
        } else {
            Error::Compiles(others)
        });
    }
    let wheel = nvcc.components().any(|c| c.as_os_str() == "site-packages");
    let package = if wheel {
        "the `nvidia-cuda-cccl` wheel of the same CUDA release as nvcc (pip install nvidia-cuda-cccl==<nvcc's version>)".to_owned()
    } else {
        "the CUDA toolkit's CCCL component (cuda-cccl) of the same release as nvcc".to_owned()
    };
    Ok(Error::IncompleteToolkit {
        header: header.unwrap_or_default(),
        package,
        sources,
    })
}

/// nvcc warnings shown per module as cargo warnings; the rest are counted.
const MAX_WARNINGS_PER_MODULE: usize = 10;

/// Collects directives and prints them (build scripts only).
struct Build {
    directives: Vec<String>,
    emit: bool,
}

impl Build {
    fn directive(&mut self, line: String) {
        if !self.directives.contains(&line) {
            self.directives.push(line);
        }
    }

    #[expect(
        clippy::print_stdout,
        reason = "cargo reads build-script directives from stdout"
    )]
    fn print(&self) {
        if self.emit {
            for line in &self.directives {
                println!("{line}");
            }
        }
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

fn module_names(sources: &[KernelSource]) -> Result<Vec<String>, Error> {
    let mut names: Vec<String> = Vec::new();
    for (i, source) in sources.iter().enumerate() {
        let name = source
            .path()
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if let Some(j) = names
            .iter()
            .position(|n| codegen::const_name(n) == codegen::const_name(&name))
        {
            return Err(Error::DuplicateModule {
                name,
                first: sources[j].path().display().to_string(),
                second: sources[i].path().display().to_string(),
            });
        }
        names.push(name);
    }
    Ok(names)
}

/// Compiles every source with at most `jobs` workers — all of gate-build's own work (PTX
/// parsing, digests) runs on them too, so the build never uses more than `NUM_JOBS` cores.
/// The largest sources start first (longest-first keeps the last worker from finishing
/// alone); results come back in source order.
fn compile_all(
    settings: &Settings,
    sources: &[KernelSource],
    names: &[String],
    jobs: usize,
) -> Vec<Result<Compiled, Error>> {
    let tokens = compile::Tokens::new(jobs);
    let mut order: Vec<usize> = (0..sources.len()).collect();
    let size = |i: usize| std::fs::metadata(sources[i].path()).map_or(0, |m| m.len());
    order.sort_by_key(|&i| std::cmp::Reverse(size(i)));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<std::sync::Mutex<Option<Result<Compiled, Error>>>> = sources
        .iter()
        .map(|_| std::sync::Mutex::new(None))
        .collect();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..jobs.max(1).min(sources.len()))
            .map(|_| {
                scope.spawn(|| {
                    while let Some(&i) =
                        order.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
                    {
                        let result =
                            compile::compile(settings, &tokens, sources[i].path(), &names[i]);
                        *results[i].lock().unwrap_or_else(|p| p.into_inner()) = Some(result);
                    }
                })
            })
            .collect();
        // Joined here, so a worker's panic is not re-raised by the scope.
        for worker in workers {
            let _ = worker.join();
        }
    });
    results
        .into_iter()
        .zip(sources)
        .map(|(slot, source)| {
            // A worker that panicked (a bug in gate-build) left its slot empty: an error
            // rather than an unwind into the user's build script.
            slot.into_inner()
                .unwrap_or_else(|p| p.into_inner())
                .unwrap_or_else(|| {
                    Err(Error::ToolOutput {
                        what: format!("compiling {}", source.path().display()),
                        output: "the compile worker stopped unexpectedly".into(),
                    })
                })
        })
        .collect()
}

fn check_ptxas(compiled: &Compiled, mode: Mode, violations: &mut Vec<String>) -> Result<(), Error> {
    for verdict in compiled.ptxas.iter().filter(|v| !v.ok) {
        let hint = if verdict.message.contains("Unsupported .version") {
            " (the PTX ISA is newer than this ptxas: a mixed toolkit)"
        } else {
            ""
        };
        let message = format!(
            "{}: ptxas rejected the PTX for {}{hint}: {}",
            compiled.name, verdict.arch, verdict.message
        );
        if mode == Mode::Require {
            return Err(Error::ToolOutput {
                what: format!("ptxas -arch={}", verdict.arch),
                output: message,
            });
        }
        violations.push(message);
    }
    Ok(())
}

/// Removes outputs of modules that no longer exist, writes the manifest and the generated
/// Rust, and returns the manifest.
fn finish(
    manifest: Manifest,
    out_dir: &Path,
    kernels_dir: &Path,
    names: &[String],
) -> Result<Manifest, Error> {
    if let Ok(entries) = std::fs::read_dir(kernels_dir) {
        for entry in entries.filter_map(Result::ok) {
            let file = entry.file_name().to_string_lossy().into_owned();
            let stem = file.split('.').next().unwrap_or_default();
            let keep =
                manifest.outcome == manifest::Outcome::Native && names.iter().any(|n| n == stem);
            if !keep {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    let json = serde_json::to_string_pretty(&manifest).expect("manifest serialises");
    let manifest_path = out_dir.join("gate-manifest.json");
    write_if_changed(&manifest_path, json.as_bytes())?;
    let rust = codegen::render(&manifest);
    write_if_changed(&out_dir.join("gate_kernels.rs"), rust.as_bytes())?;
    Ok(manifest)
}

fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    gate_support::atomic::write_if_changed(path, bytes)
        .map(drop)
        .map_err(io(path))
}

#[cfg(test)]
mod tests;
