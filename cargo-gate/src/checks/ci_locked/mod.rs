//! `ci.locked`: every cargo build, test, run, check, clippy, bench, install, doc and
//! `nextest run` in the CI configuration (and the plugins that build with cargo's flags:
//! `miri test|run`, `hack … check`, `llvm-cov`, `chef cook`) passes `--locked` or `--frozen`
//! (or `--offline` when Cargo.lock exists), so CI builds exactly the committed lockfile.
//! `cargo minimal-versions` is noted, never judged: it resolves the lowest versions on
//! purpose.
//!
//! Read as YAML with node positions (`crate::yaml`, saphyr; merge keys applied):
//!
//! - GitHub Actions: `.github/workflows/*.yml` and `*.yaml`, every `jobs.*.steps[*].run`.
//! - GitLab CI: `.gitlab-ci.yml`, every job's `script`, `before_script` and `after_script`
//!   (nested lists from anchors flattened; hidden `.template` jobs included, since jobs
//!   `extends` them), and the top-level and `default:` `before_script`/`after_script`.
//!
//! A workspace below its repository's root (a monorepo's `crates/engine`) is also judged by
//! the root's CI files, which are the ones GitHub and GitLab run, named from the workspace
//! (`../../.github/workflows/ci.yml`): only their invocations that reach it count, followed
//! through `working-directory` (the step's, the job's or workflow's `defaults.run`), `cd` and
//! `pushd` (carried from line to line) and `--manifest-path` (`reach`); the others are
//! counted apart as running elsewhere, and one whose directory is an expansion is a note.
//!
//! What CI hands its builds to is read too (`spawned`): the Dockerfile a `docker build
//! -f F` (`docker buildx build`, `podman build`, `docker/build-push-action`) builds, whose
//! `RUN` instructions are its commands (with its `ARG`s, given by the build's `--build-arg`s
//! or the action's `build-args:`, which may read the job's matrix, and its `ENV`s), a script
//! a step runs (`./bin/package`, `bash scripts/release.sh`, followed one script deeper), and
//! the recipes `make TARGET` or `just RECIPE` runs (`recipes`: with their prerequisites, the
//! file's variables and the command line's); their invocations are judged at their own
//! file:line. Only regular files inside the repository, of at most 1 MiB, are read.
//!
//! A cargo alias of `.cargo/config.toml` (`xtask = "run --package xtask --"`) is judged as
//! the words it stands for. A job that checks out another repository (`actions/checkout`
//! with `repository:`, not this one's `origin`) builds that repository in the directory it
//! checked out to: those invocations are notes, not counted. A job that rewrites Cargo.lock
//! on purpose (`cargo update`, `cargo generate-lockfile`) tests the newest versions: what it
//! builds after that is a note too.
//!
//! Each script is split into lines (a trailing `\` continues a line) and each line into shell
//! commands (`;`, `&&`, `||`, `|`, `&`, parentheses, quotes respected; a GitHub expression
//! `${{ … }}` is one word, whatever it holds). Variables that the workflow's, job's or step's
//! `env:` defines (`$NAME`, `${NAME}`, `${{ env.NAME }}`) are replaced by their values, as the
//! shell would split them. A command whose word is `cargo` (or a path ending in `/cargo`),
//! `cross`, or an expansion whose variable's name says it holds cargo (`CARGO`, `*_CARGO`,
//! `CARGO_BIN`, `CARGO_CMD`, `CARGO_COMMAND`, `CARGO_EXE`, from `env`, `matrix`, `vars` or
//! `inputs`) and that `env:` does not define otherwise, with an optional `+toolchain`, is an
//! invocation. Steps that run cargo through an action (`actions-rs/cargo` and its forks:
//! `command:`, `args:`, `use-cross:`) are invocations located at their `command:` input (at
//! their `uses:` when that input is not written on its own line). Without a committed
//! Cargo.lock, --locked cannot be added yet: such invocations are notes and the check is
//! blocked by `lockfile.locked` (`cargo install` builds its crate's own lockfile and is judged
//! regardless). Flags after a bare `--` belong to the program, not cargo, and do not count.
//! An invocation whose flags or subcommand come partly from an expansion the gate cannot
//! expand (`$VAR` that `env:` does not define, `${{ matrix.… }}`) cannot be judged and warns,
//! unless it passes --locked anyway. An expansion that is an option's value (`--target
//! ${{ matrix.target }}`, `-p $CRATE`, `--features=…`) is not such a flag: it can never be
//! `--locked`, and the invocation is judged. Where the job's `strategy.matrix` is written out
//! (include and exclude applied, `matrix`), a line that reads `${{ matrix.… }}` is judged
//! with each combination's values and counts once, as the worst of them (naming the
//! combination that leaves it unlocked); an axis of objects gives each object's leaves
//! (`${{ matrix.target.options }}`), and `${{ env[matrix.KEY] }}` the `env:` entry the value
//! names. `cargo xtask …` with no alias defined (commands the gate cannot see) is a note.
//!
//! The parser says where each script is written (a GitHub step's `run:` key, an action step,
//! a GitLab script item — inside the template for one merged in with `<<`); its lines are
//! found in the raw text from there: a GitHub step's lines only inside that `run:` block
//! (never in a `name:`, `if:` or an action's inputs that repeat the command), GitLab's
//! searching onward (YAML comment lines and other keys' values skipped). The column is that
//! of `cargo`. The same written line reached again through
//! a YAML alias or merge key counts once. A file that is not valid YAML fails with the
//! parser's line and column. No CI configuration at all warns: nothing shows how CI builds.
//!
//! # Layout
//!
//! This module is the check: its finding codes, the tally over the CI files and the findings
//! it reports. Its children read the CI files and never import from it: `github` and `gitlab`
//! (each provider's file format: the YAML walk to the scripts, and for GitHub where a step's
//! lines are written), `model` (the scripts they hand over), `raw` (the raw text's lines and
//! keys, where a script line is written), `invocations` (the cargo invocations of a shell line)
//! and `shell` (the shell-word parser: logical lines, commands, words with their spans).

mod github;
mod gitlab;
mod invocations;
mod matrix;
mod model;
mod raw;
mod reach;
mod recipes;
mod shell;
mod spawned;

use crate::check::{Check, CheckMeta, Code, Context, Finding, Location, Outcome, Severity};
use crate::stage::Stage;
use github::{GITHUB_DIR, action_step, github_scripts, run_spots};
use gitlab::{GITLAB_FILE, gitlab_scripts};
use invocations::{Invocation, Kind, invocations};
use model::{OtherCheckout, Place, Script};
use raw::{Spot, count_chars, search_text, to_u32};
use shell::{LogicalLine, logical_lines};
use std::collections::HashSet;
use std::path::Path;

/// The `ci.locked` check.
#[derive(Debug)]
pub struct CiLocked;

static META: CheckMeta = CheckMeta {
    id: "ci.locked",
    stage: Stage::Controlled,
    summary: "every cargo build/test/run/check/clippy/bench/install/doc/nextest call in CI \
              configs passes --locked or --frozen",
    fix: "add --locked to each cargo command in .github/workflows/*.yml and .gitlab-ci.yml \
          (`cargo gate init` writes a CI workflow that does)",
    codes: FindingCode::ALL,
    config: &[],
};

crate::finding_codes! {
    /// The codes of this check's findings (their names are stable: never renamed).
    pub enum FindingCode {
        CargoWithoutLocked => Code {
            name: "cargo-without-locked",
            summary: "a CI cargo call that builds without --locked or --frozen",
        },
        NoCiConfig => Code {
            name: "no-ci-config",
            summary: "no CI configuration found",
        },
        SubcommandUnexpandable => Code {
            name: "subcommand-unexpandable",
            summary: "a CI cargo call whose subcommand comes from a variable the gate cannot expand",
        },
        FlagsUnexpandable => Code {
            name: "flags-unexpandable",
            summary: "a CI cargo call whose flags come from a variable the gate cannot expand",
        },
        UnreadableFile => Code {
            name: "unreadable-file",
            summary: "a CI file could not be read",
        },
        InvalidYaml => Code {
            name: "invalid-yaml",
            summary: "a CI file is not valid YAML",
        },
    }
}

impl Check for CiLocked {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        let root = &ctx.workspace.root;
        // A workspace below its repository's root is built by the root's CI files.
        let below = ctx
            .workspace
            .git
            .as_ref()
            .and_then(|git| Some((git.toplevel.canonicalize().ok()?, root.canonicalize().ok()?)))
            .and_then(|(top, ws)| {
                let rel = ws.strip_prefix(&top).ok()?.to_path_buf();
                (!rel.as_os_str().is_empty()).then_some((top, rel))
            });
        let files = match ci_files(
            root,
            below
                .as_ref()
                .map(|(top, rel)| (top.as_path(), rel.as_path())),
        ) {
            Ok(files) => files,
            Err(finding) => {
                return Outcome::fail("CI configuration unreadable").with_finding(finding);
            }
        };
        if files.is_empty() {
            let looked = if below.is_some() {
                " here or at the repository's root"
            } else {
                ""
            };
            return Outcome::warn(format!(
                "no CI configuration ({GITHUB_DIR}/*.yml or {GITLAB_FILE}){looked}: nothing shows \
                 that CI builds with --locked"
            ))
            .with_finding(
                Finding::warning(
                    "no CI configuration found (fix: `cargo gate init` writes one whose cargo \
                     calls pass --locked)",
                )
                .code(FindingCode::NoCiConfig)
                .at(Location::file(GITHUB_DIR)),
            );
        }
        let top = ctx.workspace.git.as_ref().map(|git| git.toplevel.as_path());
        let mut judge = Judge {
            lock_exists: root.join("Cargo.lock").is_file(),
            root: root.clone(),
            ours: top.and_then(origin_repository),
            aliases: cargo_aliases(root, top),
            ..Judge::default()
        };
        if let Some((top, rel)) = below {
            judge.top = Some(top);
            judge.scope = Some(rel);
        }
        for CiFile { rel, text, scoped } in &files {
            match parse(rel, text, judge.ours.as_deref()) {
                Ok(scripts) => judge.file(rel, text, &scripts, *scoped),
                Err(finding) => {
                    judge.malformed += 1;
                    judge.findings.push(finding);
                }
            }
        }
        judge.outcome(&files)
    }
}

/// The tally over all CI files.
#[derive(Debug, Default)]
struct Judge {
    lock_exists: bool,
    findings: Vec<Finding>,
    /// Invocations judged (locked or not).
    judged: usize,
    malformed: usize,
    unlocked: usize,
    unjudgeable: usize,
    /// Unlocked invocations that could not pass --locked, because there is no Cargo.lock.
    needs_lockfile: usize,
    /// Located invocations already judged (file, byte offset, command): the same written line
    /// reached again through a YAML alias or merge key counts once.
    seen: HashSet<(String, usize, String)>,
    /// Where the workspace sits below its repository's root, when it does: the root's CI
    /// files count only with the invocations that reach it (`reach`).
    scope: Option<std::path::PathBuf>,
    /// Invocations of the root's CI files that run in another directory of the repository.
    elsewhere: usize,
    /// Invocations of the root's CI files whose directory the gate cannot follow.
    unplaced: usize,
    /// The workspace root (the base of its own CI files' paths).
    root: std::path::PathBuf,
    /// The repository root, when the workspace is below it (the base of the root's CI
    /// files' paths).
    top: Option<std::path::PathBuf>,
    /// Dockerfiles and scripts judged, by path from the workspace root.
    spawned_files: std::collections::BTreeSet<String>,
    /// This repository's `owner/name` (its `origin` remote), when known.
    ours: Option<String>,
    /// Invocations that run in a checkout of another repository, by repository.
    other_repositories: std::collections::BTreeMap<String, usize>,
    /// The cargo aliases CI's commands see (`[alias]` of `.cargo/config.toml`).
    aliases: Vec<(String, Vec<String>)>,
    /// Invocations of jobs that rewrote Cargo.lock on purpose first (`cargo update`).
    afresh: usize,
    /// Invocations that run in a workspace of its own below this one, by its directory.
    other_workspaces: std::collections::BTreeMap<String, usize>,
    /// Whether a `Cargo.toml` declares a `[workspace]`, by path (read once).
    declares_workspace: std::collections::HashMap<std::path::PathBuf, bool>,
}

impl Judge {
    /// Judges the scripts of one CI file; `scoped`: a file at the repository's root, above
    /// the workspace, whose invocations count only where they reach it.
    fn file(&mut self, rel: &str, text: &str, scripts: &[Script], scoped: bool) {
        let scope = self.scope.clone().filter(|_| scoped);
        // Jobs that rewrote Cargo.lock or a manifest on purpose earlier, with the command.
        let mut updated: std::collections::HashMap<String, String> =
            std::collections::HashMap::new();
        for script in scripts {
            let lines = logical_lines(&script.text);
            let spots = spots(text, script, &lines);
            let mut dir: reach::Dir = match &script.working_directory {
                Some(written) => reach::join(std::path::Path::new(""), written),
                None => Some(std::path::PathBuf::new()),
            };
            for (line, spot) in lines.iter().zip(spots) {
                let (starts, next) = reach::walk(&line.text, &dir);
                let env = Vars {
                    env: &script.env,
                    matrix: &script.matrix,
                };
                let job_updated = script
                    .job
                    .as_ref()
                    .and_then(|job| updated.get(job))
                    .cloned();
                let update = invocations::rewrites_lockfile(&line.text);
                if let (Some(job), Some((_, command))) = (&script.job, &update)
                    && !updated.contains_key(job)
                {
                    updated.insert(job.to_owned(), command.clone());
                }
                for (invocation, context) in self.judged_line(&line.text, env, &script.context) {
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
                        let at = Written {
                            rel,
                            text,
                            line,
                            spot,
                        };
                        self.resolved_afresh(&at, &invocation, &context, &by);
                        continue;
                    }
                    let runs_in = reach::at(&starts, invocation.offset, &dir);
                    let in_dir = reach::effective(&runs_in, invocation.manifest_path.as_deref());
                    let at = Written {
                        rel,
                        text,
                        line,
                        spot,
                    };
                    if let Some(other) =
                        OtherCheckout::holding(&script.checkouts, in_dir.as_deref())
                    {
                        self.other_repository(&at, &invocation, &context, other);
                        continue;
                    }
                    if self.reaches(scope.as_deref(), &runs_in, &at, &invocation, &context) {
                        self.invocation(rel, text, &context, line, spot, invocation);
                    }
                }
                for spawn in spawned::started(&line.text, &starts, &dir) {
                    // A file of another repository's checkout is not this repository's file.
                    if OtherCheckout::holding(&script.checkouts, spawn.dir.as_deref()).is_none() {
                        self.spawned(&spawn, scoped, &script.context, &script.matrix, 0);
                    }
                }
                dir = next;
            }
        }
    }

    /// The invocations of one line, each with the context its findings name. A line that
    /// reads `${{ matrix.… }}` in a job whose matrix is written out is judged once per
    /// combination, and each written invocation counts once, as the worst of them: unlocked
    /// when some combination leaves it unlocked (the context names that combination),
    /// unjudgeable when some combination still cannot be expanded, else locked.
    fn judged_line(&self, line: &str, vars: Vars<'_>, context: &str) -> Vec<(Invocation, String)> {
        let written = invocations(line, self.lock_exists, vars.env, None, &self.aliases);
        let reads_matrix =
            line.contains("matrix.") || vars.env.iter().any(|(_, v)| v.contains("matrix."));
        if vars.matrix.is_empty() || !reads_matrix {
            return written
                .into_iter()
                .map(|i| (i, context.to_owned()))
                .collect();
        }
        let each: Vec<Vec<Invocation>> = vars
            .matrix
            .iter()
            .map(|combo| invocations(line, self.lock_exists, vars.env, Some(combo), &self.aliases))
            .collect();
        // A value that changes which commands the line runs (`&&` in a matrix value) is not
        // merged: the line is judged as written.
        if each.iter().any(|found| found.len() != written.len()) {
            return written
                .into_iter()
                .map(|i| (i, context.to_owned()))
                .collect();
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
                    format!("{context}, matrix {}", matrix::describe(combo))
                } else {
                    context.to_owned()
                };
                (invocation, context)
            })
            .collect()
    }

    /// Whether an invocation of a file above the workspace (`scope`: the workspace's path in
    /// the repository) reaches it, running in `runs_in`; counts those that run elsewhere,
    /// and notes those whose directory cannot be followed. Without a scope, every one does.
    fn reaches(
        &mut self,
        scope: Option<&std::path::Path>,
        runs_in: &reach::Dir,
        at: &Written<'_, '_>,
        invocation: &Invocation,
        context: &str,
    ) -> bool {
        let effective = reach::effective(runs_in, invocation.manifest_path.as_deref());
        // A directory below the workspace root that holds a workspace of its own (a `fuzz/`
        // workspace, a separately published crate) builds that workspace's lockfile.
        let workspace = scope.unwrap_or(std::path::Path::new(""));
        if let Some(d) = &effective
            && reach::inside(d, workspace)
            && let Some(other) = self.nested_workspace(scope.is_some(), workspace, d)
        {
            let why = format!(
                "runs in `{other}`, a workspace of its own: it builds that workspace's \
                 lockfile, not this one's; not counted"
            );
            if self.counted_apart(at, invocation, context, &why) {
                *self.other_workspaces.entry(other).or_default() += 1;
            }
            return false;
        }
        let Some(scope) = scope else {
            return true;
        };
        match effective {
            Some(d) if reach::inside(&d, scope) => true,
            Some(_) => {
                self.elsewhere += 1;
                false
            }
            None => {
                self.unplaced += 1;
                if let Some(location) = self.location(at.rel, at.text, at.line, at.spot, invocation)
                {
                    self.findings.push(
                        Finding::note(format!(
                            "`{}` ({context}) runs in a directory the gate cannot follow (an \
                             expansion in `cd` or `working-directory`): whether it builds this \
                             workspace is unknown; not counted",
                            invocation.command
                        ))
                        .at(location),
                    );
                }
                false
            }
        }
    }

    /// The directory between `workspace` (exclusive) and `dir` (inclusive), both relative to
    /// the CI files' base (the repository root when `scoped`, else the workspace root), whose
    /// `Cargo.toml` declares a `[workspace]` of its own: cargo run there builds that one.
    fn nested_workspace(
        &mut self,
        scoped: bool,
        workspace: &std::path::Path,
        dir: &std::path::Path,
    ) -> Option<String> {
        let base = if scoped {
            self.top.clone()?
        } else {
            self.root.clone()
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

    /// Judges the cargo calls of a Dockerfile or script a CI command starts ([`spawned`]),
    /// at their own file:line; a script's own scripts are followed one level deeper.
    /// `scoped`: started from a file above the workspace.
    fn spawned(
        &mut self,
        spawn: &spawned::Spawn,
        scoped: bool,
        by: &str,
        matrix: &[matrix::Combination],
        depth: u8,
    ) {
        let scope = self.scope.clone().filter(|_| scoped);
        let (base, prefix) = match (&self.top, scoped) {
            (Some(top), true) => (
                top.clone(),
                "../".repeat(scope.as_ref().map_or(0, |s| s.components().count())),
            ),
            _ => (self.root.clone(), String::new()),
        };
        // A task runner that names no file reads the first of its names in its directory, as
        // the directory spells it (on a file system that ignores case, `makefile` would open
        // `Makefile` and be reported under the wrong name).
        let candidates: Vec<std::path::PathBuf> = match spawn.kind {
            spawned::Started::Recipes(runner) if base.join(&spawn.path).is_dir() => {
                let present: Vec<String> = std::fs::read_dir(base.join(&spawn.path))
                    .into_iter()
                    .flatten()
                    .filter_map(|e| e.ok()?.file_name().into_string().ok())
                    .collect();
                runner
                    .file_names()
                    .iter()
                    .filter(|name| present.iter().any(|p| p == *name))
                    .map(|name| spawn.path.join(name))
                    .collect()
            }
            _ => vec![spawn.path.clone()],
        };
        let Some((file, full)) = candidates
            .into_iter()
            .find_map(|c| Some((c.clone(), spawned::readable(&base, &c)?)))
        else {
            return;
        };
        let Ok(text) = std::fs::read_to_string(&full) else {
            return;
        };
        let path = file.to_string_lossy().replace('\\', "/");
        let rel = format!("{prefix}{path}");
        match spawn.kind {
            spawned::Started::Dockerfile => {
                // Inside an image there is no repository directory to follow: a Dockerfile
                // counts for a workspace below the root when it lies in the workspace.
                if scope
                    .as_ref()
                    .is_some_and(|s| !reach::inside(&spawn.path, s))
                {
                    return;
                }
                self.spawned_files.insert(rel.clone());
                let context = format!("Dockerfile built by {by}");
                // Read in one pass: each RUN sees the variables defined before it.
                let mut docker_vars = spawned::DockerVars::new(&spawn.vars);
                for (start, command) in spawned::dockerfile_runs(&text) {
                    let env = docker_vars.advance(&text, start);
                    let exec = spawned::exec_form(command);
                    let shell = exec.clone().unwrap_or_else(|| command.to_owned());
                    for line in logical_lines(&shell) {
                        let offset = if exec.is_some() {
                            start
                        } else {
                            start
                                + (line.first_physical.as_ptr() as usize - shell.as_ptr() as usize)
                        };
                        let spot = Some(spot_at(&text, offset, exec.is_some()));
                        // Its `ARG`s (given by the build's `--build-arg`s, which may read the
                        // job's matrix) and `ENV`s are the variables its commands see.
                        let vars = Vars { env, matrix };
                        for (invocation, context) in self.judged_line(&line.text, vars, &context) {
                            self.invocation(&rel, &text, &context, &line, spot, invocation);
                        }
                    }
                }
            }
            spawned::Started::Script => {
                if !spawned::is_shell_script(&spawn.path, &text) {
                    return;
                }
                let context = format!("script run by {by}");
                let file = ShellFile {
                    rel: &rel,
                    text: &text,
                    commands: &text,
                    env: &[],
                    line_by_line: false,
                    dirs: &[],
                };
                self.shell_file(&file, spawn, scoped, &context, depth);
            }
            spawned::Started::Recipes(runner) => {
                let masked = recipes::mask(runner, &text, &spawn.targets, &spawn.vars);
                if masked.ran.is_empty() {
                    return;
                }
                let program = match runner {
                    recipes::Runner::Make => "make",
                    recipes::Runner::Just => "just",
                };
                let context = format!("`{program} {}` run by {by}", masked.ran.join(" "));
                let file = ShellFile {
                    rel: &rel,
                    text: &text,
                    commands: &masked.text,
                    env: &masked.vars,
                    line_by_line: true,
                    dirs: &masked.dirs,
                };
                self.shell_file(&file, spawn, scoped, &context, depth);
            }
        }
    }

    /// Judges the shell lines of a script or of the recipes a task runner runs, at their own
    /// file:line, from the directory the file was started in; a file they start in turn is
    /// followed once (`depth` 0).
    fn shell_file(
        &mut self,
        file: &ShellFile<'_>,
        spawn: &spawned::Spawn,
        scoped: bool,
        context: &str,
        depth: u8,
    ) {
        let scope = self.scope.clone().filter(|_| scoped);
        self.spawned_files.insert(file.rel.to_owned());
        let mut dir = spawn.dir.clone();
        for line in logical_lines(file.commands) {
            // `commands` is `text` or a copy of the same length: offsets are the file's.
            let offset = line.first_physical.as_ptr() as usize - file.commands.as_ptr() as usize;
            let spot = Some(spot_at(file.text, offset, false));
            if file.line_by_line {
                // Each recipe line starts in the file's directory, or its recipe's own.
                dir = match file.dirs.iter().find(|(range, _)| range.contains(&offset)) {
                    Some((_, to)) => spawn.dir.as_deref().and_then(|d| reach::join(d, to)),
                    None => spawn.dir.clone(),
                };
            }
            let (starts, next) = reach::walk(&line.text, &dir);
            let vars = Vars {
                env: file.env,
                matrix: &[],
            };
            for (mut invocation, context) in self.judged_line(&line.text, vars, context) {
                // Shown as written in the file, not as the masked copy reads.
                let end = invocation.offset + invocation.command.len();
                if end <= line.first_physical_len
                    && let Some(written) = file.text.get(offset + invocation.offset..offset + end)
                {
                    written.clone_into(&mut invocation.command);
                }
                let runs_in = reach::at(&starts, invocation.offset, &dir);
                let at = Written {
                    rel: file.rel,
                    text: file.text,
                    line: &line,
                    spot,
                };
                if self.reaches(scope.as_deref(), &runs_in, &at, &invocation, &context) {
                    self.invocation(file.rel, file.text, &context, &line, spot, invocation);
                }
            }
            if depth == 0 {
                for inner in spawned::started(&line.text, &starts, &dir) {
                    self.spawned(&inner, scoped, &format!("`{}`", file.rel), &[], depth + 1);
                }
            }
            dir = next;
        }
    }

    /// Notes an invocation of a job that rewrote Cargo.lock or a manifest on purpose before
    /// it (`by`: `cargo update`, `sd … Cargo.toml`): it builds what the job means to change,
    /// so `--locked` cannot apply; not counted.
    fn resolved_afresh(
        &mut self,
        at: &Written<'_, '_>,
        invocation: &Invocation,
        context: &str,
        by: &str,
    ) {
        let why = format!(
            "runs after `{by}` in its job, which rewrites the lockfile or a manifest on \
             purpose: --locked cannot apply; not counted"
        );
        if self.counted_apart(at, invocation, context, &why) {
            self.afresh += 1;
        }
    }

    /// Notes an invocation that runs in a checkout of another repository (`actions/checkout`
    /// with `repository:`): it builds that repository's lockfile, not this workspace's, so it
    /// is counted apart and not judged.
    fn other_repository(
        &mut self,
        at: &Written<'_, '_>,
        invocation: &Invocation,
        context: &str,
        other: &OtherCheckout,
    ) {
        let place = if other.path.as_os_str().is_empty() {
            String::new()
        } else {
            format!(" in `{}`", other.path.display())
        };
        let why = format!(
            "runs in a checkout of {}{place} (actions/checkout with `repository:`), not this \
             workspace: not judged",
            other.repository
        );
        if self.counted_apart(at, invocation, context, &why) {
            *self
                .other_repositories
                .entry(other.repository.clone())
                .or_default() += 1;
        }
    }

    /// Notes ``"`COMMAND` (CONTEXT) WHY"`` at the invocation, for one that builds another
    /// lockfile than this workspace's and is counted apart; `false` when the same written
    /// command was reached before (it counts once).
    fn counted_apart(
        &mut self,
        at: &Written<'_, '_>,
        invocation: &Invocation,
        context: &str,
        why: &str,
    ) -> bool {
        let Some(location) = self.location(at.rel, at.text, at.line, at.spot, invocation) else {
            return false;
        };
        self.findings.push(
            Finding::note(format!("`{}` ({context}) {why}", invocation.command)).at(location),
        );
        true
    }

    /// Where an invocation is reported, or `None` when the same written command was reached
    /// before (a YAML alias or merge key): it counts once.
    fn location(
        &mut self,
        rel: &str,
        text: &str,
        line: &LogicalLine<'_>,
        spot: Option<Spot>,
        invocation: &Invocation,
    ) -> Option<Location> {
        let Some(spot) = spot else {
            return Some(Location::file(rel));
        };
        // The same written command reached again (a YAML alias or merge key) counts
        // once. An action step's invocation sits at the step itself.
        let at = if spot.step {
            spot.offset
        } else {
            spot.offset + invocation.offset
        };
        if !self
            .seen
            .insert((rel.to_owned(), at, invocation.command.clone()))
        {
            return None;
        }
        let column = if !spot.step && invocation.offset < line.first_physical_len {
            spot.column + count_chars(&line.text[..invocation.offset])
        } else {
            spot.column
        };
        let (line_no, _) = crate::config::line_col(text, spot.offset);
        Some(Location::at(rel, line_no, column))
    }

    /// Judges one invocation: counts it, and reports it unless it is locked.
    fn invocation(
        &mut self,
        rel: &str,
        text: &str,
        context: &str,
        line: &LogicalLine<'_>,
        spot: Option<Spot>,
        invocation: Invocation,
    ) {
        let Some(location) = self.location(rel, text, line, spot, &invocation) else {
            return;
        };
        let what = match &invocation.alias {
            Some((alias, words)) => format!(
                "`{}` ({context}; the cargo alias `{alias}` runs `cargo {words}`)",
                invocation.command
            ),
            None => format!("`{}` ({context})", invocation.command),
        };
        match invocation.kind {
            Kind::Alias => self.findings.push(
                Finding::note(format!(
                    "{what} runs a cargo alias whose commands the gate cannot see; not judged"
                ))
                .at(location),
            ),
            Kind::MinimalVersions => self.findings.push(
                Finding::note(format!(
                    "{what} resolves the lowest versions the manifests allow on purpose, so \
                     --locked cannot apply; not judged"
                ))
                .at(location),
            ),
            Kind::Judged { locked: true, .. } => self.judged += 1,
            Kind::Unknown { expansion } => {
                self.judged += 1;
                self.unjudgeable += 1;
                self.findings.push(
                    Finding::warning(format!(
                        "{what} has no --locked or --frozen, and its subcommand comes from \
                         `{expansion}`, which the gate cannot expand: whether it builds cannot \
                         be judged (fix: write --locked literally)"
                    ))
                    .code(FindingCode::SubcommandUnexpandable)
                    .at(location),
                );
            }
            Kind::Judged {
                locked: false,
                expansion: Some(var),
            } => {
                self.judged += 1;
                self.unjudgeable += 1;
                self.findings.push(
                    Finding::warning(format!(
                        "{what} has no --locked or --frozen, but its flags come partly from \
                         `{var}`, which the gate cannot expand (fix: write --locked literally)"
                    ))
                    .code(FindingCode::FlagsUnexpandable)
                    .at(location),
                );
            }
            Kind::Judged {
                locked: false,
                expansion: None,
            } if !self.lock_exists && !invocation.install => {
                // Without a committed Cargo.lock, --locked would make this command fail: the
                // one cause is the missing lockfile (lockfile.locked), not this line.
                self.judged += 1;
                self.needs_lockfile += 1;
                self.findings.push(
                    Finding::note(format!(
                        "{what} does not pass --locked; with no Cargo.lock committed it could \
                         not (commit Cargo.lock, then add --locked)"
                    ))
                    .at(location),
                );
            }
            Kind::Judged {
                locked: false,
                expansion: None,
            } => {
                self.judged += 1;
                self.unlocked += 1;
                let alternatives = if self.lock_exists {
                    ", --frozen or --offline"
                } else {
                    " or --frozen"
                };
                self.findings.push(
                    Finding::error(format!(
                        "{what} does not pass --locked{alternatives}: CI may resolve \
                         dependencies afresh instead of building Cargo.lock (fix: add --locked)"
                    ))
                    .code(FindingCode::CargoWithoutLocked)
                    .at(location),
                );
            }
        }
    }

    fn outcome(self, files: &[CiFile]) -> Outcome {
        let names: Vec<&str> = files.iter().map(|f| f.rel.as_str()).collect();
        let judged = self.judged;
        let elsewhere = match (&self.scope, self.elsewhere, self.unplaced) {
            (None, ..) | (_, 0, 0) => String::new(),
            (Some(scope), elsewhere, unplaced) => {
                let unplaced = if unplaced > 0 {
                    format!(", {unplaced} in a directory the gate cannot follow")
                } else {
                    String::new()
                };
                format!(
                    " reaching {} ({elsewhere} other(s) of the repository's CI run elsewhere{unplaced})",
                    scope.display()
                )
            }
        };
        let run_by_ci = if self.spawned_files.is_empty() {
            String::new()
        } else {
            let list: Vec<&str> = self.spawned_files.iter().map(String::as_str).collect();
            format!(
                " and {} file(s) they build or run ({})",
                list.len(),
                list.join(", ")
            )
        };
        let others = [
            not_counted(
                "in checkouts of other repositories",
                &self.other_repositories,
            ),
            not_counted(
                "in other workspaces of the repository",
                &self.other_workspaces,
            ),
        ]
        .concat();
        let others = if self.afresh == 0 {
            others
        } else {
            format!(
                "{others}; not counted: {} after their job rewrote Cargo.lock or a manifest",
                self.afresh
            )
        };
        let checked = format!(
            "{judged} cargo invocation(s){elsewhere} in {} CI file(s) ({}){run_by_ci}{others}",
            files.len(),
            names.join(", ")
        );
        if self.needs_lockfile > 0 && !self.findings.iter().any(|f| f.severity == Severity::Error) {
            let alone = Outcome::fail(format!(
                "{} of {judged} cargo invocation(s) lack --locked",
                self.needs_lockfile
            ))
            .with_findings(self.findings.clone());
            return Outcome::blocked(
                "lockfile.locked",
                format!(
                    "{} of {judged} cargo invocation(s) lack --locked, which needs a committed Cargo.lock first",
                    self.needs_lockfile
                ),
                alone,
            )
            .with_findings(self.findings);
        }
        if self.findings.iter().any(|f| f.severity == Severity::Error) {
            let mut parts = Vec::new();
            if self.unlocked + self.needs_lockfile > 0 {
                parts.push(format!(
                    "{} of {judged} cargo invocation(s) lack --locked",
                    self.unlocked + self.needs_lockfile
                ));
            }
            if self.malformed > 0 {
                parts.push(format!("{} CI file(s) are not valid YAML", self.malformed));
            }
            return Outcome::fail(parts.join("; ")).with_findings(self.findings);
        }
        if judged == 0 {
            let found = if elsewhere.is_empty() {
                "found".to_owned()
            } else {
                format!("found{elsewhere}")
            };
            return Outcome::warn(format!(
                "no cargo build/test/run invocation {found} in {} CI file(s) ({}): nothing to judge",
                files.len(),
                names.join(", ")
            ))
            .with_findings(self.findings);
        }
        if self.unjudgeable > 0 {
            return Outcome::warn(format!(
                "{checked}: {} cannot be judged (parts come from variables), the rest pass \
                 --locked/--frozen",
                self.unjudgeable
            ))
            .with_findings(self.findings);
        }
        Outcome::pass(format!("{checked} all pass --locked/--frozen")).with_findings(self.findings)
    }
}

/// `; not counted: N WHERE (n in a, m in b)` for the invocations counted apart, by place;
/// nothing when there are none.
fn not_counted(place: &str, by: &std::collections::BTreeMap<String, usize>) -> String {
    if by.is_empty() {
        return String::new();
    }
    let list: Vec<String> = by.iter().map(|(at, n)| format!("{n} in {at}")).collect();
    format!(
        "; not counted: {} {place} ({})",
        by.values().sum::<usize>(),
        list.join(", ")
    )
}

/// A file of shell lines to judge: its path (from the workspace root) and text, the
/// commands read from it (the text itself, or a masked copy of the same length), the
/// variables they see, and whether each line runs in a shell of its own (make's and just's
/// recipe lines: a `cd` does not carry to the next line).
struct ShellFile<'a> {
    rel: &'a str,
    text: &'a str,
    commands: &'a str,
    env: &'a [(String, String)],
    line_by_line: bool,
    /// Recipes that run in a directory of their own: their lines' byte range, the directory.
    dirs: &'a [(std::ops::Range<usize>, String)],
}

/// The variables a line's expansions read: the `env:` in force (or a Dockerfile's `ARG`s
/// and `ENV`s) and the job's written-out matrix (empty when there is none).
#[derive(Clone, Copy)]
struct Vars<'a> {
    env: &'a [(String, String)],
    matrix: &'a [matrix::Combination],
}

/// Where a line is written: its file (from the workspace root) and text, the line, and
/// where it was found.
struct Written<'a, 'l> {
    rel: &'a str,
    text: &'a str,
    line: &'a LogicalLine<'l>,
    spot: Option<Spot>,
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

/// A CI file: its path from the workspace root, its text, and whether it sits at the
/// repository's root above the workspace (its invocations then count where they reach it).
#[derive(Debug)]
struct CiFile {
    rel: String,
    text: String,
    scoped: bool,
}

/// The CI file names (`.github/workflows/*.yml`, `*.yaml`, sorted; `.gitlab-ci.yml`) under
/// `dir`.
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
    if dir.join(GITLAB_FILE).is_file() {
        names.push(GITLAB_FILE.to_owned());
    }
    names
}

/// The CI files of the workspace root and, for a workspace below its repository's root
/// (`below`: the repository root and the workspace's path in it), those of the repository
/// root, which are the ones GitHub and GitLab read; each named from the workspace root.
fn ci_files(root: &Path, below: Option<(&Path, &Path)>) -> Result<Vec<CiFile>, Finding> {
    let mut files: Vec<(String, std::path::PathBuf, bool)> = ci_names(root)
        .into_iter()
        .map(|rel| (rel.clone(), root.join(rel), false))
        .collect();
    if let Some((top, rel)) = below {
        let up = "../".repeat(rel.components().count());
        files.extend(
            ci_names(top)
                .into_iter()
                .map(|name| (format!("{up}{name}"), top.join(name), true)),
        );
    }
    files
        .into_iter()
        .map(|(rel, path, scoped)| match std::fs::read_to_string(path) {
            Ok(text) => Ok(CiFile { rel, text, scoped }),
            Err(e) => Err(Finding::error(format!("{rel} could not be read: {e}"))
                .code(FindingCode::UnreadableFile)
                .at(Location::file(rel))),
        })
        .collect()
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

/// A regular file of at most 1 MiB (a link followed), as text: what the check reads beside
/// the CI files (cargo's config, a manifest, git's config). A FIFO or device in their place
/// is never opened, so the check cannot hang on one.
fn read_small(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    (meta.is_file() && meta.len() <= 1 << 20)
        .then(|| std::fs::read_to_string(path).ok())
        .flatten()
}

/// The cargo aliases (`[alias]`) of the `.cargo/config.toml` (or `.cargo/config`) files from
/// the workspace root up to the repository's top, the nearest first, as cargo reads them for
/// a command run in the workspace: a string is split on blanks, a list taken as its words.
/// A file that does not parse gives none (cargo itself would refuse it).
fn cargo_aliases(root: &Path, top: Option<&Path>) -> Vec<(String, Vec<String>)> {
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
fn origin_repository(top: &Path) -> Option<String> {
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

/// Parses a CI file into its scripts, in document order; `ours`: this repository's
/// `owner/name`, when known (a checkout of it is not another repository's).
fn parse(rel: &str, text: &str, ours: Option<&str>) -> Result<Vec<Script>, Finding> {
    let doc = crate::yaml::parse(text).map_err(|e| {
        Finding::error(format!("{rel} is not valid YAML: {e}"))
            .code(FindingCode::InvalidYaml)
            .at(Location::at(rel, to_u32(e.line), to_u32(e.column)))
    })?;
    let mut scripts = Vec::new();
    if !rel.contains(GITHUB_DIR) && rel.ends_with(GITLAB_FILE) {
        gitlab_scripts(&doc, &mut scripts);
    } else {
        github_scripts(&doc, ours, &mut scripts);
    }
    Ok(scripts)
}

#[cfg(test)]
mod tests;
