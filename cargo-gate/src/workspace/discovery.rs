//! Asking cargo for the workspace: where from (the start, refused when cargo could hang on
//! it), the `cargo metadata` call (here, or in a thread of its own while the run goes on:
//! [`Discovering`]), and its answer settled into a [`Workspace`].

use super::{
    GitInfo, Listed, ResolveOutput, UNFIT, Workspace, checked_manifest, git_info,
    path_dependencies_of, read_toml, start_dir, unfit_for_cargo, unloadable,
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
        let output = match self.metadata(cmd)? {
            Ok(output) => output,
            Err(manifest) => {
                return Err(GateError::WorkspaceLoad {
                    manifest: manifest.display().to_string(),
                    detail: UNFIT.to_owned(),
                });
            }
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

    /// `cargo metadata` run, and watched: the manifests of the members and of every path
    /// dependency are looked at as soon as it starts ([`unfit_member`]); one that is no
    /// regular file ends it and every other command of the run ([`process::abandon`]: cargo
    /// would wait on a FIFO for ever, and read `/dev/zero` till memory ran out), and is the
    /// error. stdout (one JSON document) and stderr are kept apart: interleaving could split
    /// the document.
    fn metadata(
        &self,
        cmd: std::process::Command,
    ) -> Result<Result<std::process::Output, PathBuf>, GateError> {
        use crate::tools::process::{self, Ended, HELPER_TIMEOUT, Streams};
        let started = std::time::Instant::now();
        // Looked at: not yet, the listed ones (at once), every path dependency's too (once
        // cargo has taken a while: parsing each manifest costs a warm run on 500 members 4%).
        let (mut looked, mut unfit): (Option<bool>, Option<PathBuf>) = (None, None);
        let mut watch = |_: &[u8], now: std::time::Instant| {
            let deep = now.duration_since(started) >= DEEP_AFTER;
            if unfit.is_none() && looked.is_none_or(|was| deep && !was) {
                looked = Some(deep);
                unfit = unfit_member(&self.start, deep);
            }
            if unfit.is_some() {
                process::abandon();
            }
            unfit.as_ref().map(|file| file.display().to_string())
        };
        let finished =
            match process::run_watched(cmd, Streams::Separate, HELPER_TIMEOUT, Some(&mut watch)) {
                Ok(finished) => finished,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    return Err(GateError::CargoMissing);
                }
                Err(source) => return Err(GateError::CargoFailed { source }),
            };
        if let (Ended::Stopped(_), Some(file)) = (&finished.ended, unfit) {
            return Ok(Err(file));
        }
        Ok(Ok(std::process::Output {
            status: process::exit_status(finished.code()),
            stdout: finished.stdout.into_bytes(),
            stderr: finished.stderr.into_bytes(),
        }))
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

/// The first manifest past the root's own ([`unfit_for_cargo`]) that cargo reads to load the
/// workspace whose manifest is `start`, and could never finish reading: a FIFO, a socket or
/// a device, through a link too. A member's (as its `members` entry names its directory,
/// `exclude` honoured), a `[patch]`'s and `[replace]`'s, one cargo's configuration names,
/// and, `deep`, every path dependency's that a readable manifest names, transitively (cargo
/// reads those for the implicit members, to resolve and to build).
fn unfit_member(start: &Path, deep: bool) -> Option<PathBuf> {
    let start = std::path::absolute(start).ok()?;
    let first = start.parent()?;
    let (root, ws, root_doc) = workspace_of(first);
    let listed = Listed::new(&root, &ws);
    let mut dirs = listed.members(&root);
    dirs.extend([root.clone(), first.to_owned()]);
    dirs.extend(overrides(&root_doc, &root));
    dirs.extend(configured(first));
    let mut seen = std::collections::HashSet::new();
    while let Some(dir) = dirs.pop() {
        if !seen.insert(dir.clone()) {
            continue;
        }
        let manifest = dir.join("Cargo.toml");
        if std::fs::metadata(&manifest).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
            return Some(manifest);
        }
        let Some(doc) = deep.then(|| read_toml(&manifest)).flatten() else {
            continue;
        };
        // `workspace = true` is read from the package's own workspace: another one, for a
        // path dependency this workspace leaves out (a nested workspace).
        let deps = match dir.starts_with(&root) && !listed.left_out(&dir) {
            true => path_dependencies_of(&doc, &dir, &root, &ws),
            false => {
                let (own, own_ws, _) = workspace_of(&dir);
                path_dependencies_of(&doc, &dir, &own, &own_ws)
            }
        };
        dirs.extend(deps);
    }
    None
}

/// The workspace the package in `dir` belongs to, as cargo finds it: the nearest directory
/// at or above it whose manifest has a `[workspace]` table that does not leave it out
/// (cargo looks further up past one that excludes it), its root, that table and the rest of
/// the root's manifest; else the package alone, with its own manifest.
fn workspace_of(dir: &Path) -> (PathBuf, toml::Table, toml::Table) {
    let mut own = None;
    for at in dir.ancestors() {
        let Some(mut doc) = read_toml(&at.join("Cargo.toml")) else {
            continue;
        };
        match doc.remove("workspace") {
            Some(toml::Value::Table(ws)) if !Listed::new(at, &ws).left_out(dir) => {
                return (at.to_owned(), ws, doc);
            }
            _ if at == dir => own = Some(doc),
            _ => {}
        }
    }
    (dir.to_owned(), toml::Table::new(), own.unwrap_or_default())
}

/// The directories cargo's configuration files at and above `dir` name by path: `paths`
/// overrides and `[patch.SOURCE]` entries, each relative to the directory that holds the
/// file's `.cargo`.
fn configured(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for at in dir.ancestors() {
        for name in [".cargo/config", ".cargo/config.toml"] {
            let Some(config) = read_toml(&at.join(name)) else {
                continue;
            };
            let paths = config.get("paths").and_then(toml::Value::as_array);
            let listed = paths.into_iter().flatten().filter_map(toml::Value::as_str);
            found.extend(listed.map(|p| gate_support::path::normalize(&at.join(p))));
            found.extend(overrides(&config, at));
        }
    }
    found
}

/// The directories the root manifest's `[patch.SOURCE]` and `[replace]` entries name by
/// `path` (cargo reads their manifests to resolve).
fn overrides(root_doc: &toml::Table, root: &Path) -> Vec<PathBuf> {
    let tables = |key: &str| {
        root_doc
            .get(key)
            .and_then(toml::Value::as_table)
            .into_iter()
            .flat_map(|t| t.values())
    };
    let patched = tables("patch")
        .filter_map(toml::Value::as_table)
        .flat_map(|t| t.values());
    (patched.chain(tables("replace")))
        .filter_map(|spec| spec.get("path")?.as_str())
        .map(|path| gate_support::path::normalize(&root.join(path)))
        .collect()
}

/// How long `cargo metadata` runs before every path dependency's manifest is looked at too
/// ([`unfit_member`]'s `deep`): the listed ones are looked at as it starts.
const DEEP_AFTER: std::time::Duration = std::time::Duration::from_millis(300);

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

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn mkfifo(path: &Path) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let made = std::process::Command::new("mkfifo").arg(path).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo {}", path.display());
    }

    /// A manifest cargo reads that is no regular file is found where cargo reads it: a
    /// member's, a path dependency's outside the root (through a member); never one in a
    /// directory `exclude` leaves out, which cargo does not read.
    #[test]
    fn the_manifests_cargo_reads_are_looked_at_and_no_other() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("ws");
        let write = |rel: &str, text: &str| {
            let path = root.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write(
            "Cargo.toml",
            "[workspace]\nmembers = [\"crates/*\"]\nexclude = [\"crates/skip\"]\n",
        );
        write(
            "crates/a/Cargo.toml",
            "[package]\nname = \"a\"\n[dependencies]\nd = { path = \"../../../dep\" }\n",
        );
        mkfifo(&root.join("crates/skip/Cargo.toml"));
        let start = root.join("Cargo.toml");
        assert_eq!(unfit_member(&start, true), None, "left out by `exclude`");
        mkfifo(&dir.path().join("dep/Cargo.toml"));
        assert_eq!(
            unfit_member(&start, false),
            None,
            "path dependencies: deep only"
        );
        let found = unfit_member(&start, true).map(|f| gate_support::path::normalize(&f));
        assert_eq!(found, Some(dir.path().join("dep/Cargo.toml")));
        std::fs::remove_file(dir.path().join("dep/Cargo.toml")).unwrap();
        mkfifo(&root.join("crates/b/Cargo.toml"));
        assert_eq!(
            unfit_member(&start, true),
            Some(root.join("crates/b/Cargo.toml"))
        );
    }

    /// Where cargo looks is where the gate looks (the thirty-fifth session's hostile pass,
    /// each a false exit 2): a workspace above that excludes the start is not its root; a
    /// nested workspace's `workspace = true` is its own; braces and `[^…]` in a `members`
    /// glob are cargo's glob library's (plain characters), not alternatives or negation.
    #[test]
    fn only_the_manifests_cargo_reads_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let at = |rel: &str| dir.path().join(rel);
        let write = |rel: &str, text: &str| {
            std::fs::create_dir_all(at(rel).parent().unwrap()).unwrap();
            std::fs::write(at(rel), text).unwrap();
        };
        // Above the start, a workspace that excludes it, with an unfit member.
        write(
            "Cargo.toml",
            "[workspace]\nmembers = [\"m\"]\nexclude = [\"repo\"]\n",
        );
        mkfifo(&at("m/Cargo.toml"));
        write("repo/Cargo.toml", "[package]\nname = \"r\"\n");
        assert_eq!(unfit_member(&at("repo/Cargo.toml"), true), None);
        // A nested workspace's inherited path dependency.
        write(
            "repo/Cargo.toml",
            "[workspace]\nmembers = [\"a\", \"crates/{x,b}*\", \"crates/[^a]*\"]\n\
             exclude = [\"nested\"]\n[workspace.dependencies]\nw = { path = \"fifo\" }\n",
        );
        mkfifo(&at("repo/fifo/Cargo.toml"));
        write(
            "repo/a/Cargo.toml",
            "[package]\nname = \"a\"\n[dependencies]\nd = { path = \"../nested/d\" }\n",
        );
        write(
            "repo/nested/Cargo.toml",
            "[workspace]\nmembers = [\"d\"]\n[workspace.dependencies]\nw = { path = \"w\" }\n",
        );
        write(
            "repo/nested/d/Cargo.toml",
            "[package]\nname = \"d\"\n[dependencies]\nw.workspace = true\n",
        );
        write("repo/nested/w/Cargo.toml", "[package]\nname = \"w\"\n");
        // Globs: `{x,b}*` is no alternative, `[^a]*` no negation: `b` is no member.
        write("repo/crates/{x,b}y/Cargo.toml", "[package]\nname = \"y\"\n");
        mkfifo(&at("repo/crates/b/Cargo.toml"));
        assert_eq!(unfit_member(&at("repo/Cargo.toml"), true), None);
        // The nested workspace's own inherited dependency, unfit, is found.
        std::fs::remove_file(at("repo/nested/w/Cargo.toml")).unwrap();
        mkfifo(&at("repo/nested/w/Cargo.toml"));
        assert_eq!(
            unfit_member(&at("repo/Cargo.toml"), true),
            Some(at("repo/nested/w/Cargo.toml"))
        );
    }

    /// `[patch]` and `[replace]` entries name manifests cargo reads to resolve, in the root
    /// manifest and in cargo's configuration (with its `paths` overrides).
    #[test]
    fn patched_and_replaced_manifests_are_looked_at() {
        for (file, table) in [
            (
                "Cargo.toml",
                "[patch.crates-io]\nserde = { path = \"p\" }\n",
            ),
            (
                "Cargo.toml",
                "[replace]\n\"serde:1.0.0\" = { path = \"p\" }\n",
            ),
            (".cargo/config.toml", "paths = [\"p\"]\n"),
            (
                ".cargo/config.toml",
                "[patch.crates-io]\nserde = { path = \"p\" }\n",
            ),
        ] {
            let dir = tempfile::tempdir().unwrap();
            let manifest = "[package]\nname = \"r\"\n";
            std::fs::create_dir_all(dir.path().join(".cargo")).unwrap();
            std::fs::write(dir.path().join("Cargo.toml"), manifest).unwrap();
            let text = match file {
                "Cargo.toml" => format!("{manifest}{table}"),
                _ => table.to_owned(),
            };
            std::fs::write(dir.path().join(file), text).unwrap();
            mkfifo(&dir.path().join("p/Cargo.toml"));
            let found = unfit_member(&dir.path().join("Cargo.toml"), true);
            assert_eq!(found, Some(dir.path().join("p/Cargo.toml")), "{table}");
        }
    }
}
