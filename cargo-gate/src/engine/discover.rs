//! How a run finds its workspace. Cargo is asked while the toolchain is probed, for the whole
//! resolve when the run reads no cache ([`uncached_plan`]), the shipped graph's `cargo tree`
//! beside it ([`tree_ahead`]). Where the run can expect an answer, cargo is asked in the
//! background while the run goes on with that one, and nothing is judged before the two are
//! compared ([`Expected`], `prepare::confirmed`): the workspace an earlier run kept here
//! (`<out>/cache/workspace.json`), or, for a run that reads no cache, the workspace read
//! from its manifests ([`read_fit`]), the resolve's output handed to the facts as soon as
//! cargo exits. An expected workspace that is out of date, wrong or forged costs the time
//! it meant to save, never a verdict. A run that builds nothing lets its own work yield to
//! cargo's meanwhile ([`crate::tools::priority`]).

use super::options::RunOptions;
use super::plan::{builds, is_static, plan};
use crate::check::Check;
use crate::config::Config;
use crate::error::GateError;
use crate::facts::TreeAhead;
use crate::tools::cargo::Cargo;
use crate::tools::environment::{Probes, Probing};
use crate::workspace::discovery::{Discovering, Resolved};
use crate::workspace::{GitInfo, Workspace};
use std::cell::OnceCell;
use std::path::{Path, PathBuf};

/// The workspace and the toolchain probes, asked at its root.
pub(super) struct Discovered {
    pub ws: Workspace,
    /// The resolve, when discovery ran it or is running it ([`uncached_plan`]).
    pub resolved: Option<Resolved>,
    /// The toolchain probes, asked at the root (perhaps still answering).
    pub probes: Probing,
    /// Cargo's answer still to come, when `ws` is the kept workspace or the one read from the
    /// manifests.
    pub expected: Option<Expected>,
    /// The shipped graph's `cargo tree`, when it was started beside discovery ([`tree_ahead`]).
    pub tree_ahead: Option<TreeAhead>,
}

/// `cargo metadata` still running, and where the workspace the run went on with came from.
#[derive(Debug)]
pub(super) struct Expected {
    /// Cargo, asked in the background (settled by `prepare::confirmed`).
    pub(super) discovering: Discovering,
    /// Whether the workspace was read from the manifests (not kept by an earlier run): once
    /// cargo has confirmed it, it is kept for the next run as a run that asked cargo keeps it.
    pub(super) keep: bool,
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
    if expect && let Some(dir) = guess.as_deref() {
        if let Some(kept) = kept_for(opts, dir) {
            let (discovering, _) = Workspace::discover_beside(opts.offline, false)?;
            if let Ok(planned) = plan(opts.stage, &opts.only, &opts.skip, &[]) {
                yield_when_static(opts, dir, &planned, &OnceCell::new());
            }
            let (probes, git, ()) = beside(dir, || ());
            return Ok(Discovered {
                ws: Workspace { git, ..kept },
                resolved: None,
                probes,
                expected: Some(Expected {
                    discovering,
                    keep: false,
                }),
                tree_ahead: None,
            });
        }
        if let Some((dir, planned)) = read_plan(opts, dir) {
            return unwaited(opts, &dir, &planned);
        }
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
            .map(|(dir, p)| scope.spawn(move || tree_ahead(opts, dir, p, &OnceCell::new())));
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
        resolved: resolved.map(Resolved::Ran),
        probes: Probing::answered(probes),
        expected: None,
        tree_ahead,
    })
}

/// Git's state, asked at `dir` while cargo answers in the background, with what `read`
/// reads beside it, and the toolchain probes, started there too and still answering: the
/// run prepares while they do (`engine/prepare.rs`).
fn beside<T: Send>(dir: &Path, read: impl FnOnce() -> T + Send) -> (Probing, Option<GitInfo>, T) {
    let probes = Probing::start(dir);
    let (git, read) = std::thread::scope(|scope| {
        let git = scope.spawn(|| crate::workspace::git_info(dir));
        let read = read();
        let git = git.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        (git, read)
    });
    (probes, git, read)
}

/// A run that reads no cache ([`read_plan`]): cargo is asked in the background at once (the
/// whole resolve when the plan holds `lockfile.locked`, its output handed to the facts as
/// soon as cargo exits), and the run goes on with the workspace read from the manifests
/// ([`read_fit`]) while cargo answers. Where they cannot be read so, cargo's answer is waited
/// for, as where nothing is expected.
fn unwaited(
    opts: &RunOptions,
    dir: &Path,
    planned: &[&'static dyn Check],
) -> Result<Discovered, GateError> {
    let resolve = planned.iter().any(|c| c.meta().id == "lockfile.locked");
    let (discovering, resolved) = Workspace::discover_beside(opts.offline, resolve)?;
    // Loaded at most once, for the graph asked ahead and the yield both.
    let config = OnceCell::new();
    let tree_ahead = tree_ahead(opts, dir, planned, &config);
    yield_when_static(opts, dir, planned, &config);
    let (probes, git, read) = beside(dir, || read_fit(dir));
    if let Some(read) = read {
        return Ok(Discovered {
            ws: Workspace { git, ..read },
            resolved,
            probes,
            expected: Some(Expected {
                discovering,
                keep: true,
            }),
            tree_ahead,
        });
    }
    let ws = discovering.settle()?;
    let at_root = ws.root == dir;
    let git = if at_root {
        git
    } else {
        crate::workspace::git_info(&ws.root)
    };
    Ok(Discovered {
        probes: Probing::answered(probes.answer().at(&ws.root)),
        ws: Workspace { git, ..ws },
        resolved: resolved.filter(|_| at_root),
        expected: None,
        tree_ahead,
    })
}

/// The root and the plan of a run that reads no cache ([`uncached_plan`]) started at its
/// root, where the target directory is not moved by the environment: one whose workspace
/// may be read from the manifests ([`read_fit`]) while cargo answers.
fn read_plan(opts: &RunOptions, start: &Path) -> Option<(PathBuf, Vec<&'static dyn Check>)> {
    let (dir, planned) = uncached_plan(opts, start)?;
    let at_root = std::env::current_dir().is_ok_and(|cwd| cwd == dir);
    (at_root && !target_moved()).then_some((dir, planned))
}

/// The workspace read from its manifests (`workspace::read_manifests`): what cargo is
/// expected to answer. Only where cargo is likely to agree and the guess is no wider than
/// what the run reads anyway: no configuration moves the target directory, the root is
/// `dir`, and every member is a manifest under it. `None` otherwise: the run waits for cargo.
fn read_fit(dir: &Path) -> Option<Workspace> {
    let moves = |doc: &toml::Table| {
        doc.get("build")
            .and_then(toml::Value::as_table)
            .is_some_and(|b| b.contains_key("target-dir") || b.contains_key("build-dir"))
    };
    if crate::tools::cargo::config_setting(dir, moves).is_some() {
        return None;
    }
    // A package in a directory of another workspace (perhaps excluded from it) is cargo's to
    // place: its manifests are not read (nor the other workspace's globs expanded).
    let declares = |d: &Path| {
        crate::workspace::read_toml(&d.join("Cargo.toml"))
            .is_some_and(|t| t.contains_key("workspace"))
    };
    if !declares(dir) && dir.ancestors().skip(1).any(declares) {
        return None;
    }
    let ws = crate::workspace::read_manifests(dir)?;
    let fit = ws.root == dir
        && ws.target_dir == dir.join("target")
        && ws.members.iter().all(|m| under(&m.dir, dir));
    fit.then_some(ws)
}

/// Whether a run of `planned` builds and tests nothing — static as `prepare` takes it
/// (`--skip tests.pass`), or nothing planned that builds: its only programs are cargo's
/// questions (`cargo metadata`, `cargo tree`), git and the toolchain probes, so its own work
/// may yield to cargo ([`crate::tools::priority::yield_to_cargo`]); a run that builds would
/// hand the least priority on to its build and its tests.
fn builds_nothing(opts: &RunOptions, planned: &[&'static dyn Check]) -> bool {
    is_static(opts) || !builds(planned)
}

/// The configuration as the run would load it were `dir` the root, loaded into `cell` the
/// first time it is asked (`None` where it does not load: the run reports that once it
/// knows the workspace).
fn config_at<'c>(
    opts: &RunOptions,
    dir: &Path,
    cell: &'c OnceCell<Option<Config>>,
) -> Option<&'c Config> {
    cell.get_or_init(|| {
        let manifest = dir.join("Cargo.toml");
        let layout = crate::config::Layout {
            root: dir,
            manifest_path: &manifest,
            members: Vec::new(),
        };
        let known = crate::registry::known();
        crate::config::load(&layout, opts.config_path.as_deref(), &known).ok()
    })
    .as_ref()
}

/// Yields the run's own work to cargo's beside it ([`crate::tools::priority`], where the
/// machine was idle) when the run builds nothing ([`builds_nothing`]) and its configuration
/// (found at `dir`, [`config_at`]) declares no team check, whose commands would inherit the
/// least priority too.
fn yield_when_static(
    opts: &RunOptions,
    dir: &Path,
    planned: &[&'static dyn Check],
    config: &OnceCell<Option<Config>>,
) {
    if builds_nothing(opts, planned)
        && config_at(opts, dir, config).is_some_and(|c| c.custom_checks.is_empty())
    {
        crate::tools::priority::yield_to_cargo();
    }
}

/// Whether `path` lies under `root`, with no `..` to climb out of it.
fn under(path: &Path, root: &Path) -> bool {
    path.starts_with(root)
        && path
            .components()
            .all(|c| !matches!(c, std::path::Component::ParentDir))
}

/// Whether the environment moves cargo's target or build directory.
fn target_moved() -> bool {
    [
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET_DIR",
        "CARGO_BUILD_BUILD_DIR",
    ]
    .iter()
    .any(|var| std::env::var_os(var).is_some())
}

/// The shipped graph's `cargo tree` started at once, beside workspace discovery, instead of
/// once the workspace is known, for a run that reads no cache (a read one may reuse the
/// graph: [`uncached_plan`]) and runs no tests (a run that does starts it beside its build,
/// off the critical path, where here it would slow discovery on two cores), when `planned`
/// holds a check that reads the graph. Asked as it would be were `dir` the root with the
/// configuration found there; a check takes its output only if that is the command it asks
/// ([`TreeAhead`]).
fn tree_ahead(
    opts: &RunOptions,
    dir: &Path,
    planned: &[&'static dyn Check],
    config: &OnceCell<Option<Config>>,
) -> Option<TreeAhead> {
    if !planned.iter().any(|c| c.reads_graph())
        || planned.iter().any(|c| c.meta().id == "tests.pass")
        || !lock_names_sources(dir)
    {
        return None;
    }
    let config = config_at(opts, dir, config)?;
    let targets = crate::shared::sections::targets(config);
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
    if opts.no_cache || opts.manifest_path.is_some() || target_moved() {
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
