//! `config.valid`: the configuration parsed and validated (an invalid one never gets here: it
//! ends the run with exit 2 before any check runs), and what it names exists.

use crate::check::{Check, CheckMeta, Code, ConfigKey, Context, Finding, Location, Outcome};
use crate::config::ConfigSource;
use crate::stage::Stage;

/// The `config.valid` check.
#[derive(Debug)]
pub struct ConfigValid;

static META: CheckMeta = CheckMeta {
    id: "config.valid",
    stage: Stage::Pilot,
    summary: "gate.toml / [workspace.metadata.gate] parses, unknown keys rejected, values sane",
    fix: "fix the key named in the finding; docs/CONFIG.md lists every key and its type",
    codes: FindingCode::ALL,
    config: &[ConfigKey {
        key: "the whole file",
        default: "-",
        meaning: "gate.toml, or [workspace.metadata.gate] in the root Cargo.toml; every key of docs/CONFIG.md",
    }],
};

crate::finding_codes! {
    /// The codes of this check's findings (their names are stable: never renamed).
    enum FindingCode {
        AllowUnsafeNotMember => Code {
            name: "allow-unsafe-not-member",
            summary: "[boundary] allow-unsafe names a crate that is not a workspace member",
        },
    }
}

impl Check for ConfigValid {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        let config = ctx.config;
        let effective = config.effective_json();
        let mut findings = Vec::new();
        let file = config.source.file().unwrap_or("gate.toml").to_owned();
        let boundary = config.section(&crate::shared::sections::BOUNDARY);
        for name in &boundary.allow_unsafe {
            if !ctx.workspace.members.iter().any(|m| &m.name == name) {
                findings.push(
                    Finding::warning(format!(
                        "[boundary] allow-unsafe names `{name}`, which is not a workspace member"
                    ))
                    .code(FindingCode::AllowUnsafeNotMember)
                    .at(Location::file(file.clone()))
                    .subject(name.clone()),
                );
            }
        }
        let source = match &config.source {
            ConfigSource::Defaults => {
                "no gate.toml or [workspace.metadata.gate]: documented defaults apply".to_owned()
            }
            ConfigSource::File(f) => format!("{f} is valid"),
            ConfigSource::CargoMetadata(f) => format!("[workspace.metadata.gate] in {f} is valid"),
        };
        let outcome = if findings.is_empty() {
            Outcome::pass(source)
        } else {
            Outcome::warn(format!(
                "{source}, but {} value(s) name nothing",
                findings.len()
            ))
        };
        outcome
            .with_findings(findings)
            .with_artifact("config/effective.json", effective)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Status;
    use crate::checks::testing::with_context;
    use crate::config::Config;

    #[test]
    fn defaults_pass_and_keep_the_effective_config() {
        let outcome = with_context(&["app"], Config::default(), |ctx| ConfigValid.run(ctx));
        assert_eq!(outcome.status, Status::Pass);
        assert!(outcome.summary.contains("documented defaults"));
        assert_eq!(outcome.evidence(), ["config/effective.json"]);
    }

    #[test]
    fn allow_unsafe_naming_a_non_member_warns() {
        let config = Config {
            source: ConfigSource::File("gate.toml".into()),
            ..Config::default()
        }
        .with_section(
            &crate::shared::sections::BOUNDARY,
            crate::shared::sections::Boundary {
                allow_unsafe: vec!["ffi".into(), "app".into()],
            },
        );
        let outcome = with_context(&["app"], config, |ctx| ConfigValid.run(ctx));
        assert_eq!(outcome.status, Status::Warn);
        assert_eq!(outcome.findings.len(), 1);
        assert!(outcome.findings[0].message.contains("`ffi`"));
    }
}
