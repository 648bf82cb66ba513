//! Benchmark harness for `cargo xtask bench`: each CPU reference's throughput, and the
//! runtime's dispatch overhead over calling the CPU reference directly. Prints one line of
//! JSON. Build it in release: `cargo run --release -p gate-runtime --example runtime_bench`.
#![allow(clippy::print_stdout, reason = "a benchmark harness reports on stdout")]

use gate_runtime::{Call, GpuPolicy, Runtime};
use std::hint::black_box;
use std::time::Instant;

/// Best of `reps` timings of `f`, in seconds.
fn best(reps: usize, mut f: impl FnMut()) -> f64 {
    (0..reps)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

fn data(n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| ((i * 7919) % 1000) as f32 / 1000.0 - 0.5)
        .collect()
}

fn main() {
    let n = 1 << 22;
    let x = data(n);
    let mut y = data(n);
    let saxpy = best(5, || {
        Call::Saxpy {
            a: 1.5,
            x: &x,
            y: &mut y,
        }
        .run_cpu()
        .unwrap();
    });
    let reduce = best(5, || {
        let mut out = 0.0;
        Call::ReduceSum {
            x: &x,
            out: &mut out,
        }
        .run_cpu()
        .unwrap();
        black_box(out);
    });
    let (rows, cols) = (1024, 1024);
    let sx = data(rows * cols);
    let mut sy = vec![0.0; rows * cols];
    let softmax = best(5, || {
        Call::SoftmaxRows {
            rows,
            cols,
            x: &sx,
            y: &mut sy,
        }
        .run_cpu()
        .unwrap();
    });
    let m = 256;
    let (a, b) = (data(m * m), data(m * m));
    let mut c = vec![0.0; m * m];
    let sgemm = best(3, || {
        Call::Sgemm {
            m,
            n: m,
            k: m,
            alpha: 1.0,
            a: &a,
            b: &b,
            beta: 0.0,
            c: &mut c,
        }
        .run_cpu()
        .unwrap();
    });
    let values: Vec<u32> = (0..n as u32)
        .map(|v| v.wrapping_mul(2_654_435_761))
        .collect();
    let mut bins = vec![0u32; 256];
    let histogram = best(5, || {
        Call::Histogram {
            values: &values,
            bins: &mut bins,
        }
        .run_cpu()
        .unwrap();
    });

    // Dispatch overhead: the same tiny call through the runtime (CPU policy, no sink) and
    // directly; the difference per call is what the runtime adds.
    let rt = Runtime::builder().policy(GpuPolicy::Off).build().unwrap();
    let tx = data(16);
    let mut ty = data(16);
    let calls = 200_000;
    let direct = best(3, || {
        for _ in 0..calls {
            Call::Saxpy {
                a: 1.0001,
                x: &tx,
                y: &mut ty,
            }
            .run_cpu()
            .unwrap();
        }
    });
    let through = best(3, || {
        for _ in 0..calls {
            rt.saxpy(1.0001, &tx, &mut ty).unwrap();
        }
    });
    let gb = |bytes: f64, secs: f64| bytes / secs / 1e9;
    println!(
        "{{\"saxpy_gb_s\":{},\"reduce_gb_s\":{},\"softmax_gb_s\":{},\"sgemm_gflop_s\":{},\"histogram_gb_s\":{},\"direct_ns_per_call\":{},\"runtime_ns_per_call\":{}}}",
        gb(3.0 * 4.0 * n as f64, saxpy),
        gb(4.0 * n as f64, reduce),
        gb(2.0 * 4.0 * (rows * cols) as f64, softmax),
        2.0 * (m * m * m) as f64 / sgemm / 1e9,
        gb(4.0 * n as f64, histogram),
        direct / calls as f64 * 1e9,
        through / calls as f64 * 1e9,
    );
}
