//! Configuration in two steps: parse `gate.toml` (or `[workspace.metadata.gate]`) with spans,
//! rejecting unknown keys, then validate into the typed [`Config`] the checks receive.
//!
//! Every error points at `FILE:LINE:COL` and says how to fix it. No file at all means the
//! documented defaults (see [`Config::default`]).

mod raw;

use crate::policy::Profile;
use crate::stage::Stage;
use gate_formats::report::Location;
use raw::{RawConfig, Spanned};
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

/// A platform of the CI matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// Linux.
    Linux,
    /// macOS.
    Macos,
    /// Windows.
    Windows,
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

/// A waiver declared with `[[waiver]]` (its type is part of `report.json`).
pub use gate_formats::report::Waiver;

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
    /// `[boundary] allow-unsafe`: crates that may contain unsafe code and FFI.
    pub allow_unsafe: Vec<String>,
    /// `[tests] failure-paths`: failure path name to test-name pattern.
    pub failure_paths: BTreeMap<String, String>,
    /// `[tests] timeout`: the limit of `tests.pass`'s cargo calls (and the build).
    #[serde(with = "duration_secs")]
    pub tests_timeout: Duration,
    /// `[bench] baseline`.
    pub bench_baseline: String,
    /// `[bench] command`: how to run the benchmarks (default `cargo bench --locked
    /// --workspace`); criterion's estimates under the target dir, or the JSON file the
    /// command writes (docs/CONFIG.md), are read afterwards.
    pub bench_command: Vec<String>,
    /// `[bench] max-regression`, a fraction (0.05 = 5 %).
    pub bench_max_regression: f64,
    /// `[checklist] path`.
    pub checklist_path: String,
    /// `[history] window`.
    pub history_window: u32,
    /// `[matrix] platforms`.
    pub platforms: Vec<Platform>,
    /// `[[check]]` entries.
    pub custom_checks: Vec<CustomCheck>,
    /// `[[waiver]]` entries.
    pub waivers: Vec<Waiver>,
    /// Where each table, `[[check]]` and `[[waiver]]` is written (not part of the policy
    /// digest: moving a table does not change the policy).
    #[serde(skip)]
    pub spans: Spans,
}

impl Default for Config {
    /// The documented defaults: profile portable (not declared), not strict, no minimum
    /// driver, no crate allowed unsafe code, no failure paths, baseline
    /// `benches/baseline.json` with 5 % allowed regression, checklist `docs/READINESS.md`,
    /// a history window of 5 runs, and all three platforms.
    fn default() -> Config {
        Config {
            source: ConfigSource::Defaults,
            profile_declared: false,
            profile: Profile::Portable,
            strict: false,
            min_driver: None,
            allow_unsafe: Vec::new(),
            failure_paths: BTreeMap::new(),
            tests_timeout: crate::cargo::DEFAULT_TIMEOUT,
            bench_baseline: "benches/baseline.json".to_owned(),
            bench_command: ["cargo", "bench", "--locked", "--workspace"]
                .map(String::from)
                .to_vec(),
            bench_max_regression: 0.05,
            checklist_path: "docs/READINESS.md".to_owned(),
            history_window: 5,
            platforms: vec![Platform::Linux, Platform::Macos, Platform::Windows],
            custom_checks: Vec::new(),
            waivers: Vec::new(),
            spans: Spans {
                file: "gate.toml".to_owned(),
                at: BTreeMap::new(),
            },
        }
    }
}

/// An invalid configuration: where, what, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {message}", position.map(|(l, c)| format!(":{l}:{c}")).unwrap_or_default())]
pub struct ConfigError {
    /// The file, as the user would type it (relative to the workspace root when inside it).
    pub file: String,
    /// 1-based line and column, when known.
    pub position: Option<(u32, u32)>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

/// Every problem of an invalid configuration, in file order; never empty. Validation goes on
/// past the first problem, so one run names them all. Derefs to the first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(Vec<ConfigError>);

impl ConfigErrors {
    /// Every problem, in file order.
    pub fn all(&self) -> &[ConfigError] {
        &self.0
    }

    fn from_vec(mut errors: Vec<ConfigError>) -> Result<(), ConfigErrors> {
        if errors.is_empty() {
            return Ok(());
        }
        errors.sort_by_key(|e| e.position.unwrap_or((0, 0)));
        errors.dedup();
        Err(ConfigErrors(errors))
    }
}

impl std::ops::Deref for ConfigErrors {
    type Target = ConfigError;

    fn deref(&self) -> &ConfigError {
        &self.0[0]
    }
}

impl From<ConfigError> for ConfigErrors {
    fn from(error: ConfigError) -> ConfigErrors {
        ConfigErrors(vec![error])
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0[0])?;
        match self.0.len() {
            1 => Ok(()),
            n => write!(f, " (and {} more)", n - 1),
        }
    }
}

impl std::error::Error for ConfigErrors {}

/// Where things are written in the configuration file, kept from parsing so findings about
/// the configuration point at `FILE:LINE:COL` without reading the file again. Keys:
/// `waiver[N]` and `check[N]` (their `[[…]]` headers), `waiver[N].KEY` and `check[N].KEY`
/// (the line of that key), and `TABLE` for each table header (`boundary`, `bench`, …).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Spans {
    /// The configuration file, as shown to the user (`gate.toml` for the defaults).
    file: String,
    at: BTreeMap<String, (u32, u32)>,
}

impl Spans {
    /// The place of `key`, or the file itself when `key` was not written there.
    pub fn location(&self, key: &str) -> Location {
        match self.at.get(key) {
            Some(&(line, column)) => Location::at(self.file.clone(), line, column),
            None => Location::file(self.file.clone()),
        }
    }

    /// Whether `key` was written in the file.
    pub fn has(&self, key: &str) -> bool {
        self.at.contains_key(key)
    }
}

/// Loads the configuration for the workspace at `root`; `builtin` says which check ids are
/// built in (the registry's, which this module does not know), for `[[check]]` ids and
/// waivers' `check`.
///
/// `explicit` is `--config FILE`; otherwise `gate.toml` at the root and
/// `[workspace.metadata.gate]` in `root_manifest` are looked at, and having both is an error.
pub fn load(
    root: &Path,
    root_manifest: &Path,
    explicit: Option<&Path>,
    builtin: &dyn Fn(&str) -> bool,
) -> Result<Config, ConfigErrors> {
    if let Some(path) = explicit {
        let text = read(root, path)?;
        let raw: RawConfig =
            toml::from_str(&text).map_err(|e| toml_error(&text, &display(root, path), &e))?;
        let file = display(root, path);
        return validate(
            raw,
            &text,
            ConfigSource::File(file.clone()),
            &file,
            Some(builtin),
        );
    }
    let gate_toml = root.join("gate.toml");
    let manifest_text = read(root, root_manifest)?;
    let in_manifest =
        manifest_section(&manifest_text, &display(root, root_manifest), Some(builtin))?;
    // A gate.toml that is not a file (a directory, say) is a mistake to name, not a reason to
    // fall back to the defaults.
    match (gate_toml.exists(), in_manifest) {
        (true, Some(_)) => Err(ConfigErrors::from(ConfigError {
            file: display(root, &gate_toml),
            position: None,
            message: format!(
                "configuration found in both gate.toml and [workspace.metadata.gate] of {}",
                display(root, root_manifest)
            ),
            help: "keep one of the two: delete gate.toml or the [workspace.metadata.gate] table"
                .to_owned(),
        })),
        (true, None) => {
            let text = read(root, &gate_toml)?;
            let file = display(root, &gate_toml);
            let raw: RawConfig = toml::from_str(&text).map_err(|e| toml_error(&text, &file, &e))?;
            validate(
                raw,
                &text,
                ConfigSource::File(file.clone()),
                &file,
                Some(builtin),
            )
        }
        (false, Some(config)) => Ok(config),
        (false, None) => Ok(Config::default()),
    }
}

fn read(root: &Path, path: &Path) -> Result<String, ConfigError> {
    if path.is_dir() {
        return Err(ConfigError {
            file: display(root, path),
            position: None,
            message: "is a directory, not a configuration file".to_owned(),
            help: "give the path of a gate.toml file (or remove the directory)".to_owned(),
        });
    }
    std::fs::read_to_string(path).map_err(|err| ConfigError {
        file: display(root, path),
        position: None,
        message: format!("failed to read: {err}"),
        help: "check that the file exists, is readable and is UTF-8".to_owned(),
    })
}

/// A path relative to the workspace root when it is inside it, `/`-separated.
fn display(root: &Path, path: &Path) -> String {
    let shown = path.strip_prefix(root).unwrap_or(path);
    shown.to_string_lossy().replace('\\', "/")
}

/// Parses the text of a `gate.toml`; `file` names it in errors. Check ids are not checked
/// against the built-in ones (that is [`load`]'s business).
pub fn parse_gate_toml(text: &str, file: &str) -> Result<Config, ConfigErrors> {
    let raw: RawConfig = toml::from_str(text).map_err(|e| toml_error(text, file, &e))?;
    validate(raw, text, ConfigSource::File(file.to_owned()), file, None)
}

/// Parses `[workspace.metadata.gate]` out of a root `Cargo.toml`'s text, if present.
pub fn parse_manifest_section(text: &str, file: &str) -> Result<Option<Config>, ConfigErrors> {
    manifest_section(text, file, None)
}

fn manifest_section(
    text: &str,
    file: &str,
    builtin: Option<&dyn Fn(&str) -> bool>,
) -> Result<Option<Config>, ConfigErrors> {
    let manifest: raw::Manifest = toml::from_str(text).map_err(|e| toml_error(text, file, &e))?;
    let Some(raw) = manifest
        .workspace
        .and_then(|w| w.metadata)
        .and_then(|m| m.gate)
    else {
        return Ok(None);
    };
    validate(
        raw,
        text,
        ConfigSource::CargoMetadata(file.to_owned()),
        file,
        builtin,
    )
    .map(Some)
}

fn toml_error(text: &str, file: &str, err: &toml::de::Error) -> ConfigError {
    let message = err.message().trim().to_owned();
    let help = if message.starts_with("unknown field") {
        "remove the key or fix its spelling; the keys are listed in docs/CONFIG.md".to_owned()
    } else if message.starts_with("invalid type") {
        "give the value the type named above (see docs/CONFIG.md)".to_owned()
    } else {
        "fix the TOML syntax at this position".to_owned()
    };
    ConfigError {
        file: file.to_owned(),
        position: err.span().map(|s| line_col(text, s.start)),
        message,
        help,
    }
}

/// 1-based line and column (in characters) of byte offset `offset` in `text`.
pub fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(column).unwrap_or(u32::MAX),
    )
}

/// Collects every problem of one configuration (it goes on past the first) and the spans of
/// what is written where.
struct Validator<'a> {
    text: &'a str,
    file: &'a str,
    errors: Vec<ConfigError>,
    spans: Spans,
}

/// The longest time limit accepted: a day. Longer is a typo, and an overflow waiting to
/// happen (`"18446744073709551615s"` panicked when added to the clock).
pub const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

impl Validator<'_> {
    /// A time limit: a duration, not zero, at most [`MAX_TIMEOUT`].
    fn timeout(&mut self, t: &Spanned<String>) -> Option<Duration> {
        let parsed = humantime::parse_duration(t.get_ref()).ok();
        match parsed {
            Some(d) if !d.is_zero() && d <= MAX_TIMEOUT => Some(d),
            Some(d) if !d.is_zero() => self.error(
                t,
                format!("`{}` is longer than a day", t.get_ref()),
                "a time limit is at most \"24h\"; write a duration like \"90s\" or \"10m\"",
            ),
            _ => self.error(
                t,
                format!("`{}` is not a duration", t.get_ref()),
                "write a duration like \"90s\" or \"10m\"",
            ),
        }
    }

    /// Records a problem at `spanned`; returns `None` so a caller can `return` it.
    fn error<T, U>(&mut self, spanned: &Spanned<T>, message: String, help: &str) -> Option<U> {
        self.errors.push(ConfigError {
            file: self.file.to_owned(),
            position: Some(line_col(self.text, spanned.span().start)),
            message,
            help: help.to_owned(),
        });
        None
    }

    /// Remembers where `key` is written: its value's span for a `[[table]]` or `[table]`
    /// (the header), else the start of the line that holds the value (the key).
    fn remember<T>(&mut self, key: impl Into<String>, spanned: &Spanned<T>, header: bool) {
        let start = spanned.span().start.min(self.text.len());
        let offset = if header {
            start
        } else {
            let line_start = self.text[..start].rfind('\n').map_or(0, |i| i + 1);
            let line = &self.text[line_start..start];
            line_start + (line.len() - line.trim_start().len())
        };
        self.spans
            .at
            .insert(key.into(), line_col(self.text, offset));
    }
}

fn validate(
    raw: RawConfig,
    text: &str,
    source: ConfigSource,
    file: &str,
    builtin: Option<&dyn Fn(&str) -> bool>,
) -> Result<Config, ConfigErrors> {
    let mut v = Validator {
        text,
        file,
        errors: Vec::new(),
        spans: Spans {
            file: file.to_owned(),
            at: BTreeMap::new(),
        },
    };
    let mut config = Config {
        source,
        ..Config::default()
    };
    let tables = [
        ("policy", raw.policy.as_ref().map(Spanned::span)),
        ("boundary", raw.boundary.as_ref().map(Spanned::span)),
        ("tests", raw.tests.as_ref().map(Spanned::span)),
        ("bench", raw.bench.as_ref().map(Spanned::span)),
        ("checklist", raw.checklist.as_ref().map(Spanned::span)),
        ("history", raw.history.as_ref().map(Spanned::span)),
        ("matrix", raw.matrix.as_ref().map(Spanned::span)),
    ];
    for (name, span) in tables {
        if let Some(span) = span {
            let at = line_col(text, span.start);
            v.spans.at.insert(name.to_owned(), at);
        }
    }
    if let Some(policy) = raw.policy.map(Spanned::into_inner) {
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
    }
    if let Some(boundary) = raw.boundary.map(Spanned::into_inner) {
        for name in boundary.allow_unsafe.unwrap_or_default() {
            if name.get_ref().trim().is_empty() {
                v.error::<_, ()>(
                    &name,
                    "empty crate name in allow-unsafe".to_owned(),
                    "list package names, e.g. allow-unsafe = [\"ffi\"]",
                );
                continue;
            }
            config.allow_unsafe.push(name.into_inner());
        }
    }
    if let Some(tests) = raw.tests.map(Spanned::into_inner) {
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
    }
    if let Some(bench) = raw.bench.map(Spanned::into_inner) {
        if let Some(baseline) = bench.baseline {
            config.bench_baseline = baseline;
        }
        if let Some(command) = bench.command {
            if command.get_ref().is_empty() {
                v.error::<_, ()>(
                    &command,
                    "`[bench] command` is empty".to_owned(),
                    "give the command as a list, e.g. command = [\"cargo\", \"bench\", \"--locked\"]",
                );
            } else {
                config.bench_command = command.into_inner();
            }
        }
        if let Some(max) = bench.max_regression {
            let value = *max.get_ref();
            if value > 0.0 && value <= 1.0 {
                config.bench_max_regression = value;
            } else {
                v.error::<_, ()>(
                    &max,
                    format!("max-regression = {value} is outside (0, 1]"),
                    "give a fraction: 0.05 allows a 5 % slowdown",
                );
            }
        }
    }
    if let Some(checklist) = raw.checklist.and_then(|c| c.into_inner().path) {
        config.checklist_path = checklist;
    }
    if let Some(window) = raw.history.and_then(|h| h.into_inner().window) {
        let value = *window.get_ref();
        match u32::try_from(value).ok().filter(|w| (1..=1000).contains(w)) {
            Some(w) => config.history_window = w,
            None => v
                .error::<_, ()>(
                    &window,
                    format!("history window {value} is outside 1..=1000"),
                    "give the number of recent runs that must be green, e.g. window = 5",
                )
                .unwrap_or_default(),
        }
    }
    if let Some(platforms) = raw.matrix.and_then(|m| m.into_inner().platforms) {
        config.platforms.clear();
        for p in platforms {
            let platform = match p.get_ref().as_str() {
                "linux" => Platform::Linux,
                "macos" => Platform::Macos,
                "windows" => Platform::Windows,
                other => {
                    v.error::<_, ()>(
                        &p,
                        format!("unknown platform `{other}`"),
                        "use linux, macos or windows",
                    );
                    continue;
                }
            };
            if !config.platforms.contains(&platform) {
                config.platforms.push(platform);
            }
        }
    }
    for (index, check) in raw.check.unwrap_or_default().into_iter().enumerate() {
        v.remember(format!("check[{index}]"), &check, true);
        let check = check.into_inner();
        v.remember(format!("check[{index}].id"), &check.id, false);
        if let Some(custom) = custom_check(&mut v, &config, check, builtin) {
            config.custom_checks.push(custom);
        }
    }
    for (index, waiver) in raw.waiver.unwrap_or_default().into_iter().enumerate() {
        v.remember(format!("waiver[{index}]"), &waiver, true);
        let waiver = waiver.into_inner();
        for (key, spanned) in [
            ("check", &waiver.check),
            ("match", &waiver.pattern),
            ("reason", &waiver.reason),
            ("owner", &waiver.owner),
            ("expires", &waiver.expires),
        ] {
            v.remember(format!("waiver[{index}].{key}"), spanned, false);
        }
        let check = waiver.check.get_ref();
        let known = builtin.is_none_or(|builtin| builtin(check))
            || config.custom_checks.iter().any(|c| &c.id == check);
        let mut valid = true;
        if !known {
            valid = false;
            v.error::<_, ()>(
                &waiver.check,
                format!("waiver names unknown check `{check}`"),
                "use an id from `cargo gate checks`",
            );
        }
        for (field, value) in [("reason", &waiver.reason), ("owner", &waiver.owner)] {
            if value.get_ref().trim().is_empty() {
                valid = false;
                v.error::<_, ()>(
                    value,
                    format!("waiver for `{check}` has an empty {field}"),
                    "every waiver needs a reason, an owner and an expiry date",
                );
            }
        }
        if gate_support::date::Date::parse(waiver.expires.get_ref()).is_none() {
            valid = false;
            v.error::<_, ()>(
                &waiver.expires,
                format!("`{}` is not a date", waiver.expires.get_ref()),
                "write the expiry as YYYY-MM-DD, e.g. expires = \"2027-06-30\"",
            );
        }
        // An invalid waiver is still listed (the error stops the run anyway), so waiver
        // indices stay the positions of `[[waiver]]` tables in the file.
        let _ = valid;
        config.waivers.push(Waiver {
            check: check.clone(),
            pattern: waiver.pattern.into_inner(),
            reason: waiver.reason.into_inner(),
            owner: waiver.owner.into_inner(),
            expires: waiver.expires.into_inner(),
        });
    }
    ConfigErrors::from_vec(v.errors)?;
    config.spans = v.spans;
    Ok(config)
}

/// One `[[check]]`, validated; `None` (with the problems recorded) when it is invalid.
fn custom_check(
    v: &mut Validator<'_>,
    config: &Config,
    check: raw::RawCheck,
    builtin: Option<&dyn Fn(&str) -> bool>,
) -> Option<CustomCheck> {
    let id = check.id.get_ref();
    if !is_check_id(id) {
        return v.error(
            &check.id,
            format!("`{id}` is not a check id"),
            "use lowercase `area.name`, e.g. id = \"team.smoke\"",
        );
    }
    if builtin.is_some_and(|builtin| builtin(id)) {
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

fn parse_driver(text: &str) -> Option<DriverVersion> {
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
