//! Renderers: a [`Report`](crate::report::Report) in, text out. Only renderers decide how
//! things look; nothing here decides anything.

use step::{Beside, Step};

pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod step;
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

impl Format {
    /// `report` in this format: the format's own render step.
    pub fn render(self, report: &crate::report::Report, beside: &Beside<'_>) -> String {
        let step: &dyn Step = match self {
            Format::Text => &text::Text,
            Format::Json => &json::Json,
            Format::Markdown => &markdown::Markdown,
            Format::Sarif => &sarif::Sarif,
            Format::Junit => &junit::Junit,
            Format::Html => &html::Html,
        };
        step.show(report, beside)
    }
}
