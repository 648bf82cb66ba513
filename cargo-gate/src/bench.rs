//! Benchmark results and the baseline they are judged against: what `bench.regression`
//! evaluates and what `cargo gate bench --save-baseline` writes.
//!
//! # Running the benchmarks
//!
//! [`measure`] runs `[bench] command` (default `cargo bench --locked --workspace`) in the
//! workspace root, with stdout and stderr captured into one log and a timeout of
//! [`DEFAULT_TIMEOUT`]. The command receives:
//!
//! - `GATE_BENCH_JSON` ([`RESULTS_ENV`]): the path of the results file it may write,
//!   `<target-dir>/gate-bench.json` ([`RESULTS_FILE`]). It is deleted before the command
//!   starts, so a file left by an earlier run is never read.
//! - `GATE_SEED`: the run's seed; `CARGO_NET_OFFLINE=true` when the gate runs `--offline`;
//!   `RUSTUP_AUTO_INSTALL=0`.
//!
//! Afterwards the results are read from one of two places:
//!
//! 1. **The results file** (when the command wrote it): the format for harnesses other than
//!    criterion, and the one the test fixtures use:
//!
//!    ```json
//!    {"schema_version": 1,
//!     "benchmarks": [{"id": "parse/small", "samples_ns": [1200.0, 1180.5, 1215.0]}]}
//!    ```
//!
//!    `samples_ns` are per-iteration times in nanoseconds (finite, > 0, at least one); ids
//!    are non-empty and unique.
//! 2. **criterion's output** otherwise: every `<target-dir>/criterion/**/new/sample.json`
//!    written by this run (modified after the command started; older ones, from benchmarks
//!    that no longer exist, are ignored and counted). The benchmark id is the directory path
//!    under `criterion/` up to `new` (`criterion/parse/small/new/` → `parse/small`). Each
//!    sample of `sample.json` is `times[i] / iters[i]` ns per iteration; criterion's own
//!    median point estimate from `new/estimates.json` is kept alongside for reference.
//!
//! # Statistics
//!
//! Percentiles are nearest-rank: the p-th percentile of n sorted samples is the sample at
//! 1-based rank ⌈p/100 · n⌉ (the smallest sample for p = 0). From the samples come p50, p95,
//! and the **noise**: the interquartile range relative to the median, (p75 − p25) / p50. It
//! is robust to the outliers benchmark samples are full of (a standard deviation is not), and
//! dimensionless, so it compares directly with `[bench] max-regression`.
//!
//! # The baseline
//!
//! `[bench] baseline` (default `benches/baseline.json`), relative to the workspace root:
//!
//! ```json
//! {"schema_version": 1, "created_at": "2026-11-20T12:00:00Z", "commit": "…",
//!  "toolchain": "1.95.0", "host": "x86_64-unknown-linux-gnu",
//!  "benchmarks": [{"id": "parse/small", "p50_ns": 1200.0, "p95_ns": 1300.0, "noise": 0.02}]}
//! ```
//!
//! written by [`save_baseline`] atomically (a temporary file renamed into place).
//!
//! # The verdict per benchmark ([`judge`])
//!
//! slower = (current − baseline) / baseline, on p50 and on p95; *worst* is the larger of
//! the two; *noise* is the larger of the current and the baseline noise; the threshold is
//! `[bench] max-regression`.
//!
//! - noise ≤ threshold: **regressed** when worst > threshold, else **pass**.
//! - noise > threshold (the measurement cannot resolve a change of the threshold's size):
//!   **regressed** when worst > noise (slower by more than the noise), **pass** when
//!   worst < −noise (faster, beyond the noise), else **inconclusive**.
//!
//! A benchmark of the baseline that produced no result now is **missing** (a failure: a
//! benchmark that disappeared is not a pass); one that is not in the baseline is **new** (a
//! note).

use crate::config::Config;
pub use crate::shared::sections::{BenchSettings, Decision};
use crate::tools::cargo::{self, Captured};
use crate::tools::environment::Environment;
use crate::workspace::Workspace;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

/// Where `bench.regression` keeps the figures and the comparison in the run record (the
/// charts of the HTML and Markdown reports read it back).
pub const RESULTS_ARTIFACT: &str = "bench/results.json";

/// `schema_version` of the results file and of the baseline.
pub const SCHEMA_VERSION: u32 = 1;

/// The results file's name under the target directory.
pub const RESULTS_FILE: &str = "gate-bench.json";

/// The environment variable that gives the bench command the results file's path.
pub const RESULTS_ENV: &str = "GATE_BENCH_JSON";

/// How long the bench command may run.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// The command that writes the baseline.
pub const SAVE_BASELINE_COMMAND: &str = "cargo gate bench --save-baseline";

/// Why benchmark results or the baseline could not be had.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// The bench command could not be started (not installed, not executable).
    #[error("`{command}` could not be started: {source}")]
    Start {
        /// The command line.
        command: String,
        /// The error from the OS.
        source: std::io::Error,
    },
    /// The command exited with a failure status.
    #[error("`{command}` exited with status {}", code.map_or_else(|| "signal".to_owned(), |c| c.to_string()))]
    Failed {
        /// The command line.
        command: String,
        /// Its exit code (`None`: killed by a signal).
        code: Option<i32>,
        /// The last lines of its output.
        tail: Vec<String>,
    },
    /// The command failed because something it needs is missing (a toolchain, dependencies
    /// offline): the gate could not evaluate.
    #[error("the benchmarks were not run: {reason}")]
    Unavailable {
        /// What is missing and how to get it.
        reason: String,
    },
    /// The command ran past its timeout and was stopped.
    #[error("`{command}` did not finish within {}s and was stopped", timeout.as_secs())]
    TimedOut {
        /// The command line.
        command: String,
        /// The timeout.
        timeout: Duration,
    },
    /// The command succeeded but left no results where they are read.
    #[error("no benchmark results found: looked for {}", looked.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" and "))]
    NoResults {
        /// The places looked at.
        looked: Vec<PathBuf>,
    },
    /// A results, criterion or baseline file is not what it should be.
    #[error("{}: {message}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// `save_baseline` was given no benchmark.
    #[error("no benchmark results to save: a baseline without benchmarks would compare nothing")]
    NothingToSave,
}

fn malformed(path: &Path, message: impl Into<String>) -> BenchError {
    BenchError::Malformed {
        path: path.to_owned(),
        message: message.into(),
    }
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> BenchError + '_ {
    move |source| BenchError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Figures computed from one benchmark's samples (nanoseconds per iteration).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// How many samples.
    pub samples: usize,
    /// 25th percentile (nearest rank).
    pub p25_ns: f64,
    /// Median (nearest rank).
    pub p50_ns: f64,
    /// 75th percentile (nearest rank).
    pub p75_ns: f64,
    /// 95th percentile (nearest rank).
    pub p95_ns: f64,
    /// (p75 − p25) / p50: the interquartile range relative to the median.
    pub noise: f64,
}

/// The nearest-rank `p`-th percentile (0–100) of `sorted` (ascending); `None` when empty.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    let n = sorted.len();
    // p · n first: exact for whole p, so 95 % of 100 samples is rank 95, not 96. The rank is
    // in 0..=n for p in 0..=100 (the cast saturates outside), clamped to 1..=n.
    let rank = (p * n as f64 / 100.0).ceil() as usize;
    sorted.get(rank.clamp(1, n.max(1)) - 1).copied()
}

impl Stats {
    /// The figures of `samples` (ns per iteration). `None` when there is no sample, or one is
    /// not finite and positive.
    pub fn from_samples(samples: &[f64]) -> Option<Stats> {
        if samples.is_empty() || samples.iter().any(|s| !s.is_finite() || *s <= 0.0) {
            return None;
        }
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        let p25 = percentile(&sorted, 25.0)?;
        let p50 = percentile(&sorted, 50.0)?;
        let p75 = percentile(&sorted, 75.0)?;
        Some(Stats {
            samples: sorted.len(),
            p25_ns: p25,
            p50_ns: p50,
            p75_ns: p75,
            p95_ns: percentile(&sorted, 95.0)?,
            noise: (p75 - p25) / p50,
        })
    }
}

/// One benchmark's current result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BenchResult {
    /// Its id (`group/function/parameter`).
    pub id: String,
    /// Its figures.
    #[serde(flatten)]
    pub stats: Stats,
    /// criterion's own median point estimate (`new/estimates.json`), when read from
    /// criterion and present; for reference only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub criterion_median_ns: Option<f64>,
}

/// Where results were read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "path", rename_all = "lowercase")]
pub enum Source {
    /// The documented results file.
    Json(PathBuf),
    /// criterion's directory.
    Criterion(PathBuf),
}

/// Results read after a successful bench command.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measured {
    /// Where they came from.
    pub source: Source,
    /// The benchmarks, sorted by id.
    pub benchmarks: Vec<BenchResult>,
    /// criterion results older than this run, ignored.
    pub stale_ignored: usize,
}

/// A bench command that ran.
#[derive(Debug)]
pub struct Measurement {
    /// The command line.
    pub command: String,
    /// The log as kept in the run record (command line, output, exit status).
    pub log: String,
    /// The results, or why there are none.
    pub results: Result<Measured, BenchError>,
}

/// The results file's path for `workspace`.
pub fn results_path(workspace: &Workspace) -> PathBuf {
    workspace.target_dir.join(RESULTS_FILE)
}

/// Runs `[bench] command` in the workspace root and reads the results (module docs).
/// `Err` only when the command could not be started; everything after that is in
/// [`Measurement::results`], with the log.
pub fn measure(
    workspace: &Workspace,
    config: &Config,
    environment: &Environment,
) -> Result<Measurement, BenchError> {
    measure_with_timeout(workspace, config, environment, DEFAULT_TIMEOUT)
}

/// What to write in gate.toml when a workspace has no benchmarks.
pub const NO_BENCHMARKS_LINE: &str =
    "[bench] no-benchmarks = { owner = \"<who decided>\", reason = \"<why none are needed>\" }";

/// The bench targets of the workspace's members, as cargo finds them: every `[[bench]]` of a
/// member's Cargo.toml, and (unless `autobenches = false`) `benches/*.rs` and
/// `benches/*/main.rs`. Each as (member, path), the path workspace-relative and
/// `/`-separated, sorted. Read from the files, so it costs no cargo call; a manifest that
/// does not parse counts as none of its own (`config.valid` and cargo report it).
pub fn bench_targets(workspace: &Workspace) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for member in &workspace.members {
        let manifest = crate::workspace::read_toml(&member.dir.join("Cargo.toml"));
        let mut paths: Vec<PathBuf> = Vec::new();
        let declared = manifest
            .as_ref()
            .and_then(|m| m.get("bench"))
            .and_then(toml::Value::as_array);
        for bench in declared.into_iter().flatten() {
            let path = bench.get("path").and_then(toml::Value::as_str);
            let name = bench.get("name").and_then(toml::Value::as_str);
            match (path, name) {
                (Some(path), _) => paths.push(member.dir.join(path)),
                (None, Some(name)) => {
                    paths.push(member.dir.join("benches").join(format!("{name}.rs")))
                }
                (None, None) => {}
            }
        }
        let auto = manifest
            .as_ref()
            .and_then(|m| m.get("package"))
            .and_then(|p| p.get("autobenches"))
            .and_then(toml::Value::as_bool)
            != Some(false);
        if auto && let Ok(entries) = std::fs::read_dir(member.dir.join("benches")) {
            for entry in entries.flatten() {
                let path = entry.path();
                let main = path.join("main.rs");
                if path.extension().is_some_and(|e| e == "rs") && path.is_file() {
                    paths.push(path);
                } else if main.is_file() {
                    paths.push(main);
                }
            }
        }
        for path in paths {
            let target = (
                member.name.clone(),
                crate::shared::locate::relative(&workspace.root, &path),
            );
            if !found.contains(&target) {
                found.push(target);
            }
        }
    }
    found.sort();
    found
}

/// [`measure`] with a given timeout.
pub fn measure_with_timeout(
    workspace: &Workspace,
    config: &Config,
    environment: &Environment,
    timeout: Duration,
) -> Result<Measurement, BenchError> {
    let settings = config.section(&crate::shared::sections::BENCH);
    let command = settings.command.join(" ");
    let Some((program, args)) = settings.command.split_first() else {
        return Err(BenchError::Start {
            command,
            source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "empty command"),
        });
    };
    let json = results_path(workspace);
    match std::fs::remove_file(&json) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_error(&json)(e)),
    }
    // The command may write the results file without creating the directory first.
    let _ = std::fs::create_dir_all(&workspace.target_dir);
    let mut cmd = Command::new(program);
    cmd.args(args)
        .current_dir(&workspace.root)
        .env(RESULTS_ENV, &json)
        .env("GATE_SEED", environment.seed.to_string())
        .envs(crate::tools::cargo::ENV);
    if environment.offline {
        cmd.env("CARGO_NET_OFFLINE", "true");
    }
    // Files written by this run are at least as new as this; the slack covers file systems
    // whose modification times are coarser than the clock.
    let started = SystemTime::now();
    let since = started
        .checked_sub(Duration::from_secs(2))
        .unwrap_or(started);
    let captured = cargo::run_captured_for(cmd, timeout).map_err(|source| BenchError::Start {
        command: command.clone(),
        source,
    })?;
    let results = if captured.stopped.is_some() {
        Err(BenchError::TimedOut {
            command: command.clone(),
            timeout,
        })
    } else if !captured.success() {
        Err(command_failure(&captured, &command, environment.offline))
    } else {
        collect_results(&workspace.target_dir, Some(since))
    };
    Ok(Measurement {
        command,
        log: captured.log_file(),
        results,
    })
}

fn command_failure(captured: &Captured, command: &str, offline: bool) -> BenchError {
    if let Some(unavailable) = cargo::classify_unavailable_before_tests(&captured.log, offline) {
        return BenchError::Unavailable {
            reason: unavailable.reason(),
        };
    }
    let mut tail: Vec<String> = captured
        .log
        .lines()
        .rev()
        .filter(|l| !l.trim().is_empty())
        .take(5)
        .map(|l| l.trim_end().to_owned())
        .collect();
    tail.reverse();
    BenchError::Failed {
        command: command.to_owned(),
        code: captured.code,
        tail,
    }
}

/// The results under `target_dir`: the results file when present, else criterion's
/// `new/` directories modified at or after `since` (all of them when `None`).
pub fn collect_results(
    target_dir: &Path,
    since: Option<SystemTime>,
) -> Result<Measured, BenchError> {
    let json = target_dir.join(RESULTS_FILE);
    if json.is_file() {
        return Ok(Measured {
            benchmarks: read_json_results(&json)?,
            source: Source::Json(json),
            stale_ignored: 0,
        });
    }
    let criterion = target_dir.join("criterion");
    let (benchmarks, stale_ignored) = read_criterion(&criterion, since)?;
    if benchmarks.is_empty() {
        return Err(BenchError::NoResults {
            looked: vec![json, criterion.join("**/new/sample.json")],
        });
    }
    Ok(Measured {
        source: Source::Criterion(criterion),
        benchmarks,
        stale_ignored,
    })
}

#[derive(Deserialize)]
struct RawResults {
    schema_version: u32,
    benchmarks: Vec<RawBenchmark>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBenchmark {
    id: String,
    samples_ns: Vec<f64>,
}

/// Reads the documented results file (module docs), sorted by id.
pub fn read_json_results(path: &Path) -> Result<Vec<BenchResult>, BenchError> {
    let bytes = std::fs::read(path).map_err(io_error(path))?;
    let raw: RawResults = serde_json::from_slice(&bytes)
        .map_err(|e| malformed(path, format!("not a benchmark results file: {e}")))?;
    if raw.schema_version != SCHEMA_VERSION {
        return Err(malformed(
            path,
            format!(
                "schema_version {} is not supported (expected {SCHEMA_VERSION})",
                raw.schema_version
            ),
        ));
    }
    let mut out = Vec::new();
    for bench in raw.benchmarks {
        if bench.id.trim().is_empty() {
            return Err(malformed(path, "a benchmark has an empty id"));
        }
        let stats = Stats::from_samples(&bench.samples_ns).ok_or_else(|| {
            malformed(
                path,
                format!(
                    "benchmark `{}` needs at least one sample, each finite and > 0 ns",
                    bench.id
                ),
            )
        })?;
        out.push(BenchResult {
            id: bench.id,
            stats,
            criterion_median_ns: None,
        });
    }
    sort_unique(out, path)
}

fn sort_unique(mut out: Vec<BenchResult>, path: &Path) -> Result<Vec<BenchResult>, BenchError> {
    out.sort_by(|a, b| a.id.cmp(&b.id));
    if let Some(pair) = out.windows(2).find(|w| w[0].id == w[1].id) {
        return Err(malformed(
            path,
            format!("benchmark `{}` appears twice", pair[0].id),
        ));
    }
    Ok(out)
}

#[derive(Deserialize)]
struct CriterionSample {
    iters: Vec<f64>,
    times: Vec<f64>,
}

/// Reads criterion's results under `dir` (`<target-dir>/criterion`): every `new/` directory
/// holding `sample.json`, modified at or after `since` when given. Returns the benchmarks,
/// sorted by id, and how many older ones were ignored. A missing `dir` is no results.
pub fn read_criterion(
    dir: &Path,
    since: Option<SystemTime>,
) -> Result<(Vec<BenchResult>, usize), BenchError> {
    let mut out = Vec::new();
    let mut stale = 0;
    if !dir.is_dir() {
        return Ok((out, stale));
    }
    let mut stack = vec![dir.to_owned()];
    while let Some(current) = stack.pop() {
        let entries = std::fs::read_dir(&current).map_err(io_error(&current))?;
        for entry in entries {
            let entry = entry.map_err(io_error(&current))?;
            // Symbolic links are not followed (file_type does not follow them).
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            if !is_dir {
                continue;
            }
            let path = entry.path();
            let sample = path.join("sample.json");
            if entry.file_name() != "new" || !sample.is_file() {
                stack.push(path);
                continue;
            }
            if let Some(since) = since {
                let modified = std::fs::metadata(&sample)
                    .and_then(|m| m.modified())
                    .map_err(io_error(&sample))?;
                if modified < since {
                    stale += 1;
                    continue;
                }
            }
            let id = current
                .strip_prefix(dir)
                .unwrap_or(&current)
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            if id.is_empty() {
                return Err(malformed(
                    &sample,
                    "criterion results directly under criterion/ have no benchmark id",
                ));
            }
            out.push(read_criterion_benchmark(id, &path)?);
        }
    }
    Ok((sort_unique(out, dir)?, stale))
}

fn read_criterion_benchmark(id: String, new_dir: &Path) -> Result<BenchResult, BenchError> {
    let sample_path = new_dir.join("sample.json");
    let bytes = std::fs::read(&sample_path).map_err(io_error(&sample_path))?;
    let sample: CriterionSample = serde_json::from_slice(&bytes)
        .map_err(|e| malformed(&sample_path, format!("not a criterion sample file: {e}")))?;
    if sample.iters.len() != sample.times.len() {
        return Err(malformed(
            &sample_path,
            format!(
                "{} iteration counts but {} times",
                sample.iters.len(),
                sample.times.len()
            ),
        ));
    }
    let per_iteration: Vec<f64> = sample
        .iters
        .iter()
        .zip(&sample.times)
        .map(|(iters, time)| time / iters)
        .collect();
    let stats = Stats::from_samples(&per_iteration).ok_or_else(|| {
        malformed(
            &sample_path,
            "needs at least one sample with iterations > 0 and a time > 0",
        )
    })?;
    let estimates_path = new_dir.join("estimates.json");
    let criterion_median_ns = std::fs::read(&estimates_path)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| v["median"]["point_estimate"].as_f64());
    Ok(BenchResult {
        id,
        stats,
        criterion_median_ns,
    })
}

/// One benchmark of the baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineEntry {
    /// Its id.
    pub id: String,
    /// Median, ns per iteration.
    pub p50_ns: f64,
    /// 95th percentile, ns per iteration.
    pub p95_ns: f64,
    /// (p75 − p25) / p50 when the baseline was measured.
    pub noise: f64,
}

/// The baseline file (module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    /// Schema version ([`SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// When it was measured (RFC 3339).
    pub created_at: String,
    /// The git commit measured.
    pub commit: Option<String>,
    /// rustc's release.
    pub toolchain: Option<String>,
    /// The host triple.
    pub host: Option<String>,
    /// The benchmarks, sorted by id.
    pub benchmarks: Vec<BaselineEntry>,
}

/// `[bench] baseline`, resolved against the workspace root.
pub fn baseline_path(workspace: &Workspace, config: &Config) -> PathBuf {
    workspace
        .root
        .join(config.section(&crate::shared::sections::BENCH).baseline)
}

/// Reads the baseline at `path`: `None` when there is no file.
pub fn read_baseline(path: &Path) -> Result<Option<Baseline>, BenchError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error(path)(e)),
    };
    let baseline: Baseline = serde_json::from_slice(&bytes).map_err(|e| {
        malformed(
            path,
            format!("not a benchmark baseline: {e} (recreate it with `{SAVE_BASELINE_COMMAND}`)"),
        )
    })?;
    if baseline.schema_version != SCHEMA_VERSION {
        return Err(malformed(
            path,
            format!(
                "schema_version {} is not supported (expected {SCHEMA_VERSION}; recreate it with `{SAVE_BASELINE_COMMAND}`)",
                baseline.schema_version
            ),
        ));
    }
    for entry in &baseline.benchmarks {
        let sane = |v: f64| v.is_finite() && v > 0.0;
        if entry.id.trim().is_empty()
            || !sane(entry.p50_ns)
            || !sane(entry.p95_ns)
            || !entry.noise.is_finite()
            || entry.noise < 0.0
        {
            return Err(malformed(
                path,
                format!(
                    "benchmark `{}` needs an id, p50_ns and p95_ns > 0 and a noise ≥ 0",
                    entry.id
                ),
            ));
        }
    }
    let mut ids: Vec<&str> = baseline.benchmarks.iter().map(|b| b.id.as_str()).collect();
    ids.sort_unstable();
    if let Some(pair) = ids.windows(2).find(|w| w[0] == w[1]) {
        return Err(malformed(
            path,
            format!("benchmark `{}` appears twice", pair[0]),
        ));
    }
    Ok(Some(baseline))
}

/// The baseline `benchmarks` make, with run metadata from `environment`.
pub fn baseline_from(environment: &Environment, benchmarks: &[BenchResult]) -> Baseline {
    let mut entries: Vec<BaselineEntry> = benchmarks
        .iter()
        .map(|b| BaselineEntry {
            id: b.id.clone(),
            p50_ns: b.stats.p50_ns,
            p95_ns: b.stats.p95_ns,
            noise: b.stats.noise,
        })
        .collect();
    entries.sort_by(|a, b| a.id.cmp(&b.id));
    Baseline {
        schema_version: SCHEMA_VERSION,
        created_at: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        commit: environment.git_commit.clone(),
        toolchain: environment.rustc.get("release").cloned(),
        host: environment.host.clone(),
        benchmarks: entries,
    }
}

/// Writes the baseline of `benchmarks` to `[bench] baseline` (`cargo gate bench
/// --save-baseline`): a temporary file next to it, synced, then renamed over it, so the
/// baseline is the old one or the new one, never half of either. Returns its path.
pub fn save_baseline(
    workspace: &Workspace,
    config: &Config,
    environment: &Environment,
    benchmarks: &[BenchResult],
) -> Result<PathBuf, BenchError> {
    if benchmarks.is_empty() {
        return Err(BenchError::NothingToSave);
    }
    let path = baseline_path(workspace, config);
    write_baseline(&path, &baseline_from(environment, benchmarks))?;
    Ok(path)
}

/// Writes `baseline` to `path` atomically (temporary file + rename).
pub fn write_baseline(path: &Path, baseline: &Baseline) -> Result<(), BenchError> {
    let bytes = gate_support::json::pretty_bytes(baseline).expect("baseline serialises");
    gate_support::atomic::write(path, &bytes).map_err(io_error(path))
}

/// The verdict on one benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BenchVerdict {
    /// Within the threshold (or faster beyond the noise).
    Pass,
    /// Slower than the threshold allows (beyond the noise when the noise is larger).
    Regressed,
    /// The noise is larger than the threshold and the change is within it.
    Inconclusive,
    /// In the baseline, no result now.
    Missing,
    /// A result now, not in the baseline.
    New,
}

/// One benchmark compared with the baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// The benchmark id.
    pub id: String,
    /// The verdict.
    pub verdict: BenchVerdict,
    /// (current − baseline) / baseline on p50.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slower_p50: Option<f64>,
    /// (current − baseline) / baseline on p95.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slower_p95: Option<f64>,
    /// max(current noise, baseline noise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub noise: Option<f64>,
    /// The baseline figures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineEntry>,
    /// The current figures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current: Option<Stats>,
}

/// The verdict on one benchmark present in both (module docs): returns the verdict, the
/// slowdowns on p50 and p95, and the noise used.
pub fn judge(
    baseline: &BaselineEntry,
    current: &Stats,
    max_regression: f64,
) -> (BenchVerdict, f64, f64, f64) {
    let slower_p50 = (current.p50_ns - baseline.p50_ns) / baseline.p50_ns;
    let slower_p95 = (current.p95_ns - baseline.p95_ns) / baseline.p95_ns;
    let worst = slower_p50.max(slower_p95);
    let noise = current.noise.max(baseline.noise);
    let verdict = if noise > max_regression {
        if worst > noise {
            BenchVerdict::Regressed
        } else if worst < -noise {
            BenchVerdict::Pass
        } else {
            BenchVerdict::Inconclusive
        }
    } else if worst > max_regression {
        BenchVerdict::Regressed
    } else {
        BenchVerdict::Pass
    };
    (verdict, slower_p50, slower_p95, noise)
}

/// Compares every benchmark of the baseline and of the current results, sorted by id.
pub fn compare(
    baseline: &Baseline,
    current: &[BenchResult],
    max_regression: f64,
) -> Vec<Comparison> {
    let mut out: Vec<Comparison> = baseline
        .benchmarks
        .iter()
        .map(|base| match current.iter().find(|c| c.id == base.id) {
            None => Comparison {
                id: base.id.clone(),
                verdict: BenchVerdict::Missing,
                slower_p50: None,
                slower_p95: None,
                noise: None,
                baseline: Some(base.clone()),
                current: None,
            },
            Some(now) => {
                let (verdict, p50, p95, noise) = judge(base, &now.stats, max_regression);
                Comparison {
                    id: base.id.clone(),
                    verdict,
                    slower_p50: Some(p50),
                    slower_p95: Some(p95),
                    noise: Some(noise),
                    baseline: Some(base.clone()),
                    current: Some(now.stats),
                }
            }
        })
        .collect();
    for now in current {
        if !baseline.benchmarks.iter().any(|b| b.id == now.id) {
            out.push(Comparison {
                id: now.id.clone(),
                verdict: BenchVerdict::New,
                slower_p50: None,
                slower_p95: None,
                noise: None,
                baseline: None,
                current: Some(now.stats),
            });
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

/// A duration in nanoseconds for people: `850 ns`, `12.3 µs`, `1.20 ms`, `2.50 s`.
pub fn format_ns(ns: f64) -> String {
    if ns < 1e3 {
        format!("{ns:.0} ns")
    } else if ns < 1e6 {
        format!("{:.3} µs", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.3} ms", ns / 1e6)
    } else {
        format!("{:.3} s", ns / 1e9)
    }
}

/// A fraction as a signed percentage: `+12.0%`, `-3.5%`.
pub fn format_change(fraction: f64) -> String {
    format!("{:+.1}%", fraction * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(p50: f64, p95: f64, noise: f64) -> Stats {
        Stats {
            samples: 10,
            p25_ns: p50,
            p50_ns: p50,
            p75_ns: p50,
            p95_ns: p95,
            noise,
        }
    }

    fn entry(id: &str, p50: f64, p95: f64, noise: f64) -> BaselineEntry {
        BaselineEntry {
            id: id.into(),
            p50_ns: p50,
            p95_ns: p95,
            noise,
        }
    }

    fn baseline(entries: Vec<BaselineEntry>) -> Baseline {
        Baseline {
            schema_version: 1,
            created_at: "2026-11-20T00:00:00Z".into(),
            commit: None,
            toolchain: None,
            host: None,
            benchmarks: entries,
        }
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let sorted: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(percentile(&sorted, 0.0), Some(1.0));
        assert_eq!(percentile(&sorted, 25.0), Some(3.0)); // rank ceil(2.5) = 3
        assert_eq!(percentile(&sorted, 50.0), Some(5.0)); // rank 5
        assert_eq!(percentile(&sorted, 75.0), Some(8.0)); // rank ceil(7.5) = 8
        assert_eq!(percentile(&sorted, 95.0), Some(10.0)); // rank ceil(9.5) = 10
        assert_eq!(percentile(&sorted, 100.0), Some(10.0));
        assert_eq!(percentile(&[7.0], 95.0), Some(7.0));
        let hundred: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&hundred, 95.0), Some(95.0));
        assert_eq!(percentile(&hundred, 50.0), Some(50.0));
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn stats_from_unsorted_samples() {
        let s = Stats::from_samples(&[10.0, 2.0, 8.0, 4.0, 6.0, 1.0, 3.0, 5.0, 7.0, 9.0]).unwrap();
        assert_eq!(s.samples, 10);
        assert_eq!(
            (s.p25_ns, s.p50_ns, s.p75_ns, s.p95_ns),
            (3.0, 5.0, 8.0, 10.0)
        );
        assert!((s.noise - 1.0).abs() < 1e-12, "{}", s.noise); // (8 - 3) / 5
        let flat = Stats::from_samples(&[100.0; 5]).unwrap();
        assert_eq!(flat.noise, 0.0);
        assert!(Stats::from_samples(&[]).is_none());
        assert!(Stats::from_samples(&[1.0, 0.0]).is_none());
        assert!(Stats::from_samples(&[1.0, f64::NAN]).is_none());
    }

    #[test]
    fn judging_is_table_driven() {
        // (baseline p50, p95, noise), (current p50, p95, noise), threshold → verdict
        let cases = [
            (
                "unchanged",
                (100.0, 120.0, 0.01),
                (100.0, 120.0, 0.01),
                BenchVerdict::Pass,
            ),
            (
                "within threshold",
                (100.0, 120.0, 0.01),
                (104.0, 124.0, 0.01),
                BenchVerdict::Pass,
            ),
            (
                "exactly at threshold",
                (100.0, 100.0, 0.0),
                (105.0, 105.0, 0.0),
                BenchVerdict::Pass,
            ),
            (
                "regress p50",
                (100.0, 120.0, 0.01),
                (110.0, 121.0, 0.01),
                BenchVerdict::Regressed,
            ),
            (
                "regress p95",
                (100.0, 120.0, 0.01),
                (101.0, 140.0, 0.01),
                BenchVerdict::Regressed,
            ),
            (
                "faster",
                (100.0, 120.0, 0.01),
                (50.0, 60.0, 0.01),
                BenchVerdict::Pass,
            ),
            (
                "noisy now",
                (100.0, 120.0, 0.01),
                (110.0, 125.0, 0.30),
                BenchVerdict::Inconclusive,
            ),
            (
                "noisy baseline",
                (100.0, 120.0, 0.30),
                (102.0, 121.0, 0.01),
                BenchVerdict::Inconclusive,
            ),
            (
                "noisy, beyond noise",
                (100.0, 120.0, 0.10),
                (150.0, 180.0, 0.10),
                BenchVerdict::Regressed,
            ),
            (
                "noisy, faster beyond noise",
                (100.0, 120.0, 0.10),
                (50.0, 60.0, 0.10),
                BenchVerdict::Pass,
            ),
        ];
        for (name, (bp50, bp95, bn), (cp50, cp95, cn), want) in cases {
            let (got, ..) = judge(&entry("b", bp50, bp95, bn), &stats(cp50, cp95, cn), 0.05);
            assert_eq!(got, want, "{name}");
        }
        let (_, p50, p95, noise) = judge(
            &entry("b", 100.0, 200.0, 0.02),
            &stats(110.0, 190.0, 0.04),
            0.05,
        );
        assert!((p50 - 0.10).abs() < 1e-12 && (p95 + 0.05).abs() < 1e-12);
        assert_eq!(noise, 0.04);
    }

    #[test]
    fn missing_and_new_benchmarks() {
        let base = baseline(vec![
            entry("a", 100.0, 110.0, 0.01),
            entry("gone", 100.0, 110.0, 0.01),
        ]);
        let current = [
            BenchResult {
                id: "a".into(),
                stats: stats(100.0, 110.0, 0.01),
                criterion_median_ns: None,
            },
            BenchResult {
                id: "added".into(),
                stats: stats(5.0, 6.0, 0.01),
                criterion_median_ns: None,
            },
        ];
        let verdicts: Vec<(String, BenchVerdict)> = compare(&base, &current, 0.05)
            .into_iter()
            .map(|c| (c.id, c.verdict))
            .collect();
        assert_eq!(
            verdicts,
            [
                ("a".to_owned(), BenchVerdict::Pass),
                ("added".to_owned(), BenchVerdict::New),
                ("gone".to_owned(), BenchVerdict::Missing),
            ]
        );
    }

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn criterion_tree_is_read_with_ids_from_directories() {
        let dir = tempfile::tempdir().unwrap();
        let criterion = dir.path().join("criterion");
        // 4 samples: 100, 200, 300, 400 ns per iteration.
        write(
            &criterion.join("parse/small/new/sample.json"),
            r#"{"sampling_mode":"Linear","iters":[1.0,2.0,3.0,4.0],"times":[100.0,400.0,900.0,1600.0]}"#,
        );
        write(
            &criterion.join("parse/small/new/estimates.json"),
            r#"{"median":{"point_estimate":251.5,"standard_error":1.0}}"#,
        );
        write(
            &criterion.join("parse/small/base/sample.json"),
            r#"{"iters":[1.0],"times":[1.0]}"#,
        );
        write(
            &criterion.join("encode/new/sample.json"),
            r#"{"iters":[10.0],"times":[50.0]}"#,
        );
        write(&criterion.join("report/index.html"), "<html>");
        let (results, stale) = read_criterion(&criterion, None).unwrap();
        assert_eq!(stale, 0);
        let ids: Vec<&str> = results.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["encode", "parse/small"]);
        let small = &results[1].stats;
        assert_eq!(small.samples, 4);
        assert_eq!((small.p50_ns, small.p95_ns), (200.0, 400.0));
        assert_eq!(results[1].criterion_median_ns, Some(251.5));
        assert_eq!(results[0].stats.p50_ns, 5.0);

        // Results older than the run are ignored and counted.
        let future = SystemTime::now() + Duration::from_secs(3600);
        let (results, stale) = read_criterion(&criterion, Some(future)).unwrap();
        assert!(results.is_empty());
        assert_eq!(stale, 2);

        // The JSON file wins over criterion; with neither, the error says where it looked.
        assert!(matches!(
            collect_results(dir.path(), None).unwrap().source,
            Source::Criterion(_)
        ));
        let err = collect_results(dir.path(), Some(future)).unwrap_err();
        assert!(err.to_string().contains("gate-bench.json"), "{err}");
        assert!(err.to_string().contains("new/sample.json"), "{err}");
        write(
            &dir.path().join(RESULTS_FILE),
            r#"{"schema_version":1,"benchmarks":[{"id":"x","samples_ns":[3.0,1.0,2.0]}]}"#,
        );
        let measured = collect_results(dir.path(), None).unwrap();
        assert!(matches!(measured.source, Source::Json(_)));
        assert_eq!(measured.benchmarks[0].stats.p50_ns, 2.0);
    }

    #[test]
    fn malformed_inputs_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let criterion = dir.path().join("criterion");
        write(
            &criterion.join("bad/new/sample.json"),
            r#"{"iters":[1.0,2.0],"times":[1.0]}"#,
        );
        let err = read_criterion(&criterion, None).unwrap_err().to_string();
        assert!(err.contains("2 iteration counts but 1 times"), "{err}");
        let json = dir.path().join("r.json");
        for (text, expect) in [
            (
                r#"{"schema_version":2,"benchmarks":[]}"#,
                "schema_version 2",
            ),
            (
                r#"{"schema_version":1,"benchmarks":[{"id":"a","samples_ns":[]}]}"#,
                "needs at least one sample",
            ),
            (
                r#"{"schema_version":1,"benchmarks":[{"id":"a","samples_ns":[1]},{"id":"a","samples_ns":[1]}]}"#,
                "appears twice",
            ),
            ("[", "not a benchmark results file"),
        ] {
            write(&json, text);
            let err = read_json_results(&json).unwrap_err().to_string();
            assert!(err.contains(expect), "{err}");
            assert!(err.contains("r.json"), "{err}");
        }
    }

    #[test]
    fn baseline_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let workspace = Workspace::for_tests(dir.path(), &[]);
        let config = Config::default();
        let environment = Environment::for_tests();
        let results = vec![
            BenchResult {
                id: "z/last".into(),
                stats: Stats::from_samples(&[10.0, 10.0, 10.1, 10.1]).unwrap(),
                criterion_median_ns: None,
            },
            BenchResult {
                id: "a/first".into(),
                stats: Stats::from_samples(&[1000.0, 1001.0]).unwrap(),
                criterion_median_ns: Some(1000.5),
            },
        ];
        assert_eq!(
            read_baseline(&baseline_path(&workspace, &config)).unwrap(),
            None
        );
        let path = save_baseline(&workspace, &config, &environment, &results).unwrap();
        assert_eq!(path, dir.path().join("benches/baseline.json"));
        let read = read_baseline(&path).unwrap().unwrap();
        assert_eq!(read.commit, environment.git_commit);
        assert_eq!(read.toolchain.as_deref(), Some("1.95.0"));
        assert_eq!(read.host.as_deref(), Some("x86_64-unknown-linux-gnu"));
        let ids: Vec<&str> = read.benchmarks.iter().map(|b| b.id.as_str()).collect();
        assert_eq!(ids, ["a/first", "z/last"]);
        assert_eq!(read.benchmarks[1].p50_ns, 10.0);
        assert_eq!(read.benchmarks[1].p95_ns, 10.1);
        // Nothing else is left in the directory (the temporary file was renamed).
        let names: Vec<String> = std::fs::read_dir(dir.path().join("benches"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["baseline.json"]);
        // Comparing the results with their own baseline passes.
        assert!(
            compare(&read, &results, 0.05)
                .iter()
                .all(|c| c.verdict == BenchVerdict::Pass)
        );
        assert!(matches!(
            save_baseline(&workspace, &config, &environment, &[]),
            Err(BenchError::NothingToSave)
        ));
        std::fs::write(&path, r#"{"schema_version":1}"#).unwrap();
        let err = read_baseline(&path).unwrap_err().to_string();
        assert!(err.contains("cargo gate bench --save-baseline"), "{err}");
    }

    #[test]
    fn formats_for_people() {
        assert_eq!(format_ns(850.0), "850 ns");
        assert_eq!(format_ns(12_345.0), "12.345 µs");
        assert_eq!(format_ns(1_200_000.0), "1.200 ms");
        assert_eq!(format_ns(2.5e9), "2.500 s");
        assert_eq!(format_change(0.12), "+12.0%");
        assert_eq!(format_change(-0.035), "-3.5%");
    }
}
