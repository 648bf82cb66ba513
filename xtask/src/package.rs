//! `cargo xtask package`: every published crate packaged and built from its `.crate` alone,
//! with nothing left from an earlier run standing in for what is packaged now.
//!
//! `cargo package --workspace` publishes the crates into a local registry that overlays the
//! real one (`target/package/tmp-registry`) and verifies each crate against the others from
//! there. Cargo unpacks what it takes from that registry into
//! `$CARGO_HOME/registry/src/<dir named for the registry's path>/NAME-VERSION/`, and an
//! unpacked directory that is already there is used as it is: no checksum is compared. A
//! `CARGO_HOME` kept from an earlier run, in the same checkout path, therefore verifies a crate
//! against its dependencies' *earlier* sources (stop 47's CI failed so: gate-witness built
//! against a gate-support without the module it now uses). So the unpacked copies of our
//! published crates, at their current version, are removed first.

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use xshell::cmd;

/// The workspace members that are never published.
pub(crate) const UNPUBLISHED: &[&str] = &["gate-tests", "gate-kernel-tests", "xtask"];

pub(crate) fn run() -> Result<()> {
    let root = crate::project_root();
    let published = published(&root)?;
    if let Some(cargo_home) = cargo_home() {
        for dir in stale_sources(&cargo_home.join("registry/src"), &published) {
            crate::say(&format!(
                "removing an earlier unpacked copy, {}",
                dir.display()
            ));
            std::fs::remove_dir_all(&dir)
                .with_context(|| format!("could not remove {}", dir.display()))?;
        }
    }
    let excluded = UNPUBLISHED.iter().flat_map(|name| ["--exclude", name]);
    let sh = crate::shell(&root)?;
    cmd!(sh, "cargo package --workspace {excluded...} --locked")
        .run()
        .context("`cargo package` failed")
}

/// `NAME-VERSION` of each workspace member that is published.
fn published(root: &Path) -> Result<Vec<String>> {
    let sh = crate::shell(root)?;
    let metadata = cmd!(sh, "cargo metadata --no-deps --format-version 1 --locked")
        .quiet()
        .read()
        .context("`cargo metadata` failed")?;
    let metadata: serde_json::Value = serde_json::from_str(&metadata)?;
    let packages = metadata["packages"].as_array().cloned().unwrap_or_default();
    Ok(packages
        .iter()
        .filter_map(|p| Some((p["name"].as_str()?, p["version"].as_str()?)))
        .filter(|(name, _)| !UNPUBLISHED.contains(name))
        .map(|(name, version)| format!("{name}-{version}"))
        .collect())
}

/// Cargo's home, as cargo finds it: `CARGO_HOME`, else `~/.cargo`.
fn cargo_home() -> Option<PathBuf> {
    std::env::var_os("CARGO_HOME")
        .filter(|home| !home.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::home_dir().map(|home| home.join(".cargo")))
}

/// The unpacked `NAME-VERSION` directories of `published` under any registry's sources.
fn stale_sources(registry_src: &Path, published: &[String]) -> Vec<PathBuf> {
    let Ok(registries) = std::fs::read_dir(registry_src) else {
        return Vec::new();
    };
    let mut stale: Vec<PathBuf> = registries
        .flatten()
        .flat_map(|registry| published.iter().map(move |p| registry.path().join(p)))
        .filter(|dir| dir.is_dir())
        .collect();
    stale.sort();
    stale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_published_crates_at_their_version_are_stale() {
        let home = tempfile::tempdir().unwrap();
        let src = home.path().join("registry/src");
        for dir in [
            "-14cd/gate-support-0.1.0",
            "-22c3/gate-support-0.1.0",
            "-22c3/gate-support-0.0.9",
            "index-abc/serde-1.0.0",
            "index-abc/xtask-0.1.0",
        ] {
            std::fs::create_dir_all(src.join(dir)).unwrap();
        }
        let stale = stale_sources(&src, &["gate-support-0.1.0".to_owned()]);
        let stale: Vec<_> = stale
            .iter()
            .map(|d| d.strip_prefix(&src).unwrap())
            .collect();
        assert_eq!(
            stale,
            [
                Path::new("-14cd/gate-support-0.1.0"),
                Path::new("-22c3/gate-support-0.1.0")
            ]
        );
        assert!(stale_sources(&home.path().join("absent"), &[]).is_empty());
    }

    #[test]
    fn the_workspace_publishes_its_product_crates() {
        let published = published(&crate::project_root()).unwrap();
        for name in [
            "cargo-gate-",
            "gate-support-",
            "gate-witness-",
            "gate-cuda-",
            "gate-ci-",
        ] {
            assert!(
                published.iter().any(|p| p.starts_with(name)),
                "{published:?}"
            );
        }
        assert!(!published.iter().any(|p| p.starts_with("xtask-")));
    }
}
