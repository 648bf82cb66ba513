//! `observability.log`: the decision logs and run stats that gate-runtime wrote during this
//! run's tests (the gate sets `GATE_RUN_DIR` for the test run; gate-runtime writes
//! `gate-runtime/decisions-*.jsonl` and `gate-runtime/stats-*.json` there) parse and carry
//! the required fields. Workspaces that do not use gate-runtime: PASS, not applicable.

use crate::check::{After, Check, CheckMeta, Code, Context, Finding, Location, Outcome};
use crate::stage::Stage;
use gate_formats::decision_log::Decision;
use gate_formats::runtime_stats::{KernelSnapshot, StatsSnapshot};

/// The `observability.log` check.
#[derive(Debug)]
pub struct ObservabilityLog;

static META: CheckMeta = CheckMeta {
    id: "observability.log",
    stage: Stage::Controlled,
    summary: "decision logs and run stats produced by the test run parse and carry the required fields",
    fix: "exercise gate-runtime in the tests (a Runtime built without an explicit sink writes to GATE_RUN_DIR), and do not write decision lines by hand",
    codes: FindingCode::ALL,
    config: &[],
};

crate::finding_codes! {
    /// The codes of this check's findings (their names are stable: never renamed).
    enum FindingCode {
        DecisionIncomplete => Code {
            name: "decision-incomplete",
            summary: "a decision line lacks a field",
        },
        DecisionInvalid => Code {
            name: "decision-invalid",
            summary: "a decision line with a value gate-runtime never writes",
        },
        DecisionNotJson => Code {
            name: "decision-not-json",
            summary: "a decision line that is not JSON",
        },
        StatsIncomplete => Code {
            name: "stats-incomplete",
            summary: "a stats file lacks a field",
        },
        StatsInvalid => Code {
            name: "stats-invalid",
            summary: "a stats file with a value gate-runtime never writes",
        },
        StatsNotJson => Code {
            name: "stats-not-json",
            summary: "a stats file that is not JSON",
        },
        UnreadableFile => Code {
            name: "unreadable-file",
            summary: "a decision log or stats file could not be read",
        },
    }
}

fn uses_gate_runtime(ctx: &Context<'_>) -> bool {
    ctx.workspace.members.iter().any(|m| {
        m.name == "gate-runtime"
            || ctx
                .facts
                .manifest(&m.dir.join("Cargo.toml"))
                .and_then(crate::facts::Manifest::table)
                .is_some_and(|manifest| {
                    ["dependencies", "dev-dependencies"].iter().any(|table| {
                        manifest
                            .get(*table)
                            .and_then(|t| t.as_table())
                            .is_some_and(|t| t.contains_key("gate-runtime"))
                    })
                })
    })
}

/// Checks one decision log's text; returns findings (empty when every line is valid).
pub fn check_decisions(rel: &str, text: &str) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let at = Location::at(rel, (i + 1) as u32, 1);
        match serde_json::from_str::<serde_json::Value>(line) {
            Err(e) => findings.push(
                Finding::error(format!("not JSON: {e}"))
                    .code(FindingCode::DecisionNotJson)
                    .at(at),
            ),
            Ok(value) => {
                // Every key present (`null` for an empty optional field), then every value
                // of the type gate-runtime writes (a known event, a known status code).
                let missing: Vec<&str> = Decision::FIELDS
                    .iter()
                    .copied()
                    .filter(|f| value.get(*f).is_none())
                    .collect();
                if !missing.is_empty() {
                    findings.push(
                        Finding::error(format!("decision lacks {}", missing.join(", ")))
                            .code(FindingCode::DecisionIncomplete)
                            .at(at),
                    );
                } else if let Err(e) = serde_json::from_value::<Decision>(value) {
                    findings.push(
                        Finding::error(format!("not a decision: {e}"))
                            .code(FindingCode::DecisionInvalid)
                            .at(at),
                    );
                }
            }
        }
    }
    findings
}

/// Checks one stats file; returns findings.
pub fn check_stats(rel: &str, text: &str) -> Vec<Finding> {
    let at = || Location::file(rel);
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            return vec![
                Finding::error(format!("not JSON: {e}"))
                    .code(FindingCode::StatsNotJson)
                    .at(at()),
            ];
        }
    };
    let mut findings = Vec::new();
    if value.get("schema_version").is_none() {
        findings.push(
            Finding::error("stats lack schema_version")
                .code(FindingCode::StatsIncomplete)
                .at(at()),
        );
    }
    match value.get("kernels").and_then(|k| k.as_object()) {
        None => findings.push(
            Finding::error("stats lack the kernels table")
                .code(FindingCode::StatsIncomplete)
                .at(at()),
        ),
        Some(kernels) => {
            for (name, entry) in kernels {
                let missing: Vec<&str> = KernelSnapshot::FIELDS
                    .iter()
                    .copied()
                    .filter(|f| entry.get(*f).is_none())
                    .collect();
                if !missing.is_empty() {
                    findings.push(
                        Finding::error(format!("stats for `{name}` lack {}", missing.join(", ")))
                            .code(FindingCode::StatsIncomplete)
                            .at(at()),
                    );
                }
            }
        }
    }
    if findings.is_empty()
        && let Err(e) = serde_json::from_value::<StatsSnapshot>(value)
    {
        findings.push(
            Finding::error(format!("not a stats snapshot: {e}"))
                .code(FindingCode::StatsInvalid)
                .at(at()),
        );
    }
    findings
}

impl Check for ObservabilityLog {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    /// After `tests.pass`, though it reads no outcome: the decision logs and stats it judges
    /// are what the test run (a fact that `tests.pass` gathers) leaves in the run directory,
    /// so the ordering makes it run once they are written, `--only observability.log` pulls
    /// `tests.pass` in, and the reports (and their snapshots) show that order.
    fn after(&self) -> After {
        After::Checks(&["tests.pass"])
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        if !uses_gate_runtime(ctx) {
            return Outcome::pass("not applicable: no workspace member uses gate-runtime");
        }
        let dir = ctx.run_dir.join("gate-runtime");
        let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
            .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        let (mut decisions, mut stats, mut findings) = (0, 0, Vec::new());
        for path in &files {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let rel = format!("observability/gate-runtime/{name}");
            let Ok(text) = std::fs::read_to_string(path) else {
                findings.push(
                    Finding::error("unreadable")
                        .code(FindingCode::UnreadableFile)
                        .at(Location::file(rel)),
                );
                continue;
            };
            if name.ends_with(".jsonl") {
                decisions += text.lines().filter(|l| !l.trim().is_empty()).count();
                findings.extend(check_decisions(&rel, &text));
            } else if name.ends_with(".json") {
                stats += 1;
                findings.extend(check_stats(&rel, &text));
            }
        }
        if decisions == 0 && stats == 0 {
            return Outcome::fail(
                "the test run produced no gate-runtime decision log or stats (GATE_RUN_DIR); nothing shows the runtime's decisions are observable",
            );
        }
        if findings.is_empty() {
            Outcome::pass(format!(
                "{decisions} decision line(s) and {stats} stats file(s) from the test run parse with every required field"
            ))
        } else {
            Outcome::fail(format!(
                "{} malformed decision/stats record(s)",
                findings.len()
            ))
            .with_findings(findings)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decision_lines_need_every_field() {
        let good = r#"{"seq":1,"timestamp":"t","kernel":"k","event":"fallback","mode":"auto","backend":"cpu","fallback":"no_driver","contract":null,"graph_break":null,"fingerprint":null,"status":"fallback","detail":null}"#;
        assert!(check_decisions("d.jsonl", good).is_empty());
        // Every key there, but an event gate-runtime never writes.
        let odd = good.replace("\"event\":\"fallback\"", "\"event\":\"teleport\"");
        let findings = check_decisions("d.jsonl", &odd);
        assert!(
            findings[0]
                .message
                .starts_with("not a decision: unknown variant `teleport`"),
            "{findings:?}"
        );
        let findings = check_decisions("d.jsonl", &format!("{good}\n{{\"seq\":2}}\nnot json\n"));
        let messages: Vec<String> = findings
            .iter()
            .map(|f| format!("{}: {}", f.location.as_ref().unwrap(), f.message))
            .collect();
        assert_eq!(messages.len(), 2);
        assert!(
            messages[0].starts_with("d.jsonl:2:1: decision lacks timestamp, kernel"),
            "{}",
            messages[0]
        );
        assert!(
            messages[1].starts_with("d.jsonl:3:1: not JSON"),
            "{}",
            messages[1]
        );
    }

    #[test]
    fn stats_need_every_field() {
        assert!(check_stats("s.json", r#"{"schema_version":1,"kernels":{}}"#).is_empty());
        let findings = check_stats(
            "s.json",
            r#"{"schema_version":1,"kernels":{"saxpy":{"calls":1}}}"#,
        );
        assert!(
            findings[0]
                .message
                .starts_with("stats for `saxpy` lack gpu_calls"),
            "{}",
            findings[0].message
        );
        assert_eq!(check_stats("s.json", "[]").len(), 2);
        let wrong_type = r#"{"schema_version":"one","kernels":{}}"#;
        assert!(
            check_stats("s.json", wrong_type)[0]
                .message
                .starts_with("not a stats snapshot"),
        );
    }
}
