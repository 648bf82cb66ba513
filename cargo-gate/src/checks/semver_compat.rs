//! `semver.compat`: the workspace version is consistent with the last release tag, and the
//! public API change since that tag is one the version bump permits.
//!
//! 1. **The version.** Each member's `package.version`, literal or inherited with
//!    `version.workspace = true` from `[workspace.package]`; members without a version
//!    (cargo's unpublishable `0.0.0`) are not releases. When members disagree, the release
//!    version is `[workspace.package] version`, else the root package's; otherwise nothing
//!    says which version a `vX.Y.Z` tag is of, and the check is not applicable.
//! 2. **The last release.** The highest `git tag --list` name of the form `vMAJOR.MINOR.PATCH`
//!    or `MAJOR.MINOR.PATCH` (pre-releases and other tags are not releases). No git work tree
//!    or no such tag: not applicable — the first release sets the baseline.
//! 3. **The bump.** A version lower than the last release fails. The released version with
//!    commits (or uncommitted changes) since the tag warns: those changes are unreleased but
//!    already carry the released number. HEAD exactly at the tag passes: nothing changed.
//! 4. **The API diff.** With `cargo-semver-checks` installed, `cargo semver-checks
//!    check-release --baseline-rev <tag> --workspace` reports, per crate, whether the API
//!    change needs a breaking or a minor release. A breaking change needs a version that is
//!    not Cargo-compatible with the old one (a new major from 1.0, a new minor on 0.x, a new
//!    patch on 0.0.x); a minor change needs a new minor from 1.0, any bump on 0.x (Cargo's
//!    convention). Anything the bump does not permit fails. Without the tool the diff is not
//!    evaluated, and the status is SKIP, never PASS: a valid bump says nothing about the API.

use crate::check::{
    Check, CheckMeta, Code, Context, Finding, Location, Outcome, Severity, SkipKind,
};
use crate::shared::outcomes::{ManifestProblem, ParsedManifest, manifest};
use crate::stage::Stage;
use crate::tools::cargo::{Captured, run_captured};
use semver::Version;
use std::path::Path;
use std::process::Command;
use toml::de::DeValue;

/// The `semver.compat` check.
#[derive(Debug)]
pub struct SemverCompat;

static META: CheckMeta = CheckMeta {
    id: "semver.compat",
    stage: Stage::Broad,
    summary: "the version bump since the last release tag is consistent with the public API change",
    fix: "bump the version for what changed since the last release (breaking: new major, or new \
          minor on 0.x; additions: new minor) in [workspace.package] or the crate's Cargo.toml; \
          install cargo-semver-checks (`cargo install cargo-semver-checks --locked`) so the API \
          diff is evaluated",
    codes: FindingCode::ALL,
    config: &[],
};

crate::finding_codes! {
    /// The codes of this check's findings (their names are stable: never renamed).
    enum FindingCode {
        BreakingChangeWithoutBump => Code {
            name: "breaking-change-without-bump",
            summary: "the public API changed more than the version bump allows",
        },
        VersionDecreased => Code {
            name: "version-decreased",
            summary: "the version is lower than the last release",
        },
        UnreleasedChanges => Code {
            name: "unreleased-changes",
            summary: "changes since the last release at the released version",
        },
        WorkspaceVersionMissing => Code {
            name: "workspace-version-missing",
            summary: "a member inherits a version [workspace.package] does not declare",
        },
        InvalidVersion => Code {
            name: "invalid-version",
            summary: "a version that is not semver",
        },
        UnreadableManifest => crate::check::UNREADABLE_MANIFEST,
        InvalidManifest => crate::check::INVALID_MANIFEST,
    }
}

impl crate::shared::outcomes::ManifestCodes for FindingCode {
    const UNREADABLE: Self = FindingCode::UnreadableManifest;
    const INVALID: Self = FindingCode::InvalidManifest;
}

const LOG: &str = "logs/semver-checks.log";

const NOT_INSTALLED: &str = "the public API diff was not evaluated: cargo-semver-checks is not \
                             installed (cargo install cargo-semver-checks --locked)";

/// A repository without release tags has no published API to be compatible with: the first
/// release sets the baseline. That is established by the tags themselves, so it passes (a
/// SKIP would make every first release unreleasable at broad).
const FIRST_RELEASE: &str = "no release tag yet: nothing published to be compatible with; the first release sets the baseline";

impl Check for SemverCompat {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        evaluate(ctx, &SemverChecksTool)
    }
}

/// The API diff tool, injected so tests need not install it.
trait ApiDiff {
    /// Whether `cargo semver-checks --version` succeeds.
    fn installed(&self, root: &Path) -> bool;
    /// Runs `cargo semver-checks` with [`check_release_args`] in `root`.
    fn check_release(&self, root: &Path, tag: &str, offline: bool) -> std::io::Result<Captured>;
}

/// `cargo semver-checks` from PATH.
#[derive(Debug)]
struct SemverChecksTool;

/// The cargo invocation for `args`, with the environment every cargo run of the gate gets. It
/// is not `Cargo::command`: cargo-semver-checks has no `--offline` flag, so offline is
/// passed the way nested cargo calls honour it, `CARGO_NET_OFFLINE`.
fn cargo(root: &Path, args: &[&str], offline: bool) -> Command {
    let mut cmd = Command::new(crate::tools::toolchain::cargo());
    cmd.args(args)
        .current_dir(root)
        .envs(crate::tools::cargo::ENV);
    if offline {
        cmd.env("CARGO_NET_OFFLINE", "true");
    }
    cmd
}

/// The arguments of the API diff against `tag`.
fn check_release_args(tag: &str) -> [&str; 5] {
    [
        "semver-checks",
        "check-release",
        "--baseline-rev",
        tag,
        "--workspace",
    ]
}

impl ApiDiff for SemverChecksTool {
    fn installed(&self, root: &Path) -> bool {
        crate::tools::process::output(cargo(root, &["semver-checks", "--version"], false))
            .is_ok_and(|o| o.status.success())
    }

    fn check_release(&self, root: &Path, tag: &str, offline: bool) -> std::io::Result<Captured> {
        run_captured(cargo(root, &check_release_args(tag), offline))
    }
}

/// The version being released and where it is written.
#[derive(Debug, Clone)]
struct Release {
    version: Version,
    location: Location,
}

/// One member's declared version.
#[derive(Debug)]
struct Declared {
    member: String,
    version: Version,
    location: Location,
    inherited: bool,
}

/// Not evaluated where an alias `semver-checks` in the cargo configuration would run instead
/// of the tool (cargo lets a user alias shadow an external subcommand).
fn aliased_away(root: &Path) -> Option<Outcome> {
    let at = crate::tools::cargo::aliased(root, "semver-checks")?;
    Some(Outcome::skip(
        SkipKind::Unavailable,
        format!(
            "the public API diff was not evaluated: an alias `semver-checks` ({at}) replaces \
             cargo-semver-checks, so `cargo semver-checks` would run what it says"
        ),
    ))
}

fn evaluate(ctx: &Context<'_>, diff: &dyn ApiDiff) -> Outcome {
    let root = &ctx.workspace.root;
    let mut findings = Vec::new();
    let release = match release_version(ctx, &mut findings) {
        Ok(release) => release,
        Err(outcome) => return outcome.with_findings(findings),
    };
    let version = &release.version;

    let (tag, tag_version) = match last_release_tag(root) {
        Ok(Some(found)) => found,
        Ok(None) => {
            return Outcome::pass(FIRST_RELEASE).with_findings(findings);
        }
        Err(TagError::NotARepository) => {
            return Outcome::skip(
                SkipKind::NotApplicable,
                format!("{FIRST_RELEASE} (not a git work tree, so no tags)"),
            )
            .with_findings(findings);
        }
        Err(TagError::Git(e)) => {
            return Outcome::skip(
                SkipKind::Unavailable,
                format!("git could not be run ({e}): the release tags cannot be read"),
            )
            .with_findings(findings);
        }
    };

    if *version < tag_version {
        return Outcome::fail(format!(
            "version {version} is lower than the last release {tag}"
        ))
        .with_findings(findings)
        .with_finding(
            Finding::error(format!(
                "version {version} is lower than the last release {tag}: versions must only \
                 grow (fix: set a version above {tag_version})"
            ))
            .code(FindingCode::VersionDecreased)
            .at(release.location.clone()),
        );
    }

    let mut unreleased = None;
    if *version == tag_version {
        let commits = commits_since(root, &tag);
        let dirty = is_dirty(root);
        if commits == Some(0) && !dirty {
            return Outcome::pass(format!(
                "HEAD is the release {tag} at version {version}: nothing changed since the \
                 release"
            ))
            .with_findings(findings);
        }
        let what = match commits {
            Some(n) if n > 0 && dirty => format!("{n} commit(s) and uncommitted changes"),
            Some(n) if n > 0 => format!("{n} commit(s)"),
            Some(_) => "uncommitted changes".to_owned(),
            None => "changes".to_owned(),
        };
        unreleased = Some(format!(
            "unreleased changes at the released version {version} ({what} since {tag})"
        ));
        findings.push(
            Finding::warning(format!(
                "unreleased changes at the released version: {what} since {tag}, and the \
                 version is still {version} (fix: bump it before releasing)"
            ))
            .code(FindingCode::UnreleasedChanges)
            .at(release.location.clone()),
        );
    } else {
        findings.push(
            Finding::note(format!(
                "version {version} against the last release {tag}: {} bump",
                bump_kind(&tag_version, version)
            ))
            .at(release.location.clone()),
        );
    }

    if let Some(replaced) = aliased_away(root) {
        return replaced.with_findings(findings);
    }
    if !diff.installed(root) {
        let summary = match &unreleased {
            Some(what) => format!("{what}; {NOT_INSTALLED}"),
            None => NOT_INSTALLED.to_owned(),
        };
        return Outcome::skip(SkipKind::NotApplicable, summary).with_findings(findings);
    }
    let captured = match diff.check_release(root, &tag, ctx.cargo.offline()) {
        Ok(captured) => captured,
        Err(e) => {
            return Outcome::skip(
                SkipKind::Unavailable,
                format!("cargo semver-checks could not be run: {e}"),
            )
            .with_findings(findings);
        }
    };
    let log = captured.log_file();
    let crates = parse_report(&captured.log);
    let mut compared = 0;
    let mut unknown = Vec::new();
    for result in &crates {
        let old = result.old.as_ref().unwrap_or(&tag_version);
        let new = result.new.as_ref().unwrap_or(version);
        let lints = if result.lints.is_empty() {
            String::new()
        } else {
            format!(" ({})", result.lints.join(", "))
        };
        match result.required {
            None => unknown.push(result.name.clone()),
            Some(Required::Nothing) => compared += 1,
            Some(required) if permits(old, new, required) => {
                compared += 1;
                findings.push(
                    Finding::note(format!(
                        "`{}`: API changes that need a {} release{lints}; {old} → {new} \
                         permits them",
                        result.name,
                        required.as_str()
                    ))
                    .subject(result.name.clone()),
                );
            }
            Some(required) => {
                compared += 1;
                findings.push(
                    Finding::error(format!(
                        "`{}`: the public API changed in a way that needs a {} release{lints}, \
                         but {old} → {new} does not permit it (fix: release it as {})",
                        result.name,
                        required.as_str(),
                        least_permitted(old, required)
                    ))
                    .code(FindingCode::BreakingChangeWithoutBump)
                    .at(release.location.clone())
                    .subject(result.name.clone()),
                );
            }
        }
    }

    let breaks = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    if breaks > 0 {
        return Outcome::fail(format!(
            "{breaks} crate(s) with API changes that {version} (from {tag}) does not permit"
        ))
        .with_findings(findings)
        .with_artifact(LOG, log);
    }
    if crates.is_empty() && captured.success() {
        return Outcome::skip(
            SkipKind::NotApplicable,
            "cargo-semver-checks compared no crate (no library target to compare, or none is \
             published)",
        )
        .with_findings(findings)
        .with_artifact(LOG, log);
    }
    if crates.is_empty() || !unknown.is_empty() {
        let reason = if crates.is_empty() {
            crate::tools::cargo::first_error(&captured.log)
        } else {
            format!("no result for {}", unknown.join(", "))
        };
        return Outcome::skip(
            SkipKind::Unavailable,
            format!("cargo semver-checks could not compare the public API against {tag}: {reason}"),
        )
        .with_findings(findings)
        .with_artifact(LOG, log);
    }
    if let Some(what) = unreleased {
        return Outcome::warn(format!(
            "{what}; cargo-semver-checks found no API change that needs a release \
             ({compared} crate(s) compared)"
        ))
        .with_findings(findings)
        .with_artifact(LOG, log);
    }
    Outcome::pass(format!(
        "version {version} against the last release {tag} ({} bump); cargo-semver-checks found \
         no API change beyond what it permits ({compared} crate(s) compared)",
        bump_kind(&tag_version, version)
    ))
    .with_findings(findings)
    .with_artifact(LOG, log)
}

/// What cargo-semver-checks says a crate's API change needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Required {
    /// "no semver update required".
    Nothing,
    /// "requires new minor version": additions a patch release must not carry.
    Minor,
    /// "requires new major version": a breaking change (printed as "major" on 0.x too).
    Breaking,
}

impl Required {
    fn as_str(self) -> &'static str {
        match self {
            Required::Nothing => "no",
            Required::Minor => "minor",
            Required::Breaking => "breaking",
        }
    }
}

/// Whether two versions are compatible in Cargo's sense: same leftmost non-zero component.
fn cargo_compatible(old: &Version, new: &Version) -> bool {
    if old.major > 0 {
        new.major == old.major
    } else if old.minor > 0 {
        new.major == 0 && new.minor == old.minor
    } else {
        new.major == 0 && new.minor == 0 && new.patch == old.patch
    }
}

/// Whether going from `old` to `new` permits an API change that needs `required`.
fn permits(old: &Version, new: &Version, required: Required) -> bool {
    match required {
        Required::Nothing => true,
        Required::Breaking => new > old && !cargo_compatible(old, new),
        Required::Minor if old.major >= 1 => {
            new > old && (new.major, new.minor) != (old.major, old.minor)
        }
        Required::Minor => new > old,
    }
}

/// The smallest version after `old` that permits `required`.
fn least_permitted(old: &Version, required: Required) -> Version {
    let (major, minor, patch) = (old.major, old.minor, old.patch);
    match required {
        Required::Breaking if major > 0 => Version::new(major + 1, 0, 0),
        Required::Breaking if minor > 0 => Version::new(0, minor + 1, 0),
        Required::Breaking => Version::new(0, 0, patch + 1),
        Required::Minor if major > 0 => Version::new(major, minor + 1, 0),
        Required::Minor | Required::Nothing => Version::new(major, minor, patch + 1),
    }
}

/// The kind of bump from `old` to `new`, in words.
fn bump_kind(old: &Version, new: &Version) -> &'static str {
    if new.major > old.major {
        "major"
    } else if new.minor > old.minor {
        "minor"
    } else if new.patch > old.patch {
        "patch"
    } else if new == old {
        "no"
    } else {
        "pre-release"
    }
}

/// What cargo-semver-checks reported for one crate.
#[derive(Debug, Clone, PartialEq, Eq)]
struct CrateResult {
    name: String,
    /// From `Checking NAME vOLD -> vNEW`.
    old: Option<Version>,
    new: Option<Version>,
    /// From its `Summary` line; `None` when there was none (it did not finish).
    required: Option<Required>,
    /// The lints that failed (`--- failure LINT: … ---`).
    lints: Vec<String>,
}

/// Reads cargo-semver-checks' human output (it has no machine-readable one): a `Checking`
/// line opens each crate, `--- failure` blocks name the lints, a `Summary` line closes it.
/// Output it does not recognise yields no result, never "nothing required".
fn parse_report(log: &str) -> Vec<CrateResult> {
    let mut crates: Vec<CrateResult> = Vec::new();
    let unnamed = |crates: &mut Vec<CrateResult>| {
        if crates.is_empty() {
            crates.push(CrateResult {
                name: "(workspace)".to_owned(),
                old: None,
                new: None,
                required: None,
                lints: Vec::new(),
            });
        }
    };
    for line in log.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("Checking ") {
            // `Checking NAME vOLD -> vNEW (...)`
            let words: Vec<&str> = rest.split_whitespace().collect();
            if words.len() >= 4 && words[2] == "->" {
                let version = |w: &str| w.strip_prefix('v').and_then(|v| Version::parse(v).ok());
                crates.push(CrateResult {
                    name: words[0].to_owned(),
                    old: version(words[1]),
                    new: version(words[3]),
                    required: None,
                    lints: Vec::new(),
                });
            }
        } else if let Some(rest) = line.strip_prefix("--- failure ") {
            unnamed(&mut crates);
            let lint = rest.split(':').next().unwrap_or(rest).trim().to_owned();
            if let Some(last) = crates.last_mut()
                && !last.lints.contains(&lint)
            {
                last.lints.push(lint);
            }
        } else if let Some(rest) = line.strip_prefix("Summary ") {
            let required = if rest.starts_with("semver requires new major version") {
                Required::Breaking
            } else if rest.starts_with("semver requires new minor version") {
                Required::Minor
            } else if rest.starts_with("no semver update required") {
                Required::Nothing
            } else {
                continue;
            };
            unnamed(&mut crates);
            if let Some(last) = crates.last_mut() {
                last.required = Some(required);
            }
        }
    }
    crates
}

/// The version being released (see the module documentation), or the outcome that says why
/// there is none.
fn release_version(ctx: &Context<'_>, findings: &mut Vec<Finding>) -> Result<Release, Outcome> {
    let ws = ctx.workspace;
    let ParsedManifest {
        rel: root_rel,
        text: root_text,
        doc: root_doc,
    } = manifest::<FindingCode>(ctx.facts, &ws.manifest_path).map_err(cannot_read)?;
    let workspace_version = match root_doc
        .get("workspace")
        .and_then(|w| w.get_ref().as_table()?.get("package"))
        .and_then(|p| p.get_ref().as_table()?.get("version"))
    {
        None => None,
        Some(value) => {
            let location = crate::shared::locate::at(root_rel, root_text, value.span().start);
            Some(Release {
                version: version_value(value.get_ref(), "[workspace.package] version", &location)?,
                location,
            })
        }
    };

    let mut declared = Vec::new();
    let mut problems = Vec::new();
    for member in &ws.members {
        let ParsedManifest { rel, text, doc } =
            manifest::<FindingCode>(ctx.facts, &member.dir.join("Cargo.toml"))
                .map_err(cannot_read)?;
        let Some(value) = doc
            .get("package")
            .and_then(|p| p.get_ref().as_table()?.get("version"))
        else {
            continue;
        };
        let location = crate::shared::locate::at(rel, text, value.span().start);
        let inherits = value
            .get_ref()
            .as_table()
            .and_then(|t| t.get("workspace"))
            .is_some_and(|w| w.get_ref().as_bool() == Some(true));
        if inherits {
            match &workspace_version {
                Some(release) => declared.push(Declared {
                    member: member.name.clone(),
                    version: release.version.clone(),
                    location: release.location.clone(),
                    inherited: true,
                }),
                None => problems.push(
                    Finding::error(format!(
                        "`{}` inherits its version, but [workspace.package] declares none",
                        member.name
                    ))
                    .code(FindingCode::WorkspaceVersionMissing)
                    .at(location)
                    .subject(member.name.clone()),
                ),
            }
            continue;
        }
        match version_value(
            value.get_ref(),
            &format!("the version of `{}`", member.name),
            &location,
        ) {
            Ok(version) => declared.push(Declared {
                member: member.name.clone(),
                version,
                location,
                inherited: false,
            }),
            Err(outcome) => {
                problems.extend(outcome.findings);
            }
        }
    }
    if !problems.is_empty() {
        findings.extend(problems);
        return Err(Outcome::fail("the workspace version cannot be read"));
    }

    let mut versions: Vec<&Version> = declared.iter().map(|d| &d.version).collect();
    versions.sort_unstable();
    versions.dedup();
    let release = match versions.as_slice() {
        [] => {
            return Err(Outcome::skip(
                SkipKind::NotApplicable,
                "no member declares a version: nothing is released",
            ));
        }
        [_] => {
            let first = declared
                .iter()
                .find(|d| d.inherited)
                .unwrap_or(&declared[0]);
            Release {
                version: first.version.clone(),
                location: first.location.clone(),
            }
        }
        _ => {
            let root_package = root_doc
                .get("package")
                .and_then(|p| p.get_ref().as_table()?.get("name"))
                .and_then(|n| n.get_ref().as_str().map(str::to_owned));
            let chosen = workspace_version.clone().or_else(|| {
                let name = root_package?;
                declared.iter().find(|d| d.member == name).map(|d| Release {
                    version: d.version.clone(),
                    location: d.location.clone(),
                })
            });
            let Some(release) = chosen else {
                let list: Vec<String> = declared
                    .iter()
                    .map(|d| format!("{} {}", d.member, d.version))
                    .collect();
                return Err(Outcome::skip(
                    SkipKind::NotApplicable,
                    format!(
                        "members are versioned independently ({}) and neither \
                         [workspace.package] nor a root package names the release version, so \
                         a vX.Y.Z tag cannot be attributed",
                        list.join(", ")
                    ),
                ));
            };
            release
        }
    };
    for other in declared.iter().filter(|d| d.version != release.version) {
        findings.push(
            Finding::note(format!(
                "`{}` is versioned on its own ({}): compared only by cargo-semver-checks, against \
                 its own baseline version",
                other.member, other.version
            ))
            .at(other.location.clone())
            .subject(other.member.clone()),
        );
    }
    Ok(release)
}

fn version_value(value: &DeValue<'_>, what: &str, location: &Location) -> Result<Version, Outcome> {
    let invalid = |detail: String| {
        Outcome::fail("the workspace version cannot be read").with_finding(
            Finding::error(format!("{what} {detail}"))
                .code(FindingCode::InvalidVersion)
                .at(location.clone()),
        )
    };
    match value {
        DeValue::String(text) => Version::parse(text)
            .map_err(|e| invalid(format!("`{text}` is not a semver version: {e}"))),
        _ => Err(invalid("is not a string".to_owned())),
    }
}

/// A root or member manifest that could not be read or parsed: nothing to take the version
/// from.
fn cannot_read(problem: ManifestProblem) -> Outcome {
    Outcome::fail("the workspace version cannot be read").with_finding(Finding::from(problem))
}

/// Why the release tags could not be listed.
#[derive(Debug)]
enum TagError {
    /// git ran and failed: the root is not in a work tree.
    NotARepository,
    /// git could not be started.
    Git(std::io::Error),
}

/// Runs git in `root`; `Ok(None)` when it ran and failed.
fn git(root: &Path, args: &[&str]) -> std::io::Result<Option<String>> {
    let mut cmd = Command::new("git");
    cmd.args(args).current_dir(root);
    let output = crate::tools::process::output(cmd)?;
    Ok(output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned()))
}

/// The highest release tag (`v?MAJOR.MINOR.PATCH`, no pre-release or build metadata).
fn last_release_tag(root: &Path) -> Result<Option<(String, Version)>, TagError> {
    let list = git(root, &["tag", "--list"])
        .map_err(TagError::Git)?
        .ok_or(TagError::NotARepository)?;
    Ok(list
        .lines()
        .map(str::trim)
        .filter_map(|tag| Some((tag.to_owned(), release_tag_version(tag)?)))
        .max_by(|a, b| a.1.cmp(&b.1)))
}

fn release_tag_version(tag: &str) -> Option<Version> {
    let version = Version::parse(tag.strip_prefix('v').unwrap_or(tag)).ok()?;
    (version.pre.is_empty() && version.build.is_empty()).then_some(version)
}

/// How many commits HEAD has that the tag does not, when git can tell.
fn commits_since(root: &Path, tag: &str) -> Option<u64> {
    let range = format!("refs/tags/{tag}..HEAD");
    git(root, &["rev-list", "--count", &range])
        .ok()??
        .trim()
        .parse()
        .ok()
}

/// Whether tracked files differ from HEAD (what a release from this tree would contain).
fn is_dirty(root: &Path) -> bool {
    git(root, &["status", "--porcelain", "--untracked-files=no"])
        .ok()
        .flatten()
        .is_some_and(|s| !s.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Status;
    use crate::checks::testing::with_files;
    use crate::config::Config;
    use crate::workspace::{Member, Workspace};
    use std::cell::RefCell;

    /// A stand-in for cargo-semver-checks: installed or not, with a canned report.
    #[derive(Debug, Default)]
    struct FakeDiff {
        installed: bool,
        code: i32,
        log: String,
        asked: RefCell<Vec<String>>,
    }

    impl FakeDiff {
        fn installed(log: &str, code: i32) -> FakeDiff {
            FakeDiff {
                installed: true,
                code,
                log: log.to_owned(),
                asked: RefCell::default(),
            }
        }
    }

    impl ApiDiff for FakeDiff {
        fn installed(&self, _: &Path) -> bool {
            self.installed
        }

        fn check_release(&self, _: &Path, tag: &str, _: bool) -> std::io::Result<Captured> {
            let line = ["cargo"]
                .into_iter()
                .chain(check_release_args(tag))
                .collect::<Vec<_>>()
                .join(" ");
            self.asked.borrow_mut().push(line.clone());
            Ok(Captured {
                command_line: line,
                code: Some(self.code),
                log: self.log.clone(),
                stopped: None,
            })
        }
    }

    fn git_ok(root: &Path, args: &[&str]) {
        let status = Command::new("git")
            .args([
                "-c",
                "user.name=gate-tests",
                "-c",
                "user.email=tests@example.invalid",
            ])
            .args(["-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"])
            .args(["-c", "init.defaultBranch=main"])
            .args(args)
            .current_dir(root)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .expect("git runs");
        assert!(status.success(), "git {args:?}");
    }

    fn manifest(version: &str) -> String {
        format!(
            "[package]\nname = \"demo\"\nversion = \"{version}\"\nedition = \"2024\"\n\n\
             [workspace]\n"
        )
    }

    /// How the repository is set up before the check runs.
    #[derive(Debug, Clone, Copy)]
    struct Repo<'a> {
        git: bool,
        /// Version at the first commit, and the tags put on it.
        released: &'a str,
        tags: &'a [&'a str],
        /// Version afterwards; committed unless `dirty`.
        now: &'a str,
        dirty: bool,
        /// Whether anything is committed after the tags.
        commit_after: bool,
    }

    const REPO: Repo<'static> = Repo {
        git: true,
        released: "0.1.0",
        tags: &["v0.1.0"],
        now: "0.2.0",
        dirty: false,
        commit_after: true,
    };

    fn run(repo: Repo<'_>, diff: &FakeDiff) -> Outcome {
        let first = manifest(repo.released);
        let files = [
            ("Cargo.toml", first.as_str()),
            ("src/lib.rs", "pub fn f() {}\n"),
        ];
        with_files(&files, &[], Config::default(), |ctx| {
            let root = &ctx.workspace.root;
            if repo.git {
                git_ok(root, &["init", "-q"]);
                git_ok(root, &["add", "-A"]);
                git_ok(root, &["commit", "-q", "-m", "release"]);
                for tag in repo.tags {
                    git_ok(root, &["tag", tag]);
                }
            }
            std::fs::write(root.join("Cargo.toml"), manifest(repo.now)).unwrap();
            if repo.git && repo.commit_after {
                std::fs::write(root.join("src/lib.rs"), "pub fn f() {}\npub fn g() {}\n").unwrap();
                if !repo.dirty {
                    git_ok(root, &["commit", "-q", "-a", "-m", "change"]);
                }
            }
            let ws = Workspace {
                members: vec![Member {
                    name: "demo".into(),
                    dir: root.clone(),
                }],
                ..ctx.workspace.clone()
            };
            // The run begins here: its facts are read from the repository as it is now.
            let facts = crate::facts::Facts::gather(&ws, Vec::new());
            evaluate(
                &Context {
                    workspace: &ws,
                    facts: &facts,
                    ..*ctx
                },
                diff,
            )
        })
    }

    const CLEAN: &str = "    Checking demo v0.1.0 -> v0.2.0 (minor change)\n     \
                         Checked [   0.009s] 196 checks: 196 pass, 0 fail, 0 warn, 58 skip\n\n     \
                         Summary no semver update required\n    Finished [   1.401s] demo\n";

    fn breaking(old: &str, new: &str) -> String {
        format!(
            "    Checking demo v{old} -> v{new} (patch change)\n\
             --- failure function_missing: pub fn removed or renamed ---\n\n\
             Failed in:\n  function demo::g, previously in file src/lib.rs:2\n     \
             Summary semver requires new major version: 1 major and 0 minor checks failed\n"
        )
    }

    fn minor(old: &str, new: &str) -> String {
        format!(
            "    Checking demo v{old} -> v{new} (patch change)\n\
             --- failure trait_method_added: pub trait method added ---\n     \
             Summary semver requires new minor version: 0 major and 1 minor checks failed\n"
        )
    }

    #[test]
    fn versions_against_tags() {
        if !crate::checks::testing::runs("git") {
            return;
        }
        let not_installed = FakeDiff::default();
        let cases = [
            // No baseline yet.
            (
                Repo { git: false, ..REPO },
                Status::Skip,
                Some(SkipKind::NotApplicable),
            ),
            (Repo { tags: &[], ..REPO }, Status::Pass, None),
            (
                Repo {
                    tags: &["release-1", "v0.9.0-rc.1"],
                    ..REPO
                },
                Status::Pass,
                None,
            ),
            // Lower than the last release (the highest tag, with or without `v`).
            (
                Repo {
                    tags: &["v0.1.0", "0.3.0"],
                    ..REPO
                },
                Status::Fail,
                None,
            ),
            // HEAD is the release.
            (
                Repo {
                    now: "0.1.0",
                    commit_after: false,
                    ..REPO
                },
                Status::Pass,
                None,
            ),
            // A valid bump, but no API diff: never a pass.
            (REPO, Status::Skip, Some(SkipKind::NotApplicable)),
            // Unreleased changes at the released version, committed or not.
            (
                Repo {
                    now: "0.1.0",
                    ..REPO
                },
                Status::Skip,
                Some(SkipKind::NotApplicable),
            ),
        ];
        for (repo, status, skip) in cases {
            let outcome = run(repo, &not_installed);
            assert_eq!(
                (outcome.status, outcome.skip),
                (status, skip),
                "{repo:?}: {outcome:?}"
            );
        }
    }

    /// An alias `semver-checks` in the workspace's cargo configuration would run instead of
    /// the tool (cargo lets it shadow an external subcommand): not evaluated, never a pass.
    #[test]
    fn an_alias_of_the_tool_is_not_run() {
        let dir = tempfile::tempdir().unwrap();
        assert!(aliased_away(dir.path()).is_none());
        std::fs::create_dir_all(dir.path().join(".cargo")).unwrap();
        std::fs::write(
            dir.path().join(".cargo/config.toml"),
            "[alias]\nsemver-checks = [\"build\"]\n",
        )
        .unwrap();
        let outcome = aliased_away(dir.path()).unwrap();
        assert_eq!(
            (outcome.status, outcome.skip),
            (Status::Skip, Some(SkipKind::Unavailable))
        );
        assert!(
            outcome.summary.contains(".cargo/config.toml"),
            "{}",
            outcome.summary
        );
    }

    #[test]
    fn without_the_tool_the_summary_says_the_diff_was_not_evaluated() {
        if !crate::checks::testing::runs("git") {
            return;
        }
        let outcome = run(REPO, &FakeDiff::default());
        assert_eq!(outcome.summary, NOT_INSTALLED);
        assert_eq!(
            outcome.findings[0].message,
            "version 0.2.0 against the last release v0.1.0: minor bump"
        );
        assert_eq!(
            outcome.findings[0].location,
            Some(Location::at("Cargo.toml", 3, 11))
        );

        let outcome = run(
            Repo {
                now: "0.1.0",
                dirty: true,
                ..REPO
            },
            &FakeDiff::default(),
        );
        assert_eq!(
            outcome.summary,
            format!(
                "unreleased changes at the released version 0.1.0 (uncommitted changes since \
                 v0.1.0); {NOT_INSTALLED}"
            )
        );
        assert_eq!(outcome.findings[0].severity, Severity::Warning);
    }

    #[test]
    fn lower_and_first_release_messages() {
        if !crate::checks::testing::runs("git") {
            return;
        }
        let outcome = run(
            Repo {
                tags: &["v0.1.0", "v0.3.0"],
                ..REPO
            },
            &FakeDiff::default(),
        );
        assert_eq!(
            outcome.summary,
            "version 0.2.0 is lower than the last release v0.3.0"
        );
        let outcome = run(Repo { tags: &[], ..REPO }, &FakeDiff::default());
        assert_eq!(outcome.summary, FIRST_RELEASE);
    }

    #[test]
    fn the_api_diff_decides_against_the_bump() {
        if !crate::checks::testing::runs("git") {
            return;
        }
        let cases = [
            ("0.1.0", "0.2.0", CLEAN.to_owned(), 0, Status::Pass),
            // 0.x: a break needs a new minor; additions any bump.
            (
                "0.1.0",
                "0.1.1",
                breaking("0.1.0", "0.1.1"),
                1,
                Status::Fail,
            ),
            (
                "0.1.0",
                "0.2.0",
                breaking("0.1.0", "0.2.0"),
                0,
                Status::Pass,
            ),
            ("0.1.0", "0.1.1", minor("0.1.0", "0.1.1"), 0, Status::Pass),
            // From 1.0: a break needs a new major, additions a new minor.
            (
                "1.0.0",
                "1.1.0",
                breaking("1.0.0", "1.1.0"),
                1,
                Status::Fail,
            ),
            (
                "1.0.0",
                "2.0.0",
                breaking("1.0.0", "2.0.0"),
                0,
                Status::Pass,
            ),
            ("1.0.0", "1.0.1", minor("1.0.0", "1.0.1"), 1, Status::Fail),
            ("1.0.0", "1.1.0", minor("1.0.0", "1.1.0"), 0, Status::Pass),
            // Released version with changes: a warning, or a failure when the API broke.
            (
                "1.0.0",
                "1.0.0",
                CLEAN.replace("0.2.0", "1.0.0"),
                0,
                Status::Warn,
            ),
            (
                "1.0.0",
                "1.0.0",
                breaking("1.0.0", "1.0.0"),
                1,
                Status::Fail,
            ),
            // The tool ran but did not get to a result: could not evaluate.
            (
                "0.1.0",
                "0.2.0",
                "error: failed to build rustdoc for crate demo\n".to_owned(),
                1,
                Status::Skip,
            ),
            ("0.1.0", "0.2.0", String::new(), 0, Status::Skip),
        ];
        for (released, now, log, code, want) in cases {
            let tag = format!("v{released}");
            let repo = Repo {
                released,
                tags: &[&tag],
                now,
                ..REPO
            };
            let diff = FakeDiff::installed(&log, code);
            let outcome = run(repo, &diff);
            assert_eq!(
                outcome.status, want,
                "{released} -> {now}\n{log}\n{outcome:?}"
            );
            assert_eq!(
                diff.asked.borrow().as_slice(),
                [format!(
                    "cargo semver-checks check-release --baseline-rev {tag} --workspace"
                )]
            );
            assert_eq!(outcome.evidence(), [LOG]);
        }
    }

    #[test]
    fn a_break_the_bump_does_not_permit_names_the_crate_lints_and_the_fix() {
        if !crate::checks::testing::runs("git") {
            return;
        }
        let tag = "v1.2.3";
        let repo = Repo {
            released: "1.2.3",
            tags: &[tag],
            now: "1.3.0",
            ..REPO
        };
        let outcome = run(repo, &FakeDiff::installed(&breaking("1.2.3", "1.3.0"), 1));
        assert_eq!(
            outcome.summary,
            "1 crate(s) with API changes that 1.3.0 (from v1.2.3) does not permit"
        );
        let error = outcome
            .findings
            .iter()
            .find(|f| f.severity == Severity::Error)
            .unwrap();
        assert_eq!(
            error.message,
            "`demo`: the public API changed in a way that needs a breaking release \
             (function_missing), but 1.2.3 → 1.3.0 does not permit it (fix: release it as 2.0.0)"
        );
        assert_eq!(error.subject.as_deref(), Some("demo"));
        let unavailable = run(
            REPO,
            &FakeDiff::installed("error: failed to build rustdoc for crate demo\n", 1),
        );
        assert_eq!(unavailable.skip, Some(SkipKind::Unavailable));
        assert_eq!(
            unavailable.summary,
            "cargo semver-checks could not compare the public API against v0.1.0: failed to \
             build rustdoc for crate demo"
        );
    }

    #[test]
    fn permitted_bumps_follow_cargo_compatibility() {
        let v = |s: &str| Version::parse(s).unwrap();
        let cases = [
            ("0.0.1", "0.0.2", Required::Breaking, true),
            ("0.1.2", "0.1.3", Required::Breaking, false),
            ("0.1.2", "0.2.0", Required::Breaking, true),
            ("0.1.2", "1.0.0", Required::Breaking, true),
            ("1.2.3", "1.9.0", Required::Breaking, false),
            ("1.2.3", "2.0.0", Required::Breaking, true),
            ("1.2.3", "1.2.4", Required::Minor, false),
            ("1.2.3", "1.3.0", Required::Minor, true),
            ("0.1.2", "0.1.3", Required::Minor, true),
            ("0.1.2", "0.1.2", Required::Minor, false),
            ("1.2.3", "1.2.3", Required::Nothing, true),
        ];
        for (old, new, required, want) in cases {
            assert_eq!(
                permits(&v(old), &v(new), required),
                want,
                "{old} -> {new} {required:?}"
            );
        }
        assert_eq!(least_permitted(&v("0.1.2"), Required::Breaking), v("0.2.0"));
        assert_eq!(least_permitted(&v("0.0.2"), Required::Breaking), v("0.0.3"));
        assert_eq!(least_permitted(&v("1.2.3"), Required::Minor), v("1.3.0"));
    }

    #[test]
    fn the_report_is_read_per_crate() {
        let log = format!(
            "    Building a v0.1.0 (current)\n{}    Checking b v1.0.0 -> v1.0.0 (no change)\n     \
             Summary no semver update required\n    Checking c v2.0.0 -> v2.1.0 (minor change)\n",
            breaking("0.1.0", "0.1.1").replace("demo", "a")
        );
        let v = |s: &str| Some(Version::parse(s).unwrap());
        assert_eq!(
            parse_report(&log),
            [
                CrateResult {
                    name: "a".into(),
                    old: v("0.1.0"),
                    new: v("0.1.1"),
                    required: Some(Required::Breaking),
                    lints: vec!["function_missing".into()],
                },
                CrateResult {
                    name: "b".into(),
                    old: v("1.0.0"),
                    new: v("1.0.0"),
                    required: Some(Required::Nothing),
                    lints: Vec::new(),
                },
                CrateResult {
                    name: "c".into(),
                    old: v("2.0.0"),
                    new: v("2.1.0"),
                    required: None,
                    lints: Vec::new(),
                },
            ]
        );
        assert!(parse_report("Building demo\nerror: boom\n").is_empty());
    }

    #[test]
    fn the_release_version_comes_from_the_workspace() {
        let read = |files: &[(&str, &str)], members: &[&str]| {
            with_files(files, members, Config::default(), |ctx| {
                let mut findings = Vec::new();
                let release = release_version(ctx, &mut findings);
                (
                    release.map(|r| (r.version.to_string(), r.location.to_string())),
                    findings,
                )
            })
        };
        let root =
            "[workspace]\nmembers = [\"a\", \"b\"]\n\n[workspace.package]\nversion = \"0.4.0\"\n";
        let (release, notes) = read(
            &[
                ("Cargo.toml", root),
                (
                    "a/Cargo.toml",
                    "[package]\nname = \"a\"\nversion.workspace = true\n",
                ),
                (
                    "b/Cargo.toml",
                    "[package]\nname = \"b\"\nversion = \"0.0.7\"\n",
                ),
            ],
            &["a", "b"],
        );
        assert_eq!(
            release.unwrap(),
            ("0.4.0".to_owned(), "Cargo.toml:5:11".to_owned())
        );
        assert_eq!(
            notes[0].message,
            "`b` is versioned on its own (0.0.7): compared only by cargo-semver-checks, against \
             its own baseline version"
        );

        // No [workspace.package] version to inherit.
        let (release, notes) = read(
            &[
                ("Cargo.toml", "[workspace]\nmembers = [\"a\"]\n"),
                (
                    "a/Cargo.toml",
                    "[package]\nname = \"a\"\nversion = { workspace = true }\n",
                ),
            ],
            &["a"],
        );
        assert_eq!(release.unwrap_err().status, Status::Fail);
        assert_eq!(
            notes[0].message,
            "`a` inherits its version, but [workspace.package] declares none"
        );

        // Independent versions and nothing naming the release.
        let (release, _) = read(
            &[
                ("Cargo.toml", "[workspace]\nmembers = [\"a\", \"b\"]\n"),
                (
                    "a/Cargo.toml",
                    "[package]\nname = \"a\"\nversion = \"1.0.0\"\n",
                ),
                (
                    "b/Cargo.toml",
                    "[package]\nname = \"b\"\nversion = \"2.0.0\"\n",
                ),
            ],
            &["a", "b"],
        );
        assert_eq!(release.unwrap_err().skip, Some(SkipKind::NotApplicable));

        // Not semver.
        let (release, findings) = read(
            &[
                ("Cargo.toml", "[workspace]\nmembers = [\"a\"]\n"),
                (
                    "a/Cargo.toml",
                    "[package]\nname = \"a\"\nversion = \"1.0\"\n",
                ),
            ],
            &["a"],
        );
        assert_eq!(release.unwrap_err().status, Status::Fail);
        assert!(
            findings[0]
                .message
                .starts_with("the version of `a` `1.0` is not a semver version"),
            "{findings:?}"
        );
        assert_eq!(
            findings[0].location,
            Some(Location::at("a/Cargo.toml", 3, 11))
        );
    }
}
