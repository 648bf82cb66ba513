//! The JSON Schemas under docs/schemas/ (generated from gate-formats by `cargo xtask
//! codegen`) hold for the files `cargo gate` really writes: a run record. (gate-kernels'
//! manifest, gate-runtime's decision lines and stats and the example service's whole record
//! are validated in `gate-kernel-tests`, with the same [`crate::validate`].)

use crate::support::fixture;
use crate::validate::{json, schema, validate_record};

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
fn the_validator_rejects_a_wrong_file() {
    // The schemas must be able to fail: a report whose verdict is not one of the results.
    let bad = serde_json::json!({"schema_version": 1, "verdict": {"result": "maybe"}});
    let errors = schema("report").iter_errors(&bad).count();
    assert!(errors > 0);
}
