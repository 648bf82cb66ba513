//! CircleCI (`.circleci/config.yml`): the `run` steps of every job, and those of the reusable
//! `commands:` a job's steps invoke (followed into nested commands and `when`/`unless`
//! branches), with the `environment` in force (executor, job, step) and a step's
//! `working_directory`.
//!
//! Parameters are what CircleCI substitutes before the shell runs: `<< parameters.NAME >>`
//! and `<< pipeline.parameters.NAME >>`. Each script carries the parameter sets it runs with,
//! as a GitHub job carries its written-out matrix: a job's sets come from the workflows that
//! run it (their arguments, and `matrix.parameters` with `exclude` applied), its parameters'
//! defaults filling the rest; a command's from each step that invokes it, its arguments read
//! in the invoking job's (or command's) sets. A line that reads a parameter is judged with
//! each set and counts once, as the worst of them. A command's step used by several jobs is
//! one script, written once: its context names the jobs, and it sees only the environment
//! that all of them give it.
//!
//! With `workflows:`, only the jobs they name are read (CircleCI runs no other); a command
//! that no read job invokes is not read either.
//!
//! Steps handed to a command as an argument (a `steps`-typed parameter, or a list of steps
//! given to an orb's command) are read where the command is invoked, with its parameters.
//! A `when`/`unless` branch runs with the parameter sets its condition holds for (a literal,
//! a parameter, `equal`, `not`, `and`, `or`; all of them where it cannot be read).
//!
//! A workflow's `pre-steps` and `post-steps` for a job are read as the job's, with that use's
//! parameters.
//!
//! A setup configuration's continuation files (the other YAML files of `.circleci/`) are read
//! as configurations of their own ([`continuation_files`]).
//!
//! Not read: orbs' commands (their definitions are not in the repository: a step of an orb
//! whose name says it runs Rust is reported as unread).

use crate::matrix::Combination;
use crate::model::{Script, key_name};
use crate::walk::MAX_CI_FILE;
use crate::yaml::{Kind as YamlKind, Node};
use std::collections::BTreeMap;
use std::path::Path;

/// Where CircleCI's configuration lives.
pub const CIRCLECI_FILE: &str = ".circleci/config.yml";

/// A setup configuration (`setup: true`) hands the pipeline over to a continuation file,
/// by convention beside it (`.circleci/continue_config.yml`, path-filtering's default): with
/// one, every other YAML file of `.circleci/` is read as CircleCI configuration (a file that
/// is none holds no jobs, and gives nothing).
pub(crate) fn continuation_files(dir: &Path) -> Vec<String> {
    let Ok(text) = gate_support::read::text_capped(&dir.join(CIRCLECI_FILE), MAX_CI_FILE) else {
        return Vec::new();
    };
    if !text.lines().any(|line| line.trim_end() == "setup: true") {
        return Vec::new();
    }
    let folder = Path::new(CIRCLECI_FILE).parent().unwrap_or(Path::new(""));
    let mut names: Vec<String> = std::fs::read_dir(dir.join(folder))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|entry| entry.path().is_file())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".yml") || name.ends_with(".yaml"))
        .map(|name| format!("{}/{name}", folder.display()))
        .filter(|rel| rel != CIRCLECI_FILE)
        .collect();
    names.sort();
    names
}

/// Whether the CI file at `rel` (from the workspace root) is CircleCI's.
pub(crate) fn is_circleci(rel: &str) -> bool {
    rel.contains(".circleci/")
}

/// Keys of a workflow's job entry that are not the job's parameters.
const WORKFLOW_JOB_KEYS: &[&str] = &[
    "requires",
    "context",
    "filters",
    "name",
    "type",
    "matrix",
    "pre-steps",
    "post-steps",
    "serial-group",
    "override-with",
];

/// Steps CircleCI defines itself: none runs a script of the configuration's own.
const BUILT_IN_STEPS: &[&str] = &[
    "checkout",
    "setup_remote_docker",
    "save_cache",
    "restore_cache",
    "store_artifacts",
    "store_test_results",
    "persist_to_workspace",
    "attach_workspace",
    "add_ssh_keys",
];

/// More parameter sets than this are not written out for one script.
const MAX_SETS: usize = 256;

/// Nested commands are followed this deep (a command that invokes itself stops there).
const MAX_DEPTH: usize = 8;

/// A step CircleCI runs from an orb, whose command is defined outside the repository: where
/// it is written and the command as written (`rust/test`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OrbStep {
    pub(crate) at: usize,
    pub(crate) context: String,
    pub(crate) written: String,
}

/// What the reader found: the scripts, and the orb steps that run Rust, unread.
#[derive(Debug, Default)]
pub(crate) struct Read {
    pub(crate) scripts: Vec<Script>,
    pub(crate) orb_steps: Vec<OrbStep>,
}

/// The scripts of a CircleCI configuration, the jobs' own steps in document order, then the
/// commands' steps in document order.
pub(crate) fn circleci_scripts(doc: &Node) -> Read {
    let config = Config::of(doc);
    let mut reader = Reader {
        config: &config,
        read: Read::default(),
        shared: BTreeMap::new(),
    };
    for (name, job) in doc
        .get("jobs")
        .and_then(Node::as_mapping)
        .into_iter()
        .flatten()
    {
        let name = key_name(name);
        // With workflows, CircleCI runs the jobs they name and no other.
        if config.workflows && !config.uses.contains_key(&name) {
            continue;
        }
        let sets = config.job_sets(&name, job);
        let mut env = config.executor_env(job);
        env.extend(string_map(job.get("environment")));
        let scope = Scope {
            job: &name,
            command: None,
            part: None,
            sets,
            env,
        };
        if let Some(steps) = job.get("steps") {
            reader.steps(steps, &scope, 0);
        }
        // A workflow's `pre-steps` and `post-steps` run in the job, before and after its own
        // steps, with the parameters of that use alone.
        let own = defaults(job.get("parameters"));
        for args in config
            .uses
            .get(&name)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            for part in ["pre-steps", "post-steps"] {
                if let Some(steps) = args.get(part) {
                    let scope = Scope {
                        part: Some(part),
                        sets: config.use_sets(args, &own),
                        env: scope.env.clone(),
                        ..scope
                    };
                    reader.steps(steps, &scope, 0);
                }
            }
        }
    }
    let Reader {
        mut read, shared, ..
    } = reader;
    read.scripts
        .extend(shared.into_values().map(Shared::script));
    read
}

/// What the whole file declares: pipeline parameters' defaults, reusable commands,
/// executors, orbs, and how the workflows run each job.
struct Config<'d> {
    pipeline: Combination,
    commands: BTreeMap<String, &'d Node>,
    executors: BTreeMap<String, &'d Node>,
    /// Orbs whose name says they run Rust (`circleci/rust@1.6`), by the name they are used as.
    rust_orbs: Vec<String>,
    /// Each job's uses in the workflows: the arguments (and matrix parameters) of each.
    uses: BTreeMap<String, Vec<&'d Node>>,
    /// Whether the file has workflows (without, a job runs on its own).
    workflows: bool,
}

impl<'d> Config<'d> {
    fn of(doc: &'d Node) -> Config<'d> {
        let named = |key: &str| -> BTreeMap<String, &'d Node> {
            doc.get(key)
                .and_then(Node::as_mapping)
                .into_iter()
                .flatten()
                .map(|(k, v)| (key_name(k), v))
                .collect()
        };
        let pipeline = defaults(doc.get("parameters"))
            .into_iter()
            .map(|(k, v)| (format!("pipeline.parameters.{k}"), v))
            .collect();
        let rust_orbs = named("orbs")
            .into_iter()
            .filter(|(name, source)| {
                let source = source
                    .scalar_text()
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                let names = |s: &str| s.contains("rust") || s.contains("cargo");
                names(&name.to_ascii_lowercase()) || names(&source)
            })
            .map(|(name, _)| name)
            .collect();
        let mut uses: BTreeMap<String, Vec<&Node>> = BTreeMap::new();
        let workflows = named("workflows");
        for (name, workflow) in &workflows {
            if name == "version" {
                continue;
            }
            for entry in workflow
                .get("jobs")
                .and_then(Node::as_sequence)
                .into_iter()
                .flatten()
            {
                match &entry.kind {
                    YamlKind::String(job) => uses.entry(job.clone()).or_default(),
                    YamlKind::Mapping(pairs) => match pairs.first() {
                        Some((job, args)) => {
                            uses.entry(key_name(job)).or_default().push(args);
                            continue;
                        }
                        None => continue,
                    },
                    _ => continue,
                };
            }
        }
        Config {
            pipeline,
            commands: named("commands"),
            executors: named("executors"),
            rust_orbs,
            uses,
            workflows: workflows.keys().any(|name| name != "version"),
        }
    }

    /// The parameter sets job `name` runs with: one per workflow use (and matrix
    /// combination), its defaults filling the rest; its defaults alone when no workflow names
    /// it with arguments. Pipeline parameters are in every set.
    fn job_sets(&self, name: &str, job: &Node) -> Vec<Combination> {
        let own = defaults(job.get("parameters"));
        let mut sets: Vec<Combination> = Vec::new();
        let uses = self.uses.get(name).map(Vec::as_slice).unwrap_or_default();
        for args in uses {
            sets.extend(self.use_sets(args, &own));
        }
        if sets.is_empty() {
            sets.push(self.completed(Vec::new(), &own));
        }
        unique(sets)
    }

    /// The parameter sets of one workflow use of a job (`args`: the use's mapping), one per
    /// combination of its matrix, the job's defaults (`own`) filling the rest.
    fn use_sets(&self, args: &Node, own: &Combination) -> Vec<Combination> {
        let given: Combination = args
            .as_mapping()
            .into_iter()
            .flatten()
            .map(|(k, v)| (key_name(k), v))
            .filter(|(k, _)| !WORKFLOW_JOB_KEYS.contains(&k.as_str()))
            .filter_map(|(k, v)| Some((k, v.scalar_text()?)))
            .collect();
        let sets = matrix_sets(args.get("matrix"))
            .into_iter()
            .map(|combination| {
                let mut set = given.clone();
                set.extend(combination);
                self.completed(set, own)
            });
        unique(sets.collect())
    }

    /// `given` with the defaults it lacks and the pipeline's parameters.
    fn completed(&self, mut given: Combination, defaults: &Combination) -> Combination {
        for (k, v) in defaults {
            if !given.iter().any(|(g, _)| g == k) {
                given.push((k.clone(), v.clone()));
            }
        }
        given.extend(self.pipeline.iter().cloned());
        given
    }

    /// The `environment` of the executor a job names (`executor: NAME` or `executor: {name:
    /// NAME}`), when the file defines it.
    fn executor_env(&self, job: &Node) -> Vec<(String, String)> {
        let executor = job.get("executor");
        let name = executor
            .and_then(|e| e.get("name"))
            .or(executor)
            .and_then(Node::as_str);
        name.and_then(|n| self.executors.get(n))
            .map(|e| string_map(e.get("environment")))
            .unwrap_or_default()
    }
}

/// The combinations of a workflow job's `matrix.parameters`, `exclude` applied; one empty
/// combination when it has none.
fn matrix_sets(matrix: Option<&Node>) -> Vec<Combination> {
    let mut sets: Vec<Combination> = vec![Vec::new()];
    let Some(matrix) = matrix else {
        return sets;
    };
    for (key, values) in matrix
        .get("parameters")
        .and_then(Node::as_mapping)
        .into_iter()
        .flatten()
    {
        let key = key_name(key);
        let values: Vec<String> = match &values.kind {
            YamlKind::Sequence(items) => items.iter().filter_map(Node::scalar_text).collect(),
            _ => values.scalar_text().into_iter().collect(),
        };
        sets = sets
            .into_iter()
            .flat_map(|set| {
                let key = &key;
                values.iter().map(move |v| {
                    let mut set = set.clone();
                    set.push((key.clone(), v.clone()));
                    set
                })
            })
            .take(MAX_SETS)
            .collect();
    }
    let excluded: Vec<Combination> = matrix
        .get("exclude")
        .and_then(Node::as_sequence)
        .into_iter()
        .flatten()
        .map(|e| string_map(Some(e)))
        .collect();
    sets.retain(|set| {
        !excluded
            .iter()
            .any(|ex| ex.iter().all(|pair| set.contains(pair)))
    });
    sets
}

/// `sets` without repeats, in order, at most [`MAX_SETS`].
fn unique(sets: Vec<Combination>) -> Vec<Combination> {
    let mut out: Vec<Combination> = Vec::new();
    for set in sets {
        if out.len() < MAX_SETS && !out.contains(&set) {
            out.push(set);
        }
    }
    out
}

/// The defaults of a `parameters:` declaration (`NAME: {type, default}`); a parameter without
/// one is left out (its expression stays unexpanded unless an invocation gives it).
fn defaults(parameters: Option<&Node>) -> Combination {
    parameters
        .and_then(Node::as_mapping)
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((key_name(k), v.get("default")?.scalar_text()?)))
        .collect()
}

/// A mapping of names to scalars, as strings (an `environment:` map).
fn string_map(node: Option<&Node>) -> Vec<(String, String)> {
    node.and_then(Node::as_mapping)
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((key_name(k), v.scalar_text()?)))
        .collect()
}

/// `text` with each `<< parameters.NAME >>` and `<< pipeline.parameters.NAME >>` that `set`
/// gives replaced by its value; others stay as written.
pub(crate) fn substituted(text: &str, set: &Combination) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("<<") {
        let Some(len) = rest[start..].find(">>").map(|end| end + 2) else {
            break;
        };
        out.push_str(&rest[..start]);
        let whole = &rest[start..start + len];
        let value = parameter_name(whole).and_then(|name| crate::matrix::value(set, name));
        out.push_str(value.unwrap_or(whole));
        rest = &rest[start + len..];
    }
    out.push_str(rest);
    out
}

/// The name a `<< … >>` expression looks up in a parameter set: `NAME` for
/// `parameters.NAME`, the whole `pipeline.parameters.NAME` for a pipeline parameter; `None`
/// for anything else.
pub(crate) fn parameter_name(expression: &str) -> Option<&str> {
    name_inside(expression.strip_prefix("<<")?.strip_suffix(">>")?)
}

/// [`parameter_name`] of an expression the shell splitting made one word
/// (`$<_parameters.NAME_>>`, `crate::shell`).
pub(crate) fn masked_parameter_name(word: &str) -> Option<&str> {
    name_inside(word.strip_prefix("$<")?.strip_suffix(">>")?)
}

/// The name inside `<<` and `>>`, blanks (or the `_` made of them) around it.
fn name_inside(inner: &str) -> Option<&str> {
    let inner = inner.trim_matches(|c: char| c.is_ascii_whitespace() || c == '_');
    let name = match inner.strip_prefix("parameters.") {
        Some(name) => name,
        None => {
            inner.strip_prefix("pipeline.parameters.")?;
            inner
        }
    };
    let simple = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    };
    simple(name).then_some(name)
}

/// Whether a `when`/`unless` condition holds with the parameter `set`: a literal or a
/// parameter (false: `false`, empty, `0`, `null`), `equal`, `not`, `and`, `or`; `None` where
/// it cannot be read (`matches`, a value the set does not give).
fn condition(node: &Node, set: &Combination) -> Option<bool> {
    let value = |node: &Node| -> Option<String> {
        let text = substituted(&node.scalar_text()?, set);
        (!text.contains("<<")).then_some(text)
    };
    match &node.kind {
        YamlKind::Bool(b) => Some(*b),
        YamlKind::Mapping(pairs) if pairs.len() == 1 => {
            let (key, arg) = (&pairs[0].0, &pairs[0].1);
            let each = || arg.as_sequence().unwrap_or_default().iter();
            match key_name(key).as_str() {
                "equal" => {
                    let values: Option<Vec<String>> = each().map(value).collect();
                    let values = values?;
                    Some(values.windows(2).all(|w| w[0] == w[1]))
                }
                "not" => condition(arg, set).map(|holds| !holds),
                "and" => each().try_fold(true, |all, c| Some(all && condition(c, set)?)),
                "or" => each().try_fold(false, |any, c| Some(any || condition(c, set)?)),
                _ => None,
            }
        }
        _ => value(node).map(|v| !matches!(v.trim(), "false" | "" | "0" | "null")),
    }
}

/// Where the steps being read run: the job, the command they belong to (if any), the
/// parameter sets and the environment in force.
struct Scope<'a> {
    job: &'a str,
    command: Option<&'a str>,
    /// A workflow's `pre-steps` or `post-steps` of the job, when reading those.
    part: Option<&'static str>,
    sets: Vec<Combination>,
    env: Vec<(String, String)>,
}

/// A command's `run` step, gathered over every job that reaches it.
struct Shared {
    command: String,
    jobs: Vec<String>,
    text: String,
    at: usize,
    sets: Vec<Combination>,
    /// The environment every job gave it (the pairs common to all).
    env: Vec<(String, String)>,
    working_directory: Option<String>,
    step: String,
}

impl Shared {
    fn script(self) -> Script {
        let jobs: Vec<String> = self.jobs.iter().map(|j| format!("`{j}`")).collect();
        let jobs = match jobs.as_slice() {
            [one] => format!("job {one}"),
            [first, second] => format!("jobs {first} and {second}"),
            [first, rest @ ..] => format!("jobs {first} and {} more", rest.len()),
            [] => "no job".to_owned(),
        };
        Script {
            context: format!("command `{}`, {}, used by {jobs}", self.command, self.step),
            text: self.text,
            at: self.at,
            env: self.env,
            working_directory: self.working_directory,
            matrix: self.sets,
            parameters: true,
            ..Script::default()
        }
    }
}

/// The walk over the jobs' steps.
struct Reader<'c, 'd> {
    config: &'c Config<'d>,
    read: Read,
    /// Commands' run steps, by where they are written.
    shared: BTreeMap<usize, Shared>,
}

impl Reader<'_, '_> {
    /// Reads a list of steps in `scope`.
    fn steps(&mut self, steps: &Node, scope: &Scope<'_>, depth: usize) {
        for (index, step) in steps.as_sequence().unwrap_or_default().iter().enumerate() {
            let (name, args) = match &step.kind {
                YamlKind::String(name) => (name.clone(), None),
                YamlKind::Mapping(pairs) if pairs.len() == 1 => {
                    (key_name(&pairs[0].0), Some(&pairs[0].1))
                }
                _ => continue,
            };
            match (name.as_str(), args) {
                ("run" | "deploy", Some(run)) => self.run(run, index, scope),
                ("when" | "unless", Some(branch)) => {
                    // Only the parameter sets the branch runs with (all of them where the
                    // condition cannot be read); none, and it never runs.
                    let runs = name == "when";
                    let sets: Vec<Combination> = scope
                        .sets
                        .iter()
                        .filter(|set| {
                            let holds = branch.get("condition").map(|c| condition(c, set));
                            holds.flatten().is_none_or(|holds| holds == runs)
                        })
                        .cloned()
                        .collect();
                    if let Some(inner) = branch.get("steps")
                        && !sets.is_empty()
                    {
                        let scope = Scope {
                            sets,
                            env: scope.env.clone(),
                            ..*scope
                        };
                        self.steps(inner, &scope, depth);
                    }
                }
                (built_in, _) if BUILT_IN_STEPS.contains(&built_in) => {}
                (command, args) => self.command(command, args, step.offset, scope, depth),
            }
        }
    }

    /// A step that invokes command `name` with `args`: the file's own command is read with
    /// its parameter sets; an orb's that runs Rust is said to be unread.
    fn command(
        &mut self,
        name: &str,
        args: Option<&Node>,
        at: usize,
        scope: &Scope<'_>,
        depth: usize,
    ) {
        if depth >= MAX_DEPTH {
            return;
        }
        // Steps handed over as an argument (a `steps`-typed parameter, `- steps: <<
        // parameters.x >>` in the command) run as written here, with this scope's parameters.
        let body = self.config.commands.get(name).copied();
        let steps_typed = |key: &str| {
            body.and_then(|b| b.get("parameters")?.get(key)?.get("type")?.as_str())
                .is_none_or(|t| t == "steps")
        };
        for (key, value) in args.and_then(Node::as_mapping).unwrap_or_default() {
            if value.as_sequence().is_some() && steps_typed(&key_name(key)) {
                self.steps(value, scope, depth + 1);
            }
        }
        if let Some((orb, _)) = name.split_once('/') {
            if self.config.rust_orbs.iter().any(|o| o == orb) {
                self.read.orb_steps.push(OrbStep {
                    at,
                    context: scope.describe(),
                    written: name.to_owned(),
                });
            }
            return;
        }
        let Some(body) = body else {
            return;
        };
        let own = defaults(body.get("parameters"));
        let given: Vec<(String, String)> = string_map(args);
        let sets: Vec<Combination> = scope
            .sets
            .iter()
            .map(|outer| {
                let given = given
                    .iter()
                    .map(|(k, v)| (k.clone(), substituted(v, outer)))
                    .collect();
                self.config.completed(given, &own)
            })
            .collect();
        let sets = unique(sets);
        let inner = Scope {
            command: Some(name),
            sets,
            env: scope.env.clone(),
            ..*scope
        };
        if let Some(steps) = body.get("steps") {
            self.steps(steps, &inner, depth + 1);
        }
    }

    /// A `run` step (`run: COMMAND` or `run: {command, name, environment,
    /// working_directory}`).
    fn run(&mut self, run: &Node, index: usize, scope: &Scope<'_>) {
        let (command, name) = match &run.kind {
            YamlKind::String(_) => (run, None),
            _ => match run.get("command") {
                Some(command) => (command, run.get("name").and_then(Node::as_str)),
                None => return,
            },
        };
        let Some(text) = command.as_str() else {
            return;
        };
        let step = match name {
            Some(name) => format!("step `{name}`"),
            None => format!("step {}", index + 1),
        };
        let mut env = scope.env.clone();
        env.extend(string_map(run.get("environment")));
        let working_directory = run
            .get("working_directory")
            .and_then(Node::scalar_text)
            .filter(|d| !d.starts_with('~') && !d.starts_with('/'));
        let Some(command_name) = scope.command else {
            self.read.scripts.push(Script {
                context: format!("{}, {step}", scope.describe()),
                text: text.to_owned(),
                at: command.offset,
                env,
                working_directory,
                matrix: scope.sets.clone(),
                parameters: true,
                job: Some(scope.job.to_owned()),
                ..Script::default()
            });
            return;
        };
        let shared = self.shared.entry(command.offset).or_insert_with(|| Shared {
            command: command_name.to_owned(),
            jobs: Vec::new(),
            text: text.to_owned(),
            at: command.offset,
            sets: Vec::new(),
            env: env.clone(),
            working_directory,
            step,
        });
        if !shared.jobs.iter().any(|j| j == scope.job) {
            shared.jobs.push(scope.job.to_owned());
        }
        shared.env.retain(|pair| env.contains(pair));
        for set in &scope.sets {
            if shared.sets.len() < MAX_SETS && !shared.sets.contains(set) {
                shared.sets.push(set.clone());
            }
        }
    }
}

impl Scope<'_> {
    fn describe(&self) -> String {
        let job = match self.part {
            Some(part) => format!("job `{}`, its {part}", self.job),
            None => format!("job `{}`", self.job),
        };
        match self.command {
            Some(command) => format!("{job}, command `{command}`"),
            None => job,
        }
    }
}

#[cfg(test)]
mod tests;
