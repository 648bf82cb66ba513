//! Benchmark harness: scans every `*.rs` file under a directory for unsafe/FFI boundaries and
//! prints one line of JSON with throughput and peak memory.
//!
//! ```text
//! cargo run --release -p cargo-gate --example scan_tree -- DIR [--threads N]
//! ```
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line example reports on stdout and stderr"
)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use cargo_gate::shared::sources::scan_paths;
use serde::Serialize;

/// The single JSON line printed on stdout.
#[derive(Debug, Serialize)]
struct Report {
    files: u64,
    bytes: u64,
    hits: u64,
    unsafe_hits: u64,
    seconds: f64,
    mb_per_s: f64,
    peak_rss_kb: Option<u64>,
}

/// Totals over the whole tree.
#[derive(Debug, Default)]
struct Totals {
    files: u64,
    bytes: u64,
    hits: u64,
    unsafe_hits: u64,
    errors: u64,
}

fn main() -> Result<()> {
    let (dir, threads) = parse_args()?;
    let started = Instant::now();
    let (files, walk_errors) = list_rust_files(&dir)?;
    let paths: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let results = scan_paths(&paths, threads);
    let seconds = started.elapsed().as_secs_f64();

    let mut sum = Totals {
        errors: walk_errors,
        ..Totals::default()
    };
    for result in results {
        match result {
            Ok((bytes, hits)) => {
                sum.files += 1;
                sum.bytes += bytes;
                sum.hits += hits.len() as u64;
                sum.unsafe_hits +=
                    hits.iter().filter(|h| h.kind.is_unsafe_keyword()).count() as u64;
            }
            Err(_) => sum.errors += 1,
        }
    }
    if sum.errors > 0 {
        eprintln!(
            "scan_tree: {} file(s) or directories could not be read",
            sum.errors
        );
    }
    let report = Report {
        files: sum.files,
        bytes: sum.bytes,
        hits: sum.hits,
        unsafe_hits: sum.unsafe_hits,
        seconds,
        mb_per_s: if seconds > 0.0 {
            sum.bytes as f64 / 1e6 / seconds
        } else {
            0.0
        },
        peak_rss_kb: peak_rss_kb(),
    };
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}

/// `DIR [--threads N]`, with the thread count defaulting to the available parallelism.
fn parse_args() -> Result<(PathBuf, usize)> {
    let mut dir = None;
    let mut threads = None;
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        let text = arg.to_string_lossy();
        let value = if text == "--threads" {
            Some(args.next().context("--threads needs a value")?)
        } else {
            text.strip_prefix("--threads=").map(Into::into)
        };
        if let Some(value) = value {
            let n: usize = value
                .to_string_lossy()
                .parse()
                .context("--threads must be a positive integer")?;
            threads = Some(n.max(1));
        } else if text.starts_with("--") {
            bail!("unknown option {text}; usage: scan_tree DIR [--threads N]");
        } else if dir.replace(PathBuf::from(arg)).is_some() {
            bail!("more than one DIR given; usage: scan_tree DIR [--threads N]");
        }
    }
    let dir = dir.context("usage: scan_tree DIR [--threads N]")?;
    let threads = threads.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    Ok((dir, threads))
}

/// Every `*.rs` regular file under `dir`, ignoring no files (hidden, gitignored) and following
/// no symlinks, so the set matches what `grep -r` sees; plus the number of walk errors.
fn list_rust_files(dir: &Path) -> Result<(Vec<PathBuf>, u64)> {
    if !dir.is_dir() {
        bail!("{} is not a directory", dir.display());
    }
    let mut files = Vec::new();
    let mut errors = 0;
    for entry in ignore::WalkBuilder::new(dir)
        .standard_filters(false)
        .follow_links(false)
        .build()
    {
        let Ok(entry) = entry else {
            // An unreadable directory should not abort a whole-tree measurement.
            errors += 1;
            continue;
        };
        let is_file = entry.file_type().is_some_and(|t| t.is_file());
        if is_file && entry.path().extension().is_some_and(|e| e == "rs") {
            files.push(entry.into_path());
        }
    }
    Ok((files, errors))
}

/// Peak resident set size (`VmHWM`) in KiB, where the platform exposes it.
fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}
