//! `repro.environment`: the run record's environment.json is complete enough to reproduce
//! the run — toolchain, host, lockfile digest, tool versions, git commit and dirty flag, and
//! the seed. A dirty work tree is a WARN at controlled and a FAIL at broad.

use crate::check::{Check, CheckMeta, Code, Context, Finding, Outcome};
use crate::stage::Stage;

/// The `repro.environment` check.
#[derive(Debug)]
pub struct ReproEnvironment;

static META: CheckMeta = CheckMeta {
    id: "repro.environment",
    stage: Stage::Controlled,
    summary: "environment.json complete: toolchain, host, lockfile digest, tool versions, git commit, seed",
    fix: "commit your changes (a dirty tree cannot be reproduced from its commit), commit Cargo.lock, and run inside the git work tree with rustc and cargo on PATH",
    codes: FindingCode::ALL,
    config: &[],
};

crate::finding_codes! {
    /// The codes of this check's findings (their names are stable: never renamed).
    enum FindingCode {
        EnvironmentIncomplete => Code {
            name: "environment-incomplete",
            summary: "environment.json lacks something a reproduction needs",
        },
        DirtyWorkTree => Code {
            name: "dirty-work-tree",
            summary: "the work tree has uncommitted changes",
        },
    }
}

impl Check for ReproEnvironment {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        let env = ctx.environment;
        let mut missing = missing_items(env);
        // The pinned toolchain is not installed: rustup refuses to start rustc here (the
        // toolchain items are missing), or `cargo +stable gate` / RUSTUP_TOOLCHAIN started
        // another one, whose versions say nothing about the pin. The same answer either way:
        // toolchain.pinned's failure, named there with the install command. rustup is asked
        // only where there is a pin to ask about: under `cargo gate` its proxy always sets
        // RUSTUP_TOOLCHAIN, and the question is one more rustc start at the end of the run.
        let root = &ctx.workspace.root;
        let toolchain = ["rustc version (rustc -vV)", "host triple", "cargo version"];
        let overridden = std::env::var_os("RUSTUP_TOOLCHAIN").is_some_and(|t| !t.is_empty());
        let ask = (overridden && crate::tools::pin::toolchain_file_above(root))
            || missing.iter().any(|m| toolchain.contains(&m.as_str()));
        let pin = if ask {
            crate::tools::cargo::pin_not_installed(root)
        } else {
            None
        };
        if let Some(pin) = &pin {
            missing.retain(|m| !toolchain.contains(&m.as_str()));
            if missing.is_empty() {
                return Outcome::blocked(
                    "toolchain.pinned",
                    format!(
                        "environment.json cannot describe the pinned toolchain: `{pin}` is not \
                         installed, so rustup refuses to run its rustc and cargo here"
                    ),
                    Outcome::fail(format!("the pinned toolchain `{pin}` is not installed")),
                );
            }
        }
        if !missing.is_empty() {
            return incomplete(ctx, &missing);
        }
        let described = format!(
            "rustc {}, {}, seed {}",
            env.rustc.get("release").map_or("?", String::as_str),
            env.host.as_deref().unwrap_or("?"),
            env.seed
        );
        if env.git_dirty == Some(true) {
            let message = "the work tree has uncommitted changes: this run cannot be reproduced from its commit";
            if ctx.stage >= Stage::Broad {
                return Outcome::fail(format!("dirty work tree ({described})"))
                    .with_finding(Finding::error(message).code(FindingCode::DirtyWorkTree));
            }
            return Outcome::warn(format!("dirty work tree ({described})"))
                .with_finding(Finding::warning(message).code(FindingCode::DirtyWorkTree));
        }
        Outcome::pass(format!(
            "environment.json complete: {described}, clean commit"
        ))
    }
}

/// What `environment.json` lacks of what a run is reproduced from.
fn missing_items(env: &crate::tools::environment::Environment) -> Vec<String> {
    [
        (
            env.rustc.contains_key("release"),
            "rustc version (rustc -vV)",
        ),
        (env.host.is_some(), "host triple"),
        (env.cargo.is_some(), "cargo version"),
        (env.lockfile_sha256.is_some(), "Cargo.lock digest"),
        (
            env.git_commit.is_some(),
            "git commit (not a git work tree, or no commit yet)",
        ),
        (env.git_dirty.is_some(), "git dirty flag"),
    ]
    .into_iter()
    .filter(|(present, _)| !present)
    .map(|(_, what)| what.to_owned())
    .collect()
}

/// The outcome of an `environment.json` that lacks `missing`: a failure naming each, or,
/// where only the Cargo.lock digest is missing for want of a Cargo.lock, blocked on
/// lockfile.locked (the same one cause, not failed twice).
fn incomplete(ctx: &Context<'_>, missing: &[String]) -> Outcome {
    let findings: Vec<Finding> = missing
        .iter()
        .map(|m| {
            Finding::error(format!("environment.json lacks the {m}"))
                .code(FindingCode::EnvironmentIncomplete)
        })
        .collect();
    let outcome = Outcome::fail(format!(
        "environment.json is incomplete ({} missing)",
        findings.len()
    ))
    .with_findings(findings);
    let lockfile_only = missing.len() == 1 && ctx.environment.lockfile_sha256.is_none();
    if lockfile_only && !ctx.workspace.root.join("Cargo.lock").is_file() {
        return Outcome::blocked(
            "lockfile.locked",
            "environment.json has no Cargo.lock digest: there is no Cargo.lock",
            outcome,
        );
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Status;
    use crate::checks::testing::with_environment;
    use crate::tools::environment::Environment;

    #[test]
    fn complete_clean_environment_passes() {
        let outcome = with_environment(Environment::for_tests(), Stage::Controlled, |ctx| {
            ReproEnvironment.run(ctx)
        });
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert!(outcome.summary.contains("seed 42"));
    }

    #[test]
    fn missing_fields_are_named() {
        let env = Environment {
            git_commit: None,
            lockfile_sha256: None,
            ..Environment::for_tests()
        };
        let outcome = with_environment(env, Stage::Controlled, |ctx| ReproEnvironment.run(ctx));
        assert_eq!(outcome.status, Status::Fail);
        let messages: Vec<&str> = outcome
            .findings
            .iter()
            .map(|f| f.message.as_str())
            .collect();
        assert_eq!(
            messages,
            [
                "environment.json lacks the Cargo.lock digest",
                "environment.json lacks the git commit (not a git work tree, or no commit yet)",
            ]
        );
    }

    #[test]
    fn dirty_tree_warns_at_controlled_and_fails_at_broad() {
        let dirty = Environment {
            git_dirty: Some(true),
            ..Environment::for_tests()
        };
        let controlled = with_environment(dirty.clone(), Stage::Controlled, |ctx| {
            ReproEnvironment.run(ctx)
        });
        assert_eq!(controlled.status, Status::Warn);
        let broad = with_environment(dirty, Stage::Broad, |ctx| ReproEnvironment.run(ctx));
        assert_eq!(broad.status, Status::Fail);
    }
}
