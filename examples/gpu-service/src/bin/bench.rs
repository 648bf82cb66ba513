//! `cargo run --locked --release --bin bench`: times the scale kernel's CPU reference and the
//! whole pipeline, and writes the results where `cargo gate bench` and `bench.regression` read
//! them — `$GATE_BENCH_JSON`, in the documented format:
//! `{"schema_version":1,"benchmarks":[{"id":"…","samples_ns":[…]}]}` (nanoseconds per
//! iteration). Without `GATE_BENCH_JSON` the JSON goes to stdout.

use gpu_service::{Config, Service, scale};
use std::hint::black_box;
use std::time::Instant;

const N: usize = 1 << 16;
const SAMPLES: usize = 40;
const ITERS: u32 = 20;

/// `SAMPLES` samples of `f`, each the mean over `ITERS` iterations, after a warm-up.
fn measure(mut f: impl FnMut()) -> Vec<f64> {
    for _ in 0..ITERS {
        f();
    }
    (0..SAMPLES)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..ITERS {
                f();
            }
            start.elapsed().as_nanos() as f64 / f64::from(ITERS)
        })
        .collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let x: Vec<f32> = (0..N).map(|i| (i % 1000) as f32 * 0.001).collect();
    let mut y = vec![0.0f32; N];
    let scale_samples = measure(|| {
        scale::cpu(0.5, black_box(&x), 1.0, &mut y).expect("lengths match");
        black_box(&y);
    });
    let service = Service::new(Config::default())?;
    let mut failed = None;
    let pipeline_samples = measure(|| {
        if let Err(e) = service.process(black_box(&x)) {
            failed.get_or_insert(e);
        }
    });
    if let Some(e) = failed {
        return Err(e.into());
    }
    let results = [
        (format!("scale_add/cpu/{N}"), scale_samples),
        (format!("pipeline/{N}"), pipeline_samples),
    ];
    let benchmarks: Vec<String> = results
        .iter()
        .map(|(id, samples)| {
            let samples: Vec<String> = samples.iter().map(|s| format!("{s:.1}")).collect();
            format!("{{\"id\":\"{id}\",\"samples_ns\":[{}]}}", samples.join(","))
        })
        .collect();
    let json = format!(
        "{{\"schema_version\":1,\"benchmarks\":[{}]}}\n",
        benchmarks.join(",")
    );
    match std::env::var_os("GATE_BENCH_JSON") {
        Some(path) => std::fs::write(path, json)?,
        None => print!("{json}"),
    }
    Ok(())
}
