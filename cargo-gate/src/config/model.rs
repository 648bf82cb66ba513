//! The configuration as the checks receive it: [`Config`] and what it holds (the cache's and
//! the tests' settings, the team's checks, where it came from), and what loading it needs to
//! know ([`Known`], [`Layout`]).

use super::rules::ParsedWaiver;
use super::section::{Section, Settings};
use super::validator::Spans;
use crate::policy::Profile;
use crate::stage::Stage;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::time::Duration;

/// Where the effective configuration came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "path", rename_all = "kebab-case")]
pub enum ConfigSource {
    /// No config anywhere: documented defaults.
    Defaults,
    /// `gate.toml` at the workspace root, or the file given with `--config`.
    File(String),
    /// `[workspace.metadata.gate]` in the root `Cargo.toml`.
    CargoMetadata(String),
}

/// A CUDA driver version, as the CUDA release it ships with (`13.0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
pub struct DriverVersion {
    /// Major CUDA version.
    pub major: u32,
    /// Minor CUDA version.
    pub minor: u32,
}

impl fmt::Display for DriverVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// A team check declared with `[[check]]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomCheck {
    /// Its id.
    pub id: String,
    /// The stage where it starts to count.
    pub stage: Stage,
    /// The command and its arguments.
    pub run: Vec<String>,
    /// How long it may run.
    #[serde(with = "duration_secs")]
    pub timeout: Duration,
}

/// `[cache]` (docs/CONFIG.md, docs/CACHE.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CacheSettings {
    /// `env`: environment variables that reach the build beyond the documented list.
    pub env: Vec<String>,
    /// `files`: files and directories the build or the tests read that no build records
    /// (relative to the workspace root; may lie outside it), by content.
    pub files: Vec<String>,
    /// `reads`: by test binary id (`PACKAGE::NAME`), the files and directories it reads at
    /// run time outside its package and the workspace packages it depends on (relative to
    /// the workspace root): they join that binary's key when the test run is kept per binary.
    pub reads: BTreeMap<String, Vec<String>>,
    /// `broad`: whether `broad` may reuse a cached test run (it runs the tests afresh
    /// otherwise).
    pub broad: bool,
    /// `max-size`: the size bound in bytes; the oldest entries go first above it.
    pub max_size: u64,
}

/// The cache's default size bound: 2 GiB.
pub const DEFAULT_CACHE_SIZE: u64 = 2 << 30;

/// The longest one test may run unless `[tests] test-timeout` says otherwise: long enough for
/// any honest unit or integration test, short enough that a hung one does not hold the run
/// for the whole `[tests] timeout`.
pub const DEFAULT_TEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5 * 60);

impl Default for CacheSettings {
    fn default() -> CacheSettings {
        CacheSettings {
            env: Vec::new(),
            files: Vec::new(),
            reads: BTreeMap::new(),
            broad: false,
            max_size: DEFAULT_CACHE_SIZE,
        }
    }
}

/// A size like `2GiB`, `500MB`, `64 MiB` or a number of bytes.
pub fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().ok()?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        _ => return None,
    };
    number.checked_mul(factor)
}

/// `[policy] max-waiver-days`' default: a waiver expires at most a year from the day it is
/// validated.
pub const DEFAULT_MAX_WAIVER_DAYS: u32 = 365;

/// The largest `[policy] max-waiver-days`: ten years. Longer is no expiry at all.
pub const MAX_WAIVER_DAYS_LIMIT: u32 = 3650;

/// The validated configuration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Config {
    /// Where it came from.
    pub source: ConfigSource,
    /// Whether `[policy] profile` was written down (the default is reported as such).
    pub profile_declared: bool,
    /// The policy profile.
    pub profile: Profile,
    /// `[policy] strict`: WARN fails the verdict.
    pub strict: bool,
    /// `[policy] min-driver`.
    pub min_driver: Option<DriverVersion>,
    /// `[policy] max-waiver-days`: how far from today a waiver may expire.
    pub max_waiver_days: u32,
    /// `[tests] failure-paths`: failure path name to test-name pattern.
    pub failure_paths: BTreeMap<String, String>,
    /// `[tests] timeout`: the limit of `tests.pass`'s cargo calls (and the build).
    #[serde(with = "duration_secs")]
    pub tests_timeout: Duration,
    /// `[tests] test-timeout`: the longest one test may run (`tests.pass`).
    #[serde(with = "duration_secs")]
    pub test_timeout: Duration,
    /// `[cache]`: what else reaches the cached facts, whether `broad` may reuse the test
    /// run, and the cache's size bound.
    pub cache: CacheSettings,
    /// `[[check]]` entries.
    pub custom_checks: Vec<CustomCheck>,
    /// `[[waiver]]` entries, with their expiry and glob parsed.
    pub waivers: Vec<ParsedWaiver>,
    /// The validated tables that checks own, by table name (read with [`Config::section`]).
    #[serde(serialize_with = "sections_json")]
    pub sections: BTreeMap<&'static str, Settings>,
    /// Where each table, `[[check]]` and `[[waiver]]` is written (not part of the policy
    /// digest: moving a table does not change the policy).
    #[serde(skip)]
    pub spans: Spans,
}

/// The sections as their settings' JSON, for the policy digest.
fn sections_json<S: serde::Serializer>(
    sections: &BTreeMap<&'static str, Settings>,
    s: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = s.serialize_map(Some(sections.len()))?;
    for (table, settings) in sections {
        map.serialize_entry(table, &settings.json)?;
    }
    map.end()
}

impl Config {
    /// The settings of `table`, as its check validated them, in their own type
    /// (`config.section(&BOUNDARY)`): the table's defaults when this configuration does not
    /// hold it (only a `Config` built by hand; one read from a file or made by
    /// [`defaults`](super::defaults) holds every section the registry knows).
    pub fn section<R, T: serde::de::DeserializeOwned>(
        &self,
        table: &super::section::Table<R, T>,
    ) -> T {
        table.settings(self.sections.get(table.name))
    }

    /// This configuration with `settings` for `table` (for tests, and for defaults).
    pub fn with_section<R, T: Serialize + serde::de::DeserializeOwned>(
        mut self,
        table: &super::section::Table<R, T>,
        settings: T,
    ) -> Config {
        self.sections.insert(table.name, Settings::new(&settings));
        self
    }
}

impl Default for Config {
    /// The documented defaults of the core: profile portable (not declared), not strict, no
    /// minimum driver, no failure paths, the default test time limit. The tables checks own
    /// have their checks' defaults ([`defaults`](super::defaults) fills them in).
    fn default() -> Config {
        Config {
            source: ConfigSource::Defaults,
            profile_declared: false,
            profile: Profile::Portable,
            strict: false,
            min_driver: None,
            max_waiver_days: DEFAULT_MAX_WAIVER_DAYS,
            failure_paths: BTreeMap::new(),
            tests_timeout: crate::tools::cargo::DEFAULT_TIMEOUT,
            test_timeout: DEFAULT_TEST_TIMEOUT,
            cache: CacheSettings::default(),
            sections: BTreeMap::new(),
            custom_checks: Vec::new(),
            waivers: Vec::new(),
            spans: Spans {
                file: "gate.toml".to_owned(),
                at: BTreeMap::new(),
            },
        }
    }
}

/// What a configuration may name besides the core tables: the built-in check ids (for
/// `[[check]]` ids and waivers' `check`) and the tables checks own. The registry knows both
/// (`registry::known()`); this module knows no check.
pub struct Known<'a> {
    /// Whether a check id is built in.
    pub builtin: &'a dyn Fn(&str) -> bool,
    /// The tables checks own.
    pub sections: &'a [&'a dyn Section],
}

impl std::fmt::Debug for Known<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tables: Vec<&str> = self.sections.iter().map(|s| s.table()).collect();
        f.debug_struct("Known").field("sections", &tables).finish()
    }
}

/// Where the configuration of a workspace can be: its root, its root manifest and its
/// members' directories (`Workspace::config_layout`; the configuration sits below the
/// workspace in the layers, so it takes these, not the workspace).
#[derive(Debug, Clone)]
pub struct Layout<'a> {
    /// The workspace root.
    pub root: &'a Path,
    /// The root manifest.
    pub manifest_path: &'a Path,
    /// Each member's name and directory.
    pub members: Vec<(&'a str, &'a Path)>,
}

/// Serialises a duration as whole seconds.
mod duration_secs {
    use serde::Serializer;
    use std::time::Duration;

    pub(super) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_secs())
    }
}

impl Config {
    /// The effective configuration as canonical JSON: what the policy digest is taken over.
    pub fn effective_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("config serialises")
    }
}

/// The path of the config file, when there is one, for locations in findings.
impl ConfigSource {
    /// The file that holds the configuration, if any.
    pub fn file(&self) -> Option<&str> {
        match self {
            ConfigSource::Defaults => None,
            ConfigSource::File(f) | ConfigSource::CargoMetadata(f) => Some(f),
        }
    }
}
