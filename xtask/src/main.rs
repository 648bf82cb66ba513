//! `cargo xtask`: project automation in Rust (matklad's cargo-xtask pattern).
//!
//! - `cargo xtask ci` — the same steps as `.ci/run`: fmt check, clippy, tests.
//! - `cargo xtask bench` — the benchmarks of docs/PERFORMANCE.md, measured in one run, and
//!   the table written back into that file.
//! - `cargo xtask codegen [--check]` — docs/CHECKS.md and docs/CLI.md from the code.
//! - `cargo xtask gpu-bundle DIR` — everything a GPU machine without Rust runs in one call
//!   (`DIR/run.sh OUT`): the GPU binaries built here, and the summary they are judged into.
//! - `cargo xtask package` — every published crate packaged and verified from its `.crate`,
//!   never against an earlier run's unpacked copies.
//! - `cargo xtask release [--execute]` — our own release through our own broad gate: a
//!   reproducible bundle in target/bundle, and (with `--execute`) the annotated tag.
//! - `cargo xtask redactions LOG…` — what the secret redaction would hide in a log, to
//!   measure its false-redaction rate.
//! - `cargo xtask wine [-- TEST-ARGS…]` — the unit tests cross-compiled for Windows
//!   (`x86_64-pc-windows-gnu`) and run under Wine.

mod bench;
mod ci;
mod codegen;
mod gen_secrets;
mod gen_tree;
mod gpu_bundle;
mod package;
mod redactions;
mod release;
mod wine;

use anyhow::{Result, bail};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let mut stderr = std::io::stderr().lock();
            let _ = std::io::Write::write_fmt(&mut stderr, format_args!("error: {err:#}\n"));
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("ci") => ci::run(),
        Some("bench") => bench::run(&args[1..]),
        Some("codegen") => codegen::run(&args[1..]),
        Some("release") => release::run(&args[1..]),
        Some("package") => package::run(),
        Some("gpu-bundle") => gpu_bundle::run(&args[1..]),
        Some("redactions") => redactions::run(&args[1..]),
        Some("wine") => wine::run(&args[1..]),
        Some(other) => {
            bail!(
                "unknown task `{other}`; tasks: ci, bench, codegen, gpu-bundle, package, release, redactions, wine"
            )
        }
        None => bail!(
            "usage: cargo xtask <ci|bench|codegen|gpu-bundle|package|release|redactions|wine>"
        ),
    }
}

/// The workspace root (xtask lives one level below it).
fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask is inside the workspace")
        .to_owned()
}

/// An xshell shell whose commands run in `dir` (the process's environment, stdin null).
fn shell(dir: &Path) -> Result<xshell::Shell> {
    let sh = xshell::Shell::new()?;
    sh.change_dir(dir);
    Ok(sh)
}

/// Prints a progress line to stderr (stdout is for results).
fn say(line: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = std::io::Write::write_fmt(&mut stderr, format_args!("xtask: {line}\n"));
}
