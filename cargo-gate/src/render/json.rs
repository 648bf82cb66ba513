//! `--format json`: the report exactly as `report.json` in the run record.

use crate::report::Report;

/// Renders the report as JSON (pretty, trailing newline).
pub fn render(report: &Report) -> String {
    report.to_json()
}
