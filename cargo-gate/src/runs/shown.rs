//! A finished run's report in the format asked for: one render step per format, each given
//! what that format shows beside the report — the record's path and chain head (text,
//! Markdown), the charts of the record (Markdown, HTML), the test run's names (JUnit), each
//! check's rule (SARIF). What comes from the record is read only for the formats that show
//! it, and a record that cannot be read shows nothing extra, never an error: the report
//! itself is already written.

use crate::engine::RunResult;
use crate::redact::Redactor;
use crate::render::{self, Format, junit::TestNames, text::TextOptions};
use crate::report::Timeline;

/// How the report is shown, as the command line and the terminal decided it.
#[derive(Debug, Clone, Copy)]
pub struct Shown<'a> {
    /// Whether the text report is coloured (the terminal and `--color` decided).
    pub color: bool,
    /// The record's path and chain head, as the text and Markdown reports name them.
    pub record: &'a str,
}

/// The report of `result` in `format`.
pub fn rendered(
    format: Format,
    result: &RunResult,
    shown: Shown<'_>,
    redactor: &Redactor,
) -> String {
    let report = &result.report;
    let from_record = FromRecord::read(format, result);
    match format {
        Format::Json => render::json::render(report),
        Format::Markdown => {
            render::markdown::render(report, shown.record, from_record.timeline.as_ref())
        }
        Format::Html => {
            let links = render::html::Links::from_ci(
                |name| std::env::var(name).ok(),
                report.commit.as_deref(),
            );
            let timeline = from_record.timeline.unwrap_or_default();
            render::html::render(report, &timeline, &links)
        }
        Format::Sarif => {
            let platform = redactor.platform(std::env::consts::OS);
            render::sarif::render(report, &sarif_catalogue(), &platform)
        }
        Format::Junit => render::junit::render(report, from_record.test_names.as_ref()),
        Format::Text => {
            let duration = redactor.duration(std::time::Duration::from_millis(report.duration_ms));
            let opts = TextOptions { color: shown.color };
            render::text::render(report, opts, shown.record, &duration)
        }
    }
}

/// What a format shows from the record besides the report.
#[derive(Debug, Default)]
struct FromRecord {
    /// The latest runs of this run's stage and their benchmarks, for the charts (at most 30,
    /// this run included): Markdown and HTML.
    timeline: Option<Timeline>,
    /// The test run's names, when this run has them (a run without tests.pass, or whose tests
    /// did not run, has none): JUnit.
    test_names: Option<TestNames>,
}

impl FromRecord {
    fn read(format: Format, result: &RunResult) -> Self {
        let timeline = || {
            crate::record::read_chain(&result.out_dir)
                .map(|chain| {
                    crate::runs::history::timeline(&result.out_dir, &chain, result.report.stage, 30)
                })
                .unwrap_or_default()
        };
        let test_names = || {
            std::fs::read(result.record_dir.join(crate::facts::TEST_RESULTS_ARTIFACT))
                .ok()
                .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        };
        match format {
            Format::Markdown | Format::Html => Self {
                timeline: Some(timeline()),
                test_names: None,
            },
            Format::Junit => Self {
                timeline: None,
                test_names: test_names(),
            },
            Format::Json | Format::Sarif | Format::Text => Self::default(),
        }
    }
}

/// Each check's rule for SARIF: its summary, fix and codes, from the registry.
fn sarif_catalogue() -> render::sarif::Catalogue<'static> {
    crate::registry::all()
        .iter()
        .map(|c| c.meta())
        .map(|m| {
            let rule = render::sarif::RuleInfo {
                summary: m.summary,
                fix: m.fix,
                codes: m.codes,
            };
            (m.id, rule)
        })
        .collect()
}
