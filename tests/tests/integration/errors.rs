//! Bad input: each case gets a message naming the file and the fix, exit 2, and nothing
//! written to history.

use crate::support::{Fixture, empty, fixture, run};
use insta::assert_snapshot;

/// Runs `args` on `fx`, expects exit 2 and no history, and snapshots the transcript.
#[track_caller]
fn check(name: &str, fx: &Fixture, args: &[&str]) {
    let out = fx.gate(args);
    assert_eq!(out.code, 2, "{}", out.transcript());
    assert!(out.stdout.is_empty(), "nothing on stdout: {}", out.stdout);
    assert_eq!(fx.history_len(), 0, "nothing written to history");
    assert!(
        !fx.out().join("runs").exists()
            || std::fs::read_dir(fx.out().join("runs")).unwrap().count() == 0,
        "no run directory"
    );
    assert_snapshot!(name, out.transcript());
}

#[test]
fn no_cargo_toml() {
    check("error-no-cargo-toml", &empty(), &["pilot"]);
}

#[test]
fn malformed_cargo_toml() {
    let fx = fixture("clean");
    fx.write("Cargo.toml", "[package\nname = \"clean\"\n");
    check("error-malformed-cargo-toml", &fx, &["pilot"]);
}

#[test]
fn manifest_path_to_a_missing_file_or_a_non_manifest() {
    let fx = fixture("clean");
    check(
        "error-manifest-path-missing",
        &fx,
        &["pilot", "--manifest-path", "nope/Cargo.toml"],
    );
    check(
        "error-manifest-path-not-a-manifest",
        &fx,
        &["pilot", "--manifest-path", "src/lib.rs"],
    );
}

#[test]
fn gate_toml_syntax_error() {
    let fx = fixture("clean");
    fx.write("gate.toml", "[policy\nprofile = \"portable\"\n");
    check("error-config-syntax", &fx, &["pilot"]);
}

#[test]
fn gate_toml_unknown_key() {
    let fx = fixture("clean");
    fx.write(
        "gate.toml",
        "[policy]\nprofile = \"portable\"\nstirct = true\n",
    );
    check("error-config-unknown-key", &fx, &["pilot"]);
}

#[test]
fn gate_toml_wrong_type() {
    let fx = fixture("clean");
    fx.write("gate.toml", "[history]\nwindow = \"five\"\n");
    check("error-config-wrong-type", &fx, &["pilot"]);
}

#[test]
fn config_in_both_places() {
    let fx = fixture("clean");
    let manifest = std::fs::read_to_string(fx.root.join("Cargo.toml")).unwrap();
    fx.write(
        "Cargo.toml",
        &format!("{manifest}\n[workspace.metadata.gate.policy]\nprofile = \"rusty\"\n"),
    );
    check("error-config-both-places", &fx, &["pilot"]);
}

#[test]
fn config_in_cargo_toml_metadata_is_used() {
    let fx = fixture("clean");
    std::fs::remove_file(fx.root.join("gate.toml")).unwrap();
    let manifest = std::fs::read_to_string(fx.root.join("Cargo.toml")).unwrap();
    fx.write(
        "Cargo.toml",
        &format!("{manifest}\n[workspace.metadata.gate.policy]\nprofile = \"rusty\"\n"),
    );
    let out = fx.gate(&["pilot", "--only", "policy.profile", "config.valid"]);
    // A partial run is never READY, but nothing selected failed: exit 0, result PARTIAL.
    assert_eq!(out.code, 0, "{}", out.transcript());
    assert!(out.stdout.contains("profile rusty"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("[workspace.metadata.gate] in Cargo.toml is valid")
    );
}

#[test]
fn unknown_stage_and_unknown_check() {
    let fx = fixture("clean");
    let out = fx.gate(&["canary"]);
    assert_eq!(out.code, 2, "{}", out.transcript());
    assert!(
        out.stderr.contains("unrecognized subcommand 'canary'"),
        "{}",
        out.stderr
    );
    check(
        "error-unknown-check",
        &fx,
        &["pilot", "--only", "tests.flaky"],
    );
}

#[test]
fn unwritable_out_dir() {
    let fx = fixture("clean");
    // A path below a regular file cannot be created, whoever runs the test (even root).
    check(
        "error-unwritable-out",
        &fx,
        &["pilot", "--out", "gate.toml/records"],
    );
}

#[test]
fn cargo_missing_from_path() {
    let fx = fixture("clean");
    let empty_bin = tempfile::tempdir().unwrap();
    let mut cmd = fx.command(&["pilot"]);
    cmd.env("PATH", empty_bin.path());
    let out = run(cmd);
    assert_eq!(out.code, 2, "{}", out.transcript());
    assert_eq!(fx.history_len(), 0);
    assert_snapshot!("error-cargo-missing", out.transcript());
}

#[test]
fn pinned_toolchain_not_installed() {
    let fx = fixture("clean");
    fx.write("rust-toolchain.toml", "[toolchain]\nchannel = \"1.31.0\"\n");
    let mut cmd = fx.command(&["pilot"]);
    // An outer `cargo +toolchain` or rustup proxy would override the file; this test is
    // about the file.
    cmd.env_remove("RUSTUP_TOOLCHAIN");
    let out = run(cmd);
    // The workspace is read from its manifests and what needs no toolchain is judged; the
    // missing toolchain is the one cause, reported once with the install command, and the
    // run could not evaluate.
    assert_eq!(out.code, 2, "{}", out.transcript());
    assert!(
        out.stdout.contains("1.31.0") && out.stdout.contains("is not installed"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("rustup toolchain install"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("PASS    boundary.unsafe"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("tests.pass by lockfile.locked"),
        "{}",
        out.stdout
    );
}

#[cfg(unix)]
#[test]
fn odd_trees_are_reported_not_fatal() {
    use std::os::unix::ffi::OsStrExt;
    let fx = fixture("clean");
    let src = fx.root.join("src");
    // A symlink loop (never followed) and a file whose name is not UTF-8 (scanned, reported).
    std::os::unix::fs::symlink(&src, src.join("loop")).unwrap();
    std::fs::write(
        src.join(std::ffi::OsStr::from_bytes(b"caf\xe9.rs")),
        "pub fn f() {}\n",
    )
    .unwrap();
    let out = fx.gate(&["pilot", "--only", "boundary.unsafe"]);
    assert_eq!(
        out.code,
        0,
        "a warning does not fail; the run is partial: {}",
        out.transcript()
    );
    assert_snapshot!("odd-tree", out.transcript());
}

#[test]
fn every_problem_of_a_configuration_at_once() {
    let fx = fixture("clean");
    fx.write(
        "gate.toml",
        "[policy]\nprofile = \"fast\"\n\n[history]\nwindow = 0\n\n[[waiver]]\ncheck = \"no.such\"\nmatch = \"x\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"soon\"\n",
    );
    check("error-config-several-problems", &fx, &["pilot"]);
}

#[test]
fn the_version_names_the_tool_not_cargo() {
    for args in [&["--version"][..], &["gate", "--version"][..]] {
        let out = crate::support::run({
            let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_cargo-gate-dup"));
            cmd.args(args);
            cmd
        });
        assert_eq!(out.code, 0, "{}", out.transcript());
        assert_eq!(
            out.stdout,
            format!("cargo-gate {}\n", env!("CARGO_PKG_VERSION")),
            "{args:?}"
        );
    }
}

#[test]
fn an_expected_head_that_is_no_digest_is_a_usage_error_shown_short() {
    let fx = fixture("clean");
    check(
        "error-expect-head-not-a-digest",
        &fx,
        &["verify", "--expect-head", "sha256:zzzz"],
    );
    let long = format!("sha256:{}", "z".repeat(100_000));
    let out = fx.gate(&["verify", "--expect-head", &long]);
    assert_eq!(out.code, 2, "{}", out.transcript());
    assert!(out.stderr.len() < 400, "{}", out.stderr.len());
}

/// A file cargo's configuration `include`s, committed as a link to `/dev/zero` (the
/// seventeenth session's hostile trial: the gate read it to 4 GB and met its time limit, and
/// cargo reads it until it runs out of memory): refused before cargo starts, named.
#[cfg(unix)]
#[test]
fn a_cargo_configuration_include_that_never_ends_is_refused_at_once() {
    let fx = fixture("clean");
    fx.write(".cargo/config.toml", "include = [\"local.toml\"]\n");
    std::os::unix::fs::symlink("/dev/zero", fx.root.join(".cargo/local.toml")).unwrap();
    fx.commit();
    check("error-cargo-config-include-dev-zero", &fx, &["pilot"]);
}

#[cfg(unix)]
#[test]
fn a_gate_toml_that_is_a_fifo_or_a_link_out_is_refused_at_once() {
    let fx = fixture("clean");
    std::fs::remove_file(fx.root.join("gate.toml")).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(fx.root.join("gate.toml"))
        .status()
        .unwrap();
    assert!(made.success());
    check("error-config-fifo", &fx, &["pilot"]);
    std::fs::remove_file(fx.root.join("gate.toml")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", fx.root.join("gate.toml")).unwrap();
    check("error-config-link-out", &fx, &["pilot"]);
    check(
        "error-config-dev-zero",
        &fx,
        &["pilot", "--config", "/dev/zero"],
    );
}
