//! `cargo gate controlled`: each controlled-stage check on a fixture that fails it and on one
//! that passes it, run alone (`--only`, so the run is partial: exit 1 when the check fails,
//! 2 when it passes — a partial run is never READY).

use crate::support::{Fixture, fixture};
use insta::assert_snapshot;

/// Runs `--only check` on a fixture and returns (exit code, the check's line and findings).
fn only(fx: &Fixture, check: &str, extra: &[&str]) -> (i32, String) {
    let mut args = vec!["controlled", "--only", check];
    args.extend_from_slice(extra);
    let mut cmd = fx.command(&args);
    // Fixtures that pin a floating channel would otherwise need it installed to even load.
    cmd.env("RUSTUP_TOOLCHAIN", "1.95.0");
    let run = crate::support::run(cmd);
    let body: Vec<&str> = run
        .stdout
        .lines()
        .skip_while(|l| {
            !l.trim_start().starts_with(|c: char| c.is_ascii_uppercase())
                || l.starts_with("cargo-gate")
        })
        .take_while(|l| !l.contains(" checks: "))
        .collect();
    (run.code, body.join("\n").trim_end().to_owned())
}

#[test]
fn each_controlled_check_fails_its_fixture_and_passes_the_clean_one() {
    let clean = fixture("controlled-clean");
    let cases: &[(&str, &str)] = &[
        ("toolchain.pinned", "toolchain-floating"),
        ("ci.locked", "ci-unlocked"),
        ("profile.cargo", "profile-loose"),
    ];
    for (check, failing) in cases {
        let (code, text) = only(&fixture(failing), check, &[]);
        assert_eq!(code, 1, "{check} on {failing}:\n{text}");
        assert_snapshot!(format!("controlled-{check}-fails"), text);
        let (code, text) = only(&clean, check, &[]);
        assert_eq!(code, 0, "{check} on controlled-clean:\n{text}");
        assert!(text.trim_start().starts_with("PASS"), "{check}: {text}");
    }
}

/// CircleCI's jobs and commands are judged with their parameters; another CI system's file,
/// a Rust orb's step and `cargo make` are said to be unread, never passed over.
#[test]
fn circleci_is_judged_and_what_is_not_read_is_said() {
    let fx = fixture("controlled-clean");
    fx.write(
        ".circleci/config.yml",
        "version: 2.1\norbs:\n  rust: circleci/rust@1.6.1\ncommands:\n  test:\n    \
         parameters:\n      flags:\n        type: string\n        default: --locked\n    \
         steps:\n      - run: cargo test << parameters.flags >>\njobs:\n  a:\n    steps:\n      \
         - test\n      - test:\n          flags: --release\n      - rust/clippy\n      \
         - run: cargo make ci\nworkflows:\n  main:\n    jobs:\n      - a\n",
    )
    .write(".travis.yml", "script: cargo test\n")
    .commit();
    let (code, text) = only(&fx, "ci.locked", &[]);
    assert_eq!(code, 1, "{text}");
    assert_snapshot!("controlled-ci.locked-circleci-and-unread", text);
}

#[test]
fn deps_pinned_fails_on_unpinned_dependencies_and_passes_clean() {
    // The workspace sits beside a directory outside it, which one path dependency points at.
    let fx = fixture("deps-unpinned");
    let (code, text) = only(
        &fx,
        "deps.pinned",
        &["--manifest-path", "workspace/Cargo.toml"],
    );
    assert_eq!(code, 1, "{text}");
    assert_snapshot!("controlled-deps.pinned-fails", text);
    let (code, text) = only(&fixture("controlled-clean"), "deps.pinned", &[]);
    assert_eq!(code, 0, "{text}");
}

#[test]
fn failure_paths_need_passing_tests() {
    let fx = fixture("clean");
    fx.write(
        "gate.toml",
        "[policy]\nprofile = \"portable\"\n\n[tests]\nfailure-paths = { io = \"io_\" }\n",
    )
    .commit();
    let (code, text) = only(&fx, "failure.paths", &[]);
    assert_eq!(code, 0, "tests.pass runs first, io_ passes: {text}");
    fx.write(
        "gate.toml",
        "[policy]\nprofile = \"portable\"\n\n[tests]\nfailure-paths = { io = \"io_\", net = \"net_\" }\n",
    )
    .commit();
    let (code, text) = only(&fx, "failure.paths", &[]);
    assert_eq!(code, 1, "{text}");
    assert_snapshot!("controlled-failure.paths-fails", text);
}

#[test]
fn cuda_contracts_report_kernel_sources_outside_gate_build() {
    let fx = fixture("clean");
    let (code, text) = only(&fx, "cuda.contracts", &[]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("no CUDA sources among 5 tracked file(s), no gate-build dependents"),
        "{text}"
    );
    fx.write(
        "kernels/stray.cu",
        "extern \"C\" __global__ void stray() {}\n",
    )
    .commit();
    let (code, text) = only(&fx, "cuda.contracts", &[]);
    assert_eq!(code, 1, "{text}");
    assert_snapshot!("controlled-cuda.contracts-fails", text);
}

#[test]
fn repro_environment_needs_a_commit_and_warns_on_a_dirty_tree() {
    let fx = fixture("clean");
    let (code, text) = only(&fx, "repro.environment", &[]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("clean commit"), "{text}");
    // Rust source git does not track is in the build (cargo finds `src/bin/*.rs` by its
    // place; a build script may write `src/lib.rs`): a fresh clone of the commit lacks it.
    fx.write("src/bin/extra.rs", "fn main() {}\n");
    let (code, text) = only(&fx, "repro.environment", &[]);
    assert_eq!(code, 0, "a WARN at controlled: {text}");
    assert!(text.trim_start().starts_with("WARN"), "{text}");
    std::fs::remove_file(fx.root.join("src/bin/extra.rs")).unwrap();
    fx.write("src/lib.rs", "// edited, not committed\n");
    let (code, text) = only(&fx, "repro.environment", &[]);
    assert_eq!(code, 0, "a WARN at controlled: {text}");
    assert!(text.trim_start().starts_with("WARN"), "{text}");
    std::fs::remove_dir_all(fx.root.join(".git")).unwrap();
    let (code, text) = only(&fx, "repro.environment", &[]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("lacks the git commit"), "{text}");
}

#[test]
fn team_checks_run_like_built_in_ones() {
    let fx = fixture("clean");
    fx.write(
        "gate.toml",
        "[policy]\nprofile = \"portable\"\n\n[[check]]\nid = \"team.smoke\"\nstage = \"controlled\"\nrun = [\"sh\", \"-c\", \"echo smoke broke >&2; exit 4\"]\ntimeout = \"30s\"\n",
    )
    .commit();
    let (code, text) = only(&fx, "team.smoke", &[]);
    assert_eq!(code, 1, "{text}");
    assert_snapshot!("controlled-team.smoke-fails", text);
    // Listed and explained like built-in checks.
    let checks = fx.gate(&["checks"]);
    assert!(checks.stdout.contains("team.smoke"), "{}", checks.stdout);
    let explain = fx.gate(&["explain", "team.smoke"]);
    assert_eq!(explain.code, 0, "{}", explain.transcript());
    assert!(
        explain.stdout.contains("check = \"team.smoke\""),
        "{}",
        explain.stdout
    );
}

/// This repository's own CI workflow (it cannot run here): it parses, runs on the three
/// operating systems, merges their records, and every cargo call passes --locked.
#[test]
fn our_ci_workflow_has_the_three_platforms_and_locked_cargo_calls() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap();
    let text = std::fs::read_to_string(root.join(".github/workflows/ci.yml")).unwrap();
    let os = ["ubuntu-latest", "macos-latest", "windows-latest"];
    for name in os {
        assert!(text.contains(name), "{name} missing from the matrix");
    }
    let cargo_lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .map(|l| l.trim_start_matches("run:").trim())
        .filter(|l| l.starts_with("cargo ") && !l.starts_with("cargo fmt"))
        .collect();
    assert!(cargo_lines.len() >= 5, "{cargo_lines:?}");
    for line in cargo_lines {
        assert!(line.contains("--locked"), "not locked: {line}");
    }
    assert!(text.contains("gate merge"));
    // And the gate's own ci.locked check (which parses the YAML) agrees.
    let fx = crate::support::fixture("controlled-clean");
    fx.write(".github/workflows/ci.yml", &text);
    let run = fx.gate(&["controlled", "--only", "ci.locked"]);
    assert!(run.stdout.contains("PASS    ci.locked"), "{}", run.stdout);
}
