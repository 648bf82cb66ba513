//! `ci.locked`: every cargo build, test, run, check, clippy, bench, install, doc and
//! `nextest run` in the CI configuration (and the plugins that build with cargo's flags:
//! `miri test|run`, `hack … check`, `llvm-cov`, `chef cook`) passes `--locked` or `--frozen`
//! (or `--offline` when Cargo.lock exists), so CI builds exactly the committed lockfile.
//! `cargo minimal-versions` is noted, never judged: it resolves the lowest versions on
//! purpose.
//!
//! Read as YAML with node positions (`gate_ci::yaml`, saphyr; merge keys applied):
//!
//! - GitHub Actions: `.github/workflows/*.yml` and `*.yaml`, every `jobs.*.steps[*].run`,
//!   and the steps of the local composite actions they use (`uses: ./.github/actions/x`:
//!   its `action.yml`'s `runs.steps`, read as a job's).
//! - GitLab CI: `.gitlab-ci.yml`, every job's `script`, `before_script` and `after_script`
//!   (nested lists from anchors flattened; hidden `.template` jobs included, since jobs
//!   `extends` them), and the top-level and `default:` `before_script`/`after_script`.
//! - CircleCI: `.circleci/config.yml`, the `run` steps of the jobs its workflows run and of
//!   the reusable `commands:` their steps invoke, with `<< parameters.NAME >>` read in each
//!   parameter set the step runs with (workflow arguments, `matrix.parameters`, defaults),
//!   the worst of them counting, as for a written-out matrix; a `when`/`unless` branch only
//!   with the sets its condition holds for (none: it never runs); steps handed to a command
//!   as an argument where it is invoked; a workflow's `pre-steps`/`post-steps` as the job's;
//!   a setup configuration's continuation files (`.circleci/*.yml`) as configurations of
//!   their own. A step of an orb whose name says it runs Rust (`rust/test`) is defined
//!   outside the repository: it warns.
//!
//! Another CI system's configuration (`.travis.yml`, `azure-pipelines.yml`, `.cirrus.yml`,
//! `Jenkinsfile`, `.buildkite/`, …) is not read: it warns, so a check never passes on the
//! files it read while CI runs others. So does `cargo make TASK`, whose `Makefile.toml`
//! tasks are not read.
//!
//! A workspace below its repository's root (a monorepo's `crates/engine`) is also judged by
//! the root's CI files, which are the ones GitHub, GitLab and CircleCI run, named from the workspace
//! (`../../.github/workflows/ci.yml`): only their invocations that reach it count, followed
//! through `working-directory` (the step's, the job's or workflow's `defaults.run`), `cd` and
//! `pushd` (carried from line to line) and `--manifest-path` (`reach`); the others are
//! counted apart as running elsewhere, and one whose directory is an expansion is a note.
//!
//! What CI hands its builds to is read too (`spawned`): the Dockerfile a `docker build
//! -f F` (`docker buildx build`, `podman build`, `docker/build-push-action`) builds, whose
//! `RUN` instructions in the stages its target needs (as BuildKit builds them) are its commands (with its `ARG`s, given by the build's `--build-arg`s
//! or the action's `build-args:`, which may read the job's matrix, and its `ENV`s), a script
//! a step runs (`./bin/package`, `bash scripts/release.sh`, followed one script deeper), and
//! the recipes `make TARGET` or `just RECIPE` runs (`recipes`: with their prerequisites, the
//! pattern rules that make them, the file's variables and the command line's); their
//! invocations are judged at their own file:line (a command on a line continued with `\`,
//! on its own physical line). `exec`, `sudo`, `time`, `nice` before such a command only run
//! it. Only regular files inside the repository, of at most 1 MiB, are read.
//!
//! A cargo alias of `.cargo/config.toml` (`xtask = "run --package xtask --"`) is judged as
//! the words it stands for. A job that checks out another repository (`actions/checkout`
//! with `repository:`, not this one's `origin`) builds that repository in the directory it
//! checked out to: those invocations are notes, not counted (a `working-directory` is read
//! through the `env:` in force, `${{ env.X }}` and `${{ github.workspace }}/…`, so a step
//! that names the checkout through a variable runs there too). An invocation whose
//! `--manifest-path` lies outside the repository (`${{ runner.temp }}/…`, `$RUNNER_TEMP`, an
//! absolute path) builds a project CI made or fetched there: a note, counted apart. A job that rewrites Cargo.lock
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
//! their `uses:` when that input is not written on its own line); so is
//! `taiki-e/upload-rust-binary-action`'s release build (`cargo build --release`, locked with
//! `locked: true`). maturin runs cargo too:
//! `maturin build|develop|publish` (and `PyO3/maturin-action`) is an invocation, locked by
//! `--locked`/`--frozen` or by `locked`/`frozen` in `[tool.maturin]` of the `pyproject.toml`
//! beside the crate it builds. Without a committed
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
//! A command that only asks (`--version`, `--help`) builds nothing and is not counted.
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
//! Reading is gate-ci's: the CI files, their scripts, lines and cargo invocations, the files
//! CI hands its builds to and the directory each command runs in (`gate_ci::walk`). This
//! module is the judgement: its finding codes, the tally over what the walk hands over
//! (`Judge`, a `gate_ci::Visit`) and the findings it reports.

use crate::check::{Check, CheckMeta, Code, Context, Finding, Location, Outcome, Severity};
use crate::stage::Stage;
use gate_ci::{
    Apart, CIRCLECI_FILE, GITHUB_DIR, GITLAB_FILE, Invocation, Kind, Malformed, Site, Tally,
    Unread, Visit,
};

/// The `ci.locked` check.
#[derive(Debug)]
pub struct CiLocked;

static META: CheckMeta = CheckMeta {
    id: "ci.locked",
    stage: Stage::Controlled,
    summary: "every cargo build/test/run/check/clippy/bench/install/doc/nextest call in CI \
              configs passes --locked or --frozen",
    fix: "add --locked to each cargo command at the place each finding names: a CI \
          configuration, or the Makefile, justfile, Dockerfile or script it runs (`cargo gate \
          init` writes a CI workflow that does)",
    codes: FindingCode::ALL,
    config: &[],
};

crate::finding_codes! {
    /// The codes of this check's findings (their names are stable: never renamed).
    enum FindingCode {
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
        FileUnexpandable => Code {
            name: "file-unexpandable",
            summary: "a Dockerfile CI builds, named through an expression the gate cannot expand",
        },
        NotRead => Code {
            name: "not-read",
            summary: "CI the gate does not read (another CI system's configuration, a CircleCI \
                      orb's command, cargo-make's tasks): its cargo calls are not judged",
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
        let top = ctx.workspace.git.as_ref().map(|git| git.toplevel.as_path());
        let setup = gate_ci::Setup::of(root, top);
        let files = match gate_ci::ci_files(&setup) {
            Ok(files) => files,
            Err(unreadable) => {
                let rel = unreadable.rel;
                let finding =
                    Finding::error(format!("{rel} could not be read: {}", unreadable.error))
                        .code(FindingCode::UnreadableFile)
                        .at(Location::file(rel));
                return Outcome::fail("CI configuration unreadable").with_finding(finding);
            }
        };
        if files.is_empty() {
            let unread = gate_ci::unread_files(&setup);
            if !unread.is_empty() {
                let mut judge = Judge::default();
                for (rel, system) in unread {
                    judge.unread(Site { rel, at: None }, Unread::System { system });
                }
                return Outcome::warn(format!(
                    "no CI configuration the gate reads ({GITHUB_DIR}/*.yml, {GITLAB_FILE}, \
                     {CIRCLECI_FILE}); {} it does not read: nothing shows that CI builds with \
                     --locked",
                    judge.unread
                ))
                .with_findings(judge.findings);
            }
            let looked = if setup.below.is_some() {
                " here or at the repository's root"
            } else {
                ""
            };
            return Outcome::warn(format!(
                "no CI configuration ({GITHUB_DIR}/*.yml, {GITLAB_FILE} or {CIRCLECI_FILE}){looked}: \
                 nothing shows that CI builds with --locked"
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
        let mut judge = Judge {
            lock_exists: setup.lock_exists,
            ..Judge::default()
        };
        let tally = gate_ci::walk(&setup, &files, &mut judge);
        let names: Vec<&str> = files.iter().map(|f| f.rel.as_str()).collect();
        let scope = setup.below.as_ref().map(|(_, rel)| rel.as_path());
        judge.outcome(&names, scope, &tally)
    }
}

/// The tally over what the walk hands over.
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
    /// Invocations that run in a checkout of another repository, by repository.
    other_repositories: std::collections::BTreeMap<String, usize>,
    /// Invocations of jobs that rewrote Cargo.lock on purpose first (`cargo update`).
    afresh: usize,
    /// Invocations that build a manifest outside the repository (`${{ runner.temp }}/…`).
    outside: usize,
    /// Dockerfiles CI builds whose names the gate cannot expand (their calls go unjudged).
    unnamed: usize,
    /// CI the gate does not read: other systems' files, orbs' steps (their calls go unjudged).
    unread: usize,
    /// Invocations that run in a workspace of its own below this one, by its directory.
    other_workspaces: std::collections::BTreeMap<String, usize>,
}

impl Visit for Judge {
    fn reached(&mut self, site: Site, context: &str, invocation: Invocation, _: &[Invocation]) {
        self.invocation(location(site), context, invocation);
    }

    fn apart(&mut self, site: Site, context: &str, invocation: &Invocation, apart: Apart) {
        let why = match &apart {
            Apart::OtherWorkspace(other) => {
                *self.other_workspaces.entry(other.clone()).or_default() += 1;
                format!(
                    "runs in `{other}`, a workspace of its own: it builds that workspace's \
                     lockfile, not this one's; not counted"
                )
            }
            Apart::OtherRepository { repository, path } => {
                *self
                    .other_repositories
                    .entry(repository.clone())
                    .or_default() += 1;
                let place = if path.as_os_str().is_empty() {
                    String::new()
                } else {
                    format!(" in `{}`", path.display())
                };
                format!(
                    "runs in a checkout of {repository}{place} (actions/checkout with \
                     `repository:`), not this workspace: not judged"
                )
            }
            Apart::Afresh { by } => {
                self.afresh += 1;
                format!(
                    "runs after `{by}` in its job, which rewrites the lockfile or a manifest on \
                     purpose: --locked cannot apply; not counted"
                )
            }
            Apart::Outside { manifest } => {
                self.outside += 1;
                format!(
                    "builds `{manifest}`, outside the repository (a project CI makes or fetches \
                 there), not this workspace: not counted"
                )
            }
            Apart::Unplaced => "runs in a directory the gate cannot follow (an expansion in \
                                `cd` or `working-directory`): whether it builds this workspace \
                                is unknown; not counted"
                .to_owned(),
        };
        self.findings.push(
            Finding::note(format!("`{}` ({context}) {why}", invocation.command)).at(location(site)),
        );
    }

    fn unresolved(&mut self, site: Site, context: &str, written: &str) {
        self.unnamed += 1;
        self.findings.push(
            Finding::warning(format!(
                "`{written}` ({context}) names the Dockerfile CI builds through an expression the \
                 gate cannot expand (a matrix computed at run time): its cargo calls are not \
                 judged (fix: write the matrix out, or check those Dockerfiles' cargo calls \
                 pass --locked)"
            ))
            .code(FindingCode::FileUnexpandable)
            .at(location(site)),
        );
    }

    fn unread(&mut self, site: Site, unread: Unread) {
        self.unread += 1;
        let message = match unread {
            Unread::System { system } => format!(
                "{} configures {system}, which the gate does not read: its cargo calls are not \
                 judged (fix: check they pass --locked, or delete the file if {system} no longer \
                 runs)",
                site.rel
            ),
            Unread::CargoMake { context, written } => format!(
                "`{written}` ({context}) runs cargo-make, whose `Makefile.toml` tasks the gate \
                 does not read: their cargo calls are not judged (fix: check they pass --locked, \
                 or run the cargo commands in CI)"
            ),
            Unread::OrbStep { context, written } => format!(
                "`{written}` ({context}) runs an orb's command, defined outside the repository: \
                 its cargo calls are not judged (fix: check the orb passes --locked, or write the \
                 cargo command in a `run` step)"
            ),
        };
        self.findings.push(
            Finding::warning(message)
                .code(FindingCode::NotRead)
                .at(location(site)),
        );
    }

    fn malformed(&mut self, error: Malformed) {
        let Malformed {
            rel,
            message,
            line,
            column,
        } = error;
        self.malformed += 1;
        self.findings.push(
            Finding::error(format!("{rel} is not valid YAML: {message}"))
                .code(FindingCode::InvalidYaml)
                .at(Location::at(rel, line, column)),
        );
    }
}

/// Where a finding about an invocation written at `site` points.
fn location(site: Site) -> Location {
    match site.at {
        Some((line, column)) => Location::at(site.rel, line, column),
        None => Location::file(site.rel),
    }
}

impl Judge {
    /// Judges one invocation: counts it, and reports it unless it is locked.
    fn invocation(&mut self, location: Location, context: &str, invocation: Invocation) {
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

    fn outcome(self, names: &[&str], scope: Option<&std::path::Path>, tally: &Tally) -> Outcome {
        let judged = self.judged;
        let elsewhere = match (scope, tally.elsewhere, tally.unplaced) {
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
        let run_by_ci = if tally.spawned_files.is_empty() {
            String::new()
        } else {
            let list: Vec<&str> = tally.spawned_files.iter().map(String::as_str).collect();
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
        let others = if self.outside == 0 {
            others
        } else {
            format!(
                "{others}; not counted: {} building a manifest outside the repository",
                self.outside
            )
        };
        let checked = format!(
            "{judged} cargo invocation(s){elsewhere} in {} CI file(s) ({}){run_by_ci}{others}",
            names.len(),
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
            // What was found but not counted is said (sppark: every invocation ran after
            // `cargo update`, and "none found" was false).
            return Outcome::warn(format!(
                "no cargo build/test/run invocation {found} in {} CI file(s) ({}){others}: \
                 nothing to judge",
                names.len(),
                names.join(", ")
            ))
            .with_findings(self.findings);
        }
        if self.unjudgeable > 0 || self.unnamed > 0 || self.unread > 0 {
            let mut unjudged = Vec::new();
            if self.unjudgeable > 0 {
                unjudged.push(format!(
                    "{} cannot be judged (parts come from variables)",
                    self.unjudgeable
                ));
            }
            if self.unnamed > 0 {
                unjudged.push(format!(
                    "{} Dockerfile(s) CI builds cannot be named, so their cargo calls are not judged",
                    self.unnamed
                ));
            }
            if self.unread > 0 {
                unjudged.push(format!(
                    "{} CI file(s) or command(s) the gate does not read, whose cargo calls are not \
                     judged",
                    self.unread
                ));
            }
            return Outcome::warn(format!(
                "{checked}: {}, the rest pass --locked/--frozen",
                unjudged.join("; ")
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

#[cfg(test)]
mod tests;
