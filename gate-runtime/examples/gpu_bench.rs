//! GPU benchmark for `cargo xtask bench` and for machines without a Rust toolchain.
//!
//! Build on x86-64 with nvcc available, so gate-kernels embeds its CUDA modules:
//!
//! ```text
//! NVCC=/path/to/nvcc cargo build --release --locked -p gate-runtime --example gpu_bench
//! ```
//!
//! and run `target/release/examples/gpu_bench [--quick]` anywhere with an NVIDIA driver (the
//! binary loads the driver and cuBLAS at run time). In one run it measures:
//!
//! 1. device-to-device copy bandwidth (`cuMemcpyDtoDAsync`, bytes read + written),
//! 2. each kernel's effective bandwidth (compulsory bytes / time) against that copy,
//! 3. `sgemm_tiled` against cuBLAS SGEMM (fp32, default math mode) on the same matrices,
//! 4. a call through the runtime against the same work done with raw cudarc calls, and
//! 5. ten small launches against one CUDA graph of the same ten (raw, and through the
//!    runtime: ten calls against one plan).
//!
//! Kernel times are CUDA-event times, best of several trials; call times are wall-clock
//! medians. It prints one line of JSON on stdout. Where there is no GPU, or gate-kernels was
//! built without CUDA, it prints `{"measured": false, "reason": …}` and exits 0: the figures
//! are absent, never made up.
#![allow(
    unsafe_code,
    reason = "raw cudarc launches are the baseline the runtime is measured against"
)]
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a benchmark harness reports on stdout and stderr"
)]

use cudarc::cublas::{CudaBlas, Gemm, GemmConfig, sys::cublasOperation_t};
use cudarc::driver::{CudaContext, CudaFunction, CudaSlice, CudaStream, PushKernelArg, sys};
use gate_runtime::backend::Backend;
use gate_runtime::cuda::{self, CudaBackend, Probe, launch_config as cfg};
use gate_runtime::{Call, GpuPolicy, KernelId, Plan, Runtime, Step};
use serde::Serialize;
use std::sync::Arc;
use std::time::Instant;

type Result<T> = std::result::Result<T, String>;

/// Attaches what was being done to a driver error.
trait At<T> {
    fn at(self, what: &str) -> Result<T>;
}

impl<T, E: std::fmt::Debug> At<T> for std::result::Result<T, E> {
    fn at(self, what: &str) -> Result<T> {
        self.map_err(|e| format!("{what}: {e:?}"))
    }
}

#[derive(Serialize)]
struct Report {
    measured: bool,
    device: String,
    driver: String,
    quick: bool,
    copy: Copy,
    kernels: Vec<KernelFigure>,
    sgemm: Sgemm,
    launch: Launch,
    graph: Graph,
}

#[derive(Serialize)]
struct Copy {
    bytes: u64,
    gb_per_s: f64,
}

#[derive(Serialize)]
struct KernelFigure {
    kernel: &'static str,
    shape: String,
    /// Compulsory bytes moved per launch (inputs read once, outputs written once).
    bytes: u64,
    seconds: f64,
    gb_per_s: f64,
    /// `gb_per_s / copy.gb_per_s`.
    of_copy: f64,
    /// The issue's goal as a fraction of the copy bandwidth, where it sets one.
    goal: Option<f64>,
    met: Option<bool>,
}

#[derive(Serialize)]
struct Sgemm {
    m: usize,
    n: usize,
    k: usize,
    ours_gflop_per_s: f64,
    cublas_gflop_per_s: Option<f64>,
    /// ours / cuBLAS.
    of_cublas: Option<f64>,
    /// Largest |ours − cuBLAS| over C, relative to the largest |C|: both computed the same
    /// product.
    max_rel_diff_vs_cublas: Option<f64>,
    goal: f64,
    met: Option<bool>,
    cublas_note: Option<String>,
}

#[derive(Serialize)]
struct Launch {
    /// Launch + synchronise on buffers already on the device (one-element saxpy).
    raw_launch_us: f64,
    /// The least a raw cudarc call does for the same work: copy x and y in to buffers
    /// already on the device, launch, copy y out, synchronise.
    raw_call_us: f64,
    /// `Runtime::saxpy` on the same one-element input (contract, rails, stats, decision).
    runtime_call_us: f64,
    /// The median over rounds (BLOCK raw calls, then BLOCK runtime calls) of the difference
    /// of the two blocks' medians: the runtime's own cost per call, drift cancelled round by
    /// round, each side on its own stream for a block as a program using it would be.
    overhead_us: f64,
    /// The same with the two alternating every call (diagnostics: the GPU then switches
    /// streams on every copy).
    interleaved_overhead_us: f64,
    goal_us: f64,
    met: bool,
    /// Where the overhead goes (diagnostics, not judged).
    breakdown: Option<Breakdown>,
}

/// The runtime's call taken apart, each part paired against the same raw call. (Measured on
/// an H200, 2026-11-26: the raw call doing the backend's host-side work — fresh host copies,
/// the context bound, copies through views — cost +0.3–0.6 µs over it on the same stream,
/// the backend alone +3.5–4.3 µs alternating every call.)
#[derive(Serialize)]
struct Breakdown {
    /// A second CUDA backend's `run` alone, without the runtime around it, paired in blocks
    /// like `overhead_us`.
    backend_overhead_us: f64,
    /// The same, alternating every call.
    backend_interleaved_us: f64,
    /// The raw call itself on a second stream, alternating every call with the raw call on
    /// the first: what switching streams on every call costs, with no other difference.
    other_stream_interleaved_us: f64,
    /// The raw call launching saxpy from a second load of its module, alternating every call.
    module_interleaved_us: f64,
    /// The raw call on two buffers from `alloc_zeros` that swap the x and y roles every call
    /// (as the backend's pool hands them out), alternating every call.
    swapped_interleaved_us: f64,
    /// Device buffers the second backend's calls reused from its pool, and allocated.
    buffers_reused: u64,
    buffers_allocated: u64,
    /// What reading the monotonic clock costs here (the runtime reads it twice a call).
    clock_read_ns: f64,
}

#[derive(Serialize)]
struct Graph {
    kernels: usize,
    n: usize,
    /// Ten raw launches + synchronise.
    launches_us: f64,
    /// One graph launch of the same ten + synchronise.
    graph_us: f64,
    speedup: f64,
    /// The same work as a runtime plan, in raw cudarc: copy x and y in, launch the graph of
    /// ten, copy y out, synchronise.
    graph_with_copies_us: f64,
    /// Ten `Runtime::saxpy` calls.
    runtime_calls_us: f64,
    /// One `Runtime::execute` of a ten-step plan (a replayed graph, its copies included).
    runtime_plan_us: f64,
    runtime_speedup: f64,
    /// `runtime_plan_us / graph_with_copies_us`: the like-for-like comparison.
    plan_over_graph: f64,
    /// Of `runtime_plan_us`, the backend's segment run (copies, graph, sync) by the
    /// runtime's own stats (diagnostics, not judged).
    plan_segment_us: Option<f64>,
    goal_plan_over_graph: f64,
    met: bool,
}

#[derive(Serialize)]
struct NotMeasured {
    measured: bool,
    reason: String,
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    match run(quick) {
        Ok(Ok(report)) => println!("{}", serde_json::to_string(&report).expect("serialisable")),
        Ok(Err(reason)) => {
            eprintln!("gpu_bench: not measured: {reason}");
            let skipped = NotMeasured {
                measured: false,
                reason,
            };
            println!("{}", serde_json::to_string(&skipped).expect("serialisable"));
        }
        Err(e) => {
            eprintln!("gpu_bench: error: {e}");
            std::process::exit(2);
        }
    }
}

/// `Ok(Err(reason))` when there is nothing to measure on; `Err` when measuring failed.
fn run(quick: bool) -> Result<std::result::Result<Report, String>> {
    let (driver, device) = match cuda::probe() {
        Probe::Present { driver, devices } => (*driver, devices[0].clone()),
        other => return Ok(Err(other.describe())),
    };
    let manifest = gate_runtime::preflight::Manifest::parse(gate_kernels::modules::MANIFEST_JSON)?;
    if !manifest.is_native() {
        return Ok(Err(format!(
            "gate-kernels was built without CUDA kernels ({}); build with NVCC set",
            manifest.fallback_reason.unwrap_or_default()
        )));
    }
    let ctx = CudaContext::new(device.ordinal as usize).at("creating the context")?;
    // SAFETY: no slice or stream of this context exists yet; graphs are captured below.
    unsafe { ctx.disable_event_tracking() };
    let stream = ctx.new_stream().at("creating a stream")?;
    let k = Kernels::load(&ctx)?;
    let n = if quick { 1 << 22 } else { 1 << 26 };
    eprintln!(
        "gpu_bench: {} (sm_{}{}), driver {}.{}, n = {n}",
        device.name, device.compute_capability.0, device.compute_capability.1, driver.0, driver.1
    );

    let copy = copy_bandwidth(&stream, n)?;
    eprintln!("gpu_bench: copy {:.0} GB/s", copy.gb_per_s);
    let kernels = kernel_figures(&stream, &k, n, copy.gb_per_s)?;
    let dim = if quick { 1024 } else { 4096 };
    let sgemm = sgemm_vs_cublas(&stream, &k, dim)?;
    let runtime = Runtime::builder()
        .policy(GpuPolicy::Required)
        .build()
        .at("building the runtime")?;
    let backend = CudaBackend::open(device.ordinal, driver, device.compute_capability)
        .at("opening a second backend")?;
    let mut launch = launch_overhead(&stream, &k, &runtime)?;
    launch.breakdown = Some(call_breakdown(&stream, &k, &backend)?);
    let graph = graph_vs_launches(&stream, &k, &runtime)?;
    Ok(Ok(Report {
        measured: true,
        device: format!(
            "{} (sm_{}{})",
            device.name, device.compute_capability.0, device.compute_capability.1
        ),
        driver: format!("{}.{}", driver.0, driver.1),
        quick,
        copy,
        kernels,
        sgemm,
        launch,
        graph,
    }))
}

/// The gate-kernels functions, loaded straight from their embedded images.
struct Kernels {
    saxpy: CudaFunction,
    reduce: CudaFunction,
    softmax: CudaFunction,
    sgemm: CudaFunction,
    histogram: CudaFunction,
}

impl Kernels {
    fn load(ctx: &Arc<CudaContext>) -> Result<Kernels> {
        let load = |id: KernelId| -> Result<CudaFunction> {
            let module = id.module();
            ctx.load_module(cudarc::nvrtc::Ptx::from_binary(module.fatbin.to_vec()))
                .at(&format!("loading {}", module.name))?
                .load_function(id.info().entry)
                .at(&format!("finding {}", id.info().entry))
        };
        Ok(Kernels {
            saxpy: load(KernelId::Saxpy)?,
            reduce: load(KernelId::ReduceSum)?,
            softmax: load(KernelId::SoftmaxRows)?,
            sgemm: load(KernelId::Sgemm)?,
            histogram: load(KernelId::Histogram)?,
        })
    }
}

/// Seconds per repetition of `f` (which enqueues work on `stream`), by CUDA events: the best
/// of `trials` trials of `reps` repetitions, after one warm-up trial.
fn event_time(
    stream: &Arc<CudaStream>,
    reps: usize,
    trials: usize,
    mut f: impl FnMut() -> Result<()>,
) -> Result<f64> {
    let timing = Some(sys::CUevent_flags::CU_EVENT_DEFAULT);
    let mut best = f64::INFINITY;
    for trial in 0..=trials {
        let start = stream.record_event(timing).at("recording an event")?;
        for _ in 0..reps {
            f()?;
        }
        let end = stream.record_event(timing).at("recording an event")?;
        let ms = start.elapsed_ms(&end).at("reading the events")?;
        if trial > 0 {
            best = best.min(f64::from(ms) / 1e3 / reps as f64);
        }
    }
    Ok(best)
}

/// Median wall-clock microseconds of `f`, after `reps / 10` warm-up runs.
fn median_us(reps: usize, mut f: impl FnMut() -> Result<()>) -> Result<f64> {
    for _ in 0..reps / 10 {
        f()?;
    }
    let mut times = Vec::with_capacity(reps);
    for _ in 0..reps {
        let start = Instant::now();
        f()?;
        times.push(start.elapsed().as_secs_f64() * 1e6);
    }
    Ok(median(&mut times))
}

/// The middle value (the upper one of an even count); `values` must not be empty.
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn host_data(n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| ((i as u32).wrapping_mul(2_654_435_761) % 2000) as f32 / 1000.0 - 1.0)
        .collect()
}

fn upload(stream: &Arc<CudaStream>, n: usize) -> Result<CudaSlice<f32>> {
    stream.clone_htod(&host_data(n)).at("copying to the device")
}

fn copy_bandwidth(stream: &Arc<CudaStream>, n: usize) -> Result<Copy> {
    let src = upload(stream, n)?;
    let mut dst = stream.alloc_zeros::<f32>(n).at("allocating")?;
    let seconds = event_time(stream, 10, 5, || {
        stream
            .memcpy_dtod(&src, &mut dst)
            .at("copying on the device")
    })?;
    let bytes = 2 * 4 * n as u64;
    Ok(Copy {
        bytes,
        gb_per_s: bytes as f64 / seconds / 1e9,
    })
}

fn figure(
    kernel: &'static str,
    shape: String,
    bytes: u64,
    seconds: f64,
    copy: f64,
    goal: Option<f64>,
) -> KernelFigure {
    let gb_per_s = bytes as f64 / seconds / 1e9;
    eprintln!("gpu_bench: {kernel} {shape}: {gb_per_s:.0} GB/s");
    KernelFigure {
        kernel,
        shape,
        bytes,
        seconds,
        gb_per_s,
        of_copy: gb_per_s / copy,
        goal,
        met: goal.map(|g| gb_per_s / copy >= g),
    }
}

fn kernel_figures(
    stream: &Arc<CudaStream>,
    k: &Kernels,
    n: usize,
    copy: f64,
) -> Result<Vec<KernelFigure>> {
    let n32 = n as u32;
    let x = upload(stream, n)?;
    let mut y = upload(stream, n)?;
    let mut out = Vec::new();

    let a = 0.5f32;
    let saxpy = event_time(stream, 10, 5, || {
        // SAFETY: saxpy(float, const float*, float*, unsigned); x and y hold n elements.
        unsafe {
            stream
                .launch_builder(&k.saxpy)
                .arg(&a)
                .arg(&x)
                .arg(&mut y)
                .arg(&n32)
                .launch(cfg(gate_kernels::saxpy::launch_config(n32)))
        }
        .map(drop)
        .at("launching saxpy")
    })?;
    out.push(figure(
        "saxpy",
        format!("n={n}"),
        12 * n as u64,
        saxpy,
        copy,
        Some(0.90),
    ));

    // One launch (its launch_plan): scratch zeroed once, the kernel resets its counter.
    let [plan] = gate_kernels::reduce_sum_f32::launch_plan(n32);
    let mut scratch = stream
        .alloc_zeros::<f32>(gate_kernels::reduce_sum_f32::scratch_len(n32))
        .at("allocating")?;
    let mut sum = stream.alloc_zeros::<f32>(1).at("allocating")?;
    let reduce = event_time(stream, 10, 5, || {
        // SAFETY: reduce_sum_f32_partial(const float*, float*, float*, unsigned), launched as
        // its protocol says: n inputs, scratch_len(n) zeroed words, the sum in sum[0].
        unsafe {
            stream
                .launch_builder(&k.reduce)
                .arg(&x)
                .arg(&mut scratch)
                .arg(&mut sum)
                .arg(&n32)
                .launch(cfg(plan.config))
        }
        .map(drop)
        .at("launching reduce_sum_f32")
    })?;
    out.push(figure(
        "reduce_sum_f32",
        format!("n={n}"),
        4 * n as u64,
        reduce,
        copy,
        Some(0.90),
    ));

    let cols = 4096u32;
    let rows = n32 / cols;
    let softmax = event_time(stream, 10, 5, || {
        // SAFETY: softmax_rows_f32(const float*, float*, unsigned, unsigned); both buffers
        // hold rows*cols <= n elements.
        unsafe {
            stream
                .launch_builder(&k.softmax)
                .arg(&x)
                .arg(&mut y)
                .arg(&rows)
                .arg(&cols)
                .launch(cfg(gate_kernels::softmax_rows_f32::launch_config(rows)))
        }
        .map(drop)
        .at("launching softmax_rows_f32")
    })?;
    out.push(figure(
        "softmax_rows_f32",
        format!("{rows}x{cols}"),
        8 * u64::from(rows) * u64::from(cols),
        softmax,
        copy,
        Some(0.85),
    ));

    let values: Vec<u32> = (0..n32).map(|i| i.wrapping_mul(2_654_435_761)).collect();
    let values = stream.clone_htod(&values).at("copying to the device")?;
    let num_bins = 256u32;
    let mut bins = stream
        .alloc_zeros::<u32>(num_bins as usize)
        .at("allocating")?;
    let histogram = event_time(stream, 10, 5, || {
        // SAFETY: histogram_u32(const unsigned*, unsigned, unsigned*, unsigned); values
        // holds n elements and bins num_bins.
        unsafe {
            stream
                .launch_builder(&k.histogram)
                .arg(&values)
                .arg(&n32)
                .arg(&mut bins)
                .arg(&num_bins)
                .launch(cfg(gate_kernels::histogram_u32::launch_config(n32)))
        }
        .map(drop)
        .at("launching histogram_u32")
    })?;
    out.push(figure(
        "histogram_u32",
        format!("n={n}, {num_bins} bins"),
        4 * n as u64,
        histogram,
        copy,
        Some(0.80),
    ));
    stream.synchronize().at("synchronising")?;
    Ok(out)
}

fn sgemm_vs_cublas(stream: &Arc<CudaStream>, k: &Kernels, dim: usize) -> Result<Sgemm> {
    let (m, n, kk) = (dim as u32, dim as u32, dim as u32);
    let a = upload(stream, dim * dim)?;
    let b = upload(stream, dim * dim)?;
    let mut c = stream.alloc_zeros::<f32>(dim * dim).at("allocating")?;
    let (alpha, beta) = (1.0f32, 0.0f32);
    let reps = if dim >= 4096 { 3 } else { 10 };
    let ours = event_time(stream, reps, 3, || {
        // SAFETY: sgemm_tiled(unsigned m, n, k, float alpha, const float* a, const float* b,
        // float beta, float* c); a, b and c are dim x dim.
        unsafe {
            stream
                .launch_builder(&k.sgemm)
                .arg(&m)
                .arg(&n)
                .arg(&kk)
                .arg(&alpha)
                .arg(&a)
                .arg(&b)
                .arg(&beta)
                .arg(&mut c)
                .launch(cfg(gate_kernels::sgemm_tiled::launch_config(m, n)))
        }
        .map(drop)
        .at("launching sgemm_tiled")
    })?;
    let flop = 2.0 * (dim as f64).powi(3);
    let ours_gflop_per_s = flop / ours / 1e9;
    eprintln!("gpu_bench: sgemm_tiled {dim}^3: {ours_gflop_per_s:.0} GFLOP/s");
    let goal = 0.7;
    // SAFETY: only tries to open the library by its known names.
    if !unsafe { cudarc::cublas::sys::is_culib_present() } {
        return Ok(Sgemm {
            m: dim,
            n: dim,
            k: dim,
            ours_gflop_per_s,
            cublas_gflop_per_s: None,
            of_cublas: None,
            max_rel_diff_vs_cublas: None,
            goal,
            met: None,
            cublas_note: Some(
                "cuBLAS not found: put the directory holding libcublas.so.13 on LD_LIBRARY_PATH"
                    .into(),
            ),
        });
    }
    let ours_c = stream.clone_dtoh(&c).at("copying from the device")?;
    let blas = CudaBlas::new(stream.clone()).at("creating the cuBLAS handle")?;
    let d = dim as i32;
    // Row-major C = A·B is column-major Cᵀ = Bᵀ·Aᵀ: cuBLAS gets B first, with the sizes
    // swapped; every leading dimension is `dim`.
    let config = GemmConfig {
        transa: cublasOperation_t::CUBLAS_OP_N,
        transb: cublasOperation_t::CUBLAS_OP_N,
        m: d,
        n: d,
        k: d,
        alpha,
        lda: d,
        ldb: d,
        beta,
        ldc: d,
    };
    let theirs = event_time(stream, reps, 3, || {
        // SAFETY: the three matrices are dim x dim, as the config says.
        unsafe { blas.gemm(config, &b, &a, &mut c) }.at("cublasSgemm")
    })?;
    let cublas_c = stream.clone_dtoh(&c).at("copying from the device")?;
    let scale = cublas_c
        .iter()
        .fold(0f32, |acc, v| acc.max(v.abs()))
        .max(1e-30);
    let diff = ours_c
        .iter()
        .zip(&cublas_c)
        .fold(0f32, |acc, (x, y)| acc.max((x - y).abs()));
    let cublas_gflop_per_s = flop / theirs / 1e9;
    eprintln!("gpu_bench: cuBLAS SGEMM {dim}^3: {cublas_gflop_per_s:.0} GFLOP/s");
    let ratio = ours_gflop_per_s / cublas_gflop_per_s;
    Ok(Sgemm {
        m: dim,
        n: dim,
        k: dim,
        ours_gflop_per_s,
        cublas_gflop_per_s: Some(cublas_gflop_per_s),
        of_cublas: Some(ratio),
        max_rel_diff_vs_cublas: Some(f64::from(diff / scale)),
        goal,
        met: Some(ratio >= goal),
        cublas_note: None,
    })
}

/// Median wall-clock microseconds of `a` and of `b`, and the median over rounds of `b − a`:
/// `reps` calls of each in rounds of `block` calls of `a` then `block` calls of `b` (after a
/// warm-up round), each round's difference taken between its two blocks' medians. A slow
/// stretch of the machine lands on both sides of a round. `block` 1 alternates every call;
/// a longer block keeps each side on its own stream for a while, as a program using only one
/// of them would be (alternating every call makes the GPU switch streams on every copy).
fn paired_us(
    reps: usize,
    block: usize,
    mut a: impl FnMut() -> Result<()>,
    mut b: impl FnMut() -> Result<()>,
) -> Result<(f64, f64, f64)> {
    let run = |f: &mut dyn FnMut() -> Result<()>| -> Result<Vec<f64>> {
        (0..block)
            .map(|_| {
                let start = Instant::now();
                f()?;
                Ok(start.elapsed().as_secs_f64() * 1e6)
            })
            .collect()
    };
    run(&mut a)?;
    run(&mut b)?;
    let (mut ta, mut tb, mut diff) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..reps.div_ceil(block) {
        let (mut x, mut y) = (run(&mut a)?, run(&mut b)?);
        diff.push(median(&mut y) - median(&mut x));
        ta.append(&mut x);
        tb.append(&mut y);
    }
    Ok((median(&mut ta), median(&mut tb), median(&mut diff)))
}

fn launch_overhead(stream: &Arc<CudaStream>, k: &Kernels, runtime: &Runtime) -> Result<Launch> {
    let n = 1u32;
    let a = 2.0f32;
    let x_host = [1.0f32];
    let mut y_host = [1.0f32];
    let mut x = stream.clone_htod(&x_host).at("copying to the device")?;
    let mut y = stream.clone_htod(&y_host).at("copying to the device")?;
    let launch = |x: &CudaSlice<f32>, y: &mut CudaSlice<f32>| {
        // SAFETY: saxpy(float, const float*, float*, unsigned) over one element.
        unsafe {
            stream
                .launch_builder(&k.saxpy)
                .arg(&a)
                .arg(x)
                .arg(y)
                .arg(&n)
                .launch(cfg(gate_kernels::saxpy::launch_config(n)))
        }
        .map(drop)
        .at("launching saxpy")
    };
    let reps = 5000;
    let raw_launch_us = median_us(reps, || {
        launch(&x, &mut y)?;
        stream.synchronize().at("synchronising")
    })?;
    let mut y_runtime = [1.0f32];
    // The least a raw call does: its buffers are already on the device.
    let mut raw_call = || raw_saxpy(stream, &k.saxpy, &x_host, (&mut x, &mut y), &mut y_host);
    let mut runtime_call = || {
        runtime
            .saxpy(a, &x_host, &mut y_runtime)
            .map(drop)
            .at("runtime saxpy")
    };
    let (raw_call_us, runtime_call_us, overhead_us) =
        paired_us(reps, BLOCK, &mut raw_call, &mut runtime_call)?;
    let (.., interleaved_overhead_us) = paired_us(reps, 1, &mut raw_call, &mut runtime_call)?;
    eprintln!(
        "gpu_bench: launch {raw_launch_us:.1} µs, raw call {raw_call_us:.1} µs, runtime call {runtime_call_us:.1} µs, overhead {overhead_us:.2} µs (alternating every call {interleaved_overhead_us:.2} µs)"
    );
    Ok(Launch {
        raw_launch_us,
        raw_call_us,
        runtime_call_us,
        overhead_us,
        interleaved_overhead_us,
        goal_us: 2.0,
        met: overhead_us <= 2.0,
        breakdown: None,
    })
}

/// Calls of each side per round in the paired call timings.
const BLOCK: usize = 50;

/// Nanoseconds one read of the monotonic clock takes (a VM without a usable TSC makes it a
/// system call).
fn clock_read_ns() -> f64 {
    let reads = 100_000u32;
    let start = Instant::now();
    for _ in 0..reads {
        std::hint::black_box(Instant::now());
    }
    start.elapsed().as_secs_f64() * 1e9 / f64::from(reads)
}

/// The least raw call of a one-element saxpy on `stream`: x and y in to buffers already on
/// the device, the launch, y out, synchronise.
fn raw_saxpy(
    stream: &Arc<CudaStream>,
    saxpy: &CudaFunction,
    x_host: &[f32; 1],
    (x, y): (&mut CudaSlice<f32>, &mut CudaSlice<f32>),
    y_host: &mut [f32; 1],
) -> Result<()> {
    let (a, n) = (2.0f32, 1u32);
    stream.memcpy_htod(x_host, x).at("copying to the device")?;
    stream
        .memcpy_htod(&*y_host, y)
        .at("copying to the device")?;
    // SAFETY: saxpy(float, const float*, float*, unsigned) over one element.
    unsafe {
        stream
            .launch_builder(saxpy)
            .arg(&a)
            .arg(&*x)
            .arg(&mut *y)
            .arg(&n)
            .launch(cfg(gate_kernels::saxpy::launch_config(n)))
    }
    .at("launching saxpy")?;
    stream
        .memcpy_dtoh(y, y_host)
        .at("copying from the device")?;
    stream.synchronize().at("synchronising")
}

/// The one-element saxpy call taken apart, each part paired with the raw call on resident
/// buffers: the backend alone (in blocks, and alternating every call), and the raw call
/// itself on a second stream, alternating every call (what switching streams costs).
fn call_breakdown(
    stream: &Arc<CudaStream>,
    k: &Kernels,
    backend: &CudaBackend,
) -> Result<Breakdown> {
    let reps = 3000;
    let x_host = [1.0f32];
    let (mut y_host, mut y_other, mut y_backend) = ([1.0f32], [1.0f32], [1.0f32]);
    let mut x = stream.clone_htod(&x_host).at("copying to the device")?;
    let mut y = stream.clone_htod(&y_host).at("copying to the device")?;
    let other = stream.context().new_stream().at("creating a stream")?;
    let mut xo = other.clone_htod(&x_host).at("copying to the device")?;
    let mut yo = other.clone_htod(&y_host).at("copying to the device")?;
    let mut raw = || raw_saxpy(stream, &k.saxpy, &x_host, (&mut x, &mut y), &mut y_host);
    let mut on_backend = || {
        let mut call = Call::Saxpy {
            a: 2.0,
            x: &x_host,
            y: &mut y_backend,
        };
        backend.run(&mut call).at("backend saxpy")
    };
    let (.., backend_overhead_us) = paired_us(reps, BLOCK, &mut raw, &mut on_backend)?;
    let (.., backend_interleaved_us) = paired_us(reps, 1, &mut raw, &mut on_backend)?;
    let mut raw_other = || raw_saxpy(&other, &k.saxpy, &x_host, (&mut xo, &mut yo), &mut y_other);
    let (.., other_stream_interleaved_us) = paired_us(reps, 1, &mut raw, &mut raw_other)?;
    let (module_interleaved_us, swapped_interleaved_us) = module_and_buffers(stream, k)?;
    let (buffers_reused, buffers_allocated) = backend.buffer_reuse();
    let clock_read_ns = clock_read_ns();
    eprintln!(
        "gpu_bench: call breakdown: a second module's saxpy +{module_interleaved_us:.2} µs, two fresh buffers swapping roles every call +{swapped_interleaved_us:.2} µs"
    );
    eprintln!(
        "gpu_bench: call breakdown: backend alone +{backend_overhead_us:.2} µs (alternating every call +{backend_interleaved_us:.2}), the raw call on a second stream alternating every call +{other_stream_interleaved_us:.2} µs, buffers reused {buffers_reused} / allocated {buffers_allocated}, a clock read {clock_read_ns:.0} ns"
    );
    Ok(Breakdown {
        backend_overhead_us,
        backend_interleaved_us,
        other_stream_interleaved_us,
        module_interleaved_us,
        swapped_interleaved_us,
        buffers_reused,
        buffers_allocated,
        clock_read_ns,
    })
}

/// The raw call with one difference each from the backend's: saxpy from a second load of
/// its module, and two `alloc_zeros` buffers swapping roles every call. Paired with the raw
/// call alternating every call: (module, swapped) microseconds over it.
fn module_and_buffers(stream: &Arc<CudaStream>, k: &Kernels) -> Result<(f64, f64)> {
    let reps = 3000;
    let x_host = [1.0f32];
    let (mut y_host, mut y_module, mut y_swapped) = ([1.0f32], [1.0f32], [1.0f32]);
    let mut x = stream.clone_htod(&x_host).at("copying to the device")?;
    let mut y = stream.clone_htod(&y_host).at("copying to the device")?;
    let (mut xm, mut ym) = (x.clone(), y.clone());
    let image = KernelId::Saxpy.module().fatbin.to_vec();
    let again = stream
        .context()
        .load_module(cudarc::nvrtc::Ptx::from_binary(image))
        .at("loading saxpy again")?
        .load_function(KernelId::Saxpy.info().entry)
        .at("finding saxpy")?;
    let mut raw = || raw_saxpy(stream, &k.saxpy, &x_host, (&mut x, &mut y), &mut y_host);
    let mut module = || raw_saxpy(stream, &again, &x_host, (&mut xm, &mut ym), &mut y_module);
    let (.., module_us) = paired_us(reps, 1, &mut raw, &mut module)?;
    let mut pair = [
        stream.alloc_zeros::<f32>(1).at("allocating")?,
        stream.alloc_zeros::<f32>(1).at("allocating")?,
    ];
    let mut swapped = || {
        pair.swap(0, 1);
        let [a, b] = &mut pair;
        raw_saxpy(stream, &k.saxpy, &x_host, (a, b), &mut y_swapped)
    };
    let (.., swapped_us) = paired_us(reps, 1, &mut raw, &mut swapped)?;
    Ok((module_us, swapped_us))
}

/// Ten saxpy launches over `N` floats, three ways in raw cudarc: launched one by one, as one
/// graph, and as one graph with the copies a plan's replay makes (x and y in, y out).
/// Microseconds per run: (launches, graph, graph with copies).
fn raw_ten(stream: &Arc<CudaStream>, k: &Kernels, reps: usize) -> Result<(f64, f64, f64)> {
    let n = TEN_N as u32;
    let mut x = upload(stream, TEN_N)?;
    let mut y = upload(stream, TEN_N)?;
    let enqueue_ten = |x: &CudaSlice<f32>, y: &mut CudaSlice<f32>| -> Result<()> {
        for _ in 0..TEN {
            // SAFETY: saxpy(float, const float*, float*, unsigned); x and y hold N elements.
            unsafe {
                stream
                    .launch_builder(&k.saxpy)
                    .arg(&TEN_A)
                    .arg(x)
                    .arg(&mut *y)
                    .arg(&n)
                    .launch(cfg(gate_kernels::saxpy::launch_config(n)))
            }
            .map(drop)
            .at("launching saxpy")?;
        }
        Ok(())
    };
    let launches_us = median_us(reps, || {
        enqueue_ten(&x, &mut y)?;
        stream.synchronize().at("synchronising")
    })?;
    stream
        .begin_capture(sys::CUstreamCaptureMode::CU_STREAM_CAPTURE_MODE_THREAD_LOCAL)
        .at("beginning capture")?;
    let enqueued = enqueue_ten(&x, &mut y);
    let graph = stream
        .end_capture(sys::CUgraphInstantiate_flags(0))
        .at("ending capture")?;
    enqueued?;
    let graph = graph.ok_or("capture produced no graph")?;
    let graph_us = median_us(reps, || {
        graph.launch().at("launching the graph")?;
        stream.synchronize().at("synchronising")
    })?;
    let x_host = host_data(TEN_N);
    let mut y_host = host_data(TEN_N);
    let graph_with_copies_us = median_us(reps, || {
        stream
            .memcpy_htod(&x_host, &mut x)
            .at("copying to the device")?;
        stream
            .memcpy_htod(&y_host, &mut y)
            .at("copying to the device")?;
        graph.launch().at("launching the graph")?;
        stream
            .memcpy_dtoh(&y, &mut y_host)
            .at("copying from the device")?;
        stream.synchronize().at("synchronising")
    })?;
    Ok((launches_us, graph_us, graph_with_copies_us))
}

/// Steps in the graph comparison, floats each step touches, and saxpy's `a`.
const TEN: usize = 10;
const TEN_N: usize = 4096;
const TEN_A: f32 = 1.0001;

fn graph_vs_launches(stream: &Arc<CudaStream>, k: &Kernels, runtime: &Runtime) -> Result<Graph> {
    let reps = 2000;
    let (launches_us, graph_us, graph_with_copies_us) = raw_ten(stream, k, reps)?;
    let x_host = host_data(TEN_N);
    let mut y_host = host_data(TEN_N);
    let runtime_calls_us = median_us(reps / 4, || {
        for _ in 0..TEN {
            runtime
                .saxpy(TEN_A, &x_host, &mut y_host)
                .at("runtime saxpy")?;
        }
        Ok(())
    })?;
    let mut plan = Plan::new("gpu_bench-ten-saxpy");
    let px = plan.f32(x_host.clone());
    let py = plan.f32(y_host.clone());
    for _ in 0..TEN {
        plan.push(Step::Saxpy {
            a: TEN_A,
            x: px,
            y: py,
        });
    }
    // A runtime of its own, so its stats hold the plan's steps alone: each step's latency
    // is its share of the backend's segment run, so p50 x steps is the replay inside the
    // backend, and the rest of runtime_plan_us is the runtime's own work around it.
    let plan_runtime = Runtime::builder()
        .policy(GpuPolicy::Required)
        .build()
        .at("building a second runtime")?;
    let runtime_plan_us = median_us(reps, || {
        plan_runtime.execute(&mut plan).map(drop).at("runtime plan")
    })?;
    let stats: serde_json::Value =
        serde_json::from_str(&plan_runtime.stats_json()).at("reading the plan's stats")?;
    let plan_segment_us = stats["kernels"]["saxpy"]["latency"]["p50_us"]
        .as_f64()
        .map(|per_step| per_step * TEN as f64);
    let plan_over_graph = runtime_plan_us / graph_with_copies_us;
    eprintln!(
        "gpu_bench: ten launches {launches_us:.1} µs, one graph {graph_us:.1} µs ({graph_with_copies_us:.1} µs with the copies); runtime: ten calls {runtime_calls_us:.1} µs, one plan {runtime_plan_us:.1} µs ({plan_over_graph:.2}x the graph with copies; the segment inside the backend {plan_segment_us:?} µs)"
    );
    Ok(Graph {
        kernels: TEN,
        n: TEN_N,
        launches_us,
        graph_us,
        speedup: launches_us / graph_us,
        graph_with_copies_us,
        runtime_calls_us,
        runtime_plan_us,
        runtime_speedup: runtime_calls_us / runtime_plan_us,
        plan_over_graph,
        plan_segment_us,
        goal_plan_over_graph: 1.3,
        met: plan_over_graph <= 1.3,
    })
}
