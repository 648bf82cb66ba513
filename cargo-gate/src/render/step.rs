//! One format's render step, and what it is given besides the report: gathered by the caller
//! (`runs::shown`; what comes from the record, for the formats that show it), so renderers
//! decide only how things look.

use crate::report::{Report, Timeline};

/// One format's render step.
pub trait Step {
    /// `report` in this format, with what the format shows `beside` it.
    fn show(&self, report: &Report, beside: &Beside<'_>) -> String;
}

/// What a report is shown with besides itself.
#[derive(Debug)]
pub struct Beside<'a> {
    /// The record's path and chain head, as the text and Markdown reports name them.
    pub record: &'a str,
    /// Whether the text report is coloured (the terminal and `--color` decided).
    pub color: bool,
    /// The run's duration as the text report shows it (a placeholder when redacting).
    pub duration: String,
    /// The platform the SARIF analysis is filed under (a placeholder when redacting).
    pub platform: String,
    /// The latest runs of the stage and their benchmarks (Markdown, HTML), when read.
    pub timeline: Option<Timeline>,
    /// The test run's names (JUnit), when the run has them.
    pub test_names: Option<TestNames>,
    /// Each check's rule (SARIF).
    pub catalogue: Catalogue<'a>,
    /// The CI's environment, for the HTML report's links to the commit.
    pub env: fn(&str) -> Option<String>,
}

/// The names of the tests a run ran (`tests/results.json` of the run record).
#[derive(Debug, Default, serde::Deserialize)]
pub struct TestNames {
    /// Passed, by full name.
    pub passed: Vec<String>,
    /// Failed, by full name.
    pub failed: Vec<String>,
}

/// What the rules say about one built-in check: its summary, its fix, and each of its
/// finding codes with what the code means. The caller builds these from the registry; a
/// check of the report without one (a custom check) is described by the report alone.
#[derive(Debug, Clone, Copy)]
pub struct RuleInfo<'a> {
    /// One line: what a PASS establishes.
    pub summary: &'a str,
    /// How to fix a failure.
    pub fix: &'a str,
    /// The check's codes: name and meaning.
    pub codes: &'a [crate::check::Code],
}

/// The rule catalogue: check id → its [`RuleInfo`].
pub type Catalogue<'a> = std::collections::BTreeMap<&'a str, RuleInfo<'a>>;

/// The longest check of the report in milliseconds (at least 1): the full length of the
/// duration bars of the HTML and Markdown reports.
pub(super) fn longest_check_ms(report: &Report) -> u64 {
    report
        .checks
        .iter()
        .map(|c| c.duration_ms)
        .max()
        .unwrap_or(0)
        .max(1)
}
