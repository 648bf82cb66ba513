//! `cargo gate pilot` on fixture workspaces: text and JSON reports, verdicts, exit codes.

use crate::support::fixture;
use insta::assert_snapshot;

/// Runs pilot on a fixture in text and JSON, snapshots both, and checks the exit code.
#[track_caller]
fn check(name: &str, expected_exit: i32) {
    let fx = fixture(name);
    let text = fx.gate(&["pilot"]);
    assert_eq!(text.code, expected_exit, "{}", text.transcript());
    assert_snapshot!(format!("{name}-text"), text.transcript());
    let json = fx.gate(&["pilot", "--format", "json"]);
    assert_eq!(json.code, expected_exit, "{}", json.transcript());
    assert_snapshot!(format!("{name}-json"), json.stdout);
    // Machine formats keep stdout for the report; the record and its chain head go to stderr.
    assert_eq!(
        json.stderr,
        "record <out>/runs/<run-id> · chain head sha256:<hash>\n"
    );
    // --format json prints report.json of the run record, byte for byte (both redacted).
    let report = json.json();
    assert_eq!(report["schema_version"], 1);
    assert_eq!(fx.history_len(), 2);
}

#[test]
fn clean_workspace_is_ready() {
    check("clean", 0);
}

#[test]
fn missing_lockfile_is_not_ready() {
    check("no-lockfile", 1);
}

#[test]
fn stale_lockfile_is_not_ready() {
    check("stale-lockfile", 1);
}

#[test]
fn unsafe_outside_the_allowed_crate_is_not_ready() {
    check("unsafe-outside", 1);
}

#[test]
fn failing_test_is_named() {
    check("failing-test", 1);
}

#[test]
fn strict_turns_warnings_into_failures_and_permissive_back() {
    let fx = fixture("clean");
    fx.write("gate.toml", "").commit();
    let standard = fx.gate(&["pilot", "--only", "policy.profile"]);
    // Partial runs (--only) exit 0 when no selected check fails (nor goes unevaluated).
    assert_eq!(standard.code, 0, "{}", standard.transcript());
    assert!(standard.stdout.contains("WARN    policy.profile"));
    let strict = fx.gate(&["pilot", "--only", "policy.profile", "--strict"]);
    assert_eq!(strict.code, 1);
    assert!(strict.stdout.contains(
        "PARTIAL RUN (--only/--skip): 1 warned (policy.profile), which strict mode counts as \
         failing — not a verdict for pilot"
    ));
    fx.write("gate.toml", "[policy]\nstrict = true\n").commit();
    let from_config = fx.gate(&["pilot", "--only", "policy.profile", "--format", "json"]);
    assert_eq!(from_config.code, 1);
    assert_eq!(from_config.json()["mode"], "strict");
    let permissive = fx.gate(&["pilot", "--only", "policy.profile", "--permissive"]);
    assert_eq!(permissive.code, 0, "{}", permissive.transcript());
    assert!(permissive.stdout.contains("WARN    policy.profile"));
}

#[test]
fn only_and_skip_select_checks() {
    let fx = fixture("clean");
    // A selection answers for itself: every selected check passed, so exit 0, and the
    // result is still PARTIAL, never READY.
    let run = fx.gate(&["pilot", "--skip", "tests.pass", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert_eq!(run.json()["verdict"]["result"], "partial");
    assert!(
        run.json()["verdict"]["line"]
            .as_str()
            .unwrap()
            .starts_with("PARTIAL RUN (--only/--skip): every selected check passed"),
        "{}",
        run.transcript()
    );
    let ids: Vec<String> = run.json()["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    // Every pilot check but the skipped one, in report order.
    let mut pilot = fx.checks_at("pilot");
    assert!(pilot.len() >= 6, "{pilot:?}");
    pilot.retain(|id| id != "tests.pass");
    assert_eq!(ids, pilot);

    // A selected check that fails makes the selection exit 1.
    let failing = fixture("unsafe-outside").gate(&["pilot", "--only", "boundary.*"]);
    assert_eq!(failing.code, 1, "{}", failing.transcript());
    assert!(
        failing.stdout.contains("FAIL    boundary.unsafe"),
        "{}",
        failing.transcript()
    );
}

#[test]
fn waivers_cover_findings_and_stay_visible() {
    let fx = fixture("unsafe-outside");
    // A waiver runs at most [policy] max-waiver-days (365) from today.
    let expires = cargo_gate::init::add_days(&cargo_gate::init::today_utc(), 60).unwrap();
    fx.write(
        "gate.toml",
        &format!(
            r#"[policy]
profile = "portable"

[boundary]
allow-unsafe = ["ffi"]

[[waiver]]
check = "boundary.unsafe"
match = "app/src/*.rs"
reason = "legacy pointer code, being moved into ffi"
owner = "platform-team"
expires = "{expires}"
"#
        ),
    )
    .commit();
    let run = fx.gate(&["pilot", "--only", "boundary.unsafe"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert_snapshot!(
        "unsafe-outside-waived-text",
        run.transcript().replace(&expires, "<expires>")
    );
}

#[test]
fn colour_only_on_request() {
    let fx = fixture("clean");
    let run = fx.gate(&["pilot", "--only", "config.valid"]);
    assert!(
        !run.stdout.contains('\x1b'),
        "no colour when stdout is not a terminal"
    );
}

#[test]
fn dependencies_that_cannot_be_fetched_offline_mean_could_not_evaluate() {
    let fx = fixture("unfetchable-dep");
    let run = fx.gate(&["pilot", "--offline"]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert_snapshot!("unfetchable-dep-offline-text", run.transcript());
    // The attempt is recorded: the record says what could not be evaluated and why.
    assert_eq!(fx.history_len(), 1);
}
