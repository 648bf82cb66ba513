//! The engine's first phase: from the command line's options to everything a run needs
//! before any check starts — the workspace, the validated configuration, the stage plan, the
//! run record begun, and the facts gathered once (with their cache).

use super::options::{RunOptions, out_dir};
use super::plan::{names, plan};
use crate::cargo::Cargo;
use crate::check::Check;
use crate::config::{self, Config};
use crate::environment::{self, Environment};
use crate::error::GateError;
use crate::facts::Facts;
use crate::record::{self, RecordWriter};
use crate::redact::Redactor;
use crate::registry;
use crate::stage::Stage;
use crate::verdict::Mode;
use crate::workspace::{ResolveOutput, Workspace};
use std::path::PathBuf;
use std::time::{Instant, SystemTime};

/// A run ready to evaluate: what the checks will read, and the record it writes into.
pub(super) struct Prepared {
    /// When the run started (for its duration).
    pub started: Instant,
    /// When the run started (for the report's `started_at`).
    pub started_at: SystemTime,
    /// The workspace under evaluation.
    pub ws: Workspace,
    /// The validated configuration.
    pub config: Config,
    /// The checks to run, in report order.
    pub plan: Vec<&'static dyn Check>,
    /// `--strict`, `--permissive` or `[policy] strict`.
    pub mode: Mode,
    /// The output directory.
    pub out: PathBuf,
    /// The run's id.
    pub run_id: String,
    /// The run record being written.
    pub writer: RecordWriter,
    /// How checks run cargo.
    pub cargo: Cargo,
    /// The environment of the run.
    pub environment: Environment,
    /// Where tools the checks start leave evidence (`GATE_RUN_DIR`), inside the record.
    pub run_dir: PathBuf,
    /// The facts gathered once for every check.
    pub facts: Facts,
}

/// Loads the workspace and its configuration, plans the stage and begins the record.
/// Errors here are "could not evaluate": no record is kept.
pub(super) fn prepare(opts: &RunOptions, redactor: &mut Redactor) -> Result<Prepared, GateError> {
    let started = Instant::now();
    let started_at = SystemTime::now();
    if !crate::stage::def(opts.stage).available {
        return Err(GateError::StageUnavailable {
            stage: opts.stage.to_string(),
        });
    }
    let (ws, resolved, probes) = discover(opts)?;
    redactor.add_path(&ws.root, "<workspace>");
    let config = config::load(
        &ws.config_layout(),
        opts.config_path.as_deref(),
        &registry::known(),
    )?;
    let custom = registry::team_checks(&config);
    let plan = plan(opts.stage, &opts.only, &opts.skip, &custom)?;
    let mode = super::plan::mode(opts, &config);
    let out = out_dir(&ws, opts.out.as_deref());
    redactor.add_path(&out, "<out>");
    let run_id = record::new_run_id(started_at);
    let writer = RecordWriter::begin(&out, &run_id)?;

    let cargo = Cargo::new(&ws.root, opts.offline).with_timeout(config.tests_timeout);
    let seed = environment::seed(&run_id);
    let run_dir = writer.dir().join("observability");
    let _ = std::fs::create_dir_all(&run_dir);
    let (mut build_env, witness) = crate::facts::witness::setup(&ws.target_dir);
    build_env.extend([
        (
            "GATE_RUN_DIR".to_owned(),
            run_dir.to_string_lossy().into_owned(),
        ),
        ("GATE_SEED".to_owned(), seed.to_string()),
    ]);
    let facts = Facts::gather(&ws, build_env)
        .with_witness(witness)
        .with_resolve_output(resolved);
    let mut environment = environment::collect(&ws, opts.offline, seed, probes);
    environment.test_shard = opts.test_shard.clone();
    let cache = cache_session(opts, &ws, &config, &out, &run_id, &environment);
    let facts = facts
        .with_cache(cache)
        .with_build_skipped(opts.skip.iter().any(|s| names(s, "tests.pass")));
    Ok(Prepared {
        started,
        started_at,
        ws,
        config,
        plan,
        mode,
        out,
        run_id,
        writer,
        cargo,
        environment,
        run_dir,
        facts,
    })
}

/// The workspace (with the resolve, when discovery ran it: [`resolve_first`]) and the
/// toolchain probes, asked at its root. The probes (four process starts, two through rustup)
/// run while cargo loads the workspace, in the directory it is looked for from: its root in
/// the common case; elsewhere they are asked again at the root (`Probes::at`). Never before
/// the files rustup reads are known to be no FIFO (a probe would hang).
fn discover(
    opts: &RunOptions,
) -> Result<(Workspace, Option<ResolveOutput>, environment::Probes), GateError> {
    let guess = std::env::current_dir()
        .map(|cwd| crate::workspace::start_dir(&cwd, opts.manifest_path.as_deref()))
        .ok()
        .filter(|dir| crate::workspace::fit_for_probes(dir));
    let resolve_first = resolve_first(opts, guess.as_deref());
    let (ws, probes) = std::thread::scope(|scope| {
        let probes = guess
            .as_deref()
            .map(|dir| scope.spawn(move || environment::Probes::ask(dir)));
        let ws = Workspace::discover_resolving(
            opts.manifest_path.as_deref(),
            opts.offline,
            resolve_first,
        );
        let probes = probes.map(|p| {
            p.join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        });
        (ws, probes)
    });
    let (ws, resolved) = ws?;
    let probes = probes.map_or_else(|| environment::Probes::ask(&ws.root), |p| p.at(&ws.root));
    Ok((ws, resolved, probes))
}

/// Whether workspace discovery asks cargo for the whole resolve: when the run reads no cache
/// (`--no-cache`), plans `lockfile.locked` (which runs the resolve whenever there is a
/// Cargo.lock) and starts where that lockfile is. Otherwise the members alone are asked: a
/// reused resolve needs no second cargo process, and a run that needs no resolve never
/// reaches for the network.
fn resolve_first(opts: &RunOptions, start: Option<&std::path::Path>) -> bool {
    opts.no_cache
        && opts.manifest_path.is_none()
        && start.is_some_and(|dir| dir.join("Cargo.lock").is_file())
        && plan(opts.stage, &opts.only, &opts.skip, &[])
            .is_ok_and(|p| p.iter().any(|c| c.meta().id == "lockfile.locked"))
}

/// The evidence cache of this run. The build and the test run see the same environment, so
/// the second compiles nothing.
fn cache_session(
    opts: &RunOptions,
    ws: &Workspace,
    config: &Config,
    out: &std::path::Path,
    run_id: &str,
    environment: &Environment,
) -> crate::cache::Session {
    crate::cache::Session::new(
        ws,
        crate::cache::Settings {
            out: out.to_owned(),
            read: !opts.no_cache,
            fresh_tests: opts.stage == Stage::Broad && !config.cache.broad,
            max_size: config.cache.max_size,
            run_id: run_id.to_owned(),
            extra_env: config.cache.env.clone(),
            files: config.cache.files.clone(),
            reads: config.cache.reads.clone(),
            redact: crate::secrets::redact_bytes,
            recorded: crate::record::recorded_evidence,
            key: std::env::var(crate::cache::KEY_ENV)
                .ok()
                .filter(|k| !k.is_empty()),
            env: std::env::vars().collect(),
            offline: opts.offline,
            tests_timeout_secs: config.tests_timeout.as_secs(),
            toolchain: environment.toolchain_text(),
        },
    )
}
