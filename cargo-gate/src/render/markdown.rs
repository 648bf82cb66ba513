//! `--format markdown`: for CI step summaries and pull-request comments. A heading with the
//! verdict, a table with one row per check, and the findings of every check that did not
//! pass in a collapsible section.

use crate::check::{Severity, Status};
use crate::report::Report;
use std::fmt::Write;

fn icon(status: Status) -> &'static str {
    match status {
        Status::Pass => "✅",
        Status::Warn => "⚠️",
        Status::Fail => "❌",
        Status::Skip => "⏭️",
        Status::Waived => "🔕",
        Status::Inconclusive => "❔",
    }
}

/// Escapes text for a table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', "<br>")
}

/// Renders the report as GitHub-flavoured Markdown.
pub fn render(report: &Report, record: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## cargo-gate: {}\n", report.verdict.line);
    let c = &report.counts;
    let _ = writeln!(
        out,
        "Stage **{}**, {} mode · {} passed, {} warned, {} failed, {} skipped, {} waived · record `{record}`\n",
        report.stage,
        report.mode.as_str(),
        c.pass,
        c.warn,
        c.fail,
        c.skip,
        c.waived
    );
    out.push_str("| | check | summary |\n|---|---|---|\n");
    for check in &report.checks {
        let _ = writeln!(
            out,
            "| {} {} | `{}` | {} |",
            icon(check.status),
            check.status,
            check.id,
            cell(&check.summary)
        );
    }
    for check in report.checks.iter().filter(|c| c.status != Status::Pass) {
        let shown: Vec<_> = check
            .findings
            .iter()
            .filter(|f| f.severity != Severity::Note)
            .collect();
        if shown.is_empty() && check.fix.is_none() {
            continue;
        }
        let _ = writeln!(
            out,
            "\n<details><summary><code>{}</code>: {} finding(s)</summary>\n",
            check.id,
            shown.len()
        );
        for finding in shown {
            let place = finding
                .location
                .as_ref()
                .map(|l| format!("`{l}` "))
                .unwrap_or_default();
            let waived = if finding.waived_by.is_some() {
                " *(waived)*"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "- {place}{}{waived}",
                finding.message.replace('\n', " ")
            );
        }
        if let Some(fix) = &check.fix {
            let _ = writeln!(out, "\n**Fix:** {fix}");
        }
        out.push_str("\n</details>\n");
    }
    if !report.waivers_used.is_empty() {
        out.push_str("\n### Waivers in force\n\n| check | match | owner | expires | reason |\n|---|---|---|---|---|\n");
        for w in report.waivers_used.iter().map(|u| &u.waiver) {
            let _ = writeln!(
                out,
                "| `{}` | `{}` | {} | {} | {} |",
                w.check,
                cell(&w.pattern),
                cell(&w.owner),
                w.expires,
                cell(&w.reason)
            );
        }
    }
    out
}
