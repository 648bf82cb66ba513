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
//!
//! What an earlier run compiled from those copies stays in the target directory, and cargo
//! judges it fresh by the files' times: unpacked again, a crate's sources carry the times
//! the `.crate` gave them, older than the earlier build (a second run in one checkout, after
//! gate-support changed, verified gate-witness against the gate-support compiled the first
//! time). So the fingerprints of every unit built from a registry copy of one of our crates
//! are removed too, and cargo builds those units again ([`stale_builds`]).

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use xshell::cmd;

/// The workspace members that are never published.
pub(crate) const UNPUBLISHED: &[&str] = &["gate-tests", "gate-kernel-tests", "xtask"];

pub(crate) fn run() -> Result<()> {
    let root = crate::project_root();
    let (packages, target) = published(&root)?;
    let names: Vec<&str> = packages.iter().map(|(name, _)| name.as_str()).collect();
    let published: Vec<String> = (packages.iter())
        .map(|(name, version)| format!("{name}-{version}"))
        .collect();
    for dir in stale_builds(&target.join("debug"), &names) {
        std::fs::remove_dir_all(&dir)
            .with_context(|| format!("could not remove {}", dir.display()))?;
    }
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

/// The name and version of each workspace member that is published, and the target
/// directory.
fn published(root: &Path) -> Result<(Vec<(String, String)>, PathBuf)> {
    let sh = crate::shell(root)?;
    let metadata = cmd!(sh, "cargo metadata --no-deps --format-version 1 --locked")
        .quiet()
        .read()
        .context("`cargo metadata` failed")?;
    let metadata: serde_json::Value = serde_json::from_str(&metadata)?;
    let packages = metadata["packages"].as_array().cloned().unwrap_or_default();
    let target = metadata["target_directory"]
        .as_str()
        .map_or_else(|| root.join("target"), PathBuf::from);
    let published = packages
        .iter()
        .filter_map(|p| Some((p["name"].as_str()?, p["version"].as_str()?)))
        .filter(|(name, _)| !UNPUBLISHED.contains(name))
        .map(|(name, version)| (name.to_owned(), version.to_owned()))
        .collect();
    Ok((published, target))
}

/// The fingerprint directories, in a profile's directory of the target (`target/debug`), of
/// the units of the packages `names` that were compiled from a registry's unpacked copy:
/// their dep-info (`deps/CRATE-HASH.d`, `build/PACKAGE-HASH/*.d`) names sources under
/// `registry/src`. A fingerprint and its unit's dep-info share the hash.
fn stale_builds(profile: &Path, names: &[&str]) -> Vec<PathBuf> {
    let from_registry = |dep_info: &Path| {
        std::fs::read_to_string(dep_info).is_ok_and(|text| {
            let first = text.lines().next().unwrap_or_default().replace('\\', "/");
            first.contains("/registry/src/")
        })
    };
    let files = |dir: PathBuf| -> Vec<PathBuf> {
        let entries = std::fs::read_dir(dir).into_iter().flatten().flatten();
        entries.map(|e| e.path()).collect()
    };
    // `NAME-HASH` of a file's stem or a directory's name.
    let split = |name: Option<&std::ffi::OsStr>| -> Option<(String, String)> {
        let (name, hash) = name?.to_str()?.rsplit_once('-')?;
        Some((name.to_owned(), hash.to_owned()))
    };
    let dep_info = |p: &Path| p.extension().is_some_and(|e| e == "d");
    let mut stale = Vec::new();
    // Each directory listed once, whatever the number of crates.
    for path in files(profile.join("deps"))
        .into_iter()
        .filter(|p| dep_info(p))
    {
        let Some((krate, hash)) = split(path.file_stem()) else {
            continue;
        };
        let name = names.iter().find(|n| n.replace('-', "_") == krate);
        if let Some(name) = name
            && from_registry(&path)
        {
            stale.push(profile.join(".fingerprint").join(format!("{name}-{hash}")));
        }
    }
    for build in files(profile.join("build")) {
        let ours = split(build.file_name()).is_some_and(|(name, _)| names.contains(&name.as_str()));
        let registry = || {
            files(build.clone())
                .iter()
                .any(|f| dep_info(f) && from_registry(f))
        };
        if let Some(dir_name) = build.file_name().filter(|_| ours && registry()) {
            stale.push(profile.join(".fingerprint").join(dir_name));
        }
    }
    stale.retain(|dir| dir.is_dir());
    stale.sort();
    stale
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

    /// Only units compiled from a registry's copy of our crates lose their fingerprints:
    /// never the path builds of the same crates, nor a crate whose name merely starts so.
    #[test]
    fn only_builds_from_a_registry_copy_are_stale() {
        let target = tempfile::tempdir().unwrap();
        let profile = target.path().join("debug");
        let write = |rel: &str, text: &str| {
            let path = profile.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        let registry = "/h/.cargo/registry/src/-14cd/gate-support-0.1.0/src/lib.rs";
        write(
            "deps/gate_support-aa.d",
            &format!("/t/deps/gate_support-aa.d: {registry}\n"),
        );
        write(
            "deps/gate_support-bb.d",
            "/t/deps/gate_support-bb.d: /w/gate-support/src/lib.rs\n",
        );
        write("deps/gate_support_x-cc.d", &format!("/t/x.d: {registry}\n"));
        write(
            "build/gate-kernels-dd/build_script_build-dd.d",
            &format!("/t/b.d: {registry}\n"),
        );
        write(
            "build/gate-kernels-ee/build_script_build-ee.d",
            "/t/b.d: /w/gate-kernels/build.rs\n",
        );
        for dir in [
            "gate-support-aa",
            "gate-support-bb",
            "gate-support_x-cc",
            "gate-kernels-dd",
            "gate-kernels-ee",
        ] {
            std::fs::create_dir_all(profile.join(".fingerprint").join(dir)).unwrap();
        }
        let stale = stale_builds(&profile, &["gate-support", "gate-kernels"]);
        let stale: Vec<_> = stale
            .iter()
            .map(|d| d.strip_prefix(&profile).unwrap())
            .collect();
        assert_eq!(
            stale,
            [
                Path::new(".fingerprint/gate-kernels-dd"),
                Path::new(".fingerprint/gate-support-aa")
            ]
        );
    }

    #[test]
    fn the_workspace_publishes_its_product_crates() {
        let (published, _) = published(&crate::project_root()).unwrap();
        let published: Vec<String> = (published.iter())
            .map(|(name, version)| format!("{name}-{version}"))
            .collect();
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
