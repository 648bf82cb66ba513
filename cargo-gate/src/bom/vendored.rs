//! Crates inside the repository that git does not track, reached as path dependencies (a
//! checked-out submodule's: GEM's `eda-infra-rs/ulib`, whose build script compiles CUDA
//! through `ucc`, a helper crate of the same submodule). No tracked manifest names them, so
//! they are no package of the file index; they ship with the workspace all the same, so their
//! build scripts are read as the workspace's own: a CUDA build in one is GPU code outside
//! gate-build, named at its call in the repository (`eda-infra-rs/ulib/build.rs:12`). Before,
//! the static layer skipped them and the graph took them for another's crates: all three CUDA
//! checks passed. A dependency beside the repository is the graph's, a dependency's.

use super::helpers::{self, rust_files_below};
use super::script::{analysed, script_builder, untracked_inputs};
use crate::facts::Facts;
use gate_formats::kernel_bom::Builder;
use std::path::{Path, PathBuf};

/// The vendored crates' directories: the path dependencies git does not track that lie
/// below the root and are none of the workspace's packages.
fn crates(facts: &Facts) -> Vec<PathBuf> {
    let root = facts.root();
    let mut found: Vec<PathBuf> = helpers::untracked_path_dependencies(facts)
        .into_iter()
        .filter(|d| d.starts_with(root) && !facts.packages.iter().any(|p| &p.dir == d))
        .collect();
    found.sort();
    found
}

/// The GPU builders of the vendored crates' build scripts, read with `helper_texts` (the
/// workspace's) and the helpers their own path dependencies define.
pub(super) fn builders(facts: &Facts, helper_texts: &[(String, String)]) -> Vec<Builder> {
    let root = facts.root();
    let mut found = Vec::new();
    for dir in crates(facts) {
        let Some(doc) = crate::workspace::read_toml(&dir.join("Cargo.toml")) else {
            continue;
        };
        let name = doc
            .get("package")
            .and_then(|p| p.get("name"))
            .and_then(toml::Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let script = dir.join("build.rs");
        let Ok(text) = gate_support::read::text_capped(&script, helpers::RUST_FILE_CAP) else {
            continue;
        };
        let rel = gate_support::path::relative(root, &script);
        let own = path_dependency_texts(&dir, root);
        let analysed = analysed((&rel, &text), &dir, &[&own, helper_texts]);
        for call in &analysed.calls {
            found.push(Builder {
                untracked: untracked_inputs(call, &dir, facts),
                ..script_builder(&name, &rel, call, &analysed, false)
            });
        }
    }
    found
}

/// The Rust files with a builder word below the source directories of the path dependencies
/// the manifest at `dir` declares (none for a registry crate, whose published manifest has no
/// paths), shown relative to `root`: where its build script's helpers may live.
pub(super) fn path_dependency_texts(dir: &Path, root: &Path) -> Vec<(String, String)> {
    let no_workspace = toml::Table::new();
    let mut texts = Vec::new();
    for dep in crate::workspace::path_dependencies(dir, dir, &no_workspace) {
        for path in rust_files_below(&dep.join("src")) {
            if let Some(text) = helpers::with_build_word(&path) {
                texts.push((gate_support::path::shown(root, &path), text));
            }
        }
    }
    texts
}
