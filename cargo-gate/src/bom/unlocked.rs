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
    if !facts.index.files.iter().any(|f| f.rel == "Cargo.toml") {
        return Err(
            "its Cargo.toml is not tracked by git (the gate judges what is committed: \
                    `git add Cargo.toml`)"
                .to_owned(),
        );
    }
    // Path dependencies outside the workspace (sppark's `poc/msm-cuda` on `../../rust`), or
    // inside it but not tracked (a checked-out git submodule's crates: GEM's `eda-infra-rs`),
    // are copied where the same relative paths reach them: the copy mirrors the directory
    // above the workspace and all of them.
    let outside = super::helpers::untracked_path_dependencies(facts);
    let anchor = facts
        .root()
        .ancestors()
        .find(|a| outside.iter().all(|d| d.starts_with(a)))
        .unwrap_or(facts.root());
    let mirrored = |path: &Path| {
        scratch
            .path()
            .join(path.strip_prefix(anchor).unwrap_or(path))
    };
    let root = mirrored(facts.root());
    for file in facts.index.files.iter().filter(|f| needed(&f.rel)) {
        copy(&file.path, &root.join(&file.rel));
    }
    for dir in &outside {
        for file in needed_below(dir) {
            copy(&file, &mirrored(&file));
        }
    }
    let scratch_cargo = Cargo::new(&root, cargo.offline()).with_timeout(cargo.timeout());
    // Every feature, as the locked resolve is asked (`cargo metadata --locked
    // --all-features`): an optional dependency is unpacked and in the graph too (ewald's
    // `cuda_setup`, behind its feature `cuda`, was neither).
    let cmd = scratch_cargo.command("metadata", &["--format-version", "1", "--all-features"]);
    let out = crate::tools::process::output_for(cmd, cargo.timeout())
        .map_err(|e| format!("could not run `cargo metadata`: {e}"))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(failure(&stderr, scratch.path(), anchor, cargo.offline()));
    }
    serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("`cargo metadata` printed no graph: {e}"))
}

/// The files cargo reads to resolve below a path dependency's directory (its `target/` and
/// hidden directories left out), at most a few thousand.
fn needed_below(dir: &Path) -> Vec<std::path::PathBuf> {
    super::helpers::files_below(
        dir,
        |name| name != "target" && !name.starts_with('.'),
        needed,
    )
}

/// Cargo's error in the scratch copy, said of the workspace: the copy's path is the
/// workspace's, and cargo's reminder about offline mode becomes the fix.
fn failure(stderr: &str, scratch: &Path, workspace: &Path, offline: bool) -> String {
    let stderr = stderr.replace(
        &scratch.display().to_string(),
        &workspace.display().to_string(),
    );
    // cargo's error with its chain of causes, to the last (`Caused by:` each); its reminder
    // about offline mode is said as the fix below.
    let error = crate::tools::cargo::error_lines(&stderr, 12);
    let lines: Vec<&str> = error
        .lines()
        .filter(|l| !l.starts_with("As a reminder, you're using offline mode"))
        .collect();
    let mut said = format!("`cargo metadata` fails: {}", lines.join("\n"));
    if offline {
        said.push_str(
            "\n  (with --offline cargo resolves from the crates it has already downloaded: \
             run without --offline to let it read the index)",
        );
    }
    said
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

#[cfg(test)]
mod tests {
    use super::failure;
    use std::path::Path;

    /// Found on a workspace without a lockfile run with `--offline`: the report named the
    /// scratch directory and repeated cargo's reminder instead of the fix.
    #[test]
    fn cargo_s_error_names_the_workspace_and_the_fix() {
        let stderr = "error: no matching package named `zzz` found\n\
                      location searched: the index\n\
                      required by package `off1 v0.1.0 (/tmp/cargo-gate-unlocked-Ab12)`\n\
                      As a reminder, you're using offline mode (--offline) which can sometimes \
                      cause surprising resolution failures.\n";
        let said = failure(
            stderr,
            Path::new("/tmp/cargo-gate-unlocked-Ab12"),
            Path::new("/w/off1"),
            true,
        );
        assert!(said.contains("`off1 v0.1.0 (/w/off1)`"), "{said}");
        assert!(!said.contains("cargo-gate-unlocked"), "{said}");
        assert!(!said.contains("As a reminder"), "{said}");
        assert!(
            said.ends_with("run without --offline to let it read the index)"),
            "{said}"
        );
        let online = failure(stderr, Path::new("/s"), Path::new("/w"), false);
        assert!(!online.contains("--offline cargo"), "{online}");
    }
}
