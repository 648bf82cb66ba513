//! The library's error type: everything that makes a run "could not evaluate" (exit 2).
//!
//! Each variant carries what the user needs to act, and [`GateError::help`] says how to fix it.

use crate::config::ConfigErrors;
use std::path::PathBuf;

/// Why the gate could not evaluate.
#[derive(Debug, thiserror::Error)]
pub enum GateError {
    /// `cargo` could not be started.
    #[error("cargo not found on PATH")]
    CargoMissing,
    /// The workspace pins a toolchain that rustup does not have.
    #[error("the toolchain `{toolchain}` pinned for this workspace is not installed")]
    ToolchainNotInstalled {
        /// The toolchain name as rustup reported it.
        toolchain: String,
    },
    /// `--manifest-path` names nothing.
    #[error("manifest `{path}` does not exist")]
    ManifestNotFound {
        /// The path as given.
        path: PathBuf,
    },
    /// `--manifest-path` names something that is not a Cargo.toml.
    #[error("`{path}` is not a Cargo.toml")]
    NotAManifest {
        /// The path as given.
        path: PathBuf,
    },
    /// cargo could not load the workspace.
    #[error("failed to load the workspace at {manifest}: {detail}")]
    WorkspaceLoad {
        /// The manifest cargo was pointed at.
        manifest: String,
        /// cargo's own error, first lines.
        detail: String,
    },
    /// The configuration is invalid.
    #[error("invalid configuration: {0}")]
    Config(#[from] ConfigErrors),
    /// `--only`/`--skip`/`explain` named a check that does not exist.
    #[error("unknown check `{id}`")]
    UnknownCheck {
        /// The id as given.
        id: String,
    },
    /// `explain` was given a finding code that several checks use.
    #[error("finding code `{code}` belongs to {} checks: {}", rule_ids.len(), rule_ids.join(", "))]
    AmbiguousCode {
        /// The code as given.
        code: String,
        /// `CHECK/CODE` of each check that has it.
        rule_ids: Vec<String>,
    },
    /// `--only` named a check that does not run at this stage.
    #[error("check `{id}` starts at stage {starts}, not part of {stage}")]
    CheckNotInStage {
        /// The id.
        id: String,
        /// Where it starts.
        starts: String,
        /// The stage requested.
        stage: String,
    },
    /// The stage exists but this version has no checks for it yet.
    #[error("stage `{stage}` cannot be evaluated by this version of cargo-gate")]
    StageUnavailable {
        /// The stage requested.
        stage: String,
    },
    /// The output directory cannot be created or written.
    #[error("cannot write the run record under {path}: {source}")]
    OutDir {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Reading records failed for a reason other than tampering.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Ctrl-C or SIGTERM: the commands the gate started were ended, and nothing recorded.
    #[error("interrupted: the commands it started were stopped; no run was recorded")]
    Interrupted,
    /// A run record could not be used: not in history, or it does not verify.
    #[error("{0}")]
    Record(String),
    /// The advisory database could not be fetched (`fetch-advisories`, `--fetch`).
    #[error("the RustSec advisory database could not be fetched: {detail}")]
    Fetch {
        /// What failed.
        detail: String,
    },
    /// The current directory cannot be read (removed while the gate started, no permission).
    #[error("cannot read the current directory: {source}")]
    CurrentDir {
        /// The I/O error.
        source: std::io::Error,
    },
    /// `cargo` was found but could not be run.
    #[error("failed to run cargo: {source}")]
    CargoFailed {
        /// The I/O error.
        source: std::io::Error,
    },
    /// `cargo metadata` printed something that is not its JSON.
    #[error("cannot parse cargo metadata: {detail}")]
    Metadata {
        /// The parse error.
        detail: String,
    },
    /// A file the gate writes for itself (outside the run record) could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// `verify RUN_DIR` named a directory that cannot be a run's, `<out>/runs/<run-id>`.
    #[error("{path} is not a run directory")]
    NotARunDir {
        /// The directory as resolved.
        path: PathBuf,
    },
    /// A bug in cargo-gate: something that should not happen whatever the input.
    #[error("internal error: {0}")]
    Internal(String),
}

impl GateError {
    /// How to fix it, when there is something to say.
    pub fn help(&self) -> Option<String> {
        Some(match self {
            GateError::CargoMissing => {
                "install Rust with rustup, or put the directory that holds `cargo` on PATH".into()
            }
            GateError::ToolchainNotInstalled { toolchain } => format!(
                "run `rustup toolchain install {toolchain}`, or change the pin in rust-toolchain.toml"
            ),
            GateError::ManifestNotFound { .. } => {
                "pass the path of the workspace's root Cargo.toml with --manifest-path".into()
            }
            GateError::NotAManifest { .. } => {
                "--manifest-path takes the path of a Cargo.toml file, not a directory or other file"
                    .into()
            }
            GateError::WorkspaceLoad { detail, .. } if detail.starts_with("interrupted") => {
                "nothing was recorded; run it again".into()
            }
            GateError::WorkspaceLoad { detail, .. } if detail.contains("not a regular file") => {
                "replace it with a regular file (or remove it)".into()
            }
            GateError::WorkspaceLoad { detail, .. } if detail.contains("larger than") => {
                "this is no manifest, lockfile or cargo configuration a workspace needs: \
                 replace it with the real one"
                    .into()
            }
            GateError::WorkspaceLoad { .. } => {
                "fix the manifest; `cargo metadata --no-deps` shows the same error".into()
            }
            GateError::Config(err) => err.help.clone(),
            GateError::UnknownCheck { .. } => "`cargo gate checks` lists every check id \
                                                (`--format json` with their finding codes)"
                .into(),
            GateError::AmbiguousCode { rule_ids, .. } => format!(
                "name the check too: `cargo gate explain {}`",
                rule_ids.first().map_or("CHECK/CODE", String::as_str)
            ),
            GateError::CheckNotInStage { starts, .. } => {
                format!("run `cargo gate {starts}` (or a later stage) to include it")
            }
            GateError::StageUnavailable { .. } => format!(
                "stages available: {}",
                crate::stage::available_names().join(", ")
            ),
            GateError::OutDir { source, .. }
                if matches!(
                    source.kind(),
                    std::io::ErrorKind::InvalidInput | std::io::ErrorKind::FileTooLarge
                ) =>
            {
                "the record's files are regular files the gate writes: move the one named \
                 away (or choose another directory with --out DIR)"
                    .into()
            }
            GateError::OutDir { .. } => {
                "choose a writable directory with --out DIR, or fix the permissions".into()
            }
            GateError::Record(_) => {
                "`cargo gate verify` names every problem of the record; `cargo gate history` \
                 lists the runs"
                    .into()
            }
            GateError::Fetch { .. } => "the database's directory is `[advisories] db-path` in \
                 gate.toml, else CARGO_GATE_ADVISORY_DB, else $CARGO_HOME/advisory-db, and must \
                 be the gate's own (created by the fetch, or a clone of `db-url`, outside the \
                 workspace's repository); `db-url` names where it is cloned from; when the \
                 network failed, check it (or copy the database by hand)"
                .into(),
            GateError::CurrentDir { .. } => {
                "run from a directory that exists, or pass --manifest-path".into()
            }
            GateError::CargoFailed { .. } | GateError::Metadata { .. } => {
                "check that `cargo metadata --no-deps --format-version 1` runs in the workspace"
                    .into()
            }
            GateError::Write { .. } => {
                "check that the directory exists, is writable and has free space".into()
            }
            GateError::NotARunDir { .. } => {
                "pass a run's directory, `<out>/runs/<run-id>`, or --out DIR to verify every run"
                    .into()
            }
            GateError::Read { .. } | GateError::Internal(_) | GateError::Interrupted => {
                return None;
            }
        })
    }

    /// The exit code of a run that ends with this error: always "could not evaluate".
    pub fn exit_code(&self) -> i32 {
        crate::verdict::exit::COULD_NOT_EVALUATE
    }

    /// What the user sees on stderr: `error: …` and `  help: …` lines, one pair per problem
    /// (an invalid configuration names every problem it has, each with its fix).
    pub fn render(&self) -> String {
        let pair = |error: &str, help: Option<&str>| match help {
            Some(help) => format!("error: {error}\n  help: {help}\n"),
            None => format!("error: {error}\n"),
        };
        match self {
            GateError::Config(errors) => errors
                .all()
                .iter()
                .map(|e| pair(&format!("invalid configuration: {e}"), Some(&e.help)))
                .collect(),
            other => pair(&other.to_string(), other.help().as_deref()),
        }
    }
}

impl From<gate_record::RecordError> for GateError {
    fn from(e: gate_record::RecordError) -> GateError {
        use gate_record::RecordError;
        match e {
            RecordError::OutDir { path, source } => GateError::OutDir { path, source },
            RecordError::Read { path, source } => GateError::Read { path, source },
            RecordError::BadArtifactPath(rel) => {
                GateError::Internal(format!("bad artifact path `{rel}`"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_bug_is_internal_and_the_other_causes_say_how_to_go_on() {
        assert!(GateError::Internal("x".into()).help().is_none());
        for err in [
            GateError::CurrentDir {
                source: std::io::ErrorKind::NotFound.into(),
            },
            GateError::CargoFailed {
                source: std::io::ErrorKind::PermissionDenied.into(),
            },
            GateError::Metadata { detail: "x".into() },
            GateError::Write {
                path: "x".into(),
                source: std::io::ErrorKind::PermissionDenied.into(),
            },
            GateError::NotARunDir { path: "/".into() },
        ] {
            assert!(err.help().is_some(), "{err}");
            assert!(!err.to_string().starts_with("internal error"), "{err}");
        }
    }
}
