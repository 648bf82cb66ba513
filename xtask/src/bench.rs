//! `cargo xtask bench`: the benchmarks behind docs/PERFORMANCE.md, each measured against a
//! baseline in the same run, and the table written back into that file.
//!
//! 1. `cargo gate pilot` on this repository vs plain `cargo test --locked --workspace` on the
//!    same tree and warm target dir (goal: ≤ 1.10× + 0.3 s).
//! 2. The unsafe/FFI scanner (`examples/scan_tree`) on a generated tree of Rust source vs
//!    `grep -rcw unsafe` over the same tree (goal: at least as fast, peak RSS < 100 MB).
//!
//! 3. gate-build on gate-kernels' sources: a cold build with one job against the same build
//!    with two (goal: ≥ 1.7× with ≥ 4 sources), and a no-change rebuild (goal: zero nvcc
//!    invocations, under 1 s).
//!
//! 4. gate-runtime: each CPU reference's throughput, and the runtime's dispatch overhead
//!    over calling the reference directly (goal: under 1 µs per call). The GPU half is
//!    gate-runtime's `gpu_bench` example (copy bandwidth, kernels against it, SGEMM against
//!    cuBLAS, launch overhead, graph against launches); where this machine has no GPU it
//!    says so, and `--gpu-json FILE` renders a result that binary printed on a GPU machine.
//!
//! 2b. The secret scanner (`examples/secrets_tree`) on the same kind of tree with planted
//!    secrets, against ripgrep running the same patterns (goals: at least ripgrep's
//!    throughput, every planted secret found).
//!
//! 5. A static run (`cargo gate controlled --skip tests.pass`) on a generated 50-member
//!    workspace that uses no gate-build, against a cold `cargo build --workspace` of the same
//!    tree (goals: ≤ 2 s, and no target/debug afterwards: nothing compiled).
//!
//! 6. The evidence cache: `cargo gate controlled` on this repository (release build, warm
//!    target dir) with an empty cache, then unchanged (goals: ≤ 0.5 s and ≤ 0.05× the cold
//!    run); then after a one-line change in one crate against plain
//!    `cargo test --locked --workspace` after the same kind of change (goal: ≤ 1.10×).
//!
//! 7. Bounded memory: `cargo gate pilot --no-cache` and `cargo gate controlled --only
//!    secrets.scan` on a crate that tracks a 1 GiB file, peak RSS (GNU time's `%M`) against
//!    the same commands without the file (goal: ≤ 100 MB).
//!
//! 8. A change costs only what it touches (the test run kept per test binary): `cargo gate
//!    pilot --only tests.pass` after a one-line change against plain `cargo test --locked
//!    --workspace` after the same kind of change, alternated, medians of at least 5: on a
//!    workspace we did not write after a change in a leaf crate (`--workspace DIR --leaf
//!    FILE`; goal ≤ 0.5×), on this repository after a change in gate-build (goal ≤ 0.6×), in
//!    gate-support, which everything depends on (goal ≤ 1.05×), and in two leaf crates of the
//!    split, gate-record and gate-ci (goal ≤ 1.0×); `--leaf FILE` alone picks one of this
//!    repository's four cases.
//!
//! 9. The nvcc witness (gate-witness, as the gate installs it: the release cargo-gate called
//!    as `nvcc`): gate-kernels' sources compiled one at a time through it against raw nvcc,
//!    alternated (goal: ≤ 1.02×; the records it writes are counted).
//!
//! 10. The gate's own cost on generated workspaces (`bench/overhead.rs`): `pilot --no-cache`
//!     against plain `cargo test` on a bin-only crate and a 9-member workspace (goal ≤ 1.10×),
//!     under nextest where it is installed, and a static run against `cargo metadata
//!     --locked`, warm and cold, on the bin-only crate and 500 members (goal ≤ 1.5×).
//!
//! Options: `--runs N` (default 3), `--tree-mb N` (default 100), `--only pilot|scan|secrets|kernels|witness|runtime|gpu|broad|static|cache|memory|affected|overhead`,
//! `--workspace DIR` (the pilot benchmark on another workspace, e.g. a real CLI checkout,
//! instead of this repository; its verdict is reported, not required to be READY),
//! `--gpu-json FILE` (GPU figures from `gpu_bench`'s output, or from the GPU bundle's summary,
//! whose block in docs/PERFORMANCE.md's GPU section is written too; `--only gpu` with it
//! writes that block alone and leaves the main table be),
//! `--no-write` (print the table, leave the file alone).

mod affected;
mod gpu_summary;
mod kernels;
mod memory;
mod overhead;
mod scanners;
mod witness;

use affected::affected;
use kernels::{gpu, kernels, runtime};
use memory::memory;
use scanners::{scan, secrets};

use crate::{gen_secrets, gen_tree, project_root, say, shell};
use anyhow::{Context, Result, bail};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use xshell::{Cmd, Shell, cmd};

const BEGIN: &str = "<!-- xtask-bench:begin -->";
const END: &str = "<!-- xtask-bench:end -->";

struct Options {
    runs: usize,
    tree_mb: u64,
    only: Option<String>,
    gpu_json: Option<PathBuf>,
    write: bool,
    workspace: Option<PathBuf>,
    leaf: Option<PathBuf>,
}

fn parse(args: &[String]) -> Result<Options> {
    let mut opts = Options {
        runs: 3,
        tree_mb: 100,
        only: None,
        gpu_json: None,
        write: true,
        workspace: None,
        leaf: None,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || it.next().context("option needs a value");
        match arg.as_str() {
            "--runs" => opts.runs = value()?.parse().context("--runs takes a number")?,
            "--tree-mb" => opts.tree_mb = value()?.parse().context("--tree-mb takes a number")?,
            "--only" => opts.only = Some(value()?.clone()),
            "--gpu-json" => opts.gpu_json = Some(PathBuf::from(value()?)),
            "--no-write" => opts.write = false,
            "--workspace" => opts.workspace = Some(PathBuf::from(value()?)),
            "--leaf" => opts.leaf = Some(PathBuf::from(value()?)),
            other => bail!("unknown option `{other}`"),
        }
    }
    if opts.runs == 0 {
        bail!("--runs must be at least 1");
    }
    Ok(opts)
}

pub(crate) fn run(args: &[String]) -> Result<()> {
    let opts = parse(args)?;
    if opts.only.as_deref() == Some("gpu") {
        return gpu_summary::only(&opts);
    }
    let root = project_root();
    let mut rows = Vec::new();
    if opts.only.as_deref().is_none_or(|o| o == "pilot") {
        rows.extend(pilot(&root, opts.workspace.as_deref(), opts.runs)?);
    }
    if opts.only.as_deref().is_none_or(|o| o == "static") {
        rows.extend(static_run(&root, opts.runs)?);
    }
    if opts.only.as_deref().is_none_or(|o| o == "scan") {
        rows.extend(scan(&root, opts.tree_mb)?);
    }
    if opts.only.as_deref().is_none_or(|o| o == "secrets") {
        rows.extend(secrets(&root, opts.tree_mb)?);
    }
    if opts.only.as_deref().is_none_or(|o| o == "kernels") {
        rows.extend(kernels(&root, opts.runs)?);
    }
    if opts.only.as_deref().is_none_or(|o| o == "witness") {
        rows.extend(witness::witness(&root, opts.runs)?);
    }
    if opts.only.as_deref().is_none_or(|o| o == "runtime") {
        rows.extend(runtime(&root)?);
        rows.extend(gpu(&root, opts.gpu_json.as_deref())?);
    }
    if opts.only.as_deref().is_none_or(|o| o == "cache") {
        rows.extend(cache(&root, opts.runs)?);
    }
    if opts.only.as_deref().is_none_or(|o| o == "bom") {
        rows.extend(bom(&root, opts.workspace.as_deref(), opts.runs)?);
    }
    if opts.only.as_deref().is_none_or(|o| o == "memory") {
        rows.extend(memory(&root)?);
    }
    if opts.only.as_deref().is_none_or(|o| o == "broad") {
        rows.extend(stage_split(&root, "broad")?);
    }
    if opts.only.as_deref().is_none_or(|o| o == "affected") {
        rows.extend(affected(&root, &opts)?);
    }
    if opts.only.as_deref().is_none_or(|o| o == "overhead") {
        rows.extend(overhead::overhead(&root, opts.runs)?);
    }
    let table = render(&rows, &opts);
    let mut stdout = std::io::stdout().lock();
    std::io::Write::write_all(&mut stdout, table.as_bytes())?;
    if opts.write {
        let path = root.join("docs/PERFORMANCE.md");
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("failed to read {}", path.display()))?;
        let (Some(b), Some(e)) = (text.find(BEGIN), text.find(END)) else {
            bail!("{} lacks the {BEGIN} … {END} markers", path.display());
        };
        let updated = format!("{}{BEGIN}\n{table}{}", &text[..b], &text[e..]);
        std::fs::write(&path, updated)?;
        say(&format!("wrote {}", path.display()));
        if let Some(file) = opts.gpu_json.as_deref() {
            let v: Value = serde_json::from_slice(&std::fs::read(file)?)?;
            if gpu_summary::is_summary(&v) {
                gpu_summary::write_section(&root, &v, &file.display().to_string())?;
            }
        }
    }
    Ok(())
}

impl Row {
    /// A row that says why nothing was measured (no baseline, no goal judged).
    fn not_measured(what: &str, why: &str) -> Row {
        Row {
            what: what.to_owned(),
            baseline: "—".to_owned(),
            measured: format!("not measured: {why}"),
            ratio: "—".to_owned(),
            goal: "—".to_owned(),
            met: None,
        }
    }
}

struct Row {
    what: String,
    baseline: String,
    measured: String,
    ratio: String,
    goal: String,
    /// `None` for figures reported without a goal.
    met: Option<bool>,
}

fn render(rows: &[Row], opts: &Options) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "Measured by `cargo xtask bench --runs {} --tree-mb {}` on {} ({} CPUs).\n\n",
        opts.runs,
        opts.tree_mb,
        machine(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    ));
    out.push_str("| benchmark | baseline (same run) | cargo-gate | ratio | goal | met |\n");
    out.push_str("|---|---|---|---|---|---|\n");
    for r in rows {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            r.what,
            r.baseline,
            r.measured,
            r.ratio,
            r.goal,
            match r.met {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "—",
            }
        ));
    }
    out
}

fn machine() -> String {
    Shell::new()
        .and_then(|sh| cmd!(sh, "uname -sm").quiet().ignore_status().output())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|_| std::env::consts::OS.to_owned())
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

/// Locks a generated workspace in `dir` (offline: it has no registry dependency) and commits
/// it to a new git repository, as a gated tree is.
fn commit_generated(dir: &Path) -> Result<()> {
    let sh = shell(dir)?;
    checked(
        cmd!(sh, "cargo generate-lockfile --offline"),
        "cargo generate-lockfile",
    )?;
    for args in [
        &["init", "-q"][..],
        &["add", "-A"],
        &[
            "-c",
            "user.name=bench",
            "-c",
            "user.email=bench@example.invalid",
            "commit",
            "-qm",
            "generated",
        ],
    ] {
        checked(cmd!(sh, "git {args...}"), "git")?;
    }
    Ok(())
}

/// A timed cargo command in `root`: a std `Command`, see [`time`].
fn cargo(root: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new("cargo");
    cmd.args(args).current_dir(root);
    cmd
}

/// Plain `cargo test` in `ws`, the baseline a gated test run is held to, with `GATE_RUN_DIR`
/// set to `run_dir` as the gate sets it for its own test run: both then run the same tests,
/// since a test may skip inside a gate run (this repository's release dry run, which would
/// gate this repository again, does).
fn plain_tests(ws: &Path, args: &[&str], run_dir: &Path) -> Command {
    let mut cmd = cargo(ws, &[&["test"], args].concat());
    cmd.env("GATE_RUN_DIR", run_dir);
    cmd
}

/// The wall time and exit code of `cmd`, its output discarded. Timed commands stay std
/// `Command`s: the exit code is read (xshell's `run` gives only success or an error) and
/// nothing but the child's spawn and wait is measured.
fn time(mut cmd: Command) -> Result<(Duration, i32)> {
    cmd.stdout(Stdio::null())
        .stderr(Stdio::null())
        .stdin(Stdio::null());
    let start = Instant::now();
    let status = cmd.status().context("failed to start a timed command")?;
    Ok((start.elapsed(), status.code().unwrap_or(-1)))
}

/// Runs one raw nvcc of the timed baseline (a std `Command`, see its caller).
fn nvcc_checked(cmd: &mut Command) -> Result<()> {
    let status = cmd.status().context("failed to run raw nvcc")?;
    if !status.success() {
        bail!("raw nvcc failed ({status})");
    }
    Ok(())
}

/// Runs `cmd` with its output on the terminal (not echoed); a non-zero exit is an error.
fn checked(cmd: Cmd<'_>, what: &str) -> Result<()> {
    cmd.quiet().run().with_context(|| format!("{what} failed"))
}

/// Builds `--example name` of `package` in release mode and returns the executable.
fn release_example(root: &Path, package: &str, name: &str) -> Result<PathBuf> {
    let sh = shell(root)?;
    checked(
        cmd!(
            sh,
            "cargo build --locked --release -p {package} --example {name}"
        ),
        &format!("cargo build --example {name}"),
    )?;
    Ok(target_dir(root)
        .join("release/examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX)))
}

/// Runs a harness that prints one JSON line `runs` times and keeps the fastest run (by its
/// `seconds` field, which the harness measures itself); the first run also warms the page
/// cache. Its stdout and stderr are captured; on failure, stderr is the error.
fn best_json_run(runs: usize, name: &str, command: Cmd<'_>) -> Result<Value> {
    let command = command.quiet().ignore_status();
    let mut best: Option<Value> = None;
    for _ in 0..runs {
        let output = command.output()?;
        if !output.status.success() {
            bail!("{name} failed: {}", String::from_utf8_lossy(&output.stderr));
        }
        let v: Value = serde_json::from_slice(&output.stdout)
            .with_context(|| format!("{name} printed no JSON"))?;
        if best
            .as_ref()
            .is_none_or(|b| v["seconds"].as_f64() < b["seconds"].as_f64())
        {
            best = Some(v);
        }
    }
    best.context("no run")
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

/// Builds the gate (debug, as a user's `cargo install --debug` or `cargo run` would) and
/// returns its executable.
/// Builds the debug `cargo-gate` binary and returns its path.
pub(crate) fn gate_binary(root: &Path) -> Result<PathBuf> {
    let sh = shell(root)?;
    checked(
        cmd!(sh, "cargo build --locked -p cargo-gate"),
        "cargo build",
    )?;
    Ok(target_dir(root)
        .join("debug")
        .join(format!("cargo-gate{}", std::env::consts::EXE_SUFFIX)))
}

/// Builds cargo-gate in release mode (as installed) and returns the executable.
fn release_gate_binary(root: &Path) -> Result<PathBuf> {
    let sh = shell(root)?;
    checked(
        cmd!(sh, "cargo build --locked --release -p cargo-gate"),
        "cargo build --release",
    )?;
    Ok(target_dir(root)
        .join("release")
        .join(format!("cargo-gate{}", std::env::consts::EXE_SUFFIX)))
}

/// Benchmark 1: the pilot gate against plain `cargo test` on the same warm tree.
fn pilot(root: &Path, workspace: Option<&Path>, runs: usize) -> Result<Vec<Row>> {
    say("pilot: building cargo-gate and warming the target dir");
    let gate = gate_binary(root)?;
    let gated_root = workspace.unwrap_or(root);
    let sh = shell(gated_root)?;
    checked(
        cmd!(sh, "cargo test --locked --workspace --no-run"),
        "cargo test --no-run",
    )?;
    let out = tempfile_dir("pilot-out")?;
    let run_dir = tempfile_dir("pilot-run-dir")?;
    let plain_run = || plain_tests(gated_root, &["--locked", "--workspace"], &run_dir);
    // Timed: std `Command`s (see `time`).
    let gate_cmd = || {
        let mut cmd = Command::new(&gate);
        // --no-cache: this benchmark measures what the gate adds to a test run it makes;
        // the cache benchmark measures what reuse saves.
        cmd.args(["gate", "pilot", "--no-cache", "--out"])
            .arg(&out)
            .current_dir(gated_root);
        cmd
    };
    // One untimed run of each, so both start from the same warm state.
    time(plain_run())?;
    let (_, verdict) = time(gate_cmd())?;
    let (mut plain, mut gated) = (Vec::new(), Vec::new());
    for i in 0..runs {
        say(&format!("pilot: run {}/{runs}", i + 1));
        // Alternate the order so drift (thermal, cache) does not favour one side.
        let order = if i % 2 == 0 {
            [true, false]
        } else {
            [false, true]
        };
        for is_gate in order {
            if is_gate {
                let (t, code) = time(gate_cmd())?;
                if code != 0 && workspace.is_none() {
                    bail!(
                        "`cargo gate pilot` on this repository exited {code}; the benchmark needs a READY run"
                    );
                }
                gated.push(t);
            } else {
                let (t, code) = time(plain_run())?;
                if code != 0 {
                    bail!("`cargo test --locked --workspace` failed; fix the tests first");
                }
                plain.push(t);
            }
        }
    }
    let _ = std::fs::remove_dir_all(&out);
    let _ = std::fs::remove_dir_all(&run_dir);
    let (p, g) = (median(plain), median(gated));
    let ratio = g.as_secs_f64() / p.as_secs_f64();
    let limit = p.as_secs_f64() * 1.10 + 0.3;
    let on = match workspace {
        Some(dir) => format!(
            "on `{}` (exit {verdict})",
            dir.file_name().map_or_else(
                || dir.display().to_string(),
                |n| n.to_string_lossy().into_owned()
            )
        ),
        None => "on this repo".to_owned(),
    };
    Ok(vec![Row {
        what: format!("`cargo gate pilot` {on}, warm target dir, median of {runs}"),
        baseline: format!(
            "`cargo test --locked --workspace` (`GATE_RUN_DIR` set): {:.2} s",
            p.as_secs_f64()
        ),
        measured: format!("{:.2} s", g.as_secs_f64()),
        ratio: format!("{ratio:.3}×"),
        goal: format!("≤ 1.10× + 0.3 s (≤ {limit:.2} s)"),
        met: Some(g.as_secs_f64() <= limit),
    }])
}

/// The file the cache benchmark changes by one line: a crate in the middle of the graph
/// (gate-runtime: the runtime, its tests, the example service and the integration tests
/// depend on it).
const ONE_LINE_CRATE_FILE: &str = "gate-runtime/src/lib.rs";

/// Benchmark 6: the evidence cache on this repository.
fn cache(root: &Path, runs: usize) -> Result<Vec<Row>> {
    say("cache: building cargo-gate (release, as installed) and warming the target dir");
    let sh = shell(root)?;
    let gate = release_gate_binary(root)?;
    checked(
        cmd!(sh, "cargo test --locked --workspace --no-run"),
        "cargo test --no-run",
    )?;
    let out = tempfile_dir("cache-out")?;
    let run_dir = tempfile_dir("cache-run-dir")?;
    // deps.advisories needs a RustSec database for the run to be READY. Without one where the
    // gate looks (CARGO_GATE_ADVISORY_DB, cargo-audit's and cargo-deny's places), the tests'
    // hand-written one stands in:
    // the times then leave out reading a real database (about 65 ms, PERFORMANCE.md item 10).
    let stand_in = matches!(
        cargo_gate::deps::advisories::locate(None, root),
        cargo_gate::deps::advisories::Located::Missing(_)
    );
    if stand_in {
        say("cache: no RustSec database here; deps.advisories reads tests/fixtures/advisory-db");
    }
    let controlled = || {
        let mut cmd = Command::new(&gate);
        cmd.args(["gate", "controlled", "--out"])
            .arg(&out)
            .current_dir(root);
        if stand_in {
            cmd.env(
                "CARGO_GATE_ADVISORY_DB",
                root.join("tests/fixtures/advisory-db"),
            );
        }
        cmd
    };
    let ready = |code: i32, what: &str| -> Result<()> {
        if code != 0 {
            bail!("`cargo gate controlled` {what} exited {code}; the benchmark needs a READY run");
        }
        Ok(())
    };
    let (mut colds, mut warms) = (Vec::new(), Vec::new());
    for i in 0..runs {
        say(&format!("cache: cold and unchanged runs {}/{runs}", i + 1));
        let _ = std::fs::remove_dir_all(&out);
        let (cold, code) = time(controlled())?;
        ready(code, "with an empty cache")?;
        let (warm, code) = time(controlled())?;
        ready(code, "unchanged")?;
        colds.push(cold);
        warms.push(warm);
    }
    let (cold, warm) = (median(colds), median(warms));

    // A one-line change: each side gets a change of its own (a comment line with a new
    // number), so each has the same crate and its dependents to rebuild and every test to run.
    let file = root.join(ONE_LINE_CRATE_FILE);
    let original = std::fs::read_to_string(&file)?;
    let result = (|| -> Result<(Duration, Duration)> {
        let (mut gated, mut plain) = (Vec::new(), Vec::new());
        let mut n = 0;
        let mut change = || -> Result<()> {
            n += 1;
            std::fs::write(&file, format!("{original}// cache benchmark change {n}\n"))?;
            Ok(())
        };
        for i in 0..runs {
            say(&format!("cache: one-line change, run {}/{runs}", i + 1));
            let order = if i % 2 == 0 {
                [true, false]
            } else {
                [false, true]
            };
            for is_gate in order {
                change()?;
                if is_gate {
                    let (t, code) = time(controlled())?;
                    ready(code, "after a one-line change")?;
                    gated.push(t);
                } else {
                    let (t, code) =
                        time(plain_tests(root, &["--locked", "--workspace"], &run_dir))?;
                    if code != 0 {
                        bail!("`cargo test --locked --workspace` failed; fix the tests first");
                    }
                    plain.push(t);
                }
            }
        }
        Ok((median(gated), median(plain)))
    })();
    std::fs::write(&file, &original)?;
    let _ = std::fs::remove_dir_all(&out);
    let _ = std::fs::remove_dir_all(&run_dir);
    let (changed, plain) = result?;
    let ratio = warm.as_secs_f64() / cold.as_secs_f64();
    let change_ratio = changed.as_secs_f64() / plain.as_secs_f64();
    Ok(vec![
        Row {
            what: format!(
                "`cargo gate controlled` on this repo, unchanged re-run, median of {runs}"
            ),
            baseline: format!("the same with an empty cache: {:.2} s", cold.as_secs_f64()),
            measured: format!("{:.3} s", warm.as_secs_f64()),
            ratio: format!("{ratio:.4}×"),
            goal: "≤ 0.5 s and ≤ 0.05×".to_owned(),
            met: Some(warm.as_secs_f64() <= 0.5 && ratio <= 0.05),
        },
        Row {
            what: format!(
                "`cargo gate controlled` after a one-line change in `{ONE_LINE_CRATE_FILE}`, median of {runs}"
            ),
            baseline: format!(
                "`cargo test --locked --workspace` (`GATE_RUN_DIR` set) after the same change: {:.2} s",
                plain.as_secs_f64()
            ),
            measured: format!("{:.2} s", changed.as_secs_f64()),
            ratio: format!("{change_ratio:.3}×"),
            goal: "≤ 1.10×".to_owned(),
            met: Some(change_ratio <= 1.10),
        },
    ])
}

/// Members of the generated workspace of the static benchmark.
const STATIC_MEMBERS: usize = 50;

/// A static run on a generated 50-member workspace without gate-build: it must compile
/// nothing. Baseline: a cold `cargo build --workspace` of the same tree.
fn static_run(root: &Path, runs: usize) -> Result<Vec<Row>> {
    let gate = gate_binary(root)?;
    let dir = tempfile_dir("static-ws")?;
    let _ = std::fs::remove_dir_all(&dir);
    say(&format!(
        "static: generating a {STATIC_MEMBERS}-member workspace"
    ));
    let mut members = String::new();
    for i in 0..STATIC_MEMBERS {
        let name = format!("crate{i:02}");
        members.push_str(&format!("\"{name}\", "));
        let src = dir.join(&name).join("src");
        std::fs::create_dir_all(&src)?;
        let dep = if i > 0 {
            format!(
                "[dependencies]\ncrate{:02} = {{ path = \"../crate{:02}\" }}\n",
                i - 1,
                i - 1
            )
        } else {
            String::new()
        };
        std::fs::write(
            dir.join(&name).join("Cargo.toml"),
            format!(
                "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n{dep}"
            ),
        )?;
        std::fs::write(
            src.join("lib.rs"),
            format!(
                "//! Generated.\n\n/// Adds.\npub fn add{i}(a: u64, b: u64) -> u64 {{\n    a.wrapping_add(b)\n}}\n"
            ),
        )?;
    }
    std::fs::write(
        dir.join("Cargo.toml"),
        format!("[workspace]\nmembers = [{members}]\nresolver = \"2\"\n"),
    )?;
    commit_generated(&dir)?;
    let out = dir.join("gate-out");
    let mut walls = Vec::new();
    for i in 0..runs.max(1) {
        say(&format!("static: run {}/{runs}", i + 1));
        // Timed: a std `Command` (see `time`).
        let mut cmd = Command::new(&gate);
        cmd.args(["gate", "controlled", "--skip", "tests.pass", "--out"])
            .arg(&out)
            .current_dir(&dir);
        walls.push(time(cmd)?.0);
    }
    let compiled = dir.join("target/debug").exists();
    say("static: baseline, a cold `cargo build --workspace`");
    let (build, code) = time(cargo(&dir, &["build", "--workspace", "--offline"]))?;
    if code != 0 {
        bail!("`cargo build --workspace` of the generated workspace failed");
    }
    let _ = std::fs::remove_dir_all(&dir);
    let wall = median(walls);
    Ok(vec![Row {
        what: format!(
            "`cargo gate controlled --skip tests.pass` on a generated {STATIC_MEMBERS}-member workspace without gate-build, median of {runs}{}",
            if compiled {
                " (COMPILED: target/debug exists)"
            } else {
                ", nothing compiled"
            }
        ),
        baseline: format!(
            "cold `cargo build --workspace`: {:.2} s",
            build.as_secs_f64()
        ),
        measured: format!("{:.2} s", wall.as_secs_f64()),
        ratio: format!("{:.3}×", wall.as_secs_f64() / build.as_secs_f64()),
        goal: "≤ 2 s and nothing compiled".to_owned(),
        met: Some(wall.as_secs_f64() <= 2.0 && !compiled),
    }])
}

/// Benchmark 10: the CUDA bill of materials (release build, as installed), on `workspace`
/// (a git checkout) or this repository. (a) What `kernels.shipped` adds to a static run:
/// `controlled` without the checks that build (`tests.pass`, `kernels.build`,
/// `cuda.contracts`), with and without it, medians of `runs` alternated (goal: ≤ 100 ms). (b) Reading the artifacts: `cargo gate kernels` minus `--no-build` minus
/// cargo's own no-op `cargo test --no-run` of the same fresh build, against that no-op, with
/// the bytes read (linear: the throughput is reported).
fn bom(root: &Path, workspace: Option<&Path>, runs: usize) -> Result<Vec<Row>> {
    let gate = release_gate_binary(root)?;
    let dir = workspace.unwrap_or(root);
    let out = tempfile_dir("bom-out")?;
    let gate_cmd = |args: &[&str]| {
        let mut cmd = Command::new(&gate);
        cmd.arg("gate")
            .args(args)
            .arg("--out")
            .arg(&out)
            .current_dir(dir);
        cmd.stdout(Stdio::null()).stderr(Stdio::null());
        cmd
    };
    let (mut with, mut without) = (Vec::new(), Vec::new());
    for i in 0..runs.max(1) {
        say(&format!("bom: static run {}/{runs}", i + 1));
        // Nothing builds (neither tests.pass nor kernels.build runs), so kernels.shipped does
        // the source and graph inventory only.
        let skip = [
            "controlled",
            "--no-cache",
            "--skip",
            "tests.pass",
            "--skip",
            "kernels.build",
            "--skip",
            "cuda.contracts",
        ];
        with.push(time(gate_cmd(&skip))?.0);
        let mut both = skip.to_vec();
        both.extend(["--skip", "kernels.shipped"]);
        without.push(time(gate_cmd(&both))?.0);
    }
    let (with, without) = (median(with), median(without));
    let added = with.saturating_sub(without);
    let kernels = |extra: &[&str]| {
        let mut cmd = Command::new(&gate);
        cmd.args(["gate", "kernels", "--format", "json"])
            .args(extra)
            .current_dir(dir);
        cmd
    };
    // Warm: the build exists and is fresh, so what is timed below is reading it.
    let warm = kernels(&[]).output()?;
    let bom: Value =
        serde_json::from_slice(&warm.stdout).context("cargo gate kernels --format json")?;
    let bytes = bom["artifacts"]["bytes"].as_u64().unwrap_or(0);
    let files = bom["artifacts"]["files"].as_u64().unwrap_or(0);
    let (mut full, mut sources, mut noop) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..runs.max(1) {
        say(&format!("bom: artifact read {}/{runs}", i + 1));
        full.push(time(kernels(&[]))?.0);
        sources.push(time(kernels(&["--no-build"]))?.0);
        noop.push(
            time(cargo(
                dir,
                &[
                    "test",
                    "--no-run",
                    "--locked",
                    "--workspace",
                    "--message-format=json",
                ],
            ))?
            .0,
        );
    }
    let (full, sources, noop) = (median(full), median(sources), median(noop));
    let read = full.saturating_sub(sources).saturating_sub(noop);
    let mb = bytes as f64 / 1e6;
    let name = dir.file_name().map_or_else(
        || "workspace".to_owned(),
        |n| n.to_string_lossy().into_owned(),
    );
    Ok(vec![
        Row {
            what: format!(
                "`kernels.shipped` in a static `cargo gate controlled --no-cache` (nothing built) on {name}: the source and graph inventory, median of {runs}"
            ),
            baseline: format!("the same run without it: {:.3} s", without.as_secs_f64()),
            measured: format!(
                "+{:.0} ms ({:.3} s)",
                added.as_secs_f64() * 1e3,
                with.as_secs_f64()
            ),
            ratio: format!(
                "{:.3}×",
                with.as_secs_f64() / without.as_secs_f64().max(1e-9)
            ),
            goal: "≤ 100 ms added".to_owned(),
            met: Some(added.as_secs_f64() <= 0.1),
        },
        Row {
            what: format!(
                "reading the build's artifacts for GPU code on {name}: {files} files, {mb:.0} MB (`cargo gate kernels` − `--no-build` − cargo's no-op build), median of {runs}"
            ),
            baseline: format!(
                "cargo's no-op `cargo test --no-run` of the same build: {:.2} s",
                noop.as_secs_f64()
            ),
            measured: format!(
                "{:.2} s ({:.0} MB/s)",
                read.as_secs_f64(),
                mb / read.as_secs_f64().max(1e-9)
            ),
            ratio: format!("{:.2}×", read.as_secs_f64() / noop.as_secs_f64().max(1e-9)),
            goal: "linear in the bytes read (reported)".to_owned(),
            met: None,
        },
    ])
}

fn tempfile_dir(name: &str) -> Result<PathBuf> {
    let dir = target_dir(&project_root()).join("xtask-bench").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// `cargo gate STAGE` on this repository: wall time, split by check (reported).
fn stage_split(root: &Path, stage: &str) -> Result<Vec<Row>> {
    let gate = gate_binary(root)?;
    let out = tempfile_dir("stage-out")?;
    say(&format!(
        "{stage}: running `cargo gate {stage}` on this repository"
    ));
    let start = Instant::now();
    // Timed, and its exit code is no error (the report says why): a std `Command`.
    let output = Command::new(&gate)
        .args(["gate", stage, "--format", "json", "--out"])
        .arg(&out)
        .current_dir(root)
        .output()?;
    let wall = start.elapsed();
    let _ = std::fs::remove_dir_all(&out);
    let report: Value =
        serde_json::from_slice(&output.stdout).context("cargo gate printed no JSON")?;
    let mut checks: Vec<(String, u64, String)> = report["checks"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            (
                c["id"].as_str().unwrap_or_default().to_owned(),
                c["duration_ms"].as_u64().unwrap_or(0),
                c["status"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    checks.sort_by_key(|c| std::cmp::Reverse(c.1));
    let mut rows = vec![Row {
        what: format!("`cargo gate {stage}` on this repo, wall time"),
        baseline: "—".to_owned(),
        measured: format!(
            "{:.2} s ({})",
            wall.as_secs_f64(),
            report["verdict"]["line"].as_str().unwrap_or("?")
        ),
        ratio: "—".to_owned(),
        goal: "— (reported)".to_owned(),
        met: None,
    }];
    for (id, ms, status) in checks {
        rows.push(Row {
            what: format!("  {stage}: `{id}` ({status})"),
            baseline: "—".to_owned(),
            measured: format!("{:.2} s", ms as f64 / 1000.0),
            ratio: format!(
                "{:.1} % of the wall time",
                ms as f64 / wall.as_secs_f64() / 10.0
            ),
            goal: "— (reported)".to_owned(),
            met: None,
        });
    }
    Ok(rows)
}
