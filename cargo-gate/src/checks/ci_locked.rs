//! `ci.locked`: every cargo build, test, run, check, clippy, bench, install, doc and
//! `nextest run` in the CI configuration passes `--locked` or `--frozen` (or `--offline` when
//! Cargo.lock exists), so CI builds exactly the committed lockfile.
//!
//! Read as YAML with node positions (`crate::yaml`, saphyr; merge keys applied):
//!
//! - GitHub Actions: `.github/workflows/*.yml` and `*.yaml`, every `jobs.*.steps[*].run`.
//! - GitLab CI: `.gitlab-ci.yml`, every job's `script`, `before_script` and `after_script`
//!   (nested lists from anchors flattened; hidden `.template` jobs included, since jobs
//!   `extends` them), and the top-level and `default:` `before_script`/`after_script`.
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
//! unless it passes --locked anyway; `cargo xtask …` (an alias running commands the gate
//! cannot see) is listed as a note.
//!
//! The parser says where each script is written (a GitHub step's `run:` key, an action step,
//! a GitLab script item — inside the template for one merged in with `<<`); its lines are
//! found in the raw text from there: a GitHub step's lines only inside that `run:` block
//! (never in a `name:`, `if:` or an action's inputs that repeat the command), GitLab's
//! searching onward (YAML comment lines and other keys' values skipped). The column is that
//! of `cargo`. The same written line reached again through
//! a YAML alias or merge key counts once. A file that is not valid YAML fails with the
//! parser's line and column. No CI configuration at all warns: nothing shows how CI builds.

use crate::check::{Check, CheckMeta, Code, Context, Finding, Location, Outcome, Severity};
use crate::stage::Stage;
use crate::yaml::{Kind as YamlKind, Node};
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

const GITHUB_DIR: &str = ".github/workflows";
const GITLAB_FILE: &str = ".gitlab-ci.yml";

/// Subcommands that resolve dependencies and build, so may rewrite or ignore Cargo.lock
/// without `--locked` (with their built-in short aliases).
const JUDGED: &[(&str, &str)] = &[
    ("build", "build"),
    ("b", "build"),
    ("test", "test"),
    ("t", "test"),
    ("run", "run"),
    ("r", "run"),
    ("check", "check"),
    ("c", "check"),
    ("clippy", "clippy"),
    ("bench", "bench"),
    ("install", "install"),
    ("doc", "doc"),
    ("d", "doc"),
];

/// Global options that take a separate value (`cargo --config k=v build`).
const GLOBAL_WITH_VALUE: &[&str] = &["--color", "--config", "-Z", "-C"];

/// GitLab top-level keys that are not jobs.
const GITLAB_KEYWORDS: &[&str] = &[
    "after_script",
    "before_script",
    "cache",
    "default",
    "image",
    "include",
    "services",
    "stages",
    "variables",
    "workflow",
    "spec",
];

impl Check for CiLocked {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        let root = &ctx.workspace.root;
        let files = match ci_files(root) {
            Ok(files) => files,
            Err(finding) => {
                return Outcome::fail("CI configuration unreadable").with_finding(finding);
            }
        };
        if files.is_empty() {
            return Outcome::warn(format!(
                "no CI configuration ({GITHUB_DIR}/*.yml or {GITLAB_FILE}): nothing shows that \
                 CI builds with --locked"
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
            lock_exists: root.join("Cargo.lock").is_file(),
            ..Judge::default()
        };
        for (rel, text) in &files {
            match parse(rel, text) {
                Ok(scripts) => judge.file(rel, text, &scripts),
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
}

impl Judge {
    fn file(&mut self, rel: &str, text: &str, scripts: &[Script]) {
        for script in scripts {
            // The parser says where the script is written: its lines are searched from there
            // (the same written line reached again through an alias lands on the same spot).
            let mut cursor = text[..script.at.min(text.len())]
                .rfind('\n')
                .map_or(0, |i| i + 1);
            let lines = logical_lines(&script.text);
            let spots = match &script.place {
                Place::Action { uses } => {
                    // The command is written nowhere: its invocations sit at the step's
                    // `command:` input.
                    let spot = action_step(text, cursor, uses);
                    vec![spot; lines.len()]
                }
                Place::Run => match lines
                    .first()
                    .and_then(|first| run_block(text, cursor, first.first_physical))
                {
                    Some(block) => {
                        let mut from = block.key.offset;
                        lines
                            .iter()
                            .map(|line| {
                                let found = block.find(text, from, line.first_physical)?;
                                from = found.end;
                                Some(found.spot)
                            })
                            .collect()
                    }
                    // Not under a `run:` key of its own (an aliased step, flow style): search
                    // the raw text as for GitLab.
                    None => search_text(text, &mut cursor, &lines),
                },
                Place::Text => search_text(text, &mut cursor, &lines),
            };
            for (line, spot) in lines.iter().zip(spots) {
                for invocation in invocations(&line.text, self.lock_exists, &script.env) {
                    self.invocation(rel, text, &script.context, line, spot, invocation);
                }
            }
        }
    }

    fn invocation(
        &mut self,
        rel: &str,
        text: &str,
        context: &str,
        line: &LogicalLine<'_>,
        spot: Option<Spot>,
        invocation: Invocation,
    ) {
        let location = match spot {
            Some(spot) => {
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
                    return;
                }
                let column = if !spot.step && invocation.offset < line.first_physical_len {
                    spot.column + count_chars(&line.text[..invocation.offset])
                } else {
                    spot.column
                };
                let (line_no, _) = crate::config::line_col(text, spot.offset);
                Location::at(rel, line_no, column)
            }
            None => Location::file(rel),
        };
        let what = format!("`{}` ({context})", invocation.command);
        match invocation.kind {
            Kind::Alias => self.findings.push(
                Finding::note(format!(
                    "{what} runs a cargo alias whose commands the gate cannot see; not judged"
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

    fn outcome(self, files: &[(String, String)]) -> Outcome {
        let names: Vec<&str> = files.iter().map(|(rel, _)| rel.as_str()).collect();
        let judged = self.judged;
        let checked = format!(
            "{judged} cargo invocation(s) in {} CI file(s) ({})",
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
            return Outcome::warn(format!(
                "no cargo build/test/run invocation found in {} CI file(s) ({}): nothing to judge",
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

/// The CI files, workspace-relative and sorted, with their text.
fn ci_files(root: &Path) -> Result<Vec<(String, String)>, Finding> {
    let mut paths = Vec::new();
    if let Ok(entries) = std::fs::read_dir(root.join(GITHUB_DIR)) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let is_yaml = name.ends_with(".yml") || name.ends_with(".yaml");
            if is_yaml && entry.path().is_file() {
                paths.push(format!("{GITHUB_DIR}/{name}"));
            }
        }
    }
    paths.sort();
    if root.join(GITLAB_FILE).is_file() {
        paths.push(GITLAB_FILE.to_owned());
    }
    paths
        .into_iter()
        .map(|rel| match std::fs::read_to_string(root.join(&rel)) {
            Ok(text) => Ok((rel, text)),
            Err(e) => Err(Finding::error(format!("{rel} could not be read: {e}"))
                .code(FindingCode::UnreadableFile)
                .at(Location::file(rel))),
        })
        .collect()
}

/// One script (a `run:` or a `script:` item) and where it sits, in words.
#[derive(Debug, Default)]
struct Script {
    context: String,
    text: String,
    /// How to find it in the raw file.
    place: Place,
    /// The `env:` variables in force (workflow, job, step), to expand `$CARGO` and
    /// `${{ env.CARGO }}`.
    env: Vec<(String, String)>,
    /// Where the parser says it is written (the `run:` key, the step, the script item; inside
    /// the template for one merged in with `<<`): the search for its lines starts on that line.
    at: usize,
}

/// How a script's lines are found in the raw file, from where the parser says it is.
#[derive(Debug, Default)]
enum Place {
    /// From the script's own line on (GitLab's script items).
    #[default]
    Text,
    /// Under a GitHub step's `run:` key: only that key's block is searched, so a step's
    /// `name:`, `if:` or an action's inputs that repeat the command are never taken for it.
    Run,
    /// A step running cargo through an action (`actions-rs/cargo`): the command is written
    /// nowhere, so it is located at the `command:` input of the step whose `uses:` is this.
    Action { uses: String },
}

/// Parses a CI file into its scripts, in document order.
fn parse(rel: &str, text: &str) -> Result<Vec<Script>, Finding> {
    let doc = crate::yaml::parse(text).map_err(|e| {
        Finding::error(format!("{rel} is not valid YAML: {e}"))
            .code(FindingCode::InvalidYaml)
            .at(Location::at(rel, to_u32(e.line), to_u32(e.column)))
    })?;
    let mut scripts = Vec::new();
    if rel == GITLAB_FILE {
        gitlab_scripts(&doc, &mut scripts);
    } else {
        github_scripts(&doc, &mut scripts);
    }
    Ok(scripts)
}

/// The `env:` map of a workflow, job or step, as strings.
fn env_of(value: &Node) -> Vec<(String, String)> {
    value
        .get("env")
        .and_then(Node::as_mapping)
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| {
            let v = match &v.kind {
                YamlKind::String(s) | YamlKind::Number(s) => s.clone(),
                YamlKind::Bool(b) => b.to_string(),
                _ => return None,
            };
            Some((key_name(k), v))
        })
        .collect()
}

/// Actions whose steps run cargo with `command:` and `args:` inputs.
const CARGO_ACTIONS: &[&str] = &[
    "actions-rs/cargo",
    "marcopolo/cargo",
    "clechasseur/rs-cargo",
];

fn github_scripts(doc: &Node, out: &mut Vec<Script>) {
    let Some(jobs) = doc.get("jobs").and_then(Node::as_mapping) else {
        return;
    };
    let workflow_env = env_of(doc);
    for (job, body) in jobs {
        let job = key_name(job);
        let Some(steps) = body.get("steps").and_then(Node::as_sequence) else {
            continue;
        };
        let mut job_env = workflow_env.clone();
        job_env.extend(env_of(body));
        for (index, step) in steps.iter().enumerate() {
            let step_name = match step.get("name").and_then(Node::as_str) {
                Some(name) => format!("step `{name}`"),
                None => format!("step {}", index + 1),
            };
            let mut env = job_env.clone();
            env.extend(env_of(step));
            if let Some((key, run)) = step.entry("run")
                && let Some(run) = run.as_str()
            {
                out.push(Script {
                    context: format!("job `{job}`, {step_name}"),
                    text: run.to_owned(),
                    place: Place::Run,
                    env,
                    at: key.offset,
                });
                continue;
            }
            let Some(uses) = step.get("uses").and_then(Node::as_str) else {
                continue;
            };
            let action = uses.split('@').next().unwrap_or(uses);
            // Owners and repositories on GitHub are case-insensitive.
            if !CARGO_ACTIONS.iter().any(|a| a.eq_ignore_ascii_case(action)) {
                continue;
            }
            let input = |name: &str| step.get("with").and_then(|w| w.get(name)).map(key_name);
            let Some(command) = input("command") else {
                continue;
            };
            let program = if input("use-cross").is_some_and(|v| v == "true") {
                "cross"
            } else {
                "cargo"
            };
            let args = input("args").unwrap_or_default().replace('\n', " ");
            out.push(Script {
                context: format!("job `{job}`, {step_name} (`{action}`)"),
                text: format!("{program} {command} {args}").trim_end().to_owned(),
                place: Place::Action {
                    uses: uses.to_owned(),
                },
                env,
                at: step.offset,
            });
        }
    }
}

fn gitlab_scripts(doc: &Node, out: &mut Vec<Script>) {
    let Some(top) = doc.as_mapping() else {
        return;
    };
    for (key, body) in top {
        let name = key_name(key);
        match name.as_str() {
            "before_script" | "after_script" => {
                script_items(body, &format!("top-level `{name}`"), out);
            }
            "default" => {
                for part in ["before_script", "after_script"] {
                    if let Some(items) = body.get(part) {
                        script_items(items, &format!("`default:{part}`"), out);
                    }
                }
            }
            _ if GITLAB_KEYWORDS.contains(&name.as_str()) => {}
            _ => job_scripts(body, &name, false, 0, out),
        }
    }
}

/// A GitLab job's scripts in document order, and those
/// of the templates it merges in with `<<`, which are written earlier in the file.
fn job_scripts(body: &Node, name: &str, merged: bool, depth: usize, out: &mut Vec<Script>) {
    let Some(job) = body.as_mapping() else {
        return;
    };
    for (part, items) in job {
        let part = key_name(part);
        match part.as_str() {
            "script" | "before_script" | "after_script" => {
                let context = if merged {
                    format!("job `{name}`, `{part}` merged in with `<<`")
                } else {
                    format!("job `{name}`, `{part}`")
                };
                script_items(items, &context, out);
            }
            // The parser has already replaced the alias by a copy; a bound on the depth keeps a
            // pathological document from recursing without end.
            "<<" if depth < 16 => {
                let templates: Vec<&Node> = match &items.kind {
                    YamlKind::Sequence(all) => all.iter().collect(),
                    _ => vec![items],
                };
                for template in templates {
                    job_scripts(template, name, true, depth + 1, out);
                }
            }
            _ => {}
        }
    }
}

/// A script entry: a string, or a list of them (nested lists come from anchors).
/// `!reference [...]` tags are not followed: the script they name is judged where it is
/// written.
fn script_items(value: &Node, context: &str, out: &mut Vec<Script>) {
    match &value.kind {
        YamlKind::String(text) => out.push(Script {
            context: context.to_owned(),
            text: text.clone(),
            at: value.offset,
            ..Script::default()
        }),
        YamlKind::Sequence(items) => {
            for item in items {
                script_items(item, context, out);
            }
        }
        _ => {}
    }
}

fn key_name(key: &Node) -> String {
    key.scalar_text().unwrap_or_default()
}

/// One shell line, continuations joined, and the first physical line to find it by.
#[derive(Debug)]
struct LogicalLine<'a> {
    text: String,
    first_physical: &'a str,
    /// Length of the first physical line's part in `text`.
    first_physical_len: usize,
}

fn logical_lines(script: &str) -> Vec<LogicalLine<'_>> {
    let mut out = Vec::new();
    let mut lines = script.lines();
    while let Some(first) = lines.next() {
        let first = first.trim();
        if first.is_empty() || first.starts_with('#') {
            continue;
        }
        let mut text = String::new();
        let mut current = first;
        let mut first_physical_len = None;
        loop {
            match current.strip_suffix('\\') {
                Some(head) => {
                    text.push_str(head);
                    text.push(' ');
                    first_physical_len.get_or_insert(text.len());
                    match lines.next() {
                        Some(next) => current = next.trim(),
                        None => break,
                    }
                }
                None => {
                    text.push_str(current);
                    first_physical_len.get_or_insert(text.len());
                    break;
                }
            }
        }
        out.push(LogicalLine {
            text,
            first_physical: first,
            first_physical_len: first_physical_len.unwrap_or(0),
        });
    }
    out
}

/// What a cargo invocation is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    /// A subcommand that builds: whether it is locked, and the first expansion among its
    /// arguments (which might hold the flag).
    Judged {
        locked: bool,
        expansion: Option<String>,
    },
    /// A subcommand that comes from an expansion the gate cannot expand (`cargo
    /// ${{ matrix.command }}`), without --locked or --frozen: it might build.
    Unknown { expansion: String },
    /// `cargo xtask …`.
    Alias,
}

#[derive(Debug, PartialEq, Eq)]
struct Invocation {
    /// Byte offset of `cargo` in the line.
    offset: usize,
    /// The command as written, from `cargo` to the end of its shell command.
    command: String,
    kind: Kind,
    /// `cargo install`: it builds the installed crate's own lockfile, so --locked matters
    /// whether or not this workspace has one.
    install: bool,
}

/// A word of a shell line: its text with quotes removed, and its byte offset.
#[derive(Debug)]
struct Word {
    text: String,
    offset: usize,
    end: usize,
    /// Comes from expanding a variable whose name says it holds cargo (`CARGO: ${{ … }}`).
    names_cargo: bool,
}

/// Splits a line into shell commands, each a list of words. Quotes group words and hide
/// separators; a backslash escapes the next character.
fn commands(line: &str) -> Vec<Vec<Word>> {
    let mut out = Vec::new();
    let mut words: Vec<Word> = Vec::new();
    let mut current: Option<Word> = None;
    let mut quote: Option<char> = None;
    let mut previous = None;
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let before = previous.replace(c);
        if let Some(q) = quote {
            if c == q {
                quote = None;
            } else if let Some(w) = current.as_mut() {
                w.text.push(c);
            }
            if let Some(w) = current.as_mut() {
                w.end = i + c.len_utf8();
            }
            continue;
        }
        // `2>&1` and `&>` are redirections, not `&` separators.
        let redirection =
            c == '&' && (before == Some('>') || chars.peek().is_some_and(|(_, next)| *next == '>'));
        let separator = matches!(c, ';' | '|' | '&' | '(' | ')' | '`') && !redirection;
        if c.is_whitespace() || separator {
            if let Some(w) = current.take() {
                words.push(w);
            }
            if separator && !words.is_empty() {
                out.push(std::mem::take(&mut words));
            }
            continue;
        }
        let word = current.get_or_insert_with(|| Word {
            text: String::new(),
            offset: i,
            end: i,
            names_cargo: false,
        });
        match c {
            '\'' | '"' => quote = Some(c),
            '\\' => {
                if let Some((_, next)) = chars.next() {
                    word.text.push(next);
                }
            }
            _ => word.text.push(c),
        }
        word.end = chars.peek().map_or(line.len(), |(j, _)| *j);
    }
    if let Some(w) = current.take() {
        words.push(w);
    }
    if !words.is_empty() {
        out.push(words);
    }
    out
}

/// The cargo invocations of one logical line that the check judges or notes. `--offline`
/// counts as locked only when there is a Cargo.lock (`offline_locks`): without one, an
/// offline build resolves afresh from whatever is cached.
fn invocations(line: &str, offline_locks: bool, env: &[(String, String)]) -> Vec<Invocation> {
    let mut out = Vec::new();
    // `${{ env.CARGO }}` is one word to the shell once GitHub has expanded it: make it one
    // word of the same length, so offsets into `line` stay true.
    let words_line = github_expressions_as_words(line);
    for words in commands(&words_line) {
        let words = expand(words, env);
        let Some(start) = words.iter().position(is_cargo) else {
            continue;
        };
        let args = &words[start + 1..];
        let mut i = 0;
        if args.get(i).is_some_and(|w| w.text.starts_with('+')) {
            i += 1;
        }
        // Global options may precede the subcommand.
        while let Some(word) = args.get(i) {
            if !word.text.starts_with('-') || word.text == "--" {
                break;
            }
            i += if GLOBAL_WITH_VALUE.contains(&word.text.as_str()) {
                2
            } else {
                1
            };
        }
        let Some(sub) = args.get(i) else {
            continue;
        };
        // Everything after a bare `--` goes to the program being run.
        let own = args.iter().take_while(|w| w.text != "--");
        let mut locked = false;
        let mut expansion = None;
        for word in own {
            match word.text.as_str() {
                "--locked" | "--frozen" => locked = true,
                "--offline" if offline_locks => locked = true,
                _ => {}
            }
            // Still an expansion after `env:` was applied: the gate cannot see its value.
            if expansion.is_none() && word.text.contains('$') {
                expansion = Some(line[word.offset..word.end].to_owned());
            }
        }
        let builds = JUDGED.iter().any(|(s, _)| *s == sub.text)
            || (sub.text == "nextest"
                && args[i + 1..]
                    .iter()
                    .find(|w| !w.text.starts_with('-'))
                    .is_some_and(|w| w.text == "run" || w.text == "r"));
        let kind = if builds {
            Kind::Judged { locked, expansion }
        } else if sub.text == "xtask" {
            Kind::Alias
        } else if sub.text.contains('$') {
            // `cargo ${{ matrix.command }}` may well build: judged only when it is locked.
            if locked {
                Kind::Judged {
                    locked,
                    expansion: None,
                }
            } else {
                Kind::Unknown {
                    expansion: line[sub.offset..sub.end].to_owned(),
                }
            }
        } else {
            continue;
        };
        let first = &words[start];
        let last = words.last().map_or(first.end, |w| w.end);
        out.push(Invocation {
            offset: first.offset,
            command: line[first.offset..last].trim().to_owned(),
            kind,
            install: sub.text == "install",
        });
    }
    out
}

/// The words of one command with every variable that `env:` defines replaced by the words
/// of its value, as the shell splits an unquoted expansion (values naming further variables
/// are followed a few levels deep). Each replacement keeps the span of the word it replaces,
/// so the command is still shown as written.
fn expand(mut words: Vec<Word>, env: &[(String, String)]) -> Vec<Word> {
    for _ in 0..4 {
        let mut changed = false;
        let mut out = Vec::with_capacity(words.len());
        for word in words {
            let resolved = variable(&word.text)
                .filter(|v| v.from_env)
                .and_then(|v| Some((names_cargo(v.name), lookup(env, v.name)?)));
            let Some((named_cargo, value)) = resolved else {
                out.push(word);
                continue;
            };
            changed = true;
            for part in github_expressions_as_words(value).split_whitespace() {
                out.push(Word {
                    text: part.to_owned(),
                    offset: word.offset,
                    end: word.end,
                    names_cargo: word.names_cargo || named_cargo,
                });
            }
        }
        words = out;
        if !changed {
            break;
        }
    }
    words
}

/// Whether a command word runs cargo: `cargo` (a path to it, `cargo.exe`), `cross` (which
/// takes cargo's subcommands and flags), or an expansion whose value the workflow does not
/// give but whose variable's name says it holds cargo ([`names_cargo`]). A variable that
/// `env:` defines has already been replaced by its value ([`expand`]), so `CARGO: cross`
/// is `cross`, and `CARGO: echo` is not cargo.
fn is_cargo(word: &Word) -> bool {
    if word.names_cargo && word.text.contains('$') {
        return true;
    }
    if let Some(variable) = variable(&word.text) {
        return names_cargo(variable.name);
    }
    let base = word.text.rsplit(['/', '\\']).next().unwrap_or(&word.text);
    matches!(base, "cargo" | "cargo.exe" | "cross" | "cross.exe")
}

/// Whether a variable's name says it holds the cargo program (any case): `CARGO`, a name
/// ending in `_CARGO` (`MY_CARGO`), or `CARGO_BIN`, `CARGO_CMD`, `CARGO_COMMAND`,
/// `CARGO_EXE`. Cargo's own settings (`CARGO_HOME`, `CARGO_TARGET_DIR`, …) hold no program.
fn names_cargo(name: &str) -> bool {
    let name = name.to_ascii_uppercase();
    name == "CARGO"
        || name.ends_with("_CARGO")
        || matches!(
            name.strip_prefix("CARGO_"),
            Some("BIN" | "CMD" | "COMMAND" | "EXE")
        )
}

/// A variable that a whole word expands.
#[derive(Debug, PartialEq, Eq)]
struct Variable<'w> {
    name: &'w str,
    /// Whether `env:` gives its value: a shell variable (`$NAME`, `${NAME}`) or
    /// `${{ env.NAME }}`. `${{ matrix.NAME }}`, `${{ vars.NAME }}` and `${{ inputs.NAME }}`
    /// are named, not resolved.
    from_env: bool,
}

/// The variable a word expands, when the whole word is one: `$NAME`, `${NAME}`, or a GitHub
/// expression `${{ env.NAME }}` (after [`github_expressions_as_words`]).
fn variable(word: &str) -> Option<Variable<'_>> {
    let (name, from_env) = if let Some(rest) = word.strip_prefix("${{") {
        // The expression's blanks were turned into `_`.
        let rest = rest.strip_suffix("}}")?.trim_matches('_');
        match rest.split_once('.')? {
            ("env", name) => (name, true),
            ("matrix" | "vars" | "inputs", name) => (name, false),
            _ => return None,
        }
    } else if let Some(rest) = word.strip_prefix("${") {
        (rest.strip_suffix('}')?, true)
    } else {
        (word.strip_prefix('$')?, true)
    };
    (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .then_some(Variable { name, from_env })
}

fn lookup<'e>(env: &'e [(String, String)], name: &str) -> Option<&'e str> {
    // Later (inner) definitions override earlier ones.
    env.iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// `${{ expr }}` with its blanks, quotes and shell operators turned into `_`, so the shell
/// splitting sees one word at the same offsets: GitHub substitutes the whole expression
/// before the shell runs (`${{ a && '--locked' || '' }}` is one value, not three commands).
fn github_expressions_as_words(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(start) = rest.find("${{") {
        let Some(len) = rest[start..].find("}}").map(|end| end + 2) else {
            break;
        };
        out.push_str(&rest[..start]);
        out.extend(rest[start..start + len].chars().map(|c| {
            if c.is_ascii_whitespace() || "'\"`;|&()<>\\".contains(c) {
                '_'
            } else {
                c
            }
        }));
        rest = &rest[start + len..];
    }
    out.push_str(rest);
    out
}

/// Where a script line (or an action step) was found in the raw file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Spot {
    /// Byte offset of the line's first character (of an action step's `command:` key).
    offset: usize,
    /// 1-based char column of `offset`.
    column: u32,
    /// An action step: all its invocations sit here, none at a column of its own.
    step: bool,
}

/// Finds each line of a script ahead of `cursor` (the line the parser placed the script on),
/// moving it on; a line not found ahead (an alias whose text the anchor wrote earlier) is
/// looked for behind it.
fn search_text(text: &str, cursor: &mut usize, lines: &[LogicalLine<'_>]) -> Vec<Option<Spot>> {
    lines
        .iter()
        .map(|line| {
            let needle = line.first_physical;
            let found = if let Some(found) = locate(text, *cursor, text.len(), needle) {
                *cursor = found.0 + needle.len();
                Some(found)
            } else {
                locate(text, 0, *cursor, needle)
            };
            found.map(|(offset, column)| Spot {
                offset,
                column,
                step: false,
            })
        })
        .collect()
}

/// A `key:` that opens a block-style mapping entry on its own raw line (after any `- `
/// sequence markers), plain or quoted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RawKey {
    /// Byte offset of the start of its line.
    line_start: usize,
    /// Byte offset of the key (of its opening quote when quoted).
    offset: usize,
    /// Byte offset of its value on the key's line, after `:` and blanks.
    value: usize,
    /// End of the key's line, before any `\r\n`.
    line_end: usize,
    /// The key's column (0-based): the lines of its value are indented deeper.
    column: usize,
    /// A `- ` marker precedes it: it opens a sequence item (a step).
    starts_item: bool,
}

/// The raw lines from the one holding `from` onward, as (start, end) byte offsets, the end
/// before any `\r\n`.
fn raw_lines(text: &str, from: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut start = text
        .get(..from)
        .map_or(text.len(), |before| before.rfind('\n').map_or(0, |i| i + 1));
    std::iter::from_fn(move || {
        if start >= text.len() {
            return None;
        }
        let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line = (start, end - usize::from(text[..end].ends_with('\r')));
        start = end + 1;
        Some(line)
    })
}

/// The key a raw line opens, with its name, if any.
fn key_on_line(text: &str, line_start: usize, line_end: usize) -> Option<(&str, RawKey)> {
    let line = &text[line_start..line_end];
    let mut rest = line.trim_start_matches(' ');
    let mut starts_item = false;
    while let Some(after) = rest
        .strip_prefix('-')
        .filter(|after| after.is_empty() || after.starts_with(' '))
    {
        rest = after.trim_start_matches(' ');
        starts_item = true;
    }
    let column = line.len() - rest.len();
    let (name, after) = match rest.chars().next() {
        Some(quote @ ('"' | '\'')) => {
            let inner = &rest[1..];
            let close = inner.find(quote)?;
            (&inner[..close], inner[close + 1..].strip_prefix(':')?)
        }
        _ => {
            // `run : x` is a key too.
            let (name, after) = rest.split_once(':')?;
            let name = name.trim_end_matches([' ', '\t']);
            let plain = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
            (plain.then_some(name)?, after)
        }
    };
    if !(after.is_empty() || after.starts_with([' ', '\t'])) {
        return None;
    }
    let value = line_end - after.trim_start_matches([' ', '\t']).len();
    let key = RawKey {
        line_start,
        offset: line_start + column,
        value,
        line_end,
        column,
        starts_item,
    };
    Some((name, key))
}

/// Every `name:` key at or after `from`, in order.
fn raw_keys<'t>(text: &'t str, from: usize, name: &'t str) -> impl Iterator<Item = RawKey> + 't {
    raw_lines(text, from)
        .filter_map(move |(start, end)| key_on_line(text, start, end))
        .filter(move |(key_name, key)| *key_name == name && key.offset >= from)
        .map(|(_, key)| key)
}

/// Indentation of a raw line, or `None` for a blank or comment-only line, which ends no
/// block.
fn indent_of(line: &str) -> Option<usize> {
    let content = line.trim_start_matches(' ');
    let blank = content.trim().is_empty() || content.starts_with('#');
    (!blank).then_some(line.len() - content.len())
}

/// A step's `run:` key and the end of its block: the key's line and every following line
/// indented deeper (a `|` or `>` block scalar, or a plain scalar folded over lines).
#[derive(Debug, Clone, Copy)]
struct RunBlock {
    key: RawKey,
    end: usize,
}

/// A script line found in a [`RunBlock`]: where it starts, and where the match ends.
#[derive(Debug, Clone, Copy)]
struct BlockMatch {
    spot: Spot,
    end: usize,
}

/// The block of the step that runs `first_line`: the first `run:` key at or after `cursor`
/// whose block holds that line as written, or else the next `run:` key that holds a script at
/// all, when the line is somewhere in it (a double-quoted scalar with escapes). A step's
/// `name:`, `if:` or an action's inputs may repeat the command, but only a `run:` block runs
/// it, and a `run:` key that holds no script (`defaults: run: shell: bash`) is passed over.
fn run_block(text: &str, cursor: usize, first_line: &str) -> Option<RunBlock> {
    let mut next_script = None;
    for key in raw_keys(text, cursor, "run") {
        let block = RunBlock::new(text, key);
        if block
            .find_as_written(text, key.offset, first_line)
            .is_some()
        {
            return Some(block);
        }
        let value = &text[key.value..key.line_end];
        if next_script.is_none() && !value.is_empty() && !value.starts_with('#') {
            next_script = Some(block);
        }
    }
    next_script.filter(|block| locate(text, block.key.offset, block.end, first_line).is_some())
}

impl RunBlock {
    /// The key's block: its line and every following line indented deeper (a `|` or `>`
    /// block scalar, or a plain scalar folded over lines).
    fn new(text: &str, key: RawKey) -> RunBlock {
        let mut end = key.line_end;
        for (start, line_end) in raw_lines(text, key.line_end).skip(1) {
            match indent_of(&text[start..line_end]) {
                Some(indent) if indent <= key.column => break,
                Some(_) => end = line_end,
                // A comment-looking line deeper than the key is part of a block scalar.
                None if text[start..line_end].len() > key.column => end = line_end,
                None => {}
            }
        }
        RunBlock { key, end }
    }

    /// The script's raw lines at or after `from`: where each starts, and its text (on the
    /// key's line, the value).
    fn lines<'t>(&self, text: &'t str, from: usize) -> Vec<(usize, &'t str)> {
        raw_lines(text, from)
            .take_while(|&(start, _)| start <= self.end)
            .filter_map(|(start, end)| {
                let content_start = if start == self.key.line_start {
                    self.key.value
                } else {
                    end - text[start..end].trim_start().len()
                };
                (content_start >= from)
                    .then(|| (content_start, text[content_start..end].trim_end()))
            })
            .collect()
    }

    /// Finds the script line `needle` at or after `from` as written: a whole raw line (the
    /// value on the key's line unquoted, a trailing YAML comment allowed), or the raw lines
    /// that a folded scalar joins into it.
    fn find_as_written(&self, text: &str, from: usize, needle: &str) -> Option<BlockMatch> {
        let lines = self.lines(text, from);
        for (i, &(start, content)) in lines.iter().enumerate() {
            let whole = if content == needle {
                Some(start)
            } else if ['"', '\'']
                .iter()
                .any(|&q| content.strip_prefix(q).and_then(|c| c.strip_suffix(q)) == Some(needle))
            {
                Some(start + 1)
            } else {
                let commented = content.strip_prefix(needle).is_some_and(|rest| {
                    rest.starts_with([' ', '\t']) && rest.trim_start().starts_with('#')
                });
                commented.then_some(start)
            };
            if let Some(offset) = whole {
                return Some(block_match(text, offset, offset + needle.len()));
            }
            // A folded scalar: this line and the next ones, joined by spaces.
            let mut joined = content.to_owned();
            let mut end = start + content.len();
            for &(next_start, next) in &lines[i + 1..] {
                if joined.len() >= needle.len() || !needle.starts_with(joined.as_str()) {
                    break;
                }
                joined.push(' ');
                joined.push_str(next);
                end = next_start + next.len();
            }
            if joined == needle && !content.is_empty() {
                return Some(block_match(text, start, end));
            }
        }
        None
    }

    /// Finds the script line `needle` at or after `from`: as written, or else anywhere in a
    /// line of the block.
    fn find(&self, text: &str, from: usize, needle: &str) -> Option<BlockMatch> {
        self.find_as_written(text, from, needle).or_else(|| {
            let (offset, _) = locate(text, from, self.end, needle)?;
            Some(block_match(text, offset, offset + needle.len()))
        })
    }
}

/// A match from `offset` to `end`, with the column of `offset`.
fn block_match(text: &str, offset: usize, end: usize) -> BlockMatch {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    BlockMatch {
        spot: Spot {
            offset,
            column: count_chars(&text[line_start..offset]) + 1,
            step: false,
        },
        end,
    }
}

/// The step whose `uses:` is `uses`, at or after `from`: the spot of its `command:` input (of
/// its `uses:` key when the input is not written in block style).
fn action_step(text: &str, from: usize, uses: &str) -> Option<Spot> {
    let key = raw_keys(text, from, "uses")
        .find(|key| yaml_scalar(&text[key.value..key.line_end]) == uses)?;
    // The step's keys may come in any order: back to its `- ` marker, and on while lines are
    // indented at least as deep as its keys.
    let mut start = key.line_start;
    if !key.starts_item {
        let mut pos = key.line_start;
        while pos > 0 {
            let line_start = text[..pos - 1].rfind('\n').map_or(0, |i| i + 1);
            let line_end = pos - 1 - usize::from(text[..pos - 1].ends_with('\r'));
            pos = line_start;
            let Some(indent) = indent_of(&text[line_start..line_end]) else {
                continue;
            };
            if let Some((_, opener)) = key_on_line(text, line_start, line_end)
                && opener.starts_item
                && opener.column == key.column
            {
                start = line_start;
                break;
            }
            if indent < key.column {
                break;
            }
        }
    }
    let mut end = key.line_end;
    for (line_start, line_end) in raw_lines(text, key.line_end).skip(1) {
        match indent_of(&text[line_start..line_end]) {
            Some(indent) if indent < key.column => break,
            Some(_) => end = line_end,
            None => {}
        }
    }
    let at = raw_keys(text, start, "command")
        .take_while(|command| command.offset < end)
        .find(|command| command.column > key.column)
        .unwrap_or(key);
    Some(Spot {
        offset: at.offset,
        column: count_chars(&text[at.line_start..at.offset]) + 1,
        step: true,
    })
}

/// A scalar as written on its key's line, without quotes or a trailing comment.
fn yaml_scalar(raw: &str) -> &str {
    let raw = raw.trim();
    for quote in ['"', '\''] {
        if let Some(inner) = raw.strip_prefix(quote)
            && let Some(close) = inner.find(quote)
        {
            return &inner[..close];
        }
    }
    raw.split(" #").next().unwrap_or(raw).trim_end()
}

/// Finds `needle` starting in `text[from..to]`, outside YAML comment lines: the byte offset
/// of the match and its 1-based column. A match that ends its raw line (up to a closing
/// quote or comment) is preferred over one that is only a prefix of a longer line.
fn locate(text: &str, from: usize, to: usize, needle: &str) -> Option<(usize, u32)> {
    if needle.is_empty() || from >= to || to > text.len() {
        return None;
    }
    let mut first = None;
    let mut search = from;
    while let Some(found) = text.get(search..).and_then(|rest| rest.find(needle)) {
        if search + found >= to {
            break;
        }
        let offset = search + found;
        search = offset + needle.len().max(1);
        let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
        let prefix = text[line_start..offset].trim();
        if prefix.starts_with('#') || is_other_key(prefix) {
            continue;
        }
        let column = count_chars(&text[line_start..offset]) + 1;
        let rest = text[offset + needle.len()..line_end].trim();
        // A closing quote ends the line only when the match opens right after its partner:
        // `run: "cargo test"` is the command, `echo "about to cargo test"` is not.
        let quoted = rest
            .chars()
            .next()
            .filter(|&q| q == '"' || q == '\'')
            .is_some_and(|q| rest.chars().all(|c| c == q) && text[..offset].ends_with(q));
        let ends_line = rest.is_empty() || rest.starts_with('#') || quoted;
        if ends_line {
            return Some((offset, column));
        }
        first.get_or_insert((offset, column));
    }
    first
}

/// Whether the text before a match on its line opens a YAML key whose value is not a
/// script: a step's `name: cargo test`, `name: "Run cargo test"` or `if: …` names or guards
/// the step, it runs nothing.
fn is_other_key(prefix: &str) -> bool {
    let mut rest = prefix.trim();
    while let Some(after) = rest.strip_prefix("- ") {
        rest = after.trim_start();
    }
    let key = match rest.chars().next() {
        Some(quote @ ('"' | '\'')) => rest[1..].split_once(quote).and_then(|(key, after)| {
            let after = after.strip_prefix(':')?;
            (after.is_empty() || after.starts_with([' ', '\t'])).then_some(key)
        }),
        _ => rest.split_once(':').and_then(|(key, after)| {
            let plain = !key.is_empty()
                && key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
            (plain && (after.is_empty() || after.starts_with([' ', '\t']))).then_some(key)
        }),
    };
    key.is_some_and(|key| {
        !matches!(
            key,
            "run" | "script" | "before_script" | "after_script" | "command"
        )
    })
}

fn count_chars(text: &str) -> u32 {
    to_u32(text.chars().count())
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Status;
    use crate::checks::testing::with_files;
    use crate::config::Config;

    /// The check on `files` plus a committed Cargo.lock.
    fn run(files: &[(&str, &str)]) -> Outcome {
        let mut all = vec![("Cargo.lock", "version = 4\n")];
        all.extend_from_slice(files);
        run_without_lock(&all)
    }

    fn run_without_lock(files: &[(&str, &str)]) -> Outcome {
        with_files(files, &["app"], Config::default(), |ctx| CiLocked.run(ctx))
    }

    /// `LOCATION SEVERITY MESSAGE-START` for each finding, for compact assertions.
    fn listed(outcome: &Outcome) -> Vec<String> {
        outcome
            .findings
            .iter()
            .map(|f| {
                let at = f
                    .location
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                let command = f.message.split(')').next().unwrap_or_default();
                format!("{at} {:?} {command})", f.severity)
            })
            .collect()
    }

    fn kinds(line: &str) -> Vec<(String, Kind)> {
        invocations(line, true, &[])
            .into_iter()
            .map(|i| (i.command, i.kind))
            .collect()
    }

    fn judged(locked: bool) -> Kind {
        Kind::Judged {
            locked,
            expansion: None,
        }
    }

    #[test]
    fn invocations_in_shell_lines() {
        let cases: &[(&str, &[(&str, Kind)])] = &[
            (
                "cargo build --release",
                &[("cargo build --release", judged(false))],
            ),
            (
                "cargo build --locked",
                &[("cargo build --locked", judged(true))],
            ),
            (
                "cargo +nightly test --frozen",
                &[("cargo +nightly test --frozen", judged(true))],
            ),
            (
                "cargo --locked -v check",
                &[("cargo --locked -v check", judged(true))],
            ),
            (
                "cargo --color always clippy",
                &[("cargo --color always clippy", judged(false))],
            ),
            ("cargo t --offline", &[("cargo t --offline", judged(true))]),
            (
                "cargo run -- --locked",
                &[("cargo run -- --locked", judged(false))],
            ),
            (
                "cargo nextest run --locked",
                &[("cargo nextest run --locked", judged(true))],
            ),
            (
                "cargo nextest r --profile ci",
                &[("cargo nextest r --profile ci", judged(false))],
            ),
            (
                "cargo build 2>&1 | tee build.log",
                &[("cargo build 2>&1", judged(false))],
            ),
            ("cargo nextest list", &[]),
            (
                "cargo install cargo-deny",
                &[("cargo install cargo-deny", judged(false))],
            ),
            (
                "cargo fmt --check && cargo doc",
                &[("cargo doc", judged(false))],
            ),
            (
                "cargo build --locked; cargo test | tee log",
                &[
                    ("cargo build --locked", judged(true)),
                    ("cargo test", judged(false)),
                ],
            ),
            (
                "RUSTFLAGS=-Dwarnings ~/.cargo/bin/cargo bench",
                &[("~/.cargo/bin/cargo bench", judged(false))],
            ),
            ("rustup run stable cargo b", &[("cargo b", judged(false))]),
            ("cargo xtask ci", &[("cargo xtask ci", Kind::Alias)]),
            ("echo \"cargo build\"", &[]),
            ("cargo --version", &[]),
            ("which cargo", &[]),
            (
                "cargo test --features 'a b' $EXTRA",
                &[(
                    "cargo test --features 'a b' $EXTRA",
                    Kind::Judged {
                        locked: false,
                        expansion: Some("$EXTRA".to_owned()),
                    },
                )],
            ),
            ("(cd sub && cargo check)", &[("cargo check", judged(false))]),
        ];
        for (line, expected) in cases {
            let expected: Vec<(String, Kind)> = expected
                .iter()
                .map(|(c, k)| ((*c).to_owned(), k.clone()))
                .collect();
            assert_eq!(kinds(line), expected, "{line}");
        }
    }

    #[test]
    fn offline_counts_only_with_a_lockfile() {
        let offline = |lock| {
            invocations("cargo test --offline", lock, &[])[0]
                .kind
                .clone()
        };
        assert_eq!(offline(true), judged(true));
        assert_eq!(offline(false), judged(false));
        // Without a Cargo.lock, --offline resolves afresh: not locked, and --locked cannot
        // be added before the lockfile is committed, so the one cause is lockfile.locked.
        let outcome = run_without_lock(&[(
            ".github/workflows/ci.yml",
            "jobs:\n  a:\n    steps:\n      - run: cargo test --offline\n",
        )]);
        assert_eq!(outcome.blocked_by.as_deref(), Some("lockfile.locked"));
        assert!(
            outcome.findings[0]
                .message
                .contains("does not pass --locked; with no Cargo.lock committed"),
            "{}",
            outcome.findings[0].message
        );
    }

    #[test]
    fn continuation_lines_join_and_comments_drop() {
        let lines = logical_lines("# setup\ncargo build \\\n  --locked\n\necho done\n");
        let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["cargo build  --locked", "echo done"]);
        assert_eq!(lines[0].first_physical, "cargo build \\");
    }

    const GITHUB: &str = "\
name: ci
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      # - run: cargo build
      - name: Build
        run: cargo build --locked
      - run: |
          cargo fmt --check
          cargo test --workspace
          cargo build
  lint:
    runs-on: ubuntu-latest
    steps:
      - run: cargo clippy -- -D warnings
      - run: cargo build
";

    #[test]
    fn github_steps_are_judged_at_their_lines() {
        let outcome = run(&[(".github/workflows/ci.yml", GITHUB)]);
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
        assert_eq!(outcome.summary, "4 of 5 cargo invocation(s) lack --locked");
        assert_eq!(
            listed(&outcome),
            [
                ".github/workflows/ci.yml:13:11 Error `cargo test --workspace` (job `test`, step 3)",
                ".github/workflows/ci.yml:14:11 Error `cargo build` (job `test`, step 3)",
                ".github/workflows/ci.yml:18:14 Error `cargo clippy -- -D warnings` (job `lint`, step 1)",
                ".github/workflows/ci.yml:19:14 Error `cargo build` (job `lint`, step 2)",
            ]
        );
        assert!(outcome.findings[0].message.ends_with("(fix: add --locked)"));
    }

    const GITLAB: &str = "\
stages: [test]
variables:
  CARGO_HOME: .cargo
.setup: &setup
  - cargo build --release
.rust: &rust
  before_script:
    - cargo fetch
    - cargo build --locked
  script:
    - cargo clippy
default:
  before_script:
    - rustup show
test:
  <<: *rust
  before_script: *setup
  script:
    - cargo test
    - |
      cargo xtask ci
      cargo check --frozen
  after_script: cargo doc --no-deps
";

    #[test]
    fn gitlab_jobs_templates_aliases_and_defaults_are_judged_once_where_written() {
        let outcome = run(&[(GITLAB_FILE, GITLAB), ("Cargo.lock", "")]);
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
        assert_eq!(
            listed(&outcome),
            [
                ".gitlab-ci.yml:11:7 Error `cargo clippy` (job `.rust`, `script`)",
                ".gitlab-ci.yml:5:5 Error `cargo build --release` (job `test`, `before_script`)",
                ".gitlab-ci.yml:19:7 Error `cargo test` (job `test`, `script`)",
                ".gitlab-ci.yml:21:7 Note `cargo xtask ci` (job `test`, `script`)",
                ".gitlab-ci.yml:23:17 Error `cargo doc --no-deps` (job `test`, `after_script`)",
            ]
        );
        // The template merged into `test` is not counted again.
        assert_eq!(outcome.summary, "4 of 6 cargo invocation(s) lack --locked");
        assert!(
            outcome.findings[0]
                .message
                .contains("--frozen or --offline")
        );
    }

    #[test]
    fn everything_locked_passes_with_counts() {
        let outcome = run(&[
            (
                ".github/workflows/ci.yaml",
                "jobs:\n  a:\n    steps:\n      - run: cargo test --locked\n",
            ),
            (
                ".github/workflows/release.yml",
                "jobs:\n  b:\n    steps:\n      - run: cargo build --release --locked\n      - run: cargo xtask dist\n",
            ),
            (".github/workflows/notes.txt", "cargo build\n"),
        ]);
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert_eq!(
            outcome.summary,
            "2 cargo invocation(s) in 2 CI file(s) (.github/workflows/ci.yaml, \
             .github/workflows/release.yml) all pass --locked/--frozen"
        );
        assert_eq!(outcome.findings.len(), 1, "the xtask note");
    }

    #[test]
    fn warnings_for_no_config_no_invocations_and_expansions() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (
                &[],
                "no CI configuration (.github/workflows/*.yml or .gitlab-ci.yml)",
            ),
            (
                &[(
                    ".github/workflows/ci.yml",
                    "jobs:\n  a:\n    steps:\n      - run: make\n",
                )],
                "no cargo build/test/run invocation found in 1 CI file(s)",
            ),
            (
                &[(
                    ".github/workflows/ci.yml",
                    "jobs:\n  a:\n    steps:\n      - run: cargo test ${{ matrix.flags }}\n",
                )],
                "1 cargo invocation(s) in 1 CI file(s) (.github/workflows/ci.yml): 1 cannot be judged",
            ),
        ];
        for (files, summary) in cases {
            let outcome = run(files);
            assert_eq!(outcome.status, Status::Warn, "{outcome:?}");
            assert!(outcome.summary.starts_with(summary), "{}", outcome.summary);
        }
        let none = run(&[]);
        assert!(
            none.findings[0]
                .message
                .contains("`cargo gate init` writes one")
        );
    }

    #[test]
    fn malformed_yaml_fails_with_the_parser_position() {
        let outcome = run(&[
            (".github/workflows/ci.yml", "jobs:\n  a: [1\n  b: 2\n"),
            (GITLAB_FILE, "test:\n  script: cargo test --locked\n"),
        ]);
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(outcome.summary, "1 CI file(s) are not valid YAML");
        let finding = &outcome.findings[0];
        assert!(
            finding
                .message
                .starts_with(".github/workflows/ci.yml is not valid YAML: ")
        );
        assert!(finding.message.contains("line 3"), "{}", finding.message);
        let location = finding.location.as_ref().unwrap();
        assert_eq!(
            (location.file.as_str(), location.line),
            (".github/workflows/ci.yml", Some(3))
        );
    }

    #[test]
    fn locate_prefers_whole_lines_and_skips_comments() {
        let text = "# cargo build\nrun: cargo build --release\nrun: cargo build\n";
        let end = text.len();
        let (offset, column) = locate(text, 0, end, "cargo build").unwrap();
        assert_eq!(crate::config::line_col(text, offset), (3, 6));
        assert_eq!(column, 6);
        assert_eq!(locate(text, offset + 1, end, "cargo build"), None);
        assert_eq!(locate(text, 0, end, "cargo nothing"), None);
        // Only the prefix match on line 2 lies before line 3.
        let (before, _) = locate(text, 0, offset, "cargo build").unwrap();
        assert_eq!(crate::config::line_col(text, before), (2, 6));
    }

    const LOCKED_APP: &[(&str, &str)] = &[("Cargo.lock", "version = 4\n")];

    fn run_workflow(workflow: &str) -> Outcome {
        let mut files = LOCKED_APP.to_vec();
        files.push((".github/workflows/ci.yml", workflow));
        run(&files)
    }

    #[test]
    fn cargo_behind_variables_and_cross_is_cargo() {
        let workflow = r#"env:
  CARGO: cargo
  FLAGS: --locked
jobs:
  test:
    env:
      TOOL: cross
    steps:
      - run: ${{ env.CARGO }} test --workspace
      - run: $CARGO build
      - run: ${CARGO} check --locked
      - run: $TOOL build --target aarch64-unknown-linux-gnu
      - run: cross test --locked
      - run: cargo test $FLAGS
      - run: cargo test $OTHER
"#;
        let outcome = run_workflow(workflow);
        assert_eq!(
            listed(&outcome),
            [
                ".github/workflows/ci.yml:9:14 Error `${{ env.CARGO }} test --workspace` (job `test`, step 1)",
                ".github/workflows/ci.yml:10:14 Error `$CARGO build` (job `test`, step 2)",
                ".github/workflows/ci.yml:12:14 Error `$TOOL build --target aarch64-unknown-linux-gnu` (job `test`, step 4)",
                ".github/workflows/ci.yml:15:14 Warning `cargo test $OTHER` (job `test`, step 7)",
            ]
        );
        assert_eq!(outcome.summary, "3 of 7 cargo invocation(s) lack --locked");
    }

    #[test]
    fn cargo_action_steps_are_invocations_at_their_command_line() {
        let workflow = r#"jobs:
  build:
    steps:
      - name: cargo build
        uses: actions-rs/cargo@v1
        with:
          command: build
          args: --release --all-features
      - uses: actions-rs/cargo@v1
        with:
          use-cross: true
          command: test
          args: --locked
      - uses: actions/checkout@v4
"#;
        let outcome = run_workflow(workflow);
        assert_eq!(
            listed(&outcome),
            [
                ".github/workflows/ci.yml:7:11 Error `cargo build --release --all-features` (job `build`, step `cargo build` (`actions-rs/cargo`)"
            ]
        );
        assert_eq!(outcome.summary, "1 of 2 cargo invocation(s) lack --locked");
    }

    #[test]
    fn the_command_line_is_located_not_the_step_name_and_repeats_count_twice() {
        let workflow = r#"jobs:
  a:
    steps:
      - name: cargo test
        run: cargo test
      - name: again
        run: |
          cargo test
          cargo test
  b:
    steps:
      - run: cargo test
"#;
        let outcome = run_workflow(workflow);
        let at: Vec<String> = outcome
            .findings
            .iter()
            .map(|f| f.location.as_ref().unwrap().to_string())
            .collect();
        assert_eq!(
            at,
            [
                ".github/workflows/ci.yml:5:14",
                ".github/workflows/ci.yml:8:11",
                ".github/workflows/ci.yml:9:11",
                ".github/workflows/ci.yml:12:14",
            ]
        );
        assert_eq!(outcome.summary, "4 of 4 cargo invocation(s) lack --locked");
    }

    #[test]
    fn without_a_lockfile_only_installs_fail_and_the_rest_is_blocked() {
        let workflow = "jobs:\n  a:\n    steps:\n      - run: cargo test\n      - run: cargo build --release\n";
        let outcome = run_without_lock(&[(".github/workflows/ci.yml", workflow)]);
        assert_eq!(
            outcome.skip,
            Some(crate::check::SkipKind::Blocked),
            "{outcome:?}"
        );
        assert_eq!(outcome.blocked_by.as_deref(), Some("lockfile.locked"));
        let with_install = format!("{workflow}      - run: cargo install cargo-deb\n");
        let outcome = run_without_lock(&[(".github/workflows/ci.yml", with_install.as_str())]);
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
        assert_eq!(
            outcome
                .findings
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .count(),
            1
        );
    }
    /// Runs each workflow (with a Cargo.lock) and compares its findings, as [`listed`], and
    /// the start of its summary.
    #[track_caller]
    fn check_workflows(cases: &[(&str, &[&str], &str)]) {
        for (workflow, findings, summary) in cases {
            let outcome = run_workflow(workflow);
            assert_eq!(listed(&outcome), *findings, "{workflow}");
            assert!(
                outcome.summary.starts_with(summary),
                "{workflow}\n{}",
                outcome.summary
            );
        }
    }

    #[test]
    fn commands_are_located_in_their_run_block_never_in_other_keys() {
        check_workflows(&[
            // A step name that repeats the command with more words, then a step that runs
            // the same command: each finding at its own `run:` line.
            (
                "jobs:\n  a:\n    steps:\n      - name: Run cargo test\n        run: cargo test\n      - run: cargo test\n",
                &[
                    ".github/workflows/ci.yml:5:14 Error `cargo test` (job `a`, step `Run cargo test`)",
                    ".github/workflows/ci.yml:6:14 Error `cargo test` (job `a`, step 2)",
                ],
                "2 of 2",
            ),
            // A quoted name, and an `if:` quoting the command.
            (
                "jobs:\n  a:\n    steps:\n      - name: \"cargo test\"\n        if: github.event_name == 'cargo test'\n        run: cargo test\n",
                &[".github/workflows/ci.yml:6:14 Error `cargo test` (job `a`, step `cargo test`)"],
                "1 of 1",
            ),
            // `defaults: run:` holds no script; an action's input that reads like a script
            // runs nothing.
            (
                "jobs:\n  a:\n    defaults:\n      run:\n        shell: bash\n    steps:\n      - uses: actions/github-script@v7\n        with:\n          script: |\n            cargo build\n      - name: build\n        run: |\n          cargo build\n",
                &[".github/workflows/ci.yml:13:11 Error `cargo build` (job `a`, step `build`)"],
                "1 of 1",
            ),
            // Quoted, commented and folded scalars.
            (
                "jobs:\n  a:\n    steps:\n      - run: \"cargo test\"\n      - run: cargo doc # docs\n      - run: >-\n          cargo build\n          --release\n",
                &[
                    ".github/workflows/ci.yml:4:15 Error `cargo test` (job `a`, step 1)",
                    ".github/workflows/ci.yml:5:14 Error `cargo doc` (job `a`, step 2)",
                    ".github/workflows/ci.yml:7:11 Error `cargo build --release` (job `a`, step 3)",
                ],
                "3 of 3",
            ),
            // A blank before the colon; a folded scalar of one word a line, whose first line
            // is a prefix of the step before's command (found in its own block, not there).
            (
                "jobs:\n  a:\n    steps:\n      - run : cargo build -p x\n      - run: >\n          cargo\n          check\n          --target wasm32-unknown-unknown\n",
                &[
                    ".github/workflows/ci.yml:4:15 Error `cargo build -p x` (job `a`, step 1)",
                    ".github/workflows/ci.yml:6:11 Error `cargo check --target wasm32-unknown-unknown` (job `a`, step 2)",
                ],
                "2 of 2",
            ),
        ]);
    }

    #[test]
    fn counts_are_exact_across_jobs_blocks_and_repeats() {
        let workflow = "\
jobs:
  lint:
    steps:
      - name: cargo clippy and cargo test
        run: |
          cargo clippy
          cargo test
          cargo clippy --locked
          cargo test
  test:
    name: cargo test
    steps:
      - name: Run cargo test
        run: cargo test
      - run: cargo test
";
        check_workflows(&[(
            workflow,
            &[
                ".github/workflows/ci.yml:6:11 Error `cargo clippy` (job `lint`, step `cargo clippy and cargo test`)",
                ".github/workflows/ci.yml:7:11 Error `cargo test` (job `lint`, step `cargo clippy and cargo test`)",
                ".github/workflows/ci.yml:9:11 Error `cargo test` (job `lint`, step `cargo clippy and cargo test`)",
                ".github/workflows/ci.yml:14:14 Error `cargo test` (job `test`, step `Run cargo test`)",
                ".github/workflows/ci.yml:15:14 Error `cargo test` (job `test`, step 2)",
            ],
            "5 of 6 cargo invocation(s) lack --locked",
        )]);
    }

    #[test]
    fn variables_naming_cargo_and_env_values_that_are_expressions() {
        check_workflows(&[
            // `CARGO` is cargo whatever the matrix puts in it; a flag variable whose value
            // is itself an expression cannot be judged.
            (
                "env:\n  CARGO: ${{ matrix.cargo }}\n  FLAGS: ${{ matrix.flags }}\njobs:\n  a:\n    steps:\n      - run: ${{ env.CARGO }} build --locked\n      - run: $CARGO test\n      - run: cargo build $FLAGS\n",
                &[
                    ".github/workflows/ci.yml:8:14 Error `$CARGO test` (job `a`, step 2)",
                    ".github/workflows/ci.yml:9:14 Warning `cargo build $FLAGS` (job `a`, step 3)",
                ],
                "1 of 3",
            ),
            // Names that say cargo; cargo's own settings and a literal non-cargo value do
            // not; a path through a variable is judged by its last part.
            (
                "env:\n  CARGO: echo\njobs:\n  a:\n    steps:\n      - run: ${{ env.CARGO_BIN }} build\n      - run: $MY_CARGO test\n      - run: ${{ matrix.cargo }} check\n      - run: '\"$CARGO_CMD\" build'\n      - run: $CARGO build\n      - run: $CARGO_HOME build\n      - run: $CARGO_HOME/bin/cargo doc\n",
                &[
                    ".github/workflows/ci.yml:6:14 Error `${{ env.CARGO_BIN }} build` (job `a`, step 1)",
                    ".github/workflows/ci.yml:7:14 Error `$MY_CARGO test` (job `a`, step 2)",
                    ".github/workflows/ci.yml:8:14 Error `${{ matrix.cargo }} check` (job `a`, step 3)",
                    ".github/workflows/ci.yml:9:15 Error `\"$CARGO_CMD\" build` (job `a`, step 4)",
                    ".github/workflows/ci.yml:12:14 Error `$CARGO_HOME/bin/cargo doc` (job `a`, step 7)",
                ],
                "5 of 5",
            ),
            // A variable defined from another, at step level.
            (
                "env:\n  TOOL: cross\njobs:\n  a:\n    steps:\n      - env:\n          CARGO: ${{ env.TOOL }}\n          LOCK: --locked\n        run: $CARGO test ${LOCK}\n",
                &[],
                "1 cargo invocation(s) in 1 CI file(s) (.github/workflows/ci.yml) all pass",
            ),
        ]);
    }

    #[test]
    fn subcommands_and_expressions_from_variables_are_not_dropped() {
        check_workflows(&[
            (
                "jobs:\n  a:\n    steps:\n      - run: cargo ${{ matrix.command }} --release\n      - run: cargo $CMD --locked\n",
                &[
                    ".github/workflows/ci.yml:4:14 Warning `cargo ${{ matrix.command }} --release` (job `a`, step 1)",
                ],
                "2 cargo invocation(s) in 1 CI file(s) (.github/workflows/ci.yml): 1 cannot be judged",
            ),
            // One expression is one value, whatever operators it holds.
            (
                "jobs:\n  a:\n    steps:\n      - run: cargo test ${{ matrix.lock && '--locked' || '' }}; cargo doc --locked\n",
                &[
                    ".github/workflows/ci.yml:4:14 Warning `cargo test ${{ matrix.lock && '--locked' || '' }}` (job `a`, step 1)",
                ],
                "2 cargo invocation(s) in 1 CI file(s) (.github/workflows/ci.yml): 1 cannot be judged",
            ),
        ]);
        let outcome = run_workflow(
            "jobs:\n  a:\n    steps:\n      - run: cargo ${{ matrix.command }} --release\n",
        );
        assert!(
            outcome.findings[0]
                .message
                .contains("its subcommand comes from `${{ matrix.command }}`"),
            "{}",
            outcome.findings[0].message
        );
    }

    #[test]
    fn action_steps_are_located_at_their_command_input() {
        check_workflows(&[
            // A quoted command; inputs written before `uses:`; the owner in another case.
            (
                "jobs:\n  a:\n    steps:\n      - uses: actions-rs/cargo@v1\n        with:\n          command: \"build\"\n      - with:\n          args: --release\n          command: test\n        name: cargo test\n        uses: Actions-RS/cargo@v1\n",
                &[
                    ".github/workflows/ci.yml:6:11 Error `cargo build` (job `a`, step 1 (`actions-rs/cargo`)",
                    ".github/workflows/ci.yml:9:11 Error `cargo test --release` (job `a`, step `cargo test` (`Actions-RS/cargo`)",
                ],
                "2 of 2",
            ),
            // The same step twice in two jobs, and a fork with cross.
            (
                "jobs:\n  a:\n    steps:\n      - uses: actions-rs/cargo@v1\n        with: {command: test}\n  b:\n    steps:\n      - uses: actions-rs/cargo@v1\n        with: {command: test}\n      - uses: clechasseur/rs-cargo@v3\n        with:\n          use-cross: true\n          command: build\n",
                &[
                    ".github/workflows/ci.yml:4:9 Error `cargo test` (job `a`, step 1 (`actions-rs/cargo`)",
                    ".github/workflows/ci.yml:8:9 Error `cargo test` (job `b`, step 1 (`actions-rs/cargo`)",
                    ".github/workflows/ci.yml:13:11 Error `cross build` (job `b`, step 2 (`clechasseur/rs-cargo`)",
                ],
                "3 of 3",
            ),
        ]);
    }

    #[test]
    fn locate_passes_over_quoted_mentions_and_other_keys() {
        let text = "- name: \"Run cargo test\"\n  if: x == 'cargo test'\n  echo \"about to cargo test\"\n  run: \"cargo test\"\n";
        let (offset, column) = locate(text, 0, text.len(), "cargo test").unwrap();
        assert_eq!(crate::config::line_col(text, offset), (4, 9));
        assert_eq!(column, 9);
    }
}
