//! The command line: argument parsing (clap, `bin_name = "cargo"`), dispatch to the library,
//! printing, and the exit code. Reports go to stdout, diagnostics to stderr.

use crate::engine::{self, RunOptions};
use crate::error::GateError;
use crate::exit;
use crate::record;
use crate::redact::Redactor;
use crate::registry;
use crate::render::{self, Format, text::TextOptions};
use crate::stage::Stage;
use crate::verdict::Mode;
use crate::workspace::Workspace;
use clap::{Args, Parser, Subcommand};
use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// `cargo gate`: is this commit ready for the next rollout stage?
#[derive(Debug, Parser)]
#[command(name = "cargo", bin_name = "cargo", version, styles = clap::builder::Styles::plain())]
enum Cargo {
    /// Production-readiness gate for Rust workspaces.
    #[command(version, about, long_about = None)]
    Gate(GateArgs),
}

#[derive(Debug, Args)]
struct GateArgs {
    #[command(subcommand)]
    command: GateCommand,
}

#[derive(Debug, Subcommand)]
enum GateCommand {
    /// Stage 1: one service or internal tool.
    Pilot(RunArgs),
    /// Stage 2: controlled production (includes pilot).
    Controlled(RunArgs),
    /// Stage 3: broad production rollout (includes controlled).
    Broad(RunArgs),
    /// Re-hash run records and walk their chain; exit 1 on any edited, missing or extra file.
    Verify(VerifyArgs),
    /// The recorded runs: id, stage, result, commit, time.
    History(OutArgs),
    /// What changed between two runs: check statuses, findings that appeared or vanished.
    Diff {
        /// The earlier run id.
        a: String,
        /// The later run id.
        b: String,
        #[command(flatten)]
        out: OutArgs,
    },
    /// The highest stage this commit is ready for, and the run that shows it.
    Status(OutArgs),
    /// Merge CI jobs' `--out` directories (one per platform) into a merged record for this
    /// commit; each input's chain is verified first, and records of another commit refused.
    Merge {
        /// The CI jobs' output directories.
        #[arg(required = true, value_name = "DIR")]
        inputs: Vec<PathBuf>,
        #[command(flatten)]
        out: OutArgs,
    },
    /// Run the workspace's benchmarks (`[bench] command`) and compare them with the baseline;
    /// with `--save-baseline`, write the baseline instead.
    Bench {
        /// Write `[bench] baseline` from this run's results.
        #[arg(long)]
        save_baseline: bool,
        /// Path to the workspace's Cargo.toml.
        #[arg(long, value_name = "PATH")]
        manifest_path: Option<PathBuf>,
        /// No network for cargo.
        #[arg(long)]
        offline: bool,
    },
    /// Write a commented gate.toml, docs/READINESS.md and a CI workflow for this workspace;
    /// never overwrites (all or nothing) unless --force.
    Init {
        /// Overwrite existing files.
        #[arg(long)]
        force: bool,
        /// Print what would be written; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Record today's pilot findings as waivers (owner and a 90-day expiry to fill in), so
        /// the team starts green and works the list down.
        #[arg(long)]
        baseline: bool,
        /// Path to the workspace's Cargo.toml.
        #[arg(long, value_name = "PATH")]
        manifest_path: Option<PathBuf>,
        /// Pass --offline to cargo (for the --baseline run).
        #[arg(long)]
        offline: bool,
    },
    /// List every check: id, stage, description.
    Checks,
    /// Explain one check: what it establishes and how to fix a failure.
    Explain {
        /// The check id, e.g. `boundary.unsafe`.
        id: String,
    },
}

#[derive(Debug, Args)]
struct RunArgs {
    /// Path to the workspace's Cargo.toml.
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
    /// Read the configuration from this file instead of gate.toml / [workspace.metadata.gate].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// WARN (and SKIP) fail the verdict.
    #[arg(long, conflicts_with = "permissive")]
    strict: bool,
    /// WARN and SKIP never fail the verdict (FAIL still does).
    #[arg(long)]
    permissive: bool,
    /// Report format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Where run records go (default: <target-dir>/gate).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Pass --offline to every cargo call.
    #[arg(long)]
    offline: bool,
    /// Run only these checks.
    #[arg(long, value_name = "ID", num_args = 1..)]
    only: Vec<String>,
    /// Leave these checks out.
    #[arg(long, value_name = "ID", num_args = 1..)]
    skip: Vec<String>,
}

#[derive(Debug, Args)]
struct OutArgs {
    /// The output directory holding `runs/` and `history.jsonl` (default: <target-dir>/gate).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Path to the workspace's Cargo.toml (to find the default output directory).
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
}

impl OutArgs {
    fn resolve(&self) -> Result<PathBuf, GateError> {
        match &self.out {
            Some(out) => Ok(out.clone()),
            None => {
                let ws = Workspace::discover(self.manifest_path.as_deref(), true)?;
                Ok(engine::out_dir(&ws, None))
            }
        }
    }
}

#[derive(Debug, Args)]
struct VerifyArgs {
    /// A run directory (`<out>/runs/<run-id>`); default: every run under --out.
    run: Option<PathBuf>,
    /// The output directory holding `runs/` and `history.jsonl` (default: <target-dir>/gate).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Path to the workspace's Cargo.toml (to find the default output directory).
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
    /// A chain head printed by an earlier run (`sha256:…`), kept outside this directory:
    /// fail unless that run is in the chain with everything up to it intact.
    #[arg(long, value_name = "DIGEST")]
    expect_head: Option<String>,
}

/// The clap definition, for generated documentation (`cargo xtask codegen`).
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    Cargo::command()
}

/// Entry point of the `cargo-gate` binary: parses `std::env::args_os()`, runs, and returns
/// the process exit code.
pub fn main() -> i32 {
    main_with(std::env::args_os())
}

/// [`main`] with explicit arguments (`argv[0]` first).
pub fn main_with(args: impl IntoIterator<Item = OsString>) -> i32 {
    let Cargo::Gate(gate) = match Cargo::try_parse_from(args) {
        Ok(parsed) => parsed,
        Err(err) => {
            let _ = err.print();
            return if err.use_stderr() {
                exit::COULD_NOT_EVALUATE
            } else {
                exit::READY
            };
        }
    };
    let mut redactor = Redactor::from_env();
    crate::process::install_interrupt_handler();
    match dispatch(gate.command, &mut redactor) {
        Ok(code) => code,
        Err(err) => {
            let _ = write!(std::io::stderr().lock(), "{}", redactor.text(&err.render()));
            err.exit_code()
        }
    }
}

fn dispatch(command: GateCommand, redactor: &mut Redactor) -> Result<i32, GateError> {
    match command {
        GateCommand::Pilot(args) => run_stage(Stage::Pilot, args, redactor),
        GateCommand::Controlled(args) => run_stage(Stage::Controlled, args, redactor),
        GateCommand::Broad(args) => run_stage(Stage::Broad, args, redactor),
        GateCommand::Verify(args) => verify(args, redactor),
        GateCommand::History(args) => history(&args, redactor),
        GateCommand::Diff { a, b, out } => diff(&a, &b, &out, redactor),
        GateCommand::Status(args) => status(&args, redactor),
        GateCommand::Merge { inputs, out } => merge(&inputs, &out, redactor),
        GateCommand::Init {
            force,
            dry_run,
            baseline,
            manifest_path,
            offline,
        } => init(
            crate::init::InitOptions {
                force,
                dry_run,
                baseline,
            },
            manifest_path.as_deref(),
            offline,
            redactor,
        ),
        GateCommand::Bench {
            save_baseline,
            manifest_path,
            offline,
        } => bench(save_baseline, manifest_path.as_deref(), offline, redactor),
        GateCommand::Checks => {
            let mut text = String::new();
            for meta in registry::metas().chain(team_checks().iter().map(|c| c.meta())) {
                text.push_str(&format!(
                    "{:<18} {:<10} {}\n",
                    meta.id, meta.stage, meta.summary
                ));
            }
            print_stdout(&text);
            Ok(exit::READY)
        }
        GateCommand::Explain { id } => {
            let team = team_checks();
            let check = registry::find(&id)
                .or_else(|| team.iter().copied().find(|c| c.meta().id == id))
                .ok_or(GateError::UnknownCheck { id })?;
            let meta = check.meta();
            print_stdout(&format!(
                "{}\n\nstage: {} (and every later stage)\nestablishes: {}\nfix: {}\nwaive (a finding you accept, for a while):\n  [[waiver]]\n  check = \"{}\"\n  match = \"<path glob, crate name, or text of the finding>\"\n  reason = \"<why it is acceptable>\"\n  owner = \"<who decided>\"\n  expires = \"<YYYY-MM-DD>\"\n",
                meta.id, meta.stage, meta.summary, meta.fix, meta.id
            ));
            Ok(exit::READY)
        }
    }
}

/// The `[[check]]`s of the workspace in the current directory, when there is one with a
/// valid configuration (listing and explaining checks works anywhere).
fn team_checks() -> Vec<&'static dyn crate::check::Check> {
    Workspace::discover(None, true)
        .ok()
        .and_then(|ws| {
            crate::config::load(&ws.root, &ws.manifest_path, None, &registry::is_builtin).ok()
        })
        .map(|config| crate::checks::custom::from_config(&config))
        .unwrap_or_default()
}

fn run_stage(stage: Stage, args: RunArgs, redactor: &mut Redactor) -> Result<i32, GateError> {
    let mode = if args.strict {
        Some(Mode::Strict)
    } else if args.permissive {
        Some(Mode::Permissive)
    } else {
        None
    };
    let opts = RunOptions {
        stage,
        manifest_path: args.manifest_path,
        config_path: args.config,
        mode,
        out: args.out,
        offline: args.offline,
        only: args.only,
        skip: args.skip,
    };
    let result = engine::run(&opts, redactor)?;
    let record = format!(
        "{}/{}",
        redactor.text(&result.out_dir.to_string_lossy()),
        result.report.record
    );
    // The head names this run and, through the chain, every run before it: kept outside the
    // output directory, `cargo gate verify --expect-head` proves none of them was rewritten.
    let head = format!("sha256:{}", redactor.hash(&result.head));
    {
        let mut stderr = std::io::stderr().lock();
        for note in &result.recovered {
            let _ = writeln!(stderr, "note: {}", redactor.text(note));
        }
        if !matches!(args.format, Format::Text | Format::Markdown) {
            let _ = writeln!(stderr, "record {record} · chain head {head}");
        }
    }
    let record = format!("{record} · chain head {head}");
    let rendered = match args.format {
        Format::Json => render::json::render(&result.report),
        Format::Markdown => render::markdown::render(&result.report, &record),
        Format::Sarif => render::sarif::render(&result.report),
        Format::Junit => render::junit::render(&result.report),
        Format::Text => {
            let color = std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
            let record_dir = record.clone();
            let duration =
                redactor.duration(std::time::Duration::from_millis(result.report.duration_ms));
            render::text::render(
                &result.report,
                TextOptions { color },
                &record_dir,
                &duration,
            )
        }
    };
    print_stdout(&rendered);
    Ok(result.report.verdict.exit_code)
}

fn verify(args: VerifyArgs, redactor: &mut Redactor) -> Result<i32, GateError> {
    let (out, only) = match &args.run {
        Some(run_dir) => {
            let run_dir = run_dir.canonicalize().map_err(|source| GateError::Read {
                path: run_dir.clone(),
                source,
            })?;
            let id = run_dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let out = run_dir
                .parent()
                .and_then(|runs| runs.parent())
                .map(PathBuf::from)
                .ok_or_else(|| GateError::Internal("run directory has no parent".into()))?;
            (out, Some(id))
        }
        None => match args.out {
            Some(out) => (out, None),
            None => {
                let ws = Workspace::discover(args.manifest_path.as_deref(), true)?;
                (engine::out_dir(&ws, None), None)
            }
        },
    };
    redactor.add_path(&out, "<out>");
    let report = record::verify(&out, only.as_deref(), args.expect_head.as_deref())?;
    let ids: Vec<&str> = report.runs_checked.iter().map(String::as_str).collect();
    let redact_ids = |text: &str| label_runs(redactor, &ids, text);
    let mut text = String::new();
    for note in &report.recovered {
        text.push_str(&redact_ids(&format!("recovered: {note}\n")));
    }
    for problem in &report.problems {
        text.push_str(&redact_ids(&format!(
            "TAMPERED  {}: {}\n",
            problem.path, problem.message
        )));
    }
    let head = report.head.as_deref().map_or_else(String::new, |h| {
        format!("; chain head sha256:{}", redactor.hash(h))
    });
    let code = if report.intact() {
        text.push_str(&format!(
            "verified {} run(s) under {}: every file and link intact{head}\n",
            report.runs_checked.len(),
            redactor.text(&out.to_string_lossy())
        ));
        exit::READY
    } else {
        text.push_str(&format!(
            "verification FAILED: {} problem(s) in {} run(s) checked\n",
            report.problems.len(),
            report.runs_checked.len()
        ));
        exit::NOT_READY
    };
    print_stdout(&text);
    Ok(code)
}

/// Run ids are times; under redaction each of `ids` in `text` prints as `<run-N>`, its
/// position in history.
fn label_runs(redactor: &Redactor, ids: &[&str], text: &str) -> String {
    let mut text = text.to_owned();
    if redactor.enabled() {
        for (i, id) in ids.iter().enumerate() {
            text = text.replace(id, &format!("<run-{}>", i + 1));
        }
    }
    text
}

/// The ids of a chain's runs, in history order.
fn chain_ids(chain: &record::Chain) -> Vec<&str> {
    chain.runs.iter().map(|r| r.entry.run_id.as_str()).collect()
}

/// Run ids print as `<run-N>` (their position in history) under redaction.
fn run_label(redactor: &Redactor, chain: &record::Chain, id: &str) -> String {
    if !redactor.enabled() {
        return id.to_owned();
    }
    chain
        .runs
        .iter()
        .position(|r| r.entry.run_id == id)
        .map_or_else(|| "<run-?>".to_owned(), |i| format!("<run-{}>", i + 1))
}

fn history(args: &OutArgs, redactor: &mut Redactor) -> Result<i32, GateError> {
    let out = args.resolve()?;
    let chain = record::read_chain(&out)?;
    let mut text = format!(
        "{:<32} {:<10} {:<18} {:<12} {}\n",
        "run", "stage", "result", "commit", "time"
    );
    for run in &chain.runs {
        let e = &run.entry;
        let commit = e.commit.as_deref().map_or("-".to_owned(), |c| {
            let short = &c[..c.len().min(12)];
            redactor.hash(short)
        });
        let result = if run.trusted {
            e.result.clone()
        } else {
            format!("{} (unverified)", e.result)
        };
        text.push_str(&format!(
            "{:<32} {:<10} {:<18} {:<12} {}\n",
            run_label(redactor, &chain, &e.run_id),
            e.stage,
            result,
            commit,
            redactor.time(e.time.clone())
        ));
    }
    text.push_str(&format!("{} run(s)\n", chain.runs.len()));
    if !chain.intact() {
        text.push_str(&format!(
            "the record does not verify: {}; `cargo gate verify` lists every problem\n",
            label_runs(redactor, &chain_ids(&chain), &chain.summary())
        ));
    }
    print_stdout(&text);
    Ok(exit::READY)
}

fn diff(a: &str, b: &str, args: &OutArgs, redactor: &mut Redactor) -> Result<i32, GateError> {
    for id in [a, b] {
        if !record::is_run_id(id) {
            return Err(GateError::Record(format!(
                "`{id}` is not a run id: a run id is one name under runs/ (no `/`, `\\`, `..` \
                 or leading `.`), as `cargo gate history` lists them"
            )));
        }
    }
    let out = args.resolve()?;
    let chain = record::read_chain(&out)?;
    let d = crate::history::diff(&out, &chain, a, b)?;
    let mut text = format!(
        "{} → {}\n",
        run_label(redactor, &chain, a),
        run_label(redactor, &chain, b)
    );
    if d.status_changes.is_empty() && d.appeared.is_empty() && d.vanished.is_empty() {
        text.push_str("no change in check statuses or findings\n");
    }
    for (id, before, after) in &d.status_changes {
        text.push_str(&format!("  {id}: {before} → {after}\n"));
    }
    for (id, finding) in &d.appeared {
        text.push_str(&format!("  + {id}: {}\n", redactor.text(finding)));
    }
    for (id, finding) in &d.vanished {
        text.push_str(&format!("  - {id}: {}\n", redactor.text(finding)));
    }
    print_stdout(&text);
    Ok(exit::READY)
}

fn status(args: &OutArgs, redactor: &mut Redactor) -> Result<i32, GateError> {
    let out = args.resolve()?;
    let ws = Workspace::discover(args.manifest_path.as_deref(), true)?;
    let Some(commit) = ws.git.as_ref().and_then(|g| g.commit.clone()) else {
        print_stdout("not a git work tree with a commit: readiness is recorded per commit\n");
        return Ok(exit::NOT_READY);
    };
    let chain = record::read_chain(&out)?;
    if !chain.intact() {
        // A record that does not verify is evidence of nothing, not even of its intact runs.
        print_stdout(&format!(
            "not ready: the record under {} does not verify ({}); `cargo gate verify` lists \
             every problem\n",
            redactor.text(&out.to_string_lossy()),
            label_runs(redactor, &chain_ids(&chain), &chain.summary())
        ));
        return Ok(exit::NOT_READY);
    }
    let dirty = ws.git.as_ref().is_some_and(|g| g.dirty);
    let note = if dirty {
        " (the work tree has uncommitted changes since)"
    } else {
        ""
    };
    let shown = redactor.hash(&commit[..commit.len().min(12)]);
    match crate::history::status(&chain, &commit) {
        Some(run) => {
            print_stdout(&format!(
                "READY for {} at {shown}: run {} ({}){note}\n",
                run.entry.stage,
                run_label(redactor, &chain, &run.entry.run_id),
                redactor.time(run.entry.time.clone())
            ));
            Ok(exit::READY)
        }
        None => {
            print_stdout(&format!(
                "not ready for any stage at {shown}: no READY run recorded for this commit on a \
                 clean work tree{note}\n"
            ));
            Ok(exit::NOT_READY)
        }
    }
}

fn init(
    opts: crate::init::InitOptions,
    manifest: Option<&std::path::Path>,
    offline: bool,
    redactor: &mut Redactor,
) -> Result<i32, GateError> {
    use crate::init;
    let ws = Workspace::discover(manifest, offline)?;
    redactor.add_path(&ws.root, "<workspace>");
    let today = init::today_utc();
    let refuse = |e: init::InitError| {
        let mut stderr = std::io::stderr().lock();
        let _ = writeln!(stderr, "error: {}", redactor.text(&e.to_string()));
        if let Some(help) = e.help() {
            let _ = writeln!(stderr, "  help: {help}");
        }
        Ok(exit::COULD_NOT_EVALUATE)
    };
    // A refusal is instant: nothing runs before the targets are known to be free.
    if let Err(e) = init::plan(&ws, &[], &opts, &today) {
        return refuse(e);
    }
    let findings = if opts.baseline {
        // Measured against the defaults init writes, recorded outside the workspace's history.
        let scratch = tempfile::Builder::new()
            .prefix("cargo-gate-init-")
            .tempdir()
            .map_err(|source| GateError::OutDir {
                path: tempfile::env::temp_dir(),
                source,
            })?;
        let empty_config = scratch.path().join("gate.toml");
        std::fs::write(&empty_config, "").map_err(|e| GateError::Internal(e.to_string()))?;
        let run = engine::run(
            &RunOptions {
                stage: Stage::Pilot,
                manifest_path: Some(ws.manifest_path.clone()),
                config_path: Some(empty_config),
                mode: None,
                out: Some(scratch.path().join("out")),
                offline,
                only: Vec::new(),
                skip: Vec::new(),
            },
            &mut Redactor::disabled(),
        );
        drop(scratch);
        let result = run?;
        if result.report.verdict.exit_code == exit::COULD_NOT_EVALUATE {
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(
                stderr,
                "error: the baseline run could not evaluate: {}",
                result.report.verdict.unevaluated.join(", ")
            );
            return Ok(exit::COULD_NOT_EVALUATE);
        }
        init::baseline_findings(&result.report)
    } else {
        Vec::new()
    };
    let files = match init::plan(&ws, &findings, &opts, &today) {
        Ok(files) => files,
        Err(e) => return refuse(e),
    };
    if let Err(e) = init::write(&ws.root, &files, &opts) {
        return refuse(e);
    }
    print_stdout(&redactor.text(&init::describe(&files, &opts)));
    Ok(exit::READY)
}

fn merge(inputs: &[PathBuf], args: &OutArgs, redactor: &mut Redactor) -> Result<i32, GateError> {
    let ws = Workspace::discover(args.manifest_path.as_deref(), true)?;
    let commit = ws
        .git
        .as_ref()
        .and_then(|g| g.commit.clone())
        .ok_or_else(|| {
            GateError::Internal("merging needs a git commit: records are merged per commit".into())
        })?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| engine::out_dir(&ws, None));
    redactor.add_path(&out, "<out>");
    let report = crate::merge::merge(&out, &commit, inputs)
        .map_err(|e| GateError::Internal(e.to_string()))?;
    let mut text = String::new();
    if let Some(written) = &report.written {
        text.push_str(&format!(
            "merged {} record(s) for {} into {}\n",
            written.record.inputs.len(),
            redactor.hash(&commit[..commit.len().min(12)]),
            {
                let dir = redactor.text(&written.dir.to_string_lossy());
                if redactor.enabled() {
                    dir.replace(&written.merge_id, "<merge-id>")
                } else {
                    dir
                }
            }
        ));
        for input in &written.record.inputs {
            text.push_str(&format!(
                "  {:<8} {:<10} {:<18} {}\n",
                input.platform,
                input.stage,
                input.result,
                redactor.text(&input.source.to_string())
            ));
        }
    }
    for refusal in &report.refused {
        text.push_str(&format!(
            "REFUSED  {}: {}\n",
            redactor.text(&refusal.source.to_string()),
            redactor.text(&refusal.reason)
        ));
    }
    print_stdout(&text);
    Ok(report.exit_code())
}

fn bench(
    save: bool,
    manifest: Option<&std::path::Path>,
    offline: bool,
    redactor: &mut Redactor,
) -> Result<i32, GateError> {
    use crate::bench;
    let ws = Workspace::discover(manifest, offline)?;
    redactor.add_path(&ws.root, "<workspace>");
    let config = crate::config::load(&ws.root, &ws.manifest_path, None, &registry::is_builtin)?;
    let seed = crate::environment::seed("bench");
    let env = crate::environment::collect(&ws, offline, seed);
    let measurement =
        bench::measure(&ws, &config, &env).map_err(|e| GateError::Internal(e.to_string()))?;
    let measured = match measurement.results {
        Ok(m) => m,
        Err(e) => {
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr, "error: {}", redactor.text(&e.to_string()));
            let _ = writeln!(stderr, "{}", redactor.text(&measurement.log));
            return Ok(exit::COULD_NOT_EVALUATE);
        }
    };
    if save {
        let path = bench::save_baseline(&ws, &config, &env, &measured.benchmarks)
            .map_err(|e| GateError::Internal(e.to_string()))?;
        print_stdout(&format!(
            "wrote the baseline of {} benchmark(s) to {}\n",
            measured.benchmarks.len(),
            redactor.text(&path.to_string_lossy())
        ));
        return Ok(exit::READY);
    }
    let baseline_path = bench::baseline_path(&ws, &config);
    let Some(baseline) =
        bench::read_baseline(&baseline_path).map_err(|e| GateError::Internal(e.to_string()))?
    else {
        print_stdout(&format!(
            "no baseline at {}: create one with `{}`\n",
            redactor.text(&baseline_path.to_string_lossy()),
            bench::SAVE_BASELINE_COMMAND
        ));
        return Ok(exit::COULD_NOT_EVALUATE);
    };
    let mut text = String::new();
    let mut worst = exit::READY;
    for c in bench::compare(&baseline, &measured.benchmarks, config.bench_max_regression) {
        if matches!(
            c.verdict,
            bench::BenchVerdict::Regressed | bench::BenchVerdict::Missing
        ) {
            worst = exit::NOT_READY;
        }
        text.push_str(&format!(
            "{:<12} {:<40} p50 {} p95 {}\n",
            format!("{:?}", c.verdict),
            c.id,
            c.slower_p50.map_or("-".into(), bench::format_change),
            c.slower_p95.map_or("-".into(), bench::format_change)
        ));
    }
    print_stdout(&text);
    Ok(worst)
}

fn print_stdout(text: &str) {
    // A closed pipe (`cargo gate pilot | head`) is not an error worth a panic.
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cargo::command().debug_assert();
    }
}
