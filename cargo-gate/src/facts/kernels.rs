//! The kernel inventory: the gate-build manifests the build's scripts wrote, one per package,
//! read once from the build fact's OUT_DIRs. `kernels.build` judges each manifest;
//! `cuda.contracts` judges the same inventory against the policy and the sources.

use super::artifacts::Build;
use super::core::{Core, NotBuilt};
use gate_formats::kernel_manifest::{self, Manifest};
use std::path::PathBuf;
use std::sync::OnceLock;

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

/// The kernel inventory of `core`'s build, read into `cell` on first use (building the
/// workspace when kernels can be in the build).
pub(super) fn inventory<'a>(
    core: &'a Core,
    cell: &'a OnceLock<Inventory>,
    cargo: &crate::tools::cargo::Cargo,
) -> Kernels<'a> {
    if let Some(inventory) = cell.get() {
        return Kernels::of(inventory);
    }
    if !core.kernels_in_build() {
        return Kernels::NothingToBuild;
    }
    // A build by another toolchain than the pinned one is no evidence of the kernels the
    // pinned one builds (and is not paid for: the tests do not run on it either).
    if let Some(other) = &core.other_toolchain {
        return Kernels::NotBuilt(NotBuilt::NoCargo(other.clone()));
    }
    let build = match core.build(cargo) {
        Ok(build) => build,
        Err(not_built) => return Kernels::NotBuilt(not_built),
    };
    if !build.ok {
        return Kernels::BuildFailed(build);
    }
    Kernels::of(cell.get_or_init(|| read_manifests(&build.out_dirs)))
}

impl<'a> Kernels<'a> {
    fn of(inventory: &'a Inventory) -> Kernels<'a> {
        match inventory {
            Ok(found) => Kernels::Found(found),
            Err(unparsable) => Kernels::Unparsable(unparsable),
        }
    }
}

/// The most of one `gate-manifest.json` read.
const MANIFEST_CAP: u64 = 16 << 20;

/// Every `gate-manifest.json` the build's scripts wrote, one per package.
fn read_manifests(out_dirs: &[(String, PathBuf)]) -> Inventory {
    let mut found = Vec::new();
    for (package, out_dir) in out_dirs {
        let path = out_dir.join(kernel_manifest::FILE_NAME);
        // A build script writes it: a FIFO or a link to `/dev/zero` there is refused, and a
        // manifest is read no further than a cap (the largest real ones are kilobytes).
        let bytes = match gate_support::read::bytes_capped(&path, MANIFEST_CAP) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Err(Unparsable {
                    package: package.clone(),
                    path,
                    error: e.to_string(),
                });
            }
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
