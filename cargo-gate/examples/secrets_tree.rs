//! Benchmark harness: scans every file under a directory for secrets with the scanner of
//! `secrets.scan` (source scope, in parallel) and prints one line of JSON with throughput and
//! counts per kind.
//!
//! ```text
//! cargo run --release -p cargo-gate --example secrets_tree -- DIR [--threads N]
//!     [--patterns-out FILE] [--findings-out FILE]
//! ```
//!
//! `--patterns-out FILE` writes the detectors' regexes one per line, for `rg -f FILE`, so a
//! benchmark can run ripgrep with the same patterns (ripgrep skips the validation step, so
//! its counts are an upper bound). `--findings-out FILE` writes one JSON object per finding
//! (`path`, `line`, `column`, `kind`, the redacted `excerpt`), so planted secrets can be
//! matched against what was found.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line example reports on stdout and stderr"
)]

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use cargo_gate::secrets::{self, FileScan, Scope};
use serde::Serialize;

/// The single JSON line printed on stdout.
#[derive(Debug, Serialize)]
struct Report {
    files: u64,
    bytes: u64,
    findings: u64,
    seconds: f64,
    mb_per_s: f64,
    findings_by_kind: BTreeMap<&'static str, u64>,
    /// Binary files and files over the size cap, listed but not scanned.
    skipped: u64,
    threads: usize,
}

/// One line of `--findings-out`.
#[derive(Debug, Serialize)]
struct FoundLine<'a> {
    path: &'a Path,
    line: u32,
    column: u32,
    kind: &'static str,
    excerpt: &'a str,
}

/// Parsed command line.
#[derive(Debug)]
struct Args {
    dir: PathBuf,
    threads: usize,
    patterns_out: Option<PathBuf>,
    findings_out: Option<PathBuf>,
}

const USAGE: &str =
    "usage: secrets_tree DIR [--threads N] [--patterns-out FILE] [--findings-out FILE]";

fn main() -> Result<()> {
    let args = parse_args()?;
    if let Some(path) = &args.patterns_out {
        std::fs::write(path, secrets::ripgrep_patterns(Scope::Source))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let started = Instant::now();
    let (files, walk_errors) = list_files(&args.dir)?;
    let paths: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let results = secrets::scan_files(&paths, Scope::Source, secrets::MAX_FILE_BYTES, args.threads);
    let seconds = started.elapsed().as_secs_f64();

    let mut found_out = match &args.findings_out {
        Some(path) => Some(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?,
        )),
        None => None,
    };
    let mut report = Report {
        files: 0,
        bytes: 0,
        findings: 0,
        seconds,
        mb_per_s: 0.0,
        findings_by_kind: BTreeMap::new(),
        skipped: 0,
        threads: args.threads,
    };
    let mut errors = walk_errors;
    for (path, result) in paths.iter().zip(results) {
        match result {
            Ok(FileScan::Scanned { bytes, findings }) => {
                report.files += 1;
                report.bytes += bytes;
                for f in findings {
                    report.findings += 1;
                    *report.findings_by_kind.entry(f.kind).or_default() += 1;
                    if let Some(out) = &mut found_out {
                        let line = FoundLine {
                            path,
                            line: f.line,
                            column: f.column,
                            kind: f.kind,
                            excerpt: &f.excerpt,
                        };
                        serde_json::to_writer(&mut *out, &line)?;
                        out.write_all(b"\n")?;
                    }
                }
            }
            Ok(FileScan::Binary { .. }) => report.skipped += 1,
            Err(_) => errors += 1,
        }
    }
    if let Some(mut out) = found_out {
        out.flush()?;
    }
    if errors > 0 {
        eprintln!("secrets_tree: {errors} file(s) or directories could not be read");
    }
    if seconds > 0.0 {
        report.mb_per_s = report.bytes as f64 / 1e6 / seconds;
    }
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}

fn parse_args() -> Result<Args> {
    let mut dir = None;
    let mut threads = None;
    let mut patterns_out = None;
    let mut findings_out = None;
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        let text = arg.to_string_lossy().into_owned();
        match text.as_str() {
            "--threads" => {
                let value = args.next().context("--threads needs a value")?;
                let n: usize = value
                    .to_string_lossy()
                    .parse()
                    .context("--threads must be a positive integer")?;
                threads = Some(n.max(1));
            }
            "--patterns-out" => {
                patterns_out = Some(PathBuf::from(
                    args.next().context("--patterns-out needs a file")?,
                ));
            }
            "--findings-out" => {
                findings_out = Some(PathBuf::from(
                    args.next().context("--findings-out needs a file")?,
                ));
            }
            _ if text.starts_with("--") => bail!("unknown option {text}; {USAGE}"),
            _ => {
                if dir.replace(PathBuf::from(arg)).is_some() {
                    bail!("more than one DIR given; {USAGE}");
                }
            }
        }
    }
    Ok(Args {
        dir: dir.context(USAGE)?,
        threads: threads.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        }),
        patterns_out,
        findings_out,
    })
}

/// Every regular file under `dir`, ignoring no files (hidden, gitignored) and following no
/// symlinks, so the set matches what `rg -uuu`/`grep -r` sees; plus the number of walk
/// errors.
fn list_files(dir: &Path) -> Result<(Vec<PathBuf>, u64)> {
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
        if entry.file_type().is_some_and(|t| t.is_file()) {
            files.push(entry.into_path());
        }
    }
    Ok((files, errors))
}
