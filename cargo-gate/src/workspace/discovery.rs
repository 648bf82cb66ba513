//! Asking cargo for the workspace: where from (the start, refused when cargo could hang on
//! it), the `cargo metadata` call (here, or in a thread of its own while the run goes on:
//! [`Discovering`]), and its answer settled into a [`Workspace`].

use super::{
    GitInfo, ResolveOutput, Workspace, checked_manifest, git_info, start_dir, unfit_for_cargo,
    unloadable,
};
use crate::error::GateError;
use crate::tools::cargo::{self, Cargo};
use std::path::{Path, PathBuf};

/// Where the workspace is looked for from, and how cargo is asked for it.
#[derive(Debug)]
pub(super) struct Asking {
    cwd: PathBuf,
    manifest: Option<PathBuf>,
    start: PathBuf,
    /// The directory the workspace is looked for from (its root in the common case).
    pub(super) guess: PathBuf,
    offline: bool,
    resolve: bool,
}

/// What `cargo metadata` printed, and its command line.
#[derive(Debug)]
pub(super) struct Answer {
    output: std::process::Output,
    command_line: String,
}

impl Asking {
    /// Checks `--manifest-path` and the start before cargo is asked: cargo (and rustup) would
    /// wait for ever on a file it reads that is a FIFO, and read a device without end.
    pub(super) fn new(
        manifest_path: Option<&Path>,
        offline: bool,
        resolve: bool,
    ) -> Result<Asking, GateError> {
        let cwd = std::env::current_dir().map_err(|source| GateError::CurrentDir { source })?;
        let manifest = checked_manifest(manifest_path)?;
        let start = manifest.clone().unwrap_or_else(|| cwd.join("Cargo.toml"));
        if let Some((file, why)) = unfit_for_cargo(&start) {
            return Err(GateError::WorkspaceLoad {
                manifest: file.display().to_string(),
                detail: why,
            });
        }
        let guess = start_dir(&cwd, manifest.as_deref());
        Ok(Asking {
            resolve: resolve && manifest.is_none(),
            cwd,
            manifest,
            start,
            guess,
            offline,
        })
    }

    /// Runs `cargo metadata` (`--no-deps`, or the whole resolve).
    pub(super) fn ask(&self) -> Result<Answer, GateError> {
        let runner = Cargo::new(&self.cwd, self.offline);
        let mut args = match self.resolve {
            true => vec!["--locked", "--all-features", "--format-version", "1"],
            false => vec!["--no-deps", "--format-version", "1"],
        };
        let manifest_arg;
        if let Some(m) = &self.manifest {
            manifest_arg = m.to_string_lossy().into_owned();
            args.extend(["--manifest-path", manifest_arg.as_str()]);
        }
        let cmd = runner.command("metadata", &args);
        let command_line = cargo::describe(&cmd);
        // stdout (one JSON document) and stderr are kept apart here: interleaving could split
        // the document.
        let output = match crate::tools::process::output(cmd) {
            Ok(o) => o,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(GateError::CargoMissing);
            }
            Err(source) => return Err(GateError::CargoFailed { source }),
        };
        if crate::tools::process::interrupted() {
            return Err(GateError::WorkspaceLoad {
                manifest: self.start.display().to_string(),
                detail: "interrupted (Ctrl-C or SIGTERM) while cargo was loading it".to_owned(),
            });
        }
        Ok(Answer {
            output,
            command_line,
        })
    }

    /// The workspace cargo's `answer` describes, git's state asked at the guess (`early_git`)
    /// kept when that is the root.
    pub(super) fn settle(
        &self,
        answer: Answer,
        early_git: Option<GitInfo>,
    ) -> Result<(Workspace, Option<ResolveOutput>), GateError> {
        let raw = self.resolve.then(|| answer.resolve_output());
        let ws = self.workspace(answer, early_git)?;
        let raw = raw.filter(|_| ws.root == self.cwd);
        Ok((ws, raw))
    }

    /// The workspace of [`Asking::settle`]. Where the resolve failed (a stale lockfile, no
    /// network), the members are asked with `--no-deps`, as always.
    fn workspace(
        &self,
        answer: Answer,
        early_git: Option<GitInfo>,
    ) -> Result<Workspace, GateError> {
        let output = answer.output;
        if !output.status.success() {
            if self.resolve {
                return Workspace::discover_resolving(None, self.offline, false).map(|(ws, _)| ws);
            }
            return unloadable(
                &output.stderr,
                self.offline,
                &self.cwd,
                self.manifest.as_deref(),
            );
        }
        let metadata: cargo_metadata::Metadata =
            serde_json::from_slice(&output.stdout).map_err(|e| GateError::Metadata {
                detail: e.to_string(),
            })?;
        Ok(Workspace::of_metadata(metadata, &self.guess, early_git))
    }
}

impl Answer {
    /// What cargo printed, as the resolve fact keeps it.
    fn resolve_output(&self) -> ResolveOutput {
        ResolveOutput::of(self.command_line.clone(), &self.output)
    }
}

/// The resolve workspace discovery asked for (`cargo metadata --locked --all-features`), for
/// the resolve fact to take instead of running it again: answered, or still to come from
/// [`Discovering`] (the fact then waits for it).
#[derive(Debug)]
pub enum Resolved {
    /// Cargo has answered.
    Ran(ResolveOutput),
    /// Cargo is running in the background: its output comes here as soon as it exits,
    /// before the workspace is read from it.
    Coming(std::sync::mpsc::Receiver<ResolveOutput>),
}

impl Resolved {
    /// The output, waiting for cargo where it is still to come; `None` where cargo could not
    /// be asked (the fact then asks it itself, and meets the same error).
    pub fn output(self) -> Option<ResolveOutput> {
        match self {
            Resolved::Ran(output) => Some(output),
            Resolved::Coming(coming) => coming.recv().ok(),
        }
    }
}

/// `cargo metadata` (`--no-deps`, or the whole resolve), asked in a thread of its own while
/// the run goes on with the workspace it expects ([`Workspace::discover_beside`]); nothing is
/// judged until [`Discovering::settle`] says what cargo answered.
#[derive(Debug)]
pub struct Discovering {
    handle: std::thread::JoinHandle<Result<Workspace, GateError>>,
}

impl Workspace {
    /// [`Workspace::discover`]; with `resolve`, and the workspace looked for from the current
    /// directory, cargo is asked for the whole resolve (`cargo metadata --locked
    /// --all-features`, the resolve fact's own command) instead of the members alone: one
    /// cargo process where a run that reads no cache would start two, one after the other.
    /// Its output comes back for the resolve fact when the root is the current directory
    /// (where that fact runs it); when it fails (a stale lockfile, no network), the members
    /// are asked with `--no-deps` as always, and the failure is still the resolve's evidence.
    pub fn discover_resolving(
        manifest_path: Option<&Path>,
        offline: bool,
        resolve: bool,
    ) -> Result<(Workspace, Option<ResolveOutput>), GateError> {
        let asking = Asking::new(manifest_path, offline, resolve)?;
        // Git's state is asked beside cargo, in the directory the workspace is looked for
        // from: that is its root in the common case (the gate run at the root), and the
        // answer is kept only then (`git_at`).
        let (answer, early_git) = std::thread::scope(|scope| {
            let git = scope.spawn(|| git_info(&asking.guess));
            let answer = asking.ask();
            let git = git
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (answer, git)
        });
        asking.settle(answer?, early_git)
    }

    /// Starts [`Workspace::discover`] from the current directory in a thread of its own, the
    /// workspace read from cargo's answer there too (git's state is the caller's to ask: the
    /// workspace settled has none). With `resolve`, cargo is asked for the whole resolve, as
    /// [`Workspace::discover_resolving`] asks it, and its output is handed on as soon as
    /// cargo exits ([`Resolved::Coming`]).
    pub fn discover_beside(
        offline: bool,
        resolve: bool,
    ) -> Result<(Discovering, Option<Resolved>), GateError> {
        let asking = Asking::new(None, offline, resolve)?;
        let (sender, coming) = match asking.resolve {
            true => {
                let (sender, coming) = std::sync::mpsc::channel();
                (Some(sender), Some(Resolved::Coming(coming)))
            }
            false => (None, None),
        };
        let handle = std::thread::Builder::new()
            .name("gate-discover".to_owned())
            .spawn(move || {
                let answer = asking.ask()?;
                if let Some(sender) = sender {
                    let _ = sender.send(answer.resolve_output());
                }
                asking.workspace(answer, None)
            })
            .map_err(|source| GateError::CargoFailed { source })?;
        Ok((Discovering { handle }, coming))
    }
}

impl Discovering {
    /// Waits for cargo and the workspace its answer describes (git's state not asked).
    pub fn settle(self) -> Result<Workspace, GateError> {
        self.handle
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }
}
