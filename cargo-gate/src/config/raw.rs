//! The on-disk shape of the core's tables, parsed with spans; unknown keys are rejected.

use serde::Deserialize;
use std::collections::BTreeMap;

pub(super) use toml::Spanned;

/// The core's tables, each deserialised on its own from the parsed document (the tables
/// checks own are read by their checks, through `section::Section`).
#[derive(Debug)]
pub(super) struct RawConfig {
    pub(super) policy: Option<RawPolicy>,
    pub(super) tests: Option<RawTests>,
    pub(super) cache: Option<RawCache>,
    pub(super) check: Option<Vec<Spanned<RawCheck>>>,
    pub(super) waiver: Option<Vec<Spanned<RawWaiver>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawPolicy {
    pub(super) profile: Option<Spanned<String>>,
    pub(super) strict: Option<bool>,
    pub(super) min_driver: Option<Spanned<String>>,
    pub(super) max_waiver_days: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawTests {
    pub(super) failure_paths: Option<BTreeMap<String, Spanned<String>>>,
    pub(super) timeout: Option<Spanned<String>>,
    pub(super) test_timeout: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawCache {
    pub(super) env: Option<Vec<Spanned<String>>>,
    pub(super) files: Option<Vec<Spanned<String>>>,
    pub(super) reads: Option<BTreeMap<String, Spanned<Vec<Spanned<String>>>>>,
    pub(super) broad: Option<bool>,
    pub(super) max_size: Option<Spanned<String>>,
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
    pub(super) pattern: Option<Spanned<String>>,
    pub(super) code: Option<Spanned<String>>,
    pub(super) subject: Option<Spanned<String>>,
    pub(super) file: Option<Spanned<String>>,
    pub(super) line: Option<Spanned<i64>>,
    pub(super) text: Option<Spanned<String>>,
    pub(super) reason: Spanned<String>,
    pub(super) owner: Spanned<String>,
    pub(super) expires: Spanned<String>,
}
