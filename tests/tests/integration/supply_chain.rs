//! The supply-chain checks, run as a user runs them: `deps.advisories` against the
//! hand-written database (tests/fixtures/advisory-db, through `support::advisory_db`) on a
//! lockfile that pins affected versions, `deps.licenses` and `deps.duplicates` on a graph of
//! path crates that resolves offline, waivers on their findings, and
//! `cargo gate fetch-advisories` from a local git repository (no network).

use crate::support::{Fixture, advisory_db, fixture};
use insta::assert_snapshot;

/// The report's check lines and findings, without the header and the totals.
fn body(stdout: &str) -> String {
    stdout
        .lines()
        .skip_while(|l| !l.starts_with("  "))
        .take_while(|l| !l.contains(" checks: "))
        .collect::<Vec<_>>()
        .join("\n")
        .trim_end()
        .to_owned()
}

/// The lines of check `id` in the report: its status line and its findings.
fn section(stdout: &str, id: &str) -> String {
    let body = body(stdout);
    let mut lines = body
        .lines()
        .skip_while(|l| l.split_whitespace().nth(1) != Some(id));
    let mut out = vec![lines.next().unwrap_or_default()];
    out.extend(lines.take_while(|l| l.starts_with("    ")));
    out.join("\n")
}

fn only(fx: &Fixture, checks: &[&str]) -> crate::support::Run {
    let mut args = vec!["controlled", "--only"];
    args.extend_from_slice(checks);
    fx.gate(&args)
}

#[test]
fn advisories_fail_on_a_pinned_vulnerable_version_and_name_the_path() {
    let fx = fixture("supply-chain");
    let run = only(&fx, &["deps.advisories"]);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert_snapshot!("supply-chain-advisories", body(&run.stdout));
    // Kept in the record as evidence.
    let evidence = std::fs::read_dir(fx.out().join("runs"))
        .unwrap()
        .flatten()
        .map(|e| e.path().join("deps/advisories.json"))
        .find(|p| p.is_file())
        .expect("deps/advisories.json in the record");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(evidence).unwrap()).unwrap();
    let matched: Vec<&str> = json["matched"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["advisory"].as_str().unwrap())
        .collect();
    assert_eq!(
        matched,
        [
            "RUSTSEC-2099-0001",
            "RUSTSEC-2099-0003",
            "RUSTSEC-2099-0004",
            "RUSTSEC-2099-0005"
        ]
    );
}

#[test]
fn advisories_findings_carry_their_codes_in_sarif() {
    let fx = fixture("supply-chain");
    let run = fx.gate(&[
        "controlled",
        "--only",
        "deps.advisories",
        "--format",
        "sarif",
    ]);
    assert_eq!(run.code, 1, "{}", run.transcript());
    let sarif = run.json();
    let rules: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["ruleId"].as_str())
        .collect();
    assert!(
        rules.contains(&"deps.advisories/vulnerability"),
        "{rules:?}"
    );
    assert!(
        rules.contains(&"deps.advisories/unreadable-advisory"),
        "{rules:?}"
    );
}

#[test]
fn without_a_database_the_check_is_not_evaluated_and_says_how_to_get_one() {
    let fx = fixture("supply-chain");
    let mut cmd = fx.command(&["controlled", "--only", "deps.advisories"]);
    cmd.env("CARGO_GATE_ADVISORY_DB", fx.root.join("no-such-db"));
    let run = crate::support::run(cmd);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert_snapshot!("supply-chain-advisories-no-database", body(&run.stdout));
}

#[test]
fn waived_advisories_pass_with_their_owner_and_an_unused_waiver_is_reported() {
    let fx = fixture("supply-chain");
    // A waiver runs at most [policy] max-waiver-days (365) from today.
    let expires = cargo_gate::init::add_days(&cargo_gate::init::today_utc(), 60).unwrap();
    fx.write(
        "gate.toml",
        &"[policy]\nprofile = \"portable\"\n\n[advisories]\nunmaintained = \"note\"\nunsound = \"note\"\n\n\
         [[waiver]]\ncheck = \"deps.advisories\"\nmatch = \"RUSTSEC-2099-0001\"\nreason = \"Buf::grow is never called\"\nowner = \"ana\"\nexpires = \"2999-01-01\"\n\n\
         [[waiver]]\ncheck = \"deps.advisories\"\nmatch = \"RUSTSEC-2099-0004\"\nreason = \"single-threaded use only\"\nowner = \"ana\"\nexpires = \"2999-01-01\"\n\n\
         [[waiver]]\ncheck = \"deps.advisories\"\nmatch = \"unreadable-advisory\"\nreason = \"the advisory is being fixed upstream\"\nowner = \"ana\"\nexpires = \"2999-01-01\"\n\n\
         [[waiver]]\ncheck = \"deps.advisories\"\nmatch = \"RUSTSEC-2099-0007\"\nreason = \"fixed long ago\"\nowner = \"ana\"\nexpires = \"2999-01-01\"\n"
            .replace("2999-01-01", &expires),
    )
    .commit();
    let run = fx.gate(&["broad", "--only", "deps.advisories", "waivers.current"]);
    let shown = format!(
        "{}\n{}",
        section(&run.stdout, "deps.advisories"),
        section(&run.stdout, "waivers.current")
    )
    .replace(&expires, "<expires>");
    assert_snapshot!("supply-chain-advisories-waived", shown);
    assert!(
        run.stdout.contains("WAIVED  deps.advisories"),
        "{}",
        run.transcript()
    );
}

#[test]
fn fetch_advisories_clones_then_updates_from_the_configured_url() {
    let fx = fixture("supply-chain");
    fx.write(
        "gate.toml",
        &format!(
            "[policy]\nprofile = \"portable\"\n\n[advisories]\ndb-path = \"db\"\ndb-url = \"{}\"\n",
            advisory_db().display()
        ),
    );
    let first = fx.gate(&["fetch-advisories"]);
    assert_eq!(first.code, 0, "{}", first.transcript());
    assert!(first.stdout.starts_with("cloned "), "{}", first.stdout);
    assert!(
        fx.root
            .join("db/crates/leaky-buf/RUSTSEC-2099-0001.md")
            .is_file()
    );
    let second = fx.gate(&["fetch-advisories"]);
    assert_eq!(second.code, 0, "{}", second.transcript());
    assert!(second.stdout.starts_with("updated "), "{}", second.stdout);
    // The check reads the fetched copy (db-path wins over CARGO_GATE_ADVISORY_DB).
    let run = only(&fx, &["deps.advisories"]);
    assert!(
        run.stdout.contains("<workspace>/db, commit"),
        "{}",
        run.stdout
    );
    // A URL that is not there: exit 2 with the error and the fix.
    fx.write(
        "gate.toml",
        "[advisories]\ndb-path = \"db2\"\ndb-url = \"/nowhere/advisory-db\"\n",
    );
    let failed = fx.gate(&["fetch-advisories"]);
    assert_eq!(failed.code, 2, "{}", failed.transcript());
    assert!(
        failed
            .stderr
            .starts_with("error: the RustSec advisory database could not be fetched: `git clone"),
        "{}",
        failed.stderr
    );
    assert!(failed.stderr.contains("help: "), "{}", failed.stderr);
    assert!(!fx.root.join("db2").exists(), "nothing half-cloned is left");
}

#[test]
fn licenses_and_duplicates_judge_only_what_ships_to_the_targets() {
    let fx = fixture("licenses");
    let run = only(&fx, &["deps.licenses", "deps.duplicates"]);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert_snapshot!("supply-chain-licenses-duplicates", body(&run.stdout));
    // Windows ships too: the Windows-only dependency brings a third `shim` (and its license).
    fx.write(
        "gate.toml",
        "[licenses]\nallow = [\"MIT\", \"Apache-2.0\"]\n\n[graph]\ntargets = [\"x86_64-unknown-linux-gnu\", \"x86_64-pc-windows-msvc\"]\n",
    )
    .commit();
    let run = only(&fx, &["deps.duplicates", "deps.licenses"]);
    assert!(
        run.stdout
            .contains("`shim` ships in 3 versions (1.0.0, 2.0.0, 3.0.0)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("`winonly 1.0.0` is licensed `Zlib`"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("devonly"),
        "dev-dependencies never ship: {}",
        run.stdout
    );
}

#[test]
fn without_a_license_policy_the_mix_is_shown_and_the_check_warns() {
    let fx = fixture("licenses");
    fx.write("gate.toml", "[policy]\nprofile = \"portable\"\n")
        .commit();
    let run = only(&fx, &["deps.licenses"]);
    assert_eq!(
        run.code,
        2,
        "a WARN alone: partial, not failed: {}",
        run.transcript()
    );
    assert_snapshot!("supply-chain-licenses-no-policy", body(&run.stdout));
}

#[test]
fn explain_documents_the_codes() {
    let fx = fixture("supply-chain");
    let run = fx.gate(&["explain", "deps.advisories"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert_snapshot!("supply-chain-explain-advisories", run.stdout);
}
