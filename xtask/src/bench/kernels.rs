//! The kernel crates: gate-build's builds against raw nvcc, the CPU references' runtime
//! figures, and the GPU figures from gate-runtime's `gpu_bench`.

use super::*;

/// Benchmark 3: gate-build's cold build, serial against parallel, and its no-change rebuild.
pub(super) fn kernels(root: &Path, runs: usize) -> Result<Vec<Row>> {
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
pub(super) fn runtime(root: &Path) -> Result<Vec<Row>> {
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

/// Benchmark 4, GPU half: `gpu_bench`'s JSON, from `file` (printed on a GPU machine, or the
/// GPU bundle's summary of three runs) or from building and running it here (which, without
/// a GPU, says why nothing was measured).
pub(super) fn gpu(root: &Path, file: Option<&Path>) -> Result<Vec<Row>> {
    let (v, source): (Value, String) = match file {
        Some(path) => {
            let text = std::fs::read(path)
                .with_context(|| format!("failed to read {}", path.display()))?;
            let v = serde_json::from_slice(&text).with_context(|| {
                format!(
                    "{} is neither gpu_bench's JSON line nor a GPU bundle summary",
                    path.display()
                )
            })?;
            let source = if gpu_summary::is_summary(&v) {
                path.display().to_string()
            } else {
                format!("`gpu_bench` output {}", path.display())
            };
            (v, source)
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
    if gpu_summary::is_summary(&v) {
        return Ok(gpu_summary::rows(&v, &source));
    }
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
            "raw cudarc call on resident buffers (copy in, launch, copy out, sync): {:.1} µs",
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
