//! `cargo gate init`: the three files a workspace needs to adopt the gate — `gate.toml`,
//! `docs/READINESS.md` and `.github/workflows/gate.yml` — planned as values, then written.
//!
//! [`plan`] decides what to write and refuses before anything is touched: a target that
//! exists (unless `force`), a target that is a directory, or a configuration already kept in
//! `[workspace.metadata.gate]` (a `gate.toml` beside it would make every run fail). [`write()`](fn@write)
//! writes all files or none: every file is first written to a temporary file beside its
//! target, and only when all of them are on disk are they renamed into place (one rename per
//! file, so each file is atomic); a failure removes what was staged. A dry run writes nothing.
//!
//! With `baseline`, the findings of today's controlled run (pilot's checks included) become
//! `[[waiver]]`s (failing tests and found secrets excepted: they are printed instead), each with a
//! `TODO: owner` and an expiry [`BASELINE_DAYS`] days out, so a team starts green and works
//! the list down (as `cargo vet init` does); `[boundary] allow-unsafe` lists the members that
//! contain unsafe code or FFI today, and the findings that list covers get no waiver.
//! Findings about what `init` replaces (the configuration, its waivers, the checklist, the
//! absent CI workflow) get none either.
//!
//! A baseline waiver names one finding's identity with exact selectors (`identity`), never
//! a whole file: its code, subject and file, plus the advisory's crate and version for
//! `deps.advisories` and the command with its job and step for `ci.locked`. A finding that appears after
//! the baseline — a new advisory in the same Cargo.lock, a new unlocked command in the same
//! workflow — is not covered, and fails.

use crate::check::{Finding, Severity};
use crate::scan::BoundaryKind;
use crate::sources::{default_threads, member_files, scan_files};
use crate::workspace::Workspace;
use gate_support::date::Date;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

/// The configuration file `init` writes.
pub const GATE_TOML: &str = "gate.toml";
/// The readiness checklist `init` writes (`[checklist] path`'s default).
pub const READINESS: &str = "docs/READINESS.md";
/// The GitHub Actions workflow `init` writes.
pub const WORKFLOW: &str = ".github/workflows/gate.yml";
/// How long a baseline waiver holds, in days from the day `init` ran.
pub const BASELINE_DAYS: i64 = 90;
/// The owner written into baseline waivers, for the team to replace.
pub const BASELINE_OWNER: &str = "TODO: owner";

/// Checks whose findings are about what `init` replaces (the configuration and its
/// waivers): a baseline waives none of them.
const REPLACED_BY_INIT: &[&str] = &["config.valid", "policy.profile", "waivers.current"];

/// Checks whose findings a baseline never waives, with the one thing that fixes them: a
/// failing test is not a policy to accept, and a secret in the tree is a leak to rotate.
const NEVER_WAIVED: &[(&str, &str)] = &[
    (
        "tests.pass",
        "run `cargo test --locked --workspace` and fix it",
    ),
    (
        "secrets.scan",
        "remove it from the tree and rotate it (it is in git history too)",
    ),
];

/// What a baseline leaves standing, a line each: the findings of the checks it never waives,
/// with the command or step that fixes them.
pub fn not_waived(findings: &[(String, Finding)]) -> Vec<String> {
    findings
        .iter()
        .filter(|(_, finding)| finding.severity != Severity::Note)
        .filter_map(|(check, finding)| {
            let (_, fix) = NEVER_WAIVED.iter().find(|(id, _)| id == check)?;
            let place = finding
                .location
                .as_ref()
                .map(|l| format!("{l}: "))
                .unwrap_or_default();
            Some(format!(
                "not waived: {check}: {place}{} — {fix}",
                first_line(&finding.message)
            ))
        })
        .collect()
}

/// The pinned sccache action of the optional compilation cache.
const SCCACHE_ACTION: &str = "mozilla-actions/sccache-action@v0.0.9";

/// What `cargo gate init` was asked to do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InitOptions {
    /// Overwrite files that exist.
    pub force: bool,
    /// Plan only: [`write()`](fn@write) writes nothing.
    pub dry_run: bool,
    /// Accept today's findings as waivers, and list the members with unsafe code today in
    /// `[boundary] allow-unsafe`.
    pub baseline: bool,
}

/// One file `init` writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedFile {
    /// Workspace-relative, `/`-separated.
    pub path: String,
    /// The whole contents.
    pub contents: String,
    /// Whether a file is there now (it is overwritten only with `force`).
    pub exists: bool,
}

/// Why `init` wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    /// Files are in the way and `force` is off.
    #[error("refusing to overwrite {}: nothing was written", .paths.join(", "))]
    Exists {
        /// The workspace-relative paths that exist.
        paths: Vec<String>,
    },
    /// A target is a directory (or something else that is not a file).
    #[error("{path} exists and is not a file: nothing was written")]
    NotAFile {
        /// The workspace-relative path.
        path: String,
    },
    /// The configuration lives in `[workspace.metadata.gate]`; a `gate.toml` beside it would
    /// be an error on every run.
    #[error(
        "{manifest} already holds the configuration in {table}; a gate.toml beside it would \
         make every run fail: nothing was written"
    )]
    ConfigInManifest {
        /// The root manifest, workspace-relative.
        manifest: String,
        /// `[workspace.metadata.gate]` or `[package.metadata.gate]`.
        table: &'static str,
    },
    /// `today` is not a `YYYY-MM-DD` date.
    #[error("`{today}` is not a date (YYYY-MM-DD)")]
    BadDate {
        /// What was given.
        today: String,
    },
    /// A planned path is not a plain path inside the workspace.
    #[error("`{path}` is not a relative path inside the workspace")]
    BadPath {
        /// The path.
        path: String,
    },
    /// Writing failed; every file staged was removed again (or, for a failed rename, what
    /// had not been renamed yet).
    #[error("failed to write {path}: {source}")]
    Write {
        /// The path that failed.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

impl InitError {
    /// How to go on, in one sentence.
    pub fn help(&self) -> Option<String> {
        match self {
            InitError::Exists { .. } => Some(
                "keep your files and adopt the gate by hand (cargo-gate's docs/GUIDE.md), or pass --force to \
                 replace them (--dry-run --force shows what would be written)"
                    .to_owned(),
            ),
            InitError::NotAFile { .. } => {
                Some("move the directory out of the way, then run `cargo gate init` again".into())
            }
            InitError::ConfigInManifest { .. } => Some(
                "keep the configuration where it is (init has nothing to add), or move the \
                 table into gate.toml by hand and delete it from Cargo.toml"
                    .to_owned(),
            ),
            InitError::BadDate { .. } | InitError::BadPath { .. } => None,
            InitError::Write { .. } => Some(
                "check that the workspace is writable; nothing was left half-written".to_owned(),
            ),
        }
    }
}

/// Today's date in UTC, `YYYY-MM-DD` (the `today` that [`plan`] takes).
pub fn today_utc() -> String {
    Date::today_utc().to_string()
}

/// The findings of a run, as [`plan`] takes them for a baseline: every error and warning of
/// every check (notes are information, nothing to waive).
pub fn baseline_findings(report: &crate::report::Report) -> Vec<(String, Finding)> {
    report
        .checks
        .iter()
        .flat_map(|c| {
            c.findings
                .iter()
                .filter(|f| f.severity != Severity::Note)
                .map(|f| (c.id.clone(), f.clone()))
        })
        .collect()
}

/// Plans the three files. Refuses, before anything is written, when a target exists and
/// `force` is off (naming every such file), when a target is not a file, and when the root
/// manifest holds `[workspace.metadata.gate]`. With `baseline`, `baseline_findings` (check
/// id, finding) become waivers dated `today` (`YYYY-MM-DD`); without, they are ignored.
pub fn plan(
    ws: &Workspace,
    baseline_findings: &[(String, Finding)],
    opts: &InitOptions,
    today: &str,
) -> Result<Vec<PlannedFile>, InitError> {
    let expires = add_days(today, BASELINE_DAYS).ok_or_else(|| InitError::BadDate {
        today: today.to_owned(),
    })?;
    if let Some(table) = manifest_holds_config(&ws.manifest_path) {
        return Err(InitError::ConfigInManifest {
            manifest: ws.relative(&ws.manifest_path),
            table,
        });
    }
    let (existing, not_files) = obstacles(&ws.root, &[GATE_TOML, READINESS, WORKFLOW]);
    if let Some(path) = not_files.into_iter().next() {
        return Err(InitError::NotAFile { path });
    }
    if !existing.is_empty() && !opts.force {
        return Err(InitError::Exists { paths: existing });
    }
    let unsafe_today = unsafe_members(ws);
    let baseline = opts.baseline.then(|| Baseline {
        today,
        expires: &expires,
        waivers: waivers(baseline_findings, &unsafe_today),
    });
    let toolchain_pinned = ["rust-toolchain.toml", "rust-toolchain"]
        .iter()
        .any(|f| ws.root.join(f).is_file());
    let files = [
        (
            GATE_TOML,
            gate_toml(today, &unsafe_today, baseline.as_ref()),
        ),
        (READINESS, readiness(today)),
        (WORKFLOW, workflow(toolchain_pinned)),
    ];
    Ok(files
        .into_iter()
        .map(|(path, contents)| PlannedFile {
            path: path.to_owned(),
            contents,
            exists: existing.iter().any(|e| e == path),
        })
        .collect())
}

/// Writes the planned files under `ws_root`: nothing with `dry_run`; otherwise all or none
/// (see the module documentation). Without `force`, a file that appeared since [`plan`] is
/// refused, and nothing is written.
pub fn write(ws_root: &Path, files: &[PlannedFile], opts: &InitOptions) -> Result<(), InitError> {
    if opts.dry_run {
        return Ok(());
    }
    for file in files {
        let plain = !file.path.is_empty()
            && Path::new(&file.path)
                .components()
                .all(|c| matches!(c, Component::Normal(_)));
        if !plain {
            return Err(InitError::BadPath {
                path: file.path.clone(),
            });
        }
    }
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    let (existing, not_files) = obstacles(ws_root, &paths);
    if let Some(path) = not_files.into_iter().next() {
        return Err(InitError::NotAFile { path });
    }
    if !existing.is_empty() && !opts.force {
        return Err(InitError::Exists { paths: existing });
    }
    let mut staging = Staging::default();
    for file in files {
        let target = ws_root.join(&file.path);
        if let Err(e) = staging.stage(ws_root, &target, &file.contents) {
            staging.abort();
            return Err(e);
        }
    }
    staging.commit()
}

/// A human summary of the plan (dry run: with every file's contents) or of what was written.
pub fn describe(files: &[PlannedFile], opts: &InitOptions) -> String {
    let mut out = String::new();
    for file in files {
        let verb = match (opts.dry_run, file.exists) {
            (true, false) => "would create",
            (true, true) => "would overwrite",
            (false, false) => "created",
            (false, true) => "overwrote",
        };
        let _ = writeln!(
            out,
            "{verb} {} ({} lines)",
            file.path,
            file.contents.lines().count()
        );
    }
    if opts.dry_run {
        for file in files {
            let _ = write!(out, "\n--- {} ---\n{}", file.path, file.contents);
        }
        out.push_str("\ndry run: nothing was written\n");
    } else {
        out.push_str(
            "\nnext: review gate.toml (the owners and reasons of any waivers first), commit the \
             files, and run `cargo gate pilot`; before `cargo gate controlled`, get the RustSec \
             advisory database once with `cargo gate fetch-advisories`\n",
        );
    }
    out
}

/// Targets that exist (sorted as given), and targets that exist but are not files.
fn obstacles(root: &Path, paths: &[&str]) -> (Vec<String>, Vec<String>) {
    let mut existing = Vec::new();
    let mut not_files = Vec::new();
    for path in paths {
        if let Ok(meta) = std::fs::symlink_metadata(root.join(path)) {
            existing.push((*path).to_owned());
            let file_like =
                meta.is_file() || (meta.file_type().is_symlink() && !root.join(path).is_dir());
            if !file_like {
                not_files.push((*path).to_owned());
            }
        }
    }
    (existing, not_files)
}

/// Which configuration table the root manifest holds, if any (`[workspace.metadata.gate]` or
/// `[package.metadata.gate]`).
fn manifest_holds_config(manifest: &Path) -> Option<&'static str> {
    std::fs::read_to_string(manifest)
        .ok()
        .and_then(|text| crate::config::manifest_config_table(&text))
}

/// Members with unsafe code or FFI today, and the places where it is, as
/// (`file`, line, column), found with `boundary.unsafe`'s own scanner. Inline assembly does
/// not count: the portable profile allows it nowhere, listed or not.
#[derive(Debug, Default)]
struct UnsafeToday {
    members: BTreeSet<String>,
    sites: BTreeSet<(String, u32, u32)>,
}

fn unsafe_members(ws: &Workspace) -> UnsafeToday {
    let (files, _) = member_files(ws);
    let mut today = UnsafeToday::default();
    for (file, result) in files.iter().zip(scan_files(&files, default_threads())) {
        let Ok((_, hits)) = result else { continue };
        for hit in hits {
            if matches!(
                hit.kind,
                BoundaryKind::Asm | BoundaryKind::GlobalAsm | BoundaryKind::NakedAsm
            ) {
                continue;
            }
            today.members.insert(file.krate.clone());
            today
                .sites
                .insert((ws.relative(&file.path), hit.line, hit.column));
        }
    }
    today
}

/// A baseline: its day, its expiry, and the waivers.
#[derive(Debug)]
struct Baseline<'a> {
    today: &'a str,
    expires: &'a str,
    waivers: Vec<BaselineWaiver>,
}

/// One baseline waiver and what it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
struct BaselineWaiver {
    check: String,
    identity: Identity,
    covers: usize,
    example: String,
}

/// What a baseline waiver selects: a finding's identity, each part matched exactly (`text` as
/// a substring of the message). Written as the waiver's `code`, `subject`, `file`, `line` and
/// `text` keys.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
struct Identity {
    code: Option<String>,
    subject: Option<String>,
    file: Option<String>,
    line: Option<u32>,
    text: Option<String>,
}

/// The identity of a finding of `check`: its code, subject and file, and where those do not
/// single it out, the part of its message that does — the crate and version of an advisory
/// (`leaky-buf 1.2.0;`), the line and the command of an unlocked CI step. A finding with
/// nothing narrower than its file is named by its file and its code. Repository-relative and
/// stable: never the whole message, which may hold this machine's paths or versions.
fn identity(check: &str, finding: &Finding) -> Identity {
    let location = finding.location.as_ref();
    let message = first_line(&finding.message);
    let mut id = Identity {
        code: finding.code.as_deref().map(str::to_owned),
        subject: finding.subject.clone(),
        file: location.map(|l| l.file.clone()),
        line: None,
        text: None,
    };
    match (check, finding.code.as_deref()) {
        // `RUSTSEC-… (kind…): title — NAME VERSION; patched…`: the advisory (subject) on this
        // crate at this version.
        ("deps.advisories", Some("vulnerability" | "unmaintained" | "unsound")) => {
            id.text = message.rsplit_once(" — ").and_then(|(_, rest)| {
                let (label, _) = rest.split_once(';')?;
                Some(format!("{label};"))
            });
        }
        // `NAME VERSION was yanked …`.
        ("deps.advisories", Some("yanked")) => {
            id.text = message
                .split_once(" was yanked")
                .map(|(label, _)| format!("{label} was yanked"));
        }
        // `` `COMMAND` (job `J`, step `S`) … ``: the command in its job and step, which stay
        // what they are when lines above them move (a step added above every other one
        // would otherwise un-waive the whole baseline, as on ripgrep's CI). Where the
        // message names no job or step, the line stands in.
        ("ci.locked", _) => {
            let command_end = message
                .strip_prefix('`')
                .and_then(|rest| rest.find("` ("))
                .map(|end| end + 2);
            let context_end =
                command_end.and_then(|end| message[end..].find(')').map(|close| end + close + 1));
            id.text = context_end
                .or(command_end)
                .map(|end| message[..end].to_owned());
            if context_end.is_none() {
                id.line = location.and_then(|l| l.line);
            }
        }
        _ => {}
    }
    // Without a code, the message is all that tells findings in one file apart.
    if id.code.is_none() && id.text.is_none() {
        id.text = Some(message.to_owned());
    }
    id
}

/// The waivers of a baseline: one per (check, identity), in the order the findings came.
fn waivers(findings: &[(String, Finding)], unsafe_today: &UnsafeToday) -> Vec<BaselineWaiver> {
    let written = [GATE_TOML, READINESS, WORKFLOW];
    let mut out: Vec<BaselineWaiver> = Vec::new();
    let mut index: BTreeMap<(String, Identity), usize> = BTreeMap::new();
    for (check, finding) in findings {
        // The tree is dirty while init runs (it stages Cargo.lock and writes its files): a
        // state of the moment, gone at the next commit, not a finding to carry for 90 days.
        let transient =
            check == "repro.environment" && finding.code.as_deref() == Some("dirty-work-tree");
        if finding.severity == Severity::Note
            || transient
            || REPLACED_BY_INIT.contains(&check.as_str())
            || NEVER_WAIVED.iter().any(|(id, _)| id == check)
            || crate::registry::find(check).is_none()
        {
            continue;
        }
        let file = finding.location.as_ref().map(|l| l.file.as_str());
        // About a file init writes (or the directory it writes into): replaced, not waived.
        if file.is_some_and(|f| {
            written
                .iter()
                .any(|w| *w == f || w.strip_prefix(f).is_some_and(|r| r.starts_with('/')))
        }) {
            continue;
        }
        // Unsafe code in a crate that allow-unsafe now lists: allowed, not waived.
        if check == "boundary.unsafe" {
            let site = finding
                .location
                .as_ref()
                .and_then(|l| Some((l.file.clone(), l.line?, l.column?)));
            if site.is_some_and(|s| unsafe_today.sites.contains(&s)) {
                continue;
            }
        }
        let identity = identity(check, finding);
        let blank = |s: &Option<String>| s.as_deref().is_none_or(|s| s.trim().is_empty());
        if [
            &identity.code,
            &identity.subject,
            &identity.file,
            &identity.text,
        ]
        .into_iter()
        .all(blank)
        {
            continue;
        }
        let key = (check.clone(), identity);
        match index.get(&key) {
            Some(&i) => out[i].covers += 1,
            None => {
                index.insert(key.clone(), out.len());
                out.push(BaselineWaiver {
                    check: key.0,
                    identity: key.1,
                    covers: 1,
                    example: comment_text(&finding.message),
                });
            }
        }
    }
    out
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("").trim()
}

/// A message fit for a one-line TOML comment: first line, no control characters, at most
/// 100 characters.
fn comment_text(message: &str) -> String {
    let line: String = first_line(message)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if line.chars().count() > 100 {
        let cut: String = line.chars().take(99).collect();
        format!("{cut}…")
    } else {
        line
    }
}

/// A TOML basic string.
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn gate_toml(today: &str, unsafe_today: &UnsafeToday, baseline: Option<&Baseline<'_>>) -> String {
    let mut t = String::new();
    let members: Vec<&str> = unsafe_today.members.iter().map(String::as_str).collect();
    let list = members
        .iter()
        .map(|m| quote(m))
        .collect::<Vec<_>>()
        .join(", ");
    match (baseline.is_some(), members.is_empty()) {
        (_, true) => {
            t.push_str("# No member contains unsafe code or FFI today.\nallow-unsafe = []\n")
        }
        (true, false) => {
            let _ = write!(
                t,
                "# Filled by `cargo gate init --baseline`: the members with unsafe code or FFI \
                 on {today}.\n# Review each one; move the code or remove the crate when you \
                 can.\nallow-unsafe = [{list}]\n"
            );
        }
        (false, false) => {
            let _ = write!(
                t,
                "# Members with unsafe code or FFI on {today}: {}. boundary.unsafe fails until\n\
                 # each is listed here after review (or the code moves); `cargo gate init \
                 --baseline` lists them.\nallow-unsafe = []\n",
                members.join(", ")
            );
        }
    }
    let boundary = std::mem::take(&mut t);
    if let Some(baseline) = baseline {
        let _ = write!(
            t,
            "\n# Baseline: {} waiver(s) recorded by `cargo gate init --baseline` on {}, so that \
             the gate\n# starts green. Give each an owner, then fix its findings and delete it \
             before it\n# expires on {} (renewing one is a new decision: new reason, owner \
             and date).\n",
            baseline.waivers.len(),
            baseline.today,
            baseline.expires
        );
        if baseline.waivers.is_empty() {
            t.push_str("# (No finding needed one.)\n");
        }
        for w in &baseline.waivers {
            let _ = write!(
                t,
                "\n# {} finding(s), e.g.: {}\n[[waiver]]\ncheck = {}\n",
                w.covers,
                w.example,
                quote(&w.check),
            );
            let id = &w.identity;
            for (key, value) in [
                ("code", &id.code),
                ("subject", &id.subject),
                ("file", &id.file),
            ] {
                if let Some(value) = value {
                    let _ = writeln!(t, "{key} = {}", quote(value));
                }
            }
            if let Some(line) = id.line {
                let _ = writeln!(t, "line = {line}");
            }
            if let Some(text) = &id.text {
                let _ = writeln!(t, "text = {}", quote(text));
            }
            let _ = write!(
                t,
                "reason = {}\nowner = {}\nexpires = {}\n",
                quote(&format!(
                    "baseline: recorded by cargo gate init on {}",
                    baseline.today
                )),
                quote(BASELINE_OWNER),
                quote(baseline.expires)
            );
        }
    }
    fill(
        templates::GATE_TOML,
        &[("today", today), ("boundary", &boundary), ("baseline", &t)],
    )
}

/// The checklist template: unchecked items, each citing the checks that evidence it. The
/// template words the items of the checks it knows; every other built-in check (one added
/// since) gets an item of its own, its summary citing it, so the checklist cites every check.
fn readiness(today: &str) -> String {
    let worded = templates::READINESS;
    let more: String = crate::registry::metas()
        .filter(|m| m.id != "checklist.closed" && !cites(worded, m.id))
        .map(|m| format!("- [ ] {} — evidence: {}\n", upper_first(m.summary), m.id))
        .collect();
    let more = if more.is_empty() {
        more
    } else {
        format!("\n## More checks\n\n{more}")
    };
    fill(worded, &[("today", today), ("more", &more)])
}

/// Whether a checklist item of `text` cites check `id` as its evidence.
fn cites(text: &str, id: &str) -> bool {
    text.lines()
        .filter_map(|line| line.split_once(" — evidence: "))
        .any(|(_, evidence)| evidence.split(", ").any(|cited| cited.trim() == id))
}

/// `text` with its first letter in upper case (a summary as a checklist item).
fn upper_first(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// The GitHub Actions workflow: the controlled stage per OS, then merge and broad.
fn workflow(toolchain_pinned: bool) -> String {
    let toolchain = if toolchain_pinned {
        "      - name: Toolchain pinned by rust-toolchain.toml\n        run: rustup toolchain install\n"
    } else {
        "      # No rust-toolchain.toml yet: this installs the runner's default toolchain, and\n      \
         # toolchain.pinned fails until an exact version is pinned there.\n      \
         - name: Toolchain pinned by rust-toolchain.toml\n        run: rustup toolchain install\n"
    };
    let setup = fill(
        templates::SETUP_STEPS,
        &[
            ("toolchain", toolchain),
            ("sccache_action", SCCACHE_ACTION),
            ("version", env!("CARGO_PKG_VERSION")),
        ],
    );
    fill(templates::WORKFLOW, &[("setup", &setup)])
}

/// The files `init` writes, as templates (cargo-gate/templates/): `@@name@@` marks what
/// [`fill`] puts in.
mod templates {
    /// gate.toml, commented.
    pub(super) const GATE_TOML: &str = include_str!("../templates/gate.toml");
    /// docs/READINESS.md.
    pub(super) const READINESS: &str = include_str!("../templates/READINESS.md");
    /// .github/workflows/gate.yml.
    pub(super) const WORKFLOW: &str = include_str!("../templates/gate.yml");
    /// The steps every job of the workflow starts with.
    pub(super) const SETUP_STEPS: &str = include_str!("../templates/setup-steps.yml");
}

/// `template` with every `@@name@@` replaced by its value. Every marker must have a value
/// and every value a marker (checked in debug builds, so every test of `init` checks it).
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (name, value) in values {
        let marker = format!("@@{name}@@");
        debug_assert!(out.contains(&marker), "no {marker} in the template");
        out = out.replace(&marker, value);
    }
    debug_assert!(!out.contains("@@"), "a template marker left unfilled");
    out
}

/// Files written to temporary files beside their targets (tempfile), waiting to be persisted.
#[derive(Debug, Default)]
struct Staging {
    /// (temporary file, complete and synced; target; whether the target existed).
    staged: Vec<(tempfile::NamedTempFile, PathBuf, bool)>,
    /// Directories created for the targets, outermost first.
    created_dirs: Vec<PathBuf>,
}

impl Staging {
    fn stage(&mut self, root: &Path, target: &Path, contents: &str) -> Result<(), InitError> {
        use std::io::Write as _;
        let fail = |path: &Path| {
            let path = path.to_owned();
            move |source| InitError::Write { path, source }
        };
        let parent = target.parent().unwrap_or(root);
        let mut missing: Vec<PathBuf> = parent
            .ancestors()
            .take_while(|d| !d.exists())
            .map(Path::to_owned)
            .collect();
        missing.reverse();
        for dir in missing {
            std::fs::create_dir(&dir).map_err(fail(&dir))?;
            self.created_dirs.push(dir);
        }
        let existed = std::fs::symlink_metadata(target).is_ok();
        let mut temp = gate_support::atomic::temp_beside(parent).map_err(fail(target))?;
        temp.write_all(contents.as_bytes())
            .and_then(|()| temp.as_file().sync_all())
            .map_err(fail(target))?;
        self.staged.push((temp, target.to_owned(), existed));
        Ok(())
    }

    /// Persists every staged file into place; on a failure, undoes what it can.
    fn commit(mut self) -> Result<(), InitError> {
        let staged = std::mem::take(&mut self.staged);
        let mut done: Vec<(PathBuf, bool)> = Vec::new();
        for (temp, target, existed) in staged {
            if let Err(e) = temp.persist(&target) {
                // Files persisted so far that did not exist before are removed again; the
                // temporary files of the rest are removed as they drop.
                for (path, existed) in &done {
                    if !existed {
                        let _ = std::fs::remove_file(path);
                    }
                }
                self.abort();
                return Err(InitError::Write {
                    path: target,
                    source: e.error,
                });
            }
            done.push((target, existed));
        }
        Ok(())
    }

    /// Removes the files still staged and the directories created (when empty).
    fn abort(&mut self) {
        self.staged.clear();
        for dir in self.created_dirs.iter().rev() {
            let _ = std::fs::remove_dir(dir);
        }
        self.created_dirs.clear();
    }
}

/// `date` (`YYYY-MM-DD`, a real day) plus `days`, within years 0..=9999.
pub fn add_days(date: &str, days: i64) -> Option<String> {
    Some(Date::parse(date)?.add_days(days)?.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{Check, Context, Earlier, Location, Outcome, Status};
    use crate::checks::boundary_unsafe::BoundaryUnsafe;
    use crate::checks::checklist_closed::Checklist;
    use crate::checks::checklist_closed::ChecklistClosed;
    use crate::checks::ci_locked::CiLocked;
    use crate::checks::testing::with_files;
    use crate::config::{Config, parse_gate_toml_on};
    use crate::policy::Profile;

    const TODAY: &str = "2026-11-20";
    const EXPIRES: &str = "2027-02-18";

    fn opts(force: bool, dry_run: bool, baseline: bool) -> InitOptions {
        InitOptions {
            force,
            dry_run,
            baseline,
        }
    }

    fn workspace(root: &Path, members: &[&str]) -> Workspace {
        Workspace::for_tests(root, members)
    }

    /// Every file and directory under `root` with the bytes of the files.
    fn tree(root: &Path) -> BTreeMap<String, Option<Vec<u8>>> {
        let mut out = BTreeMap::new();
        let mut stack = vec![root.to_owned()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                if path.is_dir() {
                    out.insert(rel, None);
                    stack.push(path);
                } else {
                    out.insert(rel, Some(std::fs::read(&path).unwrap()));
                }
            }
        }
        out
    }

    fn file<'a>(files: &'a [PlannedFile], path: &str) -> &'a PlannedFile {
        files.iter().find(|f| f.path == path).unwrap()
    }

    /// The gate.toml `text`, validated on [`TODAY`] (the day the plans are made).
    fn parse(text: &str) -> Config {
        let today = Date::parse(TODAY).unwrap();
        parse_gate_toml_on(text, GATE_TOML, &crate::registry::known(), today)
            .unwrap_or_else(|e| panic!("{e}\n{text}"))
    }

    fn planned(ws: &Workspace, findings: &[(String, Finding)], o: InitOptions) -> Vec<PlannedFile> {
        plan(ws, findings, &o, TODAY).unwrap()
    }

    #[test]
    fn the_plan_has_the_three_files_and_they_are_written() {
        let dir = tempfile::tempdir().unwrap();
        let ws = workspace(dir.path(), &[]);
        let o = opts(false, false, false);
        let files = planned(&ws, &[], o);
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, [GATE_TOML, READINESS, WORKFLOW]);
        assert!(
            files
                .iter()
                .all(|f| !f.exists && f.contents.ends_with('\n'))
        );
        write(dir.path(), &files, &o).unwrap();
        for f in &files {
            assert_eq!(
                std::fs::read_to_string(dir.path().join(&f.path)).unwrap(),
                f.contents
            );
        }
        // No temporary file is left behind.
        let names: Vec<String> = tree(dir.path()).into_keys().collect();
        assert_eq!(
            names,
            [
                ".github",
                ".github/workflows",
                ".github/workflows/gate.yml",
                "docs",
                "docs/READINESS.md",
                "gate.toml"
            ]
        );
        let summary = describe(&files, &o);
        assert!(summary.starts_with("created gate.toml ("), "{summary}");
        assert!(summary.contains("created .github/workflows/gate.yml"));
    }

    #[test]
    fn gate_toml_without_baseline_parses_to_the_conservative_defaults() {
        let dir = tempfile::tempdir().unwrap();
        crate::checks::testing::write_files(
            dir.path(),
            &[(
                "ffi/src/lib.rs",
                "pub fn f(p: *const u8) -> u8 { unsafe { *p } }\n",
            )],
        );
        let ws = workspace(dir.path(), &["app", "ffi"]);
        // Findings are ignored without --baseline.
        let finding = ("tests.pass".to_owned(), Finding::error("test failed: t"));
        let files = planned(&ws, &[finding], opts(false, false, false));
        let text = &file(&files, GATE_TOML).contents;
        let config = parse(text);
        let defaults = crate::config::defaults(&crate::registry::known());
        assert!(config.profile_declared);
        assert_eq!(config.profile, Profile::Portable);
        assert!(!config.strict);
        assert_eq!(config.min_driver, None);
        assert!(
            config
                .section::<crate::checks::boundary_unsafe::Boundary>()
                .allow_unsafe
                .is_empty()
        );
        assert!(config.failure_paths.is_empty());
        assert_eq!(config.section::<Checklist>().path, READINESS);
        // Every table a check owns holds its defaults.
        assert_eq!(config.sections, defaults.sections);
        assert!(config.custom_checks.is_empty() && config.waivers.is_empty());
        // The members with unsafe code today are named in a comment, not allowed.
        assert!(
            text.contains("# Members with unsafe code or FFI on 2026-11-20: ffi."),
            "{text}"
        );
        // Every section of the configuration is shown, with a comment before it.
        for section in [
            "[policy]",
            "[boundary]",
            "[tests]",
            "[bench]",
            "[checklist]",
            "[history]",
            "[matrix]",
            "# [[check]]",
            "# [[waiver]]",
        ] {
            let at = text.find(section).unwrap_or_else(|| panic!("{section}"));
            let after = text[at..].lines().nth(1).unwrap_or_default();
            assert!(after.starts_with("# "), "{section}: {after}");
        }
        for key in ["min-driver", "allow-unsafe", "failure-paths", "command ="] {
            assert!(text.contains(key), "{key}");
        }
    }

    #[test]
    fn an_existing_file_refuses_by_name_and_leaves_the_tree_byte_identical() {
        let dir = tempfile::tempdir().unwrap();
        crate::checks::testing::write_files(
            dir.path(),
            &[
                ("gate.toml", "[policy]\nprofile = \"rusty\"\n"),
                ("docs/READINESS.md", "- [x] mine — evidence: tests.pass\n"),
                ("src/lib.rs", "\n"),
            ],
        );
        let ws = workspace(dir.path(), &[]);
        let before = tree(dir.path());
        for o in [opts(false, false, false), opts(false, true, true)] {
            let err = plan(&ws, &[], &o, TODAY).unwrap_err();
            match &err {
                InitError::Exists { paths } => assert_eq!(paths, &[GATE_TOML, READINESS]),
                other => panic!("{other:?}"),
            }
            assert!(err.to_string().contains("gate.toml, docs/READINESS.md"));
            assert!(err.help().unwrap().contains("--force"));
        }
        // A plan made with --force, written without it: refused by write too.
        let files = planned(&ws, &[], opts(true, false, false));
        let err = write(dir.path(), &files, &opts(false, false, false)).unwrap_err();
        assert!(matches!(err, InitError::Exists { .. }), "{err:?}");
        // Only the workflow missing: still refused, all or nothing.
        std::fs::remove_file(dir.path().join("gate.toml")).unwrap();
        let before_one = tree(dir.path());
        let err = plan(&ws, &[], &opts(false, false, false), TODAY).unwrap_err();
        assert!(matches!(err, InitError::Exists { ref paths } if paths == &[READINESS]));
        assert_eq!(tree(dir.path()), before_one);
        assert_ne!(before, before_one);
    }

    #[test]
    fn force_overwrites_and_says_so() {
        let dir = tempfile::tempdir().unwrap();
        crate::checks::testing::write_files(dir.path(), &[("gate.toml", "old\n")]);
        let ws = workspace(dir.path(), &[]);
        let o = opts(true, false, false);
        let files = planned(&ws, &[], o);
        assert!(file(&files, GATE_TOML).exists);
        assert!(!file(&files, WORKFLOW).exists);
        write(dir.path(), &files, &o).unwrap();
        let written = std::fs::read_to_string(dir.path().join("gate.toml")).unwrap();
        assert_eq!(written, file(&files, GATE_TOML).contents);
        assert!(describe(&files, &o).contains("overwrote gate.toml"));
        assert_eq!(tree(dir.path()).len(), 6, "no temporary files");
    }

    #[test]
    fn a_dry_run_writes_nothing_and_shows_everything() {
        let dir = tempfile::tempdir().unwrap();
        let ws = workspace(dir.path(), &[]);
        let o = opts(false, true, false);
        let files = planned(&ws, &[], o);
        assert_eq!(files.len(), 3);
        write(dir.path(), &files, &o).unwrap();
        assert!(tree(dir.path()).is_empty());
        let shown = describe(&files, &o);
        assert!(shown.starts_with("would create gate.toml"));
        assert!(shown.contains("--- .github/workflows/gate.yml ---\n# cargo-gate in CI"));
        assert!(shown.ends_with("dry run: nothing was written\n"));
    }

    #[test]
    fn a_directory_in_the_way_or_a_config_in_cargo_toml_refuses_even_with_force() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("gate.toml")).unwrap();
        let ws = workspace(dir.path(), &[]);
        let err = plan(&ws, &[], &opts(true, false, false), TODAY).unwrap_err();
        assert!(matches!(err, InitError::NotAFile { ref path } if path == GATE_TOML));
        std::fs::remove_dir(dir.path().join("gate.toml")).unwrap();
        crate::checks::testing::write_files(
            dir.path(),
            &[(
                "Cargo.toml",
                "[workspace]\nmembers = []\n[workspace.metadata.gate.policy]\nprofile = \"rusty\"\n",
            )],
        );
        let err = plan(&ws, &[], &opts(true, false, false), TODAY).unwrap_err();
        assert!(
            matches!(err, InitError::ConfigInManifest { ref manifest, .. } if manifest == "Cargo.toml")
        );
        // A manifest without the table is fine.
        crate::checks::testing::write_files(dir.path(), &[("Cargo.toml", "[workspace]\n")]);
        assert!(plan(&ws, &[], &opts(false, false, false), TODAY).is_ok());
        // So is a bad date refused, and a path outside the workspace never written.
        assert!(matches!(
            plan(&ws, &[], &opts(false, false, false), "2026-02-30"),
            Err(InitError::BadDate { .. })
        ));
        let outside = [PlannedFile {
            path: "../x".into(),
            contents: String::new(),
            exists: false,
        }];
        assert!(matches!(
            write(dir.path(), &outside, &opts(true, false, false)),
            Err(InitError::BadPath { .. })
        ));
    }

    fn synthetic_findings() -> Vec<(String, Finding)> {
        vec![
            (
                "lockfile.locked".into(),
                Finding::error("Cargo.lock is not tracked by git")
                    .code("lockfile-untracked")
                    .at(Location::file("Cargo.lock")),
            ),
            (
                "tests.pass".into(),
                Finding::error("test failed: net_timeout").subject("net_timeout"),
            ),
            (
                "tests.pass".into(),
                Finding::error("test failed: io_full").subject("io_full"),
            ),
            (
                "kernels.build".into(),
                Finding::error("gate-kernels: PTX needs CUDA 13.1\nsecond line"),
            ),
            (
                "lockfile.locked".into(),
                Finding::error("Cargo.lock is stale")
                    .code("lockfile-stale")
                    .at(Location::file("Cargo.lock")),
            ),
            (
                "boundary.unsafe".into(),
                Finding::warning("could not read the file: denied")
                    .at(Location::file("app/src/[odd]*.rs")),
            ),
            // Two sites of one kind in one file (no line in the identity: lines move).
            (
                "boundary.unsafe".into(),
                Finding::error("inline assembly in crate `app`")
                    .code("unsafe-outside-allowed")
                    .subject("app")
                    .at(Location::at("app/src/asm.rs", 3, 5)),
            ),
            (
                "boundary.unsafe".into(),
                Finding::error("inline assembly in crate `app`")
                    .code("unsafe-outside-allowed")
                    .subject("app")
                    .at(Location::at("app/src/asm.rs", 9, 5)),
            ),
            // Not waived: notes, what init replaces, ids the new config would not know.
            ("tests.pass".into(), Finding::note("102 passed")),
            (
                "config.valid".into(),
                Finding::warning("[boundary] allow-unsafe names `gone`").subject("gone"),
            ),
            (
                "ci.locked".into(),
                Finding::warning("no CI configuration found")
                    .at(Location::file(".github/workflows")),
            ),
            (
                "checklist.closed".into(),
                Finding::error("docs/READINESS.md does not exist").at(Location::file(READINESS)),
            ),
            ("team.smoke".into(), Finding::error("exit status 1")),
        ]
    }

    #[test]
    fn baseline_findings_become_waivers_that_parse_and_cover_every_finding() {
        let dir = tempfile::tempdir().unwrap();
        let ws = workspace(dir.path(), &[]);
        let findings = synthetic_findings();
        let files = planned(&ws, &findings, opts(false, false, true));
        let text = &file(&files, GATE_TOML).contents;
        let config = parse(text);
        let listed: Vec<(&str, String)> = config
            .waivers
            .iter()
            .map(|w| (w.check.as_str(), crate::waiver::selection(w)))
            .collect();
        assert_eq!(
            listed,
            [
                (
                    "lockfile.locked",
                    "code = \"lockfile-untracked\", file = \"Cargo.lock\"".to_owned()
                ),
                (
                    "kernels.build",
                    "text = \"gate-kernels: PTX needs CUDA 13.1\"".to_owned()
                ),
                (
                    "lockfile.locked",
                    "code = \"lockfile-stale\", file = \"Cargo.lock\"".to_owned()
                ),
                (
                    "boundary.unsafe",
                    "file = \"app/src/[odd]*.rs\", text = \"could not read the file: denied\""
                        .to_owned()
                ),
                (
                    "boundary.unsafe",
                    "code = \"unsafe-outside-allowed\", subject = \"app\", file = \"app/src/asm.rs\""
                        .to_owned()
                ),
            ]
        );
        assert!(config.waivers.iter().all(|w| w.pattern.is_none()));
        for w in &config.waivers {
            assert_eq!(
                w.reason,
                "baseline: recorded by cargo gate init on 2026-11-20"
            );
            assert_eq!(w.owner, BASELINE_OWNER);
            assert_eq!(w.expires, EXPIRES);
        }
        assert!(text.contains("# 2 finding(s), e.g.: inline assembly in crate `app`\n"));
        // Failing tests are never waived: they are listed with what fixes them.
        assert_eq!(
            not_waived(&findings),
            [
                "not waived: tests.pass: test failed: net_timeout — run `cargo test --locked \
                 --workspace` and fix it",
                "not waived: tests.pass: test failed: io_full — run `cargo test --locked \
                 --workspace` and fix it",
            ]
        );
        assert!(text.contains("expires on 2027-02-18"));
        // Every finding that was waived is covered by a current waiver the way the engine
        // applies them, so each of those checks comes out WAIVED.
        for check in ["lockfile.locked", "kernels.build", "boundary.unsafe"] {
            let mut outcome = Outcome::fail("x").with_findings(
                findings
                    .iter()
                    .filter(|(c, _)| c == check)
                    .map(|(_, f)| f.clone()),
            );
            let used = crate::waiver::apply(&config.waivers, check, &mut outcome, TODAY);
            assert_eq!(outcome.status, Status::Waived, "{check}: {outcome:?}");
            assert!(!used.is_empty());
        }
        // And they still hold on the last day, not the day after.
        let mut outcome = Outcome::fail("x").with_findings([findings[0].1.clone()]);
        crate::waiver::apply(
            &config.waivers,
            "lockfile.locked",
            &mut outcome,
            "2027-02-19",
        );
        assert_eq!(outcome.status, Status::Fail);
    }

    #[test]
    fn a_baseline_of_nothing_still_parses() {
        let dir = tempfile::tempdir().unwrap();
        let ws = workspace(dir.path(), &[]);
        let files = planned(&ws, &[], opts(false, false, true));
        let text = &file(&files, GATE_TOML).contents;
        let config = parse(text);
        assert!(config.waivers.is_empty());
        assert!(text.contains("# (No finding needed one.)"));
    }

    const APP: &str = "pub fn f(p: *const u8) -> u8 {\n    unsafe { *p }\n}\n";
    const FFI: &str = "unsafe extern \"C\" { fn abs(x: i32) -> i32; }\n\
                       pub fn g() { unsafe { core::arch::asm!(\"nop\") } }\n";

    #[test]
    fn a_baseline_allows_todays_unsafe_crates_and_the_gate_starts_green() {
        with_files(
            &[
                ("app/src/lib.rs", APP),
                ("ffi/src/lib.rs", FFI),
                ("clean/src/lib.rs", "\n"),
            ],
            &["app", "clean", "ffi"],
            Config::default(),
            |ctx| {
                let before = BoundaryUnsafe.run(ctx);
                assert_eq!(before.status, Status::Fail);
                let findings: Vec<(String, Finding)> = before
                    .findings
                    .iter()
                    .map(|f| ("boundary.unsafe".to_owned(), f.clone()))
                    .collect();
                let ws = ctx.workspace;
                let o = opts(false, false, true);
                let files = planned(ws, &findings, o);
                write(&ws.root, &files, &o).unwrap();
                let text = std::fs::read_to_string(ws.root.join(GATE_TOML)).unwrap();
                let config = parse(&text);
                assert_eq!(
                    config
                        .section::<crate::checks::boundary_unsafe::Boundary>()
                        .allow_unsafe,
                    ["app", "ffi"]
                );
                // Only the inline assembly, which portable allows nowhere, needs a waiver.
                assert_eq!(config.waivers.len(), 1, "{text}");
                let w = &config.waivers[0];
                assert_eq!(w.file.as_deref(), Some("ffi/src/lib.rs"));
                assert_eq!(w.code.as_deref(), Some("unsafe-outside-allowed"));
                let after = BoundaryUnsafe.run(&Context {
                    config: &config,
                    ..*ctx
                });
                let mut after = after;
                let used =
                    crate::waiver::apply(&config.waivers, "boundary.unsafe", &mut after, TODAY);
                assert_eq!(after.status, Status::Waived, "{after:?}");
                assert_eq!(used, [0], "every waiver is used");
            },
        );
    }

    /// The hostile finding: a baseline waiver covered its whole file, so a finding added to
    /// that file later was waived unseen. Now each waiver names one finding.
    #[test]
    fn a_finding_added_after_the_baseline_in_the_same_file_fails() {
        const CI: &str = ".github/workflows/ci.yml";
        let before = "name: ci\non: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      \
                      - run: cargo build --release\n";
        // The same command on another line, and a new one.
        let after =
            format!("{before}      - run: cargo test\n      - run: cargo build --release\n");
        with_files(
            &[("Cargo.lock", "version = 4\n"), (CI, before)],
            &[],
            Config::default(),
            |ctx| {
                let outcome = CiLocked.run(ctx);
                assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
                let findings: Vec<(String, Finding)> = outcome
                    .findings
                    .iter()
                    .map(|f| ("ci.locked".to_owned(), f.clone()))
                    .collect();
                let files = planned(ctx.workspace, &findings, opts(false, true, true));
                let text = &file(&files, GATE_TOML).contents;
                assert!(
                    text.contains(
                        "check = \"ci.locked\"\ncode = \"cargo-without-locked\"\nfile = \
                         \".github/workflows/ci.yml\"\ntext = \"`cargo build --release` (job `t`, \
                         step 1)\"\n"
                    ),
                    "{text}"
                );
                let config = parse(text);
                let mut today = CiLocked.run(ctx);
                crate::waiver::apply(&config.waivers, "ci.locked", &mut today, TODAY);
                assert_eq!(today.status, Status::Waived, "{today:?}");

                crate::checks::testing::write_files(&ctx.workspace.root, &[(CI, &after)]);
                let mut later = CiLocked.run(ctx);
                crate::waiver::apply(&config.waivers, "ci.locked", &mut later, TODAY);
                assert_eq!(later.status, Status::Fail, "{later:?}");
                let unwaived: Vec<String> = later
                    .findings
                    .iter()
                    .filter(|f| f.severity == Severity::Error && f.waived_by.is_none())
                    .map(|f| f.location.as_ref().unwrap().to_string())
                    .collect();
                assert_eq!(unwaived, [format!("{CI}:8:14"), format!("{CI}:9:14")]);

                // A named step keeps its waiver when lines above it move (ripgrep's CI gained
                // a step above every other one, and the whole baseline failed again).
                let named = "name: ci\non: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    \
                             steps:\n      - name: Build\n        run: cargo build --release\n";
                crate::checks::testing::write_files(&ctx.workspace.root, &[(CI, named)]);
                let findings: Vec<(String, Finding)> = CiLocked
                    .run(ctx)
                    .findings
                    .into_iter()
                    .map(|f| ("ci.locked".to_owned(), f))
                    .collect();
                let files = planned(ctx.workspace, &findings, opts(false, true, true));
                let config = parse(&file(&files, GATE_TOML).contents);
                let moved = named.replace(
                    "    steps:\n",
                    "    steps:\n      - uses: actions/checkout@v4\n\n",
                );
                crate::checks::testing::write_files(&ctx.workspace.root, &[(CI, &moved)]);
                let mut later = CiLocked.run(ctx);
                crate::waiver::apply(&config.waivers, "ci.locked", &mut later, TODAY);
                assert_eq!(later.status, Status::Waived, "{later:?}");
            },
        );
    }

    /// Advisories are named by id, crate and version: the same advisory on another version,
    /// or another advisory of the same crate, is a new finding.
    #[test]
    fn an_advisory_waiver_names_its_id_crate_and_version() {
        let message = |id: &str, label: &str| {
            format!(
                "{id} (vulnerability, severity high (CVSS 7.5)): `Buf::grow` exposes memory — \
                 {label}; patched: >=1.2.3; from app → {label}"
            )
        };
        let advisory = |id: &str, label: &str, line: u32| {
            Finding::error(message(id, label))
                .code("vulnerability")
                .subject(id)
                .at(Location::at("Cargo.lock", line, 1))
        };
        let yanked = |label: &str| {
            Finding::warning(format!(
                "{label} was yanked from its registry (as cargo's local index cache shows); \
                 `cargo update -p x --precise <version>` moves off it"
            ))
            .code("yanked")
            .subject(label.split(' ').next().unwrap())
            .at(Location::at("Cargo.lock", 40, 1))
        };
        let baseline = [
            advisory("RUSTSEC-2099-0001", "leaky-buf 1.2.0", 15),
            yanked("old-sync 0.3.0"),
        ];
        let id = identity("deps.advisories", &baseline[0]);
        assert_eq!(id.text.as_deref(), Some("leaky-buf 1.2.0;"));
        assert_eq!(id.subject.as_deref(), Some("RUSTSEC-2099-0001"));
        assert_eq!(
            identity("deps.advisories", &baseline[1]).text.as_deref(),
            Some("old-sync 0.3.0 was yanked")
        );
        let findings: Vec<(String, Finding)> = baseline
            .iter()
            .map(|f| ("deps.advisories".to_owned(), f.clone()))
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let files = planned(
            &workspace(dir.path(), &[]),
            &findings,
            opts(false, true, true),
        );
        let config = parse(&file(&files, GATE_TOML).contents);
        let judge = |found: Vec<Finding>| {
            let mut outcome = Outcome::fail("x").with_findings(found);
            crate::waiver::apply(&config.waivers, "deps.advisories", &mut outcome, TODAY);
            outcome.status
        };
        // Lines in Cargo.lock move: still covered.
        assert_eq!(
            judge(vec![
                advisory("RUSTSEC-2099-0001", "leaky-buf 1.2.0", 30),
                yanked("old-sync 0.3.0")
            ]),
            Status::Waived
        );
        for new in [
            advisory("RUSTSEC-2099-0001", "leaky-buf 1.2.1", 15),
            advisory("RUSTSEC-2099-0009", "leaky-buf 1.2.0", 15),
            advisory("RUSTSEC-2099-0001", "leaky-buf 11.2.0", 15),
            yanked("old-sync 0.3.1"),
        ] {
            assert_eq!(judge(vec![new.clone()]), Status::Fail, "{}", new.message);
        }
    }

    #[test]
    fn the_workflow_parses_and_every_building_cargo_call_is_locked() {
        let dir = tempfile::tempdir().unwrap();
        let ws = workspace(dir.path(), &[]);
        let files = planned(&ws, &[], opts(false, false, false));
        let text = &file(&files, WORKFLOW).contents;
        let doc = crate::yaml::parse(text).unwrap();
        let jobs = doc["jobs"].as_mapping().unwrap();
        assert_eq!(jobs.len(), 2);
        let oses: Vec<&str> = doc["jobs"]["controlled"]["strategy"]["matrix"]["os"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(oses, ["ubuntu-latest", "macos-latest", "windows-latest"]);
        assert_eq!(doc["jobs"]["broad"]["needs"].as_str(), Some("controlled"));
        let runs = |job: &str| -> Vec<String> {
            doc["jobs"][job]["steps"]
                .as_sequence()
                .unwrap()
                .iter()
                .filter_map(|s| s["run"].as_str().map(str::to_owned))
                .collect()
        };
        let controlled = runs("controlled").join("\n");
        let broad = runs("broad").join("\n");
        assert!(controlled.contains(
            "cargo gate controlled --fetch --format sarif --out gate-out > gate-controlled.sarif"
        ));
        let step_using = |uses: &str| {
            doc["jobs"]["controlled"]["steps"]
                .as_sequence()
                .unwrap()
                .iter()
                .find(|s| s["uses"].as_str() == Some(uses))
                .unwrap()
        };
        let upload_sarif = step_using("github/codeql-action/upload-sarif@v3");
        assert_eq!(
            upload_sarif["with"]["sarif_file"].as_str(),
            Some("gate-controlled.sarif")
        );
        assert_eq!(
            doc["jobs"]["controlled"]["permissions"]["security-events"].as_str(),
            Some("write")
        );
        assert!(broad.contains("cargo gate merge gate-records/gate-out-*"));
        assert!(
            broad
                .contains("cargo gate broad --fetch --format markdown >> \"$GITHUB_STEP_SUMMARY\"")
        );
        // The broad job keeps its history between hosted runs: restored from the last
        // completed run's artifact before, uploaded after, with the right to read runs.
        let broad_steps = doc["jobs"]["broad"]["steps"].as_sequence().unwrap();
        let restore = broad_steps
            .iter()
            .find(|s| s["name"].as_str() == Some("Restore the broad history the last run kept"))
            .unwrap();
        let script = restore["run"].as_str().unwrap();
        assert!(
            script.contains(
                "gh run list --workflow gate.yml --branch \"$BRANCH\" --status completed --limit 1"
            ),
            "{script}"
        );
        assert!(
            script
                .contains("gh run download \"$last\" --name gate-broad-history --dir target/gate"),
            "{script}"
        );
        let keep = broad_steps
            .iter()
            .find(|s| s["with"]["name"].as_str() == Some("gate-broad-history"))
            .unwrap();
        assert_eq!(
            keep["with"]["path"].as_str(),
            Some("target/gate\n!target/gate/cache\n")
        );
        assert_eq!(
            doc["jobs"]["broad"]["permissions"]["actions"].as_str(),
            Some("read")
        );
        let upload = step_using("actions/upload-artifact@v4");
        assert_eq!(
            upload["with"]["name"].as_str(),
            Some("gate-out-${{ matrix.os }}")
        );
        // The record, without the evidence cache (kept by actions/cache instead).
        assert_eq!(
            upload["with"]["path"].as_str(),
            Some("gate-out\n!gate-out/cache\n")
        );
        let cache = step_using("actions/cache@v4");
        assert_eq!(cache["with"]["path"].as_str(), Some("gate-out/cache"));
        // Every cargo call but `cargo gate` (which has no --locked; it locks what it runs)
        // passes --locked.
        let mut calls = 0;
        for line in controlled.lines().chain(broad.lines()) {
            for command in line.split("&&").map(str::trim) {
                let mut words = command.split_whitespace();
                if words.next() != Some("cargo") {
                    continue;
                }
                let sub = words.find(|w| !w.starts_with('+'));
                if sub == Some("gate") {
                    continue;
                }
                calls += 1;
                assert!(
                    command.split_whitespace().any(|w| w == "--locked"),
                    "{command}"
                );
            }
        }
        assert_eq!(calls, 2, "cargo install in each job");
        // The install is pinned to the release that wrote the workflow.
        let pin = format!("--tag v{} cargo-gate", env!("CARGO_PKG_VERSION"));
        assert_eq!(controlled.matches(&pin).count(), 1, "{controlled}");
        assert_eq!(broad.matches(&pin).count(), 1, "{broad}");
        // The sccache cache is wired but off unless the repository variable turns it on.
        assert_eq!(
            doc["env"]["RUSTC_WRAPPER"].as_str(),
            Some("${{ vars.GATE_SCCACHE == 'true' && 'sccache' || '' }}")
        );
        let sccache: Vec<&crate::yaml::Node> = ["controlled", "broad"]
            .iter()
            .flat_map(|job| doc["jobs"][*job]["steps"].as_sequence().unwrap())
            .filter(|s| {
                s["uses"]
                    .as_str()
                    .is_some_and(|u| u.starts_with("mozilla-actions/sccache-action@"))
            })
            .collect();
        assert_eq!(sccache.len(), 2);
        assert!(
            sccache
                .iter()
                .all(|s| s["if"].as_str() == Some("${{ vars.GATE_SCCACHE == 'true' }}"))
        );
        // And our own ci.locked check passes it.
        let outcome = with_files(&[(WORKFLOW, text)], &[], Config::default(), |ctx| {
            CiLocked.run(ctx)
        });
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert!(
            outcome
                .summary
                .starts_with("2 cargo invocation(s) in 1 CI file(s)")
        );
    }

    #[test]
    fn the_workflow_says_when_no_toolchain_is_pinned() {
        let dir = tempfile::tempdir().unwrap();
        let ws = workspace(dir.path(), &[]);
        let unpinned = planned(&ws, &[], opts(false, true, false));
        assert!(
            file(&unpinned, WORKFLOW)
                .contents
                .contains("No rust-toolchain.toml yet")
        );
        crate::checks::testing::write_files(dir.path(), &[("rust-toolchain.toml", "")]);
        let pinned = planned(&ws, &[], opts(false, true, false));
        let text = &file(&pinned, WORKFLOW).contents;
        assert!(!text.contains("No rust-toolchain.toml yet"));
        crate::yaml::parse(text).unwrap();
    }

    #[test]
    fn the_checklist_items_cite_real_checks_and_parse_as_checklist_closed_reads_them() {
        let dir = tempfile::tempdir().unwrap();
        let ws = workspace(dir.path(), &[]);
        let files = planned(&ws, &[], opts(false, false, false));
        let text = file(&files, READINESS).contents.clone();
        let mut cited = BTreeSet::new();
        let mut items = 0;
        let mut in_fence = false;
        for line in text.lines() {
            if line.starts_with("```") {
                in_fence = !in_fence;
                continue;
            }
            if in_fence || !line.starts_with("- [") {
                continue;
            }
            items += 1;
            let rest = line
                .strip_prefix("- [ ] ")
                .unwrap_or_else(|| panic!("{line}"));
            let (_, evidence) = rest.split_once(" — evidence: ").unwrap();
            for id in evidence.split(", ") {
                assert!(crate::registry::find(id).is_some(), "{id}");
                assert_ne!(id, "checklist.closed");
                cited.insert(id.to_owned());
            }
        }
        assert!(items >= 15);
        // Every other built-in check is cited somewhere.
        let every: BTreeSet<String> = crate::registry::metas()
            .map(|m| m.id.to_owned())
            .filter(|id| id != "checklist.closed")
            .collect();
        assert_eq!(cited, every);

        // As written: checklist.closed fails only because the items are unchecked.
        let passed: Earlier = every
            .iter()
            .map(|id| (id.clone(), Outcome::pass("ok")))
            .collect();
        let run = |text: &str| {
            with_files(&[(READINESS, text)], &[], Config::default(), |ctx| {
                ChecklistClosed.run(&Context {
                    earlier: &passed,
                    ..*ctx
                })
            })
        };
        let outcome = run(&text);
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(outcome.findings.len(), items);
        assert!(
            outcome
                .findings
                .iter()
                .all(|f| f.message.ends_with("is not checked")),
            "{outcome:?}"
        );
        // Ticked, with every cited check passing: closed.
        let ticked = text.replace("- [ ] ", "- [x] ");
        let outcome = run(&ticked);
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
    }

    #[test]
    fn dates_add_across_months_years_and_leap_days() {
        for (date, days, want) in [
            (TODAY, BASELINE_DAYS, Some(EXPIRES)),
            ("2028-01-01", 90, Some("2028-03-31")),
            ("2027-01-01", 90, Some("2027-04-01")),
            ("2027-12-31", 1, Some("2028-01-01")),
            ("2028-02-28", 1, Some("2028-02-29")),
            ("2026-02-29", 1, None),
            ("2026-13-01", 1, None),
            ("2026-1-01", 1, None),
            ("9999-12-31", 1, None),
        ] {
            assert_eq!(add_days(date, days).as_deref(), want, "{date} + {days}");
        }
        assert_eq!(today_utc().len(), 10);
        assert!(add_days(&today_utc(), 0).is_some());
    }

    #[test]
    fn odd_paths_are_named_exactly_and_strings_quote() {
        for path in ["app/src/[odd]*.rs", "a/{b,c}/?.rs", "plain/lib.rs"] {
            let finding = Finding::warning("could not read the file").at(Location::file(path));
            let id = identity("boundary.unsafe", &finding);
            let w = crate::config::Waiver {
                check: "boundary.unsafe".into(),
                file: id.file,
                text: id.text,
                ..crate::config::Waiver::default()
            };
            assert!(crate::waiver::covers(&w, &finding), "{path}");
            let elsewhere = finding.clone().at(Location::file("app/src/x.rs"));
            assert!(!crate::waiver::covers(&w, &elsewhere), "{path}");
        }
        let text = "a \"quoted\" \\ line\nand\ttab\u{7}";
        let parsed: toml::Table = format!("k = {}", quote(text)).parse().unwrap();
        assert_eq!(parsed["k"].as_str(), Some(text));
        assert_eq!(comment_text("one\ntwo"), "one");
        assert_eq!(comment_text(&"x".repeat(150)).chars().count(), 100);
    }
}
