//! A test that forges the test runner's plan or its reports (the hostile trial of the twelfth
//! session, on tealdeer and a two-package repro): the runner's plan and result files lie where
//! a test running as the same user can find them (the plan's path is in the runner's command
//! line). What the run printed reaches the gate through a pipe no test can reach back into;
//! a report that contradicts it fails the run, and nothing of that run is kept, so a forged
//! pass neither makes its own commit READY nor outlives it in the cache.

#![cfg(target_os = "linux")]

use crate::fresh_by_content::tests_pass;
use crate::support::fixture;

/// The shared head of a forger: the runner's plan path, from its parent's command line
/// (`cargo-gate __test-runner PLAN BINARY`), or `None` outside the gate.
const FIND_PLAN: &str = r#"
fn plan_path() -> Option<String> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let ppid = stat.rsplit(')').next()?.split_whitespace().nth(1)?.to_owned();
    let cmd = std::fs::read(format!("/proc/{ppid}/cmdline")).ok()?;
    let args: Vec<String> = cmd
        .split(|b| *b == 0)
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect();
    (args.get(1).map(String::as_str) == Some("__test-runner")).then(|| args[2].clone())
}

/// The plan's path and text, under the gate's runner.
fn plan() -> Option<(String, String)> {
    let path = plan_path()?;
    let text = std::fs::read_to_string(&path).ok()?;
    Some((path, text))
}
"#;

/// Rewrites the plan: every binary without a replay gets a forged pass.
const PLAN_FORGER: &str = r#"
#[test]
fn forge() {
    let Some((plan, text)) = plan() else { return };
    let out = "\nrunning 1 test\ntest must_fail ... ok\n\ntest result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s\n\n";
    let replay = format!("\"replay\":{{\"output\":{out:?},\"code\":0,\"signal\":null}}");
    std::fs::write(&plan, text.replace("\"replay\":null", &replay)).unwrap();
}
"#;

/// Rewrites every failed report in the plan's results directory into a pass.
const REPORT_FORGER: &str = r#"
fn forge_reports(text: &str) {
    let results = text.split("\"results\":\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    for entry in std::fs::read_dir(&results).unwrap() {
        let path = entry.unwrap().path();
        let report = std::fs::read_to_string(&path).unwrap();
        if report.contains("\"code\":101") {
            let forged = report.replace("\"code\":101", "\"code\":0").replace("FAILED", "ok");
            std::fs::write(&path, forged).unwrap();
        }
    }
}

#[test]
fn forge() {
    let Some((_, text)) = plan() else { return };
    forge_reports(&text);
}
"#;

/// After [`REPORT_FORGER`] (which it follows in the forger's file), the run's output where
/// the gate reads it, through its parent's stdout (`/proc/<runner>/fd/1`): each
/// `test result: FAILED.` made `ok.` in place (the thirteenth session's hostile trial; the
/// output was a file then, and the forged pass matched it). Positioned reads and writes: a
/// pipe refuses both, and nothing blocks.
const LOG_FORGER: &str = r#"
#[test]
fn forge_the_log() {
    use std::os::unix::fs::FileExt;
    let Some((_, text)) = plan() else { return };
    forge_reports(&text);
    let ppid = std::os::unix::process::parent_id();
    let Ok(log) = std::fs::OpenOptions::new().read(true).write(true).open(format!("/proc/{ppid}/fd/1")) else { return };
    let mut bytes = vec![0u8; 1 << 20];
    let Ok(n) = log.read_at(&mut bytes, 0) else { return };
    let needle = b"test result: FAILED.";
    let mut at = 0;
    while let Some(pos) = bytes[at..n].windows(needle.len()).position(|w| w == needle) {
        let _ = log.write_all_at(b"test result: ok.    ", (at + pos) as u64);
        at += pos + needle.len();
    }
}
"#;

/// Swaps every result file for a FIFO: a read of one blocked the gate past every limit.
const FIFO_FORGER: &str = r#"
#[test]
fn fifos() {
    let Some((_, text)) = plan() else { return };
    let results = text.split("\"results\":\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    for entry in std::fs::read_dir(&results).unwrap() {
        let path = entry.unwrap().path();
        std::fs::remove_file(&path).unwrap();
        let made = std::process::Command::new("mkfifo").arg(&path).status().unwrap();
        assert!(made.success());
    }
}
"#;

/// `tests/z_target.rs`, which fails.
const FAILING: &str = "#[test]\nfn must_fail() {\n    assert_eq!(1 + 1, 3);\n}\n";

/// `tests.pass` fails, with a finding of `code` among its findings.
fn fails_with(fx: &crate::support::Fixture, code: &str) {
    let (exit, check) = tests_pass(fx, &[]);
    assert_eq!((exit, &check["status"]), (1, &"FAIL".into()), "{check:#}");
    assert!(codes(&check).iter().any(|c| c == code), "{check:#}");
}

fn codes(check: &serde_json::Value) -> Vec<String> {
    check["findings"]
        .as_array()
        .map(|fs| {
            fs.iter()
                .filter_map(|f| f["code"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// An earlier binary rewrites the plan so that the failing one is "replayed" with a forged
/// pass: it never ran, and the run printed a pass (READY, on tealdeer, before).
#[test]
fn a_rewritten_plan_fails_the_run() {
    let fx = fixture("clean");
    let forge = format!("{FIND_PLAN}{PLAN_FORGER}");
    fx.write("tests/a_forge.rs", &forge)
        .write("tests/z_target.rs", FAILING)
        .commit();
    fails_with(&fx, "test-run-tampered");
}

/// A later binary rewrites the failing one's report into a pass after it ran: the run failed
/// (its output shows it), and before, the forged pass was kept and replayed on the next
/// commit, where the forger was gone and nothing had changed (READY).
#[test]
fn a_rewritten_report_fails_the_run_and_is_not_kept() {
    let fx = fixture("clean");
    let forge = format!("{FIND_PLAN}{REPORT_FORGER}");
    // `a_target` runs (and fails) before `z_forge`, which rewrites its report.
    fx.write("tests/a_target.rs", FAILING)
        .write("tests/z_forge.rs", &forge)
        .commit();
    fails_with(&fx, "test-run-tampered");
    // The forger gone, the failing test untouched: it runs again, and fails.
    std::fs::remove_file(fx.root.join("tests/z_forge.rs")).unwrap();
    fx.commit();
    fails_with(&fx, "test-failed");
}

/// A later binary rewrites the failing one's report and, in place, the run's output the gate
/// reads (the output was a file a test could reach through `/proc/<runner>/fd/1`): the
/// output now reaches the gate through a pipe, which cannot be rewritten, so the forged pass
/// contradicts it; and on the next commit, the forger gone, the failing test runs and fails
/// (READY before, from the forged pass kept).
#[test]
fn a_rewritten_log_fails_the_run_and_is_not_kept() {
    // The forger in a package of its own, which the failing binary's key does not read: its
    // removal alone leaves that key as it was.
    let fx = fixture("clean");
    let manifest = std::fs::read_to_string(fx.root.join("Cargo.toml")).unwrap();
    let forge = format!("{FIND_PLAN}{REPORT_FORGER}{LOG_FORGER}");
    fx.write(
        "Cargo.toml",
        &manifest.replace("[workspace]", "[workspace]\nmembers = [\"zforger\"]"),
    )
    .write(
        "zforger/Cargo.toml",
        "[package]\nname = \"zforger\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n",
    )
    .write("zforger/src/lib.rs", "")
    .write("zforger/tests/zz.rs", &forge)
    .write("tests/a_target.rs", FAILING);
    fx.relock();
    fx.commit();
    let (exit, check) = tests_pass(&fx, &[]);
    assert_eq!((exit, &check["status"]), (1, &"FAIL".into()), "{check:#}");
    std::fs::remove_file(fx.root.join("zforger/tests/zz.rs")).unwrap();
    fx.commit();
    fails_with(&fx, "test-failed");
}

/// A test that swaps the runner's result files for FIFOs: the gate reads no FIFO (it blocked
/// in `open` past every limit), and a binary that ran and left no readable report is
/// tampering.
#[test]
fn result_files_swapped_for_fifos_neither_hang_nor_pass() {
    let fx = fixture("clean");
    let forge = format!("{FIND_PLAN}{FIFO_FORGER}");
    fx.write("tests/z_fifos.rs", &forge).commit();
    let started = std::time::Instant::now();
    fails_with(&fx, "test-run-tampered");
    assert!(started.elapsed() < std::time::Duration::from_secs(120));
}

/// A test that leaves a sparse 1 GiB file where the gate asks tools to leave their logs
/// (`GATE_RUN_DIR`, the record's `observability/`): read whole it cost the gate gigabytes of
/// memory and the cache as much disk. It leaves the record, and a note says so; the run's
/// verdict is its tests'.
#[test]
fn a_huge_file_left_in_the_run_directory_is_left_out_and_said() {
    let fx = fixture("clean");
    fx.write(
        "tests/sparse.rs",
        "#[test]\nfn leaves_a_hole() {\n    if let Some(dir) = std::env::var_os(\"GATE_RUN_DIR\") {\n        \
         let f = std::fs::File::create(std::path::Path::new(&dir).join(\"decision.log\")).unwrap();\n        \
         f.set_len(1 << 30).unwrap();\n    }\n}\n",
    )
    .commit();
    let (exit, check) = tests_pass(&fx, &[]);
    assert_eq!((exit, &check["status"]), (0, &"PASS".into()), "{check:#}");
    let observed = latest_observability(&fx);
    assert!(!observed.join("decision.log").exists());
    let note = std::fs::read_to_string(observed.join("decision.log.left-out.txt")).unwrap();
    assert!(note.contains("left out"), "{note}");
}

/// Many files each under the cap of one (the fourteenth session's trial left 128 sparse ones
/// of 16 MiB − 1 byte: 6 GB of the gate's memory): all of them together are capped too. The
/// run's verdict is its tests'; what passes the cap leaves the record, said.
#[test]
fn many_files_left_in_the_run_directory_are_capped_together() {
    let fx = fixture("clean");
    fx.write(
        "tests/sparse.rs",
        "#[test]\nfn leaves_holes() {\n    if let Some(dir) = std::env::var_os(\"GATE_RUN_DIR\") {\n        \
         for i in 0..8 {\n            \
         let f = std::fs::File::create(std::path::Path::new(&dir).join(format!(\"stats-{i}.log\"))).unwrap();\n            \
         f.set_len((16 << 20) - 1).unwrap();\n        }\n    }\n}\n",
    )
    .commit();
    let (exit, check) = tests_pass(&fx, &[]);
    assert_eq!((exit, &check["status"]), (0, &"PASS".into()), "{check:#}");
    let observed = latest_observability(&fx);
    let left_out = std::fs::read_dir(&observed)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".left-out.txt"))
        .count();
    assert_eq!(left_out, 4, "8 files of 16 MiB: the first 4 fit in 64 MiB");
}

/// A passing test leaves in the run directory what a record cannot hold: a symbolic link out
/// of it, a FIFO, and a directory chain too deep for a path (the sixteenth session's hostile
/// trial: every run could not evaluate, "fix the permissions"). Each leaves the record with a
/// note beside it; the run passes and its record verifies.
#[cfg(unix)]
#[test]
fn what_a_record_cannot_hold_leaves_the_run_directory_noted() {
    let fx = fixture("clean");
    fx.write(
        "tests/leaves.rs",
        "#[test]\nfn leaves_oddities() {\n    let Some(dir) = std::env::var_os(\"GATE_RUN_DIR\") else { return };\n    \
         let dir = std::path::PathBuf::from(dir);\n    \
         std::os::unix::fs::symlink(\"/etc/hostname\", dir.join(\"out.log\")).unwrap();\n    \
         assert!(std::process::Command::new(\"mkfifo\").arg(dir.join(\"pipe.log\")).status().unwrap().success());\n    \
         std::fs::create_dir(dir.join(\"deep\")).unwrap();\n    \
         std::env::set_current_dir(dir.join(\"deep\")).unwrap();\n    \
         for _ in 0..600 {\n        std::fs::create_dir(\"abcdefghij\").unwrap();\n        \
         std::env::set_current_dir(\"abcdefghij\").unwrap();\n    }\n    \
         std::fs::write(\"leaf.log\", \"x\").unwrap();\n}\n",
    )
    .commit();
    let (exit, check) = tests_pass(&fx, &[]);
    assert_eq!((exit, &check["status"]), (0, &"PASS".into()), "{check:#}");
    let observed = latest_observability(&fx);
    for name in ["out.log", "pipe.log"] {
        let note = std::fs::read_to_string(observed.join(format!("{name}.left-out.txt")))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(note.contains("not a regular file"), "{note}");
        assert!(
            std::fs::symlink_metadata(observed.join(name)).is_err(),
            "{name} stayed"
        );
    }
    let (mut dirs, mut deep_notes) = (vec![observed.join("deep")], 0);
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap().map(Result::unwrap) {
            if entry.file_type().unwrap().is_dir() {
                dirs.push(entry.path());
            } else if entry
                .file_name()
                .to_string_lossy()
                .ends_with(".left-out.txt")
            {
                deep_notes += 1;
            }
        }
    }
    assert_eq!(deep_notes, 1);
    let verify = fx.gate(&["verify"]);
    assert_eq!(verify.code, 0, "{}", verify.transcript());
}

/// A passing test leaves a process behind that keeps the run's output open and prints a line
/// every 300 ms (a server it started): plain `cargo test` ends at once, but the gate read on
/// while bytes flowed, to the whole-run limit, and failed the run as stopped there (the
/// fourteenth session's trial; with the default limit, half an hour). Now it reads at most
/// `process::AFTER_END` past a command's end: the run passes within the limit.
#[test]
fn a_process_left_printing_does_not_hold_the_run_to_its_limit() {
    let fx = fixture("clean");
    fx.write(
        "gate.toml",
        "[policy]\nprofile = \"portable\"\n[tests]\ntimeout = \"50s\"\n",
    )
    .write(
        "tests/server.rs",
        "#[test]\nfn starts_a_chatty_server() {\n    std::process::Command::new(\"sh\")\n        \
         .args([\"-c\", \"for i in $(seq 1 250); do echo tick; sleep 0.3; done\"])\n        \
         .spawn()\n        .unwrap();\n}\n",
    )
    .commit();
    let started = std::time::Instant::now();
    let (exit, check) = tests_pass(&fx, &[]);
    assert_eq!((exit, &check["status"]), (0, &"PASS".into()), "{check:#}");
    assert!(started.elapsed() < std::time::Duration::from_secs(45));
}

/// The `observability/` directory of the latest run's record.
fn latest_observability(fx: &crate::support::Fixture) -> std::path::PathBuf {
    let run = std::fs::read_dir(fx.out().join("runs"))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .max()
        .unwrap();
    run.join("observability")
}
