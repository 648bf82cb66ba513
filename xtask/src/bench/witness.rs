//! The nvcc witness's cost: gate-kernels' sources compiled by raw nvcc against the same
//! compiles through the witness (the release cargo-gate called as `nvcc`, as the gate installs
//! it), one process at a time, paired and alternated, in the same run.

use super::{Row, median, release_gate_binary, say, tempfile_dir};
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Benchmark: the witness against raw nvcc, the same compiles.
pub(super) fn witness(root: &Path, runs: usize) -> Result<Vec<Row>> {
    let what = "nvcc witness: gate-kernels' sources compiled through it against raw nvcc";
    let (found, _) = gate_build::toolkit::discover(&gate_build::Env::from_process());
    let Some(nvcc) = found else {
        say("witness: no nvcc found (set NVCC); the witness benchmark is not measured");
        return Ok(vec![Row::not_measured(what, "no nvcc on this machine")]);
    };
    let gate = release_gate_binary(root)?;
    let work = tempfile_dir("witness")?;
    let home = gate_witness::install::install(&work.join("homes"), &nvcc.path, &gate)
        .context("installing the witness")?;
    let sources = root.join("gate-kernels/src");
    let mut cu: Vec<PathBuf> = std::fs::read_dir(&sources)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "cu"))
        .collect();
    cu.sort();
    let (mut raw, mut witnessed) = (Vec::new(), Vec::new());
    for i in 0..runs {
        say(&format!("witness: run {}/{runs}", i + 1));
        let order = if i % 2 == 0 {
            [false, true]
        } else {
            [true, false]
        };
        for through_witness in order {
            let out = work.join(format!("out-{i}-{through_witness}"));
            let compiler = if through_witness {
                home.nvcc()
            } else {
                nvcc.path.clone()
            };
            let t = compile_all(&compiler, &cu, &sources, &out)?;
            if through_witness {
                witnessed.push(t);
            } else {
                raw.push(t);
            }
        }
    }
    let records = std::fs::read_dir(work.join(format!("out-{}-true/.gate-witness", runs - 1)))
        .map(|d| d.count())
        .unwrap_or(0);
    if records != cu.len() {
        bail!(
            "the witness wrote {records} records for {} compiles",
            cu.len()
        );
    }
    let (raw, witnessed) = (median(raw), median(witnessed));
    let ratio = witnessed.as_secs_f64() / raw.as_secs_f64();
    let _ = std::fs::remove_dir_all(&work);
    Ok(vec![Row {
        what: format!(
            "{what} ({} sources, `-cubin -arch=sm_80` each, one at a time), median of {runs}",
            cu.len()
        ),
        baseline: format!("raw nvcc: {:.2} s", raw.as_secs_f64()),
        measured: format!("through the witness: {:.2} s", witnessed.as_secs_f64()),
        ratio: format!("{ratio:.3}×"),
        goal: "≤ 1.02× raw nvcc".to_owned(),
        met: Some(ratio <= 1.02),
    }])
}

/// Compiles each of `cu` to a cubin in `out` with `compiler`, one after the other, as a build
/// script would (`OUT_DIR` set: the witness keeps its records there).
fn compile_all(compiler: &Path, cu: &[PathBuf], include: &Path, out: &Path) -> Result<Duration> {
    std::fs::create_dir_all(out)?;
    let start = Instant::now();
    for source in cu {
        let stem = source.file_stem().unwrap_or_default().to_string_lossy();
        let status = Command::new(compiler)
            .args(["-cubin", "-arch=sm_80", "-I"])
            .arg(include)
            .arg("-o")
            .arg(out.join(format!("{stem}.cubin")))
            .arg(source)
            .env("OUT_DIR", out)
            .env("CARGO_PKG_NAME", "gate-kernels")
            .stdin(Stdio::null())
            .status()
            .with_context(|| format!("running {}", compiler.display()))?;
        if !status.success() {
            bail!(
                "{} failed on {} ({status})",
                compiler.display(),
                source.display()
            );
        }
    }
    Ok(start.elapsed())
}
