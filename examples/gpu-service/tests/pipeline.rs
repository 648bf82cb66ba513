//! The pipeline through gate-runtime. Each test builds a runtime without an explicit decision
//! sink, so under `cargo gate` (which sets `GATE_RUN_DIR`) its decisions and stats land in
//! the run record, where `observability.log` checks them.

use gate_runtime::{GpuPolicy, Ran, StatusCode};
use gpu_service::{Config, Service, rails, scale};

fn input(n: usize) -> Vec<f32> {
    (0..n).map(|i| (i % 17) as f32 - 8.0).collect()
}

/// The same pipeline on the CPU references alone (what the GPU must match).
fn reference(config: &Config, x: &[f32]) -> f32 {
    let mut y = vec![0.0; x.len()];
    scale::cpu(config.alpha, x, config.beta, &mut y).unwrap();
    gate_kernels::saxpy::cpu(config.gain, x, &mut y).unwrap();
    gate_kernels::reduce_sum_f32::cpu(&y).unwrap()
}

#[test]
fn pipeline_matches_the_cpu_references() {
    let config = Config::default();
    let service = Service::new(config).unwrap();
    for n in [0, 1, 255, 256, 257, 10_000] {
        let x = input(n);
        let summary = service.process(&x).unwrap();
        assert_eq!(summary.n, n);
        assert_eq!(
            summary.total.to_bits(),
            reference(&config, &x).to_bits(),
            "n = {n}"
        );
        if summary.saxpy.ran == Ran::Cpu {
            // Without a GPU, auto mode says why it fell back.
            assert!(summary.saxpy.status == StatusCode::Ok || summary.saxpy.fallback.is_some());
        }
    }
    let stats = service.runtime().stats_json();
    assert!(
        stats.contains("saxpy") && stats.contains("reduce_sum"),
        "{stats}"
    );
}

#[test]
fn gpu_off_runs_on_the_cpu_with_status_ok() {
    let service = Service::new(Config {
        policy: Some(GpuPolicy::Off),
        ..Config::default()
    })
    .unwrap();
    let summary = service.process(&input(1000)).unwrap();
    assert_eq!(summary.saxpy.ran, Ran::Cpu);
    assert_eq!(summary.saxpy.status, StatusCode::Ok);
    assert_eq!(summary.reduce.ran, Ran::Cpu);
    assert!(!service.runtime().has_gpu());
}

#[test]
fn rails_are_valid_and_tighter_than_the_defaults() {
    let rails = rails();
    rails.validate().unwrap();
    let defaults = gate_runtime::rails::RailsConfig::default();
    assert!(rails.window <= defaults.window && rails.cooldown_calls <= defaults.cooldown_calls);
}
