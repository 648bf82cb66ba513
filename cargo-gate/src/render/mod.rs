//! Renderers: a [`Report`](crate::report::Report) in, text out. Only renderers decide how
//! things look; nothing here decides anything.

pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod text;

/// Output formats of the stage commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned, one line per check, findings under it, a summary and the verdict.
    Text,
    /// `report.json`, as written into the run record.
    Json,
    /// GitHub-flavoured Markdown (CI step summaries, pull-request comments).
    Markdown,
    /// SARIF 2.1.0 (code scanning).
    Sarif,
    /// JUnit XML (one test case per check).
    Junit,
    /// One self-contained HTML page: the verdict, the checks and findings, and charts of the
    /// record (the latest runs, benchmarks, check durations).
    Html,
}

/// The longest check of the report in milliseconds (at least 1): the full length of the
/// duration bars of the HTML and Markdown reports.
pub(crate) fn longest_check_ms(report: &crate::report::Report) -> u64 {
    report
        .checks
        .iter()
        .map(|c| c.duration_ms)
        .max()
        .unwrap_or(0)
        .max(1)
}
