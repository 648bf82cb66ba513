//! The watch over a running test suite: one test that never ends is stopped at
//! `[tests] test-timeout` ([`TestClock`]) and named. On stable Rust, libtest tells who is
//! running only in three ways, and the clock reads all three from the output as it is
//! written:
//!
//! - `test NAME has been running for over 60 seconds`: NAME started 60 s before the line;
//! - with one test thread, `test NAME ... ` is printed when NAME starts;
//! - otherwise a test is named only when it ends. But a new test starts only when another
//!   ends, so when no result has come from a binary for the whole limit, every test it is
//!   still running started before that: each ran past the limit. The gate then asks the
//!   binary for its tests (`--list`): those not yet reported, the first as many as run at once
//!   (libtest starts them in that order), are the ones that ran past it.
//!
//! So a limit is enforced to within a poll when no other test of the binary keeps ending;
//! while others do, a test is named by libtest at 60 s and stopped at its limit or at 60 s,
//! whichever is later. The whole run is stopped (a group kill ends cargo and the test binary
//! together); the tests not run yet are counted as not run. Under nextest, nextest's own
//! `slow-timeout` is set to the limit (a tool config; the repository's `.config/nextest.toml`
//! wins where it sets one), and its `SLOW [> Ns] NAME` lines keep the same clock.

use super::model::{OverLimit, Runner};
use super::parse::nextest_status;
use std::collections::HashSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// libtest's warning about a test still running: `test NAME has been running for over N
/// seconds` (N is 60 in every libtest so far).
fn libtest_still_running(line: &str) -> Option<(&str, Duration)> {
    let rest = line.strip_prefix("test ")?;
    let (name, tail) = rest.split_once(" has been running for over ")?;
    let secs: u64 = tail.strip_suffix(" seconds")?.trim().parse().ok()?;
    Some((name, Duration::from_secs(secs)))
}

/// A libtest result line, `test NAME ... RESULT`: the name (without ` - should panic`) and the
/// result (empty while a single-threaded run is still running it).
fn libtest_result(line: &str) -> Option<(&str, &str)> {
    let rest = line.strip_prefix("test ")?;
    let (name, result) = rest
        .split_once(" ... ")
        .or_else(|| rest.strip_suffix(" ...").map(|name| (name, "")))?;
    let name = name.strip_suffix(" - should panic").unwrap_or(name);
    Some((name, result.trim()))
}

/// The test binary being watched: what libtest (or nextest) has said about its tests.
#[derive(Debug, Default)]
struct Binary {
    /// As cargo names it (`tests/hang.rs`).
    name: String,
    /// Its executable, from cargo's `Running … (PATH)` line.
    path: Option<PathBuf>,
    /// While the binary owes results (after `running N tests`): when a test last could have
    /// started (that line, or the last result).
    owed_since: Option<Instant>,
    /// The tests that reported a result.
    reported: HashSet<String>,
    /// Tests the runner said are running, with when each started.
    running: Vec<(String, Instant)>,
}

/// Watches a test run's output as it is written and says when a test has run past the
/// per-test limit (see the module documentation for what stable Rust lets it see).
#[derive(Debug)]
pub struct TestClock {
    limit: Duration,
    runner: Runner,
    root: PathBuf,
    /// How many tests a libtest binary runs at once (`RUST_TEST_THREADS`, else the CPUs).
    threads: usize,
    /// The line being written, and when it was first seen.
    partial: Vec<u8>,
    partial_since: Option<Instant>,
    /// A line too long to be one of the runner's is skipped to its end.
    overlong: bool,
    binary: Binary,
    /// Set when the limit was reached.
    pub over_limit: Option<OverLimit>,
}

impl TestClock {
    /// A clock for a run of `runner` in `root`.
    pub fn new(limit: Duration, runner: Runner, root: PathBuf) -> TestClock {
        let threads = std::env::var("RUST_TEST_THREADS")
            .ok()
            .and_then(|t| t.trim().parse().ok())
            .filter(|&t: &usize| t > 0)
            .or_else(|| std::thread::available_parallelism().ok().map(usize::from))
            .unwrap_or(1);
        TestClock {
            limit,
            runner,
            root,
            threads,
            partial: Vec::new(),
            partial_since: None,
            overlong: false,
            binary: Binary::default(),
            over_limit: None,
        }
    }

    /// Takes what the run wrote since the last call; returns why to stop it, once a test has
    /// run past the limit.
    pub fn watch(&mut self, new: &[u8], now: Instant) -> Option<String> {
        const LONGEST_LINE: usize = 64 * 1024;
        let mut rest = new;
        while let Some(end) = memchr::memchr(b'\n', rest) {
            self.partial.extend_from_slice(&rest[..end]);
            rest = &rest[end + 1..];
            let line = std::mem::take(&mut self.partial);
            if !std::mem::take(&mut self.overlong) {
                self.line(&String::from_utf8_lossy(&line), now);
            }
            self.partial_since = None;
        }
        self.partial.extend_from_slice(rest);
        if self.partial.len() > LONGEST_LINE {
            self.partial.clear();
            self.overlong = true;
        }
        if self.partial.is_empty() {
            self.partial_since = None;
        } else if self.partial_since.is_none() {
            self.partial_since = Some(now);
        }
        self.check(now)
    }

    fn line(&mut self, raw: &str, now: Instant) {
        let line = raw.trim();
        if self.runner == Runner::Nextest {
            if let Some((status, bracket, name)) = nextest_status(line) {
                self.nextest(status, bracket, name, now);
            }
            return;
        }
        if let Some(rest) = super::parse::cargo_running(raw) {
            // "Running unittests src/lib.rs (target/debug/deps/app-1234)"
            let (name, path) = match rest.rsplit_once(" (") {
                Some((name, path)) => (name, path.strip_suffix(')')),
                None => (rest, None),
            };
            self.binary = Binary {
                name: name.to_owned(),
                path: path.map(|p| self.root.join(p)),
                ..Binary::default()
            };
        } else if let Some(rest) = line.strip_prefix("Doc-tests ") {
            self.binary = Binary {
                name: format!("doctests {rest}"),
                ..Binary::default()
            };
        } else if line.starts_with("running ")
            && (line.ends_with(" tests") || line.ends_with(" test"))
        {
            self.binary.owed_since = Some(now);
        } else if line.starts_with("test result: ") {
            self.binary.owed_since = None;
            self.binary.running.clear();
        } else if let Some((name, after)) = libtest_still_running(line) {
            if !self.binary.running.iter().any(|(n, _)| n == name) {
                let started = now.checked_sub(after).unwrap_or(now);
                self.binary.running.push((name.to_owned(), started));
            }
        } else if let Some((name, result)) = libtest_result(line)
            && !result.is_empty()
        {
            self.binary.running.retain(|(n, _)| n != name);
            self.binary.reported.insert(name.to_owned());
            if self.binary.owed_since.is_some() {
                self.binary.owed_since = Some(now);
            }
        }
    }

    fn nextest(&mut self, status: &str, bracket: &str, name: &str, now: Instant) {
        match status {
            // "SLOW [> 60.000s] (───) app tests::spins": running that long.
            "SLOW" => {
                let secs = bracket
                    .trim_start_matches('>')
                    .trim()
                    .trim_end_matches('s')
                    .parse::<f64>()
                    .ok()
                    .and_then(|s| Duration::try_from_secs_f64(s).ok())
                    .unwrap_or_default();
                let started = now.checked_sub(secs).unwrap_or(now);
                match self.binary.running.iter_mut().find(|(n, _)| n == name) {
                    Some((_, since)) => *since = (*since).min(started),
                    None => self.binary.running.push((name.to_owned(), started)),
                }
            }
            "START" | "TERMINATING" | "RETRY" | "TRY" => {}
            _ => self.binary.running.retain(|(n, _)| n != name),
        }
    }

    fn check(&mut self, now: Instant) -> Option<String> {
        if self.over_limit.is_some() {
            return None;
        }
        let past = |since: Instant| now.saturating_duration_since(since) >= self.limit;
        let mut over: Vec<String> = self
            .binary
            .running
            .iter()
            .filter(|(_, since)| past(*since))
            .map(|(name, _)| name.clone())
            .collect();
        if self.runner == Runner::CargoTest && self.binary.owed_since.is_some() {
            // One test thread: `test NAME ... ` is printed as NAME starts.
            let partial = String::from_utf8_lossy(&self.partial);
            let starting = match libtest_result(partial.trim()) {
                Some((name, "")) => self.partial_since.map(|since| (name.to_owned(), since)),
                _ => None,
            };
            if let Some((name, since)) = &starting
                && past(*since)
                && !over.contains(name)
            {
                over.push(name.clone());
            }
            // No result for the whole limit: every test still running started before it.
            if over.is_empty() && self.binary.owed_since.is_some_and(past) {
                over = self.binary.running.iter().map(|(n, _)| n.clone()).collect();
                over.extend(starting.map(|(name, _)| name));
                if over.is_empty() {
                    over = self.still_running();
                }
                return Some(self.stop(over));
            }
        }
        if over.is_empty() {
            return None;
        }
        Some(self.stop(over))
    }

    /// The binary's tests that have not reported, the first `threads` of them (libtest starts
    /// them in the order it lists them): the ones it is running. Empty when it cannot say.
    fn still_running(&self) -> Vec<String> {
        let Some(path) = &self.binary.path else {
            return Vec::new();
        };
        let mut cmd = std::process::Command::new(path);
        cmd.args(["--list", "--format", "terse"])
            .current_dir(&self.root);
        let Ok(out) = crate::tools::process::output_for(cmd, Duration::from_secs(30)) else {
            return Vec::new();
        };
        if !out.status.success() {
            return Vec::new();
        }
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| {
                l.strip_suffix(": test")
                    .or_else(|| l.strip_suffix(": bench"))
            })
            .filter(|name| !self.binary.reported.contains(*name))
            .take(self.threads)
            .map(str::to_owned)
            .collect()
    }

    fn stop(&mut self, tests: Vec<String>) -> String {
        let over = OverLimit {
            limit: humantime::format_duration(self.limit).to_string(),
            binary: self.binary.name.clone(),
            tests,
        };
        let what = match over.tests.as_slice() {
            [] => format!("a test{}", over.of_binary()),
            [one] => format!("test `{one}`"),
            many => format!("tests {}", many.join(", ")),
        };
        let why = format!(
            "{what} ran past the per-test limit of {} (`[tests] test-timeout`); the run was \
             stopped with its child processes",
            over.limit
        );
        self.over_limit = Some(over);
        why
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `clock` the lines at `at` seconds after `t0`; what it says.
    fn feed(clock: &mut TestClock, t0: Instant, at: u64, text: &str) -> Option<String> {
        clock.watch(text.as_bytes(), t0 + Duration::from_secs(at))
    }

    fn tick(clock: &mut TestClock, t0: Instant, at_ms: u64) -> Option<String> {
        clock.watch(b"", t0 + Duration::from_millis(at_ms))
    }

    /// While other tests keep ending, a hung test is named by libtest at 60 s and stopped at
    /// its limit, counted from 60 s before that line.
    #[test]
    fn a_test_libtest_names_is_stopped_at_its_limit_while_others_end() {
        let t0 = Instant::now();
        let mut clock = TestClock::new(
            Duration::from_secs(300),
            Runner::CargoTest,
            PathBuf::from("/w"),
        );
        let start = "     Running tests/hang.rs (target/debug/deps/hang-1)\n\nrunning 9 tests\ntest a ... ok\n";
        assert_eq!(feed(&mut clock, t0, 0, start), None);
        assert_eq!(
            feed(
                &mut clock,
                t0,
                70,
                "test spins has been running for over 60 seconds\n"
            ),
            None
        );
        // Results keep coming: no stall, only the named test's own clock counts.
        for at in (100..=300).step_by(50) {
            assert_eq!(
                feed(&mut clock, t0, at, &format!("test t{at} ... ok\n")),
                None
            );
        }
        assert_eq!(tick(&mut clock, t0, 309_000), None);
        let why = tick(&mut clock, t0, 310_100).expect("stopped at 10 s + 300 s");
        assert!(
            why.starts_with("test `spins` ran past the per-test limit of 5m"),
            "{why}"
        );
        let over = clock.over_limit.clone().unwrap();
        assert_eq!(
            (over.binary.as_str(), over.tests.as_slice()),
            ("tests/hang.rs", &["spins".to_owned()][..])
        );
        // Said once.
        assert_eq!(tick(&mut clock, t0, 400_000), None);
    }

    /// A test that ended is forgotten, and a binary that printed its result owes nothing.
    #[test]
    fn tests_that_end_and_binaries_that_finish_are_not_stopped() {
        let t0 = Instant::now();
        let mut clock = TestClock::new(
            Duration::from_secs(90),
            Runner::CargoTest,
            PathBuf::from("/w"),
        );
        let text = "     Running unittests src/lib.rs (target/debug/deps/app-1)\n\nrunning 2 tests\ntest slow has been running for over 60 seconds\n";
        assert_eq!(feed(&mut clock, t0, 60, text), None);
        assert_eq!(
            feed(
                &mut clock,
                t0,
                80,
                "test slow ... ok\ntest quick ... ok\n\ntest result: ok. 2 passed; 0 failed\n\n"
            ),
            None
        );
        // Then cargo builds or starts the next binary for a long while.
        assert_eq!(tick(&mut clock, t0, 1_000_000), None);
        assert!(clock.over_limit.is_none());
    }

    /// With one test thread libtest prints `test NAME ... ` as NAME starts: any limit holds.
    #[test]
    fn one_test_thread_names_the_running_test_at_any_limit() {
        let t0 = Instant::now();
        let mut clock = TestClock::new(
            Duration::from_secs(2),
            Runner::CargoTest,
            PathBuf::from("/w"),
        );
        let text = "     Running tests/hang.rs (target/debug/deps/hang-1)\n\nrunning 2 tests\ntest a ... ok\n";
        assert_eq!(feed(&mut clock, t0, 0, text), None);
        assert_eq!(feed(&mut clock, t0, 0, "test b_hangs ... "), None);
        assert_eq!(tick(&mut clock, t0, 1_900), None);
        let why = tick(&mut clock, t0, 2_000).expect("stopped 2 s after it started");
        assert!(why.starts_with("test `b_hangs` ran past"), "{why}");
    }

    /// No result for the whole limit: the binary is asked for its tests, and the one that
    /// never reported is named (here a script stands in for the test binary's `--list`).
    #[cfg(unix)]
    #[test]
    fn a_stall_names_the_tests_that_never_reported() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let lister = dir.path().join("hang-1");
        std::fs::write(
            &lister,
            "#!/bin/sh\n[ \"$1 $2 $3\" = '--list --format terse' ] || exit 3\nprintf 'a: test\\nb_hangs: test\\nc: test\\nd: test\\n'\n",
        )
        .unwrap();
        std::fs::set_permissions(&lister, std::fs::Permissions::from_mode(0o755)).unwrap();
        let t0 = Instant::now();
        let mut clock = TestClock::new(
            Duration::from_secs(2),
            Runner::CargoTest,
            dir.path().to_owned(),
        );
        clock.threads = 2;
        let text = "     Running tests/hang.rs (hang-1)\n\nrunning 4 tests\ntest a ... ok\n";
        assert_eq!(feed(&mut clock, t0, 0, text), None);
        assert_eq!(
            feed(&mut clock, t0, 1, "test c ... ok\ntest d ... ok\n"),
            None
        );
        assert_eq!(tick(&mut clock, t0, 2_900), None);
        let why = tick(&mut clock, t0, 3_000).expect("2 s without a result");
        assert!(
            why.starts_with("test `b_hangs` ran past the per-test limit of 2s"),
            "{why}"
        );
        assert_eq!(clock.over_limit.unwrap().tests, ["b_hangs"]);
    }

    /// nextest's `SLOW [> Ns]` lines keep the same clock (a repository whose nextest.toml sets
    /// its own slow-timeout without terminating).
    #[test]
    fn nextest_slow_lines_keep_the_clock() {
        let t0 = Instant::now();
        let mut clock = TestClock::new(
            Duration::from_secs(90),
            Runner::Nextest,
            PathBuf::from("/w"),
        );
        assert_eq!(
            feed(
                &mut clock,
                t0,
                60,
                "        SLOW [> 60.000s] (───) app tests::done\n        SLOW [> 60.000s] (───) app tests::spins\n"
            ),
            None
        );
        assert_eq!(
            feed(
                &mut clock,
                t0,
                70,
                "        PASS [  70.000s] (1/2) app tests::done\n"
            ),
            None
        );
        assert_eq!(tick(&mut clock, t0, 89_000), None);
        let why = tick(&mut clock, t0, 90_000).expect("stopped");
        assert!(
            why.starts_with("test `app tests::spins` ran past the per-test limit of 1m 30s"),
            "{why}"
        );
        assert_eq!(clock.over_limit.unwrap().binary, "");
    }
}
