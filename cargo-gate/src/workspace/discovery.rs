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
#[derive(Debug, Clone)]
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
        let Answer {
            output,
            command_line,
        } = answer;
        let raw = self
            .resolve
            .then(|| ResolveOutput::of(command_line, &output));
        if !output.status.success() {
            if let Some(raw) = raw {
                let (ws, _) = Workspace::discover_resolving(None, self.offline, false)?;
                let raw = (ws.root == self.cwd).then_some(raw);
                return Ok((ws, raw));
            }
            return unloadable(
                &output.stderr,
                self.offline,
                &self.cwd,
                self.manifest.as_deref(),
            )
            .map(|ws| (ws, None));
        }
        let metadata: cargo_metadata::Metadata =
            serde_json::from_slice(&output.stdout).map_err(|e| GateError::Metadata {
                detail: e.to_string(),
            })?;
        let ws = Workspace::of_metadata(metadata, &self.guess, early_git);
        let raw = raw.filter(|_| ws.root == self.cwd);
        Ok((ws, raw))
    }
}

/// `cargo metadata --no-deps`, asked in a thread of its own while the run goes on with the
/// workspace it expects ([`Workspace::discover_beside`]); nothing is judged until
/// [`Discovering::settle`] says what cargo answered.
#[derive(Debug)]
pub struct Discovering {
    asking: Asking,
    handle: std::thread::JoinHandle<Result<Answer, GateError>>,
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

    /// Starts [`Workspace::discover`] from the current directory in a thread of its own; git's
    /// state is the caller's to ask (at [`Discovering::start_dir`]) and to hand to
    /// [`Discovering::settle`].
    pub fn discover_beside(offline: bool) -> Result<Discovering, GateError> {
        let asking = Asking::new(None, offline, false)?;
        let thread = asking.clone();
        let handle = std::thread::Builder::new()
            .name("gate-discover".to_owned())
            .spawn(move || thread.ask())
            .map_err(|source| GateError::CargoFailed { source })?;
        Ok(Discovering { asking, handle })
    }
}

impl Discovering {
    /// The directory the workspace is looked for from.
    pub fn start_dir(&self) -> &Path {
        &self.asking.guess
    }

    /// Waits for cargo and settles its answer (git's state, asked at [`Discovering::start_dir`],
    /// kept when that is the root).
    pub fn settle(self, early_git: Option<GitInfo>) -> Result<Workspace, GateError> {
        let answer = self
            .handle
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
        self.asking.settle(answer, early_git).map(|(ws, _)| ws)
    }
}
