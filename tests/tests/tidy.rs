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
struct HelperCopy {
    what: &'static str,
    home: &'static str,
    needles: &'static [&'static str],
}

const COPIES: &[HelperCopy] = &[
    HelperCopy {
        what: "hand-rolled hex",
        home: "gate_support::digest::hex / sha256_hex",
        needles: &[":02x}"],
    },
    HelperCopy {
        what: "a SplitMix64 generator",
        home: "gate_support::rng::SplitMix64",
        needles: &["0x9e3779b97f4a7c15", "0xbf58476d1ce4e5b9"],
    },
    HelperCopy {
        what: "calendar arithmetic",
        home: "gate_support::date::Date",
        needles: &[
            "719468",
            "146097",
            "fn civil_from_days",
            "fn days_from_civil",
        ],
    },
    HelperCopy {
        what: "a home-made temporary directory",
        home: "tempfile::TempDir",
        needles: &["struct tempdir"],
    },
    HelperCopy {
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

/// cargo-gate's modules and the modules each one names (`crate::…`, `super::…`), outside
/// comments and `#[cfg(test)]` blocks.
fn cargo_gate_module_graph()
-> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
    use std::collections::{BTreeMap, BTreeSet};
    let src = workspace_root().join("cargo-gate/src");
    let mut texts: BTreeMap<String, String> = BTreeMap::new();
    for (rel, text) in rust_files() {
        let Some(path) = rel.strip_prefix("cargo-gate/src/") else {
            continue;
        };
        let mut parts: Vec<&str> = path.trim_end_matches(".rs").split('/').collect();
        if matches!(parts.last(), Some(&"mod") | Some(&"lib")) {
            parts.pop();
        }
        let name = if parts.is_empty() {
            "lib".to_owned()
        } else {
            parts.join("::")
        };
        if name.ends_with("tests") || name.ends_with("testing") || name == "main" {
            continue;
        }
        // Test modules are not part of the library's graph.
        let text = match text.find("#[cfg(test)]") {
            Some(i) => text[..i].to_owned(),
            None => text,
        };
        let code: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        texts.insert(name, code);
    }
    assert!(src.is_dir() && texts.len() > 40, "{} modules", texts.len());
    let modules: BTreeSet<String> = texts.keys().cloned().collect();
    let mut graph = BTreeMap::new();
    for (name, code) in &texts {
        let mut edges = BTreeSet::new();
        let parent = name.rsplit_once("::").map_or("", |(p, _)| p);
        for (prefix, base) in [("crate::", ""), ("super::", parent)] {
            for (i, _) in code.match_indices(prefix) {
                let rest = &code[i + prefix.len()..];
                let path: Vec<&str> = rest
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                    .next()
                    .unwrap_or("")
                    .split("::")
                    .filter(|s| !s.is_empty())
                    .collect();
                // The longest prefix of the path that names a module.
                for k in (1..=path.len().min(2)).rev() {
                    let joined = path[..k].join("::");
                    let target = if base.is_empty() {
                        joined
                    } else {
                        format!("{base}::{joined}")
                    };
                    if modules.contains(&target) {
                        if &target != name {
                            edges.insert(target);
                        }
                        break;
                    }
                }
            }
        }
        graph.insert(name.clone(), edges);
    }
    graph
}

/// The strongly connected components of more than one module (Tarjan's algorithm).
fn cycles(
    graph: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
) -> Vec<Vec<String>> {
    use std::collections::BTreeMap;
    struct State<'g> {
        graph: &'g BTreeMap<String, std::collections::BTreeSet<String>>,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        found: Vec<Vec<String>>,
    }
    fn visit<'g>(s: &mut State<'g>, v: &'g str) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        for w in s.graph.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.stack.contains(&w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                component.push(w.to_owned());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.found.push(component);
            }
        }
    }
    let mut state = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !state.index.contains_key(v.as_str()) {
            visit(&mut state, v);
        }
    }
    state.found
}

#[test]
fn cargo_gates_modules_have_no_import_cycle() {
    // The layers of docs/ARCHITECTURE.md: config and the check trait below the checks, the
    // checks below the registry, the registry below the engine, the engine below the CLI.
    // A cycle anywhere means a layer reaches up.
    let graph = cargo_gate_module_graph();
    let found = cycles(&graph);
    assert!(
        found.is_empty(),
        "import cycles among cargo-gate's modules: {found:?}"
    );
    let reaches = |from: &str, to: &str| graph.get(from).is_some_and(|e| e.contains(to));
    assert!(!reaches("config", "registry") && !reaches("config", "checks"));
    assert!(!reaches("check", "engine") && !reaches("check", "registry"));
    // The graph is really read: the engine uses the registry and the config.
    assert!(reaches("engine", "registry") && reaches("engine", "config"));
    assert!(reaches("checks::cuda_contracts", "checks::kernels_build"));
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let graph = [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]
        .iter()
        .fold(
            std::collections::BTreeMap::new(),
            |mut g: std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
             (from, to)| {
                g.entry((*from).to_owned())
                    .or_default()
                    .insert((*to).to_owned());
                g
            },
        );
    assert_eq!(
        cycles(&graph),
        [vec!["a".to_owned(), "b".to_owned(), "c".to_owned()]]
    );
}
