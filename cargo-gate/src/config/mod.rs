//! Configuration in two steps: parse `gate.toml` (or `[workspace.metadata.gate]`) with spans,
//! rejecting unknown keys, then validate into the typed [`Config`] the checks receive.
//!
//! Every error points at `FILE:LINE:COL` and says how to fix it. No file at all means the
//! documented defaults (see [`Config::default`]).

mod file;
mod model;
mod raw;
pub mod rules;
pub mod section;
mod validator;
mod waivers;

use crate::policy::Profile;
use crate::stage::Stage;
/// A waiver declared with `[[waiver]]` (its type is part of `report.json`).
pub use gate_formats::report::Waiver;
use gate_support::date::Date;
pub use model::*;
use raw::RawConfig;
pub use rules::ParsedWaiver;
use section::Spanned;
use std::path::Path;
use std::time::Duration;
use toml::de::{DeTable, DeValue};
use validator::toml_error;
pub use validator::{ConfigError, ConfigErrors, MAX_TIMEOUT, Spans, Validator, line_col};
use waivers::waiver_entry;

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
    let mut errors = Vec::new();
    for (member, dir) in &ws.members {
        let manifest = dir.join("Cargo.toml");
        if gate_support::path::same_file(&manifest, ws.manifest_path) {
            continue;
        }
        // An unreadable or invalid manifest is cargo's (and other checks') to report.
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            continue;
        };
        // Every way TOML can write the key `gate` holds the word, or an escape that could
        // spell it: a manifest with neither has no gate table, and is not parsed.
        if !text.contains("gate") && !text.contains("\\u") && !text.contains("\\U") {
            continue;
        }
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
            .insert(section.table(), section.validated(None, &mut v));
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
        let settings = section.validated(doc.get(section.table()), &mut v);
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

#[cfg(test)]
mod tests;
