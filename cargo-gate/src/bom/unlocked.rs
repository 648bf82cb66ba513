//! The graph of a workspace without `Cargo.lock` (a library workspace that does not commit
//! one), resolved where it cannot change the user's tree: in a scratch copy of its manifests
//! and Rust sources (and `.cargo/config*`, which may replace sources), removed afterwards.
//! `cargo metadata` writes the lockfile there, never in the workspace.

use crate::facts::Facts;
use crate::tools::cargo::Cargo;
use std::path::Path;

/// The most of one file copied (a manifest or a source file; a larger one is left out, and
/// cargo says so if it needed it).
const FILE_CAP: u64 = 8 << 20;

/// Whether a tracked file is one cargo reads to resolve: a manifest, a Rust source (targets
/// are discovered from them), cargo's configuration, the toolchain pin.
fn needed(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name == "Cargo.toml"
        || name.ends_with(".rs")
        || rel.starts_with(".cargo/config")
        || name == "rust-toolchain"
        || name == "rust-toolchain.toml"
}

/// The workspace's graph, resolved in a scratch copy: `cargo metadata` with the versions cargo
/// picks today. `Err`: why not, in words.
pub(super) fn resolve(facts: &Facts, cargo: &Cargo) -> Result<cargo_metadata::Metadata, String> {
    let scratch = tempfile::Builder::new()
        .prefix("cargo-gate-unlocked-")
        .tempdir()
        .map_err(|e| format!("could not make a scratch directory: {e}"))?;
    let root = scratch.path();
    for file in facts.index.files.iter().filter(|f| needed(&f.rel)) {
        copy(&file.path, &root.join(&file.rel));
    }
    let scratch_cargo = Cargo::new(root, cargo.offline()).with_timeout(cargo.timeout());
    let cmd = scratch_cargo.command("metadata", &["--format-version", "1"]);
    let out = crate::tools::process::output_for(cmd, cargo.timeout())
        .map_err(|e| format!("could not run `cargo metadata`: {e}"))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(format!(
            "`cargo metadata` fails there: {}",
            crate::tools::cargo::first_error(&stderr)
        ));
    }
    serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("`cargo metadata` printed no graph: {e}"))
}

/// Copies a regular file, bounded; what cannot be copied is left out.
fn copy(from: &Path, to: &Path) {
    let Ok(text) = gate_support::read::text_capped(from, FILE_CAP) else {
        return;
    };
    if let Some(parent) = to.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    let _ = std::fs::write(to, text);
}
