//! `--format text`: aligned, one line per check, findings under it, a summary line and the
//! verdict. Colour only when asked (a terminal without NO_COLOR).

use crate::check::{Finding, Severity, Status};
use crate::report::Report;
use anstyle::{AnsiColor, Style};
use std::fmt::Write;

/// Findings shown per check; the rest are counted and left to report.json.
pub const MAX_FINDINGS_SHOWN: usize = 20;

/// Paths named on the line of a finding group; the rest are counted.
pub const GROUP_PATHS_SHOWN: usize = 3;

/// A line of findings: one finding, or the first of a group with the group's name and the
/// places of all its findings.
type Line<'a> = (&'a Finding, Option<(&'a str, Vec<String>)>);

/// Findings in report order, each group folded into one line where its first finding stood.
fn group_lines<'a>(findings: &[&'a Finding]) -> Vec<Line<'a>> {
    let mut lines: Vec<Line<'a>> = Vec::new();
    for finding in findings {
        let Some(group) = finding.group.as_deref() else {
            lines.push((finding, None));
            continue;
        };
        let place = finding
            .location
            .as_ref()
            .map_or_else(|| finding.message.clone(), ToString::to_string);
        match lines
            .iter_mut()
            .find(|(_, g)| g.as_ref().is_some_and(|(name, _)| *name == group))
        {
            Some((_, Some((_, places)))) => places.push(place),
            _ => lines.push((finding, Some((group, vec![place])))),
        }
    }
    lines
}

/// Text options.
#[derive(Debug, Clone, Copy, Default)]
pub struct TextOptions {
    /// Emit ANSI colour.
    pub color: bool,
}

fn paint(color: bool, style: Style, text: &str) -> String {
    if color {
        format!("{style}{text}{style:#}")
    } else {
        text.to_owned()
    }
}

fn fg(color: AnsiColor) -> Style {
    Style::new().fg_color(Some(color.into()))
}

fn status_color(status: Status) -> Style {
    match status {
        Status::Pass => fg(AnsiColor::Green),
        Status::Warn | Status::Skip | Status::Inconclusive => fg(AnsiColor::Yellow),
        Status::Fail => fg(AnsiColor::Red).bold(),
        Status::Waived => fg(AnsiColor::Cyan),
    }
}

/// Renders the report for a terminal or a log.
pub fn render(report: &Report, opts: TextOptions, record_dir: &str, duration: &str) -> String {
    let mut out = String::new();
    let width = report.checks.iter().map(|c| c.id.len()).max().unwrap_or(0);
    // Status labels are six wide unless an INCONCLUSIVE needs more.
    let label_width = report
        .checks
        .iter()
        .map(|c| c.status.as_str().len())
        .max()
        .unwrap_or(0)
        .max(6);
    let _ = writeln!(
        out,
        "cargo-gate {} · {} · {} mode · {}",
        report.tool.version,
        report.stage,
        report.mode.as_str(),
        report.workspace
    );
    if let Some(selection) = &report.selection {
        let mut parts = Vec::new();
        if !selection.only.is_empty() {
            parts.push(format!("--only {}", selection.only.join(" ")));
        }
        if !selection.skip.is_empty() {
            parts.push(format!("--skip {}", selection.skip.join(" ")));
        }
        let _ = writeln!(
            out,
            "partial run ({}): not a verdict for {}",
            parts.join(", "),
            report.stage
        );
    }
    out.push('\n');
    for check in &report.checks {
        let label = format!("{:<label_width$}", check.status.as_str());
        let _ = writeln!(
            out,
            "  {}  {:<width$}  {}",
            paint(opts.color, status_color(check.status), &label),
            check.id,
            check.summary
        );
        for reuse in &check.reused {
            let _ = writeln!(out, "  {:<label_width$}  {:<width$}    {reuse}", "", "");
        }
        let shown: Vec<_> = check
            .findings
            .iter()
            .filter(|f| f.severity != Severity::Note)
            .collect();
        let lines = group_lines(&shown);
        for (finding, grouped) in lines.iter().take(MAX_FINDINGS_SHOWN) {
            let severity = match (finding.waived_by, finding.severity) {
                (Some(_), _) => "waived",
                (None, Severity::Error) => "error",
                (None, Severity::Warning) => "warning",
                (None, Severity::Note) => "note",
            };
            let indent = format!("  {:<label_width$}  {:<width$}    ", "", "");
            if let Some((group, places)) = grouped {
                let first: Vec<&str> = places
                    .iter()
                    .take(GROUP_PATHS_SHOWN)
                    .map(String::as_str)
                    .collect();
                let more = if places.len() > GROUP_PATHS_SHOWN {
                    ", …"
                } else {
                    ""
                };
                let _ = writeln!(
                    out,
                    "{indent}{severity}: {group} — {} file(s): {}{more}",
                    places.len(),
                    first.join(", ")
                );
                continue;
            }
            let place = finding
                .location
                .as_ref()
                .map(|l| format!("{l}: "))
                .unwrap_or_default();
            let mut message = finding.message.replace('\n', &format!("\n{indent}  "));
            if let Some(note) = finding.waiver().and_then(|i| report.waiver_note(i)) {
                message.push_str(&format!(" ({note})"));
            }
            let _ = writeln!(out, "{indent}{severity}: {place}{message}");
        }
        if lines.len() > MAX_FINDINGS_SHOWN {
            let _ = writeln!(
                out,
                "  {:<label_width$}  {:<width$}    … and {} more (see report.json)",
                "",
                "",
                lines.len() - MAX_FINDINGS_SHOWN
            );
        }
        if let Some(fix) = &check.fix
            && check.status != Status::Waived
        {
            let _ = writeln!(out, "  {:<label_width$}  {:<width$}    fix: {fix}", "", "");
        }
    }
    let c = &report.counts;
    out.push('\n');
    let _ = writeln!(
        out,
        "{} checks: {} passed, {} warned, {} failed, {} skipped, {} waived · {duration} · record {record_dir}",
        report.checks.len(),
        c.pass,
        c.warn,
        c.fail,
        c.skip,
        c.waived
    );
    let verdict_color = match report.verdict.exit_code {
        0 => fg(AnsiColor::Green).bold(),
        1 => fg(AnsiColor::Red).bold(),
        _ => fg(AnsiColor::Yellow).bold(),
    };
    let _ = writeln!(
        out,
        "{}",
        paint(opts.color, verdict_color, &report.verdict.line)
    );
    out
}
