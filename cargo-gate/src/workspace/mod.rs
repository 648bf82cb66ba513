//! The workspace under evaluation: root, members and their directories, target dir, git state.
//!
//! Discovered with `cargo metadata --no-deps`, which needs no network and no resolved
//! dependencies, so a workspace can be described even when its lockfile is broken. Where
//! cargo cannot load it at all (a path dependency outside the checkout that is not there, a
//! pinned toolchain that is not installed, a manifest cargo rejects), the workspace is read
//! from the manifests themselves — root, `[workspace] members` globs minus `exclude` — and
//! cargo's error is kept as a fact ([`Workspace::metadata_error`]): the checks that only need
//! manifests and files still judge, and the ones that need cargo say what blocked them.

use crate::error::GateError;
use crate::tools::cargo::{self, Unavailable};
use std::path::{Path, PathBuf};
use std::process::Command;

pub mod discovery;
mod hint;

/// A workspace member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Package name.
    pub name: String,
    /// Directory holding its Cargo.toml.
    pub dir: PathBuf,
}

/// Git facts about the workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitInfo {
    /// The top of the repository.
    pub toplevel: PathBuf,
    /// The directory git was asked in and its place in the repository (`rust/`, empty at
    /// the top), when git's answer was proven to name that directory: the cache keys the
    /// files the repository tracks above it by this (`cache::tree::above_root`).
    pub prefix: Option<(PathBuf, String)>,
    /// `HEAD`, when there is a commit.
    pub commit: Option<String>,
    /// Whether the work tree has uncommitted changes.
    pub dirty: bool,
}

/// The workspace under evaluation.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// Workspace root directory.
    pub root: PathBuf,
    /// The root Cargo.toml.
    pub manifest_path: PathBuf,
    /// cargo's target directory.
    pub target_dir: PathBuf,
    /// cargo's build directory (`[build] build-dir`: intermediate artifacts, build scripts'
    /// runs, the tests' scratch directory), the target directory unless configured.
    pub build_dir: PathBuf,
    /// Members, sorted by name.
    pub members: Vec<Member>,
    /// Git state, when the root is inside a git work tree and git is installed.
    pub git: Option<GitInfo>,
    /// cargo's error when `cargo metadata --no-deps` could not load the workspace (it was
    /// then read from the manifests).
    pub metadata_error: Option<String>,
}

impl Workspace {
    /// Where its configuration can be, as `config::load` takes it.
    pub fn config_layout(&self) -> crate::config::Layout<'_> {
        crate::config::Layout {
            root: &self.root,
            manifest_path: &self.manifest_path,
            members: self
                .members
                .iter()
                .map(|m| (m.name.as_str(), m.dir.as_path()))
                .collect(),
        }
    }

    /// Loads the workspace that `manifest_path` (or the current directory) belongs to.
    pub fn discover(manifest_path: Option<&Path>, offline: bool) -> Result<Workspace, GateError> {
        Self::discover_resolving(manifest_path, offline, false).map(|(ws, _)| ws)
    }

    /// The workspace `cargo metadata` described (its members: the resolve lists every
    /// package), git's state asked at `guess` kept when that is the root.
    pub(crate) fn of_metadata(
        metadata: cargo_metadata::Metadata,
        guess: &Path,
        early_git: Option<GitInfo>,
    ) -> Workspace {
        let root: PathBuf = metadata.workspace_root.clone().into();
        let members_ids: std::collections::HashSet<_> = metadata.workspace_members.iter().collect();
        let mut members: Vec<Member> = metadata
            .packages
            .iter()
            .filter(|p| members_ids.contains(&p.id))
            .map(|p| Member {
                name: p.name.to_string(),
                dir: p
                    .manifest_path
                    .parent()
                    .map(|d| d.as_std_path().to_owned())
                    .unwrap_or_else(|| root.clone()),
            })
            .collect();
        members.sort_by(|a, b| a.name.cmp(&b.name));
        let git = git_at(&root, guess, early_git);
        Workspace {
            manifest_path: root.join("Cargo.toml"),
            build_dir: metadata
                .build_directory
                .unwrap_or_else(|| metadata.target_directory.clone())
                .into(),
            target_dir: metadata.target_directory.into(),
            root,
            members,
            git,
            metadata_error: None,
        }
    }

    /// A workspace over `root` with `members` (each in a directory of its own name), no git,
    /// built by hand for unit tests.
    #[cfg(test)]
    pub(crate) fn for_tests(root: &Path, members: &[&str]) -> Workspace {
        Workspace {
            root: root.to_owned(),
            manifest_path: root.join("Cargo.toml"),
            target_dir: root.join("target"),
            build_dir: root.join("target"),
            members: members
                .iter()
                .map(|name| Member {
                    name: (*name).to_owned(),
                    dir: root.join(name),
                })
                .collect(),
            git: None,
            metadata_error: None,
        }
    }

    /// `path` relative to the root, `/`-separated (lossy for non-UTF-8 names).
    pub fn relative(&self, path: &Path) -> String {
        gate_support::path::relative(&self.root, path)
    }

    /// The member that owns `path`: the one with the deepest directory containing it.
    pub fn owner_of(&self, path: &Path) -> Option<&Member> {
        self.members
            .iter()
            .filter(|m| path.starts_with(&m.dir))
            .max_by_key(|m| m.dir.components().count())
    }
}

/// `cargo metadata --locked --all-features` as workspace discovery ran it
/// ([`Workspace::discover_resolving`]): the resolve fact's evidence, not asked twice.
#[derive(Debug, Clone)]
pub struct ResolveOutput {
    /// The command line, as the record's logs show it.
    pub command_line: String,
    /// Its exit code (`None`: killed).
    pub code: Option<i32>,
    /// What it printed (the metadata JSON).
    pub stdout: String,
    /// Its messages.
    pub stderr: String,
}

impl ResolveOutput {
    fn of(command_line: String, output: &std::process::Output) -> ResolveOutput {
        ResolveOutput {
            command_line,
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// `--manifest-path`, when given: a file named `Cargo.toml` that exists.
fn checked_manifest(manifest_path: Option<&Path>) -> Result<Option<PathBuf>, GateError> {
    let Some(path) = manifest_path else {
        return Ok(None);
    };
    if !path.exists() {
        return Err(GateError::ManifestNotFound {
            path: path.to_owned(),
        });
    }
    if !path.is_file() || path.file_name().is_none_or(|n| n != "Cargo.toml") {
        return Err(GateError::NotAManifest {
            path: path.to_owned(),
        });
    }
    Ok(Some(path.to_owned()))
}

/// The workspace when `cargo metadata --no-deps` failed with `stderr`: read from the
/// manifests (cargo's error kept as a fact), or the error when there are none to read.
fn unloadable(
    stderr: &[u8],
    offline: bool,
    cwd: &Path,
    manifest: Option<&Path>,
) -> Result<Workspace, GateError> {
    let stderr = String::from_utf8_lossy(stderr);
    let detail = match cargo::classify_unavailable(&stderr, offline) {
        Some(unavailable @ Unavailable::ToolchainNotInstalled(_)) => unavailable.reason(),
        _ => cargo::first_error(&stderr),
    };
    let start = manifest.map_or_else(|| cwd.join("Cargo.toml"), Path::to_owned);
    match from_manifests(&start) {
        Some(mut ws) => {
            ws.metadata_error = Some(detail);
            Ok(ws)
        }
        None => Err(GateError::WorkspaceLoad {
            manifest: manifest.map_or_else(
                || "the current directory".to_owned(),
                |m| m.display().to_string(),
            ),
            detail,
        }),
    }
}

/// The workspace read from the manifests, for when cargo cannot load it: the nearest
/// `Cargo.toml` at or above `start`, the closest ancestor manifest with a `[workspace]` table
/// as the root (or the package alone), members from the `members` globs minus `exclude`, and,
/// as cargo makes them, the path dependencies of members that lie under the root and are not
/// excluded (TEI's `backends/grpc-metadata`). `None` when there is no readable manifest at all.
pub fn from_manifests(start: &Path) -> Option<Workspace> {
    let ws = read_manifests(start)?;
    Some(Workspace {
        git: git_info(&ws.root),
        ..ws
    })
}

/// [`from_manifests`] without git's state (`None`), for the caller to ask it beside.
pub(crate) fn read_manifests(start: &Path) -> Option<Workspace> {
    // A relative start (`--manifest-path Cargo.toml`) would give a relative root, the empty
    // path for a manifest in the current directory: a root under which nothing is listed.
    let start = &std::path::absolute(start).ok()?;
    let first = if start.is_file() {
        start.to_owned()
    } else {
        start
            .ancestors()
            .map(|d| d.join("Cargo.toml"))
            .find(|m| m.is_file())?
    };
    let first_dir = first.parent()?.to_owned();
    let root = first_dir
        .ancestors()
        .find(|d| read_toml(&d.join("Cargo.toml")).is_some_and(|t| t.contains_key("workspace")))
        .unwrap_or(&first_dir)
        .to_owned();
    let root_doc = read_toml(&root.join("Cargo.toml"))?;
    let mut members: Vec<Member> = member_dirs(&root, &root_doc)
        .into_iter()
        .filter_map(|(dir, doc)| {
            let name = doc.get("package")?.get("name")?.as_str()?.to_owned();
            Some(Member { name, dir })
        })
        .collect();
    members.sort_by(|a, b| a.name.cmp(&b.name));
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map_or_else(
            || root.join("target"),
            |t| if t.is_absolute() { t } else { root.join(t) },
        );
    Some(Workspace {
        manifest_path: root.join("Cargo.toml"),
        build_dir: target_dir.clone(),
        target_dir,
        git: None,
        root,
        members,
        metadata_error: None,
    })
}

/// The members' directories of the workspace whose root manifest (at `root`) is `root_doc`,
/// each with its manifest, read once (a directory without a readable one holds no member):
/// the root package, the `members` globs minus `exclude`, then cargo's implicit members.
fn member_dirs(root: &Path, root_doc: &toml::Table) -> Vec<(PathBuf, toml::Table)> {
    let mut dirs: Vec<(PathBuf, toml::Table)> = Vec::new();
    let mut seen: std::collections::HashSet<PathBuf> = std::collections::HashSet::new();
    if root_doc.contains_key("package") {
        seen.insert(root.to_owned());
        dirs.push((root.to_owned(), root_doc.clone()));
    }
    let Some(ws) = root_doc.get("workspace").and_then(toml::Value::as_table) else {
        return dirs;
    };
    let listed = Listed::new(root, ws);
    let mut admit = |dir: PathBuf, dirs: &mut Vec<(PathBuf, toml::Table)>| {
        if seen.contains(&dir) || listed.left_out(&dir) {
            return;
        }
        if let Some(doc) = read_toml(&dir.join("Cargo.toml")) {
            seen.insert(dir.clone());
            dirs.push((dir, doc));
        }
    };
    for dir in listed.members(root) {
        admit(dir, &mut dirs);
    }
    // Cargo's implicit members, transitively.
    let mut next = 0;
    while next < dirs.len() {
        let (dir, doc) = &dirs[next];
        let deps = path_dependencies_of(doc, dir, root, ws);
        for dep in deps.into_iter().filter(|dep| dep.starts_with(root)) {
            admit(dep, &mut dirs);
        }
        next += 1;
    }
    dirs
}

/// A `[workspace]` table's `members` and `exclude` entries, as cargo takes them.
struct Listed {
    members: Vec<String>,
    /// The `exclude` entries' directories, normalised.
    excluded: Vec<PathBuf>,
    /// The `members` entries' directories as written (a glob's names none), normalised.
    named: Vec<PathBuf>,
}

impl Listed {
    fn new(root: &Path, ws: &toml::Table) -> Listed {
        let list = |key: &str| -> Vec<String> {
            ws.get(key)
                .and_then(toml::Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        };
        let under = |entries: &[String]| -> Vec<PathBuf> {
            (entries.iter())
                .map(|e| gate_support::path::normalize(&root.join(e)))
                .collect()
        };
        let members = list("members");
        Listed {
            excluded: under(&list("exclude")),
            named: under(&members),
            members,
        }
    }

    /// Whether `dir` is no member, as cargo has it: under an `exclude` entry, and no
    /// `members` entry names it or a directory above it as written.
    fn left_out(&self, dir: &Path) -> bool {
        self.excluded.iter().any(|e| dir.starts_with(e))
            && !self.named.iter().any(|m| dir.starts_with(m))
    }

    /// The directories the `members` entries name (globs expanded), normalised, in order,
    /// none left out.
    fn members(&self, root: &Path) -> Vec<PathBuf> {
        (self.members.iter())
            .flat_map(|pattern| expand_glob(root, pattern))
            .map(|dir| gate_support::path::normalize(&dir))
            .filter(|dir| !self.left_out(dir))
            .collect()
    }
}

/// The first file cargo or rustup would read for a workspace whose manifest is `start` that
/// it could never finish reading: a FIFO, a socket or a device (through a link too) as the
/// manifest, or, in its directory or any above it, as `Cargo.lock`, a toolchain file or
/// cargo's configuration and every file it `include`s; a manifest or lockfile beyond the
/// gate's cap. With why.
fn unfit_for_cargo(start: &Path) -> Option<(PathBuf, String)> {
    const NAMES: [&str; 5] = [
        "Cargo.lock",
        "rust-toolchain",
        "rust-toolchain.toml",
        ".cargo/config",
        ".cargo/config.toml",
    ];
    let dirs = start.parent().into_iter().flat_map(Path::ancestors);
    // And what cargo's configuration `include`s (a committed link to `/dev/zero`).
    let included = start
        .parent()
        .map(crate::tools::cargo::config_files_included)
        .unwrap_or_default();
    let files = std::iter::once(start.to_owned())
        .chain(dirs.flat_map(|dir| NAMES.iter().map(move |name| dir.join(name))))
        .chain(included);
    for file in files {
        let Ok(meta) = std::fs::metadata(&file) else {
            continue;
        };
        if !meta.is_file() && !meta.is_dir() {
            return Some((file, UNFIT.to_owned()));
        }
        let cap = if file.ends_with("Cargo.lock") {
            LOCKFILE_CAP
        } else {
            MANIFEST_CAP
        };
        if meta.is_file() && meta.len() > cap {
            return Some((
                file,
                format!(
                    "it is larger than the {} MiB the gate reads such a file for",
                    cap >> 20
                ),
            ));
        }
    }
    None
}

/// Why a file cargo reads that is a FIFO, a socket or a device is refused.
const UNFIT: &str = "it is not a regular file (a FIFO, a socket or a device), which cargo would \
                     wait on or read for ever";

/// The most Cargo.lock is read for (the largest real lockfiles are a few MiB).
pub(crate) const LOCKFILE_CAP: u64 = 64 << 20;

/// The most a manifest or a toolchain file is read for: the cap of every TOML file of
/// cargo's the gate reads (`gate.toml` has its own, `config::file::MAX_BYTES`, of the same
/// size).
pub(crate) const MANIFEST_CAP: u64 = gate_support::read::TOML_CAP;

/// A TOML file as a table, `None` when it is missing, not a regular file, larger than
/// [`MANIFEST_CAP`], or does not parse.
pub(crate) fn read_toml(path: &Path) -> Option<toml::Table> {
    gate_support::read::text_capped(path, MANIFEST_CAP)
        .ok()?
        .parse()
        .ok()
}

/// The directories of the path dependencies the manifest in `dir` declares (every dependency
/// table, target tables included; `workspace = true` read from `[workspace.dependencies]`,
/// relative to the workspace root), normalised.
pub(crate) fn path_dependencies(dir: &Path, root: &Path, workspace: &toml::Table) -> Vec<PathBuf> {
    read_toml(&dir.join("Cargo.toml"))
        .map(|doc| path_dependencies_of(&doc, dir, root, workspace))
        .unwrap_or_default()
}

/// [`path_dependencies`] of the manifest `doc`, already read from `dir`.
fn path_dependencies_of(
    doc: &toml::Table,
    dir: &Path,
    root: &Path,
    workspace: &toml::Table,
) -> Vec<PathBuf> {
    let inherited = workspace
        .get("dependencies")
        .and_then(toml::Value::as_table);
    let mut out = Vec::new();
    for (name, spec) in dependency_tables(doc).into_iter().flat_map(|(_, t)| t) {
        let own = spec
            .get("path")
            .and_then(toml::Value::as_str)
            .map(|p| dir.join(p));
        let from_workspace = || {
            let spec = inherited?.get(name)?;
            Some(root.join(spec.get("path")?.as_str()?))
        };
        let is_inherited = spec.get("workspace").and_then(toml::Value::as_bool) == Some(true);
        let path = own.or_else(|| is_inherited.then(from_workspace).flatten());
        out.extend(path.map(|p| gate_support::path::normalize(&p)));
    }
    out
}

const DEPENDENCY_TABLES: &[&str] = &[
    "dependencies",
    "dev-dependencies",
    "dev_dependencies",
    "build-dependencies",
    "build_dependencies",
];

/// The target roots a manifest names by path (`[lib] path`, `[[bin]] path`, `[[test]]`,
/// `[[example]]`, `[[bench]]`, `[package] build`), each joined to the package's `dir` and
/// normalised: a root outside the package's own tree, or in a directory with a Cargo.toml of
/// its own, is compiled into this package all the same.
pub(crate) fn target_paths(doc: &toml::Table, dir: &Path) -> Vec<PathBuf> {
    let path = |t: &toml::Value| {
        t.get("path")
            .and_then(toml::Value::as_str)
            .map(str::to_owned)
    };
    let mut found: Vec<String> = doc.get("lib").and_then(path).into_iter().collect();
    for kind in ["bin", "test", "example", "bench"] {
        let targets = doc.get(kind).and_then(toml::Value::as_array);
        found.extend(targets.into_iter().flatten().filter_map(path));
    }
    let build = doc.get("package").and_then(|p| p.get("build"));
    found.extend(build.and_then(toml::Value::as_str).map(str::to_owned));
    found
        .iter()
        .map(|p| gate_support::path::normalize(&dir.join(p)))
        .collect()
}

/// The dependency tables of a manifest, target-specific ones included, each with whether it
/// is a dev-dependency table.
pub(crate) fn dependency_tables(doc: &toml::Table) -> Vec<(bool, &toml::Table)> {
    let mut tables = tables_of(doc);
    if let Some(targets) = doc.get("target").and_then(toml::Value::as_table) {
        for target in targets.values().filter_map(toml::Value::as_table) {
            tables.extend(tables_of(target));
        }
    }
    tables
}

/// The dependency tables directly in `at` (a manifest or a `[target.*]` table).
fn tables_of(at: &toml::Table) -> Vec<(bool, &toml::Table)> {
    DEPENDENCY_TABLES
        .iter()
        .filter_map(|k| Some((k.starts_with("dev"), at.get(*k)?.as_table()?)))
        .collect()
}

/// The directories a `members` entry names, as cargo expands it: the entry joined to the
/// root is a pattern of the `glob` library cargo uses (`*`, `?`, `[…]` with `!` for not,
/// `**`; braces and `^` are plain characters; links followed, `target` and hidden
/// directories matched), directories only; a pattern nothing matches names its literal
/// path. Where the gate's reading differed, it looked at other directories than cargo (the
/// thirty-fifth session's hostile pass: `crates/{x,b}*` and `crates/[^a]*` read a directory
/// cargo never does, and a `target` directory or a link cargo does was missed).
fn expand_glob(root: &Path, pattern: &str) -> Vec<PathBuf> {
    let joined = root.join(pattern);
    // No pattern: the path itself (the glob library's answer, without its walk).
    if !pattern.contains(['*', '?', '[']) {
        let file = std::fs::metadata(&joined).is_ok_and(|m| !m.is_dir());
        return if file { Vec::new() } else { vec![joined] };
    }
    let matched: Vec<PathBuf> = joined
        .to_str()
        .and_then(|p| glob::glob(p).ok())
        .map(|paths| paths.flatten().collect())
        .unwrap_or_default();
    if matched.is_empty() {
        return vec![joined];
    }
    matched.into_iter().filter(|p| p.is_dir()).collect()
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let mut cmd = Command::new("git");
    cmd.args(args).current_dir(dir);
    let output = crate::tools::process::output(cmd).ok()?;
    output.status.success().then(|| {
        String::from_utf8_lossy(&output.stdout)
            .trim_end()
            .to_owned()
    })
}

/// The top of the git work tree `dir` is in, from the files alone: the nearest directory at
/// or above it holding a `.git` (a directory, or a worktree's file). No git is run.
pub fn work_tree_top(dir: &Path) -> Option<&Path> {
    dir.ancestors().find(|d| d.join(".git").exists())
}

/// When `root` is inside a git work tree (a `.git` there or above) but git cannot be run,
/// why: the facts git would give (tracked files, the commit, a dirty tree) are then
/// unavailable, never "not applicable".
pub fn git_unavailable(root: &Path) -> Option<String> {
    work_tree_top(root)?;
    let mut cmd = Command::new("git");
    cmd.arg("--version");
    match crate::tools::process::output(cmd) {
        Ok(out) if out.status.success() => None,
        Ok(out) => Some(format!(
            "`git --version` failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some(
            "this is a git work tree, but git is not on PATH (install git or add it to PATH)"
                .to_owned(),
        ),
        Err(e) => Some(format!("git could not be started: {e}")),
    }
}

/// Untracked files that change what is built, by file name: a toolchain pin, build
/// scripts, cargo configuration, manifests, the lockfile, and Rust source (cargo finds
/// `src/lib.rs`, `src/bin/*.rs`, `tests/*.rs` by their place, and `mod` any file beside:
/// coderonion's course writes its `src/lib.rs` from the build script and never commits it,
/// so a fresh clone of the commit does not build). One of them untracked makes the tree
/// dirty; untracked notes and scratch files do not.
fn changes_the_build(path: &str) -> bool {
    let path = path.trim_end_matches('/');
    let name = path.rsplit('/').next().unwrap_or(path);
    matches!(
        name,
        "rust-toolchain" | "rust-toolchain.toml" | "build.rs" | "Cargo.toml" | "Cargo.lock"
    ) || name.ends_with(".rs")
        || path.split('/').any(|part| part == ".cargo") && matches!(name, "config" | "config.toml")
}

/// Whether `git status --porcelain --untracked-files=all` output (paths from the repository's
/// `top`) shows a dirty tree: any change to a tracked file, or an untracked file that changes
/// the build and is no output of cargo's.
fn is_dirty(porcelain: &str, top: &Path) -> bool {
    porcelain
        .lines()
        .any(|line| match line.strip_prefix("?? ") {
            Some(untracked) => {
                let path = untracked.trim_matches('"');
                changes_the_build(path) && !cargo_output(top, path)
            }
            None => !line.trim().is_empty(),
        })
}

/// Whether `path` (from `top`) lies in a cargo target directory: one named `target` that holds
/// cargo's `CACHEDIR.TAG`. A repository without a `.gitignore` lists what its builds write
/// (a build script's `out/private.rs`), which no commit holds and none needs (a trial's
/// KerrTrace was said dirty for it).
fn cargo_output(top: &Path, path: &str) -> bool {
    let mut at = top.to_path_buf();
    path.split('/').any(|part| {
        at.push(part);
        part == "target" && at.join("CACHEDIR.TAG").is_file()
    })
}

/// The directory a workspace is looked for from: the directory of `manifest` when one is
/// given, else `cwd`. The workspace's root in the common case, so what depends only on the
/// root (git's state, the toolchain probes) can be asked before cargo has named it.
pub fn start_dir(cwd: &Path, manifest: Option<&Path>) -> PathBuf {
    match manifest.and_then(Path::parent) {
        Some(dir) if !dir.as_os_str().is_empty() => cwd.join(dir),
        _ => cwd.to_owned(),
    }
}

/// Whether tools that read cargo's and rustup's files (the toolchain probes) may start in
/// `dir` before the workspace is loaded: none of the files they read there or above is a
/// FIFO, a device or too large (`unfit_for_cargo`, which loading the workspace reports).
pub fn fit_for_probes(dir: &Path) -> bool {
    unfit_for_cargo(&dir.join("Cargo.toml")).is_none()
}

/// Git's state at `root`: `early` (asked at `guess` before the root was known) when `guess`
/// is the root, else asked now.
pub(crate) fn git_at(root: &Path, guess: &Path, early: Option<GitInfo>) -> Option<GitInfo> {
    if guess == root { early } else { git_info(root) }
}

pub(crate) fn git_info(root: &Path) -> Option<GitInfo> {
    // Three independent questions, asked at once (each is a process start).
    let (toplevel, commit, status) = std::thread::scope(|scope| {
        let commit = scope.spawn(|| git(root, &["rev-parse", "--verify", "--quiet", "HEAD"]));
        let status = scope.spawn(|| git(root, &["status", "--porcelain", "--untracked-files=all"]));
        let toplevel = git(root, &["rev-parse", "--show-toplevel", "--show-prefix"]);
        (
            toplevel,
            commit.join().ok().flatten(),
            status.join().ok().flatten(),
        )
    });
    let (toplevel, prefix) = match top_and_prefix(root, &toplevel?) {
        Some((top, prefix)) => (top, Some((root.to_owned(), prefix))),
        None => (
            PathBuf::from(git(root, &["rev-parse", "--show-toplevel"])?),
            None,
        ),
    };
    let dirty = status.is_some_and(|s| is_dirty(&s, &toplevel));
    Some(GitInfo {
        toplevel,
        prefix,
        commit,
        dirty,
    })
}

/// `git rev-parse --show-toplevel --show-prefix` asked in `dir` (its output, trailing line
/// ends trimmed): the top, and `dir`'s place under it (`rust/`, empty at the top), where the
/// two lines are proven to name `dir`. `None` where they are not (a path that holds a line
/// end splits them elsewhere): the top is then asked alone.
fn top_and_prefix(dir: &Path, answer: &str) -> Option<(PathBuf, String)> {
    let (top, prefix) = answer.rsplit_once('\n').unwrap_or((answer, ""));
    let top = PathBuf::from(top);
    let named = std::fs::canonicalize(top.join(prefix)).ok()?;
    (std::fs::canonicalize(dir).ok()? == named).then(|| (top, prefix.to_owned()))
}

/// Whether git tracks `path` (relative to `root`).
pub fn git_tracks(root: &Path, path: &str) -> bool {
    git(root, &["ls-files", "--error-unmatch", "--", path]).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// git's two lines are taken only where they name the directory asked in.
    #[test]
    fn the_top_and_the_place_in_it_come_from_one_answer() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let top = dir.path().to_str().expect("a UTF-8 temp dir").to_owned();
        let rust = dir.path().join("rust");
        std::fs::create_dir(&rust).expect("rust/");
        assert_eq!(
            top_and_prefix(&rust, &format!("{top}\nrust/")),
            Some((dir.path().to_owned(), "rust/".to_owned()))
        );
        assert_eq!(
            top_and_prefix(dir.path(), &top),
            Some((dir.path().to_owned(), String::new()))
        );
        // A split that names another directory (or none) is no answer.
        assert_eq!(top_and_prefix(dir.path(), &format!("{top}\nrust/")), None);
        assert_eq!(top_and_prefix(&rust, &format!("{top}\nother/")), None);
        assert_eq!(top_and_prefix(&rust, &top), None);
    }

    #[test]
    fn untracked_files_that_change_the_build_make_the_tree_dirty() {
        let top = tempfile::tempdir().unwrap();
        for dir in ["target", "rust/target"] {
            std::fs::create_dir_all(top.path().join(dir)).unwrap();
            std::fs::write(top.path().join(dir).join("CACHEDIR.TAG"), "").unwrap();
        }
        std::fs::create_dir_all(top.path().join("other/target")).unwrap();
        for (porcelain, dirty) in [
            ("", false),
            ("?? notes.txt\n?? scratch/a.md", false),
            (" M src/lib.rs", true),
            ("?? rust-toolchain.toml", true),
            ("?? crates/x/build.rs", true),
            ("?? .cargo/config.toml", true),
            ("?? crates/x/.cargo/config", true),
            ("?? config.toml", false),
            ("?? Cargo.lock", true),
            ("?? \"odd name/Cargo.toml\"", true),
            ("?? src/lib.rs", true),
            ("?? crates/x/tests/new.rs", true),
            ("?? scratch/notes.rs.txt", false),
            // cargo's output where no `.gitignore` hides it (a target directory holds
            // `CACHEDIR.TAG`); a directory named so that cargo did not write is the tree's.
            ("?? target/debug/build/x-1/out/private.rs", false),
            ("?? rust/target/debug/build/x-1/out/private.rs", false),
            ("?? other/target/gen.rs", true),
        ] {
            assert_eq!(is_dirty(porcelain, top.path()), dirty, "{porcelain:?}");
        }
    }

    /// TEI's `backends/grpc-metadata`: a path dependency of a member, under the root and not
    /// excluded, is a member as cargo makes it (also through `workspace = true`), read from
    /// the manifests when cargo cannot run; one outside the root or excluded is not.
    #[test]
    fn path_dependencies_under_the_root_are_members_when_the_manifests_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let package = |name: &str, deps: &str| {
            format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\n[dependencies]\n{deps}")
        };
        let files = [
            (
                "Cargo.toml",
                "[workspace]\nmembers = [\"app\"]\nexclude = [\"skipped\"]\n\
                 [workspace.dependencies]\ninherited = { path = \"inherited\" }\n"
                    .to_owned(),
            ),
            (
                "app/Cargo.toml",
                package(
                    "app",
                    "helper = { path = \"../helper\" }\nskipped = { path = \"../skipped\" }\n\
                     inherited = { workspace = true }\n",
                ),
            ),
            (
                "helper/Cargo.toml",
                package("helper", "deep = { path = \"../deep\" }\n"),
            ),
            ("deep/Cargo.toml", package("deep", "")),
            ("inherited/Cargo.toml", package("inherited", "")),
            ("skipped/Cargo.toml", package("skipped", "")),
        ];
        for (rel, text) in &files {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let ws = from_manifests(dir.path()).unwrap();
        let names: Vec<&str> = ws.members.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["app", "deep", "helper", "inherited"]);
    }

    /// As cargo 1.95 answers: a member named as written stays one though `exclude` lists it;
    /// one a glob found does not (the thirty-third session's hostile pass read `b` out).
    #[test]
    fn a_member_named_as_written_outlives_its_exclusion() {
        let dir = tempfile::tempdir().unwrap();
        let root = "[workspace]\nmembers = [\"a\", \"b\", \"c/*\"]\nexclude = [\"b\", \"c/d\"]\n";
        std::fs::write(dir.path().join("Cargo.toml"), root).unwrap();
        for rel in ["a", "b", "c/d", "c/e"] {
            let at = dir.path().join(rel);
            std::fs::create_dir_all(&at).unwrap();
            let name = rel.rsplit('/').next().unwrap();
            let manifest = format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\n");
            std::fs::write(at.join("Cargo.toml"), manifest).unwrap();
        }
        let ws = read_manifests(dir.path()).unwrap();
        let names: Vec<&str> = ws.members.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "e"]);
    }

    /// A `members` entry without `*`, `?` or `[` names its directory as written, as cargo's
    /// glob takes it: `crates/{a` and `crates/b}` are members, where compiling each entry as
    /// a glob first dropped them (an unclosed `{`), and the gate judged a workspace without
    /// them when cargo could not load it (the thirty-fourth session's hostile pass).
    #[test]
    fn a_literal_member_is_read_as_written_whatever_its_braces() {
        let dir = tempfile::tempdir().unwrap();
        let root = "[workspace]\nmembers = [\"crates/{a\", \"crates/b}\", \"more/*\"]\n";
        std::fs::write(dir.path().join("Cargo.toml"), root).unwrap();
        for (rel, name) in [("crates/{a", "a"), ("crates/b}", "b"), ("more/c", "c")] {
            let at = dir.path().join(rel);
            std::fs::create_dir_all(&at).unwrap();
            let manifest = format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\n");
            std::fs::write(at.join("Cargo.toml"), manifest).unwrap();
        }
        let ws = read_manifests(dir.path()).unwrap();
        let names: Vec<&str> = ws.members.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
    }
}
