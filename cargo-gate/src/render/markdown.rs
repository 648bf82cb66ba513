//! `--format markdown`: for CI step summaries and pull-request comments. A heading with the
//! verdict, a table with one row per check, and the findings of every check that did not
//! pass in a collapsible section.
//!
//! Text from the repository is shown, never interpreted: control characters and bidi
//! overrides as escapes (`\n`, `\u{1b}`, `\u{202e}`, as in the text report: a newline cannot
//! end a table row or a list item early, an escape sequence cannot restyle a terminal that
//! shows the file, an override cannot reorder a line), and `&`, `<`, `>` as entities.

use super::step::{Beside, Step};
use super::text::visible;
use crate::check::{Severity, Status};
use crate::report::{Report, RunResult, Timeline};
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

/// Text as Markdown shows it and never as HTML: hidden characters as escapes
/// ([`visible`]), and `&`, `<` and `>` as entities, so a file name or a message cannot open a
/// tag.
fn text(raw: &str) -> String {
    visible(raw)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Escapes text for a table cell: [`text`] (a newline is an escape, never a line break), `|`
/// escaped.
fn cell(raw: &str) -> String {
    text(raw).replace('|', "\\|")
}

/// A code span holding `raw` literally: fenced with one backtick more than the longest run
/// inside it (CommonMark), padded when it starts or ends with a backtick. In a table, `|`
/// is still escaped (GitHub splits cells before it parses spans).
fn code(raw: &str) -> String {
    let longest = raw.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if raw.starts_with('`') || raw.ends_with('`') {
        " "
    } else {
        ""
    };
    let raw = visible(raw).replace('|', "\\|");
    format!("{fence}{pad}{raw}{pad}{fence}")
}

/// Renders the report as GitHub-flavoured Markdown.
/// A summary with the facts it was judged from that came from the cache.
fn with_reuse(summary: &str, reused: &[crate::report::Reuse]) -> String {
    let mut text = summary.to_owned();
    for reuse in reused {
        text.push_str(&format!(" · {reuse}"));
    }
    text
}

/// The Markdown report's render step.
#[derive(Debug)]
pub struct Markdown;

impl Step for Markdown {
    fn show(&self, report: &Report, beside: &Beside<'_>) -> String {
        render(report, beside.record, beside.timeline.as_ref())
    }
}

/// Renders the report as GitHub-flavoured Markdown; with a `timeline`, the charts of the HTML
/// report in forms GitHub renders (job summaries, comments): Mermaid `xychart-beta` blocks,
/// and the durations as a table of bars.
pub fn render(report: &Report, record: &str, timeline: Option<&Timeline>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## cargo-gate: {}\n", text(&report.verdict.line));
    let c = &report.counts;
    let _ = writeln!(
        out,
        "Stage **{}**, {} mode · {} passed, {} warned, {} failed, {} skipped, {} waived · record {}\n",
        report.stage,
        report.mode.as_str(),
        c.pass,
        c.warn,
        c.fail,
        c.skip,
        c.waived,
        code(record)
    );
    out.push_str("| | check | summary |\n|---|---|---|\n");
    for check in &report.checks {
        let _ = writeln!(
            out,
            "| {} {} | {} | {} |",
            icon(check.status),
            check.status,
            code(&check.id),
            cell(&with_reuse(&check.summary, &check.reused))
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
            text(&check.id),
            shown.len()
        );
        for finding in shown {
            let place = finding
                .location
                .as_ref()
                .map(|l| format!("{} ", code(&l.to_string())))
                .unwrap_or_default();
            let waived = if finding.waived_by.is_some() {
                " *(waived)*"
            } else {
                ""
            };
            let _ = writeln!(out, "- {place}{}{waived}", text(&finding.message));
        }
        if let Some(fix) = &check.fix {
            let _ = writeln!(out, "\n**Fix:** {}", text(fix));
        }
        out.push_str("\n</details>\n");
    }
    if let Some(timeline) = timeline {
        charts(&mut out, report, timeline);
    }
    if !report.waivers_used.is_empty() {
        out.push_str("\n### Waivers in force\n\n| check | match | owner | expires | reason |\n|---|---|---|---|---|\n");
        for w in report.waivers_used.iter().map(|u| &u.waiver) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                code(&w.check),
                code(&w.selection()),
                cell(&w.owner),
                cell(&w.expires),
                cell(&w.reason)
            );
        }
    }
    out
}

/// A Mermaid label: quoted, with nothing that ends the quote or the block.
fn label(text: &str) -> String {
    let clean: String = text
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '`' | '[' | ']'))
        .collect();
    format!("\"{clean}\"")
}

/// The charts: the latest runs (1 = ready) and each benchmark's p50/p95 and baseline across
/// them as Mermaid blocks, and the check durations as a table of bars.
fn charts(out: &mut String, report: &Report, timeline: &Timeline) {
    let n = timeline.runs.len();
    if n == 0 {
        return;
    }
    let axis: Vec<String> = (1..=n).map(|i| i.to_string()).collect();
    let ready: Vec<&str> = timeline
        .runs
        .iter()
        .map(|r| {
            if r.result == RunResult::Ready {
                "1"
            } else {
                "0"
            }
        })
        .collect();
    let _ = write!(
        out,
        "\n### The last {n} {} run(s)\n\n```mermaid\nxychart-beta\n    title \"1 = READY, oldest \
         first, this run last\"\n    x-axis [{}]\n    y-axis \"ready\" 0 --> 1\n    bar [{}]\n```\n",
        report.stage,
        axis.join(", "),
        ready.join(", ")
    );
    for series in &timeline.benchmarks {
        let mut p50 = vec!["0".to_owned(); n];
        let mut p95 = vec!["0".to_owned(); n];
        for (i, a, b) in &series.points {
            if *i < n {
                p50[*i] = format!("{a:.1}");
                p95[*i] = format!("{b:.1}");
            }
        }
        let _ = write!(
            out,
            "\n```mermaid\nxychart-beta\n    title {}\n    x-axis [{}]\n    y-axis \"ns\"\n    \
             line [{}]\n    line [{}]\n",
            label(&format!(
                "{}: p50, p95, baseline p50 (ns per iteration)",
                series.id
            )),
            axis.join(", "),
            p50.join(", "),
            p95.join(", ")
        );
        if let Some((b50, _)) = series.baseline {
            let _ = writeln!(
                out,
                "    line [{}]",
                vec![format!("{b50:.1}"); n].join(", ")
            );
        }
        out.push_str("```\n");
    }
    // Durations as a table with a bar per row: one line per check, so a new check adds a
    // line and changes none (a Mermaid chart would put every id on one line).
    let longest = super::step::longest_check_ms(report);
    out.push_str("\n### Seconds per check\n\n| check | seconds |\n|---|---|\n");
    for check in &report.checks {
        let blocks = usize::try_from(check.duration_ms * 20 / longest).unwrap_or(20);
        let bar = if blocks == 0 {
            "▏".to_owned()
        } else {
            "█".repeat(blocks)
        };
        let _ = writeln!(
            out,
            "| {} | {bar} {:.1} |",
            code(&check.id),
            check.duration_ms as f64 / 1000.0
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_text_cannot_open_html_or_break_its_span() {
        assert_eq!(
            text("src/<img src=x onerror=alert(1)>.rs"),
            "src/&lt;img src=x onerror=alert(1)&gt;.rs"
        );
        assert_eq!(cell("a|b\nc"), "a\\|b\\nc");
        // Nothing from the repository ends a row or a list item, or reaches a terminal raw.
        assert_eq!(
            text("x\n## READY for pilot\u{1b}[0m\u{202e}"),
            "x\\n## READY for pilot\\u{1b}[0m\\u{202e}"
        );
        assert_eq!(code("a\nb\u{1b}"), "`a\\nb\\u{1b}`");
        assert_eq!(code("src/lib.rs:3:1"), "`src/lib.rs:3:1`");
        // A file name with backticks keeps its span closed where it ends.
        assert_eq!(code("we`ird``.rs"), "```we`ird``.rs```");
        assert_eq!(code("`x"), "`` `x ``");
        assert_eq!(code("a|b"), "`a\\|b`");
    }
}
