//! `cargo xtask wine [-- TEST-ARGS…]`: the Windows tests, cross-compiled for
//! `x86_64-pc-windows-gnu` with mingw and run under Wine, so the code that only runs on
//! Windows (the Job Object, `nvcc.exe` discovery, replace-on-persist, drive-letter paths, the
//! driver probe without `nvcuda.dll`) runs somewhere we can see.
//!
//! What it needs, and what `.ci/run` installs: the rustup target, Debian's
//! `gcc-mingw-w64-x86-64` and `wine64`. What it makes itself, under `target/wine`: a throwaway
//! Wine prefix, and in it `bcryptprimitives.dll` built from `xtask/wine/bcryptprimitives.c`
//! (Rust's standard library takes its randomness from that DLL's `ProcessPrng`, which Wine 8
//! lacks: without the shim every test binary fails to load with exit 53).
//!
//! Which tests: every package's unit tests but gate-tests' (its integration tests drive a
//! cargo, and there is no Windows cargo here) and xtask's. Tests that need a program Wine
//! cannot give (a Windows git or cargo) skip with the reason printed; see
//! docs/ARCHITECTURE.md ("Windows and macOS").

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use xshell::cmd;

/// The Windows target the tests are built for.
pub(crate) const TARGET: &str = "x86_64-pc-windows-gnu";

/// The packages whose tests run under Wine.
pub(crate) const PACKAGES: &[&str] = &[
    "gate-support",
    "gate-formats",
    "gate-build",
    "gate-runtime",
    "gate-kernels",
    "gate-cuda",
    "gate-ci",
    "gate-scan",
    "gate-record",
    "cargo-gate",
];

/// The mingw C compiler (Debian's `gcc-mingw-w64-x86-64`), also the target's linker.
const MINGW_GCC: &str = "x86_64-w64-mingw32-gcc";

/// Where Debian's `wine64` puts the 64-bit loader; `GATE_WINE` overrides it.
const WINE_LOADERS: &[&str] = &["/usr/lib/wine/wine64", "/usr/bin/wine64", "/usr/bin/wine"];

pub(crate) fn run(args: &[String]) -> Result<()> {
    let root = crate::project_root();
    let sh = crate::shell(&root)?;
    let installed = cmd!(sh, "rustup target list --installed")
        .quiet()
        .read()
        .context("rustup could not list the installed targets")?;
    if !installed.lines().any(|t| t.trim() == TARGET) {
        // The pinned toolchain's own standard library for the target: rustup fetches it.
        crate::say(&format!("$ rustup target add {TARGET}"));
        cmd!(sh, "rustup target add {TARGET}")
            .quiet()
            .run()
            .with_context(|| format!("the {TARGET} standard library could not be installed"))?;
    }
    if which(MINGW_GCC).is_none() {
        bail!(
            "{MINGW_GCC} is missing: install Debian's gcc-mingw-w64-x86-64 \
             (`apt-get install gcc-mingw-w64-x86-64`)"
        );
    }
    let wine = wine_loader()?;
    let dir = root.join("target/wine");
    let prefix = prefix(&root, &dir, &wine)?;

    let args = args.strip_prefix(&["--".to_owned()]).unwrap_or(args);
    let packages: Vec<String> = PACKAGES.iter().map(|p| format!("--package={p}")).collect();
    crate::say(&format!(
        "$ cargo test --locked --target {TARGET} {} (under {})",
        packages.join(" "),
        wine.display()
    ));
    let runner_var = format!(
        "CARGO_TARGET_{}_RUNNER",
        TARGET.to_uppercase().replace('-', "_")
    );
    // Every test's output is kept (`--show-output`) so the reasons of the tests that skipped
    // can be counted; the whole log goes to target/wine/test.log.
    let output = cmd!(
        sh,
        "cargo test --locked --no-fail-fast --target {TARGET} {packages...} -- --show-output {args...}"
    )
    .env(runner_var, &wine)
    .env("WINEPREFIX", &prefix)
    .env("WINEDEBUG", "-all")
    // What the tests of the platform evidence check against what they detect themselves.
    .env("GATE_TESTS_UNDER_WINE", "1")
    // insta finds the workspace by asking cargo, which a Windows process cannot run here.
    .env("INSTA_WORKSPACE_ROOT", &root)
    // There is no nvcc.exe, nor a check-jsonschema, under Wine: the tests that need them skip
    // there, and the Linux run (where CI requires them) is what holds them to running.
    .env_remove("GATE_TESTS_REQUIRE_NVCC")
    .env_remove("GATE_TESTS_REQUIRE_SCHEMAS")
    .ignore_status()
    .output()?;
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let log_path = dir.join("test.log");
    std::fs::write(&log_path, &log)?;
    if !output.status.success() {
        let _ = std::io::Write::write_all(&mut std::io::stderr().lock(), log.as_bytes());
        bail!(
            "the Windows tests failed under Wine (the log: {})",
            log_path.display()
        );
    }
    let summary = summarize(&log);
    for line in &summary.results {
        crate::say(line);
    }
    for (reason, count) in &summary.skipped {
        crate::say(&format!("{count} test(s) {reason}"));
    }
    if !summary.unexpected.is_empty() {
        bail!(
            "tests skipped under Wine for a reason not accepted here (only a missing Windows \
             git, cargo, rustc, nvcc or C++ compiler is):\n  {}",
            summary.unexpected.join("\n  ")
        );
    }
    Ok(())
}

/// Why a test may skip under Wine: what a Windows machine with the tools would have and this
/// one cannot (there is no Windows git, cargo, rustc, nvcc or C++ compiler here).
const ACCEPTED_SKIPS: &[&str] = &[
    "skipped: git cannot be started here",
    "skipped: cargo cannot be started here",
    "skipped: rustc cannot be started here",
    "skipped: no nvcc found",
    "skipped: no C++ compiler",
];

#[derive(Debug, Default, PartialEq)]
struct Summary {
    /// Each test binary's `test result:` line.
    results: Vec<String>,
    /// Each accepted reason to skip, and how many tests gave it.
    skipped: Vec<(String, usize)>,
    /// Skip lines with a reason not accepted.
    unexpected: Vec<String>,
}

fn summarize(log: &str) -> Summary {
    let mut summary = Summary::default();
    let mut counts = std::collections::BTreeMap::new();
    for line in log.lines().map(str::trim) {
        if line.starts_with("test result:") {
            summary.results.push(line.to_owned());
        } else if line.starts_with("skipped:") {
            match ACCEPTED_SKIPS.iter().find(|a| line.starts_with(**a)) {
                Some(reason) => {
                    *counts
                        .entry(reason.trim_start_matches("skipped: "))
                        .or_insert(0) += 1
                }
                None => summary.unexpected.push(line.to_owned()),
            }
        }
    }
    summary.skipped = counts
        .into_iter()
        .map(|(reason, n)| (format!("skipped: {reason}"), n))
        .collect();
    summary
}

/// The Wine loader: `GATE_WINE`, else the first of [`WINE_LOADERS`] that exists.
fn wine_loader() -> Result<PathBuf> {
    if let Some(wine) = std::env::var_os("GATE_WINE") {
        return Ok(PathBuf::from(wine));
    }
    WINE_LOADERS
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .with_context(|| {
            format!(
                "no Wine loader ({}): install Debian's wine64 (`apt-get install wine64`) or \
                 set GATE_WINE",
                WINE_LOADERS.join(", ")
            )
        })
}

/// The throwaway prefix `dir/prefix`, created on first use, with the `ProcessPrng` shim built
/// from source into its `system32` (rebuilt when the source changes).
fn prefix(root: &Path, dir: &Path, wine: &Path) -> Result<PathBuf> {
    let prefix = dir.join("prefix");
    let system32 = prefix.join("drive_c/windows/system32");
    if !system32.join("kernel32.dll").is_file() {
        crate::say(&format!("creating the Wine prefix {}", prefix.display()));
        std::fs::create_dir_all(dir)?;
        let sh = crate::shell(root)?;
        cmd!(sh, "{wine} wineboot --init")
            .env("WINEPREFIX", &prefix)
            .env("WINEDEBUG", "-all")
            .quiet()
            .ignore_stderr()
            .run()
            .context("wineboot could not create the Wine prefix")?;
        if !system32.join("kernel32.dll").is_file() {
            bail!(
                "wineboot left no {}: the Wine prefix is incomplete",
                system32.display()
            );
        }
    }
    let source = root.join("xtask/wine/bcryptprimitives.c");
    let built = dir.join(format!("bcryptprimitives-{}.dll", digest_of(&source)?));
    if !built.is_file() {
        let sh = crate::shell(root)?;
        let temp = dir.join("bcryptprimitives.dll.tmp");
        cmd!(
            sh,
            "{MINGW_GCC} -shared -O2 -s -o {temp} {source} -ladvapi32"
        )
        .quiet()
        .run()
        .context("mingw could not build the ProcessPrng shim")?;
        gate_support::atomic::write(&built, &std::fs::read(&temp)?)?;
        std::fs::remove_file(&temp)?;
    }
    let installed = system32.join("bcryptprimitives.dll");
    gate_support::atomic::write_if_changed(&installed, &std::fs::read(&built)?)
        .with_context(|| format!("could not install {}", installed.display()))?;
    Ok(prefix)
}

/// A short digest of a file's bytes (names the built shim after its source).
fn digest_of(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(gate_support::digest::sha256_hex(&bytes)[..12].to_owned())
}

/// The program `name` on PATH.
fn which(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_are_counted_and_an_unaccepted_one_is_named() {
        let log = "test result: ok. 3 passed\n\
                   skipped: git cannot be started here (program not found); this test needs it\n\
                   skipped: git cannot be started here (program not found); this test needs it\n\
                   skipped: no nvcc found (NVCC: not set)\n\
                   skipped: a CUDA driver library is installed here\n";
        let summary = summarize(log);
        assert_eq!(summary.results, ["test result: ok. 3 passed"]);
        assert_eq!(
            summary.skipped,
            [
                ("skipped: git cannot be started here".to_owned(), 2),
                ("skipped: no nvcc found".to_owned(), 1)
            ]
        );
        assert_eq!(
            summary.unexpected,
            ["skipped: a CUDA driver library is installed here"]
        );
    }
}
