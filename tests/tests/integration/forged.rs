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
#[test]
fn forge() {
    let Some((plan, text)) = plan() else { return };
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
