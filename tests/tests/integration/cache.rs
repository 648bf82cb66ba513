//! The evidence cache as a user meets it: an unchanged re-run reuses the test run and says so
//! in every format, any input change or `--no-cache` gathers afresh, a failure stays a
//! failure, a corrupt entry is recomputed, `broad` runs the tests afresh, and
//! `cargo gate cache stats|prune`.

use crate::support::{Fixture, fixture};

/// One check of a JSON report.
fn check(run: &crate::support::Run, id: &str) -> serde_json::Value {
    run.json()["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("{id} not in the report"))
}

/// Each check's id and status (and summary, with `summaries`), in report order.
fn judged(run: &crate::support::Run, summaries: bool) -> Vec<(String, String, String)> {
    run.json()["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| {
            let text = |key: &str| c[key].as_str().unwrap_or_default().to_owned();
            let summary = if summaries {
                text("summary")
            } else {
                String::new()
            };
            (text("id"), text("status"), summary)
        })
        .collect()
}

fn reused(run: &crate::support::Run, id: &str) -> Vec<String> {
    check(run, id)["reused"]
        .as_array()
        .map(|r| {
            r.iter()
                .map(|r| r["fact"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn pilot_json(fx: &Fixture, extra: &[&str]) -> crate::support::Run {
    let mut args = vec!["pilot", "--format", "json"];
    args.extend_from_slice(extra);
    fx.gate(&args)
}

#[test]
fn an_unchanged_rerun_reuses_the_facts_and_says_so_in_every_format() {
    let fx = fixture("clean");
    let first = pilot_json(&fx, &[]);
    assert_eq!(first.code, 0, "{}", first.transcript());
    assert!(reused(&first, "tests.pass").is_empty());
    let second = pilot_json(&fx, &[]);
    assert_eq!(second.code, 0, "{}", second.transcript());
    assert_eq!(reused(&second, "tests.pass"), ["tests"]);
    assert_eq!(reused(&second, "lockfile.locked"), ["resolve"]);
    // Judged the same: the same statuses and summaries.
    assert_eq!(judged(&first, true), judged(&second, true));

    let line = "tests reused from run <run-id>, inputs sha256:<hash>";
    let text = fx.gate(&["pilot"]);
    assert!(text.stdout.contains(line), "{}", text.stdout);
    // Markdown and XML escape the placeholders' angle brackets.
    let escaped = line.replace('<', "&lt;").replace('>', "&gt;");
    let markdown = fx.gate(&["pilot", "--format", "markdown"]);
    assert!(markdown.stdout.contains(&escaped), "{}", markdown.stdout);
    let junit = fx.gate(&["pilot", "--format", "junit"]);
    assert!(junit.stdout.contains(&escaped), "{}", junit.stdout);
    let sarif = fx.gate(&["pilot", "--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_str(&sarif.stdout).unwrap();
    assert_eq!(
        sarif["runs"][0]["properties"]["reused"]["tests.pass"][0]["fact"],
        "tests"
    );

    // The record keeps the reused evidence, hashed like any artifact: `verify` covers it.
    let runs = std::fs::read_dir(fx.out().join("runs")).unwrap();
    let mut dirs: Vec<_> = runs.map(|e| e.unwrap().path()).collect();
    dirs.sort();
    let last = dirs.last().unwrap();
    let manifest = std::fs::read_to_string(last.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"evidence.json\""), "{manifest}");
    assert!(manifest.contains("\"logs/tests.log\""), "{manifest}");
    let evidence = std::fs::read_to_string(last.join("evidence.json")).unwrap();
    assert!(evidence.contains("\"reused\": true"), "{evidence}");
    assert!(evidence.contains("\"tree\""), "{evidence}");
    let verify = fx.gate(&["verify"]);
    assert_eq!(verify.code, 0, "{}", verify.transcript());
}

#[test]
fn a_changed_source_byte_an_env_var_or_no_cache_gathers_afresh() {
    let fx = fixture("clean");
    assert_eq!(pilot_json(&fx, &[]).code, 0);
    assert_eq!(reused(&pilot_json(&fx, &[]), "tests.pass"), ["tests"]);

    // One byte of a source file (not committed: the working tree is what is built).
    let lib = std::fs::read_to_string(fx.root.join("src/lib.rs")).unwrap();
    fx.write("src/lib.rs", &format!("{lib}\n"));
    let changed = pilot_json(&fx, &[]);
    assert!(reused(&changed, "tests.pass").is_empty());
    assert_eq!(reused(&changed, "lockfile.locked"), ["resolve"]);
    assert_eq!(reused(&pilot_json(&fx, &[]), "tests.pass"), ["tests"]);

    // A variable that reaches the build.
    let mut cmd = fx.command(&["pilot", "--format", "json"]);
    cmd.env("RUSTFLAGS", "--cfg gate_cache_test");
    let flagged = crate::support::run(cmd);
    assert!(reused(&flagged, "tests.pass").is_empty());

    // --no-cache gathers afresh, and stores what it gathered.
    let fresh = pilot_json(&fx, &["--no-cache"]);
    assert!(reused(&fresh, "tests.pass").is_empty());
    assert!(reused(&fresh, "lockfile.locked").is_empty());
    assert_eq!(reused(&pilot_json(&fx, &[]), "tests.pass"), ["tests"]);
}

#[test]
fn a_failing_test_run_is_reused_as_the_failure_it_was() {
    let fx = fixture("failing-test");
    let first = pilot_json(&fx, &[]);
    assert_eq!(first.code, 1, "{}", first.transcript());
    let second = pilot_json(&fx, &[]);
    assert_eq!(second.code, 1, "{}", second.transcript());
    assert_eq!(reused(&second, "tests.pass"), ["tests"]);
    assert_eq!(check(&second, "tests.pass")["status"], "FAIL");
    assert_eq!(
        check(&first, "tests.pass")["findings"],
        check(&second, "tests.pass")["findings"]
    );
}

/// A test that reads a variable the key does not cover: its failure is not reused when the
/// variable goes away (the entry keeps the names set when it ran: a pass reused so, where
/// the test reads one, was READY where `cargo test` fails, the thirty-fifth session's
/// trial), and the fresh pass is flagged flaky naming the variable and the `[cache] env`
/// line that puts it in the key. With that line, the two environments are two keys.
#[test]
fn a_flaky_verdict_names_the_variable_outside_the_key_and_the_line_that_fixes_it() {
    let fx = fixture("clean");
    fx.write(
        "src/lib.rs",
        "#[test]\nfn reads_the_probe() {\n    \
         assert!(std::env::var_os(\"FLAKE_PROBE\").is_none(), \"the probe is set\");\n}\n",
    )
    .commit();
    let with_probe = |args: &[&str]| {
        let mut cmd = fx.command(args);
        cmd.env("FLAKE_PROBE", "1");
        crate::support::run(cmd)
    };
    let failed = with_probe(&["pilot", "--format", "json"]);
    assert_eq!(
        check(&failed, "tests.pass")["status"],
        "FAIL",
        "{}",
        failed.transcript()
    );
    // Unset, the variable is outside the key, but its name was set then: the tests run
    // again and pass, flaky, the variable named; with `--no-cache` too.
    for args in [&[][..], &["--no-cache"]] {
        let fresh = pilot_json(&fx, args);
        let facts = reused(&fresh, "tests.pass");
        assert!(!facts.iter().any(|f| f.contains("test")), "{facts:?}");
        let tests = check(&fresh, "tests.pass");
        assert_eq!(tests["status"], "INCONCLUSIVE", "{tests:#}");
        let message = tests["findings"][0]["message"].as_str().unwrap();
        assert!(
            message.contains("set in one of the two runs only: FLAKE_PROBE")
                && message.contains("`[cache] env = [\"FLAKE_PROBE\"]`"),
            "{message}"
        );
    }
    // Set again, the failure is not reused either: the pass the run before stored was
    // gathered without it (the note says so).
    let again = with_probe(&["pilot", "--format", "json"]);
    assert_eq!(check(&again, "tests.pass")["status"], "FAIL");
    let facts = reused(&again, "tests.pass");
    assert!(!facts.iter().any(|f| f.contains("test")), "{facts:?}");
    assert!(
        again
            .stderr
            .contains("`FLAKE_PROBE` set now and not when run"),
        "{}",
        again.stderr
    );
    // Declared, the variable is part of the key: each environment has its own entry.
    let config = std::fs::read_to_string(fx.root.join("gate.toml")).unwrap();
    fx.write(
        "gate.toml",
        &format!("{config}\n[cache]\nenv = [\"FLAKE_PROBE\"]\n"),
    )
    .commit();
    let unset = pilot_json(&fx, &[]);
    assert_eq!(
        check(&unset, "tests.pass")["status"],
        "PASS",
        "{}",
        unset.transcript()
    );
    let set = with_probe(&["pilot", "--format", "json"]);
    assert_eq!(
        check(&set, "tests.pass")["status"],
        "FAIL",
        "{}",
        set.transcript()
    );
    assert!(reused(&set, "tests.pass").is_empty(), "{}", set.stdout);
}

#[test]
fn a_corrupt_entry_is_found_recomputed_and_named() {
    let fx = fixture("clean");
    assert_eq!(pilot_json(&fx, &[]).code, 0);
    let entries = fx.out().join("cache/entries/tests");
    for entry in std::fs::read_dir(&entries).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replace("\"failed\": false", "\"failed\": true")).unwrap();
    }
    let run = pilot_json(&fx, &[]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    // The whole run's entry is refused; the one test binary's own entry, and the library's
    // doc tests', still hold.
    assert_eq!(
        reused(&run, "tests.pass"),
        ["build", "test binary clean", "doc tests of clean"]
    );
    assert!(
        run.stderr
            .contains("does not match its own digest: removed and gathered afresh"),
        "{}",
        run.stderr
    );
    assert_eq!(reused(&pilot_json(&fx, &[]), "tests.pass"), ["tests"]);
}

#[test]
fn broad_runs_the_tests_afresh_unless_the_config_allows_reuse() {
    let fx = fixture("clean");
    let broad = |fx: &Fixture| fx.gate(&["broad", "--only", "tests.pass", "--format", "json"]);
    broad(&fx);
    // The build may be reused; no test result is, whole or per binary.
    assert_eq!(reused(&broad(&fx), "tests.pass"), ["build"]);
    // Pilot may reuse what broad gathered.
    assert_eq!(reused(&pilot_json(&fx, &[]), "tests.pass"), ["tests"]);
    fx.write("gate.toml", "[cache]\nbroad = true\n");
    // gate.toml is part of the tree: gathered once more, then reused.
    broad(&fx);
    assert_eq!(reused(&broad(&fx), "tests.pass"), ["tests"]);
}

#[test]
fn cache_stats_and_prune() {
    let fx = fixture("clean");
    let empty = fx.gate(&["cache", "stats"]);
    assert_eq!(empty.code, 0, "{}", empty.transcript());
    insta::assert_snapshot!("cache_stats_empty", empty.transcript());
    assert_eq!(pilot_json(&fx, &[]).code, 0);
    // Artifacts are cached by a stamp only once they have settled (`cache/stamps.rs`): a run
    // after that keeps what it reads in them.
    std::thread::sleep(SETTLED);
    assert_eq!(pilot_json(&fx, &[]).code, 0);
    let stats = fx.gate(&["cache", "stats"]);
    assert!(
        stats.stdout.contains("resolve  1 entry"),
        "{}",
        stats.stdout
    );
    assert!(
        stats.stdout.contains("tests    1 entry"),
        "{}",
        stats.stdout
    );
    // The build's artifact list, which kernels.shipped reads after the test run.
    assert!(
        stats.stdout.contains("build    1 entry"),
        "{}",
        stats.stdout
    );
    // No shipped graph: the clean fixture's has no optional and no platform's edge, so the
    // resolve decides it and no `cargo tree` runs (issue 43).
    assert!(!stats.stdout.contains("graph"), "{}", stats.stdout);
    // The one test binary's own result, and the library's doc tests'.
    assert!(
        stats.stdout.contains("test-binary 2 entries"),
        "{}",
        stats.stdout
    );
    // What kernels.shipped read in each of the fixture's two artifacts (an rlib and the
    // test binary).
    assert!(
        stats.stdout.contains("built-gpu 2 entries"),
        "{}",
        stats.stdout
    );
    let pruned = fx.gate(&["cache", "prune", "--all"]);
    assert_eq!(pruned.code, 0, "{}", pruned.transcript());
    assert!(
        pruned.stdout.contains("removed 7 entries"),
        "{}",
        pruned.stdout
    );
    assert_eq!(fx.gate(&["cache", "stats"]).stdout, empty.stdout);
    let bad = fx.gate(&["cache", "prune", "--max-size", "lots"]);
    assert_eq!(bad.code, 2);
    insta::assert_snapshot!("cache_prune_bad_size", bad.transcript());
    // The next run gathers afresh.
    assert!(reused(&pilot_json(&fx, &[]), "tests.pass").is_empty());
}

/// `kill -9` while facts are being stored: the next run either reuses a whole entry or
/// gathers afresh, and its verdict is the verdict of a run without the cache.
#[cfg(unix)]
#[test]
fn a_run_killed_while_storing_never_leaves_a_wrong_fact() {
    use std::time::{Duration, Instant};
    let fx = fixture("clean");
    let started = Instant::now();
    let truth = pilot_json(&fx, &["--no-cache"]);
    let whole = started.elapsed();
    std::fs::remove_dir_all(fx.out().join("cache")).unwrap();
    for k in 0..6u32 {
        let mut child = fx
            .command(&["pilot", "--no-cache"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(whole * (k + 1) / 7 + Duration::from_millis(5));
        let _ = child.kill();
        let _ = child.wait();
        let run = pilot_json(&fx, &[]);
        assert_eq!(run.code, truth.code, "kill {k}: {}", run.transcript());
        assert_eq!(judged(&run, false), judged(&truth, false), "kill {k}");
        assert!(!run.stderr.contains("corrupt"), "kill {k}: {}", run.stderr);
    }
}

/// kernels.shipped reads each artifact once (beside the test run); an unchanged re-run
/// reuses each reading, and an artifact changed since (here one rewritten in place, as a
/// hostile build step would) makes the build gathered afresh and that artifact, only that
/// one, read again.
#[test]
fn the_artifact_reading_is_reused_only_while_every_artifact_is_unchanged() {
    let fx = fixture("clean");
    let first = pilot_json(&fx, &[]);
    assert_eq!(first.code, 0, "{}", first.transcript());
    assert!(reused(&first, "kernels.shipped").is_empty());
    // What was just built is read, not kept, until it has settled (`cache/stamps.rs`).
    std::thread::sleep(SETTLED);
    let second = pilot_json(&fx, &[]);
    assert_eq!(reused(&second, "kernels.shipped")[0], "build");
    let third = pilot_json(&fx, &[]);
    assert_eq!(
        reused(&third, "kernels.shipped"),
        ["build", "built-gpu", "resolve"]
    );
    let (read, kept) = artifact_readings(&fx);
    assert!(read.is_empty() && !kept.is_empty(), "{read:?} {kept:?}");
    let rlib = std::fs::read_dir(fx.root.join("target/debug/deps"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "rlib"))
        .expect("the clean fixture builds an rlib");
    let mut bytes = std::fs::read(&rlib).unwrap();
    bytes.extend_from_slice(b"\0.version 9.0\n.target sm_80\n.entry k() { ret; }\0");
    std::fs::write(&rlib, bytes).unwrap();
    std::thread::sleep(SETTLED);
    let fourth = pilot_json(&fx, &[]);
    // The resolve (cargo's, from the manifests and the lockfile), which decides the shipped
    // graph here, is still the one reused; the build and its reading are not.
    assert_eq!(
        reused(&fourth, "kernels.shipped"),
        ["resolve"],
        "{}",
        fourth.transcript()
    );
    let (read, kept) = artifact_readings(&fx);
    let rlib = rlib.strip_prefix(&fx.root).unwrap().display().to_string();
    assert_eq!(read, [rlib], "the others kept: {kept:?}");
    let shipped = check(&fourth, "kernels.shipped");
    assert!(
        shipped["summary"]
            .as_str()
            .is_some_and(|s| s.contains("1 GPU image(s)")),
        "the changed rlib was read afresh: {shipped:#}"
    );
    // And what it now carries, no builder or tracked file accounts for.
    assert_eq!(shipped["status"], "FAIL", "{shipped:#}");
    assert_eq!(
        shipped["findings"][0]["code"], "kernel-without-source",
        "{shipped:#}"
    );
}

/// After the test run the tree is listed once to prove it unmoved, for the test binaries'
/// results and the whole run's alike (each used to list it again).
#[cfg(unix)]
#[test]
fn the_tree_is_listed_once_after_the_tests() {
    let fx = fixture("clean");
    // Files written just now prove nothing by their stamps: the tree would be hashed, and
    // listed, again (`cache/stamps.rs`).
    std::thread::sleep(SETTLED);
    let (run, log) = fx.calls(&["cargo", "git"], &["pilot", "--only", "tests.pass"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let lines: Vec<&str> = log.lines().collect();
    let last_test = lines
        .iter()
        .rposition(|l| l.starts_with("cargo test") && !l.contains("--no-run"))
        .expect("a test run");
    let listings = lines[last_test..]
        .iter()
        .filter(|l| l.starts_with("git -c core.quotepath=on ls-files -c"))
        .count();
    assert_eq!(listings, 1, "{log}");
}

/// Longer than a file takes to settle for the cache's stamps (`cache/stamps.rs`: 3 s).
const SETTLED: std::time::Duration = std::time::Duration::from_millis(3_200);

/// The artifacts the last run read for GPU code, and those whose reading it reused
/// (`built-gpu` in its `evidence.json`).
fn artifact_readings(fx: &Fixture) -> (Vec<String>, Vec<String>) {
    let runs = std::fs::read_dir(fx.out().join("runs")).unwrap();
    let last = runs.map(|e| e.unwrap().path()).max().unwrap();
    let evidence = std::fs::read_to_string(last.join("evidence.json")).unwrap();
    let evidence: serde_json::Value = serde_json::from_str(&evidence).unwrap();
    let (mut read, mut kept) = (Vec::new(), Vec::new());
    for used in evidence.as_array().into_iter().flatten() {
        if used["fact"] == "built-gpu" {
            let subject = used["subject"].as_str().unwrap_or_default().to_owned();
            if used["reused"] == true {
                kept.push(subject);
            } else {
                read.push(subject);
            }
        }
    }
    (read, kept)
}

/// A static run, its report in JSON.
const STATIC_RUN: [&str; 5] = ["controlled", "--skip", "tests.pass", "--format", "json"];

/// Each check's id, status and summary but repro.environment's, whose summary names the seed
/// each run draws.
fn judged_but_the_seed(run: &crate::support::Run) -> Vec<(String, String, String)> {
    let mut checks = judged(run, true);
    checks.retain(|(id, ..)| id != "repro.environment");
    checks
}

/// `a` judged as `b` did, with the same exit code (`repro.environment`'s seed aside).
#[cfg(unix)]
fn same(a: &crate::support::Run, b: &crate::support::Run) {
    assert_eq!(a.code, b.code, "{}", a.transcript());
    assert_eq!(
        judged_but_the_seed(a),
        judged_but_the_seed(b),
        "{}",
        a.transcript()
    );
}

/// A member's manifest named `name`, with `extra` after its `[package]` table.
#[cfg(unix)]
fn package(name: &str, extra: &str) -> String {
    format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n{extra}"
    )
}

/// A run that reads no cache asks cargo for the resolve while it looks for the workspace: one
/// `cargo metadata` where there were two in sequence (issue 43), and the same judgement —
/// a stale lockfile fails `lockfile.locked` with the same summary, and dependencies that
/// cannot be fetched offline still mean "could not evaluate". A run that may reuse the
/// resolve asks for the members alone (`--no-deps`: no network for what it reuses).
#[cfg(unix)]
#[test]
fn a_run_without_the_cache_asks_cargo_metadata_once() {
    let metadata = |log: &str| -> Vec<String> {
        log.lines()
            .filter(|l| l.starts_with("metadata"))
            .map(str::to_owned)
            .collect()
    };
    let judged = judged_but_the_seed;
    let static_run = STATIC_RUN;
    let fx = fixture("clean");
    let (cached, log) = fx.cargo_calls(&static_run);
    let asked = metadata(&log);
    assert!(asked[0].contains("--no-deps"), "{log}");
    let mut args = static_run.to_vec();
    args.push("--no-cache");
    let (fresh, log) = fx.cargo_calls(&args);
    let asked = metadata(&log);
    assert_eq!(asked.len(), 1, "{log}\n{}", fresh.transcript());
    assert!(asked[0].contains("--locked --all-features"), "{log}");
    assert_eq!(judged(&fresh), judged(&cached));

    for (name, extra) in [
        ("stale-lockfile", None),
        ("unfetchable-dep", Some("--offline")),
    ] {
        let fx = fixture(name);
        let mut with = static_run.to_vec();
        with.extend(extra);
        let before = fx.gate(&with);
        with.push("--no-cache");
        let (after, log) = fx.cargo_calls(&with);
        assert_eq!(after.code, before.code, "{name}: {}", after.transcript());
        assert_eq!(judged(&after), judged(&before), "{name}: {log}");
        // The resolve failed: the members were asked as always, once more.
        assert_eq!(metadata(&log).len(), 2, "{name}: {log}");
    }
}

/// The workspace a run keeps for the next (`<out>/cache/workspace.json`) lets a static run go
/// on while cargo loads the workspace, and is never evidence: out of date (a member added
/// since) or forged (its members emptied), the run judges what cargo describes, exactly as a
/// run without it, and keeps the true one for the next.
#[cfg(unix)]
#[test]
fn a_kept_workspace_is_never_evidence() {
    let asked = |log: &str| {
        log.lines()
            .filter(|l| l.starts_with("metadata --no-deps"))
            .count()
    };
    let judged = judged_but_the_seed;
    let static_run = STATIC_RUN;
    let fx = fixture("clean");
    let first = fx.gate(&static_run);
    // Unchanged: cargo is asked once, beside the run.
    let (again, log) = fx.cargo_calls(&static_run);
    assert_eq!(asked(&log), 1, "{log}");
    assert_eq!(judged(&again), judged(&first));
    let kept = fx.out().join("cache/workspace.json");
    let text = std::fs::read_to_string(&kept).expect("the workspace is kept");
    assert!(!text.contains("second"), "{text}");
    fx.write(
        "Cargo.toml",
        "[package]\nname = \"clean\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[workspace]\nmembers = [\"second\"]\n",
    )
    .write(
        "second/Cargo.toml",
        "[package]\nname = \"second\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n",
    )
    .write("second/src/lib.rs", "//! The second member.\n")
    .commit();
    // Out of date: cargo's answer differs, and the run is prepared again from it.
    let (stale, log) = fx.cargo_calls(&static_run);
    assert_eq!(asked(&log), 2, "{log}");
    std::fs::remove_file(&kept).expect("kept again");
    let without = fx.gate(&static_run);
    assert_eq!(judged(&stale), judged(&without), "{}", stale.transcript());
    assert_ne!(judged(&stale), judged(&first));
    let pinned = check(&stale, "toolchain.pinned")["summary"].to_string();
    assert!(pinned.contains("second"), "{pinned}");
    // Forged: no members at all, a target directory elsewhere.
    let forged = std::fs::read_to_string(&kept)
        .expect("kept again")
        .replace("\"second\"", "\"gone\"");
    std::fs::write(&kept, &forged).unwrap();
    let after = fx.gate(&static_run);
    assert_eq!(judged(&after), judged(&without), "{}", after.transcript());
    let text = std::fs::read_to_string(&kept).expect("the workspace is kept");
    assert!(text.contains("second") && !text.contains("gone"), "{text}");
}

/// A run that reads no cache goes on with the workspace read from its manifests while cargo
/// resolves (`engine/discover.rs`), and that workspace is never evidence: where it is
/// cargo's, the run judges as one that waited for cargo (`--manifest-path` does), with one
/// `cargo metadata`; where the manifests mislead (a member cargo cannot load), the run is
/// prepared again from cargo's answer and judges the same as the run that waited; where the
/// configuration moves the target directory, nothing is read ahead at all.
#[cfg(unix)]
#[test]
fn a_workspace_read_from_its_manifests_is_never_evidence() {
    let metadata = |log: &str| log.lines().filter(|l| l.starts_with("metadata")).count();
    let read = [&STATIC_RUN[..], &["--no-cache"]].concat();
    let waited = [&read[..], &["--manifest-path", "Cargo.toml"]].concat();
    let fx = fixture("clean");
    fx.write(
        "Cargo.toml",
        "[package]\nname = \"clean\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[workspace]\nmembers = [\"crates/*\"]\n",
    )
    .write(
        "crates/second/Cargo.toml",
        "[package]\nname = \"second\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n",
    )
    .write("crates/second/src/lib.rs", "//! The second member.\n");
    fx.relock().commit();
    let (ahead, log) = fx.cargo_calls(&read);
    assert_eq!(metadata(&log), 1, "{log}");
    let after_cargo = fx.gate(&waited);
    same(&ahead, &after_cargo);
    let pinned = check(&ahead, "toolchain.pinned")["summary"].to_string();
    assert!(pinned.contains("second"), "{pinned}");
    // Misleading: a member whose manifest cargo cannot load (nor the gate parse).
    fx.write("crates/third/Cargo.toml", "[package\nname = \"third\"\n")
        .commit();
    let (redone, log) = fx.cargo_calls(&read);
    assert!(
        metadata(&log) > 2,
        "prepared again from cargo's answer: {log}"
    );
    let after_cargo = fx.gate(&waited);
    same(&redone, &after_cargo);
    // Moved by the configuration: not read ahead, cargo asked once.
    std::fs::remove_dir_all(fx.root.join("crates/third")).unwrap();
    fx.write(
        ".cargo/config.toml",
        "[build]\ntarget-dir = \"elsewhere\"\n",
    )
    .commit();
    let (moved, log) = fx.cargo_calls(&read);
    assert_eq!(metadata(&log), 1, "{log}");
    let after_cargo = fx.gate(&waited);
    same(&moved, &after_cargo);
}

/// What the manifests misread is never judged before cargo answers (the thirty-third
/// session's hostile pass): a member the read workspace has and cargo does not (`[^a]`, a
/// set to cargo's glob, "not a" to the reader) with an invalid `[package.metadata.gate]` is
/// no configuration error of the run; and a team check runs once, on cargo's workspace, even
/// where the read one was wrong — the run that waits for cargo judges the same.
#[cfg(unix)]
#[test]
fn what_the_manifests_misread_is_never_judged_before_cargo() {
    let read = [&STATIC_RUN[..], &["--no-cache"]].concat();
    let waited = [&read[..], &["--manifest-path", "Cargo.toml"]].concat();
    let fx = fixture("clean");
    fx.write(
        "Cargo.toml",
        "[workspace]\nmembers = [\"crates/[^a]*\"]\nresolver = \"2\"\n",
    )
    .write("crates/a1/Cargo.toml", &package("a1", ""))
    .write("crates/a1/src/lib.rs", "//! A member.\n")
    .write(
        "crates/b1/Cargo.toml",
        &package("b1", "\n[package.metadata.gate]\nx = 1\n"),
    )
    .write("crates/b1/src/lib.rs", "//! No member of cargo's.\n");
    let _ = std::fs::remove_dir_all(fx.root.join("src"));
    fx.relock().commit();
    let ahead = fx.gate(&read);
    let after_cargo = fx.gate(&waited);
    same(&ahead, &after_cargo);
    // A team check that counts its runs, in the workspace the reader gets wrong.
    fx.write("crates/b1/Cargo.toml", &package("b1", ""))
        .write(
            "gate.toml",
            "[[check]]\nid = \"team.once\"\nstage = \"controlled\"\nrun = [\"sh\", \"-c\", \"n=$(cat ../count 2>/dev/null || echo 0); n=$((n+1)); echo $n > ../count; test $n -eq 1\"]\n",
        )
        .commit();
    let count = fx.root.join("../count");
    let _ = std::fs::remove_file(&count);
    let ahead = fx.gate(&read);
    assert_eq!(std::fs::read_to_string(&count).unwrap().trim(), "1");
    std::fs::remove_file(&count).unwrap();
    let after_cargo = fx.gate(&waited);
    same(&ahead, &after_cargo);
    assert_eq!(
        check(&ahead, "team.once")["status"],
        "PASS",
        "{}",
        ahead.transcript()
    );
}

/// A run that builds starts its build while cargo confirms the workspace read from the
/// manifests (`prepare::builds_beside`: cargo's own command in the root), but runs its tests
/// only once cargo has: where the reader gets the members wrong (`crates/[^a]*`), the tests
/// of cargo's workspace run once, and the run that waits for cargo judges the same.
#[cfg(unix)]
#[test]
fn a_build_begun_on_a_misread_workspace_runs_the_tests_once_on_cargos() {
    let counted = "//! Cargo's member.\n\n#[test]\nfn counted() {\n    let path = concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/../../../count\");\n    let n: u32 = std::fs::read_to_string(path)\n        .ok()\n        .and_then(|t| t.trim().parse().ok())\n        .unwrap_or(0);\n    std::fs::write(path, format!(\"{}\\n\", n + 1)).unwrap();\n}\n";
    let fx = fixture("clean");
    fx.write(
        "Cargo.toml",
        "[workspace]\nmembers = [\"crates/[^a]*\"]\nresolver = \"2\"\n",
    )
    .write("crates/a1/Cargo.toml", &package("a1", ""))
    .write("crates/a1/src/lib.rs", counted)
    .write("crates/b1/Cargo.toml", &package("b1", ""))
    .write("crates/b1/src/lib.rs", "//! No member of cargo's.\n");
    let _ = std::fs::remove_dir_all(fx.root.join("src"));
    fx.relock().commit();
    let count = fx.root.join("../count");
    let _ = std::fs::remove_file(&count);
    let ahead = fx.gate(&["pilot", "--no-cache", "--format", "json"]);
    assert_eq!(
        std::fs::read_to_string(&count).unwrap_or_default().trim(),
        "1",
        "{}",
        ahead.transcript()
    );
    std::fs::remove_file(&count).unwrap();
    let waited = [
        "pilot",
        "--no-cache",
        "--format",
        "json",
        "--manifest-path",
        "Cargo.toml",
    ];
    let after_cargo = fx.gate(&waited);
    assert_eq!(std::fs::read_to_string(&count).unwrap().trim(), "1");
    same(&ahead, &after_cargo);
    assert_eq!(
        check(&ahead, "tests.pass")["status"],
        "PASS",
        "{}",
        ahead.transcript()
    );
}

/// Every check that judged the shipped graph names the run it was reused from, with the
/// resolve it was mapped onto (issue 43: every reused fact names its run). deps.bans, with no
/// deny list here, reads no graph and names none.
#[test]
fn a_reused_graph_is_named_by_every_check_that_judged_it() {
    let fx = fixture("licenses");
    let first = fx.gate(&STATIC_RUN);
    for id in [
        "deps.licenses",
        "deps.duplicates",
        "deps.bans",
        "deps.advisories",
    ] {
        assert!(reused(&first, id).is_empty(), "{id}: {}", first.stdout);
    }
    let second = fx.gate(&STATIC_RUN);
    assert!(reused(&second, "deps.bans").is_empty());
    for id in ["deps.licenses", "deps.duplicates", "deps.advisories"] {
        let named = reused(&second, id);
        assert!(
            named.contains(&"graph".to_owned()) && named.contains(&"resolve".to_owned()),
            "{id}: {named:?}"
        );
    }
    assert_eq!(judged_but_the_seed(&second), judged_but_the_seed(&first));
}
