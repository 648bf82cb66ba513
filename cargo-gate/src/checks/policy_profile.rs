//! `policy.profile`: which policy profile is in force, whether it was declared, and what it
//! allows.

use crate::check::{Check, CheckMeta, ConfigKey, Context, Finding, Location, Outcome};
use crate::stage::Stage;

/// The `policy.profile` check.
#[derive(Debug)]
pub struct PolicyProfile;

static META: CheckMeta = CheckMeta {
    id: "policy.profile",
    stage: Stage::Pilot,
    summary: "a policy profile is declared: portable, idiomatic or rusty",
    fix: "declare it: [policy] profile = \"portable\" in gate.toml (portable is the default)",
    codes: &[],
    config: &[
        ConfigKey {
            key: "[policy] profile",
            default: "\"portable\"",
            meaning: "what may contain unsafe code, FFI and inline assembly: portable, idiomatic or rusty",
        },
        ConfigKey {
            key: "[policy] strict",
            default: "false",
            meaning: "WARN and SKIP fail the verdict too",
        },
    ],
};

impl Check for PolicyProfile {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        let config = ctx.config;
        let rules = config.profile.rules();
        let boundary = config.section(&crate::shared::sections::BOUNDARY);
        let allowed = if boundary.allow_unsafe.is_empty() {
            "none".to_owned()
        } else {
            boundary.allow_unsafe.join(", ")
        };
        let allows = format!(
            "unsafe/FFI {}; inline assembly {}; allow-unsafe crates: {allowed}",
            rules.unsafe_code.describe(),
            rules.inline_asm.describe()
        );
        let at = config.source.file().map(Location::file);
        let mut note = Finding::note(format!(
            "profile {} allows: {allows}",
            config.profile.as_str()
        ));
        note.location = at;
        if config.profile_declared {
            Outcome::pass(format!("profile {} ({allows})", config.profile.as_str()))
                .with_finding(note)
        } else {
            Outcome::warn(format!(
                "no profile declared; the default `portable` applies ({allows})"
            ))
            .with_finding(note)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Status;
    use crate::checks::testing::with_context;
    use crate::config::Config;
    use crate::policy::Profile;

    #[test]
    fn undeclared_profile_warns_and_says_what_applies() {
        let outcome = with_context(&["app"], Config::default(), |ctx| PolicyProfile.run(ctx));
        assert_eq!(outcome.status, Status::Warn);
        assert!(
            outcome.summary.contains("default `portable`"),
            "{}",
            outcome.summary
        );
        assert!(outcome.summary.contains("inline assembly nowhere"));
    }

    #[test]
    fn declared_profile_passes_with_its_allowances() {
        let config = Config {
            profile: Profile::Rusty,
            profile_declared: true,
            ..Config::default()
        };
        let outcome = with_context(&["app"], config, |ctx| PolicyProfile.run(ctx));
        assert_eq!(outcome.status, Status::Pass);
        assert!(
            outcome
                .summary
                .starts_with("profile rusty (unsafe/FFI anywhere")
        );
    }
}
