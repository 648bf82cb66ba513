//! `profile.cargo`: the release profile — what `cargo build --release` ships — meets the
//! policy profile's rules.
//!
//! Effective values are computed the way cargo does: the release defaults (opt-level 3,
//! debug false, debug-assertions false, overflow-checks false, panic "unwind", lto false,
//! codegen-units 16, incremental false), then `[profile.release]` of the root `Cargo.toml`,
//! then `[profile.release]` of the workspace's `.cargo/config.toml` (config files override
//! the manifest). Custom profiles that inherit from release (`[profile.dist] inherits =
//! "release"`, directly or through other custom profiles) ship release-like builds too and
//! are judged the same way, on top of what they inherit. Profiles in member manifests are
//! ignored by cargo and here; `CARGO_PROFILE_*` variables and config files outside the
//! workspace are not looked at.
//!
//! | rule (each judged profile) | portable | idiomatic | rusty |
//! |---|---|---|---|
//! | `panic` declared explicitly (in the profile or one it inherits from) | FAIL | FAIL | FAIL |
//! | `debug-assertions` off | FAIL | FAIL | FAIL |
//! | `overflow-checks` on | FAIL | FAIL | WARN |
//!
//! Per-package overrides (`[profile.release.package.<name>]`) are listed as notes; one that
//! turns `debug-assertions` on or `overflow-checks` off breaks the rule for those crates and
//! is reported like the profile itself. `build-override` (build scripts and proc-macros,
//! which are not shipped) is only noted. Each violation points at the offending key, or at
//! the `[profile.<name>]` header (or the file) when the key is missing.

use crate::check::{
    Check, CheckMeta, Code, ConfigKey, Context, Finding, Location, Outcome, Severity,
};
use crate::policy::Profile;
use crate::shared::locate::{at, relative};
use crate::shared::outcomes::{ManifestProblem, invalid_toml, manifest};
use crate::stage::Stage;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// The `profile.cargo` check.
#[derive(Debug)]
pub struct ProfileCargo;

static META: CheckMeta = CheckMeta {
    id: "profile.cargo",
    stage: Stage::Controlled,
    summary: "[profile.release] meets the policy: panic strategy declared, debug-assertions off, \
              overflow-checks on (a warning only under `rusty`)",
    fix: "in the root Cargo.toml write [profile.release] with panic = \"unwind\" (or \"abort\"), \
          overflow-checks = true and debug-assertions = false",
    codes: FindingCode::ALL,
    config: &[ConfigKey {
        key: "[policy] profile",
        default: "\"portable\"",
        meaning: "whether overflow-checks off is an error (portable, idiomatic) or a warning (rusty)",
    }],
};

crate::finding_codes! {
    /// The codes of this check's findings (their names are stable: never renamed).
    enum FindingCode {
        PanicUndeclared => Code {
            name: "panic-undeclared",
            summary: "a release profile that does not declare `panic`",
        },
        DebugAssertionsInRelease => Code {
            name: "debug-assertions-in-release",
            summary: "a release profile with debug-assertions on",
        },
        OverflowChecksOff => Code {
            name: "overflow-checks-off",
            summary: "a release profile where integer overflow wraps silently",
        },
        OverrideDebugAssertions => Code {
            name: "override-debug-assertions",
            summary: "a per-crate override that turns debug-assertions on in release",
        },
        OverrideOverflowChecks => Code {
            name: "override-overflow-checks",
            summary: "a per-crate override that turns overflow-checks off",
        },
        UnreadableManifest => crate::check::UNREADABLE_MANIFEST,
        InvalidManifest => crate::check::INVALID_MANIFEST,
    }
}

impl crate::shared::outcomes::ManifestCodes for FindingCode {
    const UNREADABLE: Self = FindingCode::UnreadableManifest;
    const INVALID: Self = FindingCode::InvalidManifest;
}

/// The keys reported, with cargo's release defaults as TOML.
const KEYS: [(&str, &str); 8] = [
    ("opt-level", "3"),
    ("debug", "false"),
    ("debug-assertions", "false"),
    ("overflow-checks", "false"),
    ("panic", "\"unwind\""),
    ("lto", "false"),
    ("codegen-units", "16"),
    ("incremental", "false"),
];
const DEBUG_ASSERTIONS: usize = 2;
const OVERFLOW_CHECKS: usize = 3;
const PANIC: usize = 4;

/// How deep `inherits` is followed; cargo rejects cycles, this only keeps a bad file finite.
const MAX_INHERITS: usize = 16;

impl Check for ProfileCargo {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        let root = &ctx.workspace.root;
        let mut findings = Vec::new();
        let manifest_rel = relative(root, &ctx.workspace.manifest_path);
        let root_manifest = match manifest::<FindingCode>(ctx.facts, &ctx.workspace.manifest_path) {
            Ok(parsed) => Some(parsed),
            Err(ManifestProblem::Unreadable(finding)) => {
                return Outcome::fail(format!("{manifest_rel} could not be read"))
                    .with_finding(finding);
            }
            Err(ManifestProblem::Invalid(finding)) => {
                findings.push(finding);
                None
            }
        };
        // cargo prefers `config.toml` and reads the extension-less legacy name otherwise.
        let config = [".cargo/config.toml", ".cargo/config"]
            .into_iter()
            .find_map(|name| {
                let text = gate_support::read::text_capped(
                    &root.join(name),
                    crate::workspace::MANIFEST_CAP,
                );
                Some((name, text.ok()?))
            });
        let config_doc = match &config {
            Some((rel, text)) => match DeTable::parse(text) {
                Ok(doc) => Some((*rel, text.as_str(), doc.into_inner())),
                Err(e) => {
                    let offset = e.span().map(|s| s.start);
                    findings.push(invalid_toml::<FindingCode>(
                        rel,
                        text,
                        e.message().trim(),
                        offset,
                    ));
                    None
                }
            },
            None => None,
        };
        if !findings.is_empty() {
            return Outcome::fail("profiles could not be read").with_findings(findings);
        }
        let mut docs: Vec<(&str, &str, &DeTable<'_>)> = Vec::new();
        if let Some(m) = &root_manifest {
            docs.push((m.rel, m.text, m.doc));
        }
        if let Some((rel, text, doc)) = &config_doc {
            docs.push((rel, text, doc));
        }
        let layers: Vec<Layer<'_>> = docs
            .iter()
            .map(|(rel, text, doc)| Layer {
                rel,
                text,
                profiles: match doc.get("profile").map(Spanned::get_ref) {
                    Some(DeValue::Table(t)) => Some(t),
                    _ => None,
                },
            })
            .collect();
        let judge = Judge {
            layers: &layers,
            policy: ctx.config.profile,
            manifest_rel: &manifest_rel,
        };
        let mut verdicts = Vec::new();
        for name in judge.release_like() {
            verdicts.push(judge.profile(&name, &mut findings));
        }
        judge.concluded(&verdicts, findings)
    }
}

impl Judge<'_> {
    /// The outcome over the release-like profiles' `verdicts` (an empty one met the policy)
    /// and their findings.
    fn concluded(&self, verdicts: &[String], findings: Vec<Finding>) -> Outcome {
        let failed: Vec<&str> = verdicts
            .iter()
            .filter(|v| !v.is_empty())
            .map(String::as_str)
            .collect();
        if findings.iter().any(|f| f.severity == Severity::Error) {
            return Outcome::fail(failed.join("; ")).with_findings(findings);
        }
        if findings.iter().any(|f| f.severity == Severity::Warning) {
            return Outcome::warn(failed.join("; ")).with_findings(findings);
        }
        let release = self.effective_line("release");
        let others = verdicts.len() - 1;
        let custom = if others > 0 {
            format!("; {others} custom profile(s) inheriting from release meet it too")
        } else {
            String::new()
        };
        Outcome::pass(format!(
            "profile release meets the {} policy ({release}){custom}",
            self.policy.as_str()
        ))
        .with_findings(findings)
    }
}

/// One file's `[profile]` table.
#[derive(Debug)]
struct Layer<'a> {
    rel: &'a str,
    text: &'a str,
    profiles: Option<&'a DeTable<'a>>,
}

impl<'a> Layer<'a> {
    fn profile(&self, name: &str) -> Option<&'a Spanned<DeValue<'a>>> {
        self.profiles?.get(name)
    }

    fn location(&self, span: std::ops::Range<usize>) -> Location {
        at(self.rel, self.text, span.start)
    }
}

/// A value after layering: as shown, as a boolean where it is one, and where it was set
/// (`None`: cargo's default).
#[derive(Debug, Clone)]
struct Setting {
    shown: String,
    as_bool: Option<bool>,
    declared: Option<Location>,
}

#[derive(Debug)]
struct Judge<'a> {
    /// The root manifest first, then the workspace config file, in override order.
    layers: &'a [Layer<'a>],
    policy: Profile,
    manifest_rel: &'a str,
}

impl Judge<'_> {
    /// `release` and every custom profile whose `inherits` chain reaches it, sorted.
    fn release_like(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .layers
            .iter()
            .filter_map(|l| l.profiles)
            .flat_map(|t| t.iter().map(|(k, _)| k.get_ref().to_string()))
            .filter(|n| !matches!(n.as_str(), "release" | "dev" | "test" | "bench" | "doc"))
            .filter(|n| self.chain(n).is_some())
            .collect();
        names.sort();
        names.dedup();
        names.insert(0, "release".to_owned());
        names
    }

    /// The profiles from `release` down to `name`, or `None` when `name` does not inherit
    /// from release.
    fn chain(&self, name: &str) -> Option<Vec<String>> {
        let mut chain = vec![name.to_owned()];
        let mut current = name.to_owned();
        while current != "release" {
            if chain.len() > MAX_INHERITS {
                return None;
            }
            // The last layer that says wins, as for every other key.
            let parent = self.layers.iter().rev().find_map(|l| {
                let table = l.profile(&current)?.get_ref().as_table()?;
                table.get("inherits")?.get_ref().as_str().map(str::to_owned)
            })?;
            chain.push(parent.clone());
            current = parent;
        }
        chain.reverse();
        Some(chain)
    }

    /// The effective values of a release-like profile.
    fn effective(&self, name: &str) -> Vec<Setting> {
        let mut settings: Vec<Setting> = KEYS
            .iter()
            .map(|(_, default)| Setting {
                shown: (*default).to_owned(),
                as_bool: default.parse().ok(),
                declared: None,
            })
            .collect();
        for profile in self.chain(name).unwrap_or_default() {
            for layer in self.layers {
                let Some(table) = layer.profile(&profile).and_then(|p| p.get_ref().as_table())
                else {
                    continue;
                };
                for (setting, (key, _)) in settings.iter_mut().zip(KEYS) {
                    if let Some(value) = table.get(key) {
                        *setting = Setting {
                            shown: show(value.get_ref()),
                            as_bool: value.get_ref().as_bool(),
                            declared: Some(key_location(layer, table, key)),
                        };
                    }
                }
            }
        }
        settings
    }

    fn effective_line(&self, name: &str) -> String {
        self.effective(name)
            .iter()
            .zip(KEYS)
            .map(|(s, (key, _))| {
                let source = match &s.declared {
                    Some(at) => at.to_string(),
                    None => "default".to_owned(),
                };
                format!("{key} = {} ({source})", s.shown)
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Where a missing key is reported: the profile's own header, else the file.
    fn header(&self, name: &str) -> Location {
        self.layers
            .iter()
            .find_map(|l| l.profile(name).map(|p| l.location(p.span())))
            .unwrap_or_else(|| Location::file(self.manifest_rel))
    }

    /// Judges one profile; returns what failed, in a few words (empty when it meets the
    /// policy).
    fn profile(&self, name: &str, findings: &mut Vec<Finding>) -> String {
        let settings = self.effective(name);
        let header = self.header(name);
        let policy = self.policy.as_str();
        let overflow_severity = match self.policy {
            Profile::Rusty => Severity::Warning,
            Profile::Portable | Profile::Idiomatic => Severity::Error,
        };
        findings.push(
            Finding::note(format!(
                "profile `{name}` effective values: {}",
                self.effective_line(name)
            ))
            .at(header.clone()),
        );
        let mut failed = Vec::new();
        let panic = &settings[PANIC];
        if panic.declared.is_none() {
            findings.push(
                Finding::error(format!(
                    "profile `{name}` does not declare `panic`: the strategy is cargo's default \
                     (\"unwind\") by accident, not by decision (fix: panic = \"unwind\" or \
                     \"abort\" in [profile.{name}])"
                ))
                .code(FindingCode::PanicUndeclared)
                .at(header.clone()),
            );
            failed.push("panic strategy not declared");
        }
        let assertions = &settings[DEBUG_ASSERTIONS];
        if assertions.as_bool != Some(false) {
            findings.push(
                Finding::error(format!(
                    "profile `{name}` has debug-assertions = {}: release builds run debug-only \
                     code paths (fix: debug-assertions = false)",
                    assertions.shown
                ))
                .code(FindingCode::DebugAssertionsInRelease)
                .at(assertions
                    .declared
                    .clone()
                    .unwrap_or_else(|| header.clone())),
            );
            failed.push("debug-assertions on");
        }
        let overflow = &settings[OVERFLOW_CHECKS];
        if overflow.as_bool != Some(true) {
            let why = match &overflow.declared {
                Some(_) => format!("overflow-checks = {}", overflow.shown),
                None => "overflow-checks is not set (release default: false)".to_owned(),
            };
            findings.push(
                Finding::new(
                    overflow_severity,
                    format!(
                        "profile `{name}`: {why}, so integer overflow wraps silently; the \
                         {policy} policy wants overflow-checks = true"
                    ),
                )
                .code(FindingCode::OverflowChecksOff)
                .at(overflow.declared.clone().unwrap_or_else(|| header.clone())),
            );
            failed.push("overflow-checks off");
        }
        self.overrides(name, overflow_severity, findings, &mut failed);
        if failed.is_empty() {
            String::new()
        } else {
            format!("profile {name}: {} ({policy} policy)", failed.join(", "))
        }
    }

    /// Notes `[profile.<name>.package.*]` and `build-override`; judges what they weaken.
    fn overrides(
        &self,
        name: &str,
        overflow_severity: Severity,
        findings: &mut Vec<Finding>,
        failed: &mut Vec<&'static str>,
    ) {
        for layer in self.layers {
            let Some(profile) = layer.profile(name).and_then(|p| p.get_ref().as_table()) else {
                continue;
            };
            let packages = profile
                .get("package")
                .and_then(|p| p.get_ref().as_table())
                .into_iter()
                .flat_map(|t| t.iter())
                .map(|(k, v)| {
                    (
                        format!("[profile.{name}.package.{}]", quote(k.get_ref())),
                        v,
                    )
                });
            let build = profile
                .get("build-override")
                .map(|v| (format!("[profile.{name}.build-override]"), v));
            for (section, value) in packages.chain(build) {
                let Some(body) = value.get_ref().as_table() else {
                    continue;
                };
                let shown: Vec<String> = body
                    .iter()
                    .map(|(k, v)| format!("{} = {}", k.get_ref(), show(v.get_ref())))
                    .collect();
                let location = layer.location(value.span());
                findings.push(
                    Finding::note(format!("{section} overrides {}", shown.join(", "))).at(location),
                );
                if section.ends_with("build-override]") {
                    continue;
                }
                if let Some(v) = body.get("debug-assertions")
                    && v.get_ref().as_bool() != Some(false)
                {
                    findings.push(
                        Finding::error(format!(
                            "{section} sets debug-assertions = {} for those crates in release \
                             builds (fix: remove it)",
                            show(v.get_ref())
                        ))
                        .code(FindingCode::OverrideDebugAssertions)
                        .at(key_location(layer, body, "debug-assertions")),
                    );
                    failed.push("debug-assertions on in a package override");
                }
                if let Some(v) = body.get("overflow-checks")
                    && v.get_ref().as_bool() != Some(true)
                {
                    findings.push(
                        Finding::new(
                            overflow_severity,
                            format!(
                                "{section} sets overflow-checks = {}: integer overflow wraps \
                                 silently in those crates (fix: remove it)",
                                show(v.get_ref())
                            ),
                        )
                        .code(FindingCode::OverrideOverflowChecks)
                        .at(key_location(layer, body, "overflow-checks")),
                    );
                    failed.push("overflow-checks off in a package override");
                }
            }
        }
    }
}

/// Where `key` is written in `table`: the key itself, for `key = value` lines.
fn key_location(layer: &Layer<'_>, table: &DeTable<'_>, key: &str) -> Location {
    match table.get_key_value(key) {
        Some((k, _)) => layer.location(k.span()),
        None => Location::file(layer.rel),
    }
}

/// A value as it would be written in TOML.
fn show(value: &DeValue<'_>) -> String {
    match value {
        DeValue::String(s) => format!("\"{s}\""),
        DeValue::Integer(i) => i.as_str().to_owned(),
        DeValue::Float(f) => f.as_str().to_owned(),
        DeValue::Boolean(b) => b.to_string(),
        other => other.type_str().to_owned(),
    }
}

/// A package name as a TOML key: bare when it can be, quoted otherwise (`"*"`).
fn quote(name: &str) -> String {
    let bare = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if bare {
        name.to_owned()
    } else {
        format!("\"{name}\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Status;
    use crate::checks::testing::with_files;
    use crate::config::Config;

    const HEAD: &str = "[package]\nname = \"app\"\nversion = \"0.1.0\"\n\n";

    fn run_as(policy: Profile, files: &[(&str, &str)]) -> Outcome {
        let config = Config {
            profile: policy,
            profile_declared: true,
            ..Config::default()
        };
        with_files(files, &[], config, |ctx| ProfileCargo.run(ctx))
    }

    fn manifest(profiles: &str) -> String {
        format!("{HEAD}{profiles}")
    }

    /// Asserts the non-note findings, as `LOCATION SEVERITY MESSAGE`, start with `expected`.
    #[track_caller]
    fn assert_problems(outcome: &Outcome, expected: &[&str]) {
        let problems: Vec<String> = outcome
            .findings
            .iter()
            .filter(|f| f.severity != Severity::Note)
            .map(|f| {
                let at = f
                    .location
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                format!("{at} {:?} {}", f.severity, f.message)
            })
            .collect();
        assert_eq!(problems.len(), expected.len(), "{problems:#?}");
        for (problem, prefix) in problems.iter().zip(expected) {
            assert!(problem.starts_with(prefix), "{problem:?} vs {prefix:?}");
        }
    }

    const GOOD: &str = "[profile.release]\npanic = \"abort\"\noverflow-checks = true\n";

    #[test]
    fn a_declared_policy_conforming_release_profile_passes_with_effective_values() {
        let outcome = run_as(Profile::Portable, &[("Cargo.toml", &manifest(GOOD))]);
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert_eq!(
            outcome.summary,
            "profile release meets the portable policy (opt-level = 3 (default), debug = false \
             (default), debug-assertions = false (default), overflow-checks = true \
             (Cargo.toml:7:1), panic = \"abort\" (Cargo.toml:6:1), lto = false (default), \
             codegen-units = 16 (default), incremental = false (default))"
        );
        assert_eq!(outcome.findings.len(), 1);
        assert_eq!(outcome.findings[0].severity, Severity::Note);
        assert_eq!(
            outcome.findings[0].location,
            Some(Location::at("Cargo.toml", 5, 1))
        );
    }

    #[test]
    fn the_rule_table_per_policy() {
        let loose = manifest(
            "[profile.release]\nopt-level = 2\noverflow-checks = false\ndebug-assertions = true\n",
        );
        // (policy, expected status, expected problems)
        let cases: [(Profile, Status, &[&str]); 3] = [
            (
                Profile::Portable,
                Status::Fail,
                &[
                    "Cargo.toml:5:1 Error profile `release` does not declare `panic`: the strategy",
                    "Cargo.toml:8:1 Error profile `release` has debug-assertions = true: release b",
                    "Cargo.toml:7:1 Error profile `release`: overflow-checks = false, so integer ove",
                ],
            ),
            (
                Profile::Idiomatic,
                Status::Fail,
                &[
                    "Cargo.toml:5:1 Error profile `release` does not declare `panic`: the strategy",
                    "Cargo.toml:8:1 Error profile `release` has debug-assertions = true: release b",
                    "Cargo.toml:7:1 Error profile `release`: overflow-checks = false, so integer ove",
                ],
            ),
            (
                Profile::Rusty,
                Status::Fail,
                &[
                    "Cargo.toml:5:1 Error profile `release` does not declare `panic`: the strategy",
                    "Cargo.toml:8:1 Error profile `release` has debug-assertions = true: release b",
                    "Cargo.toml:7:1 Warning profile `release`: overflow-checks = false, so integer o",
                ],
            ),
        ];
        for (policy, status, expected) in cases {
            let outcome = run_as(policy, &[("Cargo.toml", &loose)]);
            assert_eq!(outcome.status, status, "{policy:?}");
            assert_problems(&outcome, expected);
            assert_eq!(
                outcome.summary,
                format!(
                    "profile release: panic strategy not declared, debug-assertions on, \
                     overflow-checks off ({} policy)",
                    policy.as_str()
                )
            );
        }
        // Under rusty, overflow-checks alone only warns.
        let outcome = run_as(
            Profile::Rusty,
            &[(
                "Cargo.toml",
                &manifest("[profile.release]\npanic = \"unwind\"\n"),
            )],
        );
        assert_eq!(outcome.status, Status::Warn);
        assert_problems(
            &outcome,
            &["Cargo.toml:5:1 Warning profile `release`: overflow-checks is not set (release d"],
        );
    }

    #[test]
    fn no_release_profile_points_at_the_file() {
        let outcome = run_as(Profile::Portable, &[("Cargo.toml", HEAD)]);
        assert_eq!(outcome.status, Status::Fail);
        assert_problems(
            &outcome,
            &[
                "Cargo.toml Error profile `release` does not declare `panic`: the strategy",
                "Cargo.toml Error profile `release`: overflow-checks is not set (release def",
            ],
        );
    }

    #[test]
    fn custom_profiles_inheriting_release_are_judged_on_top_of_it() {
        let profiles = format!(
            "{GOOD}\n[profile.dist]\ninherits = \"release\"\nlto = \"thin\"\n\n\
             [profile.fast]\ninherits = \"dist\"\noverflow-checks = false\n\n\
             [profile.dev-opt]\ninherits = \"dev\"\noverflow-checks = false\n\n\
             [profile.loop]\ninherits = \"loop\"\n"
        );
        let outcome = run_as(Profile::Portable, &[("Cargo.toml", &manifest(&profiles))]);
        assert_eq!(outcome.status, Status::Fail);
        assert_problems(
            &outcome,
            &["Cargo.toml:15:1 Error profile `fast`: overflow-checks = false, so integer overfl"],
        );
        assert_eq!(
            outcome.summary,
            "profile fast: overflow-checks off (portable policy)"
        );
        let dist = outcome
            .findings
            .iter()
            .find(|f| f.message.starts_with("profile `dist` effective"))
            .unwrap();
        assert!(
            dist.message.contains("lto = \"thin\" (Cargo.toml:11:1)"),
            "{}",
            dist.message
        );
        assert!(
            dist.message.contains("panic = \"abort\" (Cargo.toml:6:1)"),
            "{}",
            dist.message
        );
    }

    #[test]
    fn workspace_config_overrides_the_manifest() {
        let outcome = run_as(
            Profile::Portable,
            &[
                ("Cargo.toml", &manifest(GOOD)),
                (
                    ".cargo/config.toml",
                    "[alias]\nx = \"run\"\n\n[profile.release]\noverflow-checks = false\n",
                ),
            ],
        );
        assert_eq!(outcome.status, Status::Fail);
        assert_problems(
            &outcome,
            &[".cargo/config.toml:5:1 Error profile `release`: overflow-checks = false, so integ"],
        );
    }

    #[test]
    fn package_overrides_are_noted_and_judged() {
        let profiles = format!(
            "{GOOD}\n[profile.release.package.\"*\"]\nopt-level = 2\noverflow-checks = false\n\n\
             [profile.release.package.app]\ndebug-assertions = true\n\n\
             [profile.release.build-override]\nopt-level = 0\n"
        );
        let outcome = run_as(Profile::Portable, &[("Cargo.toml", &manifest(&profiles))]);
        assert_eq!(outcome.status, Status::Fail);
        assert_problems(
            &outcome,
            &[
                "Cargo.toml:11:1 Error [profile.release.package.\"*\"] sets overflow-checks = false",
                "Cargo.toml:14:1 Error [profile.release.package.app] sets debug-assertions = true",
            ],
        );
        let notes: Vec<&str> = outcome
            .findings
            .iter()
            .filter(|f| f.message.contains(" overrides "))
            .map(|f| f.message.as_str())
            .collect();
        assert_eq!(
            notes,
            [
                "[profile.release.package.\"*\"] overrides opt-level = 2, overflow-checks = false",
                "[profile.release.package.app] overrides debug-assertions = true",
                "[profile.release.build-override] overrides opt-level = 0",
            ]
        );
        assert_eq!(
            outcome.summary,
            "profile release: overflow-checks off in a package override, debug-assertions on in \
             a package override (portable policy)"
        );
    }

    #[test]
    fn invalid_toml_fails_with_its_position() {
        let outcome = run_as(Profile::Portable, &[("Cargo.toml", "[profile.release\n")]);
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(outcome.summary, "profiles could not be read");
        assert_problems(&outcome, &["Cargo.toml:1:"]);
    }
}
