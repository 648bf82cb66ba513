//! The files a CI command hands its builds to, walked like the CI files: a Dockerfile's
//! `RUN` instructions, a script's lines, the recipes `make` or `just` runs, each invocation
//! at its own file:line.

use super::{Vars, Visit, Walker, Written, spot_at};
use crate::shell::logical_lines;
use crate::{matrix, reach, recipes, spawned};
use std::path::PathBuf;

/// A file of shell lines to walk: its path (from the workspace root) and text, the
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

impl<V: Visit> Walker<'_, '_, V> {
    /// Walks the cargo calls of a Dockerfile or script a CI command starts ([`spawned`]),
    /// at their own file:line; a script's own scripts are followed one level deeper.
    /// `scoped`: started from a file above the workspace.
    pub(super) fn spawned(
        &mut self,
        spawn: &spawned::Spawn,
        scoped: bool,
        by: &str,
        matrix: &[matrix::Combination],
        depth: u8,
    ) {
        let scope = self.scope(scoped);
        let (base, prefix) = match (&self.setup.below, scoped) {
            (Some((top, _)), true) => (
                top.clone(),
                "../".repeat(scope.as_ref().map_or(0, |s| s.components().count())),
            ),
            _ => (self.setup.root.clone(), String::new()),
        };
        // A task runner that names no file reads the first of its names in its directory, as
        // the directory spells it (on a file system that ignores case, `makefile` would open
        // `Makefile` and be reported under the wrong name).
        let candidates: Vec<PathBuf> = match spawn.kind {
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
            // Its path in the container: the repository's file with the longest such tail.
            spawned::Started::ContainerScript => {
                let parts: Vec<_> = spawn.path.components().collect();
                (0..parts.len())
                    .map(|k| parts[k..].iter().collect())
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
        let Some(text) = super::read_small(&full) else {
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
                self.tally.spawned_files.insert(rel.clone());
                self.dockerfile(
                    &rel,
                    &text,
                    spawn,
                    &format!("Dockerfile built by {by}"),
                    matrix,
                );
            }
            spawned::Started::Script | spawned::Started::ContainerScript => {
                if !spawned::is_shell_script(&spawn.path, &text) {
                    return;
                }
                let context = match spawn.kind {
                    spawned::Started::ContainerScript => {
                        format!("script run in a container by {by}")
                    }
                    _ => format!("script run by {by}"),
                };
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
            // Said where the command is written (`Walker::file`), never read.
            spawned::Started::Unresolved => {}
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

    /// Walks a Dockerfile's `RUN` instructions, read in one pass: each sees the variables
    /// defined before it (its `ARG`s, given by the build's `--build-arg`s, which may read the
    /// job's matrix, and its `ENV`s).
    fn dockerfile(
        &mut self,
        rel: &str,
        text: &str,
        spawn: &spawned::Spawn,
        context: &str,
        matrix: &[matrix::Combination],
    ) {
        let mut docker_vars = spawned::DockerVars::new(&spawn.vars);
        // Only the stages the build reaches run (`spawned::stages`).
        let built = spawned::stages::built(text, spawn.targets.first().map(String::as_str));
        let runs = |at: usize| {
            built
                .as_ref()
                .is_none_or(|b| b.iter().any(|r| r.contains(&at)))
        };
        for (start, command) in spawned::dockerfile_runs(text) {
            if !runs(start) {
                continue;
            }
            let env = docker_vars.advance(text, start);
            let exec = spawned::exec_form(command);
            let shell = exec.clone().unwrap_or_else(|| command.to_owned());
            for line in logical_lines(&shell) {
                let offset = if exec.is_some() {
                    start
                } else {
                    start + (line.first_physical.as_ptr() as usize - shell.as_ptr() as usize)
                };
                let spot = Some(spot_at(text, offset, exec.is_some()));
                let vars = Vars {
                    env,
                    matrix,
                    parameters: false,
                };
                let at = Written {
                    rel,
                    text,
                    line: &line,
                    spot,
                    masked: None,
                };
                for (invocation, context, each) in self.judged_line(&line.text, vars, context) {
                    self.reached(&at, &context, invocation, &each);
                }
            }
        }
    }

    /// Walks the shell lines of a script or of the recipes a task runner runs, at their own
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
        let scope = self.scope(scoped);
        self.tally.spawned_files.insert(file.rel.to_owned());
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
                parameters: false,
            };
            let at = Written {
                rel: file.rel,
                text: file.text,
                line: &line,
                spot,
                masked: Some(file.commands),
            };
            self.cargo_make(&at, file.env, context);
            self.unpins(&at);
            for (mut invocation, context, each) in self.judged_line(&line.text, vars, context) {
                // Shown as written in the file, not as the masked copy reads.
                let end = invocation.offset + invocation.command.len();
                let len = invocation.command.len();
                // On a continued line after the first: where its physical line is in the copy,
                // which is where it is in the file.
                let raw = match line.continued_at(invocation.offset) {
                    None => {
                        Some(offset + invocation.offset).filter(|_| end <= line.first_physical_len)
                    }
                    Some((start, physical)) => {
                        let into = invocation.offset - start;
                        let found = at.physical_start(physical, offset);
                        found
                            .map(|f| f + into)
                            .filter(|_| into + len <= physical.len())
                    }
                };
                if let Some(written) = raw.and_then(|r| file.text.get(r..r + len)) {
                    written.clone_into(&mut invocation.command);
                }
                let runs_in = reach::at(&starts, invocation.offset, &dir);
                self.maturin_config(scope.is_some(), &runs_in, &mut invocation);
                if self.reaches(scope.as_deref(), &runs_in, &at, &invocation, &context) {
                    self.reached(&at, &context, invocation, &each);
                }
            }
            if depth == 0 {
                for inner in spawned::started(&line.text, &starts, &dir) {
                    let by = format!("`{}`", file.rel);
                    if inner.kind == spawned::Started::Unresolved {
                        let written = inner.path.to_string_lossy();
                        self.visit.unresolved(super::line_site(&at), &by, &written);
                        continue;
                    }
                    self.spawned(&inner, scoped, &by, &[], depth + 1);
                }
            }
            dir = next;
        }
    }
}
