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
//!    FILE`; goal ≤ 0.5×), on this repository after a change in gate-build (goal ≤ 0.6×) and
//!    in gate-support, which everything depends on (goal ≤ 1.05×); `--leaf FILE` alone picks
//!    one of this repository's two cases.
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
//! Options: `--runs N` (default 3), `--tree-mb N` (default 100), `--only pilot|scan|secrets|kernels|witness|runtime|broad|static|cache|memory|affected|overhead`,
//! `--workspace DIR` (the pilot benchmark on another workspace, e.g. a real CLI checkout,
//! instead of this repository; its verdict is reported, not required to be READY),
//! `--gpu-json FILE` (GPU figures from `gpu_bench`'s output instead of running it here),
//! `--no-write` (print the table, leave the file alone).

mod overhead;
mod witness;

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
        cargo_gate::advisories::locate(None, root),
        cargo_gate::advisories::Located::Missing(_)
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

/// Benchmark 8: after a one-line change, the gate's test run (only the binaries the change
/// touches run) against plain `cargo test` after the same kind of change. Each side gets a
/// change of its own (a comment line with a new number at the end of the file), alternated,
/// so both have the same crate and its dependents to rebuild.
fn affected(root: &Path, opts: &Options) -> Result<Vec<Row>> {
    let runs = opts.runs.max(5);
    let gate = release_gate_binary(root)?;
    // With `--workspace DIR --leaf FILE`, that workspace's case alone; with `--leaf FILE`
    // alone, the one of this repository's two cases that changes FILE; else both.
    let ours = vec![
        (
            root.to_owned(),
            PathBuf::from("gate-build/src/lib.rs"),
            "gate-build",
            0.6,
        ),
        (
            root.to_owned(),
            PathBuf::from("gate-support/src/lib.rs"),
            "gate-support (every crate depends on it)",
            1.05,
        ),
    ];
    let cases: Vec<(PathBuf, PathBuf, &str, f64)> = match (&opts.workspace, &opts.leaf) {
        (Some(ws), Some(leaf)) => vec![(ws.clone(), leaf.clone(), "a leaf crate", 0.5)],
        (None, Some(leaf)) => {
            let one: Vec<_> = ours.into_iter().filter(|c| &c.1 == leaf).collect();
            if one.is_empty() {
                bail!(
                    "--leaf {} without --workspace names none of this repository's cases \
                     (gate-build/src/lib.rs, gate-support/src/lib.rs)",
                    leaf.display()
                );
            }
            one
        }
        _ => ours,
    };
    let mut rows = Vec::new();
    for (ws, leaf, what, goal) in cases {
        let out = tempfile_dir("affected-out")?;
        let file = ws.join(&leaf);
        let original = std::fs::read_to_string(&file)
            .with_context(|| format!("failed to read {}", file.display()))?;
        let name = ws
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        say(&format!(
            "affected: {name}: warming (a first gated run and a plain one)"
        ));
        let gated_run = || {
            let mut cmd = Command::new(&gate);
            cmd.args(["gate", "pilot", "--only", "tests.pass", "--out"])
                .arg(&out)
                .current_dir(&ws);
            cmd
        };
        let run_dir = tempfile_dir("affected-run-dir")?;
        let plain_run = || {
            plain_tests(
                &ws,
                &["--locked", "--workspace", "--no-fail-fast"],
                &run_dir,
            )
        };
        let result = (|| -> Result<(Duration, Duration, i32)> {
            let (_, first) = time(gated_run())?;
            time(plain_run())?;
            let (mut gated, mut plain) = (Vec::new(), Vec::new());
            let mut n = 0;
            let mut last = first;
            for i in 0..runs {
                say(&format!(
                    "affected: {name}: change in {}, run {}/{runs}",
                    leaf.display(),
                    i + 1
                ));
                let order = if i % 2 == 0 {
                    [true, false]
                } else {
                    [false, true]
                };
                for is_gate in order {
                    n += 1;
                    std::fs::write(
                        &file,
                        format!("{original}// affected benchmark change {n}\n"),
                    )?;
                    if is_gate {
                        let (t, code) = time(gated_run())?;
                        last = code;
                        gated.push(t);
                    } else {
                        plain.push(time(plain_run())?.0);
                    }
                }
            }
            Ok((median(gated), median(plain), last))
        })();
        std::fs::write(&file, &original)?;
        let _ = std::fs::remove_dir_all(&out);
        let _ = std::fs::remove_dir_all(&run_dir);
        let (gated, plain, code) = result?;
        let ratio = gated.as_secs_f64() / plain.as_secs_f64();
        rows.push(Row {
            what: format!(
                "`cargo gate pilot --only tests.pass` on {name} after a one-line change in {what} \
                 (`{}`), median of {runs} (gate exit {code})",
                leaf.display()
            ),
            baseline: format!(
                "`cargo test --locked --workspace --no-fail-fast` (`GATE_RUN_DIR` set) after the \
                 same change: {:.2} s",
                plain.as_secs_f64()
            ),
            measured: format!("{:.2} s", gated.as_secs_f64()),
            ratio: format!("{ratio:.3}×"),
            goal: format!("≤ {goal}×"),
            met: Some(ratio <= goal),
        });
    }
    Ok(rows)
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

/// Benchmark 7: bounded memory (the release build, as installed). A crate whose tree tracks
/// one 1 GiB file: `cargo gate pilot
/// --no-cache` (the tree digest of the evidence cache reads every tracked file) and `cargo
/// gate controlled --only secrets.scan` (the secret scanner does too), each measured for peak
/// RSS with GNU time's `%M`, against the same commands on the same crate without that file
/// (goal: ≤ 100 MB).
fn memory(root: &Path) -> Result<Vec<Row>> {
    const BIG: u64 = 1 << 30;
    let gate = release_gate_binary(root)?;
    let dir = tempfile_dir("memory-ws")?;
    std::fs::create_dir_all(dir.join("src"))?;
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"big\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    )?;
    std::fs::write(
        dir.join("src/lib.rs"),
        "//! Generated.\n\n#[test]\nfn adds() {\n    assert_eq!(1 + 1, 2);\n}\n",
    )?;
    std::fs::write(dir.join(".gitignore"), "/target\n/gate-out\n")?;
    let sh = shell(&dir)?;
    checked(
        cmd!(sh, "cargo generate-lockfile --offline"),
        "cargo generate-lockfile",
    )?;
    let commit = |message: &str| -> Result<()> {
        checked(cmd!(sh, "git add -A"), "git add")?;
        checked(
            cmd!(
                sh,
                "git -c user.name=bench -c user.email=bench@example.invalid commit -qm {message}"
            ),
            "git commit",
        )
    };
    checked(cmd!(sh, "git init -q"), "git init")?;
    commit("generated")?;
    let out = dir.join("gate-out");
    let out = out.to_string_lossy().into_owned();
    let commands: [(&str, Vec<&str>); 2] = [
        (
            "`cargo gate pilot --no-cache`",
            vec!["gate", "pilot", "--no-cache", "--out", &out],
        ),
        (
            "`cargo gate controlled --only secrets.scan`",
            vec![
                "gate",
                "controlled",
                "--only",
                "secrets.scan",
                "--out",
                &out,
            ],
        ),
    ];
    let peak_kb = |args: &[&str]| -> Result<u64> {
        let output = Command::new("/usr/bin/time")
            .arg("-f")
            .arg("%M")
            .arg(&gate)
            .args(args)
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .context("failed to run /usr/bin/time (GNU time; Debian package `time`)")?;
        let text = String::from_utf8_lossy(&output.stderr);
        text.lines()
            .last()
            .and_then(|line| line.trim().parse().ok())
            .context("GNU time printed no peak RSS")
    };
    say("memory: the crate without the large file (after one run that builds it)");
    for (_, args) in &commands {
        peak_kb(args)?;
    }
    let small: Vec<u64> = commands
        .iter()
        .map(|(_, args)| peak_kb(args))
        .collect::<Result<_>>()?;
    say("memory: writing and committing a 1 GiB file");
    {
        use std::io::Write;
        let line = b"0123456789 a tracked data file that is large, not secret, and read whole\n";
        let chunk: Vec<u8> = line.iter().copied().cycle().take(1 << 20).collect();
        let mut file = std::io::BufWriter::new(std::fs::File::create(dir.join("data.bin"))?);
        for _ in 0..BIG / (1 << 20) {
            file.write_all(&chunk)?;
        }
        file.flush()?;
    }
    commit("a large file")?;
    let large: Vec<u64> = commands
        .iter()
        .map(|(_, args)| peak_kb(args))
        .collect::<Result<_>>()?;
    let _ = std::fs::remove_dir_all(&dir);
    let mb = |kb: u64| kb as f64 / 1024.0;
    Ok(commands
        .iter()
        .zip(small.iter().zip(&large))
        .map(|((what, _), (&small, &large))| Row {
            what: format!("peak RSS of {what} on a crate tracking a 1 GiB file"),
            baseline: format!("the same without the file: {:.1} MB", mb(small)),
            measured: format!("{:.1} MB", mb(large)),
            ratio: format!("{:.2}×", large as f64 / small.max(1) as f64),
            goal: "≤ 100 MB".to_owned(),
            met: Some(mb(large) <= 100.0),
        })
        .collect())
}

fn tempfile_dir(name: &str) -> Result<PathBuf> {
    let dir = target_dir(&project_root()).join("xtask-bench").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Benchmark 2: the lexer-accurate scanner against grep over the same generated tree.
fn scan(root: &Path, tree_mb: u64) -> Result<Vec<Row>> {
    let tree = tempfile_dir("tree")?;
    say(&format!(
        "scan: generating {tree_mb} MB of Rust source in {}",
        tree.display()
    ));
    let stats = gen_tree::generate(&tree, tree_mb * 1_000_000, 0x5eed)?;
    let scanner = release_example(root, "cargo-gate", "scan_tree")?;
    // Best of three each; the first pass also warms the page cache for both.
    let sh = Shell::new()?;
    let scan_with = |threads: usize| {
        let threads = threads.to_string();
        best_json_run(
            3,
            "scan_tree",
            cmd!(sh, "{scanner} {tree} --threads {threads}"),
        )
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let scan = scan_with(threads)?;
    let scan_one = scan_with(1)?;
    // grep is timed with its output discarded, as `grep … > /dev/null` would be (a std
    // `Command`, see `time`); one more run collects the counts.
    let mut grep_best = Duration::MAX;
    for _ in 0..3 {
        let mut cmd = Command::new("grep");
        cmd.args(["-rcw", "unsafe"]).arg(&tree);
        let (t, _) = time(cmd).context("grep is needed as the baseline")?;
        grep_best = grep_best.min(t);
    }
    // grep exits 1 when a file has no match: the counts are what matters.
    let counts = cmd!(sh, "grep -rcw unsafe {tree}")
        .quiet()
        .ignore_status()
        .output()?;
    let grep_lines: u64 = String::from_utf8_lossy(&counts.stdout)
        .lines()
        .filter_map(|l| l.rsplit(':').next()?.parse::<u64>().ok())
        .sum();
    let _ = std::fs::remove_dir_all(&tree);
    let bytes = stats.bytes as f64;
    let scan_secs = scan["seconds"].as_f64().context("seconds")?;
    let scan_mbs = bytes / 1e6 / scan_secs;
    let scan_one_mbs = bytes / 1e6 / scan_one["seconds"].as_f64().context("seconds")?;
    let grep_mbs = bytes / 1e6 / grep_best.as_secs_f64();
    let rss_kb = scan["peak_rss_kb"].as_u64();
    let hits = scan["unsafe_hits"].as_u64().unwrap_or(0);
    let accurate = hits == stats.unsafe_sites;
    Ok(vec![
        Row {
            what: format!(
                "unsafe/FFI scan, {:.0} MB in {} files, {threads} threads (the check's default)",
                bytes / 1e6,
                stats.files
            ),
            baseline: format!("`grep -rcw unsafe`: {grep_mbs:.0} MB/s"),
            measured: format!("{scan_mbs:.0} MB/s"),
            ratio: format!("{:.2}× grep's throughput", scan_mbs / grep_mbs),
            goal: "≥ 1.00× grep".to_owned(),
            met: Some(scan_mbs >= grep_mbs),
        },
        Row {
            what: "unsafe/FFI scan, same tree, 1 thread".to_owned(),
            baseline: format!("`grep -rcw unsafe` (1 thread): {grep_mbs:.0} MB/s"),
            measured: format!("{scan_one_mbs:.0} MB/s"),
            ratio: format!("{:.2}× grep's throughput", scan_one_mbs / grep_mbs),
            goal: "— (reported)".to_owned(),
            met: None,
        },
        Row {
            what: "unsafe/FFI scan, peak RSS".to_owned(),
            baseline: "—".to_owned(),
            measured: rss_kb.map_or_else(
                || "n/a".to_owned(),
                |kb| format!("{:.1} MB", kb as f64 / 1024.0),
            ),
            ratio: "—".to_owned(),
            goal: "< 100 MB".to_owned(),
            met: Some(rss_kb.is_some_and(|kb| kb < 100 * 1024)),
        },
        Row {
            what: "unsafe/FFI scan, accuracy".to_owned(),
            baseline: format!(
                "grep: {grep_lines} lines with the word (comments, strings, identifiers included)"
            ),
            measured: format!("{hits} unsafe sites found"),
            ratio: "—".to_owned(),
            goal: format!("= {} sites the generator wrote", stats.unsafe_sites),
            met: Some(accurate),
        },
    ])
}

/// ripgrep is the baseline; on a machine without it, install Debian's package.
fn ensure_ripgrep() -> Result<()> {
    let sh = Shell::new()?;
    let present = || {
        cmd!(sh, "rg --version")
            .quiet()
            .ignore_stdout()
            .run()
            .is_ok()
    };
    if present() {
        return Ok(());
    }
    say("secrets: installing ripgrep from Debian's packages (the baseline)");
    let _ = cmd!(sh, "apt-get update -qq").quiet().run();
    let _ = cmd!(sh, "apt-get install -y -qq ripgrep").quiet().run();
    if present() {
        Ok(())
    } else {
        bail!("ripgrep (rg) is needed as the baseline and could not be installed")
    }
}

/// Benchmark 2b: the secret scanner against ripgrep with the same patterns over a generated
/// tree with planted secrets; recall = planted secrets found at their line with their kind.
fn secrets(root: &Path, tree_mb: u64) -> Result<Vec<Row>> {
    ensure_ripgrep()?;
    let tree = tempfile_dir("secrets-tree")?;
    say(&format!(
        "secrets: generating {tree_mb} MB in {}",
        tree.display()
    ));
    let stats = gen_tree::generate(&tree, tree_mb * 1_000_000, 0x5eed)?;
    let planted = gen_secrets::plant(&tree, 0x5ec2e7, 600)?;
    let scanner = release_example(root, "cargo-gate", "secrets_tree")?;
    let patterns = tree.with_extension("patterns");
    let found = tree.with_extension("findings.jsonl");
    let sh = Shell::new()?;
    let scan = best_json_run(
        3,
        "secrets_tree",
        cmd!(
            sh,
            "{scanner} {tree} --patterns-out {patterns} --findings-out {found}"
        ),
    )?;
    let mut rg_best = Duration::MAX;
    for _ in 0..3 {
        // Timed: a std `Command` (see `time`).
        let mut cmd = Command::new("rg");
        cmd.args(["-c", "-f"]).arg(&patterns).arg(&tree);
        let (t, _) = time(cmd).context("ripgrep (rg) is needed as the baseline")?;
        rg_best = rg_best.min(t);
    }
    let found_text = std::fs::read_to_string(&found)?;
    let found: std::collections::HashSet<(String, u64, String)> = found_text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .map(|v| {
            (
                v["path"].as_str().unwrap_or_default().to_owned(),
                v["line"].as_u64().unwrap_or(0),
                v["kind"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let recalled = planted
        .iter()
        .filter(|p| {
            found.contains(&(
                p.path.to_string_lossy().into_owned(),
                u64::from(p.line),
                p.kind.to_owned(),
            ))
        })
        .count();
    let _ = std::fs::remove_dir_all(&tree);
    let _ = std::fs::remove_file(&patterns);
    let _ = std::fs::remove_file(tree.with_extension("findings.jsonl"));
    let bytes = stats.bytes as f64;
    let scan_mbs = bytes / 1e6 / scan["seconds"].as_f64().context("seconds")?;
    let rg_mbs = bytes / 1e6 / rg_best.as_secs_f64();
    let findings = scan["findings"].as_u64().unwrap_or(0);
    Ok(vec![
        Row {
            what: format!(
                "secret scan, {:.0} MB in {} files",
                bytes / 1e6,
                stats.files
            ),
            baseline: format!("`rg -c -f patterns`: {rg_mbs:.0} MB/s"),
            measured: format!("{scan_mbs:.0} MB/s"),
            ratio: format!("{:.2}× ripgrep's throughput", scan_mbs / rg_mbs),
            goal: "≥ 1.00× ripgrep, same patterns".to_owned(),
            met: Some(scan_mbs >= rg_mbs),
        },
        Row {
            what: "secret scan, recall".to_owned(),
            baseline: format!(
                "{} planted, {} kinds",
                planted.len(),
                gen_secrets::KINDS.len()
            ),
            measured: format!("{recalled} found ({findings} findings in all)"),
            ratio: "—".to_owned(),
            goal: "every planted secret found".to_owned(),
            met: Some(recalled == planted.len()),
        },
    ])
}

/// Benchmark 3: gate-build's cold build, serial against parallel, and its no-change rebuild.
fn kernels(root: &Path, runs: usize) -> Result<Vec<Row>> {
    use gate_build::{Env, Kernels, Mode};
    let (found, _) = gate_build::toolkit::discover(&Env::from_process());
    let Some(nvcc) = found else {
        say("kernels: no nvcc found (set NVCC); the kernel build benchmark is not measured");
        return Ok(vec![Row::not_measured(
            "gate-build cold build / no-change rebuild",
            "no nvcc on this machine",
        )]);
    };
    let sources = root.join("gate-kernels/src");
    let count = std::fs::read_dir(&sources)?
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "cu"))
        .count();
    let work = tempfile_dir("kernels")?;
    // An nvcc wrapper that counts invocations; ptxas beside it so validation runs as usual.
    let bin = work.join("bin");
    std::fs::create_dir_all(&bin)?;
    let log = work.join("nvcc.log");
    let wrapper = bin.join("nvcc");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\nexec '{}' \"$@\"\n",
            log.display(),
            nvcc.path.display()
        ),
    )?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755))?;
        let ptxas = nvcc.path.with_file_name("ptxas");
        if ptxas.exists() {
            std::os::unix::fs::symlink(ptxas, bin.join("ptxas"))?;
        }
    }
    let env = Env::from_process().set("NVCC", &wrapper);
    let build = |out: &Path, jobs: usize| -> Result<Duration> {
        let start = Instant::now();
        Kernels::new()
            .dir(&sources)
            .out_dir(out)
            .jobs(jobs)
            .mode(Mode::Require)
            .env(env.clone())
            .build()
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(start.elapsed())
    };
    let (mut serial, mut parallel) = (Vec::new(), Vec::new());
    for i in 0..runs {
        say(&format!("kernels: cold builds, run {}/{runs}", i + 1));
        let order: [usize; 2] = if i % 2 == 0 { [1, 2] } else { [2, 1] };
        for jobs in order {
            let out = work.join(format!("cold-{i}-{jobs}"));
            let t = build(&out, jobs)?;
            if jobs == 1 {
                serial.push(t)
            } else {
                parallel.push(t)
            }
        }
    }
    let (s, p) = (median(serial), median(parallel));
    let speedup = s.as_secs_f64() / p.as_secs_f64();
    // Raw nvcc producing the same outputs (fatbin: SASS for gate-build's default archs plus
    // PTX for the lowest, and the PTX text beside it as gate-build keeps it) with the same
    // number of processes at once: the baseline a raw-nvcc build.rs would be.
    let cu: Vec<PathBuf> = {
        let mut cu: Vec<PathBuf> = std::fs::read_dir(&sources)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "cu"))
            .collect();
        cu.sort();
        cu
    };
    let raw_build = |cu: &[PathBuf], sources: &Path, out: &Path| -> Result<Duration> {
        std::fs::create_dir_all(out)?;
        let next = std::sync::atomic::AtomicUsize::new(0);
        let start = Instant::now();
        std::thread::scope(|scope| -> Result<()> {
            let workers: Vec<_> = (0..2)
                .map(|_| {
                    scope.spawn(|| -> Result<()> {
                        loop {
                            let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            let Some(source) = cu.get(i) else {
                                return Ok(());
                            };
                            let stem = source.file_stem().unwrap_or_default().to_string_lossy();
                            let keep = out.join(format!("{stem}.keep"));
                            std::fs::create_dir_all(&keep)?;
                            // Timed baseline: a std `Command`, spawned as gate-build spawns nvcc.
                            nvcc_checked(
                                Command::new(&nvcc.path)
                                    .arg("-fatbin")
                                    .args(["-gencode", "arch=compute_80,code=sm_80"])
                                    .args(["-gencode", "arch=compute_90,code=sm_90"])
                                    .args(["-gencode", "arch=compute_80,code=compute_80"])
                                    .arg("-I")
                                    .arg(sources)
                                    .arg("-keep")
                                    .arg("-keep-dir")
                                    .arg(&keep)
                                    .arg("-o")
                                    .arg(out.join(format!("{stem}.fatbin")))
                                    .arg(source),
                            )?;
                        }
                    })
                })
                .collect();
            for w in workers {
                w.join()
                    .map_err(|_| anyhow::anyhow!("a raw nvcc worker panicked"))??;
            }
            Ok(())
        })?;
        Ok(start.elapsed())
    };
    let mut raws = Vec::new();
    for i in 0..runs {
        say(&format!("kernels: raw nvcc, run {}/{runs}", i + 1));
        raws.push(raw_build(&cu, &sources, &work.join(format!("raw-{i}")))?);
    }
    let raw = median(raws);
    let against_raw = p.as_secs_f64() / raw.as_secs_f64();

    // A large kernel set: 10 generated sources of about 1.1 MB of PTX each (40 template
    // instantiations of an unrolled FMA chain), gate-build against raw nvcc as above.
    let big = work.join("big");
    std::fs::create_dir_all(&big)?;
    let mut big_cu = Vec::new();
    for f in 0..10 {
        let path = big.join(format!("big{f:02}.cu"));
        std::fs::write(&path, large_kernel_source(f))?;
        big_cu.push(path);
    }
    let (mut big_gate, mut big_raw) = (Vec::new(), Vec::new());
    let mut ptx_bytes = 0;
    for i in 0..runs {
        say(&format!("kernels: large set, run {}/{runs}", i + 1));
        let out = work.join(format!("big-gate-{i}"));
        let start = Instant::now();
        Kernels::new()
            .dir(&big)
            .out_dir(&out)
            .jobs(2)
            .mode(Mode::Require)
            .env(env.clone())
            .build()
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        big_gate.push(start.elapsed());
        ptx_bytes = std::fs::read_dir(out.join("kernels"))?
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "ptx"))
            .map(|e| e.metadata().map_or(0, |m| m.len()))
            .min()
            .unwrap_or(0);
        big_raw.push(raw_build(
            &big_cu,
            &big,
            &work.join(format!("big-raw-{i}")),
        )?);
    }
    let (big_gate, big_raw) = (median(big_gate), median(big_raw));
    let big_ratio = big_gate.as_secs_f64() / big_raw.as_secs_f64();
    // No-change rebuild: the same out dir again.
    let warm = work.join("cold-0-2");
    let before = std::fs::read_to_string(&log)
        .unwrap_or_default()
        .lines()
        .count();
    let mut rebuilds = Vec::new();
    for _ in 0..runs {
        rebuilds.push(build(&warm, 2)?);
    }
    let invocations = std::fs::read_to_string(&log)
        .unwrap_or_default()
        .lines()
        .count()
        - before;
    let rebuild = median(rebuilds);
    let _ = std::fs::remove_dir_all(&work);
    Ok(vec![
        Row {
            what: format!(
                "gate-build cold build of gate-kernels ({count} sources), median of {runs}"
            ),
            baseline: format!("1 job: {:.2} s", s.as_secs_f64()),
            measured: format!("2 jobs: {:.2} s", p.as_secs_f64()),
            ratio: format!("{speedup:.2}× faster"),
            goal: "≥ 1.7× with ≥ 4 sources".to_owned(),
            met: Some(speedup >= 1.7 && count >= 4),
        },
        Row {
            what: format!(
                "gate-build cold build of gate-kernels ({count} small sources) against raw nvcc, same outputs, 2 processes, median of {runs}"
            ),
            baseline: format!("raw `nvcc -fatbin -keep`: {:.2} s", raw.as_secs_f64()),
            measured: format!("gate-build, 2 jobs: {:.2} s", p.as_secs_f64()),
            ratio: format!("{against_raw:.2}×"),
            goal: "≤ 1.25× raw nvcc".to_owned(),
            met: Some(against_raw <= 1.25),
        },
        Row {
            what: format!(
                "gate-build cold build of 10 generated sources (smallest PTX {:.1} MB) against raw nvcc, same outputs, 2 processes, median of {runs}",
                ptx_bytes as f64 / 1e6
            ),
            baseline: format!("raw `nvcc -fatbin -keep`: {:.2} s", big_raw.as_secs_f64()),
            measured: format!("gate-build, 2 jobs: {:.2} s", big_gate.as_secs_f64()),
            ratio: format!("{big_ratio:.2}×"),
            goal: "≤ 1.25× raw nvcc, ≥ 1 MB PTX per source".to_owned(),
            met: Some(big_ratio <= 1.25 && ptx_bytes >= 1_000_000),
        },
        Row {
            what: "gate-build no-change rebuild (build script work)".to_owned(),
            baseline: format!("cold, 2 jobs: {:.2} s", p.as_secs_f64()),
            measured: format!(
                "{:.0} ms, {invocations} nvcc invocations",
                rebuild.as_secs_f64() * 1000.0
            ),
            ratio: format!(
                "{:.3}× the cold build",
                rebuild.as_secs_f64() / p.as_secs_f64()
            ),
            goal: "0 nvcc invocations, < 1 s".to_owned(),
            met: Some(invocations == 0 && rebuild < Duration::from_secs(1)),
        },
    ])
}

/// A generated kernel source of about 1.1 MB of PTX: 40 instantiations of a template whose
/// loop unrolls into 512 FMAs, different per file (`f` offsets the constants).
fn large_kernel_source(f: usize) -> String {
    let mut text = format!(
        "// Generated for cargo xtask bench: file {f}.\n\
         template <int K>\n\
         __global__ void gen_{f}(float *__restrict__ x, const float *__restrict__ y, int n) {{\n\
         \x20   int i = blockIdx.x * blockDim.x + threadIdx.x;\n\
         \x20   if (i >= n) return;\n\
         \x20   float a = x[i], b = y[i];\n\
         #pragma unroll\n\
         \x20   for (int j = 0; j < 256; ++j) {{\n\
         \x20       a = fmaf(a, b, (float)(j * K + {f}));\n\
         \x20       b = fmaf(b, a, 0.5f);\n\
         \x20   }}\n\
         \x20   x[i] = a + b;\n\
         }}\n"
    );
    for k in 1..=40 {
        text.push_str(&format!(
            "template __global__ void gen_{f}<{k}>(float *__restrict__, const float *__restrict__, int);\n"
        ));
    }
    text
}

/// Benchmark 4: gate-runtime on the CPU.
fn runtime(root: &Path) -> Result<Vec<Row>> {
    say("runtime: building the release harness");
    let harness = release_example(root, "gate-runtime", "runtime_bench")?;
    let sh = Shell::new()?;
    let output = cmd!(sh, "{harness}").quiet().ignore_status().output()?;
    if !output.status.success() {
        bail!(
            "runtime_bench failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let v: Value =
        serde_json::from_slice(&output.stdout).context("runtime_bench printed no JSON")?;
    let f = |key: &str| v[key].as_f64().unwrap_or(f64::NAN);
    let reported = |what: &str, value: String| Row {
        what: what.to_owned(),
        baseline: "—".to_owned(),
        measured: value,
        ratio: "—".to_owned(),
        goal: "— (reported)".to_owned(),
        met: None,
    };
    let (direct, through) = (f("direct_ns_per_call"), f("runtime_ns_per_call"));
    let overhead = through - direct;
    Ok(vec![
        reported(
            "CPU reference saxpy, 4 Mi elements",
            format!("{:.2} GB/s", f("saxpy_gb_s")),
        ),
        reported(
            "CPU reference reduce_sum_f32, 4 Mi elements",
            format!("{:.2} GB/s", f("reduce_gb_s")),
        ),
        reported(
            "CPU reference softmax_rows_f32, 1024×1024",
            format!("{:.2} GB/s", f("softmax_gb_s")),
        ),
        reported(
            "CPU reference sgemm_tiled, 256³",
            format!("{:.2} GFLOP/s", f("sgemm_gflop_s")),
        ),
        reported(
            "CPU reference histogram_u32, 4 Mi values",
            format!("{:.2} GB/s", f("histogram_gb_s")),
        ),
        Row {
            what: "runtime dispatch overhead (saxpy, 16 elements, CPU policy, 200k calls)"
                .to_owned(),
            baseline: format!("direct CPU reference: {direct:.0} ns/call"),
            measured: format!("through the runtime: {through:.0} ns/call"),
            ratio: format!("+{overhead:.0} ns per call"),
            goal: "< 1 µs added per call".to_owned(),
            met: Some(overhead < 1000.0),
        },
    ])
}

/// Benchmark 4, GPU half: `gpu_bench`'s JSON, from `file` (printed on a GPU machine) or from
/// building and running it here (which, without a GPU, says why nothing was measured).
fn gpu(root: &Path, file: Option<&Path>) -> Result<Vec<Row>> {
    let (v, source): (Value, String) = match file {
        Some(path) => {
            let text = std::fs::read(path)
                .with_context(|| format!("failed to read {}", path.display()))?;
            let v = serde_json::from_slice(&text).with_context(|| {
                format!(
                    "{} is not gpu_bench's JSON output; rerun gpu_bench and save its stdout",
                    path.display()
                )
            })?;
            (v, format!("`gpu_bench` output {}", path.display()))
        }
        None => {
            say("gpu: building and running gpu_bench");
            let harness = release_example(root, "gate-runtime", "gpu_bench")?;
            let sh = Shell::new()?;
            let output = cmd!(sh, "{harness}").quiet().ignore_status().output()?;
            if !output.status.success() {
                bail!(
                    "gpu_bench failed: {}",
                    String::from_utf8_lossy(&output.stderr)
                );
            }
            let v = serde_json::from_slice(&output.stdout).context("gpu_bench printed no JSON")?;
            (v, "`gpu_bench` run here".to_owned())
        }
    };
    gpu_rows(&v, &source)
}

/// The table rows for one `gpu_bench` result.
fn gpu_rows(v: &Value, source: &str) -> Result<Vec<Row>> {
    if v["measured"] != Value::Bool(true) {
        let reason = v["reason"]
            .as_str()
            .context("gpu_bench JSON without `measured` or `reason`")?;
        return Ok(vec![Row {
            what: "GPU: copy bandwidth, kernels vs copy, SGEMM vs cuBLAS, launch overhead, graph vs launches".to_owned(),
            baseline: "—".to_owned(),
            measured: format!("not measured ({source}): {reason}"),
            ratio: "—".to_owned(),
            goal: "see docs/PERFORMANCE.md".to_owned(),
            met: None,
        }]);
    }
    let num = |v: &Value, key: &str| -> Result<f64> {
        v[key]
            .as_f64()
            .with_context(|| format!("gpu_bench JSON lacks the number `{key}`"))
    };
    let device = v["device"].as_str().unwrap_or("unknown GPU");
    let on = format!("{device}, driver {}", v["driver"].as_str().unwrap_or("?"));
    let copy = num(&v["copy"], "gb_per_s")?;
    let mut rows = vec![Row {
        what: format!("GPU device-to-device copy ({on}; {source})"),
        baseline: "—".to_owned(),
        measured: format!("{copy:.0} GB/s (read + written)"),
        ratio: "—".to_owned(),
        goal: "— (the baseline below)".to_owned(),
        met: None,
    }];
    for k in v["kernels"]
        .as_array()
        .context("gpu_bench JSON lacks `kernels`")?
    {
        let goal = k["goal"].as_f64();
        rows.push(Row {
            what: format!(
                "GPU {} ({})",
                k["kernel"].as_str().unwrap_or("?"),
                k["shape"].as_str().unwrap_or("?")
            ),
            baseline: format!("copy: {copy:.0} GB/s"),
            measured: format!("{:.0} GB/s effective", num(k, "gb_per_s")?),
            ratio: format!("{:.0}% of copy", 100.0 * num(k, "of_copy")?),
            goal: goal.map_or("— (reported)".to_owned(), |g| {
                format!("≥ {:.0}% of copy", 100.0 * g)
            }),
            met: k["met"].as_bool(),
        });
    }
    let g = &v["sgemm"];
    let shape = format!("{}×{}×{}", num(g, "m")?, num(g, "n")?, num(g, "k")?);
    let ours = num(g, "ours_gflop_per_s")?;
    rows.push(match g["cublas_gflop_per_s"].as_f64() {
        Some(cublas) => Row {
            what: format!("GPU sgemm_tiled fp32, {shape}"),
            baseline: format!("cuBLAS SGEMM: {cublas:.0} GFLOP/s"),
            measured: format!(
                "{ours:.0} GFLOP/s (max rel. diff vs cuBLAS {:.1e})",
                num(g, "max_rel_diff_vs_cublas")?
            ),
            ratio: format!("{:.0}% of cuBLAS", 100.0 * ours / cublas),
            goal: format!("≥ {:.0}% of cuBLAS", 100.0 * num(g, "goal")?),
            met: g["met"].as_bool(),
        },
        None => Row {
            what: format!("GPU sgemm_tiled fp32, {shape}"),
            baseline: format!(
                "cuBLAS: {}",
                g["cublas_note"].as_str().unwrap_or("not measured")
            ),
            measured: format!("{ours:.0} GFLOP/s"),
            ratio: "—".to_owned(),
            goal: format!("≥ {:.0}% of cuBLAS", 100.0 * num(g, "goal")?),
            met: None,
        },
    });
    let l = &v["launch"];
    rows.push(Row {
        what: format!(
            "GPU call overhead through the runtime (saxpy, 1 element; bare launch + sync {:.1} µs)",
            num(l, "raw_launch_us")?
        ),
        baseline: format!(
            "raw cudarc call (alloc, copy in, launch, copy out, sync): {:.1} µs",
            num(l, "raw_call_us")?
        ),
        measured: format!("Runtime::saxpy: {:.1} µs", num(l, "runtime_call_us")?),
        ratio: format!("{:+.1} µs", num(l, "overhead_us")?),
        goal: format!("≤ {:.0} µs above raw", num(l, "goal_us")?),
        met: l["met"].as_bool(),
    });
    let gr = &v["graph"];
    rows.push(Row {
        what: format!(
            "GPU CUDA graph of {} saxpy ({} elements) vs separate launches",
            num(gr, "kernels")?,
            num(gr, "n")?
        ),
        baseline: format!(
            "10 launches + sync: {:.1} µs; 10 runtime calls: {:.1} µs",
            num(gr, "launches_us")?,
            num(gr, "runtime_calls_us")?
        ),
        measured: format!(
            "1 graph + sync: {:.1} µs; 1 runtime plan: {:.1} µs",
            num(gr, "graph_us")?,
            num(gr, "runtime_plan_us")?
        ),
        ratio: format!(
            "{:.2}× raw, {:.2}× runtime",
            num(gr, "speedup")?,
            num(gr, "runtime_speedup")?
        ),
        goal: "graph faster than launches".to_owned(),
        met: gr["met"].as_bool(),
    });
    Ok(rows)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gpu_rows_say_why_nothing_was_measured() {
        let v = serde_json::json!({"measured": false, "reason": "no CUDA driver"});
        let rows = gpu_rows(&v, "here").unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].measured, "not measured (here): no CUDA driver");
        assert_eq!(rows[0].met, None);
        assert!(gpu_rows(&serde_json::json!({"x": 1}), "here").is_err());
    }

    #[test]
    fn gpu_rows_render_a_measured_result_with_its_goals() {
        let v = serde_json::json!({
            "measured": true, "device": "H200 (sm_90)", "driver": "13.0", "quick": false,
            "copy": {"bytes": 1, "gb_per_s": 4000.0},
            "kernels": [
                {"kernel": "saxpy", "shape": "n=1", "bytes": 12, "seconds": 1.0,
                 "gb_per_s": 3600.0, "of_copy": 0.9, "goal": 0.85, "met": true},
                {"kernel": "histogram_u32", "shape": "n=1", "bytes": 4, "seconds": 1.0,
                 "gb_per_s": 100.0, "of_copy": 0.025, "goal": null, "met": null}
            ],
            "sgemm": {"m": 4096, "n": 4096, "k": 4096, "ours_gflop_per_s": 10000.0,
                      "cublas_gflop_per_s": 40000.0, "of_cublas": 0.25,
                      "max_rel_diff_vs_cublas": 1e-6, "goal": 0.5, "met": false,
                      "cublas_note": null},
            "launch": {"raw_launch_us": 5.0, "raw_call_us": 20.0, "runtime_call_us": 21.5,
                       "overhead_us": 1.5, "goal_us": 2.0, "met": true},
            "graph": {"kernels": 10, "n": 4096, "launches_us": 40.0, "graph_us": 12.0,
                      "speedup": 3.33, "runtime_calls_us": 200.0, "runtime_plan_us": 50.0,
                      "runtime_speedup": 4.0, "met": true}
        });
        let rows = gpu_rows(&v, "file").unwrap();
        let met: Vec<Option<bool>> = rows.iter().map(|r| r.met).collect();
        assert_eq!(
            met,
            [None, Some(true), None, Some(false), Some(true), Some(true)]
        );
        assert_eq!(rows[1].ratio, "90% of copy");
        assert_eq!(rows[3].ratio, "25% of cuBLAS");
        assert_eq!(rows[4].ratio, "+1.5 µs");
    }
}
