//! The gate cannot hang and never mistakes "unavailable" for "not applicable": team checks
//! whose commands leave children behind or ignore SIGTERM end at their limit, Ctrl-C ends a
//! run with nothing recorded, a missing git is an unavailable SKIP, untracked build inputs
//! make the tree dirty, a test binary that exits mid-run fails tests.pass, a test that never
//! ends is stopped at `[tests] test-timeout` and named, and `kill -9` of the gate leaves no
//! test process behind.

use crate::support::fixture;
#[cfg(unix)]
use std::path::Path;
use std::time::{Duration, Instant};

#[cfg(unix)]
const TEAM_CHECKS: &str = r#"[policy]
profile = "portable"

[[check]]
id = "team.leaves-child"
stage = "pilot"
# The shell exits at once; its child keeps stdout open for a minute.
run = ["sh", "-c", "sleep 60 & echo started"]
timeout = "2s"

[[check]]
id = "team.ignores-term"
stage = "pilot"
run = ["sh", "-c", "trap '' TERM; sleep 60"]
timeout = "2s"
"#;

/// A passing test that leaves a process holding its output open (a server it started)
/// kept the runner reading until the whole run's limit, which then failed a suite that had
/// passed (bootandy/dust, in the hostile trial: 61 s against plain `cargo test`'s 1 s). The
/// output is read while it flows and stops a moment after the binary exits.
#[cfg(unix)]
#[test]
fn a_test_that_leaves_its_output_held_open_does_not_hold_the_run() {
    let fx = fixture("clean");
    let lib = std::fs::read_to_string(fx.root.join("src/lib.rs")).unwrap();
    fx.write(
        "src/lib.rs",
        &format!(
            "{lib}\n#[test]\nfn leaves_a_process_behind() {{\n    \
             std::process::Command::new(\"sh\").args([\"-c\", \"sleep 60\"]).spawn().unwrap();\n}}\n"
        ),
    )
    .write("gate.toml", "[tests]\ntimeout = \"40s\"\n")
    .commit();
    let started = Instant::now();
    let run = fx.gate(&["pilot", "--only", "tests.pass", "--no-cache"]);
    let took = started.elapsed();
    assert!(
        run.stdout.contains("PASS    tests.pass"),
        "{}",
        run.transcript()
    );
    assert!(
        took < Duration::from_secs(30),
        "{took:?}: {}",
        run.transcript()
    );
}

/// A passing test that leaves a process in a session of its own, deaf to SIGTERM (the
/// fifteenth session's hostile trial: it held the gate's output lock, and under nextest the
/// gate's stdout, for as long as it lived): out of every process group the gate kills, it
/// still ends with the run, because its orphans become the gate's (Linux).
#[cfg(target_os = "linux")]
#[test]
#[expect(clippy::print_stdout, reason = "a skipped test says why")]
fn a_process_a_test_detaches_ends_with_the_run() {
    if std::process::Command::new("setsid")
        .arg("true")
        .status()
        .is_err()
    {
        println!("skipped: no setsid here");
        return;
    }
    let pids = tempfile::tempdir().unwrap();
    let pidfile = pids.path().join("detached");
    let fx = fixture("clean");
    let lib = std::fs::read_to_string(fx.root.join("src/lib.rs")).unwrap();
    fx.write(
        "src/lib.rs",
        &format!(
            "{lib}\n#[test]\nfn detaches_a_process() {{\n    \
             std::process::Command::new(\"setsid\").args([\"sh\", \"-c\", \"echo $$ > {}; trap '' TERM; exec sleep 300\"])\
             .stdin(std::process::Stdio::null()).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null())\
             .spawn().unwrap();\n    \
             std::thread::sleep(std::time::Duration::from_millis(200));\n}}\n",
            pidfile.display()
        ),
    )
    .commit();
    let run = fx.gate(&["pilot", "--only", "tests.pass", "--no-cache"]);
    assert!(
        run.stdout.contains("PASS    tests.pass"),
        "{}",
        run.transcript()
    );
    let pid = std::fs::read_to_string(&pidfile).unwrap();
    let alive = || {
        std::path::Path::new(&format!("/proc/{}", pid.trim())).exists()
            && state_and_group(pid.trim()).is_some_and(|(state, _)| state != "Z")
    };
    assert!(
        within(Duration::from_secs(5), || !alive()),
        "the detached process {} outlived the run",
        pid.trim()
    );
}

#[cfg(unix)]
#[test]
fn team_checks_end_at_their_limit_with_their_children() {
    let fx = fixture("clean");
    fx.write("gate.toml", TEAM_CHECKS).commit();
    let started = Instant::now();
    let run = fx.gate(&[
        "pilot",
        "--only",
        "team.leaves-child",
        "--only",
        "team.ignores-term",
    ]);
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(8),
        "{took:?}: {}",
        run.transcript()
    );
    assert!(
        run.stdout.contains("PASS    team.leaves-child"),
        "{}",
        run.transcript()
    );
    assert!(
        run.stdout
            .contains("`sh -c trap '' TERM; sleep 60` ran past its time limit of 2s"),
        "{}",
        run.transcript()
    );
}

/// Waits for `child` at most `limit`; its exit code, or `None` when it is still running.
#[cfg(unix)]
fn wait_at_most(child: &mut std::process::Child, limit: Duration) -> Option<i32> {
    let until = Instant::now() + limit;
    while Instant::now() < until {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    None
}

#[cfg(unix)]
#[test]
fn ctrl_c_and_sigterm_end_the_run_and_its_commands_and_record_nothing() {
    for signal in ["-INT", "-TERM"] {
        interrupted_by(signal);
    }
}

#[cfg(unix)]
fn interrupted_by(signal: &str) {
    let fx = fixture("clean");
    // A record before the interrupted run: it stays exactly as it was.
    assert_eq!(fx.gate(&["pilot", "--only", "config.valid"]).code, 0);
    let history_before = std::fs::read(fx.out().join("history.jsonl")).unwrap();
    let runs_before = std::fs::read_dir(fx.out().join("runs")).unwrap().count();
    let pidfile = fx.root.join("sleeper.pid");
    fx.write(
        "gate.toml",
        &format!(
            "[[check]]\nid = \"team.long\"\nstage = \"pilot\"\nrun = [\"sh\", \"-c\", \"echo $$ > {}; exec sleep 120\"]\ntimeout = \"5m\"\n",
            pidfile.display()
        ),
    )
    .commit();
    let mut gate = fx
        .command(&["pilot", "--only", "team.long"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let until = Instant::now() + Duration::from_secs(20);
    // `echo $$ > file` creates the file before it writes the number: wait for a whole line
    // (an empty read would make the liveness check below read `/proc//stat`).
    let read_pid = || {
        std::fs::read_to_string(&pidfile)
            .ok()
            .filter(|p| p.ends_with('\n'))
            .map(|p| p.trim().to_owned())
            .filter(|p| p.parse::<u32>().is_ok())
    };
    while read_pid().is_none() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(50));
    }
    let pid = read_pid().expect("the team check wrote its pid");
    let interrupted = Instant::now();
    let kill = std::process::Command::new("kill")
        .args([signal, &gate.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let code = wait_at_most(&mut gate, Duration::from_secs(10));
    assert!(
        interrupted.elapsed() < Duration::from_secs(3),
        "{:?}",
        interrupted.elapsed()
    );
    assert_eq!(code, Some(2));
    let mut stderr = String::new();
    std::io::Read::read_to_string(gate.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert!(stderr.contains("interrupted"), "{stderr}");
    // The team check's process is gone, and no run directory (finished or temporary) is left.
    let alive = Path::new("/proc").join(&pid).join("stat");
    let state = std::fs::read_to_string(alive).unwrap_or_default();
    assert!(
        state.is_empty() || state.contains(") Z"),
        "{pid} still runs: {state}"
    );
    let runs: Vec<_> = std::fs::read_dir(fx.out().join("runs"))
        .map(|d| d.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert_eq!(runs.len(), runs_before, "{signal}: {runs:?}");
    let history_after = std::fs::read(fx.out().join("history.jsonl")).unwrap();
    assert_eq!(history_after, history_before, "{signal}");
}

/// A directory holding links to cargo, rustc and rustup only: a PATH without git.
#[cfg(unix)]
fn path_without_git(dir: &Path) -> std::ffi::OsString {
    for tool in ["cargo", "rustc", "rustup"] {
        let found = std::process::Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .unwrap();
        let found = String::from_utf8(found.stdout).unwrap();
        if !found.trim().is_empty() {
            std::os::unix::fs::symlink(found.trim(), dir.join(tool)).unwrap();
        }
    }
    dir.as_os_str().to_owned()
}

#[cfg(unix)]
#[test]
fn a_missing_git_is_unavailable_not_not_applicable() {
    let fx = fixture("clean");
    let bin = tempfile::tempdir().unwrap();
    let run = crate::support::run({
        let mut cmd = fx.command(&["pilot", "--only", "lockfile.locked"]);
        cmd.env("PATH", path_without_git(bin.path()));
        cmd
    });
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(
        run.stdout.contains(
            "whether Cargo.lock is tracked cannot be told: this is a git work tree, but git is not on PATH"
        ),
        "{}",
        run.transcript()
    );
    assert!(
        !run.stdout.contains("not a git work tree"),
        "{}",
        run.transcript()
    );
}

#[test]
fn an_untracked_toolchain_file_makes_the_tree_dirty() {
    let fx = fixture("clean");
    let dirty = |fx: &crate::support::Fixture| -> serde_json::Value {
        let run = fx.gate(&["pilot", "--only", "lockfile.locked"]);
        assert_eq!(run.code, 0, "{}", run.transcript());
        let history = std::fs::read_to_string(fx.out().join("history.jsonl")).unwrap();
        let last: serde_json::Value =
            serde_json::from_str(history.lines().last().unwrap()).unwrap();
        last["dirty"].clone()
    };
    fx.write("NOTES.txt", "scratch, untracked");
    assert_eq!(dirty(&fx), false);
    let toolchain = std::process::Command::new("rustc")
        .arg("--version")
        .output()
        .unwrap();
    let version = String::from_utf8(toolchain.stdout).unwrap();
    let version = version.split_whitespace().nth(1).unwrap().to_owned();
    fx.write(
        "rust-toolchain.toml",
        &format!("[toolchain]\nchannel = \"{version}\"\n"),
    );
    assert_eq!(dirty(&fx), true);
}

#[test]
fn a_test_binary_that_exits_mid_run_fails_tests_pass() {
    let fx = fixture("clean");
    fx.write(
        "tests/exits.rs",
        "#[test]\nfn leaves_early() {\n    std::process::exit(0);\n}\n",
    )
    .commit();
    let run = fx.gate(&["pilot", "--only", "tests.pass"]);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.stdout
            .contains("test binary tests/exits.rs exited before printing its result"),
        "{}",
        run.transcript()
    );
}

/// A test file whose `never_ends` writes its pid where `GATE_TEST_PID_FILE` says, then sleeps
/// for ever; `ends` passes. (The tests that use it read `/proc`: Linux only.)
#[cfg(target_os = "linux")]
const NEVER_ENDS: &str = r#"#[test]
fn ends() {}

#[test]
fn never_ends() {
    if let Some(file) = std::env::var_os("GATE_TEST_PID_FILE") {
        std::fs::write(file, std::process::id().to_string()).unwrap();
    }
    loop {
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
}
"#;

/// `/proc/PID/stat`'s state and process group, while the process exists.
#[cfg(target_os = "linux")]
fn state_and_group(pid: &str) -> Option<(String, String)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace();
    let state = fields.next()?.to_owned();
    let _ppid = fields.next()?;
    Some((state, fields.next()?.to_owned()))
}

/// The processes (zombies aside) of process group `pgid`.
#[cfg(target_os = "linux")]
fn group_members(pgid: &str) -> Vec<String> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|pid| pid.chars().all(|c| c.is_ascii_digit()))
        .filter(|pid| {
            state_and_group(pid).is_some_and(|(state, group)| group == pgid && state != "Z")
        })
        .collect()
}

/// The running watchdogs of the gate process `gate` (`/bin/sh … cargo-gate-watchdog GATE`).
#[cfg(target_os = "linux")]
fn watchdogs_of(gate: u32) -> Vec<String> {
    let marker = format!("\0cargo-gate-watchdog\0{gate}\0");
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).contains(&marker))
                && state_and_group(pid).is_some_and(|(state, _)| state != "Z")
        })
        .collect()
}

/// Waits up to `limit` for `done`.
#[cfg(target_os = "linux")]
fn within(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let until = Instant::now() + limit;
    while Instant::now() < until {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    done()
}

/// A test that never ends is stopped at `[tests] test-timeout` (far below libtest's 60 s
/// warning: no result came from its binary for the whole limit, so the gate asked the binary
/// which test had not reported), named with its binary, the limit and the setting; its
/// process is gone, the gate's watchdog ended with the gate, and the failure is kept: the
/// same inputs reuse it instead of waiting again.
#[cfg(target_os = "linux")]
#[test]
fn a_test_that_never_ends_is_stopped_at_the_per_test_limit_and_named() {
    let fx = fixture("clean");
    fx.write(
        "gate.toml",
        // The whole run's limit only bounds this test should the per-test one not hold.
        "[policy]\nprofile = \"portable\"\n\n[tests]\ntest-timeout = \"2s\"\ntimeout = \"90s\"\n",
    )
    .write("tests/hangs.rs", NEVER_ENDS)
    .commit();
    let pidfile = tempfile::tempdir().unwrap();
    let pidfile = pidfile.path().join("pid");
    let started = Instant::now();
    let gate = fx
        .command(&["pilot", "--only", "tests.pass"])
        .env("GATE_TEST_PID_FILE", &pidfile)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let gate_pid = gate.id();
    let out = gate.wait_with_output().unwrap();
    let took = started.elapsed();
    let run = crate::support::Run {
        code: out.status.code().unwrap(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    };
    assert_eq!(run.code, 1, "{}", run.transcript());
    let named = "test `never_ends` (tests/hangs.rs) ran past the per-test limit of 2s";
    assert!(run.stdout.contains(named), "{}", run.transcript());
    assert!(
        run.stdout
            .contains("raise `[tests] test-timeout` in gate.toml"),
        "{}",
        run.transcript()
    );
    // Stopped by the gate's own clock, long before libtest's 60-second line.
    let runs = std::fs::read_dir(fx.out().join("runs")).unwrap();
    let logs: Vec<String> = runs
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path().join("logs/tests.log")).ok())
        .collect();
    assert_eq!(logs.len(), 1, "{took:?}");
    assert!(logs[0].contains("test ends ... ok"), "{}", logs[0]);
    assert!(
        !logs[0].contains("has been running for over"),
        "{}",
        logs[0]
    );
    let pid = std::fs::read_to_string(&pidfile).unwrap();
    assert!(
        state_and_group(&pid).is_none_or(|(state, _)| state == "Z"),
        "the test {pid} still runs"
    );
    assert!(
        within(Duration::from_secs(3), || watchdogs_of(gate_pid).is_empty()),
        "the watchdog of gate {gate_pid} outlived it: {:?}",
        watchdogs_of(gate_pid)
    );
    let json: serde_json::Value = {
        // The same inputs (the variable is one of them: `GATE_*` reaches the key).
        let again = crate::support::run({
            let mut cmd = fx.command(&["pilot", "--only", "tests.pass", "--format", "json"]);
            cmd.env("GATE_TEST_PID_FILE", &pidfile);
            cmd
        });
        assert_eq!(again.code, 1, "{}", again.transcript());
        again.json()
    };
    let check = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "tests.pass")
        .unwrap()
        .clone();
    assert_eq!(check["reused"][0]["fact"], "tests", "{check:#}");
    assert_eq!(check["findings"][0]["code"], "test-timeout", "{check:#}");
    assert_eq!(check["findings"][0]["subject"], "never_ends", "{check:#}");
}

/// Whatever a failing test leaves: the gate, and the test run's process group.
#[cfg(target_os = "linux")]
struct Leftovers {
    gate: std::process::Child,
    group: Option<String>,
}

#[cfg(target_os = "linux")]
impl Drop for Leftovers {
    fn drop(&mut self) {
        let _ = self.gate.kill();
        let _ = self.gate.wait();
        if let Some(group) = &self.group {
            let _ = std::process::Command::new("kill")
                .args(["-s", "KILL", "--", &format!("-{group}")])
                .status();
        }
    }
}

/// `kill -9` of the gate while a test runs: within a few seconds nothing of the test run's
/// process group (cargo, the test binary) is left, and the watchdog that ended it is gone too.
/// What the run wrote for itself (the per-binary plan) is inside the unfinished record, not in
/// the system's temp directory, and the next run of the gate removes it.
#[cfg(target_os = "linux")]
#[test]
fn kill_9_of_the_gate_leaves_no_test_process_behind() {
    let fx = fixture("clean");
    fx.write("tests/hangs.rs", NEVER_ENDS).commit();
    let pidfile = tempfile::tempdir().unwrap();
    let temp = tempfile::tempdir().unwrap();
    let pidfile = pidfile.path().join("pid");
    let mut run = Leftovers {
        gate: fx
            .command(&["pilot", "--only", "tests.pass"])
            .env("GATE_TEST_PID_FILE", &pidfile)
            .env("TMPDIR", temp.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
        group: None,
    };
    let gate_pid = run.gate.id();
    let written = within(Duration::from_secs(240), || {
        std::fs::read_to_string(&pidfile).is_ok_and(|p| !p.is_empty())
    });
    assert!(written, "the test never started");
    let pid = std::fs::read_to_string(&pidfile).unwrap();
    let (_, group) = state_and_group(&pid).expect("the test runs");
    run.group = Some(group.clone());
    let watched = watchdogs_of(gate_pid);
    run.gate.kill().unwrap();
    run.gate.wait().unwrap();
    assert!(
        within(Duration::from_secs(5), || group_members(&group).is_empty()),
        "left after kill -9 of the gate: {:?}",
        group_members(&group)
    );
    assert_eq!(watched.len(), 1, "{watched:?}");
    assert!(
        within(Duration::from_secs(5), || watchdogs_of(gate_pid).is_empty()),
        "the watchdog of gate {gate_pid} outlived its work"
    );
    let in_temp: Vec<_> = std::fs::read_dir(temp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().starts_with("cargo-gate"))
        .collect();
    assert!(
        in_temp.is_empty(),
        "left in the temp directory: {in_temp:?}"
    );
    let unfinished = |what: &str| -> Vec<std::path::PathBuf> {
        std::fs::read_dir(fx.out().join("runs"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with(".tmp-")
            })
            .flat_map(|p| std::fs::read_dir(p).into_iter().flatten())
            .map(|e| e.unwrap().path())
            .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(what))
            .collect()
    };
    assert_eq!(
        unfinished(".scratch-tests-").len(),
        1,
        "the plan of the killed run"
    );
    let next = fx.gate(&["pilot", "--only", "config.valid"]);
    assert!(next.code != 2, "{}", next.transcript());
    assert!(unfinished("").is_empty(), "{:?}", unfinished(""));
}

#[test]
fn a_per_test_limit_that_is_no_duration_is_refused_where_it_is_written() {
    let fx = fixture("clean");
    for (value, error) in [
        ("0s", "gate.toml:5:16: `0s` is not a duration"),
        ("2d", "gate.toml:5:16: `2d` is longer than a day"),
    ] {
        fx.write(
            "gate.toml",
            &format!("[policy]\nprofile = \"portable\"\n\n[tests]\ntest-timeout = \"{value}\"\n"),
        );
        let run = fx.gate(&["pilot", "--only", "tests.pass"]);
        assert_eq!(run.code, 2, "{}", run.transcript());
        assert!(run.stderr.contains(error), "{}", run.transcript());
    }
}

/// A build stopped at `[tests] timeout` is not "the workspace does not build": the cause is
/// the limit, named, and the run could not evaluate the tests (exit 2).
#[test]
fn a_build_stopped_at_the_time_limit_says_so() {
    let fx = fixture("clean");
    let manifest = std::fs::read_to_string(fx.root.join("Cargo.toml")).unwrap();
    fx.write(
        "Cargo.toml",
        &manifest.replace("publish = false", "publish = false\nbuild = \"build.rs\""),
    )
    .write(
        "build.rs",
        "fn main() {\n    std::thread::sleep(std::time::Duration::from_secs(120));\n}\n",
    )
    .write(
        "gate.toml",
        "[policy]\nprofile = \"portable\"\n\n[tests]\ntimeout = \"4s\"\n",
    )
    .commit();
    let started = Instant::now();
    let run = fx.gate(&["pilot", "--only", "tests.pass", "--format", "json"]);
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(run.code, 2, "{}", run.transcript());
    let report = run.json();
    let tests = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "tests.pass")
        .unwrap()
        .clone();
    assert_eq!(tests["status"], "SKIP", "{tests:#}");
    let summary = tests["summary"].as_str().unwrap();
    assert!(
        summary.contains("did not finish within the [tests] timeout of 4 s"),
        "{summary}"
    );
    assert!(!summary.contains("does not build"), "{summary}");
}
