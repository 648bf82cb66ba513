//! `--format sarif`: SARIF 2.1.0 for code scanning, through a typed model of the part of the
//! format we write. One rule per check (`tests.pass`) and one per code of each check
//! (`tests.pass/test-failed`, with the code's meaning as description and the check's fix as
//! help); one result per finding with its physical location, under its code's rule, and a
//! partial fingerprint that survives code moving around it; waived findings carry a
//! suppression with the waiver's reason. The run's `automationDetails.id` is
//! `cargo-gate/<stage>/<os>/`, so code scanning keeps the analyses of a CI matrix apart.
//!
//! Why not the serde-sarif crate: it generates the whole SARIF schema at build time (a
//! schema compiler and syn in every build); the dozen types below are what we emit, and
//! their output is snapshot-tested (tests/tests/integration/formats.rs).

use super::step::{Beside, Catalogue, Step};
use crate::check::Severity;
use crate::report::Report;
use serde::Serialize;
use std::collections::BTreeMap;

/// `sarifLog`.
#[derive(Debug, Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    /// `cargo-gate/<stage>/<os>/`: code scanning keeps one analysis per category (the part
    /// before the last `/`), so the stages and the platforms of a CI matrix do not overwrite
    /// each other's results.
    automation_details: AutomationDetails,
    results: Vec<SarifResult<'a>>,
    invocations: [Invocation; 1],
    properties: RunProperties<'a>,
}

#[derive(Debug, Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'a str,
    information_uri: &'static str,
    rules: Vec<Rule<'a>>,
}

/// `reportingDescriptor`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    id: String,
    short_description: Text<'a>,
    help: Text<'a>,
    properties: RuleProperties,
}

#[derive(Debug, Serialize)]
struct RuleProperties {
    stage: crate::stage::Stage,
}

/// `message` / `multiformatMessageString`.
#[derive(Debug, Serialize)]
struct Text<'a> {
    text: std::borrow::Cow<'a, str>,
}

impl<'a> Text<'a> {
    fn of(text: impl Into<std::borrow::Cow<'a, str>>) -> Text<'a> {
        Text { text: text.into() }
    }
}

#[derive(Debug, Serialize)]
struct AutomationDetails {
    id: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    message: Text<'a>,
    /// [`FINGERPRINT`]: the same finding keeps its identity across runs (and code moving
    /// around it), so code scanning tracks it instead of opening a new alert each run.
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    uri_base_id: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    #[serde(skip_serializing_if = "Option::is_none")]
    start_line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<u32>,
}

#[derive(Debug, Serialize)]
struct Suppression {
    kind: &'static str,
    justification: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    exit_code: i32,
}

#[derive(Debug, Serialize)]
struct RunProperties<'a> {
    stage: crate::stage::Stage,
    verdict: &'a str,
    /// Check id → the cached facts it was judged from, each with the run that gathered it.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    reused: std::collections::BTreeMap<&'a str, &'a [crate::report::Reuse]>,
}

/// The key of our partial fingerprint: the SHA-256 of the rule, the file and the message
/// (not the line or column, which move when code is edited above the finding).
const FINGERPRINT: &str = "cargoGate/v1";

/// A finding's file as the relative URI reference SARIF wants (against `%SRCROOT%`):
/// `/`-separated (a `\` from a Windows path becomes `/`) and percent-encoded beyond the
/// characters a URI path may hold as they are (a space is `%20`, `%` is `%25`, `#` is `%23`).
fn relative_uri(file: &str) -> String {
    let mut uri = String::with_capacity(file.len());
    for byte in file.replace('\\', "/").bytes() {
        let plain = byte.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&byte);
        if plain {
            uri.push(char::from(byte));
        } else {
            uri.push('%');
            uri.push_str(&gate_support::digest::hex(&[byte]).to_uppercase());
        }
    }
    uri
}

fn fingerprint(rule_id: &str, file: Option<&str>, message: &str) -> BTreeMap<&'static str, String> {
    let mut key = gate_support::digest::KeyHasher::default();
    key.part("rule", rule_id.as_bytes());
    key.part("file", file.unwrap_or_default().as_bytes());
    key.part("message", message.as_bytes());
    BTreeMap::from([(FINGERPRINT, key.finish())])
}

/// The SARIF report's render step.
#[derive(Debug)]
pub struct Sarif;

impl Step for Sarif {
    fn show(&self, report: &Report, beside: &Beside<'_>) -> String {
        render(report, &beside.catalogue, &beside.platform)
    }
}

/// Renders the report as a SARIF 2.1.0 log (pretty JSON, trailing newline), with the rules
/// of `catalogue`; `platform` (`linux`, `macos`, `windows`) goes into the analysis' category.
pub fn render(report: &Report, catalogue: &Catalogue<'_>, platform: &str) -> String {
    let mut rules = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    for check in &report.checks {
        let meta = catalogue.get(check.id.as_str());
        let fix = meta.map_or(check.fix.clone().unwrap_or_default(), |m| m.fix.to_owned());
        index.insert(check.id.clone(), rules.len());
        rules.push(Rule {
            id: check.id.clone(),
            short_description: Text::of(meta.map_or(check.summary.as_str(), |m| m.summary)),
            help: Text::of(fix.clone()),
            properties: RuleProperties { stage: check.stage },
        });
        for code in meta.map_or(&[][..], |m| m.codes) {
            let id = format!("{}/{}", check.id, code.name);
            index.insert(id.clone(), rules.len());
            rules.push(Rule {
                id,
                short_description: Text::of(code.summary),
                help: Text::of(fix.clone()),
                properties: RuleProperties { stage: check.stage },
            });
        }
    }
    let mut results = Vec::new();
    for check in &report.checks {
        for finding in check
            .findings
            .iter()
            .filter(|f| f.severity != Severity::Note)
        {
            let rule_id = match &finding.code {
                Some(code) if index.contains_key(&format!("{}/{code}", check.id)) => {
                    format!("{}/{code}", check.id)
                }
                _ => check.id.clone(),
            };
            let locations = finding
                .location
                .iter()
                .map(|location| {
                    let region =
                        (location.line.is_some() || location.column.is_some()).then_some(Region {
                            start_line: location.line,
                            start_column: location.column,
                        });
                    Location {
                        physical_location: PhysicalLocation {
                            artifact_location: ArtifactLocation {
                                uri: relative_uri(&location.file),
                                uri_base_id: "%SRCROOT%",
                            },
                            region,
                        },
                    }
                })
                .collect();
            let suppressions = finding
                .waiver()
                .and_then(|i| report.waiver_note(i))
                .map(|justification| Suppression {
                    kind: "external",
                    justification,
                })
                .into_iter()
                .collect();
            results.push(SarifResult {
                rule_index: index[&rule_id],
                partial_fingerprints: fingerprint(
                    &rule_id,
                    finding.location.as_ref().map(|l| l.file.as_str()),
                    &finding.message,
                ),
                rule_id,
                level: match finding.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                    Severity::Note => "note",
                },
                message: Text::of(finding.message.as_str()),
                locations,
                suppressions,
            });
        }
        // A failing check without findings still needs a result, or code scanning shows green.
        if check.counts_as_failure && check.findings.iter().all(|f| f.severity == Severity::Note) {
            let message = format!("{}: {}", check.status, check.summary);
            results.push(SarifResult {
                rule_id: check.id.clone(),
                rule_index: index[&check.id],
                level: "error",
                partial_fingerprints: fingerprint(&check.id, None, &check.status.to_string()),
                message: Text::of(message),
                locations: Vec::new(),
                suppressions: Vec::new(),
            });
        }
    }
    let log = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "cargo-gate",
                    version: &report.tool.version,
                    information_uri: crate::report::HOMEPAGE,
                    rules,
                },
            },
            automation_details: AutomationDetails {
                id: format!("cargo-gate/{}/{platform}/", report.stage),
            },
            results,
            invocations: [Invocation {
                execution_successful: report.verdict.exit_code
                    != crate::verdict::exit::COULD_NOT_EVALUATE,
                exit_code: report.verdict.exit_code,
            }],
            properties: RunProperties {
                stage: report.stage,
                verdict: &report.verdict.line,
                reused: report
                    .checks
                    .iter()
                    .filter(|c| !c.reused.is_empty())
                    .map(|c| (c.id.as_str(), c.reused.as_slice()))
                    .collect(),
            },
        }],
    };
    gate_support::json::pretty_string(&log).expect("sarif serialises")
}

#[cfg(test)]
mod tests {
    use super::relative_uri;

    #[test]
    fn a_file_becomes_a_relative_uri_on_every_platform() {
        assert_eq!(relative_uri("src/lib.rs"), "src/lib.rs");
        assert_eq!(
            relative_uri(r"crates\app\src\main.rs"),
            "crates/app/src/main.rs"
        );
        assert_eq!(
            relative_uri("tests/my file #2.rs"),
            "tests/my%20file%20%232.rs"
        );
        assert_eq!(relative_uri("100%.txt"), "100%25.txt");
        assert_eq!(relative_uri("naïve.rs"), "na%C3%AFve.rs");
    }
}
