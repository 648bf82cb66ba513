//! `cargo gate init`: what it writes, that it never overwrites, that a dry run writes
//! nothing, and that `--baseline` makes a workspace with findings start green.

use crate::support::{Fixture, fixture};
use insta::assert_snapshot;

/// Every file under the root (but target/ and .git/), with contents, sorted.
fn tree(fx: &Fixture) -> Vec<(String, Vec<u8>)> {
    fn walk(dir: &std::path::Path, root: &std::path::Path, out: &mut Vec<(String, Vec<u8>)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name();
            if name == "target" || name == ".git" {
                continue;
            }
            if entry.file_type().unwrap().is_dir() {
                walk(&entry.path(), root, out);
            } else {
                let rel = entry
                    .path()
                    .strip_prefix(root)
                    .unwrap()
                    .display()
                    .to_string();
                out.push((rel, std::fs::read(entry.path()).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(&fx.root, &fx.root, &mut out);
    out.sort();
    out
}

fn today() -> String {
    cargo_gate::init::today_utc()
}

#[test]
fn init_writes_the_three_files_and_they_hold_up() {
    let fx = fixture("clean");
    std::fs::remove_file(fx.root.join("gate.toml")).unwrap();
    fx.commit();
    let run = fx.gate(&["init"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert_snapshot!("init-written", run.stdout);
    for file in [
        "gate.toml",
        "docs/READINESS.md",
        ".github/workflows/gate.yml",
    ] {
        let text = std::fs::read_to_string(fx.root.join(file)).unwrap();
        assert_snapshot!(
            format!("init-{}", file.replace('/', "-")),
            text.replace(&today(), "<today>")
        );
    }
    // The written config is valid, and the workflow passes our own ci.locked.
    fx.commit();
    let check = fx.gate(&["controlled", "--only", "config.valid", "ci.locked"]);
    assert!(
        check.stdout.contains("PASS    config.valid"),
        "{}",
        check.stdout
    );
    assert!(
        check.stdout.contains("PASS    ci.locked"),
        "{}",
        check.stdout
    );
}

#[test]
fn init_never_overwrites_and_a_dry_run_writes_nothing() {
    let fx = fixture("clean"); // has a gate.toml already
    let before = tree(&fx);
    let refused = fx.gate(&["init"]);
    assert_eq!(refused.code, 2, "{}", refused.transcript());
    assert!(refused.stderr.contains("gate.toml"), "{}", refused.stderr);
    assert_eq!(
        tree(&fx),
        before,
        "a refused init leaves the tree byte-identical"
    );
    let dry = fx.gate(&["init", "--dry-run", "--force"]);
    assert_eq!(dry.code, 0, "{}", dry.transcript());
    assert_eq!(tree(&fx), before, "a dry run writes nothing");
    let forced = fx.gate(&["init", "--force"]);
    assert_eq!(forced.code, 0, "{}", forced.transcript());
    assert_ne!(tree(&fx), before);
}

#[test]
fn a_baseline_makes_pilot_start_green() {
    let fx = fixture("unsafe-outside");
    std::fs::remove_file(fx.root.join("gate.toml")).unwrap();
    fx.commit();
    assert_eq!(
        fx.gate(&["pilot"]).code,
        1,
        "the unsafe code fails pilot before the baseline"
    );
    let run = fx.gate(&["init", "--baseline"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    // The baseline run is a controlled run, and reports its progress like one.
    assert!(
        run.stderr.contains("gate: finished tests.pass in"),
        "{}",
        run.stderr
    );
    fx.commit();
    let pilot = fx.gate(&["pilot"]);
    assert_eq!(pilot.code, 0, "{}", pilot.transcript());
    let config = std::fs::read_to_string(fx.root.join("gate.toml")).unwrap();
    assert!(
        config.contains("TODO: owner") || config.contains("allow-unsafe = [\"app\""),
        "{config}"
    );
}

/// A `cargo new --lib` project, committed as its author would: the way a new user meets the
/// gate.
fn cargo_new() -> (tempfile::TempDir, Fixture) {
    let dir = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("cargo")
        .args(["new", "--lib", "--vcs", "git", "--quiet", "newlib"])
        .current_dir(dir.path())
        .env_remove("CARGO_TARGET_DIR")
        .status()
        .unwrap();
    assert!(status.success(), "cargo new failed");
    let fx = crate::support::existing(&dir.path().join("newlib"));
    fx.commit();
    (dir, fx)
}

#[test]
fn init_on_a_fresh_cargo_new_project_makes_pilot_ready() {
    let (_dir, fx) = cargo_new();
    assert!(!fx.root.join("Cargo.lock").exists());
    let init = fx.gate(&["init"]);
    assert_eq!(init.code, 0, "{}", init.transcript());
    assert!(
        init.stdout
            .starts_with("created Cargo.lock (cargo generate-lockfile)\nstaged Cargo.lock"),
        "{}",
        init.stdout
    );
    let pilot = fx.gate(&["pilot"]);
    assert_eq!(pilot.code, 0, "{}", pilot.transcript());
}

#[test]
fn a_baseline_on_a_fresh_project_makes_controlled_ready_with_relative_waivers() {
    let (_dir, fx) = cargo_new();
    let init = fx.gate(&["init", "--baseline"]);
    assert_eq!(init.code, 0, "{}", init.transcript());
    let controlled = fx.gate(&["controlled"]);
    assert_eq!(controlled.code, 0, "{}", controlled.transcript());
    let config = std::fs::read_to_string(fx.root.join("gate.toml")).unwrap();
    // Every waiver holds on any machine: no absolute path, nothing of this run's scratch.
    for line in config
        .lines()
        .filter(|l| l.starts_with("match = ") || l.starts_with("file = "))
    {
        let pattern = line.split_once(" = ").unwrap().1.trim_matches('"');
        assert!(!std::path::Path::new(pattern).is_absolute(), "{line}");
        assert!(!line.contains("cargo-gate-init"), "{line}");
    }
    assert!(!config.contains("dirty-work-tree"), "{config}");
}

#[test]
fn a_baseline_never_waives_a_failing_test_or_a_secret() {
    for (name, check) in [
        ("failing-test", "tests.pass"),
        ("secrets-leak", "secrets.scan"),
    ] {
        let fx = fixture(name);
        let _ = std::fs::remove_file(fx.root.join("gate.toml"));
        fx.commit();
        let init = fx.gate(&["init", "--baseline"]);
        assert_eq!(init.code, 0, "{name}: {}", init.transcript());
        assert!(
            init.stdout.contains(&format!("not waived: {check}: ")),
            "{name}: {}",
            init.stdout
        );
        let config = std::fs::read_to_string(fx.root.join("gate.toml")).unwrap();
        // (The template's commented example names secrets.scan; no waiver does.)
        let waived = format!("check = \"{check}\"");
        assert!(
            !config.lines().any(|l| l.trim() == waived),
            "{name}: {config}"
        );
    }
}

/// A baseline waiver names one advisory (its id, crate and version), never the whole
/// Cargo.lock: an advisory that appears after the baseline — another advisory, or the same
/// one on another version — fails the check. (The baseline used to waive `Cargo.lock`, and a
/// critical advisory added later was waived unseen.)
#[test]
fn a_baseline_never_covers_an_advisory_added_after_it() {
    let fx = fixture("supply-chain");
    std::fs::remove_file(fx.root.join("gate.toml")).unwrap();
    fx.commit();
    let init = fx.gate(&["init", "--baseline", "--offline"]);
    assert_eq!(init.code, 0, "{}", init.transcript());
    fx.commit();
    let config = std::fs::read_to_string(fx.root.join("gate.toml")).unwrap();
    assert!(!config.contains("match = \"Cargo.lock\""), "{config}");
    assert!(
        config.contains(
            "check = \"deps.advisories\"\ncode = \"vulnerability\"\nsubject = \
             \"RUSTSEC-2099-0001\"\nfile = \"Cargo.lock\"\ntext = \"leaky-buf 1.2.0;\"\n"
        ),
        "{config}"
    );
    // (check status, the unwaived errors) of deps.advisories.
    let advisories = |fx: &Fixture| {
        let run = fx.gate(&[
            "controlled",
            "--only",
            "deps.advisories",
            "--offline",
            "--format",
            "json",
        ]);
        let report = run.json();
        let check = report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "deps.advisories")
            .unwrap()
            .clone();
        let unwaived: Vec<String> = check["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["severity"] == "error" && f.get("waived_by").is_none())
            .map(|f| f["message"].as_str().unwrap().to_owned())
            .collect();
        (check["status"].as_str().unwrap().to_owned(), unwaived)
    };
    assert_eq!(advisories(&fx), ("WAIVED".to_owned(), Vec::new()));
    let lock = std::fs::read_to_string(fx.root.join("Cargo.lock")).unwrap();
    for (from, to, new) in [
        // Another advisory in the same Cargo.lock.
        (
            "name = \"safe-crate\"\nversion = \"2.1.0\"",
            "name = \"safe-crate\"\nversion = \"1.9.0\"",
            "RUSTSEC-2099-0007",
        ),
        // The same advisory, on another (still affected) version.
        (
            "name = \"leaky-buf\"\nversion = \"1.2.0\"",
            "name = \"leaky-buf\"\nversion = \"1.2.1\"",
            "leaky-buf 1.2.1",
        ),
    ] {
        assert!(lock.contains(from));
        fx.write("Cargo.lock", &lock.replace(from, to)).commit();
        let (status, unwaived) = advisories(&fx);
        assert_eq!(status, "FAIL", "{new}: {unwaived:?}");
        assert_eq!(unwaived.len(), 1, "{unwaived:?}");
        assert!(unwaived[0].contains(new), "{unwaived:?}");
    }
}

/// The repository's GitHub Action (README, GUIDE): it installs the cargo-gate of its own ref
/// with the install script the workflow inlines — the release archive only when the ref is
/// the release tag of the version it holds, else its own source, built locked — and runs a
/// stage only when asked, passing the inputs through the environment (never into the script
/// text).
#[test]
fn the_repositorys_action_installs_its_own_version_locked() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let text = std::fs::read_to_string(root.join("action.yml")).unwrap();
    let action = gate_ci::yaml::parse(&text).unwrap();
    assert_eq!(action["runs"]["using"].as_str(), Some("composite"));
    let steps = action["runs"]["steps"].as_sequence().unwrap();
    let install = steps[0]["run"].as_str().unwrap();
    for line in [
        "GATE_FALLBACK_PATH=\"$GITHUB_ACTION_PATH/cargo-gate\"",
        "if [ \"${GITHUB_ACTION_REF:-}\" != \"v$version\" ]; then",
        "bash \"$GITHUB_ACTION_PATH/cargo-gate/templates/install.sh\"",
    ] {
        assert!(install.contains(line), "{line}: {install}");
    }
    let script = std::fs::read_to_string(root.join("cargo-gate/templates/install.sh")).unwrap();
    assert!(
        script.contains(
            "cargo +stable install --locked --root \"$root\" --path \"$GATE_FALLBACK_PATH\""
        ),
        "{script}"
    );
    assert_eq!(steps[1]["if"].as_str(), Some("${{ inputs.stage != '' }}"));
    let run = steps[1]["run"].as_str().unwrap();
    assert!(
        !run.contains("${{"),
        "inputs reach the script only through env: {run}"
    );
    // Started itself, so a pinned toolchain the runner lacks is reported, not rustup's error.
    assert!(run.starts_with("cargo-gate gate "), "{run}");
}

/// The workflow `init` writes (whole and with `--shards`), our own CI workflow and our action validate against the
/// schemas GitHub-aware editors use (SchemaStore's, as check-jsonschema ships them, offline).
/// CI installs the tool and sets GATE_TESTS_REQUIRE_SCHEMAS=1, so there it cannot skip.
#[test]
fn the_workflows_and_the_action_validate_against_their_published_schemas() {
    let available = std::process::Command::new("check-jsonschema")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !available {
        assert!(
            std::env::var_os("GATE_TESTS_REQUIRE_SCHEMAS").is_none(),
            "GATE_TESTS_REQUIRE_SCHEMAS is set but check-jsonschema is not on PATH"
        );
        say_skipped("check-jsonschema is not installed (pip install check-jsonschema==0.39.0)");
        return;
    }
    let (_dir, fx) = cargo_new();
    let init = fx.gate(&["init"]);
    assert_eq!(init.code, 0, "{}", init.transcript());
    // The workflow with Linux's tests in shards (`init --shards N`).
    let (_sharded_dir, sharded) = cargo_new();
    let init = sharded.gate(&["init", "--shards", "3"]);
    assert_eq!(init.code, 0, "{}", init.transcript());
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for (schema, files) in [
        (
            "vendor.github-workflows",
            vec![
                fx.root.join(".github/workflows/gate.yml"),
                sharded.root.join(".github/workflows/gate.yml"),
                repo.join(".github/workflows/ci.yml"),
            ],
        ),
        ("vendor.github-actions", vec![repo.join("action.yml")]),
    ] {
        let out = std::process::Command::new("check-jsonschema")
            .args(["--builtin-schema", schema])
            .args(&files)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{schema}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[expect(clippy::print_stdout, reason = "a skipped test says why")]
fn say_skipped(why: &str) {
    println!("skipped: {why}");
}
