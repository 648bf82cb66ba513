//! The service's failure paths: files it cannot read and helper programs it cannot run are
//! errors that name what failed, never panics. `gate.toml`'s `[tests] failure-paths` points
//! cargo-gate's `failure.paths` check at these tests (`io_`, `process_`).

use gpu_service::{Error, read_input, run_helper};
use std::path::PathBuf;

/// A file name under cargo's per-crate temporary directory for integration tests.
fn scratch(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()))
}

/// The cargo running these tests: a program that exists on every platform.
fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

#[test]
fn io_missing_input_file_returns_an_error() {
    let path = scratch("does-not-exist.txt");
    let err = read_input(&path).unwrap_err();
    match &err {
        Error::Io { path: p, source } => {
            assert_eq!(p, &path);
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
        }
        other => panic!("expected Error::Io, got {other:?}"),
    }
    assert!(err.to_string().contains("does-not-exist.txt"), "{err}");
}

#[test]
fn io_malformed_input_names_the_file_and_line() {
    let path = scratch("malformed.txt");
    std::fs::write(&path, "1.0 2.0\n# a comment\n3.0 four\n").unwrap();
    let err = read_input(&path).unwrap_err();
    let _ = std::fs::remove_file(&path);
    assert!(
        matches!(&err, Error::Parse { line: 3, word, .. } if word == "four"),
        "{err:?}"
    );
    assert!(err.to_string().contains("malformed.txt"), "{err}");
}

#[test]
fn io_input_file_is_read() {
    let path = scratch("good.txt");
    std::fs::write(&path, "1 2.5 # two values\n-3\n").unwrap();
    let values = read_input(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    assert_eq!(values, [1.0, 2.5, -3.0]);
}

#[test]
fn process_missing_helper_returns_an_error() {
    let err = run_helper("gpu-service-no-such-helper", &["--version"]).unwrap_err();
    match &err {
        Error::Spawn { program, source } => {
            assert_eq!(program, "gpu-service-no-such-helper");
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
        }
        other => panic!("expected Error::Spawn, got {other:?}"),
    }
    assert!(err.to_string().contains("gpu-service-no-such-helper"));
}

#[test]
fn process_failing_helper_returns_its_status() {
    let err = run_helper(&cargo(), &["gpu-service-no-such-subcommand"]).unwrap_err();
    assert!(matches!(err, Error::Helper { .. }), "{err:?}");
}

#[test]
fn process_helper_output_is_returned() {
    let out = run_helper(&cargo(), &["--version"]).unwrap();
    assert!(out.starts_with("cargo "), "{out}");
}
