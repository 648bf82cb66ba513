//! The engine's first phase: from the command line's options to everything a run needs
//! before any check starts — the workspace, the validated configuration, the stage plan, the
//! run record begun, and the facts gathered once (with their cache).

use super::discover::{self, Discovered, Expected};
use super::options::{RunOptions, out_dir};
use super::plan::{is_static, plan};
use crate::check::Check;
use crate::config::{self, Config};
use crate::error::GateError;
use crate::facts::Facts;
use crate::record::{self, RecordWriter};
use crate::redact::Redactor;
use crate::registry;
use crate::stage::Stage;
use crate::tools::cargo::Cargo;
use crate::tools::environment::{self, Environment};
use crate::verdict::Mode;
use crate::workspace::Workspace;
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
    /// Cargo's answer still to come, when the run went on with the workspace an earlier run
    /// kept ([`confirmed`] compares them before anything is judged).
    pub expected: Option<Expected>,
}

/// Loads the workspace and its configuration, plans the stage and begins the record.
/// Errors here are "could not evaluate": no record is kept. The workspace may be the one an
/// earlier run kept, cargo's answer still to come ([`Prepared::expected`]).
pub(super) fn prepare(opts: &RunOptions, redactor: &mut Redactor) -> Result<Prepared, GateError> {
    prepare_with(opts, redactor, true)
}

/// The run `prepared`, confirmed: the workspace it went on with is the one cargo describes; or,
/// when it is not, the run prepared again from cargo's answer (`true`), the first attempt's
/// record dropped unjudged.
pub(super) fn confirmed(
    mut prepared: Prepared,
    opts: &RunOptions,
    redactor: &mut Redactor,
) -> Result<(Prepared, bool), GateError> {
    let build = builds_beside(&prepared, opts);
    let Some(expected) = prepared.expected.take() else {
        return Ok((prepared, false));
    };
    // Waits for cargo (an error: cargo could not be asked), then compares; the build, where
    // it starts beside, is waited for too.
    let found = std::thread::scope(|scope| {
        if build {
            scope.spawn(|| build_ahead(&prepared));
        }
        expected.discovering.settle()
    })?;
    if found.same_as(&prepared.ws) {
        if expected.keep {
            found.keep(&prepared.out);
        }
        return Ok((prepared, false));
    }
    drop(prepared);
    Ok((prepare_with(opts, redactor, false)?, true))
}

/// Whether the run's build starts while cargo confirms the expected workspace
/// ([`confirmed`]), instead of once it has: a run that reads no cache (where it reads one, an
/// unchanged tree needs no build) and builds its tests or kernels with the toolchain the
/// workspace pins. Its command is cargo's own in the root (`cargo test --no-run --workspace`),
/// whatever the expected workspace says, so what it builds is what the confirmed run would
/// build. The tests still run only once cargo has confirmed the workspace, as team checks do;
/// and where cargo describes another workspace, the run is prepared again and builds on
/// cargo's answer (a build cargo finds fresh).
fn builds_beside(prepared: &Prepared, opts: &RunOptions) -> bool {
    opts.no_cache
        && prepared.expected.is_some()
        && prepared.facts.may_build()
        && prepared.facts.other_toolchain().is_none()
        && super::plan::builds(&prepared.plan)
}

/// The build of `prepared`, made now ([`builds_beside`]): the checks that read it find it
/// made. Made ahead only: a panic here (a bug) is not the run's end; the check that asks for
/// the build makes it itself and is the one that says so.
fn build_ahead(prepared: &Prepared) {
    read_gpu_when_built(prepared);
    let build = || {
        let _ = prepared.facts.build(&prepared.cargo);
    };
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(build));
}

/// Has the build's GPU code read as soon as the build is made, where a check of the plan
/// reads it (`Core::read_gpu_when_built`): beside the test run, not after it.
pub(super) fn read_gpu_when_built(prepared: &Prepared) {
    if prepared.plan.iter().any(|c| c.reads_built_gpu()) {
        prepared.facts.read_gpu_when_built();
    }
}

fn prepare_with(
    opts: &RunOptions,
    redactor: &mut Redactor,
    expect: bool,
) -> Result<Prepared, GateError> {
    let started = Instant::now();
    let started_at = SystemTime::now();
    if !crate::stage::def(opts.stage).available {
        return Err(GateError::StageUnavailable {
            stage: opts.stage.to_string(),
        });
    }
    let Discovered {
        ws,
        resolved,
        probes,
        expected,
        tree_ahead,
    } = discover::discover(opts, expect)?;
    redactor.add_path(&ws.root, "<workspace>");
    let (config, plan) = match configured(opts, &ws) {
        Ok(configured) => configured,
        Err(error) => return unconfirmed(expected, &ws, error, (opts, redactor)),
    };
    let mode = super::plan::mode(opts, &config);
    let out = out_dir(&ws, opts.out.as_deref());
    redactor.add_path(&out, "<out>");
    if expected.is_none() {
        ws.keep(&out);
    }
    let run_id = record::new_run_id(started_at);
    let writer = match RecordWriter::begin(&out, &run_id) {
        Ok(writer) => writer,
        Err(error) => return unconfirmed(expected, &ws, error.into(), (opts, redactor)),
    };

    let cargo = Cargo::new(&ws.root, opts.offline).with_timeout(config.tests_timeout);
    let seed = environment::seed(&run_id);
    let run_dir = writer.dir().join("observability");
    let _ = std::fs::create_dir_all(&run_dir);
    let static_run = is_static(opts);
    let (build_env, witness) = build_env(&ws, static_run, &run_dir, seed);
    // The facts' listing and manifests are read while the toolchain probes still answer.
    let (core, environment, cache) = std::thread::scope(|scope| {
        let core = scope.spawn(|| Facts::gather(&ws, build_env));
        let mut environment = environment::observe(&ws, opts.offline, seed, probes.answer());
        environment.test_shard = opts.test_shard.clone();
        let cache = cache_session(opts, &ws, &config, &out, &run_id, &environment);
        read_ahead(&cache, &plan, static_run);
        let core = core
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (core, environment, cache)
    });
    let facts = core
        .with_witness(witness)
        .with_resolve_output(resolved)
        .with_tree_ahead(tree_ahead)
        .with_cache(cache)
        .with_build_skipped(static_run)
        .with_other_toolchain(crate::facts::other_toolchain(&ws.root, &environment));
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
        expected,
    })
}

/// The configuration of the run on `ws`, validated, and its plan (the team's checks too).
fn configured(
    opts: &RunOptions,
    ws: &Workspace,
) -> Result<(Config, Vec<&'static dyn Check>), GateError> {
    let config = config::load(
        &ws.config_layout(),
        opts.config_path.as_deref(),
        &registry::known(),
    )?;
    let custom = registry::team_checks(&config);
    let plan = plan(opts.stage, &opts.only, &opts.skip, &custom)?;
    Ok((config, plan))
}

/// `error`, met preparing the run on the workspace it expected (a kept one, or one read from
/// the manifests): the run's own only once cargo has confirmed that workspace; where cargo
/// describes another, the run is prepared again from cargo's answer (an invalid
/// `[package.metadata.gate]` of a member cargo does not have is no error of this run).
fn unconfirmed(
    expected: Option<Expected>,
    ws: &Workspace,
    error: GateError,
    (opts, redactor): (&RunOptions, &mut Redactor),
) -> Result<Prepared, GateError> {
    let Some(expected) = expected else {
        return Err(error);
    };
    if expected.discovering.settle()?.same_as(ws) {
        return Err(error);
    }
    prepare_with(opts, redactor, false)
}

/// The environment of the run's builds and tests, and the nvcc witness that stands in front
/// of them (none in a static run: nothing compiles, nothing is installed in the target
/// directory).
fn build_env(
    ws: &Workspace,
    static_run: bool,
    run_dir: &std::path::Path,
    seed: u64,
) -> (Vec<(String, String)>, gate_witness::observe::Installed) {
    let (mut build_env, witness) = match static_run {
        true => crate::facts::witness::none("a static run (--skip tests.pass) builds nothing"),
        false => crate::facts::witness::setup(&ws.target_dir),
    };
    build_env.extend([
        (
            "GATE_RUN_DIR".to_owned(),
            run_dir.to_string_lossy().into_owned(),
        ),
        ("GATE_SEED".to_owned(), seed.to_string()),
    ]);
    (build_env, witness)
}

/// Whether `check` asks a fact the cache keys by the working tree: the resolve
/// (`lockfile.locked`, and every check that reads the graph, which also needs the resolve),
/// the build and the test run. A hint for [`crate::cache::Session::digest_tree_ahead`]
/// only: a check left out of it finds the tree digested on first use, as before.
fn keys_by_tree(check: &dyn Check) -> bool {
    check.reads_graph()
        || matches!(
            check.meta().id,
            "lockfile.locked" | "tests.pass" | "kernels.build"
        )
}

/// The evidence cache of this run. The build and the test run see the same environment, so
/// the second compiles nothing.
/// What the cache reads in threads of its own while the run goes on: the digests that key
/// the plan's facts (a static run keys the resolve and the graph alone, by the manifests),
/// and the record's runs.
fn read_ahead(cache: &crate::cache::Session, plan: &[&'static dyn Check], static_run: bool) {
    match plan.iter().any(|c| keys_by_tree(*c)) {
        true if static_run => cache.digest_manifests_ahead(),
        true => cache.digest_tree_ahead(),
        false => {}
    }
    cache.read_records_ahead();
}

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
