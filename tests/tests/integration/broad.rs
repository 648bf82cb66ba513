//! The broad stage's evidence from the outside: `cargo gate merge` of CI jobs' records,
//! `platform.matrix` on them, and `cargo gate bench` / `bench.regression` against a baseline.

use crate::support::fixture;
#[cfg(unix)]
use crate::support::run;
use insta::assert_snapshot;

#[test]
fn merge_verifies_inputs_and_refuses_tampered_records_and_other_commits() {
    let fx = fixture("clean");
    // Three "CI jobs" on this machine (all linux), each with its own --out directory.
    for job in ["ci-a", "ci-b", "ci-tampered"] {
        let out = fx.gate(&["controlled", "--out", job]);
        assert!(out.code <= 1, "{}", out.transcript());
    }
    // One job's record is edited after the fact.
    let runs = fx.root.join("ci-tampered/runs");
    let run = std::fs::read_dir(&runs)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::write(run.join("report.json"), "{}").unwrap();
    let merged = fx.gate(&["merge", "ci-a", "ci-b", "ci-tampered"]);
    assert_eq!(
        merged.code,
        1,
        "a refused input makes merge exit 1: {}",
        merged.transcript()
    );
    assert_snapshot!("merge-tampered", merged.transcript());

    // A record of another commit is refused too.
    fx.write("src/more.rs", "pub fn more() {}\n").commit();
    let other = fx.gate(&["merge", "ci-a"]);
    assert_eq!(other.code, 1, "{}", other.transcript());
    assert!(
        other.stdout.contains("records of another commit"),
        "{}",
        other.stdout
    );
}

#[test]
fn platform_matrix_names_the_platforms_without_passing_runs() {
    let fx = fixture("controlled-clean");
    let job = fx.gate(&["controlled", "--out", "ci-linux"]);
    assert_eq!(job.code, 0, "{}", job.transcript());
    assert_eq!(fx.gate(&["merge", "ci-linux"]).code, 0);
    let out = fx.gate(&["broad", "--only", "platform.matrix"]);
    assert_eq!(out.code, 1, "{}", out.transcript());
    assert!(
        out.stdout.contains("macos") && out.stdout.contains("windows"),
        "{}",
        out.stdout
    );
    let only_linux = "[policy]\nprofile = \"portable\"\n\n[matrix]\nplatforms = [\"linux\"]\n";
    std::fs::write(fx.root.join("gate.toml"), only_linux).unwrap();
    let out = fx.gate(&["broad", "--only", "platform.matrix"]);
    assert!(
        out.stdout.contains("PASS    platform.matrix"),
        "{}",
        out.stdout
    );
}

#[cfg(unix)]
#[test]
fn bench_regressions_fail_noise_is_inconclusive_and_baselines_are_written() {
    let fx = fixture("bench-json");
    let with = |variant: &str, args: &[&str]| {
        let mut cmd = fx.command(args);
        cmd.env("BENCH_VARIANT", variant);
        run(cmd)
    };
    let regressed = with("regressed", &["broad", "--only", "bench.regression"]);
    assert_eq!(regressed.code, 1, "{}", regressed.transcript());
    assert_snapshot!("bench-regressed", regressed.stdout);
    let noisy = with("noisy", &["broad", "--only", "bench.regression"]);
    assert!(
        noisy.stdout.contains("INCONCLUSIVE  bench.regression"),
        "{}",
        noisy.stdout
    );
    let pass = with("pass", &["broad", "--only", "bench.regression"]);
    assert!(
        pass.stdout.contains("PASS    bench.regression"),
        "{}",
        pass.stdout
    );
    // `cargo gate bench` compares; `--save-baseline` writes a new baseline.
    let compare = with("regressed", &["bench"]);
    assert_eq!(compare.code, 1, "{}", compare.transcript());
    let saved = with("regressed", &["bench", "--save-baseline"]);
    assert_eq!(saved.code, 0, "{}", saved.transcript());
    let after = with("regressed", &["broad", "--only", "bench.regression"]);
    assert!(
        after.stdout.contains("PASS    bench.regression"),
        "{}",
        after.stdout
    );
    // Without a baseline the check is not evaluated, and says how to make one.
    std::fs::remove_file(fx.root.join("benches/baseline.json")).unwrap();
    let none = with("pass", &["broad", "--only", "bench.regression"]);
    assert!(
        none.stdout.contains("cargo gate bench --save-baseline"),
        "{}",
        none.stdout
    );
}

/// The lines of one check (and its findings) from a text report.
fn lines_of(stdout: &str, check: &str) -> String {
    let mut out = Vec::new();
    let mut inside = false;
    for line in stdout.lines() {
        let is_check_line = line.starts_with("  ")
            && line
                .split_whitespace()
                .nth(1)
                .is_some_and(|id| id.contains('.'));
        if is_check_line && !line.starts_with("   ") {
            inside = line.split_whitespace().nth(1) == Some(check);
        } else if line.trim().is_empty() || line.contains(" checks: ") {
            inside = false;
        }
        if inside {
            out.push(line);
        }
    }
    out.join("\n")
}

#[test]
fn checklist_items_need_checks_that_passed_or_paths_that_exist() {
    let drift = fixture("checklist-drift");
    let run = drift.gate(&["broad", "--offline"]);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert_snapshot!("checklist-drift", lines_of(&run.stdout, "checklist.closed"));
    let closed = fixture("checklist-closed");
    let run = closed.gate(&["broad", "--offline"]);
    let lines = lines_of(&run.stdout, "checklist.closed");
    assert!(lines.contains("PASS    checklist.closed"), "{}", run.stdout);
}

#[test]
fn expired_and_unused_waivers() {
    let fx = fixture("waivers-expired");
    // The unused waiver is current: within [policy] max-waiver-days (365) of today.
    let config = std::fs::read_to_string(fx.root.join("gate.toml")).unwrap();
    let expires = cargo_gate::init::add_days(&cargo_gate::init::today_utc(), 60).unwrap();
    fx.write("gate.toml", &config.replace("2099-12-31", &expires))
        .commit();
    let run = fx.gate(&["broad", "--offline"]);
    assert_snapshot!("waivers-expired", lines_of(&run.stdout, "waivers.current"));
}

#[test]
fn the_history_window_needs_enough_green_runs() {
    let fx = fixture("clean");
    fx.write(
        "gate.toml",
        "[policy]\nprofile = \"portable\"\n\n[history]\nwindow = 2\n",
    )
    .commit();
    let first = fx.gate(&["broad", "--offline"]);
    assert!(
        lines_of(&first.stdout, "history.window").contains("0 of 2"),
        "{}",
        first.stdout
    );
    let second = fx.gate(&["broad", "--offline"]);
    // The first run was red for other reasons (no toolchain pin, no merged CI records…).
    assert!(
        lines_of(&second.stdout, "history.window").contains("FAIL"),
        "{}",
        second.stdout
    );
}
