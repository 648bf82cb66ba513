//! GitHub Actions workflows (`.github/workflows/*.yml` and `*.yaml`): their scripts, read from
//! the YAML tree (every `jobs.*.steps[*].run`, and the steps that run cargo through an action
//! such as `actions-rs/cargo`, with the `env:` in force at each), and where in the raw text a
//! step's lines are written (only inside its own `run:` block, or at an action step's
//! `command:` input).

use crate::model::{OtherCheckout, Place, Script, key_name};
use crate::raw::{
    RawKey, Spot, count_chars, indent_of, key_on_line, locate, raw_keys, raw_lines, yaml_scalar,
};
use crate::shell::LogicalLine;
use crate::yaml::{Kind as YamlKind, Node};

/// Where GitHub Actions workflows live.
pub const GITHUB_DIR: &str = ".github/workflows";

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

/// `defaults.run.working-directory` of a workflow or job.
fn default_directory(value: &Node) -> Option<String> {
    value
        .get("defaults")?
        .get("run")?
        .get("working-directory")?
        .scalar_text()
}

/// Actions whose steps run cargo with `command:` and `args:` inputs (and
/// `PyO3/maturin-action`, which runs maturin so).
const CARGO_ACTIONS: &[&str] = &[
    "actions-rs/cargo",
    "marcopolo/cargo",
    "clechasseur/rs-cargo",
];

/// `actions/checkout` of another repository than `ours` (`owner/name` of the repository's
/// origin, when known): the checkout, or `None` for this repository's own (no `repository:`,
/// `${{ github.repository }}`, or `ours`).
fn other_checkout(step: &Node, action: &str, ours: Option<&str>) -> Option<OtherCheckout> {
    if !action.eq_ignore_ascii_case("actions/checkout") {
        return None;
    }
    let with = step.get("with")?;
    let repository = with.get("repository").map(key_name)?;
    let compact: String = repository.split_whitespace().collect();
    if compact.is_empty()
        || compact == "${{github.repository}}"
        || ours.is_some_and(|o| o.eq_ignore_ascii_case(&repository))
    {
        return None;
    }
    let path = with
        .get("path")
        .map(key_name)
        .and_then(|p| crate::reach::join(std::path::Path::new(""), &p))
        .unwrap_or_default();
    Some(OtherCheckout { path, repository })
}

/// Whether a step checks out this repository at the root again (`actions/checkout` with no
/// other repository and no `path:`), undoing an earlier checkout of another one there.
fn own_checkout_at_root(step: &Node, action: &str) -> bool {
    action.eq_ignore_ascii_case("actions/checkout")
        && step
            .get("with")
            .and_then(|w| w.get("path"))
            .map(key_name)
            .is_none_or(|p| p.is_empty() || p == "." || p == "./")
}

pub(crate) fn github_scripts(doc: &Node, ours: Option<&str>, out: &mut Vec<Script>) {
    let Some(jobs) = doc.get("jobs").and_then(Node::as_mapping) else {
        return;
    };
    let workflow_env = env_of(doc);
    let workflow_dir = default_directory(doc);
    for (job, body) in jobs {
        let job = key_name(job);
        let Some(steps) = body.get("steps").and_then(Node::as_sequence) else {
            continue;
        };
        let mut env = workflow_env.clone();
        env.extend(env_of(body));
        let runs = Runs {
            label: format!("job `{job}`"),
            job: Some(job),
            env,
            matrix: crate::matrix::combinations(body).unwrap_or_default(),
            dir: default_directory(body).or_else(|| workflow_dir.clone()),
        };
        steps_scripts(&runs, steps, ours, out);
    }
}

/// A local composite action (`uses: ./.github/actions/x` in a workflow: its `action.yml` at
/// `rel`): its `runs.steps` are read as a job's, named by the action. Its inputs are
/// expressions (`${{ inputs.args }}`) the walk cannot expand.
pub(crate) fn composite_scripts(doc: &Node, rel: &str, ours: Option<&str>, out: &mut Vec<Script>) {
    let Some(runs) = doc.get("runs") else { return };
    let composite = runs.get("using").and_then(Node::as_str) == Some("composite");
    let Some(steps) = runs.get("steps").and_then(Node::as_sequence) else {
        return;
    };
    if !composite {
        return;
    }
    let action = rel.rsplit_once('/').map_or(rel, |(dir, _)| dir);
    let runs = Runs {
        label: format!("action `{action}`"),
        job: None,
        env: Vec::new(),
        matrix: Vec::new(),
        dir: None,
    };
    steps_scripts(&runs, steps, ours, out);
}

/// Where a list of steps runs: a workflow's job, or a composite action.
struct Runs {
    /// How its scripts' context begins (`` job `test` ``, `` action `.github/actions/x` ``).
    label: String,
    /// The job's name, for a workflow's job.
    job: Option<String>,
    env: Vec<(String, String)>,
    matrix: Vec<crate::matrix::Combination>,
    /// Its default working directory.
    dir: Option<String>,
}

/// The scripts of `steps`, run where `runs` says: each `run:` step's, and what the actions
/// the walk reads run ([`action_command`]).
fn steps_scripts(runs: &Runs, steps: &[Node], ours: Option<&str>, out: &mut Vec<Script>) {
    let mut checkouts: Vec<OtherCheckout> = Vec::new();
    for (index, step) in steps.iter().enumerate() {
        let step_name = match step.get("name").and_then(Node::as_str) {
            Some(name) => format!("step `{name}`"),
            None => format!("step {}", index + 1),
        };
        let mut env = runs.env.clone();
        env.extend(env_of(step));
        let working_directory = step
            .get("working-directory")
            .and_then(Node::scalar_text)
            .or_else(|| runs.dir.clone());
        // A checkout changes where later steps' files are: before this step's script.
        let uses = step.get("uses").and_then(Node::as_str);
        let action = uses.map(|u| u.split('@').next().unwrap_or(u));
        if let Some(action) = action {
            if let Some(other) = other_checkout(step, action, ours) {
                checkouts.retain(|c| c.path != other.path);
                checkouts.push(other);
                continue;
            }
            if own_checkout_at_root(step, action) {
                checkouts.retain(|c| !c.path.as_os_str().is_empty());
            }
        }
        let script = |context: String, text: String, place: Place, at: usize| Script {
            context,
            text,
            place,
            env: env.clone(),
            working_directory: working_directory.clone(),
            matrix: runs.matrix.clone(),
            at,
            checkouts: checkouts.clone(),
            job: runs.job.clone(),
            parameters: false,
        };
        if let Some((key, run)) = step.entry("run")
            && let Some(run) = run.as_str()
        {
            let context = format!("{}, {step_name}", runs.label);
            out.push(script(context, run.to_owned(), Place::Run, key.offset));
            continue;
        }
        let (Some(uses), Some(action)) = (uses, action) else {
            continue;
        };
        let Some((text, dir)) = action_command(step, action) else {
            continue;
        };
        let context = format!("{}, {step_name} (`{action}`)", runs.label);
        let place = Place::Action {
            uses: uses.to_owned(),
        };
        let mut found = script(context, text, place, step.offset);
        found.working_directory = match dir {
            RunsIn::Step => found.working_directory,
            RunsIn::Root => None,
            RunsIn::Given(dir) => Some(dir),
        };
        out.push(found);
    }
}

/// Where an action runs what it runs.
enum RunsIn {
    /// The step's directory (its `working-directory:`, the job's default).
    Step,
    /// The repository's root (a `docker build` names its own context).
    Root,
    /// The directory its own input names.
    Given(String),
}

/// What an action step runs that the walk reads, as a shell command, and where; `None` for
/// an action that runs none of it.
/// - `docker/build-push-action`: `docker build` of its `file:` (else `Dockerfile` in its
///   `context:`), with its `build-args:` and `target:`, judged like `docker build -f`;
/// - `taiki-e/upload-rust-binary-action`: `cargo build --release` (`build-tool: cross`:
///   `cross build`), locked only with `locked: true` (its input since 1.24);
/// - `PyO3/maturin-action`: `maturin COMMAND ARGS` (`build` by default) in its
///   `working-directory:`;
/// - [`CARGO_ACTIONS`]: `cargo COMMAND ARGS` (`use-cross: true`: `cross`).
///
/// Owners and repositories on GitHub are case-insensitive.
fn action_command(step: &Node, action: &str) -> Option<(String, RunsIn)> {
    let input = |name: &str| step.get("with").and_then(|w| w.get(name)).map(key_name);
    let is = |name: &str| action.eq_ignore_ascii_case(name);
    if is("docker/build-push-action") {
        let context = input("context").unwrap_or_else(|| ".".to_owned());
        let file = input("file")
            .unwrap_or_else(|| format!("{}/Dockerfile", context.trim_end_matches('/')));
        // Its `build-args:` (one `NAME=value` a line) give the Dockerfile's `ARG`s.
        let build_args: String = input("build-args")
            .unwrap_or_default()
            .lines()
            .map(str::trim)
            .filter(|arg| arg.contains('='))
            .map(|arg| format!(" --build-arg '{}'", arg.replace('\'', "'\\''")))
            .collect();
        let target = input("target").map_or_else(String::new, |t| format!(" --target {t}"));
        let text = format!("docker build -f {file}{build_args}{target} {context}");
        return Some((text, RunsIn::Root));
    }
    if is("taiki-e/upload-rust-binary-action") {
        let program = match input("build-tool").as_deref() {
            Some("cross") => "cross build",
            Some("cargo-zigbuild") => "cargo zigbuild",
            _ => "cargo build",
        };
        let locked = if input("locked").as_deref() == Some("true") {
            " --locked"
        } else {
            ""
        };
        let manifest =
            input("manifest-path").map_or_else(String::new, |m| format!(" --manifest-path {m}"));
        return Some((
            format!("{program} --release{locked}{manifest}"),
            RunsIn::Step,
        ));
    }
    let maturin = is("PyO3/maturin-action");
    if !maturin && !CARGO_ACTIONS.iter().any(|a| is(a)) {
        return None;
    }
    let command = match input("command") {
        Some(command) => command,
        None if maturin => "build".to_owned(),
        None => return None,
    };
    let program = if maturin {
        "maturin"
    } else if input("use-cross").is_some_and(|v| v == "true") {
        "cross"
    } else {
        "cargo"
    };
    let args = input("args").unwrap_or_default().replace('\n', " ");
    let text = format!("{program} {command} {args}").trim_end().to_owned();
    // maturin-action builds in its `working-directory:` (from the repository's root).
    let dir = match input("working-directory") {
        Some(dir) if maturin => RunsIn::Given(dir),
        _ => RunsIn::Step,
    };
    Some((text, dir))
}

/// Where each of a `run:` step's lines is written, searched from `cursor` (the line of its
/// `run:` key): only inside the block of the `run:` key that holds its first line. `None`
/// when no such block is found (an aliased step, flow style): the caller searches the raw
/// text as for GitLab.
pub(crate) fn run_spots(
    text: &str,
    cursor: usize,
    lines: &[LogicalLine<'_>],
) -> Option<Vec<Option<Spot>>> {
    let block = run_block(text, cursor, lines.first()?.first_physical)?;
    let mut from = block.key.offset;
    let spots = lines
        .iter()
        .map(|line| {
            let found = block.find(text, from, line.first_physical)?;
            from = found.end;
            Some(found.spot)
        })
        .collect();
    Some(spots)
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
pub(crate) fn action_step(text: &str, from: usize, uses: &str) -> Option<Spot> {
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
