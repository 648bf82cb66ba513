//! `--format json`: the report exactly as `report.json` in the run record.

use super::step::{Beside, Step};
use crate::report::Report;

/// The JSON report's render step.
#[derive(Debug)]
pub struct Json;

impl Step for Json {
    fn show(&self, report: &Report, _: &Beside<'_>) -> String {
        render(report)
    }
}

/// Renders the report as JSON (pretty, trailing newline).
pub fn render(report: &Report) -> String {
    report.to_json()
}
