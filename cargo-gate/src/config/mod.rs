//! Configuration in two steps: parse `gate.toml` (or `[workspace.metadata.gate]`) with spans,
//! rejecting unknown keys, then validate into the typed [`Config`] the checks receive.
//!
//! Every error points at `FILE:LINE:COL` and says how to fix it. No file at all means the
//! documented defaults (see [`Config::default`]).

mod file;
mod raw;
pub mod rules;
pub mod section;
mod validator;

use crate::policy::Profile;
use crate::stage::Stage;
use gate_support::date::Date;
use raw::RawConfig;
use section::{Section, Settings, Spanned};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::time::Duration;
use toml::de::{DeTable, DeValue};
use validator::toml_error;
pub use validator::{ConfigError, ConfigErrors, MAX_TIMEOUT, Spans, Validator, line_col};

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
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

/// A waiver declared with `[[waiver]]` (its type is part of `report.json`).
pub use gate_formats::report::Waiver;
pub use rules::ParsedWaiver;

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
    /// The settings of the table `T` belongs to, as its check validated them.
    ///
    /// A configuration read from a file or made by [`defaults`] holds every section the
    /// registry knows, so there a miss is a bug (asking for a type no section stores, such as
    /// the raw table instead of its validated settings): it panics in debug builds and tests.
    /// Only a `Config` built by hand with no sections at all (tests of single checks) gets
    /// `T`'s defaults.
    pub fn section<T: std::any::Any + Clone + Default>(&self) -> T {
        let found = self
            .sections
            .values()
            .find_map(|s| s.value.downcast_ref::<T>());
        if let Some(settings) = found {
            return settings.clone();
        }
        debug_assert!(
            self.sections.is_empty(),
            "no section of the configuration ({}) stores a {}: ask for the settings type its \
             section validates into",
            self.sections.keys().copied().collect::<Vec<_>>().join(", "),
            std::any::type_name::<T>()
        );
        T::default()
    }

    /// This configuration with `settings` for `table` (for tests, and for defaults).
    pub fn with_section<T: Serialize + std::any::Any + Send + Sync>(
        mut self,
        table: &'static str,
        settings: T,
    ) -> Config {
        self.sections.insert(table, Settings::new(settings));
        self
    }
}

impl Default for Config {
    /// The documented defaults of the core: profile portable (not declared), not strict, no
    /// minimum driver, no failure paths, the default test time limit. The tables checks own
    /// have their checks' defaults ([`defaults`] fills them in).
    fn default() -> Config {
        Config {
            source: ConfigSource::Defaults,
            profile_declared: false,
            profile: Profile::Portable,
            strict: false,
            min_driver: None,
            max_waiver_days: DEFAULT_MAX_WAIVER_DAYS,
            failure_paths: BTreeMap::new(),
            tests_timeout: crate::cargo::DEFAULT_TIMEOUT,
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

/// Loads the configuration for the workspace `ws`.
///
/// `explicit` is `--config FILE`; otherwise `gate.toml` at the root and
/// `[workspace.metadata.gate]` (or `[package.metadata.gate]`) in the root manifest are looked
/// at, and having both is an error. A member's manifest (not the root's) holding either
/// table is an error too: the gate never reads it, and a user who wrote it there expects
/// it to count.
pub fn load(
    ws: &Layout<'_>,
    explicit: Option<&Path>,
    known: &Known<'_>,
) -> Result<Config, ConfigErrors> {
    let mut errors = members_config(ws);
    let loaded = load_from(ws.root, ws.manifest_path, explicit, known);
    if let Err(e) = &loaded {
        errors.extend(e.all().iter().cloned());
    }
    ConfigErrors::from_vec(errors)?;
    loaded
}

/// Gate configuration in the manifests of members other than the root: one error each,
/// at its table, with the fix.
fn members_config(ws: &Layout<'_>) -> Vec<ConfigError> {
    let same = |a: &Path, b: &Path| {
        a == b || matches!((a.canonicalize(), b.canonicalize()), (Ok(a), Ok(b)) if a == b)
    };
    let mut errors = Vec::new();
    for (member, dir) in &ws.members {
        let manifest = dir.join("Cargo.toml");
        if same(&manifest, ws.manifest_path) {
            continue;
        }
        // An unreadable or invalid manifest is cargo's (and other checks') to report.
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            continue;
        };
        let Ok(doc) = DeTable::parse(&text) else {
            continue;
        };
        let shown = display(ws.root, &manifest);
        let root_manifest = display(ws.root, ws.manifest_path);
        let (workspace, package) = gate_tables(doc.get_ref());
        for (table, spanned) in [
            (MANIFEST_TABLES[0], workspace),
            (MANIFEST_TABLES[1], package),
        ] {
            let Some(spanned) = spanned else { continue };
            errors.push(ConfigError {
                file: shown.clone(),
                position: Some(line_col(&text, spanned.span().start)),
                message: format!(
                    "{table} in the manifest of member `{}` is never read: the gate reads its \
                     configuration from gate.toml or [workspace.metadata.gate] in the root \
                     {root_manifest}",
                    member
                ),
                help: format!(
                    "move these settings into gate.toml at the workspace root (or \
                     [workspace.metadata.gate] in {root_manifest}) and delete the table from \
                     {shown}"
                ),
            });
        }
    }
    errors
}

/// [`load`] from the files alone, without looking at members.
fn load_from(
    root: &Path,
    root_manifest: &Path,
    explicit: Option<&Path>,
    known: &Known<'_>,
) -> Result<Config, ConfigErrors> {
    if let Some(path) = explicit {
        let text = read(root, path, file::Whose::User)?;
        return parse_gate_toml(&text, &display(root, path), known);
    }
    let gate_toml = root.join("gate.toml");
    let manifest_text = read(root, root_manifest, file::Whose::Tree)?;
    let in_manifest = parse_manifest_section(&manifest_text, &display(root, root_manifest), known)?;
    // A gate.toml that is not a file (a directory, say) is a mistake to name, not a reason to
    // fall back to the defaults.
    // A link that leads nowhere is named too.
    let gate_toml_exists = gate_toml.symlink_metadata().is_ok();
    match (gate_toml_exists, in_manifest) {
        (true, Some(_)) => {
            let table = manifest_config_table(&manifest_text).unwrap_or(MANIFEST_TABLES[0]);
            Err(ConfigErrors::from(ConfigError {
                file: display(root, &gate_toml),
                position: None,
                message: format!(
                    "configuration found in both gate.toml and {table} of {}",
                    display(root, root_manifest)
                ),
                help: format!("keep one of the two: delete gate.toml or the {table} table"),
            }))
        }
        (true, None) => {
            let text = read(root, &gate_toml, file::Whose::Tree)?;
            parse_gate_toml(&text, &display(root, &gate_toml), known)
        }
        (false, Some(config)) => Ok(config),
        (false, None) => Ok(defaults(known)),
    }
}

/// The documented defaults, with every section's defaults.
pub fn defaults(known: &Known<'_>) -> Config {
    let mut v = Validator::new("", "gate.toml");
    let mut config = Config::default();
    for section in known.sections {
        config
            .sections
            .insert(section.table(), section.read(None, &mut v));
    }
    config
}

/// [`file::read`], its refusal as a configuration error naming the file.
fn read(root: &Path, path: &Path, whose: file::Whose) -> Result<String, ConfigError> {
    file::read(root, path, whose).map_err(|u| ConfigError {
        file: display(root, path),
        position: None,
        message: u.message,
        help: u.help.to_owned(),
    })
}

/// A path relative to the workspace root when it is inside it, `/`-separated.
fn display(root: &Path, path: &Path) -> String {
    gate_support::path::relative(root, path)
}

/// Parses and validates the text of a `gate.toml`; `file` names it in errors. Waivers'
/// expiry dates are measured from today (UTC).
pub fn parse_gate_toml(text: &str, file: &str, known: &Known<'_>) -> Result<Config, ConfigErrors> {
    parse_gate_toml_on(text, file, known, Date::today_utc())
}

/// [`parse_gate_toml`] on a given day (tests pass a fixed one).
pub fn parse_gate_toml_on(
    text: &str,
    file: &str,
    known: &Known<'_>,
    today: Date,
) -> Result<Config, ConfigErrors> {
    let doc = DeTable::parse(text).map_err(|e| toml_error(text, file, &e))?;
    validate(
        doc.get_ref(),
        text,
        ConfigSource::File(file.to_owned()),
        file,
        known,
        today,
    )
}

/// The tables of a root `Cargo.toml` that may hold the configuration: a workspace's, and a
/// single-crate project's.
pub const MANIFEST_TABLES: [&str; 2] = ["[workspace.metadata.gate]", "[package.metadata.gate]"];

/// Which of [`MANIFEST_TABLES`] a root `Cargo.toml`'s text holds (an unparsable manifest holds
/// none: cargo reports that itself).
pub fn manifest_config_table(text: &str) -> Option<&'static str> {
    let doc = DeTable::parse(text).ok()?;
    match gate_tables(doc.get_ref()) {
        (Some(_), _) => Some(MANIFEST_TABLES[0]),
        (None, Some(_)) => Some(MANIFEST_TABLES[1]),
        (None, None) => None,
    }
}

/// `[workspace.metadata.gate]` and `[package.metadata.gate]` of a manifest, where present.
fn gate_tables<'d, 'i>(
    doc: &'d DeTable<'i>,
) -> (
    Option<&'d Spanned<DeValue<'i>>>,
    Option<&'d Spanned<DeValue<'i>>>,
) {
    let table_of = |key: &str| {
        doc.get(key)
            .and_then(|w| w.get_ref().get("metadata"))
            .and_then(|m| m.get_ref().get("gate"))
    };
    (table_of("workspace"), table_of("package"))
}

/// Parses `[workspace.metadata.gate]` (or, in a single-crate project,
/// `[package.metadata.gate]`) out of a root `Cargo.toml`'s text, if present; both is an error.
pub fn parse_manifest_section(
    text: &str,
    file: &str,
    known: &Known<'_>,
) -> Result<Option<Config>, ConfigErrors> {
    let doc = DeTable::parse(text).map_err(|e| toml_error(text, file, &e))?;
    let (gate, name) = match gate_tables(doc.get_ref()) {
        (Some(_), Some(package)) => {
            let mut v = Validator::new(text, file);
            v.error::<_, ()>(
                package,
                format!(
                    "configuration found in both {} and {}",
                    MANIFEST_TABLES[0], MANIFEST_TABLES[1]
                ),
                "keep one of the two tables (a workspace's configuration belongs in \
                 [workspace.metadata.gate])",
            );
            return Err(ConfigErrors(v.errors));
        }
        (Some(gate), None) => (gate, MANIFEST_TABLES[0]),
        (None, Some(gate)) => (gate, MANIFEST_TABLES[1]),
        (None, None) => return Ok(None),
    };
    let Some(table) = gate.get_ref().as_table() else {
        let mut v = Validator::new(text, file);
        let prefix = name.trim_end_matches(']');
        v.error::<_, ()>(
            gate,
            format!("{name} is not a table"),
            &format!("write the configuration as a table: {prefix}.policy] and so on"),
        );
        return Err(ConfigErrors(v.errors));
    };
    validate(
        table,
        text,
        ConfigSource::CargoMetadata(file.to_owned()),
        file,
        known,
        Date::today_utc(),
    )
    .map(Some)
}

/// The core's tables, in the order unknown-key errors list them.
const CORE_TABLES: &[&str] = &["policy", "tests", "cache", "check", "waiver"];

/// Deserialises one of the core's tables from the document (spans kept); a problem is
/// recorded and gives `None`.
fn core<T: serde::de::DeserializeOwned>(
    doc: &DeTable<'_>,
    key: &str,
    v: &mut Validator<'_>,
) -> Option<T> {
    section::raw(doc.get(key)?, v)
}

fn validate(
    doc: &DeTable<'_>,
    text: &str,
    source: ConfigSource,
    file: &str,
    known: &Known<'_>,
    today: Date,
) -> Result<Config, ConfigErrors> {
    let mut v = Validator::new(text, file);
    v.today = today;
    let mut config = Config {
        source,
        ..Config::default()
    };
    // Every top-level key is a core table or a table a check owns.
    for (key, value) in doc.iter() {
        let name = key.get_ref().as_ref();
        let owned = known.sections.iter().any(|s| s.table() == name);
        if CORE_TABLES.contains(&name) || owned {
            if value.get_ref().as_table().is_some() {
                v.remember(name, value, true);
            }
            continue;
        }
        let mut expected: Vec<&str> = CORE_TABLES.to_vec();
        expected.extend(known.sections.iter().map(|s| s.table()));
        let expected: Vec<String> = expected.iter().map(|t| format!("`{t}`")).collect();
        v.error::<_, ()>(
            key,
            format!(
                "unknown field `{name}`, expected one of {}",
                expected.join(", ")
            ),
            "remove the key or fix its spelling; the keys are listed in docs/CONFIG.md",
        );
    }
    let raw = RawConfig {
        policy: core(doc, "policy", &mut v),
        tests: core(doc, "tests", &mut v),
        cache: core(doc, "cache", &mut v),
        check: core(doc, "check", &mut v),
        waiver: core(doc, "waiver", &mut v),
    };
    for section in known.sections {
        let settings = section.read(doc.get(section.table()), &mut v);
        config.sections.insert(section.table(), settings);
    }
    if let Some(policy) = raw.policy {
        if let Some(profile) = policy.profile {
            match Profile::parse(profile.get_ref()) {
                Some(parsed) => config.profile = parsed,
                None => v
                    .error::<_, ()>(
                        &profile,
                        format!("unknown profile `{}`", profile.get_ref()),
                        "use one of: portable, idiomatic, rusty",
                    )
                    .unwrap_or_default(),
            }
            config.profile_declared = true;
        }
        config.strict = policy.strict.unwrap_or(false);
        if let Some(min_driver) = policy.min_driver {
            v.remember("policy.min-driver", &min_driver, false);
            config.min_driver = parse_driver(min_driver.get_ref()).or_else(|| {
                v.error(
                    &min_driver,
                    format!(
                        "`{}` is not a CUDA driver version like \"13.0\"",
                        min_driver.get_ref()
                    ),
                    "write the CUDA version as MAJOR.MINOR, e.g. min-driver = \"13.0\"",
                )
            });
        }
        if let Some(days) = policy.max_waiver_days {
            match u32::try_from(*days.get_ref()) {
                Ok(d) if (1..=MAX_WAIVER_DAYS_LIMIT).contains(&d) => config.max_waiver_days = d,
                _ => v
                    .error::<_, ()>(
                        &days,
                        format!(
                            "max-waiver-days {} is outside 1..={MAX_WAIVER_DAYS_LIMIT}",
                            days.get_ref()
                        ),
                        "give the most days a waiver may run, e.g. max-waiver-days = 365 \
                         (at most ten years)",
                    )
                    .unwrap_or_default(),
            }
        }
    }
    if let Some(tests) = raw.tests {
        for (path, pattern) in tests.failure_paths.unwrap_or_default() {
            if pattern.get_ref().is_empty() {
                v.error::<_, ()>(
                    &pattern,
                    format!("failure path `{path}` has an empty test-name pattern"),
                    "give the prefix or substring of the test names, e.g. io = \"io_\"",
                );
                continue;
            }
            config.failure_paths.insert(path, pattern.into_inner());
        }
        if let Some(t) = tests.timeout
            && let Some(timeout) = v.timeout(&t)
        {
            config.tests_timeout = timeout;
        }
        if let Some(t) = tests.test_timeout
            && let Some(timeout) = v.timeout(&t)
        {
            config.test_timeout = timeout;
        }
    }
    if let Some(cache) = raw.cache {
        for name in cache.env.unwrap_or_default() {
            let bad = name.get_ref().is_empty()
                || name.get_ref().contains(['=', '\0'])
                || name.get_ref().chars().any(char::is_whitespace);
            if bad {
                v.error::<_, ()>(
                    &name,
                    format!("`{}` is not an environment variable name", name.get_ref()),
                    "list variable names, e.g. env = [\"MY_FEATURE_FLAG\"]",
                );
            } else if !config.cache.env.contains(name.get_ref()) {
                config.cache.env.push(name.into_inner());
            }
        }
        config.cache.env.sort();
        for path in cache.files.unwrap_or_default() {
            if path.get_ref().trim().is_empty() || path.get_ref().contains('\0') {
                v.error::<_, ()>(
                    &path,
                    format!("`{}` is not a path", path.get_ref().escape_debug()),
                    "list files or directories relative to the workspace root, e.g. files = [\"tests/data\"]",
                );
            } else if !config.cache.files.contains(path.get_ref()) {
                config.cache.files.push(path.into_inner());
            }
        }
        config.cache.files.sort();
        for (binary, paths) in cache.reads.unwrap_or_default() {
            let mut kept = Vec::new();
            for path in paths.into_inner() {
                if path.get_ref().trim().is_empty() || path.get_ref().contains('\0') {
                    v.error::<_, ()>(
                        &path,
                        format!("`{}` is not a path", path.get_ref().escape_debug()),
                        "list what the test binary reads relative to the workspace root, e.g. \
                         reads = { \"tests::tidy\" = [\"crates\"] }",
                    );
                } else if !kept.contains(path.get_ref()) {
                    kept.push(path.into_inner());
                }
            }
            kept.sort();
            config.cache.reads.insert(binary, kept);
        }
        config.cache.broad = cache.broad.unwrap_or(false);
        if let Some(size) = cache.max_size {
            match parse_size(size.get_ref()) {
                Some(bytes) if bytes >= 1 << 20 => config.cache.max_size = bytes,
                _ => v
                    .error::<_, ()>(
                        &size,
                        format!("`{}` is not a cache size of at least 1 MiB", size.get_ref()),
                        "write a size like \"2GiB\" or \"500MB\"",
                    )
                    .unwrap_or_default(),
            }
        }
    }
    for (index, check) in raw.check.unwrap_or_default().into_iter().enumerate() {
        v.remember(format!("check[{index}]"), &check, true);
        let check = check.into_inner();
        v.remember(format!("check[{index}].id"), &check.id, false);
        if let Some(custom) = custom_check(&mut v, &config, check, known.builtin) {
            config.custom_checks.push(custom);
        }
    }
    for (index, waiver) in raw.waiver.unwrap_or_default().into_iter().enumerate() {
        v.remember(format!("waiver[{index}]"), &waiver, true);
        let header = waiver.span();
        let waiver = waiver.into_inner();
        let check_waiver = waiver_entry(&mut v, &config, known, index, header, waiver);
        config.waivers.push(ParsedWaiver::from(check_waiver));
    }
    ConfigErrors::from_vec(v.errors)?;
    config.spans = v.spans;
    Ok(config)
}

/// One `[[waiver]]`, validated: every problem is recorded in `v`. The waiver is returned even
/// when invalid (the errors stop the run anyway), so waiver indices stay the positions of
/// the `[[waiver]]` tables in the file.
fn waiver_entry(
    v: &mut Validator<'_>,
    config: &Config,
    known: &Known<'_>,
    index: usize,
    header: std::ops::Range<usize>,
    waiver: raw::RawWaiver,
) -> Waiver {
    remember_waiver(v, index, &waiver);
    let check = waiver.check.get_ref();
    waiver_target(v, config, known, &waiver);
    waiver_selectors(v, &header, &waiver);
    let line = waiver_line(v, &waiver);
    waiver_path_scope(v, &waiver);
    waiver_accountable(v, config, &waiver);
    let text = |s: Option<Spanned<String>>| s.map(Spanned::into_inner);
    Waiver {
        check: check.clone(),
        pattern: text(waiver.pattern),
        code: text(waiver.code),
        subject: text(waiver.subject),
        // Findings name files `/`-separated on every platform (gate_support::path::relative);
        // a waiver written with Windows separators names the same file.
        file: text(waiver.file).map(|f| f.replace('\\', "/")),
        line,
        text: text(waiver.text),
        reason: waiver.reason.into_inner(),
        owner: waiver.owner.into_inner(),
        expires: waiver.expires.into_inner(),
    }
}

/// Remembers where each key of `[[waiver]]` number `index` is written.
fn remember_waiver(v: &mut Validator<'_>, index: usize, waiver: &raw::RawWaiver) {
    for (key, spanned) in [
        ("check", Some(&waiver.check)),
        ("match", waiver.pattern.as_ref()),
        ("code", waiver.code.as_ref()),
        ("subject", waiver.subject.as_ref()),
        ("file", waiver.file.as_ref()),
        ("text", waiver.text.as_ref()),
        ("reason", Some(&waiver.reason)),
        ("owner", Some(&waiver.owner)),
        ("expires", Some(&waiver.expires)),
    ] {
        if let Some(spanned) = spanned {
            v.remember(format!("waiver[{index}].{key}"), spanned, false);
        }
    }
    if let Some(line) = &waiver.line {
        v.remember(format!("waiver[{index}].line"), line, false);
    }
}

/// The check a waiver names: a known one, and one that may be waived.
fn waiver_target(
    v: &mut Validator<'_>,
    config: &Config,
    known: &Known<'_>,
    waiver: &raw::RawWaiver,
) {
    use rules as waiver_rules;
    let check = waiver.check.get_ref();
    let is_known = (known.builtin)(check) || config.custom_checks.iter().any(|c| &c.id == check);
    if !is_known {
        v.error::<_, ()>(
            &waiver.check,
            format!("waiver names unknown check `{check}`"),
            "use an id from `cargo gate checks`",
        );
    }
    if let Some((_, instead)) = waiver_rules::NEVER_WAIVED
        .iter()
        .find(|(id, _)| id == check)
    {
        v.error::<_, ()>(
            &waiver.check,
            format!("`{check}` cannot be waived"),
            &format!("delete this waiver; {instead}"),
        );
    }
}

/// What a waiver selects: each selector written selects something, at least one is written,
/// a `match` glob is valid and names files, a `code` is a code.
fn waiver_selectors(
    v: &mut Validator<'_>,
    header: &std::ops::Range<usize>,
    waiver: &raw::RawWaiver,
) {
    use rules as waiver_rules;
    let check = waiver.check.get_ref();
    // Each selector, when written, must select something.
    for (key, value) in [
        ("match", &waiver.pattern),
        ("code", &waiver.code),
        ("subject", &waiver.subject),
        ("file", &waiver.file),
        ("text", &waiver.text),
    ] {
        if let Some(value) = value
            && value.get_ref().trim().is_empty()
        {
            let what = if key == "match" || key == "text" {
                "; as a substring of every message it would cover every finding of the check"
            } else {
                ""
            };
            v.error::<_, ()>(
                value,
                format!("waiver for `{check}` has an empty `{key}`{what}"),
                "name the finding: its code, a path glob, a crate, or text of its message \
                 (docs/CONFIG.md, [[waiver]])",
            );
        }
    }
    let selectors = [
        &waiver.pattern,
        &waiver.code,
        &waiver.subject,
        &waiver.file,
        &waiver.text,
    ];
    if selectors.iter().all(|s| s.is_none()) {
        // No `match` and nothing instead: the error serde gave when `match` was required.
        v.errors.push(ConfigError {
            file: v.file.to_owned(),
            position: Some(line_col(v.text, header.start)),
            message: format!(
                "missing field `match`: waiver for `{check}` names no finding (give `match`, or \
                 `code`, `subject`, `file` or `text`)"
            ),
            help: "name the finding it accepts, e.g. match = \"ffi/**\" or code = \"CODE\" \
                   (docs/CONFIG.md, [[waiver]])"
                .to_owned(),
        });
    }
    if let Some(pattern) = &waiver.pattern {
        let text = pattern.get_ref();
        if !text.trim().is_empty() && waiver_rules::is_glob(text) {
            if let Err(e) = waiver_rules::glob(text) {
                v.error::<_, ()>(
                    pattern,
                    format!("match `{text}` is not a valid glob: {}", glob_reason(&e)),
                    "fix the glob (e.g. \"src/gen/*.rs\"); to match text of the finding's \
                     message that holds glob characters, write it as text = \"…\" instead",
                );
            } else if waiver_rules::matches_every_file(text) {
                v.error::<_, ()>(
                    pattern,
                    format!("match `{text}` matches every file: it would waive every finding of `{check}`"),
                    "name the files (e.g. \"ffi/**\"), or, to accept every finding of one kind, \
                     its code: code = \"CODE\" (`cargo gate explain CHECK` lists them)",
                );
            }
        }
    }
    if let Some(code) = &waiver.code
        && !code.get_ref().trim().is_empty()
        && !is_code(code.get_ref())
    {
        v.error::<_, ()>(
            code,
            format!("`{}` is not a finding code", code.get_ref()),
            "codes are kebab-case, e.g. code = \"unsafe-outside-allowed\" (`cargo gate explain \
             CHECK` lists a check's codes)",
        );
    }
}

/// A waiver's `line`: a line number, of a named `file`.
fn waiver_line(v: &mut Validator<'_>, waiver: &raw::RawWaiver) -> Option<u32> {
    let mut line = None;
    if let Some(l) = &waiver.line {
        match u32::try_from(*l.get_ref()) {
            Ok(n) if n >= 1 && waiver.file.is_some() => line = Some(n),
            Ok(n) if n >= 1 => {
                v.error::<_, ()>(
                    l,
                    "waiver gives `line` without `file`".to_owned(),
                    "a line is a line of one file: add file = \"PATH\"",
                );
            }
            _ => {
                v.error::<_, ()>(
                    l,
                    format!("line {} is not a line number", l.get_ref()),
                    "lines count from 1",
                );
            }
        }
    }
    line
}

/// A waiver of a check whose waivers must name files names them.
fn waiver_path_scope(v: &mut Validator<'_>, waiver: &raw::RawWaiver) {
    use rules as waiver_rules;
    let check = waiver.check.get_ref();
    if waiver_rules::PATH_SCOPED.contains(&check.as_str()) {
        let scoped = waiver.file.is_some()
            || waiver.subject.is_some()
            || waiver
                .pattern
                .as_ref()
                .is_some_and(|p| waiver_rules::is_path_scoped(p.get_ref()));
        if !scoped {
            let at = waiver.pattern.as_ref().unwrap_or(&waiver.check);
            v.error::<_, ()>(
                at,
                format!(
                    "a waiver for `{check}` must name the files it covers; this one could \
                     cover secrets anywhere in the tree"
                ),
                "waive test fixtures by path: file = \"tests/fixtures/keys/test.pem\", or \
                 match = \"tests/fixtures/keys/*.pem\" (directories written out, a \
                 wildcard only in the file name); a real secret is removed and rotated, \
                 never waived",
            );
        }
    }
}

/// A waiver has a reason, an owner and an expiry day within `[policy] max-waiver-days`.
fn waiver_accountable(v: &mut Validator<'_>, config: &Config, waiver: &raw::RawWaiver) {
    let check = waiver.check.get_ref();
    for (field, value) in [("reason", &waiver.reason), ("owner", &waiver.owner)] {
        if value.get_ref().trim().is_empty() {
            v.error::<_, ()>(
                value,
                format!("waiver for `{check}` has an empty {field}"),
                "every waiver needs a reason, an owner and an expiry date",
            );
        }
    }
    match Date::parse(waiver.expires.get_ref()) {
        None => {
            v.error::<_, ()>(
                &waiver.expires,
                format!("`{}` is not a date", waiver.expires.get_ref()),
                "write the expiry as YYYY-MM-DD, e.g. expires = \"2027-06-30\"",
            );
        }
        Some(expires) => {
            let max = config.max_waiver_days;
            let latest = v.today.add_days(i64::from(max));
            if latest.is_some_and(|latest| expires > latest) {
                let latest = latest.map(|d| d.to_string()).unwrap_or_default();
                v.error::<_, ()>(
                    &waiver.expires,
                    format!(
                        "waiver for `{check}` expires on {}, more than {max} days from today \
                         ({}): the longest a waiver may run is {max} days ([policy] \
                         max-waiver-days)",
                        waiver.expires.get_ref(),
                        v.today
                    ),
                    &format!(
                        "expire it on {latest} or earlier, and renew it then as a new decision; \
                         to allow longer waivers, raise [policy] max-waiver-days (at most \
                         {MAX_WAIVER_DAYS_LIMIT})"
                    ),
                );
            }
        }
    }
}

/// A glob error's reason, without the pattern globset repeats.
fn glob_reason(e: &globset::Error) -> String {
    e.kind().to_string()
}

/// Whether `text` is a finding code: kebab-case.
fn is_code(text: &str) -> bool {
    !text.is_empty()
        && !text.starts_with('-')
        && !text.ends_with('-')
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// One `[[check]]`, validated; `None` (with the problems recorded) when it is invalid.
fn custom_check(
    v: &mut Validator<'_>,
    config: &Config,
    check: raw::RawCheck,
    builtin: &dyn Fn(&str) -> bool,
) -> Option<CustomCheck> {
    let id = check.id.get_ref();
    if !is_check_id(id) {
        return v.error(
            &check.id,
            format!("`{id}` is not a check id"),
            "use lowercase `area.name`, e.g. id = \"team.smoke\"",
        );
    }
    if builtin(id) {
        return v.error(
            &check.id,
            format!("`{id}` is the id of a built-in check"),
            "give the team check an id of its own, e.g. \"team.smoke\"",
        );
    }
    if config.custom_checks.iter().any(|c| &c.id == id) {
        return v.error(
            &check.id,
            format!("a second [[check]] with id `{id}`"),
            "give each team check an id of its own",
        );
    }
    let stage = Stage::parse(check.stage.get_ref()).or_else(|| {
        v.error(
            &check.stage,
            format!("unknown stage `{}`", check.stage.get_ref()),
            "use pilot, controlled or broad",
        )
    });
    let run_ok = if check
        .run
        .get_ref()
        .first()
        .is_some_and(|p| p.trim().is_empty())
    {
        v.error::<_, ()>(
            &check.run,
            "`run` starts with an empty program name".to_owned(),
            "the first element is the program, e.g. run = [\"cargo\", \"xtask\", \"smoke\"]",
        );
        false
    } else if check.run.get_ref().is_empty() {
        v.error::<_, ()>(
            &check.run,
            "`run` is empty".to_owned(),
            "give the command as a list, e.g. run = [\"cargo\", \"xtask\", \"smoke\"]",
        );
        false
    } else {
        true
    };
    let timeout = match &check.timeout {
        None => Some(Duration::from_secs(600)),
        Some(t) => v.timeout(t),
    };
    let (stage, timeout) = (stage?, timeout?);
    run_ok.then(|| CustomCheck {
        id: id.clone(),
        stage,
        run: check.run.into_inner(),
        timeout,
    })
}

/// A CUDA version written `MAJOR.MINOR` (`13.0`), as `min-driver` takes it.
pub fn parse_driver(text: &str) -> Option<DriverVersion> {
    let (major, minor) = text.split_once('.')?;
    let major: u32 = major.parse().ok()?;
    let minor: u32 = minor.parse().ok()?;
    (1..100)
        .contains(&major)
        .then_some(DriverVersion { major, minor })
}

fn is_check_id(id: &str) -> bool {
    let mut parts = id.split('.');
    let ok = |p: Option<&str>| {
        p.is_some_and(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        })
    };
    ok(parts.next()) && ok(parts.next()) && parts.next().is_none()
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

#[cfg(test)]
mod tests;
