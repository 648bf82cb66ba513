//! The example workspace (`examples/gpu-service`) as a user runs it, and our own release
//! dry run.

use crate::support::run;
use std::path::Path;
use std::process::Command;

fn repo_root() -> &'static Path {
    Path::new(crate::REPO_ROOT)
}

/// Inside a gate run of this repository (`GATE_RUN_DIR` set), these tests would start gate
/// runs of the same repository again: they skip, saying so.
#[expect(clippy::print_stdout, reason = "a skipped test says why")]
fn inside_a_gate_run() -> bool {
    let inside = std::env::var_os("GATE_RUN_DIR").is_some();
    if inside {
        println!("skipped: running inside `cargo gate` on this repository (GATE_RUN_DIR is set)");
    }
    inside
}

#[test]
fn the_example_service_is_ready_for_controlled() {
    let manifest = repo_root().join("examples/gpu-service/Cargo.toml");
    let out = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(crate::GATE);
    cmd.args(["gate", "controlled", "--manifest-path"])
        .arg(&manifest)
        .arg("--out")
        .arg(out.path())
        .env("NO_COLOR", "1")
        .env("CARGO_GATE_ADVISORY_DB", crate::support::advisory_db())
        // The example has its own target dir, shared across runs of this test.
        .env_remove("CARGO_TARGET_DIR");
    let result = run(cmd);
    assert_eq!(result.code, 0, "{}", result.transcript());
    assert!(
        result.stdout.contains("READY for controlled"),
        "{}",
        result.stdout
    );
    // Every file of the record, the example's decision logs and stats included, matches the
    // schemas of docs/schemas/.
    let seen = crate::validate::validate_record(out.path());
    assert!(seen.get("decision-log-line") > Some(&0), "{seen:?}");
    assert!(seen.get("runtime-stats") > Some(&0), "{seen:?}");
}

#[test]
fn the_release_dry_run_builds_a_verifiable_bundle_and_tags_nothing() {
    if inside_a_gate_run() {
        return;
    }
    let root = repo_root();
    let tags_before = Command::new("git")
        .args(["tag", "--list"])
        .current_dir(root)
        .output()
        .unwrap()
        .stdout;
    // `--only config.valid` keeps the gate step short (a partial run: its result is never
    // READY, so this could never tag even with --execute, though the selection passes and
    // exits 0); the bundle is produced whatever the verdict.
    let release = || {
        let out = Command::new("cargo")
            .args([
                "run",
                "--locked",
                "-q",
                "-p",
                "xtask",
                "--",
                "release",
                "--",
                "--only",
                "config.valid",
            ])
            .current_dir(root)
            .env_remove("GATE_RUN_DIR")
            .stderr(std::process::Stdio::inherit())
            .output()
            .unwrap();
        assert!(out.status.success(), "cargo xtask release (dry run) failed");
        // stdout: `<archive sha256>  <archive path>`.
        String::from_utf8(out.stdout).unwrap()
    };
    let first = release();
    // Reproducible: a second release of the same commit gives the same archive, though its
    // gate run (kept beside the archive) is another run.
    let second = release();
    assert_eq!(first, second, "two releases of one commit differ");
    let tags_after = Command::new("git")
        .args(["tag", "--list"])
        .current_dir(root)
        .output()
        .unwrap()
        .stdout;
    assert_eq!(tags_before, tags_after, "a dry run must not tag");
    let bundle = root.join("target/bundle");
    let sums = std::fs::read_to_string(bundle.join("SHA256SUMS")).unwrap();
    assert!(sums.lines().any(|l| l.ends_with(".tar.gz")), "{sums}");
    assert!(
        sums.lines().any(|l| l.ends_with(".gate/decision.json")),
        "{sums}"
    );
    let check = Command::new("sha256sum")
        .arg("-c")
        .arg("SHA256SUMS")
        .current_dir(&bundle)
        .output();
    if let Ok(check) = check {
        assert!(
            check.status.success(),
            "{}",
            String::from_utf8_lossy(&check.stdout)
        );
    }
}
