//! The gate cannot hang and never mistakes "unavailable" for "not applicable": team checks
//! whose commands leave children behind or ignore SIGTERM end at their limit, Ctrl-C ends a
//! run with nothing recorded, a missing git is an unavailable SKIP, untracked build inputs
//! make the tree dirty, and a test binary that exits mid-run fails tests.pass.

use crate::support::fixture;
use std::path::Path;
use std::time::{Duration, Instant};

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
fn ctrl_c_ends_the_run_and_its_commands_and_records_nothing() {
    let fx = fixture("clean");
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
    while !pidfile.is_file() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(50));
    }
    let pid = std::fs::read_to_string(&pidfile).unwrap().trim().to_owned();
    let interrupted = Instant::now();
    let kill = std::process::Command::new("kill")
        .args(["-INT", &gate.id().to_string()])
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
    assert!(runs.is_empty(), "{runs:?}");
    assert_eq!(fx.history_len(), 0);
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
        assert_eq!(run.code, 2, "{}", run.transcript());
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
