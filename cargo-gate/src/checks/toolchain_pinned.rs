//! `toolchain.pinned`: the workspace names an exact toolchain, declares `rust-version` for
//! every member, and the pinned toolchain is installed on this machine.
//!
//! Five facts, each reported on its own:
//!
//! 1. **The pin.** `rust-toolchain.toml` (`[toolchain] channel`) or the legacy
//!    `rust-toolchain` file (a single line, or the same TOML) at the workspace root names an
//!    exact toolchain: `MAJOR.MINOR.PATCH` (`1.95.0`) or a dated channel
//!    (`nightly-2026-01-15`, `beta-…`, `stable-…`). `stable`, `beta`, `nightly` and `1.95`
//!    move over time and are not pins; a `path` toolchain is not a version. When both files
//!    exist rustup uses `rust-toolchain`, so that one is judged and the ambiguity warned
//!    about. A toolchain file above the workspace root (which rustup would also honour) is
//!    not looked for: the pin must travel with the workspace.
//! 2. **`rust-version`.** Every member declares it in its `[package]`, literally or with
//!    `rust-version.workspace = true` when `[workspace.package]` declares it. A value in
//!    `[workspace.package]` alone does not count for a member that does not inherit it:
//!    cargo applies workspace values only where they are inherited. A numbered pin older than
//!    a declared `rust-version` cannot build the workspace and is reported too.
//! 3. **The running toolchain.** The rustc that the gate's cargo calls actually run (from
//!    environment.json's `rustc -vV`, so `cargo +nightly gate` and `RUSTUP_TOOLCHAIN` count)
//!    must be the numbered pin, and no member's `rust-version` may be newer than it: both
//!    versions are named.
//! 4. **Installed.** `rustup toolchain list` names the pinned toolchain. A pin that is not
//!    installed FAILs (`pin-not-installed`), naming the pin and the toolchain that runs the
//!    gate's cargo calls (an override such as `cargo +stable gate`, or none: rustup refuses
//!    to start cargo in the workspace), with the `rustup toolchain install` command. No rustup
//!    on PATH, or a listing that fails, is a SKIP (unavailable: the run could not evaluate)
//!    unless the first two facts already fail.
//! 5. **Kept in CI.** A command CI runs that takes the pin away (`rm rust-toolchain.toml`,
//!    `git rm`, `mv` of it elsewhere, `rustup override set`; found in the walk of CI that
//!    gives the CI feature sets, scripts and recipes included) warns at the command
//!    (`pin-removed-in-ci`): what that job builds is built on the runner's toolchain.

use crate::check::{
    Check, CheckMeta, Code, Context, Finding, Location, Outcome, Severity, SkipKind,
};
use crate::shared::locate::at;
use crate::shared::outcomes::{ParsedManifest, manifest};
use crate::stage::Stage;
use crate::tools::cargo::{Captured, run_captured};
use std::path::Path;
use std::process::Command;
use toml::de::{DeTable, DeValue};

/// The `toolchain.pinned` check.
#[derive(Debug)]
pub struct ToolchainPinned;

static META: CheckMeta = CheckMeta {
    id: "toolchain.pinned",
    stage: Stage::Controlled,
    summary: "rust-toolchain(.toml) names an exact version, every member declares `rust-version`, \
              and the pinned toolchain is installed",
    fix: "pin an exact toolchain ([toolchain] channel = \"1.95.0\" in rust-toolchain.toml), declare \
          `rust-version` in [workspace.package] and inherit it in every member with \
          `rust-version.workspace = true`, and run `rustup toolchain install <pin>`",
    codes: FindingCode::ALL,
    config: &[],
};

crate::finding_codes! {
    /// The codes of this check's findings (their names are stable: never renamed).
    enum FindingCode {
        NoToolchainFile => Code {
            name: "no-toolchain-file",
            summary: "no rust-toolchain.toml or rust-toolchain at the root",
        },
        InexactPin => Code {
            name: "inexact-pin",
            summary: "the toolchain is not an exact version or dated nightly",
        },
        LocalToolchain => Code {
            name: "local-toolchain",
            summary: "the toolchain file names a local toolchain by path",
        },
        RustVersionMissing => Code {
            name: "rust-version-missing",
            summary: "a member declares no rust-version",
        },
        PinOlderThanRustVersion => Code {
            name: "pin-older-than-rust-version",
            summary: "the pinned toolchain is older than a rust-version",
        },
        RustcOlderThanRustVersion => Code {
            name: "rustc-older-than-rust-version",
            summary: "the rustc running the build is older than a rust-version",
        },
        RustcNotThePin => Code {
            name: "rustc-not-the-pin",
            summary: "the build runs another rustc than the pinned one",
        },
        PinNotInstalled => Code {
            name: "pin-not-installed",
            summary: "the pinned toolchain is not installed, so rustup refuses to run cargo here",
        },
        TwoToolchainFiles => Code {
            name: "two-toolchain-files",
            summary: "both toolchain files exist",
        },
        UnreadableToolchainFile => Code {
            name: "unreadable-toolchain-file",
            summary: "the toolchain file could not be read",
        },
        InvalidToolchainFile => Code {
            name: "invalid-toolchain-file",
            summary: "the toolchain file is empty, not TOML, or lacks [toolchain] channel",
        },
        InvalidRustVersion => Code {
            name: "invalid-rust-version",
            summary: "a rust-version that is neither a string nor inherited",
        },
        PinRemovedInCi => Code {
            name: "pin-removed-in-ci",
            summary: "CI takes the toolchain file away before it builds, so what it builds runs on the runner's toolchain",
        },
        UnreadableManifest => crate::check::UNREADABLE_MANIFEST,
        InvalidManifest => crate::check::INVALID_MANIFEST,
    }
}

impl crate::shared::outcomes::ManifestCodes for FindingCode {
    const UNREADABLE: Self = FindingCode::UnreadableManifest;
    const INVALID: Self = FindingCode::InvalidManifest;
}

/// A warning for each command CI runs that takes the toolchain pin away (helix's release
/// job removes `rust-toolchain.toml` before `cargo build --release`): what that job builds,
/// and ships, is built on the runner's toolchain, whatever the pin says.
fn removed_in_ci(ctx: &Context<'_>) -> Vec<Finding> {
    ctx.facts
        .ci_features()
        .unpinned
        .iter()
        .map(|(site, written)| {
            let location = match site.at {
                Some((line, column)) => Location::at(site.rel.clone(), line, column),
                None => Location::file(site.rel.clone()),
            };
            Finding::warning(format!(
                "`{written}`: CI takes the toolchain pin away, so what it builds after runs on \
                 the runner's toolchain, not the pinned one (fix: build with the pin, or install \
                 the toolchain that job needs and name it there with `+TOOLCHAIN`)"
            ))
            .code(FindingCode::PinRemovedInCi)
            .at(location)
        })
        .collect()
}

const TOML_FILE: &str = "rust-toolchain.toml";
const LEGACY_FILE: &str = "rust-toolchain";

impl Check for ToolchainPinned {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        evaluate(ctx, rustup_toolchain_list)
    }
}

/// Runs `rustup toolchain list` in the workspace root. Auto-install is off so that listing
/// next to a pin that is not installed can never start a download.
fn rustup_toolchain_list(root: &Path) -> std::io::Result<Captured> {
    let mut cmd = Command::new("rustup");
    cmd.args(["toolchain", "list"])
        .current_dir(root)
        .env("RUSTUP_AUTO_INSTALL", "0");
    run_captured(cmd)
}

/// An exact pin and where it is written.
#[derive(Debug)]
struct Pin {
    channel: String,
    location: Location,
}

/// The check with the way of listing toolchains injected (tests replace rustup).
fn evaluate(
    ctx: &Context<'_>,
    list_toolchains: impl FnOnce(&Path) -> std::io::Result<Captured>,
) -> Outcome {
    let root = &ctx.workspace.root;
    let mut findings = Vec::new();
    let mut problems = Vec::new();

    let pin = read_pin(root, &mut findings);
    match &pin {
        PinState::Exact(_) => {}
        PinState::Loose(channel, _) => {
            problems.push(format!("toolchain not pinned exactly ({channel})"));
        }
        PinState::Missing => problems.push("no toolchain file".to_owned()),
        PinState::Invalid => problems.push("no toolchain version in the toolchain file".to_owned()),
    }

    let versions = rust_versions(ctx, &mut findings);
    if !versions.lacking.is_empty() {
        problems.push(format!(
            "rust-version missing for {}",
            crate::shared::outcomes::some_of(&versions.lacking)
        ));
    }
    if let PinState::Exact(pin) = &pin
        && let Some(pinned) = parse_version(&pin.channel, true)
    {
        for (declared, whose, location) in &versions.declared {
            if parse_version(declared, false).is_some_and(|d| d > pinned) {
                findings.push(
                    Finding::error(format!(
                        "the pinned toolchain {} is older than rust-version {declared} of {whose}: \
                         cargo refuses to build it (fix: raise the pin or lower rust-version)",
                        pin.channel
                    ))
                    .code(FindingCode::PinOlderThanRustVersion)
                    .at(location.clone()),
                );
                problems.push(format!("pin older than rust-version {declared}"));
            }
        }
    }

    // The toolchain that actually runs the build: rustc as the gate's cargo calls see it
    // (`cargo +nightly gate` and RUSTUP_TOOLCHAIN override the file), from environment.json.
    if let Some(release) = ctx.environment.rustc.get("release") {
        let running = parse_version(release.split('-').next().unwrap_or(release), true);
        if let Some(running) = running {
            for (declared, whose, location) in &versions.declared {
                if parse_version(declared, false).is_some_and(|d| d > running) {
                    findings.push(
                        Finding::error(format!(
                            "rust-version {declared} of {whose} is newer than the toolchain that \
                             runs the build, rustc {release}: cargo refuses to build it (fix: \
                             build with rustc {declared} or later, or lower rust-version)"
                        ))
                        .code(FindingCode::RustcOlderThanRustVersion)
                        .at(location.clone()),
                    );
                    problems.push(format!(
                        "rust-version {declared} newer than the running rustc {release}"
                    ));
                }
            }
        }
        let rustup = std::env::var("RUSTUP_TOOLCHAIN")
            .ok()
            .filter(|t| !t.is_empty());
        if let PinState::Exact(pin) = &pin
            && crate::tools::pin::other_than_pinned(
                &pin.channel,
                &ctx.environment.rustc,
                rustup.as_deref(),
            )
        {
            findings.push(
                Finding::error(format!(
                    "the build runs rustc {release}, not the pinned {}: RUSTUP_TOOLCHAIN, \
                     `cargo +toolchain` or a rustc without rustup ignores the toolchain file, so \
                     this run's evidence comes from another compiler (fix: run the gate \
                     without the override, through rustup)",
                    pin.channel
                ))
                .code(FindingCode::RustcNotThePin)
                .at(pin.location.clone()),
            );
            problems.push(format!(
                "running rustc {release} is not the pin {}",
                pin.channel
            ));
        }
    }

    findings.extend(removed_in_ci(ctx));
    let has_errors = findings.iter().any(|f| f.severity == Severity::Error);
    let mut installed = String::new();
    if let PinState::Exact(pin) | PinState::Loose(_, pin) = &pin {
        match installation(root, &pin.channel, list_toolchains) {
            Ok(name) => {
                installed = format!(" (installed as {name})");
                findings.push(
                    Finding::note(format!("toolchain {} is installed as {name}", pin.channel))
                        .at(pin.location.clone()),
                );
            }
            Err(Uninstalled::Missing(reason)) => {
                let running = ctx.environment.rustc.get("release").map_or_else(
                    || {
                        "no toolchain runs here: rustup refuses to start cargo and rustc in this \
                         workspace"
                            .to_owned()
                    },
                    |release| {
                        format!(
                            "the gate's cargo calls run rustc {release} (an override such as \
                             `cargo +toolchain gate` or RUSTUP_TOOLCHAIN)"
                        )
                    },
                );
                findings.push(
                    Finding::error(format!("{reason}; {running}"))
                        .code(FindingCode::PinNotInstalled)
                        .at(pin.location.clone()),
                );
                problems.push(format!("pinned toolchain {} not installed", pin.channel));
                return Outcome::fail(problems.join("; ")).with_findings(findings);
            }
            Err(Uninstalled::Unknown(reason)) if !has_errors => {
                return Outcome::skip(SkipKind::Unavailable, reason).with_findings(findings);
            }
            // The pin or rust-version already fail: that verdict stands on its own, and the
            // installation state is kept as information.
            Err(Uninstalled::Unknown(reason)) => {
                findings.push(Finding::note(reason).at(pin.location.clone()));
            }
        }
    }

    let mut seen = std::collections::HashSet::new();
    problems.retain(|p| seen.insert(p.clone()));
    if has_errors {
        return Outcome::fail(problems.join("; ")).with_findings(findings);
    }
    let PinState::Exact(pin) = pin else {
        // Unreachable in practice: every non-exact state pushed an error finding.
        return Outcome::fail(problems.join("; ")).with_findings(findings);
    };
    let summary = format!(
        "toolchain pinned to {} in {}{installed}; rust-version declared for all {} member(s) ({})",
        pin.channel,
        pin.location,
        ctx.workspace.members.len(),
        versions.summary()
    );
    if findings.iter().any(|f| f.severity == Severity::Warning) {
        Outcome::warn(summary).with_findings(findings)
    } else {
        Outcome::pass(summary).with_findings(findings)
    }
}

#[derive(Debug)]
enum PinState {
    Exact(Pin),
    /// A channel that moves (the description says which and where), still what rustup
    /// starts here: whether it is installed is said too.
    Loose(String, Pin),
    Missing,
    Invalid,
}

fn read_pin(root: &Path, findings: &mut Vec<Finding>) -> PinState {
    let toml_exists = root.join(TOML_FILE).is_file();
    let legacy_exists = root.join(LEGACY_FILE).is_file();
    if toml_exists && legacy_exists {
        findings.push(
            Finding::warning(format!(
                "both {LEGACY_FILE} and {TOML_FILE} exist; rustup uses {LEGACY_FILE} \
                 (fix: delete one of them)"
            ))
            .code(FindingCode::TwoToolchainFiles)
            .at(Location::file(LEGACY_FILE)),
        );
    }
    let file = match (legacy_exists, toml_exists) {
        (true, _) => LEGACY_FILE,
        (false, true) => TOML_FILE,
        (false, false) => {
            findings.push(
                Finding::error(format!(
                    "no {TOML_FILE} or {LEGACY_FILE} at the workspace root: builds use whatever \
                     toolchain each machine defaults to (fix: add {TOML_FILE} with \
                     [toolchain] channel = \"1.95.0\")"
                ))
                .code(FindingCode::NoToolchainFile)
                .at(Location::file(TOML_FILE)),
            );
            return PinState::Missing;
        }
    };
    let text = match std::fs::read_to_string(root.join(file)) {
        Ok(text) => text,
        Err(e) => {
            findings.push(
                Finding::error(format!("{file} could not be read: {e}"))
                    .code(FindingCode::UnreadableToolchainFile)
                    .at(Location::file(file)),
            );
            return PinState::Invalid;
        }
    };
    let (channel, location) = if file == LEGACY_FILE && !text.contains('[') {
        // The legacy form: the whole file is one toolchain name.
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty());
        let Some((index, line)) = lines.next() else {
            findings.push(
                Finding::error(format!("{file} is empty: it names no toolchain"))
                    .code(FindingCode::InvalidToolchainFile)
                    .at(Location::file(file)),
            );
            return PinState::Invalid;
        };
        if lines.next().is_some() {
            findings.push(
                Finding::error(format!(
                    "{file} has several lines but is not TOML: rustup rejects it \
                     (fix: write one toolchain name, or use [toolchain] channel = \"…\")"
                ))
                .code(FindingCode::InvalidToolchainFile)
                .at(Location::file(file)),
            );
            return PinState::Invalid;
        }
        let column = line.len() - line.trim_start().len() + 1;
        (
            line.trim().to_owned(),
            Location::at(file, to_u32(index + 1), to_u32(column)),
        )
    } else {
        match toml_channel(&text, file) {
            Ok(found) => found,
            Err(finding) => {
                findings.push(finding);
                return PinState::Invalid;
            }
        }
    };
    match exactness(&channel) {
        Ok(()) => PinState::Exact(Pin { channel, location }),
        Err(why) => {
            findings.push(
                Finding::error(format!(
                    "toolchain `{channel}` is not an exact pin: {why} \
                     (fix: channel = \"1.95.0\" or a dated nightly like \"nightly-2026-01-15\")"
                ))
                .code(FindingCode::InexactPin)
                .at(location.clone()),
            );
            PinState::Loose(
                format!("`{channel}` in {location}"),
                Pin { channel, location },
            )
        }
    }
}

/// `[toolchain] channel` of a TOML toolchain file, or the finding that says why there is none.
fn toml_channel(text: &str, file: &str) -> Result<(String, Location), Finding> {
    let doc = DeTable::parse(text).map_err(|e| {
        let location = match e.span() {
            Some(span) => at(file, text, span.start),
            None => Location::file(file),
        };
        Finding::error(format!("{file} is not valid TOML: {}", e.message().trim()))
            .code(FindingCode::InvalidToolchainFile)
            .at(location)
    })?;
    let Some(toolchain) = doc.get_ref().get("toolchain") else {
        return Err(Finding::error(format!(
            "{file} has no [toolchain] table (fix: [toolchain] channel = \"1.95.0\")"
        ))
        .code(FindingCode::InvalidToolchainFile)
        .at(Location::file(file)));
    };
    let table_at = at(file, text, toolchain.span().start);
    let DeValue::Table(table) = toolchain.get_ref() else {
        return Err(
            Finding::error(format!("`toolchain` in {file} is not a table"))
                .code(FindingCode::InvalidToolchainFile)
                .at(table_at),
        );
    };
    if let Some(channel) = table.get("channel") {
        return match channel.get_ref() {
            DeValue::String(s) => Ok((s.to_string(), at(file, text, channel.span().start))),
            _ => Err(
                Finding::error(format!("[toolchain] channel in {file} is not a string"))
                    .code(FindingCode::InvalidToolchainFile)
                    .at(at(file, text, channel.span().start)),
            ),
        };
    }
    if let Some(path) = table.get("path") {
        return Err(Finding::error(format!(
            "{file} names a local toolchain by path, not a version: no other machine builds \
             with the same compiler (fix: channel = \"1.95.0\")"
        ))
        .code(FindingCode::LocalToolchain)
        .at(at(file, text, path.span().start)));
    }
    Err(Finding::error(format!(
        "[toolchain] in {file} has no channel (fix: channel = \"1.95.0\")"
    ))
    .code(FindingCode::InvalidToolchainFile)
    .at(table_at))
}

/// Whether a toolchain-file channel is exact; the error says why not.
///
/// rustup's toolchain-file grammar is `<channel>[-<date>]` with channel
/// `stable|beta|nightly|<major.minor.patch>`; only a full version or a date fixes the
/// compiler.
fn exactness(channel: &str) -> Result<(), String> {
    if parse_version(channel, true).is_some() {
        return Ok(());
    }
    for name in ["stable", "beta", "nightly"] {
        if channel == name {
            return Err(format!("`{name}` moves with every release"));
        }
        if let Some(date) = channel
            .strip_prefix(name)
            .and_then(|rest| rest.strip_prefix('-'))
            && is_date(date)
        {
            return Ok(());
        }
    }
    let parts: Vec<&str> = channel.split('.').collect();
    if parts.len() == 2 && parts.iter().all(|p| is_number(p)) {
        return Err(format!(
            "`{channel}` has no patch version, so rustup picks the newest {channel}.x"
        ));
    }
    Err("it is neither MAJOR.MINOR.PATCH nor a dated channel".to_owned())
}

/// `MAJOR.MINOR.PATCH`, all numbers. `rust-version` may leave out the patch
/// (`patch_required = false`), a toolchain pin may not.
fn parse_version(text: &str, patch_required: bool) -> Option<(u64, u64, u64)> {
    let parts: Vec<&str> = text.split('.').collect();
    let shape_ok = parts.len() == 3 || (!patch_required && parts.len() == 2);
    if !shape_ok || !parts.iter().all(|p| is_number(p)) {
        return None;
    }
    let number = |i: usize| parts.get(i).map_or(Some(0), |p| p.parse().ok());
    Some((number(0)?, number(1)?, number(2)?))
}

fn is_number(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

fn is_date(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() == 3
        && [4, 2, 2]
            .iter()
            .zip(&parts)
            .all(|(len, p)| p.len() == *len && is_number(p))
}

/// What the manifests say about `rust-version`.
#[derive(Debug, Default)]
struct RustVersions {
    /// `[workspace.package] rust-version`, when declared.
    workspace: Option<String>,
    /// Every declared value, with whose it is and where, for the comparison with the pin.
    declared: Vec<(String, String, Location)>,
    /// Members without an effective rust-version.
    lacking: Vec<String>,
    /// Members that inherit the workspace value.
    inheriting: usize,
}

impl RustVersions {
    fn summary(&self) -> String {
        let mut values: Vec<&str> = self.declared.iter().map(|(v, _, _)| v.as_str()).collect();
        values.sort_unstable();
        values.dedup();
        let mut text = values.join(", ");
        if self.workspace.is_some() {
            text.push_str(&format!(
                "; {} inherit [workspace.package]",
                self.inheriting
            ));
        }
        text
    }
}

fn rust_versions(ctx: &Context<'_>, findings: &mut Vec<Finding>) -> RustVersions {
    let mut out = RustVersions::default();
    let root = parsed(ctx.facts, &ctx.workspace.manifest_path, findings);
    // A lone package (no [workspace] table) has no [workspace.package] to inherit from.
    let lone_package = root
        .as_ref()
        .is_some_and(|m| m.doc.get("workspace").is_none());
    if let Some(ParsedManifest { rel, text, doc }) = root
        && let Some(value) = doc
            .get("workspace")
            .and_then(|w| w.get_ref().as_table()?.get("package"))
            .and_then(|p| p.get_ref().as_table()?.get("rust-version"))
        && let DeValue::String(version) = value.get_ref()
    {
        out.workspace = Some(version.to_string());
        out.declared.push((
            version.to_string(),
            "[workspace.package]".to_owned(),
            at(rel, text, value.span().start),
        ));
    }
    for member in &ctx.workspace.members {
        let Some(ParsedManifest { rel, text, doc }) =
            parsed(ctx.facts, &member.dir.join("Cargo.toml"), findings)
        else {
            out.lacking.push(member.name.clone());
            continue;
        };
        let package = doc.get("package");
        let package_at =
            package.map_or_else(|| Location::file(rel), |p| at(rel, text, p.span().start));
        let value = package.and_then(|p| p.get_ref().as_table()?.get("rust-version"));
        match value.map(|v| (v.get_ref(), v.span())) {
            Some((DeValue::String(version), span)) => out.declared.push((
                version.to_string(),
                format!("`{}`", member.name),
                at(rel, text, span.start),
            )),
            Some((DeValue::Table(t), span))
                if t.get("workspace")
                    .is_some_and(|w| w.get_ref().as_bool() == Some(true)) =>
            {
                if out.workspace.is_some() {
                    out.inheriting += 1;
                } else {
                    findings.push(
                        Finding::error(format!(
                            "`{}` inherits rust-version from the workspace, but \
                             [workspace.package] declares none",
                            member.name
                        ))
                        .code(FindingCode::RustVersionMissing)
                        .at(at(rel, text, span.start))
                        .subject(member.name.clone()),
                    );
                    out.lacking.push(member.name.clone());
                }
            }
            Some((_, span)) => {
                findings.push(
                    Finding::error(format!(
                        "`{}` has a rust-version that is neither a string nor \
                         `{{ workspace = true }}`",
                        member.name
                    ))
                    .code(FindingCode::InvalidRustVersion)
                    .at(at(rel, text, span.start))
                    .subject(member.name.clone()),
                );
                out.lacking.push(member.name.clone());
            }
            None => {
                let hint = match &out.workspace {
                    Some(v) => format!(
                        "[workspace.package] declares {v}, but it applies only where a member \
                         writes `rust-version.workspace = true`"
                    ),
                    None if lone_package => "fix: write `rust-version = \"…\"` in its \
                                             [package], the oldest Rust it supports"
                        .to_owned(),
                    None => "fix: declare rust-version in [workspace.package] and inherit it \
                             with `rust-version.workspace = true`"
                        .to_owned(),
                };
                findings.push(
                    Finding::error(format!(
                        "`{}` declares no rust-version ({hint})",
                        member.name
                    ))
                    .code(FindingCode::RustVersionMissing)
                    .at(package_at)
                    .subject(member.name.clone()),
                );
                out.lacking.push(member.name.clone());
            }
        }
    }
    out
}

/// The manifest at `path` as the facts read it; when it could not be read or parsed, the
/// finding that says so is added to `findings`.
fn parsed<'f>(
    facts: &'f crate::facts::Facts,
    path: &Path,
    findings: &mut Vec<Finding>,
) -> Option<ParsedManifest<'f>> {
    manifest::<FindingCode>(facts, path)
        .map_err(|problem| findings.push(problem.into()))
        .ok()
}

/// Why no installed toolchain was found for the pin, with the sentence that says so.
#[derive(Debug)]
enum Uninstalled {
    /// rustup lists its toolchains, and the pin is not among them.
    Missing(String),
    /// Whether it is installed cannot be established (no rustup, a listing that failed).
    Unknown(String),
}

/// Which installed toolchain the pin names, or why there is none.
fn installation(
    root: &Path,
    pin: &str,
    list_toolchains: impl FnOnce(&Path) -> std::io::Result<Captured>,
) -> Result<String, Uninstalled> {
    let install = format!("run `rustup toolchain install {pin}`");
    let captured = match list_toolchains(root) {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Uninstalled::Unknown(format!(
                "rustup is not on PATH: whether the pinned toolchain {pin} is installed cannot be \
                 established (install rustup, then {install})"
            )));
        }
        Err(e) => {
            return Err(Uninstalled::Unknown(format!(
                "`rustup toolchain list` could not run ({e}): whether the pinned toolchain {pin} \
                 is installed cannot be established"
            )));
        }
    };
    if !captured.success() {
        return Err(Uninstalled::Unknown(format!(
            "`rustup toolchain list` failed: {}; whether the pinned toolchain {pin} is installed \
             cannot be established",
            crate::tools::cargo::first_error(&captured.log)
        )));
    }
    captured
        .log
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .find(|name| names_pin(name, pin))
        .map(str::to_owned)
        .ok_or_else(|| {
            Uninstalled::Missing(format!(
                "the pinned toolchain {pin} is not installed on this machine ({install})"
            ))
        })
}

/// Whether an installed toolchain name (`1.95.0-x86_64-unknown-linux-gnu`) is the pin
/// (`1.95.0`): equal, or the pin followed by a host triple. A triple never starts with a
/// digit, which keeps `nightly` from matching `nightly-2026-01-15-…`.
fn names_pin(installed: &str, pin: &str) -> bool {
    installed == pin
        || installed
            .strip_prefix(pin)
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|triple| triple.starts_with(|c: char| c.is_ascii_alphabetic()))
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Status;
    use crate::checks::testing::{with_files, with_files_and_environment};
    use crate::config::Config;

    /// Files written into a test workspace.
    type Files = &'static [(&'static str, &'static str)];

    const LIST: &str = "stable-x86_64-unknown-linux-gnu (default)\n\
                        nightly-2026-01-15-x86_64-unknown-linux-gnu\n\
                        1.95.0-x86_64-unknown-linux-gnu (active)\n";

    const WS_ROOT: &str = "[workspace]\nmembers = [\"app\"]\n\n\
                           [workspace.package]\nrust-version = \"1.95\"\n";
    const APP_INHERITS: &str =
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nrust-version.workspace = true\n";
    const APP_BARE: &str = "[package]\nname = \"app\"\nversion = \"0.1.0\"\n";
    const PIN: &str = "[toolchain]\nchannel = \"1.95.0\"\n";

    fn listed(log: &str) -> impl FnOnce(&Path) -> std::io::Result<Captured> + use<> {
        let log = log.to_owned();
        move |_| {
            Ok(Captured {
                command_line: "rustup toolchain list".to_owned(),
                code: Some(0),
                log,
                stopped: None,
            })
        }
    }

    fn run_with(
        files: &[(&str, &str)],
        list: impl FnOnce(&Path) -> std::io::Result<Captured>,
    ) -> Outcome {
        with_files(files, &["app"], Config::default(), |ctx| {
            evaluate(ctx, list)
        })
    }

    fn run(files: &[(&str, &str)]) -> Outcome {
        run_with(files, listed(LIST))
    }

    fn errors(outcome: &Outcome) -> Vec<String> {
        outcome
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| {
                let at = f
                    .location
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                format!("{at} {}", f.message)
            })
            .collect()
    }

    #[test]
    fn exactness_of_channels() {
        for exact in [
            "1.95.0",
            "1.100.12",
            "nightly-2026-01-15",
            "beta-2026-02-01",
            "stable-2026-03-01",
        ] {
            assert_eq!(exactness(exact), Ok(()), "{exact}");
        }
        for (loose, why) in [
            ("stable", "moves with every release"),
            ("beta", "moves with every release"),
            ("nightly", "moves with every release"),
            ("1.95", "no patch version"),
            ("nightly-2026-1-15", "neither"),
            ("1.95.0.1", "neither"),
            ("1.95.x", "neither"),
            ("my-custom", "neither"),
            ("", "neither"),
        ] {
            let err = exactness(loose).unwrap_err();
            assert!(err.contains(why), "{loose}: {err}");
        }
    }

    #[test]
    fn installed_names_match_the_pin_plus_a_host_triple_only() {
        assert!(names_pin("1.95.0-x86_64-unknown-linux-gnu", "1.95.0"));
        assert!(names_pin("1.95.0", "1.95.0"));
        assert!(names_pin(
            "nightly-2026-01-15-aarch64-apple-darwin",
            "nightly-2026-01-15"
        ));
        assert!(!names_pin(
            "nightly-2026-01-15-x86_64-unknown-linux-gnu",
            "nightly"
        ));
        assert!(!names_pin("1.95.0-x86_64-unknown-linux-gnu", "1.95"));
        assert!(!names_pin("1.95.1-x86_64-unknown-linux-gnu", "1.95.0"));
    }

    /// helix's release job removes `rust-toolchain.toml` before `cargo build --release`: the
    /// pin holds here, but not for what that job ships. A warning at the command; a job
    /// that only lists the file, or moves another file onto it, takes nothing away.
    #[test]
    fn a_pin_that_ci_takes_away_warns_where_it_does() {
        let workflow = "\
jobs:
  release:
    steps:
      - run: ls rust-toolchain.toml && mv pin.toml rust-toolchain.toml
      - run: rm -f rust-toolchain.toml
      - run: cargo build --release --locked
";
        let outcome = run(&[
            ("rust-toolchain.toml", PIN),
            ("Cargo.toml", WS_ROOT),
            ("app/Cargo.toml", APP_INHERITS),
            (".github/workflows/release.yml", workflow),
        ]);
        assert_eq!(outcome.status, Status::Warn, "{outcome:?}");
        let warnings: Vec<String> = outcome
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
            .map(|f| format!("{} {}", f.location.as_ref().unwrap(), f.message))
            .collect();
        assert_eq!(warnings.len(), 1, "{warnings:#?}");
        assert!(
            warnings[0].starts_with(
                ".github/workflows/release.yml:5:14 `rm -f rust-toolchain.toml`: CI takes the \
                 toolchain pin away"
            ),
            "{warnings:#?}"
        );
    }

    #[test]
    fn exact_pin_inherited_rust_version_and_installed_toolchain_pass() {
        let outcome = run(&[
            ("rust-toolchain.toml", PIN),
            ("Cargo.toml", WS_ROOT),
            ("app/Cargo.toml", APP_INHERITS),
        ]);
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert_eq!(
            outcome.summary,
            "toolchain pinned to 1.95.0 in rust-toolchain.toml:2:11 (installed as \
             1.95.0-x86_64-unknown-linux-gnu); rust-version declared for all 1 member(s) \
             (1.95; 1 inherit [workspace.package])"
        );
    }

    #[test]
    fn pin_problems_fail_at_their_line() {
        // (files, the one error expected: "location message-fragment")
        let cases: &[(Files, &str, &str)] = &[
            (
                &[("rust-toolchain.toml", "[toolchain]\nchannel = \"stable\"\n")],
                "rust-toolchain.toml:2:11",
                "`stable` moves with every release",
            ),
            (
                &[(
                    "rust-toolchain.toml",
                    "# pin\n[toolchain]\nchannel = \"1.95\"\n",
                )],
                "rust-toolchain.toml:3:11",
                "no patch version",
            ),
            (
                &[("rust-toolchain", "\n  nightly\n")],
                "rust-toolchain:2:3",
                "`nightly` moves",
            ),
            (
                &[("rust-toolchain", "[toolchain]\nchannel = \"beta\"\n")],
                "rust-toolchain:2:11",
                "`beta` moves",
            ),
            (
                &[("rust-toolchain.toml", "[toolchain]\npath = \"/opt/rust\"\n")],
                "rust-toolchain.toml:2:8",
                "names a local toolchain by path",
            ),
            (
                &[(
                    "rust-toolchain.toml",
                    "[toolchain]\nprofile = \"minimal\"\n",
                )],
                "rust-toolchain.toml:1:1",
                "has no channel",
            ),
            (
                &[("rust-toolchain.toml", "[toolchain\n")],
                "rust-toolchain.toml:1:",
                "is not valid TOML",
            ),
            (
                &[],
                "rust-toolchain.toml",
                "no rust-toolchain.toml or rust-toolchain",
            ),
            (
                &[("rust-toolchain", "1.95.0\nstable\n")],
                "rust-toolchain",
                "several lines but is not TOML",
            ),
        ];
        for (pin_files, location, fragment) in cases {
            let mut files = vec![("Cargo.toml", WS_ROOT), ("app/Cargo.toml", APP_INHERITS)];
            files.extend_from_slice(pin_files);
            let outcome = run(&files);
            assert_eq!(outcome.status, Status::Fail, "{pin_files:?}: {outcome:?}");
            // A loose pin is also said not to be installed where the listing lacks it (its
            // own test below); here, the pin's own problem is the one error.
            let errors: Vec<String> = errors(&outcome)
                .into_iter()
                .filter(|e| !e.contains("is not installed"))
                .collect();
            assert_eq!(errors.len(), 1, "{pin_files:?}: {errors:?}");
            assert!(
                errors[0].starts_with(location) && errors[0].contains(fragment),
                "{pin_files:?}: {errors:?}"
            );
        }
    }

    #[test]
    fn missing_file_fails_saying_so() {
        let outcome = run(&[("Cargo.toml", WS_ROOT), ("app/Cargo.toml", APP_INHERITS)]);
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(outcome.summary, "no toolchain file");
    }

    #[test]
    fn legacy_file_wins_over_toml_with_a_warning() {
        let outcome = run(&[
            ("rust-toolchain", "1.95.0\n"),
            ("rust-toolchain.toml", "[toolchain]\nchannel = \"stable\"\n"),
            ("Cargo.toml", WS_ROOT),
            ("app/Cargo.toml", APP_INHERITS),
        ]);
        assert_eq!(outcome.status, Status::Warn, "{outcome:?}");
        assert!(
            outcome
                .summary
                .contains("pinned to 1.95.0 in rust-toolchain:1:1")
        );
        assert!(
            outcome.findings[0]
                .message
                .contains("rustup uses rust-toolchain")
        );
    }

    #[test]
    fn members_lacking_rust_version_are_named() {
        // (root manifest, app manifest, expected error)
        let cases = [
            (
                "[workspace]\nmembers = [\"app\"]\n",
                APP_BARE,
                "app/Cargo.toml:1:1 `app` declares no rust-version (fix: declare",
            ),
            (
                WS_ROOT,
                APP_BARE,
                "app/Cargo.toml:1:1 `app` declares no rust-version ([workspace.package] declares \
                 1.95, but it applies only where",
            ),
            (
                "[workspace]\nmembers = [\"app\"]\n",
                APP_INHERITS,
                "app/Cargo.toml:4:1 `app` inherits rust-version from the workspace, but",
            ),
            (
                WS_ROOT,
                "[package]\nname = \"app\"\nrust-version = 1.95\n",
                "app/Cargo.toml:3:16 `app` has a rust-version that is neither",
            ),
        ];
        for (root, app, expected) in cases {
            let outcome = run(&[
                ("rust-toolchain.toml", PIN),
                ("Cargo.toml", root),
                ("app/Cargo.toml", app),
            ]);
            assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
            assert_eq!(outcome.summary, "rust-version missing for app");
            let errors = errors(&outcome);
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert!(errors[0].starts_with(expected), "{errors:?}");
            assert_eq!(outcome.findings[0].subject.as_deref(), Some("app"));
        }
    }

    /// The summary is one line: on a workspace of many members it names a few and counts
    /// the rest; every member keeps its own finding.
    #[test]
    fn the_summary_names_a_few_members_without_rust_version_and_counts_the_rest() {
        let names: Vec<String> = (0..12).map(|i| format!("m{i:02}")).collect();
        let manifests: Vec<(String, String)> = names
            .iter()
            .map(|n| {
                let manifest = format!("[package]\nname = \"{n}\"\nversion = \"0.1.0\"\n");
                (format!("{n}/Cargo.toml"), manifest)
            })
            .collect();
        let mut files: Vec<(&str, &str)> = vec![
            ("rust-toolchain.toml", PIN),
            ("Cargo.toml", "[workspace]\nmembers = [\"m*\"]\n"),
        ];
        files.extend(manifests.iter().map(|(p, m)| (p.as_str(), m.as_str())));
        let members: Vec<&str> = names.iter().map(String::as_str).collect();
        let outcome = with_files(&files, &members, Config::default(), |ctx| {
            evaluate(ctx, listed(LIST))
        });
        assert_eq!(
            outcome.summary,
            "rust-version missing for m00, m01, m02, m03, m04, m05, m06, m07 and 4 more"
        );
        assert_eq!(errors(&outcome).len(), 12, "{outcome:?}");
    }

    #[test]
    fn literal_rust_version_in_each_member_passes() {
        let outcome = with_files(
            &[
                ("rust-toolchain.toml", PIN),
                ("Cargo.toml", "[workspace]\nmembers = [\"a\", \"b\"]\n"),
                (
                    "a/Cargo.toml",
                    "[package]\nname = \"a\"\nrust-version = \"1.90\"\n",
                ),
                (
                    "b/Cargo.toml",
                    "[package]\nname = \"b\"\nrust-version = \"1.95.0\"\n",
                ),
            ],
            &["a", "b"],
            Config::default(),
            |ctx| evaluate(ctx, listed(LIST)),
        );
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert!(outcome.summary.ends_with("all 2 member(s) (1.90, 1.95.0)"));
    }

    #[test]
    fn a_pin_older_than_rust_version_fails() {
        let outcome = run(&[
            ("rust-toolchain.toml", "[toolchain]\nchannel = \"1.80.0\"\n"),
            ("Cargo.toml", WS_ROOT),
            ("app/Cargo.toml", APP_INHERITS),
        ]);
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(
            errors(&outcome),
            [
                "Cargo.toml:5:16 the pinned toolchain 1.80.0 is older than rust-version 1.95 of \
              [workspace.package]: cargo refuses to build it (fix: raise the pin or lower \
              rust-version)",
                "rust-toolchain.toml:2:11 the build runs rustc 1.95.0, not the pinned 1.80.0: \
              RUSTUP_TOOLCHAIN, `cargo +toolchain` or a rustc without rustup ignores the \
              toolchain file, so this run's evidence comes from another compiler (fix: run the \
              gate without the override, through rustup)",
                "rust-toolchain.toml:2:11 the pinned toolchain 1.80.0 is not installed on this \
              machine (run `rustup toolchain install 1.80.0`); the gate's cargo calls run rustc \
              1.95.0 (an override such as `cargo +toolchain gate` or RUSTUP_TOOLCHAIN)"
            ]
        );
    }

    #[test]
    fn rust_version_newer_than_the_running_rustc_fails_naming_both() {
        // environment.json says rustc 1.95.0 runs (Environment::for_tests).
        let outcome = run(&[
            ("rust-toolchain.toml", "[toolchain]\nchannel = \"1.95.0\"\n"),
            (
                "Cargo.toml",
                "[workspace]\nmembers = [\"app\"]\n\n[workspace.package]\nrust-version = \"1.96\"\n",
            ),
            ("app/Cargo.toml", APP_INHERITS),
        ]);
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
        assert!(
            errors(&outcome).iter().any(|e| e.starts_with(
                "Cargo.toml:5:16 rust-version 1.96 of [workspace.package] is newer than the \
                 toolchain that runs the build, rustc 1.95.0"
            )),
            "{:?}",
            errors(&outcome)
        );
        assert!(
            outcome
                .summary
                .contains("rust-version 1.96 newer than the running rustc 1.95.0"),
            "{}",
            outcome.summary
        );
    }

    /// A loose pin (`1.90`: eza) that is not installed says so too, beside its inexactness:
    /// the checks blocked by toolchain.pinned point at a cause it states.
    #[test]
    fn a_loose_pin_that_is_not_installed_says_so() {
        let files = [
            ("rust-toolchain.toml", "[toolchain]\nchannel = \"1.90\"\n"),
            ("Cargo.toml", WS_ROOT),
            ("app/Cargo.toml", APP_INHERITS),
        ];
        let outcome = run_with(&files, listed(LIST));
        assert_eq!(outcome.status, Status::Fail);
        let codes: Vec<&str> = outcome
            .findings
            .iter()
            .filter_map(|f| f.code.as_deref())
            .collect();
        assert_eq!(codes, ["inexact-pin", "pin-not-installed"], "{outcome:?}");
        assert!(
            outcome
                .summary
                .contains("pinned toolchain 1.90 not installed")
        );
    }

    /// A pin that is not installed fails, naming the pin, the install command and what runs
    /// instead: nothing (rustup refuses) or the override's rustc.
    #[test]
    fn not_installed_fails_naming_the_pin_and_the_running_toolchain() {
        let files = [
            (
                "rust-toolchain.toml",
                "[toolchain]\nchannel = \"nightly-2026-02-02\"\n",
            ),
            ("Cargo.toml", WS_ROOT),
            ("app/Cargo.toml", APP_INHERITS),
        ];
        // Run through an override (`cargo +1.95.0 gate`): that rustc is named, and a stable
        // release is no nightly's evidence.
        let outcome = run_with(&files, listed(LIST));
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(
            outcome.summary,
            "running rustc 1.95.0 is not the pin nightly-2026-02-02; pinned toolchain \
             nightly-2026-02-02 not installed"
        );
        assert_eq!(
            errors(&outcome)[1..],
            [
                "rust-toolchain.toml:2:11 the pinned toolchain nightly-2026-02-02 is not installed \
              on this machine (run `rustup toolchain install nightly-2026-02-02`); the gate's \
              cargo calls run rustc 1.95.0 (an override such as `cargo +toolchain gate` or \
              RUSTUP_TOOLCHAIN)"
            ]
        );
        let codes: Vec<&str> = outcome
            .findings
            .iter()
            .filter_map(|f| f.code.as_deref())
            .collect();
        assert_eq!(codes, ["rustc-not-the-pin", "pin-not-installed"]);
        // Run directly, through rustup's proxies: nothing runs, and that is said.
        let none = crate::tools::environment::Environment {
            rustc: Default::default(),
            ..crate::tools::environment::Environment::for_tests()
        };
        let outcome = with_files_and_environment(&files, none, |ctx| evaluate(ctx, listed(LIST)));
        assert_eq!(outcome.status, Status::Fail);
        assert!(
            errors(&outcome)[0].ends_with(
                "; no toolchain runs here: rustup refuses to start cargo and rustc in this \
                 workspace"
            ),
            "{:?}",
            errors(&outcome)
        );
    }

    #[test]
    fn no_rustup_is_unavailable_with_the_reason() {
        let files = [
            ("rust-toolchain.toml", PIN),
            ("Cargo.toml", WS_ROOT),
            ("app/Cargo.toml", APP_INHERITS),
        ];
        let outcome = run_with(&files, |_| {
            Err(std::io::Error::from(std::io::ErrorKind::NotFound))
        });
        assert_eq!(outcome.status, Status::Skip);
        assert_eq!(outcome.skip, Some(SkipKind::Unavailable));
        assert!(
            outcome.summary.starts_with("rustup is not on PATH"),
            "{}",
            outcome.summary
        );
        assert!(outcome.summary.contains("rustup toolchain install 1.95.0"));

        let failed = run_with(&files, |_| {
            Ok(Captured {
                command_line: "rustup toolchain list".to_owned(),
                code: Some(1),
                log: "error: broken settings\n".to_owned(),
                stopped: None,
            })
        });
        assert_eq!(failed.skip, Some(SkipKind::Unavailable));
        assert!(
            failed.summary.contains("failed: broken settings"),
            "{}",
            failed.summary
        );
    }

    #[test]
    fn failures_stand_even_when_installation_cannot_be_established() {
        let outcome = run_with(
            &[
                ("rust-toolchain.toml", PIN),
                ("Cargo.toml", "[workspace]\nmembers = [\"app\"]\n"),
                ("app/Cargo.toml", APP_BARE),
            ],
            |_| Err(std::io::Error::from(std::io::ErrorKind::NotFound)),
        );
        assert_eq!(outcome.status, Status::Fail);
        assert!(outcome.findings.iter().any(
            |f| f.severity == Severity::Note && f.message.starts_with("rustup is not on PATH")
        ));
    }

    #[test]
    fn the_real_rustup_is_asked_when_present() {
        // Whatever this machine has installed, the outcome is a decided PASS or a clear SKIP.
        let outcome = with_files(
            &[
                ("rust-toolchain.toml", PIN),
                ("Cargo.toml", WS_ROOT),
                ("app/Cargo.toml", APP_INHERITS),
            ],
            &["app"],
            Config::default(),
            |ctx| ToolchainPinned.run(ctx),
        );
        match outcome.status {
            Status::Pass => assert!(outcome.summary.contains("installed as 1.95.0")),
            Status::Skip => {
                assert_eq!(outcome.skip, Some(SkipKind::Unavailable));
                assert!(outcome.summary.contains("rustup"), "{}", outcome.summary);
            }
            other => panic!("{other}: {outcome:?}"),
        }
    }
}
