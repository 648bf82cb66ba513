//! `--format junit`: one test case per check, so CI systems show checks as tests, written by
//! quick-junit (cargo-nextest's JUnit writer, which escapes and strips what XML cannot hold).
//! FAIL (and anything else that fails the verdict) is a `<failure>` carrying the findings;
//! SKIP is `<skipped>` with the reason; the rest say their status in `<system-out>`, with
//! their warnings (a WARN passes the stage but is not hidden). Each finding is one line, its
//! control characters shown as escapes. When the run's test run left its names
//! (`tests/results.json`), a second suite has one test case per test, so a CI widget shows
//! the workspace's own tests, not one case for all of them.

use super::step::{Beside, Step, TestNames};
use crate::check::{Severity, Status};
use crate::report::Report;
use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};
use std::time::Duration;

/// The JUnit report's render step.
#[derive(Debug)]
pub struct Junit;

impl Step for Junit {
    fn show(&self, report: &Report, beside: &Beside<'_>) -> String {
        render(report, beside.test_names.as_ref())
    }
}

/// Renders the report as JUnit XML; `tests`, when given, adds a suite with a case per test.
pub fn render(report: &Report, tests: Option<&TestNames>) -> String {
    let mut suite = TestSuite::new(format!("cargo-gate {}", report.stage));
    suite.set_time(Duration::from_millis(report.duration_ms));
    for check in &report.checks {
        let findings: Vec<String> = check
            .findings
            .iter()
            .filter(|f| f.severity != Severity::Note)
            .map(|f| {
                let place = f
                    .location
                    .as_ref()
                    .map(|l| format!("{l}: "))
                    .unwrap_or_default();
                let waived = if f.waived_by.is_some() {
                    " (waived)"
                } else {
                    ""
                };
                // One finding, one line: a newline or an escape in a file name or message
                // from the repository is shown, not obeyed (as in the text report).
                let severity = match f.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                    Severity::Note => "note",
                };
                format!(
                    "{severity}: {}{waived}",
                    super::text::visible(&format!("{place}{}", f.message))
                )
            })
            .collect();
        let status = if check.status == Status::Skip {
            let mut status = TestCaseStatus::skipped();
            status.set_message(check.summary.as_str());
            status
        } else if check.counts_as_failure {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status
                .set_message(check.summary.as_str())
                .set_type(check.status.as_str())
                .set_description(findings.join("\n"));
            status
        } else {
            TestCaseStatus::success()
        };
        let mut case = TestCase::new(check.id.as_str(), status);
        case.set_classname(format!("cargo-gate.{}", report.stage))
            .set_time(Duration::from_millis(check.duration_ms));
        let mut out: Vec<String> = Vec::new();
        if !check.counts_as_failure && check.status != Status::Skip {
            out.push(format!("{}: {}", check.status, check.summary));
            // What a passing status still says: warnings, waived findings.
            out.extend(findings.iter().map(|f| format!("  {f}")));
        }
        out.extend(check.reused.iter().map(ToString::to_string));
        if !out.is_empty() {
            case.set_system_out(out.join("\n"));
        }
        suite.add_test_case(case);
    }
    let mut junit = quick_junit::Report::new("cargo-gate");
    junit
        .set_time(Duration::from_millis(report.duration_ms))
        .add_test_suite(suite);
    if let Some(tests) = tests {
        // Sorted: the runner reports them in the order threads finished.
        let sorted = |names: &[String]| {
            let mut names = names.to_vec();
            names.sort();
            names
        };
        let mut suite = TestSuite::new("tests.pass");
        for name in &sorted(&tests.failed) {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status.set_message("failed (its output: logs/tests.log in the run record)");
            let mut case = TestCase::new(super::text::visible(name), status);
            case.set_classname("tests.pass");
            suite.add_test_case(case);
        }
        for name in &sorted(&tests.passed) {
            let mut case = TestCase::new(super::text::visible(name), TestCaseStatus::success());
            case.set_classname("tests.pass");
            suite.add_test_case(case);
        }
        junit.add_test_suite(suite);
    }
    let mut text = junit
        .to_string()
        .expect("a JUnit report of strings serialises");
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}
