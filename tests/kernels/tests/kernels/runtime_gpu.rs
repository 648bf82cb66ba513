//! gate-runtime on a real GPU. These run where the probe finds a device and gate-kernels was
//! built with nvcc; elsewhere each says why it skipped — unless `GATE_TESTS_REQUIRE_GPU` is
//! set, where a missing GPU fails every one of them (as `GATE_TESTS_REQUIRE_NVCC` does for
//! nvcc), so a run on a lent GPU machine cannot pass by skipping. (CPU-side behaviour —
//! policies, contracts, rails, plans, logs — is tested in gate-runtime's own unit tests with
//! the test backend, everywhere.)

use gate_runtime::cuda::{self, CudaBackend, Probe};
use gate_runtime::fault::{Fault, FaultBackend};
use gate_runtime::rails::RailsConfig;
use gate_runtime::{Call, GpuPolicy, KernelId, Plan, Ran, Runtime, StatusCode, Step};
use std::sync::Arc;

/// A runtime that must use the GPU, or `None` with the reason printed.
fn gpu_runtime() -> Option<Runtime> {
    if !matches!(cuda::probe(), Probe::Present { .. }) {
        skip_or_fail(&cuda::probe().describe());
        return None;
    }
    match Runtime::builder().policy(GpuPolicy::Required).build() {
        Ok(rt) => Some(rt),
        Err(e) => panic!("a GPU is present but the runtime cannot use it: {e}"),
    }
}

/// The driver version and the first device, or `None` with the reason printed.
fn gpu_device() -> Option<((u32, u32), cuda::Device)> {
    match cuda::probe() {
        Probe::Present { driver, devices } => Some((*driver, devices[0].clone())),
        other => {
            skip_or_fail(&other.describe());
            None
        }
    }
}

/// Says why a GPU test skipped, or fails it when `GATE_TESTS_REQUIRE_GPU` is set.
#[expect(clippy::print_stdout, reason = "a skipped test says why")]
fn skip_or_fail(why: &str) {
    assert!(
        std::env::var_os("GATE_TESTS_REQUIRE_GPU").is_none(),
        "GATE_TESTS_REQUIRE_GPU is set, and no GPU is usable: {why}"
    );
    println!("skipped: {why}");
}

fn data(n: usize, seed: u32) -> Vec<f32> {
    (0..n)
        .map(|i| (((i as u32).wrapping_mul(2_654_435_761) ^ seed) % 2000) as f32 / 1000.0 - 1.0)
        .collect()
}

#[test]
fn every_kernel_matches_its_cpu_reference_on_many_sizes() {
    let Some(rt) = gpu_runtime() else { return };
    for n in [0usize, 1, 31, 255, 256, 257, 1000, 4097, 100_003, 1 << 20] {
        let x = data(n, 1);
        // saxpy
        let y0 = data(n, 2);
        let (mut got, mut want) = (y0.clone(), y0);
        assert_eq!(rt.saxpy(0.75, &x, &mut got).unwrap().ran, Ran::Gpu);
        Call::Saxpy {
            a: 0.75,
            x: &x,
            y: &mut want,
        }
        .run_cpu()
        .unwrap();
        KernelId::Saxpy.tolerance().check(&got, &want).unwrap();
        // reduce
        let (sum, report) = rt.reduce_sum(&x).unwrap();
        assert_eq!(report.ran, Ran::Gpu);
        let mut expect = 0.0;
        Call::ReduceSum {
            x: &x,
            out: &mut expect,
        }
        .run_cpu()
        .unwrap();
        KernelId::ReduceSum
            .tolerance()
            .check(&[sum], &[expect])
            .unwrap();
        // softmax
        let cols = n.clamp(1, 3000);
        let rows = n / cols;
        let (mut got, mut want) = (vec![0.0; rows * cols], vec![0.0; rows * cols]);
        rt.softmax_rows(rows, cols, &x[..rows * cols], &mut got)
            .unwrap();
        Call::SoftmaxRows {
            rows,
            cols,
            x: &x[..rows * cols],
            y: &mut want,
        }
        .run_cpu()
        .unwrap();
        KernelId::SoftmaxRows
            .tolerance()
            .check(&got, &want)
            .unwrap();
        // histogram
        let values: Vec<u32> = (0..n as u32).map(|v| v.wrapping_mul(40_503)).collect();
        let (mut got, mut want) = (vec![0u32; 61], vec![0u32; 61]);
        rt.histogram(&values, &mut got).unwrap();
        Call::Histogram {
            values: &values,
            bins: &mut want,
        }
        .run_cpu()
        .unwrap();
        assert_eq!(got, want, "histogram n={n}");
    }
    for (m, n, k) in [(1, 1, 1), (17, 33, 5), (64, 64, 64), (100, 3, 257)] {
        let (a, b) = (data(m * k, 3), data(k * n, 4));
        let c0 = data(m * n, 5);
        let (mut got, mut want) = (c0.clone(), c0);
        rt.sgemm(m, n, k, 1.25, &a, &b, -0.5, &mut got).unwrap();
        Call::Sgemm {
            m,
            n,
            k,
            alpha: 1.25,
            a: &a,
            b: &b,
            beta: -0.5,
            c: &mut want,
        }
        .run_cpu()
        .unwrap();
        KernelId::Sgemm.tolerance().check(&got, &want).unwrap();
    }
}

#[test]
fn a_plan_is_captured_once_and_replayed() {
    let Some(rt) = gpu_runtime() else { return };
    let mut plan = Plan::new("gpu-pipeline");
    let x = plan.f32(data(10_000, 7));
    let y = plan.f32(vec![0.0; 10_000]);
    let sum = plan.f32(vec![0.0]);
    plan.push(Step::Saxpy { a: 2.0, x, y });
    plan.push(Step::ReduceSum { x: y, out: sum });
    let first = rt.execute(&mut plan).unwrap();
    assert_eq!(first.segments, ["gpu:captured"]);
    let second = rt.execute(&mut plan).unwrap();
    assert_eq!(second.segments, ["gpu:replayed"]);
    assert!(second.steps.iter().all(|s| s.status == StatusCode::Ok));
    let mut expect_y = vec![0.0; 10_000];
    let input = data(10_000, 7);
    // Two executions: y = 2x, then y = 2x + 2x.
    for _ in 0..2 {
        Call::Saxpy {
            a: 2.0,
            x: &input,
            y: &mut expect_y,
        }
        .run_cpu()
        .unwrap();
    }
    KernelId::Saxpy
        .tolerance()
        .check(plan.buffers().f32(y).unwrap(), &expect_y)
        .unwrap();
}

#[test]
fn ptx_newer_than_the_driver_is_unsupported_with_the_jit_log() {
    let Some((_, device)) = gpu_device() else {
        return;
    };
    let ordinal = device.ordinal;
    // The backend's own modules load through the same path.
    cuda::load_image(ordinal, "saxpy", KernelId::Saxpy.module().fatbin).unwrap();
    let too_new =
        b".version 99.9\n.target sm_50\n.address_size 64\n\n.visible .entry k()\n{\n\tret;\n}\n";
    let err = cuda::load_image(ordinal, "too_new", too_new).unwrap_err();
    assert_eq!(err.code, StatusCode::Unsupported, "{err}");
    let log = err.jit_log.expect("the driver's JIT log is kept");
    assert!(log.contains("version"), "JIT log: {log}");
}

#[test]
fn an_injected_fault_on_the_gpu_rolls_back_and_a_gpu_self_test_returns() {
    let Some((driver, device)) = gpu_device() else {
        return;
    };
    let cuda = CudaBackend::open(device.ordinal, driver, device.compute_capability).unwrap();
    let (backend, script) = FaultBackend::wrapping(Arc::new(cuda));
    let rt = Runtime::builder()
        .policy(GpuPolicy::Auto)
        .rails(RailsConfig {
            window: 8,
            min_calls: 4,
            max_failure_rate: 0.25,
            cooldown_calls: 3,
        })
        .backend(Box::new(backend))
        .build()
        .unwrap();
    let x = data(4097, 11);
    let saxpy = |rt: &Runtime| {
        let y0 = data(4097, 12);
        let (mut got, mut want) = (y0.clone(), y0);
        let report = rt.saxpy(0.5, &x, &mut got).unwrap();
        Call::Saxpy {
            a: 0.5,
            x: &x,
            y: &mut want,
        }
        .run_cpu()
        .unwrap();
        KernelId::Saxpy.tolerance().check(&got, &want).unwrap();
        report
    };
    for _ in 0..4 {
        assert_eq!(saxpy(&rt).ran, Ran::Gpu);
    }
    script
        .lock()
        .unwrap()
        .always
        .insert(KernelId::Saxpy, Fault::Fail(StatusCode::DriverError));
    // Two failures in a window of six trip the rail; the cool-down serves three calls.
    for _ in 0..2 {
        assert_eq!(saxpy(&rt).ran, Ran::Cpu);
    }
    for _ in 0..3 {
        assert_eq!(saxpy(&rt).fallback.as_deref(), Some("cooling_down"));
    }
    // The fault clears; the self-test runs on the real GPU, passes, and the kernel returns.
    script.lock().unwrap().always.clear();
    assert_eq!(saxpy(&rt).ran, Ran::Gpu);
    assert_eq!(saxpy(&rt).ran, Ran::Gpu);
    let stats: serde_json::Value = serde_json::from_str(&rt.stats_json()).unwrap();
    assert_eq!(stats["kernels"]["saxpy"]["rollbacks"], 1);
    assert_eq!(stats["kernels"]["saxpy"]["returns"], 1);
}

/// Every kernel twice on the same input: the same bits both times (what the docs promise:
/// no float atomics, orders that depend only on the shape), and within tolerance of the CPU
/// reference. The sizes reach the vectorised bodies and their tails (lengths and row widths
/// that are and are not multiples of 4, several waves of blocks) and sgemm's vector and
/// scalar paths (k and n multiples of 4 or not, whole and partial 128-tiles).
#[test]
fn every_kernel_gives_the_same_bits_run_to_run_on_the_fast_paths_and_their_tails() {
    let Some(rt) = gpu_runtime() else { return };
    let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
    for n in [4usize, 5, 1023, 1024, 262_147, 1 << 22, (1 << 22) + 3] {
        let x = data(n, 21);
        let (a, _) = rt.reduce_sum(&x).unwrap();
        let (b, _) = rt.reduce_sum(&x).unwrap();
        assert_eq!(a.to_bits(), b.to_bits(), "reduce_sum n={n}");
        let mut want = 0.0;
        Call::ReduceSum {
            x: &x,
            out: &mut want,
        }
        .run_cpu()
        .unwrap();
        KernelId::ReduceSum
            .tolerance()
            .check(&[a], &[want])
            .unwrap_or_else(|e| panic!("reduce_sum n={n}: {e}"));
        let values: Vec<u32> = (0..n as u32)
            .map(|v| v.wrapping_mul(2_654_435_761))
            .collect();
        let (mut got, mut cpu) = (vec![0u32; 256], vec![0u32; 256]);
        rt.histogram(&values, &mut got).unwrap();
        Call::Histogram {
            values: &values,
            bins: &mut cpu,
        }
        .run_cpu()
        .unwrap();
        assert_eq!(got, cpu, "histogram n={n}");
    }
    for (rows, cols) in [
        (3, 4),
        (2, 5),
        (7, 1023),
        (64, 4096),
        (5, 4099),
        (2, 20_000),
    ] {
        let x = data(rows * cols, 22);
        let run = || {
            let mut y = vec![0.0; rows * cols];
            rt.softmax_rows(rows, cols, &x, &mut y).unwrap();
            y
        };
        let (first, second) = (run(), run());
        assert_eq!(bits(&first), bits(&second), "softmax {rows}x{cols}");
        let mut want = vec![0.0; rows * cols];
        Call::SoftmaxRows {
            rows,
            cols,
            x: &x,
            y: &mut want,
        }
        .run_cpu()
        .unwrap();
        KernelId::SoftmaxRows
            .tolerance()
            .check(&first, &want)
            .unwrap_or_else(|e| panic!("softmax {rows}x{cols}: {e}"));
    }
    let shapes = [
        (128, 128, 128),
        (256, 384, 64),
        (129, 131, 67),
        (130, 260, 12),
        (3, 257, 1),
        (300, 4, 1000),
    ];
    for (m, n, k) in shapes {
        let (a, b) = (data(m * k, 23), data(k * n, 24));
        let c0 = data(m * n, 25);
        let run = |beta: f32| {
            let mut c = c0.clone();
            rt.sgemm(m, n, k, 0.5, &a, &b, beta, &mut c).unwrap();
            c
        };
        for beta in [0.0, 1.5] {
            let (first, second) = (run(beta), run(beta));
            assert_eq!(bits(&first), bits(&second), "sgemm {m}x{n}x{k}");
            let mut want = c0.clone();
            Call::Sgemm {
                m,
                n,
                k,
                alpha: 0.5,
                a: &a,
                b: &b,
                beta,
                c: &mut want,
            }
            .run_cpu()
            .unwrap();
            KernelId::Sgemm
                .tolerance()
                .check(&first, &want)
                .unwrap_or_else(|e| panic!("sgemm {m}x{n}x{k} beta {beta}: {e}"));
        }
    }
}

/// The backend keeps a finished call's device buffers for the next call of the same length:
/// a reused buffer must never leak the previous call's data into the next result (lengths
/// repeated, interleaved with other lengths, an empty call, u32 after f32).
#[test]
fn calls_that_reuse_device_buffers_see_only_their_own_data() {
    let Some(rt) = gpu_runtime() else { return };
    for (round, n) in [1000usize, 1000, 3, 1000, 0, 1000, 4096]
        .into_iter()
        .enumerate()
    {
        let seed = round as u32 * 7 + 1;
        let x = data(n, seed);
        let y0 = data(n, seed + 1);
        let (mut got, mut want) = (y0.clone(), y0);
        rt.saxpy(1.5, &x, &mut got).unwrap();
        Call::Saxpy {
            a: 1.5,
            x: &x,
            y: &mut want,
        }
        .run_cpu()
        .unwrap();
        KernelId::Saxpy
            .tolerance()
            .check(&got, &want)
            .unwrap_or_else(|e| panic!("round {round}, n={n}: {e}"));
        let values: Vec<u32> = (0..n as u32).map(|v| v ^ seed).collect();
        let (mut bins, mut cpu) = (vec![1u32; 1000], vec![1u32; 1000]);
        rt.histogram(&values, &mut bins).unwrap();
        Call::Histogram {
            values: &values,
            bins: &mut cpu,
        }
        .run_cpu()
        .unwrap();
        assert_eq!(bins, cpu, "round {round}, n={n}");
    }
}
