//! Running the tests for the test-run fact: on the pinned toolchain only, with the runner the
//! workspace configures (nextest when `.config/nextest.toml` says so and it is installed),
//! after the shared build when there is one, through the evidence cache (keyed by the runner
//! and the per-test limit), watched by the [`TestClock`](super::TestClock), with what the
//! tools under test left in the run directory kept with the run and put back when it is
//! reused.

use super::binaries;
use super::clock::TestClock;
use super::model::{Ran, Runner, TestRun, TestRunFact, TestSetup};
use super::nextest_binaries;
use super::parse::TestCounts;
use super::replay::restore_run_files;
use crate::cache::{Fact, Fresh, Keep};
use crate::facts::core::{Core, Resolve};
use crate::tools::cargo::{self, Cargo};
use crate::tools::environment::{Environment, TestShard};
use std::path::Path;
use std::time::Duration;

/// Gathers the test run (the fact [`Facts::test_run`] keeps): on the pinned toolchain only,
/// after the shared build when there is one, through the evidence cache.
pub(crate) fn gather(facts: &Core, setup: &TestSetup<'_>) -> TestRunFact {
    let cargo = setup.cargo;
    if let Some(other) = other_toolchain(&facts.root, setup.environment) {
        return TestRunFact::OtherToolchain(other);
    }
    let shard = setup.environment.test_shard.as_ref();
    let (runner, nextest_version) = match choose_runner(facts, cargo, shard) {
        Ok(chosen) => chosen,
        Err(why) => return TestRunFact::CouldNotRun(why),
    };
    let limit = setup.test_timeout;
    // Kept until the run ends: nextest reads it when it starts.
    let nextest_config = match runner {
        Runner::Nextest => match nextest_tool_config(limit, setup.scratch) {
            Ok(file) => Some(file),
            Err(e) => {
                return TestRunFact::CouldNotRun(format!(
                    "could not write nextest's time limit to a temporary file: {e}"
                ));
            }
        },
        Runner::CargoTest => None,
    };
    let tool = nextest_config
        .as_ref()
        .map(|file| format!("cargo-gate:{}", file.path().display()));
    // The build is a fact of the run. When kernels.build needs it too (a package uses
    // gate-build), or the run is kept per test binary (the build lists the binaries and their
    // digests), it is compiled once, up front, and shared; otherwise `cargo test` compiles
    // and runs in one go (no second cargo pass over the graph). Either way a failure is
    // reported by tests.pass, once, with the compiler's own error lines.
    let shared_build = facts.kernels_in_build() || !facts.root.join("Cargo.lock").is_file();
    if shared_build && !facts.build(cargo).is_ok_and(|build| build.ok) {
        return TestRunFact::NotBuilt;
    }
    let plan = Plan {
        runner,
        tool: tool.as_deref(),
        nextest_version: &nextest_version,
        shard,
    };
    let cache = facts.cache();
    let (obtained, binary_failed_before, on_build) = match cache.lookup(
        Fact::Tests,
        None,
        &plan.key(limit),
        |_: &Result<TestRun, String>| true,
    ) {
        Ok(hit) => (cache.confirm(hit), None, shared_build),
        Err(pending) => match fresh(facts, setup, &plan, &pending) {
            Ok((fresh, failed_before, on_build)) => (
                cache.complete(*pending, fresh),
                failed_before,
                shared_build || on_build,
            ),
            Err(not_run) => return not_run,
        },
    };
    drop(nextest_config);
    concluded(
        facts,
        setup,
        runner,
        obtained,
        binary_failed_before,
        on_build,
    )
}

/// The test-run fact from the run obtained (kept or afresh): what it left in the run
/// directory put back when it was kept, its results, a binary or run that failed before on
/// the same inputs, why no test could run, and the build's reuse when the tests ran on it.
fn concluded(
    facts: &Core,
    setup: &TestSetup<'_>,
    runner: Runner,
    obtained: crate::cache::Obtained<Result<TestRun, String>>,
    binary_failed_before: Option<(String, Vec<String>)>,
    on_build: bool,
) -> TestRunFact {
    let cargo = setup.cargo;
    // Whether this run's tests ran on the build fact (its reuse is then named with theirs).
    let build_reuse = on_build.then(|| facts.build_reuse().cloned()).flatten();
    let run = match obtained.value {
        Ok(run) => run,
        // Says itself what it is: cargo not started, a build stopped at the time limit, a
        // unit cargo would not rebuild.
        Err(e) => return TestRunFact::CouldNotRun(e),
    };
    if obtained.reused.is_some() {
        restore_run_files(setup.run_dir, &obtained.files);
    }
    let (failed_before, suspects) = match (obtained.failed_before, binary_failed_before) {
        (Some(run), _) => (Some(run), obtained.suspects),
        (None, Some((run, suspects))) => (Some(run), suspects),
        (None, None) => (None, Vec::new()),
    };
    let counts = TestCounts::parse(&run.captured.log, runner);
    let failed = !run.captured.success();
    let unavailable = (failed && !counts.saw_summary)
        .then(|| cargo::classify_unavailable_before_tests(&run.captured.log, cargo.offline()))
        .flatten();
    let lockfile_unresolved = failed && matches!(facts.resolve(cargo), Ok(Resolve::Failed { .. }));
    TestRunFact::Ran(Box::new(Ran {
        results: counts.results(),
        run,
        runner,
        reused: obtained.reused,
        build_reuse,
        failed_before,
        suspects,
        unavailable,
        lockfile_unresolved,
    }))
}

/// How the tests run: the runner, nextest's time-limit file as its `--tool-config-file`
/// argument, its version, and the shard (nextest's hash bucket) when there is one.
struct Plan<'a> {
    runner: Runner,
    tool: Option<&'a str>,
    nextest_version: &'a str,
    shard: Option<&'a TestShard>,
}

impl Plan<'_> {
    /// The run's key beside the tree: the runner and the per-test limit (which decides what a
    /// run that hangs concludes), and a shard's bucket and archive (its result is its
    /// bucket's, of the binaries in its archive).
    fn key(&self, limit: Duration) -> Vec<(&'static str, String)> {
        let runner = match self.runner {
            Runner::CargoTest => "cargo test",
            Runner::Nextest => "cargo nextest",
        };
        vec![
            ("runner", runner.to_owned()),
            ("test-timeout", limit.as_millis().to_string()),
            (
                "shard",
                self.shard.map(TestShard::label).unwrap_or_default(),
            ),
            (
                "archive",
                self.shard
                    .and_then(|s| s.archive_sha256.clone())
                    .unwrap_or_default(),
            ),
        ]
    }

    /// The command that runs every test at once: `cargo test`, or nextest over the workspace
    /// or over a shard's archive (which holds the build: nextest takes no cargo options
    /// with it).
    fn whole_command(&self, cargo: &Cargo, root: &Path) -> std::process::Command {
        let Some(tool) = self.tool else {
            return cargo.command("test", &["--locked", "--workspace", "--no-fail-fast"]);
        };
        let partition = self.shard.map(|s| format!("hash:{}/{}", s.index, s.count));
        let mut run = vec!["run", "--no-fail-fast", "--tool-config-file", tool];
        run.extend(super::parse::NEXTEST_REPORTING);
        if let Some(partition) = &partition {
            run.extend(["--partition", partition]);
        }
        if let Some(archive) = self.shard.and_then(|s| s.archive.as_deref()) {
            let mut cmd = cargo.command_without_build("nextest", &run);
            cmd.arg("--archive-file")
                .arg(archive)
                .arg("--workspace-remap")
                .arg(root);
            return cmd;
        }
        run.extend(["--locked", "--workspace"]);
        cargo.command("nextest", &run)
    }
}

/// The runner: nextest for a shard (its hash bucket, which no other runner can run; an error
/// when nextest is not installed) or where `.config/nextest.toml` asks for it and nextest is
/// installed, with its version; `cargo test` otherwise.
fn choose_runner(
    facts: &Core,
    cargo: &Cargo,
    shard: Option<&TestShard>,
) -> Result<(Runner, String), String> {
    if shard.is_some() {
        return match nextest_version(cargo) {
            Some(version) => Ok((Runner::Nextest, version)),
            None => Err(
                "--test-shard runs the tests with cargo-nextest (`--partition \
                         hash:K/N`), which is not installed: `cargo install cargo-nextest \
                         --locked`"
                    .to_owned(),
            ),
        };
    }
    if facts.root.join(".config/nextest.toml").is_file()
        && let Some(version) = nextest_version(cargo)
    {
        return Ok((Runner::Nextest, version));
    }
    Ok((Runner::CargoTest, String::new()))
}

/// The run gathered afresh (nothing kept matched): per test binary where the build can key
/// them, whole otherwise (and then, under nextest, with the doc tests after it), with a
/// binary that failed before on the same inputs and whether the tests ran on the build
/// fact; a build that failed is [`TestRunFact::NotBuilt`].
fn fresh(
    facts: &Core,
    setup: &TestSetup<'_>,
    plan: &Plan<'_>,
    pending: &crate::cache::Pending,
) -> Result<FreshRun, TestRunFact> {
    let (cargo, runner) = (setup.cargo, plan.runner);
    let whole = |why: String| {
        let mut fresh = run_tests(facts, setup, plan.whole_command(cargo, &facts.root), runner);
        // A shard is one bucket of nextest's: the doc tests are no shard's.
        if runner == Runner::Nextest && plan.shard.is_none() {
            fresh = with_doc_tests(facts, setup, fresh);
        }
        if let Ok(run) = &mut fresh.value {
            run.whole = Some(why);
        }
        fresh
    };
    // Asked only now: an unchanged tree (the whole run reused) needs no plan.
    let host = match binaries::keyable(facts, setup, runner) {
        Ok(host) => host,
        Err(why) => return Ok((whole(why), None, false)),
    };
    let build = match facts.build(cargo) {
        Ok(build) if build.ok => build,
        _ => return Err(TestRunFact::NotBuilt),
    };
    let tests = |cmd| run_tests(facts, setup, cmd, runner);
    let per = match plan.tool {
        Some(tool) => {
            let nextest = |extra: &[&str]| {
                let mut run = vec!["run", "--no-fail-fast", "--tool-config-file"];
                run.extend([tool, "--locked", "--workspace"]);
                run.extend(extra);
                cargo.command("nextest", &run)
            };
            let key = nextest_key(facts, plan.nextest_version);
            let with = (nextest, key.as_slice());
            nextest_binaries::run(facts, setup, build, pending, with, tests)
        }
        None => binaries::run(facts, setup, build, &host, pending, tests),
    };
    Ok(match per {
        Ok(per) => (per.fresh, per.failed_before, true),
        // Run whole after all, on the build already made.
        Err(why) => (whole(why), None, true),
    })
}

/// What [`fresh`] gathered: the run, a binary that failed before on the same inputs (with
/// the variables set in one run only), and whether the tests ran on the build fact.
type FreshRun = (
    Fresh<Result<TestRun, String>>,
    Option<(String, Vec<String>)>,
    bool,
);

/// Why the tests would be evidence about another toolchain: the workspace pins a toolchain
/// and the rustc that cargo runs (environment.json's `rustc -vV`) cannot be it
/// ([`crate::tools::pin::other_than_pinned`]), as when `cargo +stable gate` or
/// `RUSTUP_TOOLCHAIN` overrides the pin (or the pin is not installed and something else
/// answers). A pass there says nothing about the pinned one.
pub(crate) fn other_toolchain(root: &Path, environment: &Environment) -> Option<String> {
    let (file, pin) = crate::tools::pin::pinned_channel(root)?;
    let release = environment.rustc.get("release")?;
    let rustup = std::env::var("RUSTUP_TOOLCHAIN")
        .ok()
        .filter(|t| !t.is_empty());
    if !crate::tools::pin::other_than_pinned(&pin, &environment.rustc, rustup.as_deref()) {
        return None;
    }
    let overridden = rustup.map_or_else(String::new, |t| {
        format!(" (RUSTUP_TOOLCHAIN={t}, as `cargo +{t}` sets it, overrides {file})")
    });
    Some(format!(
        "cargo runs rustc {release}, not the {pin} that {file} pins{overridden}: tests there are \
         no evidence for the pinned toolchain; run the gate without the override, after \
         `rustup toolchain install {pin}` if it is not installed"
    ))
}

/// nextest's run followed by the doc tests (nextest runs none; its documentation has
/// `cargo test --doc` run beside it), as one run: when nextest finished, `cargo test --doc`
/// runs and its log, counts and exit status join the run's (`parse.rs` tells the two logs
/// apart). A workspace without a library adds nothing.
fn with_doc_tests(
    facts: &Core,
    setup: &TestSetup<'_>,
    nextest: Fresh<Result<TestRun, String>>,
) -> Fresh<Result<TestRun, String>> {
    let finished = nextest
        .value
        .as_ref()
        .is_ok_and(|r| r.captured.stopped.is_none() && r.over_limit.is_none());
    if !finished {
        return nextest;
    }
    let doc = setup.cargo.command(
        "test",
        &["--locked", "--workspace", "--no-fail-fast", "--doc"],
    );
    let docs = run_tests(facts, setup, doc, Runner::CargoTest);
    super::doc_lanes::with_doc_tests(nextest, docs, setup.cargo.offline(), Runner::Nextest)
}

/// Runs the tests once: the fact the cache keeps, with what they left in the run directory.
fn run_tests(
    facts: &Core,
    setup: &TestSetup<'_>,
    mut cmd: std::process::Command,
    runner: Runner,
) -> Fresh<Result<TestRun, String>> {
    // Tools under test (gate-runtime) leave their decision logs and stats where the gate
    // says; the seed makes randomised tests replayable. The build saw the same values.
    let _ = std::fs::create_dir_all(setup.run_dir);
    // Compiled first, so the binaries that run are proven built from this tree.
    let built = match facts.build_for_tests(setup.cargo) {
        Ok(built) => built,
        Err(e) => return Fresh::of(Err(e), Keep::Not),
    };
    for (key, value) in facts.build_env() {
        cmd.env(key, value);
    }
    cmd.env("GATE_RUN_DIR", setup.run_dir)
        .env("GATE_SEED", setup.environment.seed.to_string());
    let mut clock = TestClock::new(setup.test_timeout, runner, facts.root.clone());
    let captured = setup
        .cargo
        .run_watched(cmd, &mut |new, now| clock.watch(new, now))
        .map(|mut captured| {
            captured.log.insert_str(0, &built.rebuilt);
            captured
        })
        .map_err(|e| format!("could not run cargo: {e}"));
    let run = captured.map(|captured| TestRun::of(captured, clock.over_limit.take()));
    // A test stopped at the per-test limit is a verdict on the workspace: the test hung (a
    // deadlock, a loop, a wait on something that never comes) or is slower than the team
    // allows. It is kept as a failure like a failing assertion, so the same inputs do not
    // spend the limit again to learn the same thing; raising the limit changes the key, and
    // a later pass on the same inputs (`--no-cache`) is reported as flaky. The whole-run
    // `[tests] timeout` is not kept: it measures the machine and the suite's size as much as
    // any one test.
    let keep = run
        .as_ref()
        .map_or(Keep::Not, |run| run.keep(runner, setup.cargo.offline()));
    // What compiling the tests read that the key cannot see (a git-ignored module, a file
    // outside the root, `env!`): kept only when the run is worth storing.
    let read = if keep == Keep::Not {
        Default::default()
    } else {
        built.read
    };
    let mut fresh = Fresh {
        read,
        ..Fresh::of(run, keep)
    };
    super::replay::keep_run_files(&mut fresh, setup.run_dir);
    fresh
}

impl TestRun {
    /// Whether the evidence cache keeps this run, and as what: a run the gate stopped at the
    /// per-test limit as a failure; one stopped otherwise (the whole-run limit, an interrupt)
    /// not at all; one the environment kept from running (no network, no toolchain: no test
    /// reported) not at all; one with a failing test, a binary that exited before its result
    /// or a failing cargo as a failure; any other (an empty run too) as a pass — as
    /// `tests.pass` judges it.
    pub fn keep(&self, runner: Runner, offline: bool) -> Keep {
        let captured = &self.captured;
        if self.over_limit.is_some() {
            return Keep::Failed;
        }
        if captured.stopped.is_some() || captured.code.is_none() || !self.raced.is_empty() {
            return Keep::Not;
        }
        let counts = TestCounts::parse(&captured.log, runner);
        let failed = !captured.success();
        if failed
            && !counts.saw_summary
            && cargo::classify_unavailable_before_tests(&captured.log, offline).is_some()
        {
            return Keep::Not;
        }
        if failed || counts.failed > 0 || !counts.silent.is_empty() {
            Keep::Failed
        } else {
            Keep::Passed
        }
    }
}

/// What a binary's key carries under nextest besides its own: nextest's version and the
/// repository's nextest configuration (its profiles, filters and retries decide what a run
/// concludes).
fn nextest_key(facts: &Core, version: &str) -> Vec<(&'static str, String)> {
    let config =
        gate_support::read::bytes_capped(&facts.root.join(".config/nextest.toml"), 1 << 20)
            .map(|bytes| gate_support::digest::sha256_hex(&bytes))
            .unwrap_or_default();
    vec![("nextest", version.to_owned()), ("nextest-config", config)]
}

/// `cargo nextest --version`, when nextest is installed.
fn nextest_version(cargo: &Cargo) -> Option<String> {
    let out = crate::tools::process::output(cargo.command("nextest", &["--version"])).ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// nextest's settings that carry `[tests] test-timeout`: a tool config (below the
/// repository's own `.config/nextest.toml`, which wins where it sets `slow-timeout`).
fn nextest_tool_config(limit: Duration, dir: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    use std::io::Write;
    let mut file = tempfile::Builder::new()
        .prefix(".scratch-nextest-")
        .suffix(".toml")
        .tempfile_in(dir)?;
    writeln!(
        file,
        "[profile.default]\nslow-timeout = {{ period = \"{}ms\", terminate-after = 1 }}",
        limit.as_millis()
    )?;
    file.flush()?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pinned release, or a named channel, runs the tests (`tests.pass`'s tests show
    /// what another release makes of them).
    #[test]
    fn the_pinned_release_or_a_named_channel_runs_the_tests() {
        for (file, text) in [
            ("rust-toolchain.toml", "[toolchain]\nchannel = \"1.97\"\n"),
            ("rust-toolchain", "1.97.0\n"),
            ("rust-toolchain.toml", "[toolchain]\nchannel = \"stable\"\n"),
        ] {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join(file), text).unwrap();
            let mut env = Environment::for_tests();
            env.rustc.insert("release".into(), "1.97.0".into());
            let other = other_toolchain(dir.path(), &env);
            assert_eq!(other, None, "{file}: {text}");
        }
    }

    /// The tool config nextest is given parses as nextest reads it.
    #[test]
    fn nextest_is_given_the_limit_as_its_slow_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let file = nextest_tool_config(Duration::from_secs(90), dir.path()).unwrap();
        assert!(file.path().starts_with(dir.path()));
        let text = std::fs::read_to_string(file.path()).unwrap();
        let doc: toml::Table = toml::from_str(&text).unwrap();
        let slow = &doc["profile"]["default"]["slow-timeout"];
        assert_eq!(slow["period"].as_str(), Some("90000ms"));
        assert_eq!(slow["terminate-after"].as_integer(), Some(1));
        assert!(file.path().is_absolute());
    }
}
