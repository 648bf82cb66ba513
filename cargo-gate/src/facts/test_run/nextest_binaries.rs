//! The test run kept per test binary under nextest (docs/CACHE.md, "Per test binary"), as
//! `binaries.rs` keeps it under `cargo test`: after a change only the binaries whose key
//! changed run, the rest are replayed and named.
//!
//! nextest runs each test in a process of its own, so the gate cannot stand in as a runner
//! per binary; it chooses the binaries with a filterset instead, nextest's documented way:
//! `-E 'not (binary_id(=a) | binary_id(=b))'` leaves out the binaries whose key is unchanged
//! (`--no-tests pass`: leaving out all of them is no error). Each binary that ran gets its
//! share of nextest's output, the status lines that name it and what nextest printed under
//! them (a failure's output), up to the run's summary (`shares`); that share is what its key
//! keeps. A replayed binary's share goes back into the log after a `Replaying` line, closed
//! by a `Replayed ID: N passed, N failed, N skipped` line that `parse.rs` counts (nextest's
//! own summary counts only what ran). The doc tests run per crate beside nextest's run, in
//! lanes, as under `cargo test`.
//!
//! What keeps a binary's result from being stored: nextest exiting for another reason than
//! a test (not 0 or 100: the run is then done again whole), the run stopped, the tree
//! moved, or the tests leaving files in the run directory (nextest does not say which
//! binary wrote them; a replay could not put them back; a doc test writing there while
//! nextest runs counts too).

use super::binaries::{
    Keys, Looked, PerBinary, finish, look_up, settle, take_failed_before, with_doc_tests_beside,
};
use super::model::BinaryEvidence;
use super::model::{Runner, TestRun, TestSetup};
use super::parse::{REPLAYED, nextest_attempt, nextest_status};
use super::replay::{BinaryRun, Reported, run_files};
use crate::cache::{Fresh, Pending};
use crate::facts::artifacts::Build;
use crate::facts::core::Core;
use std::collections::BTreeMap;
use std::process::Command;

/// nextest's exit code when every test passed, and when a test failed.
const PASSED: i32 = 0;
const TEST_FAILED: i32 = 100;

/// A binary's output beyond this is not kept (as under `cargo test`).
const MAX_SHARE: usize = 16 << 20;

/// Runs the tests under nextest per binary. `nextest` builds the `cargo nextest run` of
/// the workspace with the extra arguments given; `key` is what the binaries' keys carry
/// besides theirs (nextest's version and configuration). `Err`: why the run is kept whole.
pub(super) fn run(
    facts: &Core,
    setup: &TestSetup<'_>,
    build: &Build,
    whole: &Pending,
    (nextest, key): (impl Fn(&[&str]) -> Command, &[(&str, String)]),
    run_tests: impl Fn(Command) -> Fresh<Result<TestRun, String>> + Sync,
) -> Result<PerBinary, String> {
    let cache = facts.cache();
    let keys = Keys::new(facts, build);
    let limit = setup.test_timeout.as_millis().to_string();
    let looked = look_up(facts, build, &keys, &limit, "cargo nextest", key);
    let replayed: Vec<&Looked<'_>> = looked
        .iter()
        .filter(|l| matches!(l.found, Some(Ok(_))))
        .collect();
    let filter = exclusion(replayed.iter().map(|l| l.id));
    let filter = filter.as_deref().map_or(Vec::new(), |f| vec!["-E", f]);
    let args = [
        super::parse::NEXTEST_REPORTING.as_slice(),
        &["--no-tests", "pass"],
        &filter,
    ]
    .concat();
    let dir = tempfile::Builder::new()
        .prefix(".scratch-tests-")
        .tempdir_in(setup.scratch)
        .map_err(|e| format!("could not make a directory for the doc-test plan: {e}"))?;
    let exe = std::env::current_exe().map_err(|e| format!("cargo-gate's own path: {e}"))?;
    // nextest's run, its binaries' shares and why none is kept; `None`: nextest did not run.
    let mut ran: Option<Result<NextestRan, String>> = None;
    let files_before = run_files(setup.run_dir).unwrap_or_default();
    // The doc tests run beside nextest's run (nextest runs none).
    let (fresh, docs) = with_doc_tests_beside(
        (facts, setup, build),
        (&keys, &limit),
        (dir.path(), exe.as_path()),
        || {
            let mut fresh = run_tests(nextest(&args));
            if let Ok(run) = &mut fresh.value {
                let files_left = fresh.files != files_before;
                ran = Some(judged_run(run, files_left, &replayed));
            }
            fresh
        },
        Runner::Nextest,
        &run_tests,
    );
    let (shares, unkept) = match ran {
        Some(ran) => ran?,
        None => {
            return Ok(PerBinary {
                fresh,
                failed_before: None,
            });
        }
    };
    let stopped = fresh.value.as_ref().map_or(true, |r| {
        r.captured.stopped.is_some() || r.over_limit.is_some()
    });
    let unmoved = cache.unmoved(whole);
    let settled = settle_binaries(cache, looked, &shares, unkept, (stopped, unmoved));
    Ok(finish(cache, fresh, settled, docs, (stopped, unmoved)))
}

/// What nextest's run says of its binaries: each one's share of the log and why none is
/// kept, when none is.
type NextestRan = (BTreeMap<String, Share>, Option<String>);

/// nextest's run judged: `Err` when nextest exited for another reason than a test (the run
/// is then kept whole); the replayed binaries' shares put back into its log.
fn judged_run(
    run: &mut TestRun,
    files_left: bool,
    replayed: &[&Looked<'_>],
) -> Result<NextestRan, String> {
    let stopped = run.captured.stopped.is_some() || run.over_limit.is_some();
    let code = run.captured.code;
    if !stopped && code != Some(PASSED) && code != Some(TEST_FAILED) {
        return Err(format!(
            "nextest, given the binaries to run as a filterset, exited with {} (not a test's \
             failure)",
            code.map_or_else(|| "a signal".to_owned(), |c| format!("code {c}"))
        ));
    }
    let shares = shares(&run.captured.log);
    let mut unkept = why_unkept(stopped, files_left, code, &shares);
    // Every failure nextest counts must be one a share names, or a failing binary could be
    // stored as a pass (a line the gate does not read).
    let counted = super::parse::parse_nextest(&run.captured.log).failed;
    let named: u64 = shares.values().map(|s| s.failed).sum();
    if unkept.is_none() && named < counted {
        unkept = Some(format!(
            "nextest counted {counted} failed test(s) but its lines name {named}: no binary's \
             result is kept"
        ));
    }
    replay_into(run, replayed);
    Ok((shares, unkept))
}

/// Why no binary's result of this run is stored, when none is.
fn why_unkept(
    stopped: bool,
    left_files: bool,
    code: Option<i32>,
    shares: &BTreeMap<String, Share>,
) -> Option<String> {
    let named = shares.values().any(|share| share.failed > 0);
    if stopped {
        Some("the run was stopped".to_owned())
    } else if left_files {
        Some(
            "the tests left files in the run directory, and nextest does not say which binary \
             wrote them"
                .to_owned(),
        )
    } else if code == Some(TEST_FAILED) && !named {
        Some("nextest said a test failed but named none: no binary's result is kept".to_owned())
    } else {
        None
    }
}

/// Each binary after the run, settled in the cache: a replayed one confirmed, one that ran
/// stored with its share unless `unkept` says why not.
fn settle_binaries(
    cache: &crate::cache::Session,
    looked: Vec<Looked<'_>>,
    shares: &BTreeMap<String, Share>,
    unkept: Option<String>,
    (stopped, unmoved): (bool, bool),
) -> (Vec<BinaryEvidence>, Option<(String, Vec<String>)>) {
    let mut evidence = Vec::new();
    let mut failed_before = None;
    for l in looked {
        let replay = matches!(l.found, Some(Ok(_)));
        let (run, unkept) = match (replay, &unkept) {
            (true, _) => (None, None),
            (false, Some(why)) => (None, Some(why.clone())),
            (false, None) => {
                let share = shares.get(l.id).cloned().unwrap_or_default();
                if share.output.len() > MAX_SHARE {
                    (None, Some("it printed more than a result keeps".to_owned()))
                } else {
                    (Some(share.run()), None)
                }
            }
        };
        let reported = Reported {
            id: l.id.to_owned(),
            replayed: replay,
            run,
            files: Vec::new(),
            unkept,
        };
        let id = l.id.to_owned();
        let settled = settle(cache, id, l.found, Some(reported), stopped, unmoved);
        evidence.push(take_failed_before(settled, &mut failed_before));
    }
    (evidence, failed_before)
}

/// The filterset that leaves out `ids`, `None` when there is none to leave out.
fn exclusion<'a>(ids: impl Iterator<Item = &'a str>) -> Option<String> {
    let terms: Vec<String> = ids.map(|id| format!("binary_id(={id})")).collect();
    (!terms.is_empty()).then(|| format!("not ({})", terms.join(" | ")))
}

/// The replayed binaries' shares put into the run's log (before the doc tests join it),
/// each after a line that says where it comes from and before the line `parse.rs` counts; a
/// replayed failure makes the run's exit status a failure's.
fn replay_into(run: &mut TestRun, replayed: &[&Looked<'_>]) {
    for l in replayed {
        let Some(Ok(hit)) = &l.found else { continue };
        let share = shares(&hit.value.output).remove(l.id).unwrap_or_default();
        let log = &mut run.captured.log;
        if !log.ends_with('\n') && !log.is_empty() {
            log.push('\n');
        }
        log.push_str(&format!(
            "    Replaying {}: its inputs are unchanged since run {} (inputs {})\n{}",
            l.id, hit.reused.run_id, hit.reused.inputs, hit.value.output
        ));
        if !log.ends_with('\n') {
            log.push('\n');
        }
        log.push_str(&share.counted(l.id));
        if hit.value.code != Some(0) && run.captured.code == Some(PASSED) {
            run.captured.code = Some(TEST_FAILED);
        }
    }
}

/// One binary's share of a nextest log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Share {
    /// Its status lines and what nextest printed under them.
    output: String,
    passed: u64,
    failed: u64,
    skipped: u64,
}

impl Share {
    /// What its key keeps: its output, and an exit status as nextest's for it alone.
    fn run(self) -> BinaryRun {
        let code = if self.failed == 0 {
            PASSED
        } else {
            TEST_FAILED
        };
        BinaryRun {
            output: self.output,
            code: Some(code),
            signal: None,
        }
    }

    /// The line that closes a replayed share: what `parse.rs` counts for it.
    fn counted(&self, id: &str) -> String {
        format!(
            "    {REPLAYED}{id}: {} passed, {} failed, {} skipped\n",
            self.passed, self.failed, self.skipped
        )
    }
}

/// Each binary's share of a nextest log, by binary id: the status lines that name it and the
/// lines under them up to the run's summary. Every status line counts, wherever it is: a
/// test can print lines that look like nextest's (a `Summary`, a status), and such a line may
/// add to a share or end the lines kept under one, never hide a status line nextest printed
/// (a failure is never missed). Each test counts once by its worst status: FAIL, TIMEOUT, a
/// signal, FLAKY (it failed before a retry passed) or TIMEOUT-PASS as failed, SKIP as skipped, PASS and LEAK
/// as passed (SLOW, START, RETRY and TRY say nothing yet).
fn shares(log: &str) -> BTreeMap<String, Share> {
    let mut shares: BTreeMap<String, Share> = BTreeMap::new();
    let mut tests: BTreeMap<String, BTreeMap<String, Verdict>> = BTreeMap::new();
    let mut current: Option<String> = None;
    let mut summary = false;
    for line in log.lines() {
        let trimmed = line.trim();
        // An attempt of a retried test (`TRY 2 FAIL …`) is its binary's as a status line is:
        // a failed one fails the test, whatever a later attempt says.
        if let Some((status, _, name)) =
            nextest_status(trimmed).or_else(|| nextest_attempt(trimmed))
        {
            let binary = name.split_whitespace().next().unwrap_or(name).to_owned();
            let verdict = match status {
                // Passed only on a retry, or ended at its time limit and counted as passed
                // (`on-timeout = "pass"`): never stored as a pass to replay.
                "FLAKY" | "TIMEOUT-PASS" => Some(Verdict::Failed),
                "SKIP" => Some(Verdict::Skipped),
                _ => super::parse::attempt_failed(status).map(|failed| {
                    if failed {
                        Verdict::Failed
                    } else {
                        Verdict::Passed
                    }
                }),
            };
            let share = shares.entry(binary.clone()).or_default();
            if let Some(verdict) = verdict {
                let seen = tests.entry(binary.clone()).or_default();
                let worst = seen.entry(name.to_owned()).or_insert(verdict);
                *worst = (*worst).max(verdict);
            }
            // After the summary nextest repeats the failures: each status line is kept once.
            if !summary || !share.output.lines().any(|kept| kept.trim() == trimmed) {
                share.output.push_str(line);
                share.output.push('\n');
            }
            current = (!summary).then_some(binary);
            continue;
        }
        if trimmed.starts_with("Summary [") {
            summary = true;
        }
        if summary || trimmed.starts_with("────") || trimmed.starts_with("Starting ") {
            current = None;
            continue;
        }
        if let Some(share) = current.as_ref().and_then(|b| shares.get_mut(b)) {
            share.output.push_str(line);
            share.output.push('\n');
        }
    }
    for (binary, seen) in tests {
        let share = shares.entry(binary).or_default();
        for verdict in seen.values() {
            match verdict {
                Verdict::Passed => share.passed += 1,
                Verdict::Skipped => share.skipped += 1,
                Verdict::Failed => share.failed += 1,
            }
        }
    }
    shares
}

/// A test's status in a share, worst last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Verdict {
    Passed,
    Skipped,
    Failed,
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "\
    Starting 3 tests across 3 binaries (1 binary skipped)
        PASS [   0.007s] (1/3) lib000 tests::adds
        PASS [   0.007s] (2/3) app::cli runs
        FAIL [   0.107s] (3/3) lib003 tests::adds
  stdout ───

    running 1 test
    test tests::adds ... FAILED

────────────
     Summary [   0.116s] 3 tests run: 2 passed, 1 failed, 0 skipped
        FAIL [   0.107s] (3/3) lib003 tests::adds
error: test run failed
";

    /// Each binary gets its status lines and a failure's output, nothing of the summary.
    #[test]
    fn each_binary_gets_its_share_of_the_log() {
        let shares = shares(LOG);
        assert_eq!(shares.len(), 3, "{shares:#?}");
        assert_eq!(shares["lib000"].passed, 1);
        assert_eq!(
            shares["app::cli"].output,
            "        PASS [   0.007s] (2/3) app::cli runs\n"
        );
        let failed = &shares["lib003"];
        assert_eq!((failed.passed, failed.failed), (0, 1));
        assert!(
            failed.output.contains("test tests::adds ... FAILED"),
            "{failed:?}"
        );
        assert!(!failed.output.contains("Summary"), "{failed:?}");
        assert_eq!(failed.output.matches("FAIL [").count(), 1, "{failed:?}");
        assert_eq!(failed.clone().run().code, Some(TEST_FAILED));
        assert_eq!(shares["lib000"].clone().run().code, Some(PASSED));
    }

    /// A retried test's failed attempts (`TRY 2 FAIL`) are its binary's failure, whatever
    /// another binary's line after them: the binary is never stored as a pass.
    #[test]
    fn a_failed_attempt_fails_its_own_binary() {
        let log = "        PASS [   0.004s] (1/2) lib000 tests::ok\n  TRY 1 FAIL [   0.093s] \
                   (─────) cli cli::always\n  TRY 2 FAIL [   0.006s] (2/2) cli cli::always\n";
        let shares = shares(log);
        assert_eq!((shares["cli"].passed, shares["cli"].failed), (0, 1));
        assert_eq!((shares["lib000"].passed, shares["lib000"].failed), (1, 0));
        assert!(!shares["lib000"].output.contains("TRY"), "{shares:#?}");
    }

    /// A test that prints a line like nextest's summary cannot hide a failure that nextest
    /// reports after it; the summary's repeated failure counts once.
    #[test]
    fn a_printed_summary_hides_no_failure() {
        let log = "\
        FAIL [   0.1s] (1/2) a tests::loud
  stdout ───
     Summary [   0.1s] 9 tests run: 9 passed, 0 skipped
        FAIL [   0.1s] (2/2) b tests::quiet
────────────
     Summary [   0.2s] 2 tests run: 0 passed, 2 failed, 0 skipped
        FAIL [   0.1s] (1/2) a tests::loud
        FAIL [   0.1s] (2/2) b tests::quiet
";
        let shares = shares(log);
        assert_eq!(
            (shares["a"].failed, shares["b"].failed),
            (1, 1),
            "{shares:#?}"
        );
        assert_eq!(shares["b"].clone().run().code, Some(TEST_FAILED));
        assert!(
            shares["b"]
                .output
                .contains("FAIL [   0.1s] (2/2) b tests::quiet")
        );
        assert_eq!(
            shares["a"].output.matches("tests::loud").count(),
            1,
            "{shares:#?}"
        );
    }

    /// A test nextest ended at its limit and counted as passed (`on-timeout = "pass"`) is
    /// no pass a later run may replay.
    #[test]
    fn a_test_counted_as_passed_at_its_time_limit_is_not_a_pass_to_keep() {
        let log = "        PASS [   0.008s] (1/2) victim tests::ok\nTIMEOUT-PASS [   1.003s] (2/2) victim slow::converges\n────────────\n     Summary [   1.003s] 2 tests run: 2 passed, 0 skipped\n";
        let shares = shares(log);
        assert_eq!(
            (shares["victim"].passed, shares["victim"].failed),
            (1, 1),
            "{shares:#?}"
        );
        assert_eq!(shares["victim"].clone().run().code, Some(TEST_FAILED));
    }

    /// A replayed share counts as nextest's summary would have counted it.
    #[test]
    fn a_replayed_share_is_counted() {
        let share = shares(LOG).remove("lib003").unwrap();
        let log = format!("{}{}", share.output, share.counted("lib003"));
        let counts = super::super::parse::parse_nextest(&log);
        assert_eq!((counts.passed, counts.failed), (0, 1), "{log}");
        assert_eq!(counts.failures, vec!["lib003 tests::adds".to_owned()]);
    }

    #[test]
    fn the_filterset_leaves_out_the_replayed_binaries() {
        assert_eq!(exclusion(std::iter::empty()), None);
        assert_eq!(
            exclusion(["lib000", "app::bin/app"].into_iter()).as_deref(),
            Some("not (binary_id(=lib000) | binary_id(=app::bin/app))")
        );
    }
}
