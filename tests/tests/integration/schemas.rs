//! The JSON Schemas under docs/schemas/ (generated from gate-formats by `cargo xtask
//! codegen`) hold for the files the tools really write: a run record of `cargo gate`, the
//! kernel manifest gate-build wrote for gate-kernels, and gate-runtime's decision lines and
//! stats. The example-service test validates a whole controlled run's record, decision logs
//! included, with [`validate_record`].

use crate::support::fixture;
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;

fn schema(name: &str) -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .join(format!("docs/schemas/{name}.schema.json"));
    let schema: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Validates `value` against the schema `name`, saying which file and what is wrong.
pub(crate) fn validate(name: &str, what: &str, value: &Value) {
    let validator = schema(name);
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} does not match docs/schemas/{name}.schema.json:\n  {}",
        errors.join("\n  ")
    );
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Validates every file of every run record under `out` whose format has a schema; returns
/// how many files were checked per schema.
pub(crate) fn validate_record(out: &Path) -> std::collections::BTreeMap<&'static str, usize> {
    let mut seen = std::collections::BTreeMap::new();
    let mut count = |name: &'static str| *seen.entry(name).or_insert(0) += 1;
    for line in std::fs::read_to_string(out.join("history.jsonl"))
        .unwrap()
        .lines()
    {
        validate(
            "history-line",
            "history.jsonl",
            &serde_json::from_str(line).unwrap(),
        );
        count("history-line");
    }
    for run in std::fs::read_dir(out.join("runs")).unwrap() {
        let run = run.unwrap().path();
        for (file, name) in [
            ("report.json", "report"),
            ("manifest.json", "run-manifest"),
            ("decision.json", "decision"),
        ] {
            validate(name, file, &json(&run.join(file)));
            count(name);
        }
        let bom = run.join("kernels/bom.json");
        if bom.is_file() {
            validate("kernel-bom", "kernels/bom.json", &json(&bom));
            count("kernel-bom");
        }
        let observed = run.join("observability/gate-runtime");
        for entry in std::fs::read_dir(&observed).into_iter().flatten() {
            let path = entry.unwrap().path();
            let what = path.display().to_string();
            let text = std::fs::read_to_string(&path).unwrap();
            if what.ends_with(".jsonl") {
                for line in text.lines() {
                    validate(
                        "decision-log-line",
                        &what,
                        &serde_json::from_str(line).unwrap(),
                    );
                    count("decision-log-line");
                }
            } else if what.ends_with(".json") {
                validate(
                    "runtime-stats",
                    &what,
                    &serde_json::from_str(&text).unwrap(),
                );
                count("runtime-stats");
            }
        }
    }
    seen
}

#[test]
fn a_run_record_matches_the_schemas() {
    let fx = fixture("unsafe-outside");
    let run = fx.gate(&["pilot"]);
    assert_eq!(run.code, 1, "{}", run.transcript());
    let seen = validate_record(&fx.out());
    // kernel-bom: kernels.shipped's bill of materials, in every pilot record.
    for name in [
        "history-line",
        "report",
        "run-manifest",
        "decision",
        "kernel-bom",
    ] {
        assert_eq!(seen.get(name), Some(&1), "{seen:?}");
    }
    // And every file reads back as the type that wrote it (what a reader of the format does).
    let runs = fx.out().join("runs");
    let run_dir = std::fs::read_dir(&runs)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let report: gate_formats::report::Report =
        serde_json::from_value(json(&run_dir.join("report.json"))).unwrap();
    assert_eq!(
        report.to_json(),
        std::fs::read_to_string(run_dir.join("report.json")).unwrap()
    );
    let _: gate_formats::run_record::Manifest =
        serde_json::from_value(json(&run_dir.join("manifest.json"))).unwrap();
    let _: gate_formats::attestation::Statement =
        serde_json::from_value(json(&run_dir.join("decision.json"))).unwrap();
}

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

#[test]
fn the_validator_rejects_a_wrong_file() {
    // The schemas must be able to fail: a report whose verdict is not one of the results.
    let bad = serde_json::json!({"schema_version": 1, "verdict": {"result": "maybe"}});
    let errors = schema("report").iter_errors(&bad).count();
    assert!(errors > 0);
}
