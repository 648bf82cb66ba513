//! The on-disk shape of the configuration, parsed with spans; unknown keys are rejected.

use serde::Deserialize;
use std::collections::BTreeMap;

pub(super) use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    pub(super) policy: Option<Spanned<RawPolicy>>,
    pub(super) boundary: Option<Spanned<RawBoundary>>,
    pub(super) tests: Option<Spanned<RawTests>>,
    pub(super) bench: Option<Spanned<RawBench>>,
    pub(super) checklist: Option<Spanned<RawChecklist>>,
    pub(super) history: Option<Spanned<RawHistory>>,
    pub(super) matrix: Option<Spanned<RawMatrix>>,
    pub(super) check: Option<Vec<Spanned<RawCheck>>>,
    pub(super) waiver: Option<Vec<Spanned<RawWaiver>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawPolicy {
    pub(super) profile: Option<Spanned<String>>,
    pub(super) strict: Option<bool>,
    pub(super) min_driver: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawBoundary {
    pub(super) allow_unsafe: Option<Vec<Spanned<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawTests {
    pub(super) failure_paths: Option<BTreeMap<String, Spanned<String>>>,
    pub(super) timeout: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawBench {
    pub(super) baseline: Option<String>,
    pub(super) command: Option<Spanned<Vec<String>>>,
    pub(super) max_regression: Option<Spanned<f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawChecklist {
    pub(super) path: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawHistory {
    pub(super) window: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMatrix {
    pub(super) platforms: Option<Vec<Spanned<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCheck {
    pub(super) id: Spanned<String>,
    pub(super) stage: Spanned<String>,
    pub(super) run: Spanned<Vec<String>>,
    pub(super) timeout: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWaiver {
    pub(super) check: Spanned<String>,
    #[serde(rename = "match")]
    pub(super) pattern: Spanned<String>,
    pub(super) reason: Spanned<String>,
    pub(super) owner: Spanned<String>,
    pub(super) expires: Spanned<String>,
}

/// The parts of a root `Cargo.toml` that can hold the configuration; everything else is
/// ignored here (cargo validates it).
#[derive(Debug, Deserialize)]
pub(super) struct Manifest {
    pub(super) workspace: Option<ManifestWorkspace>,
}

#[derive(Debug, Deserialize)]
pub(super) struct ManifestWorkspace {
    pub(super) metadata: Option<ManifestMetadata>,
}

#[derive(Debug, Deserialize)]
pub(super) struct ManifestMetadata {
    pub(super) gate: Option<RawConfig>,
}
