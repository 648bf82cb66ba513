//! Benchmark 8: a change costs only what it touches (`--only affected`).

use super::{Options, Row, median, plain_tests, release_gate_binary, say, tempfile_dir, time};
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// One measured change: the file of `ws` changed, what the row calls it, and the ratio goal.
struct Case {
    ws: PathBuf,
    leaf: PathBuf,
    what: &'static str,
    goal: f64,
}

/// This repository's cases: a crate few depend on, the one every crate depends on, and two
/// leaf crates of the split (issue 44), each depended on by cargo-gate alone, so the crates
/// beside them (gate-build, gate-runtime, gate-kernels, gate-formats, the other leaves) keep
/// their test binaries' results.
fn ours(root: &Path) -> Vec<Case> {
    [
        ("gate-build/src/lib.rs", "gate-build", 0.6),
        (
            "gate-support/src/lib.rs",
            "gate-support (every crate depends on it)",
            1.05,
        ),
        (
            "gate-record/src/lib.rs",
            "gate-record (a leaf: only cargo-gate depends on it)",
            1.0,
        ),
        (
            "gate-ci/src/lib.rs",
            "gate-ci (a leaf: only cargo-gate depends on it)",
            1.0,
        ),
    ]
    .into_iter()
    .map(|(leaf, what, goal)| Case {
        ws: root.to_owned(),
        leaf: PathBuf::from(leaf),
        what,
        goal,
    })
    .collect()
}

/// With `--workspace DIR --leaf FILE`, that workspace's case alone; with `--leaf FILE` alone,
/// the one of this repository's cases that changes FILE; else all of this repository's.
fn cases(root: &Path, opts: &Options) -> Result<Vec<Case>> {
    Ok(match (&opts.workspace, &opts.leaf) {
        (Some(ws), Some(leaf)) => vec![Case {
            ws: ws.clone(),
            leaf: leaf.clone(),
            what: "a leaf crate",
            goal: 0.5,
        }],
        (None, Some(leaf)) => {
            let one: Vec<Case> = ours(root).into_iter().filter(|c| &c.leaf == leaf).collect();
            if one.is_empty() {
                let names: Vec<String> = ours(root)
                    .iter()
                    .map(|c| c.leaf.display().to_string())
                    .collect();
                bail!(
                    "--leaf {} without --workspace names none of this repository's cases ({})",
                    leaf.display(),
                    names.join(", ")
                );
            }
            one
        }
        _ => ours(root),
    })
}

/// Benchmark 8: after a one-line change, the gate's test run (only the binaries the change
/// touches run) against plain `cargo test` after the same kind of change. Each side gets a
/// change of its own (a comment line with a new number at the end of the file), alternated,
/// so both have the same crate and its dependents to rebuild. A row whose gated run did not
/// pass is not met, whatever its ratio: a build or a test that fails makes both sides short.
pub(super) fn affected(root: &Path, opts: &Options) -> Result<Vec<Row>> {
    let runs = opts.runs.max(5);
    let gate = release_gate_binary(root)?;
    let mut rows = Vec::new();
    for case in cases(root, opts)? {
        let file = case.ws.join(&case.leaf);
        let original = std::fs::read_to_string(&file)
            .with_context(|| format!("failed to read {}", file.display()))?;
        let out = tempfile_dir("affected-out")?;
        let run_dir = tempfile_dir("affected-run-dir")?;
        let result = measure(&case, &gate, &out, &run_dir, &original, runs);
        std::fs::write(&file, &original)?;
        let _ = std::fs::remove_dir_all(&out);
        let _ = std::fs::remove_dir_all(&run_dir);
        let (gated, plain, code) = result?;
        rows.push(row(&case, runs, gated, plain, code));
    }
    Ok(rows)
}

/// The medians of `runs` alternated pairs after a change of `case`, and the gate's last exit
/// code. The caller puts the file back.
fn measure(
    case: &Case,
    gate: &Path,
    out: &Path,
    run_dir: &Path,
    original: &str,
    runs: usize,
) -> Result<(Duration, Duration, i32)> {
    let name = workspace_name(&case.ws);
    let file = case.ws.join(&case.leaf);
    say(&format!(
        "affected: {name}: warming (a first gated run and a plain one)"
    ));
    let gated_run = || {
        let mut cmd = Command::new(gate);
        cmd.args(["gate", "pilot", "--only", "tests.pass", "--out"])
            .arg(out)
            .current_dir(&case.ws);
        cmd
    };
    let plain_args = ["--locked", "--workspace", "--no-fail-fast"];
    let plain_run = || plain_tests(&case.ws, &plain_args, run_dir);
    let (_, mut last) = time(gated_run())?;
    time(plain_run())?;
    let (mut gated, mut plain) = (Vec::new(), Vec::new());
    let mut n = 0;
    for i in 0..runs {
        say(&format!(
            "affected: {name}: change in {}, run {}/{runs}",
            case.leaf.display(),
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
}

/// The row of one case.
fn row(case: &Case, runs: usize, gated: Duration, plain: Duration, code: i32) -> Row {
    let ratio = gated.as_secs_f64() / plain.as_secs_f64();
    Row {
        what: format!(
            "`cargo gate pilot --only tests.pass` on {} after a one-line change in {} (`{}`), \
             median of {runs} (gate exit {code})",
            workspace_name(&case.ws),
            case.what,
            case.leaf.display()
        ),
        baseline: format!(
            "`cargo test --locked --workspace --no-fail-fast` (`GATE_RUN_DIR` set) after the \
             same change: {:.2} s",
            plain.as_secs_f64()
        ),
        measured: format!("{:.2} s", gated.as_secs_f64()),
        ratio: format!("{ratio:.3}×"),
        goal: format!("≤ {}× and the gate passes", case.goal),
        met: Some(ratio <= case.goal && code == 0),
    }
}

fn workspace_name(ws: &Path) -> String {
    ws.file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
}
