//! `lockfile.locked`: Cargo.lock exists, git tracks it (in a git work tree), and
//! `cargo metadata --locked` accepts it. Each of the three is reported on its own. A second
//! tracked Cargo.lock beside a member (or a path dependency) of the workspace warns: cargo
//! never reads it (the root's governs), so it can only go stale and mislead readers and the
//! tools that scan lockfiles. A nested workspace's own Cargo.lock is that workspace's.

use crate::check::{Check, CheckMeta, Code, Context, Finding, Location, Outcome, SkipKind};
use crate::facts::Resolve;
use crate::stage::Stage;
use crate::workspace::git_tracks;

/// The `lockfile.locked` check.
#[derive(Debug)]
pub struct LockfileLocked;

static META: CheckMeta = CheckMeta {
    id: "lockfile.locked",
    stage: Stage::Pilot,
    summary: "Cargo.lock exists, is tracked by git, and `cargo metadata --locked` accepts it",
    fix: "run `cargo generate-lockfile` (or `cargo update --workspace` when it is stale) and commit Cargo.lock",
    codes: FindingCode::ALL,
    config: &[],
};

crate::finding_codes! {
    /// The codes of this check's findings (their names are stable: never renamed).
    enum FindingCode {
        LockfileMissing => Code {
            name: "lockfile-missing",
            summary: "no Cargo.lock",
        },
        LockfileUntracked => Code {
            name: "lockfile-untracked",
            summary: "Cargo.lock is not tracked by git",
        },
        LockfileStale => Code {
            name: "lockfile-stale",
            summary: "`cargo metadata --locked` refuses Cargo.lock (out of date, or another failure)",
        },
        LockfileUnused => Code {
            name: "lockfile-unused",
            summary: "a tracked Cargo.lock beside a member that cargo never reads",
        },
    }
}

const LOG: &str = "logs/cargo-metadata-locked.log";

impl Check for LockfileLocked {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        // Judged afresh every run; the resolve it read may have come from the cache.
        let outcome = judge_resolve(ctx);
        outcome.with_reuse(ctx.facts.resolve_reuse())
    }
}

fn judge_resolve(ctx: &Context<'_>) -> Outcome {
    let root = &ctx.workspace.root;
    let lock = root.join("Cargo.lock");
    if !lock.is_file() {
        return Outcome::fail("Cargo.lock does not exist").with_finding(
            Finding::error(
                "Cargo.lock is missing: builds resolve dependencies afresh each time \
                 (fix: run `cargo generate-lockfile` and commit Cargo.lock)",
            )
            .code(FindingCode::LockfileMissing)
            .at(Location::file("Cargo.lock")),
        );
    }
    let mut findings = Vec::new();
    let tracked = match &ctx.workspace.git {
        None => {
            if let Some(why) = crate::workspace::git_unavailable(root) {
                return Outcome::skip(
                    SkipKind::Unavailable,
                    format!("whether Cargo.lock is tracked cannot be told: {why}"),
                );
            }
            "not a git work tree, tracking not applicable"
        }
        Some(_) if lockfile_tracked(ctx.facts, root) => "tracked by git",
        Some(_) => {
            findings.push(
                Finding::error(
                    "Cargo.lock is not tracked by git (fix: remove it from .gitignore and \
                     `git add Cargo.lock`)",
                )
                .code(FindingCode::LockfileUntracked)
                .at(Location::file("Cargo.lock")),
            );
            "NOT tracked by git"
        }
    };
    // The resolve is a fact of the run: tests.pass and kernels.build read the same one.
    let resolve = match ctx.facts.resolve(ctx.cargo) {
        Ok(r) => r,
        Err(e) => return Outcome::skip(SkipKind::Unavailable, e.to_owned()),
    };
    let log = resolve.log().to_owned();
    if let Resolve::Failed {
        unavailable, error, ..
    } = resolve
    {
        // cargo could not load the workspace at all (a member or a path dependency that
        // does not exist): nothing about Cargo.lock can be judged, and no lockfile command
        // helps; the manifest cargo names is the fix.
        if let Some(load) = &ctx.workspace.metadata_error
            && !matches!(
                unavailable,
                Some(crate::tools::cargo::Unavailable::ToolchainNotInstalled(_))
            )
        {
            let load: Vec<&str> = load
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && *l != "Caused by:")
                .collect();
            let load = load.join("; ");
            return Outcome::skip(
                SkipKind::Unavailable,
                format!(
                    "cargo cannot load the workspace, so Cargo.lock was not evaluated: {load} \
                     (fix the manifest cargo names; `cargo metadata --no-deps` shows the same)"
                ),
            )
            .with_findings(findings)
            .with_artifact(LOG, log);
        }
        if let Some(unavailable) = unavailable {
            return Outcome::skip(
                SkipKind::Unavailable,
                format!(
                    "`cargo metadata --locked` was not evaluated: {}",
                    unavailable.reason()
                ),
            )
            .with_findings(findings)
            .with_artifact(LOG, log);
        }
        let message = if log.contains("--locked was passed") {
            "Cargo.lock is out of date with the manifests: `cargo metadata --locked` refuses it \
             (fix: run `cargo update --workspace` and commit Cargo.lock)"
                .to_owned()
        } else {
            format!("`cargo metadata --locked` failed: {error}")
        };
        findings.push(
            Finding::error(message)
                .code(FindingCode::LockfileStale)
                .at(Location::file("Cargo.lock")),
        );
    }
    let unused = unused_lockfiles(ctx);
    let outcome = if findings.is_empty() && unused.is_empty() {
        Outcome::pass(format!(
            "Cargo.lock present, {tracked}, accepted by `cargo metadata --locked`"
        ))
    } else if findings.is_empty() {
        findings.extend(unused);
        Outcome::warn(format!(
            "Cargo.lock present, {tracked}, accepted by `cargo metadata --locked`; {} other \
             tracked Cargo.lock(s) never read",
            findings.len()
        ))
    } else {
        let failed: Vec<&str> = findings
            .iter()
            .map(|f| {
                if f.message.contains("not tracked") {
                    "not tracked by git"
                } else if f.message.contains("out of date") {
                    "out of date"
                } else {
                    "rejected by cargo"
                }
            })
            .collect();
        findings.extend(unused);
        Outcome::fail(format!("Cargo.lock {}", failed.join(" and ")))
    };
    outcome.with_findings(findings).with_artifact(LOG, log)
}

/// The tracked Cargo.lock files beside a member or a path dependency of the workspace (not
/// the root's): cargo builds those packages with the root's lockfile and never reads these.
fn unused_lockfiles(ctx: &Context<'_>) -> Vec<Finding> {
    use crate::facts::Role;
    let root = &ctx.workspace.root;
    ctx.facts
        .index
        .files
        .iter()
        .filter(|f| f.rel != "Cargo.lock" && f.rel.ends_with("/Cargo.lock"))
        .filter_map(|f| {
            let dir = f.path.parent()?;
            let package = ctx
                .facts
                .packages
                .iter()
                .find(|p| p.dir == dir || (root.join(&p.dir) == dir && p.dir.is_relative()))?;
            let what = match package.role {
                Role::Member => "a member of this workspace",
                Role::PathDependency => "a path dependency of this workspace",
                Role::Other => return None,
            };
            Some(
                Finding::warning(format!(
                    "{} is tracked but cargo never reads it: `{}` is {what}, built with the \
                     root's Cargo.lock, so this copy only goes stale and misleads readers and \
                     lockfile scanners (fix: `git rm {}`)",
                    f.rel, package.name, f.rel
                ))
                .code(FindingCode::LockfileUnused)
                .at(Location::file(&f.rel)),
            )
        })
        .collect()
}

/// Whether git tracks the root's Cargo.lock: read from the file index when git listed it
/// (no process start), asked of git otherwise (the index lists regular files only, so a
/// tracked lockfile that is a symbolic link is not in it).
fn lockfile_tracked(facts: &crate::facts::Facts, root: &std::path::Path) -> bool {
    let index = &facts.index;
    let lockfile = root.join("Cargo.lock");
    let listed = index.source == crate::facts::IndexSource::Git
        && index
            .files
            .binary_search_by(|f| f.path.cmp(&lockfile))
            .is_ok();
    listed || git_tracks(root, "Cargo.lock")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Status;
    use crate::checks::testing::with_files;
    use crate::config::Config;

    const MANIFEST: &str = "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n";
    const LOCK: &str = "version = 4\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\n";

    fn run(files: &[(&str, &str)]) -> Outcome {
        with_files(files, &["app"], Config::default(), |ctx| {
            LockfileLocked.run(ctx)
        })
    }

    #[test]
    fn missing_lockfile_fails_and_says_how_to_fix() {
        let outcome = run(&[("Cargo.toml", MANIFEST), ("src/lib.rs", "")]);
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(outcome.summary, "Cargo.lock does not exist");
        assert!(
            outcome.findings[0]
                .message
                .contains("cargo generate-lockfile")
        );
    }

    /// A second tracked Cargo.lock beside a member is never read: it warns, naming the file
    /// and the fix. A nested workspace's own lockfile is that workspace's business.
    #[test]
    fn a_members_own_lockfile_warns_as_never_read() {
        if !crate::checks::testing::runs("cargo") {
            return;
        }
        let outcome = run(&[
            (
                "Cargo.toml",
                "[workspace]\nmembers = [\"app\"]\nexclude = [\"nested\"]\n",
            ),
            ("Cargo.lock", LOCK),
            ("app/Cargo.toml", MANIFEST),
            ("app/src/lib.rs", ""),
            ("app/Cargo.lock", LOCK),
            (
                "nested/Cargo.toml",
                "[package]\nname = \"nested\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
            ),
            ("nested/src/lib.rs", ""),
            ("nested/Cargo.lock", "version = 4\n"),
        ]);
        assert_eq!(outcome.status, Status::Warn, "{outcome:?}");
        assert_eq!(outcome.findings.len(), 1, "{outcome:?}");
        let finding = &outcome.findings[0];
        assert_eq!(finding.code.as_deref(), Some("lockfile-unused"));
        assert_eq!(finding.location.as_ref().unwrap().file, "app/Cargo.lock");
        assert!(
            finding.message.starts_with(
                "app/Cargo.lock is tracked but cargo never reads it: `app` is a member of this \
                 workspace"
            ),
            "{}",
            finding.message
        );
    }

    #[test]
    fn current_lockfile_passes() {
        if !crate::checks::testing::runs("cargo") {
            return;
        }
        let outcome = run(&[
            ("Cargo.toml", MANIFEST),
            ("Cargo.lock", LOCK),
            ("src/lib.rs", ""),
        ]);
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert!(outcome.summary.contains("not a git work tree"));
        assert_eq!(outcome.evidence(), [LOG]);
    }

    #[test]
    fn stale_lockfile_fails_as_out_of_date() {
        if !crate::checks::testing::runs("cargo") {
            return;
        }
        let stale = LOCK.replace("0.1.0", "0.0.9");
        let outcome = run(&[
            ("Cargo.toml", MANIFEST),
            ("Cargo.lock", &stale),
            ("src/lib.rs", ""),
        ]);
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
        assert_eq!(outcome.summary, "Cargo.lock out of date");
    }
}
