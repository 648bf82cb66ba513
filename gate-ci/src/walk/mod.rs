//! The walk over a workspace's CI: every CI file read, every script split into lines, every
//! cargo invocation found, followed into the files CI hands its builds to (Dockerfiles,
//! scripts, make and just recipes) and placed in the directory it runs in. What each
//! invocation means is the [`Visit`]or's: the walk only says where it is written, what it is
//! and whether it builds this workspace's lockfile ([`Visit::reached`]) or another one
//! ([`Visit::apart`]).

use crate::invocations::{Invocation, Kind, invocations, rewrites_lockfile};
use crate::model::{OtherCheckout, Place, Script};
use crate::providers::circleci::{
    CIRCLECI_FILE, OrbStep, circleci_scripts, continuation_files, is_circleci,
};
use crate::providers::github::{
    GITHUB_DIR, action_step, composite_scripts, github_scripts, run_spots,
};
use crate::providers::gitlab::{GITLAB_FILE, gitlab_scripts};
use crate::raw::{Spot, count_chars, search_text, to_u32};
use crate::shell::{LogicalLine, logical_lines};
use crate::{matrix, reach, spawned};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

/// The largest CI file read: a workflow is kilobytes; more is not a CI file.
pub const MAX_CI_FILE: u64 = 4 << 20;

/// What the walk knows of the workspace before it reads a CI file.
#[derive(Debug, Clone, Default)]
pub struct Setup {
    /// The workspace root (the base of its own CI files' paths).
    pub root: PathBuf,
    /// The repository root and the workspace's path in it, when the workspace lies below
    /// it: the root's CI files then count only with the invocations that reach it.
    pub below: Option<(PathBuf, PathBuf)>,
    /// Whether the workspace has a Cargo.lock (`--offline` then counts as locked).
    pub lock_exists: bool,
    /// This repository's `owner/name` (its `origin` remote), when known.
    pub ours: Option<String>,
    /// The cargo aliases CI's commands see (`[alias]` of `.cargo/config.toml`).
    pub aliases: Vec<(String, Vec<String>)>,
}

impl Setup {
    /// The setup of the workspace at `root`, in the repository whose top directory is
    /// `top` (when it is in one).
    pub fn of(root: &Path, top: Option<&Path>) -> Setup {
        let below = top
            .and_then(|top| Some((top.canonicalize().ok()?, root.canonicalize().ok()?)))
            .and_then(|(top, ws)| {
                let rel = ws.strip_prefix(&top).ok()?.to_path_buf();
                (!rel.as_os_str().is_empty()).then_some((top, rel))
            });
        Setup {
            root: root.to_path_buf(),
            below,
            lock_exists: root.join("Cargo.lock").is_file(),
            ours: top.and_then(origin_repository),
            aliases: cargo_aliases(root, top),
        }
    }
}

/// A CI file: its path from the workspace root, its text, and whether it sits at the
/// repository's root above the workspace (its invocations then count where they reach it).
#[derive(Debug, Clone)]
pub struct CiFile {
    pub rel: String,
    pub text: String,
    pub scoped: bool,
}

/// A CI file that could not be read: its path from the workspace root, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub rel: String,
    pub error: String,
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} could not be read: {}", self.rel, self.error)
    }
}

impl std::error::Error for Unreadable {}

/// A CI file that is not valid YAML: the parser's message and position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    pub rel: String,
    pub message: String,
    pub line: u32,
    pub column: u32,
}

/// Where an invocation is written: its file from the workspace root, and its 1-based line
/// and column (`None` when the line could not be found in the raw text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub rel: String,
    pub at: Option<(u32, u32)>,
}

/// Why an invocation builds another lockfile than this workspace's, or may.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Apart {
    /// It runs in a directory below the workspace that holds a workspace of its own.
    OtherWorkspace(String),
    /// It runs in a checkout of another repository (`actions/checkout` with `repository:`),
    /// at `path` (empty: the checkout replaced the root).
    OtherRepository { repository: String, path: PathBuf },
    /// Its job rewrote Cargo.lock or a manifest on purpose before it (`by`: the command).
    Afresh { by: String },
    /// It runs in a directory the walk cannot follow (an expansion in `cd` or
    /// `working-directory`), in a file above the workspace.
    Unplaced,
    /// Its `--manifest-path` lies outside the repository (`${{ runner.temp }}/…`,
    /// `$RUNNER_TEMP`, an absolute path): it builds a project CI made or fetched there.
    Outside { manifest: String },
}

/// What the walk hands over, invocation by invocation. The same written command reached
/// again (a YAML alias or merge key) is handed over once.
pub trait Visit {
    /// An invocation that builds this workspace (a `cargo xtask` or `minimal-versions`
    /// among them: its [`Kind`] says). Where the line reads a written-out matrix,
    /// `invocation` is the worst combination for `--locked` and `each` holds every
    /// combination's (empty otherwise); `context` names the job and step, and the
    /// combination when it leaves the invocation unlocked.
    fn reached(&mut self, site: Site, context: &str, invocation: Invocation, each: &[Invocation]);
    /// An invocation that builds another lockfile, or one whose directory is unknown.
    fn apart(&mut self, site: Site, context: &str, invocation: &Invocation, apart: Apart);
    /// A CI file that is not valid YAML.
    fn malformed(&mut self, error: Malformed);
    /// A Dockerfile CI builds whose name is an expression the walk cannot expand (`written`,
    /// as the CI file writes it): its cargo calls are not judged.
    fn unresolved(&mut self, site: Site, context: &str, written: &str);
    /// Something CI runs that the walk does not read, so its cargo calls go unjudged:
    /// [`Unread`] says what.
    fn unread(&mut self, site: Site, unread: Unread);
    /// A command that takes the toolchain pin away (`written`, as written:
    /// [`crate::invocations::removes_toolchain_pin`]). Nothing by default.
    fn unpinned(&mut self, _site: Site, _written: &str) {}
}

/// What CI runs that the walk does not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unread {
    /// The configuration of a CI system the walk does not read (`system`: its name).
    System { system: &'static str },
    /// A CircleCI step that runs an orb's command (`written`, as `rust/test`), whose orb's
    /// name says it runs Rust: the command is defined outside the repository.
    OrbStep { context: String, written: String },
    /// A command that runs cargo-make (`cargo make ci`, as written): `Makefile.toml`'s tasks
    /// are not read.
    CargoMake { context: String, written: String },
}

/// The invocations each combination of `vars`' matrix finds in `line` (`each`, in the
/// matrix's order), each distinct one once, named as the combination runs it (`cargo build`,
/// not `${{ matrix.cmd }}`) with the combination in its context.
fn each_combination(
    each: Vec<Vec<Invocation>>,
    line: &str,
    vars: Vars<'_>,
    context: &str,
) -> Vec<Judged> {
    let mut seen: Vec<Invocation> = Vec::new();
    let mut judged = Vec::new();
    for (found, combo) in each.into_iter().zip(vars.matrix) {
        for mut invocation in found {
            if !vars.parameters {
                invocation.command = matrix::substituted(&invocation.command, combo);
            }
            if !seen.contains(&invocation) {
                seen.push(invocation.clone());
                judged.push((
                    invocation,
                    combination(context, line, combo, vars),
                    Vec::new(),
                ));
            }
        }
    }
    judged
}

/// `context` naming the matrix combination `combo` a finding comes from (for CircleCI's
/// parameters, only those `line` reads).
fn combination(context: &str, line: &str, combo: &matrix::Combination, vars: Vars<'_>) -> String {
    if vars.parameters {
        let read: matrix::Combination = combo
            .iter()
            .filter(|(k, _)| line.contains(k.as_str()))
            .cloned()
            .collect();
        format!("{context}, parameters {}", matrix::describe(&read))
    } else {
        format!("{context}, matrix {}", matrix::describe(combo))
    }
}

/// The files `line` starts ([`spawned::started`]). A Dockerfile the line names through
/// `${{ matrix.… }}`, in a job whose matrix is written out, is named once per combination
/// (each file once); one that no combination names stays unresolved.
fn started_each(
    line: &str,
    starts: &[(usize, reach::Dir)],
    dir: &reach::Dir,
    combos: &[matrix::Combination],
) -> Vec<spawned::Spawn> {
    use spawned::Started;
    let first = spawned::started(line, starts, dir);
    if combos.is_empty() || !first.iter().any(|s| s.kind == Started::Unresolved) {
        return first;
    }
    let (unresolved, mut out): (Vec<_>, Vec<_>) = first
        .into_iter()
        .partition(|s| s.kind == Started::Unresolved);
    let mut named = false;
    for combo in combos {
        let line = matrix::substituted(line, combo);
        for spawn in spawned::started(&line, starts, dir) {
            let new = !out
                .iter()
                .any(|s| s.kind == spawn.kind && s.path == spawn.path);
            if spawn.kind == Started::Dockerfile && new {
                named = true;
                out.push(spawn);
            }
        }
    }
    if !named {
        out.extend(unresolved);
    }
    out
}

/// What the walk counted besides what it handed over.
#[derive(Debug, Default)]
pub struct Tally {
    /// Invocations of the root's CI files that run in another directory of the repository.
    pub elsewhere: usize,
    /// Invocations of the root's CI files whose directory the walk cannot follow.
    pub unplaced: usize,
    /// Dockerfiles, scripts and recipe files read, by path from the workspace root.
    pub spawned_files: BTreeSet<String>,
}

/// The CI file names (`.github/workflows/*.yml`, `*.yaml`, sorted; `.gitlab-ci.yml`;
/// `.circleci/config.yml` and, where it is a setup configuration, the continuation files
/// beside it) under `dir`.
fn ci_names(dir: &Path) -> Vec<String> {
    let mut names = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir.join(GITHUB_DIR)) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let is_yaml = name.ends_with(".yml") || name.ends_with(".yaml");
            if is_yaml && entry.path().is_file() {
                names.push(format!("{GITHUB_DIR}/{name}"));
            }
        }
    }
    names.sort();
    names.extend(local_actions(dir, &names));
    for file in [GITLAB_FILE, CIRCLECI_FILE] {
        if dir.join(file).is_file() {
            names.push(file.to_owned());
        }
    }
    names.extend(continuation_files(dir));
    names
}

/// The local actions (`uses: ./.github/actions/x`) the workflows in `workflows` (names under
/// `dir`) use, as their `action.yml` (or `action.yaml`) files, once each, in the order first
/// used; and those that these actions use in turn. What a composite action runs is read as a
/// job's steps ([`is_action_file`]).
fn local_actions(dir: &Path, workflows: &[String]) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut queue: Vec<String> = workflows.to_vec();
    let mut i = 0;
    while i < queue.len() && found.len() < 64 {
        let text = read_small(&dir.join(&queue[i])).unwrap_or_default();
        i += 1;
        for line in text.lines() {
            let Some(value) = line
                .trim_start()
                .trim_start_matches("- ")
                .strip_prefix("uses:")
            else {
                continue;
            };
            let value = value.trim().trim_matches(['"', '\'']);
            let Some(path) = value.strip_prefix("./") else {
                continue;
            };
            let path = path.trim_end_matches('/');
            if path.contains("..") {
                continue;
            }
            for file in ["action.yml", "action.yaml"] {
                let rel = format!("{path}/{file}");
                if dir.join(&rel).is_file() && !found.contains(&rel) {
                    found.push(rel.clone());
                    queue.push(rel);
                    break;
                }
            }
        }
    }
    found
}

/// Whether the CI file at `rel` is a local action's (`…/action.yml`), not a workflow's.
fn is_action_file(rel: &str) -> bool {
    !rel.contains(GITHUB_DIR) && (rel.ends_with("/action.yml") || rel.ends_with("/action.yaml"))
}

/// The CI files of the workspace root and, for a workspace below its repository's root,
/// those of the repository root, which are the ones GitHub and GitLab read; each named from
/// the workspace root and read only as a regular file of at most [`MAX_CI_FILE`] bytes.
pub fn ci_files(setup: &Setup) -> Result<Vec<CiFile>, Unreadable> {
    let root = &setup.root;
    let mut files: Vec<(String, PathBuf, bool)> = ci_names(root)
        .into_iter()
        .map(|rel| (rel.clone(), root.join(rel), false))
        .collect();
    if let Some((top, rel)) = &setup.below {
        let up = "../".repeat(rel.components().count());
        files.extend(
            ci_names(top)
                .into_iter()
                .map(|name| (format!("{up}{name}"), top.join(name), true)),
        );
    }
    files
        .into_iter()
        .map(
            |(rel, path, scoped)| match gate_support::read::text_capped(&path, MAX_CI_FILE) {
                Ok(text) => Ok(CiFile { rel, text, scoped }),
                Err(e) => Err(Unreadable {
                    // Named from the workspace root, as everything the walk reports.
                    error: e.to_string().replace(&path.display().to_string(), &rel),
                    rel,
                }),
            },
        )
        .collect()
}

/// Walks `files` (from [`ci_files`]), handing every cargo invocation to `visit`.
pub fn walk(setup: &Setup, files: &[CiFile], visit: &mut impl Visit) -> Tally {
    let mut walker = Walker {
        setup,
        visit,
        seen: HashSet::new(),
        declares_workspace: HashMap::new(),
        tally: Tally::default(),
    };
    for (rel, system) in unread_files(setup) {
        let site = Site { rel, at: None };
        walker.visit.unread(site, Unread::System { system });
    }
    for CiFile { rel, text, scoped } in files {
        match parse(rel, text, setup.ours.as_deref()) {
            Ok((scripts, orb_steps)) => {
                walker.file(rel, text, &scripts, *scoped);
                for OrbStep {
                    at,
                    context,
                    written,
                } in orb_steps
                {
                    let (line, column) = gate_support::text::line_col(text, at);
                    let site = Site {
                        rel: rel.clone(),
                        at: Some((line, column)),
                    };
                    walker
                        .visit
                        .unread(site, Unread::OrbStep { context, written });
                }
            }
            Err(error) => walker.visit.malformed(error),
        }
    }
    walker.tally
}

/// The configurations of CI systems the walk does not read (`providers`), at the
/// workspace root and, for a workspace below it, at the repository's root, named from the
/// workspace root, with the system's name.
pub fn unread_files(setup: &Setup) -> Vec<(String, &'static str)> {
    let mut out: Vec<(String, &'static str)> = crate::providers::unread_files(&setup.root)
        .into_iter()
        .map(|(name, system)| (name.to_owned(), system))
        .collect();
    if let Some((top, rel)) = &setup.below {
        let up = "../".repeat(rel.components().count());
        out.extend(
            crate::providers::unread_files(top)
                .into_iter()
                .map(|(name, system)| (format!("{up}{name}"), system)),
        );
    }
    out
}

/// Parses a CI file into its scripts, in document order, and the orb steps it runs unread;
/// `ours`: this repository's `owner/name`, when known (a checkout of it is not another
/// repository's).
fn parse(
    rel: &str,
    text: &str,
    ours: Option<&str>,
) -> Result<(Vec<Script>, Vec<OrbStep>), Malformed> {
    let doc = crate::yaml::parse(text).map_err(|e| Malformed {
        rel: rel.to_owned(),
        message: e.to_string(),
        line: to_u32(e.line),
        column: to_u32(e.column),
    })?;
    let mut scripts = Vec::new();
    if is_action_file(rel) {
        let action = rel.trim_start_matches("../");
        composite_scripts(&doc, action, ours, &mut scripts);
    } else if rel.contains(GITHUB_DIR) {
        github_scripts(&doc, ours, &mut scripts);
    } else if rel.ends_with(GITLAB_FILE) {
        gitlab_scripts(&doc, &mut scripts);
    } else if is_circleci(rel) {
        let read = circleci_scripts(&doc);
        return Ok((read.scripts, read.orb_steps));
    } else {
        github_scripts(&doc, ours, &mut scripts);
    }
    Ok((scripts, Vec::new()))
}

/// The walk in progress.
struct Walker<'s, 'v, V: Visit> {
    setup: &'s Setup,
    visit: &'v mut V,
    /// Located invocations already handed over (file, byte offset, command).
    seen: HashSet<(String, usize, String)>,
    /// Whether a `Cargo.toml` declares a `[workspace]`, by path (read once).
    declares_workspace: HashMap<PathBuf, bool>,
    tally: Tally,
}

/// The variables a line's expansions read: the `env:` in force (or a Dockerfile's `ARG`s
/// and `ENV`s) and the job's written-out matrix (empty when there is none), or CircleCI's
/// parameter sets (`parameters`).
#[derive(Clone, Copy)]
struct Vars<'a> {
    env: &'a [(String, String)],
    matrix: &'a [matrix::Combination],
    parameters: bool,
}

/// Where a line is written: its file (from the workspace root) and text, the line, and
/// where it was found.
#[derive(Clone, Copy)]
struct Written<'a, 'l> {
    rel: &'a str,
    text: &'a str,
    line: &'a LogicalLine<'l>,
    spot: Option<Spot>,
    /// The copy of `text` the line was split from, when it is not `text` itself: a recipe
    /// file's, its variables masked, every byte where `text` has it.
    masked: Option<&'a str>,
}

impl Written<'_, '_> {
    /// Where `physical`, a physical line of this logical line after its first, starts in the
    /// file: exactly, where the line was split from the masked copy (every byte where the file
    /// has it); else found in the raw text from `from` on.
    fn physical_start(&self, physical: &str, from: usize) -> Option<usize> {
        if let Some(masked) = self.masked {
            let at = (physical.as_ptr() as usize).checked_sub(masked.as_ptr() as usize)?;
            return (at + physical.len() <= masked.len()).then_some(at);
        }
        self.text
            .get(from..)?
            .find(physical)
            .map(|found| from + found)
    }
}

/// An invocation of a line with the context its findings name and, where the line reads a
/// written-out matrix, every combination's invocation.
type Judged = (Invocation, String, Vec<Invocation>);

mod files;

impl<V: Visit> Walker<'_, '_, V> {
    /// The repository's path of the workspace, for a file above it (`scoped`).
    fn scope(&self, scoped: bool) -> Option<PathBuf> {
        self.setup
            .below
            .as_ref()
            .filter(|_| scoped)
            .map(|(_, rel)| rel.clone())
    }

    /// Walks the scripts of one CI file; `scoped`: a file at the repository's root, above
    /// the workspace, whose invocations count only where they reach it.
    fn file(&mut self, rel: &str, text: &str, scripts: &[Script], scoped: bool) {
        let scope = self.scope(scoped);
        // Jobs that rewrote Cargo.lock or a manifest on purpose earlier, with the command.
        let mut updated: HashMap<String, String> = HashMap::new();
        for script in scripts {
            let lines = logical_lines(&script.text);
            let spots = spots(text, script, &lines);
            let mut dir: reach::Dir = match &script.working_directory {
                Some(written) => reach::join(Path::new(""), &reach::with_env(written, &script.env)),
                None => Some(PathBuf::new()),
            };
            for (line, spot) in lines.iter().zip(spots) {
                let (starts, next) = reach::walk(&line.text, &dir);
                let env = Vars {
                    env: &script.env,
                    matrix: &script.matrix,
                    parameters: script.parameters,
                };
                let job_updated = script
                    .job
                    .as_ref()
                    .and_then(|job| updated.get(job))
                    .cloned();
                let update = rewrites_lockfile(&line.text);
                if let (Some(job), Some((_, command))) = (&script.job, &update)
                    && !updated.contains_key(job)
                {
                    updated.insert(job.to_owned(), command.clone());
                }
                let at = Written {
                    rel,
                    text,
                    line,
                    spot,
                    masked: None,
                };
                for (invocation, context, each) in
                    self.judged_line(&line.text, env, &script.context)
                {
                    // `cargo install` builds the installed crate's own lockfile, whatever
                    // the job did to this one.
                    let rewritten = job_updated
                        .clone()
                        .or_else(|| {
                            update
                                .as_ref()
                                .filter(|(at, _)| *at < invocation.offset)
                                .map(|(_, command)| command.clone())
                        })
                        .filter(|_| !invocation.install);
                    if let Some(by) = rewritten {
                        self.apart(&at, &invocation, &context, Apart::Afresh { by });
                        continue;
                    }
                    let runs_in = reach::at(&starts, invocation.offset, &dir);
                    let in_dir = reach::effective(&runs_in, invocation.manifest_path.as_deref());
                    if let Some(other) =
                        OtherCheckout::holding(&script.checkouts, in_dir.as_deref())
                    {
                        let apart = Apart::OtherRepository {
                            repository: other.repository.clone(),
                            path: other.path.clone(),
                        };
                        self.apart(&at, &invocation, &context, apart);
                        continue;
                    }
                    let mut invocation = invocation;
                    self.maturin_config(scope.is_some(), &runs_in, &mut invocation);
                    if self.reaches(scope.as_deref(), &runs_in, &at, &invocation, &context) {
                        self.reached(&at, &context, invocation, &each);
                    }
                }
                self.cargo_make(&at, &script.env, &script.context);
                self.unpins(&at);
                let spawns = started_each(&line.text, &starts, &dir, &script.matrix);
                self.spawns(&spawns, &at, script, scoped);
                dir = next;
            }
        }
    }

    /// Says a command of the line that takes the toolchain pin away.
    fn unpins(&mut self, at: &Written<'_, '_>) {
        if let Some((_, written)) = crate::invocations::removes_toolchain_pin(&at.line.text) {
            self.visit.unpinned(line_site(at), &written);
        }
    }

    /// Says each cargo-make command of a line: the tasks it runs are not read.
    fn cargo_make(&mut self, at: &Written<'_, '_>, env: &[(String, String)], context: &str) {
        for written in crate::invocations::cargo_make_commands(&at.line.text, env) {
            let unread = Unread::CargoMake {
                context: context.to_owned(),
                written,
            };
            self.visit.unread(line_site(at), unread);
        }
    }

    /// Walks the files a line of `script` starts (`spawns`): an unresolved Dockerfile is
    /// said where the line is written; a file of another repository's checkout is not this
    /// repository's file.
    fn spawns(
        &mut self,
        spawns: &[spawned::Spawn],
        at: &Written<'_, '_>,
        script: &Script,
        scoped: bool,
    ) {
        for spawn in spawns {
            if spawn.kind == spawned::Started::Unresolved {
                let written = spawn.path.to_string_lossy();
                self.visit
                    .unresolved(line_site(at), &script.context, &written);
            } else if OtherCheckout::holding(&script.checkouts, spawn.dir.as_deref()).is_none() {
                self.spawned(spawn, scoped, &script.context, &script.matrix, 0);
            }
        }
    }

    /// A maturin build that passes no `--locked` is locked all the same where the
    /// `pyproject.toml` of the directory it builds (`-m`'s, else the one it runs in; from the
    /// repository's root for a file above the workspace, `above`) sets `locked` or `frozen`
    /// in `[tool.maturin]`.
    fn maturin_config(&self, above: bool, runs_in: &reach::Dir, invocation: &mut Invocation) {
        if !invocation.maturin || !matches!(invocation.kind, Kind::Judged { locked: false, .. }) {
            return;
        }
        let base = match (&self.setup.below, above) {
            (Some((top, _)), true) => top,
            _ => &self.setup.root,
        };
        let Some(dir) = reach::effective(runs_in, invocation.manifest_path.as_deref()) else {
            return;
        };
        let Some(text) = read_small(&base.join(dir).join("pyproject.toml")) else {
            return;
        };
        let table = text.parse::<toml::Table>().ok();
        let maturin = table
            .as_ref()
            .and_then(|t| t.get("tool")?.get("maturin")?.as_table());
        let set = |key: &str| maturin.and_then(|m| m.get(key)?.as_bool()) == Some(true);
        if (set("locked") || set("frozen"))
            && let Kind::Judged { locked, .. } = &mut invocation.kind
        {
            *locked = true;
        }
    }

    /// The invocations of one line, each with the context its findings name. A line that
    /// reads `${{ matrix.… }}` in a job whose matrix is written out is read once per
    /// combination, and each written invocation is handed over once, as the worst of them:
    /// unlocked when some combination leaves it unlocked (the context names that
    /// combination), unjudgeable when some combination still cannot be expanded, else locked.
    fn judged_line(&self, line: &str, vars: Vars<'_>, context: &str) -> Vec<Judged> {
        let setup = self.setup;
        let written = invocations(line, setup.lock_exists, vars.env, None, &setup.aliases);
        let reads = if vars.parameters { "<<" } else { "matrix." };
        let reads_matrix = line.contains(reads) || vars.env.iter().any(|(_, v)| v.contains(reads));
        let as_written = |written: Vec<Invocation>| {
            written
                .into_iter()
                .map(|i| (i, context.to_owned(), Vec::new()))
                .collect()
        };
        if vars.matrix.is_empty() || !reads_matrix {
            return as_written(written);
        }
        let each: Vec<Vec<Invocation>> = vars
            .matrix
            .iter()
            .map(|combo| {
                invocations(
                    line,
                    setup.lock_exists,
                    vars.env,
                    Some(combo),
                    &setup.aliases,
                )
            })
            .collect();
        // A value that changes which commands the line runs (the whole command, `&&` in a
        // value) is not merged: each combination's invocations are judged, each once.
        if each.iter().any(|found| found.len() != written.len()) {
            return each_combination(each, line, vars, context);
        }
        written
            .into_iter()
            .enumerate()
            .map(|(index, mut invocation)| {
                let rank = |kind: &Kind| match kind {
                    Kind::Judged {
                        locked: false,
                        expansion: None,
                    } => 3,
                    Kind::Unknown { .. }
                    | Kind::Judged {
                        expansion: Some(_), ..
                    } => 2,
                    Kind::Alias | Kind::MinimalVersions => 1,
                    Kind::Judged { locked: true, .. } => 0,
                };
                // The first combination of the worst kind (max_by_key keeps the last).
                let (combo, worst) = each
                    .iter()
                    .zip(vars.matrix)
                    .map(|(found, combo)| (combo, &found[index]))
                    .rev()
                    .max_by_key(|(_, found)| rank(&found.kind))
                    .expect("a written-out matrix has a combination");
                invocation.kind = worst.kind.clone();
                let context = if rank(&worst.kind) == 3 {
                    combination(context, line, combo, vars)
                } else {
                    context.to_owned()
                };
                let every = each.iter().map(|found| found[index].clone()).collect();
                (invocation, context, every)
            })
            .collect()
    }

    /// Whether an invocation of a file above the workspace (`scope`: the workspace's path in
    /// the repository) reaches it, running in `runs_in`; counts those that run elsewhere,
    /// and hands over those whose directory cannot be followed. Without a scope, every one
    /// does.
    fn reaches(
        &mut self,
        scope: Option<&Path>,
        runs_in: &reach::Dir,
        at: &Written<'_, '_>,
        invocation: &Invocation,
        context: &str,
    ) -> bool {
        if let Some(manifest) = invocation.manifest_path.as_deref()
            && reach::outside_repository(manifest)
        {
            let manifest = manifest.to_owned();
            self.apart(at, invocation, context, Apart::Outside { manifest });
            return false;
        }
        let effective = reach::effective(runs_in, invocation.manifest_path.as_deref());
        // A directory below the workspace root that holds a workspace of its own (a `fuzz/`
        // workspace, a separately published crate) builds that workspace's lockfile.
        let workspace = scope.unwrap_or(Path::new(""));
        // `cargo install CRATE` builds the crate's own lockfile wherever it runs: only an
        // install of a local path builds the workspace it sits in.
        let local = |w: &str| w == "--path" || w.starts_with("--path=");
        let anywhere = invocation.install && !invocation.command.split_whitespace().any(local);
        if let Some(d) = &effective
            && !anywhere
            && reach::inside(d, workspace)
            && let Some(other) = self.nested_workspace(scope.is_some(), workspace, d)
        {
            self.apart(at, invocation, context, Apart::OtherWorkspace(other));
            return false;
        }
        let Some(scope) = scope else {
            return true;
        };
        match effective {
            Some(d) if reach::inside(&d, scope) => true,
            Some(_) => {
                self.tally.elsewhere += 1;
                false
            }
            None => {
                self.tally.unplaced += 1;
                self.apart(at, invocation, context, Apart::Unplaced);
                false
            }
        }
    }

    /// The directory between `workspace` (exclusive) and `dir` (inclusive), both relative to
    /// the CI files' base (the repository root when `scoped`, else the workspace root), whose
    /// `Cargo.toml` declares a `[workspace]` of its own: cargo run there builds that one.
    fn nested_workspace(&mut self, scoped: bool, workspace: &Path, dir: &Path) -> Option<String> {
        let base = if scoped {
            self.setup.below.as_ref()?.0.clone()
        } else {
            self.setup.root.clone()
        };
        let below = dir.strip_prefix(workspace).ok()?;
        let mut at = workspace.to_path_buf();
        for part in below.components() {
            at.push(part);
            let manifest = base.join(&at).join("Cargo.toml");
            let declares = *self
                .declares_workspace
                .entry(manifest.clone())
                .or_insert_with(|| {
                    read_small(&manifest).is_some_and(|text| {
                        text.lines()
                            .any(|l| l.trim_start().starts_with("[workspace]"))
                    })
                });
            if declares {
                return Some(at.to_string_lossy().replace('\\', "/"));
            }
        }
        None
    }

    /// Hands over an invocation that builds this workspace, once per written command.
    fn reached(
        &mut self,
        at: &Written<'_, '_>,
        context: &str,
        invocation: Invocation,
        each: &[Invocation],
    ) {
        if let Some(site) = self.site(at, &invocation) {
            self.visit.reached(site, context, invocation, each);
        }
    }

    /// Hands over an invocation counted apart, once per written command.
    fn apart(&mut self, at: &Written<'_, '_>, invocation: &Invocation, context: &str, why: Apart) {
        if let Some(site) = self.site(at, invocation) {
            self.visit.apart(site, context, invocation, why);
        }
    }

    /// Where an invocation is written, or `None` when the same written command was reached
    /// before (a YAML alias or merge key): it is handed over once.
    fn site(&mut self, at: &Written<'_, '_>, invocation: &Invocation) -> Option<Site> {
        let Some(spot) = at.spot else {
            return Some(Site {
                rel: at.rel.to_owned(),
                at: None,
            });
        };
        // An action step's invocation sits at the step itself.
        let offset = if spot.step {
            spot.offset
        } else {
            spot.offset + invocation.offset
        };
        if !self
            .seen
            .insert((at.rel.to_owned(), offset, invocation.command.clone()))
        {
            return None;
        }
        // On a continued line after the first, it is placed on its own physical line, found
        // in the raw text after the first.
        if !spot.step
            && let Some((start, physical)) = at.line.continued_at(invocation.offset)
            && let Some(found) = at.physical_start(physical, spot.offset)
            && let Some(into) = at.line.text.get(start..invocation.offset)
        {
            let raw = found + into.len();
            return Some(Site {
                rel: at.rel.to_owned(),
                at: Some(gate_support::text::line_col(at.text, raw)),
            });
        }
        let column = if !spot.step && invocation.offset < at.line.first_physical_len {
            spot.column + count_chars(&at.line.text[..invocation.offset])
        } else {
            spot.column
        };
        let (line_no, _) = gate_support::text::line_col(at.text, spot.offset);
        Some(Site {
            rel: at.rel.to_owned(),
            at: Some((line_no, column)),
        })
    }
}

/// Where a line is written: its file, and the line and column it starts at.
fn line_site(at: &Written<'_, '_>) -> Site {
    Site {
        rel: at.rel.to_owned(),
        at: at.spot.map(|spot| {
            let (line_no, _) = gate_support::text::line_col(at.text, spot.offset);
            (line_no, spot.column)
        }),
    }
}

/// Where each of a script's lines is written in the raw file (`None` for one not found).
/// The parser says where the script is written: its lines are searched from there (the same
/// written line reached again through an alias lands on the same spot).
fn spots(text: &str, script: &Script, lines: &[LogicalLine<'_>]) -> Vec<Option<Spot>> {
    let mut cursor = text[..script.at.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    match &script.place {
        Place::Action { uses } => {
            // The command is written nowhere: its invocations sit at the step's
            // `command:` input.
            let spot = action_step(text, cursor, uses);
            vec![spot; lines.len()]
        }
        // Not under a `run:` key of its own (an aliased step, flow style): search the raw
        // text as for GitLab.
        Place::Run => {
            run_spots(text, cursor, lines).unwrap_or_else(|| search_text(text, &mut cursor, lines))
        }
        Place::Text => search_text(text, &mut cursor, lines),
    }
}

/// The spot of byte `offset` of `text` (its 1-based char column); `step`: every invocation
/// of the line sits there (an exec-form `RUN`, whose words are not written as a line).
fn spot_at(text: &str, offset: usize, step: bool) -> Spot {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    Spot {
        offset,
        column: count_chars(&text[line_start..offset]) + 1,
        step,
    }
}

/// A regular file of at most 1 MiB (a link followed), as text: what the walk reads beside
/// the CI files (cargo's config, a manifest, git's config). A FIFO or device in their place
/// is never opened, so the walk cannot hang on one.
pub(crate) fn read_small(path: &Path) -> Option<String> {
    gate_support::read::text_capped(path, 1 << 20).ok()
}

/// The cargo aliases (`[alias]`) of the `.cargo/config.toml` (or `.cargo/config`) files from
/// the workspace root up to the repository's top, the nearest first, as cargo reads them for
/// a command run in the workspace: a string is split on blanks, a list taken as its words.
/// A file that does not parse gives none (cargo itself would refuse it).
pub(crate) fn cargo_aliases(root: &Path, top: Option<&Path>) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    let mut dir = Some(root);
    while let Some(at) = dir {
        for name in ["config.toml", "config"] {
            let Some(text) = read_small(&at.join(".cargo").join(name)) else {
                continue;
            };
            let Ok(doc) = text.parse::<toml::Table>() else {
                continue;
            };
            let Some(table) = doc.get("alias").and_then(toml::Value::as_table) else {
                continue;
            };
            for (alias, value) in table {
                let words: Vec<String> = match value {
                    toml::Value::String(s) => s.split_whitespace().map(str::to_owned).collect(),
                    toml::Value::Array(items) => items
                        .iter()
                        .filter_map(|i| i.as_str().map(str::to_owned))
                        .collect(),
                    _ => continue,
                };
                if !out.iter().any(|(known, _)| known == alias) {
                    out.push((alias.clone(), words));
                }
            }
        }
        if top.is_none_or(|t| t == at) {
            break;
        }
        dir = at.parent();
    }
    out
}

/// `owner/name` of the repository's `origin` remote (`https://host/owner/name.git`,
/// `git@host:owner/name.git`), read from `<top>/.git/config`; `None` when there is none.
pub(crate) fn origin_repository(top: &Path) -> Option<String> {
    let config = read_small(&top.join(".git").join("config"))?;
    let mut in_origin = false;
    for line in config.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_origin = line == "[remote \"origin\"]";
        } else if in_origin
            && let Some((key, url)) = line.split_once('=')
            && key.trim() == "url"
        {
            let url = url.trim().trim_end_matches('/');
            let url = url.strip_suffix(".git").unwrap_or(url);
            let mut parts = url.rsplit(['/', ':']);
            let name = parts.next().filter(|n| !n.is_empty())?;
            let owner = parts.next().filter(|o| !o.is_empty())?;
            return Some(format!("{owner}/{name}"));
        }
    }
    None
}

#[cfg(test)]
mod tests;
