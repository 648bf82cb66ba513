//! `--format sarif`: SARIF 2.1.0 for code scanning. One rule per check id (with its
//! description and fix as help), one result per finding with its physical location; waived
//! findings carry a suppression with the waiver's reason.

use crate::check::Severity;
use crate::registry;
use crate::report::Report;
use serde_json::{Value, json};

/// Renders the report as a SARIF 2.1.0 log (pretty JSON, trailing newline).
pub fn render(report: &Report) -> String {
    let rules: Vec<Value> = report
        .checks
        .iter()
        .map(|c| {
            let meta = registry::find(&c.id).map(|c| c.meta());
            json!({
                "id": c.id,
                "shortDescription": { "text": meta.map_or(c.summary.as_str(), |m| m.summary) },
                "help": { "text": meta.map_or(c.fix.clone().unwrap_or_default(), |m| m.fix.to_owned()) },
                "properties": { "stage": c.stage },
            })
        })
        .collect();
    let mut results = Vec::new();
    for (index, check) in report.checks.iter().enumerate() {
        for finding in check
            .findings
            .iter()
            .filter(|f| f.severity != Severity::Note)
        {
            let level = match finding.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Note => "note",
            };
            let mut result = json!({
                "ruleId": check.id,
                "ruleIndex": index,
                "level": level,
                "message": { "text": finding.message },
            });
            if let Some(location) = &finding.location {
                let mut region = serde_json::Map::new();
                if let Some(line) = location.line {
                    region.insert("startLine".into(), json!(line));
                }
                if let Some(column) = location.column {
                    region.insert("startColumn".into(), json!(column));
                }
                let mut physical = json!({ "artifactLocation": { "uri": location.file, "uriBaseId": "%SRCROOT%" } });
                if !region.is_empty() {
                    physical["region"] = Value::Object(region);
                }
                result["locations"] = json!([{ "physicalLocation": physical }]);
            }
            if let Some(waiver) = finding.waiver().and_then(|i| report.waiver_note(i)) {
                result["suppressions"] = json!([{ "kind": "external", "justification": waiver }]);
            }
            results.push(result);
        }
        // A failing check without findings still needs a result, or code scanning shows green.
        if check.counts_as_failure && check.findings.iter().all(|f| f.severity == Severity::Note) {
            results.push(json!({
                "ruleId": check.id,
                "ruleIndex": index,
                "level": "error",
                "message": { "text": format!("{}: {}", check.status, check.summary) },
            }));
        }
    }
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "cargo-gate",
                "version": report.tool.version,
                "informationUri": crate::decision::VERIFIER_ID,
                "rules": rules,
            }},
            "results": results,
            "invocations": [{
                "executionSuccessful": report.verdict.exit_code != crate::exit::COULD_NOT_EVALUATE,
                "exitCode": report.verdict.exit_code,
            }],
            "properties": { "stage": report.stage, "verdict": report.verdict.line },
        }],
    });
    let mut text = serde_json::to_string_pretty(&log).expect("sarif serialises");
    text.push('\n');
    text
}
