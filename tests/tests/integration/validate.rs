//! Validation against the JSON Schemas under docs/schemas/ (generated from gate-formats by
//! `cargo xtask codegen`): one file, or every file of a run record. Shared by gate-tests and
//! gate-kernel-tests (included by path), which each set `crate::REPO_ROOT`.

use serde_json::Value;
use std::path::Path;

/// The schema `name` of docs/schemas/, compiled; of `GATE_TESTS_SCHEMA_DIR` where that is set
/// (a test binary run away from this checkout: the GPU bundle ships the schemas beside it).
pub(crate) fn schema(name: &str) -> jsonschema::Validator {
    let dir = std::env::var_os("GATE_TESTS_SCHEMA_DIR").map_or_else(
        || Path::new(crate::REPO_ROOT).join("docs/schemas"),
        std::path::PathBuf::from,
    );
    let path = dir.join(format!("{name}.schema.json"));
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

/// A JSON file, parsed.
pub(crate) fn json(path: &Path) -> Value {
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
