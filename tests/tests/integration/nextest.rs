//! The test run under nextest (a workspace with `.config/nextest.toml`): nextest runs no doc
//! tests, so the gate runs them after it (`cargo test --doc`), and `tests.pass` judges them
//! as on the `cargo test` path. Real nextest runs; skipped, saying why, without nextest.

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
    let args = [
        "pilot",
        "--only",
        "tests.pass",
        "--format",
        "json",
        "--no-cache",
    ];
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
