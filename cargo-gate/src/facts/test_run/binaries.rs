//! The test run kept per test binary (docs/CACHE.md, "Per test binary"): after a change,
//! only the test binaries whose inputs changed run; every other binary's result is reused
//! from the evidence cache, proven like any entry, and named in the report.
//!
//! A binary's key ([`Fact::TestBinary`](crate::cache::Fact::TestBinary)) is what it is and
//! what it reads when it runs:
//!
//! - `binary`: the SHA-256 of the executable, taken from the bytes the build fact read
//!   (everything compiled in: the package's code, its dependencies at their locked versions,
//!   features, `include_bytes!`, the toolchain's code generation);
//! - `reads`: every file of its package and of the workspace packages it depends on (path
//!   dependencies: its own normal, dev and build ones, and theirs but for their
//!   dev-dependencies, transitively), and every file of the tree that
//!   belongs to no workspace package (the root's `docs/`, shared fixtures) but the root's
//!   Cargo.lock: where a test reads fixtures at run time;
//! - `declared`: what `[cache] reads` says it reads beyond that;
//! - `out-dirs`: what the build scripts of those packages left in their `OUT_DIR`;
//! - the id, the runner and the per-test limit; and what every fact has (the tool, the
//!   toolchain, the variables that reach the build, `--offline`, cargo's configuration,
//!   `[cache] files`).
//!
//! cargo runs the tests as always (`cargo test --locked --workspace --no-fail-fast`, one
//! command, the features of the whole workspace), with the gate as the host's target runner
//! for that command (`replay.rs`): a binary whose key is unchanged prints its earlier output
//! instead of running. Beside it the doc tests, kept per crate with the gate standing in for
//! rustdoc (`doc_tests.rs`), in lanes (`doc_lanes.rs`). Binaries the build did not list and
//! binaries started with arguments run every time. A workspace that configures a runner of its own (a
//! `target.*.runner`, an emulator) keeps one key for the whole run.

use super::doc_lanes::with_doc_tests;
use super::doc_tests::{self, DocPlan, PlannedDoc};
pub(super) use super::keys::Keys;
use super::model::{BinaryEvidence, BinaryStatus, Runner, TestRun, TestSetup};
use super::replay::{BinaryRun, Plan, Planned, RUNNER_ARG, Reported};
use crate::cache::{Fact, Fresh, Hit, Keep, Obtained, Pending};
use crate::facts::artifacts::Build;
use crate::facts::core::{Core, Package, Role};
use gate_formats::kernel_bom::BinaryKind;
use gate_support::digest::sha256_hex;
use std::path::{Path, PathBuf};

/// How [`keyable`] ends the reason it gives when the workspace's environment or cargo
/// configuration names a test runner of its own.
const OWN_RUNNER_VAR: &str = " sets a runner of its own";
const OWN_RUNNER_CONFIG: &str = " sets a target runner";

/// Whether `why`, the reason a run was kept whole, is a runner the workspace configures (its
/// output is then what `tests.pass` judges).
pub(crate) fn own_runner(why: &str) -> bool {
    why.ends_with(OWN_RUNNER_VAR) || why.ends_with(OWN_RUNNER_CONFIG)
}

/// The host triple the gate can stand in as the runner for, or why the run is kept whole.
pub(super) fn keyable(
    facts: &Core,
    setup: &TestSetup<'_>,
    runner: Runner,
) -> Result<String, String> {
    if runner == Runner::Nextest && setup.environment.test_shard.is_some() {
        return Err("a shard is one of nextest's hash buckets: the run is kept whole".to_owned());
    }
    let host = setup
        .environment
        .rustc
        .get("host")
        .cloned()
        .ok_or("rustc did not say its host triple")?;
    let host_var = format!(
        "CARGO_TARGET_{}_RUNNER",
        host.to_uppercase().replace('-', "_")
    );
    if let Some(var) = std::env::vars_os()
        .filter_map(|(name, _)| name.into_string().ok())
        .find(|name| *name == host_var)
    {
        return Err(format!("{var}{OWN_RUNNER_VAR}"));
    }
    if let Some(file) = crate::tools::cargo::config_setting(facts.root(), |doc| {
        doc.get("target")
            .and_then(toml::Value::as_table)
            .is_some_and(|targets| {
                targets.iter().any(|(key, t)| {
                    t.as_table().is_some_and(|t| t.contains_key("runner"))
                        && runner_applies(key, &host)
                })
            })
    }) {
        return Err(format!(
            "{}{OWN_RUNNER_CONFIG}",
            gate_support::path::relative(facts.root(), &file)
        ));
    }
    if !facts.cache().enabled() {
        return Err("the evidence cache is off".to_owned());
    }
    if let Some(why) = facts.cache().tree_unkeyable() {
        return Err(format!("the tree cannot be keyed: {why}"));
    }
    std::env::current_exe().map_err(|e| format!("cargo-gate's own path is unknown: {e}"))?;
    Ok(host)
}

/// Whether a runner under `[target.KEY]` runs the host's test binaries: KEY is the host's
/// triple, or a `cfg(…)` the host's target satisfies. A runner for another triple or a `cfg`
/// the host does not meet (getrandom's `wasm32-*` and `cfg(target_os = "emscripten")`) is
/// cargo's for another target; a `cfg` the gate cannot decide (a feature, a custom flag) or a
/// host rustc knows and cfg-expr does not counts as applying.
pub(crate) fn runner_applies(key: &str, host: &str) -> bool {
    use cfg_expr::{Expression, Predicate};
    if !key.starts_with("cfg(") {
        return key == host;
    }
    let (Ok(expr), Some(target)) = (
        Expression::parse(key),
        cfg_expr::targets::get_builtin_target_by_triple(host),
    ) else {
        return true;
    };
    expr.eval(|predicate| match predicate {
        Predicate::Target(p) => Some(p.matches(target)),
        _ => None,
    }) != Some(false)
}

/// A key looked up: the proven entry, or what storing a fresh result needs.
pub(super) type Found = Result<Hit<BinaryRun>, Box<Pending>>;

/// A test binary of the build with its key looked up.
pub(super) struct Looked<'a> {
    pub id: &'a str,
    pub path: &'a Path,
    pub size: u64,
    pub modified: Option<u128>,
    pub found: Option<Found>,
}

/// What the per-binary run hands back to the whole run.
pub(super) struct PerBinary {
    /// The whole run, as one `cargo test` printed it (replays included).
    pub fresh: Fresh<Result<TestRun, String>>,
    /// A binary that passed here and failed before on the same inputs, with the variables
    /// set in one run only.
    pub failed_before: Option<(String, Vec<String>)>,
}

/// Runs the tests with the gate as the runner: each binary's result looked up first, the
/// ones found replayed, the others run and stored. `run_tests` runs the command it is given
/// as the whole run does.
pub(super) fn run(
    facts: &Core,
    setup: &TestSetup<'_>,
    build: &Build,
    host: &str,
    whole: &Pending,
    run_tests: impl Fn(std::process::Command) -> Fresh<Result<TestRun, String>> + Sync,
) -> Result<PerBinary, String> {
    let cache = facts.cache();
    let keys = Keys::new(facts, build);
    let limit = setup.test_timeout.as_millis().to_string();
    let looked = look_up(facts, build, &keys, &limit, "cargo test", &[]);
    let dir = tempfile::Builder::new()
        .prefix(".scratch-tests-")
        .tempdir_in(setup.scratch)
        .map_err(|e| format!("could not make a directory for the test plan: {e}"))?;
    let plan = Plan {
        results: dir.path().join("results"),
        binaries: looked
            .iter()
            .filter(|l| l.found.is_some())
            .map(|l| Planned {
                id: l.id.to_owned(),
                path: l.path.to_owned(),
                size: l.size,
                modified: l.modified,
                replay: match &l.found {
                    Some(Ok(hit)) => Some(hit.value.clone()),
                    _ => None,
                },
                replay_note: match &l.found {
                    Some(Ok(hit)) => format!(
                        "    Replaying {}: its inputs are unchanged since run {} (inputs {})",
                        l.id, hit.reused.run_id, hit.reused.inputs
                    ),
                    _ => String::new(),
                },
            })
            .collect(),
    };
    let plan_path = dir.path().join("plan.json");
    let plan_bytes = serde_json::to_vec(&plan).expect("the plan serialises");
    std::fs::write(&plan_path, plan_bytes)
        .map_err(|e| format!("could not write the test plan {}: {e}", plan_path.display()))?;
    // What a reused binary left in the run directory goes back first: a binary that runs
    // and writes the same file wins.
    for l in &looked {
        if let Some(Ok(hit)) = &l.found {
            super::replay::restore_run_files(setup.run_dir, hit.files());
        }
    }
    let exe = std::env::current_exe().map_err(|e| format!("cargo-gate's own path: {e}"))?;
    let runner = toml::Value::Array(vec![
        toml::Value::String(exe.to_string_lossy().into_owned()),
        toml::Value::String(RUNNER_ARG.to_owned()),
        toml::Value::String(plan_path.to_string_lossy().into_owned()),
    ]);
    let host_key = toml::Value::String(host.to_owned());
    let config = format!("target.{host_key}.runner={runner}");
    // The test binaries through the runner, and beside it the doc tests through the rustdoc
    // stand-in, not the runner: rustdoc runs merged doc tests in one process under a
    // runner, where a doc test that exits would end the others. The binaries' call selects
    // what the build did (no `--tests`): a member that is also a build-dependency is built
    // once with the dev profile where its library is selected, else with the build-override
    // profile, and under `--tests` cargo started test binaries the build never digested
    // (rust-phf: a green run said tampered with). Its doc tests are left to the doc-test
    // run (`doc_tests::SKIP_ENV`); where the stand-in cannot stand in, `--tests` leaves
    // them out.
    let library = has_library(facts, build);
    let skip_docs = library && stand_in_refused(facts).is_none();
    let mut args = vec!["--locked", "--workspace", "--no-fail-fast"];
    if library && !skip_docs {
        args.push("--tests");
    }
    args.extend(["--config", &config]);
    let mut cmd = setup.cargo.command("test", &args);
    if skip_docs {
        // The members it skips, by directory: a project of another workspace that a test or
        // a build script runs `cargo test` on inherits the variables, and has its doc tests
        // run (the thirty-second session's second hostile pass).
        let members: Vec<&Path> = (facts.packages.iter())
            .filter(|p| p.role == Role::Member)
            .map(|p| p.dir.as_path())
            .collect();
        let list = dir.path().join("skip.json");
        std::fs::write(
            &list,
            serde_json::to_vec(&members).expect("paths serialise"),
        )
        .map_err(|e| format!("could not write {}: {e}", list.display()))?;
        cmd.env("RUSTDOC", &exe).env(doc_tests::SKIP_ENV, &list);
    }
    // The doc tests run beside the binaries (they read nothing the binaries' run writes but
    // the run directory, as tests running in parallel do).
    let (mut fresh, docs) = with_doc_tests_beside(
        (facts, setup, build),
        (&keys, &limit),
        (dir.path(), &exe),
        || run_tests(cmd),
        Runner::CargoTest,
        &run_tests,
    );
    let run = fresh.value.as_ref().ok();
    // A binary's result is stored only when the run was not stopped under it and the tree
    // is what its key says.
    let stopped = run.is_none_or(|r| r.captured.stopped.is_some() || r.over_limit.is_some());
    let reports: Vec<Option<Reported>> = looked.iter().map(|l| plan.reported(l.id)).collect();
    let tampered = super::tamper::tampered(
        run.map_or("", |r| r.captured.log.as_str()),
        &held(&looked, &reports),
        !stopped && run.is_some_and(|r| r.captured.code.is_some()),
    );
    // The tree is keyed by the whole run's key (a binary's key holds only its share of it);
    // nothing of a run that was tampered with is kept.
    let unmoved = super::tamper::taint(&mut fresh, tampered) && cache.unmoved(whole);
    let mut evidence = Vec::new();
    let mut failed_before = None;
    // The doc tests ran beside the binaries when a member built a library.
    let beside = has_library(facts, build);
    for (l, reported) in looked.into_iter().zip(reports) {
        let reported = super::replay::alone(reported, beside);
        let settled = settle(cache, l.id.to_owned(), l.found, reported, stopped, unmoved);
        evidence.push(take_failed_before(settled, &mut failed_before));
    }
    Ok(finish(
        cache,
        fresh,
        (evidence, failed_before),
        docs,
        (stopped, unmoved),
    ))
}

/// Each binary as planned and as reported, for [`super::tamper::tampered`].
fn held<'a>(
    looked: &'a [Looked<'_>],
    reports: &'a [Option<Reported>],
) -> Vec<super::tamper::Held<'a>> {
    looked
        .iter()
        .zip(reports)
        .map(|(l, reported)| {
            let section = super::tamper::binary_section(l.path);
            held_one(l.id, section, l.found.as_ref(), reported.as_ref())
        })
        .collect()
}

/// Each crate's doc tests as planned and as reported, for [`super::tamper::tampered`].
fn held_docs<'a>(
    looked: &'a [LookedDoc],
    reports: &'a [Option<Reported>],
) -> Vec<super::tamper::Held<'a>> {
    looked
        .iter()
        .zip(reports)
        .map(|(doc, reported)| {
            let name = doc.id.strip_suffix(doc_tests::DOC_TESTS).unwrap_or(&doc.id);
            let section = super::tamper::doc_section(name);
            held_one(&doc.id, section, doc.found.as_ref(), reported.as_ref())
        })
        .collect()
}

/// One binary (or crate's doc tests): whether the gate planned a replay, and whether what
/// was reported failed (the run's code, or the replayed result's).
fn held_one<'a>(
    id: &'a str,
    section: String,
    found: Option<&'a Found>,
    reported: Option<&'a Reported>,
) -> super::tamper::Held<'a> {
    let hit = match found {
        Some(Ok(hit)) => Some(hit),
        _ => None,
    };
    let failed = match reported {
        Some(r) if !r.replayed => r.run.as_ref().map(|run| run.code != Some(0)),
        Some(_) => hit.map(|hit| hit.value.code != Some(0)),
        None => None,
    };
    super::tamper::Held {
        id,
        section,
        planned_replay: hit.is_some(),
        failed,
        reported,
    }
}

/// The run with every binary's and crate's evidence, sorted by id (the doc tests settled
/// last), and the first earlier failure of a pass.
pub(super) fn finish(
    cache: &crate::cache::Session,
    mut fresh: Fresh<Result<TestRun, String>>,
    (mut evidence, mut failed_before): (Vec<BinaryEvidence>, Option<(String, Vec<String>)>),
    docs: Option<DocsLooked>,
    (stopped, unmoved): (bool, bool),
) -> PerBinary {
    // A crate's doc-test report, held against the output as a binary's is.
    let tampered = docs.as_ref().map_or_else(Vec::new, |(plan, looked)| {
        let reports: Vec<Option<Reported>> = looked
            .iter()
            .map(|doc| doc_tests::reported(plan, &doc.id))
            .collect();
        let log = fresh.value.as_ref().map_or("", |r| r.captured.log.as_str());
        super::tamper::tampered(log, &held_docs(looked, &reports), true)
    });
    // Doc tests that passed only run again alone are kept nowhere (`TestRun::raced`).
    let raced = fresh.value.as_ref().is_ok_and(|r| !r.raced.is_empty());
    let flags = (
        stopped || raced,
        super::tamper::taint(&mut fresh, tampered) && unmoved,
    );
    settle_docs(cache, docs, flags, &mut evidence, &mut failed_before);
    evidence.sort_by(|a, b| a.id.cmp(&b.id));
    if let Ok(run) = &mut fresh.value {
        run.binaries = evidence;
    }
    PerBinary {
        fresh,
        failed_before,
    }
}

/// Each test binary of the build with its key looked up (`runner` names the runner in the
/// key); a `[cache] reads` entry that names no binary of the build is noted.
pub(super) fn look_up<'b>(
    facts: &Core,
    build: &'b Build,
    keys: &Keys<'_>,
    limit: &str,
    runner: &str,
    more: &[(&str, String)],
) -> Vec<Looked<'b>> {
    let cache = facts.cache();
    let mut looked: Vec<Looked<'b>> = Vec::new();
    for artifact in &build.artifacts {
        let Some(binary) = &artifact.test_binary else {
            continue;
        };
        if looked.iter().any(|l| l.path == artifact.path) {
            continue;
        }
        let found = (!binary.sha256.is_empty())
            .then(|| keys.reads(&binary.package_dir))
            .flatten()
            .map(|(reads, out_dirs)| {
                let declared = cache.declared_reads(&binary.id);
                let extra = [
                    ("id", binary.id.clone()),
                    ("binary", binary.sha256.clone()),
                    ("reads", reads),
                    ("declared", declared),
                    ("out-dirs", out_dirs),
                    ("runner", runner.to_owned()),
                    ("test-timeout", limit.to_owned()),
                ];
                let extra: Vec<(&str, String)> =
                    extra.into_iter().chain(more.iter().cloned()).collect();
                cache.lookup(Fact::TestBinary, Some(&binary.id), &extra, |_| true)
            });
        looked.push(Looked {
            id: &binary.id,
            path: &artifact.path,
            size: artifact.size,
            modified: artifact.modified,
            found,
        });
    }
    for id in cache.declared_readers() {
        if !looked.iter().any(|l| l.id == id) {
            let known: Vec<&str> = looked.iter().map(|l| l.id).collect();
            cache.note(format!(
                "gate.toml: [cache] reads names test binary `{id}`, which the build does not \
                 have (its test binaries: {})",
                known.join(", ")
            ));
        }
    }
    looked
}

/// The doc tests beside the binaries' run (`binaries`, on this thread), when a member built
/// a library: kept per crate (`per_crate`) where they can be, else run every time; their run
/// joined to the binaries' (`with_doc_tests`, `runner` telling how the log opens). Also each
/// crate's key looked up, for `settle_docs`.
pub(super) fn with_doc_tests_beside(
    (facts, setup, build): (&Core, &TestSetup<'_>, &Build),
    keys: (&Keys<'_>, &str),
    places: (&Path, &Path),
    binaries: impl FnOnce() -> Fresh<Result<TestRun, String>>,
    runner: Runner,
    run_tests: &(impl Fn(std::process::Command) -> Fresh<Result<TestRun, String>> + Sync),
) -> (Fresh<Result<TestRun, String>>, Option<DocsLooked>) {
    if !has_library(facts, build) {
        return (binaries(), None);
    }
    let (dir, exe) = places;
    let jobs = super::doc_lanes::jobs();
    let member = |name: &str| {
        (facts.packages.iter())
            .find(|p| p.role == Role::Member && p.name == name)
            .map(|p| p.dir.as_path())
    };
    // A build script that runs on every build: one after the other, as `cargo test` runs.
    let after = super::doc_lanes::rebuilds_every_call(&build.out_dirs, member);
    let (fresh, (docs_run, docs)) = match after {
        true => (
            binaries(),
            doc_run((facts, setup, build), keys, (dir, exe, 1), run_tests),
        ),
        false => std::thread::scope(|scope| {
            let docs =
                scope.spawn(|| doc_run((facts, setup, build), keys, (dir, exe, jobs), run_tests));
            let fresh = binaries();
            let docs = docs
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (fresh, docs)
        }),
    };
    // Started at once: `&` between their command lines, as a shell writes it (`;` after).
    let sep = if after { "; " } else { " & " };
    let line = |run: &Fresh<Result<TestRun, String>>| {
        run.value
            .as_ref()
            .ok()
            .map(|r| r.captured.command_line.clone())
    };
    let mut at_once = line(&fresh)
        .zip(line(&docs_run))
        .map(|(b, d)| format!("{b}{sep}{d}"));
    // Doc tests that failed beside a cargo call that compiled linked libraries while they
    // were rebuilt: they run again, alone, after both.
    let (docs_run, docs) = match super::doc_lanes::raced(&fresh, &docs_run) {
        false => (docs_run, docs),
        true => {
            let alone = dir.join("alone");
            let _ = std::fs::create_dir_all(&alone);
            let (again, docs) = doc_run((facts, setup, build), keys, (&alone, exe, 1), run_tests);
            at_once = at_once
                .zip(line(&again))
                .map(|(before, d)| format!("{before}; {d}"));
            (super::doc_lanes::after_race(docs_run, again), docs)
        }
    };
    let mut fresh = with_doc_tests(fresh, docs_run, setup.cargo.offline(), runner);
    if let (Ok(run), Some(line)) = (&mut fresh.value, at_once) {
        run.captured.command_line = line;
    }
    // What the run directory holds now both runs ended (either may have ended last).
    super::replay::keep_run_files(&mut fresh, setup.run_dir);
    (fresh, docs)
}

/// The doc tests' run: per crate, in as many lanes as `jobs` allows, where they can be
/// kept, else every time.
fn doc_run(
    (facts, setup, build): (&Core, &TestSetup<'_>, &Build),
    (keys, limit): (&Keys<'_>, &str),
    (dir, exe, jobs): (&Path, &Path, usize),
    run_tests: &(impl Fn(std::process::Command) -> Fresh<Result<TestRun, String>> + Sync),
) -> (Fresh<Result<TestRun, String>>, Option<DocsLooked>) {
    let mut docs = None;
    let doc_run = match per_crate(facts, setup, build, (keys, limit), (dir, jobs)) {
        Ok(DocRun {
            plan_path,
            lanes,
            plan,
            looked,
        }) => {
            docs = Some((plan, looked));
            let command = || {
                let mut command = setup.cargo.command(
                    "test",
                    &["--locked", "--workspace", "--no-fail-fast", "--doc"],
                );
                command
                    .env("RUSTDOC", exe)
                    .env(doc_tests::PLAN_ENV, &plan_path);
                command
            };
            super::doc_lanes::run_lanes(command, lanes, run_tests, setup.cargo.offline())
        }
        Err(why) => {
            facts
                .cache()
                .note(format!("doc tests run every time: {why}"));
            run_tests(setup.cargo.command(
                "test",
                &["--locked", "--workspace", "--no-fail-fast", "--doc"],
            ))
        }
    };
    (doc_run, docs)
}

/// The doc-test plan of a run and each crate's key looked up.
pub(super) type DocsLooked = (DocPlan, Vec<LookedDoc>);

/// Each crate's doc tests after the run, settled like a binary.
pub(super) fn settle_docs(
    cache: &crate::cache::Session,
    docs: Option<DocsLooked>,
    (stopped, unmoved): (bool, bool),
    evidence: &mut Vec<BinaryEvidence>,
    failed_before: &mut Option<(String, Vec<String>)>,
) {
    let Some((plan, looked)) = docs else {
        return;
    };
    for doc in looked {
        // Beside the binaries' run, and the other lanes.
        let reported = super::replay::alone(doc_tests::reported(&plan, &doc.id), true);
        let invoked = doc_tests::invoked(&plan, &doc.id);
        if reported.is_none() && invoked.is_none() {
            // Cargo ran no doc tests of it (`doctest = false`, a library it cannot link).
            continue;
        }
        let found = match invoked {
            // Its libraries could not be read: no key.
            None => None,
            // Replayed, or run on the invocation that was looked up: that key.
            Some(now) if doc.expected == Some(sha256_hex(now.as_bytes())) => {
                if let (Some(Ok(hit)), Some(true)) =
                    (&doc.found, reported.as_ref().map(|r| r.replayed))
                {
                    // What ran this time wins over what the replay left.
                    super::replay::restore_missing_run_files(&doc.run_dir, hit.files());
                }
                doc.found
            }
            // Run on another invocation: the result goes under that one's key.
            Some(now) => Some(match look_up_doc(cache, &doc.id, &doc.extra, &now) {
                Ok(hit) => Err(Box::new(hit.pending(
                    "an earlier result on the same inputs was found only after they ran".to_owned(),
                ))),
                Err(pending) => Err(pending),
            }),
        };
        let settled = settle(cache, doc.id, found, reported, stopped, unmoved);
        evidence.push(take_failed_before(settled, failed_before));
    }
}

/// Whether a member built a library (an rlib, or a proc macro's dynamic library): doc
/// tests are a library's, and `cargo test --doc` in a workspace of binaries only fails
/// ("no library targets found"), so it is never started there. A dependency's rlib is no
/// member's library.
fn has_library(facts: &Core, build: &Build) -> bool {
    !libraries(facts, build).is_empty()
}

/// The evidence of one settled binary, its earlier failure (flaky) kept when it is the
/// first.
pub(super) fn take_failed_before(
    (item, obtained): (BinaryEvidence, Option<Obtained<BinaryRun>>),
    failed_before: &mut Option<(String, Vec<String>)>,
) -> BinaryEvidence {
    if let Some(Obtained {
        failed_before: Some(run),
        suspects,
        ..
    }) = obtained
        && failed_before.is_none()
    {
        *failed_before = Some((run, suspects));
    }
    item
}

/// The doc tests planned per crate: the plan (and where the stand-in reads it), in how many
/// lanes they run, and each crate's id with its key looked up.
struct DocRun {
    plan_path: PathBuf,
    lanes: usize,
    plan: DocPlan,
    looked: Vec<LookedDoc>,
}

/// A crate's doc tests as planned: its key but for the invocation, the invocation its
/// latest result was keyed by, and that key looked up.
pub(super) struct LookedDoc {
    id: String,
    extra: Vec<(&'static str, String)>,
    expected: Option<String>,
    found: Option<Found>,
    /// Where a replay's files go back.
    run_dir: PathBuf,
}

/// The doc tests kept per crate (`doc_tests.rs`): the probe run, each crate's key looked up
/// and what a hit left in the run directory put back; returns the `cargo test --doc` that
/// runs them with the gate as rustdoc, its plan, and each crate's key. `Err`: why they run
/// every time instead (a rustdoc of the workspace's own, a probe that failed).
fn per_crate(
    facts: &Core,
    setup: &TestSetup<'_>,
    build: &Build,
    (keys, limit): (&Keys<'_>, &str),
    (dir, jobs): (&Path, usize),
) -> Result<DocRun, String> {
    if let Some(why) = stand_in_refused(facts) {
        return Err(why);
    }
    // A library whose doc tests are off may be built for its unit tests alone, and is then
    // none of `libraries`: every member is asked.
    let off: Vec<&Package> = (facts.packages.iter())
        .filter(|p| p.role == Role::Member && doctest_off(p))
        .collect();
    let libraries: Vec<&Package> = (libraries(facts, build).into_iter())
        .filter(|p| !off.iter().any(|o| o.dir == p.dir))
        .collect();
    let all = libraries.len();
    let ids: Vec<String> = libraries.iter().map(|p| doc_id(p)).collect();
    // The invocation each crate's latest result was keyed by (its digest, as keys hold
    // their components): a guess the lookup proves or misses.
    let mut guesses = facts
        .cache()
        .latest_components(Fact::TestBinary, &ids, "invocation");
    let (crates, looked): (Vec<PlannedDoc>, Vec<LookedDoc>) = libraries
        .into_iter()
        .filter_map(|package| {
            let expected = guesses.remove(&doc_id(package));
            plan_crate(facts, setup, (keys, limit), package, expected)
        })
        .unzip();
    let unplanned = all - crates.len();
    let mut plan = DocPlan {
        results: dir.join("doc-results"),
        crates,
        lanes: 1,
        off: off.iter().map(|p| p.dir.clone()).collect(),
    };
    let lanes = doc_tests::spread(&mut plan, unplanned, jobs);
    let plan_path = dir.join("doc-plan.json");
    let bytes = serde_json::to_vec(&plan).expect("the plan serialises");
    std::fs::write(&plan_path, bytes).map_err(|e| {
        format!(
            "could not write the doc-test plan {}: {e}",
            plan_path.display()
        )
    })?;
    Ok(DocRun {
        plan_path,
        lanes,
        plan,
        looked,
    })
}

/// Why the rustdoc stand-in cannot stand in for rustdoc here, if it cannot: the workspace
/// names a rustdoc of its own, or sets one of the stand-in's variables in `[env]` (cargo
/// hands `[env]` to rustdoc over the gate's own values where it says `force`: a plan or a
/// lane of the workspace's choosing could replay or skip a crate's doc tests).
fn stand_in_refused(facts: &Core) -> Option<String> {
    // cargo reads `RUSTDOC` over `build.rustdoc` and `CARGO_BUILD_RUSTDOC`: the gate's own
    // would replace the workspace's silently.
    for var in ["RUSTDOC", "CARGO_BUILD_RUSTDOC"] {
        if std::env::var_os(var).is_some() {
            return Some(format!("{var} names a rustdoc of its own"));
        }
    }
    if let Some(file) = crate::tools::cargo::config_setting(facts.root(), |doc| {
        doc.get("build")
            .and_then(toml::Value::as_table)
            .is_some_and(|build| build.contains_key("rustdoc"))
    }) {
        return Some(format!("{} sets build.rustdoc", file.display()));
    }
    crate::tools::cargo::config_setting(facts.root(), |doc| {
        doc.get("env")
            .and_then(toml::Value::as_table)
            .is_some_and(|env| env.keys().any(|k| k.starts_with(doc_tests::OURS)))
    })
    .map(|file| {
        format!(
            "{} sets a variable of the gate's ({}…) in [env]",
            file.display(),
            doc_tests::OURS
        )
    })
}

/// Whether `package`'s manifest turns its library's doc tests off (`[lib] doctest = false`).
fn doctest_off(package: &Package) -> bool {
    crate::workspace::read_toml(&package.dir.join("Cargo.toml")).is_some_and(|m| {
        m.get("lib")
            .and_then(|lib| lib.get("doctest"))
            .and_then(toml::Value::as_bool)
            == Some(false)
    })
}

/// One library's doc tests planned: keyed, and looked up with `expected`, the digest of the
/// invocation of their latest entry. `None`: its files could not be keyed (they run every
/// time).
fn plan_crate(
    facts: &Core,
    setup: &TestSetup<'_>,
    (keys, limit): (&Keys<'_>, &str),
    package: &Package,
    expected: Option<String>,
) -> Option<(PlannedDoc, LookedDoc)> {
    let cache = facts.cache();
    let (reads, out_dirs) = keys.reads(&package.dir)?;
    let id = doc_id(package);
    let extra = vec![
        ("id", id.clone()),
        ("reads", reads),
        ("declared", cache.declared_reads(&id)),
        ("out-dirs", out_dirs),
        ("runner", "rustdoc --test".to_owned()),
        ("test-timeout", limit.to_owned()),
    ];
    let found = expected.as_ref().map(|digest| {
        let digested = [("invocation", digest.clone())];
        cache.lookup_keyed(
            Fact::TestBinary,
            Some(&id),
            (&extra, &digested),
            |_: &BinaryRun| true,
        )
    });
    let (replay, replay_note) = match &found {
        Some(Ok(hit)) => {
            // What it left in the run directory goes back only once it is replayed
            // (`settle_docs`): the guess may still miss.
            (
                Some(hit.value.clone()),
                format!(
                    "    Replaying the doc tests of {}: their inputs are unchanged since run {} \
                     (inputs {})",
                    package.name, hit.reused.run_id, hit.reused.inputs
                ),
            )
        }
        _ => (None, String::new()),
    };
    let planned = PlannedDoc {
        id: id.clone(),
        manifest_dir: package.dir.clone(),
        expected: expected.clone(),
        replay,
        replay_note,
        lane: 0,
    };
    Some((
        planned,
        LookedDoc {
            id,
            extra,
            expected,
            found,
            run_dir: setup.run_dir.to_owned(),
        },
    ))
}

/// `PACKAGE (doc tests)`: a crate's doc tests among the test binaries.
fn doc_id(package: &Package) -> String {
    format!("{}{}", package.name, doc_tests::DOC_TESTS)
}

/// A crate's doc-test key looked up with `invocation`.
fn look_up_doc(
    cache: &crate::cache::Session,
    id: &str,
    extra: &[(&str, String)],
    invocation: &str,
) -> Found {
    let mut extra = extra.to_vec();
    extra.push(("invocation", invocation.to_owned()));
    cache.lookup(Fact::TestBinary, Some(id), &extra, |_| true)
}

/// The member packages that built a library, each once: whose doc tests cargo runs.
fn libraries<'f>(facts: &'f Core, build: &Build) -> Vec<&'f Package> {
    facts
        .packages
        .iter()
        .filter(|p| {
            p.role == Role::Member
                && build.artifacts.iter().any(|a| {
                    matches!(a.kind, BinaryKind::Rlib | BinaryKind::DynamicLib)
                        && !a.test
                        && a.package == p.name
                })
        })
        .collect()
}

/// One binary after the run: reused, run (and stored when it may be), or run outside the
/// plan.
pub(super) fn settle(
    cache: &crate::cache::Session,
    id: String,
    found: Option<Found>,
    reported: Option<Reported>,
    stopped: bool,
    unmoved: bool,
) -> (BinaryEvidence, Option<Obtained<BinaryRun>>) {
    let unkeyed = |why: &str| BinaryEvidence {
        id: id.clone(),
        inputs: None,
        status: BinaryStatus::Unkeyed,
        run_id: None,
        why: Some(why.to_owned()),
        failed: false,
        failed_before: None,
    };
    let Some(found) = found else {
        return (
            unkeyed("its inputs could not be keyed (the executable could not be read)"),
            None,
        );
    };
    let Some(reported) = reported else {
        return (
            unkeyed(
                "cargo did not start it through the gate (a runner or a build target of its own)",
            ),
            None,
        );
    };
    match (found, reported.replayed) {
        (Ok(hit), true) => {
            let inputs = hit.reused.inputs.clone();
            let obtained = cache.confirm(hit);
            let reuse = obtained.reused.clone();
            let failed = obtained.value.code != Some(0);
            let item = BinaryEvidence {
                id,
                inputs: Some(inputs),
                status: BinaryStatus::Reused,
                run_id: reuse.map(|r| r.run_id),
                why: None,
                failed,
                failed_before: obtained.failed_before.clone(),
            };
            (item, Some(obtained))
        }
        (found, _) => {
            let pending = match found {
                Ok(hit) => {
                    hit.pending("the executable changed after its result was looked up".to_owned())
                }
                Err(pending) => *pending,
            };
            let inputs = pending.inputs();
            let why = pending.why().map(str::to_owned);
            let Some(run) = reported.run else {
                let mut item = unkeyed(
                    reported
                        .unkept
                        .as_deref()
                        .unwrap_or("it printed more than a result keeps"),
                );
                item.inputs = inputs;
                return (item, None);
            };
            let failed = run.code != Some(0);
            let keep = if !unmoved || (stopped && run.code.is_none()) {
                Keep::Not
            } else if failed {
                Keep::Failed
            } else {
                Keep::Passed
            };
            let fresh = Fresh {
                files: reported.files,
                ..Fresh::of(run, keep)
            };
            let obtained = cache.complete(pending, fresh);
            let item = BinaryEvidence {
                id,
                inputs,
                status: BinaryStatus::Ran,
                run_id: None,
                why,
                failed,
                failed_before: obtained.failed_before.clone(),
            };
            (item, Some(obtained))
        }
    }
}

impl BinaryEvidence {
    /// Whether this is a crate's doc tests rather than a test binary.
    pub fn is_doc_tests(&self) -> bool {
        self.id.ends_with(doc_tests::DOC_TESTS)
    }

    /// The reuse to name in the report, when the binary's result was reused.
    pub fn reuse(&self) -> Option<crate::report::Reuse> {
        match (&self.status, &self.run_id, &self.inputs) {
            (BinaryStatus::Reused, Some(run_id), Some(inputs)) => Some(crate::report::Reuse {
                fact: match self.id.strip_suffix(doc_tests::DOC_TESTS) {
                    Some(package) => format!("doc tests of {package}"),
                    None => format!("test binary {}", self.id),
                },
                run_id: run_id.clone(),
                inputs: inputs.clone(),
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::runner_applies;

    /// getrandom's `.cargo/config.toml` sets runners for `wasm32-*` and for
    /// `cfg(target_os = "emscripten")`: none runs a Linux host's tests; the host's triple, a
    /// `cfg` it meets, and one the gate cannot decide do.
    #[test]
    fn a_runner_for_another_target_is_not_the_host_s() {
        let host = "x86_64-unknown-linux-gnu";
        for other in [
            "wasm32-unknown-unknown",
            "cfg(target_os = \"emscripten\")",
            "cfg(all(target_arch = \"wasm32\", target_os = \"wasi\"))",
            "cfg(windows)",
        ] {
            assert!(!runner_applies(other, host), "{other}");
        }
        for applies in [
            host,
            "cfg(unix)",
            "cfg(target_os = \"linux\")",
            "cfg(feature = \"x\")",
            "cfg(all(unix, my_flag))",
            "cfg(not valid",
        ] {
            assert!(runner_applies(applies, host), "{applies}");
        }
        assert!(runner_applies("cfg(windows)", "x86_64-unknown-made-up"));
    }
}
