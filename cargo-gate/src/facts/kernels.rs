//! The kernel inventory: the gate-build manifests the build's scripts wrote, one per package,
//! read once from the build fact's OUT_DIRs. `kernels.build` judges each manifest;
//! `cuda.contracts` judges the same inventory against the policy and the sources.

use super::{Build, Facts, NotBuilt};
use gate_formats::kernel_manifest::{self, Manifest};
use std::path::PathBuf;

/// One package's manifest.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct FoundManifest {
    /// The package.
    pub package: String,
    /// Its manifest, as gate-build wrote it.
    pub manifest: Manifest,
}

/// A `gate-manifest.json` that does not parse (the first one found).
#[derive(Debug, Clone)]
pub struct Unparsable {
    /// The package whose build script wrote it.
    pub package: String,
    /// Where it is.
    pub path: PathBuf,
    /// Why it does not parse.
    pub error: String,
}

/// The kernel inventory of the run.
#[derive(Debug)]
pub enum Kernels<'a> {
    /// No shipped package depends on gate-build and the lockfile's graph does not hold it:
    /// nothing is built, there are no manifests.
    NothingToBuild,
    /// The build was not attempted.
    NotBuilt(NotBuilt<'a>),
    /// The build failed (`tests.pass` reports it).
    BuildFailed(&'a Build),
    /// A manifest does not parse.
    Unparsable(&'a Unparsable),
    /// The manifests, by package.
    Found(&'a [FoundManifest]),
}

/// What the inventory holds once read: the manifests, or the first that does not parse.
pub(super) type Inventory = Result<Vec<FoundManifest>, Unparsable>;

impl Facts {
    /// The kernel inventory, read on first use (building the workspace when kernels can be in
    /// the build).
    pub fn kernels(&self, cargo: &crate::cargo::Cargo) -> Kernels<'_> {
        self.kernels_asked
            .store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(inventory) = self.kernels.get() {
            return Kernels::of(inventory);
        }
        if !self.kernels_in_build() {
            return Kernels::NothingToBuild;
        }
        let build = match self.build(cargo) {
            Ok(build) => build,
            Err(not_built) => return Kernels::NotBuilt(not_built),
        };
        if !build.ok {
            return Kernels::BuildFailed(build);
        }
        Kernels::of(self.kernels.get_or_init(|| read_manifests(&build.out_dirs)))
    }

    /// The kernel inventory when a check of this run has asked for it (`kernels.build` does
    /// whenever it runs), `None` when none did: a check that judges the inventory
    /// `kernels.build` collects does not build the workspace when that check was skipped.
    pub fn kernels_collected(&self, cargo: &crate::cargo::Cargo) -> Option<Kernels<'_>> {
        self.kernels_asked
            .load(std::sync::atomic::Ordering::SeqCst)
            .then(|| self.kernels(cargo))
    }

    /// These facts with `found` as the kernel inventory, collected (for tests of the checks
    /// that judge it).
    #[cfg(test)]
    pub(crate) fn with_kernels(self, found: Vec<FoundManifest>) -> Facts {
        let _ = self.kernels.set(Ok(found));
        self.kernels_asked
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self
    }
}

impl<'a> Kernels<'a> {
    fn of(inventory: &'a Inventory) -> Kernels<'a> {
        match inventory {
            Ok(found) => Kernels::Found(found),
            Err(unparsable) => Kernels::Unparsable(unparsable),
        }
    }
}

/// Every `gate-manifest.json` the build's scripts wrote, one per package.
fn read_manifests(out_dirs: &[(String, PathBuf)]) -> Inventory {
    let mut found = Vec::new();
    for (package, out_dir) in out_dirs {
        let path = out_dir.join(kernel_manifest::FILE_NAME);
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        match serde_json::from_slice::<Manifest>(&bytes) {
            Ok(manifest) => found.push(FoundManifest {
                package: package.clone(),
                manifest,
            }),
            Err(e) => {
                return Err(Unparsable {
                    package: package.clone(),
                    path,
                    error: e.to_string(),
                });
            }
        }
    }
    found.sort_by(|a, b| a.package.cmp(&b.package));
    found.dedup_by(|a, b| a.package == b.package);
    Ok(found)
}
