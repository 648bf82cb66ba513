//! The files a CI script hands its builds to: Dockerfiles it builds (`docker build -f F`,
//! `docker buildx build`, `podman build`, GitHub's `docker/build-push-action`) and scripts
//! it runs (`./bin/package`, `bash scripts/release.sh`). Their cargo calls build what CI
//! ships as surely as a `run:` line does, so `ci.locked` judges them at their own file:line.
//!
//! A Dockerfile's `RUN` instructions (shell form, `\` continuations, `--mount=…` options
//! skipped; exec form `RUN ["cargo", …]` joined) are its commands; a script's lines are its
//! commands, followed one script deeper. A file outside the repository, or one that does not
//! exist, is not read. A Dockerfile named through an expression the walk cannot expand (a
//! matrix computed at run time: `file: ${{ matrix.dockerfile }}` from `fromJson(..)`) is
//! said ([`Started::Unresolved`]): its cargo calls go unjudged.

pub(crate) mod stages;

use crate::reach::{self, Dir};
use crate::recipes::Runner;
use crate::shell::{Word, commands, github_expressions_as_words, unquote};
use std::path::{Path, PathBuf};

/// What kind of file a command starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Started {
    /// A Dockerfile that `docker build` builds.
    Dockerfile,
    /// A shell script that is run.
    Script,
    /// A shell script run inside a container (`docker compose exec tests
    /// /src/app/scripts/e2e.sh`): `path` is its path there, without the leading `/`; the
    /// repository's file is the one whose path is its longest tail (the container mounts the
    /// checkout somewhere).
    ContainerScript,
    /// A Makefile or justfile whose recipes `make` or `just` runs.
    Recipes(Runner),
    /// A Dockerfile named through an expression that is left after the job's `env:` and
    /// written-out matrix were applied; `path` holds the name as written.
    Unresolved,
}

/// A file a command of a CI line starts, relative to the repository root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Spawn {
    pub(crate) kind: Started,
    /// Relative to the repository root (or the workspace root, for its own CI files).
    pub(crate) path: PathBuf,
    /// The directory the command ran in: a script's commands start there.
    pub(crate) dir: Dir,
    /// A Dockerfile's build arguments (`--build-arg NAME=value`), or the variables a
    /// `make NAME=value` sets, values as written.
    pub(crate) vars: Vec<(String, String)>,
    /// The targets or recipes (and a recipe's arguments) a `make` or `just` runs; the stage
    /// a Dockerfile's build targets (`--target`), when it names one.
    pub(crate) targets: Vec<String>,
}

/// Interpreters whose first operand is a script file.
const SHELLS: &[&str] = &["bash", "sh", "zsh", "dash"];

/// The files the commands of `line` start, each command starting in the directory that
/// [`reach::walk`] gave it (`starts`, or `line_start` before the first).
pub(crate) fn started(line: &str, starts: &[(usize, Dir)], line_start: &Dir) -> Vec<Spawn> {
    let mut out = Vec::new();
    for words in commands(&github_expressions_as_words(line)) {
        let words = without_prefix(&words);
        let Some(first) = words.first() else {
            continue;
        };
        let Some(dir) = reach::at(starts, first.offset, line_start) else {
            continue;
        };
        if let Some((path, build_args, target)) = dockerfile(words) {
            let (kind, path) = match reach::join(&dir, &path) {
                Some(path) => (Started::Dockerfile, path),
                None if path.contains("${{") => {
                    let written = path.replace("${{_", "${{ ").replace("_}}", " }}");
                    (Started::Unresolved, PathBuf::from(written))
                }
                None => continue,
            };
            out.push(Spawn {
                kind,
                path,
                dir: Some(dir),
                vars: build_args,
                targets: target.into_iter().collect(),
            });
            continue;
        }
        if let Some(run) = task_runner(words) {
            // `make -C DIR` (`just -d DIR`) runs in DIR, and reads its file from there.
            let at = match &run.dir {
                Some(to) => reach::join(&dir, to),
                None => Some(dir.clone()),
            };
            if let Some(at) = at {
                let path = match &run.file {
                    Some(file) => reach::join(&at, file),
                    None => Some(at.clone()),
                };
                if let Some(path) = path {
                    // just runs its recipes in the justfile's directory (make, in its own).
                    let runs_in = match (&run.file, run.runner, &run.dir) {
                        (Some(_), Runner::Just, None) => {
                            path.parent().map_or(at, std::path::Path::to_path_buf)
                        }
                        _ => at,
                    };
                    out.push(Spawn {
                        kind: Started::Recipes(run.runner),
                        path,
                        dir: Some(runs_in),
                        vars: run.vars,
                        targets: run.targets,
                    });
                }
            }
            continue;
        }
        out.extend(script_started(words, dir));
    }
    out
}

/// The script a command runs: inside a container (by its path there), through a shell
/// (`bash -e x.sh`), or by its path (`./bin/package`), from directory `dir`.
fn script_started(words: &[Word], dir: PathBuf) -> Option<Spawn> {
    let first = words.first()?;
    if let Some(inside) = container_command(words)
        && inside.text.contains('/')
    {
        return Some(Spawn {
            kind: Started::ContainerScript,
            path: PathBuf::from(inside.text.trim_start_matches('/')),
            dir: None,
            vars: Vec::new(),
            targets: Vec::new(),
        });
    }
    let script = if SHELLS.contains(&first.text.as_str()) {
        words[1..].iter().find(|w| !w.text.starts_with('-'))?
    } else if first.text.contains('/') {
        first
    } else {
        return None;
    };
    Some(Spawn {
        kind: Started::Script,
        path: reach::join(&dir, &script.text)?,
        dir: Some(dir),
        vars: Vec::new(),
        targets: Vec::new(),
    })
}

/// The command a container runs for `docker exec [OPTIONS] CONTAINER CMD…` or `docker
/// compose [OPTIONS] exec|run [OPTIONS] SERVICE CMD…` (`podman`, `docker-compose` alike): its
/// first word.
fn container_command(words: &[Word]) -> Option<&Word> {
    let texts: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
    // Options that take a separate value, before the subcommand and after it.
    const VALUED: &[&str] = &[
        "-f",
        "--file",
        "-p",
        "--project-name",
        "--profile",
        "--env-file",
        "-e",
        "--env",
        "-u",
        "--user",
        "-w",
        "--workdir",
        "--index",
        "--name",
        "--entrypoint",
        "-v",
        "--volume",
    ];
    let mut i = match texts.as_slice() {
        ["docker" | "podman", "exec", ..] => 2,
        ["docker" | "podman", "compose", ..] => 2,
        ["docker-compose" | "podman-compose", ..] => 1,
        _ => return None,
    };
    let compose = texts[i - 1] != "exec";
    let skip_options = |mut i: usize| {
        while let Some(t) = texts.get(i).filter(|t| t.starts_with('-')) {
            i += if VALUED.contains(t) { 2 } else { 1 };
        }
        i
    };
    if compose {
        i = skip_options(i);
        if !matches!(texts.get(i), Some(&("exec" | "run"))) {
            return None;
        }
        i += 1;
    }
    // The container or service, then the command.
    words.get(skip_options(i) + 1)
}

/// A task runner's command, as [`task_runner`] reads it.
#[derive(Debug)]
struct TaskRun {
    runner: Runner,
    /// `-C DIR` / `-d DIR`, relative to the command's directory.
    dir: Option<String>,
    /// `-f FILE`, relative to the directory it runs in; `None`: the runner's own names.
    file: Option<String>,
    targets: Vec<String>,
    vars: Vec<(String, String)>,
}

/// A task runner's command: `make [-C DIR] [-f FILE] [NAME=value…] [TARGET…]` (`gmake`,
/// `$(MAKE)`) or `just [-f FILE] [-d DIR] [RECIPE [ARG…]]`.
fn task_runner(words: &[Word]) -> Option<TaskRun> {
    let runner = match words.first()?.text.as_str() {
        "make" | "gmake" | "${MAKE}" | "$MAKE" => Runner::Make,
        "just" => Runner::Just,
        _ => return None,
    };
    let (directory, short_directory, file_option) = match runner {
        Runner::Make => ("--directory", "-C", "--file"),
        Runner::Just => ("--working-directory", "-d", "--justfile"),
    };
    let mut run = TaskRun {
        runner,
        dir: None,
        file: None,
        targets: Vec::new(),
        vars: Vec::new(),
    };
    let mut i = 1;
    while let Some(word) = words.get(i) {
        let text = word.text.as_str();
        // just: every word after the recipe is the recipe's (an argument or a recipe).
        if runner == Runner::Just && !run.targets.is_empty() {
            run.targets.push(text.to_owned());
            i += 1;
            continue;
        }
        let next = || words.get(i + 1).map(|w| w.text.clone());
        let with_value = |long: &str| text.strip_prefix(long)?.strip_prefix('=');
        if text == directory || text == short_directory {
            run.dir = next();
            i += 2;
            continue;
        }
        if text == file_option || text == "-f" {
            run.file = next();
            i += 2;
            continue;
        }
        if let Some(value) = with_value(directory) {
            run.dir = Some(value.to_owned());
        } else if let Some(value) = with_value(file_option) {
            run.file = Some(value.to_owned());
        } else if text.starts_with('-') {
            // make's options whose value is a separate word.
            if runner == Runner::Make && matches!(text, "-j" | "-l" | "-I" | "-o" | "-W") {
                i += 1;
            }
        } else if runner == Runner::Make
            && let Some((name, value)) = text.split_once('=')
        {
            run.vars.push((name.to_owned(), value.to_owned()));
        } else {
            run.targets.push(text.to_owned());
        }
        i += 1;
    }
    Some(run)
}

/// A command's words without the words that only run it (`exec docker buildx build …` in
/// influxdb's release script, `sudo`, `time`, `command`, `nice`) and the variables set for
/// it (`FULL=1 make tests` in ion's GitLab CI, `CI=1 ./ci/test.sh`).
fn without_prefix(words: &[Word]) -> &[Word] {
    let runs = |w: &Word| {
        matches!(
            w.text.as_str(),
            "exec" | "sudo" | "time" | "command" | "nice"
        ) || is_assignment(&w.text)
    };
    let skip = words.iter().take_while(|w| runs(w)).count();
    &words[skip..]
}

/// Whether a shell word sets a variable for the command after it (`NAME=value`).
fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        let mut chars = name.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// What a `docker build` command builds: the Dockerfile, its build arguments and the stage
/// it targets.
type DockerBuild = (String, Vec<(String, String)>, Option<String>);

/// The Dockerfile a `docker build` (`docker buildx build`, `podman build`, `buildah bud`)
/// command builds (its `-f`/`--file`, else `Dockerfile` in its context directory), the
/// build arguments it passes with a value (`--build-arg NAME=value`; one without a value
/// comes from the environment, and is left out), and its `--target` stage.
fn dockerfile(words: &[Word]) -> Option<DockerBuild> {
    let texts: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
    let rest = match texts.as_slice() {
        ["docker" | "podman", "build", rest @ ..] => rest,
        ["docker", "buildx", "build", rest @ ..] => rest,
        ["buildah", "bud" | "build", rest @ ..] => rest,
        _ => return None,
    };
    let mut file = None;
    let mut context = None;
    let mut build_args = Vec::new();
    let mut target = None;
    let mut i = 0;
    while i < rest.len() {
        let word = rest[i];
        if word == "--target" {
            target = rest.get(i + 1).map(|t| (*t).to_owned());
        } else if let Some(t) = word.strip_prefix("--target=") {
            target = Some(t.to_owned());
        }
        let build_arg = match word {
            "--build-arg" => rest.get(i + 1).copied(),
            _ => word.strip_prefix("--build-arg="),
        };
        if let Some((name, value)) = build_arg.and_then(|arg| arg.split_once('=')) {
            build_args.push((name.to_owned(), value.to_owned()));
        }
        if word == "-f" || word == "--file" {
            file = rest.get(i + 1).map(|f| (*f).to_owned());
            i += 2;
            continue;
        }
        if let Some(f) = word.strip_prefix("--file=") {
            file = Some(f.to_owned());
        } else if word.starts_with('-') {
            // Options with a separate value: the common ones, so their value is not taken
            // for the context.
            if [
                "-t",
                "--tag",
                "--build-arg",
                "--target",
                "--platform",
                "--label",
                "--cache-from",
                "--cache-to",
                "--secret",
                "--output",
                "-o",
                "--progress",
                "--network",
            ]
            .contains(&word)
            {
                i += 1;
            }
        } else {
            context = Some(word.to_owned());
        }
        i += 1;
    }
    file.or_else(|| {
        let context = context?;
        Some(format!("{}/Dockerfile", context.trim_end_matches('/')))
    })
    .filter(|f| f != "-")
    .map(|file| (file, build_args, target))
}

/// The variables a Dockerfile's instructions see, read in one pass as the file is walked
/// ([`DockerVars::advance`] to each `RUN` in turn): its stage's `ARG`s (the build argument's
/// value where one is given, else the default, else a global `ARG`'s before the first
/// `FROM`, else empty, as Docker sets a declared argument) and `ENV`s. A later definition
/// wins, as in [`crate::invocations`]' lookup.
#[derive(Debug)]
pub(crate) struct DockerVars<'a> {
    build_args: &'a [(String, String)],
    global: Vec<(String, String)>,
    stage: Option<Vec<(String, String)>>,
    /// Where the next instruction starts.
    pos: usize,
}

impl<'a> DockerVars<'a> {
    pub(crate) fn new(build_args: &'a [(String, String)]) -> DockerVars<'a> {
        DockerVars {
            build_args,
            global: Vec::new(),
            stage: None,
            pos: 0,
        }
    }

    /// Reads the instructions before byte `offset` not read yet, and returns the variables
    /// in force there.
    pub(crate) fn advance(&mut self, text: &str, offset: usize) -> &[(String, String)] {
        while self.pos < offset.min(text.len()) {
            let pos = self.pos;
            let end = instruction_end(text, pos);
            self.instruction(&text[pos..end].replace("\\\n", " "));
            self.pos = end + 1;
        }
        self.stage.as_deref().unwrap_or_default()
    }

    fn instruction(&mut self, instruction: &str) {
        let mut words = instruction.split_whitespace();
        let keyword = words.next().unwrap_or_default().to_ascii_uppercase();
        let rest: Vec<&str> = words.collect();
        match keyword.as_str() {
            "FROM" => self.stage = Some(Vec::new()),
            "ARG" => {
                for decl in rest {
                    let (name, default) = match decl.split_once('=') {
                        Some((n, d)) => (n, Some(unquote(d).to_owned())),
                        None => (decl, None),
                    };
                    let given = self.build_args.iter().rev().find(|(n, _)| n == name);
                    let outer = self.global.iter().rev().find(|(n, _)| n == name);
                    let value = given
                        .map(|(_, v)| v.clone())
                        .or(default)
                        .or_else(|| outer.map(|(_, v)| v.clone()))
                        .unwrap_or_default();
                    match &mut self.stage {
                        Some(vars) => vars.push((name.to_owned(), value)),
                        None => self.global.push((name.to_owned(), value)),
                    }
                }
            }
            "ENV" => {
                if let Some(vars) = &mut self.stage {
                    if rest.first().is_some_and(|w| w.contains('=')) {
                        for pair in &rest {
                            if let Some((n, v)) = pair.split_once('=') {
                                vars.push((n.to_owned(), unquote(v).to_owned()));
                            }
                        }
                    } else if let Some((name, value)) = rest.split_first() {
                        vars.push(((*name).to_owned(), value.join(" ")));
                    }
                }
            }
            _ => {}
        }
    }
}

/// Where the Dockerfile instruction starting at byte `pos` ends: the end of its line, or of
/// the last of the lines a trailing `\` continues it over.
fn instruction_end(text: &str, pos: usize) -> usize {
    let mut end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
    while text[..end].trim_end_matches('\r').ends_with('\\') && end < text.len() {
        end = text[end + 1..]
            .find('\n')
            .map_or(text.len(), |i| end + 1 + i);
    }
    end
}

/// The shell commands of a Dockerfile: each `RUN` instruction's command (continuation lines
/// joined as the shell would see them), as `(byte offset in the file where the command
/// starts, command text as written)`.
pub(crate) fn dockerfile_runs(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < text.len() {
        let line_end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
        let line = &text[pos..line_end];
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let end = instruction_end(text, pos);
        // Bytes, not `str` slices: a line may open with any UTF-8 (`# ┌───`).
        let is_run = trimmed.len() > 3
            && trimmed.as_bytes()[..3].eq_ignore_ascii_case(b"RUN")
            && matches!(trimmed.as_bytes()[3], b' ' | b'\t');
        if is_run {
            let mut start = pos + indent + 3;
            // Options of RUN (`--mount=…`, `--network=…`) come before the command.
            // A `\` that only continues the line is blank here.
            loop {
                let rest = &text[start..end];
                let skipped = rest.len() - rest.trim_start().len();
                let word = &rest[skipped..];
                let word_end = word.find(char::is_whitespace).unwrap_or(word.len());
                if word.starts_with("--") || (word.starts_with('\\') && word_end == 1) {
                    start += skipped + word_end;
                } else {
                    start += skipped;
                    break;
                }
            }
            out.push((start, &text[start..end]));
        }
        pos = end + 1;
    }
    out
}

/// Whether `text` (the file at `path`) is a shell script, so its lines are shell commands:
/// a `#!` line naming a shell (`/bin/sh`, `/usr/bin/env bash`), or, without one, a name with
/// no extension or `.sh`/`.bash`. A Python or Ruby script run as `./tool.py` is not read.
pub(crate) fn is_shell_script(path: &Path, text: &str) -> bool {
    if let Some(shebang) = text.strip_prefix("#!") {
        let line = shebang.lines().next().unwrap_or_default();
        return line.split_whitespace().any(|word| {
            let base = word.rsplit('/').next().unwrap_or(word);
            SHELLS.contains(&base) || base == "ksh"
        });
    }
    matches!(
        path.extension().and_then(|e| e.to_str()),
        None | Some("sh" | "bash")
    )
}

/// A RUN command in exec form (`["cargo", "build"]`) as a shell line, else as written.
pub(crate) fn exec_form(command: &str) -> Option<String> {
    let inner = command.trim().strip_prefix('[')?.strip_suffix(']')?;
    let words: Option<Vec<String>> = inner
        .split(',')
        .map(|w| {
            let w = w.trim();
            w.strip_prefix('"')?.strip_suffix('"').map(str::to_owned)
        })
        .collect();
    Some(words?.join(" "))
}

/// The largest file read as a Dockerfile or script: a command such as
/// `./target/release/app` starts a binary, which is never read.
const MAX_SIZE: u64 = 1 << 20;

/// `path` under `base`, when it is a regular file inside `base` (symbolic links resolved)
/// of at most [`MAX_SIZE`] bytes.
pub(crate) fn readable(base: &Path, path: &Path) -> Option<PathBuf> {
    let full = base.join(path);
    let canonical = full.canonicalize().ok()?;
    let base = base.canonicalize().ok()?;
    let meta = std::fs::metadata(&canonical).ok()?;
    (canonical.starts_with(&base) && meta.is_file() && meta.len() <= MAX_SIZE).then_some(full)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn started_by(line: &str) -> Vec<(Started, String)> {
        let root = Some(PathBuf::new());
        let (starts, _) = reach::walk(line, &root);
        started(line, &starts, &root)
            .into_iter()
            .map(|s| (s.kind, s.path.to_string_lossy().replace('\\', "/")))
            .collect()
    }

    #[test]
    fn docker_builds_and_scripts_are_found_in_their_directory() {
        assert_eq!(
            started_by("docker build -t app:latest -f docker/Dockerfile ."),
            [(Started::Dockerfile, "docker/Dockerfile".to_owned())]
        );
        assert_eq!(
            started_by("cd deploy && docker buildx build --platform linux/amd64 --push ."),
            [(Started::Dockerfile, "deploy/Dockerfile".to_owned())]
        );
        assert_eq!(
            started_by("podman build --file=ci/Containerfile ctx"),
            [(Started::Dockerfile, "ci/Containerfile".to_owned())]
        );
        assert_eq!(
            started_by("./bin/package --release; bash -e scripts/release.sh v1"),
            [
                (Started::Script, "bin/package".to_owned()),
                (Started::Script, "scripts/release.sh".to_owned())
            ]
        );
        assert!(started_by("docker run app; ./$SCRIPT; cargo build").is_empty());
        // influxdb's release script: `exec` (or `sudo`) only runs the build.
        assert_eq!(
            started_by("exec docker buildx build --platform linux/amd64 -f Dockerfile ."),
            [(Started::Dockerfile, "Dockerfile".to_owned())]
        );
        assert_eq!(
            started_by("sudo ./bin/package"),
            [(Started::Script, "bin/package".to_owned())]
        );
        // iris-mpc: a script run inside a service's container, by its path there.
        assert_eq!(
            started_by(
                "docker compose -f \"docker-compose.test.yaml\" exec -T \"tests\" \"/src/app/scripts/e2e.sh\""
            ),
            [(
                Started::ContainerScript,
                "src/app/scripts/e2e.sh".to_owned()
            )]
        );
        assert_eq!(
            started_by("docker exec -e X=1 app ./ci/check.sh; docker compose up -d"),
            [(Started::ContainerScript, "./ci/check.sh".to_owned())]
        );
    }

    #[test]
    fn only_shell_scripts_are_read_as_commands() {
        assert!(is_shell_script(
            Path::new("bin/package"),
            "#!/usr/bin/env bash\ncargo build\n"
        ));
        assert!(is_shell_script(Path::new("x.sh"), "cargo build\n"));
        assert!(is_shell_script(Path::new("bin/package"), "cargo build\n"));
        assert!(!is_shell_script(
            Path::new("tool.py"),
            "print('cargo build')\n"
        ));
        assert!(!is_shell_script(
            Path::new("bin/tool"),
            "#!/usr/bin/env python3\n"
        ));
    }

    #[test]
    fn dockerfile_run_instructions_are_its_commands() {
        let text = "FROM rust:1.95 AS build\nWORKDIR /app\nRUN --mount=type=cache,target=/usr/local/cargo/registry \\\n    cargo build --release\nrun cargo chef cook\nCOPY . .\n  RUN [\"cargo\", \"install\", \"--path\", \".\"]\n";
        let runs = dockerfile_runs(text);
        let commands: Vec<&str> = runs.iter().map(|(_, c)| *c).collect();
        assert_eq!(
            commands,
            [
                "cargo build --release",
                "cargo chef cook",
                "[\"cargo\", \"install\", \"--path\", \".\"]"
            ]
        );
        assert_eq!(&text[runs[1].0..runs[1].0 + 5], "cargo");
        assert_eq!(
            exec_form(commands[2]).as_deref(),
            Some("cargo install --path .")
        );
        assert_eq!(exec_form("cargo build"), None);
    }
}
