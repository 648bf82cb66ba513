//! The run record from outside: `verify` catches edits, and concurrent runs keep one chain.

use crate::support::fixture;
use insta::assert_snapshot;
use std::path::{Path, PathBuf};

/// The one run directory under `out`.
fn only_run(out: &Path) -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(out.join("runs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    dirs.pop().unwrap()
}

/// The newest run directory under `runs` (run ids sort by time).
fn only_latest(runs: &std::path::Path) -> std::path::PathBuf {
    let mut ids: Vec<std::path::PathBuf> = std::fs::read_dir(runs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect();
    ids.sort();
    ids.pop().unwrap()
}

#[test]
fn verify_accepts_intact_records_and_names_an_edited_file() {
    let fx = fixture("clean");
    for _ in 0..2 {
        // --skip makes a partial run (result PARTIAL; exit 0, as nothing selected fails);
        // its record is as complete as any other.
        assert_eq!(fx.gate(&["pilot", "--skip", "tests.pass"]).code, 0);
    }
    let intact = fx.gate(&["verify"]);
    assert_eq!(intact.code, 0, "{}", intact.transcript());
    assert_snapshot!("verify-intact", intact.transcript());
    // A partial run that exits 0 is still no verdict: its attestation does not pass.
    let last = only_latest(&fx.out().join("runs"));
    let decision: serde_json::Value =
        serde_json::from_slice(&std::fs::read(last.join("decision.json")).unwrap()).unwrap();
    assert_eq!(decision["predicate"]["verificationResult"], "FAILED");
    assert_eq!(decision["predicate"]["result"], "partial");
    assert_eq!(
        decision["predicate"]["verifiedLevels"],
        serde_json::json!([])
    );

    let runs = fx.out().join("runs");
    let ids: Vec<String> = std::fs::read_to_string(fx.out().join("history.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["run_id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let first = runs.join(&ids[0]);
    let report = first.join("report.json");
    let original = std::fs::read_to_string(&report).unwrap();
    let edited = original.replacen("\"PASS\"", "\"WAIVED\"", 1);
    assert_ne!(original, edited);
    std::fs::write(&report, edited).unwrap();
    std::fs::write(first.join("logs/extra.log"), "planted").unwrap();

    let tampered = fx.gate(&["verify"]);
    assert_eq!(tampered.code, 1, "{}", tampered.transcript());
    assert_snapshot!("verify-tampered", tampered.transcript());

    // Verifying the second run walks the chain behind it and finds the same problems.
    let second = fx.gate(&["verify", runs.join(&ids[1]).to_str().unwrap()]);
    assert_eq!(second.code, 1, "{}", second.transcript());
}

#[test]
fn record_holds_the_promised_files() {
    let fx = fixture("clean");
    let run = fx.gate(&["pilot", "--out", "records"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let dir = only_run(&fx.root.join("records"));
    for file in [
        "manifest.json",
        "decision.json",
        "report.json",
        "environment.json",
        "logs/tests.log",
        "logs/cargo-metadata-locked.log",
        "boundary/inventory.json",
        "config/effective.json",
    ] {
        assert!(dir.join(file).is_file(), "{file} missing");
    }
    let decision: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("decision.json")).unwrap()).unwrap();
    assert_eq!(decision["_type"], "https://in-toto.io/Statement/v1");
    assert_eq!(
        decision["predicateType"],
        "https://slsa.dev/verification_summary/v1"
    );
    assert_eq!(decision["predicate"]["verificationResult"], "PASSED");
    assert_eq!(decision["predicate"]["mode"], "standard");
    assert_eq!(decision["predicate"]["stage"], "pilot");
    assert_eq!(
        decision["predicate"]["checks"].as_array().unwrap().len(),
        fx.checks_at("pilot").len()
    );
    let log = std::fs::read_to_string(dir.join("logs/tests.log")).unwrap();
    assert!(
        log.starts_with("$ cargo test --locked --workspace --no-fail-fast"),
        "{log}"
    );
    assert!(log.contains("test result: ok. 2 passed"), "{log}");
}

#[test]
fn json_output_is_the_recorded_report_byte_for_byte() {
    let fx = fixture("clean");
    let run = fx.gate(&["pilot", "--skip", "tests.pass", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let dir = only_run(&fx.out());
    let recorded = std::fs::read_to_string(dir.join("report.json")).unwrap();
    assert_eq!(run.stdout, recorded);
}

#[test]
fn concurrent_runs_keep_one_linear_chain() {
    let fx = fixture("clean");
    let children: Vec<_> = (0..3)
        .map(|_| {
            fx.command(&["pilot", "--skip", "tests.pass"])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert_eq!(
            child.wait().unwrap().code(),
            Some(0),
            "a partial run, recorded"
        );
    }
    assert_eq!(fx.history_len(), 3);
    let verify = fx.gate(&["verify"]);
    assert_eq!(verify.code, 0, "{}", verify.transcript());
    assert!(
        verify.stdout.contains("verified 3 run(s)"),
        "{}",
        verify.stdout
    );
}

#[test]
fn history_diff_and_status_read_the_record_back() {
    let fx = fixture("clean");
    let first = fx.gate(&["pilot"]);
    assert_eq!(first.code, 0, "{}", first.transcript());
    let status = fx.gate(&["status"]);
    assert_eq!(status.code, 0, "{}", status.transcript());
    assert_snapshot!("status-ready", status.transcript());

    // A change that fails boundary.unsafe, committed: a new commit, not ready.
    fx.write(
        "src/extra.rs",
        "pub fn f(p: *const u8) -> u8 { unsafe { *p } }\n",
    );
    let lib = std::fs::read_to_string(fx.root.join("src/lib.rs")).unwrap();
    fx.write("src/lib.rs", &format!("{lib}\npub mod extra;\n"))
        .commit();
    assert_eq!(fx.gate(&["pilot"]).code, 1);
    let status = fx.gate(&["status"]);
    assert_eq!(status.code, 1, "{}", status.transcript());
    assert_snapshot!("status-not-ready", status.transcript());

    let history = fx.gate(&["history"]);
    assert_eq!(history.code, 0);
    assert_snapshot!("history", history.transcript());

    let ids: Vec<String> = std::fs::read_to_string(fx.out().join("history.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["run_id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let diff = fx.gate(&["diff", &ids[0], &ids[1]]);
    assert_eq!(diff.code, 0, "{}", diff.transcript());
    assert_snapshot!("diff", diff.transcript());
}

/// The run ids and manifest digests of history, oldest first.
fn history_of(out: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(out.join("history.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["run_id"].as_str().unwrap().to_owned(),
                v["manifest_sha256"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn a_red_run_edited_to_ready_is_caught_by_verify_status_and_history() {
    let fx = fixture("clean");
    fx.write(
        "src/extra.rs",
        "pub fn f(p: *const u8) -> u8 { unsafe { *p } }\n",
    );
    let lib = std::fs::read_to_string(fx.root.join("src/lib.rs")).unwrap();
    fx.write("src/lib.rs", &format!("{lib}\npub mod extra;\n"))
        .commit();
    let red = fx.gate(&["pilot"]);
    assert_eq!(red.code, 1, "{}", red.transcript());
    let history = fx.out().join("history.jsonl");
    let line = std::fs::read_to_string(&history).unwrap();
    // One edited line: the hostile user's whole attack before the chain bound it.
    let forged = line
        .replace("\"not-ready\"", "\"ready\"")
        .replace("\"exit_code\":1", "\"exit_code\":0");
    assert_ne!(line, forged);
    std::fs::write(&history, forged).unwrap();

    let verify = fx.gate(&["verify"]);
    assert_eq!(verify.code, 1, "{}", verify.transcript());
    assert!(
        verify.stdout.contains(
            "TAMPERED  history.jsonl: line 1 does not match runs/<run-1>/manifest.json: result \
             is \"ready\" there but \"not-ready\" in the manifest, exit_code is 0 there but 1 in \
             the manifest"
        ),
        "{}",
        verify.transcript()
    );
    let status = fx.gate(&["status"]);
    assert_eq!(status.code, 1, "{}", status.transcript());
    assert_snapshot!("status-tampered", status.transcript());
    let listed = fx.gate(&["history"]);
    assert_eq!(listed.code, 1, "{}", listed.transcript());
    assert!(
        listed.stdout.contains("ready (does not verify)"),
        "{}",
        listed.transcript()
    );
}

#[test]
fn history_names_a_run_whose_files_changed_and_exits_non_zero() {
    let fx = fixture("clean");
    assert_eq!(fx.gate(&["pilot", "--skip", "tests.pass"]).code, 0);
    let listed = fx.gate(&["history"]);
    assert_eq!(listed.code, 0, "{}", listed.transcript());
    let run = crate::per_binary::latest_run(&fx);
    for tamper in ["truncate", "flip"] {
        let report = run.join("report.json");
        let mut bytes = std::fs::read(&report).unwrap();
        match tamper {
            "truncate" => bytes.clear(),
            _ => bytes.push(b' '),
        }
        std::fs::write(&report, &bytes).unwrap();
        let listed = fx.gate(&["history"]);
        assert_eq!(listed.code, 1, "{tamper}: {}", listed.transcript());
        assert!(
            listed.stdout.contains("(does not verify)")
                && listed.stdout.contains("the files of 1 run(s) changed"),
            "{tamper}: {}",
            listed.transcript()
        );
    }
}

#[test]
fn an_expected_head_proves_no_run_was_cut_from_the_end() {
    let fx = fixture("clean");
    for _ in 0..2 {
        assert_eq!(fx.gate(&["pilot", "--skip", "tests.pass"]).code, 0);
    }
    let runs = history_of(&fx.out());
    let head = format!("sha256:{}", runs[1].1);
    let kept = fx.gate(&["verify", "--expect-head", &head]);
    assert_eq!(kept.code, 0, "{}", kept.transcript());

    // The last run removed, line and directory: a consistent record again, but not the one
    // whose head was kept.
    let history = fx.out().join("history.jsonl");
    let text = std::fs::read_to_string(&history).unwrap();
    let first_line = text.lines().next().unwrap();
    std::fs::write(&history, format!("{first_line}\n")).unwrap();
    std::fs::remove_dir_all(fx.out().join("runs").join(&runs[1].0)).unwrap();
    assert_eq!(fx.gate(&["verify"]).code, 0);
    let cut = fx.gate(&["verify", "--expect-head", &head]);
    assert_eq!(cut.code, 1, "{}", cut.transcript());
    assert!(
        cut.stdout.contains("is not in the chain"),
        "{}",
        cut.transcript()
    );
}

/// `kill -9` at spread instants of a run: afterwards `verify` (which repairs what a kill left)
/// finds the record intact, and the next run chains onto it and removes every leftover.
#[cfg(unix)]
#[test]
fn a_run_killed_at_any_instant_leaves_a_record_that_verifies() {
    use std::time::Instant;
    let fx = fixture("clean");
    let args = ["pilot", "--only", "lockfile.locked"];
    let started = Instant::now();
    assert_eq!(fx.gate(&args).code, 0);
    let whole = started.elapsed();
    let kills = 12u32;
    for k in 0..kills {
        let mut child = fx
            .command(&args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Instants spread over the whole run, the end (where the record is finished) included.
        std::thread::sleep(whole * (k + 1) / kills);
        let _ = child.kill();
        let _ = child.wait();
        let verify = fx.gate(&["verify"]);
        assert_eq!(verify.code, 0, "kill {k}: {}", verify.transcript());
    }
    assert_eq!(fx.gate(&args).code, 0);
    let verify = fx.gate(&["verify"]);
    assert_eq!(verify.code, 0, "{}", verify.transcript());
    let leftovers: Vec<String> = std::fs::read_dir(fx.out().join("runs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
