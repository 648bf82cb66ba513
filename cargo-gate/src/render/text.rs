//! `--format text`: aligned, one line per check, findings under it, a summary line and the
//! verdict. Colour only when asked (a terminal without NO_COLOR).
//!
//! Everything that can come from the repository — file names, messages, subjects, summaries,
//! waivers' reasons and owners — goes through [`visible`]: a newline, a carriage return, an
//! escape sequence or a bidi override shows as an escape (`\n`, `\u{1b}`), so no text can
//! start a line of its own (a forged `READY for pilot`), move the cursor or restyle the
//! terminal. A message or summary of several lines (cargo's error and its `Caused by:`
//! chain) continues on lines of its own, indented under it behind a gutter (`│`): no line
//! of it starts a line of the report.

use super::step::{Beside, Step};
use crate::check::{Finding, Severity, Status};
use crate::report::{CheckReport, Report};
use anstyle::{AnsiColor, Style};
use std::borrow::Cow;
use std::fmt::Write;

/// Whether `c` is shown as an escape by [`visible`]: C0 and C1 controls and DEL (newline,
/// carriage return, tab and ESC among them), the Unicode line and paragraph separators, and
/// the bidirectional formatting characters that reorder how a line reads (Trojan Source:
/// U+202A–U+202E, U+2066–U+2069, and the marks U+200E, U+200F, U+061C).
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}'
                | '\u{2029}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{061c}'
        )
}

/// `text` with every [`is_hidden`] character written as an escape: `\n`, `\r`, `\t`, else
/// `\u{…}` in hexadecimal (`\u{1b}` for ESC, `\u{202e}` for a right-to-left override).
/// Text without such characters comes back borrowed.
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_hidden(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// `text` as a finding's message or a check's summary: its first line as [`visible`] shows
/// it, then each line after a newline on a line of its own, `indent` and a gutter (`│`)
/// before it, so a multi-line cargo error reads as cargo wrote it and none of its lines can
/// pass for one of the report's. Newlines at the end are dropped; a line's closing carriage
/// return (CRLF) too; every other hidden character is escaped.
pub(crate) fn continued(text: &str, indent: &str) -> String {
    let mut out = String::new();
    let lines = text.trim_end_matches(['\n', '\r']).split('\n');
    for (i, line) in lines.enumerate() {
        if i > 0 {
            let _ = write!(out, "\n{indent}  │ ");
        }
        out.push_str(&visible(line.strip_suffix('\r').unwrap_or(line)));
    }
    out
}

/// Findings shown per check; the rest are counted and left to report.json.
pub const MAX_FINDINGS_SHOWN: usize = 20;

/// Paths named on the line of a finding group; the rest are counted.
pub const GROUP_PATHS_SHOWN: usize = 3;

/// A line of findings: one finding, or the first of a group with the group's name and the
/// places of all its findings.
type Line<'a> = (&'a Finding, Option<(&'a str, Vec<String>)>);

/// Whether a place is `file:line` (or `file:line:column`), not a file alone.
fn has_line(place: &str) -> bool {
    place.rsplit_once(':').is_some_and(|(head, tail)| {
        !head.is_empty() && !tail.is_empty() && tail.bytes().all(|b| b.is_ascii_digit())
    })
}

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
        let place = visible(&place).into_owned();
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

/// The columns of the report: the widest id and status label, and whether to paint.
struct Columns {
    /// The widest check id, in characters.
    id: usize,
    /// The widest status label (at least six).
    label: usize,
    /// Whether to colour.
    color: bool,
}

impl Columns {
    /// The indentation of the lines under a check (findings, reuse, fix).
    fn indent(&self) -> String {
        format!(
            "  {:<label$}  {:<id$}    ",
            "",
            "",
            label = self.label,
            id = self.id
        )
    }
}

/// The text report's render step.
#[derive(Debug)]
pub struct Text;

impl Step for Text {
    fn show(&self, report: &Report, beside: &Beside<'_>) -> String {
        let opts = TextOptions {
            color: beside.color,
        };
        render(report, opts, beside.record, &beside.duration)
    }
}

/// Renders the report for a terminal or a log.
pub fn render(report: &Report, opts: TextOptions, record_dir: &str, duration: &str) -> String {
    let columns = Columns {
        id: report
            .checks
            .iter()
            .map(|c| visible(&c.id).chars().count())
            .max()
            .unwrap_or(0),
        // Status labels are six wide unless an INCONCLUSIVE needs more.
        label: report
            .checks
            .iter()
            .map(|c| c.status.as_str().len())
            .max()
            .unwrap_or(0)
            .max(6),
        color: opts.color,
    };
    let mut out = header(report);
    for check in &report.checks {
        check_lines(&mut out, report, check, &columns);
    }
    footer(&mut out, report, &columns, record_dir, duration);
    out
}

/// The run's first line, and the partial-run line of a `--only`/`--skip` run.
fn header(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "cargo-gate {} · {} · {} mode · {}",
        visible(&report.tool.version),
        report.stage,
        report.mode.as_str(),
        visible(&report.workspace)
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
            visible(&parts.join(", ")),
            report.stage
        );
    }
    out.push('\n');
    out
}

/// One check: its status line, what it reused, its findings (grouped, at most
/// [`MAX_FINDINGS_SHOWN`]) and its fix.
fn check_lines(out: &mut String, report: &Report, check: &CheckReport, columns: &Columns) {
    let (label_width, width) = (columns.label, columns.id);
    let label = format!("{:<label_width$}", check.status.as_str());
    let indent = columns.indent();
    let _ = writeln!(
        out,
        "  {}  {:<width$}  {}",
        paint(columns.color, status_color(check.status), &label),
        visible(&check.id),
        continued(&check.summary, &indent)
    );
    for reuse in &check.reused {
        let _ = writeln!(out, "{indent}{}", visible(&reuse.to_string()));
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
            // A place with a line is a site in a file (a build script's call), not a file.
            let what = if places.iter().any(|p| has_line(p)) {
                "place(s)"
            } else {
                "file(s)"
            };
            let _ = writeln!(
                out,
                "{indent}{severity}: {} — {} {what}: {}{more}",
                visible(group),
                places.len(),
                first.join(", ")
            );
            continue;
        }
        let place = finding
            .location
            .as_ref()
            .map(|l| format!("{}: ", visible(&l.to_string())))
            .unwrap_or_default();
        let mut message = continued(&finding.message, &indent);
        if let Some(note) = finding.waiver().and_then(|i| report.waiver_note(i)) {
            message.push_str(&format!(" ({})", visible(&note)));
        }
        let _ = writeln!(out, "{indent}{severity}: {place}{message}");
    }
    if lines.len() > MAX_FINDINGS_SHOWN {
        let more = lines.len() - MAX_FINDINGS_SHOWN;
        let _ = writeln!(out, "{indent}… and {more} more (see report.json)");
    }
    if let Some(fix) = &check.fix
        && check.status != Status::Waived
    {
        let _ = writeln!(out, "{indent}fix: {}", visible(fix));
    }
}

/// The counts and the verdict.
fn footer(out: &mut String, report: &Report, columns: &Columns, record_dir: &str, duration: &str) {
    let c = &report.counts;
    out.push('\n');
    let _ = writeln!(
        out,
        "{} checks: {} passed, {} warned, {} failed, {} skipped, {} waived · {} · record {}",
        report.checks.len(),
        c.pass,
        c.warn,
        c.fail,
        c.skip,
        c.waived,
        visible(duration),
        visible(record_dir)
    );
    let verdict_color = match report.verdict.exit_code {
        0 => fg(AnsiColor::Green).bold(),
        1 => fg(AnsiColor::Red).bold(),
        _ => fg(AnsiColor::Yellow).bold(),
    };
    let _ = writeln!(
        out,
        "{}",
        paint(columns.color, verdict_color, &visible(&report.verdict.line))
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_place_with_a_line_is_no_file() {
        assert!(super::has_line("build.rs:9"));
        assert!(super::has_line("src/a.rs:3:7"));
        assert!(!super::has_line("kernels/stray.cu"));
        assert!(!super::has_line(r"C:\w\k.cu"));
    }

    #[test]
    fn hidden_characters_are_shown_as_escapes() {
        assert_eq!(visible("src/lib.rs"), "src/lib.rs");
        assert!(matches!(visible("plain"), Cow::Borrowed(_)));
        assert_eq!(
            visible("a\nREADY for pilot\r\tb"),
            "a\\nREADY for pilot\\r\\tb"
        );
        assert_eq!(
            visible("\u{1b}[2K\u{1b}]0;t\u{7}"),
            "\\u{1b}[2K\\u{1b}]0;t\\u{7}"
        );
        assert_eq!(visible("\u{7f}\u{85}\u{9b}"), "\\u{7f}\\u{85}\\u{9b}");
        assert_eq!(
            visible("admin\u{202e}\u{2066}x\u{2069}\u{200f}\u{2028}"),
            "admin\\u{202e}\\u{2066}x\\u{2069}\\u{200f}\\u{2028}"
        );
        // Non-ASCII text that is not a control stays as it is.
        assert_eq!(visible("é → ✓ 日本"), "é → ✓ 日本");
    }

    /// A multi-line message (cargo's error and its `Caused by:` chain) continues on lines of
    /// its own behind a gutter: readable, and no line of it starts with text of its own.
    #[test]
    fn a_message_of_several_lines_continues_behind_a_gutter() {
        let error = "failed to run custom build command for `k`\r\nCaused by:\n  nvcc fatal\n";
        assert_eq!(
            continued(error, "    "),
            "failed to run custom build command for `k`\n      │ Caused by:\n      │   nvcc fatal"
        );
        let forged = continued("x\nREADY for pilot\r\u{1b}[2K\n", "  ");
        assert_eq!(forged, "x\n    │ READY for pilot\\r\\u{1b}[2K");
        assert!(
            forged
                .lines()
                .skip(1)
                .all(|l| l.trim_start().starts_with('│'))
        );
        assert_eq!(continued("one line", "  "), "one line");
    }
}
