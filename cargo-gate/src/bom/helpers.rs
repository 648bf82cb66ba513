//! Where a build script's helper functions may live beyond the repository's tracked files:
//! path dependencies outside the workspace root, and registry crates its build script names
//! (read from cargo's unpacked sources, as cargo itself would build them).

use crate::facts::Facts;
use std::path::{Path, PathBuf};

/// Words one of which a Rust file must hold to define or call a GPU build (checked with
/// `memmem` before the file is lexed).
pub(super) const BUILD_WORDS: &[&str] = &[
    ".cuda(",
    "cc::Build",
    "Build::new",
    "nvcc",
    "cmake",
    "CudaBuilder",
    "cudaforge",
    "bindgen_cuda",
    "gate_build",
];

/// The `.rs` files below `dir`, at most a few thousand (a crate's sources).
pub(super) fn rust_files_below(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(at) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&at) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            match entry.file_type() {
                Ok(t) if t.is_dir() => todo.push(path),
                Ok(t) if t.is_file() && path.extension().is_some_and(|e| e == "rs") => {
                    found.push(path);
                }
                _ => {}
            }
            if found.len() >= 4096 {
                return found;
            }
        }
    }
    found.sort();
    found
}

/// The crates that build GPU code themselves (their own functions are the builders, not
/// helpers of a workspace's build).
const BUILDER_CRATES: &[&str] = &[
    "cc",
    "cmake",
    "bindgen_cuda",
    "cudaforge",
    "cuda_builder",
    "gate_build",
];

/// The Rust files, with a builder word, of the registry crates (at the versions Cargo.lock
/// pins) that the workspace's build scripts name by path (`helper_crate::build::ccmd()`), read
/// from cargo's unpacked sources (`$CARGO_HOME/registry/src/*/NAME-VERSION/src`) and shown as
/// `NAME@VERSION/src/…`. A crate cargo has not unpacked yet is not read (a building run sees
/// what it compiles).
pub(super) fn registry_texts(facts: &Facts, root: &Path) -> Vec<(String, String)> {
    match crate::tools::cargo::home() {
        Some(home) => registry_texts_in(facts, root, &home.join("registry").join("src")),
        None => Vec::new(),
    }
}

/// [`registry_texts`] with cargo's unpacked sources in `unpacked`.
pub(super) fn registry_texts_in(
    facts: &Facts,
    root: &Path,
    unpacked: &Path,
) -> Vec<(String, String)> {
    let scripts: Vec<String> = facts
        .packages
        .iter()
        .filter_map(|p| p.build_script.as_deref())
        .filter_map(|s| gate_support::read::text_capped(s, RUST_FILE_CAP).ok())
        .collect();
    if scripts.is_empty() {
        return Vec::new();
    }
    let mut texts = Vec::new();
    for (name, version) in locked_registry_crates(root) {
        let ident = name.replace('-', "_");
        let path = format!("{ident}::");
        if BUILDER_CRATES.contains(&ident.as_str())
            || !scripts
                .iter()
                .any(|t| memchr::memmem::find(t.as_bytes(), path.as_bytes()).is_some())
        {
            continue;
        }
        let Ok(indexes) = std::fs::read_dir(unpacked) else {
            return texts;
        };
        let dir = indexes
            .flatten()
            .map(|index| index.path().join(format!("{name}-{version}")))
            .find(|d| d.is_dir());
        let Some(dir) = dir else { continue };
        for file in rust_files_below(&dir.join("src")) {
            if let Some(text) = with_build_word(&file) {
                let below = gate_support::path::relative(&dir, &file);
                texts.push((format!("{name}@{version}/{below}"), text));
            }
        }
    }
    texts
}

/// The registry packages Cargo.lock pins: name and version.
fn locked_registry_crates(root: &Path) -> Vec<(String, String)> {
    let Ok(text) = gate_support::read::text_capped(&root.join("Cargo.lock"), 64 << 20) else {
        return Vec::new();
    };
    let Ok(lock) = toml::from_str::<toml::Table>(&text) else {
        return Vec::new();
    };
    let Some(packages) = lock.get("package").and_then(toml::Value::as_array) else {
        return Vec::new();
    };
    packages
        .iter()
        .filter_map(|p| {
            let field = |k: &str| p.get(k).and_then(toml::Value::as_str);
            let source = field("source")?;
            (source.starts_with("registry+") || source.starts_with("sparse+"))
                .then(|| Some((field("name")?.to_owned(), field("version")?.to_owned())))?
        })
        .collect()
}

/// The text of a Rust file that holds a builder word, bounded.
fn with_build_word(path: &Path) -> Option<String> {
    let text = gate_support::read::text_capped(path, RUST_FILE_CAP).ok()?;
    BUILD_WORDS
        .iter()
        .any(|w| memchr::memmem::find(text.as_bytes(), w.as_bytes()).is_some())
        .then_some(text)
}

/// The Rust files, with a builder word, of the path dependencies outside the repository (or
/// inside it but not tracked: a submodule) that packages with a build script depend on (a build script may call a helper defined there:
/// `helper::build::ccmd()`), shown relative to the root (`../helpers/src/lib.rs`).
pub(super) fn outside_texts(facts: &Facts, root: &Path) -> Vec<(String, String)> {
    let mut dirs: Vec<&Path> = facts
        .packages
        .iter()
        .filter(|p| p.build_script.is_some())
        .flat_map(|p| p.path_deps.iter().filter(|d| !p.dev_only.contains(d)))
        .map(PathBuf::as_path)
        // Outside the root, or inside it but untracked (a git submodule's checkout).
        .filter(|d| {
            !d.starts_with(root) || !facts.index.files.iter().any(|f| f.path.starts_with(d))
        })
        .collect();
    dirs.sort();
    dirs.dedup();
    let mut texts = Vec::new();
    for dir in dirs {
        for path in rust_files_below(&dir.join("src")) {
            if let Some(text) = with_build_word(&path) {
                texts.push((gate_support::path::shown(root, &path), text));
            }
        }
    }
    texts
}

/// The most of one Rust file of a dependency read for helpers.
pub(super) const RUST_FILE_CAP: u64 = 4 << 20;
