//! The kernel inventory: the gate-build manifests the build's scripts wrote, one per package.

use gate_formats::kernel_manifest::Manifest;

/// One package's manifest.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct FoundManifest {
    /// The package.
    pub package: String,
    /// Its manifest, as gate-build wrote it.
    pub manifest: Manifest,
}
