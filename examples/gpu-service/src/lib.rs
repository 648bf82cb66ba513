//! gpu-service: a small service built the way cargo-gate's users build theirs.
//!
//! - [`scale`]: the service's own CUDA kernel (`kernels/scale.cu`, compiled by gate-build in
//!   `build.rs`) and its registered CPU reference.
//! - [`Service`]: the pipeline. It scales the input with [`scale::cpu`], then runs
//!   gate-kernels' saxpy and deterministic reduction through gate-runtime, which uses the GPU
//!   when it can and the CPU references when it cannot (with the reason recorded), behind
//!   rollback rails ([`rails`]) and sampled shadow verification.
//! - [`read_input`] and [`run_helper`]: the service's file and process boundaries, whose
//!   failures are errors (tested: `tests/failure_paths.rs`), never panics.
//!
//! gate-runtime launches only gate-kernels' kernels; the scale kernel's module is built and
//! validated at build time, and the service computes that step with its reference.

use gate_runtime::rails::RailsConfig;
use gate_runtime::{CallReport, GpuPolicy, Runtime, RuntimeError};
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

pub mod scale;

/// The kernels gate-build compiled from `kernels/` (generated into OUT_DIR).
pub mod kernels {
    include!(concat!(env!("OUT_DIR"), "/gate_kernels.rs"));
}

/// Everything that can go wrong in the service.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// An input file could not be read.
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// An input file holds something that is not a number.
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The offending word.
        word: String,
    },
    /// A helper program could not be started (not installed, not executable).
    Spawn {
        /// The program.
        program: String,
        /// Why.
        source: std::io::Error,
    },
    /// A helper program ran and failed.
    Helper {
        /// The program.
        program: String,
        /// Its exit status.
        status: String,
        /// The end of its stderr.
        stderr: String,
    },
    /// The scale kernel's contract was broken.
    Contract(gate_kernels::ContractError),
    /// gate-runtime refused a call or could not be built.
    Runtime(RuntimeError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            Error::Parse { path, line, word } => {
                write!(f, "{}:{line}: `{word}` is not a number", path.display())
            }
            Error::Spawn { program, source } => {
                write!(f, "cannot start helper `{program}`: {source}")
            }
            Error::Helper {
                program,
                status,
                stderr,
            } => write!(f, "helper `{program}` failed ({status}): {stderr}"),
            Error::Contract(e) => write!(f, "scale_add: {e}"),
            Error::Runtime(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } | Error::Spawn { source, .. } => Some(source),
            Error::Contract(e) => Some(e),
            Error::Runtime(e) => Some(e),
            Error::Parse { .. } | Error::Helper { .. } => None,
        }
    }
}

impl From<RuntimeError> for Error {
    fn from(e: RuntimeError) -> Error {
        Error::Runtime(e)
    }
}

/// Parses whitespace-separated numbers; `#` starts a comment that runs to the end of the line.
pub fn parse_input(path: &Path, text: &str) -> Result<Vec<f32>, Error> {
    let mut values = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let content = line.split('#').next().unwrap_or_default();
        for word in content.split_whitespace() {
            let value = word.parse::<f32>().map_err(|_| Error::Parse {
                path: path.to_owned(),
                line: index + 1,
                word: word.to_owned(),
            })?;
            values.push(value);
        }
    }
    Ok(values)
}

/// Reads an input file ([`parse_input`]'s format).
pub fn read_input(path: &Path) -> Result<Vec<f32>, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    parse_input(path, &text)
}

/// Runs a helper program (a data exporter, a notifier) and returns its stdout.
pub fn run_helper(program: &str, args: &[&str]) -> Result<String, Error> {
    let output = Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|source| Error::Spawn {
            program: program.to_owned(),
            source,
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
        return Err(Error::Helper {
            program: program.to_owned(),
            status: output.status.to_string(),
            stderr: tail.into_iter().rev().collect::<Vec<_>>().join("\n"),
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The rollback rails: over the last 32 GPU outcomes of a kernel (once at least 8 are in),
/// more than 10% errors or shadow-verification misses send that kernel to the CPU; after 50
/// calls there, a known-answer self-test decides whether it returns.
pub fn rails() -> RailsConfig {
    RailsConfig {
        window: 32,
        min_calls: 8,
        max_failure_rate: 0.10,
        cooldown_calls: 50,
    }
}

/// The service's settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    /// `scale_add`'s `alpha`.
    pub alpha: f32,
    /// `scale_add`'s `beta`.
    pub beta: f32,
    /// saxpy's `a`.
    pub gain: f32,
    /// The GPU policy; `None`: `GATE_GPU` (default auto).
    pub policy: Option<GpuPolicy>,
    /// The fraction of GPU calls verified against the CPU reference.
    pub shadow_fraction: f64,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            alpha: 0.5,
            beta: 1.0,
            gain: 2.0,
            policy: None,
            shadow_fraction: 0.05,
        }
    }
}

/// What one pass of the pipeline produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Input length.
    pub n: usize,
    /// `sum(gain*x + alpha*x + beta)`, reduced in gate-kernels' fixed order.
    pub total: f32,
    /// Where saxpy ran, and why.
    pub saxpy: CallReport,
    /// Where the reduction ran, and why.
    pub reduce: CallReport,
}

/// The service: a runtime with rails, and its settings.
#[derive(Debug)]
pub struct Service {
    runtime: Runtime,
    config: Config,
}

impl Service {
    /// Builds the runtime (probing for a GPU unless the policy is `off`).
    pub fn new(config: Config) -> Result<Service, Error> {
        let mut builder = Runtime::builder()
            .rails(rails())
            .shadow_fraction(config.shadow_fraction);
        if let Some(policy) = config.policy {
            builder = builder.policy(policy);
        }
        Ok(Service {
            runtime: builder.build()?,
            config,
        })
    }

    /// The runtime (stats, fallback reason).
    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    /// One pass: `y = alpha*x + beta` (scale kernel, CPU reference), `y = gain*x + y`
    /// (saxpy), `total = sum(y)` (reduce_sum).
    pub fn process(&self, x: &[f32]) -> Result<Summary, Error> {
        let Config {
            alpha, beta, gain, ..
        } = self.config;
        let mut y = vec![0.0f32; x.len()];
        scale::cpu(alpha, x, beta, &mut y).map_err(Error::Contract)?;
        let saxpy = self.runtime.saxpy(gain, x, &mut y)?;
        let (total, reduce) = self.runtime.reduce_sum(&y)?;
        Ok(Summary {
            n: x.len(),
            total,
            saxpy,
            reduce,
        })
    }
}
