//! Smoke test for a new machine (and for CI): every kernel through gate-runtime on random
//! inputs of several sizes (0, 1, around the block size, large), each compared with its CPU
//! reference under the kernel's tolerance. Writes `DIR/stats.json`, `DIR/decisions.jsonl` and
//! `DIR/metrics.prom`. Exit 0 when every comparison passed, 1 when one failed, 2 when the
//! runtime could not start (e.g. `GATE_GPU=required` without a GPU: one line says why).
//!
//! ```text
//! cargo run -p gate-kernels --example smoke -- --out target/smoke
//! ```
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line example reports on stdout and stderr"
)]

use gate_runtime::decision::FileSink;
use gate_runtime::{Call, KernelId, Runtime};
use std::path::PathBuf;
use std::process::ExitCode;

/// Deterministic inputs: gate-support's SplitMix64, uniform in [-1, 1) for floats.
type Rng = gate_support::rng::SplitMix64;

fn f32s(rng: &mut Rng, n: usize) -> Vec<f32> {
    rng.vec_f32(n, -1.0, 1.0)
}

fn u32s(rng: &mut Rng, n: usize) -> Vec<u32> {
    (0..n).map(|_| rng.next_u32()).collect()
}

fn main() -> ExitCode {
    let mut out = PathBuf::from("target/smoke");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--out" => match args.next() {
                Some(dir) => out = PathBuf::from(dir),
                None => {
                    eprintln!("smoke: --out needs a directory");
                    return ExitCode::from(2);
                }
            },
            other => {
                eprintln!("smoke: unknown argument `{other}`; usage: smoke [--out DIR]");
                return ExitCode::from(2);
            }
        }
    }
    if let Err(e) = std::fs::create_dir_all(&out) {
        eprintln!("smoke: cannot create {}: {e}", out.display());
        return ExitCode::from(2);
    }
    let sink = match FileSink::new(out.join("decisions.jsonl"), 64 << 20) {
        Ok(sink) => sink,
        Err(e) => {
            eprintln!(
                "smoke: cannot open {}: {e}",
                out.join("decisions.jsonl").display()
            );
            return ExitCode::from(2);
        }
    };
    let runtime = match Runtime::builder()
        .shadow_fraction(0.25)
        .decision_sink(Box::new(sink))
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("smoke: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.fallback_reason() {
        None => println!("smoke: running on the GPU (policy {:?})", runtime.policy()),
        Some((code, why)) => println!("smoke: running on the CPU references ({code}: {why})"),
    }
    let mut rng = Rng::new(0x5eed);
    let mut failures = 0;
    let mut checks = 0;
    for kernel in KernelId::ALL {
        for n in [0usize, 1, 255, 257, 1000, 100_003] {
            checks += 1;
            if let Err(why) = check(&runtime, kernel, n, &mut rng) {
                failures += 1;
                println!("FAIL {} n={n}: {why}", kernel.name());
            }
        }
    }
    let writes = [
        ("stats.json", runtime.stats_json()),
        ("metrics.prom", runtime.prometheus()),
    ];
    for (name, text) in writes {
        if let Err(e) = std::fs::write(out.join(name), text) {
            eprintln!("smoke: cannot write {}: {e}", out.join(name).display());
            return ExitCode::from(2);
        }
    }
    println!(
        "smoke: {} passed, {failures} failed; wrote {}/{{stats.json,decisions.jsonl,metrics.prom}}",
        checks - failures,
        out.display()
    );
    if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Runs one kernel at size `n` through the runtime and on the CPU, and compares.
fn check(rt: &Runtime, kernel: KernelId, n: usize, rng: &mut Rng) -> Result<(), String> {
    let tol = kernel.tolerance();
    let compare = |got: &[f32], want: &[f32]| tol.check(got, want).map_err(|m| m.to_string());
    match kernel {
        KernelId::Saxpy => {
            let x = f32s(rng, n);
            let y0 = f32s(rng, n);
            let (mut got, mut want) = (y0.clone(), y0);
            rt.saxpy(1.5, &x, &mut got).map_err(|e| e.to_string())?;
            Call::Saxpy {
                a: 1.5,
                x: &x,
                y: &mut want,
            }
            .run_cpu()
            .map_err(|e| e.to_string())?;
            compare(&got, &want)
        }
        KernelId::ReduceSum => {
            let x = f32s(rng, n);
            let (got, _) = rt.reduce_sum(&x).map_err(|e| e.to_string())?;
            let mut want = 0.0;
            Call::ReduceSum {
                x: &x,
                out: &mut want,
            }
            .run_cpu()
            .map_err(|e| e.to_string())?;
            compare(&[got], &[want])
        }
        KernelId::SoftmaxRows => {
            let cols = n.clamp(1, 4096);
            let rows = n / cols;
            let x = f32s(rng, rows * cols);
            let (mut got, mut want) = (vec![0.0; rows * cols], vec![0.0; rows * cols]);
            rt.softmax_rows(rows, cols, &x, &mut got)
                .map_err(|e| e.to_string())?;
            Call::SoftmaxRows {
                rows,
                cols,
                x: &x,
                y: &mut want,
            }
            .run_cpu()
            .map_err(|e| e.to_string())?;
            compare(&got, &want)
        }
        KernelId::Sgemm => {
            // Square-ish shapes whose element count tracks n (0 stays empty).
            let side = (n as f64).cbrt().ceil() as usize;
            let (m, k, cols) = if n == 0 {
                (0, 3, 2)
            } else {
                (side + 1, side, side + 2)
            };
            let a = f32s(rng, m * k);
            let b = f32s(rng, k * cols);
            let c0 = f32s(rng, m * cols);
            let (mut got, mut want) = (c0.clone(), c0);
            rt.sgemm(m, cols, k, 0.5, &a, &b, 0.25, &mut got)
                .map_err(|e| e.to_string())?;
            Call::Sgemm {
                m,
                n: cols,
                k,
                alpha: 0.5,
                a: &a,
                b: &b,
                beta: 0.25,
                c: &mut want,
            }
            .run_cpu()
            .map_err(|e| e.to_string())?;
            compare(&got, &want)
        }
        KernelId::Histogram => {
            let values = u32s(rng, n);
            let (mut got, mut want) = (vec![0u32; 97], vec![0u32; 97]);
            rt.histogram(&values, &mut got).map_err(|e| e.to_string())?;
            Call::Histogram {
                values: &values,
                bins: &mut want,
            }
            .run_cpu()
            .map_err(|e| e.to_string())?;
            if got == want {
                Ok(())
            } else {
                Err("histogram bins differ".into())
            }
        }
    }
}
