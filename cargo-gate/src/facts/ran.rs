//! The resolve and the build as cargo ran them (`cargo metadata --locked`, `cargo test
//! --no-run`), kept by the evidence cache as it printed them (`RawOutput`, `BuiltRaw`), and
//! read back into the facts the checks judge (`Resolve`, `Build`).

use super::artifacts::{Build, BuiltArtifact};
use super::build_errors::build_errors;
use crate::cache::Keep;
use crate::tools::cargo::{self, Cargo, Unavailable, package_name};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The lockfile resolved: `cargo metadata --locked`.
#[derive(Debug)]
pub enum Resolve {
    /// Resolved.
    Resolved {
        /// The packages of the resolve.
        metadata: Box<cargo_metadata::Metadata>,
        /// cargo's messages (stderr), with the command line.
        log: String,
    },
    /// Not resolved.
    Failed {
        /// What is missing when the cause is the environment (toolchain, network), not the
        /// workspace.
        unavailable: Option<Unavailable>,
        /// cargo's first error.
        error: String,
        /// The whole log, with the command line.
        log: String,
    },
}

/// The resolve's error when the workspace has no lockfile to hold it to (cargo is not run).
pub(super) const NO_LOCKFILE: &str = "there is no Cargo.lock";

impl Resolve {
    /// Why the lockfile does not hold the dependency graph, in the words a blocked check
    /// gives: there is none, the environment kept cargo from resolving it (the pinned
    /// toolchain is not installed, a source is out of reach: what is missing and how to get
    /// it), or it does not resolve.
    pub fn why_unresolved(&self) -> String {
        match self {
            Resolve::Failed { error, .. } if error == NO_LOCKFILE => NO_LOCKFILE.to_owned(),
            Resolve::Failed {
                unavailable: Some(unavailable),
                ..
            } => unavailable.reason(),
            _ => "Cargo.lock does not resolve".to_owned(),
        }
    }

    /// The log as kept in the run record.
    pub fn log(&self) -> &str {
        match self {
            Resolve::Resolved { log, .. } | Resolve::Failed { log, .. } => log,
        }
    }
}

/// The log as every record keeps one: the command line, the output, the exit status.
pub(super) fn with_command_line(command_line: String, body: &str, code: Option<i32>) -> String {
    cargo::Captured {
        command_line,
        code,
        log: body.to_owned(),
        stopped: None,
    }
    .log_file()
}

/// What a cargo command printed, as the cache keeps it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RawOutput {
    pub(super) command_line: String,
    pub(super) code: Option<i32>,
    pub(super) stdout: String,
    pub(super) stderr: String,
}

impl From<crate::workspace::ResolveOutput> for RawOutput {
    fn from(ran: crate::workspace::ResolveOutput) -> RawOutput {
        RawOutput {
            command_line: ran.command_line,
            code: ran.code,
            stdout: ran.stdout,
            stderr: ran.stderr,
        }
    }
}

/// Whether a cargo command's result is evidence about the workspace worth keeping: not when
/// cargo could not start (`None`), was stopped (time limit, interrupt: no exit code), or
/// failed for the environment's reasons (no network, no toolchain).
pub(super) fn keep_of(raw: Option<&RawOutput>, offline: bool) -> Keep {
    match raw {
        None => Keep::Not,
        Some(raw) if raw.code.is_none() => Keep::Not,
        Some(raw) if raw.code == Some(0) => Keep::Passed,
        Some(raw) if cargo::classify_unavailable(&raw.stderr, offline).is_some() => Keep::Not,
        Some(_) => Keep::Failed,
    }
}

/// `cargo metadata --locked --all-features`: every package any feature can pull in is in the
/// resolve, so the shipped graph (`cargo tree` for the feature sets built, mapped onto it)
/// finds each; which of them ship is `cargo tree`'s to say (`facts/shipped.rs`).
pub(super) fn run_resolve(cargo: &Cargo) -> Result<RawOutput, String> {
    let cmd = cargo.command(
        "metadata",
        &["--locked", "--all-features", "--format-version", "1"],
    );
    let command_line = cargo::describe(&cmd);
    let output = crate::tools::process::output(cmd)
        .map_err(|e| format!("could not run `cargo metadata --locked`: {e}"))?;
    Ok(RawOutput {
        command_line,
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}

/// What a resolve read beyond the key: the manifest of every path package it lists (the
/// session leaves out those the tree's digest holds). A path dependency outside the tracked
/// tree, beside the workspace or git-ignored in it, changes the resolve with its manifest (a
/// license, a version, a dependency of its own): the thirtieth session's hostile pass had the
/// cached resolve judged after `outer`'s license went from MIT to GPL-3.0-only, and
/// `deps.licenses` passed where a fresh run fails.
pub(super) fn resolve_reads(raw: &RawOutput) -> crate::cache::discover::Read {
    #[derive(serde::Deserialize)]
    struct Listed {
        packages: Vec<Package>,
    }
    #[derive(serde::Deserialize)]
    struct Package {
        source: Option<serde::de::IgnoredAny>,
        manifest_path: std::path::PathBuf,
    }
    let mut read = crate::cache::discover::Read::default();
    if raw.code != Some(0) {
        return read;
    }
    if let Ok(listed) = serde_json::from_str::<Listed>(&raw.stdout) {
        let paths = listed.packages.into_iter().filter(|p| p.source.is_none());
        read.files.extend(paths.map(|p| p.manifest_path));
    }
    read
}

pub(super) fn resolve_from(raw: RawOutput, offline: bool) -> Resolve {
    let log = with_command_line(raw.command_line, &raw.stderr, raw.code);
    if raw.code != Some(0) {
        return Resolve::Failed {
            unavailable: cargo::classify_unavailable(&raw.stderr, offline),
            error: cargo::first_error(&raw.stderr),
            log,
        };
    }
    match serde_json::from_str::<cargo_metadata::Metadata>(&raw.stdout) {
        Ok(metadata) => Resolve::Resolved {
            metadata: Box::new(metadata),
            log,
        },
        Err(e) => Resolve::Failed {
            unavailable: None,
            error: format!("cargo metadata printed JSON that does not parse: {e}"),
            log,
        },
    }
}

/// The build as the cache keeps it: cargo's messages, the build scripts' OUT_DIRs, and the
/// digest of each kernel manifest found there (a reused build is valid only while they are
/// still there, unchanged).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(super) struct BuiltRaw {
    pub(super) output: RawOutput,
    pub(super) out_dirs: Vec<(String, PathBuf)>,
    pub(super) manifests: Vec<(PathBuf, String)>,
    /// The artifacts (a reused build is valid only while each is still there).
    pub(super) artifacts: Vec<BuiltArtifact>,
    /// What the build read beyond the cache key (rustc's dep-info, build scripts'
    /// `rerun-if-*`): handed to the cache with the fact, not part of it.
    #[serde(skip)]
    pub(super) read: crate::cache::discover::Read,
    /// The line saying which units were rebuilt because their sources changed behind old
    /// mtimes (empty when none was); the build's log opens with it too.
    #[serde(skip)]
    pub(super) rebuilt: String,
    /// The time limit the build ran past, when it was stopped there (never kept).
    #[serde(skip)]
    pub(super) timed_out: Option<std::time::Duration>,
}

/// What [`Core::build_for_tests`] found.
#[derive(Debug, Default, Clone)]
pub(super) struct BuiltForTests {
    /// What compiling the tests read beyond the cache key.
    pub read: crate::cache::discover::Read,
    /// The line saying which units were rebuilt (empty when none was).
    pub rebuilt: String,
}

impl BuiltRaw {
    pub(super) fn manifests_unchanged(&self) -> bool {
        self.manifests.iter().all(|(path, digest)| {
            gate_support::digest::sha256_file(path).is_ok_and(|(d, _)| &d == digest)
        }) && self.artifacts.iter().all(BuiltArtifact::unchanged)
    }
}

/// Whether a build stamps its artifacts and digests its test binaries (the build fact does;
/// a build run only for what cargo's messages say it read does not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scan {
    Artifacts,
    MessagesOnly,
}

pub(super) fn run_build(
    cargo: &Cargo,
    (env, build_dir): (&[(String, String)], &Path),
    scan: Scan,
) -> Result<BuiltRaw, String> {
    let command = || {
        let mut cmd = cargo.command(
            "test",
            &[
                "--no-run",
                "--locked",
                "--workspace",
                "--message-format=json-render-diagnostics",
            ],
        );
        cmd.envs(env.iter().map(|(k, v)| (k, v)));
        cmd
    };
    let command_line = cargo::describe(&command());
    // Content decides freshness: a unit cargo kept by mtime is rebuilt unless proven.
    let mut timed_out = None;
    let (output, rebuilt) = super::built_from::proven_build(cargo.root(), build_dir, || {
        let finished = crate::tools::process::run(
            command(),
            crate::tools::process::Streams::Separate,
            cargo.timeout(),
        )
        .map_err(|e| format!("could not run cargo: {e}"))?;
        if let crate::tools::process::Ended::TimedOut(limit) = finished.ended {
            timed_out = Some(limit);
        }
        Ok(std::process::Output {
            status: crate::tools::process::exit_status(finished.code()),
            stdout: finished.stdout.into_bytes(),
            stderr: finished.stderr.into_bytes(),
        })
    })?;
    let messages = String::from_utf8_lossy(&output.stdout);
    let read = crate::cache::discover::Read::from_cargo_messages(&messages, cargo.root());
    let (mut out_dirs, artifacts) = outputs_of(&messages);
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        out_dirs.extend(super::build_errors::failed_script_out_dirs(&stderr));
    }
    let artifacts = if output.status.success() && scan == Scan::Artifacts {
        super::artifacts::stamp_artifacts(artifacts, &out_dirs)
    } else {
        Vec::new()
    };
    let manifests = out_dirs
        .iter()
        .map(|(_, dir)| dir.join(gate_formats::kernel_manifest::FILE_NAME))
        .filter_map(|path| {
            let (digest, _) = gate_support::digest::sha256_file(&path).ok()?;
            Some((path, digest))
        })
        .collect();
    Ok(BuiltRaw {
        output: RawOutput {
            command_line,
            code: output.status.code(),
            // The messages were read into `out_dirs`; the log is stderr.
            stdout: String::new(),
            stderr: super::built_from::said(&rebuilt) + &String::from_utf8_lossy(&output.stderr),
        },
        out_dirs,
        manifests,
        artifacts,
        read,
        rebuilt: super::built_from::said(&rebuilt),
        timed_out,
    })
}

/// The build scripts' `OUT_DIR`s (by package name) and the artifacts cargo's messages name.
fn outputs_of(messages: &str) -> (Vec<(String, PathBuf)>, Vec<BuiltArtifact>) {
    let mut out_dirs = Vec::new();
    let mut artifacts = Vec::new();
    for line in messages.lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if message["reason"] == "build-script-executed"
            && let (Some(id), Some(dir)) =
                (message["package_id"].as_str(), message["out_dir"].as_str())
        {
            out_dirs.push((package_name(id), PathBuf::from(dir)));
        } else if message["reason"] == "compiler-artifact" {
            artifacts.extend(super::artifacts::artifacts_of(&message));
        }
    }
    (out_dirs, artifacts)
}

pub(super) fn build_from(raw: BuiltRaw, offline: bool) -> Build {
    let BuiltRaw {
        output,
        out_dirs,
        artifacts,
        timed_out,
        ..
    } = raw;
    let ok = output.code == Some(0);
    Build {
        ok,
        unavailable: if ok {
            None
        } else if let Some(limit) = timed_out {
            Some(Unavailable::TimedOut(limit))
        } else {
            cargo::classify_unavailable(&output.stderr, offline)
        },
        errors: if ok {
            Vec::new()
        } else {
            build_errors(&output.stderr)
        },
        log: with_command_line(output.command_line, &output.stderr, output.code),
        out_dirs,
        artifacts,
        gpu_read: super::artifacts::GpuReads::default(),
        gpu_looked: std::sync::Mutex::default(),
        gpu: OnceLock::new(),
    }
}
