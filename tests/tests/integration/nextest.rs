//! The test run under nextest (a workspace with `.config/nextest.toml`): nextest runs no doc
//! tests, so the gate runs them after it (`cargo test --doc`), and `tests.pass` judges them
//! as on the `cargo test` path. Real nextest runs; skipped, saying why, without nextest.

use crate::per_binary::{ALL, ids, ran_and_reused, with_docs};
use crate::support::fixture;

const LIB: &str = r#"//! A tiny library with a doc test.

/// Adds two numbers.
///
/// ```
/// assert_eq!(clean::add(2, 2), SUM);
/// ```
pub fn add(a: u32, b: u32) -> u32 {
    a + b
}

#[cfg(test)]
mod tests {
    #[test]
    fn adds() {
        assert_eq!(super::add(2, 2), 4);
    }
}
"#;

#[test]
fn under_nextest_the_doc_tests_run_and_are_judged() {
    if !crate::shards::nextest() {
        return;
    }
    let fx = fixture("clean");
    fx.write(".config/nextest.toml", "[profile.default]\n")
        .write("src/lib.rs", &LIB.replace("SUM", "4"))
        .commit();
    let args = crate::per_binary::TESTS_NO_CACHE;
    let passing = fx.gate(&args);
    assert_eq!(passing.code, 0, "{}", passing.transcript());
    let report: serde_json::Value = serde_json::from_str(&passing.stdout).unwrap();
    let summary = report["checks"][0]["summary"].as_str().unwrap().to_owned();
    // The unit test through nextest, the doc test through `cargo test --doc`.
    assert!(
        summary.contains("cargo nextest") && summary.contains("2 passed"),
        "{summary}"
    );
    assert!(!summary.contains("doctests are not run"), "{summary}");

    fx.write("src/lib.rs", &LIB.replace("SUM", "5")).commit();
    let failing = fx.gate(&args);
    assert_eq!(failing.code, 1, "{}", failing.transcript());
    let report: serde_json::Value = serde_json::from_str(&failing.stdout).unwrap();
    let check = &report["checks"][0];
    assert_eq!(check["status"], "FAIL", "{check:#}");
    assert!(
        check.to_string().contains("src/lib.rs - add (line 5)"),
        "the failing doc test is named: {check:#}"
    );
}

/// Under nextest the run is kept per test binary too: after a change only the binaries it
/// affects run (the others are left out with a filterset and replayed, named), the counts
/// are the whole suite's, and a replayed failure is still a failure.
#[test]
fn under_nextest_only_the_affected_binaries_run() {
    if !crate::shards::nextest() {
        return;
    }
    let fx = fixture("per-binary");
    fx.write(".config/nextest.toml", "[profile.default]\n");
    let args = ["pilot", "--only", "tests.pass", "--format", "json"];
    let first = fx.gate(&args);
    assert_eq!(ran_and_reused(&fx, &first), (with_docs(&ALL), ids(&[])));
    let summary = |run: &crate::support::Run| {
        run.json()["checks"][0]["summary"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let counted = summary(&first);
    assert!(counted.contains("cargo nextest"), "{counted}");

    // A source of `c` (its fixture's data would run every binary: docs/CACHE.md).
    let test = std::fs::read_to_string(fx.root.join("c/tests/fixture.rs")).unwrap();
    fx.write("c/tests/fixture.rs", &format!("{test}// changed\n"));
    let run = fx.gate(&args);
    assert_eq!(
        ran_and_reused(&fx, &run),
        (
            with_docs(&["c", "c::fixture"]),
            with_docs(&["a", "b", "d", "dep"])
        )
    );
    let again = summary(&run);
    let passed = |s: &str| {
        let before = s.split(" passed").next().unwrap();
        before.rsplit(' ').next().unwrap().to_owned()
    };
    assert_eq!(passed(&again), passed(&counted), "{again} / {counted}");
    let log =
        std::fs::read_to_string(crate::per_binary::latest_run(&fx).join("logs/tests.log")).unwrap();
    assert!(
        log.contains("Replaying a: its inputs are unchanged"),
        "{log}"
    );
    assert!(
        log.contains("binary_id(=a)"),
        "a was left out of nextest's run: {log}"
    );

    // A failing test in the leaf: it runs and fails; the next change elsewhere replays
    // the failure, and the run still fails.
    let leaf = std::fs::read_to_string(fx.root.join("a/src/lib.rs")).unwrap();
    fx.write(
        "a/src/lib.rs",
        &format!("{leaf}\n#[test]\nfn breaks() {{\n    panic!(\"no\")\n}}\n"),
    );
    let failing = fx.gate(&args);
    assert_eq!(failing.code, 1, "{}", failing.transcript());
    fx.write("c/tests/fixture.rs", &format!("{test}// changed again\n"));
    let replayed = fx.gate(&args);
    assert_eq!(replayed.code, 1, "{}", replayed.transcript());
    assert!(
        replayed.stdout.contains("breaks"),
        "the replayed failure is named: {}",
        replayed.stdout
    );
}
