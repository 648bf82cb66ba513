//! Tidy: rules about the source tree itself, checked on every test run (rust-analyzer's
//! `tidy.rs` pattern).
//!
//! - Every Rust file of the workspace opens with a `//!` line saying what it is.
//! - No copy of a shared helper lives outside gate-support: hand-rolled hex, a SplitMix64,
//!   calendar arithmetic, a home-made `TempDir`. `clippy.toml`'s `disallowed-methods` catches
//!   the calls clippy can see (`std::env::temp_dir`, `std::fs::rename`); this catches the code
//!   it cannot.
//!
//! Fixture workspaces (`tests/fixtures/`) are other people's code in miniature and are not
//! held to these rules.

use std::path::{Path, PathBuf};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_owned()
}

/// Every `.rs` file of the workspace's crates and examples, relative to the root, `/`-separated.
fn rust_files() -> Vec<(String, String)> {
    let root = workspace_root();
    let mut files = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable directory") {
            let path = entry.expect("directory entry").path();
            let rel = path
                .strip_prefix(&root)
                .expect("under the root")
                .to_string_lossy()
                .replace('\\', "/");
            let skip = rel.starts_with("target")
                || rel.starts_with('.')
                || rel.contains("/.")
                || rel == "tests/fixtures"
                || rel.ends_with("/target");
            if skip {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else if rel.ends_with(".rs") {
                let text = std::fs::read_to_string(&path).expect("UTF-8 source");
                files.push((rel, text));
            }
        }
    }
    files.sort();
    assert!(
        files.len() > 100,
        "found only {} Rust files: is the walk wrong?",
        files.len()
    );
    files
}

#[test]
fn every_rust_file_opens_with_a_module_doc_line() {
    let missing: Vec<String> = rust_files()
        .into_iter()
        .filter(|(_, text)| !text.starts_with("//!"))
        .map(|(rel, _)| rel)
        .collect();
    assert!(
        missing.is_empty(),
        "these files do not open with a `//!` line saying what they are:\n  {}",
        missing.join("\n  ")
    );
}

/// A helper that lives in gate-support, and text that only a copy of it contains.
struct Copy {
    what: &'static str,
    home: &'static str,
    needles: &'static [&'static str],
}

const COPIES: &[Copy] = &[
    Copy {
        what: "hand-rolled hex",
        home: "gate_support::digest::hex / sha256_hex",
        needles: &[":02x}"],
    },
    Copy {
        what: "a SplitMix64 generator",
        home: "gate_support::rng::SplitMix64",
        needles: &["0x9e3779b97f4a7c15", "0xbf58476d1ce4e5b9"],
    },
    Copy {
        what: "calendar arithmetic",
        home: "gate_support::date::Date",
        needles: &[
            "719468",
            "146097",
            "fn civil_from_days",
            "fn days_from_civil",
        ],
    },
    Copy {
        what: "a home-made temporary directory",
        home: "tempfile::TempDir",
        needles: &["struct tempdir"],
    },
    Copy {
        what: "a hand-made atomic write",
        home: "gate_support::atomic::write",
        needles: &[
            ".tmp-{}\", std::process::id()",
            ".tmp\", std::process::id()",
        ],
    },
];

/// Places allowed to hold a needle, each with the reason.
const ALLOWED: &[(&str, &str, &str)] = &[
    (
        "gate-kernels/tests/emulated.rs",
        "0xbf58476d1ce4e5b9",
        "a stateless per-index hash of test inputs (Fibonacci hashing), not a generator",
    ),
    (
        "gate-kernels/tests/emulated.rs",
        "0x9e3779b97f4a7c15",
        "a stateless per-index hash of test inputs (Fibonacci hashing), not a generator",
    ),
    (
        "tests/tests/tidy.rs",
        "",
        "this file names the needles it looks for",
    ),
];

#[test]
fn shared_helpers_have_one_home() {
    let mut found = Vec::new();
    for (rel, text) in rust_files() {
        if rel.starts_with("gate-support/") {
            continue;
        }
        // Case and digit separators do not matter: `0x9E37_79B9…` is `0x9e3779b9…`.
        let folded = text.to_ascii_lowercase().replace('_', "");
        for copy in COPIES {
            for needle in copy.needles {
                let needle = needle.replace('_', "");
                if !folded.contains(&needle) {
                    continue;
                }
                let allowed = ALLOWED
                    .iter()
                    .any(|(file, n, _)| *file == rel && (n.is_empty() || *n == needle));
                if !allowed {
                    found.push(format!(
                        "{rel}: {} (`{needle}`): use {}",
                        copy.what, copy.home
                    ));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "copies of shared helpers outside gate-support:\n  {}",
        found.join("\n  ")
    );
}

#[test]
fn the_rules_see_a_planted_copy() {
    // The test above must be able to fail: a file with a SplitMix64 constant is a copy.
    let text = "fn next(s: &mut u64) -> u64 { *s = s.wrapping_add(0x9E37_79B9_7F4A_7C15); *s }";
    let folded = text.to_ascii_lowercase().replace('_', "");
    assert!(COPIES[1].needles.iter().any(|n| folded.contains(n)));
    assert!(!"just code".contains(COPIES[0].needles[0]));
}
