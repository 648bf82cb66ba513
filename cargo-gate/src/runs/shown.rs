//! A finished run's report in the format asked for: one render step per format, each given
//! what that format shows beside the report — the record's path and chain head (text,
//! Markdown), the charts of the record (Markdown, HTML), the test run's names (JUnit), each
//! check's rule (SARIF). What comes from the record is read only for the formats that show
//! it, and a record that cannot be read shows nothing extra, never an error: the report
//! itself is already written.

use crate::engine::RunResult;
use crate::redact::Redactor;
use crate::render::Format;
use crate::render::step::{Beside, Catalogue, RuleInfo, TestNames};
use crate::report::Timeline;

/// The report of `result` in `format`, with what the format shows beside it; `color`: whether
/// the text report is coloured (the terminal and `--color` decided).
pub fn rendered(format: Format, result: &RunResult, color: bool, redactor: &Redactor) -> String {
    let FromRecord {
        timeline,
        test_names,
    } = FromRecord::read(format, result);
    let duration = std::time::Duration::from_millis(result.report.duration_ms);
    let beside = Beside {
        record: &result.record_line,
        color,
        duration: redactor.duration(duration),
        platform: redactor.platform(std::env::consts::OS),
        timeline,
        test_names,
        catalogue: sarif_catalogue(),
        env: |name| std::env::var(name).ok(),
    };
    format.render(&result.report, &beside)
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
fn sarif_catalogue() -> Catalogue<'static> {
    crate::registry::all()
        .iter()
        .map(|c| c.meta())
        .map(|m| {
            let rule = RuleInfo {
                summary: m.summary,
                fix: m.fix,
                codes: m.codes,
            };
            (m.id, rule)
        })
        .collect()
}
