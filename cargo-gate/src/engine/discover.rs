//! How a run finds its workspace. Cargo is asked while the toolchain is probed, for the whole
//! resolve when the run reads no cache ([`uncached_plan`]), the shipped graph's `cargo tree`
//! beside it ([`tree_ahead`]); or, when an earlier run kept the
//! workspace it found here (`<out>/cache/workspace.json`), cargo is asked in the background
//! while the run goes on with that one, and nothing is judged before the two are compared
//! ([`Expected`], `prepare::confirmed`): a kept workspace that is out of date or forged costs
//! the time it meant to save, never a verdict.

use super::options::RunOptions;
use super::plan::plan;
use crate::check::Check;
use crate::error::GateError;
use crate::facts::TreeAhead;
use crate::tools::cargo::Cargo;
use crate::tools::environment::Probes;
use crate::workspace::discovery::Discovering;
use crate::workspace::{GitInfo, ResolveOutput, Workspace};
use std::path::{Path, PathBuf};

/// The workspace and the toolchain probes, asked at its root.
pub(super) struct Discovered {
    pub ws: Workspace,
    /// The resolve, when discovery ran it ([`uncached_plan`]).
    pub resolved: Option<ResolveOutput>,
    pub probes: Probes,
    /// Cargo's answer still to come, when `ws` is the kept workspace.
    pub expected: Option<Expected>,
    /// The shipped graph's `cargo tree`, when it was started beside discovery ([`tree_ahead`]).
    pub tree_ahead: Option<TreeAhead>,
}

/// `cargo metadata` still running, and git's state asked where it was started.
#[derive(Debug)]
pub(super) struct Expected {
    /// Cargo, asked in the background (settled by `prepare::confirmed`).
    pub(super) discovering: Discovering,
    /// Git's state where cargo was asked.
    pub(super) git: Option<GitInfo>,
}

/// The workspace (with `expect`, the kept one when there is one) and the toolchain probes.
/// The probes (four process starts, two through rustup) run while cargo loads the workspace,
/// in the directory it is looked for from: its root in the common case; elsewhere they are
/// asked again at the root (`Probes::at`). Never before the files rustup reads are known to
/// be no FIFO (a probe would hang).
pub(super) fn discover(opts: &RunOptions, expect: bool) -> Result<Discovered, GateError> {
    let guess = std::env::current_dir()
        .map(|cwd| crate::workspace::start_dir(&cwd, opts.manifest_path.as_deref()))
        .ok()
        .filter(|dir| crate::workspace::fit_for_probes(dir));
    if expect
        && let Some(dir) = guess.as_deref()
        && let Some(kept) = kept_for(opts, dir)
    {
        let discovering = Workspace::discover_beside(opts.offline)?;
        let (probes, git) = std::thread::scope(|scope| {
            let probes = scope.spawn(|| Probes::ask(dir));
            let git = crate::workspace::git_info(dir);
            let probes = probes
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (probes, git)
        });
        let ws = Workspace {
            git: git.clone(),
            ..kept
        };
        return Ok(Discovered {
            ws,
            resolved: None,
            probes,
            expected: Some(Expected { discovering, git }),
            tree_ahead: None,
        });
    }
    let uncached = guess.as_deref().and_then(|dir| uncached_plan(opts, dir));
    let resolve_first = uncached
        .as_ref()
        .is_some_and(|(_, p)| p.iter().any(|c| c.meta().id == "lockfile.locked"));
    let (ws, probes, tree_ahead) = std::thread::scope(|scope| {
        let probes = guess
            .as_deref()
            .map(|dir| scope.spawn(move || Probes::ask(dir)));
        let ahead = uncached
            .as_ref()
            .map(|(dir, p)| scope.spawn(move || tree_ahead(opts, dir, p)));
        let ws = Workspace::discover_resolving(
            opts.manifest_path.as_deref(),
            opts.offline,
            resolve_first,
        );
        let probes = probes.map(|p| {
            p.join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        });
        // Read ahead only: a panic there (a bug) leaves the graph to be asked as before.
        let ahead = ahead.and_then(|a| a.join().ok().flatten());
        (ws, probes, ahead)
    });
    let (ws, resolved) = ws?;
    let probes = probes.map_or_else(|| Probes::ask(&ws.root), |p| p.at(&ws.root));
    Ok(Discovered {
        ws,
        resolved,
        probes,
        expected: None,
        tree_ahead,
    })
}

/// The shipped graph's `cargo tree` started at once, beside workspace discovery, instead of
/// once the workspace is known, for a run that reads no cache (a read one may reuse the
/// graph: [`uncached_plan`]) and runs no tests (a run that does starts it beside its build,
/// off the critical path, where here it would slow discovery on two cores), when `planned`
/// holds a check that reads the graph. Asked as it would be were `dir` the root with the
/// configuration found there; a check takes its output only if that is the command it asks
/// ([`TreeAhead`]).
fn tree_ahead(opts: &RunOptions, dir: &Path, planned: &[&'static dyn Check]) -> Option<TreeAhead> {
    if !planned.iter().any(|c| c.reads_graph())
        || planned.iter().any(|c| c.meta().id == "tests.pass")
        || !lock_names_sources(dir)
    {
        return None;
    }
    let manifest = dir.join("Cargo.toml");
    let layout = crate::config::Layout {
        root: dir,
        manifest_path: &manifest,
        members: Vec::new(),
    };
    let known = crate::registry::known();
    let config = crate::config::load(&layout, opts.config_path.as_deref(), &known).ok()?;
    let targets = crate::shared::sections::targets(&config);
    let triples: Vec<&str> = targets.iter().map(|t| t.triple.as_str()).collect();
    let top = crate::workspace::work_tree_top(dir);
    TreeAhead::start(&Cargo::new(dir, opts.offline), &triples, top)
}

/// Whether the Cargo.lock in `dir` holds a package from a registry or a git source (a
/// lockfile that cannot be read is taken to). Where it holds path packages alone, the
/// shipped graph is most likely the resolve's own, no feature or platform able to change it
/// ([`crate::deps::conditional_edge`]), and no `cargo tree` is started ahead: should one be
/// needed after all, it runs once the resolve says so.
fn lock_names_sources(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join("Cargo.lock")).map_or(true, |lock| {
        lock.lines().any(|l| l.starts_with("source = "))
    })
}

/// The workspace an earlier run kept where this run's output goes, found from `start` (its
/// root): only for a run that reads the cache (the kept workspace sits in it), started at the
/// root without `--manifest-path`, its target directory where cargo puts it by default.
fn kept_for(opts: &RunOptions, start: &Path) -> Option<Workspace> {
    let moved = ["CARGO_TARGET_DIR", "CARGO_BUILD_TARGET_DIR"]
        .iter()
        .any(|var| std::env::var_os(var).is_some());
    if opts.no_cache || opts.manifest_path.is_some() || moved {
        return None;
    }
    let target = start.join("target");
    let out = opts.out.clone().unwrap_or_else(|| target.join("gate"));
    Workspace::kept(&out, start).filter(|kept| kept.target_dir == target)
}

/// The stage's plan (built-in checks), for a run that reads no cache (`--no-cache`) started
/// where a lockfile is (`start`, the root in the common case) without `--manifest-path`:
/// what discovery may ask beside `cargo metadata` for such a run, its resolve
/// (`resolve_first` when the plan holds `lockfile.locked`, which runs the resolve whenever
/// there is a Cargo.lock) and its graph ([`tree_ahead`]). `None` otherwise: a reused resolve
/// needs no second cargo process, and a run that needs no resolve never reaches for the
/// network.
fn uncached_plan(opts: &RunOptions, start: &Path) -> Option<(PathBuf, Vec<&'static dyn Check>)> {
    if !opts.no_cache || opts.manifest_path.is_some() || !start.join("Cargo.lock").is_file() {
        return None;
    }
    let planned = plan(opts.stage, &opts.only, &opts.skip, &[]).ok()?;
    Some((start.to_owned(), planned))
}
