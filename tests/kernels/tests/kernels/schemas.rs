//! What gate-build and gate-runtime really write, against docs/schemas/: the kernel manifest
//! gate-build wrote for gate-kernels in this build, and gate-runtime's decision lines and
//! stats.

use crate::validate::validate;
use serde_json::Value;
use std::sync::Arc;

#[test]
fn gate_builds_manifest_matches_the_schema() {
    // The manifest gate-build wrote for gate-kernels in this very build (fallback here,
    // native where nvcc is installed: CI's .ci/run installs it).
    let manifest: Value = serde_json::from_str(gate_kernels::modules::MANIFEST_JSON).unwrap();
    validate(
        "gate-manifest",
        "gate-kernels' gate-manifest.json",
        &manifest,
    );
}

#[test]
fn gate_runtimes_decision_lines_and_stats_match_the_schemas() {
    let sink = Arc::new(gate_runtime::decision::MemorySink::default());
    let rt = gate_runtime::Runtime::builder()
        .policy(gate_runtime::GpuPolicy::Auto)
        .decision_sink(Box::new(sink.clone()))
        .build()
        .unwrap();
    let x = [1.0f32, 2.0, 3.0];
    let mut y = [1.0f32; 3];
    rt.saxpy(2.0, &x, &mut y).unwrap();
    let lines = sink.take();
    assert!(!lines.is_empty(), "a call is logged");
    for decision in lines {
        let line: Value = serde_json::from_str(&decision.to_json_line()).unwrap();
        validate("decision-log-line", "a decision line", &line);
    }
    let stats: Value = serde_json::from_str(&rt.stats_json()).unwrap();
    validate("runtime-stats", "Runtime::stats_json", &stats);
}
