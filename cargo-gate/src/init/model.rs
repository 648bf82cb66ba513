//! What `init` is asked and what it plans: its options, the files it writes and where,
//! why it writes nothing, the members with unsafe code today, and the day arithmetic.

use crate::scan::BoundaryKind;
use crate::shared::sources::{default_threads, member_files, scan_files};
use crate::workspace::Workspace;
use gate_support::date::Date;
use std::collections::BTreeSet;
use std::path::PathBuf;

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

/// What `cargo gate init` was asked to do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InitOptions {
    /// Overwrite files that exist.
    pub force: bool,
    /// Plan only: [`write()`](fn@super::plan::write) writes nothing.
    pub dry_run: bool,
    /// Accept today's findings as waivers, and list the members with unsafe code today in
    /// `[boundary] allow-unsafe`.
    pub baseline: bool,
    /// `--shards N`: the workflow runs Linux's tests as N shards from one nextest archive.
    pub shards: Option<u32>,
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

/// Today's date in UTC, `YYYY-MM-DD` (the `today` that [`plan`](super::plan::plan) takes).
pub fn today_utc() -> String {
    Date::today_utc().to_string()
}

/// Members with unsafe code or FFI today, and the places where it is, as
/// (`file`, line, column), found with `boundary.unsafe`'s own scanner. Inline assembly does
/// not count: the portable profile allows it nowhere, listed or not.
#[derive(Debug, Default)]
pub(super) struct UnsafeToday {
    pub(super) members: BTreeSet<String>,
    pub(super) sites: BTreeSet<(String, u32, u32)>,
}

pub(super) fn unsafe_members(ws: &Workspace) -> UnsafeToday {
    let (files, _) = member_files(ws);
    let mut today = UnsafeToday::default();
    for (file, result) in files.iter().zip(scan_files(&files, default_threads())) {
        let Ok((_, hits)) = result else { continue };
        for hit in hits {
            // Inline assembly is the profile's; code that runs elsewhere (a proc macro's
            // output, a template) is no crate's here (`boundary.unsafe` judges neither).
            if matches!(
                hit.kind,
                BoundaryKind::Asm | BoundaryKind::GlobalAsm | BoundaryKind::NakedAsm
            ) || hit.elsewhere.is_some()
            {
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

/// `date` (`YYYY-MM-DD`, a real day) plus `days`, within years 0..=9999.
pub fn add_days(date: &str, days: i64) -> Option<String> {
    Some(Date::parse(date)?.add_days(days)?.to_string())
}
