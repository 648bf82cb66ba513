//! `--format junit`: one test case per check, so CI systems show checks as tests. FAIL (and
//! anything else that fails the verdict) is a `<failure>` carrying the findings; SKIP is
//! `<skipped>` with the reason.

use crate::check::{Severity, Status};
use crate::report::Report;
use std::fmt::Write;

fn xml(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '&' => "&amp;".to_owned(),
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&apos;".to_owned(),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => String::new(),
            c => c.to_string(),
        })
        .collect()
}

/// Renders the report as JUnit XML.
pub fn render(report: &Report) -> String {
    let tests = report.checks.len();
    let failures = report
        .checks
        .iter()
        .filter(|c| c.counts_as_failure && c.status != Status::Skip)
        .count();
    let skipped = report
        .checks
        .iter()
        .filter(|c| c.status == Status::Skip)
        .count();
    let seconds = |ms: u64| format!("{:.3}", ms as f64 / 1000.0);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"cargo-gate\" tests=\"{tests}\" failures=\"{failures}\" skipped=\"{skipped}\" time=\"{}\">",
        seconds(report.duration_ms)
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"cargo-gate {}\" tests=\"{tests}\" failures=\"{failures}\" skipped=\"{skipped}\" time=\"{}\">",
        report.stage,
        seconds(report.duration_ms)
    );
    for check in &report.checks {
        let _ = write!(
            out,
            "    <testcase classname=\"cargo-gate.{}\" name=\"{}\" time=\"{}\"",
            report.stage,
            xml(&check.id),
            seconds(check.duration_ms)
        );
        let findings: Vec<String> = check
            .findings
            .iter()
            .filter(|f| f.severity != Severity::Note)
            .map(|f| {
                let place = f
                    .location
                    .as_ref()
                    .map(|l| format!("{l}: "))
                    .unwrap_or_default();
                let waived = if f.waived_by.is_some() {
                    " (waived)"
                } else {
                    ""
                };
                format!("{place}{}{waived}", f.message)
            })
            .collect();
        if check.status == Status::Skip {
            let _ = writeln!(
                out,
                ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                xml(&check.summary)
            );
        } else if check.counts_as_failure {
            let _ = writeln!(
                out,
                ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
                xml(&check.summary),
                check.status,
                xml(&findings.join("\n"))
            );
        } else {
            let _ = writeln!(
                out,
                ">\n      <system-out>{}: {}</system-out>\n    </testcase>",
                check.status,
                xml(&check.summary)
            );
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
