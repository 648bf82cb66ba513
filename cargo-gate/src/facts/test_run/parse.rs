//! What a test runner printed, read: libtest's and cargo-nextest's result lines counted, the
//! failing and passing tests named, the binaries that exited before their result found.

use super::model::{Runner, TestResults, TestTally};
use std::collections::BTreeMap;

/// Test counts parsed from a test runner's output.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TestCounts {
    /// Tests that passed.
    pub passed: u64,
    /// Tests that failed.
    pub failed: u64,
    /// Tests ignored or skipped.
    pub ignored: u64,
    /// Names of failing tests, with the test binary when known, in output order.
    pub failures: Vec<String>,
    /// Names of passing tests (bare names, as the runner printed them).
    pub passes: Vec<String>,
    /// Whether any summary line was seen at all.
    pub saw_summary: bool,
    /// Test binaries that started running tests (libtest's `running N tests`) and ended
    /// without a `test result:` line: exited mid-run (`std::process::exit`, an abort), so
    /// their remaining tests never reported. `harness = false` targets print no `running`
    /// line and are not counted here.
    pub silent: Vec<String>,
    /// Tests the runner itself ended at their time limit (nextest's `TIMEOUT`).
    pub timed_out: Vec<String>,
    /// Tests that failed and then passed when nextest retried them (`FLAKY`: `retries` in
    /// .config/nextest.toml), counted as passed.
    pub flaky: Vec<String>,
    /// Tests nextest ended at their time limit and counted as passed (`TIMEOUT-PASS`: a
    /// slow-timeout's `on-timeout = "pass"` in .config/nextest.toml): they never finished.
    pub timed_out_passed: Vec<String>,
}

impl TestCounts {
    /// The counts in `runner`'s output.
    pub fn parse(log: &str, runner: Runner) -> TestCounts {
        match runner {
            Runner::CargoTest => parse_libtest(log),
            // nextest runs no doc tests: `cargo test --doc` ran after it, its log after the
            // last line that names that command (a test's own output comes before it).
            Runner::Nextest => match doc_tests_after(log) {
                Some((tests, docs)) => parse_nextest(tests).and(parse_libtest(docs)),
                None => parse_nextest(log),
            },
        }
    }

    /// These counts and `docs`' together: the summary is the first run's to have seen.
    fn and(mut self, docs: TestCounts) -> TestCounts {
        self.passed += docs.passed;
        self.failed += docs.failed;
        self.ignored += docs.ignored;
        self.failures.extend(docs.failures);
        self.passes.extend(docs.passes);
        self.silent.extend(docs.silent);
        self.timed_out.extend(docs.timed_out);
        self.flaky.extend(docs.flaky);
        self.timed_out_passed.extend(docs.timed_out_passed);
        self
    }

    /// The names and counts the test-run fact keeps (`failure.paths` reads them).
    pub fn results(&self) -> TestResults {
        TestResults {
            passed: self.passes.clone(),
            failed: self.failures.clone(),
            counts: TestTally {
                passed: self.passed,
                failed: self.failed,
                ignored: self.ignored,
            },
        }
    }
}

/// The log of a nextest run followed by the doc tests' run ([`DOC_TESTS_AFTER`]), split at
/// the last line that starts the doc tests; `None` when there is none.
fn doc_tests_after(log: &str) -> Option<(&str, &str)> {
    let at = log.rfind(DOC_TESTS_AFTER)?;
    Some((&log[..at], &log[at..]))
}

/// Whether the doc tests ran after nextest in the run that printed `log`.
pub fn ran_doc_tests_after(log: &str) -> bool {
    doc_tests_after(log).is_some()
}

/// How the log of a test run goes on with the doc tests' run after a runner that runs none
/// (nextest): the command line that follows it is `cargo test … --doc`.
pub(crate) const DOC_TESTS_AFTER: &str = "\n$ doc tests: ";

/// What follows `Running ` in cargo's announcement of a test binary: the status word
/// right-aligned in twelve columns, then the target and its executable (`     Running
/// tests/x.rs (target/debug/deps/x-1234)`; before cargo 1.52, the executable alone, one word).
/// A line of a test's own output that starts with the word (`Running 100 iterations`,
/// printed under the test's failure) announces nothing.
pub(crate) fn cargo_running(line: &str) -> Option<&str> {
    let rest = line.trim_end().strip_prefix("     Running ")?;
    let announced = match rest.rsplit_once(" (") {
        Some((_, path)) => path.ends_with(')'),
        None => !rest.is_empty() && !rest.contains(' '),
    };
    announced.then_some(rest)
}

/// Parses libtest output as printed by `cargo test`.
pub fn parse_libtest(log: &str) -> TestCounts {
    let mut counts = TestCounts::default();
    let mut binary = String::new();
    // Whether the current binary printed `running N tests` and is still owed its result.
    let mut owed = false;
    // The results the current binary printed test by test (passed, failed, ignored): its
    // count where it ends without a `test result:` line (an abort after twelve failures).
    let mut reported = [0u64; 3];
    let settle =
        |binary: &str, owed: &mut bool, reported: &mut [u64; 3], counts: &mut TestCounts| {
            let [passed, failed, ignored] = std::mem::take(reported);
            if std::mem::take(owed) {
                counts.silent.push(binary.to_owned());
                counts.passed += passed;
                counts.failed += failed;
                counts.ignored += ignored;
            }
        };
    for line in log.lines() {
        let trimmed = line.trim();
        if let Some(rest) = cargo_running(line) {
            settle(&binary, &mut owed, &mut reported, &mut counts);
            // "Running unittests src/lib.rs (target/debug/deps/app-123)" or "Running tests/x.rs (…)"
            binary = rest.split(" (").next().unwrap_or(rest).to_owned();
        } else if let Some(rest) = trimmed.strip_prefix("Doc-tests ") {
            settle(&binary, &mut owed, &mut reported, &mut counts);
            binary = format!("doctests {rest}");
        } else if trimmed.starts_with("running ")
            && (trimmed.ends_with(" tests") || trimmed.ends_with(" test"))
        {
            owed = true;
            reported = [0; 3];
        } else if let Some(rest) = trimmed.strip_prefix("test ")
            && let Some(name) = rest.strip_suffix(" ... ok")
        {
            reported[0] += 1;
            counts.passes.push(name.to_owned());
        } else if let Some(rest) = trimmed.strip_prefix("test ")
            && let Some(name) = rest.strip_suffix(" ... FAILED")
        {
            reported[1] += 1;
            counts.failures.push(if binary.is_empty() {
                name.to_owned()
            } else {
                format!("{name} ({binary})")
            });
        } else if trimmed.starts_with("test ")
            && (trimmed.ends_with(" ... ignored") || trimmed.contains(" ... ignored, "))
        {
            reported[2] += 1;
        } else if let Some(rest) = trimmed.strip_prefix("test result: ") {
            counts.saw_summary = true;
            owed = false;
            reported = [0; 3];
            for part in rest.split(';') {
                let mut words = part.split_whitespace().rev();
                let (Some(what), Some(n)) = (words.next(), words.next()) else {
                    continue;
                };
                let Ok(n) = n.parse::<u64>() else { continue };
                match what {
                    "passed" => counts.passed += n,
                    "failed" => counts.failed += n,
                    "ignored" => counts.ignored += n,
                    _ => {}
                }
            }
        }
    }
    settle(&binary, &mut owed, &mut reported, &mut counts);
    counts
}

/// A nextest status line, `STATUS [ TIME] (COUNTER) BINARY TEST`: the status (capitals, and
/// a hyphen in `TIMEOUT-PASS` and `LEAK-FAIL`), what the brackets hold, and the test (binary
/// and name; the `(1/3)` counter newer nextest prints dropped).
pub(crate) fn nextest_status(line: &str) -> Option<(&str, &str, &str)> {
    let (status, rest) = line.split_once(' ')?;
    let capitals = |c: char| c.is_ascii_uppercase() || c == '-';
    if !status.starts_with(|c: char| c.is_ascii_uppercase()) || !status.chars().all(capitals) {
        return None;
    }
    let rest = rest.trim_start();
    // `FLAKY 2/3 [ 0.006s] …`: the attempt that passed, of how many, before the bracket.
    let rest = match (status, rest.split_once(' ')) {
        ("FLAKY", Some((attempt, after))) if attempt.contains('/') => after.trim_start(),
        _ => rest,
    };
    let (bracket, name) = rest.strip_prefix('[')?.split_once("] ")?;
    let name = name.trim();
    let name = match name.strip_prefix('(') {
        Some(counted) => counted.split_once(") ").map_or(name, |(_, n)| n.trim()),
        None => name,
    };
    Some((status, bracket.trim(), name))
}

/// How the line that closes a binary replayed under nextest begins, after its indentation
/// (`nextest_binaries.rs` writes it: `Replayed ID: N passed, N failed, N skipped`).
pub(super) const REPLAYED: &str = "Replayed ";

/// Parses cargo-nextest's output.
pub fn parse_nextest(log: &str) -> TestCounts {
    let mut counts = TestCounts::default();
    // Each retried test's attempts, in order (`TRY 1 FAIL [ 0.09s] bin test`): nextest
    // prints no `FLAKY` line under `final-status-level = "none"` (the seventeenth session's
    // second hostile pass), and a test that fails every attempt ends on a `TRY 3 FAIL`.
    let mut tried: BTreeMap<String, Vec<bool>> = BTreeMap::new();
    for line in log.lines() {
        let trimmed = line.trim();
        if let Some((status, _, name)) = nextest_attempt(trimmed) {
            if let Some(failed) = attempt_failed(status) {
                tried.entry(name.to_owned()).or_default().push(failed);
            }
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix("Summary [") {
            // "Summary [   0.010s] 3 tests run: 2 passed, 1 failed, 1 skipped"
            counts.saw_summary = true;
            if let Some((_, tail)) = rest.split_once("run:") {
                add_counted(&mut counts, tail);
            }
            continue;
        }
        // A binary replayed per binary (`nextest_binaries.rs`): counted as its run was.
        if let Some(rest) = trimmed.strip_prefix(REPLAYED) {
            if let Some((_, tail)) = rest.rsplit_once(": ") {
                add_counted(&mut counts, tail);
            }
            continue;
        }
        let Some((status, _, name)) = nextest_status(trimmed) else {
            continue;
        };
        // The final summary repeats the failures: each is named once.
        let named = |list: &mut Vec<String>| {
            if !list.iter().any(|n| n == name) {
                list.push(name.to_owned());
            }
        };
        match status {
            "PASS" => counts.passes.push(name.to_owned()),
            "FLAKY" => named(&mut counts.flaky),
            "TIMEOUT-PASS" => named(&mut counts.timed_out_passed),
            "FAIL" => named(&mut counts.failures),
            "TIMEOUT" => named(&mut counts.timed_out),
            _ => {}
        }
    }
    // A retried test that failed its last attempt failed; one that failed before it passed
    // is flaky.
    for (name, attempts) in tried {
        let list = match attempts.last() {
            Some(true) => &mut counts.failures,
            _ if attempts.contains(&true) => &mut counts.flaky,
            _ => continue,
        };
        if !list.contains(&name) {
            list.push(name);
        }
    }
    counts
}

/// What the gate asks nextest to print whatever the workspace's profile says: every status
/// line, the attempts of a retried test and the flaky ones ([`parse_nextest`] reads a
/// retried failure from them; `final-status-level = "none"` once hid it).
pub(super) const NEXTEST_REPORTING: [&str; 4] =
    ["--status-level", "pass", "--final-status-level", "flaky"];

/// A nextest attempt line, `TRY N STATUS [ TIME] (COUNTER) BINARY TEST` (a test nextest
/// retries): as [`nextest_status`] reads the line after `TRY N`.
pub(crate) fn nextest_attempt(line: &str) -> Option<(&str, &str, &str)> {
    let (_, rest) = line.strip_prefix("TRY ")?.split_once(' ')?;
    nextest_status(rest.trim_start())
}

/// Whether an attempt (or a test) with nextest's `status` failed; `None` for a status that
/// says nothing of it (`SLOW`, `START`, `RETRY`). A status not known here is a failure: an
/// unread word never passes a test.
pub(crate) fn attempt_failed(status: &str) -> Option<bool> {
    match status {
        "PASS" | "LEAK" => Some(false),
        "SLOW" | "START" | "RETRY" => None,
        _ => Some(true),
    }
}

/// Adds what `N passed, N failed, N skipped` (nextest's summary after `run:`, or a replayed
/// binary's line) counts.
fn add_counted(counts: &mut TestCounts, tail: &str) {
    for part in tail.split(',') {
        let mut words = part.split_whitespace();
        let (Some(n), Some(what)) = (words.next(), words.next()) else {
            continue;
        };
        let Ok(n) = n.parse::<u64>() else { continue };
        match what {
            "passed" => counts.passed += n,
            "failed" | "timed" => counts.failed += n,
            "skipped" => counts.ignored += n,
            _ => {}
        }
    }
}
