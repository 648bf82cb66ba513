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
    "nvptx",
    "ptx_builder",
];

/// The `.rs` files below `dir`, at most a few thousand (a crate's sources).
pub(super) fn rust_files_below(dir: &Path) -> Vec<PathBuf> {
    let mut found = files_below(dir, |_| true, |name| name.ends_with(".rs"));
    found.sort();
    found
}

/// The files below `dir` whose name `keep` accepts, in the directories whose name `enter`
/// accepts, at most 4096 (no link is followed).
pub(super) fn files_below(
    dir: &Path,
    enter: impl Fn(&str) -> bool,
    keep: impl Fn(&str) -> bool,
) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(at) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&at) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            match entry.file_type() {
                Ok(t) if t.is_dir() && enter(&name) => todo.push(entry.path()),
                Ok(t) if t.is_file() && keep(&name) => found.push(entry.path()),
                _ => {}
            }
            if found.len() >= 4096 {
                return found;
            }
        }
    }
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
    "ptx_builder",
];

/// The Rust files, with a builder word, of the registry crates (at the versions Cargo.lock
/// pins) that the workspace's build scripts name by path (`helper_crate::build::ccmd()`), read
/// from cargo's unpacked sources (`$CARGO_HOME/registry/src/*/NAME-VERSION/src`) and shown as
/// `NAME@VERSION/src/…`. A pinned crate cargo has not unpacked yet is unpacked by resolving
/// the workspace with `cargo` first (`cargo metadata` unpacks every package it resolves): what
/// a static run sees must not depend on what an earlier command happened to download
/// (`unpack` resolves). One still missing (offline, never downloaded) is not read, and the
/// resolve's failure is what the run reports.
pub(super) fn registry_texts(
    facts: &Facts,
    root: &Path,
    unpack: impl FnOnce(),
) -> Vec<(String, String)> {
    let Some(home) = crate::tools::cargo::home() else {
        return Vec::new();
    };
    registry_texts_in(facts, root, &home.join("registry").join("src"), unpack)
}

/// [`registry_texts`] with cargo's unpacked sources in `unpacked`; `unpack` is asked to
/// unpack the pinned crates when one a build script names is not there.
pub(super) fn registry_texts_in(
    facts: &Facts,
    root: &Path,
    unpacked: &Path,
    unpack: impl FnOnce(),
) -> Vec<(String, String)> {
    let named = named_registry_crates(facts, root, unpacked);
    let missing = match root.join("Cargo.lock").is_file() {
        true => named.iter().any(|(_, _, dir)| dir.is_none()),
        // No lockfile (David-OConnor/ewald's `cuda_setup`): a dependency the build scripts
        // name by path that no version of is unpacked was read as no helper at all, and what
        // it builds as built by nothing, until some other command downloaded it. Asked only
        // where there are GPU files for a helper to build.
        false => {
            let gpu_files =
                (facts.index.files.iter()).any(|f| gate_cuda::includes::is_gpu_file(&f.rel));
            let norm = |n: &str| n.replace('-', "_");
            gpu_files
                && named_dependencies(facts)
                    .iter()
                    .any(|name| !named.iter().any(|(n, ..)| norm(n) == norm(name)))
        }
    };
    if missing {
        unpack();
        return read_crates(&named_registry_crates(facts, root, unpacked));
    }
    read_crates(&named)
}

/// The registry dependencies of the packages with a build script that the script names by
/// path (`name::`), builder crates aside: the crates [`named_registry_crates`] should find.
fn named_dependencies(facts: &Facts) -> Vec<String> {
    let mut names = Vec::new();
    for package in facts.packages.iter() {
        let Some(script) = package.build_script.as_deref() else {
            continue;
        };
        let Ok(text) = gate_support::read::text_capped(script, RUST_FILE_CAP) else {
            continue;
        };
        let Some(doc) = crate::workspace::read_toml(&package.dir.join("Cargo.toml")) else {
            continue;
        };
        for (key, spec) in crate::workspace::dependency_tables(&doc)
            .into_iter()
            .filter(|(dev, _)| !dev)
            .flat_map(|(_, t)| t)
        {
            let local = spec.get("path").is_some()
                || spec.get("git").is_some()
                || package.inherited_paths.contains_key(key);
            let name = spec
                .get("package")
                .and_then(toml::Value::as_str)
                .unwrap_or(key);
            let ident = name.replace('-', "_");
            let named = text.contains(&format!("{}::", key.replace('-', "_")));
            if !local && named && !BUILDER_CRATES.contains(&ident.as_str()) {
                names.push(name.to_owned());
            }
        }
    }
    names.sort();
    names.dedup();
    names
}

/// The registry crates the build scripts name by path (`name::`), each with where cargo
/// unpacked it (`None`: not unpacked).
fn named_registry_crates(
    facts: &Facts,
    root: &Path,
    unpacked: &Path,
) -> Vec<(String, String, Option<PathBuf>)> {
    let scripts: Vec<String> = facts
        .packages
        .iter()
        .filter_map(|p| p.build_script.as_deref())
        .filter_map(|s| gate_support::read::text_capped(s, RUST_FILE_CAP).ok())
        .collect();
    if scripts.is_empty() {
        return Vec::new();
    }
    let mut crates = locked_registry_crates(root);
    if !root.join("Cargo.lock").is_file() {
        // No lockfile (bellperson): the newest unpacked version of each crate a build script
        // names by path, as cargo would pick it for the scratch resolve that unpacked it.
        crates = newest_unpacked(unpacked, &scripts);
    }
    let indexes: Vec<PathBuf> = std::fs::read_dir(unpacked)
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    crates
        .into_iter()
        .filter(|(name, _)| {
            let ident = name.replace('-', "_");
            let path = format!("{ident}::");
            !BUILDER_CRATES.contains(&ident.as_str())
                && scripts
                    .iter()
                    .any(|t| memchr::memmem::find(t.as_bytes(), path.as_bytes()).is_some())
        })
        .map(|(name, version)| {
            let dir = indexes
                .iter()
                .map(|index| index.join(format!("{name}-{version}")))
                .find(|d| d.is_dir());
            (name, version, dir)
        })
        .collect()
}

/// The Rust files with a builder word of each unpacked crate, as `NAME@VERSION/src/…`.
fn read_crates(crates: &[(String, String, Option<PathBuf>)]) -> Vec<(String, String)> {
    let mut texts = Vec::new();
    for (name, version, dir) in crates {
        let Some(dir) = dir else { continue };
        for file in rust_files_below(&dir.join("src")) {
            if let Some(text) = with_build_word(&file) {
                let below = gate_support::path::relative(dir, &file);
                texts.push((format!("{name}@{version}/{below}"), text));
            }
        }
    }
    texts
}

/// Whether `v` starts a version: `MAJOR.MINOR.PATCH`, then a pre-release or build (`-rc.1`).
fn is_version(v: &str) -> bool {
    let core = v.split(['-', '+']).next().unwrap_or(v);
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// The crates unpacked under `unpacked` (`INDEX/NAME-VERSION`) whose path (`name::`) one of
/// the `scripts` names, each at its newest version.
fn newest_unpacked(unpacked: &Path, scripts: &[String]) -> Vec<(String, String)> {
    let mut newest: std::collections::BTreeMap<String, (Vec<u64>, String)> = Default::default();
    for index in std::fs::read_dir(unpacked).into_iter().flatten().flatten() {
        for entry in std::fs::read_dir(index.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let dir = entry.file_name().to_string_lossy().into_owned();
            // `ec-gpu-gen-0.7.1`, `md-5-0.10.6`: the version starts after the first `-` that
            // a `MAJOR.MINOR.PATCH` follows.
            let Some(split) = dir
                .char_indices()
                .find(|&(i, c)| c == '-' && is_version(&dir[i + 1..]))
                .map(|(i, _)| i)
            else {
                continue;
            };
            let (name, version) = (&dir[..split], &dir[split + 1..]);
            let path = format!("{}::", name.replace('-', "_"));
            if !scripts.iter().any(|t| t.contains(&path)) {
                continue;
            }
            let key: Vec<u64> = version
                .split(['.', '-', '+'])
                .map(|p| p.parse().unwrap_or(0))
                .collect();
            let slot = newest
                .entry(name.to_owned())
                .or_insert_with(|| (key.clone(), version.to_owned()));
            if key > slot.0 {
                *slot = (key, version.to_owned());
            }
        }
    }
    newest.into_iter().map(|(name, (_, v))| (name, v)).collect()
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
pub(super) fn with_build_word(path: &Path) -> Option<String> {
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

/// The most path-dependency directories that git does not track followed.
const MOST_UNTRACKED: usize = 64;

/// The directories of the path dependencies that no tracked file of the workspace holds
/// (outside its root, or in a git submodule), followed through their own manifests' path
/// dependencies (normal, build and dev tables: cargo reads them all to resolve), at most
/// [`MOST_UNTRACKED`].
pub(super) fn untracked_path_dependencies(facts: &Facts) -> Vec<std::path::PathBuf> {
    let root = facts.root();
    // Every run asks (the vendored crates): one set, not a scan of the index per dependency.
    let manifests: std::collections::HashSet<&Path> = facts
        .index
        .files
        .iter()
        .filter(|f| f.rel == "Cargo.toml" || f.rel.ends_with("/Cargo.toml"))
        .map(|f| f.path.as_path())
        .collect();
    let untracked = |d: &Path| {
        let manifest = gate_support::path::normalize(&d.join("Cargo.toml"));
        !d.starts_with(root) || !manifests.contains(manifest.as_path())
    };
    let mut todo: Vec<std::path::PathBuf> = facts
        .packages
        .iter()
        .flat_map(|p| p.path_deps.iter().cloned())
        .filter(|d| untracked(d))
        .collect();
    let mut found: Vec<std::path::PathBuf> = Vec::new();
    // Their own path dependencies, as their manifests declare them (a package outside the
    // workspace inherits nothing from it).
    let no_workspace = toml::Table::new();
    while let Some(dir) = todo.pop() {
        let dir = gate_support::path::normalize(&dir);
        if found.contains(&dir) || found.len() >= MOST_UNTRACKED {
            continue;
        }
        todo.extend(
            crate::workspace::path_dependencies(&dir, &dir, &no_workspace)
                .into_iter()
                .filter(|d| untracked(d)),
        );
        found.push(dir);
    }
    found
}
