//! The gate's own cost (issue 43), on generated workspaces, each pair alternated in the same
//! run, medians compared (release build, as installed):
//!
//! - `cargo gate pilot --no-cache` against plain `cargo test --locked --workspace`, warm target
//!   dir, on a bin-only crate (a binary's unit tests and an integration test, no library) and
//!   on a multi-crate workspace (a chain of libraries with unit and doc tests, and a binary).
//!   Goal ≤ 1.10×.
//! - A static `cargo gate controlled --skip tests.pass` against `cargo metadata --locked`, warm
//!   (its evidence cache filled) and cold (`--no-cache`), on the bin-only crate and on a
//!   500-member workspace. Goal ≤ 1.5×.
//!
//! Under nextest (a workspace with `.config/nextest.toml`) the pair is measured only where
//! `cargo nextest` is installed; elsewhere the row says so.
//!
//! The gate is started as users start it, `cargo gate …` through rustup's `cargo` (the release
//! build first on PATH): cargo's own start before the gate's is part of what is measured, as
//! rustup's is part of the baseline's.
//!
//! Each row also names its floor, timed in the same alternation: the least the gate could take
//! there. For a pair against a cargo command that is `cargo gate --version` (cargo's start and
//! its dispatch to `cargo-gate`, the gate doing nothing); after the leaf change it is the build
//! alone (`cargo nextest run --no-run`), which the gate cannot skip. A goal below its floor
//! cannot be met on that workspace, whatever the gate does.

use super::{Row, commit_generated, median, release_gate_binary, say, tempfile_dir, time};
use anyhow::{Context, Result, bail};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// Members of the large generated workspace of the static pair.
const LARGE_MEMBERS: usize = 500;
/// Libraries in the chain of the multi-crate workspace.
const CHAIN: usize = 8;

/// Benchmark: every pair above.
pub(super) fn overhead(root: &Path, runs: usize) -> Result<Vec<Row>> {
    let gate = release_gate_binary(root)?;
    let runs = runs.max(5);
    let mut rows = Vec::new();
    let bin_only = tempfile_dir("overhead-bin")?;
    generate(&bin_only, 0, true)?;
    let multi = tempfile_dir("overhead-multi")?;
    generate(&multi, CHAIN, true)?;
    for (dir, name) in [
        (&bin_only, "a bin-only crate"),
        (&multi, "a 9-member workspace"),
    ] {
        rows.push(pilot_pair(&gate, dir, name, runs)?);
    }
    rows.extend(nextest_rows(&gate, &multi, runs)?);
    let large = tempfile_dir("overhead-large")?;
    generate(&large, LARGE_MEMBERS, false)?;
    let large_name = format!("a {LARGE_MEMBERS}-member workspace");
    for (dir, name) in [
        (&bin_only, "a bin-only crate"),
        (&large, large_name.as_str()),
    ] {
        for cold in [false, true] {
            rows.push(static_pair(&gate, dir, name, cold, runs)?);
        }
    }
    for dir in [bin_only, multi, large] {
        let _ = std::fs::remove_dir_all(dir);
    }
    Ok(rows)
}

/// `pilot --no-cache` against plain `cargo test`, both on a warm target dir.
fn pilot_pair(gate: &Path, dir: &Path, name: &str, runs: usize) -> Result<Row> {
    say(&format!("overhead: warming {name}"));
    let (_, code) = time(command("cargo", dir, &["test", "--locked", "--workspace"]))?;
    if code != 0 {
        bail!("`cargo test` of the generated {name} failed");
    }
    pair(
        (gate, dir, runs),
        &["gate", "pilot", "--no-cache"],
        &["test", "--locked", "--workspace"],
        format!("`cargo gate pilot --no-cache` on {name} (warm target), median of {runs}"),
        1.10,
    )
}

/// The nextest pairs, where nextest is installed: `--no-cache`, and after a change in the
/// leaf library (the cache filled first).
fn nextest_rows(gate: &Path, dir: &Path, runs: usize) -> Result<Vec<Row>> {
    let what = "`cargo gate pilot --no-cache` under nextest (`.config/nextest.toml`)";
    let installed = Command::new("cargo")
        .args(["nextest", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        say("overhead: cargo nextest is not installed; its pair is not measured");
        return Ok(vec![Row::not_measured(
            what,
            "cargo nextest is not installed here",
        )]);
    }
    std::fs::create_dir_all(dir.join(".config"))?;
    std::fs::write(dir.join(".config/nextest.toml"), "[profile.default]\n")?;
    // nextest runs no doc tests; its documentation has `cargo test --doc` run beside it, as
    // the gate does: the baseline runs both.
    let plain = "cargo nextest run --workspace && cargo test --doc --workspace";
    let [ours, theirs, floor] = alternate(
        runs,
        [
            &|| gated_command(gate, dir, &["gate", "pilot", "--no-cache"]),
            &|| {
                let mut cmd = Command::new("sh");
                cmd.args(["-c", plain])
                    .current_dir(dir)
                    .env_remove("CARGO_TARGET_DIR");
                cmd
            },
            &|| gated_command(gate, dir, &["gate", "--version"]),
        ],
    )?;
    let what = format!("{what}, median of {runs}");
    let floor = Floor {
        what: "`cargo gate --version`",
        took: floor,
    };
    let mut rows = vec![ratio_row(
        what,
        &format!("`{plain}`"),
        (ours, theirs),
        floor,
        1.10,
    )];
    rows.extend(leaf_change_rows(gate, dir, runs, plain)?);
    std::fs::remove_dir_all(dir.join(".config"))?;
    Ok(rows)
}

/// `cargo gate pilot` (cache filled) after a one-line change in the leaf library against
/// nextest's run of the same change, with and without the doc tests: only the affected
/// binaries run under the gate (per binary, a filterset).
fn leaf_change_rows(gate: &Path, dir: &Path, runs: usize, plain: &str) -> Result<Vec<Row>> {
    say("overhead: pilot under nextest after a leaf change");
    let leaf = format!("lib{:03}/src/lib.rs", CHAIN - 1);
    time(gated_command(gate, dir, &["gate", "pilot"]))?;
    let shell = |line: String| {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", &line])
            .current_dir(dir)
            .env_remove("CARGO_TARGET_DIR");
        cmd
    };
    let ours = || {
        let mut cmd = shell(format!("echo // >> {leaf} && cargo gate pilot"));
        cmd.env("PATH", path_with(gate));
        cmd
    };
    let build = "cargo nextest run --workspace --no-run";
    let mut rows = Vec::new();
    for baseline in [plain, "cargo nextest run --workspace"] {
        let [ours, theirs, floor] = alternate(
            runs,
            [
                &ours,
                &|| shell(format!("echo // >> {leaf} && {{ {baseline}; }}")),
                &|| shell(format!("echo // >> {leaf} && {build}")),
            ],
        )?;
        let what = format!(
            "`cargo gate pilot` under nextest after a one-line change in the leaf library \
             (the 9 members, cache filled), median of {runs}"
        );
        let floor = Floor {
            what: "the build alone, `cargo nextest run --no-run`",
            took: floor,
        };
        rows.push(ratio_row(
            what,
            &format!("`{baseline}`"),
            (ours, theirs),
            floor,
            0.5,
        ));
    }
    Ok(rows)
}

/// A static run against `cargo metadata --locked`, warm (cache filled) or cold.
fn static_pair(gate: &Path, dir: &Path, name: &str, cold: bool, runs: usize) -> Result<Row> {
    say(&format!(
        "overhead: static run on {name}, {}",
        if cold { "cold" } else { "warm" }
    ));
    let mut gated = vec!["gate", "controlled", "--skip", "tests.pass"];
    if cold {
        gated.push("--no-cache");
    } else {
        // Fills the cache once: every timed run after is warm.
        time(gated_command(gate, dir, &gated))?;
    }
    pair(
        (gate, dir, runs),
        &gated,
        &["metadata", "--locked", "--format-version", "1"],
        format!(
            "static `controlled --skip tests.pass`{} on {name}, median of {runs}",
            if cold { " --no-cache" } else { ", warm" }
        ),
        1.5,
    )
}

/// `cargo GATED…` (the gate started as a user starts it) against `cargo PLAIN…` in `dir`,
/// alternated `runs` times: the row,
/// judged against `goal` (a ratio of medians).
fn pair(
    (gate, dir, runs): (&Path, &Path, usize),
    gated: &[&str],
    plain: &[&str],
    what: String,
    goal: f64,
) -> Result<Row> {
    let [ours, theirs, floor] = alternate(
        runs,
        [
            &|| gated_command(gate, dir, gated),
            &|| command("cargo", dir, plain),
            &|| gated_command(gate, dir, &["gate", "--version"]),
        ],
    )?;
    let baseline = format!("`cargo {}`", plain.join(" "));
    let floor = Floor {
        what: "`cargo gate --version`",
        took: floor,
    };
    Ok(ratio_row(what, &baseline, (ours, theirs), floor, goal))
}

/// The least the gate could take in a pair, timed beside it: a goal below it cannot be met.
struct Floor {
    what: &'static str,
    took: Duration,
}

/// Medians of `runs` timings of each of the `N` commands, taken in turn (run `i` starts with
/// command `i % N`, so none is always first after another).
fn alternate<const N: usize>(
    runs: usize,
    commands: [&dyn Fn() -> Command; N],
) -> Result<[Duration; N]> {
    let mut timings: [Vec<Duration>; N] = std::array::from_fn(|_| Vec::with_capacity(runs));
    for i in 0..runs {
        for k in 0..N {
            let at = (i + k) % N;
            timings[at].push(time(commands[at]())?.0);
        }
    }
    Ok(timings.map(median))
}

/// The row of a pair: ours against theirs, judged against `goal`, with the floor beside it.
fn ratio_row(
    what: String,
    baseline: &str,
    (ours, theirs): (Duration, Duration),
    floor: Floor,
    goal: f64,
) -> Row {
    let ratio = ours.as_secs_f64() / theirs.as_secs_f64();
    let floor_ratio = floor.took.as_secs_f64() / theirs.as_secs_f64();
    Row {
        what,
        baseline: format!("{baseline}: {:.3} s", theirs.as_secs_f64()),
        measured: format!(
            "{:.3} s (floor, {}: {:.3} s, {floor_ratio:.2}×)",
            ours.as_secs_f64(),
            floor.what,
            floor.took.as_secs_f64()
        ),
        ratio: format!("{ratio:.2}×"),
        goal: format!("≤ {goal:.2}×"),
        met: Some(ratio <= goal),
    }
}

/// `cargo gate …` as a user runs it (through rustup's `cargo`, which starts `cargo-gate`
/// from PATH) with the release build first on PATH, in `dir`.
fn gated_command(gate: &Path, dir: &Path, args: &[&str]) -> Command {
    let mut cmd = command("cargo", dir, args);
    cmd.env("PATH", path_with(gate));
    cmd
}

/// PATH with the directory of the `cargo-gate` binary `gate` first.
fn path_with(gate: &Path) -> std::ffi::OsString {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs = gate.parent().map(Path::to_path_buf).into_iter();
    std::env::join_paths(dirs.chain(std::env::split_paths(&path))).unwrap_or(path)
}

/// `program ARGS…` in the generated workspace `dir`, which builds into its own target dir.
fn command(program: impl AsRef<std::ffi::OsStr>, dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .current_dir(dir)
        .env_remove("CARGO_TARGET_DIR");
    cmd
}

/// A workspace in `dir`, committed to git: `chain` libraries, each depending on the one before
/// (with a unit test and a doc test), and, with `bin`, a binary `app` on the last of them (with
/// a unit test and an integration test). No registry dependency: it builds offline.
fn generate(dir: &Path, chain: usize, bin: bool) -> Result<()> {
    let mut members = Vec::new();
    for i in 0..chain {
        let name = format!("lib{i:03}");
        let dep = match i {
            0 => String::new(),
            _ => format!("lib{:03} = {{ path = \"../lib{:03}\" }}\n", i - 1, i - 1),
        };
        let lib = format!(
            "//! Generated.\n\n/// Adds one.\n///\n/// ```\n/// assert_eq!({name}::next{i}(1), 2);\n/// ```\npub fn next{i}(x: u64) -> u64 {{\n    x + 1\n}}\n\n#[cfg(test)]\nmod tests {{\n    #[test]\n    fn adds() {{\n        assert_eq!(super::next{i}(2), 3);\n    }}\n}}\n"
        );
        package(dir, &name, &dep, "src/lib.rs", &lib)?;
        members.push(name);
    }
    if bin {
        let dep = match chain {
            0 => String::new(),
            n => format!("lib{:03} = {{ path = \"../lib{:03}\" }}\n", n - 1, n - 1),
        };
        let main = "fn double(x: u64) -> u64 {\n    x * 2\n}\n\nfn main() {\n    println!(\"{}\", double(21));\n}\n\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn doubles() {\n        assert_eq!(super::double(2), 4);\n    }\n}\n";
        package(dir, "app", &dep, "src/main.rs", main)?;
        let tests = dir.join("app/tests");
        std::fs::create_dir_all(&tests)?;
        std::fs::write(
            tests.join("cli.rs"),
            "#[test]\nfn runs() {\n    assert!(env!(\"CARGO_BIN_EXE_app\").ends_with(\"app\") || cfg!(windows));\n}\n",
        )?;
        members.push("app".to_owned());
    }
    let list: Vec<String> = members.iter().map(|m| format!("\"{m}\"")).collect();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[workspace]\nmembers = [{}]\nresolver = \"2\"\n",
            list.join(", ")
        ),
    )?;
    std::fs::write(dir.join(".gitignore"), "/target\n")?;
    commit_generated(dir)
}

fn package(dir: &Path, name: &str, deps: &str, file: &str, text: &str) -> Result<()> {
    let at = dir.join(name);
    let path = at.join(file);
    std::fs::create_dir_all(path.parent().context("a file in a directory")?)?;
    std::fs::write(
        at.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n{deps}"
        ),
    )?;
    std::fs::write(path, text)?;
    Ok(())
}
