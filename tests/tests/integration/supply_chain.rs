//! The supply-chain checks, run as a user runs them: `deps.advisories` against the
//! hand-written database (tests/fixtures/advisory-db, through `support::advisory_db`) on a
//! lockfile that pins affected versions, `deps.licenses` and `deps.duplicates` on a graph of
//! path crates that resolves offline, waivers on their findings, and
//! `cargo gate fetch-advisories` from a local git repository (no network): where it may
//! write (never the workspace), which URLs it takes, and a FIFO in the database.

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

/// `[advisories]` of a gate.toml with `db-path` and `db-url` as written (TOML strings).
fn advisories_toml(db_path: &str, db_url: &str) -> String {
    format!(
        "[policy]\nprofile = \"portable\"\n\n[advisories]\ndb-path = {db_path}\ndb-url = {db_url}\n"
    )
}

/// A TOML string of `path`.
fn toml_path(path: &std::path::Path) -> String {
    serde_json::to_string(path.to_str().unwrap()).unwrap()
}

/// The workspace's HEAD and `git status`, to show a refused fetch touched nothing.
fn git_state(root: &std::path::Path) -> (String, String) {
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .args(args)
            .current_dir(root)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    (
        git(&["rev-parse", "HEAD"]),
        git(&["status", "--porcelain", "--untracked-files=all"]),
    )
}

#[test]
fn fetch_advisories_clones_then_updates_from_the_configured_url() {
    let fx = fixture("supply-chain");
    let outside = tempfile::tempdir().unwrap();
    let db = outside.path().join("cache/advisory-db");
    fx.write(
        "gate.toml",
        &advisories_toml(&toml_path(&db), &toml_path(advisory_db())),
    )
    .commit();
    let first = fx.gate(&["fetch-advisories"]);
    assert_eq!(first.code, 0, "{}", first.transcript());
    assert!(first.stdout.starts_with("cloned "), "{}", first.stdout);
    assert!(db.join("crates/leaky-buf/RUSTSEC-2099-0001.md").is_file());
    // An update is a fresh clone swapped in: what was left in the old copy is gone, and no
    // scratch directory stays beside it.
    std::fs::write(db.join("stray.txt"), "left by hand").unwrap();
    let second = fx.gate(&["fetch-advisories"]);
    assert_eq!(second.code, 0, "{}", second.transcript());
    assert!(second.stdout.starts_with("updated "), "{}", second.stdout);
    assert!(!db.join("stray.txt").exists());
    assert!(db.join("crates/leaky-buf/RUSTSEC-2099-0001.md").is_file());
    let beside: Vec<_> = std::fs::read_dir(db.parent().unwrap())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(beside, ["advisory-db"]);
    // The check reads the fetched copy (db-path wins over CARGO_GATE_ADVISORY_DB).
    let run = only(&fx, &["deps.advisories"]);
    assert!(
        run.stdout.contains("cache/advisory-db, commit"),
        "{}",
        run.stdout
    );
    // A URL that is not there: exit 2 with the error and the fix; the database is kept.
    let gone = outside.path().join("nowhere/advisory-db");
    fx.write(
        "gate.toml",
        &advisories_toml(&toml_path(&db), &toml_path(&gone)),
    );
    std::fs::remove_dir_all(db.join(".git")).unwrap();
    let failed = fx.gate(&["fetch-advisories"]);
    assert_eq!(failed.code, 2, "{}", failed.transcript());
    assert!(
        failed
            .stderr
            .contains("exists and is not a git checkout of an advisory database"),
        "{}",
        failed.stderr
    );
    let db2 = outside.path().join("db2");
    fx.write(
        "gate.toml",
        &advisories_toml(&toml_path(&db2), &toml_path(&gone)),
    );
    let failed = fx.gate(&["fetch-advisories"]);
    assert_eq!(failed.code, 2, "{}", failed.transcript());
    assert!(
        failed
            .stderr
            .starts_with("error: the RustSec advisory database could not be fetched: `git"),
        "{}",
        failed.stderr
    );
    assert!(failed.stderr.contains("help: "), "{}", failed.stderr);
    assert!(!db2.exists(), "nothing half-cloned is left");
    assert!(db.join("crates/leaky-buf/RUSTSEC-2099-0001.md").is_file());
}

#[test]
fn fetch_refuses_the_workspace_and_every_directory_that_is_not_its_own() {
    let fx = fixture("supply-chain");
    let url = toml_path(advisory_db());
    fx.write("notes.txt", "uncommitted work\n");
    let before = git_state(&fx.root);
    let outside = tempfile::tempdir().unwrap();
    // Not a checkout; a checkout of another repository (the workspace's own).
    let mine = outside.path().join("mine");
    std::fs::create_dir_all(&mine).unwrap();
    std::fs::write(mine.join("keep.txt"), "mine").unwrap();
    let other = outside.path().join("other");
    let cloned = std::process::Command::new("git")
        .args(["clone", "-q", "--"])
        .arg(&fx.root)
        .arg(&other)
        .status()
        .unwrap();
    assert!(cloned.success());
    let mut shown = Vec::new();
    for (name, db_path, args, says) in [
        (
            "empty",
            "\"\"".to_owned(),
            &["fetch-advisories"][..],
            "it is empty",
        ),
        (
            "dot",
            "\".\"".to_owned(),
            &["fetch-advisories"],
            "the workspace root",
        ),
        (
            "nul",
            "\"db\\u0000\"".to_owned(),
            &["fetch-advisories"],
            "NUL byte",
        ),
        (
            "root",
            toml_path(&fx.root),
            &["fetch-advisories"],
            "it is the workspace",
        ),
        (
            "parent",
            "\"..\"".to_owned(),
            &["fetch-advisories"],
            "it holds the workspace",
        ),
        (
            "inside",
            "\"db\"".to_owned(),
            &["fetch-advisories"],
            "inside the workspace",
        ),
        (
            "inside-fetch",
            "\"target/advisory-db\"".to_owned(),
            &["controlled", "--fetch", "--only", "deps.advisories"],
            "inside the workspace",
        ),
        (
            "not-checkout",
            toml_path(&mine),
            &["fetch-advisories"],
            "is not a git checkout",
        ),
        (
            "other-remote",
            toml_path(&other),
            &["fetch-advisories"],
            "a git checkout of another URL than db-url",
        ),
    ] {
        fx.write("gate.toml", &advisories_toml(&db_path, &url));
        let run = fx.gate(args);
        assert_eq!(run.code, 2, "{name}: {}", run.transcript());
        assert!(run.stderr.contains(says), "{name}: {}", run.stderr);
        assert!(
            run.stderr.contains("db-path"),
            "{name}: names the fix: {}",
            run.stderr
        );
        assert!(run.stdout.is_empty(), "{name}: {}", run.transcript());
        if !["root", "parent", "not-checkout", "other-remote"].contains(&name) {
            shown.push(format!("{name}:\n{}", run.stderr));
        }
        // Nothing moved: not HEAD, not a file, not the uncommitted work.
        let mut now = git_state(&fx.root);
        now.1 = now.1.replace(" M gate.toml\n", "");
        assert_eq!(now, before, "{name}");
    }
    assert_snapshot!("supply-chain-fetch-refusals", shown.join("\n"));
    assert_eq!(
        std::fs::read_to_string(fx.root.join("notes.txt")).unwrap(),
        "uncommitted work\n"
    );
    assert!(!fx.root.join("db").exists() && !fx.root.join("target/advisory-db").exists());
    assert_eq!(std::fs::read_dir(&mine).unwrap().count(), 1);
    assert!(other.join("Cargo.lock").is_file());
}

#[test]
fn fetch_refuses_a_directory_beside_the_workspace_in_its_repository() {
    // The workspace is a directory of a larger repository: `../db` is outside the workspace
    // but inside the repository, whose files the fetch must not touch either.
    let fx = fixture("supply-chain");
    let repo = fx.root.parent().unwrap();
    std::fs::remove_dir_all(fx.root.join(".git")).unwrap();
    std::fs::write(repo.join("README"), "the repository's own file\n").unwrap();
    for args in [
        &["init", "-q"][..],
        &["add", "-A"],
        &[
            "-c",
            "user.name=gate-tests",
            "-c",
            "user.email=tests@example.invalid",
            "commit",
            "-q",
            "-m",
            "repo",
        ],
    ] {
        let ok = std::process::Command::new("git")
            .args(args)
            .current_dir(repo)
            .status()
            .unwrap();
        assert!(ok.success(), "git {args:?}");
    }
    for db_path in ["\"../db\"", "\"../.git/db\""] {
        fx.write(
            "gate.toml",
            &advisories_toml(db_path, &toml_path(advisory_db())),
        );
        let run = fx.gate(&["fetch-advisories"]);
        assert_eq!(run.code, 2, "{}", run.transcript());
        assert!(
            run.stderr
                .contains("it is inside the workspace's git repository"),
            "{}",
            run.stderr
        );
    }
    assert!(!repo.join("db").exists() && !repo.join(".git/db").exists());
    let (_, status) = git_state(repo);
    assert_eq!(status, " M supply-chain/gate.toml\n");
}

#[test]
fn a_hostile_db_url_runs_nothing() {
    let fx = fixture("supply-chain");
    let outside = tempfile::tempdir().unwrap();
    let db = toml_path(&outside.path().join("db"));
    let mut shown = Vec::new();
    for (name, url, args) in [
        (
            "upload-pack",
            "\"--upload-pack=touch pwned\"",
            &["fetch-advisories"][..],
        ),
        (
            "upload-pack-fetch",
            "\"--upload-pack=touch pwned\"",
            &["controlled", "--fetch", "--only", "deps.advisories"],
        ),
        ("ext", "\"ext::sh -c touch% pwned\"", &["fetch-advisories"]),
        ("empty", "\"\"", &["fetch-advisories"]),
        ("relative", "\"advisory-db\"", &["fetch-advisories"]),
    ] {
        fx.write("gate.toml", &advisories_toml(&db, url));
        let run = fx.gate(args);
        assert_eq!(run.code, 2, "{name}: {}", run.transcript());
        assert!(
            run.stderr.contains("gate.toml:6:10: db-url"),
            "{name}: {}",
            run.stderr
        );
        shown.push(format!("{name}:\n{}", run.stderr));
        assert!(!fx.root.join("pwned").exists(), "{name}: a command ran");
        assert!(!outside.path().join("db").exists(), "{name}");
    }
    assert_snapshot!("supply-chain-hostile-db-url", shown.join("\n"));
}

/// Runs `cmd` for at most `limit`: its transcript, or a panic when it was still running.
#[cfg(unix)]
fn run_at_most(mut cmd: std::process::Command, limit: std::time::Duration) -> crate::support::Run {
    use std::io::Read;
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        stdout.read_to_string(&mut text).unwrap();
        text
    });
    let until = std::time::Instant::now() + limit;
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code().expect("exited, not killed");
        }
        if std::time::Instant::now() > until {
            let _ = child.kill();
            let _ = child.wait();
            panic!("still running after {limit:?}: it hung");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    crate::support::Run {
        code,
        stdout: reader.join().unwrap(),
        stderr,
    }
}

#[cfg(unix)]
#[test]
fn a_fifo_in_the_database_is_named_and_never_hangs_the_gate() {
    let fx = fixture("supply-chain");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("advisory-db");
    let cloned = std::process::Command::new("git")
        .args(["clone", "-q", "--"])
        .arg(advisory_db())
        .arg(&db)
        .status()
        .unwrap();
    assert!(cloned.success());
    let mkfifo = |path: &std::path::Path| {
        let _ = std::fs::remove_file(path);
        let made = std::process::Command::new("mkfifo")
            .arg(path)
            .status()
            .unwrap();
        assert!(made.success());
    };
    mkfifo(&db.join("crates/leaky-buf/RUSTSEC-2099-0099.md"));
    mkfifo(&db.join(".git/HEAD"));
    let mut cmd = fx.command(&["controlled", "--only", "deps.advisories"]);
    cmd.env("CARGO_GATE_ADVISORY_DB", &db);
    let run = run_at_most(cmd, std::time::Duration::from_secs(60));
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.stdout.contains(
            "advisory crates/leaky-buf/RUSTSEC-2099-0099.md could not be read and was not \
             matched: it is a special file (FIFO, socket or device), not a regular file"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("cannot be told: .git/HEAD: it is a special file (FIFO, socket or device)"),
        "{}",
        run.stdout
    );
    // The vulnerabilities are still matched.
    assert!(run.stdout.contains("RUSTSEC-2099-0001"), "{}", run.stdout);
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
        0,
        "a WARN alone: partial, not failed: {}",
        run.transcript()
    );
    assert_snapshot!("supply-chain-licenses-no-policy", body(&run.stdout));
}

/// A vulnerable crate that ships shows the path cargo builds it through, not Cargo.lock's
/// shorter one through a dev-dependency; a crate only a dev-dependency brings shows its
/// Cargo.lock path, the dev-dependency step marked.
#[test]
fn a_shipped_advisory_shows_the_shipped_path_not_a_dev_dependency() {
    let fx = fixture("shipped-path");
    let run = only(&fx, &["deps.advisories"]);
    assert_eq!(run.code, 1, "{}", run.transcript());
    let shown = section(&run.stdout, "deps.advisories");
    assert!(
        shown.contains(
            "RUSTSEC-2099-0001 (vulnerability, severity high (CVSS 7.5)): `Buf::grow` exposes \
             uninitialized memory — leaky-buf 1.2.0; patched: >=1.2.3; from app → client 0.1.0 \
             → transport 0.1.0 → leaky-buf 1.2.0"
        ),
        "{shown}"
    );
    assert!(!shown.contains("mock-server 0.1.0 → leaky-buf"), "{shown}");
    assert_snapshot!("supply-chain-shipped-path", shown);
}

/// A crate whose LICENSE is the standard Apache-2.0 notice (no `license` field) is judged as
/// Apache-2.0; one whose `license-file` adds a restriction to that notice is not, and the
/// summary counts it among the packages not evaluated, as its finding says.
#[test]
fn a_standard_license_notice_is_read_as_its_license() {
    let fx = fixture("license-notice");
    let run = only(&fx, &["deps.licenses"]);
    assert_eq!(run.code, 0, "a WARN alone: {}", run.transcript());
    assert_snapshot!(
        "supply-chain-license-notice",
        section(&run.stdout, "deps.licenses")
    );
    // With Apache-2.0 not allowed, the notice is what the package is judged by.
    fx.write(
        "gate.toml",
        "[policy]\nprofile = \"portable\"\n\n[licenses]\nallow = [\"MIT\"]\n",
    )
    .commit();
    let run = only(&fx, &["deps.licenses"]);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.stdout.contains(
            "`notice-only 0.1.0` declares no `license`; its license file(s) read as \
             `Apache-2.0` (LICENSE: the Apache-2.0 notice (confidence 1.00)), and Apache-2.0 \
             is not allowed"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn explain_documents_the_codes() {
    let fx = fixture("supply-chain");
    let run = fx.gate(&["explain", "deps.advisories"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert_snapshot!("supply-chain-explain-advisories", run.stdout);
}

/// Every check that reads the shipped graph (licenses, duplicates, bans, advisories,
/// kernels.shipped) shares one `cargo tree`, even when they ask at once, and the feature
/// sets CI builds ride on that same call (issue 43: one `cargo tree` per run at most). A run
/// that reads no cache starts it beside workspace discovery, from the configuration and the
/// CI it finds there (the fixture's `[graph] targets` among them): were that guess not the
/// command the checks ask, they would ask theirs, and the log would hold two.
#[cfg(unix)]
#[test]
fn the_checks_that_read_the_graph_share_one_cargo_tree() {
    let fx = fixture("licenses");
    let args = ["controlled", "--skip", "tests.pass", "--no-cache"];
    let trees = |log: &str| -> Vec<String> {
        log.lines()
            .filter(|l| l.split_whitespace().any(|w| w == "tree"))
            .map(str::to_owned)
            .collect()
    };
    let (run, log) = fx.cargo_calls(&args);
    assert_eq!(trees(&log).len(), 1, "{log}\n{}", run.transcript());
    fx.write(
        ".github/workflows/ci.yml",
        "jobs:\n  test:\n    steps:\n      - run: cargo test --locked --all-features\n",
    )
    .commit();
    let (run, log) = fx.cargo_calls(&args);
    let trees = trees(&log);
    assert_eq!(trees.len(), 1, "{log}\n{}", run.transcript());
    assert!(trees[0].contains("--all-features"), "{log}");
}
